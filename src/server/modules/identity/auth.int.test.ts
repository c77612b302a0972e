import crypto from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpNow } from '../../platform/auth/totp.js';
import { createTestServer, DEMO_PASSWORD, DEMO_TOTP_SECRET, type TestServer } from '../../test/test-server.js';
import { sequencePending } from '../../platform/audit/sequencer.js';
import { authChanged } from '../../platform/auth/session-cache.js';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

function sessionCookie(res: LightMyRequestResponse) {
  const c = res.cookies.find((k) => k.name === 'centinela_session');
  if (!c) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return c;
}

/** A six-digit code that is valid for none of the steps the server accepts (now, ±1). */
function wrongCodeFor(secret: string) {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpNow(secret, Date.now() + d)));
  let code = 123456;
  while (valid.has(String(code).padStart(6, '0'))) code = (code + 1) % 1_000_000;
  return String(code).padStart(6, '0');
}

function helpers(s: TestServer) {
  const userRow = (username: string) => s.database.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
  const auditOf = async (action: string, entityId?: string) => {
    await sequencePending(s.database.db);
    let q = s.database.db.selectFrom('audit_log').selectAll().where('action', '=', action);
    if (entityId !== undefined) q = q.where('entity_id', '=', entityId);
    return q.orderBy('seq').execute();
  };
  const login = (username: string, password = DEMO_PASSWORD) => s.request({ method: 'POST', url: '/api/auth/login', body: { username, password } });
  const forgetTotpStep = (username: string) => s.database.db.updateTable('users').set({ mfa_last_step: null }).where('username', '=', username).execute();
  return { userRow, auditOf, login, forgetTotpStep };
}

