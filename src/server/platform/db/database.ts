import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { CommitSignals, signallingDialect } from './commit-signals.js';
import { preparingPool } from './statement-cache.js';
import type { DB } from './schema.js';

// bigint (int8) and numeric arrive as strings by default; sequence numbers fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export type Database = {
  db: Kysely<DB>;
  pool: pg.Pool;
  kind: 'pglite' | 'postgres';
  /** Wakes listeners when a statement marked with notifyOnCommit commits (see commit-signals.ts). */
  signals: CommitSignals;
  /** PostgreSQL backend pids of this pool's connections: their NOTIFYs were already signalled here. */
  ownBackends: ReadonlySet<number>;
  close: () => Promise<void>;
};

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string; pglite?: PGlite };

/** One driver path: Kysely over pg.Pool, the pool talking to PostgreSQL or to embedded PGlite. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let pool: pg.Pool;
  let pglite: PGlite | undefined;
  if (opts.kind === 'postgres') {
    pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
  } else {
    pglite = opts.pglite ?? (await PGlite.create(opts.dataDir ? path.join(opts.dataDir, 'pgdata') : undefined));
    // PGlite is a single session: the pool must hold exactly one connection.
    pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 });
  }
  pool.on('error', () => undefined);
  const ownBackends = new Set<number>();
  type WithPid = pg.PoolClient & { processID?: number };
  pool.on('connect', (c: WithPid) => void (c.processID !== undefined && ownBackends.add(c.processID)));
  pool.on('remove', (c: WithPid) => void (c.processID !== undefined && ownBackends.delete(c.processID)));
  // Other server processes exist only on PostgreSQL (PGlite is one process's database).
  const signals = new CommitSignals(opts.kind === 'postgres' ? (channel) => pool.query('SELECT pg_notify($1, $2)', [channel, '']) : null);
  const db = new Kysely<DB>({ dialect: signallingDialect(new PostgresDialect({ pool: preparingPool(pool, { replaceStale: opts.kind === 'postgres' }) }), signals) });
  return {
    db,
    pool,
    kind: opts.kind,
    signals,
    ownBackends,
    close: async () => {
      await signals.settle();
      await db.destroy();
      if (pglite && !pglite.closed) await pglite.close();
    },
  };
}
