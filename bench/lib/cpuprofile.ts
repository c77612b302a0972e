/** A V8 CPU profile (`.cpuprofile`: node --cpu-prof, or the DevTools protocol's Profiler.stop). */
export type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; children?: number[] }[];
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
};

/**
 * Milliseconds of samples per function (self, and inclusive of what it called) and per file (self),
 * over the samples taken between `fromUs` and `toUs` on the profile's clock (all by default).
 */
export function profileTimes(p: CpuProfile, name: (frame: CpuProfile['nodes'][number]['callFrame']) => string, fromUs = -Infinity, toUs = Infinity) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms);
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let t = p.startTime;
  let totalMs = 0;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    // A sample stands for the time until the next one.
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(samples[i]!)!;
    totalMs += ms;
    add(self, name(leaf.callFrame), ms);
    add(byFile, leaf.callFrame.url.split('/').pop() || leaf.callFrame.functionName || '(native)', ms);
    const seen = new Set<string>();
    for (let n: typeof leaf | undefined = leaf; n; n = byId.get(parent.get(n.id)!)) {
      const k = name(n.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      add(inclusive, k, ms);
    }
  }
  return { self, inclusive, byFile, totalMs };
}

/** The `n` largest entries of a map, one per line, each formatted by `show`. */
export const topEntries = (m: Map<string, number>, n: number, show: (value: number) => string) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${show(v)}  ${k}`)
    .join('\n');
