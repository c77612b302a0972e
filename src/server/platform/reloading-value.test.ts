import { describe, expect, it } from 'vitest';
import { ReloadingValue } from './reloading-value.js';

/** A load that resolves when the test says, counting how often it ran. */
function gatedLoader() {
  let n = 0;
  const gates: ((v: number) => void)[] = [];
  const load = () => {
    n++;
    return new Promise<number>((resolve) => gates.push(resolve));
  };
  return { load, runs: () => n, open: (v: number) => gates.shift()!(v) };
}

describe('ReloadingValue', () => {
  it('shares one load between callers and keeps its value for the TTL', async () => {
    const l = gatedLoader();
    const r = new ReloadingValue(l.load, 60_000);
    const a = r.get();
    const b = r.get();
    l.open(1);
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    expect(await r.get()).toBe(1);
    expect(l.runs()).toBe(1);
  });

  it('does not keep a load that overlapped an invalidation, and loads again after it', async () => {
    const l = gatedLoader();
    const r = new ReloadingValue(l.load, 60_000);
    const before = r.get();
    r.invalidate();
    const after = r.get();
    l.open(1);
    l.open(2);
    expect(await before).toBe(1);
    expect(await after).toBe(2);
    expect(await r.get()).toBe(2);
    expect(l.runs()).toBe(2);
  });

  it('answers with an expired copy while one reload runs, within the stale window only', async () => {
    const l = gatedLoader();
    const r = new ReloadingValue(l.load, 0, 60_000);
    const first = r.get();
    l.open(1);
    expect(await first).toBe(1);
    expect(await r.get()).toBe(1);
    expect(await r.get()).toBe(1);
    expect(l.runs()).toBe(2);
    l.open(2);
    await new Promise((res) => setTimeout(res, 0));
    expect(await r.get()).toBe(2);
    const none = new ReloadingValue(gatedLoader().load, 0);
    let settled = false;
    void none.get().then(() => (settled = true));
    await new Promise((res) => setTimeout(res, 10));
    expect(settled).toBe(false);
  });
});
