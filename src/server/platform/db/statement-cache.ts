import type pg from 'pg';

// A connection prepares at most this many distinct statements; later new ones run unprepared.
const MAX_PREPARED_PER_CONNECTION = 300;

const names = new Map<string, string>();
const nameOf = (text: string) => {
  let n = names.get(text);
  if (n === undefined && names.size < 10 * MAX_PREPARED_PER_CONNECTION) names.set(text, (n = `k${names.size}`));
  return n;
};

/**
 * Runs every parameterised statement as a named prepared statement on its connection, so the server
 * parses and plans a statement text once per connection instead of on every execution (PostgreSQL
 * may then use a generic plan after five runs). Kysely sends the same text for the same query, and
 * the hot paths run a handful of texts. Statements without parameters (BEGIN, COMMIT) are left alone.
 */
export function preparingPool(pool: pg.Pool, opts: { replaceStale: boolean }): pg.Pool {
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  // Connections whose prepared plans a schema change invalidated (SQLSTATE 0A000): dropped on release.
  const stale = new WeakSet<pg.PoolClient>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const wrapper = Object.create(pool) as pg.Pool;
  wrapper.connect = (async () => {
    const client = await connect();
    // The pool sets release() at each checkout: wrap it each time. (PGlite is one process, migrated before any
    // query, and its single connection cannot be replaced: there the wrap is not needed and must not apply.)
    if (opts.replaceStale) {
      const release = client.release.bind(client);
      client.release = ((err?: Error | boolean) => release(stale.has(client) ? true : err)) as typeof client.release;
    }
    if (!prepared.has(client)) {
      const names = new Set<string>();
      prepared.set(client, names);
      const query = client.query.bind(client) as unknown as (...args: unknown[]) => unknown;
      // pg's promise form keeps results reachable across young-generation GCs (measured on a list of 30
      // units: 10% of a request's allocations survived, ~3 ms scavenges; 0.1% and ~0.5 ms in callback form).
      const run = (config: pg.QueryConfig): Promise<pg.QueryResult> =>
        new Promise<pg.QueryResult>((resolve, reject) => query(config, (err: Error | null, res: pg.QueryResult) => (err ? reject(err) : resolve(res)))).catch(
          (e: unknown) => {
            // As pg's promise form does: the error's stack leads back to the caller, not to the socket.
            if (e instanceof Error) Error.captureStackTrace(e);
            throw e;
          },
        );
      client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
        // A callback, a Query object or a config object: the caller's own way, untouched.
        if (typeof text !== 'string' || rest.length > 0 || (values !== undefined && !Array.isArray(values))) return query(text, values, ...rest);
        if (Array.isArray(values) && values.length > 0) {
          const name = nameOf(text);
          if (name !== undefined && (names.has(name) || names.size < MAX_PREPARED_PER_CONNECTION)) {
            names.add(name);
            // A migration by another process changed a table a plan returns ("cached plan must not change
            // result type"): this request fails once, and the connection is replaced instead of failing forever.
            return run({ name, text, values }).catch((e: unknown) => {
              if ((e as { code?: string }).code === '0A000') stale.add(client);
              throw e;
            });
          }
        }
        return run(values === undefined ? { text } : { text, values: values as unknown[] });
      }) as typeof client.query;
    }
    return client;
  }) as typeof pool.connect;
  return wrapper;
}
