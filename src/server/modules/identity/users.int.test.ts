import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEnrolledAdministrator as enrolAdministrator, sessionCookie, STRONG_PASSWORD } from '../../test/accounts.js';
import { createTestServer, DEMO_PASSWORD, type TestServer } from '../../test/test-server.js';
import { sequencePending } from '../../platform/audit/sequencer.js';

const STRONG = STRONG_PASSWORD;

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await createTestServer();
  admin = await s.loginAs('administrator');
});
afterAll(() => s.close());

const userRow = (username: string) => s.database.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
const auditOf = async (action: string, entityId?: string) => {
  await sequencePending(s.database.db);
  let q = s.database.db.selectFrom('audit_log').selectAll().where('action', '=', action);
  if (entityId !== undefined) q = q.where('entity_id', '=', entityId);
  return q.orderBy('seq').execute();
};
const auditCount = async () => {
  await sequencePending(s.database.db);
  return (await s.database.db.selectFrom('audit_log').select('seq').execute()).length;
};
const login = (username: string, password = DEMO_PASSWORD) => s.request({ method: 'POST', url: '/api/auth/login', body: { username, password } });
const createUser = (body: Record<string, unknown>, cookie = admin) => s.request({ method: 'POST', url: '/api/users', cookie, body });
const setRoles = (cookie: string, id: string, roles: string[]) => s.request({ method: 'PUT', url: `/api/users/${id}/roles`, cookie, body: { roles } });

const newEnrolledAdministrator = (username: string) => enrolAdministrator(s, admin, username);

describe('who may see and manage accounts', () => {
  it('refuses the user list to a dispatcher', async () => {
    const res = await s.request({ method: 'GET', url: '/api/users', cookie: await s.loginAs('dispatcher') });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
  });

  it('lets an auditor read accounts, without secrets, but not create one', async () => {
    const auditor = await s.loginAs('auditor');
    const list = await s.request({ method: 'GET', url: '/api/users', cookie: auditor });
    expect(list.statusCode).toBe(200);
    const names = list.json().items.map((u: { username: string }) => u.username);
    expect(names).toEqual(expect.arrayContaining(['administrator', 'auditor', 'dispatcher']));
    expect(list.body).not.toMatch(/password_hash|mfa_secret|\$argon2/);
    const create = await createUser({ username: 'by.auditor', displayName: 'Nope', password: STRONG, roles: [] }, auditor);
    expect(create.statusCode).toBe(403);
    expect(create.json().code).toBe('forbidden');
    expect(await s.database.db.selectFrom('users').select('id').where('username', '=', 'by.auditor').executeTakeFirst()).toBeUndefined();
  });
});

describe('creating accounts', () => {
  it('creates a user with a temporary password and audits the administrator and their roles as the actor', async () => {
    const res = await createUser({ username: 'ana.lopez', displayName: 'Ana López', email: 'ana@example.org', password: STRONG, roles: ['dispatcher', 'call_taker'] });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ username: 'ana.lopez', displayName: 'Ana López', email: 'ana@example.org', active: true, mfaEnabled: false, mustChangePassword: true });
    expect([...body.roles].sort()).toEqual(['call_taker', 'dispatcher']);
    const adminRow = await userRow('administrator');
    const entries = await auditOf('user.created', body.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: adminRow.id, actor_username: 'administrator', actor_roles: ['administrator'], entity_type: 'user' });
    expect(entries[0]!.changes).toMatchObject({ after: { username: 'ana.lopez', roles: ['dispatcher', 'call_taker'] } });
    expect(JSON.stringify(entries[0]!.changes)).not.toContain(STRONG);
    const first = await login('ana.lopez', STRONG);
    expect(first.json().stage).toBe('password_change');
    const blocked = await s.request({ method: 'GET', url: '/api/incidents', cookie: sessionCookie(first) });
    expect(blocked.json().code).toBe('password_change_required');
  });

  it('refuses a duplicate username with 409 and writes no audit entry', async () => {
    const before = await auditCount();
    const res = await createUser({ username: 'ana.lopez', displayName: 'Otra Ana', password: STRONG, roles: [] });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('username_taken');
    expect(await auditCount()).toBe(before);
    expect((await userRow('ana.lopez')).display_name).toBe('Ana López');
  });

  it('answers the same new username sent several times at once with one 201 and a 409 for each other', async () => {
    const body = { username: 'twin', displayName: 'Twin', password: STRONG, roles: [] };
    const results = await Promise.all(Array.from({ length: 4 }, () => createUser(body)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'username_taken')).toBe(true);
    expect(await s.database.db.selectFrom('users').select('id').where('username', '=', 'twin').execute()).toHaveLength(1);
    const twin = await userRow('twin');
    expect(await auditOf('user.created', twin.id)).toHaveLength(1);
  });

  it('refuses a weak password with 422 and creates nothing', async () => {
    const before = await auditCount();
    const res = await createUser({ username: 'weakling', displayName: 'Weak', password: 'weakling-2026-Pass', roles: [] });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'weak_password', rule: 'contains_username' });
    const short = await createUser({ username: 'weakling', displayName: 'Weak', password: 'Ab1!', roles: [] });
    expect(short.statusCode).toBe(422);
    expect(short.json().rule).toBe('min_length_12');
    expect(await s.database.db.selectFrom('users').select('id').where('username', '=', 'weakling').executeTakeFirst()).toBeUndefined();
    expect(await auditCount()).toBe(before);
  });

  it('refuses an unknown role with 400 and names the field', async () => {
    const res = await createUser({ username: 'roleless', displayName: 'Roleless', password: STRONG, roles: ['dispatcher', 'overlord'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors.some((e: { path: string }) => e.path.startsWith('body.roles'))).toBe(true);
    expect(await s.database.db.selectFrom('users').select('id').where('username', '=', 'roleless').executeTakeFirst()).toBeUndefined();
  });
});

