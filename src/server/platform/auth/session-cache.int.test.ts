import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { hashSecret } from './secrets.js';
import { authChanged } from './session-cache.js';

// A time to live far longer than any test: whatever ends a cached session here is the commit signal.
let s: TestServer;
beforeAll(async () => {
  s = await createTestServer({ AUTH_CACHE_SECONDS: '60' });
});
afterAll(() => s.close());

const me = (cookie: string) => s.request({ method: 'GET', url: '/api/auth/me', cookie });
const idOf = async (username: string) => (await s.database.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

describe('cached sessions', () => {
  it('serves a known session from memory, and reads it again once a change is signalled', async () => {
    const cookie = await s.loginAs('analyst');
    expect((await me(cookie)).statusCode).toBe(200);
    // Revoked in SQL without the signal: the cache still answers, so the session was not read again.
    await s.database.db.updateTable('sessions').set({ revoked_at: new Date() }).where('token_hash', '=', hashSecret(cookie)).execute();
    expect((await me(cookie)).statusCode).toBe(200);
    await authChanged(s.database.db);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('keeps the once-a-minute touch of a cached session: a session used just before its idle limit stays open', async () => {
    const cookie = await s.loginAs('analyst');
    const idleMs = s.config.SESSION_IDLE_MINUTES * 60_000;
    // Last used just inside the idle limit; faked in SQL, so signalled as the application's own writes are.
    await s.database.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - idleMs + 1_500) }).where('token_hash', '=', hashSecret(cookie)).execute();
    await authChanged(s.database.db);
    expect((await me(cookie)).statusCode).toBe(200);
    const touched = await s.database.db.selectFrom('sessions').select('last_seen_at').where('token_hash', '=', hashSecret(cookie)).executeTakeFirstOrThrow();
    expect(Date.now() - touched.last_seen_at.getTime()).toBeLessThan(5_000);
    // Past the old last-seen time plus the idle limit: served from the cache, which must hold the touch.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await me(cookie)).statusCode).toBe(200);
  });

  it('ends a cached session at once on sign-out', async () => {
    const cookie = await s.loginAs('analyst');
    expect((await me(cookie)).statusCode).toBe(200);
    expect((await s.request({ method: 'POST', url: '/api/auth/logout', cookie })).statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it("applies an administrator's role change to a cached session on its next request", async () => {
    const admin = await s.loginAs('administrator');
    const cookie = await s.loginAs('dispatcher');
    // Recommendations need incidents:dispatch: a dispatcher gets past the permission to a 404 for an unknown incident.
    const recommend = async () => (await s.request({ method: 'GET', url: `/api/incidents/${crypto.randomUUID()}/recommendations`, cookie })).statusCode;
    expect(await recommend()).toBe(404);
    const dispatcher = await idOf('dispatcher');
    expect((await s.request({ method: 'PUT', url: `/api/users/${dispatcher}/roles`, cookie: admin, body: { roles: ['analyst'] } })).statusCode).toBe(200);
    const after = await me(cookie);
    expect(after.json().roles).toEqual(['analyst']);
    expect(await recommend()).toBe(403);
    expect((await s.request({ method: 'PUT', url: `/api/users/${dispatcher}/roles`, cookie: admin, body: { roles: ['dispatcher'] } })).statusCode).toBe(200);
  });

  it('ends the cached sessions of a deactivated user at once', async () => {
    const admin = await s.loginAs('administrator');
    const cookie = await s.loginAs('supervisor');
    expect((await me(cookie)).statusCode).toBe(200);
    const id = await idOf('supervisor');
    expect((await s.request({ method: 'POST', url: `/api/users/${id}/deactivate`, cookie: admin, body: { reason: { code: 'left_institution', text: 'Trasladado a otra delegación' } } })).statusCode).toBe(200);
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await s.request({ method: 'POST', url: `/api/users/${id}/reactivate`, cookie: admin, body: { reason: { code: 'returned', text: 'Regresó de su traslado a otra delegación' } } })).statusCode).toBe(200);
  });
});
