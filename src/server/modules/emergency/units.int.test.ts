import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centinela } from '../../app.js';
import { sequencePending } from '../../platform/audit/sequencer.js';
import { listenLive, LiveTestClient, type Msg } from '../../platform/realtime/live-test-client.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { secondServer, type SecondServer } from '../../test/second-server.js';
import { validateEido } from '../../test/eido/eido-validator.js';
import { escalateOverdue } from './escalation.js';

// Units end to end: their history, who reports their positions, the settings that rank them, and
// the dispatch rules around them (reasons, cancellations, several units, escalation alerts).
let s: TestServer;
let callTaker: string;
let dispatcher: string;
let supervisor: string;
let admin: string;
const clients: LiveTestClient[] = [];
let other: SecondServer | null = null;

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, supervisor, admin] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('supervisor'), await s.loginAs('administrator')];
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await other?.stop();
  await s.close();
});

type Point = { lat: number; lon: number };
// Each test works in its own town, kilometres from the others, so no other test's unit ranks first.
const TOWNS = {
  sanSalvador: { lat: 13.6978, lon: -89.1914 },
  sanMiguel: { lat: 13.4833, lon: -88.1833 },
  santaAna: { lat: 13.9942, lon: -89.5597 },
  usulutan: { lat: 13.3442, lon: -88.4392 },
  chalatenango: { lat: 14.0333, lon: -88.9333 },
  sonsonate: { lat: 13.7189, lon: -89.7242 },
  laUnion: { lat: 13.3369, lon: -87.8439 },
  sanVicente: { lat: 13.6408, lon: -88.7847 },
  zacatecoluca: { lat: 13.5, lon: -88.8667 },
  cojutepeque: { lat: 13.7167, lon: -88.9333 },
  ahuachapan: { lat: 13.9214, lon: -89.845 },
} satisfies Record<string, Point>;
const east = (p: Point, km: number) => ({ lat: p.lat, lon: p.lon + km / (111.32 * Math.cos((p.lat * Math.PI) / 180)) });
const reason = (code: string, text = 'Motivo explicado con detalle') => ({ code, text });

const post = (url: string, body: unknown, cookie = dispatcher) => s.request({ method: 'POST', url, cookie, body });
const get = async (url: string, cookie = dispatcher) => s.request({ method: 'GET', url, cookie });
const incident = async (id: string) => (await get(`/api/incidents/${id}`)).json();

async function createUnit(callSign: string, at: Point | null, opts: { unitType?: string; capabilities?: string[]; ageSeconds?: number } = {}) {
  const res = await post('/api/units', { callSign, unitType: opts.unitType ?? 'patrol_car', capabilities: opts.capabilities ?? [], homeStation: 'Delegación', department: 'SV.SS', status: 'available' }, admin);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  if (at) {
    const pos = await post(`/api/units/${id}/positions`, { positions: [{ ...at, accuracyM: 12, recordedAt: new Date(Date.now() - (opts.ageSeconds ?? 5) * 1000).toISOString() }] });
    expect(pos.statusCode, pos.body).toBe(200);
  }
  return id;
}

async function createIncident(typeCode: string, at: Point, extra: Record<string, unknown> = {}) {
  const res = await post('/api/incidents', { typeCode, description: 'Prueba', location: { ...at, source: 'map_click' }, ...extra }, callTaker);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: string; priority: number; status: string; version: number };
}

