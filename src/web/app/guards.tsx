import type { ReactNode } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import type { Permission } from '../../common/roles';
import { useSession } from '../features/auth/session';
import { Loading } from '../ui/Alerts';
import { PageHeader } from '../ui/Page';
import { useT } from './i18n';

/** Children render only with an active (fully signed-in) session; otherwise to /login and back afterwards. */
export function RequireActive({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') {
    return (
      <main id="main" className="app-main">
        <Loading />
      </main>
    );
  }
  if (state.status !== 'active') {
    return <Navigate to="/login" replace state={{ from: { pathname: location.pathname, search: location.search } }} />;
  }
  return <>{children}</>;
}

/** A page the user's permissions do not cover shows an explanation instead (the nav hides it anyway). */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const t = useT();
  const { state } = useSession();
  if (state.status === 'active' && state.me.permissions.includes(permission)) return <>{children}</>;
  return (
    <section>
      <PageHeader title={t('app.forbiddenTitle')} />
      <p>{t('app.forbiddenText', { permission })}</p>
      <p>
        <Link to="/">{t('app.backHome')}</Link>
      </p>
    </section>
  );
}

export function NotFoundPage() {
  const t = useT();
  return (
    <section>
      <PageHeader title={t('app.notFoundTitle')} />
      <p>{t('app.notFoundText')}</p>
      <p>
        <Link to="/">{t('app.backHome')}</Link>
      </p>
    </section>
  );
}
