/**
 * `npm run bench`: performance figures of Centinela on embedded PGlite and on PostgreSQL, printed as
 * a markdown table beside their goals. Not a test: it measures and reports, it does not fail on a miss.
 * See bench/README.md for what each figure means.
 */
import os from 'node:os';
import type pg from 'pg';
import { performance } from 'node:perf_hooks';
import { migrate } from '../src/server/platform/db/migrate.js';
import { loadSettings } from '../src/server/modules/emergency/incident-store.js';
import type { CandidateUnit, RecommendSettings } from '../src/server/modules/emergency/recommend.js';
import { pgliteTarget, postgresTarget, type BenchTarget } from './lib/database.js';
import { insertUnits } from './lib/fixtures.js';
import { HttpClient, login } from './lib/http.js';
import { startServer, type ServerProcess } from './lib/server.js';
import type { Summary } from './lib/stats.js';
import { ALONE_SWEEP, bestOf, createScratchTable, creationBesideBaseline, incidentCreation, incidentCreationNodeHttp, INTAKE_CONCURRENCY, rawInsertTransactions, rawSweep, SWEEP, withBaselinePool, type Rate, type Sweep } from './scenarios/intake.js';
import { liveDelivery, liveLatency, type LiveResult, type LiveRun } from './scenarios/live.js';
import { POSITION_BATCH, POSITION_CONCURRENCY, positionIngestion } from './scenarios/positions.js';
import { candidateRead, createRecommendationIncident, rankingInFreshProcess, recommendationOverHttp } from './scenarios/recommend.js';
import { cpuByLabel, cpuMeter, type CpuShare } from './lib/cpu.js';
import { sampleWaits, type Waits } from './lib/waits.js';
import { CONSOLE, consoleBench, type ConsoleResult } from './scenarios/console.js';
import { auditChainLag } from './scenarios/audit-lag.js';
import { auditRoots, type AuditRoots } from './scenarios/audit-roots.js';

const UNITS = 5_000;
// BENCH_FIGURES=1,3 runs only those figures (a quicker loop while working on one of them).
const FIGURES = process.env.BENCH_FIGURES ? new Set(process.env.BENCH_FIGURES.split(',').map((f) => f.trim())) : null;
const LIVE = { clients: 1_000, ratePerSecond: 100, seconds: 10, warmupSeconds: 2, threads: liveThreads(process.env.BENCH_LIVE_THREADS) };

/** BENCH_LIVE_THREADS: how many worker threads share figure 3's clients (2 unless given). */
function liveThreads(v: string | undefined): number {
  const n = v === undefined ? 2 : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`BENCH_LIVE_THREADS must be an integer from 1 to 64, not ${v}`);
  return n;
}

/** A rate, and how many requests were in flight. */
type AtLevel = Rate & { level: number };

type Result = {
  target: string;
  /** The baseline in figure 1's windows beside the server, at its best level (PostgreSQL). */
  raw?: AtLevel;
  /** The baseline alone, on the fresh database before the server started: 8 in flight on PGlite, its best level on PostgreSQL. */
  rawAlone?: AtLevel;
  /** Creation: 8 in flight on PGlite, its best level on PostgreSQL. */
  create?: AtLevel;
  /** Figure 1 again with node:http's client as the load generator (details only). */
  createNodeHttp?: Rate;
  recommendHttp?: Summary & { needed: string[]; warmup: Summary };
  ranking?: Summary & { ranked: number };
  candidates?: Summary & { rows: number };
  live?: LiveRun;
  liveResult?: LiveResult;
  positions?: { requests: number; positions: number; seconds: number; perSecond: number };
  /** CPU use of the server process and of the benchmark process during each HTTP/WebSocket figure. */
  cpu: Record<string, CpuShare>;
  /** PostgreSQL: figure 1's windows at each level beside the server, and the baseline's alone; CPU and what busy backends were doing, by window label. */
  sweep?: Sweep;
  aloneSweep?: Sweep;
  levelCpu: Map<string, CpuShare>;
  waits: Map<string, Waits>;
  serverOutput: string[];
  errors: string[];
  /** Figure 1's time window, and how long its audit entries waited from commit to the chain. */
  createWindow?: { fromMs: number; toMs: number };
  auditLag?: Summary;
  /** PostgreSQL: what letting the database settle after figure 1 took. */
  settle?: { queueWaitMs: number; vacuumMs: number; checkpointMs: number; queued: number };
};

