import crypto from 'node:crypto';
import type net from 'node:net';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCentinela, type Centinela } from '../../app.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { openDatabase, type Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { listenLive, LiveTestClient, sleep, type Msg } from './live-test-client.js';
import { publishEvent, type EventInput } from './outbox.js';
import { matchDepartment } from './protocol.js';
import { Relay } from './relay.js';
import { ERROR_MESSAGES } from '../../../common/errors.js';

// The relay and the hub under real conditions: several server processes, concurrent commits, lost
// notifications, heartbeats, slow clients, shutdown. On PGlite (one process, one session) "instance B"
// is instance A and transactions cannot overlap; on PostgreSQL B is a second server on the same database.
let s: TestServer;
let b: Centinela;
let bDatabase: Database | null = null;
let urlA: string;
let urlB: string;
let auditor: string;
let stopped = false;
const clients: LiveTestClient[] = [];
const GAP_WAIT_MS = 400;

const concurrent = () => s.database.kind === 'postgres';
const connect = async (url: string, cookie: string) => {
  const c = await LiveTestClient.connect(url, { cookie });
  clients.push(c);
  return c;
};
const event = (e: Partial<EventInput> = {}): EventInput => ({ topic: 'test.incidents', kind: 'updated', entityType: 'incident', entityId: crypto.randomUUID(), ...e });
const publish = (e: Partial<EventInput> = {}) => s.database.db.transaction().execute((tx) => publishEvent(tx, event(e)));
const eventFor = (entityId: string) => (m: Msg) => m.type === 'event' && m.entityId === entityId;
const registerTopics = (c: Centinela) => c.realtime.registerTopic('test.incidents', { permission: 'audit:read', match: matchDepartment });

/** Publishes in a transaction left open until `release` (on PGlite the only session is needed by others: commit at once). */
async function openPublisher(entityId: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let seq!: number;
  let published!: () => void;
  const hasSeq = new Promise<void>((r) => (published = r));
  const done = s.database.db.transaction().execute(async (tx) => {
    seq = await publishEvent(tx, event({ entityId }));
    published();
    if (concurrent()) await released;
  });
  await hasSeq;
  if (!concurrent()) await done;
  return { seq: () => seq, commit: async () => (release(), await done) };
}

beforeAll(async () => {
  s = await createTestServer({ EVENTS_GAP_WAIT_MS: String(GAP_WAIT_MS), LIVE_HEARTBEAT_SECONDS: '1' });
  registerTopics(s.centinela);
  urlA = await listenLive(s.centinela.app);
  if (concurrent()) {
    const url = (s.database as Database & { superuserUrl: string }).superuserUrl;
    bDatabase = await openDatabase({ kind: 'postgres', url, poolSize: 4 });
    b = await createCentinela(s.config, bDatabase, false);
    registerTopics(b);
    urlB = await listenLive(b.app);
  } else {
    b = s.centinela;
    urlB = urlA;
  }
  auditor = await s.loginAs('auditor');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (!stopped && b !== s.centinela) await b.stop();
  await bDatabase?.close();
  if (!stopped) await s.close();
});

