import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';

// Collected only on PostgreSQL (vitest.config.ts): a second session holds the incident while the request waits.
let s: TestServer;
let callTaker: string;
let dispatcher: string;
beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher')];
});
afterAll(() => s.close());

async function waitForLockWaiters(n: number) {
  for (let i = 0; i < 300; i++) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(s.database.db);
    if (r.rows[0]!.n >= n) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('the request never queued behind the lock');
}

describe('rules applied again under the lock', () => {
  it('refuses a P3 cancellation whose incident became P1 while it waited, instead of cancelling it unapproved', async () => {
    const created = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { lat: 13.6978, lon: -89.1914, source: 'map_click' } } });
    const id = created.json().id as string;
    const { pending } = await s.database.db.transaction().execute(async (tx) => {
      await tx.selectFrom('incidents').select('id').where('id', '=', id).forUpdate().execute();
      const pending = s.request({ method: 'POST', url: `/api/incidents/${id}/cancel`, cookie: dispatcher, body: { reason: { code: 'caller_cancelled', text: 'El llamante ya no necesita ayuda' } } });
      await waitForLockWaiters(1);
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
