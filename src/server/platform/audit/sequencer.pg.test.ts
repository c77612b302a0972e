import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoInstances } from '../../test/test-database.js';
import { SYSTEM_CONTEXT } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { appendAudit } from './audit-log.js';
import { AuditSequencer, drainAuditQueue, sequencePending, SEQUENCER_LOCK } from './sequencer.js';
import { verifyAuditLog } from './verify.js';

// Collected only on PostgreSQL (vitest.config.ts): two server instances are two pools on one database.
let a: Database;
let b: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ a, b, close } = await twoInstances());
});
afterAll(() => close());

describe('one sequencer per database', () => {
  it('never chains an entry twice nor skips a number when two instances sequence while both write', async () => {
    await sequencePending(a.db);
    const head = await a.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    const errors: unknown[] = [];
    const fast = { pollMs: 5, busyRetryMs: 1 };
    const sequencers = [new AuditSequencer(a, (e) => errors.push(e), fast), new AuditSequencer(b, (e) => errors.push(e), fast)];
    await Promise.all(sequencers.map((s) => s.start()));
    let busy = 0;
    let written = 0;
    try {
      const deadline = Date.now() + 3_000;
      // Writers on both instances, and each instance's drains racing the other's background sequencer.
      const writer = async (db: Database, w: number) => {
        for (let i = 0; Date.now() < deadline; i++) {
          await db.db.transaction().execute((tx) => appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.two_instances', entityId: `${w}:${i}` }));
          written++;
        }
      };
      const drainer = async (db: Database) => {
        while (Date.now() < deadline) if ((await drainAuditQueue(db.db, { wait: false, batch: 3 })).busy) busy++;
      };
      await Promise.all([writer(a, 1), writer(a, 2), writer(b, 3), writer(b, 4), drainer(a), drainer(b)]);
    } finally {
      await Promise.all(sequencers.map((s) => s.stop()));
    }
    expect(errors).toEqual([]);
    expect(written).toBeGreaterThan(50);
    const rows = await a.db.selectFrom('audit_log').select(['seq', 'queue_id', 'entity_id']).where('seq', '>', head.last_seq).orderBy('seq').execute();
    expect(rows).toHaveLength(written);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: written }, (_, i) => head.last_seq + 1 + i));
    expect(new Set(rows.map((r) => r.queue_id)).size).toBe(written);
    expect(new Set(rows.map((r) => r.entity_id)).size).toBe(written);
    expect(await a.db.selectFrom('audit_queue').select('id').execute()).toEqual([]);
    expect((await verifyAuditLog(a.db)).problems).toEqual([]);
    // The lock was contended, so the test did exercise two instances at once.
    expect(busy).toBeGreaterThan(0);
  });

  it('makes a reader wait for the instance that is sequencing, then shows it every committed entry', async () => {
    await appendAudit(a.db, SYSTEM_CONTEXT, { action: 'test.behind_lock' });
    let readerDone = false;
    const reader = await b.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK[0]}, ${SEQUENCER_LOCK[1]})`.execute(tx);
      const pending = sequencePending(a.db).then(() => (readerDone = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(readerDone).toBe(false);
      return { pending };
    });
    await reader.pending;
    expect(readerDone).toBe(true);
    expect(await a.db.selectFrom('audit_log').select('seq').where('action', '=', 'test.behind_lock').execute()).toHaveLength(1);
  });

  it('flags committed entries left unchained by a stuck sequencer', async () => {
    await sequencePending(a.db);
    expect((await verifyAuditLog(a.db)).ok).toBe(true);
    const stuck = await b.pool.connect();
    try {
      // A hung instance: it holds the sequencer lock and never finishes.
      await stuck.query('BEGIN');
      await stuck.query('SELECT pg_advisory_xact_lock($1, $2)', [...SEQUENCER_LOCK]);
      await a.db.insertInto('audit_queue').values({ occurred_at: new Date(Date.now() - 120_000), queued_at: new Date(Date.now() - 120_000), actor_roles: [], action: 'test.stranded' }).execute();
      const report = await verifyAuditLog(a.db, { sequenceTimeoutMs: 300 });
      expect(report.ok).toBe(false);
      expect(report.queued).toBe(1);
      expect(report.problems).toEqual([expect.objectContaining({ kind: 'unsequenced', seq: null })]);
      expect(report.problems[0]!.detail).toMatch(/1 committed entries have waited more than 60 s/);
    } finally {
      await stuck.query('ROLLBACK');
      stuck.release();
    }
    const after = await verifyAuditLog(a.db);
    expect(after).toMatchObject({ ok: true, queued: 0 });
  });
});
