import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/server/platform/db/database.js';

export type DbKind = 'pglite' | 'postgres';

/**
 * A fresh database for one benchmark run. The benchmark opens it itself (to migrate, add fixtures,
 * measure the baseline and read events afterwards) only while the server process is not running:
 * PGlite is one process's embedded database and cannot be shared.
 */
export type BenchTarget = {
  kind: DbKind;
  label: string;
  dataDir: string;
  /** For the server: DATABASE_URL on PostgreSQL, none on PGlite (it uses DATA_DIR). */
  databaseUrl?: string;
  withDb: <T>(fn: (db: Database) => Promise<T>) => Promise<T>;
  dispose: () => Promise<void>;
};

const tempDir = (what: string) => fs.mkdtempSync(path.join(os.tmpdir(), `centinela-bench-${what}-`));

export function pgliteTarget(): BenchTarget {
  const dataDir = tempDir('pglite');
  return {
    kind: 'pglite',
    label: 'PGlite (embedded)',
    dataDir,
    withDb: async (fn) => {
      const database = await openDatabase({ kind: 'pglite', dataDir });
      try {
        return await fn(database);
      } finally {
        await database.close();
      }
    },
    dispose: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Creates `centinela_bench_<pid>` on the server of `adminUrl`; null (with the reason) when PostgreSQL is unreachable. */
export async function postgresTarget(adminUrl: string): Promise<{ target: BenchTarget; version: string } | { error: string }> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (e) {
    return { error: (e as Error).message || String(e) };
  }
  const name = `centinela_bench_${process.pid}`;
  let version: string;
  try {
    version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version.split(' ')[0] ?? '?';
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.end().catch(() => undefined);
    return { error: `cannot create database ${name}: ${(e as Error).message}` };
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const dataDir = tempDir('pg');
  let disposed = false;
  return {
    version,
    target: {
      kind: 'postgres',
      label: `PostgreSQL ${version}`,
      dataDir,
      databaseUrl: url,
      withDb: async (fn) => {
        const database = await openDatabase({ kind: 'postgres', url, poolSize: 10 });
        try {
          return await fn(database);
        } finally {
          await database.close();
        }
      },
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.end().catch(() => undefined);
          fs.rmSync(dataDir, { recursive: true, force: true });
        }
      },
    },
  };
}