describe('roles', () => {
  it('changes another user’s roles and audits before and after', async () => {
    const ana = await userRow('ana.lopez');
    const res = await setRoles(admin, ana.id, ['analyst']);
    expect(res.statusCode).toBe(200);
    expect(res.json().roles).toEqual(['analyst']);
    const entries = await auditOf('user.roles_changed', ana.id);
    expect(entries.at(-1)!.changes).toEqual({ before: { roles: ['call_taker', 'dispatcher'] }, after: { roles: ['analyst'] } });
  });

  it('does not let an administrator change their own roles', async () => {
    const me = await userRow('administrator');
    const res = await setRoles(admin, me.id, ['administrator', 'auditor']);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('self_role_change');
    const roles = await s.database.db.selectFrom('user_roles').select('role').where('user_id', '=', me.id).execute();
    expect(roles.map((r) => r.role)).toEqual(['administrator']);
  });

  it('never lets two administrators remove each other: the second removal fails', async () => {
    const second = await newEnrolledAdministrator('admin.two');
    const first = await userRow('administrator');
    const removed = await setRoles(admin, second.id, ['auditor']);
    expect(removed.statusCode).toBe(200);
    // admin.two is no longer an administrator, so cannot strip the last one.
    const back = await setRoles(second.cookie, first.id, ['auditor']);
    expect(back.statusCode).toBe(403);
    expect(back.json().code).toBe('forbidden');
    const admins = await s.database.db.selectFrom('user_roles').select('user_id').where('role', '=', 'administrator').execute();
    expect(admins.map((r) => r.user_id)).toEqual([first.id]);
  });

  it('refuses with 409 last_administrator when two administrators remove each other at the same time', async () => {
    const third = await newEnrolledAdministrator('admin.three');
    const first = await userRow('administrator');
    const [a, b] = await Promise.all([setRoles(admin, third.id, ['analyst']), setRoles(third.cookie, first.id, ['analyst'])]);
    const statuses = [a!.statusCode, b!.statusCode].sort();
    // One removal goes through; the other is refused: by the last-administrator guard if it had
    // already passed the permission check, otherwise because its caller is no longer an administrator.
    expect(statuses[0]).toBe(200);
    const refused = [a!, b!].find((r) => r.statusCode !== 200)!;
    expect([
      [409, 'last_administrator'],
      [403, 'forbidden'],
    ]).toContainEqual([refused.statusCode, refused.json().code]);
    const survivors = await s.database.db
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select('users.username')
      .where('user_roles.role', '=', 'administrator')
      .where('users.active', '=', true)
      .execute();
    expect(survivors).toHaveLength(1);
    // Whichever won, leave `administrator` as the only administrator for the tests that follow.
    if (survivors[0]!.username !== 'administrator') {
      expect((await setRoles(third.cookie, first.id, ['administrator'])).statusCode).toBe(200);
      expect((await setRoles(admin, third.id, ['analyst'])).statusCode).toBe(200);
    }
  });

});

