import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { PacedRunner } from '../paced-runner.js';
import { PUBLISHER_LOCK, toLiveEvent, type EventRow, type LiveEvent } from './outbox.js';

export type RelayOptions = {
  pollMs: number;
  /** How long a gap may hold back later events while a transaction that may fill it is still open. */
  gapWaitMs: number;
  /**
   * At most one read starts per this many milliseconds. An idle relay reads at once; a busy one hands
   * the hub the events of a window together, and each socket gets them in one write instead of one
   * write per event (on a loopback or LAN socket, the write, not the JSON, is what costs).
   */
  minIntervalMs?: number;
  batch?: number;
};

/** A missing seq; `suspects` are the publishing transactions that may still commit it (null: not read yet). */
type Gap = { since: number; suspects: Set<string> | null };

const GAP_RECHECK_MS = 20;
// A gap given up on is still watched for a late commit, but not forever.
const LATE_WATCH_MS = 10 * 60_000;
const MAX_TRACKED_GAP = 1_000;

// How often a starting relay looks again for the publishers it waits for.
const START_WAIT_STEP_MS = 10;

/**
 * Reads committed events in seq order and hands them to the hub.
 *
 * Gaps: a seq can commit after a higher one (concurrent transactions) or never (rollback). Every
 * publisher holds a shared advisory lock from before it takes its seq until it ends, so a missing seq
 * below a visible one belongs to a transaction that held the lock when the gap was seen; the relay
 * notes the lock holders in the next pass (read before its snapshot) and steps over the gap once none
 * of them holds it any more. A gap held longer than gapWaitMs is stepped over but still watched.
 */
export class Relay {
  private cursor = 0;
  private readonly gaps = new Map<number, Gap>();
  private stopped = true;
  private poll: NodeJS.Timeout | null = null;
  private recheck: NodeJS.Timeout | null = null;
  private readonly runner: PacedRunner;
  private readonly batch: number;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly deliver: (events: LiveEvent[]) => void,
    private readonly opts: RelayOptions,
    private readonly onError: (e: unknown) => void,
  ) {
    this.batch = opts.batch ?? 500;
    this.runner = new PacedRunner(() => this.loop(), opts.minIntervalMs ?? 0);
  }

  /** Every event up to this seq has been handed to the hub (or is known not to exist, or is watched late). */
  get lastSeq(): number {
    return this.cursor;
  }

  async start(): Promise<void> {
    // Events committed before this process started are history: clients get them through `since`.
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst();
    // A seq below the max may belong to a transaction still open (another process publishing): it holds
    // the publisher lock, taken before its number. Starting only once those have ended makes every
    // `since` read up to the max complete; a transaction stuck beyond gapWaitMs is not waited for.
    const open = await this.publishers();
    for (const deadline = Date.now() + this.opts.gapWaitMs; open.size > 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, START_WAIT_STEP_MS));
      const still = await this.publishers();
      for (const v of open) if (!still.has(v)) open.delete(v);
    }
    this.cursor = Number(row?.max ?? 0);
    this.stopped = false;
    this.poll = setInterval(() => this.kick(), this.opts.pollMs);
    this.poll.unref();
  }

  /** Asks for a read soon; asks while one runs, or within minIntervalMs of the last start, collapse into one. */
  kick(): void {
    if (!this.stopped) this.runner.kick();
  }

  /** Resolves once the reads asked for so far are done (tests, shutdown). */
  settle(): Promise<void> {
    return this.runner.settle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.recheck) clearTimeout(this.recheck);
    await this.runner.stop();
  }

  private async loop(): Promise<void> {
    try {
      // A full batch means more is waiting: read on at once rather than after the interval.
      if (await this.pass()) this.runner.runAgainAtOnce();
    } catch (e) {
      if (!this.stopped) this.onError(e);
    }
  }

  /** One read; returns true when a full batch came back and more may be waiting. */
  private async pass(): Promise<boolean> {
    // The lock holders are read before the events' snapshot: a suspect missing here had ended before it.
    const holders = this.gaps.size > 0 ? await this.publishers() : new Set<string>();
    for (const g of this.gaps.values()) g.suspects ??= holders;
    const late = [...this.gaps.keys()].filter((s) => s <= this.cursor);
    const { rows } = await sql<EventRow>`
      SELECT seq, occurred_at, topic, kind, entity_type, entity_id, version, department, data FROM events
      WHERE seq > ${this.cursor} OR seq = ANY(${late}::bigint[]) ORDER BY seq LIMIT ${this.batch}`.execute(this.db);
    if (this.stopped) return false;
    const now = Date.now();
    const settled = (g: Gap) => g.suspects !== null && ![...g.suspects].some((v) => holders.has(v));
    const out: LiveEvent[] = [];
    let blocked = false;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq <= this.cursor) {
        this.gaps.delete(seq);
        out.push(toLiveEvent(row));
        continue;
      }
      blocked = !this.stepOverGaps(seq, now, settled);
      if (blocked) break;
      this.gaps.delete(seq);
      out.push(toLiveEvent(row));
      this.cursor = seq;
    }
    for (const [seq, g] of this.gaps) {
      if (seq <= this.cursor && (settled(g) || now - g.since > LATE_WATCH_MS)) this.gaps.delete(seq);
    }
    if (out.length > 0) this.deliver(out);
    if (blocked) this.scheduleRecheck();
    return !blocked && rows.length >= this.batch;
  }

  /** Moves the cursor over the missing seqs below `seq`; false when one of them must still be waited for. */
  private stepOverGaps(seq: number, now: number, settled: (g: Gap) => boolean): boolean {
    // An absurd jump (a setval, say) is not tracked seq by seq: only the nearest missing ones are.
    if (seq - this.cursor > MAX_TRACKED_GAP) this.cursor = seq - MAX_TRACKED_GAP;
    for (let s = this.cursor + 1; s < seq; s++) {
      let gap = this.gaps.get(s);
      if (!gap) {
        gap = { since: now, suspects: null };
        this.gaps.set(s, gap);
      }
      if (settled(gap)) this.gaps.delete(s);
      else if (now - gap.since < this.opts.gapWaitMs) return false;
      this.cursor = s;
    }
    return true;
  }

  /** Transactions of this database that currently hold the publisher lock. */
  private async publishers(): Promise<Set<string>> {
    const { rows } = await sql<{ vxid: string }>`
      SELECT virtualtransaction AS vxid FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${PUBLISHER_LOCK[0]} AND objid = ${PUBLISHER_LOCK[1]} AND objsubid = 2
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(this.db);
    return new Set(rows.map((r) => r.vxid));
  }

  private scheduleRecheck(): void {
    if (this.recheck || this.stopped) return;
    this.recheck = setTimeout(() => {
      this.recheck = null;
      this.kick();
    }, GAP_RECHECK_MS);
    this.recheck.unref();
  }
}
