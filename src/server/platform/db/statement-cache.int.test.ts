import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/test-database.js';
import type { Database } from './database.js';

let database: Database;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

describe('prepared statements', () => {
  it('prepares a parameterised statement once per connection and reuses it, with the same answers', async () => {
    const text = 'SELECT count(*)::int AS n FROM users WHERE username <> ';
    const run = (v: string) => database.db.connection().execute((c) => sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE username <> ${v}`.execute(c));
    const [a, b] = [await run('nobody'), await run('nobody')];
    expect(b.rows).toEqual(a.rows);
    const prepared = await database.db.connection().execute(async (c) => {
      await sql`SELECT count(*)::int AS n FROM users WHERE username <> ${'again'}`.execute(c);
      return (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(c)).rows.map((r) => r.statement);
    });
    expect(prepared.filter((s) => s.startsWith(text))).toHaveLength(1);
  });

  it("keeps a database error's code and a stack that leads back to the caller, prepared or not", async () => {
    // A pooled client used directly, as migrations do (Kysely adds its caller's stack on its own).
    async function readsAMissingTable(param: boolean) {
      const client = await database.pool.connect();
      try {
        await (param ? client.query('SELECT * FROM no_such_table WHERE id = $1', [1]) : client.query('SELECT * FROM no_such_table'));
      } finally {
        client.release();
      }
    }
    // Node's default depth, as in production (the test runner raises it).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
    try {
      for (const param of [true, false]) {
        const err = (await readsAMissingTable(param).then(() => null, (e: unknown) => e)) as { code?: string; stack?: string } | null;
        expect(err?.code).toBe('42P01');
        expect(err?.stack).toContain('readsAMissingTable');
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});
