import crypto from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AuditContext } from '../auth/principal.js';
import { canonicalize } from './canonical-json.js';
import { leafHash } from './merkle.js';

export const GENESIS_HASH = crypto.createHash('sha256').update('').digest('hex');

export type AuditInput = {
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  changes?: unknown;
  reason?: { code: string; text: string; approvedBy?: string } | null;
};

/** The fields of an entry that are hashed; the order of keys does not matter (RFC 8785 sorts them). */
export type AuditEntryContent = {
  seq: number;
  occurredAt: string;
  actor: { id: string | null; username: string | null; roles: string[]; tokenId: string | null };
  action: string;
  entity: { type: string | null; id: string | null };
  changes: unknown;
  reason: unknown;
  requestId: string | null;
  clientIp: string | null;
};

/** Rebuilds the hashed content from a stored row, exactly as `appendAudit` built it. */
export function contentOfRow(row: {
  seq: number;
  occurred_at: Date;
  actor_id: string | null;
  actor_username: string | null;
  actor_roles: string[];
  actor_token_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  changes: unknown;
  reason: unknown;
  request_id: string | null;
  client_ip: string | null;
}): AuditEntryContent {
  return {
    seq: Number(row.seq),
    occurredAt: row.occurred_at.toISOString(),
    actor: { id: row.actor_id, username: row.actor_username, roles: row.actor_roles, tokenId: row.actor_token_id },
    action: row.action,
    entity: { type: row.entity_type, id: row.entity_id },
    changes: row.changes ?? null,
    reason: row.reason ?? null,
    requestId: row.request_id,
    clientIp: row.client_ip,
  };
}

/** Chain link: each entry's hash commits to its content and to the previous entry's hash. */
export function chainHash(prevHash: string, content: AuditEntryContent): string {
  return crypto.createHash('sha256').update(prevHash).update('\n').update(canonicalize(content)).digest('hex');
}

export function leafHashOf(content: AuditEntryContent): string {
  return leafHash(Buffer.from(canonicalize(content), 'utf8')).toString('hex');
}

// JSON values are normalised (undefined dropped, Dates as strings) so that what is stored is what was hashed.
const normalise = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

/**
 * Appends an audit entry inside the caller's transaction, so the entry exists if and only if the
 * change it records was committed. Locks the chain head: appends are serialised.
 */
export async function appendAudit(tx: Transaction<DB> | Kysely<DB>, ctx: AuditContext, input: AuditInput): Promise<number> {
  const head = await sql<{ last_seq: number; last_hash: string }>`
    SELECT last_seq, last_hash FROM audit_head FOR UPDATE`.execute(tx);
  const last = head.rows[0];
  if (!last) throw new Error('audit_head row is missing: the audit migration did not run');
  const content: AuditEntryContent = {
    seq: Number(last.last_seq) + 1,
    occurredAt: new Date().toISOString(),
    actor: { id: ctx.actorId, username: ctx.actorUsername, roles: [...ctx.actorRoles], tokenId: ctx.actorTokenId },
    action: input.action,
    entity: { type: input.entityType ?? null, id: input.entityId ?? null },
    changes: normalise(input.changes),
    reason: normalise(input.reason),
    requestId: ctx.requestId,
    clientIp: ctx.clientIp,
  };
  const entryHash = chainHash(last.last_hash, content);
  await tx
    .insertInto('audit_log')
    .values({
      seq: content.seq,
      occurred_at: content.occurredAt,
      actor_id: content.actor.id,
      actor_username: content.actor.username,
      actor_roles: content.actor.roles,
      actor_token_id: content.actor.tokenId,
      action: content.action,
      entity_type: content.entity.type,
      entity_id: content.entity.id,
      changes: content.changes === null ? null : JSON.stringify(content.changes),
      reason: content.reason === null ? null : JSON.stringify(content.reason),
      request_id: content.requestId,
      client_ip: content.clientIp,
      prev_hash: last.last_hash,
      entry_hash: entryHash,
      leaf_hash: leafHashOf(content),
    })
    .execute();
  await tx.updateTable('audit_head').set({ last_seq: content.seq, last_hash: entryHash }).execute();
  return content.seq;
}
