import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEido, danglingReferences } from '../../test/eido/eido-validator.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { sequencePending } from '../../platform/audit/sequencer.js';
import { verifyAuditLog } from '../../platform/audit/verify.js';
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { auditQueueRow } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import { GroupWriter, isItemError } from '../../platform/db/group-writer.js';
import { eventRow } from '../../platform/realtime/outbox.js';
import { insertIntakes, intakeRecord, type Intake, type IntakeRecord } from './incident-store.js';

let s: TestServer;
let callTaker: string;
let dispatcher: string;
let supervisor: string;
let admin: string;
let analyst: string;
const units: Record<string, string> = {};

// Plaza Libertad, San Salvador, and points around it.
const CENTRE = { lat: 13.6978, lon: -89.1914 };
const near = (dLat: number, dLon = 0) => ({ lat: CENTRE.lat + dLat, lon: CENTRE.lon + dLon });

async function createUnit(callSign: string, at: { lat: number; lon: number } | null, unitType = 'patrol_car', positionAgeMs = 10_000) {
  const res = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign, unitType, homeStation: 'Delegación Centro', department: 'SV.SS', status: 'available' } });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  if (at) {
    const pos = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body: { positions: [{ ...at, accuracyM: 10, recordedAt: new Date(Date.now() - positionAgeMs).toISOString() }] } });
    expect(pos.statusCode, pos.body).toBe(200);
  }
  units[callSign] = id;
  return id;
}

async function createIncident(body: Record<string, unknown>, cookie = callTaker) {
  const res = await s.request({ method: 'POST', url: '/api/incidents', cookie, body: { typeCode: 'DIST', description: 'Riña en la vía pública', location: { ...CENTRE, source: 'map_click' }, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const get = async (id: string, cookie = dispatcher) => (await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie })).json();

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, supervisor, admin, analyst] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('supervisor'), await s.loginAs('administrator'), await s.loginAs('analyst')];
  await createUnit('P-101', near(0.002));
  await createUnit('P-102', near(0.05));
  await createUnit('P-103', near(0.0005), 'patrol_car', 3600_000);
  await createUnit('A-201', near(0.001), 'ambulance');
});
afterAll(() => s.close());

