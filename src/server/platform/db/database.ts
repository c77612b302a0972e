import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

// bigint (int8) and numeric arrive as strings by default; sequence numbers fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export type Database = {
  db: Kysely<DB>;
  pool: pg.Pool;
  kind: 'pglite' | 'postgres';
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
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    kind: opts.kind,
    close: async () => {
      await db.destroy();
      if (pglite && !pglite.closed) await pglite.close();
    },
  };
}
