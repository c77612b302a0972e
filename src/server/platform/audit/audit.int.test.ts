import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditVerify } from '../../../../scripts/audit-verify.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import type { DB } from '../db/schema.js';
import { appendAudit, chainHash, contentOfRow, leafHashOf } from './audit-log.js';
import { verifyCheckpoint, parseWitnessFile } from './checkpoint.js';
import { verifyConsistency, verifyInclusion } from './merkle.js';
import { verifyAuditLog, type VerificationReport } from './verify.js';
import { SYSTEM_CONTEXT } from '../auth/principal.js';
import { sequencePending } from './sequencer.js';

let s: TestServer;
let auditor: string;

beforeAll(async () => {
  s = await createTestServer();
  auditor = await s.loginAs('auditor');
  const admin = await s.loginAs('administrator');
  for (let i = 0; i < 5; i++) {
    const res = await s.request({
      method: 'POST',
      url: '/api/users',
      cookie: admin,
      body: { username: `agent${i}`, displayName: `Agente ${i}`, password: 'Segura-Clave-2026!', roles: ['field_officer'] },
    });
    expect(res.statusCode).toBe(201);
  }
  await s.centinela.checkpoint();
});
afterAll(() => s.close());

const Rollback = class extends Error {};

/** Tampers inside a transaction (as a superuser, triggers off), verifies, then rolls everything back. */
async function tamperAndVerify(tamper: (tx: Transaction<DB>) => Promise<void>): Promise<VerificationReport> {
  let report: VerificationReport | undefined;
  await s.database.db
    .transaction()
    .execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await tamper(tx);
      report = await verifyAuditLog(tx);
      // One entry per read puts every entry at a batch boundary, two shifts them by one: the same report.
      for (const batch of [1, 2]) expect(await verifyAuditLog(tx, { batch })).toEqual(report);
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return report!;
}

/** Renumbers entries >= from by delta in two steps so the primary key never collides. */
async function shift(tx: Transaction<DB>, from: number, delta: number) {
  await sql`UPDATE audit_log SET seq = -seq WHERE seq >= ${from}`.execute(tx);
  await sql`UPDATE audit_log SET seq = -seq + ${delta} WHERE seq < 0`.execute(tx);
}

