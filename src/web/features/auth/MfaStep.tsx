import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { TextField } from '../../ui/Field';
import { authApi } from './api';
import { useSession } from './session';

/** Second step of sign-in: the authenticator's 6-digit code, or one recovery code. */
export function MfaStep() {
  const t = useT();
  const { enter, reset } = useSession();
  const [params] = useSearchParams();
  const location = useLocation();
  const recovery = params.get('mode') === 'recovery';
  const [code, setCode] = useState('');
  const [localError, setLocalError] = useState<string | undefined>();
  const inputRef = useRef<HTMLInputElement>(null);

  const verify = useMutation({
    mutationFn: (value: string) => (recovery ? authApi.verifyRecovery(value) : authApi.verifyCode(value)),
    onSuccess: (res) => enter(res.stage, res.user),
    onError: () => {
      setCode('');
      inputRef.current?.focus();
    },
  });

  const cancel = useMutation({
    mutationFn: async () => {
      try {
        await authApi.logout();
      } catch {
        /* nothing to undo */
      }
    },
    onSettled: () => reset(null),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = recovery ? code.trim() : code.replace(/\s+/g, '');
    if (!recovery && !/^\d{6}$/.test(value)) {
      setLocalError(t('auth.codeInvalid'));
      inputRef.current?.focus();
      return;
    }
    if (recovery && !value) {
      setLocalError(t('common.required'));
      inputRef.current?.focus();
      return;
    }
    setLocalError(undefined);
    verify.mutate(value);
  };

  const field = recovery ? 'recoveryCode' : 'code';
  return (
    <>
      <h1 className="auth-title" tabIndex={-1}>
        {recovery ? t('auth.recoveryTitle') : t('auth.mfaTitle')}
      </h1>
      <p className="auth-intro">{recovery ? t('auth.recoveryIntro') : t('auth.mfaIntro')}</p>
      <ErrorAlert error={verify.error} inlineFields={[field]} />
      <form onSubmit={submit} noValidate className="form-stack" key={field}>
        {recovery ? (
          <TextField
            ref={inputRef}
            label={t('auth.recoveryCode')}
            name="recoveryCode"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            required
            autoFocus
            className="field--code"
            value={code}
            onChange={setCode}
            error={localError ?? fieldErrorOf(verify.error, field)}
          />
        ) : (
          <TextField
            ref={inputRef}
            label={t('auth.code')}
            hint={t('auth.codeHint')}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]*"
            maxLength={6}
            required
            autoFocus
            className="field--code"
            value={code}
            onChange={(v) => setCode(v.replace(/[^\d]/g, ''))}
            error={localError ?? fieldErrorOf(verify.error, field)}
          />
        )}
        <button type="submit" className="button button--primary button--block" disabled={verify.isPending}>
          {t('auth.verify')}
        </button>
      </form>
      <div className="auth-links">
        <p>
          {recovery ? (
            <Link to="/login" replace state={location.state} onClick={() => { setCode(''); setLocalError(undefined); verify.reset(); }}>
              {t('auth.useApp')}
            </Link>
          ) : (
            <Link to="/login?mode=recovery" replace state={location.state} onClick={() => { setCode(''); setLocalError(undefined); verify.reset(); }}>
              {t('auth.useRecovery')}
            </Link>
          )}
        </p>
        <p>
          <button type="button" className="button button--link" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {t('auth.cancelLogin')}
          </button>
        </p>
      </div>
    </>
  );
}
