import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AwsClient } from 'aws4fetch';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { officerOnIncident, PHOTO, refuseEvidenceRows, sha, uploadAs } from './evidence.fixture.js';

// s3rver: an S3-compatible HTTP server in Node (path- and host-style buckets, S3 XML errors), on a real socket.
const BUCKET = 'evidencias';
const PREFIX = 'centinela/';
// s3rver knows the access key S3RVER and checks the key id, not a SigV4 signature's secret.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER-test-secret' };
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'centinela-s3-'));
let s3: S3rver;
let port: number;
let s: TestServer;
let officer: string;
let supervisor: string;
let incidentId: string;
const direct = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
const objectUrl = (key: string) => `http://127.0.0.1:${port}/${BUCKET}/${PREFIX}${key}`;
const startS3 = async (p = 0) => {
  s3 = new S3rver({ address: '127.0.0.1', port: p, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  port = (await s3.run()).port;
};
const storageKey = async (id: string) => (await s.database.db.selectFrom('evidence_items').select('storage_key').where('id', '=', id).executeTakeFirstOrThrow()).storage_key;
const upload = (bytes: Buffer, key?: string) => uploadAs(s, officer, incidentId, bytes, {}, key);
const freshPhoto = () => Buffer.concat([PHOTO.subarray(0, 10), crypto.randomBytes(700)]);

beforeAll(async () => {
  await startS3();
  s = await createTestServer({
    EVIDENCE_STORE: 's3',
    EVIDENCE_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    EVIDENCE_S3_BUCKET: BUCKET,
    EVIDENCE_S3_ACCESS_KEY_ID: credentials.accessKeyId,
    EVIDENCE_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    EVIDENCE_S3_PREFIX: PREFIX,
  });
  ({ officer, incidentId } = await officerOnIncident(s));
  supervisor = await s.loginAs('supervisor');
});
afterAll(async () => {
  await s.close();
  await s3.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('evidence in an S3-compatible store', () => {
  it('puts the bytes under the configured prefix, nothing under the data directory, and serves them back re-hashed', async () => {
    const res = await upload(PHOTO);
    expect(res.statusCode, res.body).toBe(201);
    const key = await storageKey(res.json().id);
    const stored = await direct.fetch(objectUrl(key));
    expect(stored.status).toBe(200);
    expect(Buffer.from(await stored.arrayBuffer()).equals(PHOTO)).toBe(true);
    expect(fs.existsSync(path.join(s.config.dataDir, 'evidence'))).toBe(false);
    const dl = await s.request({ method: 'GET', url: `/api/evidence/${res.json().id}/content?reason=${encodeURIComponent('Revisión fiscal')}`, cookie: supervisor });
    expect(dl.statusCode).toBe(200);
    expect(dl.rawPayload.equals(PHOTO)).toBe(true);
  });

  it('refuses to serve an object that was altered in the bucket', async () => {
    const res = await upload(freshPhoto());
    const key = await storageKey(res.json().id);
    const forged = await direct.fetch(objectUrl(key), { method: 'PUT', body: new Uint8Array(freshPhoto()) });
    expect(forged.status).toBe(200);
    const dl = await s.request({ method: 'GET', url: `/api/evidence/${res.json().id}/content?reason=${encodeURIComponent('Revisión fiscal')}`, cookie: supervisor });
    expect(dl.statusCode).toBe(409);
    expect(dl.json().code).toBe('evidence_hash_mismatch');
  });

  it('deletes the object again when the database refuses the row', async () => {
    const restore = await refuseEvidenceRows(s);
    try {
      expect((await upload(freshPhoto())).statusCode).toBe(500);
    } finally {
      await restore();
    }
    const listing = await (await direct.fetch(`http://127.0.0.1:${port}/${BUCKET}?list-type=2&prefix=${PREFIX}`)).text();
    const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
    const rows = await s.database.db.selectFrom('evidence_items').select('storage_key').execute();
    expect(keys.sort()).toEqual(rows.map((r) => `${PREFIX}${r.storage_key}`).sort());
  });

  it('answers 503 in Spanish and English and keeps nothing while the store is down; the same upload succeeds once it is back', async () => {
    const bytes = freshPhoto();
    const key = crypto.randomUUID();
    const rowsBefore = (await s.database.db.selectFrom('evidence_items').select('id').execute()).length;
    await s3.close();
    try {
      const down = await upload(bytes, key);
      expect(down.statusCode).toBe(503);
      expect(down.headers['content-type']).toContain('application/problem+json');
      expect(down.json().code).toBe('evidence_store_unavailable');
      const en = await s.centinela.app.inject({ method: 'POST', url: `/api/field/evidence?${new URLSearchParams({ incidentId, kind: 'photo', sha256: sha(bytes), capturedAt: new Date().toISOString() })}`, headers: { cookie: `centinela_session=${officer}`, 'content-type': 'application/octet-stream', 'idempotency-key': crypto.randomUUID(), 'accept-language': 'en' }, payload: bytes });
      expect(en.json().detail ?? en.json().title).toMatch(/evidence store/);
      expect((await s.database.db.selectFrom('evidence_items').select('id').execute()).length).toBe(rowsBefore);
    } finally {
      await startS3(port);
    }
    const back = await upload(bytes, key);
    expect(back.statusCode, back.body).toBe(201);
    expect(back.headers['idempotent-replayed']).toBeUndefined();
    expect((await s.database.db.selectFrom('evidence_items').select('id').execute()).length).toBe(rowsBefore + 1);
  });
});