describe('tamper-evident audit log', () => {
  it('verifies clean after real activity, with a signed checkpoint', async () => {
    const report = await verifyAuditLog(s.database.db);
    expect(await verifyAuditLog(s.database.db, { batch: 2 })).toEqual(report);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entries).toBeGreaterThan(20);
    expect(report.checkpoints).toBe(2); // one signed at start, one forced in beforeAll
  });

  it('appends the entry in the same transaction as the change: a rolled-back change leaves no entry', async () => {
    await sequencePending(s.database.db);
    const before = await s.database.db.selectFrom('audit_head').select('last_seq').executeTakeFirstOrThrow();
    await expect(
      s.database.db.transaction().execute(async (tx) => {
        await appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.doomed' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    await sequencePending(s.database.db);
    const after = await s.database.db.selectFrom('audit_head').select('last_seq').executeTakeFirstOrThrow();
    expect(after.last_seq).toBe(before.last_seq);
    expect(await s.database.db.selectFrom('audit_log').select('seq').where('action', '=', 'test.doomed').execute()).toEqual([]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit table at the database', async () => {
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(s.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 1`.execute(s.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(s.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_checkpoints`.execute(s.database.db)).rejects.toThrow(/append-only/);
  });

  it('detects a modified entry', async () => {
    const r = await tamperAndVerify(async (tx) => {
      await sql`UPDATE audit_log SET actor_username = 'someone_else' WHERE seq = 7`.execute(tx);
    });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ kind: 'modified', seq: 7 });
  });

  it('detects a modified entry whose hashes were recomputed, by the next link and the signed checkpoint', async () => {
    const r = await tamperAndVerify(async (tx) => {
      const row = await tx.selectFrom('audit_log').selectAll().where('seq', '=', 7).executeTakeFirstOrThrow();
      const forged = { ...row, action: 'user.innocent' };
      const content = contentOfRow(forged);
      await sql`UPDATE audit_log SET action = ${forged.action}, entry_hash = ${chainHash(row.prev_hash, content)}, leaf_hash = ${leafHashOf(content)} WHERE seq = 7`.execute(tx);
    });
    expect(r.problems[0]).toMatchObject({ kind: 'modified', seq: 7 });
    expect(r.problems.some((p) => p.kind === 'checkpoint')).toBe(true);
  });

  it('detects a deleted entry', async () => {
    const r = await tamperAndVerify(async (tx) => {
      await sql`DELETE FROM audit_log WHERE seq = 9`.execute(tx);
    });
    expect(r.problems[0]).toMatchObject({ kind: 'deleted', seq: 9 });
  });

  it('detects a deleted entry even when later entries were renumbered to close the gap', async () => {
    const r = await tamperAndVerify(async (tx) => {
      await sql`DELETE FROM audit_log WHERE seq = 9`.execute(tx);
      await shift(tx, 10, -1);
    });
    expect(r.problems[0]).toMatchObject({ kind: 'deleted', seq: 9 });
  });

  it('detects entries cut off the end of the log through the signed checkpoint', async () => {
    const size = (await verifyAuditLog(s.database.db)).entries;
    const r = await tamperAndVerify(async (tx) => {
      await sql`DELETE FROM audit_log WHERE seq > ${size - 3}`.execute(tx);
    });
    expect(r.problems.some((p) => p.kind === 'deleted')).toBe(true);
  });

  it('detects an inserted entry, even one forged with a valid hash', async () => {
    const r = await tamperAndVerify(async (tx) => {
      const prev = await tx.selectFrom('audit_log').selectAll().where('seq', '=', 10).executeTakeFirstOrThrow();
      await shift(tx, 11, 1);
      const content = { ...contentOfRow(prev), seq: 11, action: 'user.forged' };
      await tx
        .insertInto('audit_log')
        .values({
          ...prev,
          seq: 11,
          queue_id: null, // a forged row has no queued original (and one queue entry is chained once)
          action: 'user.forged',
          changes: JSON.stringify(prev.changes),
          reason: JSON.stringify(prev.reason),
          prev_hash: prev.entry_hash,
          entry_hash: chainHash(prev.entry_hash, content),
          leaf_hash: leafHashOf(content),
        })
        .execute();
    });
    expect(r.problems[0]).toMatchObject({ kind: 'inserted', seq: 11 });
  });

  it('detects an inserted entry whose hash matches nothing, by the entry after it', async () => {
    const r = await tamperAndVerify(async (tx) => {
      const prev = await tx.selectFrom('audit_log').selectAll().where('seq', '=', 10).executeTakeFirstOrThrow();
      await shift(tx, 11, 1);
      await tx
        .insertInto('audit_log')
        .values({ ...prev, seq: 11, queue_id: null, action: 'user.forged', changes: JSON.stringify(prev.changes), reason: JSON.stringify(prev.reason), prev_hash: prev.entry_hash, entry_hash: 'f'.repeat(64) })
        .execute();
    });
    expect(r.problems[0]).toMatchObject({ kind: 'inserted', seq: 11 });
  });

  it('counts and flags an entry moved below 1 or beyond 2^53, whatever the batch size', async () => {
    const size = (await verifyAuditLog(s.database.db)).entries;
    for (const seq of ['-5', '9007199254740993']) {
      const r = await tamperAndVerify(async (tx) => {
        await sql`UPDATE audit_log SET seq = ${seq}::bigint WHERE seq = 4`.execute(tx);
      });
      expect(r.entries, seq).toBe(size);
      expect(r.ok).toBe(false);
    }
  });

  it('detects reordered entries', async () => {
    const r = await tamperAndVerify(async (tx) => {
      await sql`UPDATE audit_log SET seq = -1 WHERE seq = 12`.execute(tx);
      await sql`UPDATE audit_log SET seq = 12 WHERE seq = 13`.execute(tx);
      await sql`UPDATE audit_log SET seq = 13 WHERE seq = -1`.execute(tx);
    });
    expect(r.problems[0]).toMatchObject({ kind: 'reordered', seq: 12 });
  });
});

describe('checkpoints and proofs over HTTP', () => {
  it('serves a signed checkpoint whose signature verifies with the published key', async () => {
    const res = await s.request({ method: 'GET', url: '/api/audit/checkpoint', cookie: auditor });
    expect(res.statusCode).toBe(200);
    const cp = res.json();
    expect(verifyCheckpoint(cp, cp.publicKeyPem)).toBe(true);
    expect(verifyCheckpoint({ ...cp, treeSize: cp.treeSize + 1 }, cp.publicKeyPem)).toBe(false);
  });

  it('proves an entry is included in the checkpointed tree (RFC 9162)', async () => {
    const cp = (await s.request({ method: 'GET', url: '/api/audit/checkpoint', cookie: auditor })).json();
    const res = await s.request({ method: 'GET', url: `/api/audit/proofs/inclusion?seq=5&treeSize=${cp.treeSize}`, cookie: auditor });
    expect(res.statusCode).toBe(200);
    const p = res.json();
    const root = Buffer.from(cp.rootHash, 'base64');
    expect(p.rootHash).toBe(root.toString('hex'));
    const proof = p.proof.map((h: string) => Buffer.from(h, 'hex'));
    expect(verifyInclusion(Buffer.from(p.leafHash, 'hex'), 4, cp.treeSize, proof, root)).toBe(true);
    expect(verifyInclusion(Buffer.from(p.leafHash, 'hex'), 5, cp.treeSize, proof, root)).toBe(false);
  });

  it('proves the log only grew between two checkpoints (RFC 9162 consistency)', async () => {
    const first = (await s.request({ method: 'GET', url: '/api/audit/checkpoint', cookie: auditor })).json();
    await s.request({ method: 'GET', url: '/api/audit/entries?limit=5', cookie: auditor });
    const second = await s.centinela.checkpoint();
    expect(second!.treeSize).toBeGreaterThan(first.treeSize);
    const res = await s.request({ method: 'GET', url: `/api/audit/proofs/consistency?from=${first.treeSize}&to=${second!.treeSize}`, cookie: auditor });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.fromCheckpoint && c.toCheckpoint).toBe(true);
    const proof = c.proof.map((h: string) => Buffer.from(h, 'hex'));
    const oldRoot = Buffer.from(first.rootHash, 'base64');
    const newRoot = Buffer.from(second!.rootHash, 'base64');
    expect(verifyConsistency(first.treeSize, second!.treeSize, oldRoot, newRoot, proof)).toBe(true);
    expect(verifyConsistency(first.treeSize, second!.treeSize, newRoot, newRoot, proof)).toBe(false);
  });

  it('audits every read of the audit log, and refuses it to roles without audit access', async () => {
    const dispatcher = await s.loginAs('dispatcher');
    expect((await s.request({ method: 'GET', url: '/api/audit/entries', cookie: dispatcher })).statusCode).toBe(403);
    const res = await s.request({ method: 'GET', url: '/api/audit/entries?action=user.created&limit=3', cookie: auditor });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toHaveLength(3);
    expect(res.json().items.every((e: { action: string }) => e.action === 'user.created')).toBe(true);
    await sequencePending(s.database.db);
    const reads = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'audit.read').where('actor_username', '=', 'auditor').execute();
    expect(reads.some((r) => JSON.stringify(r.changes).includes('user.created'))).toBe(true);
  });

  it('runs the verification for an auditor and records that it ran', async () => {
    const res = await s.request({ method: 'POST', url: '/api/audit/verification', cookie: auditor });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, problems: [] });
  });
});

