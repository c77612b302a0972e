import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { chained } from '../../test/audit-log.js';
import { officerOnIncident, PHOTO, refuseEvidenceRows, sha, uploadAs } from './evidence.fixture.js';

let s: TestServer;
let officer: string;
let supervisor: string;
let analyst: string;
let incidentId: string;

const upload = (bytes: Buffer, q: Record<string, string>, k = crypto.randomUUID(), cookie = officer) => uploadAs(s, cookie, incidentId, bytes, q, k);
const chainKinds = async (id: string) => (await s.database.db.selectFrom('custody_events').select('kind').where('evidence_id', '=', id).orderBy('id').execute()).map((e) => e.kind);
const audited = async (id: string) => (await (await chained(s.database.db)).selectFrom('audit_log').select('action').where('entity_type', '=', 'evidence').where('entity_id', '=', id).orderBy('seq').execute()).map((e) => e.action);

beforeAll(async () => {
  s = await createTestServer({ EVIDENCE_MAX_BYTES: String(64 * 1024) });
  ({ officer, incidentId } = await officerOnIncident(s));
  [supervisor, analyst] = [await s.loginAs('supervisor'), await s.loginAs('analyst')];
});
afterAll(() => s.close());

describe('evidence upload', () => {
  it('stores a photo whose SHA-256 matches, under the data directory, with captured and uploaded custody events', async () => {
    const res = await upload(PHOTO, {});
    expect(res.statusCode, res.body).toBe(201);
    const { id, sha256, contentType } = res.json();
    expect(sha256).toBe(sha(PHOTO));
    expect(contentType).toBe('image/jpeg');
    const row = await s.database.db.selectFrom('evidence_items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(fs.readFileSync(path.join(s.config.dataDir, 'evidence', row.storage_key)).equals(PHOTO)).toBe(true);
    expect(await chainKinds(id)).toEqual(['captured', 'uploaded']);
    expect(await audited(id)).toEqual(['evidence.captured', 'evidence.uploaded']);
    const timeline = await s.database.db.selectFrom('incident_timeline').select(['kind', 'data']).where('incident_id', '=', incidentId).where('kind', '=', 'evidence_added').execute();
    expect(timeline.map((e) => e.data)).toContainEqual(expect.objectContaining({ evidenceId: id, kind: 'photo', callSign: 'P-601' }));
  });

  it('refuses a file whose bytes do not match the declared SHA-256, stores nothing and records the refusal', async () => {
    const before = await s.database.db.selectFrom('evidence_items').select('id').execute();
    const tampered = Buffer.from(PHOTO);
    tampered[100] = tampered[100]! ^ 0xff;
    const res = await upload(tampered, { sha256: sha(PHOTO) });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('evidence_hash_mismatch');
    expect(res.json().received).toBe(sha(tampered));
    expect(await s.database.db.selectFrom('evidence_items').select('id').execute()).toHaveLength(before.length);
    const refusals = await (await chained(s.database.db)).selectFrom('audit_log').select('changes').where('action', '=', 'evidence.upload_refused').execute();
    expect(refusals.at(-1)!.changes).toMatchObject({ declared: sha(PHOTO), received: sha(tampered) });
  });

  it('judges the type by content, not by name, and enforces the size limit', async () => {
    const exe = Buffer.from('MZ\x90\x00 this is not a photo at all', 'latin1');
    const res = await upload(exe, { name: 'foto.jpg' });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('evidence_type_refused');
    const big = Buffer.concat([PHOTO.subarray(0, 4), Buffer.alloc(65 * 1024)]);
    expect((await upload(big, {})).statusCode).toBe(413);
  });

  it('links evidence to a report the phone named itself (offline, before the server knew it); custodians read the report, audited', async () => {
    const reportId = crypto.randomUUID();
    const r = await s.request({ method: 'POST', url: '/api/field/reports', cookie: officer, headers: { 'idempotency-key': crypto.randomUUID() }, body: { id: reportId, incidentId, narrative: 'Se encontró el objeto', persons: [{ name: 'Ana', role: 'victim' }], vehicles: [] } });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().id).toBe(reportId);
    const up = await upload(PHOTO, { reportId });
    expect(up.statusCode, up.body).toBe(201);
    const row = await s.database.db.selectFrom('evidence_items').select('report_id').where('id', '=', up.json().id).executeTakeFirstOrThrow();
    expect(row.report_id).toBe(reportId);
    const read = await s.request({ method: 'GET', url: `/api/field/reports?incidentId=${incidentId}`, cookie: supervisor });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().items).toContainEqual(expect.objectContaining({ id: reportId, callSign: 'P-601', author: 'field_officer', narrative: 'Se encontró el objeto', persons: [{ name: 'Ana', role: 'victim' }] }));
    const readings = await (await chained(s.database.db)).selectFrom('audit_log').select(['actor_username', 'entity_id']).where('action', '=', 'field.reports_viewed').execute();
    expect(readings).toContainEqual({ actor_username: 'supervisor', entity_id: incidentId });
    expect((await s.request({ method: 'GET', url: `/api/field/reports?incidentId=${incidentId}`, cookie: analyst })).statusCode).toBe(403);
    const again = await s.request({ method: 'POST', url: '/api/field/reports', cookie: officer, headers: { 'idempotency-key': crypto.randomUUID() }, body: { id: reportId, incidentId, narrative: 'Otro', persons: [], vehicles: [] } });
    expect(again.statusCode).toBe(409);
  });

  it('discards the stored file when the database refuses the row, so no bytes exist outside the custody chain', async () => {
    const files = () => fs.readdirSync(path.join(s.config.dataDir, 'evidence'), { recursive: true }).filter((f) => !fs.statSync(path.join(s.config.dataDir, 'evidence', String(f))).isDirectory());
    const before = files().length;
    const restore = await refuseEvidenceRows(s);
    try {
      const res = await upload(Buffer.concat([PHOTO.subarray(0, 10), crypto.randomBytes(300)]), {});
      expect(res.statusCode).toBe(500);
    } finally {
      await restore();
    }
    expect(files()).toHaveLength(before);
  });

  it('answers a replayed upload with the first result and stores the file once', async () => {
    const bytes = Buffer.concat([PHOTO.subarray(0, 10), crypto.randomBytes(512)]);
    const k = crypto.randomUUID();
    const q = { capturedAt: '2026-01-01T10:00:00Z' };
    const a = await upload(bytes, q, k);
    const b = await upload(bytes, q, k);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json()).toEqual(a.json());
    expect(await s.database.db.selectFrom('evidence_items').select('id').where('sha256', '=', sha(bytes)).execute()).toHaveLength(1);
  });
});

