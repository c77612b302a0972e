import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { citizenDb } from './citizen.tables.js';
import { inject, nextAddress, PLAZA_LIBERTAD, PNG_PIXEL, reportBody, solvedChallenge, solvedPuzzle, submitReport, type Client } from './citizen-test-kit.js';
import { solves } from './proof-of-work.js';
import { hashTrackingCode } from './tracking-code.js';
import { chained } from '../../test/audit-log.js';

let s: TestServer;
let callTaker: string;
let dispatcher: string;
let admin: string;
let unitId: string;

beforeAll(async () => {
  s = await createTestServer({ CITIZEN_POW_BITS: '8', CITIZEN_REPORTS_PER_HOUR_PER_DEVICE: '2', CITIZEN_REPORTS_PER_HOUR_PER_ADDRESS: '3', CITIZEN_NOTIFY_SECONDS: '1' });
  [callTaker, dispatcher, admin] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('administrator')];
  const unit = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'P-777', unitType: 'patrol_car', homeStation: 'Delegación Centro', department: 'SV.SS', status: 'available' } });
  unitId = unit.json().id;
  await s.request({ method: 'POST', url: `/api/units/${unitId}/positions`, cookie: dispatcher, body: { positions: [{ lat: PLAZA_LIBERTAD.lat + 0.002, lon: PLAZA_LIBERTAD.lon, accuracyM: 10, recordedAt: new Date().toISOString() }] } });
});
afterAll(() => s.close());

const reportRow = (code: string) => citizenDb(s.database.db).selectFrom('citizen_reports').selectAll().where('code_hash', '=', hashTrackingCode(code)).executeTakeFirstOrThrow();
const track = async (code: string) => (await inject(s, { ip: nextAddress() }, { method: 'GET', url: `/api/citizen/tracking/${code}` })).json();

