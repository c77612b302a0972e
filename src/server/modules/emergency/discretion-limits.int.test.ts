import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';

// The limits on discretion hold whichever way round they are approached: no path around a supervisor,
// no request filed that an approval could never carry out, no change that skips its own record.

let s: TestServer;
let callTaker: string;
let dispatcher: string;
let supervisor: string;
let admin: string;
const CENTRE = { lat: 13.6978, lon: -89.1914 };
let unitNo = 0;

async function createUnit(crew: string[] = []) {
  const res = await s.request({
    method: 'POST',
    url: '/api/units',
    cookie: admin,
    body: { callSign: `DL-${100 + unitNo++}`, unitType: 'patrol_car', homeStation: 'Central', department: 'SV.SS', status: 'available', crew },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  const pos = await post(`/api/units/${id}/positions`, { positions: [{ ...CENTRE, recordedAt: new Date().toISOString() }] });
  expect(pos.statusCode, pos.body).toBeLessThan(300);
  return id;
}
async function createIncident(body: Record<string, unknown> = {}) {
  const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', description: 'riña en la vía pública', location: { ...CENTRE, source: 'map_click' }, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; priority: number; version: number; number: string };
}
const get = async (id: string) => (await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie: dispatcher })).json();
const post = (url: string, body: unknown, cookie = dispatcher) => s.request({ method: 'POST', url, cookie, body });
const reason = (code: string) => ({ code, text: 'Motivo explicado con suficiente detalle' });
const decide = (approvalId: string, decision: 'approve' | 'reject') =>
  post(`/api/approvals/${approvalId}/decision`, decision === 'approve' ? { decision } : { decision, note: 'No procede según el protocolo' }, supervisor);
const approvalStatus = async (id: string) => (await s.database.db.selectFrom('approval_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
// Queue and log in one statement (one snapshot): the sequencer moves entries from one to the other at any time.
const auditEntries = async (action: string, entityId: string) =>
  (
    await s.database.db
      .selectFrom('audit_queue')
      .select('changes')
      .where('action', '=', action)
      .where('entity_id', '=', entityId)
      .unionAll(s.database.db.selectFrom('audit_log').select('changes').where('action', '=', action).where('entity_id', '=', entityId))
      .execute()
  ).map((r) => r.changes);
const auditCount = async (action: string, entityId: string) => (await auditEntries(action, entityId)).length;
async function assignAndArrive(incidentId: string) {
  const unit = await createUnit();
  const a = await post(`/api/incidents/${incidentId}/assignments`, { unitId: unit, reason: reason('other') });
  expect(a.statusCode, a.body).toBe(200);
  expect((await post(`/api/units/${unit}/status`, { status: 'on_scene' })).statusCode).toBe(200);
  return unit;
}

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, supervisor, admin] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('supervisor'), await s.loginAs('administrator')];
});
afterAll(() => s.close());

describe('lowering a P1/P2 out of the urgent band', () => {
  it('waits for a supervisor, so a P1 cannot be lowered and then cancelled without one', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    expect(p1.priority).toBe(1);
    const low = await post(`/api/incidents/${p1.id}/priority`, { priority: 4, version: p1.version, reason: reason('no_threat') }, callTaker);
    expect(low.statusCode, low.body).toBe(202);
    expect(low.json()).toMatchObject({ status: 'pending', incident: { priority: 1 } });
    // Still P1: its cancellation is still a supervisor's decision.
    const cancel = await post(`/api/incidents/${p1.id}/cancel`, { reason: reason('prank_call') });
    expect(cancel.statusCode, cancel.body).toBe(202);
    expect((await get(p1.id)).status).toBe('received');
    const timeline = (await get(p1.id)).timeline.map((t: { kind: string }) => t.kind);
    expect(timeline).toContain('priority_requested');
  });

  it('applies once approved, by a supervisor other than the requester', async () => {
    const p2 = await createIncident({ typeCode: 'ROB', answers: { weapons: true } });
    expect(p2.priority).toBeLessThanOrEqual(2);
    const low = await post(`/api/incidents/${p2.id}/priority`, { priority: 3, reason: reason('caller_clarified') });
    expect(low.statusCode, low.body).toBe(202);
    const approvalId = low.json().approvalId as string;
    const ok = await decide(approvalId, 'approve');
    expect(ok.statusCode, ok.body).toBe(200);
    const after = await get(p2.id);
    expect(after.priority).toBe(3);
    expect(after.timeline.find((t: { kind: string; data: { to?: number } }) => t.kind === 'priority' && t.data.to === 3).data.reason).toMatchObject({ code: 'caller_clarified', approvalId });
  });

  it('within the urgent band (P1 → P2) and below it (P3 → P4) needs a reason only', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    const toP2 = await post(`/api/incidents/${p1.id}/priority`, { priority: 2, reason: reason('no_threat') });
    expect(toP2.statusCode, toP2.body).toBe(200);
    expect(toP2.json().priority).toBe(2);
    const p3 = await createIncident();
    expect(p3.priority).toBe(3);
    const toP4 = await post(`/api/incidents/${p3.id}/priority`, { priority: 4, reason: reason('no_threat') });
    expect(toP4.statusCode, toP4.body).toBe(200);
    expect(toP4.json().priority).toBe(4);
  });

  it('a stale version is refused before any request is filed', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    await post(`/api/incidents/${p1.id}/notes`, { text: 'nota que cambia la versión' });
    const low = await post(`/api/incidents/${p1.id}/priority`, { priority: 4, version: p1.version, reason: reason('no_threat') });
    expect(low.statusCode).toBe(409);
    expect(low.json()).toMatchObject({ code: 'stale_version' });
    const pending = await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', '=', p1.id).execute();
    expect(pending).toHaveLength(0);
  });
});

