import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { chained } from '../../test/audit-log.js';

let s: TestServer;
let officer: string;
let dispatcher: string;
let callTaker: string;
let admin: string;
let unitId: string;

const CENTRE = { lat: 13.6978, lon: -89.1914 };
const key = () => crypto.randomUUID();
const post = (url: string, body: unknown, k: string, cookie = officer) => s.request({ method: 'POST', url, cookie, body, headers: { 'idempotency-key': k } });
const auditOf = async (action: string) => (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('action', '=', action).execute();

async function assignedIncident() {
  const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', description: 'Riña en la vía pública', location: { ...CENTRE, source: 'map_click' }, caller: { number: '+503 7777 1234', name: 'Ana' } } });
  expect(inc.statusCode, inc.body).toBe(201);
  const id = inc.json().id as string;
  const a = await s.request({ method: 'POST', url: `/api/incidents/${id}/assignments`, cookie: dispatcher, body: { unitId } });
  expect(a.statusCode, a.body).toBe(200);
  return id;
}

beforeAll(async () => {
  s = await createTestServer({ FIELD_SHOW_CALLER_PHONE: 'true' });
  [officer, dispatcher, callTaker, admin] = [await s.loginAs('field_officer'), await s.loginAs('dispatcher'), await s.loginAs('call_taker'), await s.loginAs('administrator')];
  const me = await s.database.db.selectFrom('users').select('id').where('username', '=', 'field_officer').executeTakeFirstOrThrow();
  const u = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'P-501', unitType: 'patrol_car', homeStation: 'Delegación Centro', department: 'SV.SS', status: 'available', crew: [me.id] } });
  expect(u.statusCode, u.body).toBe(201);
  unitId = u.json().id;
  await s.request({ method: 'POST', url: `/api/units/${unitId}/positions`, cookie: dispatcher, body: { positions: [{ ...CENTRE, lat: CENTRE.lat + 0.002, accuracyM: 10, recordedAt: new Date().toISOString() }] } });
});
afterAll(() => s.close());

describe('assignment view', () => {
  it("shows the officer's unit, crew and current assignment without the caller's number", async () => {
    const id = await assignedIncident();
    const res = await s.request({ method: 'GET', url: '/api/field/overview', cookie: officer });
    expect(res.statusCode, res.body).toBe(200);
    const o = res.json();
    expect(o.unit).toMatchObject({ callSign: 'P-501', status: 'dispatched' });
    expect(o.crew.map((c: { displayName: string }) => c.displayName)).toHaveLength(1);
    expect(o.assignment).toMatchObject({ incidentId: id, typeCode: 'DIST', callerPhoneAvailable: true, position: CENTRE });
    expect(res.body).not.toContain('7777');
    await post('/api/field/status', { action: 'resolved', incidentId: id, dispositionCode: 'assistance_given' }, key());
  });

  it("audits every view of the caller's phone, and refuses it to a crew not on the incident", async () => {
    const id = await assignedIncident();
    for (let i = 0; i < 2; i++) {
      const res = await s.request({ method: 'GET', url: `/api/field/incidents/${id}/caller-phone`, cookie: officer });
      expect(res.json()).toEqual({ number: '+503 7777 1234' });
    }
    expect((await auditOf('incident.sensitive_read')).filter((e) => e.entity_id === id)).toHaveLength(2);
    await post('/api/field/status', { action: 'resolved', incidentId: id, dispositionCode: 'assistance_given' }, key());
    const after = await s.request({ method: 'GET', url: `/api/field/incidents/${id}/caller-phone`, cookie: officer });
    expect(after.statusCode).toBe(403);
  });

  it('refuses the field API to a dispatcher (least privilege) and a request without an idempotency key', async () => {
    expect((await s.request({ method: 'GET', url: '/api/field/overview', cookie: dispatcher })).statusCode).toBe(403);
    const noKey = await s.request({ method: 'POST', url: '/api/field/notes', cookie: officer, body: { incidentId: crypto.randomUUID(), text: 'x' } });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().errors[0].path).toContain('idempotency-key');
  });
});

