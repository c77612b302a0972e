import type { Lang } from '../../../common/errors';
import { ProblemError, type Problem } from '../../app/api';
import { kvDelete, kvGet, kvSet } from './idb';

/** The device credential: a scoped bearer token, revocable from the account page, kept in IndexedDB. */
export type DeviceCredential = { token: string; tokenId: string; username: string; displayName: string; expiresAt: string };

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
  const cred = { token: created.token, tokenId: created.id, username, displayName: login.user.displayName, expiresAt: created.expiresAt };
  await kvSet(KEY, cred);
  return cred;
}

/** Idle re-authentication: the password is checked again by signing in and out at once. */
export async function verifyPassword(username: string, password: string) {
  await deviceJson('/auth/login', undefined, { method: 'POST', body: { username, password } });
  await deviceJson('/auth/logout', undefined, { method: 'POST' }).catch(() => undefined);
}
