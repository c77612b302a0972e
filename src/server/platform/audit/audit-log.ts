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

// Chain link: each entry's hash commits to its content and to the previous entry's hash.
const chainOfText = (prevHash: string, text: string) => crypto.createHash('sha256').update(prevHash).update('\n').update(text).digest('hex');
const leafOfText = (text: string) => leafHash(Buffer.from(text, 'utf8')).toString('hex');

export function chainHash(prevHash: string, content: AuditEntryContent): string {
  return chainOfText(prevHash, canonicalize(content));
}

export function leafHashOf(content: AuditEntryContent): string {
  return leafOfText(canonicalize(content));
}

/** chainHash and leafHashOf of one entry from one canonical text (the sequencer's loop). */
export function entryHashes(prevHash: string, content: AuditEntryContent): { entry: string; leaf: string } {
  const text = canonicalize(content);
  return { entry: chainOfText(prevHash, text), leaf: leafOfText(text) };
}

/** The sequencers listen here; appendAudit's commit signals it (notifyOnCommit), when the entry can be chained. */
export const AUDIT_CHANNEL = 'centinela_audit';

/** An audit entry as an `audit_queue` row in JSON (column names as keys), for `auditQueueInsertFrom`. */
export type AuditQueueRow = ReturnType<typeof auditQueueRow>;
export function auditQueueRow(ctx: AuditContext, input: AuditInput) {
  // JSON.stringify of the row drops undefined and writes Dates as strings: what is stored is what is hashed.
  return {
    occurred_at: new Date().toISOString(),
    actor_id: ctx.actorId,
    actor_username: ctx.actorUsername,
    actor_roles: [...ctx.actorRoles],
    actor_token_id: ctx.actorTokenId,
    action: input.action,
    entity_type: input.entityType ?? null,
    entity_id: input.entityId ?? null,
    changes: input.changes ?? null,
    reason: input.reason ?? null,
    request_id: ctx.requestId,
    client_ip: ctx.clientIp,
  };
}

/**
 * appendAudit's INSERT into audit_queue (`RETURNING id`), one entry per row of `from`, each an
 * `auditQueueRow` in JSON at `record`: the one definition of an entry's columns, for one entry or for
 * a statement that writes many changes with their entries and events (one round trip, one implicit
 * transaction). `changes` may be completed in SQL from the statement's own rows. The caller must mark
 * that statement with `notifyOnCommit(AUDIT_CHANNEL)`.
 */
export function auditQueueInsertFrom(from: RawBuilder<unknown>, record: RawBuilder<unknown>, completeChanges?: (changes: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<{ id: number }> {
  const changes = sql<unknown>`a.changes`;
  return sql<{ id: number }>`
      INSERT INTO audit_queue (occurred_at, actor_id, actor_username, actor_roles, actor_token_id, action, entity_type, entity_id,
                               changes, reason, request_id, client_ip)
      SELECT a.occurred_at, a.actor_id, a.actor_username, a.actor_roles, a.actor_token_id, a.action, a.entity_type, a.entity_id,
             ${completeChanges ? completeChanges(changes) : changes}, a.reason, a.request_id, a.client_ip
        FROM ${from} CROSS JOIN LATERAL jsonb_populate_record(NULL::audit_queue, ${record}) a
      RETURNING id`;
}

/** One entry's INSERT into audit_queue (`RETURNING id`): appendAudit's, through the same definition. */
function auditQueueInsert(ctx: AuditContext, input: AuditInput): RawBuilder<{ id: number }> {
  return auditQueueInsertFrom(sql`(SELECT ${JSON.stringify(auditQueueRow(ctx, input))}::jsonb AS entry) AS one`, sql`one.entry`);
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

/** Appends many entries in one statement, as `appendAudit` does one (a bulk write such as a seed). */
export async function appendAudits(tx: Transaction<DB> | Kysely<DB>, ctx: AuditContext, inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const entries = JSON.stringify(inputs.map((input) => auditQueueRow(ctx, input)));
  await sql`${notifyOnCommit(AUDIT_CHANNEL)}WITH q AS (${auditQueueInsertFrom(sql`jsonb_array_elements(${entries}::jsonb) AS e(entry)`, sql`e.entry`)}) SELECT count(*) FROM q`.execute(tx);
}
