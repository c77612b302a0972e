import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { migrate } from '../../src/server/platform/db/migrate.js';
import { pgliteTarget } from '../lib/database.js';
import { incidentBody, insertUnits, mulberry32 } from '../lib/fixtures.js';
import { HttpClient, login, SESSION_COOKIE } from '../lib/http.js';
import { REPO_ROOT, startServer } from '../lib/server.js';
import { percentile, sleep, summarize, type Summary } from '../lib/stats.js';
import { profileTimes, topEntries } from '../lib/cpuprofile.js';

export const CONSOLE = { incidents: 500, units: 1_000, loads: 5, sampleSeconds: 8, positionsPerSecond: 200, incidentsPerSecond: 2 };

export type ConsoleResult = {
  /** Shell (login page) load, the baseline: same browser, same server, no data. */
  shellMs: Summary;
  /** Dispatcher console until its queue lists every open incident and the map has drawn. */
  consoleColdMs: number;
  consoleMs: Summary;
  idle: FrameStats;
  busy: FrameStats & { positionsSent: number; incidentsSent: number };
};
export type FrameStats = {
  frames: number;
  fps: number;
  p50: number;
  p95: number;
  over50: number;
  longTasks: number;
  /** The page's main thread, in ms per second of wall time (CPU work, so less moved by a busy machine than fps): all tasks, then script, style and layout. */
  mainMsPerS: { task: number; script: number; style: number; layout: number };
  /** React commits per second (counted through the devtools hook), and data fetches per second the page made. */
  commitsPerS: number;
  fetchesPerS: number;
};

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The console is served from dist/web: built afresh each run, so the figures are of the production bundle of the current source. */
function ensureWebBuild() {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
}

/** Frame intervals measured in the page with requestAnimationFrame, plus long tasks (> 50 ms). */
async function frames(page: Page, cdp: CDPSession, seconds: number): Promise<FrameStats> {
  const m0 = await mainThread(cdp);
  const c0 = (await page.evaluate('[window.__benchCommits ?? 0, window.__benchFetches ?? 0]')) as [number, number];
  // A string, not a function: tsx's name-keeping helpers do not exist in the page.
  const raw = (await page.evaluate(`new Promise((resolve) => {
    const gaps = [];
    let longTasks = 0;
    const obs = new PerformanceObserver((l) => { longTasks += l.getEntries().length; });
    obs.observe({ type: 'longtask', buffered: false });
    const start = performance.now();
    let last = start;
    const tick = (t) => {
      gaps.push(t - last);
      last = t;
      if (t - start < ${seconds * 1000}) requestAnimationFrame(tick);
      else { obs.disconnect(); resolve({ gaps: gaps.slice(1), longTasks }); }
    };
    requestAnimationFrame(tick);
  })`)) as { gaps: number[]; longTasks: number };
  const m1 = await mainThread(cdp);
  const c1 = (await page.evaluate('[window.__benchCommits ?? 0, window.__benchFetches ?? 0]')) as [number, number];
  const sorted = Float64Array.from(raw.gaps).sort();
  const per = (k: keyof typeof m0) => ((m1[k] - m0[k]) * 1000) / seconds;
  return {
    frames: sorted.length,
    fps: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    over50: raw.gaps.filter((g) => g > 50).length,
    longTasks: raw.longTasks,
    mainMsPerS: { task: per('TaskDuration'), script: per('ScriptDuration'), style: per('RecalcStyleDuration'), layout: per('LayoutDuration') },
    commitsPerS: (c1[0] - c0[0]) / seconds,
    fetchesPerS: (c1[1] - c0[1]) / seconds,
  };
}

/** Cumulative main-thread times of the page's renderer, in seconds (CDP Performance domain). */
async function mainThread(cdp: CDPSession) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { TaskDuration: get('TaskDuration'), ScriptDuration: get('ScriptDuration'), RecalcStyleDuration: get('RecalcStyleDuration'), LayoutDuration: get('LayoutDuration') };
}

