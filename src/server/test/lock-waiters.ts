import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db/schema.js';

/** Waits until n sessions of this database wait on a lock: a request has queued behind one a test holds (PostgreSQL only). */
export async function waitForLockWaiters(db: Kysely<DB>, n: number) {
  for (let i = 0; i < 300; i++) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
    if (r.rows[0]!.n >= n) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('the request never queued behind the lock');
}
