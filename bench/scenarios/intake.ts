import pg from 'pg';
import { SESSION_COOKIE, type HttpClient } from '../lib/http.js';
import { incidentBody, mulberry32 } from '../lib/fixtures.js';
import { LoadConnections, requestBytes } from '../lib/load-http.js';
import { closedLoop, sleep, summarize, type LoopOptions, type Summary } from '../lib/stats.js';

/** PGlite's figure 1 and node:http's comparison: 8 requests in flight. */
export const INTAKE_CONCURRENCY = 8;
/**
 * PostgreSQL's figure 1: both kinds at each of these numbers in flight, each kind's figure its best.
 * A throughput is a figure of a saturated system: the baseline is saturated at 8 already, creation
 * (whose creates share statements) only further up, with a quarter of the machine idle at 8.
 */
export const INTAKE_LEVELS = [8, 16, 32, 64] as const;

/** 300 requests and 2 s of warm-up (V8 has optimised the request path and the heap has grown to its working size), then 4 s measured (on PGlite; PostgreSQL's windows are below). */
const CREATION_RUN: RunOptions = { warmup: 300, warmupMs: 2_000, count: 20_000, maxMs: 4_000 };
const RAW_RUN: RunOptions = { warmup: 500, warmupMs: 2_000, count: 100_000, maxMs: 4_000 };
/** `onStart`: called when the load is ready and its timed loop begins (a window's label starts there, after its connections are open). */
type RunOptions = Omit<LoopOptions, 'concurrency'> & { onStart?: () => void };

export type Rate = { count: number; seconds: number; perSecond: number };
const rateOf = (r: { done: number; elapsedMs: number }): Rate => ({ count: r.done, seconds: r.elapsedMs / 1000, perSecond: r.done / (r.elapsedMs / 1000) });

/** A run of a load: its rate, and each measured request's time from sent to answered (ms). */
type Timed = Rate & { latenciesMs: number[] };
const timedLoop = async (op: () => Promise<void>, opts: LoopOptions): Promise<Timed> => {
  const latenciesMs: number[] = [];
  return { ...rateOf(await closedLoop(op, { ...opts, latenciesMs })), latenciesMs };
};
const untimed = ({ count, seconds, perSecond }: Timed): Rate => ({ count, seconds, perSecond });

/**
 * 1a. POST /api/incidents through real HTTP (keep-alive), 8 at a time: validation, transaction,
 * timeline, audit, outbox. The load comes from LoadConnections (prepared request bytes, responses read
 * by length), so the generator's own CPU crowds the server less; every response must be a 201 whose
 * JSON body is the new incident.
 */
export async function incidentCreation(baseUrl: string, cookie: string, opts: RunOptions = CREATION_RUN): Promise<Rate> {
  return untimed(await creationLoad(baseUrl, cookie, opts.warmup + opts.count).run(INTAKE_CONCURRENCY, opts));
}

/** A load of one kind, run as many times as asked, with as many requests in flight as asked (figure 1's windows). */
export type Load = { run: (concurrency: number, opts: RunOptions) => Promise<Timed> };

function creationLoad(baseUrl: string, cookie: string, bodies: number): Load {
  const rnd = mulberry32(1);
  const url = new URL(baseUrl);
  const requests = Array.from({ length: bodies }, (_, i) =>
    requestBytes('POST', url, '/api/incidents', { accept: 'application/json', cookie: `${SESSION_COOKIE}=${cookie}` }, incidentBody(rnd, i)),
  );
  let sent = 0;
  return {
    // Connections of its own per run: between a level's windows they would idle past the server's keep-alive timeout.
    run: async (concurrency, opts) => {
      const connections = await LoadConnections.open(url, concurrency);
      try {
        opts.onStart?.();
        return await timedLoop(async () => {
          const res = await connections.send(requests[sent++ % requests.length]!);
          const created = res.status === 201 ? (JSON.parse(res.body) as { id?: unknown; number?: unknown }) : null;
          if (typeof created?.id !== 'string' || typeof created.number !== 'string') throw new Error(`POST /api/incidents: expected 201 with an incident, got ${res.status} ${res.body.slice(0, 300)}`);
        }, { concurrency, ...opts });
      } finally {
        connections.close();
      }
    },
  };
}