describe('requests an approval could never carry out are refused at once', () => {
  it('cancelling an on-scene P1 answers 409 as for any priority, with nothing filed', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    await assignAndArrive(p1.id);
    const c = await post(`/api/incidents/${p1.id}/cancel`, { reason: reason('prank_call') });
    expect(c.statusCode, c.body).toBe(409);
    expect(c.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'on_scene' });
    expect((await get(p1.id)).pendingCancellation).toBeNull();
    expect(await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', '=', p1.id).execute()).toHaveLength(0);
  });

  it('closing an unattended P1 with an unknown disposition answers 422, with nothing filed', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    const c = await post(`/api/incidents/${p1.id}/close`, { dispositionCode: 'NO_EXISTE', summary: 'sin unidad', reason: reason('other') });
    expect(c.statusCode, c.body).toBe(422);
    expect(await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', '=', p1.id).execute()).toHaveLength(0);
  });

  it('closing an incident while its cancellation waits supersedes the request and clears the mark', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    const c = await post(`/api/incidents/${p1.id}/cancel`, { reason: reason('prank_call') });
    expect(c.statusCode).toBe(202);
    const approvalId = c.json().approvalId as string;
    expect((await get(p1.id)).pendingCancellation).toBe(approvalId);
    await assignAndArrive(p1.id);
    const closed = await post(`/api/incidents/${p1.id}/close`, { dispositionCode: 'arrest', summary: 'detenido en el lugar' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', pendingCancellation: null });
    expect(await approvalStatus(approvalId)).toBe('superseded');
    expect(await auditCount('approval.superseded', approvalId)).toBe(1);
    const late = await decide(approvalId, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'approval_not_pending', currentStatus: 'superseded' });
    // Listed with the decided ones, for the record.
    const decided = (await s.request({ method: 'GET', url: '/api/approvals?status=decided', cookie: supervisor })).json().items as { id: string; status: string }[];
    expect(decided.find((a) => a.id === approvalId)?.status).toBe('superseded');
  });

  it('merging an incident while its cancellation waits supersedes the request too', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    const into = await createIncident({ typeCode: 'HOM' });
    const c = await post(`/api/incidents/${p1.id}/cancel`, { reason: reason('prank_call') });
    const approvalId = c.json().approvalId as string;
    const m = await post(`/api/incidents/${p1.id}/merge`, { intoId: into.id, duplicate: true, reason: reason('duplicate_call') });
    expect(m.statusCode, m.body).toBe(200);
    expect(m.json()).toMatchObject({ status: 'merged', pendingCancellation: null });
    expect(await approvalStatus(approvalId)).toBe('superseded');
  });
});

