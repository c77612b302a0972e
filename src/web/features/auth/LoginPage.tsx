import { Navigate, useLocation } from 'react-router';
import { useT } from '../../app/i18n';
import { Loading } from '../../ui/Alerts';
import { AuthFrame } from './AuthFrame';
import { EnrolmentStep } from './EnrolmentStep';
import { LoginForm } from './LoginForm';
import { MfaStep } from './MfaStep';
import { ChangePasswordForm } from '../account/ChangePasswordForm';
import { useSession } from './session';

type FromState = { from?: { pathname?: string; search?: string } } | null;

/** `/login`: password, then the MFA step the server asks for; an active session goes where it was heading. */
export function LoginPage() {
  const t = useT();
  const { state } = useSession();
  const location = useLocation();

  if (state.status === 'active') {
    const from = (location.state as FromState)?.from;
    const target = from?.pathname && from.pathname !== '/login' ? `${from.pathname}${from.search ?? ''}` : '/';
    return <Navigate to={target} replace />;
  }

  switch (state.status) {
    case 'loading':
      return (
        <AuthFrame title={t('auth.title')}>
          <Loading />
        </AuthFrame>
      );
    case 'mfa_pending':
      return (
        <AuthFrame title={t('auth.mfaTitle')}>
          <MfaStep />
        </AuthFrame>
      );
    case 'mfa_enrolment':
      return (
        <AuthFrame title={t('auth.enrolTitle')}>
          <EnrolmentStep />
        </AuthFrame>
      );
    case 'password_change':
      // A temporary password opens nothing but this form; the server refuses everything else meanwhile.
      return (
        <AuthFrame title={t('auth.passwordChangeTitle')}>
          <h1 id="password-title">{t('auth.passwordChangeTitle')}</h1>
          <p className="auth-intro">{t('auth.passwordChangeIntro')}</p>
          <ChangePasswordForm />
        </AuthFrame>
      );
    default:
      return (
        <AuthFrame title={t('auth.title')}>
          <LoginForm notice={state.notice} />
        </AuthFrame>
      );
  }
}