/** 1a, driven by node:http's keep-alive client instead (the generator before 2026-12-06), for comparison. */
export async function incidentCreationNodeHttp(http: HttpClient, cookie: string, opts: RunOptions = CREATION_RUN): Promise<Rate> {
  const rnd = mulberry32(1);
  const bodies = Array.from({ length: opts.warmup + opts.count }, (_, i) => incidentBody(rnd, i));
  const r = await closedLoop(
    async (i) => {
      await http.expect(201, 'POST', '/api/incidents', { cookie, body: bodies[i % bodies.length] });
    },
    { concurrency: INTAKE_CONCURRENCY, ...opts },
  );
  return rateOf(r);
}

/** A scratch table about as wide as `incidents` (same kinds of columns, primary key only, no triggers). */
export async function createScratchTable(pool: pg.Pool) {
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_scratch (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number text NOT NULL, type_code text NOT NULL, priority smallint NOT NULL, status text NOT NULL,
    version integer NOT NULL DEFAULT 1, source text NOT NULL, caller_number text, caller_name text,
    description text NOT NULL, department text, lat double precision, lon double precision,
    call_received_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), created_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now())`);
}

/**
 * 1b. The floor under any write path: BEGIN; INSERT one row; COMMIT through a pg.Pool, 8 at a time
 * after 500 transactions and 2 s of warm-up. The pool must hold a connection per transaction in
 * flight (PGlite's one connection aside): one that queues for a connection measures the pool.
 */
export async function rawInsertTransactions(pool: pg.Pool, opts: RunOptions = RAW_RUN): Promise<Rate> {
  return untimed(await rawInsertLoad(pool).run(INTAKE_CONCURRENCY, opts));
}

function rawInsertLoad(pool: pg.Pool): Load {
  let sent = 0;
  return {
    run: (concurrency, opts) => {
      opts.onStart?.();
      return timedLoop(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO bench_scratch (number, type_code, priority, status, source, caller_number, caller_name, description, department, lat, lon, call_received_at)
             VALUES ($1, 'DIST', 3, 'received', 'call', '+503 7000 0000', 'Persona llamante', 'Riña entre vecinos en la colonia, varias personas involucradas', 'SV.SS', 13.69, -89.19, now())`,
            [`B-${sent++}`],
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }, { concurrency, ...opts });
    },
  };
}

/**
 * 1 on PostgreSQL: windows of `windowMs` at each level of `levels` in flight, `rounds` per level and
 * kind, the levels taking turns within each round (upwards, then downwards in the next) so that a
 * machine whose speed drifts (a shared VM: ±25 % within seconds) slows every level alike. The kinds
 * alternate ABBA over the whole run (raw, create, create, raw…): within a level each comes first in
 * half the rounds, and each kind's windows at a level follow a window of either kind equally often
 * (the warm-up ends with the baseline), so neither inherits more of the other's after-effects.
 * `pauseMs` between windows.
 */
export type SweepOptions = { levels: readonly number[]; rounds: number; windowMs: number; pauseMs: number };
export const SWEEP: SweepOptions = { levels: INTAKE_LEVELS, rounds: 4, windowMs: 1_000, pauseMs: 250 };
/** The lone baseline, on the fresh database before the server starts: two rounds, the levels taking turns. */
export const ALONE_SWEEP: SweepOptions = { levels: INTAKE_LEVELS, rounds: 2, windowMs: 1_000, pauseMs: 250 };
export type WindowKind = 'create' | 'raw';
/** What the machine is doing: a window of one kind at one level, or the pause after a kind's window (its background work: the audit chain, autovacuum). */
export type WindowLabel = `${WindowKind}@${number}` | `after ${WindowKind}`;
/** One kind at one level over all its windows: requests over seconds, each window's rate, and its requests' times. */
export type LevelRate = Rate & { perWindow: number[]; latency: Summary };
export type Sweep = { levels: number[]; byLevel: Map<number, Partial<Record<WindowKind, LevelRate>>> };

/** The level at which a kind did best, and its rate there. */
export function bestOf(sweep: Sweep, kind: WindowKind): { level: number; rate: LevelRate } | null {
  let best: { level: number; rate: LevelRate } | null = null;
  for (const [level, kinds] of sweep.byLevel) {
    const rate = kinds[kind];
    if (rate && (!best || rate.perSecond > best.rate.perSecond)) best = { level, rate };
  }
  return best;
}