const recommend = async (incidentId: string, app?: Centinela['app']) => {
  const res = app ? await app.inject({ method: 'GET', url: `/api/incidents/${incidentId}/recommendations`, headers: { cookie: `centinela_session=${dispatcher}` } }) : await get(`/api/incidents/${incidentId}/recommendations`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { needed: string[]; items: { unitId: string; rank: number; reasons: { code: string; value?: unknown }[] }[] };
};

describe('a unit’s status history', () => {
  it('lists each status change newest first with its incident and who made it', async () => {
    const at = TOWNS.sanSalvador;
    const unit = await createUnit('SH-1', at);
    expect((await post(`/api/units/${unit}/status`, { status: 'busy' })).statusCode).toBe(200);
    expect((await post(`/api/units/${unit}/status`, { status: 'available' }, supervisor)).statusCode).toBe(200);
    const inc = await createIncident('DIST', at);
    expect((await recommend(inc.id)).items[0]!.unitId).toBe(unit);
    const assigned = await post(`/api/incidents/${inc.id}/assignments`, { unitId: unit });
    expect(assigned.statusCode, assigned.body).toBe(200);

    const res = await get(`/api/units/${unit}/status-history`, callTaker);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { status: string; incidentId: string | null; incidentNumber: string | null; actor: string | null; at: string }[];
    expect(items.map(({ status, incidentId, incidentNumber, actor }) => ({ status, incidentId, incidentNumber, actor }))).toEqual([
      { status: 'dispatched', incidentId: inc.id, incidentNumber: inc.number, actor: 'dispatcher' },
      { status: 'available', incidentId: null, incidentNumber: null, actor: 'supervisor' },
      { status: 'busy', incidentId: null, incidentNumber: null, actor: 'dispatcher' },
    ]);
    expect(Date.parse(items[0]!.at)).toBeGreaterThanOrEqual(Date.parse(items[2]!.at));

    const two = (await get(`/api/units/${unit}/status-history?limit=2`)).json().items as { status: string }[];
    expect(two.map((i) => i.status)).toEqual(['dispatched', 'available']);
    expect((await get(`/api/units/${unit}/status-history?limit=501`)).statusCode).toBe(400);
    expect((await get('/api/units/00000000-0000-4000-8000-000000000000/status-history')).statusCode).toBe(404);
  });
});

describe('position reports', () => {
  it('audits a dispatcher’s batch once, and the track rows name who reported them', async () => {
    const unit = await createUnit('PR-1', null);
    const t0 = Date.now() - 60_000;
    const fixes = [0, 1, 2].map((k) => ({ ...east(TOWNS.sanMiguel, k * 0.1), accuracyM: 7, recordedAt: new Date(t0 + k * 10_000).toISOString() }));
    // Out of order on purpose: the first and last are by time, not by position in the batch.
    const res = await post(`/api/units/${unit}/positions`, { positions: [fixes[1], fixes[2], fixes[0]] });
    expect(res.json()).toEqual({ accepted: 3, current: true });
    // The same batch again (its answer lost): stored once, audited again, no longer current.
    expect((await post(`/api/units/${unit}/positions`, { positions: fixes })).json()).toEqual({ accepted: 3, current: false });

    await sequencePending(s.database.db);
    const entries = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'unit.positions_reported').where('entity_id', '=', unit).orderBy('seq').execute();
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.actor_username)).toEqual(['dispatcher', 'dispatcher']);
    expect(entries[0]!.changes).toEqual({ count: 3, stored: 3, firstRecordedAt: fixes[0]!.recordedAt, lastRecordedAt: fixes[2]!.recordedAt, current: true });
    expect(entries[1]!.changes).toMatchObject({ count: 3, stored: 0, current: false });

    const dispatcherId = (await s.database.db.selectFrom('users').select('id').where('username', '=', 'dispatcher').executeTakeFirstOrThrow()).id;
    const rows = await s.database.db.selectFrom('unit_positions').select(['reported_by', 'recorded_at']).where('unit_id', '=', unit).execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.reported_by === dispatcherId)).toBe(true);

    const track = await get(`/api/units/${unit}/track?from=${new Date(t0 - 1000).toISOString()}&to=${new Date().toISOString()}`);
    expect(track.statusCode, track.body).toBe(200);
    expect(track.json().items.map((p: { at: string; accuracyM: number }) => [p.at, p.accuracyM])).toEqual(fixes.map((f) => [f.recordedAt, 7]));

    // The unit's current position (with its accuracy) and an EIDO export with the unit still work.
    const u = (await get(`/api/units/${unit}`)).json();
    expect(u.position).toEqual({ lat: fixes[2]!.lat, lon: fixes[2]!.lon, at: fixes[2]!.recordedAt, accuracyM: 7 });
    const inc = await createIncident('DIST', TOWNS.sanMiguel);
    expect((await post(`/api/incidents/${inc.id}/assignments`, { unitId: unit, reason: reason('other') })).statusCode).toBe(200);
    const eido = await get(`/api/incidents/${inc.id}/eido`, supervisor);
    expect(eido.statusCode, eido.body).toBe(200);
    expect(validateEido(eido.json()).valid).toBe(true);
  });

  it('returns a position’s accuracy with the unit', async () => {
    const unit = await createUnit('PR-2', null);
    const recordedAt = new Date(Date.now() - 2_000).toISOString();
    expect((await post(`/api/units/${unit}/positions`, { positions: [{ ...TOWNS.laUnion, accuracyM: 42.5, recordedAt }] })).statusCode).toBe(200);
    const u = await get(`/api/units/${unit}`, callTaker);
    expect(u.json().position).toEqual({ ...TOWNS.laUnion, at: recordedAt, accuracyM: 42.5 });
  });
});

