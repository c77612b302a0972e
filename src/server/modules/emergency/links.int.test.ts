import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { chained } from '../../test/audit-log.js';

let s: TestServer;
let callTaker: string;
let dispatcher: string;
let fieldOfficer: string;
const CENTRE = { lat: 13.6978, lon: -89.1914 };

async function createIncident(description: string) {
  const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', description, location: { ...CENTRE, source: 'map_click' } } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: string; version: number };
}
const audit = async (action: string, entityId: string) => (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('action', '=', action).where('entity_id', '=', entityId).execute();
const timeline = async (id: string) => ((await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie: dispatcher })).json() as { timeline: { kind: string; data: Record<string, unknown> }[] }).timeline;

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, fieldOfficer] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('field_officer')];
});
afterAll(() => s.close());

describe('related incidents', () => {
  it('links two incidents once: both timelines name the other, one audit entry, a repeat answers 200', async () => {
    const a = await createIncident('Riña frente al mercado');
    const b = await createIncident('Pelea en la esquina del mercado');
    const res = await s.request({ method: 'POST', url: `/api/incidents/${b.id}/links`, cookie: callTaker, body: { relatedId: a.id } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().version).toBe(b.version + 1);
    expect((await timeline(a.id)).filter((e) => e.kind === 'related').map((e) => e.data.relatedNumber)).toEqual([b.number]);
    expect((await timeline(b.id)).filter((e) => e.kind === 'related').map((e) => e.data.relatedNumber)).toEqual([a.number]);
    const again = await s.request({ method: 'POST', url: `/api/incidents/${a.id}/links`, cookie: callTaker, body: { relatedId: b.id } });
    expect(again.statusCode).toBe(200);
    expect(await audit('incident.linked', b.id)).toHaveLength(1);
    expect(await audit('incident.linked', a.id)).toHaveLength(0);
    const links = await s.request({ method: 'GET', url: `/api/incidents/${a.id}/links`, cookie: dispatcher });
    expect(links.json().related).toEqual([expect.objectContaining({ id: b.id, number: b.number })]);
  });

  it('refuses linking an incident to itself or to one that does not exist, and a field officer cannot link', async () => {
    const a = await createIncident('Escándalo nocturno');
    expect((await s.request({ method: 'POST', url: `/api/incidents/${a.id}/links`, cookie: callTaker, body: { relatedId: a.id } })).statusCode).toBe(422);
    expect((await s.request({ method: 'POST', url: `/api/incidents/${a.id}/links`, cookie: callTaker, body: { relatedId: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(404);
    expect((await s.request({ method: 'POST', url: `/api/incidents/${a.id}/links`, cookie: fieldOfficer, body: { relatedId: a.id } })).statusCode).toBe(403);
  });
});

describe('repeat calls', () => {
  it('records a further call on the incident without opening another; callers only for those who may see them', async () => {
    const a = await createIncident('Disparos en la colonia');
    const before = (await s.request({ method: 'GET', url: '/api/incidents', cookie: dispatcher })).json().items.length;
    const res = await s.request({ method: 'POST', url: `/api/incidents/${a.id}/calls`, cookie: callTaker, body: { caller: { number: '+503 7123 4567', name: 'Vecina' }, description: 'Otra vecina oye disparos' } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await s.request({ method: 'GET', url: '/api/incidents', cookie: dispatcher })).json().items.length).toBe(before);
    const tl = await timeline(a.id);
    const call = tl.find((e) => e.kind === 'call')!;
    expect(call.data).toMatchObject({ source: 'call', text: 'Otra vecina oye disparos' });
    expect(JSON.stringify(tl)).not.toContain('7123');
    const seen = (await s.request({ method: 'GET', url: `/api/incidents/${a.id}/links`, cookie: dispatcher })).json();
    expect(seen.calls[0].caller).toEqual({ number: '+503 7123 4567', name: 'Vecina' });
    const hidden = (await s.request({ method: 'GET', url: `/api/incidents/${a.id}/links`, cookie: fieldOfficer })).json();
    expect(hidden.calls[0]).toMatchObject({ description: 'Otra vecina oye disparos', caller: null });
    const [entry] = await audit('incident.call_added', a.id);
    expect(JSON.stringify(entry)).not.toContain('7123');
    expect(await audit('incident.sensitive_read', a.id)).not.toHaveLength(0);
  });

  it('refuses a call on a closed incident (409) and an unknown field (400)', async () => {
    const a = await createIncident('Falsa alarma');
    const reason = { code: 'prank_call', text: 'Se confirmó que era una broma telefónica.' };
    const cancel = await s.request({ method: 'POST', url: `/api/incidents/${a.id}/cancel`, cookie: dispatcher, body: { reason } });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect((await s.request({ method: 'POST', url: `/api/incidents/${a.id}/calls`, cookie: callTaker, body: { description: 'otra vez' } })).statusCode).toBe(409);
    expect((await s.request({ method: 'POST', url: `/api/incidents/${a.id}/calls`, cookie: callTaker, body: { description: 'x', extra: 1 } })).statusCode).toBe(400);
  });
});
