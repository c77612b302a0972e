import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/test-database.js';
import { notifyOnCommit } from './commit-signals.js';
import { openDatabase, type Database } from './database.js';
import { listenOn } from './listen.js';

// Collected only on PostgreSQL (vitest.config.ts): another server process is another pool on the same database.
let database: Database & { superuserUrl: string | null };
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const marked = (channel: string) => sql`${notifyOnCommit(channel)}SELECT 1`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('commit signals across processes', () => {
  it('tells other server processes with a NOTIFY sent after the commit (PostgreSQL)', async () => {
    const other = await openDatabase({ kind: 'postgres', url: database.superuserUrl!, poolSize: 2 });
    let woken = 0;
    const stop = await listenOn(other, 'test_signal', () => woken++, () => undefined);
    try {
      // A (re)connected LISTEN wakes its listener once, for what it may have missed: let that pass first.
      await sleep(50);
      const before = woken;
      await database.db.transaction().execute((tx) => marked('test_signal').execute(tx));
      for (let i = 0; i < 100 && woken === before; i++) await sleep(10);
      expect(woken).toBeGreaterThan(before);
    } finally {
      await stop();
      await other.close();
    }
  });
});