/** A pool for the baseline with a connection for each transaction in flight at the highest level. */
export async function withBaselinePool<T>(url: string, fn: (pool: pg.Pool) => Promise<T>, levels: readonly number[] = INTAKE_LEVELS): Promise<T> {
  // Idle connections kept: connections beyond 32 serve only the 64-in-flight windows, ~10 s apart, and must not reconnect inside them.
  const pool = new pg.Pool({ connectionString: url, max: Math.max(...levels), idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** Runs the windows of `loads` (the kinds given) at each level; `observe` is told each window's label as its timed loop starts and each pause's as it starts (null at the end). */
export async function sweepWindows(loads: Partial<Record<WindowKind, Load>>, observe: (label: WindowLabel | null) => void, opts: SweepOptions): Promise<Sweep> {
  const kinds = (['raw', 'create'] as const).filter((k) => loads[k]);
  const acc = new Map<number, Partial<Record<WindowKind, { count: number; seconds: number; perWindow: number[]; latenciesMs: number[] }>>>();
  let pair = 0;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      for (const level of round % 2 === 0 ? opts.levels : [...opts.levels].reverse()) {
        for (const kind of pair++ % 2 === 0 ? kinds : [...kinds].reverse()) {
          const r = await loads[kind]!.run(level, { warmup: 0, count: Number.MAX_SAFE_INTEGER, maxMs: opts.windowMs, onStart: () => observe(`${kind}@${level}`) });
          observe(`after ${kind}`);
          const byKind = acc.get(level) ?? {};
          acc.set(level, byKind);
          const a = (byKind[kind] ??= { count: 0, seconds: 0, perWindow: [], latenciesMs: [] });
          a.count += r.count;
          a.seconds += r.seconds;
          a.perWindow.push(r.perSecond);
          for (const t of r.latenciesMs) a.latenciesMs.push(t);
          await sleep(opts.pauseMs);
        }
      }
    }
  } finally {
    observe(null);
  }
  const byLevel = new Map<number, Partial<Record<WindowKind, LevelRate>>>();
  for (const [level, byKind] of acc) {
    const out: Partial<Record<WindowKind, LevelRate>> = {};
    for (const [kind, a] of Object.entries(byKind) as [WindowKind, NonNullable<(typeof byKind)[WindowKind]>][]) {
      out[kind] = { count: a.count, seconds: a.seconds, perSecond: a.count / a.seconds, perWindow: a.perWindow, latency: summarize(a.latenciesMs) };
    }
    byLevel.set(level, out);
  }
  return { levels: [...opts.levels], byLevel };
}

/**
 * Warm-up: at the lowest level as the single runs (V8 optimises the request path), then at each
 * other level 4 requests per connection and 300 ms per kind (connections opened, the pool filled),
 * creation first: the windows' first predecessor is the baseline, as sweepWindows' balance needs.
 */
async function warmUp(loads: Partial<Record<WindowKind, Load>>, opts: SweepOptions): Promise<void> {
  if (loads.create) await loads.create.run(opts.levels[0]!, { ...CREATION_RUN, count: 0, maxMs: 0 });
  if (loads.raw) await loads.raw.run(opts.levels[0]!, { ...RAW_RUN, count: 0, maxMs: 0 });
  for (const level of opts.levels.slice(1)) {
    for (const l of [loads.create, loads.raw]) await l?.run(level, { warmup: level * 4, warmupMs: 300, count: 0, maxMs: 0 });
  }
}

/** The baseline alone at each level (the fresh database, no server running): PostgreSQL's control for the windows beside the server. */
export async function rawSweep(pool: pg.Pool, observe: (label: WindowLabel | null) => void, opts: SweepOptions = ALONE_SWEEP): Promise<Sweep> {
  const loads = { raw: rawInsertLoad(pool) };
  await warmUp(loads, opts);
  await sleep(opts.pauseMs);
  return sweepWindows(loads, observe, opts);
}

/** Creation and the baseline beside the running server, in windows at each level (PostgreSQL). */
export async function creationBesideBaseline(baseUrl: string, cookie: string, pool: pg.Pool, observe: (label: WindowLabel | null) => void, opts: SweepOptions = SWEEP): Promise<Sweep> {
  const loads = { raw: rawInsertLoad(pool), create: creationLoad(baseUrl, cookie, CREATION_RUN.warmup + CREATION_RUN.count) };
  await warmUp(loads, opts);
  await sleep(opts.pauseMs);
  return sweepWindows(loads, observe, opts);
}
