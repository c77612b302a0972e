import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/server/platform/db/schema.js';
import type { HttpClient } from '../lib/http.js';
import { incidentBody, mulberry32 } from '../lib/fixtures.js';
import { epochMs, sleep, summarize, type Summary } from '../lib/stats.js';
import { sequencePending } from '../../src/server/platform/audit/sequencer.js';
import type { ClientsCommand, ClientsInput, ClientsMessage } from './live-clients.js';

/** `warmupSeconds`: creates at the same rate before the measured window, whose deliveries are kept out of the figure. */
export type LiveOptions = { clients: number; ratePerSecond: number; seconds: number; threads: number; warmupSeconds: number };

/** What the clients saw; latencies are computed afterwards, once the events' times can be read. */
export type LiveRun = {
  opts: LiveOptions;
  connected: number;
  connectSeconds: number;
  /** Each client's lastSeq from its `subscribed`: it is owed every incidents event above it. */
  subscribedAt: Float64Array;
  deliveries: number;
  seqs: Int32Array;
  receivedAt: Float64Array;
  outOfOrder: number;
  otherMessages: Record<string, number>;
  closedEarly: Record<number, number>;
  created: number;
  createFailures: string[];
  /** Creates of the warm-up that failed (apart from the window's). */
  warmupFailures: string[];
  createSeconds: number;
  /** When the HTTP response of each create arrived (an upper bound of its commit time), by incident id. */
  responseAt: Map<string, number>;
  /** When each create's request was sent, by incident id. */
  sentAt: Map<string, number>;
  /** The incidents created in the warm-up, before the window; their events are reported apart. */
  warmupIds: string[];
  /** The incident each `created` event announced, by seq. */
  entityOfSeq: Map<number, string>;
  drained: boolean;
  /** Event-loop delay of each client thread while events arrived, and of the thread sending the creates (ms). */
  clientLoopDelay: { p50: number; p99: number; max: number }[];
  createLoopDelay: { p50: number; p99: number; max: number };
};

type ClientThread = { worker: Worker; next: () => Promise<ClientsMessage> };

