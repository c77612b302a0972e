import { describe, expect, it } from 'vitest';
import { GroupWriter, isStatementError } from './group-writer.js';

type Call = { items: number[]; done: (fail?: unknown) => void };

/** A writer whose writes the test finishes by hand, so what is grouped with what is fixed. */
function manualWriter(opts: { maxInFlight?: number; maxGroup?: number } = {}) {
  const calls: Call[] = [];
  const writer = new GroupWriter<number, string>(
    (items) =>
      new Promise((resolve, reject) => {
        calls.push({ items, done: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `row ${i}`))) });
      }),
    { maxInFlight: opts.maxInFlight ?? 1, maxGroup: opts.maxGroup ?? 32, isStatementError },
  );
  return { writer, calls };
}
const tick = () => new Promise((r) => setImmediate(r));
const sqlError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('GroupWriter', () => {
  it('writes an item at once when idle, and the items that arrive meanwhile together in the next write', async () => {
    const { writer, calls } = manualWriter();
    const first = writer.submit(1);
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

  it('writes a refused group again one item at a time, so only the bad item fails', async () => {
    const writer = new GroupWriter<number, number>(
      async (items) => {
        if (items.includes(13)) throw sqlError('23503');
        return items.map((i) => i * 10);
      },
      { maxInFlight: 1, maxGroup: 32, isStatementError },
    );
    const hold = writer.submit(1);
    const group = [12, 13, 14].map((i) => writer.submit(i));
    expect(await hold).toBe(10);
    const settled = await Promise.allSettled(group);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as { code: string }).code))).toEqual([120, '23503', 140]);
  });

  it('fails the whole group, unretried, when the error is not the database refusing the statement', async () => {
    let writes = 0;
    const writer = new GroupWriter<number, number>(
      async (items) => {
        writes++;
        if (items.length > 1) throw new Error('Connection terminated unexpectedly');
        return items;
      },
      { maxInFlight: 1, maxGroup: 32, isStatementError },
    );
    const hold = writer.submit(1);
    const group = [2, 3].map((i) => writer.submit(i));
    await hold;
    const settled = await Promise.allSettled(group);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(writes).toBe(2);
  });

  it('refuses a write that returns a different number of results', async () => {
    const writer = new GroupWriter<number, number>(async () => [], { maxInFlight: 1, maxGroup: 32, isStatementError });
    await expect(writer.submit(1)).rejects.toThrow(/1 items written, 0 results/);
  });

  it('tells a database error (SQLSTATE) from others', () => {
    expect(isStatementError(sqlError('23505'))).toBe(true);
    expect(isStatementError(sqlError('40P01'))).toBe(true);
    expect(isStatementError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isStatementError(new Error('x'))).toBe(false);
    expect(isStatementError(undefined)).toBe(false);
  });
});
