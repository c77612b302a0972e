import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/db/schema.js';
import { contentOfRow } from '../../platform/audit/audit-log.js';
import { sequencePending } from '../../platform/audit/sequencer.js';

export const auditEntrySchema = z.object({
  seq: z.number(),
  occurredAt: z.string(),
  actor: z.object({ id: z.string().nullable(), username: z.string().nullable(), roles: z.array(z.string()), tokenId: z.string().nullable() }),
  action: z.string(),
  entity: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  changes: z.unknown(),
  reason: z.unknown(),
  requestId: z.string().nullable(),
  clientIp: z.string().nullable(),
  prevHash: z.string(),
  entryHash: z.string(),
  leafHash: z.string(),
});

type Row = Parameters<typeof contentOfRow>[0] & { prev_hash: string; entry_hash: string; leaf_hash: string };

export const presentEntry = (r: Row) => ({ ...contentOfRow(r), prevHash: r.prev_hash, entryHash: r.entry_hash, leafHash: r.leaf_hash });

export type AuditFilter = {
  actor?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: string;
  to?: string;
  beforeSeq?: number;
  limit: number;
};

/** Newest first; `action` matches as a prefix so "auth." finds every authentication event. */
export async function listAuditEntries(db: Kysely<DB>, f: AuditFilter) {
  await sequencePending(db);
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(f.limit + 1);
  if (f.actor) q = q.where('actor_username', '=', f.actor);
  if (f.action) q = q.where('action', 'like', `${f.action.replace(/[\\%_]/g, '\\$&')}%`);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.from) q = q.where('occurred_at', '>=', new Date(f.from));
  if (f.to) q = q.where('occurred_at', '<', new Date(f.to.length === 10 ? Date.parse(f.to) + 86_400_000 : f.to));
  if (f.beforeSeq) q = q.where('seq', '<', f.beforeSeq);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  return { items: page.map(presentEntry), nextBeforeSeq: rows.length > f.limit ? (page.at(-1)?.seq ?? null) : null };
}
