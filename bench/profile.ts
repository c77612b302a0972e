/**
 * `npx tsx bench/profile.ts create|recommend|live`: one benchmark scenario against a server started under
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
import { profileTimes, topEntries, type CpuProfile } from './lib/cpuprofile.js';
import { pgliteTarget, postgresTarget } from './lib/database.js';
import { insertUnits } from './lib/fixtures.js';
import { HttpClient, login } from './lib/http.js';
import { startServer } from './lib/server.js';
import { incidentCreation } from './scenarios/intake.js';
import { liveDelivery, type LiveRun } from './scenarios/live.js';
import { createRecommendationIncident, recommendationOverHttp } from './scenarios/recommend.js';

const scenario = process.argv[2];
if (scenario !== 'create' && scenario !== 'recommend' && scenario !== 'live') {
  console.error('usage: npx tsx bench/profile.ts create|recommend|live');
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
      scenario === 'live'
        ? summariseLive(await liveDelivery(server.wsUrl, http, dispatcher, callTaker, { clients: 1_000, ratePerSecond: 100, seconds: 6, warmupSeconds: 2, threads: 2 }))
        : scenario === 'create'
        ? await incidentCreation(server.url, callTaker, { warmup: 300, count: 20_000, maxMs: 6_000 })
        : process.env.PROFILE_PATH
          ? await recommendationOverHttp(server.url, dispatcher, id, { warmup: 300, count: 20_000, maxMs: 6_000 }, process.env.PROFILE_PATH)
          : await recommendationOverHttp(server.url, dispatcher, id, { warmup: 300, count: 20_000, maxMs: 6_000 });
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

/** Figure 3's counts (its latencies need the stopped server's database: `npm run bench` gives them). */
function summariseLive(run: LiveRun) {
  return { connected: run.connected, created: run.created, deliveries: run.deliveries, createSeconds: run.createSeconds, drained: run.drained };
}

/** Shares of the samples taken between `fromUs` and `toUs`, self and inclusive. */
function summarize(p: CpuProfile, fromUs: number, toUs: number) {
  const name = (f: CpuProfile['nodes'][number]['callFrame']) => `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/src\//, 'src/')}:${f.lineNumber + 1}`;
  const { self, inclusive, totalMs } = profileTimes(p, name, fromUs, toUs);
  const share = (ms: number) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)}%`;
  const byPackage = profileTimes(p, packageOf, fromUs, toUs).self;
  console.log(`${totalMs.toFixed(0)} ms of samples during the load\n-- self --\n${topEntries(self, 40, share)}\n-- inclusive --\n${topEntries(inclusive, 50, share)}\n-- self, by package or module --\n${topEntries(byPackage, 25, share)}`);
}

/** Where a function lives: its npm package, node's module, our source file, or V8's own entry ("(garbage collector)"). */
function packageOf(f: CpuProfile['nodes'][number]['callFrame']): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (inPackage) return `npm ${inPackage[1]}`;
  if (f.url.startsWith('node:')) return f.url.replace(/^node:(internal\/)?/, 'node ').replace(/\/.*/, '');
  if (f.url.includes('/src/')) return f.url.replace(/.*\/src\//, 'src/');
  return f.functionName || '(native)';
}
