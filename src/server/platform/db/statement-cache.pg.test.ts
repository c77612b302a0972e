import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/test-database.js';
import { openDatabase, type Database } from './database.js';

// Collected only on PostgreSQL (vitest.config.ts): another server process migrating under a running one.
let database: Database & { superuserUrl: string | null };
let running: Database;
beforeAll(async () => {
  database = await freshDatabase();
  running = await openDatabase({ kind: 'postgres', url: database.superuserUrl!, poolSize: 1 });
});
afterAll(async () => {
  await running.close();
  await database.close();
});

describe('prepared statements and a migration by another process', () => {
  it('fails the one request whose plan the new column invalidated, then serves again on a fresh connection', async () => {
    await sql`CREATE TABLE test_plans (id int PRIMARY KEY, name text)`.execute(database.db);
    await sql`INSERT INTO test_plans VALUES (1, 'a')`.execute(database.db);
    const read = () => running.db.selectFrom('test_plans' as never).selectAll().where('id' as never, '=', 1 as never).execute();
    expect(await read()).toEqual([{ id: 1, name: 'a' }]);
    await sql`ALTER TABLE test_plans ADD COLUMN extra text`.execute(database.db);
    await expect(read()).rejects.toMatchObject({ code: '0A000' });
    expect(await read()).toEqual([{ id: 1, name: 'a', extra: null }]);
    expect(await read()).toEqual([{ id: 1, name: 'a', extra: null }]);
  });
});