describe('sign-in with default policy', () => {
  let s: TestServer;
  let h: ReturnType<typeof helpers>;
  let admin: string;
  beforeAll(async () => {
    s = await createTestServer();
    h = helpers(s);
    admin = await s.loginAs('administrator');
  });
  afterAll(() => s.close());

  describe('password', () => {
    it('signs a role without MFA straight into an active session', async () => {
      const res = await h.login('dispatcher');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ stage: 'active', user: { username: 'dispatcher', roles: ['dispatcher'], stage: 'active', mfaEnabled: false } });
      const cookie = sessionCookie(res).value;
      const session = await s.database.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(cookie)).executeTakeFirstOrThrow();
      expect(session.stage).toBe('active');
      expect(session.revoked_at).toBeNull();
      const me = await s.request({ method: 'GET', url: '/api/auth/me', cookie });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: 'dispatcher', stage: 'active' });
    });

    it('sets the session cookie HttpOnly, SameSite=Strict and for the whole site', async () => {
      const c = sessionCookie(await h.login('dispatcher'));
      expect(c.httpOnly).toBe(true);
      expect(c.sameSite).toBe('Strict');
      expect(c.path).toBe('/');
    });

    it('stores only the hash of the session cookie', async () => {
      const cookie = sessionCookie(await h.login('dispatcher')).value;
      const rows = await s.database.db.selectFrom('sessions').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(cookie);
      expect(rows.some((r) => r.token_hash === sha256(cookie))).toBe(true);
    });

    it('refuses a wrong password with 401 invalid_credentials and audits auth.login_failed', async () => {
      const user = await h.userRow('call_taker');
      const res = await h.login('call_taker', 'Not-The-Password-1');
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('invalid_credentials');
      expect(res.cookies.find((c) => c.name === 'centinela_session')).toBeUndefined();
      const entries = await h.auditOf('auth.login_failed', user.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]!.actor_username).toBe('call_taker');
      expect(entries[0]!.changes).toMatchObject({ failures: 1, lockedUntil: null });
      expect((await h.userRow('call_taker')).failed_logins).toBe(1);
    });

    it('resets the failure counter after a successful sign-in', async () => {
      expect((await h.userRow('call_taker')).failed_logins).toBe(1);
      expect((await h.login('call_taker')).statusCode).toBe(200);
      expect((await h.userRow('call_taker')).failed_logins).toBe(0);
    });

    it('answers an unknown user exactly like a wrong password, and audits the attempt', async () => {
      const wrong = await h.login('call_taker', 'Not-The-Password-1');
      const unknown = await h.login('nobody-here', 'Not-The-Password-1');
      expect(unknown.statusCode).toBe(401);
      expect(unknown.json().code).toBe('invalid_credentials');
      expect(unknown.json().detail).toBe(wrong.json().detail);
      const entries = await h.auditOf('auth.login_failed');
      expect(entries.some((e) => (e.changes as { username?: string; why?: string } | null)?.username === 'nobody-here' && (e.changes as { why?: string }).why === 'unknown_user')).toBe(true);
    });
  });

  describe('second factor', () => {
    it('asks an MFA role for a code and keeps the half-open session out of protected endpoints', async () => {
      const res = await h.login('auditor');
      expect(res.statusCode).toBe(200);
      expect(res.json().stage).toBe('mfa_pending');
      const cookie = sessionCookie(res).value;
      const users = await s.request({ method: 'GET', url: '/api/users', cookie });
      expect(users.statusCode).toBe(401);
      expect(users.json().code).toBe('mfa_required');
      const tokens = await s.request({ method: 'POST', url: '/api/auth/tokens', cookie, body: { name: 'x', scopes: ['users:read'] } });
      expect(tokens.statusCode).toBe(401);
      expect(tokens.json().code).toBe('mfa_required');
    });

    it('refuses a wrong code, then rotates to a new active cookie on the right one and retires the old cookie', async () => {
      await h.forgetTotpStep('auditor');
      const auditor = await h.userRow('auditor');
      const pending = sessionCookie(await h.login('auditor')).value;

      const wrong = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: pending, body: { code: wrongCodeFor(DEMO_TOTP_SECRET) } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().code).toBe('invalid_mfa_code');
      expect((await h.auditOf('auth.mfa_failed', auditor.id)).length).toBe(1);

      const right = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: pending, body: { code: totpNow(DEMO_TOTP_SECRET) } });
      expect(right.statusCode).toBe(200);
      expect(right.json().stage).toBe('active');
      const active = sessionCookie(right).value;
      expect(active).not.toBe(pending);

      const users = await s.request({ method: 'GET', url: '/api/users', cookie: active });
      expect(users.statusCode).toBe(200);
      const old = await s.request({ method: 'GET', url: '/api/auth/me', cookie: pending });
      expect(old.statusCode).toBe(401);
      expect(old.json().code).toBe('unauthenticated');
      expect((await h.userRow('auditor')).failed_logins).toBe(0);
    });

    it('does not accept the same TOTP code twice', async () => {
      await h.forgetTotpStep('internal_affairs');
      const code = totpNow(DEMO_TOTP_SECRET);
      const first = sessionCookie(await h.login('internal_affairs')).value;
      expect((await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: first, body: { code } })).statusCode).toBe(200);
      const second = sessionCookie(await h.login('internal_affairs')).value;
      const replay = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: second, body: { code } });
      expect(replay.statusCode).toBe(401);
      expect(replay.json().code).toBe('invalid_mfa_code');
    });

    it('does not accept one TOTP code in two sessions at the same time', async () => {
      await h.forgetTotpStep('internal_affairs');
      const code = totpNow(DEMO_TOTP_SECRET);
      const a = sessionCookie(await h.login('internal_affairs')).value;
      const b = sessionCookie(await h.login('internal_affairs')).value;
      const results = await Promise.all([a, b].map((cookie) => s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie, body: { code } })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    });
  });

  describe('MFA enrolment', () => {
    const username = 'sup.enrol';
    const temporary = 'Enrol-Strong-Pass-26';
    const password = 'Chosen-Strong-Pass-27';
    let userId: string;
    let recoveryCodes: string[];

    it('puts a new supervisor, who has no second factor yet, into the enrolment stage at sign-in', async () => {
      const created = await s.request({ method: 'POST', url: '/api/users', cookie: admin, body: { username, displayName: 'Supervisora Nueva', password: temporary, roles: ['supervisor'] } });
      expect(created.statusCode).toBe(201);
      userId = created.json().id;
      const res = await h.login(username, temporary);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ stage: 'mfa_enrolment', user: { username, mfaEnabled: false, mustChangePassword: true } });
      const cookie = sessionCookie(res).value;
      const approvals = await s.request({ method: 'GET', url: '/api/approvals', cookie });
      expect(approvals.statusCode).toBe(403);
      expect(approvals.json().code).toBe('mfa_enrolment_required');
      const verify = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie, body: { code: '123456' } });
      expect(verify.statusCode).toBe(403);
      expect(verify.json().code).toBe('mfa_enrolment_required');
    });

    it('enrols with a secret, otpauth URI and SVG QR code, then demands the temporary password be replaced, with ten recovery codes', async () => {
      const enrolling = sessionCookie(await h.login(username, temporary)).value;
      const start = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment', cookie: enrolling });
      expect(start.statusCode).toBe(200);
      const { secret, otpauthUri, qrSvg } = start.json();
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
      expect(otpauthUri).toContain(`secret=${secret}`);
      expect(otpauthUri).toContain('issuer=Centinela');
      expect(qrSvg.trim()).toMatch(/^<svg[\s\S]*<\/svg>$/);
      const otp = URI.parse(otpauthUri);
      expect(otp.secret.base32).toBe(secret);

      const row = await h.userRow(username);
      expect(row.mfa_secret).toBe(secret);
      expect(row.mfa_enabled).toBe(false);

      const wrong = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment/confirm', cookie: enrolling, body: { code: wrongCodeFor(secret) } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().code).toBe('invalid_mfa_code');
      expect((await h.userRow(username)).mfa_enabled).toBe(false);

      const confirm = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment/confirm', cookie: enrolling, body: { code: otp.generate() } });
      expect(confirm.statusCode).toBe(200);
      const body = confirm.json();
      expect(body.stage).toBe('password_change');
      expect(body.user.mfaEnabled).toBe(true);
      recoveryCodes = body.recoveryCodes;
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);

      const active = sessionCookie(confirm).value;
      expect(active).not.toBe(enrolling);
      const blocked = await s.request({ method: 'GET', url: '/api/approvals', cookie: active });
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('password_change_required');
      const changed = await s.request({ method: 'POST', url: '/api/auth/password', cookie: active, body: { currentPassword: temporary, newPassword: password } });
      expect(changed.statusCode).toBe(204);
      expect((await s.request({ method: 'GET', url: '/api/approvals', cookie: active })).statusCode).toBe(200);
      expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: enrolling })).statusCode).toBe(401);

      expect((await h.userRow(username)).mfa_enabled).toBe(true);
      const stored = await s.database.db.selectFrom('mfa_recovery_codes').selectAll().where('user_id', '=', userId).execute();
      expect(stored).toHaveLength(10);
      expect(stored.map((r) => r.code_hash).sort()).toEqual(recoveryCodes.map(sha256).sort());
      expect((await h.auditOf('auth.mfa_enrolled', userId)).length).toBe(1);
    });

    it('asks the enrolled user for a code from then on, and accepts a recovery code once but not twice', async () => {
      const first = await h.login(username, password);
      expect(first.json().stage).toBe('mfa_pending');
      const used = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: sessionCookie(first).value, body: { recoveryCode: recoveryCodes[3]! } });
      expect(used.statusCode).toBe(200);
      expect(used.json().stage).toBe('active');
      expect((await h.auditOf('auth.mfa_recovery_code_used', userId)).length).toBe(1);

      const second = await h.login(username, password);
      const again = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: sessionCookie(second).value, body: { recoveryCode: recoveryCodes[3]! } });
      expect(again.statusCode).toBe(401);
      expect(again.json().code).toBe('invalid_mfa_code');
      const unused = await s.database.db.selectFrom('mfa_recovery_codes').select('id').where('user_id', '=', userId).where('used_at', 'is', null).execute();
      expect(unused).toHaveLength(9);
    });

    it('does not accept one recovery code in two sessions at the same time', async () => {
      const a = sessionCookie(await h.login(username, password)).value;
      const b = sessionCookie(await h.login(username, password)).value;
      const results = await Promise.all([a, b].map((cookie) => s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie, body: { recoveryCode: recoveryCodes[5]! } })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    });
  });

  describe('session lifetime', () => {
    it('ends the session on logout: the cookie is cleared and no longer accepted', async () => {
      const cookie = await s.loginAs('analyst');
      const analyst = await h.userRow('analyst');
      const res = await s.request({ method: 'POST', url: '/api/auth/logout', cookie });
      expect(res.statusCode).toBe(204);
      const cleared = res.cookies.find((c) => c.name === 'centinela_session');
      expect(cleared?.value).toBe('');
      const after = await s.request({ method: 'GET', url: '/api/auth/me', cookie });
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('unauthenticated');
      const session = await s.database.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(cookie)).executeTakeFirstOrThrow();
      expect(session.revoked_at).not.toBeNull();
      expect((await h.auditOf('auth.logout', analyst.id)).length).toBe(1);
    });

    it('keeps a session alive within the idle timeout and expires it beyond', async () => {
      const cookie = await s.loginAs('analyst');
      const idle = s.config.SESSION_IDLE_MINUTES;
      // Time passing is faked in SQL, outside the application: it signals the change as the application's own writes do.
      const setLastSeen = async (minutesAgo: number) => {
        await s.database.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - minutesAgo * 60_000) }).where('token_hash', '=', sha256(cookie)).execute();
        await authChanged(s.database.db);
      };

      await setLastSeen(idle - 2);
      expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie })).statusCode).toBe(200);
      await setLastSeen(idle + 1);
      const res = await s.request({ method: 'GET', url: '/api/auth/me', cookie });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('session_expired');
    });

    it('expires a session at its absolute lifetime even while it is in use', async () => {
      const res = await h.login('analyst');
      const cookie = sessionCookie(res).value;
      const session = await s.database.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(cookie)).executeTakeFirstOrThrow();
      const lifetime = session.expires_at.getTime() - session.created_at.getTime();
      expect(Math.abs(lifetime - s.config.SESSION_ABSOLUTE_HOURS * 3600_000)).toBeLessThan(60_000);

      await s.database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000), last_seen_at: new Date() }).where('id', '=', session.id).execute();
      await authChanged(s.database.db);
      const after = await s.request({ method: 'GET', url: '/api/auth/me', cookie });
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('session_expired');
    });
  });

  describe('password change', () => {
    const username = 'field_officer';
    const newPassword = 'Another-Strong-Pass-77';
    let current: string;
    let other: string;

    beforeAll(async () => {
      current = await s.loginAs(username);
      other = await s.loginAs(username);
    });

    it('refuses new passwords that break the policy with 422 weak_password and the rule broken', async () => {
      const short = await s.request({ method: 'POST', url: '/api/auth/password', cookie: current, body: { currentPassword: DEMO_PASSWORD, newPassword: 'Sh0rt!' } });
      expect(short.statusCode).toBe(422);
      expect(short.json()).toMatchObject({ code: 'weak_password', rule: 'min_length_12' });
      const named = await s.request({ method: 'POST', url: '/api/auth/password', cookie: current, body: { currentPassword: DEMO_PASSWORD, newPassword: 'My-Field_Officer-2026' } });
      expect(named.statusCode).toBe(422);
      expect(named.json()).toMatchObject({ code: 'weak_password', rule: 'contains_username' });
      expect((await h.login(username)).statusCode).toBe(200);
    });

    it('refuses a wrong current password with 422 wrong_password', async () => {
      const res = await s.request({ method: 'POST', url: '/api/auth/password', cookie: current, body: { currentPassword: 'Wrong-Current-Pass-1', newPassword } });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('wrong_password');
      expect((await h.login(username, newPassword)).statusCode).toBe(401);
    });

    it('changes the password and ends every other session of the user but the current one', async () => {
      expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: other })).statusCode).toBe(200);
      const res = await s.request({ method: 'POST', url: '/api/auth/password', cookie: current, body: { currentPassword: DEMO_PASSWORD, newPassword } });
      expect(res.statusCode).toBe(204);
      expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: other })).statusCode).toBe(401);
      expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: current })).statusCode).toBe(200);
      expect((await h.login(username)).statusCode).toBe(401);
      expect((await h.login(username, newPassword)).statusCode).toBe(200);
      const user = await h.userRow(username);
      expect((await h.auditOf('auth.password_changed', user.id)).length).toBe(1);
    });
  });

  describe('bearer tokens', () => {
    let token: string;
    let tokenId: string;

    it('creates a token with a subset of the owner permissions and shows its secret only once', async () => {
      const res = await s.request({ method: 'POST', url: '/api/auth/tokens', cookie: admin, body: { name: 'lector', scopes: ['users:read'], expiresInDays: 30 } });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ name: 'lector', scopes: ['users:read'], revokedAt: null });
      expect(body.token).toMatch(/^ct_[A-Za-z0-9_-]{40,}$/);
      token = body.token;
      tokenId = body.id;
      const list = await s.request({ method: 'GET', url: '/api/auth/tokens', cookie: admin });
      expect(list.json().items.map((t: { id: string }) => t.id)).toContain(tokenId);
      expect(list.body).not.toContain(token);
    });

    it('stores the token hash, never the token', async () => {
      const rows = await s.database.db.selectFrom('api_tokens').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(rows.find((r) => r.id === tokenId)?.token_hash).toBe(sha256(token));
    });

    it('authenticates with the token but only within its scopes', async () => {
      const me = await s.request({ method: 'GET', url: '/api/auth/me', token });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: 'administrator', permissions: ['users:read'] });
      expect((await s.request({ method: 'GET', url: '/api/users', token })).statusCode).toBe(200);
      const create = await s.request({ method: 'POST', url: '/api/users', token, body: { username: 'via.token', displayName: 'Via Token', password: 'Token-Made-Pass-99', roles: [] } });
      expect(create.statusCode).toBe(403);
      expect(create.json().code).toBe('forbidden');
      expect(await s.database.db.selectFrom('users').select('id').where('username', '=', 'via.token').executeTakeFirst()).toBeUndefined();
    });

    it('refuses scopes beyond what the owner holds', async () => {
      const before = await s.database.db.selectFrom('api_tokens').select('id').execute();
      const res = await s.request({ method: 'POST', url: '/api/auth/tokens', cookie: admin, body: { name: 'demasiado', scopes: ['users:read', 'audit:read'] } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'forbidden', scopes: ['audit:read'] });
      expect(await s.database.db.selectFrom('api_tokens').select('id').execute()).toHaveLength(before.length);
    });

    it('does not let a token mint tokens', async () => {
      const res = await s.request({ method: 'POST', url: '/api/auth/tokens', token, body: { name: 'hijo', scopes: ['users:read'] } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('forbidden');
    });

    it('stops accepting a token once it is revoked', async () => {
      const res = await s.request({ method: 'DELETE', url: `/api/auth/tokens/${tokenId}`, cookie: admin });
      expect(res.statusCode).toBe(204);
      const after = await s.request({ method: 'GET', url: '/api/users', token });
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('unauthenticated');
    });

    it('stops accepting a token once it has expired', async () => {
      const created = (await s.request({ method: 'POST', url: '/api/auth/tokens', cookie: admin, body: { name: 'caduca', scopes: ['users:read'], expiresInDays: 1 } })).json();
      expect((await s.request({ method: 'GET', url: '/api/users', token: created.token })).statusCode).toBe(200);
      await s.database.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', created.id).execute();
      const after = await s.request({ method: 'GET', url: '/api/users', token: created.token });
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('session_expired');
    });
  });
});

