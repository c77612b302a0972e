import pg from 'pg';

/**
 * PostgreSQL only: samples what the benchmark database's busy backends are doing (every `everyMs`),
 * to show where a write path waits. Returns a stop function giving the most frequent states.
 */
export async function sampleWaits(url: string, everyMs = 20): Promise<() => Promise<{ samples: number; top: { what: string; share: number }[] }>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ what: string }>(
        `SELECT CASE WHEN state = 'idle in transaction' THEN 'idle in transaction (waiting for the application)'
                     ELSE coalesce(wait_event_type || ':' || wait_event, 'running') END
                || ' — ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS what
           FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')
            AND backend_type = 'client backend' AND query NOT LIKE 'LISTEN%'`,
      );
      samples += rows.length;
      for (const r of rows) counts.set(r.what, (counts.get(r.what) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop.catch(() => undefined);
    await client.end().catch(() => undefined);
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([what, n]) => ({ what, share: samples ? n / samples : 0 }));
    return { samples, top };
  };
}
