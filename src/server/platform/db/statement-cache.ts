import type pg from 'pg';

// A connection prepares at most this many distinct statements; later new ones run unprepared.
const MAX_PREPARED_PER_CONNECTION = 300;

const names = new Map<string, string>();
const nameOf = (text: string) => {
  let n = names.get(text);
  if (n === undefined && names.size < 10 * MAX_PREPARED_PER_CONNECTION) names.set(text, (n = `k${names.size}`));
  return n;
};

type Query = (config: pg.QueryConfig) => Promise<pg.QueryResult>;

/**
 * Runs every parameterised statement as a named prepared statement on its connection, so the server
 * parses and plans a statement text once per connection instead of on every execution (PostgreSQL
 * may then use a generic plan after five runs). Kysely sends the same text for the same query, and
 * the hot paths run a handful of texts. Statements without parameters (BEGIN, COMMIT) are left alone.
 */
export function preparingPool(pool: pg.Pool): pg.Pool {
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const wrapper = Object.create(pool) as pg.Pool;
  wrapper.connect = (async () => {
    const client = await connect();
    if (!prepared.has(client)) {
      const names = new Set<string>();
      prepared.set(client, names);
      const query = client.query.bind(client) as unknown as (...args: unknown[]) => unknown;
      client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
        if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && rest.length === 0) {
          const name = nameOf(text);
          if (name !== undefined && (names.has(name) || names.size < MAX_PREPARED_PER_CONNECTION)) {
            names.add(name);
            return (query as unknown as Query)({ name, text, values });
          }
        }
        return query(text, values, ...rest);
      }) as typeof client.query;
    }
    return client;
  }) as typeof pool.connect;
  return wrapper;
}
