import type pg from 'pg';

/**
 * Group commit for a hot insert: requests that arrive while a write is under way are written
 * together, as one statement, by the next write. An idle writer writes a request at once, so a
 * quiet system adds no wait; a busy one pays one statement, one commit and one round trip per group
 * instead of per request (the database's per-statement work is about half of a one-row intake).
 *
 * At most `maxInFlight` writes run at a time, but a write older than `stallMs` stops counting, up
 * to `maxStalled` such writes: one stuck statement (a lock wait, a half-open connection) must not
 * hold up every later request, and a stalled database must not take every pooled connection.
 *
 * `write` gets the items in order and must return one result per item, in the same order. When the
 * database refuses a group's statement because of one item's data (`isItemError`: a data exception
 * or a broken constraint, raised before any commit), its items are written again one at a time in
 * the same slot, so that only the bad item fails. Any other error (a timeout, a lost connection
 * whose commit's fate is unknown) fails the whole group unretried.
 */
type Pending<I, O> = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };

export type GroupWriterOptions = { maxInFlight: number; maxGroup: number; stallMs: number; maxStalled: number; isItemError: (e: unknown) => boolean };

export class GroupWriter<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  /** Start times of the writes under way, by write. */
  private readonly started = new Map<number, number>();
  private nextId = 0;
  private wakeup: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly opts: GroupWriterOptions,
  ) {
    if (!(opts.maxInFlight >= 1 && opts.maxGroup >= 1 && opts.stallMs > 0 && opts.maxStalled >= 0)) {
      throw new Error('GroupWriter: maxInFlight and maxGroup must be at least 1, stallMs above 0 and maxStalled at least 0');
    }
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.started.size < this.opts.maxInFlight + this.opts.maxStalled) {
      const now = performance.now();
      let fresh = 0;
      let oldestFresh = Infinity;
      for (const t of this.started.values()) {
        if (now - t < this.opts.stallMs) {
          fresh++;
          oldestFresh = Math.min(oldestFresh, t);
        }
      }
      if (fresh >= this.opts.maxInFlight) {
        // Look again when the oldest fresh write turns stale, in case it never ends.
        if (!this.wakeup) {
          this.wakeup = setTimeout(() => {
            this.wakeup = null;
            this.pump();
          }, oldestFresh + this.opts.stallMs - now + 1);
          this.wakeup.unref();
        }
        return;
      }
      this.start(this.queue.splice(0, this.opts.maxGroup), now);
    }
  }

  private start(group: Pending<I, O>[], at: number): void {
    const id = this.nextId++;
    this.started.set(id, at);
    const release = () => {
      this.started.delete(id);
      this.pump();
    };
    // A write that throws at once, instead of returning a rejected promise, must still release its slot.
    let written: Promise<O[]>;
    try {
      written = this.write(group.map((g) => g.item));
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(
      (out) => {
        // The next group's statement goes out before this group's callers resume. Starting it first is
        // not enough: its own chain of promises (pool, driver) would interleave with the callers' replies
        // and reach the socket after them (0.35-0.45 ms later under load); they resume on the next turn.
        release();
        setImmediate(() => this.settle(group, out));
      },
      async (e: unknown) => {
        if (group.length > 1 && this.opts.isItemError(e)) await this.oneByOne(group, () => this.started.set(id, performance.now()));
        else for (const g of group) g.reject(e);
        release();
      },
    );
  }

  private async oneByOne(group: Pending<I, O>[], restartClock: () => void): Promise<void> {
    for (const g of group) {
      // Each retry is a write of its own: it is stuck only if it, not the group before it, takes too long.
      restartClock();
      try {
        this.settle([g], await this.write([g.item]));
      } catch (e) {
        g.reject(e);
      }
    }
  }

  private settle(group: Pending<I, O>[], out: O[]): void {
    if (out.length !== group.length) {
      const e = new Error(`GroupWriter: ${group.length} items written, ${out.length} results`);
      for (const g of group) g.reject(e);
      return;
    }
    group.forEach((g, i) => g.resolve(out[i]!));
  }
}

/**
 * An error PostgreSQL raised for one item's data while executing the statement, before any commit:
 * a data exception (class 22) or an integrity constraint violation (class 23). Told by its SQLSTATE,
 * not its class (PGlite's node-postgres adapter has its own DatabaseError) nor its severity (pg
 * reports the server's localized word for it).
 */
export function isItemError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const { code } = e as Partial<Pick<pg.DatabaseError, 'code'>>;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
