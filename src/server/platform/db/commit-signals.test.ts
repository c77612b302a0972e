import { describe, expect, it } from 'vitest';
import { CommitSignals } from './commit-signals.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CommitSignals', () => {
  it('calls local listeners on every commit, and sends other processes a paced NOTIFY that still follows the last commit', async () => {
    const sent: number[] = [];
    const signals = new CommitSignals(async () => {
      sent.push(Date.now());
      await sleep(2);
    }, 30);
    let local = 0;
    signals.on('c', () => local++);
    const start = Date.now();
    let lastFire = 0;
    let fires = 0;
    while (Date.now() - start < 100) {
      signals.fire(['c']);
      fires++;
      lastFire = Date.now();
      await sleep(1);
    }
    await signals.settle();
    expect(local).toBe(fires);
    expect(fires).toBeGreaterThan(10);
    // ~100 ms of commits at 30 ms apart: the first at once, then one per interval, never one per commit.
    expect(sent[0]! - start).toBeLessThan(10);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(29);
    // A commit after the last send's start is always covered by one more send.
    expect(sent.at(-1)!).toBeGreaterThanOrEqual(lastFire);
  });

  it('sends at once on a quiet channel, and a failed NOTIFY does not stop later ones', async () => {
    let calls = 0;
    const signals = new CommitSignals(async () => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
    }, 5);
    signals.fire(['c']);
    await signals.settle();
    await sleep(10);
    signals.fire(['c']);
    await signals.settle();
    expect(calls).toBe(2);
  });
});