describe('merging and reopening keep the lifecycle true', () => {
  it('a merged incident is not reopened (unmerge is its way back) and stays unmergeable', async () => {
    const a = await createIncident();
    const b = await createIncident();
    expect((await post(`/api/incidents/${b.id}/merge`, { intoId: a.id, duplicate: true, reason: reason('duplicate_call') })).statusCode).toBe(200);
    const r = await post(`/api/incidents/${b.id}/reopen`, { reason: reason('new_information') });
    expect(r.statusCode, r.body).toBe(409);
    expect(r.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'merged' });
    const u = await post(`/api/incidents/${b.id}/unmerge`, { reason: reason('not_same_event') });
    expect(u.statusCode, u.body).toBe(200);
    expect(u.json()).toMatchObject({ status: 'received', mergedInto: null });
  });

  it('a closed incident still reopens with a reason', async () => {
    const a = await createIncident();
    await assignAndArrive(a.id);
    expect((await post(`/api/incidents/${a.id}/close`, { dispositionCode: 'arrest', summary: 'resuelto' })).statusCode).toBe(200);
    const r = await post(`/api/incidents/${a.id}/reopen`, { reason: reason('new_information') });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().status).toBe('received');
  });

  it('nothing merges into a resolved incident', async () => {
    const officerUser = await s.database.db.selectFrom('users').select('id').where('username', '=', 'field_officer').executeTakeFirstOrThrow();
    const officer = await s.loginAs('field_officer');
    const fieldUnit = await createUnit([officerUser.id]);
    const a = await createIncident();
    expect((await post(`/api/incidents/${a.id}/assignments`, { unitId: fieldUnit, reason: reason('other') })).statusCode).toBe(200);
    const resolved = await s.request({
      method: 'POST',
      url: '/api/field/status',
      cookie: officer,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: { action: 'resolved', incidentId: a.id, dispositionCode: 'arrest' },
    });
    expect(resolved.statusCode, resolved.body).toBeLessThan(300);
    expect((await get(a.id)).status).toBe('resolved');
    const b = await createIncident();
    const m = await post(`/api/incidents/${b.id}/merge`, { intoId: a.id, reason: reason('same_event') });
    expect(m.statusCode, m.body).toBe(409);
    expect(m.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'resolved' });
    expect((await get(b.id)).status).toBe('received');
  });

  it('a unit still committed to a resolved incident never moves it back en route (only as the table allows)', async () => {
    // No API path leaves a unit on a resolved incident any more (merge refuses it): the state is made directly.
    const a = await createIncident();
    const unit = await createUnit();
    expect((await post(`/api/incidents/${a.id}/assignments`, { unitId: unit, reason: reason('other') })).statusCode).toBe(200);
    await s.database.db.updateTable('incidents').set({ status: 'resolved', resolved_at: new Date() }).where('id', '=', a.id).execute();
    const enRoute = await post(`/api/units/${unit}/status`, { status: 'en_route' });
    expect(enRoute.statusCode, enRoute.body).toBe(200);
    expect((await get(a.id)).status).toBe('resolved');
    // resolved → on_scene is in the lifecycle table: a unit arriving late puts the incident back on scene.
    const onScene = await post(`/api/units/${unit}/status`, { status: 'on_scene' });
    expect(onScene.statusCode, onScene.body).toBe(200);
    expect((await get(a.id)).status).toBe('on_scene');
  });

  it('units moved by a merge get a new version, a history row and a push each', async () => {
    const a = await createIncident();
    const b = await createIncident();
    const unit = await createUnit();
    expect((await post(`/api/incidents/${b.id}/assignments`, { unitId: unit, reason: reason('other') })).statusCode).toBe(200);
    const before = (await s.request({ method: 'GET', url: `/api/units/${unit}`, cookie: dispatcher })).json();
    const maxSeq = Number((await s.database.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow()).m);
    const m = await post(`/api/incidents/${b.id}/merge`, { intoId: a.id, reason: reason('same_event') });
    expect(m.statusCode, m.body).toBe(200);
    const after = (await s.request({ method: 'GET', url: `/api/units/${unit}`, cookie: dispatcher })).json();
    expect(after.currentIncidentId).toBe(a.id);
    expect(after.version).toBe(before.version + 1);
    const events = await s.database.db.selectFrom('events').select(['topic', 'entity_id']).where('seq', '>', maxSeq).execute();
    expect(events).toContainEqual({ topic: 'units', entity_id: unit });
    const history = await s.database.db.selectFrom('unit_status_history').select(['incident_id']).where('unit_id', '=', unit).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(history.incident_id).toBe(a.id);
    const survivor = await get(a.id);
    const survivorMerge = survivor.timeline.find((t: { kind: string }) => t.kind === 'merge');
    expect(survivorMerge.data.units).toEqual([{ unitId: unit, callSign: before.callSign }]);
    // A unit works it now: dispatched, with its dispatch time, so its answer-to-dispatch target no longer runs.
    expect(survivor.status).toBe('dispatched');
    expect(survivor.times.firstDispatchedAt).not.toBeNull();
  });

  it('answers do not change an incident that is no longer active', async () => {
    const r = await createIncident();
    expect(r.priority).toBe(3);
    const c = await post(`/api/incidents/${r.id}/cancel`, { reason: reason('prank_call') });
    expect(c.statusCode, c.body).toBe(200);
    const ans = await post(`/api/incidents/${r.id}/answers`, { answers: { weapons: true } });
    expect(ans.statusCode, ans.body).toBe(409);
    expect(ans.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'cancelled' });
    expect((await get(r.id)).priority).toBe(r.priority);
  });
});

