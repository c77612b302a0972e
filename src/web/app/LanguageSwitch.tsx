import { useLang, useT } from './i18n';

/** Toggles Spanish/English; its name is the other language, written in that language. */
export function LanguageSwitch({ className = 'button button--header' }: { className?: string }) {
  const t = useT();
  const { toggle } = useLang();
  return (
    <button type="button" className={className} lang={t('app.switchLanguageLang')} title={t('app.switchLanguageHint')} onClick={toggle}>
      <span aria-hidden="true" className="lang-icon">
        ⇄{' '}
      </span>
      {t('app.switchLanguage')}
    </button>
  );
}