describe('dispatch settings', () => {
  const patch = async (body: Record<string, unknown>) => {
    const res = await s.request({ method: 'PATCH', url: '/api/dispatch-settings', cookie: admin, body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('rank by a new speed at once, in this server and in another one on the same database', async () => {
    const at = TOWNS.santaAna;
    const car = await createUnit('DS-CAR', east(at, 1));
    const moto = await createUnit('DS-MOTO', east(at, 2), { unitType: 'motorcycle', capabilities: ['patrol_car'] });
    const inc = await createIncident('DIST', at);
    // PostgreSQL: a second server process with its own cached settings; PGlite is one process by design.
    other = await secondServer(s);
    // Both servers read (and cache) the settings first: the car, half as far, comes first.
    expect((await recommend(inc.id)).items[0]!.unitId).toBe(car);
    if (other) expect((await recommend(inc.id, other.centinela.app)).items[0]!.unitId).toBe(car);

    const before = (await get('/api/dispatch-settings')).json() as { speedKmh: Record<string, number> };
    await patch({ speedKmh: { ...before.speedKmh, motorcycle: 200 } });
    try {
      const now = await recommend(inc.id);
      expect(now.items.slice(0, 2).map((i) => i.unitId)).toEqual([moto, car]);
      if (other) {
        // Another process learns of it by NOTIFY: well within a second, not after the cache's lifetime.
        const until = Date.now() + 1_500;
        let first = '';
        while (Date.now() < until && first !== moto) {
          first = (await recommend(inc.id, other.centinela.app)).items[0]!.unitId;
          if (first !== moto) await new Promise((r) => setTimeout(r, 25));
        }
        expect(first).toBe(moto);
      }
    } finally {
      await patch({ speedKmh: before.speedKmh });
    }
  });

  it('flag a position as stale at once when the stale age is lowered below it', async () => {
    const at = TOWNS.usulutan;
    const unit = await createUnit('DS-STALE', at, { ageSeconds: 120 });
    const inc = await createIncident('DIST', at);
    const reasonsOf = async () => (await recommend(inc.id)).items.find((i) => i.unitId === unit)!.reasons.map((r) => r.code);
    expect(await reasonsOf()).not.toContain('stale_position');
    await patch({ stalePositionSeconds: 60 });
    try {
      expect(await reasonsOf()).toContain('stale_position');
    } finally {
      await patch({ stalePositionSeconds: 300 });
    }
  });
});

describe('reasons nobody asked for', () => {
  it('are checked when given with the top recommendation: an unknown code or a short text is refused before anything is written', async () => {
    const at = TOWNS.chalatenango;
    const unit = await createUnit('RS-1', at);
    const inc = await createIncident('DIST', at);
    expect((await recommend(inc.id)).items[0]!.unitId).toBe(unit);
    const unknown = await post(`/api/incidents/${inc.id}/assignments`, { unitId: unit, reason: reason('made_up_code') });
    expect(unknown.statusCode, unknown.body).toBe(422);
    expect(unknown.json().code).toBe('unknown_reason_code');
    const short = await post(`/api/incidents/${inc.id}/assignments`, { unitId: unit, reason: reason('other', 'corto') });
    expect(short.statusCode, short.body).toBe(422);
    expect(short.json().code).toBe('reason_required');
    expect((await incident(inc.id)).status).toBe('received');
    expect((await get(`/api/units/${unit}`)).json()).toMatchObject({ status: 'available', currentIncidentId: null });

    const good = await post(`/api/incidents/${inc.id}/assignments`, { unitId: unit, reason: reason('crew_knowledge', '  Conocen bien la colonia  ') });
    expect(good.statusCode, good.body).toBe(200);
    const entry = (await incident(inc.id)).timeline.find((t: { kind: string }) => t.kind === 'assignment');
    expect(entry.data).toMatchObject({ recommendedRank: 1, reason: { code: 'crew_knowledge', text: 'Conocen bien la colonia' } });
  });
});

describe('unit departments', () => {
  it('refuses a department code that is not one of the 14', async () => {
    const res = await post('/api/units', { callSign: 'DP-1', unitType: 'patrol_car', homeStation: 'Delegación', department: 'SV.ZZ', status: 'available' }, admin);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.department', code: 'unknown_department' }] });
    expect(await s.database.db.selectFrom('units').select('id').where('call_sign', '=', 'DP-1').executeTakeFirst()).toBeUndefined();
    const ok = await post('/api/units', { callSign: 'DP-1', unitType: 'patrol_car', homeStation: 'Delegación', department: 'SV.CH', status: 'available' }, admin);
    expect(ok.statusCode, ok.body).toBe(201);
  });
});

describe('cancelling', () => {
  const approvalsFor = (id: string) => s.database.db.selectFrom('approval_requests').select(['id', 'status']).where('entity_id', '=', id).execute();

  it('a P2 waits for a supervisor: it stays received with the cancellation pending, then is cancelled on approval', async () => {
    for (const typeCode of ['ROB', 'EXT']) {
      const inc = await createIncident(typeCode, TOWNS.sonsonate);
      expect(inc.priority).toBe(2);
      const res = await post(`/api/incidents/${inc.id}/cancel`, { reason: reason('caller_cancelled') });
      expect(res.statusCode, res.body).toBe(202);
      const approvalId = res.json().approvalId as string;
      expect(res.json().incident).toMatchObject({ status: 'received', pendingCancellation: approvalId });
      expect(await incident(inc.id)).toMatchObject({ status: 'received', pendingCancellation: approvalId });
      const decided = await post(`/api/approvals/${approvalId}/decision`, { decision: 'approve' }, supervisor);
      expect(decided.statusCode, decided.body).toBe(200);
      expect(await incident(inc.id)).toMatchObject({ status: 'cancelled', pendingCancellation: null });
    }
  });

  it('refuses a missing (400), too short or unknown reason (422), changing nothing and filing no request', async () => {
    const inc = await createIncident('DIST', TOWNS.sonsonate);
    const cases: [unknown, number, string][] = [
      [undefined, 400, 'validation_failed'],
      [reason('caller_cancelled', 'corto'), 422, 'reason_required'],
      [reason('no_such_code'), 422, 'unknown_reason_code'],
    ];
    for (const [r, status, code] of cases) {
      const res = await post(`/api/incidents/${inc.id}/cancel`, r === undefined ? {} : { reason: r });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().code).toBe(code);
      expect(await incident(inc.id)).toMatchObject({ status: 'received', version: inc.version, pendingCancellation: null });
      expect(await approvalsFor(inc.id)).toEqual([]);
    }
  });
});

describe('several units on one incident', () => {
  it('a homicide takes two patrol cars: two open assignments, and closing releases both with a history row each', async () => {
    const at = TOWNS.sanVicente;
    const [a, b] = [await createUnit('HM-1', at), await createUnit('HM-2', east(at, 0.2))];
    const inc = await createIncident('HOM', at);
    const first = await recommend(inc.id);
    expect(first.needed).toEqual(['patrol_car']);
    expect(first.items.slice(0, 2).map((i) => i.unitId)).toEqual([a, b]);
    expect((await post(`/api/incidents/${inc.id}/assignments`, { unitId: a })).statusCode).toBe(200);
    // One car of the two: still short of patrol cars, and the second is now first.
    const second = await recommend(inc.id);
    expect(second.needed).toEqual(['patrol_car']);
    expect(second.items[0]!.unitId).toBe(b);
    expect((await post(`/api/incidents/${inc.id}/assignments`, { unitId: b })).statusCode).toBe(200);
    const open = await s.database.db.selectFrom('assignments').select('unit_id').where('incident_id', '=', inc.id).where('released_at', 'is', null).execute();
    expect(open.map((o) => o.unit_id).sort()).toEqual([a, b].sort());

    expect((await post(`/api/units/${a}/status`, { status: 'en_route' })).statusCode).toBe(200);
    expect((await post(`/api/units/${a}/status`, { status: 'on_scene' })).statusCode).toBe(200);
    const closed = await post(`/api/incidents/${inc.id}/close`, { dispositionCode: 'arrest', summary: 'Detenido en el lugar' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(await s.database.db.selectFrom('assignments').select('id').where('incident_id', '=', inc.id).where('released_at', 'is', null).execute()).toEqual([]);
    for (const unit of [a, b]) {
      expect((await get(`/api/units/${unit}`)).json()).toMatchObject({ status: 'available', currentIncidentId: null });
      const [latest] = (await get(`/api/units/${unit}/status-history?limit=1`)).json().items;
      expect(latest).toMatchObject({ status: 'available', incidentId: inc.id, actor: 'dispatcher' });
    }
  });

  it('narrows what is needed as units cover it (a kidnapping: two patrol cars and a specialised unit)', async () => {
    const at = TOWNS.zacatecoluca;
    const spec = await createUnit('KD-1', at, { unitType: 'specialised' });
    const inc = await createIncident('KID', at);
    expect((await recommend(inc.id)).needed.sort()).toEqual(['patrol_car', 'specialised']);
    expect((await post(`/api/incidents/${inc.id}/assignments`, { unitId: spec, reason: reason('specialised_need') })).statusCode).toBe(200);
    expect((await recommend(inc.id)).needed).toEqual(['patrol_car']);
  });
});

describe('escalation', () => {
  it('still escalates an undispatched P1 whose cancellation waits for a supervisor', async () => {
    const inc = await createIncident('HOM', TOWNS.cojutepeque);
    const res = await post(`/api/incidents/${inc.id}/cancel`, { reason: reason('caller_cancelled') });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().incident).toMatchObject({ status: 'received', pendingCancellation: res.json().approvalId });
    // Ten minutes on (the background check runs on the real clock, so it cannot have done it).
    await escalateOverdue(s.database.db, new Date(Date.now() + 10 * 60_000));
    const escalations = (await incident(inc.id)).timeline.filter((t: { kind: string }) => t.kind === 'escalation');
    expect(escalations.map((e: { data: { target: string } }) => e.data.target)).toEqual(['answer_to_dispatch']);
  });

  it('reaches a supervisor subscribed to alerts over the WebSocket exactly once', async () => {
    const url = await listenLive(s.centinela.app);
    const c = await LiveTestClient.connect(url, { cookie: supervisor });
    clients.push(c);
    await c.subscribe([{ topic: 'alerts' }]);
    const late = await createIncident('HOM', TOWNS.ahuachapan);
    const later = new Date(Date.now() + 10 * 60_000);
    await escalateOverdue(s.database.db, later);
    const alert = await c.next((m: Msg) => m.type === 'event' && m.topic === 'alerts' && m.entityId === late.id, 2_000);
    expect(alert).toMatchObject({ kind: 'escalation', entityType: 'incident', data: { target: 'answer_to_dispatch', number: late.number, raisedAt: later.toISOString() } });
    // Checked again (as every instance's timer does), then a marker alert: events arrive in order, so anything sent twice would be here by now.
    await escalateOverdue(s.database.db, later);
    const marker = await createIncident('HOM', TOWNS.ahuachapan);
    await escalateOverdue(s.database.db, new Date(Date.now() + 10 * 60_000));
    await c.next((m: Msg) => m.type === 'event' && m.topic === 'alerts' && m.entityId === marker.id, 2_000);
    expect(c.events().filter((m) => m.topic === 'alerts' && m.entityId === late.id)).toHaveLength(1);
  });
});
