import crypto from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../platform/db/database.js';

/** A fresh, migrated database for one test file: a copy of the run's template. */
export async function freshDatabase(): Promise<Database & { superuserUrl: string | null }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `centinela_t_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // PostgreSQL copies a template for one CREATE DATABASE at a time: parallel test files retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplateDb')}`);
        break;
      } catch (e) {
        if (attempt > 100 || !String((e as Error).message).includes('being accessed')) throw e;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
    const u = new URL(url);
    u.pathname = `/${name}`;
    const database = await openDatabase({ kind: 'postgres', url: u.toString(), poolSize: 4 });
    return {
      ...database,
      superuserUrl: u.toString(),
      close: async () => {
        await database.close();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const tar = fs.readFileSync(inject('pgliteTemplate'));
  const pglite = await PGlite.create({ loadDataDir: new Blob([tar]) });
  return { ...(await openDatabase({ kind: 'pglite', pglite })), superuserUrl: null };
}

/**
 * Two server instances on one fresh PostgreSQL database (*.pg.test.ts only): `a` owns the database,
 * `b` is a second pool on it, as another process would have. `close` closes both and drops it.
 */
export async function twoInstances(bPoolSize = 4): Promise<{ a: Database & { superuserUrl: string | null }; b: Database; close: () => Promise<void> }> {
  const a = await freshDatabase();
  if (!a.superuserUrl) throw new Error('twoInstances needs PostgreSQL (DATABASE_URL)');
  const b = await openDatabase({ kind: 'postgres', url: a.superuserUrl, poolSize: bPoolSize });
  return {
    a,
    b,
    close: async () => {
      await b.close();
      await a.close();
    },
  };
}
