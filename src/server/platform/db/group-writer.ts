/**
 * Group commit for a hot insert: requests that arrive while `maxInFlight` writes are under way are
 * written together, as one statement, by the next write. An idle writer writes a request at once,
 * so a quiet system adds no wait; a busy one pays one statement, one commit and one round trip per
 * group instead of per request (the database's per-statement work is about half of a one-row intake).
 *
 * `write` gets the items in order and must return one result per item, in the same order. When it
 * fails with an error the database gave for the statement (so nothing of it was committed), a group
 * of several is written again one item at a time, so that one bad item fails only its own request.
 * Any other error (a lost connection: the commit's fate is unknown) fails the whole group unretried.
 */
type Pending<I, O> = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };

export class GroupWriter<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxInFlight: number; maxGroup: number; isStatementError: (e: unknown) => boolean },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.opts.maxGroup);
      this.inFlight++;
      // The next group's write starts before this group's callers resume: their replies would otherwise delay it.
      const release = () => {
        this.inFlight--;
        this.pump();
      };
      this.write(group.map((g) => g.item)).then(
        (out) => {
          release();
          this.settle(group, out);
        },
        (e: unknown) => {
          release();
          this.fail(group, e);
        },
      );
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

  private fail(group: Pending<I, O>[], e: unknown): void {
    if (group.length === 1 || !this.opts.isStatementError(e)) {
      for (const g of group) g.reject(e);
      return;
    }
    // Rare: each item alone, outside the in-flight limit, so that only the bad ones fail.
    for (const g of group) this.write([g.item]).then((out) => this.settle([g], out), (err: unknown) => g.reject(err));
  }
}

/** A PostgreSQL error answered for a statement (it has a SQLSTATE): that statement was not committed. */
export const isStatementError = (e: unknown): boolean => typeof (e as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((e as { code: string }).code);