/** A worker running `count` of the clients; `next()` is its next message (an error message rejects). */
function clientThread(input: ClientsInput): ClientThread {
  // A worker thread does not inherit tsx's loader: it registers it, then runs the TypeScript worker.
  const entry = JSON.stringify(new URL('./live-clients.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`;
  const worker = new Worker(boot, { eval: true, workerData: input });
  const inbox: ClientsMessage[] = [];
  let waiting: { resolve: (m: ClientsMessage) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure = e;
    waiting?.reject(e);
    waiting = null;
  };
  worker.on('message', (m: ClientsMessage) => {
    if (m.type === 'error') return fail(new Error(`WebSocket clients: ${m.message}`));
    if (waiting) {
      waiting.resolve(m);
      waiting = null;
    } else inbox.push(m);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`WebSocket client thread exited (${code})`)));
  return {
    worker,
    next: () => {
      const m = inbox.shift();
      if (m) return Promise.resolve(m);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
  };
}

/**
 * 3. `clients` WebSocket clients (one dispatcher session cookie), spread over `threads` worker threads,
 * subscribe to "incidents"; incidents are then created from this thread at `ratePerSecond` (open
 * loop: the schedule does not wait for responses) for `seconds`. Every event each client receives is
 * stamped on arrival, in its thread.
 */
export async function liveDelivery(wsUrl: string, http: HttpClient, readerCookie: string, writerCookie: string, opts: LiveOptions): Promise<LiveRun> {
  const total = Math.round(opts.ratePerSecond * opts.seconds);
  const rnd = mulberry32(3);
  const bodies = Array.from({ length: total }, (_, i) => incidentBody(rnd, i));
  const warmups = Math.round(opts.ratePerSecond * opts.warmupSeconds);
  const warmupBodies = Array.from({ length: warmups }, (_, i) => incidentBody(rnd, total + i));
  const shares = Array.from({ length: opts.threads }, (_, t) => Math.floor(opts.clients / opts.threads) + (t < opts.clients % opts.threads ? 1 : 0));

  const c0 = performance.now();
  const threads: ClientThread[] = [];
  try {
    for (const clients of shares) threads.push(clientThread({ wsUrl, cookie: readerCookie, clients, capacity: clients * (total + warmups + 50) }));
    const ready = await Promise.all(threads.map((t) => t.next()));
    const subscribedAt = new Float64Array(opts.clients).fill(Number.NaN);
    let at = 0;
    for (const m of ready) {
      if (m.type !== 'ready') throw new Error(`WebSocket clients: expected ready, got ${m.type}`);
      subscribedAt.set(m.subscribedAt, at);
      at += m.subscribedAt.length;
    }
    const connectSeconds = (performance.now() - c0) / 1000;
    await sleep(500);

    // Open-loop load: a create is due every 1/rate s from the start, whether or not earlier ones answered.
    const responseAt = new Map<string, number>();
    const sentAt = new Map<string, number>();
    const createFailures: string[] = [];
    const createOne = async (body: unknown) => {
      try {
        const sent = epochMs();
        const res = await http.request<{ id?: string }>('POST', '/api/incidents', { cookie: writerCookie, body });
        if (res.status === 201 && res.body.id) {
          responseAt.set(res.body.id, epochMs());
          sentAt.set(res.body.id, sent);
        } else createFailures.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      } catch (e) {
        createFailures.push((e as Error).message);
      }
    };
    const openLoop = async (list: unknown[]) => {
      const inFlight: Promise<void>[] = [];
      const l0 = performance.now();
      await new Promise<void>((resolve) => {
        let fired = 0;
        const tick = () => {
          const due = Math.min(list.length, Math.floor(((performance.now() - l0) / 1000) * opts.ratePerSecond) + 1);
          while (fired < due) inFlight.push(createOne(list[fired++]));
          if (fired >= list.length) resolve();
          else setTimeout(tick, 2);
        };
        tick();
      });
      await Promise.all(inFlight);
    };

    // The warm-up runs the same path first (the server's create and fan-out, the clients' reading)
    // so the window measures a running system, not V8 compiling it: its own latency is in the details.
    await openLoop(warmupBodies);
    const warmupIds = [...responseAt.keys()];
    const warmupFailures = createFailures.splice(0);
    responseAt.clear();
    sentAt.clear();
    await sleep(500);
    for (const t of threads) t.worker.postMessage({ type: 'measure' } satisfies ClientsCommand);

    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const l0 = performance.now();
    await openLoop(bodies);
    const createSeconds = (performance.now() - l0) / 1000;
    delay.disable();

    // Drain: every client should see at least one event per successful create (escalations may add more).
    const created = responseAt.size;
    for (const t of threads) t.worker.postMessage({ type: 'drain', created: created + warmupIds.length, timeoutMs: 15_000 } satisfies ClientsCommand);
    const done = await Promise.all(threads.map((t) => t.next()));
    const seqs: Int32Array[] = [];
    const received: Float64Array[] = [];
    const run = { outOfOrder: 0, otherMessages: {} as Record<string, number>, closedEarly: {} as Record<number, number>, entityOfSeq: new Map<number, string>(), drained: true };
    const clientLoopDelay: LiveRun['clientLoopDelay'] = [];
    for (const m of done) {
      if (m.type !== 'done') throw new Error(`WebSocket clients: expected done, got ${m.type}`);
      seqs.push(m.seqs);
      received.push(m.receivedAt);
      run.outOfOrder += m.outOfOrder;
      for (const [k, v] of Object.entries(m.otherMessages)) run.otherMessages[k] = (run.otherMessages[k] ?? 0) + v;
      for (const [k, v] of Object.entries(m.closedEarly)) run.closedEarly[Number(k)] = (run.closedEarly[Number(k)] ?? 0) + v;
      for (const [seq, id] of m.entityOfSeq) run.entityOfSeq.set(seq, id);
      run.drained &&= m.drained;
      clientLoopDelay.push(m.loopDelay);
    }
    const ms = (ns: number) => ns / 1e6;
    return {
      opts,
      connected: subscribedAt.filter((s) => !Number.isNaN(s)).length,
      connectSeconds,
      subscribedAt,
      deliveries: seqs.reduce((a, s) => a + s.length, 0),
      seqs: concat(seqs, Int32Array),
      receivedAt: concat(received, Float64Array),
      ...run,
      created,
      createFailures,
      warmupFailures,
      createSeconds,
      responseAt,
      sentAt,
      warmupIds,
      clientLoopDelay,
      createLoopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
    };
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

function concat<T extends Int32Array | Float64Array>(parts: T[], Kind: { new (n: number): T }): T {
  const out = new Kind(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export type LiveResult = {
  /** From the event's occurred_at: its transaction's start, before the commit (includes any lock wait): conservative. */
  latency: Summary;
  /**
   * From the incident.created audit entry's time: stamped after the audit-head lock, a few statements
   * before commit, so still conservative but without the transaction's waits (created events only).
   */
  fromAudit: Summary;
  /** From the HTTP response of the create, which arrives after the commit: optimistic (created events only). */
  fromResponse: Summary;
  /** Where a create's own time went: request sent → its transaction's start, and that start → its response back. */
  sentToStart: Summary;
  startToResponse: Summary;
  /** The warm-up's deliveries, from occurred_at: not in the figure. */
  warmup: Summary;
  expected: number;
  delivered: number;
  events: number;
};

/** Reads each event's times from the database after the run (same machine clock) and computes latencies. */
export async function liveLatency(db: Kysely<DB>, run: LiveRun): Promise<LiveResult> {
  let from = Number.POSITIVE_INFINITY;
  for (const s of run.subscribedAt) if (!Number.isNaN(s)) from = Math.min(from, s);
  if (!Number.isFinite(from)) from = 0;
  const { rows } = await sql<{ seq: number; ms: number }>`
    SELECT seq, extract(epoch FROM occurred_at) * 1000 AS ms FROM events WHERE topic = 'incidents' AND seq > ${from} ORDER BY seq`.execute(db);
  await sequencePending(db);
  const audit = await sql<{ entity_id: string; ms: number }>`
    SELECT entity_id, extract(epoch FROM occurred_at) * 1000 AS ms FROM audit_log WHERE action = 'incident.created'`.execute(db);
  // The window's events are those after the warm-up's last: its creates had all answered before the window's first was sent.
  const warm = run.warmupIds.length
    ? await sql<{ max: number | null }>`SELECT max(seq) AS max FROM events WHERE topic = 'incidents' AND kind = 'created' AND entity_id = ANY(${run.warmupIds}::text[])`.execute(db)
    : { rows: [] };
  const windowFrom = Number(warm.rows[0]?.max ?? 0);
  const occurred = new Map(rows.map((r) => [Number(r.seq), Number(r.ms)]));
  const audited = new Map(audit.rows.map((r) => [r.entity_id, Number(r.ms)]));
  const eventSeqs = rows.map((r) => Number(r.seq)).filter((seq) => seq > windowFrom);
  let expected = 0;
  for (const s of run.subscribedAt) {
    if (Number.isNaN(s)) continue;
    for (const seq of eventSeqs) if (seq > s) expected++;
  }
  const latencies = new Float64Array(run.deliveries);
  const warmup = new Float64Array(run.deliveries);
  const fromAudit = new Float64Array(run.deliveries);
  const fromResponse = new Float64Array(run.deliveries);
  let k = 0;
  let w = 0;
  let a = 0;
  let h = 0;
  for (let i = 0; i < run.deliveries; i++) {
    const seq = run.seqs[i]!;
    const at = occurred.get(seq);
    if (at === undefined) continue;
    const received = run.receivedAt[i]!;
    if (seq <= windowFrom) {
      warmup[w++] = received - at;
      continue;
    }
    latencies[k++] = received - at;
    const entity = run.entityOfSeq.get(seq);
    if (entity === undefined) continue;
    const auditAt = audited.get(entity);
    if (auditAt !== undefined) fromAudit[a++] = received - auditAt;
    const resp = run.responseAt.get(entity);
    if (resp !== undefined) fromResponse[h++] = received - resp;
  }
  const sentToStart: number[] = [];
  const startToResponse: number[] = [];
  for (const [seq, entity] of run.entityOfSeq) {
    const start = occurred.get(seq);
    const sent = run.sentAt.get(entity);
    const resp = run.responseAt.get(entity);
    if (start === undefined || sent === undefined || resp === undefined) continue;
    sentToStart.push(start - sent);
    startToResponse.push(resp - start);
  }
  return {
    sentToStart: summarize(Float64Array.from(sentToStart)),
    startToResponse: summarize(Float64Array.from(startToResponse)),
    latency: summarize(latencies.subarray(0, k)),
    warmup: summarize(warmup.subarray(0, w)),
    fromAudit: summarize(fromAudit.subarray(0, a)),
    fromResponse: summarize(fromResponse.subarray(0, h)),
    expected,
    delivered: k,
    events: eventSeqs.length,
  };
}
