import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { PublicHeader, useDocumentTitle } from '../../app/PublicHeader';
import { useT } from '../../app/i18n';

/** The public pages' frame: no account, the 911 notice always in view, the language switch. */
export function CitizenFrame({ title, children }: { title: string; children: ReactNode }) {
  const t = useT();
  useDocumentTitle(title);
  return (
    <div className="citizen-frame">
      <PublicHeader />
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
