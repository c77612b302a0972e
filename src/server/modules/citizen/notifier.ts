import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { citizenDb } from './citizen.tables.js';
import { followMerges } from './merges.js';
import { deliverPending, queueOutgoing, recipientOf, type Adapters } from './outbox.js';
import { statusText } from './wording.js';

/**
 * Tells reporters about status changes: compares each report's last notified status with its
 * incident's, so a change is never missed even if the process stopped right after it committed.
 */
export async function notifyStatusChanges(db: Kysely<DB>, adapters: Adapters, limit = 100): Promise<number> {
  const changed = await sql<{ id: string }>`
    SELECT r.id FROM citizen_reports r JOIN incidents i ON i.id = r.incident_id LEFT JOIN incidents t ON t.id = i.merged_into
     WHERE COALESCE(CASE WHEN i.status = 'merged' THEN t.status END, i.status) <> r.notified_status
     ORDER BY r.created_at LIMIT ${limit}`.execute(db);
  let queued = 0;
  for (const { id } of changed.rows) {
    await db.transaction().execute(async (tx) => {
      const c = citizenDb(tx);
      const report = await c.selectFrom('citizen_reports').selectAll().where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();
      if (!report) return;
      const { status } = await followMerges(tx, report.incident_id);
      if (status === report.notified_status) return;
      await c.updateTable('citizen_reports').set({ notified_status: status }).where('id', '=', id).execute();
      const to = recipientOf(report);
      const out = to ? await queueOutgoing(tx, adapters, { reportId: id, kind: 'status', ...to, body: statusText(status) }) : null;
      await appendAudit(tx, SYSTEM_CONTEXT, { action: 'citizen.status_notified', entityType: 'citizen_report', entityId: id, changes: { from: report.notified_status, to: status, outbox: out?.id ?? null } });
      queued++;
    });
  }
  return queued;
}

/** Housekeeping: spent challenges and counters older than a day say nothing any more. */
async function prune(db: Kysely<DB>) {
  const dayAgo = new Date(Date.now() - 86_400_000);
  const c = citizenDb(db);
  await c.deleteFrom('citizen_challenges').where('expires_at', '<', dayAgo).execute();
  await c.deleteFrom('citizen_rate_events').where('at', '<', dayAgo).execute();
}

export function startCitizenNotifier(db: Kysely<DB>, adapters: Adapters, everyMs: number, onError: (e: unknown) => void) {
  let running: Promise<unknown> = Promise.resolve();
  let rounds = 0;
  const timer = setInterval(() => {
    running = running
      .then(async () => {
        await notifyStatusChanges(db, adapters);
        await deliverPending(db, adapters);
        if (rounds++ % 100 === 0) await prune(db);
      })
      .catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
