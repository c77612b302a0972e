import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import WebSocket from 'ws';
import type { DB } from '../../src/server/platform/db/schema.js';
import type { HttpClient } from '../lib/http.js';
import { incidentBody, mulberry32 } from '../lib/fixtures.js';
import { epochMs, sleep, summarize, type Summary } from '../lib/stats.js';
import { sequencePending } from '../../src/server/platform/audit/sequencer.js';

export type LiveOptions = { clients: number; ratePerSecond: number; seconds: number };

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
  createSeconds: number;
  /** When the HTTP response of each create arrived (an upper bound of its commit time), by incident id. */
  responseAt: Map<string, number>;
  /** When each create's request was sent, by incident id. */
  sentAt: Map<string, number>;
  /** The incident each `created` event announced, by seq. */
  entityOfSeq: Map<number, string>;
  drained: boolean;
};

/**
 * 3. `clients` WebSocket clients (one dispatcher session cookie) subscribe to "incidents"; incidents
 * are then created at `ratePerSecond` (open loop: the schedule does not wait for responses) for
 * `seconds`. Every event each client receives is stamped on arrival.
 */
export async function liveDelivery(wsUrl: string, http: HttpClient, readerCookie: string, writerCookie: string, opts: LiveOptions): Promise<LiveRun> {
  const total = Math.round(opts.ratePerSecond * opts.seconds);
  const rnd = mulberry32(3);
  const bodies = Array.from({ length: total }, (_, i) => incidentBody(rnd, i));

  let capacity = opts.clients * (total + 50);
  let seqs = new Int32Array(capacity);
  let receivedAt = new Float64Array(capacity);
  let n = 0;
  const subscribedAt = new Float64Array(opts.clients).fill(Number.NaN);
  const perClient = new Int32Array(opts.clients);
  const lastSeen = new Float64Array(opts.clients);
  const entityOfSeq = new Map<number, string>();
  const otherMessages: Record<string, number> = {};
  const closedEarly: Record<number, number> = {};
  let outOfOrder = 0;
  let closing = false;
  const sockets: WebSocket[] = [];

  const connect = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { headers: { cookie: `centinela_session=${readerCookie}` }, perMessageDeflate: false });
      sockets.push(ws);
      ws.on('error', (e) => reject(e));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: [{ topic: 'incidents' }] })));
      ws.on('close', (code) => {
        if (!closing) closedEarly[code] = (closedEarly[code] ?? 0) + 1;
      });
      ws.on('message', (data: Buffer) => {
        const at = epochMs();
        const m = JSON.parse(data.toString('utf8')) as { type: string; seq?: number; topic?: string; kind?: string; entityId?: string; lastSeq?: number };
        if (m.type === 'event' && m.topic === 'incidents') {
          const seq = m.seq!;
          if (n === capacity) {
            capacity *= 2;
            const s2 = new Int32Array(capacity);
            s2.set(seqs);
            seqs = s2;
            const r2 = new Float64Array(capacity);
            r2.set(receivedAt);
            receivedAt = r2;
          }
          seqs[n] = seq;
          receivedAt[n] = at;
          n++;
          perClient[i]!++;
          if (seq <= lastSeen[i]!) outOfOrder++;
          lastSeen[i] = seq;
          if (m.kind === 'created' && !entityOfSeq.has(seq)) entityOfSeq.set(seq, m.entityId!);
        } else if (m.type === 'subscribed') {
          subscribedAt[i] = m.lastSeq!;
          lastSeen[i] = m.lastSeq!;
          resolve();
        } else {
          otherMessages[m.type] = (otherMessages[m.type] ?? 0) + 1;
        }
      });
    });

  // Connect and subscribe, 50 at a time.
  const c0 = performance.now();
  for (let i = 0; i < opts.clients; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, opts.clients - i) }, (_, k) => connect(i + k)));
  }
  const connectSeconds = (performance.now() - c0) / 1000;
  await sleep(500);

  // Open-loop load: a create is due every 1/rate s from the start, whether or not earlier ones answered.
  const responseAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const createFailures: string[] = [];
  const inFlight: Promise<void>[] = [];
  const createOne = async (i: number) => {
    try {
      const sent = epochMs();
      const res = await http.request<{ id?: string }>('POST', '/api/incidents', { cookie: writerCookie, body: bodies[i] });
      if (res.status === 201 && res.body.id) {
        responseAt.set(res.body.id, epochMs());
        sentAt.set(res.body.id, sent);
      }
      else createFailures.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    } catch (e) {
      createFailures.push((e as Error).message);
    }
  };
  const l0 = performance.now();
  await new Promise<void>((resolve) => {
    let fired = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - l0) / 1000) * opts.ratePerSecond) + 1);
      while (fired < due) inFlight.push(createOne(fired++));
      if (fired >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(inFlight);
  const createSeconds = (performance.now() - l0) / 1000;

  // Drain: every client should see at least one event per successful create (escalations may add more).
  const created = responseAt.size;
  const until = performance.now() + 15_000;
  let drained = false;
  while (performance.now() < until) {
    if (perClient.every((c) => c >= created)) {
      drained = true;
      break;
    }
    await sleep(50);
  }
  await sleep(500);
  closing = true;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000);
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );

  return {
    opts,
    connected: subscribedAt.filter((s) => !Number.isNaN(s)).length,
    connectSeconds,
    subscribedAt,
    deliveries: n,
    seqs: seqs.subarray(0, n),
    receivedAt: receivedAt.subarray(0, n),
    outOfOrder,
    otherMessages,
    closedEarly,
    created,
    createFailures,
    createSeconds,
    responseAt,
    sentAt,
    entityOfSeq,
    drained,
  };
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
  const occurred = new Map(rows.map((r) => [Number(r.seq), Number(r.ms)]));
  const audited = new Map(audit.rows.map((r) => [r.entity_id, Number(r.ms)]));
  const eventSeqs = rows.map((r) => Number(r.seq));
  let expected = 0;
  for (const s of run.subscribedAt) {
    if (Number.isNaN(s)) continue;
    for (const seq of eventSeqs) if (seq > s) expected++;
  }
  const latencies = new Float64Array(run.deliveries);
  const fromAudit = new Float64Array(run.deliveries);
  const fromResponse = new Float64Array(run.deliveries);
  let k = 0;
  let a = 0;
  let h = 0;
  for (let i = 0; i < run.deliveries; i++) {
    const seq = run.seqs[i]!;
    const at = occurred.get(seq);
    if (at === undefined) continue;
    const received = run.receivedAt[i]!;
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
    fromAudit: summarize(fromAudit.subarray(0, a)),
    fromResponse: summarize(fromResponse.subarray(0, h)),
    expected,
    delivered: k,
    events: eventSeqs.length,
  };
}
