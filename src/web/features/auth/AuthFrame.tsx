import { useEffect, type ReactNode } from 'react';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useT } from '../../app/i18n';

/** The frame of the sign-in screens: institutional header, language switch and one centred card. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  const t = useT();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
  return (
    <div className="auth-frame">
      <header className="app-header">
        <div className="app-header-inner">
          <p className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>
            <span className="brand-name">{t('app.name')}</span>
            <span className="brand-tagline">{t('app.tagline')}</span>
          </p>
          <div className="header-tools">
            <LanguageSwitch />
          </div>
        </div>
      </header>
      <main id="main" className="auth-main">
        <div className="auth-card">{children}</div>
      </main>
    </div>
  );
}
