import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookie } from '../../test/accounts.js';
import { createTestServer, DEMO_PASSWORD, type TestServer } from '../../test/test-server.js';

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await createTestServer();
  admin = await s.loginAs('administrator');
});
afterAll(() => s.close());

const idOf = async (username: string) => (await s.database.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

describe('roles that demand MFA', () => {
  it('sends a session to enrolment as soon as its user is granted a role that requires MFA', async () => {
    const analyst = await s.loginAs('analyst');
    const promoted = await s.request({ method: 'PUT', url: `/api/users/${await idOf('analyst')}/roles`, cookie: admin, body: { roles: ['analyst', 'supervisor'] } });
    expect(promoted.statusCode).toBe(200);
    const me = await s.request({ method: 'GET', url: '/api/auth/me', cookie: analyst });
    expect(me.json()).toMatchObject({ stage: 'mfa_enrolment', mfaEnabled: false });
    const approvals = await s.request({ method: 'GET', url: '/api/approvals', cookie: analyst });
    expect(approvals.json().code).toBe('mfa_enrolment_required');
  });
});

describe('bearer tokens', () => {
  it('stop working when their owner changes password, and can never manage the account', async () => {
    const dispatcher = await s.loginAs('dispatcher');
    const created = await s.request({ method: 'POST', url: '/api/auth/tokens', cookie: dispatcher, body: { name: 'tablet', scopes: ['units:read'], expiresInDays: 30 } });
    expect(created.statusCode).toBe(201);
    const token = created.json().token as string;
    expect((await s.request({ method: 'GET', url: '/api/units', token })).statusCode).toBe(200);
    expect((await s.request({ method: 'GET', url: '/api/auth/tokens', token })).statusCode).toBe(403);
    expect((await s.request({ method: 'DELETE', url: `/api/auth/tokens/${created.json().id}`, token })).statusCode).toBe(403);
    expect((await s.request({ method: 'POST', url: '/api/auth/password', token, body: { currentPassword: DEMO_PASSWORD, newPassword: 'Other-Secret-2026!' } })).statusCode).toBe(403);

    const changed = await s.request({ method: 'POST', url: '/api/auth/password', cookie: dispatcher, body: { currentPassword: DEMO_PASSWORD, newPassword: 'Cambio-Propio-2026' } });
    expect(changed.statusCode).toBe(204);
    expect((await s.request({ method: 'GET', url: '/api/units', token })).statusCode).toBe(401);
    const login = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 'dispatcher', password: 'Cambio-Propio-2026' } });
    expect(sessionCookie(login)).toBeTruthy();
  });
});