describe('web reports', () => {
  it('lists only non-sensitive report types drawn from the 911 catalogue', async () => {
    const res = await inject(s, { ip: nextAddress() }, { method: 'GET', url: '/api/citizen/report-types' });
    const codes = res.json().items.map((t: { code: string }) => t.code);
    expect(codes).toContain('theft');
    expect(codes).not.toContain('sexual_violence');
    expect(res.json().items[0].label).toMatchObject({ es: expect.any(String), en: expect.any(String) });
  });

  it('turns a report with a photo and a map pin into a web incident in the triage queue, and answers with a tracking code', async () => {
    const res = await submitReport(s, { photos: [PNG_PIXEL.toString('base64')] });
    expect(res.statusCode, res.body).toBe(201);
    const { code, trackingUrl } = res.json();
    expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{6}$/);
    expect(trackingUrl).toBe(`http://localhost:8080/seguimiento/${code}`);
    const row = await reportRow(code);
    const queue = (await s.request({ method: 'GET', url: '/api/incidents?status=open', cookie: callTaker })).json().items;
    const incident = queue.find((i: { id: string }) => i.id === row.incident_id);
    expect(incident).toMatchObject({ source: 'web', typeCode: 'SUSP', status: 'received', department: 'SV.SS' });
    const photos = await citizenDb(s.database.db).selectFrom('citizen_attachments').select(['media_type', 'size_bytes']).where('report_id', '=', row.id).execute();
    expect(photos).toEqual([{ media_type: 'image/png', size_bytes: PNG_PIXEL.length }]);
  });

  it('stores no contact at all for an anonymous report, not even the client address in the audit entry', async () => {
    const res = await submitReport(s, { anonymous: true });
    const row = await reportRow(res.json().code);
    expect(row).toMatchObject({ anonymous: true, contact_name: null, contact_phone: null, contact_email: null, address: null });
    const incident = await s.database.db.selectFrom('incidents').select(['caller_number', 'caller_name']).where('id', '=', row.incident_id).executeTakeFirstOrThrow();
    expect(incident).toEqual({ caller_number: null, caller_name: null });
    const audit = await (await chained(s.database.db)).selectFrom('audit_log').select(['client_ip', 'changes']).where('entity_id', '=', row.incident_id).where('action', '=', 'incident.created').executeTakeFirstOrThrow();
    expect(audit.client_ip).toBeNull();
    expect(JSON.stringify(audit.changes)).toContain('"anonymous":true');
  });

  it('flags a likely duplicate on the timeline, as intake does for calls', async () => {
    const first = await reportRow((await submitReport(s, { type: 'theft', description: 'Robo de un celular frente a la iglesia El Rosario' })).json().code);
    const second = await reportRow((await submitReport(s, { type: 'theft', description: 'Le robaron el celular a una señora frente a la iglesia' })).json().code);
    const d = (await s.request({ method: 'GET', url: `/api/incidents/${second.incident_id}`, cookie: callTaker })).json();
    const related = d.timeline.find((e: { kind: string }) => e.kind === 'related');
    expect(related.data.candidates.map((c: { id: string }) => c.id)).toContain(first.incident_id);
  });

  it('answers in English when asked, and documents its operations in the OpenAPI', async () => {
    const res = await s.centinela.app.inject({ method: 'GET', url: '/api/citizen/tracking/00000-000000', headers: { 'accept-language': 'en' } });
    expect(res.json().detail).toBe('No report was found with that code. Check it and try again.');
    const ops = Object.values((await s.request({ method: 'GET', url: '/api/openapi.json' })).json().paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of ['submitCitizenReport', 'trackCitizenReport', 'receiveWhatsappWebhook', 'verifyWhatsappWebhook', 'receiveTelegramWebhook', 'receiveSmsWebhook', 'replyToCitizen', 'listCitizenOutbox']) expect(ops).toContain(id);
  });

  it('refuses an anonymous report that carries a contact', async () => {
    const res = await submitReport(s, { anonymous: true, contact: { phone: '+503 7000 0000' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });

  it('refuses a wrong proof of work and a challenge used twice, creating nothing', async () => {
    const before = await s.database.db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const client: Client = { ip: nextAddress() };
    const { nonce, bits, ...challenge } = await solvedPuzzle(s, client);
    // The next number that is not a solution too (at 8 bits, one in 256 is).
    let miss = Number(challenge.solution) + 1;
    while (solves(nonce, String(miss), bits)) miss++;
    const wrong = await inject(s, client, { method: 'POST', url: '/api/citizen/reports', body: { ...reportBody(), challenge: { id: challenge.id, solution: String(miss) } } });
    expect(wrong.json()).toMatchObject({ status: 422, code: 'citizen_pow_invalid' });
    const first = await inject(s, client, { method: 'POST', url: '/api/citizen/reports', body: { ...reportBody(), challenge } });
    expect(first.statusCode, first.body).toBe(201);
    const replay = await inject(s, client, { method: 'POST', url: '/api/citizen/reports', body: { ...reportBody(), challenge } });
    expect(replay.statusCode).toBe(422);
    expect(replay.json().code).toBe('citizen_pow_invalid');
    expect(replay.json().detail).toMatch(/verificación anti-abuso/);
    const other = await inject(s, client, { method: 'POST', url: '/api/citizen/reports', body: { ...reportBody(), challenge: await solvedChallenge(s, client) } });
    expect(other.statusCode).toBe(201);
    const after = await s.database.db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(wrong.statusCode === 201 ? 3 : 2);
  });

  it('refuses a challenge solved on another device', async () => {
    const a: Client = { ip: nextAddress() };
    const challenge = await solvedChallenge(s, a);
    const res = await inject(s, { ip: a.ip }, { method: 'POST', url: '/api/citizen/reports', body: { ...reportBody(), challenge } });
    expect(res.json().code).toBe('citizen_pow_invalid');
  });

  it('refuses a photo whose bytes are not an image, whatever it claims, and one over the size limit', async () => {
    const fake = await submitReport(s, { photos: [Buffer.from('GIF89a not allowed here').toString('base64')] });
    expect(fake.statusCode).toBe(422);
    expect(fake.json()).toMatchObject({ code: 'citizen_photo_invalid', detail: 'La foto 1 no es una imagen JPEG, PNG o WebP.' });
    const big = Buffer.concat([PNG_PIXEL, Buffer.alloc(3 * 1024 * 1024)]);
    const large = await submitReport(s, { photos: [big.toString('base64')] });
    expect(large.statusCode).toBe(413);
    expect(large.json().code).toBe('citizen_photo_too_large');
  });

  it('limits accepted reports per device and per address each hour, with a clear message', async () => {
    const device: Client = { ip: nextAddress() };
    expect((await submitReport(s, {}, device)).statusCode).toBe(201);
    device.ip = nextAddress();
    expect((await submitReport(s, {}, device)).statusCode).toBe(201);
    device.ip = nextAddress();
    const third = await submitReport(s, {}, device);
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ code: 'citizen_rate_limited' });
    expect(third.json().detail).toMatch(/llame al 911/);

    const ip = nextAddress();
    for (let i = 0; i < 3; i++) expect((await submitReport(s, {}, { ip })).statusCode).toBe(201);
    const fourth = await submitReport(s, {}, { ip });
    expect(fourth.statusCode).toBe(429);
    expect((await submitReport(s, {}, { ip: nextAddress() })).statusCode).toBe(201);
  });
});

