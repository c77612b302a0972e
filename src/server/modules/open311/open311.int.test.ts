import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { chained } from '../../test/audit-log.js';

let s: TestServer;
let admin: string;
let callTaker: string;
let apiKey: string;
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => ['service', 'request', 'error', 'attribute', 'value'].includes(name) });

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (path: string, fields: Record<string, string>) =>
  s.centinela.app.inject({ method: 'POST', url: `/open311/v2/${path}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
const get = (path: string) => s.centinela.app.inject({ method: 'GET', url: `/open311/v2/${path}` });

// Plaza Barrios, San Salvador.
const PLAZA = { lat: '13.69840', long: '-89.19130' };

beforeAll(async () => {
  s = await createTestServer();
  [admin, callTaker] = [await s.loginAs('administrator'), await s.loginAs('call_taker')];
  const k = await s.request({ method: 'POST', url: '/api/open311/keys', cookie: admin, body: { name: 'Alcaldía de San Salvador' } });
  expect(k.statusCode, k.body).toBe(201);
  apiKey = k.json().key;
});
afterAll(() => s.close());

describe('Open311 service discovery', () => {
  it('lists only non-emergency report types, plus conduct complaints, in JSON', async () => {
    const res = await get('services.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const codes = res.json().map((x: { service_code: string }) => x.service_code);
    expect(codes).toEqual(['ABVEH', 'NOISE', 'CONDUCTA']);
    expect(codes).not.toContain('HOM');
    expect(res.json()[1]).toMatchObject({ service_code: 'NOISE', service_name: 'Ruido excesivo', metadata: true, type: 'realtime', group: 'Seguridad ciudadana' });
  });

  it('serves the same list as XML in the shape of the spec example (services/service/service_code…)', async () => {
    const res = await get('services.xml');
    expect(res.headers['content-type']).toContain('text/xml');
    expect(res.body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const doc = xml.parse(res.body);
    expect(doc.services.service.map((x: { service_code: string }) => x.service_code)).toEqual(['ABVEH', 'NOISE', 'CONDUCTA']);
    expect(doc.services.service[1]).toMatchObject({ service_name: 'Ruido excesivo', metadata: 'true', type: 'realtime' });
  });

  it('defines a service with its attributes, values and order, in JSON and XML', async () => {
    const json = (await get('services/NOISE.json')).json();
    expect(json.service_code).toBe('NOISE');
    expect(json.attributes[1]).toMatchObject({ variable: true, code: 'noise_kind', datatype: 'singlevaluelist', required: false, order: 2, description: 'Tipo de ruido' });
    expect(json.attributes[1].values).toContainEqual({ key: 'music', name: 'Música o fiesta' });
    const doc = xml.parse((await get('services/NOISE.xml')).body);
    expect(doc.service_definition.service_code).toBe('NOISE');
    expect(doc.service_definition.attributes.attribute[0]).toMatchObject({ code: 'ongoing', datatype: 'singlevaluelist', order: '1' });
    expect(doc.service_definition.attributes.attribute[0].values.value).toEqual([{ key: 'true', name: 'Sí' }, { key: 'false', name: 'No' }]);
  });

  it('answers an unknown service or an emergency type with a 404 in the spec error format', async () => {
    for (const code of ['NOPE', 'HOM']) {
      const res = await get(`services/${code}.json`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual([{ code: 404, description: `service_code ${code} not found` }]);
    }
    const x = await get('services/NOPE.xml');
    expect(xml.parse(x.body).errors.error).toEqual([{ code: '404', description: 'service_code NOPE not found' }]);
  });
});

describe('Open311 POST service request', () => {
  it('refuses a missing or wrong api_key with 403, the spec error, and writes nothing', async () => {
    const before = await s.database.db.selectFrom('incidents').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const missing = await post('requests.json', { service_code: 'NOISE', ...PLAZA, description: 'Fiesta con música a todo volumen' });
    expect(missing.statusCode).toBe(403);
    const wrong = await post('requests.xml', { api_key: 'o311_wrong', service_code: 'NOISE', ...PLAZA, description: 'Fiesta con música a todo volumen' });
    expect(wrong.statusCode).toBe(403);
    expect(xml.parse(wrong.body).errors.error[0]).toEqual({ code: '403', description: "Invalid api_key received -- can't proceed with create_request" });
    const after = await s.database.db.selectFrom('incidents').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('turns a request into an incident in the triage queue with source open311, and the id leads back to it', async () => {
    const res = await post('requests.json', {
      api_key: apiKey,
      service_code: 'NOISE',
      ...PLAZA,
      address_string: 'Plaza Gerardo Barrios, San Salvador',
      email: 'vecina@example.org',
      first_name: 'Marta',
      last_name: 'López',
      phone: '+503 7000 1122',
      description: 'Fiesta con música a todo volumen desde las 11 p. m.',
      'attribute[ongoing]': 'true',
      'attribute[noise_kind]': 'music',
    });
    expect(res.statusCode, res.body).toBe(201);
    const [r] = res.json();
    expect(r).toMatchObject({ service_notice: 'Su reporte fue recibido en el centro de mando.' });
    expect(r.service_request_id).toMatch(/^SR-[0-9A-F]{12}$/);
    const link = await s.database.db.selectFrom('open311_requests').selectAll().where('id', '=', r.service_request_id).executeTakeFirstOrThrow();
    const queue = await s.request({ method: 'GET', url: '/api/incidents?status=received', cookie: callTaker });
    const incident = queue.json().items.find((i: { id: string }) => i.id === link.incident_id);
    expect(incident).toMatchObject({ typeCode: 'NOISE', source: 'open311', status: 'received', department: 'SV.SS' });
    const detail = (await s.request({ method: 'GET', url: `/api/incidents/${link.incident_id}`, cookie: callTaker })).json();
    expect(detail.answers).toEqual({ ongoing: true, noise_kind: 'music' });
    expect(detail.caller).toEqual({ number: '+503 7000 1122', name: 'Marta López' });
    const audit = await (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('entity_id', '=', link.incident_id).where('action', '=', 'incident.created').executeTakeFirstOrThrow();
    expect(audit.actor_username).toBe('open311:Alcaldía de San Salvador');

    const one = await get(`requests/${r.service_request_id}.json`);
    expect(one.json()).toEqual([
      expect.objectContaining({ service_request_id: r.service_request_id, status: 'open', status_notes: 'Recibido en el centro de mando; en espera de asignación.', service_code: 'NOISE', service_name: 'Ruido excesivo', lat: 13.698, long: -89.191 }),
    ]);
    // The public view carries no description, contact or exact address.
    expect(JSON.stringify(one.json())).not.toMatch(/Marta|7000|vecina|Gerardo/);
    const tok = await get(`tokens/${r.token}.xml`);
    expect(xml.parse(tok.body).service_requests.request).toEqual([{ service_request_id: r.service_request_id, token: r.token }]);
  });

  it('answers the POST in XML as in the spec example (service_requests/request/service_request_id)', async () => {
    const res = await post('requests.xml', { api_key: apiKey, service_code: 'ABVEH', address_string: 'Calle Arce y 19 Av. Norte, San Salvador', description: 'Pick-up sin placas abandonado hace una semana', 'attribute[days_parked]': '7' });
    expect(res.statusCode, res.body).toBe(201);
    const req = xml.parse(res.body).service_requests.request[0];
    expect(req.service_request_id).toMatch(/^SR-/);
    expect(req.service_notice).toBe('Su reporte fue recibido en el centro de mando.');
    expect(req).toHaveProperty('account_id');
  });

  it('takes a request without a description, which the spec makes optional', async () => {
    const res = await post('requests.json', { api_key: apiKey, service_code: 'NOISE', ...PLAZA, 'attribute[ongoing]': 'true' });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('refuses emergencies, unknown services, bad attributes and a missing location with 400s that say why', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ service_code: 'HOM', ...PLAZA, description: 'x' }, 'service_code HOM is an emergency: call 911. Open311 takes non-emergency reports only'],
      [{ service_code: 'POTHOLE', ...PLAZA, description: 'Bache' }, 'service_code POTHOLE not found'],
      [{ service_code: 'NOISE', description: 'Ruido' }, 'a location is required: lat and long, address_string or address_id'],
      [{ service_code: 'NOISE', lat: '13.7', description: 'Ruido' }, 'lat and long must be given together'],
      [{ service_code: 'NOISE', lat: '95', long: '-89.2', description: 'Ruido' }, 'lat: Too big: expected number to be <=90'],
      [{ service_code: 'NOISE', ...PLAZA, description: 'Ruido', 'attribute[noise_kind]': 'opera' }, 'attribute[noise_kind]: opera is not one of music, works, other'],
      [{ service_code: 'NOISE', ...PLAZA, description: 'Ruido', 'attribute[colour]': 'red' }, 'attribute[colour] is not an attribute of NOISE'],
      [{ service_code: 'ABVEH', ...PLAZA, description: 'Carro', 'attribute[days_parked]': 'many' }, 'attribute[days_parked]: a number is expected'],
      [{ service_code: 'NOISE', ...PLAZA, description: 'Ruido', colour: 'red' }, 'request: Unrecognized key: "colour"'],
    ];
    for (const [fields, description] of cases) {
      const res = await post('requests.json', { api_key: apiKey, ...fields });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.json()).toEqual([{ code: 400, description }]);
    }
  });

  it('refuses a revoked key', async () => {
    const k = await s.request({ method: 'POST', url: '/api/open311/keys', cookie: admin, body: { name: 'Cliente de prueba' } });
    const rev = await s.request({ method: 'POST', url: `/api/open311/keys/${k.json().id}/revoke`, cookie: admin });
    expect(rev.statusCode).toBe(200);
    const res = await post('requests.json', { api_key: k.json().key, service_code: 'NOISE', ...PLAZA, description: 'Ruido fuerte' });
    expect(res.statusCode).toBe(403);
  });
});

describe('Open311 GET service requests', () => {
  it('filters by id list, service_code, status and dates, and reports closed incidents as closed with notes', async () => {
    const ids: string[] = [];
    for (const code of ['NOISE', 'ABVEH']) {
      const r = await post('requests.json', { api_key: apiKey, service_code: code, ...PLAZA, description: `Reporte de prueba ${code}` });
      ids.push(r.json()[0].service_request_id);
    }
    const byIds = (await get(`requests.json?service_request_id=${ids.join(',')}`)).json();
    expect(byIds.map((x: { service_request_id: string }) => x.service_request_id).sort()).toEqual([...ids].sort());
    const noise = (await get('requests.json?service_code=NOISE')).json();
    expect(noise.length).toBeGreaterThanOrEqual(2);
    expect(noise.every((x: { service_code: string }) => x.service_code === 'NOISE')).toBe(true);
    const future = (await get(`requests.json?start_date=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)).json();
    expect(future).toEqual([]);
    const bad = await get('requests.json?start_date=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()[0].code).toBe(400);

    // The centre cancels one: Open311 shows it closed, with citizen-safe notes.
    const link = await s.database.db.selectFrom('open311_requests').select('incident_id').where('id', '=', ids[1]!).executeTakeFirstOrThrow();
    await s.database.db.updateTable('incidents').set({ status: 'cancelled' }).where('id', '=', link.incident_id!).execute();
    const closed = (await get(`requests.json?service_request_id=${ids.join(',')}&status=closed`)).json();
    expect(closed).toEqual([expect.objectContaining({ service_request_id: ids[1], status: 'closed', status_notes: 'Caso cerrado sin intervención.' })]);
    const open = xml.parse((await get(`requests.xml?service_request_id=${ids.join(',')}&status=open`)).body);
    expect(open.service_requests.request.map((x: { service_request_id: string }) => x.service_request_id)).toEqual([ids[0]]);
  });

  it('answers 404 for an unknown request id or token, and for a resource without a format', async () => {
    expect((await get('requests/SR-000000000000.json')).statusCode).toBe(404);
    expect((await get('tokens/00000000-0000-4000-8000-000000000000.json')).statusCode).toBe(404);
    expect((await get('requests/SR-000000000000')).statusCode).toBe(404);
  });

  it('lets only administrators manage API keys, and never shows a key again', async () => {
    expect((await s.request({ method: 'GET', url: '/api/open311/keys', cookie: callTaker })).statusCode).toBe(403);
    const list = await s.request({ method: 'GET', url: '/api/open311/keys', cookie: admin });
    expect(list.json().items[0]).toMatchObject({ name: 'Alcaldía de San Salvador', revokedAt: null });
    expect(list.body).not.toContain(apiKey);
    const stored = await s.database.db.selectFrom('open311_api_keys').select('key_hash').execute();
    expect(stored.map((k) => k.key_hash)).not.toContain(apiKey);
    const audit = await (await chained(s.database.db)).selectFrom('audit_log').select('action').where('action', '=', 'open311.key_created').execute();
    expect(audit.length).toBe(2);
  });
});
