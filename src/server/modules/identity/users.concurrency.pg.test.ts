import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEnrolledAdministrator } from '../../test/accounts.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';

// Collected only on PostgreSQL (vitest.config.ts): PGlite has one session, so nothing can hold a lock while requests queue.
let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await createTestServer();
  admin = await s.loginAs('administrator');
});
afterAll(() => s.close());

const userRow = (username: string) => s.database.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
const setRoles = (cookie: string, id: string, roles: string[]) => s.request({ method: 'PUT', url: `/api/users/${id}/roles`, cookie, body: { roles } });

describe('administrators under real concurrency', () => {
  it('refuses the later of two overlapping mutual removals with 409 last_administrator', async () => {
    const fourth = await newEnrolledAdministrator(s, admin, 'admin.four');
    const first = await userRow('administrator');
    const adminsBefore = await s.database.db.selectFrom('user_roles').select('user_id').where('role', '=', 'administrator').execute();
    expect(adminsBefore.map((r) => r.user_id).sort()).toEqual([first.id, fourth.id].sort());
    const { pending } = await s.database.db.transaction().execute(async (tx) => {
      await tx.selectFrom('user_roles').select('user_id').where('role', '=', 'administrator').forUpdate().execute();
      const pending = Promise.all([setRoles(admin, fourth.id, ['analyst']), setRoles(fourth.cookie, first.id, ['analyst'])]);
      for (let i = 0; ; i++) {
        const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(s.database.db);
        if (waiting.rows[0]!.n >= 2) break;
        if (i > 200) throw new Error('the two requests never queued behind the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      // Wrapped: returning the bare promise would make the transaction wait for the requests it blocks.
      return { pending };
    });
    const results = await pending;
    const byStatus = results.map((r) => [r.statusCode, r.statusCode === 200 ? null : r.json().code]).sort();
    expect(byStatus).toEqual([
      [200, null],
      [409, 'last_administrator'],
    ]);
    const survivors = await s.database.db.selectFrom('user_roles').innerJoin('users', 'users.id', 'user_roles.user_id').select('users.username').where('user_roles.role', '=', 'administrator').execute();
    expect(survivors).toHaveLength(1);
    if (survivors[0]!.username !== 'administrator') {
      expect((await setRoles(fourth.cookie, first.id, ['administrator'])).statusCode).toBe(200);
      expect((await setRoles(admin, fourth.id, ['analyst'])).statusCode).toBe(200);
    }
  });
});

