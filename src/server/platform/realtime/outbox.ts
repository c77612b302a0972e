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

/**
 * publishEvent's INSERT into events (`RETURNING seq`) as a part of a larger statement, for a use case
 * that writes its change, audit entry and events in one statement. The caller must mark that
 * statement with `notifyOnCommit(EVENTS_CHANNEL)`.
 */
export function eventInsert(event: EventInput): RawBuilder<{ seq: number }> {
  const data = event.data === undefined || event.data === null ? null : JSON.stringify(event.data);
  if (data !== null && Buffer.byteLength(data) > MAX_DATA_BYTES) {
    throw new Error(`publishEvent: data of ${event.topic}/${event.kind} exceeds ${MAX_DATA_BYTES} bytes; send an id, not a document`);
  }
  // The seq's default (events_next_seq(), migrations/0014) takes PUBLISHER_LOCK first and holds it
  // until commit: a relay seeing a gap knows which transactions may still fill it.
  return sql<{ seq: number }>`
      INSERT INTO events (topic, kind, entity_type, entity_id, version, department, data)
      VALUES (${event.topic}, ${event.kind}, ${event.entityType}, ${event.entityId}, ${event.version ?? null},
              ${event.department ?? null}, ${data}::jsonb)
      RETURNING seq`;
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
