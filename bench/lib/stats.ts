import { performance } from 'node:perf_hooks';

export type Summary = { n: number; p50: number; p99: number; max: number; mean: number };

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: ArrayLike<number>): Summary {
  const a = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of a) sum += v;
  return { n: a.length, p50: percentile(a, 50), p99: percentile(a, 99), max: a.length ? a[a.length - 1]! : Number.NaN, mean: a.length ? sum / a.length : Number.NaN };
}

/** Wall-clock time in milliseconds with sub-millisecond resolution (monotonic within the run). */
export const epochMs = () => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `op` from `concurrency` workers: `warmup` calls first, and for at least `warmupMs` (not
 * counted), then until `count` calls or `maxMs` have passed, whichever comes first. Returns the
 * measured calls and their wall time; `latenciesMs`, when given, gets each measured call's time.
 */
export type LoopOptions = { concurrency: number; warmup: number; warmupMs?: number; count: number; maxMs: number; latenciesMs?: number[] };
export async function closedLoop(op: (i: number) => Promise<void>, opts: LoopOptions): Promise<{ done: number; elapsedMs: number }> {
  let next = 0;
  const run = async (limit: () => boolean, times?: number[]) => {
    const worker = async () => {
      while (limit()) {
        const t0 = performance.now();
        await op(next++);
        times?.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  };
  const warmStart = performance.now();
  await run(() => next < opts.warmup || performance.now() - warmStart < (opts.warmupMs ?? 0));
  const start = performance.now();
  const first = next;
  const last = first + opts.count;
  await run(() => next < last && performance.now() - start < opts.maxMs, opts.latenciesMs);
  return { done: next - first, elapsedMs: performance.now() - start };
}