describe("callers' personal data", () => {
  it('write responses leave the caller out; the GET that records the read shows it', async () => {
    const a = await createIncident({ caller: { number: '+503 7000 1111', name: 'Persona Reservada' } });
    const b = await createIncident();
    const link = await post(`/api/incidents/${a.id}/links`, { relatedId: b.id }, callTaker);
    expect(link.statusCode, link.body).toBe(201);
    expect(link.json().caller).toBeNull();
    const note = await post(`/api/incidents/${a.id}/notes`, { text: 'nota del operador' }, callTaker);
    expect(note.statusCode).toBe(200);
    expect(note.json().caller).toBeNull();
    expect(await auditCount('incident.sensitive_read', a.id)).toBe(0);
    const view = await s.request({ method: 'GET', url: `/api/incidents/${a.id}`, cookie: callTaker });
    expect(view.json().caller).toEqual({ number: '+503 7000 1111', name: 'Persona Reservada' });
    expect(await auditCount('incident.sensitive_read', a.id)).toBe(1);
  });

  it('a read of other callers is recorded even right after a view of the first caller', async () => {
    const a = await createIncident({ caller: { number: '+503 7000 2222', name: 'Primera' } });
    const call = await post(`/api/incidents/${a.id}/calls`, { callReceivedAt: new Date().toISOString(), caller: { number: '+503 7999 9999', name: 'Segunda' }, description: 'otra llamada' }, callTaker);
    expect(call.statusCode, call.body).toBe(201);
    await s.request({ method: 'GET', url: `/api/incidents/${a.id}`, cookie: dispatcher });
    await s.request({ method: 'GET', url: `/api/incidents/${a.id}`, cookie: dispatcher });
    const links = await s.request({ method: 'GET', url: `/api/incidents/${a.id}/links`, cookie: dispatcher });
    expect(links.statusCode).toBe(200);
    expect(links.json().calls.map((c: { caller: { number: string } | null }) => c.caller?.number)).toContain('+503 7999 9999');
    const fields = (await auditEntries('incident.sensitive_read', a.id)).map((c) => (c as { fields: string[] }).fields.join(','));
    // The repeated view is one entry; the other callers are another.
    expect(fields.sort()).toEqual(['additional_callers', 'caller']);
  });
});

describe("a reopened incident's time targets", () => {
  const escalations = async (id: string) => (await get(id)).timeline.filter((t: { kind: string }) => t.kind === 'escalation').map((t: { data: { target: string } }) => t.data.target);
  const targetsOf = async (priority: number) =>
    s.database.db.selectFrom('priority_targets').select(['answer_to_dispatch_seconds', 'dispatch_to_arrival_seconds']).where('priority', '=', priority).executeTakeFirstOrThrow();
  const closeAttended = async (id: string) => {
    await assignAndArrive(id);
    const c = await post(`/api/incidents/${id}/close`, { dispositionCode: 'arrest', summary: 'atendido' });
    expect(c.statusCode, c.body).toBe(200);
  };

  it('run from the reopening: no alert at once for the old call time, one when the new episode is late', async () => {
    const { escalateOverdue } = await import('./escalation.js');
    const late = await createIncident({ typeCode: 'HOM', callReceivedAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    await escalateOverdue(s.database.db);
    expect(await escalations(late.id)).toEqual(['answer_to_dispatch']);
    await closeAttended(late.id);
    const reopened = await post(`/api/incidents/${late.id}/reopen`, { reason: reason('new_information') });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json().times.reopenedAt).not.toBeNull();
    // The call is ten minutes old, the new episode seconds old: not late yet.
    await escalateOverdue(s.database.db);
    expect(await escalations(late.id)).toEqual(['answer_to_dispatch']);
    const { answer_to_dispatch_seconds: a2d } = await targetsOf(1);
    await escalateOverdue(s.database.db, new Date(Date.now() + (a2d + 5) * 1000));
    expect(await escalations(late.id)).toEqual(['answer_to_dispatch', 'answer_to_dispatch']);
  });

  it('after the next dispatch, arrival is measured from that dispatch, not the first one', async () => {
    const { escalateOverdue } = await import('./escalation.js');
    const p1 = await createIncident({ typeCode: 'HOM' });
    await closeAttended(p1.id);
    // Reopened long after its first dispatch (made here by moving that dispatch back an hour).
    await s.database.db.updateTable('incidents').set({ first_dispatched_at: new Date(Date.now() - 3_600_000) }).where('id', '=', p1.id).execute();
    expect((await post(`/api/incidents/${p1.id}/reopen`, { reason: reason('new_information') })).statusCode).toBe(200);
    const unit = await createUnit();
    const assigned = await post(`/api/incidents/${p1.id}/assignments`, { unitId: unit, reason: reason('other') });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().times.redispatchedAt).not.toBeNull();
    await escalateOverdue(s.database.db);
    expect(await escalations(p1.id)).toEqual([]);
    const { dispatch_to_arrival_seconds: d2a } = await targetsOf(1);
    await escalateOverdue(s.database.db, new Date(Date.now() + (d2a + 5) * 1000));
    expect(await escalations(p1.id)).toEqual(['dispatch_to_arrival']);
  });
});
