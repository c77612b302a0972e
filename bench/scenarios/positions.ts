import type { CandidateUnit } from '../../src/server/modules/emergency/recommend.js';
import type { HttpClient } from '../lib/http.js';
import { closedLoop } from '../lib/stats.js';

export const POSITION_BATCH = 50;
export const POSITION_CONCURRENCY = 4;

/**
 * 4. AVL ingestion: POST /api/units/:id/positions with batches of 50 positions (one a second, the
 * newest now), each request for the next unit, 4 requests at a time. Returns positions per second.
 */
export async function positionIngestion(
  http: HttpClient,
  cookie: string,
  units: CandidateUnit[],
  opts = { warmup: 20, count: 1_000, maxMs: 8_000 },
): Promise<{ requests: number; positions: number; seconds: number; perSecond: number }> {
  const batchFor = (unit: CandidateUnit) => {
    const now = Date.now();
    return {
      positions: Array.from({ length: POSITION_BATCH }, (_, k) => ({
        lat: unit.lat! + (k - POSITION_BATCH) * 0.00005,
        lon: unit.lon! + (k - POSITION_BATCH) * 0.00004,
        accuracyM: 8,
        heading: 45,
        speedMps: 9.5,
        recordedAt: new Date(now - (POSITION_BATCH - 1 - k) * 1000).toISOString(),
      })),
    };
  };
  const r = await closedLoop(
    async (i) => {
      const unit = units[i % units.length]!;
      const res = await http.expect<{ accepted: number }>(200, 'POST', `/api/units/${unit.id}/positions`, { cookie, body: batchFor(unit) });
      if (res.accepted !== POSITION_BATCH) throw new Error(`positions: accepted ${res.accepted} of ${POSITION_BATCH}`);
    },
    { concurrency: POSITION_CONCURRENCY, ...opts },
  );
  const seconds = r.elapsedMs / 1000;
  return { requests: r.done, positions: r.done * POSITION_BATCH, seconds, perSecond: (r.done * POSITION_BATCH) / seconds };
}
