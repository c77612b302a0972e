import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';

// The incident's record end to end: the seeded catalogue, every kind of answer, every timeline
// entry with its actor and time, closure and its stamps, and the writes that must not slip past a
// stale version or edit a fact.

let s: TestServer;
let callTaker: string;
let dispatcher: string;
let admin: string;
const CENTRE = { lat: 13.6978, lon: -89.1914 };
const reason = (text: string) => ({ code: 'other', text });

type Entry = { kind: string; actor: string | null; at: string; data: Record<string, unknown> };

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, admin] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('administrator')];
});
afterAll(() => s.close());

const post = (url: string, body: unknown, cookie = dispatcher) => s.request({ method: 'POST', url, cookie, body });
const get = async (id: string) => (await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie: dispatcher })).json();

async function createIncident(body: Record<string, unknown>) {
  const res = await post('/api/incidents', { typeCode: 'DIST', description: 'Riña', location: { ...CENTRE, source: 'map_click' }, ...body }, callTaker);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; version: number; priority: number; number: string };
}

/** Assigns whichever unit the service ranks first, so that no reason is asked. */
async function assignTop(incidentId: string) {
  const top = (await s.request({ method: 'GET', url: `/api/incidents/${incidentId}/recommendations`, cookie: dispatcher })).json().items[0];
  const res = await post(`/api/incidents/${incidentId}/assignments`, { unitId: top.unitId });
  expect(res.statusCode, res.body).toBe(200);
  return top.unitId as string;
}

async function createUnit(callSign: string, unitType = 'patrol_car') {
  const res = await post('/api/units', { callSign, unitType, homeStation: 'Centro', department: 'SV.SS', status: 'available' }, admin);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  const pos = await post(`/api/units/${id}/positions`, { positions: [{ ...CENTRE, accuracyM: 10, recordedAt: new Date().toISOString() }] });
  expect(pos.statusCode, pos.body).toBe(200);
  return id;
}

describe('the seeded catalogue', () => {
  it('holds the Salvadoran types the service answers, each with its priority and the units it needs', async () => {
    const items = (await s.request({ method: 'GET', url: '/api/incident-types', cookie: callTaker })).json().items as {
      code: string;
      defaultPriority: number;
      requiredUnits: { capability: string; count: number }[];
    }[];
    const byCode = new Map(items.map((t) => [t.code, t]));
    const expected: [string, number, Record<string, number>][] = [
      ['ROB', 2, { patrol_car: 1 }],
      ['HOM', 1, { patrol_car: 2 }],
      ['INJ', 2, { patrol_car: 1, ambulance: 1 }],
      ['DV', 2, { patrol_car: 1 }],
      ['EXT', 2, { specialised: 1 }],
      ['KID', 1, { patrol_car: 2, specialised: 1 }],
      ['MP', 2, { patrol_car: 1 }],
      ['TA', 2, { patrol_car: 1 }],
      ['FIRE', 1, { fire: 1, patrol_car: 1 }],
      ['MED', 2, { ambulance: 1 }],
      ['DIST', 3, { patrol_car: 1 }],
      ['SUSP', 3, { patrol_car: 1 }],
      ['THR', 3, { patrol_car: 1 }],
      ['SEX', 1, { patrol_car: 1 }],
      ['ASST', 4, { patrol_car: 1 }],
    ];
    for (const [code, priority, units] of expected) {
      const t = byCode.get(code);
      expect(t, code).toBeDefined();
      expect(t!.defaultPriority, code).toBe(priority);
      expect(Object.fromEntries(t!.requiredUnits.map((u) => [u.capability, u.count])), code).toEqual(units);
    }
  });
});

describe('protocol answers of every kind', () => {
  it('checks choice, number and text answers against their question, and lets declared rules raise the priority', async () => {
    const refused = async (typeCode: string, answers: Record<string, unknown>, key: string) => {
      const res = await post('/api/incidents', { typeCode, location: { ...CENTRE, source: 'map_click' }, answers }, callTaker);
      expect(res.statusCode, `${typeCode} ${JSON.stringify(answers)}`).toBe(422);
      expect(res.json()).toMatchObject({ code: 'invalid_answer', key });
      expect(res.json().detail).toMatch(/\S/);
    };
    await refused('EXT', { threat_type: 'nope' }, 'threat_type');
    await refused('FIRE', { structure: 'castle' }, 'structure');
    await refused('INJ', { victims: -1 }, 'victims');
    await refused('INJ', { victims: '3' }, 'victims');
    await refused('KID', { vehicle: '   ' }, 'vehicle');
    await refused('DIST', { not_a_question: true }, 'not_a_question');

    // A choice in the rule's list (stored as JSON), a number at the rule's threshold, a text kept trimmed.
    expect((await createIncident({ typeCode: 'EXT', answers: { threat_type: 'collection' } })).priority).toBe(1);
    expect((await createIncident({ typeCode: 'EXT', answers: { threat_type: 'phone' } })).priority).toBe(2);
    expect((await createIncident({ typeCode: 'INJ', answers: { victims: 3 } })).priority).toBe(1);
    expect((await createIncident({ typeCode: 'INJ', answers: { victims: 2 } })).priority).toBe(2);
    expect((await createIncident({ typeCode: 'EXT', answers: { deadline_hours: 2 } })).priority).toBe(1);
    const kid = await createIncident({ typeCode: 'KID', answers: { vehicle: '  Pick-up blanco P123-456 ', minutes_ago: 15 } });
    expect((await get(kid.id)).answers).toEqual({ vehicle: 'Pick-up blanco P123-456', minutes_ago: 15 });
  });
});

