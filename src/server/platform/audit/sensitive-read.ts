import { sql, type Kysely } from 'kysely';
import type { AuditContext } from '../auth/principal.js';
import type { DB } from '../db/schema.js';
import { appendAudit } from './audit-log.js';

/**
 * Records that a person read a record marked sensitive (a caller's phone number, an account's
 * e-mail). Repeat views of the same fields by the same person within `throttleSeconds` are one entry:
 * a console that refreshes an open incident must not bury the log in copies of the same fact. A read
 * of other fields (a second caller's number) is a new fact and always recorded.
 */
export async function recordSensitiveRead(
  db: Kysely<DB>,
  ctx: AuditContext,
  read: { entityType: string; entityId: string; fields: string[]; throttleSeconds?: number },
): Promise<void> {
  const action = `${read.entityType}.sensitive_read`;
  const fields = JSON.stringify(read.fields);
  const sameFields = sql<boolean>`changes -> 'fields' = ${fields}::jsonb`;
  const since = new Date(Date.now() - (read.throttleSeconds ?? 600) * 1000);
  if (ctx.actorId && read.throttleSeconds !== 0) {
    // A view recorded moments ago may still wait in the queue to be chained: look in both.
    const recent = await db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', read.entityType)
      .where('entity_id', '=', read.entityId)
      .where('action', '=', action)
      .where('actor_id', '=', ctx.actorId)
      .where('occurred_at', '>=', since)
      .where(sameFields)
      .unionAll(
        db
          .selectFrom('audit_queue')
          .select('action')
          .where('entity_type', '=', read.entityType)
          .where('entity_id', '=', read.entityId)
          .where('action', '=', action)
          .where('actor_id', '=', ctx.actorId)
          .where('occurred_at', '>=', since)
          .where(sameFields),
      )
      .limit(1)
      .executeTakeFirst();
    if (recent) return;
  }
  await db.transaction().execute((tx) => appendAudit(tx, ctx, { action, entityType: read.entityType, entityId: read.entityId, changes: { fields: read.fields } }));
}
