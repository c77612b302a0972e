import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { SignedCheckpoint } from './checkpoint.js';
import { sequencePending } from './sequencer.js';

/**
 * Leaf hashes of entries after..size in order (all by default): a proof rebuilds the tree from them
 * (O(n), fine below millions). Entries committed but not yet chained are chained first, unless the
 * caller has just done so (`chainFirst` false: the checkpointer, after currentTreeSize).
 */
export async function loadLeafHashes(db: Kysely<DB>, size?: number, after = 0, chainFirst = true): Promise<Buffer[]> {
  if (chainFirst) await sequencePending(db);
  let q = db.selectFrom('audit_log').select('leaf_hash').orderBy('seq');
  if (after > 0) q = q.where('seq', '>', after);
  if (size !== undefined) q = q.where('seq', '<=', size);
  const rows = await q.execute();
  return rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
}

/** The size of the chained log, after chaining every entry committed so far. */
export async function currentTreeSize(db: Kysely<DB>): Promise<number> {
  await sequencePending(db);
  const head = await db.selectFrom('audit_head').select('last_seq').executeTakeFirstOrThrow();
  return Number(head.last_seq);
}

type CheckpointRow = { tree_size: number; root_hash: string; origin: string; issued_at: Date; key_id: string; signature: string };

export const checkpointOfRow = (r: CheckpointRow): SignedCheckpoint => ({
  origin: r.origin,
  treeSize: Number(r.tree_size),
  rootHash: r.root_hash,
  timestamp: r.issued_at.toISOString(),
  keyId: r.key_id,
  signature: r.signature,
});

/** The newest checkpoint's row (with its frontier), no larger than `atMost` when given. */
export function latestCheckpointRow(db: Kysely<DB>, atMost?: number) {
  let q = db.selectFrom('audit_checkpoints').selectAll();
  if (atMost !== undefined) q = q.where('tree_size', '<=', atMost);
  return q.orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export async function latestCheckpoint(db: Kysely<DB>) {
  const row = await latestCheckpointRow(db);
  return row ? checkpointOfRow(row) : null;
}

export async function checkpointAt(db: Kysely<DB>, treeSize: number) {
  const row = await db.selectFrom('audit_checkpoints').selectAll().where('tree_size', '=', treeSize).executeTakeFirst();
  return row ? checkpointOfRow(row) : null;
}

export async function publicKeys(db: Kysely<DB>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('audit_signing_keys').select(['key_id', 'public_key_pem']).execute();
  return new Map(rows.map((r) => [r.key_id, r.public_key_pem]));
}