const progress = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function benchOne(target: BenchTarget): Promise<Result> {
  const r: Result = { target: target.label, cpu: {}, levelCpu: new Map(), waits: new Map(), serverOutput: [], errors: [] };
  const tag = `[${target.kind}]`;
  let units: CandidateUnit[] = [];
  // PostgreSQL's own CPU can be read from /proc only when the server runs on this machine.
  const localPostgres = !!target.databaseUrl && ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(target.databaseUrl).hostname);
  let settings: RecommendSettings | null = null;

  try {
    await target.withDb(async (database) => {
      progress(`${tag} migrating, inserting ${UNITS} units`);
      await migrate(database.pool);
      await createScratchTable(database.pool);
      units = await insertUnits(database.db, UNITS);
      settings = await loadSettings(database.db);
      r.candidates = await candidateRead(database.db);
      // Alone, before the server starts: PGlite's only baseline (the server owns it once it runs); on
      // PostgreSQL a control for the alternating windows, whose baseline shares the database with creation's after-effects.
      if (!FIGURES || FIGURES.has('1')) {
        progress(`${tag} raw INSERT transactions (baseline alone)`);
        if (!target.databaseUrl) {
          const cpu = cpuMeter(process.pid, localPostgres);
          r.rawAlone = { ...(await rawInsertTransactions(database.pool)), level: INTAKE_CONCURRENCY };
          // The server field would count this process twice: the baseline's client is the benchmark.
          r.cpu['1alone'] = { ...cpu(), server: null };
        } else {
          // The units just inserted are written back now, not inside the baseline's windows.
          await database.pool.query('CHECKPOINT').catch((e: unknown) => r.errors.push(`CHECKPOINT before the lone baseline: ${(e as Error).message}`));
          const cpu = cpuByLabel(process.pid, localPostgres);
          await withBaselinePool(target.databaseUrl, async (pool) => {
            r.aloneSweep = await rawSweep(pool, (label) => cpu.label(label && `alone ${label}`));
          });
          for (const [label, c] of cpu.all()) r.levelCpu.set(label, { ...c, server: null });
          const best = bestOf(r.aloneSweep!, 'raw');
          if (best) r.rawAlone = { ...best.rate, level: best.level };
        }
      }
    });
  } catch (e) {
    r.errors.push(`preparation: ${(e as Error).message}`);
    return r;
  }

  let server: ServerProcess | null = null;
  try {
    progress(`${tag} starting the server process`);
    server = await startServer({ dataDir: target.dataDir, databaseUrl: target.databaseUrl });
    const http = new HttpClient(server.url, 32);
    try {
      const callTaker = await login(http, 'call_taker');
      const dispatcher = await login(http, 'dispatcher');

      const step = async (key: string, name: string, fn: () => Promise<void>) => {
        if (FIGURES && !FIGURES.has(key[0]!)) return;
        progress(`${tag} ${name}`);
        const cpu = cpuMeter(server!.pid, localPostgres);
        try {
          await fn();
        } catch (e) {
          r.errors.push(`${name}: ${(e as Error).message}`);
        }
        r.cpu[key] = cpu();
      };
      await step('1', target.databaseUrl ? '1. incident creation over HTTP, in windows beside the raw INSERT baseline, 8 to 64 in flight' : '1. incident creation over HTTP', async () => {
        const fromMs = Date.now();
        if (!target.databaseUrl) {
          r.create = { ...(await incidentCreation(server!.url, callTaker)), level: INTAKE_CONCURRENCY };
          r.createWindow = { fromMs, toMs: Date.now() };
          return;
        }
        const sampler = await sampleWaits(target.databaseUrl);
        const cpu = cpuByLabel(server!.pid, localPostgres);
        try {
          await withBaselinePool(target.databaseUrl, async (pool) => {
            r.sweep = await creationBesideBaseline(server!.url, callTaker, pool, (label) => {
              cpu.label(label);
              sampler.label(label?.includes('@') ? label : null);
            });
          });
          r.createWindow = { fromMs, toMs: Date.now() };
          for (const kind of ['create', 'raw'] as const) {
            const best = bestOf(r.sweep!, kind);
            if (best) r[kind] = { ...best.rate, level: best.level };
          }
        } finally {
          const waits = await sampler.stop();
          r.waits = waits.byLabel;
          if (waits.error) r.errors.push(`pg_stat_activity sampling stopped early: ${waits.error}`);
          for (const [label, c] of cpu.all()) r.levelCpu.set(label, c);
        }
      });
      // Figure 1 writes tens of thousands of incidents in a minute: the next figures should not pay for that burst's aftermath.
      if (r.create && target.databaseUrl) {
        progress(`${tag} letting the database settle after figure 1`);
        try {
          r.settle = await target.withDb((database) => settle(database.pool));
        } catch (e) {
          r.errors.push(`settling after figure 1: ${(e as Error).message}`);
        }
      }
      // On request only: its thousands of incidents would weigh on figures 2-4. Before figure 3, whose
      // expected count takes every incidents event after its clients subscribed.
      if (process.env.BENCH_NODE_HTTP === '1') {
        await step('1n', "1. creation again, with node:http's client", async () => {
          r.createNodeHttp = await incidentCreationNodeHttp(http, callTaker);
        });
      }
      await step('2', '2. recommendations over 5,000 units', async () => {
        const id = await createRecommendationIncident(http, callTaker);
        r.recommendHttp = await recommendationOverHttp(server!.url, dispatcher, id);
      });
      if (r.recommendHttp && (!FIGURES || FIGURES.has('2'))) {
        progress(`${tag} 2. rankUnits in a fresh process`);
        try {
          r.ranking = await rankingInFreshProcess(units, r.recommendHttp.needed, settings!);
        } catch (e) {
          r.errors.push(`rankUnits: ${(e as Error).message}`);
        }
      }
      await step('3', `3. live delivery to ${LIVE.clients} WebSocket clients`, async () => {
        r.live = await liveDelivery(server!.wsUrl, http, dispatcher, callTaker, LIVE);
      });
      await step('4', '4. position ingestion', async () => {
        r.positions = await positionIngestion(http, dispatcher, units);
      });
    } finally {
      http.close();
    }
  } catch (e) {
    r.errors.push((e as Error).message);
  } finally {
    if (server) {
      progress(`${tag} stopping the server`);
      await server.stop();
      r.serverOutput = server.output.filter((l) => !isBanner(l));
    }
  }

  if (r.live) {
    try {
      await target.withDb(async (database) => {
        r.liveResult = await liveLatency(database.db, r.live!);
      });
    } catch (e) {
      r.errors.push(`reading event times: ${(e as Error).message}`);
    }
  }
  if (r.createWindow) {
    try {
      await target.withDb(async (database) => {
        r.auditLag = await auditChainLag(database.db, r.createWindow!);
      });
    } catch (e) {
      r.errors.push(`reading audit chain lag: ${(e as Error).message}`);
    }
  }
  return r;
}

