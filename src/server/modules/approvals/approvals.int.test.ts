import type { LightMyRequestResponse } from 'fastify';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, DEMO_PASSWORD, type TestServer } from '../../test/test-server.js';
import { sequencePending } from '../../platform/audit/sequencer.js';

const SECOND_ADMIN = 'admin.second';
const SECOND_ADMIN_PASSWORD = 'Second-Admin-Pass-2026';
const LOST_PHONE = { code: 'device_lost', text: 'Phone stolen during the night shift' };

function sessionCookie(res: LightMyRequestResponse) {
  const c = res.cookies.find((k) => k.name === 'centinela_session');
  if (!c) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return c.value;
}

let s: TestServer;
let admin: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await createTestServer();
  admin = await s.loginAs('administrator');
  for (const u of await s.database.db.selectFrom('users').select(['id', 'username']).execute()) ids[u.username] = u.id;
});
afterAll(() => s.close());

const userRow = (username: string) => s.database.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
const auditOf = async (action: string, entityId: string) => {
  await sequencePending(s.database.db);
  return s.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('entity_id', '=', entityId).orderBy('seq').execute();
};
const approvalRow = (id: string) => s.database.db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const requestReset = (username: string, body: unknown = { reason: LOST_PHONE }, cookie = admin) =>
  s.request({ method: 'POST', url: `/api/users/${ids[username]}/mfa-reset`, cookie, body });
const decide = (cookie: string, id: string, decision: 'approve' | 'reject' | 'withdraw', body: Record<string, unknown> = {}) =>
  decision === 'withdraw'
    ? s.request({ method: 'POST', url: `/api/approvals/${id}/withdraw`, cookie })
    : s.request({ method: 'POST', url: `/api/approvals/${id}/decision`, cookie, body: { decision, ...body } });

describe('reason catalogue', () => {
  it('lists the reasons an MFA reset may give, labelled in Spanish and English', async () => {
    const res = await s.request({ method: 'GET', url: '/api/reason-codes?action=identity.reset_mfa', cookie: await s.loginAs('dispatcher') });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      { code: 'device_lost', label: { es: 'Dispositivo perdido o robado', en: 'Device lost or stolen' } },
      { code: 'device_replaced', label: { es: 'Cambio de teléfono', en: 'Phone replaced' } },
      { code: 'other', label: { es: 'Otro motivo (explicar)', en: 'Other reason (explain)' } },
    ]);
    const none = await s.request({ method: 'GET', url: '/api/reason-codes?action=identity.nothing', cookie: admin });
    expect(none.json().items).toEqual([]);
  });
});

