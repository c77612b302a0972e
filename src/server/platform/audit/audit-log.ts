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
 * JCS sorts keys and "seq" sorts last among an entry's keys, so the canonical text of an entry is
 * the canonical text of everything else with `,"seq":N}` appended: the database can finish it once
 * it knows N, under the chain-head lock, in the same statement.
 */
export function canonicalPrefix(content: Omit<AuditEntryContent, 'seq'>): string {
  return canonicalize(content).slice(0, -1);
}

/**
 * Appends an audit entry inside the caller's transaction, so the entry exists if and only if the
 * change it records was committed. One statement locks the chain head, numbers the entry, hashes it
 * (PostgreSQL's sha256, the same bytes as `chainHash`/`leafHashOf`) and moves the head: the lock is
 * held from here to commit, so call it as the transaction's last write.
 */
export async function appendAudit(tx: Transaction<DB> | Kysely<DB>, ctx: AuditContext, input: AuditInput): Promise<number> {
  const content: Omit<AuditEntryContent, 'seq'> = {
    occurredAt: new Date().toISOString(),
    actor: { id: ctx.actorId, username: ctx.actorUsername, roles: [...ctx.actorRoles], tokenId: ctx.actorTokenId },
    action: input.action,
    entity: { type: input.entityType ?? null, id: input.entityId ?? null },
    changes: normalise(input.changes),
    reason: normalise(input.reason),
    requestId: ctx.requestId,
    clientIp: ctx.clientIp,
  };
  const prefix = canonicalPrefix(content);
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  const r = await sql<{ seq: number }>`
    WITH head AS (SELECT last_seq, last_hash FROM audit_head FOR UPDATE),
    entry AS (SELECT last_seq + 1 AS seq, last_hash AS prev_hash, ${prefix}::text || ',"seq":' || (last_seq + 1)::text || '}' AS canonical FROM head),
    ins AS (
      INSERT INTO audit_log (seq, occurred_at, actor_id, actor_username, actor_roles, actor_token_id, action, entity_type, entity_id,
                             changes, reason, request_id, client_ip, prev_hash, entry_hash, leaf_hash)
      SELECT seq, ${content.occurredAt}::timestamptz, ${content.actor.id}::uuid, ${content.actor.username}::text, ${content.actor.roles}::text[],
             ${content.actor.tokenId}::uuid, ${content.action}::text, ${content.entity.type}::text, ${content.entity.id}::text,
             ${json(content.changes)}::jsonb, ${json(content.reason)}::jsonb, ${content.requestId}::text, ${content.clientIp}::text, prev_hash,
             encode(sha256(convert_to(prev_hash || E'\\n' || canonical, 'UTF8')), 'hex'),
             encode(sha256('\\x00'::bytea || convert_to(canonical, 'UTF8')), 'hex')
        FROM entry
      RETURNING seq, entry_hash)
    UPDATE audit_head SET last_seq = ins.seq, last_hash = ins.entry_hash FROM ins RETURNING ins.seq AS seq`.execute(tx);
  const seq = r.rows[0]?.seq;
  if (seq === undefined) throw new Error('audit_head row is missing: the audit migration did not run');
  return Number(seq);
}