describe('intake', () => {
  it('serves the incident-type catalogue with protocol questions and priority rules', async () => {
    const res = await s.request({ method: 'GET', url: '/api/incident-types', cookie: callTaker });
    const rob = res.json().items.find((t: { code: string }) => t.code === 'ROB');
    expect(rob.name.es).toBe('Robo / hurto');
    expect(rob.questions.map((q: { key: string }) => q.key)).toContain('weapons');
    expect(rob.priorityRules).toContainEqual({ questionKey: 'weapons', operator: 'eq', value: true, priority: 1 });
  });

  it('creates an incident, finds its department from the coordinates, and records timeline and audit', async () => {
    const inc = await createIncident({ typeCode: 'ROB', caller: { number: '+503 7777 8888', name: 'Ana Rivas' }, answers: { weapons: true, in_progress: true } });
    expect(inc).toMatchObject({ status: 'received', priority: 1, department: 'SV.SS', version: 1 });
    expect(inc.number).toMatch(/^SV-\d{4}-\d{6}$/);
    const d = await get(inc.id);
    expect(d.timeline[0]).toMatchObject({ kind: 'created', actor: 'call_taker' });
    expect(d.timeline[0].data.raisedBy).toEqual(['weapons']);
    expect(d.answers).toEqual({ weapons: true, in_progress: true });
    expect(d.locations).toHaveLength(1);
    expect(d.locations[0]).toMatchObject({ source: 'map_click', current: true, department: 'SV.SS' });
    await sequencePending(s.database.db);
    const audit = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'incident.created').where('entity_id', '=', inc.id).executeTakeFirstOrThrow();
    expect(audit.actor_username).toBe('call_taker');
    expect(JSON.stringify(audit.changes)).not.toContain('7777');
  });

  it("writes a call-taker's intake with its audit entry and live event, naming the incident's number and version", async () => {
    const inc = await createIncident({ typeCode: 'ROB', answers: { weapons: false } });
    await sequencePending(s.database.db);
    const audit = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'incident.created').where('entity_id', '=', inc.id).executeTakeFirstOrThrow();
    const row = await s.database.db.selectFrom('incidents').select(['number', 'call_received_at']).where('id', '=', inc.id).executeTakeFirstOrThrow();
    expect(audit.changes).toEqual({ after: { number: row.number, typeCode: 'ROB', priority: inc.priority, department: 'SV.SS', source: 'call', callReceivedAt: row.call_received_at.toISOString(), answers: { weapons: false } } });
    const events = await s.database.db.selectFrom('events').selectAll().where('entity_id', '=', inc.id).execute();
    expect(events).toMatchObject([{ topic: 'incidents', kind: 'created', entity_type: 'incident', version: inc.version, department: 'SV.SS', data: null }]);
    expect((await verifyAuditLog(s.database.db)).ok).toBe(true);
  });

  it('writes intakes that arrive together in one statement, each with its own number, rows, audit entry and event', async () => {
    const spots = Array.from({ length: 12 }, (_, i) => near(0.001 * i, 0.001 * i));
    // The type is read once first: on PGlite a cache miss would queue every request behind the held connection.
    await createIncident({ typeCode: 'ROB' });
    // The first write waits on a lock held here, so the other eleven arrive while it is under way.
    // (On PGlite the held connection is the only one: the first write waits for it instead.)
    const holder = await s.database.pool.connect();
    let pending: Promise<{ id: string; number: string }[]>;
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE incidents IN EXCLUSIVE MODE');
      pending = Promise.all(
        spots.map((at, i) => createIncident({ typeCode: 'ROB', description: `Robo número ${i}`, location: { ...at, source: 'device', accuracyM: 5 + i }, answers: { weapons: i % 2 === 0 } })),
      );
      // Well inside the service's 500 ms stall limit, after which a second write would start.
      await new Promise((r) => setTimeout(r, 300));
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    const created = await pending;
    const ids = created.map((c) => c.id as string);
    // Rows written by one statement share its transaction id: the first alone, then the eleven together.
    const { rows: txs } = await sql<{ n: number }>`SELECT count(DISTINCT xmin::text)::int AS n FROM incidents WHERE id = ANY(${ids}::uuid[])`.execute(s.database.db);
    expect(txs[0]!.n).toBe(2);
    expect(new Set(created.map((c) => c.number)).size).toBe(ids.length);
    await sequencePending(s.database.db);
    const audits = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'incident.created').where('entity_id', 'in', ids).execute();
    const events = await s.database.db.selectFrom('events').selectAll().where('entity_id', 'in', ids).execute();
    expect(new Set(audits.map((a) => a.request_id)).size).toBe(ids.length);
    for (const [i, c] of created.entries()) {
      expect(c).toMatchObject({ priority: i % 2 === 0 ? 1 : 2, department: 'SV.SS', version: 1 });
      const d = await get(c.id);
      expect(d.description).toBe(`Robo número ${i}`);
      expect(d.answers).toEqual({ weapons: i % 2 === 0 });
      expect(d.locations).toMatchObject([{ lat: spots[i]!.lat, lon: spots[i]!.lon, accuracyM: 5 + i, source: 'device', current: true }]);
      expect(d.timeline.map((t: { kind: string }) => t.kind)).toEqual(['created']);
      const audit = audits.filter((a) => a.entity_id === c.id);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.changes).toMatchObject({ after: { number: c.number, answers: { weapons: i % 2 === 0 } } });
      expect(events.filter((e) => e.entity_id === c.id)).toMatchObject([{ kind: 'created', version: 1 }]);
    }
    expect((await verifyAuditLog(s.database.db)).ok).toBe(true);
  });

  it('fails only the intake the database refuses when it was grouped with others', async () => {
    const user = await s.database.db.selectFrom('users').select('id').where('username', '=', 'call_taker').executeTakeFirstOrThrow();
    const ctx: AuditContext = { actorId: user.id, actorUsername: 'call_taker', actorRoles: ['call_taker'], actorTokenId: null, requestId: 'group-test', clientIp: null };
    const doc = (typeCode: string) => {
      const id = crypto.randomUUID();
      const locationId = crypto.randomUUID();
      const intake: Intake = {
        id, typeCode, priority: 3, source: 'call', callerNumber: null, callerName: null, description: `grupo ${typeCode}`, department: 'SV.SS', lat: CENTRE.lat, lon: CENTRE.lon,
        callReceivedAt: new Date(),
        location: { id: locationId, lat: CENTRE.lat, lon: CENTRE.lon, addressText: null, landmark: null, department: 'SV.SS', source: 'map_click', accuracyM: null },
        answers: {}, actor: { id: user.id, username: 'call_taker' }, timeline: { typeCode },
      };
      return intakeRecord(intake, { audit: auditQueueRow(ctx, { action: 'incident.created', entityType: 'incident', entityId: id, changes: { after: { typeCode } } }), event: eventRow({ topic: 'incidents', kind: 'created', entityType: 'incident', entityId: id, version: 1, department: 'SV.SS' }) });
    };
    let writes = 0;
    const writer = new GroupWriter((records: IntakeRecord[]) => (writes++, insertIntakes(s.database.db, records)), { maxInFlight: 1, maxGroup: 32, stallMs: 60_000, maxStalled: 0, isItemError });
    const first = writer.submit(doc('DIST'));
    // 'NOPE' is no incident type: its row breaks a foreign key, and so the whole statement.
    const docs = [doc('DIST'), doc('NOPE'), doc('ROB')];
    const settled = await Promise.allSettled([first, ...docs.map((d) => writer.submit(d))]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23503' });
    expect(writes).toBe(5); // the first alone, the group of three refused, then each of the three again
    const written = await s.database.db.selectFrom('incidents').select(['id', 'number']).where('id', 'in', docs.map((d) => d.id)).execute();
    expect(written.map((w) => w.id).sort()).toEqual([docs[0]!.id, docs[2]!.id].sort());
    await sequencePending(s.database.db);
    const audits = await s.database.db.selectFrom('audit_log').select(['entity_id', 'changes']).where('entity_id', 'in', docs.map((d) => d.id)).execute();
    expect(audits.map((a) => a.entity_id).sort()).toEqual(written.map((w) => w.id).sort());
    expect((await verifyAuditLog(s.database.db)).ok).toBe(true);
  });

  it('shows the caller only to roles that need it', async () => {
    const inc = await createIncident({ caller: { number: '+503 2222 3333', name: 'Luis' } });
    expect((await get(inc.id, callTaker)).caller).toEqual({ number: '+503 2222 3333', name: 'Luis' });
    expect((await get(inc.id, analyst)).caller).toBeNull();
  });

  it('refuses invalid answers, unknown types and a missing location with 4xx problems', async () => {
    const bad = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROB', location: { ...CENTRE, source: 'map_click' }, answers: { weapons: 'maybe' } } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'invalid_answer', key: 'weapons' });
    const unknown = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'NOPE', location: { ...CENTRE, source: 'map_click' } } });
    expect(unknown.json().code).toBe('unknown_incident_type');
    const noLoc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { source: 'caller_stated' } } });
    expect(noLoc.statusCode).toBe(422);
    const half = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { lat: 13.7, source: 'caller_stated' } } });
    expect(half.statusCode).toBe(400);
    const analystTry = await s.request({ method: 'POST', url: '/api/incidents', cookie: analyst, body: { typeCode: 'DIST', location: { ...CENTRE, source: 'map_click' } } });
    expect(analystTry.statusCode).toBe(403);
  });

  it('finds related open incidents near in place and time, with the reasons for each score', async () => {
    const first = await createIncident({ typeCode: 'FIRE', description: 'Incendio en cafetería del centro', location: { ...near(0.0003, 0.0003), source: 'map_click' } });
    const res = await s.request({ method: 'POST', url: '/api/incidents/related', cookie: callTaker, body: { ...near(0.0004, 0.0003), typeCode: 'FIRE', description: 'humo saliendo de la cafetería' } });
    const top = res.json().items[0];
    expect(top.incident.id).toBe(first.id);
    expect(top.reasons.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(['distance_m', 'age_minutes', 'same_type', 'text_similarity']));
    expect(top.distanceM).toBeLessThan(50);
    const far = await s.request({ method: 'POST', url: '/api/incidents/related', cookie: callTaker, body: { lat: 13.48, lon: -88.18, typeCode: 'FIRE', description: '' } });
    expect(far.json().items.map((i: { incident: { id: string } }) => i.incident.id)).not.toContain(first.id);
    // Once closed, it is nobody's open incident to attach a call to.
    const closed = await s.request({ method: 'POST', url: `/api/incidents/${first.id}/close`, cookie: dispatcher, body: { dispositionCode: 'unfounded', summary: 'Humo de una parrilla', reason: { code: 'resolved_by_phone', text: 'El llamante confirmó que era una parrilla' } } });
    // A P1 no unit reached closes on a supervisor's approval.
    expect(closed.json().status).toBe('pending');
    const approved = await s.request({ method: 'POST', url: `/api/approvals/${closed.json().approvalId}/decision`, cookie: supervisor, body: { decision: 'approve' } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect((await get(first.id)).status).toBe('closed');
    const after = await s.request({ method: 'POST', url: '/api/incidents/related', cookie: callTaker, body: { ...near(0.0004, 0.0003), typeCode: 'FIRE', description: 'humo saliendo de la cafetería' } });
    expect(after.json().items.map((i: { incident: { id: string } }) => i.incident.id)).not.toContain(first.id);
  });

  it('never overwrites a location: a device location is appended and a person makes it current', async () => {
    const inc = await createIncident({ location: { addressText: 'Frente al Mercado Central', source: 'caller_stated', department: 'SV.SS' } });
    const added = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/locations`, cookie: callTaker, body: { location: { ...near(0.001), accuracyM: 15, source: 'device' } } });
    expect(added.statusCode).toBe(200);
    let d = await get(inc.id);
    expect(d.locations).toHaveLength(2);
    const device = d.locations.find((l: { source: string }) => l.source === 'device');
    expect(device.current).toBe(false);
    const sel = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/locations/${device.id}/select`, cookie: callTaker, body: { version: d.version } });
    expect(sel.statusCode, sel.body).toBe(200);
    d = await get(inc.id);
    expect(d.locations.find((l: { id: string }) => l.id === device.id).current).toBe(true);
    expect(d.lat).toBeCloseTo(device.lat);
    expect(d.locations).toHaveLength(2);
  });

  it('keeps notes as written: an amendment is a new note naming the one it amends', async () => {
    const inc = await createIncident({});
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/notes`, cookie: callTaker, body: { text: 'Sospechoso con camisa roja' } });
    const noteId = (await get(inc.id)).timeline.find((t: { kind: string }) => t.kind === 'note').id;
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/notes`, cookie: callTaker, body: { text: 'Corrección: camisa azul', amends: noteId } });
    const notes = (await get(inc.id)).timeline.filter((t: { kind: string }) => t.kind === 'note');
    expect(notes.map((n: { data: { text: string } }) => n.data.text)).toEqual(['Sospechoso con camisa roja', 'Corrección: camisa azul']);
    expect(notes[1].data.amends).toBe(noteId);
    await expect(s.database.db.updateTable('incident_timeline').set({ kind: 'x' }).where('id', '=', noteId).execute()).rejects.toThrow(/append-only/);
  });

  it('lets answers raise the priority but asks a reason to lower it', async () => {
    const inc = await createIncident({ typeCode: 'DIST' });
    expect(inc.priority).toBe(3);
    const raised = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/answers`, cookie: callTaker, body: { answers: { weapons: true } } });
    expect(raised.json().priority).toBe(1);
    const lowerNoReason = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/priority`, cookie: callTaker, body: { priority: 2 } });
    expect(lowerNoReason.statusCode).toBe(422);
    expect(lowerNoReason.json().code).toBe('reason_required');
    // Within P1/P2 a reason is enough (below P2 a supervisor decides: discretion-limits.int.test.ts).
    const lowered = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/priority`, cookie: callTaker, body: { priority: 2, reason: { code: 'caller_clarified', text: 'El arma era de juguete según el llamante' } } });
    expect(lowered.statusCode, lowered.body).toBe(200);
    expect(lowered.json().priority).toBe(2);
    const entry = (await get(inc.id)).timeline.filter((t: { kind: string }) => t.kind === 'priority').at(-1);
    expect(entry.data.reason.code).toBe('caller_clarified');
  });

  it('refuses a write made against a stale version, naming the current one', async () => {
    const inc = await createIncident({});
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/answers`, cookie: callTaker, body: { answers: { people: 2 } } });
    const stale = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/answers`, cookie: callTaker, body: { answers: { people: 3 }, version: 1 } });
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'stale_version', currentVersion: 2 });
  });
});

describe('dispatch', () => {
  it('recommends available units by estimated arrival, lowering a stale position and saying so', async () => {
    const inc = await createIncident({ typeCode: 'DIST' });
    const res = await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/recommendations`, cookie: dispatcher });
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(res.json().needed).toEqual(['patrol_car']);
    expect(items.map((i: { callSign: string }) => i.callSign)).toEqual(['P-101', 'P-103', 'P-102']);
    expect(items[0].etaSeconds).toBeGreaterThan(0);
    expect(items[1].reasons.map((r: { code: string }) => r.code)).toContain('stale_position');
    expect(items.map((i: { callSign: string }) => i.callSign)).not.toContain('A-201');
  });

  it('assigns the top recommendation; the unit and incident move to dispatched', async () => {
    const inc = await createIncident({ typeCode: 'DIST' });
    const res = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/assignments`, cookie: dispatcher, body: { unitId: units['P-101'] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('dispatched');
    const d = await get(inc.id);
    expect(d.assignments[0]).toMatchObject({ callSign: 'P-101', unitStatus: 'dispatched', recommendedRank: 1 });
    expect(d.times.firstDispatchedAt).not.toBeNull();
    // Free the unit for the next tests.
    const free = await s.request({ method: 'POST', url: `/api/units/${units['P-101']}/status`, cookie: dispatcher, body: { status: 'available' } });
    expect(free.json().status).toBe('available');
  });

  it('requires a reason to send a unit other than the top recommendation', async () => {
    const inc = await createIncident({ typeCode: 'DIST' });
    const noReason = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/assignments`, cookie: dispatcher, body: { unitId: units['P-102'] } });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().code).toBe('reason_required');
    const withReason = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/assignments`, cookie: dispatcher, body: { unitId: units['P-102'], reason: { code: 'crew_knowledge', text: 'La tripulación conoce a los involucrados' } } });
    expect(withReason.statusCode, withReason.body).toBe(200);
    const t = (await get(inc.id)).timeline.find((e: { kind: string }) => e.kind === 'assignment');
    expect(t.data).toMatchObject({ callSign: 'P-102', recommendedRank: 3, reason: { code: 'crew_knowledge' } });
    await s.request({ method: 'POST', url: `/api/units/${units['P-102']}/status`, cookie: dispatcher, body: { status: 'available' } });
  });

  it('lets exactly one of two racing dispatchers take a unit; the other learns which incident took it', async () => {
    const a = await createIncident({ typeCode: 'DIST' });
    const b = await createIncident({ typeCode: 'DIST' });
    const [ra, rb] = await Promise.all([
      s.request({ method: 'POST', url: `/api/incidents/${a.id}/assignments`, cookie: dispatcher, body: { unitId: units['P-101'] } }),
      s.request({ method: 'POST', url: `/api/incidents/${b.id}/assignments`, cookie: supervisor, body: { unitId: units['P-101'] } }),
    ]);
    const codes = [ra.statusCode, rb.statusCode].sort();
    expect(codes).toEqual([200, 409]);
    const loser = ra.statusCode === 409 ? ra : rb;
    const winner = ra.statusCode === 409 ? b : a;
    expect(loser.json()).toMatchObject({ code: 'unit_committed', incidentId: winner.id, incidentNumber: winner.number });
    const active = await s.database.db.selectFrom('assignments').select('incident_id').where('unit_id', '=', units['P-101']!).where('released_at', 'is', null).execute();
    expect(active).toEqual([{ incident_id: winner.id }]);
  });

  it('moves the incident with its units and releases them on closure with a disposition', async () => {
    const busy = await s.database.db.selectFrom('units').select('current_incident_id').where('id', '=', units['P-101']!).executeTakeFirstOrThrow();
    const incidentId = busy.current_incident_id!;
    const enRoute = await s.request({ method: 'POST', url: `/api/units/${units['P-101']}/status`, cookie: dispatcher, body: { status: 'en_route' } });
    expect(enRoute.statusCode, enRoute.body).toBe(200);
    expect((await get(incidentId)).status).toBe('en_route');
    await s.request({ method: 'POST', url: `/api/units/${units['P-101']}/status`, cookie: dispatcher, body: { status: 'on_scene' } });
    const d = await get(incidentId);
    expect(d.status).toBe('on_scene');
    expect(d.times.firstEnRouteAt).not.toBeNull();
    expect(d.times.firstOnSceneAt).not.toBeNull();
    const closed = await s.request({ method: 'POST', url: `/api/incidents/${incidentId}/close`, cookie: dispatcher, body: { dispositionCode: 'report_taken', summary: 'Se disolvió la riña, sin detenidos', version: d.version } });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', disposition: { code: 'report_taken' } });
    const unit = (await s.request({ method: 'GET', url: `/api/units/${units['P-101']}`, cookie: dispatcher })).json();
    expect(unit).toMatchObject({ status: 'available', currentIncidentId: null });
  });

  it('answers an illegal transition with 409 and the current state', async () => {
    const inc = await createIncident({});
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/close`, cookie: dispatcher, body: { dispositionCode: 'unfounded', summary: 'Nadie en el lugar', reason: { code: 'resolved_by_phone', text: 'El llamante confirmó que ya no hace falta' } } });
    const again = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/assignments`, cookie: dispatcher, body: { unitId: units['P-102'], reason: { code: 'other', text: 'intento sobre incidente cerrado' } } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'closed' });
  });
});

describe('limits on discretion', () => {
  it('requires a reason to close an incident no unit ever reached', async () => {
    const inc = await createIncident({});
    const bare = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/close`, cookie: dispatcher, body: { dispositionCode: 'false_alarm', summary: 'Falsa alarma' } });
    expect(bare.statusCode).toBe(422);
    const ok = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/close`, cookie: dispatcher, body: { dispositionCode: 'false_alarm', summary: 'Falsa alarma', reason: { code: 'no_units_needed', text: 'Alarma de vehículo sin hecho delictivo' } } });
    expect(ok.json().status).toBe('closed');
  });

  it('cancels a P3 with a reason at once, but keeps a P1 active until a supervisor approves', async () => {
    const p3 = await createIncident({ typeCode: 'DIST' });
    const c3 = await s.request({ method: 'POST', url: `/api/incidents/${p3.id}/cancel`, cookie: dispatcher, body: { reason: { code: 'caller_cancelled', text: 'El llamante indicó que ya se resolvió' } } });
    expect(c3.statusCode).toBe(200);
    expect(c3.json().incident.status).toBe('cancelled');

    const p1 = await createIncident({ typeCode: 'HOM', description: 'Persona sin vida en la vía' });
    const c1 = await s.request({ method: 'POST', url: `/api/incidents/${p1.id}/cancel`, cookie: dispatcher, body: { reason: { code: 'prank_call', text: 'El número tiene historial de llamadas falsas' } } });
    expect(c1.statusCode).toBe(202);
    expect(c1.json().incident).toMatchObject({ status: 'received', pendingCancellation: c1.json().approvalId });
    const selfApprove = await s.request({ method: 'POST', url: `/api/approvals/${c1.json().approvalId}/decision`, cookie: dispatcher, body: { decision: 'approve' } });
    expect(selfApprove.statusCode).toBe(403);
    const approved = await s.request({ method: 'POST', url: `/api/approvals/${c1.json().approvalId}/decision`, cookie: supervisor, body: { decision: 'approve' } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect((await get(p1.id)).status).toBe('cancelled');
  });

  it('leaves a P1 as it was when the supervisor rejects its cancellation', async () => {
    const p1 = await createIncident({ typeCode: 'KID' });
    const c1 = await s.request({ method: 'POST', url: `/api/incidents/${p1.id}/cancel`, cookie: dispatcher, body: { reason: { code: 'other', text: 'Posible confusión familiar' } } });
    const rejected = await s.request({ method: 'POST', url: `/api/approvals/${c1.json().approvalId}/decision`, cookie: supervisor, body: { decision: 'reject', note: 'Hay que verificar en el lugar primero' } });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const d = await get(p1.id);
    expect(d).toMatchObject({ status: 'received', pendingCancellation: null });
    expect(d.timeline.map((t: { kind: string }) => t.kind)).toContain('cancel_rejected');
  });

  it('reopens a closed incident only with a reason', async () => {
    const inc = await createIncident({});
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/close`, cookie: dispatcher, body: { dispositionCode: 'unfounded', summary: 'x', reason: { code: 'resolved_by_phone', text: 'Se resolvió por teléfono con el llamante' } } });
    const noReason = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/reopen`, cookie: dispatcher, body: { reason: { code: 'new_information', text: 'corto' } } });
    expect(noReason.statusCode).toBe(422);
    const ok = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/reopen`, cookie: dispatcher, body: { reason: { code: 'new_information', text: 'El llamante volvió a llamar: sigue la riña' } } });
    expect(ok.json().status).toBe('received');
  });

  it('merges a duplicate into the original keeping both histories, and un-merges only with a reason', async () => {
    const original = await createIncident({ description: 'Riña frente a la catedral' });
    const dup = await createIncident({ description: 'Pelea en la catedral' });
    const noReason = await s.request({ method: 'POST', url: `/api/incidents/${dup.id}/merge`, cookie: dispatcher, body: { intoId: original.id, duplicate: true } });
    expect(noReason.statusCode).toBe(400);
    const merged = await s.request({ method: 'POST', url: `/api/incidents/${dup.id}/merge`, cookie: dispatcher, body: { intoId: original.id, duplicate: true, reason: { code: 'duplicate_call', text: 'Segunda llamada por la misma riña' } } });
    expect(merged.json()).toMatchObject({ status: 'merged', mergedInto: original.id, duplicateOf: original.id });
    expect((await get(original.id)).timeline.some((t: { kind: string; data: { from?: string } }) => t.kind === 'merge' && t.data.from === dup.id)).toBe(true);
    expect((await get(dup.id)).timeline.map((t: { kind: string }) => t.kind)).toEqual(['created', 'duplicate']);
    const noUnmergeReason = await s.request({ method: 'POST', url: `/api/incidents/${dup.id}/unmerge`, cookie: dispatcher, body: { reason: { code: 'other', text: '' } } });
    expect(noUnmergeReason.statusCode).toBe(422);
    const split = await s.request({ method: 'POST', url: `/api/incidents/${dup.id}/unmerge`, cookie: dispatcher, body: { reason: { code: 'not_same_event', text: 'Son dos riñas distintas en la misma plaza' } } });
    expect(split.json()).toMatchObject({ status: 'received', mergedInto: null });
  });
});