describe('tracking by the reporter', () => {
  it('shows progress in citizen-safe words: no officer, unit, note or other person leaks', async () => {
    const res = await submitReport(s, { anonymous: false, contact: { name: 'Marta López', phone: '+503 7123 4567' } });
    const { code } = res.json();
    const row = await reportRow(code);
    const id = row.incident_id;
    await s.request({ method: 'POST', url: `/api/incidents/${id}/notes`, cookie: callTaker, body: { text: 'NOTA INTERNA: el vecino Pedro Gómez dice que son pandilleros' } });
    const assigned = await s.request({ method: 'POST', url: `/api/incidents/${id}/assignments`, cookie: dispatcher, body: { unitId } });
    expect(assigned.statusCode, assigned.body).toBe(200);
    await s.request({ method: 'POST', url: `/api/units/${unitId}/status`, cookie: dispatcher, body: { status: 'on_scene' } });
    const mid = await track(code);
    expect(mid).toMatchObject({ status: 'on_scene', canAddInfo: true, canRate: false, anonymous: false });
    expect(mid.steps.map((x: { step: string }) => x.step)).toEqual(['received', 'dispatched', 'on_scene']);
    const text = JSON.stringify(mid);
    for (const secret of ['NOTA INTERNA', 'Pedro', 'P-777', 'dispatcher', 'call_taker', 'Despach', unitId, id]) expect(text).not.toContain(secret);

    const reply = await s.request({ method: 'POST', url: `/api/citizen/incidents/${id}/replies`, cookie: callTaker, body: { reportId: row.id, text: 'La patrulla ya está en el lugar.' } });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().delivery).toBe('held');
    const withReply = await track(code);
    expect(withReply.messages.at(-1)).toMatchObject({ from: 'centre', text: 'La patrulla ya está en el lugar.' });
    expect(JSON.stringify(withReply)).not.toContain('call_taker');

    const closed = await s.request({ method: 'POST', url: `/api/incidents/${id}/close`, cookie: dispatcher, body: { dispositionCode: 'report_taken', summary: 'Se identificó a los sospechosos (resumen interno)' } });
    expect(closed.statusCode, closed.body).toBe(200);
    const end = await track(code);
    expect(end).toMatchObject({ status: 'closed', canRate: true, canAddInfo: false });
    expect(JSON.stringify(end)).not.toContain('resumen interno');
  });

  it('follows a case merged into another report of the same event, up to the rating', async () => {
    const original = await reportRow((await submitReport(s)).json().code);
    const { code } = (await submitReport(s)).json();
    const dup = await reportRow(code);
    const merged = await s.request({ method: 'POST', url: `/api/incidents/${dup.incident_id}/merge`, cookie: dispatcher, body: { intoId: original.incident_id, duplicate: true, reason: { code: 'same_event', text: 'Dos personas reportaron el mismo hecho' } } });
    expect(merged.statusCode, merged.body).toBe(200);
    const during = await track(code);
    expect(during).toMatchObject({ status: 'received', canAddInfo: true });
    expect(during.steps.map((x: { step: string }) => x.step)).toEqual(['received', 'merged']);
    const added = await inject(s, { ip: nextAddress() }, { method: 'POST', url: `/api/citizen/tracking/${code}/messages`, body: { text: 'Son tres, no dos', photos: [] } });
    expect(added.statusCode, added.body).toBe(201);
    const target = (await s.request({ method: 'GET', url: `/api/incidents/${original.incident_id}`, cookie: callTaker })).json();
    expect(target.timeline.map((t: { kind: string }) => t.kind)).toContain('message');
    // The surviving incident's panel shows both reporters, and a reply reaches the merged one.
    const conv = (await s.request({ method: 'GET', url: `/api/citizen/incidents/${original.incident_id}/conversation`, cookie: callTaker })).json();
    expect(conv.items.map((i: { id: string }) => i.id).sort()).toEqual([original.id, dup.id].sort());
    const reply = await s.request({ method: 'POST', url: `/api/citizen/incidents/${original.incident_id}/replies`, cookie: callTaker, body: { reportId: dup.id, text: 'Gracias, lo unimos al reporte anterior.' } });
    expect(reply.statusCode, reply.body).toBe(201);
    expect((await track(code)).messages.at(-1)).toMatchObject({ from: 'centre', text: 'Gracias, lo unimos al reporte anterior.' });
    await s.request({ method: 'POST', url: `/api/incidents/${original.incident_id}/close`, cookie: dispatcher, body: { dispositionCode: 'unfounded', summary: 'Sin novedad', reason: { code: 'resolved_by_phone', text: 'Se verificó por cámaras que no había nada' } } });
    const end = await track(code);
    expect(end).toMatchObject({ status: 'closed', canRate: true });
    expect(end.steps.map((x: { step: string }) => x.step)).toEqual(['received', 'merged', 'closed']);
  });

  it('answers an unknown or mistyped code with the same 404', async () => {
    const a = await inject(s, { ip: nextAddress() }, { method: 'GET', url: '/api/citizen/tracking/00000-000000' });
    const b = await inject(s, { ip: nextAddress() }, { method: 'GET', url: '/api/citizen/tracking/not-a-code' });
    expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
    expect(a.json().code).toBe('citizen_code_not_found');
    expect(b.json().code).toBe('citizen_code_not_found');
  });

  it('lets the reporter add information and a photo that the call-taker sees in the console', async () => {
    const { code } = (await submitReport(s)).json();
    const added = await inject(s, { ip: nextAddress() }, { method: 'POST', url: `/api/citizen/tracking/${code.toLowerCase()}/messages`, body: { text: 'Ahora se fueron en un pick-up blanco', photos: [PNG_PIXEL.toString('base64')] } });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json().messages.at(-1)).toMatchObject({ from: 'you', text: 'Ahora se fueron en un pick-up blanco', photos: 1 });
    const row = await reportRow(code);
    const conv = await s.request({ method: 'GET', url: `/api/citizen/incidents/${row.incident_id}/conversation`, cookie: callTaker });
    expect(conv.statusCode).toBe(200);
    const item = conv.json().items[0];
    expect(item).toMatchObject({ channel: 'web', anonymous: true, contact: null, deliversTo: null });
    const photoId = item.messages.at(-1).photos[0].id;
    const photo = await s.request({ method: 'GET', url: `/api/citizen/attachments/${photoId}`, cookie: callTaker });
    expect(photo.headers['content-type']).toBe('image/png');
    expect(photo.rawPayload.equals(PNG_PIXEL)).toBe(true);
    const timeline = (await s.request({ method: 'GET', url: `/api/incidents/${row.incident_id}`, cookie: callTaker })).json().timeline;
    expect(timeline.map((t: { kind: string }) => t.kind)).toContain('message');
  });

  it('invites one rating once the case is closed, and keeps it for analytics', async () => {
    const { code } = (await submitReport(s)).json();
    const early = await inject(s, { ip: nextAddress() }, { method: 'POST', url: `/api/citizen/tracking/${code}/rating`, body: { score: 5 } });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('citizen_rating_not_open');
    const row = await reportRow(code);
    await s.request({ method: 'POST', url: `/api/incidents/${row.incident_id}/close`, cookie: dispatcher, body: { dispositionCode: 'unfounded', summary: 'Sin novedad', reason: { code: 'resolved_by_phone', text: 'Se verificó por cámaras que no había nada' } } });
    const rated = await inject(s, { ip: nextAddress() }, { method: 'POST', url: `/api/citizen/tracking/${code}/rating`, body: { score: 4, comment: 'Respondieron rápido' } });
    expect(rated.statusCode, rated.body).toBe(201);
    expect(rated.json()).toMatchObject({ canRate: false, rating: { score: 4, comment: 'Respondieron rápido' } });
    const again = await inject(s, { ip: nextAddress() }, { method: 'POST', url: `/api/citizen/tracking/${code}/rating`, body: { score: 1 } });
    expect(again.json().code).toBe('citizen_already_rated');
    const stored = await citizenDb(s.database.db).selectFrom('citizen_ratings').selectAll().where('report_id', '=', row.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ score: 4, comment: 'Respondieron rápido' });
  });
});

