import { useEffect } from 'react';
import { LanguageSwitch } from './LanguageSwitch';
import { useT } from './i18n';

/** The browser tab names the page, then the product. */
export function useDocumentTitle(title: string) {
  const t = useT();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
}

/** The header of pages seen without a session (sign-in, citizens): the brand and the language switch. */
export function PublicHeader({ tagline = false }: { tagline?: boolean }) {
  const t = useT();
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          <span className="brand-name">{t('app.name')}</span>
          {tagline ? <span className="brand-tagline">{t('app.tagline')}</span> : null}
        </p>
        <div className="header-tools">
          <LanguageSwitch />
        </div>
      </div>
    </header>
  );
}
