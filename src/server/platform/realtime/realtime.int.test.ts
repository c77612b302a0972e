import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { listenLive, LiveTestClient, upgradeStatus, type Msg } from './live-test-client.js';
import { publishEvent, type EventInput } from './outbox.js';
import { ERROR_MESSAGES } from '../../../common/errors.js';
import { entitySubscriptionSchema, matchDepartment } from './protocol.js';

// The protocol of GET /api/live over real sockets, against the real database (PGlite, or PostgreSQL with DATABASE_URL).
let s: TestServer;
let url: string;
let auditor: string;
let admin: string;
const clients: LiveTestClient[] = [];

const connect = async (auth: { cookie?: string; token?: string }) => {
  const c = await LiveTestClient.connect(url, auth);
  clients.push(c);
  return c;
};
const publish = (e: Partial<EventInput> = {}) =>
  s.database.db.transaction().execute((tx) =>
    publishEvent(tx, { topic: 'test.incidents', kind: 'created', entityType: 'incident', entityId: crypto.randomUUID(), department: 'SV.SS', ...e }),
  );
const eventFor = (entityId: string) => (m: Msg) => m.type === 'event' && m.entityId === entityId;

beforeAll(async () => {
  s = await createTestServer({ EVENTS_REPLAY_MAX: '5' });
  const rt = s.centinela.realtime;
  rt.registerTopic('test.incidents', { permission: 'audit:read', match: matchDepartment });
  rt.registerTopic('test.users', { permission: 'users:read', match: matchDepartment });
  rt.registerTopic('test.incident', {
    permission: 'audit:read',
    schema: entitySubscriptionSchema,
    eventTopics: ['test.incidents'],
    match: (e, sub) => e.topic === 'test.incidents' && e.entityId === sub.id,
  });
  url = await listenLive(s.centinela.app);
  auditor = await s.loginAs('auditor');
  admin = await s.loginAs('administrator');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await s.close();
});

