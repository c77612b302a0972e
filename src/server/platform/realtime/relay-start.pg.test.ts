import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoInstances } from '../../test/test-database.js';
import type { Database } from '../db/database.js';
import { publishEvent } from './outbox.js';
import { Relay } from './relay.js';

// Collected only on PostgreSQL (vitest.config.ts): a relay starting while another process is mid-publish.
let a: Database;
let b: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ a, b, close } = await twoInstances());
});
afterAll(() => close());

const event = () => ({ topic: 'test.start', kind: 'updated', entityType: 'incident', entityId: crypto.randomUUID() });

describe('a relay starting while another process publishes', () => {
  it('starts only once a transaction holding a seq below the max has committed, so its event is history, not lost', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let seq = 0;
    let taken!: () => void;
    const hasSeq = new Promise<void>((r) => (taken = r));
    // Instance A takes seq X and keeps its transaction open; B then commits X+1.
    const open = a.db.transaction().execute(async (tx) => {
      seq = await publishEvent(tx, event());
      taken();
      await released;
    });
    await hasSeq;
    const later = await b.db.transaction().execute((tx) => publishEvent(tx, event()));
    expect(later).toBeGreaterThan(seq);

    const relay = new Relay(b.db, () => undefined, { pollMs: 600_000, gapWaitMs: 5_000 }, (e) => {
      throw e;
    });
    let started = false;
    const starting = relay.start().then(() => (started = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toBe(false);
    release();
    await open;
    await starting;
    // Everything up to lastSeq is committed: a client's `since` read of it misses nothing.
    expect(relay.lastSeq).toBe(later);
    const visible = await b.db.selectFrom('events').select('seq').where('seq', '=', seq).executeTakeFirst();
    expect(Number(visible?.seq)).toBe(seq);
    await relay.stop();
  });
});
