import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import { listenOn, type StopListening } from '../db/listen.js';
import type { AuditQueueTable, DB } from '../db/schema.js';
import { AUDIT_CHANNEL, contentOfRow, entryHashes } from './audit-log.js';
import { PacedRunner } from '../paced-runner.js';

/** Advisory lock (two-int form) held by whichever process is sequencing, for one drain transaction. */
export const SEQUENCER_LOCK = [7294, 3] as const;

const BATCH = 500;
// Readers wait this long for a sequencer that holds the lock before giving up with an error.
const FLUSH_LOCK_TIMEOUT_MS = 10_000;

// A queued entry as the drain reads it (everything but the time it was queued).
type QueueRow = Omit<Selectable<AuditQueueTable>, 'queued_at'>;

export type DrainResult = {
  /** Entries chained by this drain. */
  sequenced: number;
  /** A full batch came back: more may be waiting. */
  more: boolean;
  /** Another process held the sequencer lock; nothing was done. */
  busy: boolean;
};

/**
 * One sequencer transaction: takes the sequencer lock (or, when `wait` is false, gives up if another
 * process has it), numbers the committed queued entries in id order after the chain head, hashes them
 * exactly as verification will (from the stored row, so stored = hashed), copies them into audit_log,
 * moves the head and deletes them from the queue. All or nothing.
 */
export async function drainAuditQueue(db: Kysely<DB>, opts: { wait: boolean; batch?: number; lockTimeoutMs?: number }): Promise<DrainResult> {
  const batch = opts.batch ?? BATCH;
  return db.transaction().execute(async (tx) => {
    if (opts.wait) {
      await sql`SELECT set_config('lock_timeout', ${String(opts.lockTimeoutMs ?? FLUSH_LOCK_TIMEOUT_MS)}, true)`.execute(tx);
      await sql`SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK[0]}, ${SEQUENCER_LOCK[1]})`.execute(tx);
    } else {
      const { rows } = await sql<{ got: boolean }>`SELECT pg_try_advisory_xact_lock(${SEQUENCER_LOCK[0]}, ${SEQUENCER_LOCK[1]}) AS got`.execute(tx);
      if (!rows[0]?.got) return { sequenced: 0, more: false, busy: true };
    }
    // The head lock is taken before the queue is read: a sequencer that ever ran without the advisory
    // lock would still wait here and then see the rows it must not take again already gone.
    const head = await sql<{ last_seq: number; last_hash: string }>`SELECT last_seq, last_hash FROM audit_head FOR UPDATE`.execute(tx);
    const h = head.rows[0];
    if (!h) throw new Error('audit_head row is missing: the audit migration did not run');
    const { rows } = await sql<QueueRow>`
      SELECT id, occurred_at, actor_id, actor_username, actor_roles, actor_token_id, action, entity_type, entity_id,
             changes, reason, request_id, client_ip
        FROM audit_queue ORDER BY id LIMIT ${batch} FOR UPDATE SKIP LOCKED`.execute(tx);
    if (rows.length === 0) return { sequenced: 0, more: false, busy: false };

    const ids: number[] = [];
    const seqs: number[] = [];
    const prevs: string[] = [];
    const entries: string[] = [];
    const leaves: string[] = [];
    let seq = Number(h.last_seq);
    let prev = h.last_hash;
    for (const r of rows) {
      seq += 1;
      const content = contentOfRow({ ...r, seq });
      const { entry, leaf } = entryHashes(prev, content);
      ids.push(Number(r.id));
      seqs.push(seq);
      prevs.push(prev);
      entries.push(entry);
      leaves.push(leaf);
      prev = entry;
    }
    // Content is copied column by column inside the database, never round-tripped through JavaScript.
    await sql`
      WITH v AS (
        SELECT * FROM unnest(${ids}::bigint[], ${seqs}::bigint[], ${prevs}::text[], ${entries}::text[], ${leaves}::text[])
          AS v(id, seq, prev_hash, entry_hash, leaf_hash)),
      head AS (UPDATE audit_head SET last_seq = ${seq}, last_hash = ${prev})
      INSERT INTO audit_log (seq, occurred_at, actor_id, actor_username, actor_roles, actor_token_id, action, entity_type, entity_id,
                             changes, reason, request_id, client_ip, prev_hash, entry_hash, leaf_hash, queue_id, sequenced_at)
      SELECT v.seq, q.occurred_at, q.actor_id, q.actor_username, q.actor_roles, q.actor_token_id, q.action, q.entity_type, q.entity_id,
             q.changes, q.reason, q.request_id, q.client_ip, v.prev_hash, v.entry_hash, v.leaf_hash, q.id, clock_timestamp()
        FROM v JOIN audit_queue q ON q.id = v.id`.execute(tx);
    // A separate statement: the queue's trigger lets a row go only once its chained copy is visible.
    await sql`DELETE FROM audit_queue WHERE id = ANY(${ids}::bigint[])`.execute(tx);
    return { sequenced: rows.length, more: rows.length >= batch, busy: false };
  });
}