describe('chain of custody', () => {
  it('records views, downloads and transfers with who, when and why, each in the audit log, and serves a PDF report', async () => {
    const id = (await upload(PHOTO, { name: 'escena.jpg' })).json().id as string;
    const view = await s.request({ method: 'GET', url: `/api/evidence/${id}`, cookie: supervisor });
    expect(view.statusCode, view.body).toBe(200);
    const dl = await s.request({ method: 'GET', url: `/api/evidence/${id}/content?reason=${encodeURIComponent('Revisión para el informe policial')}`, cookie: supervisor });
    expect(dl.statusCode).toBe(200);
    expect(dl.rawPayload.equals(PHOTO)).toBe(true);
    expect(dl.headers['x-content-sha256']).toBe(sha(PHOTO));
    const toPerson = await s.request({ method: 'POST', url: `/api/evidence/${id}/custody`, cookie: officer, body: { kind: 'transferred_to_person', recipient: 'Sgto. Marta López, bodega de evidencias', reason: 'Resguardo en bodega de la delegación' } });
    expect(toPerson.statusCode, toPerson.body).toBe(201);
    const toFgr = await s.request({ method: 'POST', url: `/api/evidence/${id}/custody`, cookie: supervisor, body: { kind: 'transferred_to_prosecutor', recipient: 'Fiscalía General de la República, oficina San Salvador', reason: 'Remisión para el proceso penal' } });
    const chain = toFgr.json().chain;
    expect(chain.map((e: { kind: string }) => e.kind)).toEqual(['captured', 'uploaded', 'viewed', 'downloaded', 'transferred_to_person', 'transferred_to_prosecutor']);
    expect(chain[4]).toMatchObject({ actor: 'field_officer', recipient: 'Sgto. Marta López, bodega de evidencias', reason: 'Resguardo en bodega de la delegación' });
    expect(chain[5].actor).toBe('supervisor');
    expect(await audited(id)).toEqual(['evidence.captured', 'evidence.uploaded', 'evidence.viewed', 'evidence.downloaded', 'evidence.transferred_to_person', 'evidence.transferred_to_prosecutor']);

    const pdf = await s.request({ method: 'GET', url: `/api/evidence/${id}/custody-report.pdf`, cookie: supervisor });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await audited(id)).toContain('evidence.custody_report');
  });

  it('refuses any edit of a custody record, even made directly in the database', async () => {
    await expect(s.database.db.updateTable('custody_events').set({ reason: 'otra cosa' }).execute()).rejects.toThrow();
  });

  it('lets only the capturer and custodians handle an item, and demands a reason to download', async () => {
    const id = (await upload(PHOTO, {})).json().id as string;
    expect((await s.request({ method: 'GET', url: `/api/evidence/${id}`, cookie: analyst })).statusCode).toBe(403);
    expect((await s.request({ method: 'GET', url: `/api/evidence?incidentId=${incidentId}`, cookie: officer })).statusCode).toBe(403);
    const listed = await s.request({ method: 'GET', url: `/api/evidence?incidentId=${incidentId}`, cookie: supervisor });
    expect(listed.json().items.map((i: { id: string }) => i.id)).toContain(id);
    expect((await s.request({ method: 'GET', url: `/api/evidence/${id}/custody-report.pdf`, cookie: analyst })).statusCode).toBe(403);
    expect((await s.request({ method: 'GET', url: `/api/evidence/${id}/content`, cookie: officer })).statusCode).toBe(400);
    const noRecipient = await s.request({ method: 'POST', url: `/api/evidence/${id}/custody`, cookie: officer, body: { kind: 'transferred_to_prosecutor', reason: 'Remisión para el proceso penal' } });
    expect(noRecipient.statusCode).toBe(400);
  });
});
