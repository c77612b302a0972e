import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { chainHash, contentOfRow, GENESIS_HASH, leafHashOf } from './audit-log.js';
import { verifyCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { checkpointOfRow, publicKeys } from './log-store.js';
import { consistencyProof, EMPTY_FRONTIER, extendFrontier, frontierRoot, rootHash, verifyConsistency } from './merkle.js';
import { sequencePending } from './sequencer.js';

export type ProblemKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'checkpoint' | 'witness' | 'unsequenced';
export type VerificationProblem = { kind: ProblemKind; seq: number | null; detail: string };
export type VerificationReport = {
  ok: boolean;
  entries: number;
  /** Committed entries still waiting in audit_queue after the sequencing step (none when all is well). */
  queued: number;
  checkpoints: number;
  problems: VerificationProblem[];
  witness: null | { treeSize: number; consistent: boolean; currentSize: number };
};

type Row = Awaited<ReturnType<typeof loadRows>>[number];

const loadRows = (db: Kysely<DB>) => db.selectFrom('audit_log').selectAll().orderBy('seq').execute();

const MAX_SHIFT = 64;

/** The sequence number a row was written with, found by re-hashing it with nearby numbers (null: content changed). */
function originalSeq(r: Row): number | null {
  const content = contentOfRow(r);
  for (let d = 0; d <= MAX_SHIFT; d++) {
    for (const seq of d === 0 ? [content.seq] : [content.seq - d, content.seq + d]) {
      if (seq >= 1 && chainHash(r.prev_hash, { ...content, seq }) === r.entry_hash) return seq;
    }
  }
  return null;
}

/**
 * Walks the chain once and names the first entry that was modified, deleted, inserted or reordered.
 * Each entry's hash covers its content, its sequence number and its predecessor's hash, so the kind
 * of damage shows in how things break: content that matches no hash was modified; an intact entry
 * found under another number was moved, down after a deletion, up after an insertion, or elsewhere
 * when reordered; a gap in the numbers is a deletion.
 */
function walkChain(rows: Row[]): VerificationProblem | null {
  const present = new Set(rows.map((r) => r.entry_hash));
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const seq = Number(r.seq);
    if (seq !== expectedSeq) {
      return { kind: 'deleted', seq: expectedSeq, detail: `entries ${expectedSeq}..${seq - 1} are missing` };
    }
    const original = originalSeq(r);
    if (original === null) {
      const next = rows[i + 1];
      if (next && originalSeq(next) === seq) {
        return { kind: 'inserted', seq, detail: `entry ${seq} was inserted: the entry written as ${seq} now sits at ${seq + 1}` };
      }
      return { kind: 'modified', seq, detail: `entry ${seq} does not match its hash` };
    }
    if (original === seq + 1 && !present.has(r.prev_hash)) {
      return { kind: 'deleted', seq, detail: `the entry written as ${seq} was deleted and later entries renumbered` };
    }
    if (original === seq - 1) {
      return { kind: 'inserted', seq: seq - 1, detail: `entry ${seq - 1} was inserted: the entry written as ${seq - 1} now sits at ${seq}` };
    }
    if (original !== seq) {
      return { kind: 'reordered', seq, detail: `the entry at ${seq} was written as entry ${original}` };
    }
    if (r.prev_hash !== prevHash) {
      if (present.has(r.prev_hash)) return { kind: 'reordered', seq, detail: `entry ${seq} does not follow entry ${seq - 1} in the chain` };
      // Entry seq-1 matches a hash it was given after the fact: its content was changed and re-hashed.
      return { kind: 'modified', seq: seq - 1, detail: `entry ${seq - 1} was re-hashed after entry ${seq} committed to it` };
    }
    if (r.leaf_hash !== leafHashOf(contentOfRow(r))) {
      return { kind: 'modified', seq, detail: `entry ${seq} does not match its Merkle leaf hash` };
    }
    prevHash = r.entry_hash;
    expectedSeq = seq + 1;
  }
  return null;
}

/** Queued entries older than this mean the sequencer is stuck (it normally chains them within milliseconds). */
export const STUCK_QUEUE_SECONDS = 60;

/**
 * Chains what is queued, then reports committed entries the sequencer has left unchained too long: they
 * are protected only by the queue's triggers, not yet by the hash chain. Inside a caller's transaction
 * (tests that tamper and roll back) the sequencing step is skipped: it needs its own transaction.
 */
