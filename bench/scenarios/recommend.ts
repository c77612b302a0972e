import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/server/platform/db/schema.js';
import { rankUnits, type CandidateUnit, type RecommendSettings } from '../../src/server/modules/emergency/recommend.js';
import { SESSION_COOKIE, type HttpClient } from '../lib/http.js';
import { LoadConnection, requestBytes, type LoadResponse } from '../lib/load-http.js';
import { REPO_ROOT } from '../lib/server.js';
import { summarize, type Summary } from '../lib/stats.js';

// Plaza Gerardo Barrios, San Salvador: a central point, so the ranking has near and far units.
export const RECOMMEND_TARGET = { lat: 13.6989, lon: -89.1914 };

/** An INJ incident (needs a patrol car and an ambulance): every benchmark unit is a candidate. */
export async function createRecommendationIncident(http: HttpClient, cookie: string): Promise<string> {
  const body = {
    typeCode: 'INJ',
    description: 'Persona herida tras una riña frente al mercado',
    location: { ...RECOMMEND_TARGET, source: 'map_click' },
    answers: { weapons: false, conscious: true, victims: 1 },
  };
  return (await http.expect<{ id: string }>(201, 'POST', '/api/incidents', { cookie, body })).id;
}

/**
 * Steady state: V8 is still optimising the request path for the first couple of thousand requests
 * (measured here: p99 5.4 ms after 300 warm-up requests, 3.1 ms after 3,000, at the same p50; a pause
 * instead changed nothing), and a dispatch server runs for days. The warm-up's own times are reported.
 */
const RECOMMEND_RUN = { warmup: 3_000, count: 3_000, maxMs: 12_000 };

/**
 * 2a. GET /api/incidents/:id/recommendations one at a time on one keep-alive connection of the lean
 * load generator (lib/load-http.ts, as figure 1): latency per request. Every response must be a 200
 * with RECOMMEND_LIMIT items (checked after its time is taken); the capabilities needed come back for 2b.
 */
export async function recommendationOverHttp(
  serverUrl: string,
  cookie: string,
  incidentId: string,
  opts = RECOMMEND_RUN,
  path = `/api/incidents/${incidentId}/recommendations`,
): Promise<Summary & { needed: string[]; warmup: Summary }> {
  const url = new URL(serverUrl);
  const connection = await LoadConnection.open(url);
  const request = requestBytes('GET', url, path, { accept: 'application/json', cookie: `${SESSION_COOKIE}=${cookie}` });
  let needed: string[] = [];
  // Another path (PROFILE_PATH) is checked for its status only: its list may hold any number of items.
  const ownPath = path === `/api/incidents/${incidentId}/recommendations`;
  const check = (r: LoadResponse) => {
    if (r.status !== 200) throw new Error(`GET ${path}: expected 200, got ${r.status} ${r.body.slice(0, 300)}`);
    const body = JSON.parse(r.body) as { needed?: string[]; items?: unknown[] };
    if (ownPath && body.items?.length !== RECOMMEND_LIMIT) throw new Error(`GET ${path}: ${body.items?.length} recommendations, not ${RECOMMEND_LIMIT}`);
    needed = body.needed ?? [];
  };
  // Each response is checked after its time is taken.
  const timedInto = async (times: number[]) => {
    const t0 = performance.now();
    const response = await connection.send(request);
    times.push(performance.now() - t0);
    check(response);
  };
  try {
    const warm: number[] = [];
    for (let i = 0; i < opts.warmup; i++) await timedInto(warm);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < opts.count && performance.now() - start < opts.maxMs) await timedInto(times);
    return { ...summarize(times), needed, warmup: summarize(warm) };
  } finally {
    connection.close();
  }
}

/** How many recommendations the API returns by default (and the console asks for about as many). */
export const RECOMMEND_LIMIT = 10;

/**
 * 2b. rankUnits in this process over the same units: the pure ranking, without SQL or HTTP. Every unit
 * is scored; the top RECOMMEND_LIMIT are built, as the API does.
 */
export function rankingInProcess(units: CandidateUnit[], needed: string[], settings: RecommendSettings, opts = { warmup: 50, count: 500 }): Summary & { ranked: number } {
  let ranked = 0;
  for (let i = 0; i < opts.warmup; i++) ranked = rankUnits(RECOMMEND_TARGET, units, needed, settings, Date.now(), RECOMMEND_LIMIT).length;
  const times: number[] = [];
  for (let i = 0; i < opts.count; i++) {
    const t0 = performance.now();
    rankUnits(RECOMMEND_TARGET, units, needed, settings, Date.now(), RECOMMEND_LIMIT);
    times.push(performance.now() - t0);
  }
  return { ...summarize(times), ranked };
}

/** 2b, isolated: the same measurement in a fresh `node` process, so this process's heap and timers do not disturb it. */
export async function rankingInFreshProcess(units: CandidateUnit[], needed: string[], settings: RecommendSettings): Promise<Summary & { ranked: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/scenarios/rank-child.ts'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.end(JSON.stringify({ units, needed, settings }));
  const code = await exited;
  if (code !== 0) throw new Error(`rank-child exited with ${code}`);
  return JSON.parse(Buffer.concat(out).toString('utf8')) as Summary & { ranked: number };
}

/** Diagnostic: the candidate read the service does on every recommendation (all available units), timed alone. */
export async function candidateRead(db: Kysely<DB>, count = 100): Promise<Summary & { rows: number }> {
  const q = () =>
    db
      .selectFrom('units')
      .select(['id', 'call_sign', 'unit_type', 'capabilities', 'department', 'lat', 'lon', 'position_at'])
      .where('status', '=', 'available')
      .where('active', '=', true)
      .where('current_incident_id', 'is', null)
      .execute();
  let rows = 0;
  for (let i = 0; i < 10; i++) rows = (await q()).length;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await q();
    times.push(performance.now() - t0);
  }
  return { ...summarize(times), rows };
}
