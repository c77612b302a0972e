import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { publishEvent } from '../../platform/realtime/outbox.js';
import { lockIncident, updateIncident } from './incident-store.js';
import { announceIncident, appendTimeline } from './timeline.js';

type Target = 'answer_to_dispatch' | 'dispatch_to_arrival';

/**
 * Raises an alert to supervisors when an incident misses its time target, once per target:
 * not dispatched within answer-to-dispatch, or no unit on scene within dispatch-to-arrival.
 */
export async function escalateOverdue(db: Kysely<DB>, now = new Date()): Promise<number> {
  const overdue = await sql<{ id: string; target: Target; seconds: number }>`
    SELECT i.id, 'answer_to_dispatch' AS target, t.answer_to_dispatch_seconds AS seconds
      FROM incidents i JOIN priority_targets t ON t.priority = i.priority
     WHERE i.status = 'received' AND i.escalated_dispatch_at IS NULL AND i.pending_cancellation IS NULL
       AND i.call_received_at + make_interval(secs => t.answer_to_dispatch_seconds) < ${now}
    UNION ALL
    SELECT i.id, 'dispatch_to_arrival', t.dispatch_to_arrival_seconds
      FROM incidents i JOIN priority_targets t ON t.priority = i.priority
     WHERE i.status IN ('dispatched', 'en_route') AND i.escalated_arrival_at IS NULL
       AND i.first_dispatched_at + make_interval(secs => t.dispatch_to_arrival_seconds) < ${now}
     LIMIT 200`.execute(db);
  let raised = 0;
  for (const o of overdue.rows) {
    const done = await db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, o.id);
      const column = o.target === 'answer_to_dispatch' ? 'escalated_dispatch_at' : 'escalated_arrival_at';
      // Another server instance may have escalated it a moment ago.
      if (row[column] !== null) return false;
      const updated = await updateIncident(tx, row, { [column]: now });
      const data = { target: o.target, targetSeconds: o.seconds, priority: row.priority, number: row.number };
      await appendTimeline(tx, SYSTEM_CONTEXT, row.id, 'escalation', data);
      await publishEvent(tx, { topic: 'alerts', kind: 'escalation', entityType: 'incident', entityId: row.id, version: updated.version, department: row.department, data });
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
