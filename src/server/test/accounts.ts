import type { LightMyRequestResponse } from 'fastify';
import { URI } from 'otpauth';
import type { TestServer } from './test-server.js';

export const STRONG_PASSWORD = 'Fresh-Account-Pass-2026';
export const CHANGED_PASSWORD = 'Own-Chosen-Pass-2026';

export function sessionCookie(res: LightMyRequestResponse) {
  const c = res.cookies.find((k) => k.name === 'centinela_session');
  if (!c) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return c.value;
}

/** Creates an administrator through the API and enrols their second factor the way a person would. */
export async function newEnrolledAdministrator(s: TestServer, adminCookie: string, username: string) {
  const created = await s.request({ method: 'POST', url: '/api/users', cookie: adminCookie, body: { username, displayName: `Admin ${username}`, password: STRONG_PASSWORD, roles: ['administrator'] } });
  if (created.statusCode !== 201) throw new Error(`create ${username}: ${created.statusCode} ${created.body}`);
  const first = await s.request({ method: 'POST', url: '/api/auth/login', body: { username, password: STRONG_PASSWORD } });
  if (first.json().stage !== 'mfa_enrolment') throw new Error(`expected enrolment, got ${first.body}`);
  const enrolling = sessionCookie(first);
  const start = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment', cookie: enrolling });
  const otp = URI.parse(start.json().otpauthUri);
  const confirm = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment/confirm', cookie: enrolling, body: { code: otp.generate() } });
  if (confirm.statusCode !== 200) throw new Error(`enrolment ${username}: ${confirm.statusCode} ${confirm.body}`);
  // The temporary password must be replaced before anything else, as at any first sign-in.
  const cookie = sessionCookie(confirm);
  const changed = await s.request({ method: 'POST', url: '/api/auth/password', cookie, body: { currentPassword: STRONG_PASSWORD, newPassword: CHANGED_PASSWORD } });
  if (changed.statusCode !== 204) throw new Error(`password change ${username}: ${changed.statusCode} ${changed.body}`);
  return { id: created.json().id as string, cookie, secret: start.json().secret as string };
}
