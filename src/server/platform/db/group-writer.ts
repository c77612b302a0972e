import type pg from 'pg';

/**
 * Group commit for a hot insert: requests that arrive while a write is under way are written
 * together, as one statement, by the next write. An idle writer writes a request at once, so a
 * quiet system adds no wait; a busy one pays one statement, one commit and one round trip per group
 * instead of per request (the database's per-statement work is about half of a one-row intake).
 *
 * At most `maxInFlight` writes run at a time, but a write older than `stallMs` stops counting: one
 * stuck statement (a lock wait, a half-open connection) must not hold up every later request.
 *
 * `write` gets the items in order and must return one result per item, in the same order. When the
 * database refuses a group's statement because of one item's data (`isItemError`: a data exception
 * or a broken constraint, raised before any commit), its items are written again one at a time in
 * the same slot, so that only the bad item fails. Any other error (a timeout, a lost connection
 * whose commit's fate is unknown) fails the whole group unretried.
 */
type Pending<I, O> = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };

export type GroupWriterOptions = { maxInFlight: number; maxGroup: number; stallMs: number; isItemError: (e: unknown) => boolean };

export class GroupWriter<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  /** Start times of the writes under way. */
  private readonly started = new Set<number>();
  private wakeup: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly opts: GroupWriterOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Writes under way that started less than stallMs ago. */
  private fresh(now: number): number {
    let n = 0;
    for (const t of this.started) if (now - t < this.opts.stallMs) n++;
    return n;
  }

  private pump(): void {
    for (;;) {
      if (this.queue.length === 0) return;
      const now = performance.now();
      if (this.fresh(now) >= this.opts.maxInFlight) {
        // Look again when the oldest write turns stale, in case it never ends.
        if (!this.wakeup) {
          const oldest = Math.min(...this.started);
          this.wakeup = setTimeout(() => {
            this.wakeup = null;
            this.pump();
          }, Math.max(1, oldest + this.opts.stallMs - now));
          this.wakeup.unref();
        }
        return;
      }
      this.start(this.queue.splice(0, this.opts.maxGroup), now);
    }
  }

  private start(group: Pending<I, O>[], at: number): void {
    // A unique key per write, even for two started in the same tick.
    let key = at;
    while (this.started.has(key)) key += 1e-6;
    this.started.add(key);
    const release = () => {
      this.started.delete(key);
      this.pump();
    };
    // Called now, not a tick later, so that its statement is sent before this turn's replies are written.
    let written: Promise<O[]>;
    try {
      written = this.write(group.map((g) => g.item));
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(
      (out) => {
        // The next group's write starts before this group's callers resume: their replies would otherwise delay it.
        release();
        this.settle(group, out);
      },
      async (e: unknown) => {
        if (group.length > 1 && this.opts.isItemError(e)) await this.oneByOne(group);
        else for (const g of group) g.reject(e);
        release();
      },
    );
  }

  private async oneByOne(group: Pending<I, O>[]): Promise<void> {
    for (const g of group) {
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
 * a data exception (class 22) or an integrity constraint violation (class 23), at severity ERROR.
 * Told by its fields, not its class: PGlite's node-postgres adapter has its own DatabaseError.
 */
export function isItemError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const { severity, code } = e as Partial<Pick<pg.DatabaseError, 'severity' | 'code'>>;
  return severity === 'ERROR' && typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