describe('units', () => {
  it('lists just the units asked for by id', async () => {
    const [a, b] = [units['P-101']!, units['P-102']!];
    const res = await s.request({ method: 'GET', url: `/api/units?ids=${a},${b},00000000-0000-4000-8000-000000000000`, cookie: dispatcher });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json().items as { id: string }[]).map((u) => u.id).sort()).toEqual([a, b].sort());
    expect((await s.request({ method: 'GET', url: '/api/units?ids=P-101', cookie: dispatcher })).statusCode).toBe(400);
  });

  it('accepts position batches recorded offline, keeping the newest as current', async () => {
    const id = units['P-102']!;
    const t0 = Date.now() - 25_000;
    const res = await s.request({
      method: 'POST',
      url: `/api/units/${id}/positions`,
      cookie: dispatcher,
      body: { positions: [0, 1, 2].map((i) => ({ lat: 13.70 + i * 0.001, lon: -89.19, accuracyM: 8, recordedAt: new Date(t0 + i * 10_000).toISOString() })) },
    });
    expect(res.json()).toEqual({ accepted: 3, current: true });
    const unit = (await s.request({ method: 'GET', url: `/api/units/${id}`, cookie: dispatcher })).json();
    expect(unit.position.lat).toBeCloseTo(13.702);
    expect(unit.position.at).toBe(new Date(t0 + 20_000).toISOString());
    const older = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body: { positions: [{ lat: 13.5, lon: -89.0, recordedAt: new Date(t0 - 60_000).toISOString() }] } });
    expect(older.json()).toEqual({ accepted: 1, current: false });
  });

  it('stores each fix once when a batch is sent again after its answer was lost', async () => {
    const id = units['P-101']!;
    const t0 = Date.now() - 40_000;
    const body = { positions: [0, 1, 2].map((i) => ({ lat: 13.71 + i * 0.001, lon: -89.18, accuracyM: 9, recordedAt: new Date(t0 + i * 5_000).toISOString() })) };
    const first = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body });
    const replay = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body });
    expect([first.statusCode, replay.statusCode]).toEqual([200, 200]);
    const from = new Date(t0 - 1).toISOString();
    const to = new Date(t0 + 10_001).toISOString();
    const track = (await s.request({ method: 'GET', url: `/api/units/${id}/track?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, cookie: dispatcher })).json();
    expect(track.items.map((p: { at: string }) => p.at)).toEqual([0, 1, 2].map((i) => new Date(t0 + i * 5_000).toISOString()));
  });

  it('keeps a fix far outside El Salvador in the track but never makes it the position (a GPS without a fix reports 0,0)', async () => {
    const id = units['P-103']!;
    const before = (await s.request({ method: 'GET', url: `/api/units/${id}`, cookie: dispatcher })).json().position;
    const t0 = Date.now() - 5_000;
    const body = { positions: [{ lat: 13.69, lon: -89.2, recordedAt: new Date(t0 - 1_000).toISOString() }, { lat: 0, lon: 0, recordedAt: new Date(t0).toISOString() }] };
    const res = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body });
    // The fix before it, in San Salvador, becomes current.
    expect(res.json()).toEqual({ accepted: 2, current: true });
    const unit = (await s.request({ method: 'GET', url: `/api/units/${id}`, cookie: dispatcher })).json();
    expect([unit.position.lat, unit.position.lon]).toEqual([13.69, -89.2]);
    expect(before?.at === unit.position.at).toBe(false);
    const alone = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body: { positions: [{ lat: 0, lon: 0, recordedAt: new Date().toISOString() }] } });
    expect(alone.json()).toEqual({ accepted: 1, current: false });
    // Just over the border (Guatemala, a few km from Ahuachapán) is still believed.
    const border = await s.request({ method: 'POST', url: `/api/units/${id}/positions`, cookie: dispatcher, body: { positions: [{ lat: 13.93, lon: -89.95, recordedAt: new Date().toISOString() }] } });
    expect(border.json()).toEqual({ accepted: 1, current: true });
    const track = (await s.request({ method: 'GET', url: `/api/units/${id}/track?from=${encodeURIComponent(new Date(t0 - 2_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 1_000).toISOString())}`, cookie: dispatcher })).json();
    expect(track.items.filter((p: { lat: number }) => p.lat === 0)).toHaveLength(2);
  });

  it('creates a unit only in a status that needs no assignment', async () => {
    const res = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'X-ON-SCENE', unitType: 'patrol_car', homeStation: 'Central', department: 'SV.SS', status: 'on_scene' } });
    expect(res.statusCode).toBe(400);
    const ok = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'X-OFF-DUTY', unitType: 'patrol_car', homeStation: 'Central', department: 'SV.SS', status: 'off_duty' } });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('refuses a field officer who is not in the unit crew', async () => {
    const officer = await s.loginAs('field_officer');
    const res = await s.request({ method: 'POST', url: `/api/units/${units['P-103']}/status`, cookie: officer, body: { status: 'busy' } });
    expect(res.statusCode).toBe(403);
  });
});

describe('EIDO export', () => {
  it('exports an incident as an EIDO that validates against NENA’s schema and matches the incident', async () => {
    const inc = await createIncident({ typeCode: 'ROB', caller: { number: '+503 7000 1234', name: 'María López' }, answers: { weapons: false } });
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/notes`, cookie: callTaker, body: { text: 'Vehículo gris <placa P123>' } });
    const rec = (await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/recommendations`, cookie: dispatcher })).json().items[0];
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/assignments`, cookie: dispatcher, body: { unitId: rec.unitId } });
    await s.request({ method: 'POST', url: `/api/units/${rec.unitId}/status`, cookie: dispatcher, body: { status: 'on_scene' } });
    const res = await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/eido`, cookie: supervisor });
    expect(res.statusCode, res.body).toBe(200);
    const eido = res.json();
    const check = validateEido(eido);
    expect(check.errors).toEqual([]);
    expect(check.valid).toBe(true);
    expect(danglingReferences(eido)).toEqual([]);
    expect(eido.incidentComponent).toMatchObject({ internalIncidentId: inc.number, incidentTypeInternalCode: 'ROB', incidentCommonPriorityNumber: 2, incidentStatusInternalText: ['on_scene'] });
    expect(eido.callbackComponent[0].callBackInformationUri).toEqual(['tel:+50370001234']);
    expect(eido.personComponent[0].ncPersonComponent.name[0].personFullName[0].value).toBe('María López');
    expect(eido.emergencyResourceComponent[0]).toMatchObject({ emergencyResourceName: rec.callSign, primaryUnitStatusRegistryText: 'OnScene' });
    expect(eido.notesComponent.map((n: { notesActionComments: string }) => n.notesActionComments)).toContain('<p>Vehículo gris &lt;placa P123&gt;</p>');
    expect(eido.agentComponent.map((a: { $id: string }) => a.$id)).toEqual(expect.arrayContaining(['call_taker@psap.centinela.sv', 'dispatcher@psap.centinela.sv']));
    expect(eido.callComponent[0].callStartTimestamp).toMatch(/-06:00$/);
    expect(eido.locationComponent[0].locationByValue).toContain(`<gml:pos>${CENTRE.lat} ${CENTRE.lon}</gml:pos>`);
    await s.request({ method: 'POST', url: `/api/units/${rec.unitId}/status`, cookie: dispatcher, body: { status: 'available' } });
  }, 30_000);

  it('leaves the caller out of the EIDO for a reader who may not see callers', async () => {
    const inc = await createIncident({ caller: { number: '+503 7000 9999', name: 'Pedro' } });
    const eido = (await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/eido`, cookie: analyst })).json();
    expect(JSON.stringify(eido)).not.toContain('9999');
    expect(validateEido(eido).valid).toBe(true);
  }, 30_000);
});