describe('sign-in lockout (3 failures, 60 s)', () => {
  let s: TestServer;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    s = await createTestServer({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '60' });
    h = helpers(s);
  });
  afterAll(() => s.close());

  /** Pretends the lock ran out, without touching the failure count. */
  const expireLock = (username: string) => s.database.db.updateTable('users').set({ locked_until: new Date(Date.now() - 1000) }).where('username', '=', username).execute();

  it('locks the account at the third failure and then refuses even the right password with 429 account_locked', async () => {
    const user = await h.userRow('analyst');
    for (let i = 0; i < 2; i++) expect((await h.login('analyst', 'Wrong-Password-00')).statusCode).toBe(401);
    expect(await h.auditOf('auth.account_locked', user.id)).toHaveLength(0);
    const third = await h.login('analyst', 'Wrong-Password-00');
    expect(third.statusCode).toBe(401);
    expect(third.json().code).toBe('invalid_credentials');

    const locked = await h.login('analyst');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('account_locked');
    expect(locked.json().retryAfterSeconds).toBeGreaterThan(55);
    expect(locked.json().retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(locked.cookies.find((c) => c.name === 'centinela_session')).toBeUndefined();

    const entries = await h.auditOf('auth.account_locked', user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.changes).toMatchObject({ failures: 3 });
    const row = await h.userRow('analyst');
    expect(row.failed_logins).toBe(3);
    expect(row.locked_until!.getTime() - Date.now()).toBeGreaterThan(55_000);
  });

  it('doubles the lockout for each further failure once the first lock has run out', async () => {
    await expireLock('analyst');
    expect((await h.login('analyst', 'Wrong-Password-00')).statusCode).toBe(401);
    const row = await h.userRow('analyst');
    expect(row.failed_logins).toBe(4);
    const seconds = (row.locked_until!.getTime() - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(115);
    expect(seconds).toBeLessThanOrEqual(120);
    const locked = await h.login('analyst');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().retryAfterSeconds).toBeGreaterThan(115);
    const entries = await h.auditOf('auth.account_locked', row.id);
    expect(entries.map((e) => (e.changes as { failures: number }).failures)).toEqual([3, 4]);
  });

  it('lets the right password in once the lock has run out and clears the counter', async () => {
    await expireLock('analyst');
    const res = await h.login('analyst');
    expect(res.statusCode).toBe(200);
    const row = await h.userRow('analyst');
    expect(row.failed_logins).toBe(0);
    expect(row.locked_until).toBeNull();
  });

  it('counts wrong passwords sent at the same time one by one and refuses those still in flight once the lock is set', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => h.login('grants_officer', 'Wrong-Password-00')));
    expect(results.map((r) => r.statusCode).sort()).toEqual([401, 401, 401, 429, 429, 429]);
    const row = await h.userRow('grants_officer');
    expect(row.failed_logins).toBe(3);
    expect(await h.auditOf('auth.login_failed', row.id)).toHaveLength(3);
    expect((await h.login('grants_officer')).statusCode).toBe(429);
  });

  it('counts wrong second-factor codes towards the same lockout', async () => {
    const pending = sessionCookie(await h.login('supervisor')).value;
    for (let i = 0; i < 3; i++) {
      const res = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: pending, body: { code: wrongCodeFor(DEMO_TOTP_SECRET) } });
      expect(res.statusCode).toBe(401);
    }
    await h.forgetTotpStep('supervisor');
    const right = await s.request({ method: 'POST', url: '/api/auth/mfa/verify', cookie: pending, body: { code: totpNow(DEMO_TOTP_SECRET) } });
    expect(right.statusCode).toBe(429);
    expect(right.json().code).toBe('account_locked');
    expect((await h.login('supervisor')).statusCode).toBe(429);
  });
});
