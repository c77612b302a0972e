import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { notifyOnCommit } from '../db/commit-signals.js';
import type { DB } from '../db/schema.js';

/** The relays listen here; a publishing transaction's commit signals it (a hint: the relay always re-reads the table). */
export const EVENTS_CHANNEL = 'centinela_events';

/** Advisory lock key (two-int form) that every publishing transaction holds, shared, until it ends (taken by events_next_seq()). */
export const PUBLISHER_LOCK = [7294, 2] as const;

/** What a module announces: "this entity changed"; clients refetch details through the API. */
export type EventInput = {
  topic: string;
  kind: string;
  entityType: string;
  entityId: string;
  version?: number | null;
  department?: string | null;
  /** Small payload only (e.g. a unit's position); never personal details. */
  data?: unknown;
};

/** A committed event as the relay reads it and clients receive it. */
export type LiveEvent = {
  seq: number;
  occurredAt: string;
  topic: string;
  kind: string;
  entityType: string;
  entityId: string;
  version: number | null;
  department: string | null;
  data: unknown;
};

export type EventRow = {
  seq: number | string;
  occurred_at: Date;
  topic: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  version: number | null;
  department: string | null;
  data: unknown;
};

export const toLiveEvent = (r: EventRow): LiveEvent => ({
  seq: Number(r.seq),
  occurredAt: r.occurred_at.toISOString(),
  topic: r.topic,
  kind: r.kind,
  entityType: r.entity_type,
  entityId: r.entity_id,
  version: r.version,
  department: r.department,
  data: r.data ?? null,
});

const MAX_DATA_BYTES = 4096;

/** An event as an `events` row in JSON (column names as keys), for `eventInsertFrom`. */
export type EventRowJson = ReturnType<typeof eventRow>;
export function eventRow(event: EventInput) {
  const data = event.data ?? null;
  if (data !== null && Buffer.byteLength(JSON.stringify(data)) > MAX_DATA_BYTES) {
    throw new Error(`publishEvent: data of ${event.topic}/${event.kind} exceeds ${MAX_DATA_BYTES} bytes; send an id, not a document`);
  }
  return {
    topic: event.topic,
    kind: event.kind,
    entity_type: event.entityType,
    entity_id: event.entityId,
    version: event.version ?? null,
    department: event.department ?? null,
    data,
  };
}

/**
 * publishEvent's INSERT into events (`RETURNING seq`), one event per row of `from`, each an `eventRow`
 * in JSON at `record`: for one event or for a statement that writes many changes with their audit
 * entries and events. The caller must mark that statement with `notifyOnCommit(EVENTS_CHANNEL)`.
 */
export function eventInsertFrom(from: RawBuilder<unknown>, record: RawBuilder<unknown>): RawBuilder<{ seq: number }> {
  // The seq's default (events_next_seq(), migrations/0014) takes PUBLISHER_LOCK first and holds it
  // until commit: a relay seeing a gap knows which transactions may still fill it.
  return sql<{ seq: number }>`
      INSERT INTO events (topic, kind, entity_type, entity_id, version, department, data)
      SELECT e.topic, e.kind, e.entity_type, e.entity_id, e.version, e.department, e.data
        FROM ${from} CROSS JOIN LATERAL jsonb_populate_record(NULL::events, ${record}) e
      RETURNING seq`;
}

/** One event's INSERT into events (`RETURNING seq`): publishEvent's, through the same definition. */
function eventInsert(event: EventInput): RawBuilder<{ seq: number }> {
  return eventInsertFrom(sql`(SELECT ${JSON.stringify(eventRow(event))}::jsonb AS ev) AS one`, sql`one.ev`);
}

/**
 * Records an event in the caller's transaction; the relays are signalled once it commits (a
 * rolled-back change publishes nothing). Returns the event's seq.
 */
export async function publishEvent(tx: Transaction<DB> | Kysely<DB>, event: EventInput): Promise<number> {
  if (!tx.isTransaction) return tx.transaction().execute((t) => publishEvent(t, event));
  const { rows } = await sql<{ seq: number }>`${notifyOnCommit(EVENTS_CHANNEL)}WITH e AS (${eventInsert(event)}) SELECT seq FROM e`.execute(tx);
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error('publishEvent: the insert returned no seq');
  return Number(seq);
}
