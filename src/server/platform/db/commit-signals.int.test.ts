import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/test-database.js';
import { notifyOnCommit } from './commit-signals.js';
import type { Database } from './database.js';
import { listenOn } from './listen.js';

let database: Database & { superuserUrl: string | null };
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const marked = (channel: string) => sql`${notifyOnCommit(channel)}SELECT 1`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('commit signals', () => {
  it('wakes this process once a marked statement commits: at once outside a transaction, after COMMIT inside one, never on rollback', async () => {
    const woken: string[] = [];
    const stop = await listenOn(database, 'test_signal', () => woken.push('x'), () => undefined);
    // A (re)connected LISTEN wakes its listener once, for what it may have missed.
    await sleep(50);
    woken.length = 0;
    try {
      await marked('test_signal').execute(database.db);
      expect(woken).toHaveLength(1);
      await database.db.transaction().execute(async (tx) => {
        await marked('test_signal').execute(tx);
        await sleep(50);
        expect(woken).toHaveLength(1);
      });
      expect(woken).toHaveLength(2);
      await expect(
        database.db.transaction().execute(async (tx) => {
          await marked('test_signal').execute(tx);
          throw new Error('change failed');
        }),
      ).rejects.toThrow('change failed');
      // Nor does this process hear its own NOTIFY to the others a second time.
      await sleep(100);
      expect(woken).toHaveLength(2);
    } finally {
      await stop();
    }
  });

});