/**
 * Chains every entry committed before the call, waiting for another process's sequencer if it holds
 * the lock. Everything that reads audit_log calls this first, so no reader sees a stale log.
 */
export async function sequencePending(db: Kysely<DB>, opts: { lockTimeoutMs?: number } = {}): Promise<number> {
  // PGlite has one connection: a drain from inside a transaction would wait for itself.
  if (db.isTransaction) throw new Error('sequencePending must not run inside a transaction');
  let total = 0;
  for (;;) {
    const r = await drainAuditQueue(db, { wait: true, lockTimeoutMs: opts.lockTimeoutMs });
    total += r.sequenced;
    if (!r.more) return total;
  }
}

export type SequencerOptions = {
  pollMs: number;
  busyRetryMs: number;
  /**
   * At most one drain starts per this many milliseconds: under load, the commits of that window are
   * chained by one drain (seven statements) instead of one drain each; an idle log drains at once.
   */
  minIntervalMs: number;
};
export const DEFAULT_SEQUENCER_OPTIONS: SequencerOptions = { pollMs: 1_000, busyRetryMs: 10, minIntervalMs: 20 };

/**
 * The background sequencer of one process. Woken by appendAudit's NOTIFY on commit (any server
 * instance's), and by a poll for notifications lost while reconnecting. Every instance runs one; the
 * advisory lock lets one drain at a time, and an instance that finds it busy retries shortly, since
 * the holder may have read the queue before this instance's entries committed.
 */
export class AuditSequencer {
  private stopped = true;
  private poll: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly runner: PacedRunner;
  private stopListening: StopListening | null = null;
  private readonly opts: SequencerOptions;
  /** Drain transactions started so far (tests, diagnostics). */
  drains = 0;

  constructor(
    private readonly database: Database,
    private readonly onError: (e: unknown) => void,
    opts: Partial<SequencerOptions> = {},
  ) {
    this.opts = { ...DEFAULT_SEQUENCER_OPTIONS, ...opts };
    this.runner = new PacedRunner(() => this.drain(), this.opts.minIntervalMs);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.stopListening = await listenOn(this.database, AUDIT_CHANNEL, () => this.kick(), this.onError);
    this.poll = setInterval(() => this.kick(), this.opts.pollMs);
    this.poll.unref();
    this.kick();
  }

  /** Asks for a drain soon; asks while one runs, or within minIntervalMs of the last start, collapse into one. */
  kick(): void {
    if (!this.stopped) this.runner.kick();
  }

  /** Stops waking up, then chains whatever is still queued so a clean shutdown leaves no backlog. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.retry) clearTimeout(this.retry);
    if (this.stopListening) await this.stopListening();
    await this.runner.stop();
    await sequencePending(this.database.db);
  }

  private async drain(): Promise<void> {
    this.drains++;
    try {
      const r = await drainAuditQueue(this.database.db, { wait: false });
      if (r.busy) this.scheduleRetry();
      if (r.more) {
        // A backlog goes on at once: the interval is for spreading commits, not for slowing a catch-up.
        this.runner.runAgainAtOnce();
      }
    } catch (e) {
      if (!this.stopped) this.onError(e);
    }
  }

  private scheduleRetry(): void {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.kick();
    }, this.opts.busyRetryMs);
    this.retry.unref();
  }
}
