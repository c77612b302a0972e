import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../common/errors';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert, Notice } from '../../ui/Alerts';
import { TextField } from '../../ui/Field';
import { authApi } from './api';
import { useSession, type LoginNotice } from './session';

export function LoginForm({ notice }: { notice: LoginNotice }) {
  const t = useT();
  const { enter } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ username?: string; password?: string }>({});

  const login = useMutation({
    mutationFn: () => authApi.login(username.trim(), password),
    onSuccess: (res) => enter(res.stage, res.user),
    onError: () => setPassword(''),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m: typeof missing = {};
    if (!username.trim()) m.username = t('common.required');
    if (!password) m.password = t('common.required');
    setMissing(m);
    if (m.username || m.password) return;
    login.mutate();
  };

  return (
    <>
      <h1 className="auth-title" tabIndex={-1}>
        {t('auth.title')}
      </h1>
      <p className="auth-intro">{t('auth.intro')}</p>
      {notice === 'session_expired' && !login.isError ? <Notice tone="warning">{errorMessage('session_expired', t.lang)}</Notice> : null}
      {notice === 'logged_out' && !login.isError ? <Notice tone="info">{t('app.loggedOut')}</Notice> : null}
      <ErrorAlert error={login.error} inlineFields={['username', 'password']} />
      <form onSubmit={submit} noValidate className="form-stack">
        <TextField
          label={t('auth.username')}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          autoFocus
          value={username}
          onChange={setUsername}
          error={missing.username ?? fieldErrorOf(login.error, 'username')}
        />
        <TextField
          label={t('auth.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
          error={missing.password ?? fieldErrorOf(login.error, 'password')}
        />
        <button type="submit" className="button button--primary button--block" disabled={login.isPending}>
          {login.isPending ? t('auth.signingIn') : t('auth.signIn')}
        </button>
      </form>
    </>
  );
}