describe('EIDO export after reassignments and merges', () => {
  const eidoOf = async (id: string) => (await s.request({ method: 'GET', url: `/api/incidents/${id}/eido`, cookie: analyst })).json();
  const ids = (doc: unknown) => {
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.$id === 'string') out.push(o.$id);
        Object.values(o).forEach(walk);
      }
    };
    walk(doc);
    return out;
  };
  const assign = async (incidentId: string, unitId: string) => {
    const r = await s.request({ method: 'POST', url: `/api/incidents/${incidentId}/assignments`, cookie: dispatcher, body: { unitId, reason: { code: 'other', text: 'Unidad elegida por cercanía real' } } });
    expect(r.statusCode, r.body).toBe(200);
  };

  it('a unit sent twice is two resources with two dispatches, every $id once and every reference resolved', async () => {
    const unit = await createUnit('E-201', near(0.001));
    const inc = await createIncident({ typeCode: 'DIST' });
    await assign(inc.id, unit);
    expect((await s.request({ method: 'POST', url: `/api/units/${unit}/status`, cookie: dispatcher, body: { status: 'available' } })).statusCode).toBe(200);
    await assign(inc.id, unit);
    const eido = await eidoOf(inc.id);
    expect(validateEido(eido).valid).toBe(true);
    expect(danglingReferences(eido)).toEqual([]);
    const all = ids(eido);
    expect(all.length).toBe(new Set(all).size);
    expect(eido.emergencyResourceComponent.map((u: { emergencyResourceName: string }) => u.emergencyResourceName)).toEqual(['E-201', 'E-201']);
    expect(eido.dispatchComponent).toHaveLength(2);
    expect(eido.dispatchComponent.every((x: { agentReference?: { $ref: string } }) => x.agentReference?.$ref.startsWith('dispatcher@'))).toBe(true);
  });

  it('a merged incident names where it went and references no unit it no longer has; the survivor dispatches it', async () => {
    const unit = await createUnit('E-202', near(0.002));
    const a = await createIncident({ typeCode: 'DIST' });
    const b = await createIncident({ typeCode: 'DIST' });
    await assign(b.id, unit);
    const m = await s.request({ method: 'POST', url: `/api/incidents/${b.id}/merge`, cookie: dispatcher, body: { intoId: a.id, reason: { code: 'same_event', text: 'Mismo hecho reportado dos veces' } } });
    expect(m.statusCode, m.body).toBe(200);
    const merged = await eidoOf(b.id);
    expect(validateEido(merged).valid).toBe(true);
    expect(danglingReferences(merged)).toEqual([]);
    expect(merged.dispatchComponent ?? []).toEqual([]);
    expect(JSON.stringify(merged.notesComponent)).toContain(`Merged into ${a.number} (E-202)`);
    const survivor = await eidoOf(a.id);
    expect(danglingReferences(survivor)).toEqual([]);
    expect(survivor.emergencyResourceComponent.map((u: { emergencyResourceName: string }) => u.emergencyResourceName)).toEqual(['E-202']);
    expect(survivor.dispatchComponent).toHaveLength(1);
  });

  it('names no agent for the server itself (escalations)', async () => {
    const { escalateOverdue } = await import('./escalation.js');
    const late = await createIncident({ typeCode: 'HOM', callReceivedAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    await escalateOverdue(s.database.db);
    const eido = await eidoOf(late.id);
    expect(validateEido(eido).valid).toBe(true);
    expect(JSON.stringify(eido)).not.toContain('system@');
  });
});