describe('the relay', () => {
  it('pushes an event published through one server to a client of another (one server on PGlite)', async () => {
    expect(b !== s.centinela).toBe(concurrent());
    const c = await connect(urlB, auditor);
    await c.subscribe([{ topic: 'test.incidents' }]);
    const id = crypto.randomUUID();
    const seq = await publish({ entityId: id });
    const committed = performance.now();
    expect((await c.next(eventFor(id), 1_000)).seq).toBe(seq);
    expect(performance.now() - committed).toBeLessThan(1_000);
  });

  it('keeps seq order when a lower seq commits after a higher one, waiting for the open transaction', async () => {
    const c = await connect(urlB, auditor);
    await c.subscribe([{ topic: 'test.incidents' }]);
    const first = await openPublisher('first');
    const second = await publish({ entityId: 'second' });
    expect(second).toBeGreaterThan(first.seq());
    await sleep(GAP_WAIT_MS / 2);
    // Held back while the transaction that owns the missing seq is open (nothing is held on PGlite: it committed).
    expect(c.events().length).toBe(concurrent() ? 0 : 2);
    await first.commit();
    await c.next(eventFor('second'));
    expect(c.events().map((m) => m.seq)).toEqual([first.seq(), second]);
  });

  it('stops waiting after EVENTS_GAP_WAIT_MS, and still delivers the late event when it commits', async () => {
    const c = await connect(urlB, auditor);
    await c.subscribe([{ topic: 'test.incidents' }]);
    const slow = await openPublisher('slow');
    const started = performance.now();
    await publish({ entityId: 'fast' });
    await c.next(eventFor('fast'), 3_000);
    if (concurrent()) expect(performance.now() - started).toBeGreaterThanOrEqual(GAP_WAIT_MS - 50);
    await slow.commit();
    await c.seen(eventFor('slow'), 3_000);
    expect(c.events().map((m) => m.entityId).sort()).toEqual(['fast', 'slow']);
  });

  it('takes the publisher lock with the seq, for publishEvent and for any other insert into events', async () => {
    const holds = (tx: Transaction<DB>) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 7294 AND objid = 2 AND objsubid = 2
        AND mode = 'ShareLock' AND virtualtransaction = (SELECT virtualtransaction FROM pg_locks WHERE locktype = 'virtualxid' AND pid = pg_backend_pid() LIMIT 1)`
        .execute(tx)
        .then((r) => r.rows[0]!.n);
    await s.database.db.transaction().execute(async (tx) => {
      expect(await holds(tx)).toBe(0);
      await publishEvent(tx, event());
      expect(await holds(tx)).toBe(1);
    });
    await s.database.db.transaction().execute(async (tx) => {
      await sql`INSERT INTO events (topic, kind, entity_type, entity_id) VALUES ('test.incidents', 'created', 'incident', 'by hand')`.execute(tx);
      expect(await holds(tx)).toBe(1);
    });
  });

  it('makes up for a lost notification with its poll', async () => {
    const c = await connect(urlB, auditor);
    await c.subscribe([{ topic: 'test.incidents' }]);
    // Written without pg_notify, as if the notification had been lost.
    await sql`INSERT INTO events (topic, kind, entity_type, entity_id) VALUES ('test.incidents', 'created', 'incident', 'unannounced')`.execute(s.database.db);
    await c.next(eventFor('unannounced'), 2_500);
  });

  it('prunes events older than EVENTS_RETENTION_DAYS; a client behind the pruned range reloads', async () => {
    await sql`INSERT INTO events (occurred_at, topic, kind, entity_type, entity_id) VALUES
      (now() - interval '8 days', 'test.incidents', 'created', 'incident', 'old'),
      (now() - interval '6 days', 'test.incidents', 'created', 'incident', 'recent')`.execute(s.database.db);
    expect(await s.centinela.realtime.prune()).toBe(1);
    const left = await s.database.db.selectFrom('events').select('entity_id').where('entity_id', 'in', ['old', 'recent']).execute();
    expect(left.map((r) => r.entity_id)).toEqual(['recent']);
    // As if retention had also reached the oldest event a client last saw.
    await sql`DELETE FROM events WHERE seq = (SELECT min(seq) FROM events)`.execute(s.database.db);
    const c = await connect(urlA, auditor);
    await c.subscribe([{ topic: 'test.incidents' }], 0);
    expect((await c.next()).type).toBe('reload');
  });
});

describe('the relay under load', () => {
  it('reads at once when idle, and hands over the events of a busy interval together', async () => {
    const batches: number[][] = [];
    const relay = new Relay(s.database.db, (events) => batches.push(events.filter((e) => e.topic === 'test.batch').map((e) => e.seq)), { pollMs: 600_000, gapWaitMs: 100, minIntervalMs: 300 }, (e) => {
      throw e;
    });
    await relay.start();
    try {
      const t0 = Date.now();
      const first = await publish({ topic: 'test.batch' });
      relay.kick();
      await relay.settle();
      expect(batches.flat()).toEqual([first]);
      expect(Date.now() - t0).toBeLessThan(250);
      const more: number[] = [];
      for (let i = 0; i < 5; i++) {
        more.push(await publish({ topic: 'test.batch' }));
        relay.kick();
      }
      await relay.settle();
      expect(batches.filter((b) => b.length > 0)).toEqual([[first], more]);
    } finally {
      await relay.stop();
    }
  });
});

describe('the hub', () => {
  it('closes a socket at the next heartbeat once its session is revoked', async () => {
    const cookie = await s.loginAs('auditor');
    const c = await connect(urlB, cookie);
    await c.subscribe([{ topic: 'test.incidents' }]);
    expect((await s.request({ method: 'POST', url: '/api/auth/logout', cookie })).statusCode).toBe(204);
    expect(await c.closed).toBe(1008);
  });

  it('re-checks every socket in one beat and closes only those of the revoked session', async () => {
    const revoked = await s.loginAs('auditor');
    const kept = await s.loginAs('auditor');
    const doomed = [await connect(urlA, revoked), await connect(urlB, revoked)];
    const staying = [await connect(urlA, kept), await connect(urlA, kept), await connect(urlB, kept)];
    for (const c of [...doomed, ...staying]) await c.subscribe([{ topic: 'test.incidents' }]);
    expect((await s.request({ method: 'POST', url: '/api/auth/logout', cookie: revoked })).statusCode).toBe(204);
    expect(await Promise.all(doomed.map((c) => c.closed))).toEqual([1008, 1008]);
    // Two more beats: the other session's sockets are still open and still receive events.
    await sleep(2_200);
    const id = crypto.randomUUID();
    await publish({ entityId: id });
    for (const c of staying) {
      expect(c.closeCode).toBeNull();
      await c.next(eventFor(id), 5_000);
    }
  });

  it('drops a subscription at the next heartbeat once the user loses the permission', async () => {
    const cookie = await s.loginAs('internal_affairs');
    const c = await connect(urlA, cookie);
    await c.subscribe([{ topic: 'test.incidents' }]);
    const user = await s.database.db.selectFrom('users').select('id').where('username', '=', 'internal_affairs').executeTakeFirstOrThrow();
    await s.database.db.deleteFrom('user_roles').where('user_id', '=', user.id).execute();
    expect(await c.next((m) => m.type === 'error', 3_000)).toEqual({ type: 'error', code: 'forbidden', topic: 'test.incidents', detail: ERROR_MESSAGES.forbidden });
    const id = crypto.randomUUID();
    await publish({ entityId: id });
    await sleep(300);
    expect(c.events()).toEqual([]);
    expect(c.closeCode).toBeNull();
  });

  it('closes a client that stops reading (1013) without holding back the others', async () => {
    const fast = await connect(urlA, auditor);
    const slow = await connect(urlA, auditor);
    await fast.subscribe([{ topic: 'test.incidents' }]);
    await slow.subscribe([{ topic: 'test.incidents' }]);
    const socket = (slow.ws as unknown as { _socket: net.Socket })._socket;
    socket.pause();
    const closing = () => [...s.centinela.app.websocketServer.clients].some((w) => w.readyState !== w.OPEN);
    // The client reads again as soon as the server gives up on it, within the close grace even on a loaded machine.
    // The server's socket stays closing while ours is paused, so the watcher cannot miss it; once resumed it may be gone.
    let gaveUp = false;
    const watcher = setInterval(() => {
      if (!closing()) return;
      gaveUp = true;
      clearInterval(watcher);
      socket.resume();
    }, 2);
    // Bursts of ~300 KB: the reading client keeps up; the other one's backlog passes the kernel buffers, then the limit.
    let sent = 0;
    for (let burst = 0; burst < 100 && !gaveUp; burst++) {
      await sql`INSERT INTO events (topic, kind, entity_type, entity_id, data)
        SELECT 'test.incidents', 'position', 'unit', 'u' || i, jsonb_build_object('pad', repeat('x', 3000))
        FROM generate_series(${sent + 1}::int, ${sent + 100}::int) i`.execute(s.database.db);
      sent += 100;
      s.centinela.realtime.poke();
      await fast.next(eventFor(`u${sent}`), 5_000);
    }
    clearInterval(watcher);
    expect(gaveUp).toBe(true);
    socket.resume();
    expect(await slow.closed).toBe(1013);
    expect(slow.events().length).toBeLessThan(sent);
    expect(fast.events().filter((m) => m.kind === 'position')).toHaveLength(sent);
    expect(fast.closeCode).toBeNull();
  });

  it('closes every socket with 1001 when the server stops', async () => {
    const a = await connect(urlA, auditor);
    const c = await connect(urlB, auditor);
    stopped = true;
    if (b !== s.centinela) await b.stop();
    await s.close();
    expect([await a.closed, await c.closed]).toEqual([1001, 1001]);
  });
});