/**
 * PostgreSQL after figure 1: waits for the audit chain to take in every queued entry (up to 30 s),
 * then runs VACUUM ANALYZE and CHECKPOINT, so that autovacuum and a checkpoint caused by figure 1's
 * writes do not run inside a later figure's measurement on a 2-core machine.
 */
async function settle(pool: pg.Pool): Promise<{ queueWaitMs: number; vacuumMs: number; checkpointMs: number; queued: number }> {
  const t0 = performance.now();
  let queued = Infinity;
  while (performance.now() - t0 < 30_000) {
    queued = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_queue')).rows[0]!.n);
    if (queued === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const t1 = performance.now();
  await pool.query('VACUUM ANALYZE');
  const t2 = performance.now();
  await pool.query('CHECKPOINT');
  return { queueWaitMs: t1 - t0, vacuumMs: t2 - t1, checkpointMs: performance.now() - t2, queued };
}

// The start banner (URL, demo accounts) is not a warning.
const isBanner = (l: string) => !l.startsWith('{');

// ---------------------------------------------------------------------------------------------------

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f2 = (n: number) => n.toFixed(2);
const ms = (s: Summary | undefined) => (s && s.n > 0 ? `${f2(s.p50)} / ${f2(s.p99)} ms` : '—');
const mark = (ok: boolean) => (ok ? ' ✅' : ' ❌');

function ratioCell(r: Result, ratio: number | null): string {
  if (ratio === null) return '—';
  return r.target.startsWith('PostgreSQL') ? `${f2(ratio)}${mark(ratio >= 0.4)}` : `${f2(ratio)} (no goal)`;
}
const ratioOf = (r: Result, baseline: Rate | undefined) => (r.create && baseline ? r.create.perSecond / baseline.perSecond : null);

/** Creation / baseline at one level of figure 1's windows beside the server (PostgreSQL). */
function levelRatio(r: Result, level: number): number | null {
  const at = r.sweep?.byLevel.get(level);
  return at?.create && at.raw ? at.create.perSecond / at.raw.perSecond : null;
}

const atLevel = (x: AtLevel | undefined) => (x ? `${f0(x.perSecond)} /s (${x.level} in flight)` : '—');
/** Creation at its best level, with what it costs a caller there (PostgreSQL's windows). */
const creationCell = (r: Result) => {
  const p99 = r.create && r.sweep?.byLevel.get(r.create.level)?.create?.latency.p99;
  return r.create && p99 !== undefined ? `${f0(r.create.perSecond)} /s (${r.create.level} in flight, p99 ${f0(p99)} ms)` : atLevel(r.create);
};

function rows(results: Result[]): string[] {
  const cell = (fn: (r: Result) => string) => results.map((r) => fn(r));
  const lines: [string, string, string[]][] = [
    [`1. Incident creation, HTTP (POST /api/incidents, keep-alive connections): on PostgreSQL its best of ${SWEEP.levels.join(', ')} in flight, on PGlite ${INTAKE_CONCURRENCY}`, 'vs baseline', cell(creationCell)],
    ['1. Baseline: raw BEGIN; INSERT 1 row; COMMIT (pg.Pool, a connection per transaction in flight), its best, in windows alternating with creation (PostgreSQL)', 'baseline', cell((r) => atLevel(r.raw))],
    ['1. The same baseline alone, on the fresh database before the server started (its best on PostgreSQL)', 'baseline', cell((r) => atLevel(r.rawAlone))],
    ['1. Ratio HTTP creation / raw INSERT, each at its best, alternating windows', '≥ 0.40 on PostgreSQL', cell((r) => ratioCell(r, ratioOf(r, r.raw)))],
    ['1. Ratio HTTP creation / raw INSERT, each at its best, baseline alone', '≥ 0.40 on PostgreSQL', cell((r) => ratioCell(r, ratioOf(r, r.rawAlone)))],
    ["1. Ratio at creation's best level, both kinds at that level, alternating windows", '≥ 0.40 on PostgreSQL', cell((r) => (r.sweep && r.create ? ratioCell(r, levelRatio(r, r.create.level)) : '—'))],
    [`1. Ratio at ${SWEEP.levels[0]} in flight each, alternating windows (creation is not saturated there: see the details)`, 'no goal', cell((r) => { const x = levelRatio(r, SWEEP.levels[0]!); return x === null ? '—' : f2(x); })],
    ['2. Recommendation, HTTP GET …/recommendations, 5,000 units: p50 / p99', 'p99 < 5 ms', cell((r) => (r.recommendHttp ? ms(r.recommendHttp) + mark(r.recommendHttp.p99 < 5) : '—'))],
    ['2. Recommendation, rankUnits in-process, 5,000 units: p50 / p99', 'p99 < 5 ms', cell((r) => (r.ranking ? ms(r.ranking) + mark(r.ranking.p99 < 5) : '—'))],
    [
      `3. Commit → WebSocket, ${f0(LIVE.clients)} clients, ${LIVE.ratePerSecond} creates/s for ${LIVE.seconds} s, from events.occurred_at (transaction start): p50 / p99`,
      'p99 < 100 ms',
      cell((r) => (r.liveResult && r.liveResult.latency.n > 0 ? ms(r.liveResult.latency) + mark(r.liveResult.latency.p99 < 100) : '—')),
    ],
    [
      '3. Same deliveries, from the incident.created audit entry (stamped a few statements before commit): p50 / p99',
      'p99 < 100 ms',
      cell((r) => (r.liveResult && r.liveResult.fromAudit.n > 0 ? ms(r.liveResult.fromAudit) + mark(r.liveResult.fromAudit.p99 < 100) : '—')),
    ],
    [
      '3. WebSocket messages delivered / expected',
      'all',
      cell((r) => (r.liveResult ? `${f0(r.liveResult.delivered)} / ${f0(r.liveResult.expected)}${mark(r.liveResult.delivered === r.liveResult.expected && r.liveResult.expected > 0)}` : '—')),
    ],
    [
      `4. Positions ingested (batches of ${POSITION_BATCH}, ${POSITION_CONCURRENCY} concurrent, many units)`,
      '≥ 2,000 /s',
      cell((r) => (r.positions ? `${f0(r.positions.perSecond)} /s${mark(r.positions.perSecond >= 2000)}` : '—')),
    ],
    ['1. Audit entry commit → chained by the sequencer, during figure 1: p50 / p99', 'a few ms', cell((r) => ms(r.auditLag))],
  ];
  return [
    `| Figure | Goal / baseline | ${results.map((r) => r.target).join(' | ')} |`,
    `|---|---|${results.map(() => '---:').join('|')}|`,
    ...lines.map(([name, goal, values]) => `| ${name} | ${goal} | ${values.join(' | ')} |`),
  ];
}

const cpuOf = (r: Result, key: string) => {
  const c = r.cpu[key];
  if (!c) return '';
  const pg = c.postgres === undefined ? '' : `, PostgreSQL processes ${c.postgres === null ? '?' : `${f0(c.postgres)}%`}`;
  return ` CPU: server process ${c.server === null ? '?' : `${f0(c.server)}%`}${pg}, benchmark process ${f0(c.bench)}% (of one core).`;
};

/** CPU milliseconds per operation of each process, from its share of a core and the rate. */
const cpuPer = (c: CpuShare | undefined, perSecond: number) => {
  if (!c || perSecond <= 0) return '';
  const ms = (pct: number | null | undefined) => (pct == null ? '?' : f2((pct * 10) / perSecond));
  return ` CPU per create: server ${ms(c.server)} ms${c.postgres === undefined ? '' : `, PostgreSQL ${ms(c.postgres)} ms`}, benchmark (HTTP client) ${ms(c.bench)} ms.`;
};

function figure1Details(r: Result): string[] {
  const out: string[] = [];
  const baseline = r.raw ?? r.rawAlone;
  if (!baseline || !r.create) return out;
  const perTransaction = (c: CpuShare | undefined, rate: Rate | undefined, what: string) => {
    if (!c || !rate) return;
    out.push(`- 1: ${what} CPU per transaction: benchmark (pg client) ${f2((c.bench * 10) / rate.perSecond)} ms${c.postgres == null ? '' : `, PostgreSQL ${f2((c.postgres * 10) / rate.perSecond)} ms`}.`);
  };
  if (!r.sweep) {
    out.push(`- 1: ${f0(r.create.count)} creates in ${f2(r.create.seconds)} s after a warm-up; baseline ${f0(baseline.count)} transactions in ${f2(baseline.seconds)} s; ${INTAKE_CONCURRENCY} concurrent for both.${cpuOf(r, '1')}${cpuPer(r.cpu['1'], r.create.perSecond)}`);
    perTransaction(r.cpu['1alone'], r.rawAlone, 'baseline');
  } else {
    const sw = r.sweep;
    out.push(
      `- 1: windows of ${f2(SWEEP.windowMs / 1000)} s at ${SWEEP.levels.join(', ')} requests in flight, ${SWEEP.rounds} per level and kind, beside the running server: the levels take turns in each round (upwards, then downwards), ` +
        `the kinds alternate ABBA over the run, ${SWEEP.pauseMs} ms apart. The baseline alone ran the same way before the server started (${ALONE_SWEEP.rounds} windows per level). ` +
        `Each kind's figure is its best level: a throughput is a saturated system's, and the machine's idle share below says where each kind is saturated; the table also holds both kinds to the goal at creation's best level. ` +
        `Latencies (ms) are from request sent to response read, over every request of the level's windows; CPU is in ms per request.`,
      '',
      '| In flight | Creates/s | Baseline/s beside | Ratio | Baseline alone/s | Creation p50 / p99 | Baseline p50 / p99 | Machine idle (steal): creation / baseline | CPU per create: server / PostgreSQL / client | CPU per baseline: client / PostgreSQL | Server CPU in baseline windows |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    const pct = (v: number | null | undefined) => (v == null ? '?' : `${f0(v)}%`);
    const per = (v: number | null | undefined, rate: number | undefined) => (v == null || !rate ? '?' : f2((v * 10) / rate));
    const lat = (s: Summary) => `${f2(s.p50)} / ${f2(s.p99)}`;
    for (const level of sw.levels) {
      const at = sw.byLevel.get(level) ?? {};
      const alone = r.aloneSweep?.byLevel.get(level)?.raw;
      const cc = r.levelCpu.get(`create@${level}`);
      const rc = r.levelCpu.get(`raw@${level}`);
      const ratio = levelRatio(r, level);
      out.push(
        `| ${level} | ${at.create ? f0(at.create.perSecond) : '—'} | ${at.raw ? f0(at.raw.perSecond) : '—'} | ${ratio === null ? '—' : f2(ratio)} | ${alone ? f0(alone.perSecond) : '—'} | ` +
          `${at.create ? lat(at.create.latency) : '—'} | ${at.raw ? lat(at.raw.latency) : '—'} | ${pct(cc?.idle)} (${pct(cc?.steal)}) / ${pct(rc?.idle)} (${pct(rc?.steal)}) | ` +
          `${per(cc?.server, at.create?.perSecond)} / ${per(cc?.postgres, at.create?.perSecond)} / ${per(cc?.bench, at.create?.perSecond)} | ${per(rc?.bench, at.raw?.perSecond)} / ${per(rc?.postgres, at.raw?.perSecond)} | ${pct(rc?.server)} |`,
      );
    }
    out.push('');
    const windows = (kind: 'create' | 'raw', level: number) => sw.byLevel.get(level)?.[kind]?.perWindow.map(f0).join(', ') ?? '—';
    const top = Math.max(...sw.levels);
    out.push(
      `- 1: per window, creates/s at ${r.create.level} in flight: ${windows('create', r.create.level)}; baseline transactions/s at ${r.raw?.level ?? '?'}: ${r.raw ? windows('raw', r.raw.level) : '—'}.` +
        (r.create.level === top ? ` Creation did best at the highest level measured: it may do better still deeper, so its figure is a floor.` : ''),
    );
    const pause = (label: string) => {
      const c = r.levelCpu.get(label);
      return c ? `server ${pct(c.server)}${c.postgres == null ? '' : `, PostgreSQL ${pct(c.postgres)}`}` : '?';
    };
    out.push(`- 1: CPU in the ${SWEEP.pauseMs} ms pauses (work left over by the window before, counted in neither rate): after creation ${pause('after create')}; after the baseline ${pause('after raw')} (of one core).`);
    if (r.rawAlone) perTransaction(r.levelCpu.get(`alone raw@${r.rawAlone.level}`), r.rawAlone, `baseline alone (${r.rawAlone.level} in flight)`);
  }
  if (r.createNodeHttp) {
    out.push(
      `- 1: the same creation with node:http's keep-alive client as the load generator (${INTAKE_CONCURRENCY} in flight, 4 s, right after): ${f0(r.createNodeHttp.perSecond)} /s, ` +
        `ratio ${f2(r.createNodeHttp.perSecond / baseline.perSecond)}.${cpuOf(r, '1n')}${cpuPer(r.cpu['1n'], r.createNodeHttp.perSecond)}`,
    );
  }
  if (r.auditLag && r.auditLag.n > 0) out.push(`- 1: ${f0(r.auditLag.n)} incident.created audit entries chained by the sequencer, max ${f2(r.auditLag.max)} ms after their occurred_at (stamped just before commit).`);
  if (r.settle) {
    const x = r.settle;
    out.push(
      `- 1: then, before figure 2, the database settled: ${x.queued === 0 ? `the audit queue was empty after ${f0(x.queueWaitMs)} ms` : `${f0(x.queued)} entries still queued after ${f0(x.queueWaitMs)} ms`}, ` +
        `VACUUM ANALYZE took ${f0(x.vacuumMs)} ms and CHECKPOINT ${f0(x.checkpointMs)} ms (work figure 1 left, done outside every figure).`,
    );
  }
  // What busy backends were doing, for each kind at the lowest level and at its best.
  const labels = new Set([`create@${SWEEP.levels[0]}`, `create@${r.create.level}`, `raw@${SWEEP.levels[0]}`, ...(r.raw ? [`raw@${r.raw.level}`] : [])]);
  for (const label of labels) {
    const w = r.waits.get(label);
    if (w?.samples) out.push(`- 1: busy PostgreSQL backends in the ${label.replace('@', ' windows at ')} in flight (${f0(w.samples)} samples): ${w.top.map((t) => `${(100 * t.share).toFixed(0)}% ${t.what}`).join('; ')}.`);
  }
  return out;
}

function details(r: Result): string[] {
  const out: string[] = [`**${r.target}**`];
  out.push(...figure1Details(r));
  if (r.recommendHttp) {
    const w = r.recommendHttp.warmup;
    out.push(
      `- 2: HTTP: ${f0(r.recommendHttp.n)} sequential requests (max ${f2(r.recommendHttp.max)} ms) after ${f0(w.n)} warm-up requests, which took p50 ${f2(w.p50)} ms, p99 ${f2(w.p99)} ms ` +
        `(V8 still optimising the path); capabilities needed: ${r.recommendHttp.needed.join(', ')}.${cpuOf(r, '2')}`,
    );
  }
  if (r.ranking) out.push(`- 2: rankUnits in a fresh process: ${f0(UNITS)} units scored per call and the first ${f0(r.ranking.ranked)} built (as the API's default limit), ${f0(r.ranking.n)} calls, max ${f2(r.ranking.max)} ms.`);
  if (r.candidates) out.push(`- 2: the candidate read alone (the service's SELECT of all ${f0(r.candidates.rows)} available units, Kysely over pg in the benchmark process, server stopped): p50 ${f2(r.candidates.p50)} ms, p99 ${f2(r.candidates.p99)} ms.`);
  if (r.live) {
    const l = r.live;
    out.push(
      `- 3: ${f0(l.connected)}/${f0(l.opts.clients)} clients subscribed in ${f2(l.connectSeconds)} s; ${f0(l.created)} incidents created in ${f2(l.createSeconds)} s ` +
        `(${f0(l.created / l.createSeconds)} /s achieved of ${l.opts.ratePerSecond} /s scheduled)${l.createFailures.length ? `, ${l.createFailures.length} creates failed (first: ${l.createFailures[0]})` : ''}; ` +
        `${l.drained ? 'every client received an event per create' : 'NOT every client received an event per create within 15 s of the last response'}.${cpuOf(r, '3')}`,
    );
    if (r.liveResult) {
      const x = r.liveResult;
      out.push(
        `- 3: ${f0(x.events)} incidents events in the window. Latency max ${f2(x.latency.max)} ms from occurred_at, ${f2(x.fromAudit.max)} ms from the audit entry; ` +
          `from the create's HTTP response (arrives after the commit: optimistic) p50 ${f2(x.fromResponse.p50)} ms, p99 ${f2(x.fromResponse.p99)} ms.`,
        `- 3: before the window, a warm-up of ${f0(r.live.warmupIds.length)} creates at the same rate over ${r.live.opts.warmupSeconds} s, then 0.5 s` +
          `${r.live.warmupFailures.length ? ` (${r.live.warmupFailures.length} more failed; first: ${r.live.warmupFailures[0]})` : ''}: ` +
          `its deliveries (not in the figure) p50 ${f2(x.warmup.p50)} ms, p99 ${f2(x.warmup.p99)} ms, max ${f2(x.warmup.max)} ms from occurred_at.`,
        `- 3: each create's own time: request sent → its transaction's start p50 ${f2(x.sentToStart.p50)} ms, p99 ${f2(x.sentToStart.p99)} ms; ` +
          `transaction start → response back p50 ${f2(x.startToResponse.p50)} ms, p99 ${f2(x.startToResponse.p99)} ms.`,
      );
    }
    const lag = (d: { p50: number; p99: number; max: number }) => `p50 ${f2(d.p50)}, p99 ${f2(d.p99)}, max ${f2(d.max)}`;
    out.push(
      `- 3: event-loop delay (ms) of the ${l.opts.threads} client threads while events arrived: ${l.clientLoopDelay.map(lag).join('; ')}; ` +
        `of the thread sending the creates: ${lag(l.createLoopDelay)} (a stamp can be late by as much).`,
    );
    const other = Object.entries(l.otherMessages).map(([k, v]) => `${k}×${v}`);
    const closed = Object.entries(l.closedEarly).map(([k, v]) => `${k}×${v}`);
    if (other.length || closed.length || l.outOfOrder) out.push(`- 3: other messages: ${other.join(', ') || 'none'}; sockets closed by the server: ${closed.join(', ') || 'none'}; out of order: ${l.outOfOrder}.`);
  }
  if (r.positions) out.push(`- 4: ${f0(r.positions.requests)} requests, ${f0(r.positions.positions)} positions in ${f2(r.positions.seconds)} s.${cpuOf(r, '4')}`);
  if (r.serverOutput.length) out.push(`- server logged ${r.serverOutput.length} warning/error line(s); first: \`${r.serverOutput[0]!.slice(0, 300)}\``);
  for (const e of r.errors) out.push(`- ERROR: ${e}`);
  return out;
}

async function main() {
  const t0 = performance.now();
  const only = process.env.BENCH_ONLY;
  if (only && !['pglite', 'postgres', 'console', 'audit'].includes(only)) throw new Error(`BENCH_ONLY must be pglite, postgres, console or audit, not ${only}`);
  const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const results: Result[] = [];
  const notes: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    progress('interrupted: cleaning up');
    void Promise.allSettled(cleanups.map((c) => c())).then(() => process.exit(130));
  });

  if (only !== 'postgres' && only !== 'console' && only !== 'audit') {
    const target = pgliteTarget();
    cleanups.push(target.dispose);
    try {
      results.push(await benchOne(target));
    } finally {
      await target.dispose();
    }
  }
  if (only !== 'pglite' && only !== 'console' && only !== 'audit' && !interrupted) {
    const pg = await postgresTarget(adminUrl);
    if ('error' in pg) {
      notes.push(`PostgreSQL at ${redact(adminUrl)} is unreachable (${pg.error}): measured on PGlite only. Set BENCH_DATABASE_URL to a server where the user may CREATE DATABASE.`);
    } else {
      cleanups.push(pg.target.dispose);
      try {
        results.push(await benchOne(pg.target));
      } finally {
        await pg.target.dispose();
      }
    }
  }

  let audit: AuditRoots | string | null = null;
  if ((!only || only === 'audit') && !interrupted) {
    progress('[audit] Merkle roots in this process');
    try {
      audit = auditRoots();
    } catch (e) {
      audit = `audit figures not measured: ${(e as Error).message}`;
    }
  }

  let consoleFigures: ConsoleResult | string | null = null;
  if ((!only || only === 'console') && !interrupted) {
    try {
      consoleFigures = await consoleBench(progress);
    } catch (e) {
      consoleFigures = `console figures not measured: ${(e as Error).message}`;
    }
  }

  const cpus = os.cpus();
  const machine = `${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  const wall = (performance.now() - t0) / 1000;
  const out = [
    '',
    `## Centinela benchmark — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine}`,
    ...(FIGURES ? [`Figures run: ${[...FIGURES].join(', ')} (BENCH_FIGURES).`] : []),
    ...(process.env.BENCH_SERVER_ENV ? [`Server settings tried: \`${process.env.BENCH_SERVER_ENV}\` (BENCH_SERVER_ENV).`] : []),
    '',
    ...(results.length ? rows(results) : []),
    '',
    ...notes.map((n) => `> ${n}`),
    ...(notes.length ? [''] : []),
    ...results.flatMap((r) => [...details(r), '']),
    ...auditRows(audit),
    ...consoleRows(consoleFigures),
    `Wall time: ${wall.toFixed(1)} s. Server: a separate process (\`node --import tsx src/server/main.ts\`) on a fresh database; clients in the benchmark process.`,
    '',
  ];
  console.log(out.join('\n'));
}

