import pg from 'pg';

export type Waits = { samples: number; top: { what: string; share: number }[] };

/**
 * PostgreSQL only: samples what the benchmark database's busy backends are doing (every `everyMs`),
 * to show where a write path waits. Samples are kept under the label set by `label` (none are taken
 * while it is null), so the windows of figure 1's two kinds are sampled alike; `stop` gives the most
 * frequent states per label, and why sampling stopped early if it did.
 */
export async function sampleWaits(url: string, everyMs = 20): Promise<{ label: (l: string | null) => void; stop: () => Promise<{ byLabel: Map<string, Waits>; error: string | null }> }> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  const counts = new Map<string, { samples: number; what: Map<string, number> }>();
  let current: string | null = null;
  let stopped = false;
  let failure: Error | null = null;
  const loop = (async () => {
    while (!stopped) {
      const label = current;
      if (label !== null) {
        const { rows } = await client.query<{ what: string }>(
          `SELECT CASE WHEN state = 'idle in transaction' THEN 'idle in transaction (waiting for the application)'
                       ELSE coalesce(wait_event_type || ':' || wait_event, 'running') END
                  || ' — ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS what
             FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')
              AND backend_type = 'client backend' AND query NOT LIKE 'LISTEN%'`,
        );
        const c = counts.get(label) ?? { samples: 0, what: new Map<string, number>() };
        counts.set(label, c);
        c.samples += rows.length;
        for (const r of rows) c.what.set(r.what, (c.what.get(r.what) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })().catch((e: unknown) => {
    // Sampling is a diagnostic: a failed query ends it without ending the benchmark.
    failure = e as Error;
  });
  return {
    label: (l) => {
      current = l;
    },
    stop: async () => {
      stopped = true;
      const out = new Map<string, Waits>();
      await loop;
      await client.end().catch(() => undefined);
      for (const [label, c] of counts) {
        const top = [...c.what].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([what, n]) => ({ what, share: c.samples ? n / c.samples : 0 }));
        out.set(label, { samples: c.samples, top });
      }
      return { byLabel: out, error: failure ? (failure as Error).message : null };
    },
  };
}