describe('npm run audit:verify with a witness', () => {
  it("proves the log only grew since a witness's exported checkpoint, and says so when it did not", async () => {
    const exported = await s.request({ method: 'GET', url: '/api/audit/checkpoint/export', cookie: auditor });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toContain('attachment');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-'));
    const file = path.join(dir, 'checkpoint.json');
    fs.writeFileSync(file, exported.body);
    const witnessSize = parseWitnessFile(exported.body).checkpoint.treeSize;

    await s.request({ method: 'GET', url: '/api/audit/entries', cookie: auditor });
    const lines: string[] = [];
    const good = await runAuditVerify(s.database.db, { witness: file }, (l) => lines.push(l));
    expect(good.ok).toBe(true);
    expect(good.witness).toMatchObject({ treeSize: witnessSize, consistent: true });
    const witness = parseWitnessFile(exported.body);
    expect(await verifyAuditLog(s.database.db, { witness, batch: 1 })).toEqual(await verifyAuditLog(s.database.db, { witness }));
    expect(lines.join('\n')).toContain('only grew');

    let bad: VerificationReport | undefined;
    const out: string[] = [];
    await s.database.db
      .transaction()
      .execute(async (tx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(tx);
        const row = await tx.selectFrom('audit_log').selectAll().where('seq', '=', 3).executeTakeFirstOrThrow();
        const content = { ...contentOfRow(row), action: 'rewritten' };
        // A thorough forger rewrites the whole chain after the change; only the witness can tell.
        let prev = chainHash(row.prev_hash, content);
        await sql`UPDATE audit_log SET action = 'rewritten', entry_hash = ${prev}, leaf_hash = ${leafHashOf(content)} WHERE seq = 3`.execute(tx);
        const rest = await tx.selectFrom('audit_log').selectAll().where('seq', '>', 3).orderBy('seq').execute();
        for (const r of rest) {
          const h = chainHash(prev, contentOfRow(r));
          await sql`UPDATE audit_log SET prev_hash = ${prev}, entry_hash = ${h} WHERE seq = ${r.seq}`.execute(tx);
          prev = h;
        }
        await sql`DELETE FROM audit_checkpoints`.execute(tx);
        bad = await runAuditVerify(tx, { witness: file }, (l) => out.push(l));
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    expect(bad!.ok).toBe(false);
    expect(bad!.witness?.consistent).toBe(false);
    expect(out.join('\n')).toContain('NOT consistent');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
