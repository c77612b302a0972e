import { useCallback, useEffect, useRef, useState } from 'react';
import { useLang, useT } from '../../app/i18n';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { ErrorAlert } from '../../ui/Alerts';
import { OfflineError, forgetCredential, loadCredential, setDeviceLanguage, signInDevice, verifyPassword, type DeviceCredential } from './device';
import { DutyScreen } from './DutyScreen';
import { configureQueue, startQueue } from './queue';
import './field.css';

const ACTIVITY_KEY = 'centinela.field.lastActivity';

/** Installable app shell: manifest and service worker for /field/, so it opens with no network. */
function useInstallable() {
  useEffect(() => {
    const link = document.createElement('link');
    link.rel = 'manifest';
    link.href = '/field/manifest.webmanifest';
    const theme = document.createElement('meta');
    theme.name = 'theme-color';
    theme.content = '#0d2a4a';
    // iOS ignores the manifest's icons for the home screen: it reads this link.
    const apple = document.createElement('link');
    apple.rel = 'apple-touch-icon';
    apple.href = '/field/apple-touch-icon.png';
    document.head.append(link, theme, apple);
    // In development (Vite) there is no /field/sw.js: registration fails quietly.
    if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).catch(() => undefined);
    return () => {
      link.remove();
      apple.remove();
      theme.remove();
    };
  }, []);
}

/** Locks the screen after `minutes` without a touch; the queue keeps sending meanwhile. */
function useIdleLock(minutes: number | null) {
  const [locked, setLocked] = useState(false);
  useEffect(() => {
    if (!minutes) return undefined;
    const touch = () => localStorage.setItem(ACTIVITY_KEY, String(Date.now()));
    const check = () => {
      const last = Number(localStorage.getItem(ACTIVITY_KEY) ?? Date.now());
      if (Date.now() - last > minutes * 60_000) setLocked(true);
    };
    check();
    touch();
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    const timer = window.setInterval(check, 10_000);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
      window.clearInterval(timer);
    };
  }, [minutes]);
  return { locked, unlock: () => (localStorage.setItem(ACTIVITY_KEY, String(Date.now())), setLocked(false)) };
}

function PasswordForm({ username, onDone, submitLabel, run }: { username?: string; onDone: () => void; submitLabel: string; run: (u: string, p: string) => Promise<unknown> }) {
  const t = useT();
  const [user, setUser] = useState(username ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="field-card field-form"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        run(user, password)
          .then(onDone)
          .catch((err: unknown) => setError(err instanceof OfflineError ? new Error(t('field.offlineLogin')) : err))
          .finally(() => setBusy(false));
      }}
    >
      {username ? null : (
        <label>
          {t('field.username')}
          <input autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required />
        </label>
      )}
      <label>
        {t('field.password')}
        <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </label>
      <ErrorAlert error={error} />
      <button className="field-button field-button--primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** The field officer's phone app at /field/: sign-in to a device token, idle lock, duty screen. */
export default function FieldApp() {
  const t = useT();
  const { lang } = useLang();
  useInstallable();
  setDeviceLanguage(lang);
  const [cred, setCred] = useState<DeviceCredential | null | undefined>(undefined);
  const [idleMinutes, setIdleMinutes] = useState<number | null>(null);
  const { locked, unlock } = useIdleLock(cred ? idleMinutes : null);
  const credRef = useRef<DeviceCredential | null>(null);
  credRef.current = cred ?? null;

  useEffect(() => {
    void loadCredential().then((c) => setCred(c && Date.parse(c.expiresAt) > Date.now() ? c : null));
    configureQueue({ token: () => credRef.current?.token ?? null, onUnauthorised: () => setCred(null) });
    return startQueue();
  }, []);

  const signOut = useCallback(() => void forgetCredential().then(() => setCred(null)), []);
  const onSettings = useCallback((s: { idleMinutes: number }) => setIdleMinutes(s.idleMinutes), []);

  return (
    <div className="field-app" lang={lang === 'es' ? 'es-SV' : 'en'}>
      <header className="field-header">
        <span className="field-brand">{t('field.appName')}</span>
        <LanguageSwitch className="field-button field-button--header" />
      </header>
      <main className="field-main">
        {cred === undefined ? null : cred === null ? (
          <>
            <h1>{t('field.signInTitle')}</h1>
            <p className="field-hint">{t('field.signInHint')}</p>
            <PasswordForm submitLabel={t('field.signIn')} run={(u, p) => signInDevice(u, p).then(setCred)} onDone={() => undefined} />
          </>
        ) : locked ? (
          <>
            <h1>{t('field.lockedTitle')}</h1>
            <p className="field-hint">{t('field.lockedHint', { name: cred.displayName })}</p>
            <PasswordForm username={cred.username} submitLabel={t('field.unlock')} run={(_u, p) => verifyPassword(cred, p)} onDone={unlock} />
          </>
        ) : (
          <DutyScreen cred={cred} onSettings={onSettings} onSignOut={signOut} />
        )}
      </main>
    </div>
  );
}
