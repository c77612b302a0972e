import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { toLiveEvent, type LiveEvent } from './outbox.js';

const PAGE = 1_000;
// Beyond this many rows read, a client that missed so much reloads rather than holding the pool.
const SCAN_FACTOR = 20;

export type CatchUp = { events: LiveEvent[]; complete: boolean };

/**
 * The committed events in (since, upTo] on the given event topics that `accept` keeps, in seq order;
 * incomplete when more than `max` match, or when some of that range was already pruned.
 */
export async function catchUp(
  db: Kysely<DB>,
  range: { since: number; upTo: number },
  topics: readonly string[],
  accept: (e: LiveEvent) => boolean,
  max: number,
): Promise<CatchUp> {
  const { since, upTo } = range;
  if (since >= upTo) return { events: [], complete: true };
  const oldest = await db.selectFrom('events').select((eb) => eb.fn.min('seq').as('min')).executeTakeFirst();
  const min = oldest?.min === null || oldest?.min === undefined ? null : Number(oldest.min);
  // Retention deleted what the client missed (a rollback gap at the edge also lands here: a harmless reload).
  if (min === null || since < min - 1) return { events: [], complete: false };
  if (topics.length === 0) return { events: [], complete: true };

  const events: LiveEvent[] = [];
  let after = since;
  let scanned = 0;
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .select(['seq', 'occurred_at', 'topic', 'kind', 'entity_type', 'entity_id', 'version', 'department', 'data'])
      .where('seq', '>', after)
      .where('seq', '<=', upTo)
      .where('topic', 'in', [...topics])
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const e = toLiveEvent(row);
      if (!accept(e)) continue;
      if (events.length === max) return { events: [], complete: false };
      events.push(e);
    }
    scanned += rows.length;
    const last = rows.at(-1);
    if (rows.length < PAGE || !last) return { events, complete: true };
    if (scanned >= max * SCAN_FACTOR) return { events: [], complete: false };
    after = Number(last.seq);
  }
}
