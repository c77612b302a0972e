import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { chained } from '../../test/audit-log.js';

const TOKEN = 'aml-gateway-shared-secret-0123456789';
let s: TestServer;
let callTaker: string;
let admin: string;
let analyst: string;

const topNow = (offsetS = -10) => new Date(Date.now() + offsetS * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
function sms(lat: string, lon: string, rd = '20', pm = 'G') {
  const body = `A"ML=1;lt=${lat};lg=${lon};rd=${rd};top=${topNow()};lc=68;pm=${pm};si=706011234567890;ei=356938035643809;mcc=706;mnc=01;ml=`;
  return body + String(body.length + 3);
}
const send = (path: 'sms' | 'https', fields: Record<string, string>, token: string | null = TOKEN) =>
  s.centinela.app.inject({
    method: 'POST',
    url: `/aml/v1/${path}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { 'x-aml-token': token } : {}) },
    payload: new URLSearchParams(fields).toString(),
  });

async function incident(callerNumber: string) {
  const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROB', caller: { number: callerNumber }, description: 'Asalto en la parada', location: { addressText: 'Parada frente a Metrocentro', source: 'caller_stated' } } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: string; version: number };
}
const detail = async (id: string) => (await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie: callTaker })).json();

beforeAll(async () => {
  s = await createTestServer({ AML_TOKEN: TOKEN });
  [callTaker, admin, analyst] = [await s.loginAs('call_taker'), await s.loginAs('administrator'), await s.loginAs('analyst')];
});
afterAll(() => s.close());

describe('the AML receiver', () => {
  it('refuses a missing or wrong token with 401 and stores nothing', async () => {
    expect((await send('sms', { from: '+50370000001', text: sms('+13.70000', '-089.20000') }, null)).statusCode).toBe(401);
    const wrong = await send('sms', { from: '+50370000001', text: sms('+13.70000', '-089.20000') }, 'not-the-token');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('aml_unauthorised');
    expect(await s.database.db.selectFrom('aml_messages').select('id').execute()).toHaveLength(0);
  });

  it("attaches an SMS fix to the caller's open incident as an aml location that is not current", async () => {
    const inc = await incident('+503 7111-2233');
    const res = await send('sms', { from: '50371112233', text: sms('+13.70510', '-089.21370') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'attached', incidentNumber: inc.number });
    const d = await detail(inc.id);
    const aml = d.locations.find((l: { source: string }) => l.source === 'aml');
    expect(aml).toMatchObject({ lat: 13.7051, lon: -89.2137, accuracyM: 20, current: false });
    // The location the caller stated stays current until a person decides otherwise.
    expect(d.locations.find((l: { current: boolean }) => l.current).source).toBe('caller_stated');
  });

  it('lets a call-taker adopt the device location, audited, and keeps the stated one on record', async () => {
    const inc = await incident('+503 7222-3344');
    await send('https', { v: '3', device_number: '+50372223344', location_latitude: '13.6929', location_longitude: '-89.2182', location_accuracy: '8.2', location_time: String(Date.now() - 5000), location_source: 'gps' });
    const list = await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/device-locations`, cookie: callTaker });
    expect(list.statusCode).toBe(200);
    const [fix] = list.json().items;
    expect(fix).toMatchObject({ transport: 'https', status: 'attached', method: 'G', radiusM: 9 });
    expect(JSON.stringify(list.json())).not.toContain('356938035643809');
    const current = await detail(inc.id);
    const adopt = await s.request({ method: 'POST', url: `/api/aml/messages/${fix.id}/adopt`, cookie: callTaker, body: { incidentId: inc.id, version: current.version } });
    expect(adopt.statusCode, adopt.body).toBe(200);
    const d = await detail(inc.id);
    expect(d.locations.find((l: { current: boolean }) => l.current)).toMatchObject({ source: 'aml', lat: 13.6929 });
    expect(d.locations.map((l: { source: string }) => l.source).sort()).toEqual(['aml', 'caller_stated']);
    const audit = await (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('entity_id', '=', inc.id).where('action', '=', 'incident.location_selected').executeTakeFirstOrThrow();
    expect(audit.actor_username).toBe('call_taker');
    expect((await s.request({ method: 'POST', url: `/api/aml/messages/${fix.id}/adopt`, cookie: callTaker, body: { incidentId: inc.id } })).statusCode).toBe(409);
  });

  it('keeps a fix that came before the call, and the call-taker adopts it once the incident exists', async () => {
    const early = await send('sms', { from: '+50373334455', text: sms('+13.67000', '-089.25000', '35', 'W') });
    expect(early.json()).toMatchObject({ status: 'unmatched', incidentNumber: null });
    const inc = await incident('7333 4455');
    const [fix] = (await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/device-locations`, cookie: callTaker })).json().items;
    expect(fix).toMatchObject({ id: early.json().id, status: 'unmatched', method: 'W' });
    const other = await incident('+503 7999 8888');
    const mismatch = await s.request({ method: 'POST', url: `/api/aml/messages/${fix.id}/adopt`, cookie: callTaker, body: { incidentId: other.id } });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().code).toBe('aml_number_mismatch');
    const adopt = await s.request({ method: 'POST', url: `/api/aml/messages/${fix.id}/adopt`, cookie: callTaker, body: { incidentId: inc.id } });
    expect(adopt.statusCode, adopt.body).toBe(200);
    expect((await detail(inc.id)).locations.find((l: { current: boolean }) => l.current)).toMatchObject({ source: 'aml', accuracyM: 35 });
  });

  it('rejects malformed payloads with the reason and keeps them for administrators to inspect', async () => {
    const bad = await send('sms', { from: '+50374445566', text: sms('+13.70000', '-089.20000').replace('pm=G', 'pm=Q') });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'aml_malformed', reason: 'pm: positioning method must be G, W, C or N' });
    expect(bad.json().detail).toContain('Quedó guardado para revisión');
    const noFrom = await send('sms', { text: sms('+13.70000', '-089.20000') });
    expect(noFrom.json().reason).toBe('from: the caller number is missing');
    const https = await send('https', { v: '3', device_number: '+50374445566', location_latitude: '13.7', location_longitude: '-89.2', location_accuracy: '10', location_time: '2026-11-24', location_source: 'gps' });
    expect(https.json().reason).toBe('location_time: not a valid YYYYMMDDhhmmss time');

    expect((await s.request({ method: 'GET', url: '/api/aml/messages?status=rejected', cookie: callTaker })).statusCode).toBe(403);
    const list = await s.request({ method: 'GET', url: '/api/aml/messages?status=rejected', cookie: admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((m: { rejectReason: string }) => m.rejectReason)).toEqual(['location_time: not a valid YYYYMMDDhhmmss time', 'from: the caller number is missing', 'pm: positioning method must be G, W, C or N']);
    expect(list.json().items[2].raw).toContain('pm=Q');
    const audit = await (await chained(s.database.db)).selectFrom('audit_log').select('action').where('action', 'in', ['aml.rejected', 'aml_message.sensitive_read']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['aml.rejected', 'aml.rejected', 'aml.rejected', 'aml_message.sensitive_read']);
  });

  it('keeps device locations from roles without access to callers, and never takes an aml source typed in by hand', async () => {
    const inc = await incident('+503 7555 6677');
    expect((await s.request({ method: 'GET', url: `/api/incidents/${inc.id}/device-locations`, cookie: analyst })).statusCode).toBe(403);
    const typed = await s.request({ method: 'POST', url: `/api/incidents/${inc.id}/locations`, cookie: callTaker, body: { location: { lat: 13.7, lon: -89.2, source: 'aml' } } });
    expect(typed.statusCode).toBe(400);
  });
});

describe('an AML receiver without a token', () => {
  it('is not there at all', async () => {
    const bare = await createTestServer();
    try {
      const res = await bare.centinela.app.inject({ method: 'POST', url: '/aml/v1/sms', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-aml-token': TOKEN }, payload: 'from=1&text=x' });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('aml_disabled');
    } finally {
      await bare.close();
    }
  });
});