// Before the app's scripts: a minimal React devtools hook that counts commits, and a fetch counter.
const COUNTERS = `
  window.__benchCommits = 0;
  window.__benchFetches = 0;
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = { isDisabled: false, supportsFiber: true, renderers: new Map(), inject() { return 1; }, checkDCE() {}, onScheduleFiberRoot() {}, onCommitFiberRoot() { window.__benchCommits += 1; }, onCommitFiberUnmount() {}, onPostCommitFiberRoot() {} };
  const f = window.fetch;
  window.fetch = function (...a) { window.__benchFetches += 1; return f.apply(this, a); };
`;

type TraceEvent = { name: string; ph: string; pid: number; tid: number; dur?: number; args?: { name?: string } };

/** With BENCH_TRACE=file.json: a Chromium trace of the page under traffic, and per thread the events that took the most time. */
async function traceBusy(page: Page, seconds: number, out: string, progress: (m: string) => void) {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'gpu', 'viz', 'toplevel', 'v8'] });
  await sleep(seconds * 1000);
  const buf = await browser.stopTracing();
  fs.writeFileSync(out, buf);
  const events = (JSON.parse(buf.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
  const byThread = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur) continue;
    const th = names.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`;
    const m = byThread.get(th) ?? new Map<string, number>();
    m.set(e.name, (m.get(e.name) ?? 0) + e.dur / 1000);
    byThread.set(th, m);
  }
  const lines: string[] = [];
  for (const [th, m] of byThread) {
    const top = [...m].sort((a, b) => b[1] - a[1]).slice(0, 14);
    if ((top[0]?.[1] ?? 0) / seconds < 20) continue;
    lines.push(`  ${th}:`, ...top.map(([k, v]) => `    ${(v / seconds).toFixed(1).padStart(7)} ms/s  ${k}`));
  }
  progress(`[console] trace written to ${out}; inclusive time per event (nested events count twice):\n${lines.join('\n')}`);
}

/** With BENCH_PROFILE=file.cpuprofile: a CPU profile of the page under traffic, and its heaviest functions by self time on stderr. */
async function profileBusy(page: Page, cdp: CDPSession, seconds: number, progress: (m: string) => void) {
  if (process.env.BENCH_TRACE) await traceBusy(page, seconds, process.env.BENCH_TRACE, progress);
  const out = process.env.BENCH_PROFILE;
  if (!out) return;
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  await sleep(seconds * 1000);
  const { profile } = await cdp.send('Profiler.stop');
  fs.writeFileSync(out, JSON.stringify(profile));
  const { self: byFn, byFile } = profileTimes(profile, (f) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() || f.functionName || '(native)'}:${f.lineNumber + 1}:${(f.columnNumber ?? 0) + 1}`);
  const top = (m: Map<string, number>, n: number) => topEntries(m, n, (ms) => `  ${(ms / seconds).toFixed(1).padStart(7)} ms/s`);
  progress(`[console] profile written to ${out}; self time by file:\n${top(byFile, 12)}\nby function:\n${top(byFn, 30)}`);
}

