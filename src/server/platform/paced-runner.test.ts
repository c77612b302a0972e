import { describe, expect, it } from 'vitest';
import { PacedRunner } from './paced-runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PacedRunner', () => {
  it('runs at once when idle, folds kicks during a run into one more run, and waits the interval between starts', async () => {
    const starts: number[] = [];
    const runner = new PacedRunner(async () => {
      starts.push(Date.now());
      await sleep(10);
    }, 60);
    runner.kick();
    expect(starts).toHaveLength(1);
    for (let i = 0; i < 5; i++) runner.kick();
    await runner.settle();
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(55);
    await runner.stop();
  });

  it('runs again at once when a run says more is waiting, and stops dropping a delayed run', async () => {
    let runs = 0;
    const runner = new PacedRunner(async () => {
      runs++;
      if (runs < 3) runner.runAgainAtOnce();
    }, 10_000);
    runner.kick();
    await runner.settle();
    expect(runs).toBe(3);
    runner.kick();
    await runner.stop();
    runner.kick();
    expect(runs).toBe(3);
  });
});
