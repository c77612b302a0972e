import pg from 'pg';
import type { Database } from './database.js';

export type StopListening = () => Promise<void>;

/**
 * Calls `onNotify` when a transaction that sent NOTIFY on `channel` commits. A hint only: callers
 * re-read their table, and poll to make up for any notification lost while reconnecting.
 */
export async function listenOn(database: Database, channel: string, onNotify: () => void, onError: (e: unknown) => void): Promise<StopListening> {
  // This process's own commits are signalled directly; the LISTEN brings other processes' (and NOTIFYs sent in SQL).
  const stopLocal = database.signals.on(channel, onNotify);
  const stopListening = database.kind === 'postgres' ? await listenOnPostgres(database.pool, channel, onNotify, onError, database.ownBackends) : await listenOnPglite(database.pool, channel, onNotify);
  return async () => {
    stopLocal();
    await stopListening();
  };
}

/** PostgreSQL: a dedicated connection outside the pool holds LISTEN, reconnecting with backoff. */
async function listenOnPostgres(pool: pg.Pool, channel: string, onNotify: () => void, onError: (e: unknown) => void, own: ReadonlySet<number>): Promise<StopListening> {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let backoffMs = 250;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ ...pool.options });
    c.on('notification', (n) => {
      // This process's own commits woke its listeners already (commit signals).
      if (n.channel === channel && !own.has(n.processId)) onNotify();
    });
    c.on('error', (e) => {
      onError(e);
      lost(c);
    });
    c.on('end', () => lost(c));
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      backoffMs = 250;
      // Anything committed while we were not listening is picked up by re-reading now.
      onNotify();
    } catch (e) {
      onError(e);
      lost(c);
    }
  };

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = null;
    c.removeAllListeners('notification');
    c.on('error', () => undefined);
    c.end().catch(() => undefined);
    if (stopped) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 5_000);
  };

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const c = client;
    client = null;
    if (c) await c.end().catch(() => undefined);
  };
}

/**
 * PGlite is one session behind a pool of one: LISTEN once, and the notification arrives on whichever
 * pg client ran the COMMIT (checked: it fires on commit and not on rollback), so watch every checkout.
 */
async function listenOnPglite(pool: pg.Pool, channel: string, onNotify: () => void): Promise<StopListening> {
  const watched = new WeakSet<pg.PoolClient>();
  const onNotification = (n: pg.Notification) => {
    if (n.channel === channel) onNotify();
  };
  const watch = (client: pg.PoolClient) => {
    if (watched.has(client)) return;
    watched.add(client);
    client.on('notification', onNotification);
  };
  pool.on('acquire', watch);
  await pool.query(`LISTEN ${channel}`);
  return async () => {
    pool.off('acquire', watch);
  };
}