async function consoleReady(page: Page, n: number) {
  await page.getByRole('heading', { level: 2, name: new RegExp(`\\(${n}\\)`) }).waitFor({ timeout: 60_000 });
  await page.locator('.incident-map canvas').waitFor({ timeout: 60_000 });
  // Two frames after the data arrived: the map has drawn it.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** Console figures on embedded PGlite: initial load with the demo-sized data, and smoothness under live traffic. */
export async function consoleBench(progress: (m: string) => void): Promise<ConsoleResult> {
  ensureWebBuild();
  const target = pgliteTarget();
  const units = await target.withDb(async (database) => {
    await migrate(database.pool);
    return insertUnits(database.db, CONSOLE.units);
  });
  // Whatever fails from here on (a machine without Chromium included), what was started is stopped: a
  // server left running kept the benchmark waiting for ever.
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let http: HttpClient | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer({ dataDir: target.dataDir });
    const client = (http = new HttpClient(server.url, 16));
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const callTaker = await login(http, 'call_taker');
    const dispatcher = await login(http, 'dispatcher');
    progress(`[console] creating ${CONSOLE.incidents} open incidents over ${CONSOLE.units} units`);
    const rnd = mulberry32(77);
    for (let i = 0; i < CONSOLE.incidents; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, CONSOLE.incidents - i) }, (_, k) => client.expect(201, 'POST', '/api/incidents', { cookie: callTaker, body: incidentBody(rnd, i + k) })));
    }

    progress('[console] initial loads');
    const shell: number[] = [];
    for (let i = 0; i < CONSOLE.loads; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'es-SV' });
      const page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(`${server.url}/`);
      await page.getByLabel('Usuario').waitFor();
      shell.push(performance.now() - t0);
      await ctx.close();
    }
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'es-SV' });
    await ctx.addInitScript(COUNTERS);
    await ctx.addCookies([{ name: SESSION_COOKIE, value: dispatcher, url: server.url }]);
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const loads: number[] = [];
    for (let i = 0; i <= CONSOLE.loads; i++) {
      const t0 = performance.now();
      await page.goto(`${server.url}/console/dispatch`);
      await consoleReady(page, CONSOLE.incidents);
      loads.push(performance.now() - t0);
    }
    const [cold, ...warm] = loads;

    progress(`[console] frame rate idle, then under ${CONSOLE.positionsPerSecond} positions/s and ${CONSOLE.incidentsPerSecond} incidents/s`);
    const idle = await frames(page, cdp, CONSOLE.sampleSeconds);
    let positionsSent = 0;
    let incidentsSent = 0;
    let running = true;
    const feed = (async () => {
      const tickMs = 100;
      const perTick = Math.round((CONSOLE.positionsPerSecond * tickMs) / 1000);
      let n = 0;
      let tick = 0;
      while (running) {
        tick += 1;
        const t = performance.now();
        const batch = Array.from({ length: perTick }, () => units[(n++ * 7919) % units.length]!);
        const posts = batch.map((u) =>
          client.expect(200, 'POST', `/api/units/${u.id}/positions`, { cookie: dispatcher, body: { positions: [{ lat: (u.lat ?? 13.7) + (rnd() - 0.5) * 0.01, lon: (u.lon ?? -89.2) + (rnd() - 0.5) * 0.01, accuracyM: 15, recordedAt: new Date().toISOString() }] } }),
        );
        if (tick % Math.round(1000 / tickMs / CONSOLE.incidentsPerSecond) === 0) {
          posts.push(client.expect(201, 'POST', '/api/incidents', { cookie: callTaker, body: incidentBody(rnd, n) }).then(() => void (incidentsSent += 1)));
        }
        await Promise.all(posts);
        positionsSent += batch.length;
        await sleep(Math.max(0, tickMs - (performance.now() - t)));
      }
    })();
    await sleep(1000);
    const sent0 = positionsSent;
    const inc0 = incidentsSent;
    const busy = await frames(page, cdp, CONSOLE.sampleSeconds);
    const sentWhileSampling = positionsSent - sent0;
    const incWhileSampling = incidentsSent - inc0;
    await profileBusy(page, cdp, CONSOLE.sampleSeconds, progress);
    running = false;
    await feed;
    return { shellMs: summarize(Float64Array.from(shell).sort()), consoleColdMs: cold!, consoleMs: summarize(Float64Array.from(warm).sort()), idle, busy: { ...busy, positionsSent: sentWhileSampling, incidentsSent: incWhileSampling } };
  } finally {
    try {
      await browser?.close();
    } finally {
      http?.close();
      try {
        await server?.stop();
      } finally {
        await target.dispose();
      }
    }
  }
}