async function unsequenced(db: Kysely<DB>, stuckSeconds: number, lockTimeoutMs?: number): Promise<{ queued: number; problem: VerificationProblem | null }> {
  let failure: string | null = null;
  if (!db.isTransaction) await sequencePending(db, { lockTimeoutMs }).catch((e: unknown) => (failure = e instanceof Error ? e.message : String(e)));
  const { rows } = await sql<{ queued: number; stuck: number; oldest: Date | null }>`
    SELECT count(*)::int AS queued, (count(*) FILTER (WHERE queued_at < now() - make_interval(secs => ${stuckSeconds})))::int AS stuck,
           min(queued_at) AS oldest
      FROM audit_queue`.execute(db);
  const q = rows[0]!;
  if (q.stuck === 0) return { queued: q.queued, problem: null };
  const detail = `${q.stuck} committed entries have waited more than ${stuckSeconds} s to be chained (oldest queued at ${q.oldest?.toISOString()}): the sequencer is stuck${failure ? ` (${failure})` : ''}`;
  return { queued: q.queued, problem: { kind: 'unsequenced', seq: null, detail } };
}

/** Recomputes hashes, chain, Merkle roots and checkpoint signatures; optionally checks a witness's checkpoint. */
export async function verifyAuditLog(
  db: Kysely<DB>,
  opts: { witness?: { checkpoint: SignedCheckpoint; publicKeyPem: string }; trustedKeys?: Map<string, string>; stuckSeconds?: number; sequenceTimeoutMs?: number } = {},
): Promise<VerificationReport> {
  const queue = await unsequenced(db, opts.stuckSeconds ?? STUCK_QUEUE_SECONDS, opts.sequenceTimeoutMs);
  const rows = await loadRows(db);
  const problems: VerificationProblem[] = [];
  const chainProblem = walkChain(rows);
  if (chainProblem) problems.push(chainProblem);
  if (queue.problem) problems.push(queue.problem);

  // Leaves are recomputed from content, never read from the table, so a rewritten leaf_hash changes nothing.
  const leaves = rows.map((r) => Buffer.from(leafHashOf(contentOfRow(r)), 'hex'));
  const keys = opts.trustedKeys ?? (await publicKeys(db));
  const checkpoints = (await db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size').execute()).map(checkpointOfRow);
  // One pass over the leaves for every checkpoint, smallest first: a root per checkpoint from scratch
  // made verification quadratic (58 s for 50,000 entries with one checkpoint per 100; 0.3 s this way).
  let grown = EMPTY_FRONTIER;
  for (const cp of checkpoints) {
    const pem = keys.get(cp.keyId);
    if (!pem || !verifyCheckpoint(cp, pem)) {
      problems.push({ kind: 'checkpoint', seq: null, detail: `checkpoint at size ${cp.treeSize} has no valid signature from a known key` });
      continue;
    }
    if (cp.treeSize > leaves.length) {
      problems.push({ kind: 'deleted', seq: leaves.length + 1, detail: `checkpoint at size ${cp.treeSize} was signed, but the log holds only ${leaves.length} entries` });
      continue;
    }
    grown = extendFrontier(grown, leaves.slice(grown.size, cp.treeSize));
    if (frontierRoot(grown).toString('base64') !== cp.rootHash) {
      problems.push({ kind: 'checkpoint', seq: null, detail: `the first ${cp.treeSize} entries no longer match the signed checkpoint at that size` });
    }
  }

  let witness: VerificationReport['witness'] = null;
  if (opts.witness) {
    const w = opts.witness.checkpoint;
    let consistent = false;
    if (!verifyCheckpoint(w, opts.witness.publicKeyPem)) {
      problems.push({ kind: 'witness', seq: null, detail: "the witness's checkpoint signature is not valid" });
    } else if (keys.get(w.keyId)?.trim() !== opts.witness.publicKeyPem.trim()) {
      problems.push({ kind: 'witness', seq: null, detail: `the witness's checkpoint was signed by key ${w.keyId}, which this log does not know` });
    } else if (w.treeSize === 0) {
      consistent = true;
    } else if (w.treeSize > leaves.length) {
      problems.push({ kind: 'deleted', seq: leaves.length + 1, detail: `the witness saw ${w.treeSize} entries; the log now holds ${leaves.length}` });
    } else {
      // The log only grew since the witness's checkpoint: its old root is a prefix of today's tree.
      const newRoot = rootHash(leaves);
      const proof = consistencyProof(w.treeSize, leaves);
      consistent = verifyConsistency(w.treeSize, leaves.length, Buffer.from(w.rootHash, 'base64'), newRoot, proof);
      if (!consistent) problems.push({ kind: 'witness', seq: null, detail: `the log is not an extension of the witness's checkpoint at size ${w.treeSize}` });
    }
    witness = { treeSize: w.treeSize, consistent, currentSize: leaves.length };
  }
  return { ok: problems.length === 0, entries: rows.length, queued: queue.queued, checkpoints: checkpoints.length, problems, witness };
}
