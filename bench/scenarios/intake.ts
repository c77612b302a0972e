import type pg from 'pg';
import { SESSION_COOKIE, type HttpClient } from '../lib/http.js';
import { incidentBody, mulberry32 } from '../lib/fixtures.js';
import { LoadConnections, requestBytes } from '../lib/load-http.js';
import { closedLoop, sleep, type LoopOptions } from '../lib/stats.js';

export const INTAKE_CONCURRENCY = 8;

/** 300 requests and 2 s of warm-up (V8 has optimised the request path and the heap has grown to its working size), then 4 s measured (on PGlite; PostgreSQL's alternate windows are below). */
const CREATION_RUN: RunOptions = { warmup: 300, warmupMs: 2_000, count: 20_000, maxMs: 4_000 };
const RAW_RUN: RunOptions = { warmup: 500, warmupMs: 2_000, count: 100_000, maxMs: 4_000 };
type RunOptions = Omit<LoopOptions, 'concurrency'>;

export type Rate = { count: number; seconds: number; perSecond: number };
const rateOf = (r: { done: number; elapsedMs: number }): Rate => ({ count: r.done, seconds: r.elapsedMs / 1000, perSecond: r.done / (r.elapsedMs / 1000) });
/**
 * 1a. POST /api/incidents through real HTTP (keep-alive), 8 at a time: validation, transaction,
 * timeline, audit, outbox. The load comes from LoadConnections (prepared request bytes, responses read
 * by length), so the generator's own CPU crowds the server less; every response must be a 201 whose
 * JSON body is the new incident.
 */
export async function incidentCreation(baseUrl: string, cookie: string, opts: RunOptions = CREATION_RUN): Promise<Rate> {
  const load = await creationLoad(baseUrl, cookie, opts.warmup + opts.count);
  try {
    return await load.run(opts);
  } finally {
    load.close();
  }
}

/** A load of one kind, run as many times as asked on the same connections (figure 1's alternating windows). */
export type Load = { run: (opts: RunOptions) => Promise<Rate>; close: () => void };

async function creationLoad(baseUrl: string, cookie: string, bodies: number): Promise<Load> {
  const rnd = mulberry32(1);
  const url = new URL(baseUrl);
  const requests = Array.from({ length: bodies }, (_, i) =>
    requestBytes('POST', url, '/api/incidents', { accept: 'application/json', cookie: `${SESSION_COOKIE}=${cookie}` }, incidentBody(rnd, i)),
  );
  const connections = await LoadConnections.open(url, INTAKE_CONCURRENCY);
  let sent = 0;
  return {
    run: async (opts) =>
      rateOf(
        await closedLoop(async () => {
          const res = await connections.send(requests[sent++ % requests.length]!);
          const created = res.status === 201 ? (JSON.parse(res.body) as { id?: unknown; number?: unknown }) : null;
          if (typeof created?.id !== 'string' || typeof created.number !== 'string') throw new Error(`POST /api/incidents: expected 201 with an incident, got ${res.status} ${res.body.slice(0, 300)}`);
        }, { concurrency: INTAKE_CONCURRENCY, ...opts }),
      ),
    close: () => connections.close(),
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

/** 1b. The floor under any write path: BEGIN; INSERT one row; COMMIT through a pg.Pool, 8 at a time, after 500 transactions and 2 s of warm-up. */
export async function rawInsertTransactions(pool: pg.Pool, opts: RunOptions = RAW_RUN): Promise<Rate> {
  return rawInsertLoad(pool).run(opts);
}

function rawInsertLoad(pool: pg.Pool): Load {
  let sent = 0;
  return {
    run: async (opts) =>
      rateOf(
        await closedLoop(async () => {
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
        }, { concurrency: INTAKE_CONCURRENCY, ...opts }),
      ),
    close: () => undefined,
  };
}

/**
 * 1, where the baseline can run beside the server (PostgreSQL): both warmed up as above, then
 * `rounds` windows of each, alternating in ABBA order with a pause between windows, so that a machine
 * whose speed drifts (a shared VM: the same code measured 0.23 to 0.44 in back-to-back runs when the
 * baseline ran 10 s before creation) slows both alike. Creation's connections then idle for up to
 * ~3 s between its windows, under the server's 5 s keep-alive timeout: longer windows or pauses
 * would need a longer one.
 */
export type AlternatingOptions = { rounds: number; windowMs: number; pauseMs: number };
export const ALTERNATING: AlternatingOptions = { rounds: 8, windowMs: 1_000, pauseMs: 250 };
export type WindowKind = 'create' | 'raw';
/** What the machine is doing: a window of one kind, or the pause after one (its background work: the audit chain, autovacuum). */
export type WindowLabel = WindowKind | `after ${WindowKind}`;
export type Alternated = Record<WindowKind, Rate & { perWindow: number[] }>;

/** `observe` is told each window's and each pause's label as it starts (null before the first and after the last): for CPU shares and wait samples. */
export async function creationBesideBaseline(
  baseUrl: string,
  cookie: string,
  pool: pg.Pool,
  observe: (label: WindowLabel | null) => void,
  opts: AlternatingOptions = ALTERNATING,
): Promise<Alternated> {
  const windows = opts.rounds * 2;
  const create = await creationLoad(baseUrl, cookie, CREATION_RUN.warmup + CREATION_RUN.count);
  const loads: Record<WindowKind, Load> = { create, raw: rawInsertLoad(pool) };
  try {
    await loads.raw.run({ ...RAW_RUN, count: 0, maxMs: 0 });
    await loads.create.run({ ...CREATION_RUN, count: 0, maxMs: 0 });
    const out: Alternated = { create: { count: 0, seconds: 0, perSecond: 0, perWindow: [] }, raw: { count: 0, seconds: 0, perSecond: 0, perWindow: [] } };
    await sleep(opts.pauseMs);
    for (let w = 0; w < windows; w++) {
      // ABBA: raw, create, create, raw, raw, create… so neither kind always follows the other.
      const kind: WindowKind = (w + 1) % 4 < 2 ? 'raw' : 'create';
      observe(kind);
      const r = await loads[kind].run({ warmup: 0, count: Number.MAX_SAFE_INTEGER, maxMs: opts.windowMs });
      observe(`after ${kind}`);
      const o = out[kind];
      o.count += r.count;
      o.seconds += r.seconds;
      o.perWindow.push(r.perSecond);
      await sleep(opts.pauseMs);
    }
    for (const o of Object.values(out)) o.perSecond = o.count / o.seconds;
    return out;
  } finally {
    observe(null);
    for (const l of Object.values(loads)) l.close();
  }
}