/** The audit log's Merkle hashing, each way beside the way it was done before. */
function auditRows(a: AuditRoots | string | null): string[] {
  if (a === null) return [];
  if (typeof a === 'string') return [`> ${a}`, ''];
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const x = (base: number, v: number) => `${(base / v).toFixed(0)}× faster`;
  return [
    `### Audit log Merkle hashing (in this process, ${f0(a.entries)} entries, a checkpoint every ${f0(a.entries / a.checkpoints)})`,
    '',
    '| Figure | Measured | Baseline |',
    '|---|---|---|',
    `| Verification: the roots of all ${f0(a.checkpoints)} checkpoints, one pass with a frontier | ${ms(a.verifyFrontierMs)} | each rebuilt from its leaves ${ms(a.verifyRebuiltMs)} (${x(a.verifyRebuiltMs, a.verifyFrontierMs)}) |`,
    `| Checkpointer: the next checkpoint, appended to the last one's frontier | ${ms(a.nextFrontierMs)} | rebuilt from every leaf ${ms(a.nextRebuiltMs)} (${x(a.nextRebuiltMs, a.nextFrontierMs)}), plus reading every leaf |`,
    '',
  ];
}

/** The command-centre console in headless Chromium (software WebGL, as on a machine without a GPU). */
function consoleRows(c: ConsoleResult | string | null): string[] {
  if (c === null) return [];
  if (typeof c === 'string') return [`> ${c}`, ''];
  const ms = (v: number) => `${Math.round(v)} ms`;
  const f = (x: ConsoleResult['idle']) =>
    `${x.fps.toFixed(0)} fps; frame p50/p95 ${x.p50.toFixed(1)}/${x.p95.toFixed(1)} ms; ${x.over50} frames > 50 ms; ${x.longTasks} long tasks; main thread ${x.mainMsPerS.task.toFixed(0)} ms/s (script ${x.mainMsPerS.script.toFixed(0)}, style ${x.mainMsPerS.style.toFixed(0)}, layout ${x.mainMsPerS.layout.toFixed(0)}); ${x.commitsPerS.toFixed(1)} React commits/s; ${x.fetchesPerS.toFixed(1)} fetches/s`;
  return [
    `### Command-centre console (PGlite, ${CONSOLE.incidents} open incidents, ${CONSOLE.units} units, 1920×1080, headless Chromium)`,
    '',
    '| Figure | Measured | Baseline / goal |',
    '|---|---|---|',
    `| Initial load of /console/dispatch until the queue lists all ${CONSOLE.incidents} and the map drew (first, cold) | ${ms(c.consoleColdMs)} | goal < 2,000 ms ${c.consoleColdMs < 2000 ? '✅' : '❌'} |`,
    `| Same, warm cache: p50 / max of ${c.consoleMs.n} | ${ms(c.consoleMs.p50)} / ${ms(c.consoleMs.max)} | login page p50 ${ms(c.shellMs.p50)} (ratio ${(c.consoleMs.p50 / c.shellMs.p50).toFixed(1)}×) ${c.consoleMs.max < 2000 ? '✅' : '❌'} |`,
    `| Map and queue, idle | ${f(c.idle)} | — |`,
    `| Under live traffic (${c.busy.positionsSent} positions, ${c.busy.incidentsSent} incidents in the ${CONSOLE.sampleSeconds} s sampled, aiming at ${CONSOLE.positionsPerSecond}/s and ${CONSOLE.incidentsPerSecond}/s) | ${f(c.busy)} | idle above; smooth = p95 ≤ 50 ms ${c.busy.p95 <= 50 ? '✅' : '❌'} |`,
    '',
  ];
}

const redact = (url: string) => {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