describe('intake by landmark', () => {
  it('takes a location given only as a landmark in a department, with its source', async () => {
    const inc = await createIncident({ location: { landmark: 'Frente a la Iglesia El Rosario', department: 'SV.SS', source: 'caller_stated' } });
    const d = await get(inc.id);
    expect(d.department).toBe('SV.SS');
    expect(d.locations).toEqual([expect.objectContaining({ landmark: 'Frente a la Iglesia El Rosario', department: 'SV.SS', source: 'caller_stated', current: true, lat: null, lon: null })]);
  });
});

describe("an incident's whole life on its timeline", () => {
  it('records every kind of entry with its actor and time, and closure with its disposition, summary and stamps', async () => {
    await createUnit('L-301');
    const inc = await createIncident({});
    expect((await post(`/api/incidents/${inc.id}/answers`, { answers: { people: 4 } }, callTaker)).statusCode).toBe(200);
    expect((await post(`/api/incidents/${inc.id}/priority`, { priority: 2 })).statusCode).toBe(200);
    expect((await post(`/api/incidents/${inc.id}/notes`, { text: 'Llegan más personas' }, callTaker)).statusCode).toBe(200);
    expect((await post(`/api/incidents/${inc.id}/locations`, { location: { lat: CENTRE.lat + 0.001, lon: CENTRE.lon, source: 'device', accuracyM: 12 } }, callTaker)).statusCode).toBe(200);
    let d = await get(inc.id);
    const device = d.locations.find((l: { source: string }) => l.source === 'device');
    expect((await post(`/api/incidents/${inc.id}/locations/${device.id}/select`, { version: d.version }, callTaker)).statusCode).toBe(200);
    const unit = await assignTop(inc.id);
    expect((await post(`/api/units/${unit}/status`, { status: 'en_route' })).statusCode).toBe(200);
    expect((await post(`/api/units/${unit}/status`, { status: 'on_scene' })).statusCode).toBe(200);
    d = await get(inc.id);
    const closed = await post(`/api/incidents/${inc.id}/close`, { dispositionCode: 'report_taken', summary: 'Se disolvió la riña, sin detenidos', version: d.version });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', disposition: { code: 'report_taken', summary: 'Se disolvió la riña, sin detenidos' } });

    d = await get(inc.id);
    const timeline = d.timeline as Entry[];
    const kinds = new Set(timeline.map((e) => e.kind));
    for (const kind of ['created', 'answer', 'priority', 'note', 'location', 'location_selected', 'assignment', 'unit_status', 'status', 'closure']) {
      expect(kinds, kind).toContain(kind);
    }
    const byKind = (kind: string) => timeline.filter((e) => e.kind === kind);
    expect(byKind('created')[0]!.actor).toBe('call_taker');
    expect(byKind('answer')[0]!.actor).toBe('call_taker');
    expect(byKind('priority')[0]!.actor).toBe('dispatcher');
    expect(byKind('assignment')[0]!.actor).toBe('dispatcher');
    // The closure releases the unit: that too is on the timeline.
    expect(byKind('unit_status').map((e) => e.data.status)).toEqual(['en_route', 'on_scene', 'available']);
    expect(byKind('closure')[0]!.data).toMatchObject({ dispositionCode: 'report_taken', summary: 'Se disolvió la riña, sin detenidos' });
    let previous = 0;
    for (const e of timeline) {
      expect(e.actor, e.kind).toMatch(/\S/);
      const at = Date.parse(e.at);
      expect(Number.isFinite(at), e.kind).toBe(true);
      // In the order it happened.
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
    }

    const t = d.times;
    const stamps = ['callReceivedAt', 'createdAt', 'firstDispatchedAt', 'firstEnRouteAt', 'firstOnSceneAt', 'resolvedAt', 'closedAt'];
    for (const k of stamps) expect(t[k], k).not.toBeNull();
    for (let i = 1; i < stamps.length; i++) expect(Date.parse(t[stamps[i]!]), `${stamps[i - 1]} ≤ ${stamps[i]}`).toBeGreaterThanOrEqual(Date.parse(t[stamps[i - 1]!]));
  });
});

