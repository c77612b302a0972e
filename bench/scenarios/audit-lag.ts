import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/server/platform/db/schema.js';
import { summarize, type Summary } from '../lib/stats.js';

/**
 * 1c. How long committed audit entries waited to be chained: from occurred_at (stamped by appendAudit,
 * the transaction's second-to-last statement, so a hair before commit) to the sequencer's insert
 * into audit_log (sequenced_at), for the incident.created entries of a time window.
 */
export async function auditChainLag(db: Kysely<DB>, window: { fromMs: number; toMs: number }): Promise<Summary> {
  const { rows } = await sql<{ ms: number }>`
    SELECT extract(epoch FROM sequenced_at - occurred_at) * 1000 AS ms FROM audit_log
     WHERE action = 'incident.created' AND sequenced_at IS NOT NULL
       AND occurred_at BETWEEN to_timestamp(${window.fromMs / 1000}) AND to_timestamp(${window.toMs / 1000})`.execute(db);
  return summarize(rows.map((r) => Number(r.ms)).sort((a, b) => a - b));
}
