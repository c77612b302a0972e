import { errorMessage, type Lang } from '../../../common/errors';
import { ProblemError, type Problem } from '../../app/api';
import { kvDelete, kvGet, kvSet } from './idb';

/** The device credential: a scoped bearer token, revocable from the account page, kept in IndexedDB. */
export type DeviceCredential = { token: string; tokenId: string; username: string; displayName: string; expiresAt: string; verifier?: Verifier };
/** PBKDF2 of the password, so that the idle lock can be lifted where there is no signal. */
type Verifier = { salt: string; hash: string; iterations: number };

const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
async function pbkdf2(password: string, salt: Uint8Array, iterations: number) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  return b64(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, key, 256));
}
async function makeVerifier(password: string): Promise<Verifier> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iterations = 310_000;
  return { salt: b64(salt), hash: await pbkdf2(password, salt, iterations), iterations };
}

const KEY = 'credential';
export const DEVICE_SCOPES = ['field:use', 'units:position'] as const;

export const loadCredential = () => kvGet<DeviceCredential>(KEY);
export const forgetCredential = () => kvDelete(KEY);

let lang: Lang = 'es';
export const setDeviceLanguage = (l: Lang) => {
  lang = l;
};
const acceptLanguage = () => (lang === 'en' ? 'en, es;q=0.5' : 'es-SV, es;q=0.9');

/** A network failure (offline, DNS, reset) as opposed to an answer from the server. */
export class OfflineError extends Error {}

async function call(path: string, init: RequestInit & { token?: string | undefined }): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Accept-Language', acceptLanguage());
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  try {
    return await fetch(`/api${path}`, { ...init, headers, credentials: init.token ? 'omit' : 'same-origin' });
  } catch (e) {
    throw new OfflineError(e instanceof Error ? e.message : String(e));
  }
}

async function problemOf(res: Response): Promise<ProblemError> {
  const body = (await res.json().catch(() => null)) as Problem | null;
  return new ProblemError(body ?? { type: 'about:blank', title: res.statusText, status: res.status, code: 'http_error', detail: res.statusText });
}

export async function deviceJson<T>(path: string, token: string | undefined, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const res = await call(path, { method: init.method ?? 'GET', token, headers: { ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...init.headers }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  if (!res.ok) throw await problemOf(res);
  return (res.status === 204 ? null : await res.json()) as T;
}

/** Sends a queued request as stored (JSON or raw bytes); the caller decides what each status means. */
export async function deviceSend(token: string, req: { method: string; path: string; headers: Record<string, string>; body: string | Blob | null }) {
  return call(req.path, { method: req.method, token, headers: req.headers, body: req.body });
}

/**
 * Signs in with the officer's password, takes a scoped device token, and ends the browser session:
 * from then on the phone holds only the token, which can be revoked without touching the account.
 */
export async function signInDevice(username: string, password: string): Promise<DeviceCredential> {
  const login = await deviceJson<{ stage: string; user: { displayName: string } }>('/auth/login', undefined, { method: 'POST', body: { username, password } });
  if (login.stage !== 'active') throw new ProblemError({ type: 'about:blank', title: 'mfa', status: 401, code: 'mfa_required', detail: lang === 'es' ? 'Esta cuenta requiere un paso adicional: use la consola.' : 'This account needs another step: use the console.' });
  const created = await deviceJson<{ id: string; token: string; expiresAt: string }>('/auth/tokens', undefined, { method: 'POST', body: { name: `Dispositivo de campo (${navigator.userAgent.slice(0, 40)})`, scopes: DEVICE_SCOPES, expiresInDays: 7 } });
  await deviceJson('/auth/logout', undefined, { method: 'POST' }).catch(() => undefined);
  const cred = { token: created.token, tokenId: created.id, username, displayName: login.user.displayName, expiresAt: created.expiresAt, verifier: await makeVerifier(password) };
  await kvSet(KEY, cred);
  return cred;
}

/**
 * Idle re-authentication: the server checks the password (signing in and out at once), so a changed
 * password or a locked account counts; with no signal, the phone's own PBKDF2 verifier decides.
 */
export async function verifyPassword(cred: DeviceCredential, password: string) {
  try {
    await deviceJson('/auth/login', undefined, { method: 'POST', body: { username: cred.username, password } });
  } catch (e) {
    if (!(e instanceof OfflineError) || !cred.verifier) throw e;
    const salt = Uint8Array.from(atob(cred.verifier.salt), (c) => c.charCodeAt(0));
    if ((await pbkdf2(password, salt, cred.verifier.iterations)) !== cred.verifier.hash) {
      throw new ProblemError({ type: 'about:blank', title: 'invalid_credentials', status: 401, code: 'invalid_credentials', detail: errorMessage('invalid_credentials', lang) });
    }
    return;
  }
  await deviceJson('/auth/logout', undefined, { method: 'POST' }).catch(() => undefined);
}
