import { useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { useMe, useSession } from '../features/auth/session';
import { useT } from './i18n';
import { LanguageSwitch } from './LanguageSwitch';
import { roleList } from './labels';
import { visibleNav } from './nav';

/** The authenticated shell: institutional header, role-aware navigation and the page. */
export function Layout() {
  const t = useT();
  const me = useMe();
  const { logout } = useSession();
  const location = useLocation();
  const firstRender = useRef(true);

  // After in-app navigation move focus to the new page's heading, so screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return undefined;
    }
    const frame = requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('#main h1');
      heading?.focus({ preventScroll: false });
    });
    return () => cancelAnimationFrame(frame);
  }, [location.pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <p className="brand">
            <Link to="/" className="brand-link">
              <span className="brand-mark" aria-hidden="true">
                ◆
              </span>
              <span className="brand-name">{t('app.name')}</span>
            </Link>
            <span className="brand-tagline">{t('app.tagline')}</span>
          </p>
          <div className="header-tools">
            <p className="user-badge">
              <span className="user-name">{t('app.signedInAs', { name: me.displayName || me.username })}</span>
              {me.roles.length > 0 ? <span className="user-roles">{roleList(me.roles, t.lang)}</span> : null}
            </p>
            <LanguageSwitch />
            <button type="button" className="button button--header" onClick={() => void logout()}>
              {t('app.logout')}
            </button>
          </div>
        </div>
        <nav className="main-nav" aria-label={t('app.mainNav')}>
          <ul className="main-nav-list">
            {visibleNav(me.permissions).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === '/'} className="main-nav-link">
                  {t(item.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {me.mustChangePassword && location.pathname !== '/account' ? (
        <div className="banner banner--warning" role="status">
          <div className="banner-inner">
            <span aria-hidden="true">⚠ </span>
            {t('app.mustChangePassword')} <Link to="/account#password">{t('app.mustChangePasswordLink')}</Link>.
          </div>
        </div>
      ) : null}
      <main id="main" className="app-main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
