import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { useT } from '../../app/i18n';
import { roleList } from '../../app/labels';
import { Notice } from '../../ui/Alerts';
import { Chip } from '../../ui/Chip';
import { PageHeader } from '../../ui/Page';
import { useMe } from '../auth/session';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TokensPanel } from './TokensPanel';

/** `/account`: own profile, password change and API tokens. */
export function AccountPage() {
  const t = useT();
  const me = useMe();
  const location = useLocation();

  // Arriving from the "temporary password" banner: bring the password form into view.
  useEffect(() => {
    if (location.hash === '#password') document.getElementById('password')?.scrollIntoView();
  }, [location.hash]);

  return (
    <section>
      <PageHeader title={t('account.title')} />
      <div className="account-grid">
        <section className="panel" aria-labelledby="profile-title">
          <h2 id="profile-title">{t('account.profile')}</h2>
          <dl className="details">
            <dt>{t('account.username')}</dt>
            <dd className="mono">{me.username}</dd>
            <dt>{t('account.displayName')}</dt>
            <dd>{me.displayName}</dd>
            <dt>{t('account.roles')}</dt>
            <dd>{me.roles.length > 0 ? roleList(me.roles, t.lang) : t('common.none')}</dd>
            <dt>{t('account.mfa')}</dt>
            <dd>{me.mfaEnabled ? <Chip tone="ok">{t('users.mfaOn')}</Chip> : <Chip tone="neutral">{t('users.mfaOff')}</Chip>}</dd>
          </dl>
        </section>
        <section className="panel" id="password" aria-labelledby="password-title">
          <h2 id="password-title">{t('account.passwordTitle')}</h2>
          {me.mustChangePassword ? <Notice tone="warning">{t('account.mustChange')}</Notice> : null}
          <ChangePasswordForm />
        </section>
      </div>
      <section className="panel" aria-labelledby="tokens-title">
        <h2 id="tokens-title">{t('account.tokensTitle')}</h2>
        <TokensPanel />
      </section>
    </section>
  );
}
