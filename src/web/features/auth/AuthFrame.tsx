import type { ReactNode } from 'react';
import { PublicHeader, useDocumentTitle } from '../../app/PublicHeader';

/** The frame of the sign-in screens: institutional header, language switch and one centred card. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="auth-frame">
      <PublicHeader tagline />
      <main id="main" className="auth-main">
        <div className="auth-card">{children}</div>
      </main>
    </div>
  );
}
