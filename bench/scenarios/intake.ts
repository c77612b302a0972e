import type pg from 'pg';
import { SESSION_COOKIE, type HttpClient } from '../lib/http.js';
import { incidentBody, mulberry32 } from '../lib/fixtures.js';
import { LoadConnections, requestBytes } from '../lib/load-http.js';
import { closedLoop, type LoopOptions } from '../lib/stats.js';

export const INTAKE_CONCURRENCY = 8;

/** 300 requests and 2 s of warm-up (V8 has optimised the request path and the heap has grown to its working size), then 4 s measured. */
const CREATION_RUN: RunOptions = { warmup: 300, warmupMs: 2_000, count: 20_000, maxMs: 4_000 };
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
  const rnd = mulberry32(1);
  const url = new URL(baseUrl);
  const requests = Array.from({ length: opts.warmup + opts.count }, (_, i) =>
    requestBytes('POST', url, '/api/incidents', { accept: 'application/json', cookie: `${SESSION_COOKIE}=${cookie}` }, incidentBody(rnd, i)),
  );
  const connections = await LoadConnections.open(url, INTAKE_CONCURRENCY);
  try {
    const r = await closedLoop(
      async (i) => {
        const res = await connections.send(requests[i % requests.length]!);
        const created = res.status === 201 ? (JSON.parse(res.body) as { id?: unknown; number?: unknown }) : null;
        if (typeof created?.id !== 'string' || typeof created.number !== 'string') throw new Error(`POST /api/incidents: expected 201 with an incident, got ${res.status} ${res.body.slice(0, 300)}`);
      },
      { concurrency: INTAKE_CONCURRENCY, ...opts },
    );
    return rateOf(r);
  } finally {
    connections.close();
  }
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

/** 1b. The floor under any write path: BEGIN; INSERT one row; COMMIT through a pg.Pool, 8 at a time, after the same warm-up as creation. */
export async function rawInsertTransactions(pool: pg.Pool, opts: RunOptions = { warmup: 500, warmupMs: 2_000, count: 100_000, maxMs: 4_000 }): Promise<Rate> {
  const r = await closedLoop(
    async (i) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO bench_scratch (number, type_code, priority, status, source, caller_number, caller_name, description, department, lat, lon, call_received_at)
           VALUES ($1, 'DIST', 3, 'received', 'call', '+503 7000 0000', 'Persona llamante', 'Riña entre vecinos en la colonia, varias personas involucradas', 'SV.SS', 13.69, -89.19, now())`,
          [`B-${i}`],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    { concurrency: INTAKE_CONCURRENCY, ...opts },
  );
  return rateOf(r);
}
