import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { migrate } from '../../src/server/platform/db/migrate.js';
import { pgliteTarget } from '../lib/database.js';
import { incidentBody, insertUnits, mulberry32 } from '../lib/fixtures.js';
import { HttpClient, login, SESSION_COOKIE } from '../lib/http.js';
import { REPO_ROOT, startServer } from '../lib/server.js';
import { percentile, sleep, summarize, type Summary } from '../lib/stats.js';

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
export type FrameStats = { frames: number; fps: number; p50: number; p95: number; over50: number; longTasks: number };

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The console is served from dist/: build it when missing so the figure is of the production bundle. */
function ensureWebBuild() {
  if (fs.existsSync(path.join(REPO_ROOT, 'dist', 'index.html'))) return;
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
}

/** Frame intervals measured in the page with requestAnimationFrame, plus long tasks (> 50 ms). */
async function frames(page: Page, seconds: number): Promise<FrameStats> {
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
  const sorted = Float64Array.from(raw.gaps).sort();
  return { frames: sorted.length, fps: sorted.length / seconds, p50: percentile(sorted, 50), p95: percentile(sorted, 95), over50: raw.gaps.filter((g) => g > 50).length, longTasks: raw.longTasks };
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
  const server = await startServer({ dataDir: target.dataDir });
  const http = new HttpClient(server.url, 16);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const callTaker = await login(http, 'call_taker');
    const dispatcher = await login(http, 'dispatcher');
    progress(`[console] creating ${CONSOLE.incidents} open incidents over ${CONSOLE.units} units`);
    const rnd = mulberry32(77);
    for (let i = 0; i < CONSOLE.incidents; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, CONSOLE.incidents - i) }, (_, k) => http.expect(201, 'POST', '/api/incidents', { cookie: callTaker, body: incidentBody(rnd, i + k) })));
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
    await ctx.addCookies([{ name: SESSION_COOKIE, value: dispatcher, url: server.url }]);
    const page = await ctx.newPage();
    const loads: number[] = [];
    for (let i = 0; i <= CONSOLE.loads; i++) {
      const t0 = performance.now();
      await page.goto(`${server.url}/console/dispatch`);
      await consoleReady(page, CONSOLE.incidents);
      loads.push(performance.now() - t0);
    }
    const [cold, ...warm] = loads;

    progress(`[console] frame rate idle, then under ${CONSOLE.positionsPerSecond} positions/s and ${CONSOLE.incidentsPerSecond} incidents/s`);
    const idle = await frames(page, CONSOLE.sampleSeconds);
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
          http.expect(200, 'POST', `/api/units/${u.id}/positions`, { cookie: dispatcher, body: { positions: [{ lat: (u.lat ?? 13.7) + (rnd() - 0.5) * 0.01, lon: (u.lon ?? -89.2) + (rnd() - 0.5) * 0.01, accuracyM: 15, recordedAt: new Date().toISOString() }] } }),
        );
        if (tick % Math.round(1000 / tickMs / CONSOLE.incidentsPerSecond) === 0) {
          posts.push(http.expect(201, 'POST', '/api/incidents', { cookie: callTaker, body: incidentBody(rnd, n) }).then(() => void (incidentsSent += 1)));
        }
        await Promise.all(posts);
        positionsSent += batch.length;
        await sleep(Math.max(0, tickMs - (performance.now() - t)));
      }
    })();
    await sleep(1000);
    const busy = await frames(page, CONSOLE.sampleSeconds);
    running = false;
    await feed;
    return { shellMs: summarize(Float64Array.from(shell).sort()), consoleColdMs: cold!, consoleMs: summarize(Float64Array.from(warm).sort()), idle, busy: { ...busy, positionsSent, incidentsSent } };
  } finally {
    await browser.close();
    http.close();
    await server.stop();
    await target.dispose();
  }
}