describe('facts are never overwritten', () => {
  it('refuses to edit or delete a location or an answer, and to empty the timeline, at the database', async () => {
    const inc = await createIncident({ answers: { people: 2 } });
    const db = s.database.db;
    await expect(db.updateTable('incident_locations').set({ lat: 0 }).where('incident_id', '=', inc.id).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('incident_locations').where('incident_id', '=', inc.id).execute()).rejects.toThrow(/append-only/);
    await expect(db.updateTable('incident_answers').set({ value: JSON.stringify(9) }).where('incident_id', '=', inc.id).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('incident_answers').where('incident_id', '=', inc.id).execute()).rejects.toThrow(/append-only/);
    for (const table of ['incident_timeline', 'incident_locations', 'incident_answers', 'incident_links', 'incident_calls']) {
      await expect(s.database.pool.query(`TRUNCATE ${table} CASCADE`), table).rejects.toThrow(/append-only/);
    }
    expect((await get(inc.id)).answers).toEqual({ people: 2 });
  });
});

describe('a stale version is refused before anything is filed', () => {
  it('closing unattended or merging with an old version answers 409 and files no approval', async () => {
    const hom = await createIncident({ typeCode: 'HOM', description: 'Persona sin vida' });
    const target = await createIncident({ typeCode: 'ASST' });
    expect((await post(`/api/incidents/${hom.id}/notes`, { text: 'Vecinos confirman disparos' }, callTaker)).statusCode).toBe(200);
    const close = await post(`/api/incidents/${hom.id}/close`, { dispositionCode: 'unfounded', summary: 'x', version: hom.version, reason: reason('Cierre con versión vieja') });
    expect(close.statusCode, close.body).toBe(409);
    expect(close.json()).toMatchObject({ code: 'stale_version', currentVersion: hom.version + 1 });
    const merge = await post(`/api/incidents/${hom.id}/merge`, { intoId: target.id, duplicate: false, version: hom.version, reason: reason('Fusión con versión vieja') });
    expect(merge.statusCode, merge.body).toBe(409);
    expect(merge.json()).toMatchObject({ code: 'stale_version', currentVersion: hom.version + 1 });
    const filed = await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', '=', hom.id).execute();
    expect(filed).toEqual([]);
    expect((await get(hom.id)).status).toBe('received');
  });

  it('making a new location current checks the version; appending one does not need it', async () => {
    const inc = await createIncident({});
    expect((await post(`/api/incidents/${inc.id}/notes`, { text: 'Nota que mueve la versión' }, callTaker)).statusCode).toBe(200);
    const loc = { lat: CENTRE.lat + 0.01, lon: CENTRE.lon, source: 'device', accuracyM: 20 };
    const stale = await post(`/api/incidents/${inc.id}/locations`, { location: loc, makeCurrent: true, version: inc.version }, callTaker);
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'stale_version', currentVersion: inc.version + 1 });
    expect((await get(inc.id)).locations).toHaveLength(1);
    const appended = await post(`/api/incidents/${inc.id}/locations`, { location: loc, version: inc.version }, callTaker);
    expect(appended.statusCode, appended.body).toBe(200);
    const current = await post(`/api/incidents/${inc.id}/locations`, { location: loc, makeCurrent: true, version: appended.json().version }, callTaker);
    expect(current.statusCode, current.body).toBe(200);
    expect((await get(inc.id)).locations.filter((l: { current: boolean }) => l.current)).toHaveLength(1);
  });
});

describe('the lifecycle table decides', () => {
  // Each merge folds a P1 into a less urgent incident: were it not refused first, a supervisor's approval would be filed.
  it('refuses a merge once a unit is on scene, and a merge into a closed incident, before filing anything', async () => {
    await createUnit('L-302');
    await createUnit('L-303');
    const worked = await createIncident({ typeCode: 'HOM', description: 'Persona herida de bala' });
    const unit = await assignTop(worked.id);
    expect((await post(`/api/units/${unit}/status`, { status: 'on_scene' })).statusCode).toBe(200);
    const other = await createIncident({});
    const m = await post(`/api/incidents/${worked.id}/merge`, { intoId: other.id, duplicate: true, reason: reason('Intento de fusionar un caso atendido') });
    expect(m.statusCode, m.body).toBe(409);
    expect(m.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'on_scene' });

    const closed = await post(`/api/incidents/${other.id}/close`, { dispositionCode: 'unfounded', summary: 'Nadie en el lugar', reason: { code: 'resolved_by_phone', text: 'El llamante confirmó que ya no hace falta' } });
    expect(closed.json().status).toBe('closed');
    const urgent = await createIncident({ typeCode: 'KID', description: 'Se llevaron a un joven en un carro' });
    const into = await post(`/api/incidents/${urgent.id}/merge`, { intoId: other.id, duplicate: true, reason: reason('Fusionar en un caso que ya terminó') });
    expect(into.statusCode, into.body).toBe(409);
    expect(into.json()).toMatchObject({ code: 'illegal_transition', currentStatus: 'closed' });
    expect(await s.database.db.selectFrom('approval_requests').select('id').where('entity_id', 'in', [worked.id, other.id, urgent.id]).execute()).toEqual([]);
    expect((await get(urgent.id)).status).toBe('received');
  });
});
