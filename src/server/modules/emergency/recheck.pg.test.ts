import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { waitForLockWaiters } from '../../test/lock-waiters.js';

// Collected only on PostgreSQL (vitest.config.ts): a second session holds the incident while the request waits.
let s: TestServer;
let callTaker: string;
let dispatcher: string;
beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher')];
});
afterAll(() => s.close());

describe('rules applied again under the lock', () => {
  it('refuses a P3 cancellation whose incident became P1 while it waited, instead of cancelling it unapproved', async () => {
    const created = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { lat: 13.6978, lon: -89.1914, source: 'map_click' } } });
    const id = created.json().id as string;
    const { pending } = await s.database.db.transaction().execute(async (tx) => {
      await tx.selectFrom('incidents').select('id').where('id', '=', id).forUpdate().execute();
      const pending = s.request({ method: 'POST', url: `/api/incidents/${id}/cancel`, cookie: dispatcher, body: { reason: { code: 'caller_cancelled', text: 'El llamante ya no necesita ayuda' } } });
      await waitForLockWaiters(s.database.db, 1);
      await tx.updateTable('incidents').set({ priority: 1 }).where('id', '=', id).execute();
      return { pending };
    });
    const res = await pending;
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict', why: 'priority_changed_approval_required', currentPriority: 1 });
    const row = await s.database.db.selectFrom('incidents').select(['status']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('received');
  });
});