describe('status buttons and idempotent replay', () => {
  it('moves the unit and incident along acknowledge → en route → on scene → resolved, each audited', async () => {
    const id = await assignedIncident();
    const steps = [
      ['acknowledge', 'dispatched', 'dispatched'],
      ['en_route', 'en_route', 'en_route'],
      ['on_scene', 'on_scene', 'on_scene'],
    ] as const;
    for (const [action, unitStatus, incidentStatus] of steps) {
      const res = await post('/api/field/status', { action, incidentId: id }, key());
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ unitStatus, incidentStatus });
    }
    const done = await post('/api/field/status', { action: 'resolved', incidentId: id, dispositionCode: 'report_taken', note: 'Se levantó denuncia' }, key());
    expect(done.json()).toMatchObject({ unitStatus: 'available', incidentStatus: 'resolved' });
    const incident = (await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie: dispatcher })).json();
    expect(incident.status).toBe('resolved');
    expect((await auditOf('field.on_scene')).some((e) => (e.changes as { incidentId: string }).incidentId === id)).toBe(true);
  });

  it('applies a replayed key once and answers the replay with the first result', async () => {
    const id = await assignedIncident();
    const k = key();
    const first = await post('/api/field/status', { action: 'en_route', incidentId: id }, k);
    const again = await post('/api/field/status', { action: 'en_route', incidentId: id }, k);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const history = await s.database.db.selectFrom('unit_status_history').select('status').where('unit_id', '=', unitId).where('incident_id', '=', id).where('status', '=', 'en_route').execute();
    expect(history).toHaveLength(1);

    const nk = key();
    const note = { incidentId: id, text: 'Sospechoso huyó hacia el norte' };
    const [a, b] = await Promise.all([post('/api/field/notes', note, nk), post('/api/field/notes', note, nk)]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json()).toEqual(b.json());
    const notes = await s.database.db.selectFrom('incident_timeline').select('data').where('incident_id', '=', id).where('kind', '=', 'note').execute();
    expect(notes).toHaveLength(1);
    await post('/api/field/status', { action: 'resolved', incidentId: id, dispositionCode: 'assistance_given' }, key());
  });

  it('refuses a key reused for a different request, and replays a refusal as the same refusal', async () => {
    const id = await assignedIncident();
    const k = key();
    await post('/api/field/notes', { incidentId: id, text: 'primera' }, k);
    const reused = await post('/api/field/notes', { incidentId: id, text: 'otra' }, k);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('idempotency_key_reused');
    await post('/api/field/status', { action: 'resolved', incidentId: id, dispositionCode: 'assistance_given' }, key());
    const late = key();
    const refused = await post('/api/field/status', { action: 'on_scene', incidentId: id }, late);
    expect(refused.statusCode).toBe(409);
    const replay = await post('/api/field/status', { action: 'on_scene', incidentId: id }, late);
    expect(replay.statusCode).toBe(409);
    expect(replay.json().code).toBe(refused.json().code);
  });
});

describe('panic and backup', () => {
  it('raises a P1 alert with the position at the command centre, once per key', async () => {
    const id = await assignedIncident();
    const k = key();
    const body = { incidentId: id, position: { lat: 13.7, lon: -89.2, accuracyM: 8 } };
    const res = await post('/api/field/panic', body, k);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'panic', priority: 1 });
    await post('/api/field/panic', body, k);
    const alerts = await s.database.db.selectFrom('field_alerts').selectAll().where('incident_id', '=', id).execute();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ priority: 1, lat: 13.7, lon: -89.2 });
    const events = await s.database.db.selectFrom('events').selectAll().where('topic', '=', 'alerts').where('kind', '=', 'panic').execute();
    expect(events.at(-1)!.data).toMatchObject({ priority: 1, callSign: 'P-501', position: { lat: 13.7, lon: -89.2 }, raisedAt: alerts[0]!.raised_at.toISOString() });
    expect(await auditOf('field.panic')).toHaveLength(1);
    await post('/api/field/status', { action: 'resolved', incidentId: id, dispositionCode: 'assistance_given' }, key());
  });
});
