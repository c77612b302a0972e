import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/test-database.js';
import { SYSTEM_CONTEXT } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { appendAudit } from './audit-log.js';
import { AuditSequencer, drainAuditQueue, sequencePending } from './sequencer.js';
import { verifyAuditLog } from './verify.js';

let database: Database;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const chained = (action: string) => database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
const queued = async () => (await database.db.selectFrom('audit_queue').select('id').execute()).length;

describe('the audit queue and its sequencer', () => {
  it('chains entries appended by many concurrent transactions into a gap-free log that verifies', async () => {
    await sequencePending(database.db);
    const head = await database.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    const writers = 40;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        database.db.transaction().execute(async (tx) => {
          await appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.concurrent', entityType: 'test', entityId: `w${i}`, changes: { i, note: 'ñandú «quoted»' } });
          await appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.concurrent', entityType: 'test', entityId: `w${i}-second` });
        }),
      ),
    );
    // Drains racing each other, as the background sequencer and a reader's flush would.
    await Promise.all([sequencePending(database.db), drainAuditQueue(database.db, { wait: false, batch: 7 }), sequencePending(database.db)]);
    await sequencePending(database.db);

    const rows = await chained('test.concurrent');
    expect(rows).toHaveLength(writers * 2);
    expect(new Set(rows.map((r) => r.entity_id)).size).toBe(writers * 2);
    const all = await database.db.selectFrom('audit_log').select(['seq', 'queue_id']).where('seq', '>', head.last_seq).orderBy('seq').execute();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: all.length }, (_, i) => head.last_seq + 1 + i));
    expect(new Set(all.map((r) => r.queue_id)).size).toBe(all.length);
    expect(await queued()).toBe(0);
    const report = await verifyAuditLog(database.db);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, queued: 0 });
  });

  it('leaves no entry, queued or chained, for a rolled-back transaction', async () => {
    await expect(
      database.db.transaction().execute(async (tx) => {
        await appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.doomed' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await database.db.selectFrom('audit_queue').select('id').where('action', '=', 'test.doomed').execute()).toEqual([]);
    await sequencePending(database.db);
    expect(await chained('test.doomed')).toEqual([]);
    expect((await verifyAuditLog(database.db)).ok).toBe(true);
  });

  it('chains an entry within moments of its commit, woken by the commit and not by a poll', async () => {
    const sequencer = new AuditSequencer(database, (e) => {
      throw e;
    }, { pollMs: 600_000, busyRetryMs: 10 });
    await sequencer.start();
    try {
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        await database.db.transaction().execute((tx) => appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.prompt', entityId: String(i) }));
        const committed = Date.now();
        for (;;) {
          const row = await database.db.selectFrom('audit_log').select('seq').where('action', '=', 'test.prompt').where('entity_id', '=', String(i)).executeTakeFirst();
          if (row) break;
          if (Date.now() - committed > 5_000) throw new Error(`entry ${i} not chained 5 s after commit`);
          await new Promise((r) => setTimeout(r, 2));
        }
        latencies.push(Date.now() - committed);
      }
      // Generous for a shared 2-core machine; typically a few milliseconds.
      expect(Math.max(...latencies)).toBeLessThan(1_000);
      console.log(`commit → chained (ms, polled every 2 ms): ${latencies.join(', ')}`);
    } finally {
      await sequencer.stop();
    }
  });

  it('chains a burst of commits in one drain per interval rather than one drain per commit', async () => {
    const sequencer = new AuditSequencer(database, (e) => {
      throw e;
    }, { pollMs: 600_000, busyRetryMs: 10, minIntervalMs: 150 });
    await sequencer.start();
    try {
      const before = sequencer.drains;
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) await database.db.transaction().execute((tx) => appendAudit(tx, SYSTEM_CONTEXT, { action: 'test.burst', entityId: String(i) }));
      while ((await chained('test.burst')).length < 20) {
        if (Date.now() - t0 > 5_000) throw new Error('burst not chained within 5 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      const drains = sequencer.drains - before;
      expect(drains).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 150) + 1);
      expect(drains).toBeLessThan(20);
      expect((await verifyAuditLog(database.db)).ok).toBe(true);
    } finally {
      await sequencer.stop();
    }
  });

  it('refuses to edit, truncate or drop an entry that waits in the queue', async () => {
    await appendAudit(database.db, SYSTEM_CONTEXT, { action: 'test.waiting' });
    await expect(sql`UPDATE audit_queue SET action = 'test.innocent' WHERE action = 'test.waiting'`.execute(database.db)).rejects.toThrow(/only by being chained/);
    await expect(sql`DELETE FROM audit_queue WHERE action = 'test.waiting'`.execute(database.db)).rejects.toThrow(/only by being chained/);
    await appendAudit(database.db, SYSTEM_CONTEXT, { action: 'test.waiting.too' });
    await expect(sql`DELETE FROM audit_queue`.execute(database.db)).rejects.toThrow(/only by being chained/);
    expect(await database.db.selectFrom('audit_queue').select('id').where('action', 'like', 'test.waiting%').execute()).toHaveLength(2);
    await expect(sql`TRUNCATE audit_queue`.execute(database.db)).rejects.toThrow(/append-only/);
    await sequencePending(database.db);
    expect(await chained('test.waiting')).toHaveLength(1);
    expect(await chained('test.waiting.too')).toHaveLength(1);
    expect(await queued()).toBe(0);
  });

  it('stores and hashes exactly what was appended, as verification recomputes it', async () => {
    const changes = { before: { n: 1.5, s: 'línea\nnueva' }, after: { n: 2, list: [3, 'dos', null], nested: { z: true, a: false } } };
    await database.db.transaction().execute((tx) =>
      appendAudit(tx, { ...SYSTEM_CONTEXT, actorUsername: 'tester', actorRoles: ['auditor', 'administrator'], requestId: 'req-1', clientIp: '10.0.0.1' }, {
        action: 'test.content',
        entityType: 'thing',
        entityId: 'x1',
        changes,
        reason: { code: 'other', text: 'porque sí, con tilde' },
      }),
    );
    await sequencePending(database.db);
    const [row] = await chained('test.content');
    expect(row).toMatchObject({ actor_username: 'tester', actor_roles: ['auditor', 'administrator'], entity_type: 'thing', request_id: 'req-1', client_ip: '10.0.0.1', changes, reason: { code: 'other', text: 'porque sí, con tilde' } });
    expect(row!.sequenced_at!.getTime()).toBeGreaterThanOrEqual(row!.occurred_at.getTime());
    expect((await verifyAuditLog(database.db)).ok).toBe(true);
  });
});