describe('escalation', () => {
  it('alerts supervisors once when an incident misses its answer-to-dispatch target', async () => {
    const { escalateOverdue } = await import('./escalation.js');
    const late = await createIncident({ typeCode: 'HOM', callReceivedAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    const onTime = await createIncident({ typeCode: 'ASST' });
    const checkedAt = new Date();
    expect(await escalateOverdue(s.database.db, checkedAt)).toBeGreaterThanOrEqual(1);
    expect(await escalateOverdue(s.database.db)).toBe(0);
    const kinds = (id: string) => get(id).then((d) => d.timeline.filter((t: { kind: string }) => t.kind === 'escalation'));
    expect(await kinds(late.id)).toHaveLength(1);
    expect((await kinds(late.id))[0].data).toMatchObject({ target: 'answer_to_dispatch', targetSeconds: 60 });
    expect(await kinds(onTime.id)).toHaveLength(0);
    const alerts = await s.database.db.selectFrom('events').selectAll().where('topic', '=', 'alerts').where('entity_id', '=', late.id).execute();
    expect(alerts).toHaveLength(1);
    // The alert carries when it was raised, for a console that receives it late.
    expect(alerts[0]!.data).toMatchObject({ target: 'answer_to_dispatch', number: late.number, raisedAt: checkedAt.toISOString() });
  });
});

describe('the queue', () => {
  it('lists just the incidents asked for by id, in any status, without their callers', async () => {
    const a = await createIncident({ caller: { number: '+503 7000 1111', name: 'Luis' } });
    const b = await createIncident({});
    const res = await s.request({ method: 'GET', url: `/api/incidents?status=all&ids=${a.id},${b.id},00000000-0000-4000-8000-000000000000`, cookie: dispatcher });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { id: string; caller: unknown }[];
    expect(items.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(items.every((i) => i.caller === null)).toBe(true);
    const bad = await s.request({ method: 'GET', url: '/api/incidents?ids=not-a-uuid', cookie: dispatcher });
    expect(bad.statusCode).toBe(400);
  });
});

describe('sensitive reads', () => {
  it('records who saw a caller’s data, once per person per incident in ten minutes, and every EIDO export', async () => {
    const inc = await createIncident({ caller: { number: '+503 7111 2222', name: 'Rosa' } });
    const reads = async () => {
      await sequencePending(s.database.db);
      return s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'incident.sensitive_read').where('entity_id', '=', inc.id).execute();
    };
    await get(inc.id, callTaker);
    await get(inc.id, callTaker);
    await get(inc.id, dispatcher);
    await get(inc.id, analyst);
    const views = await reads();
    expect(views.map((v) => v.actor_username).sort()).toEqual(['call_taker', 'dispatcher']);
    await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/eido`, cookie: supervisor });
    await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/eido`, cookie: supervisor });
    expect((await reads()).filter((v) => v.actor_username === 'supervisor')).toHaveLength(2);
  });
});

