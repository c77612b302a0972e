import crypto from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AuditContext } from '../auth/principal.js';
import { notifyOnCommit } from '../db/commit-signals.js';
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

/** The sequencers listen here; appendAudit's commit signals it (notifyOnCommit), when the entry can be chained. */
export const AUDIT_CHANNEL = 'centinela_audit';

/**
 * appendAudit's INSERT into audit_queue (`RETURNING id`) as a part of a larger statement, for a use
 * case that writes its change, its audit entry and its events in one statement (one round trip, one
 * implicit transaction). `changes` may be completed in SQL from the statement's own rows. The caller
 * must mark that statement with `notifyOnCommit(AUDIT_CHANNEL)`.
 */
export function auditQueueInsert(ctx: AuditContext, input: AuditInput, completeChanges?: (changes: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<{ id: number }> {
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(normalise(v)));
  const changes = sql<unknown>`${json(input.changes)}::jsonb`;
  return sql<{ id: number }>`
      INSERT INTO audit_queue (occurred_at, actor_id, actor_username, actor_roles, actor_token_id, action, entity_type, entity_id,
                               changes, reason, request_id, client_ip)
      VALUES (${new Date().toISOString()}::timestamptz, ${ctx.actorId}::uuid, ${ctx.actorUsername}::text, ${[...ctx.actorRoles]}::text[],
              ${ctx.actorTokenId}::uuid, ${input.action}::text, ${input.entityType ?? null}::text, ${input.entityId ?? null}::text,
              ${completeChanges ? completeChanges(changes) : changes}, ${json(input.reason)}::jsonb, ${ctx.requestId}::text, ${ctx.clientIp}::text)
      RETURNING id`;
}

/**
 * Appends an audit entry inside the caller's transaction, so the entry exists if and only if the
 * change it records was committed. It goes to `audit_queue` (no lock shared with other writers);
 * the sequencer (sequencer.ts) numbers, hashes and chains it into `audit_log` a few milliseconds
 * after commit, woken by the commit signal marked here. Returns the entry's queue id (not its seq).
 */
export async function appendAudit(tx: Transaction<DB> | Kysely<DB>, ctx: AuditContext, input: AuditInput): Promise<number> {
  const r = await sql<{ id: number }>`${notifyOnCommit(AUDIT_CHANNEL)}WITH q AS (${auditQueueInsert(ctx, input)}) SELECT id FROM q`.execute(tx);
  const id = r.rows[0]?.id;
  if (id === undefined) throw new Error('appendAudit: the queue insert returned no id');
  return Number(id);
}