describe('deactivation', () => {
  let leaver: { id: string; cookie: string };

  beforeAll(async () => {
    const created = await createUser({ username: 'leaver', displayName: 'Se Va', password: STRONG, roles: ['dispatcher'] });
    leaver = { id: created.json().id, cookie: sessionCookie(await login('leaver', STRONG)) };
  });

  const deactivate = (body: unknown) => s.request({ method: 'POST', url: `/api/users/${leaver.id}/deactivate`, cookie: admin, body });

  it('requires a reason: none is a 400, too short a text a 422, and nothing changes', async () => {
    const before = await auditCount();
    const none = await deactivate({});
    expect(none.statusCode).toBe(400);
    expect(none.json().code).toBe('validation_failed');
    const short = await deactivate({ reason: { code: 'left_institution', text: 'bye' } });
    expect(short.statusCode).toBe(422);
    expect(short.json().code).toBe('reason_required');
    expect((await userRow('leaver')).active).toBe(true);
    expect(await auditCount()).toBe(before);
  });

  it('refuses a reason code that is not in the catalogue for this action', async () => {
    // 'device_lost' exists, but for identity.reset_mfa, not for deactivation.
    for (const code of ['made_up', 'device_lost']) {
      const res = await deactivate({ reason: { code, text: 'Transferred to another unit' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('unknown_reason_code');
    }
    expect((await userRow('leaver')).active).toBe(true);
  });

  it('deactivates with a catalogued reason, ends the user’s sessions and audits the reason', async () => {
    expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: leaver.cookie })).statusCode).toBe(200);
    const res = await deactivate({ reason: { code: 'left_institution', text: 'Transferred to another unit' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'leaver', active: false });
    expect((await userRow('leaver')).active).toBe(false);
    const live = await s.database.db.selectFrom('sessions').select('id').where('user_id', '=', leaver.id).where('revoked_at', 'is', null).execute();
    expect(live).toHaveLength(0);
    expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: leaver.cookie })).statusCode).toBe(401);
    const entries = await auditOf('user.deactivated', leaver.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.actor_username).toBe('administrator');
    expect(entries[0]!.reason).toEqual({ code: 'left_institution', text: 'Transferred to another unit' });
  });

  it('refuses a deactivated user at sign-in with 403 account_inactive', async () => {
    const res = await login('leaver', STRONG);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('account_inactive');
    expect(res.cookies.find((c) => c.name === 'centinela_session')).toBeUndefined();
    expect(await auditOf('auth.login_refused', leaver.id)).toHaveLength(1);
  });

  it('does not let an administrator deactivate their own account', async () => {
    const me = await userRow('administrator');
    const res = await s.request({ method: 'POST', url: `/api/users/${me.id}/deactivate`, cookie: admin, body: { reason: { code: 'other', text: 'Trying to lock myself out' } } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('self_action');
    expect((await userRow('administrator')).active).toBe(true);
  });

  it('reactivates the account only with a reason, so the user can sign in again', async () => {
    const bare = await s.request({ method: 'POST', url: `/api/users/${leaver.id}/reactivate`, cookie: admin, body: { reason: { code: 'returned', text: 'corto' } } });
    expect(bare.statusCode).toBe(422);
    expect((await userRow('leaver')).active).toBe(false);
    const res = await s.request({ method: 'POST', url: `/api/users/${leaver.id}/reactivate`, cookie: admin, body: { reason: { code: 'returned', text: 'Regresó de su traslado a otra delegación' } } });
    expect(res.statusCode).toBe(200);
    expect(res.json().active).toBe(true);
    const entries = await auditOf('user.reactivated', leaver.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.reason).toMatchObject({ code: 'returned' });
    expect((await login('leaver', STRONG)).statusCode).toBe(200);
  });
});

describe('unlocking', () => {
  it('clears a lockout so the right password works again at once', async () => {
    const user = await userRow('asset_custodian');
    for (let i = 0; i < s.config.LOGIN_MAX_FAILURES; i++) expect((await login('asset_custodian', 'Wrong-Password-00')).statusCode).toBe(401);
    expect((await login('asset_custodian')).statusCode).toBe(429);
    const seen = await s.request({ method: 'GET', url: `/api/users/${user.id}`, cookie: admin });
    expect(seen.json().lockedUntil).not.toBeNull();

    const res = await s.request({ method: 'POST', url: `/api/users/${user.id}/unlock`, cookie: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().lockedUntil).toBeNull();
    expect(await auditOf('user.unlocked', user.id)).toHaveLength(1);
    expect((await login('asset_custodian')).statusCode).toBe(200);
  });

  it('refuses unlocking to someone without users:manage', async () => {
    const user = await userRow('asset_custodian');
    const res = await s.request({ method: 'POST', url: `/api/users/${user.id}/unlock`, cookie: await s.loginAs('auditor') });
    expect(res.statusCode).toBe(403);
  });
});
