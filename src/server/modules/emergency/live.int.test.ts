import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCentinela, type Centinela } from '../../app.js';
import { openDatabase, type Database } from '../../platform/db/database.js';
import { listenLive, LiveTestClient, type Msg } from '../../platform/realtime/live-test-client.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';

// The command centre stays live: what a call-taker creates reaches a dispatcher's socket.
let s: TestServer;
let url: string;
let callTaker: string;
let dispatcher: string;
let analyst: string;
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  s = await createTestServer();
  url = await listenLive(s.centinela.app);
  [callTaker, dispatcher, analyst] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('analyst')];
});
let other: { centinela: Centinela; database: Database; url: string } | null = null;
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (other) {
    await other.centinela.stop();
    await other.database.close();
  }
  await s.close();
});

const connect = async (cookie: string) => {
  const c = await LiveTestClient.connect(url, { cookie });
  clients.push(c);
  return c;
};

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

  it('follows one incident only, and filters by department', async () => {
    const one = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ASST', location: { lat: 13.4833, lon: -88.1833, source: 'map_click' } } });
    const c = await connect(dispatcher);
    await c.subscribe([{ topic: 'incident', id: one.json().id }, { topic: 'incidents', department: 'SV.SM' }]);
    const other = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ASST', location: { lat: 13.6978, lon: -89.1914, source: 'map_click' } } });
    await s.request({ method: 'POST', url: `/api/incidents/${one.json().id}/notes`, cookie: callTaker, body: { text: 'Actualización' } });
    const got = await c.next((m: Msg) => m.type === 'event' && m.entityId === one.json().id, 1_000);
    expect(got).toMatchObject({ department: 'SV.SM' });
    expect(c.received.some((m: Msg) => m.type === 'event' && m.entityId === other.json().id)).toBe(false);
  });

  it('refuses the alerts topic to a role that cannot dispatch', async () => {
    const c = await connect(analyst);
    c.send({ type: 'subscribe', topics: [{ topic: 'alerts' }] });
    const err = await c.next((m: Msg) => m.type === 'error', 1_000);
    expect(err).toMatchObject({ code: 'forbidden', topic: 'alerts' });
  });

  it('pushes an incident created on one server to a dispatcher connected to another (one server on PGlite)', async () => {
    // PostgreSQL: a second server process on the same database; PGlite is one process by design.
    let url2 = url;
    if (s.database.superuserUrl) {
      const database = await openDatabase({ kind: 'postgres', url: s.database.superuserUrl, poolSize: 4 });
      const centinela = await createCentinela(s.config, database, false);
      other = { centinela, database, url: await listenLive(centinela.app) };
      url2 = other.url;
    }
    expect(url2 !== url).toBe(s.database.kind === 'postgres');
    const c = await LiveTestClient.connect(url2, { cookie: dispatcher });
    clients.push(c);
    await c.subscribe([{ topic: 'incidents' }]);
    const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'MED', location: { lat: 13.99, lon: -89.56, source: 'map_click' } } });
    expect(res.statusCode).toBe(201);
    const got = await c.next((m: Msg) => m.type === 'event' && m.entityId === res.json().id, 1_000);
    expect(got).toMatchObject({ kind: 'created', department: 'SV.SA' });
  });
});
