import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { chainHash, contentOfRow, GENESIS_HASH, leafHashOf } from './audit-log.js';
import { verifyCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { checkpointOfRow, publicKeys } from './log-store.js';
import { EMPTY_FRONTIER, extendFrontier, frontierRoot } from './merkle.js';
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

type Row = Awaited<ReturnType<typeof loadBatch>>[number];

// Batches keep memory flat however long the log, and let other statements in between on PGlite's one connection.
const BATCH = 2_000;
// Paged by seq as text: a tampered seq beyond 2^53 would round as a JS number, and the page repeat or skip rows.
const loadBatch = (db: Kysely<DB>, afterSeq: string | null, size: number) => {
  let q = db.selectFrom('audit_log').selectAll().select(sql<string>`seq::text`.as('seq_key')).orderBy('seq').limit(size);
  if (afterSeq !== null) q = q.where(sql<boolean>`seq > ${afterSeq}::bigint`);
  return q.execute();
};

/** Every entry in seq order, each with the one after it (the chain walk looks one ahead). */
async function* entriesWithNext(db: Kysely<DB>, batch: number): AsyncGenerator<[Row, Row | undefined]> {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be an integer of at least 1, not ${batch}`);
  let pending: Row | undefined;
  let after: string | null = null;
  for (;;) {
    const rows = await loadBatch(db, after, batch);
    for (const r of rows) {
      if (pending) yield [pending, r];
      pending = r;
    }
    if (rows.length < batch) break;
    after = rows[rows.length - 1]!.seq_key;
  }
  if (pending) yield [pending, undefined];
}

/** Whether some entry of the log has this entry hash: asked only where a link breaks, so a scan is fine. */
const present = async (db: Kysely<DB>, entryHash: string) =>
  (await db.selectFrom('audit_log').select('seq').where('entry_hash', '=', entryHash).limit(1).execute()).length > 0;

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
 * Walks the chain, one entry at a time with the entry after it, and names the first entry that was
 * modified, deleted, inserted or reordered. Each entry's hash covers its content, its sequence number
 * and its predecessor's hash, so the kind of damage shows in how things break: content that matches
 * no hash was modified; an intact entry found under another number was moved, down after a deletion,
 * up after an insertion, or elsewhere when reordered; a gap in the numbers is a deletion.
 */
class ChainWalk {
  private prevHash = GENESIS_HASH;
  private expectedSeq = 1;
  problem: VerificationProblem | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  /** `leaf` is the entry's Merkle leaf hash recomputed from its content (the caller needs it too). */
  async step(r: Row, next: Row | undefined, leaf: string): Promise<void> {
    if (this.problem) return;
    this.problem = await this.check(r, next, leaf);
    this.prevHash = r.entry_hash;
    this.expectedSeq = Number(r.seq) + 1;
  }

  private async check(r: Row, next: Row | undefined, leaf: string): Promise<VerificationProblem | null> {
    const seq = Number(r.seq);
    const expectedSeq = this.expectedSeq;
    if (seq !== expectedSeq) {
      return { kind: 'deleted', seq: expectedSeq, detail: `entries ${expectedSeq}..${seq - 1} are missing` };
    }
    const original = originalSeq(r);
    if (original === null) {
      if (next && originalSeq(next) === seq) {
        return { kind: 'inserted', seq, detail: `entry ${seq} was inserted: the entry written as ${seq} now sits at ${seq + 1}` };
      }
      return { kind: 'modified', seq, detail: `entry ${seq} does not match its hash` };
    }
    if (original === seq + 1 && !(await present(this.db, r.prev_hash))) {
      return { kind: 'deleted', seq, detail: `the entry written as ${seq} was deleted and later entries renumbered` };
    }
    if (original === seq - 1) {
      return { kind: 'inserted', seq: seq - 1, detail: `entry ${seq - 1} was inserted: the entry written as ${seq - 1} now sits at ${seq}` };
    }
    if (original !== seq) {
      return { kind: 'reordered', seq, detail: `the entry at ${seq} was written as entry ${original}` };
    }
    if (r.prev_hash !== this.prevHash) {
      if (await present(this.db, r.prev_hash)) return { kind: 'reordered', seq, detail: `entry ${seq} does not follow entry ${seq - 1} in the chain` };
      // Entry seq-1 matches a hash it was given after the fact: its content was changed and re-hashed.
      return { kind: 'modified', seq: seq - 1, detail: `entry ${seq - 1} was re-hashed after entry ${seq} committed to it` };
    }
    if (r.leaf_hash !== leaf) {
      return { kind: 'modified', seq, detail: `entry ${seq} does not match its Merkle leaf hash` };
    }
    return null;
  }
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
  opts: {
    witness?: { checkpoint: SignedCheckpoint; publicKeyPem: string };
    trustedKeys?: Map<string, string>;
    stuckSeconds?: number;
    sequenceTimeoutMs?: number;
    /** Entries read per statement (tests cross batch boundaries with a small one). */
    batch?: number;
  } = {},
): Promise<VerificationReport> {
  const queue = await unsequenced(db, opts.stuckSeconds ?? STUCK_QUEUE_SECONDS, opts.sequenceTimeoutMs);
  const keys = opts.trustedKeys ?? (await publicKeys(db));
  const checkpoints = (await db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size').execute()).map(checkpointOfRow);
  const signedOk = checkpoints.map((cp) => {
    const pem = keys.get(cp.keyId);
    return !!pem && verifyCheckpoint(cp, pem);
  });
  const witnessFile = opts.witness;
  const w = witnessFile?.checkpoint;
  const witnessSigned = !!witnessFile && verifyCheckpoint(witnessFile.checkpoint, witnessFile.publicKeyPem);
  const witnessUsable = !!witnessFile && witnessSigned && keys.get(witnessFile.checkpoint.keyId)?.trim() === witnessFile.publicKeyPem.trim();

  // One pass: the chain walk, and the Merkle roots the checkpoints (and the witness) signed, grown as
  // the leaves go by. Leaves are recomputed from content, never read from the table, so a rewritten
  // leaf_hash changes nothing. A root per checkpoint from scratch made verification quadratic (58 s of
  // hashing for 50,000 entries with one checkpoint per 100; 0.3 s this way).
  const walk = new ChainWalk(db);
  const rootAt = new Map<number, string>();
  const wanted = new Set<number>(checkpoints.filter((_, i) => signedOk[i]).map((cp) => cp.treeSize));
  if (witnessUsable && w!.treeSize > 0) wanted.add(w!.treeSize);
  let grown = EMPTY_FRONTIER;
  for await (const [r, next] of entriesWithNext(db, opts.batch ?? BATCH)) {
    const leaf = leafHashOf(contentOfRow(r));
    await walk.step(r, next, leaf);
    grown = extendFrontier(grown, [Buffer.from(leaf, 'hex')]);
    if (wanted.has(grown.size)) rootAt.set(grown.size, frontierRoot(grown).toString('base64'));
  }
  const entries = grown.size;
  if (wanted.has(0)) rootAt.set(0, frontierRoot(EMPTY_FRONTIER).toString('base64'));

  const problems: VerificationProblem[] = [];
  if (walk.problem) problems.push(walk.problem);
  if (queue.problem) problems.push(queue.problem);
  checkpoints.forEach((cp, i) => {
    if (!signedOk[i]) {
      problems.push({ kind: 'checkpoint', seq: null, detail: `checkpoint at size ${cp.treeSize} has no valid signature from a known key` });
    } else if (cp.treeSize > entries) {
      problems.push({ kind: 'deleted', seq: entries + 1, detail: `checkpoint at size ${cp.treeSize} was signed, but the log holds only ${entries} entries` });
    } else if (rootAt.get(cp.treeSize) !== cp.rootHash) {
      problems.push({ kind: 'checkpoint', seq: null, detail: `the first ${cp.treeSize} entries no longer match the signed checkpoint at that size` });
    }
  });

  let witness: VerificationReport['witness'] = null;
  if (opts.witness && w) {
    let consistent = false;
    if (!witnessSigned) {
      problems.push({ kind: 'witness', seq: null, detail: "the witness's checkpoint signature is not valid" });
    } else if (!witnessUsable) {
      problems.push({ kind: 'witness', seq: null, detail: `the witness's checkpoint was signed by key ${w.keyId}, which this log does not know` });
    } else if (w.treeSize === 0) {
      consistent = true;
    } else if (w.treeSize > entries) {
      problems.push({ kind: 'deleted', seq: entries + 1, detail: `the witness saw ${w.treeSize} entries; the log now holds ${entries}` });
    } else {
      // The log only grew since the witness's checkpoint when today's first treeSize entries hash to its root
      // (what an RFC 9162 consistency proof built from these same leaves would show).
      consistent = rootAt.get(w.treeSize) === w.rootHash;
      if (!consistent) problems.push({ kind: 'witness', seq: null, detail: `the log is not an extension of the witness's checkpoint at size ${w.treeSize}` });
    }
    witness = { treeSize: w.treeSize, consistent, currentSize: entries };
  }
  return { ok: problems.length === 0, entries, queued: queue.queued, checkpoints: checkpoints.length, problems, witness };
}
