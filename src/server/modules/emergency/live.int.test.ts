import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLive, LiveTestClient, type Msg } from '../../platform/realtime/live-test-client.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { secondServer, type SecondServer } from '../../test/second-server.js';

// The command centre stays live: what a call-taker creates reaches a dispatcher's socket.
let s: TestServer;
let url: string;
let callTaker: string;
let dispatcher: string;
let analyst: string;
let admin: string;
const clients: LiveTestClient[] = [];
const CENTRE = { lat: 13.6978, lon: -89.1914 };

beforeAll(async () => {
  s = await createTestServer();
  url = await listenLive(s.centinela.app);
  [callTaker, dispatcher, analyst, admin] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('analyst'), await s.loginAs('administrator')];
});
let other: SecondServer | null = null;
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await other?.stop();
  await s.close();
});

const connect = async (cookie: string) => {
  const c = await LiveTestClient.connect(url, { cookie });
  clients.push(c);
  return c;
};

async function createUnit(callSign: string): Promise<string> {
  const res = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign, unitType: 'patrol_car', homeStation: 'Delegación Centro', department: 'SV.SS', status: 'available' } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function createIncident(at: { lat: number; lon: number }, typeCode = 'DIST'): Promise<string> {
  const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode, location: { ...at, source: 'map_click' } } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('live incidents and units', () => {
  it('pushes a new incident to a dispatcher within a second, and its status changes after', async () => {
    const c = await connect(dispatcher);
    await c.subscribe([{ topic: 'incidents' }, { topic: 'units' }]);
    const started = performance.now();
    const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { lat: 13.6978, lon: -89.1914, source: 'map_click' } } });
    const id = res.json().id as string;
    const created = await c.next((m: Msg) => m.type === 'event' && m.entityId === id, 1_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(created).toMatchObject({ topic: 'incidents', kind: 'created', entityType: 'incident', version: 1, department: 'SV.SS' });
    expect(JSON.stringify(created)).not.toContain('Riña');

    await s.request({ method: 'POST', url: `/api/incidents/${id}/notes`, cookie: callTaker, body: { text: 'Hay dos personas heridas' } });
    const updated = await c.next((m: Msg) => m.type === 'event' && m.entityId === id && m.version === 2, 1_000);
    expect(updated).toMatchObject({ kind: 'updated' });

    const unitId = await createUnit('L-101');
    const assigned = await s.request({ method: 'POST', url: `/api/incidents/${id}/assignments`, cookie: dispatcher, body: { unitId, reason: { code: 'other', text: 'Unidad elegida por cercanía real' } } });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const unit = await c.next((m: Msg) => m.type === 'event' && m.entityId === unitId && m.kind === 'status', 1_000);
    expect(unit).toMatchObject({ topic: 'units', entityType: 'unit', department: 'SV.SS', version: 2 });
  });

  it("pushes a unit's position as it arrives", async () => {
    const unitId = await createUnit('L-102');
    const c = await connect(dispatcher);
    await c.subscribe([{ topic: 'units', department: 'SV.SS' }]);
    const positionsOf = () => c.events().filter((m) => m.entityId === unitId && m.kind === 'position');
    const report = async (fixes: { lat: number; lon: number; accuracyM: number; recordedAt: string }[]) => {
      const res = await s.request({ method: 'POST', url: `/api/units/${unitId}/positions`, cookie: dispatcher, body: { positions: fixes } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { accepted: number; current: boolean };
    };
    // Events reach a socket in seq order: once a later status change has arrived, so has any position before it.
    let marks = 0;
    const mark = async () => {
      const status = ++marks % 2 === 1 ? 'busy' : 'available';
      expect((await s.request({ method: 'POST', url: `/api/units/${unitId}/status`, cookie: dispatcher, body: { status } })).statusCode).toBe(200);
      await c.next((m: Msg) => m.type === 'event' && m.entityId === unitId && m.kind === 'status', 2_000);
    };
    const t0 = Date.now() - 60_000;
    const fix = (i: number, secondsAfter: number) => ({ lat: CENTRE.lat + 0.001 * i, lon: CENTRE.lon, accuracyM: 5 + i, recordedAt: new Date(t0 + secondsAfter * 1000).toISOString() });

    const one = fix(1, 10);
    expect(await report([one])).toEqual({ accepted: 1, current: true });
    const got = await c.next((m: Msg) => m.type === 'event' && m.entityId === unitId && m.kind === 'position', 1_000);
    expect(got).toMatchObject({ topic: 'units', kind: 'position', entityType: 'unit', entityId: unitId, department: 'SV.SS' });
    expect(got.data).toEqual({ lat: one.lat, lon: one.lon, at: one.recordedAt, accuracyM: one.accuracyM });

    // A batch (recorded offline, sent out of order) is one event, carrying its newest fix.
    const batch = [fix(3, 30), fix(4, 40), fix(2, 20)];
    expect(await report(batch)).toEqual({ accepted: 3, current: true });
    await mark();
    expect(positionsOf().map((m) => m.data)).toEqual([got.data, { lat: batch[1]!.lat, lon: batch[1]!.lon, at: batch[1]!.recordedAt, accuracyM: batch[1]!.accuracyM }]);

    // Fixes older than the current position go to the track only.
    expect(await report([fix(5, 15), fix(6, 25)])).toEqual({ accepted: 2, current: false });
    await mark();
    expect(positionsOf()).toHaveLength(2);
  });

  it('tells the department an incident leaves, when a new current location is in another', async () => {
    const created = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { lat: 13.6978, lon: -89.1914, source: 'map_click' } } });
    const id = created.json().id as string;
    const left = await connect(dispatcher);
    const joined = await connect(dispatcher);
    await left.subscribe([{ topic: 'incidents', department: 'SV.SS' }]);
    await joined.subscribe([{ topic: 'incidents', department: 'SV.LI' }]);
    // Santa Tecla, La Libertad.
    const moved = await s.request({ method: 'POST', url: `/api/incidents/${id}/locations`, cookie: callTaker, body: { location: { lat: 13.6769, lon: -89.2797, source: 'caller_stated' }, makeCurrent: true } });
    expect(moved.statusCode, moved.body).toBeLessThan(300);
    expect(moved.json().department).toBe('SV.LI');
    expect(await left.next((m: Msg) => m.type === 'event' && m.entityId === id && m.version === 2, 2_000)).toMatchObject({ kind: 'moved', department: 'SV.SS', version: 2 });
    expect(await joined.next((m: Msg) => m.type === 'event' && m.entityId === id && m.version === 2, 2_000)).toMatchObject({ kind: 'updated', department: 'SV.LI', version: 2 });
  });

  it('follows one incident only, not the others in its department; a department subscription sees only its own', async () => {
    // San Miguel, twice, and San Salvador.
    const watcher = await connect(dispatcher);
    await watcher.subscribe([{ topic: 'incidents' }]);
    const one = await createIncident({ lat: 13.4833, lon: -88.1833 }, 'ASST');
    // Subscribed after its creation has gone out, so neither socket below is sent that.
    await watcher.next((m: Msg) => m.type === 'event' && m.entityId === one, 1_000);
    const c = await connect(dispatcher);
    const dept = await connect(dispatcher);
    await c.subscribe([{ topic: 'incident', id: one }]);
    await dept.subscribe([{ topic: 'incidents', department: 'SV.SM' }]);
    const neighbour = await createIncident({ lat: 13.4801, lon: -88.1778 }, 'ASST');
    const elsewhere = await createIncident(CENTRE, 'ASST');
    for (const id of [neighbour, elsewhere, one]) {
      const note = await s.request({ method: 'POST', url: `/api/incidents/${id}/notes`, cookie: callTaker, body: { text: 'Actualización' } });
      expect(note.statusCode, note.body).toBeLessThan(300);
    }
    // The followed incident's note is the last change: anything the socket was sent before it has arrived.
    expect(await c.next((m: Msg) => m.type === 'event' && m.entityId === one, 1_000)).toMatchObject({ kind: 'updated', department: 'SV.SM', version: 2 });
    expect(c.events().map((m) => m.entityId)).toEqual([one]);
    await dept.next((m: Msg) => m.type === 'event' && m.entityId === one, 1_000);
    expect(dept.events().map((m) => [m.entityId, m.kind])).toEqual([
      [neighbour, 'created'],
      [neighbour, 'updated'],
      [one, 'updated'],
    ]);
  });

  it('refuses the alerts topic to a role that cannot dispatch', async () => {
    const c = await connect(analyst);
    c.send({ type: 'subscribe', topics: [{ topic: 'alerts' }] });
    const err = await c.next((m: Msg) => m.type === 'error', 1_000);
    expect(err).toEqual({ type: 'error', code: 'forbidden', topic: 'alerts', detail: { es: 'No tiene permiso para esta acción.', en: 'You do not have permission for this action.' } });
  });

  it('pushes a burst of incidents created on one server, in seq order, to a dispatcher connected to another (one server on PGlite)', async () => {
    // PostgreSQL: a second server process on the same database; PGlite is one process by design.
    let url2 = url;
    // Its poll far beyond the wait below: only LISTEN/NOTIFY can bring it the events in time.
    other = await secondServer(s, { EVENTS_POLL_MS: 60_000 });
    if (other) url2 = await listenLive(other.centinela.app);
    expect(url2 !== url).toBe(s.database.kind === 'postgres');
    const c = await LiveTestClient.connect(url2, { cookie: dispatcher });
    clients.push(c);
    await c.subscribe([{ topic: 'incidents', department: 'SV.SA' }]);
    // Santa Ana, around the city.
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => createIncident({ lat: 13.99 + 0.002 * i, lon: -89.56 }, 'MED')));
    for (const id of ids) expect(await c.seen((m: Msg) => m.type === 'event' && m.entityId === id, 2_000)).toMatchObject({ kind: 'created', department: 'SV.SA' });
    const created = c.events().filter((m) => ids.includes(m.entityId as string));
    expect(created).toHaveLength(ids.length);
    const seqs = created.map((m) => m.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