describe('no back doors around a supervisor', () => {
  it('keeps a P1 folded into a P4, or closed unattended, active until a supervisor approves', async () => {
    const p1 = await createIncident({ typeCode: 'HOM' });
    const p4 = await createIncident({ typeCode: 'ASST' });
    const merge = await s.request({ method: 'POST', url: `/api/incidents/${p1.id}/merge`, cookie: dispatcher, body: { intoId: p4.id, reason: { code: 'same_event', text: 'Parece el mismo hecho, según el llamante' } } });
    expect(merge.statusCode).toBe(202);
    expect((await get(p1.id)).status).toBe('received');
    const approve = await s.request({ method: 'POST', url: `/api/approvals/${merge.json().approvalId}/decision`, cookie: supervisor, body: { decision: 'approve' } });
    expect(approve.statusCode, approve.body).toBe(200);
    expect((await get(p1.id)).status).toBe('merged');

    const other = await createIncident({ typeCode: 'KID' });
    const close = await s.request({ method: 'POST', url: `/api/incidents/${other.id}/close`, cookie: dispatcher, body: { dispositionCode: 'false_alarm', summary: 'Sin novedad', reason: { code: 'resolved_by_phone', text: 'La familia encontró a la persona' } } });
    expect(close.statusCode).toBe(202);
    expect((await get(other.id)).status).toBe('received');
  });

  it('files a cancellation for approval once an answer has raised the incident to P1', async () => {
    const inc = await createIncident({ typeCode: 'DIST' });
    await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/answers`, cookie: callTaker, body: { answers: { weapons: true } } });
    const cancel = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/cancel`, cookie: dispatcher, body: { reason: { code: 'caller_cancelled', text: 'El llamante dice que ya se fueron' } } });
    expect(cancel.statusCode).toBe(202);
    expect((await get(inc.id)).status).toBe('received');
  });
});

describe('input the database cannot store', () => {
  it('answers NUL characters, lone surrogates and bad origins with 4xx, never a 500', async () => {
    const nul = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', description: 'a\u0000b', location: { ...CENTRE, source: 'map_click' } } });
    expect(nul.statusCode).toBe(400);
    const lone = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'SUSP', answers: { description: 'x\ud800' }, location: { ...CENTRE, source: 'map_click' } } });
    expect(lone.statusCode).toBe(400);
    const login = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 'a\u0000', password: 'x' } });
    expect(login.statusCode).toBe(400);
    const origin = await s.request({ method: 'POST', url: '/api/incidents/related', cookie: callTaker, body: {}, headers: { origin: 'null', host: 'localhost' } });
    expect(origin.statusCode).toBe(403);
    const crew = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'X-99', unitType: 'patrol_car', homeStation: 'x', department: 'SV.SS', crew: ['00000000-0000-4000-8000-000000000000'] } });
    expect(crew.statusCode).toBe(422);
    const future = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', callReceivedAt: '2099-01-01T00:00:00Z', location: { ...CENTRE, source: 'map_click' } } });
    expect(future.statusCode).toBe(400);
  });
});