describe('four-eyes MFA reset', () => {
  let approvalId: string;
  let second: string;

  it('refuses a request without a catalogued reason for this action', async () => {
    expect((await requestReset('supervisor', {})).statusCode).toBe(400);
    for (const code of ['lost_it', 'left_institution']) {
      const res = await requestReset('supervisor', { reason: { code, text: 'Phone stolen during the night shift' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('unknown_reason_code');
    }
    const short = await requestReset('supervisor', { reason: { code: 'device_lost', text: 'lost' } });
    expect(short.statusCode).toBe(422);
    expect(short.json().code).toBe('reason_required');
    expect(await s.database.db.selectFrom('approval_requests').select('id').execute()).toHaveLength(0);
  });

  it('files the reset as a pending request and leaves the second factor in place', async () => {
    const res = await requestReset('supervisor');
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('pending');
    approvalId = res.json().approvalId;
    expect((await userRow('supervisor')).mfa_enabled).toBe(true);

    const row = await approvalRow(approvalId);
    expect(row).toMatchObject({ action: 'identity.reset_mfa', entity_id: ids.supervisor, status: 'pending', approver_role: 'administrator', requested_by: ids.administrator });
    const requested = await auditOf('approval.requested', approvalId);
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ actor_username: 'administrator', actor_roles: ['administrator'] });
    expect(requested[0]!.reason).toEqual(LOST_PHONE);

    const queue = await s.request({ method: 'GET', url: '/api/approvals', cookie: admin });
    const item = queue.json().items.find((a: { id: string }) => a.id === approvalId);
    expect(item).toMatchObject({ status: 'pending', canDecide: false, requestedBy: { username: 'administrator' }, reason: { ...LOST_PHONE, label: { es: 'Dispositivo perdido o robado', en: 'Device lost or stolen' } } });
  });

  it('refuses a second request for the same user while one is pending', async () => {
    const res = await requestReset('supervisor', { reason: { code: 'other', text: 'Asking again in case the first got lost' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'approval_pending', approvalId });
    expect(await s.database.db.selectFrom('approval_requests').select('id').execute()).toHaveLength(1);
  });

  it('does not let the requester approve their own request', async () => {
    const res = await decide(admin, approvalId, 'approve');
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('approver_is_requester');
    expect((await approvalRow(approvalId)).status).toBe('pending');
    expect((await userRow('supervisor')).mfa_enabled).toBe(true);
  });

  it('does not let a supervisor, who may decide approvals but is no administrator, decide this one', async () => {
    const supervisor = await s.loginAs('supervisor');
    for (const d of ['approve', 'reject'] as const) {
      const res = await decide(supervisor, approvalId, d, { note: 'Looks fine to me, go ahead' });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('approver_lacks_role');
    }
    expect((await approvalRow(approvalId)).status).toBe('pending');
  });

  it('keeps the approval queue from a dispatcher', async () => {
    const dispatcher = await s.loginAs('dispatcher');
    const res = await s.request({ method: 'GET', url: '/api/approvals', cookie: dispatcher });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
    expect((await decide(dispatcher, approvalId, 'approve')).statusCode).toBe(403);
  });

  it('lets a second administrator, once enrolled in MFA, approve, which resets the supervisor’s second factor', async () => {
    const created = await s.request({ method: 'POST', url: '/api/users', cookie: admin, body: { username: SECOND_ADMIN, displayName: 'Segunda Administradora', password: SECOND_ADMIN_PASSWORD, roles: ['administrator'] } });
    expect(created.statusCode).toBe(201);
    ids[SECOND_ADMIN] = created.json().id;
    const login = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: SECOND_ADMIN, password: SECOND_ADMIN_PASSWORD } });
    expect(login.json().stage).toBe('mfa_enrolment');
    const enrolling = sessionCookie(login);
    expect((await decide(enrolling, approvalId, 'approve')).statusCode).toBe(403);
    const start = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment', cookie: enrolling });
    const confirm = await s.request({ method: 'POST', url: '/api/auth/mfa/enrolment/confirm', cookie: enrolling, body: { code: URI.parse(start.json().otpauthUri).generate() } });
    expect(confirm.json().stage).toBe('password_change');
    second = sessionCookie(confirm);
    expect((await decide(second, approvalId, 'approve')).json().code).toBe('password_change_required');
    const changed = await s.request({ method: 'POST', url: '/api/auth/password', cookie: second, body: { currentPassword: SECOND_ADMIN_PASSWORD, newPassword: 'Second-Admin-Own-2026' } });
    expect(changed.statusCode).toBe(204);

    // The requester granted this administrator her role: she is not an independent second person.
    const dependent = await decide(second, approvalId, 'approve');
    expect(dependent.statusCode).toBe(403);
    expect(dependent.json().code).toBe('approver_not_independent');
    expect((await s.request({ method: 'GET', url: '/api/approvals', cookie: second })).json().items.find((a: { id: string }) => a.id === approvalId).canDecide).toBe(false);
    // Factory step: as if the role had been granted at installation, not by the requester.
    await s.database.db.updateTable('user_roles').set({ granted_by: null }).where('user_id', '=', ids[SECOND_ADMIN]!).execute();

    const supervisorSession = await s.loginAs('supervisor');
    const queue = await s.request({ method: 'GET', url: '/api/approvals', cookie: second });
    expect(queue.json().items.find((a: { id: string }) => a.id === approvalId).canDecide).toBe(true);

    const res = await decide(second, approvalId, 'approve');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: approvalId, status: 'approved', decidedBy: { username: SECOND_ADMIN }, canDecide: false });

    const supervisor = await userRow('supervisor');
    expect(supervisor.mfa_enabled).toBe(false);
    expect(supervisor.mfa_secret).toBeNull();
    expect((await s.request({ method: 'GET', url: '/api/auth/me', cookie: supervisorSession })).statusCode).toBe(401);

    expect(await auditOf('approval.requested', approvalId)).toHaveLength(1);
    const approved = await auditOf('approval.approved', approvalId);
    expect(approved).toHaveLength(1);
    expect(approved[0]!.actor_username).toBe(SECOND_ADMIN);
    const reset = await auditOf('user.mfa_reset', ids.supervisor!);
    expect(reset).toHaveLength(1);
    expect(reset[0]!.actor_username).toBe(SECOND_ADMIN);
    expect(reset[0]!.reason).toEqual({ ...LOST_PHONE, approvedBy: SECOND_ADMIN, approvalId });
    // One transaction: the change, then the decision (the audit head is the last lock a transaction takes).
    expect(Number(approved[0]!.seq)).toBe(Number(reset[0]!.seq) + 1);

    const again = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 'supervisor', password: DEMO_PASSWORD } });
    expect(again.json().stage).toBe('mfa_enrolment');
  });

  it('refuses to decide a request that was already approved', async () => {
    for (const d of ['approve', 'reject'] as const) {
      const res = await decide(second, approvalId, d, { note: 'Deciding it a second time' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'approval_not_pending', status: 409, currentStatus: 'approved' });
    }
    expect(await auditOf('user.mfa_reset', ids.supervisor!)).toHaveLength(1);
  });

  it('requires a note to reject, and a rejection leaves the account as it was', async () => {
    const filed = await requestReset('auditor', { reason: { code: 'device_replaced', text: 'Says they bought a new phone' } });
    expect(filed.statusCode).toBe(202);
    const id = filed.json().approvalId;

    const bare = await decide(second, id, 'reject');
    expect(bare.statusCode).toBe(422);
    expect(bare.json().code).toBe('reason_required');
    const short = await decide(second, id, 'reject', { note: 'no' });
    expect(short.statusCode).toBe(422);
    expect((await approvalRow(id)).status).toBe('pending');

    const res = await decide(second, id, 'reject', { note: 'Could not confirm the caller was the auditor' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'rejected', decisionNote: 'Could not confirm the caller was the auditor', decidedBy: { username: SECOND_ADMIN } });
    const auditor = await userRow('auditor');
    expect(auditor.mfa_enabled).toBe(true);
    expect(auditor.mfa_secret).not.toBeNull();
    expect(await auditOf('user.mfa_reset', ids.auditor!)).toHaveLength(0);
    expect(await auditOf('approval.rejected', id)).toHaveLength(1);
    expect((await s.request({ method: 'GET', url: '/api/users', cookie: await s.loginAs('auditor') })).statusCode).toBe(200);
  });

  it('answers several simultaneous requests for the same user with one 202 and a 409 for each other', async () => {
    const results = await Promise.all(Array.from({ length: 3 }, () => requestReset('internal_affairs')));
    expect(results.map((r) => r.statusCode).sort()).toEqual([202, 409, 409]);
    const winner = results.find((r) => r.statusCode === 202)!.json().approvalId;
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json()).toMatchObject({ code: 'approval_pending', approvalId: winner });
    const pending = await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', '=', ids.internal_affairs!).where('status', '=', 'pending').execute();
    expect(pending).toHaveLength(1);
  });

  it('lets the requester withdraw a pending request, but nobody else', async () => {
    const { id } = await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', '=', ids.internal_affairs!).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const byOther = await decide(second, id, 'withdraw');
    expect(byOther.statusCode).toBe(403);
    expect(byOther.json().code).toBe('forbidden');
    expect((await approvalRow(id)).status).toBe('pending');

    const res = await decide(admin, id, 'withdraw');
    expect(res.statusCode).toBe(204);
    expect((await approvalRow(id)).status).toBe('withdrawn');
    expect(await auditOf('approval.withdrawn', id)).toHaveLength(1);
    expect((await userRow('internal_affairs')).mfa_enabled).toBe(true);

    const late = await decide(second, id, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'approval_not_pending', status: 409, currentStatus: 'withdrawn' });
    expect((await decide(admin, id, 'withdraw')).statusCode).toBe(409);
    // Once withdrawn, nothing is pending for that user, so a new request may be filed.
    expect((await requestReset('internal_affairs')).statusCode).toBe(202);
  });
});