describe('notifications', () => {
  it('queues status changes for a reporter who left a phone in the outbox, which only administrators see', async () => {
    const { code } = (await submitReport(s, { anonymous: false, contact: { phone: '+503 7999 0000' } })).json();
    const row = await reportRow(code);
    await s.request({ method: 'POST', url: `/api/incidents/${row.incident_id}/close`, cookie: dispatcher, body: { dispositionCode: 'unfounded', summary: 'Sin novedad', reason: { code: 'resolved_by_phone', text: 'Se verificó por cámaras que no había nada' } } });
    let items: { recipient: string; kind: string; status: string; body: string; channel: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await s.request({ method: 'GET', url: '/api/citizen/outbox', cookie: admin });
      expect(res.statusCode).toBe(200);
      items = res.json().items.filter((m: { recipient: string }) => m.recipient === '+503 7999 0000');
      if (items.some((m) => m.kind === 'status')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(items.map((m) => m.kind).sort()).toEqual(['receipt', 'status']);
    expect(items.every((m) => m.status === 'held' && m.channel === 'sms')).toBe(true);
    expect(items.find((m) => m.kind === 'receipt')!.body).toContain(code);
    expect(items.find((m) => m.kind === 'status')!.body).toMatch(/cerrado/);
    const forbidden = await s.request({ method: 'GET', url: '/api/citizen/outbox', cookie: callTaker });
    expect(forbidden.statusCode).toBe(403);
  });

  it('queues nothing for an anonymous reporter: the tracking page is their only channel', async () => {
    const { code } = (await submitReport(s)).json();
    const row = await reportRow(code);
    const out = await citizenDb(s.database.db).selectFrom('citizen_outbox').select('id').where('report_id', '=', row.id).execute();
    expect(out).toEqual([]);
  });
});
