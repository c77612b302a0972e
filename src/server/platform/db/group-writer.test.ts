import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { GroupWriter, isItemError, type GroupWriterOptions } from './group-writer.js';

type Call = { items: number[]; done: (fail?: unknown) => void };

/** A writer whose writes the test finishes by hand, so what is grouped with what is fixed. */
function manualWriter(opts: Partial<GroupWriterOptions> = {}) {
  const calls: Call[] = [];
  const writer = new GroupWriter<number, string>(
    (items) =>
      new Promise((resolve, reject) => {
        calls.push({ items, done: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `row ${i}`))) });
      }),
    { maxInFlight: 1, maxGroup: 32, stallMs: 60_000, maxStalled: 1, isItemError, ...opts },
  );
  return { writer, calls };
}
const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dbError = (code: string, severity = 'ERROR') => Object.assign(new pg.DatabaseError(`sqlstate ${code}`, 0, 'error'), { code, severity });
const options = (o: Partial<GroupWriterOptions> = {}): GroupWriterOptions => ({ maxInFlight: 1, maxGroup: 32, stallMs: 60_000, maxStalled: 1, isItemError, ...o });

describe('GroupWriter', () => {
  it('writes an item at once when idle, and the items that arrive meanwhile together in the next write', async () => {
    const { writer, calls } = manualWriter();
    const first = writer.submit(1);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    const rest = [2, 3, 4].map((i) => writer.submit(i));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.done();
    expect(await first).toBe('row 1');
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.done();
    expect(await Promise.all(rest)).toEqual(['row 2', 'row 3', 'row 4']);
  });

  it('keeps at most maxInFlight writes under way and at most maxGroup items in one', async () => {
    const { writer, calls } = manualWriter({ maxInFlight: 2, maxGroup: 3 });
    const all = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => writer.submit(i));
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[0]!.done();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3, 4, 5]]);
    calls[1]!.done();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3, 4, 5], [6, 7, 8]]);
    calls[2]!.done();
    calls[3]!.done();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `row ${i}`));
  });

  it("starts the next group's write before the finished group's callers resume", async () => {
    const { writer, calls } = manualWriter();
    const first = writer.submit(1);
    await tick();
    void writer.submit(2);
    const seen = first.then(() => calls.map((c) => c.items));
    calls[0]!.done();
    expect(await seen).toEqual([[1], [2]]);
  });

  it("sends the next group's statement before the finished group's callers resume, however many promises lie before the send", async () => {
    // A driver reaches its socket only after several awaits (pool checkout, wrappers): that must not wait behind the replies.
    const log: string[] = [];
    const done: (() => void)[] = [];
    const writer = new GroupWriter<number, number>(async (items) => {
      for (let i = 0; i < 25; i++) await null;
      log.push(`sent ${items.join(',')}`);
      await new Promise<void>((r) => done.push(r));
      return items;
    }, options());
    const first = writer.submit(1).then(() => log.push('resumed 1'));
    await tick();
    const second = writer.submit(2).then(() => log.push('resumed 2'));
    done[0]!();
    await first;
    expect(log).toEqual(['sent 1', 'sent 2', 'resumed 1']);
    done[1]!();
    await second;
    expect(log).toEqual(['sent 1', 'sent 2', 'resumed 1', 'resumed 2']);
  });

  it('starts at most maxStalled writes past the stuck ones, and does not poll while it waits', async () => {
    const { writer, calls } = manualWriter({ stallMs: 100, maxStalled: 1 });
    void writer.submit(1); // stuck
    await sleep(150);
    void writer.submit(2); // starts: the first no longer counts
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    void writer.submit(3); // waits: one fresh write under way
    await sleep(60);
    expect(timers.mock.calls.filter((c) => c[1] !== 60).length).toBeLessThanOrEqual(1);
    timers.mockRestore();
    await sleep(150); // both stuck now, and the cap of one stalled write beyond maxInFlight is reached
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[1]!.done();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3]]);
  });

  it('refuses options that would never write or never stop', () => {
    expect(() => new GroupWriter(async () => [], options({ maxInFlight: 0 }))).toThrow(/at least 1/);
    expect(() => new GroupWriter(async () => [], options({ maxGroup: 0 }))).toThrow(/at least 1/);
    expect(() => new GroupWriter(async () => [], options({ stallMs: 0 }))).toThrow(/above 0/);
  });

  it('lets the next group start once the write under way has taken longer than stallMs', async () => {
    const { writer, calls } = manualWriter({ stallMs: 300 });
    void writer.submit(1); // never finished: a statement stuck on a lock
    await tick();
    const second = writer.submit(2);
    await sleep(50);
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    await sleep(450);
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[1]!.done();
    expect(await second).toBe('row 2');
  });

  it('writes a group refused for one item again one item at a time, in its own slot, so only that item fails', async () => {
    let running = 0;
    let most = 0;
    const writes: number[][] = [];
    const writer = new GroupWriter<number, number>(async (items) => {
      writes.push(items);
      most = Math.max(most, ++running);
      await sleep(2);
      running--;
      if (items.includes(13)) throw dbError('23503');
      return items.map((i) => i * 10);
    }, options());
    const hold = writer.submit(1);
    const group = [12, 13, 14].map((i) => writer.submit(i));
    expect(await hold).toBe(10);
    const later = writer.submit(20);
    const settled = await Promise.allSettled(group);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as { code: string }).code))).toEqual([120, '23503', 140]);
    expect(await later).toBe(200);
    expect(writes).toEqual([[1], [12, 13, 14], [12], [13], [14], [20]]);
    expect(most).toBe(1);
  });

  it('fails the whole group, unretried, when the error is not one item’s data', async () => {
    for (const failure of [dbError('57014'), dbError('40P01'), new Error('Connection terminated unexpectedly')]) {
      let writes = 0;
      const writer = new GroupWriter<number, number>(async (items) => {
        writes++;
        if (items.length > 1) throw failure;
        return items;
      }, options());
      const hold = writer.submit(1);
      // Observed from the start: the group may fail before the first caller resumes.
      const group = Promise.allSettled([2, 3].map((i) => writer.submit(i)));
      await hold;
      const settled = await group;
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      expect(writes).toBe(2);
    }
  });

  it('refuses a write that returns a different number of results, and survives a write that throws at once', async () => {
    const short = new GroupWriter<number, number>(async () => [], options());
    await expect(short.submit(1)).rejects.toThrow(/1 items written, 0 results/);
    let first = true;
    const throwing = new GroupWriter<number, number>((items) => {
      if (first) {
        first = false;
        throw new Error('could not build the statement');
      }
      return Promise.resolve(items);
    }, options());
    await expect(throwing.submit(1)).rejects.toThrow(/could not build/);
    expect(await throwing.submit(2)).toBe(2);
  });

  it('retries only errors PostgreSQL raised for the data: classes 22 and 23', () => {
    expect(isItemError(dbError('23505'))).toBe(true);
    expect(isItemError(dbError('23503'))).toBe(true);
    expect(isItemError(dbError('22P02'))).toBe(true);
    expect(isItemError(dbError('57014'))).toBe(false);
    expect(isItemError(dbError('40P01'))).toBe(false);
    expect(isItemError(dbError('23505', 'FEHLER'))).toBe(true); // pg reports the server's localized severity
    expect(isItemError(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe(false);
    expect(isItemError({ code: '23505', severity: 'ERROR' })).toBe(false);
    expect(isItemError(undefined)).toBe(false);
  });
});
