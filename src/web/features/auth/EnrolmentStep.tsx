import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { TextField } from '../../ui/Field';
import { authApi, type EnrolmentConfirmed } from './api';
import { useSession } from './session';

/** `qrSvg` is an SVG document; as an <img> data URI it cannot run scripts and passes the CSP (img-src data:). */
const svgDataUri = (svg: string) => (svg.startsWith('data:') ? svg : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);

/** First sign-in of a role that requires MFA: register the TOTP secret, confirm a code, keep the recovery codes. */
export function EnrolmentStep() {
  const t = useT();
  const { enter, reset } = useSession();
  const [code, setCode] = useState('');
  const [localError, setLocalError] = useState<string | undefined>();
  const [confirmed, setConfirmed] = useState<EnrolmentConfirmed | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  // A query (not an effect) so that the secret is asked for once, even under StrictMode double mounts.
  const enrolment = useQuery({
    queryKey: ['auth', 'mfa-enrolment'],
    queryFn: authApi.startEnrolment,
    staleTime: Infinity,
    gcTime: Infinity,
    retry: false,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });

  const confirm = useMutation({
    mutationFn: (value: string) => authApi.confirmEnrolment(value),
    onSuccess: (res) => setConfirmed(res),
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

  if (confirmed) {
    return (
      <>
        <h1 className="auth-title" tabIndex={-1}>
          {t('auth.recoveryCodesTitle')}
        </h1>
        <p className="auth-intro">{t('auth.recoveryCodesIntro')}</p>
        <ol className="recovery-codes" aria-label={t('auth.recoveryCodesList')}>
          {confirmed.recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <button type="button" className="button button--primary button--block" autoFocus onClick={() => enter(confirmed.stage, confirmed.user)}>
          {t('auth.savedThem')}
        </button>
      </>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(value)) {
      setLocalError(t('auth.codeInvalid'));
      inputRef.current?.focus();
      return;
    }
    setLocalError(undefined);
    confirm.mutate(value);
  };

  return (
    <>
      <h1 className="auth-title" tabIndex={-1}>
        {t('auth.enrolTitle')}
      </h1>
      <p className="auth-intro">{t('auth.enrolIntro')}</p>
      {enrolment.isPending ? <Loading label={t('auth.enrolLoading')} /> : null}
      <ErrorAlert error={enrolment.error} />
      {enrolment.data ? (
        <div className="enrolment">
          <p>{t('auth.enrolStep1')}</p>
          <img className="qr" src={svgDataUri(enrolment.data.qrSvg)} alt={t('auth.enrolQrAlt')} width={200} height={200} />
          <p>{t('auth.enrolStep2')}</p>
          <p className="secret">
            <span className="visually-hidden">{t('auth.enrolSecret')}: </span>
            <code data-testid="mfa-secret">{enrolment.data.secret}</code>
          </p>
          <p>{t('auth.enrolStep3')}</p>
          <ErrorAlert error={confirm.error} inlineFields={['code']} />
          <form onSubmit={submit} noValidate className="form-stack">
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
              className="field--code"
              value={code}
              onChange={(v) => setCode(v.replace(/[^\d]/g, ''))}
              error={localError ?? fieldErrorOf(confirm.error, 'code')}
            />
            <button type="submit" className="button button--primary button--block" disabled={confirm.isPending}>
              {t('auth.enrolConfirm')}
            </button>
          </form>
        </div>
      ) : null}
      <div className="auth-links">
        <p>
          <button type="button" className="button button--link" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {t('auth.cancelLogin')}
          </button>
        </p>
      </div>
    </>
  );
}
