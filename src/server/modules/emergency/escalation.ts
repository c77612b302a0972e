import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { publishEvent } from '../../platform/realtime/outbox.js';
import { lockIncident, updateIncident } from './incident-store.js';
import { announceIncident, appendTimeline } from './timeline.js';

type Target = 'answer_to_dispatch' | 'dispatch_to_arrival';

/**
 * Incidents past a time target and not yet escalated for it: not dispatched within answer-to-dispatch
 * (from the call, or from the reopening), or no unit on scene within dispatch-to-arrival (from the
 * first dispatch, or the first after the reopening). `id` narrows it to one incident. One whose
 * cancellation awaits a supervisor is still active, so it still escalates.
 */
const overdue = (now: Date, id?: string) => sql<{ id: string; target: Target; seconds: number }>`
    SELECT i.id, 'answer_to_dispatch' AS target, t.answer_to_dispatch_seconds AS seconds
      FROM incidents i JOIN priority_targets t ON t.priority = i.priority
     WHERE i.status = 'received' AND i.escalated_dispatch_at IS NULL
       AND coalesce(i.reopened_at, i.call_received_at) + make_interval(secs => t.answer_to_dispatch_seconds) < ${now}
       ${id ? sql`AND i.id = ${id}` : sql``}
    UNION ALL
    SELECT i.id, 'dispatch_to_arrival', t.dispatch_to_arrival_seconds
      FROM incidents i JOIN priority_targets t ON t.priority = i.priority
     WHERE i.status IN ('dispatched', 'en_route') AND i.escalated_arrival_at IS NULL
       AND CASE WHEN i.reopened_at IS NULL THEN i.first_dispatched_at ELSE coalesce(i.redispatched_at, i.reopened_at) END
           + make_interval(secs => t.dispatch_to_arrival_seconds) < ${now}
       ${id ? sql`AND i.id = ${id}` : sql``}
     LIMIT 200`;

/**
 * Raises an alert to supervisors when an incident misses its time target, once per target and
 * episode (a reopening starts a new one).
 */
export async function escalateOverdue(db: Kysely<DB>, now = new Date()): Promise<number> {
  const found = await overdue(now).execute(db);
  let raised = 0;
  for (const o of found.rows) {
    const done = await db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, o.id);
      // Read again under the lock: dispatched, cancelled, re-prioritised or escalated by another instance meanwhile.
      const still = (await overdue(now, o.id).execute(tx)).rows.find((r) => r.target === o.target);
      if (!still) return false;
      const column = o.target === 'answer_to_dispatch' ? 'escalated_dispatch_at' : 'escalated_arrival_at';
      const updated = await updateIncident(tx, row, { [column]: now });
      const data = { target: o.target, targetSeconds: still.seconds, priority: row.priority, number: row.number };
      await appendTimeline(tx, SYSTEM_CONTEXT, row.id, 'escalation', data);
      // The alert also says when it was raised: a console that was offline shows that time, not when it got it.
      await publishEvent(tx, { topic: 'alerts', kind: 'escalation', entityType: 'incident', entityId: row.id, version: updated.version, department: row.department, data: { ...data, raisedAt: now.toISOString() } });
      await announceIncident(tx, updated, 'updated');
      await appendAudit(tx, SYSTEM_CONTEXT, { action: 'incident.escalated', entityType: 'incident', entityId: row.id, changes: data });
      return true;
    });
    if (done) raised++;
  }
  return raised;
}

export function startEscalation(db: Kysely<DB>, everyMs: number, onError: (e: unknown) => void) {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => escalateOverdue(db)).catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
