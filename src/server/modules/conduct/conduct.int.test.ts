import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { chained } from '../../test/audit-log.js';

let s: TestServer;
const cookies: Record<string, string> = {};
const COMMAND_CENTRE = ['call_taker', 'dispatcher', 'supervisor', 'field_officer', 'analyst', 'administrator', 'head_of_institution'];

const complaint = {
  anonymous: false,
  contact: { name: 'Rosa Martínez', phone: '+503 7123 4567', email: 'rosa@example.org' },
  occurredAt: '2026-11-20T21:30:00-06:00',
  placeText: 'Parada de buses frente al mercado de Soyapango',
  lat: 13.7102,
  lon: -89.1403,
  officerDescription: 'Agente alto, uniforme azul, gritó y empujó a mi hijo',
  badgeNumber: 'ONI 12345',
  unitText: 'Patrulla P-214',
  description: 'Durante un registro el agente empujó a mi hijo contra la pared y lo insultó sin motivo.',
};

const file = async (body: Record<string, unknown> = complaint) => {
  const res = await s.request({ method: 'POST', url: '/api/conduct/complaints', body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { trackingCode: string };
};
const idOf = async (code: string) => {
  const list = await s.request({ method: 'GET', url: '/api/conduct/complaints', cookie: cookies.internal_affairs });
  const rows = await s.database.db.selectFrom('conduct_complaints').select(['id', 'tracking_hash']).execute();
  expect(list.statusCode).toBe(200);
  const { createHash } = await import('node:crypto');
  return rows.find((r) => r.tracking_hash === createHash('sha256').update(code).digest('hex'))!.id;
};

beforeAll(async () => {
  s = await createTestServer();
  for (const role of [...COMMAND_CENTRE, 'internal_affairs', 'auditor']) cookies[role] = await s.loginAs(role);
});
afterAll(() => s.close());

describe('filing a complaint', () => {
  it('answers a readable tracking code, and the complainant follows the stage by it', async () => {
    const { trackingCode } = await file();
    expect(trackingCode).toMatch(/^Q-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const track = await s.request({ method: 'GET', url: `/api/conduct/track/${trackingCode.toLowerCase().replace(/-/g, ' ')}` });
    expect(track.statusCode).toBe(200);
    expect(track.json()).toMatchObject({ status: 'received', outcome: null, closedAt: null });
    expect((await s.request({ method: 'GET', url: '/api/conduct/track/Q-00000-00000' })).statusCode).toBe(404);
  });

  it('stores no contact at all when anonymous, and refuses an anonymous one that carries contact', async () => {
    const { trackingCode } = await file({ ...complaint, anonymous: true, contact: undefined });
    const row = await s.database.db.selectFrom('conduct_complaints').selectAll().where('id', '=', await idOf(trackingCode)).executeTakeFirstOrThrow();
    expect([row.contact_name, row.contact_phone, row.contact_email]).toEqual([null, null, null]);
    const bad = await s.request({ method: 'POST', url: '/api/conduct/complaints', body: { ...complaint, anonymous: true } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('body.contact');
  });

  it('refuses unknown fields and a too-short account with a Spanish problem', async () => {
    const res = await s.request({ method: 'POST', url: '/api/conduct/complaints', body: { ...complaint, description: 'corto', extra: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('Los datos enviados no son válidos.');
  });

  it('never reaches the command centre: no incident, no live event, nothing in the triage queue', async () => {
    const incidentsBefore = await s.database.db.selectFrom('incidents').select('id').execute();
    const eventsBefore = await s.database.db.selectFrom('events').select('seq').execute();
    await file();
    expect(await s.database.db.selectFrom('incidents').select('id').execute()).toHaveLength(incidentsBefore.length);
    expect(await s.database.db.selectFrom('events').select('seq').execute()).toHaveLength(eventsBefore.length);
    const queue = await s.request({ method: 'GET', url: '/api/incidents?status=all', cookie: cookies.supervisor });
    expect(queue.body).not.toContain('empujó');
    // The audit entry says a complaint arrived, not what it says or who filed it.
    const audit = await (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('action', '=', 'complaint.filed').execute();
    expect(JSON.stringify(audit.map((a) => a.changes))).not.toMatch(/Rosa|7123|empujó/);
  });
});

describe('who may read and handle complaints', () => {
  it('refuses every command-centre role, the accused unit and its chain of command included', async () => {
    const { trackingCode } = await file();
    const id = await idOf(trackingCode);
    for (const role of COMMAND_CENTRE) {
      expect((await s.request({ method: 'GET', url: '/api/conduct/complaints', cookie: cookies[role] })).statusCode, role).toBe(403);
      expect((await s.request({ method: 'GET', url: `/api/conduct/complaints/${id}`, cookie: cookies[role] })).statusCode, role).toBe(403);
      expect((await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/outcome`, cookie: cookies[role], body: { outcome: 'unfounded', summary: 'Sin pruebas suficientes.' } })).statusCode, role).toBe(403);
    }
    expect((await s.request({ method: 'GET', url: '/api/conduct/complaints' })).statusCode).toBe(401);
  });

  it('shows internal affairs the full complaint and audits every read, each one', async () => {
    const { trackingCode } = await file();
    const id = await idOf(trackingCode);
    for (let i = 0; i < 2; i++) {
      const res = await s.request({ method: 'GET', url: `/api/conduct/complaints/${id}`, cookie: cookies.internal_affairs });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ contact: { name: 'Rosa Martínez' }, badgeNumber: 'ONI 12345', department: 'SV.SS', status: 'received' });
    }
    const reads = await (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('action', '=', 'complaint.sensitive_read').where('entity_id', '=', id).execute();
    expect(reads.map((r) => r.actor_username)).toEqual(['internal_affairs', 'internal_affairs']);
    const lists = await (await chained(s.database.db)).selectFrom('audit_log').selectAll().where('action', '=', 'complaint.list_read').execute();
    expect(lists.length).toBeGreaterThan(0);
  });

  it('lets auditors read (audited) but not change', async () => {
    const { trackingCode } = await file();
    const id = await idOf(trackingCode);
    expect((await s.request({ method: 'GET', url: `/api/conduct/complaints/${id}`, cookie: cookies.auditor })).statusCode).toBe(200);
    expect(await (await chained(s.database.db)).selectFrom('audit_log').select('seq').where('action', '=', 'complaint.sensitive_read').where('actor_username', '=', 'auditor').execute()).toHaveLength(1);
    const res = await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/outcome`, cookie: cookies.auditor, body: { outcome: 'unfounded', summary: 'Sin pruebas suficientes.' } });
    expect(res.statusCode).toBe(403);
  });

  it('lets internal affairs link incidents and units and record the outcome, audited, and the complainant sees the outcome only', async () => {
    const { trackingCode } = await file();
    const id = await idOf(trackingCode);
    const unit = await s.request({ method: 'POST', url: '/api/units', cookie: cookies.administrator, body: { callSign: 'P-214', unitType: 'patrol_car', homeStation: 'Delegación Soyapango', department: 'SV.SS', status: 'available' } });
    const incident = await s.request({ method: 'POST', url: '/api/incidents', cookie: cookies.call_taker, body: { typeCode: 'DIST', description: 'Riña', location: { lat: 13.7102, lon: -89.1403, source: 'map_click' } } });
    const l1 = await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/links`, cookie: cookies.internal_affairs, body: { unitId: unit.json().id } });
    expect(l1.statusCode, l1.body).toBe(200);
    expect(l1.json().status).toBe('under_investigation');
    const l2 = await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/links`, cookie: cookies.internal_affairs, body: { incidentNumber: incident.json().number } });
    expect(l2.statusCode, l2.body).toBe(200);
    expect((await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/links`, cookie: cookies.internal_affairs, body: { incidentId: incident.json().id } })).statusCode).toBe(409);
    const detail = (await s.request({ method: 'GET', url: `/api/conduct/complaints/${id}`, cookie: cookies.internal_affairs })).json();
    expect(detail.links.map((l: { callSign: string | null; incidentNumber: string | null }) => l.callSign ?? l.incidentNumber)).toEqual(['P-214', incident.json().number]);
    const out = await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/outcome`, cookie: cookies.internal_affairs, body: { outcome: 'substantiated', summary: 'Testigos y video confirman el empujón; se abre proceso disciplinario.', version: l2.json().version } });
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toMatchObject({ status: 'closed', outcome: 'substantiated' });
    const again = await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/outcome`, cookie: cookies.internal_affairs, body: { outcome: 'unfounded', summary: 'Otra decisión distinta.' } });
    expect(again.statusCode).toBe(409);
    const actions = (await (await chained(s.database.db)).selectFrom('audit_log').select('action').where('entity_id', '=', id).orderBy('seq').execute()).map((a) => a.action);
    expect(actions.filter((a) => a !== 'complaint.sensitive_read')).toEqual(['complaint.filed', 'complaint.linked', 'complaint.linked', 'complaint.outcome_recorded']);
    const track = (await s.request({ method: 'GET', url: `/api/conduct/track/${trackingCode}` })).json();
    expect(track).toMatchObject({ status: 'closed', outcome: 'substantiated' });
    expect(JSON.stringify(track)).not.toContain('disciplinario');
  });

  it('refuses an internal affairs reader who crews a linked unit', async () => {
    const { trackingCode } = await file();
    const id = await idOf(trackingCode);
    const unit = await s.request({ method: 'POST', url: '/api/units', cookie: cookies.administrator, body: { callSign: 'P-300', unitType: 'patrol_car', homeStation: 'Delegación Centro', department: 'SV.SS', status: 'available' } });
    await s.request({ method: 'POST', url: `/api/conduct/complaints/${id}/links`, cookie: cookies.internal_affairs, body: { unitId: unit.json().id } });
    const ia = await s.database.db.selectFrom('users').select('id').where('username', '=', 'internal_affairs').executeTakeFirstOrThrow();
    await s.database.db.insertInto('unit_crew').values({ unit_id: unit.json().id, user_id: ia.id }).execute();
    const res = await s.request({ method: 'GET', url: `/api/conduct/complaints/${id}`, cookie: cookies.internal_affairs });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('complaint_conflict_of_interest');
    await s.database.db.deleteFrom('unit_crew').where('user_id', '=', ia.id).execute();
  });
});

describe('complaints through Open311', () => {
  it('files a conduct complaint as service CONDUCTA that reaches internal affairs only, with the tracking code in the notice', async () => {
    const k = await s.request({ method: 'POST', url: '/api/open311/keys', cookie: cookies.administrator, body: { name: 'App ciudadana' } });
    const res = await s.centinela.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        api_key: k.json().key,
        service_code: 'CONDUCTA',
        address_string: 'Redondel Masferrer, San Salvador',
        first_name: 'Pedro',
        phone: '+503 7999 0000',
        description: 'Me pidieron dinero para no ponerme una multa en el retén.',
        'attribute[anonymous]': 'true',
        'attribute[badge_number]': 'ONI 555',
      }).toString(),
    });
    expect(res.statusCode, res.body).toBe(201);
    const [r] = res.json();
    const code = /Q-[0-9A-Z]{5}-[0-9A-Z]{5}/.exec(r.service_notice)![0];
    const id = await idOf(code);
    const row = await s.database.db.selectFrom('conduct_complaints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ channel: 'open311', anonymous: true, contact_name: null, contact_phone: null, badge_number: 'ONI 555' });
    const stored = await s.database.db.selectFrom('open311_requests').selectAll().where('id', '=', r.service_request_id).executeTakeFirstOrThrow();
    expect([stored.first_name, stored.phone, stored.description]).toEqual([null, null, null]);
    // Not in the public request list, nor by its id.
    expect((await s.centinela.app.inject({ method: 'GET', url: `/open311/v2/requests/${r.service_request_id}.json` })).statusCode).toBe(404);
    const all = await s.centinela.app.inject({ method: 'GET', url: '/open311/v2/requests.json' });
    expect(all.body).not.toContain(r.service_request_id);
  });
});
