import { createCentinela, type Centinela } from '../app.js';
import type { Config } from '../platform/config.js';
import { openDatabase, type Database } from '../platform/db/database.js';
import type { TestServer } from './test-server.js';

export type SecondServer = { centinela: Centinela; database: Database; stop(): Promise<void> };

/** A second server process's worth (own pool, commit signals, LISTEN connection) on the test's PostgreSQL database; null on PGlite, one process by design. */
export async function secondServer(s: TestServer, overrides: Partial<Config> = {}): Promise<SecondServer | null> {
  if (!s.database.superuserUrl) return null;
  const database = await openDatabase({ kind: 'postgres', url: s.database.superuserUrl, poolSize: 4 });
  const centinela = await createCentinela({ ...s.config, ...overrides }, database, false);
  return {
    centinela,
    database,
    stop: async () => {
      await centinela.stop();
      await database.close();
    },
  };
}
