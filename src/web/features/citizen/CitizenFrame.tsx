import { useEffect, type ReactNode } from 'react';
import { Link } from 'react-router';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useT } from '../../app/i18n';

/** The public pages' frame: no account, the 911 notice always in view, the language switch. */
export function CitizenFrame({ title, children }: { title: string; children: ReactNode }) {
  const t = useT();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
  return (
    <div className="citizen-frame">
      <header className="app-header">
        <div className="app-header-inner">
          <p className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>
            <span className="brand-name">{t('app.name')}</span>
          </p>
          <div className="header-tools">
            <LanguageSwitch />
          </div>
        </div>
      </header>
      <main id="main" className="citizen-main">
        <p className="citizen-emergency" role="note">
          <strong>{t('citizen.emergencyTitle')}</strong> {t('citizen.emergencyText')}{' '}
          <a href="tel:911" className="citizen-call">
            {t('citizen.call911')}
          </a>
        </p>
        {children}
        <nav className="citizen-links" aria-label={t('citizen.linksLabel')}>
          <Link to="/reportar">{t('citizen.report.title')}</Link>
          <Link to="/seguimiento">{t('citizen.track.title')}</Link>
        </nav>
      </main>
    </div>
  );
}
