import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../lib/cpu.js';
import { closedLoop } from '../lib/stats.js';
import { bestOf, sweepWindows, type Load, type WindowLabel } from './intake.js';

/** A load that answers at once and records each run's level; its rate at a level is `rate(level)`, its requests' times the level and twice it. */
const fakeLoad = (kind: string, runs: string[], rate: (level: number) => number): Load => ({
  run: async (concurrency, opts) => {
    opts.onStart?.();
    runs.push(`${kind}@${concurrency}`);
    return { count: rate(concurrency), seconds: 1, perSecond: rate(concurrency), latenciesMs: [concurrency, 2 * concurrency] };
  },
});

// Rates that peak inside the range: a best-of that took the last or highest level would fail.
const rawRate = (l: number) => ({ 8: 1000, 16: 900, 32: 800 })[l]!;
const createRate = (l: number) => ({ 8: 100, 16: 300, 32: 200 })[l]!;

describe('figure 1 sweep', () => {
  it('runs each kind at each level once per round, upwards then downwards, the kinds alternating ABBA; each kind at its best', async () => {
    const runs: string[] = [];
    const labels: (WindowLabel | null)[] = [];
    const loads = { raw: fakeLoad('raw', runs, rawRate), create: fakeLoad('create', runs, createRate) };
    const sweep = await sweepWindows(loads, (l) => labels.push(l), { levels: [8, 16, 32], rounds: 2, windowMs: 1, pauseMs: 0 });
    expect(runs).toEqual(['raw@8', 'create@8', 'create@16', 'raw@16', 'raw@32', 'create@32', 'create@32', 'raw@32', 'raw@16', 'create@16', 'create@8', 'raw@8']);
    // Each window's label starts as its load starts, each pause's after it.
    expect(labels).toEqual([...runs.flatMap((r) => [r, `after ${r.split('@')[0]}`]), null]);
    expect(sweep.byLevel.get(16)?.create).toMatchObject({ count: 600, seconds: 2, perSecond: 300, perWindow: [300, 300] });
    expect(sweep.byLevel.get(16)?.create?.latency).toMatchObject({ n: 4, max: 32 });
    expect(bestOf(sweep, 'create')).toMatchObject({ level: 16, rate: { perSecond: 300 } });
    expect(bestOf(sweep, 'raw')).toMatchObject({ level: 8, rate: { perSecond: 1000 } });
  });

  it("follows each kind's windows at a level by windows of either kind equally often (the warm-up ends with the baseline)", async () => {
    const runs: string[] = [];
    const loads = { raw: fakeLoad('raw', runs, () => 1), create: fakeLoad('create', runs, () => 1) };
    await sweepWindows(loads, () => undefined, { levels: [8, 16, 32, 64], rounds: 4, windowMs: 1, pauseMs: 0 });
    const after = new Map<string, { raw: number; create: number }>();
    runs.forEach((run, i) => {
      const before = i === 0 ? 'raw' : runs[i - 1]!.split('@')[0]!;
      const c = after.get(run) ?? { raw: 0, create: 0 };
      c[before as 'raw' | 'create']++;
      after.set(run, c);
    });
    expect(after.size).toBe(8);
    for (const [run, c] of after) expect([run, c]).toEqual([run, { raw: 2, create: 2 }]);
    // Within a level, each kind comes first in half the rounds.
    for (const level of [8, 16, 32, 64]) {
      const atLevel = runs.filter((r) => r.endsWith(`@${level}`));
      const firsts = [0, 2, 4, 6].map((i) => atLevel[i]!.split('@')[0]);
      expect(firsts.filter((k) => k === 'raw')).toHaveLength(2);
    }
  });

  it('times measured calls only, not the warm-up', async () => {
    const latenciesMs: number[] = [];
    const r = await closedLoop(() => new Promise((resolve) => setTimeout(resolve, 2)), { concurrency: 2, warmup: 4, count: 6, maxMs: 10_000, latenciesMs });
    expect(r.done).toBe(6);
    expect(latenciesMs).toHaveLength(6);
    expect(Math.min(...latenciesMs)).toBeGreaterThanOrEqual(1);
  });
});

describe('parseProcStat', () => {
  it("reads the machine's total, idle (idle + iowait) and stolen ticks from the first line", () => {
    const text = 'cpu  100 5 50 300 20 1 4 7 0 0\ncpu0 50 2 25 150 10 0 2 3 0 0\nintr 12345\n';
    expect(parseProcStat(text)).toEqual({ total: 487, idle: 320, steal: 7 });
  });
  it('refuses what is not a cpu line', () => {
    expect(parseProcStat('intr 1 2 3 4 5 6 7 8 9')).toBeNull();
    expect(parseProcStat('cpu 1 2 3')).toBeNull();
    expect(parseProcStat('cpu a b c d e f g h')).toBeNull();
  });
});