describe('GET /api/live', () => {
  it('refuses the upgrade with 401 without a principal, with a bad cookie, or before MFA, and 403 from another site', async () => {
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, { cookie: 'not-a-session' })).toBe(401);
    expect(await upgradeStatus(url, { token: 'ct_nope' })).toBe(401);
    const login = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 'auditor', password: 'Centinela-Demo-2026' } });
    expect(login.json().stage).toBe('mfa_pending');
    const pending = login.cookies.find((c) => c.name === 'centinela_session')!.value;
    expect(await upgradeStatus(url, { cookie: pending })).toBe(401);
    expect(await upgradeStatus(url, { cookie: auditor, origin: 'https://evil.example' })).toBe(403);
    expect(s.centinela.realtime.hub.connectionCount).toBe(0);
    expect(await upgradeStatus(url, { cookie: auditor })).toBe(101);
  });

  it('delivers an event committed in a transaction within a second, as a small message', async () => {
    const c = await connect({ cookie: auditor });
    const ack = await c.subscribe([{ topic: 'test.incidents' }]);
    expect(ack).toEqual({ type: 'subscribed', lastSeq: s.centinela.realtime.lastSeq });
    const id = crypto.randomUUID();
    const seq = await publish({ entityId: id, kind: 'status', version: 3, data: { status: 'dispatched' } });
    const committed = performance.now();
    const msg = await c.next(eventFor(id), 1_000);
    expect(performance.now() - committed).toBeLessThan(1_000);
    expect(msg).toEqual({
      type: 'event',
      seq,
      topic: 'test.incidents',
      kind: 'status',
      entityType: 'incident',
      entityId: id,
      version: 3,
      department: 'SV.SS',
      data: { status: 'dispatched' },
    });
  });

  it('delivers nothing from a rolled-back transaction, and does not hold later events behind its gap', async () => {
    const c = await connect({ cookie: auditor });
    await c.subscribe([{ topic: 'test.incidents' }]);
    const ghost = crypto.randomUUID();
    await expect(
      s.database.db.transaction().execute(async (tx) => {
        await publishEvent(tx, { topic: 'test.incidents', kind: 'created', entityType: 'incident', entityId: ghost });
        throw new Error('validation failed after publishing');
      }),
    ).rejects.toThrow('validation failed');
    const marker = crypto.randomUUID();
    await publish({ entityId: marker });
    const started = performance.now();
    await c.next(eventFor(marker), 1_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(c.events().map((m) => m.entityId)).toEqual([marker]);
    expect(await s.database.db.selectFrom('events').select('seq').where('entity_id', '=', ghost).execute()).toEqual([]);
  });

  it('enforces the permission of each topic, for sessions and for scoped bearer tokens', async () => {
    const c = await connect({ cookie: admin });
    c.send({ type: 'subscribe', topics: [{ topic: 'test.incidents' }, { topic: 'test.users' }] });
    expect(await c.next()).toEqual({ type: 'error', code: 'forbidden', topic: 'test.incidents', detail: ERROR_MESSAGES.forbidden });
    expect((await c.next()).type).toBe('subscribed');
    const created = await s.request({ method: 'POST', url: '/api/auth/tokens', cookie: auditor, body: { name: 'pantalla', scopes: ['audit:read'] } });
    expect(created.statusCode).toBe(201);
    const t = await connect({ token: created.json().token });
    t.send({ type: 'subscribe', topics: [{ topic: 'test.users' }, { topic: 'test.incidents' }] });
    expect(await t.next()).toEqual({ type: 'error', code: 'forbidden', topic: 'test.users', detail: ERROR_MESSAGES.forbidden });
    expect((await t.next()).type).toBe('subscribed');

    const secret = crypto.randomUUID();
    const user = crypto.randomUUID();
    await publish({ entityId: secret });
    await publish({ topic: 'test.users', entityType: 'user', entityId: user });
    await c.next(eventFor(user));
    await t.next(eventFor(secret));
    const later = crypto.randomUUID();
    await publish({ entityId: later });
    await t.next(eventFor(later));
    expect(c.events().map((m) => m.entityId)).toEqual([user]);
    expect(t.events().map((m) => m.entityId)).toEqual([secret, later]);
  });

  it('filters by department when the subscription names one', async () => {
    const c = await connect({ cookie: auditor });
    await c.subscribe([{ topic: 'test.incidents', department: 'SV.SS' }]);
    const elsewhere = crypto.randomUUID();
    const here = crypto.randomUUID();
    await publish({ entityId: elsewhere, department: 'SV.SA' });
    await publish({ entityId: here, department: 'SV.SS' });
    await c.next(eventFor(here));
    expect(c.events().map((m) => m.entityId)).toEqual([here]);
  });

  it('replays missed events in seq order with `since`, then carries on live', async () => {
    const first = await connect({ cookie: auditor });
    const { lastSeq } = await first.subscribe([{ topic: 'test.incidents', department: 'SV.SS' }]);
    await first.close();
    const one = await publish({ entityId: 'a' });
    await publish({ entityId: 'other-department', department: 'SV.SA' });
    await publish({ topic: 'test.users', entityId: 'other-topic' });
    const two = await publish({ entityId: 'b', kind: 'updated' });
    const three = await publish({ entityId: 'c' });
    await s.centinela.realtime.relay.settle();

    const again = await connect({ cookie: auditor });
    const ack = await again.subscribe([{ topic: 'test.incidents', department: 'SV.SS' }], lastSeq as number);
    expect(ack.lastSeq).toBeGreaterThanOrEqual(three);
    const replayed = [await again.next(), await again.next(), await again.next()];
    expect(replayed.map((m) => [m.seq, m.entityId])).toEqual([
      [one, 'a'],
      [two, 'b'],
      [three, 'c'],
    ]);
    const live = await publish({ entityId: 'd' });
    expect((await again.next()).seq).toBe(live);
  });

  it('replays for one entity through a topic that reads another topic’s events', async () => {
    const { lastSeq } = await (await connect({ cookie: auditor })).subscribe([]);
    const id = crypto.randomUUID();
    const a = await publish({ entityId: id });
    await publish({ entityId: crypto.randomUUID() });
    const b = await publish({ entityId: id, kind: 'updated', version: 2 });
    await s.centinela.realtime.relay.settle();
    const c = await connect({ cookie: auditor });
    await c.subscribe([{ topic: 'test.incident', id }], lastSeq as number);
    expect([(await c.next()).seq, (await c.next()).seq]).toEqual([a, b]);
  });

  it('asks the client to reload when it missed more than EVENTS_REPLAY_MAX matching events', async () => {
    const first = await connect({ cookie: auditor });
    const { lastSeq } = await first.subscribe([{ topic: 'test.incidents' }]);
    await first.close();
    for (let i = 0; i < 6; i++) await publish();
    await s.centinela.realtime.relay.settle();
    const c = await connect({ cookie: auditor });
    const ack = await c.subscribe([{ topic: 'test.incidents' }], lastSeq as number);
    expect(await c.next()).toEqual({ type: 'reload', lastSeq: ack.lastSeq });
    const live = await publish();
    expect(await c.next()).toMatchObject({ type: 'event', seq: live });
    expect(c.events()).toHaveLength(1);
  });

  it('answers malformed or unknown messages with validation_failed and stays usable', async () => {
    const c = await connect({ cookie: auditor });
    c.send('not json');
    c.send({ type: 'unsubscribe' });
    c.send({ type: 'subscribe', topics: 'test.incidents' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    for (let i = 0; i < 4; i++) expect(await c.next()).toEqual({ type: 'error', code: 'validation_failed', detail: ERROR_MESSAGES.validation_failed });
    c.send({ type: 'subscribe', topics: [{ topic: 'nope' }, { topic: 'test.incidents', department: 'san salvador' }, { topic: 'test.incident', id: '42' }] });
    expect(await c.next()).toEqual({ type: 'error', code: 'validation_failed', topic: 'nope', detail: ERROR_MESSAGES.validation_failed });
    expect(await c.next()).toEqual({ type: 'error', code: 'validation_failed', topic: 'test.incidents', detail: ERROR_MESSAGES.validation_failed });
    expect(await c.next()).toEqual({ type: 'error', code: 'validation_failed', topic: 'test.incident', detail: ERROR_MESSAGES.validation_failed });
    expect((await c.next()).type).toBe('subscribed');
    await c.subscribe([{ topic: 'test.incidents' }]);
    const id = crypto.randomUUID();
    await publish({ entityId: id });
    await c.next(eventFor(id));
    expect(c.closeCode).toBeNull();
  });
});
