/**
 * `npx tsx bench/profile.ts create|recommend`: one benchmark scenario against a server started under
 * `node --cpu-prof`, then the functions that took the most time while the load ran (self and
 * inclusive), beside the CPU each process used. PostgreSQL at BENCH_DATABASE_URL unless
 * BENCH_ONLY=pglite. PROFILE_NODE_ARGS adds flags to the server's node (e.g. `--trace-gc`; its lines
 * are printed); with `recommend`, PROFILE_PATH GETs another path the same way, as the dispatcher. Not part of `npm run bench`: a tool for finding where time goes (bench/README.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../src/server/platform/db/migrate.js';
import { cpuMeter } from './lib/cpu.js';
import { pgliteTarget, postgresTarget } from './lib/database.js';
import { insertUnits } from './lib/fixtures.js';
import { HttpClient, login } from './lib/http.js';
import { startServer } from './lib/server.js';
import { incidentCreation } from './scenarios/intake.js';
import { createRecommendationIncident, recommendationOverHttp } from './scenarios/recommend.js';

const scenario = process.argv[2];
if (scenario !== 'create' && scenario !== 'recommend') {
  console.error('usage: npx tsx bench/profile.ts create|recommend');
  process.exit(64);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centinela-profile-'));
const pg = process.env.BENCH_ONLY === 'pglite' ? null : await postgresTarget(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
if (pg && 'error' in pg) throw new Error(`PostgreSQL: ${pg.error}`);
const target = pg ? pg.target : pgliteTarget();
try {
  await target.withDb(async (d) => {
    await migrate(d.pool);
    await insertUnits(d.db, 5_000);
  });
  const extra = (process.env.PROFILE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = await startServer({ dataDir: target.dataDir, databaseUrl: target.databaseUrl, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...extra] });
  const http = new HttpClient(server.url, 32);
  let result: unknown;
  let fromUs = 0;
  let toUs = 0;
  let cpu = {};
  try {
    const callTaker = await login(http, 'call_taker');
    const dispatcher = await login(http, 'dispatcher');
    const id = scenario === 'recommend' ? await createRecommendationIncident(http, callTaker) : '';
    // Microseconds on CLOCK_MONOTONIC, the clock of V8's profile on Linux.
    fromUs = Number(process.hrtime.bigint() / 1000n);
    const meter = cpuMeter(server.pid, !!target.databaseUrl);
    result =
      scenario === 'create'
        ? await incidentCreation(http, callTaker, { warmup: 300, count: 20_000, maxMs: 6_000 })
        : process.env.PROFILE_PATH
          ? await recommendationOverHttp(http, dispatcher, id, { warmup: 300, count: 20_000, maxMs: 6_000 }, process.env.PROFILE_PATH)
          : await recommendationOverHttp(http, dispatcher, id, { warmup: 300, count: 20_000, maxMs: 6_000 });
    cpu = meter();
    toUs = Number(process.hrtime.bigint() / 1000n);
  } finally {
    http.close();
    await server.stop();
  }
  console.log(JSON.stringify({ scenario, database: target.label, result, cpuPercentOfOneCore: cpu }));
  for (const line of server.output) if (/Scavenge|Mark-Compact|gc=/.test(line)) console.log(line);
  // The main thread's profile (tsx's loader thread writes a second, smaller one).
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.0.001.cpuprofile'));
  if (!file) throw new Error(`no profile in ${dir}`);
  summarize(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), fromUs, toUs);
  console.log(`profile: ${path.join(dir, file)} (open in Chrome DevTools)`);
} finally {
  await target.dispose();
}

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };

/** Self and inclusive shares of the samples taken between `fromUs` and `toUs`. */
function summarize(p: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number }, fromUs: number, toUs: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/src\//, 'src/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    const leaf = byId.get(p.samples[i]!)!;
    total++;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id)!)) {
      const k = name(n);
      if (seen.has(k)) continue;
      inclusive.set(k, (inclusive.get(k) ?? 0) + 1);
      seen.add(k);
    }
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([f, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${f}`)
      .join('\n');
  console.log(`${total} samples during the load\n-- self --\n${top(self, 40)}\n-- inclusive --\n${top(inclusive, 50)}`);
}
