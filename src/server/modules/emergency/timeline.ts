import type { Transaction } from 'kysely';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { publishEvent, type EventInput } from '../../platform/realtime/outbox.js';

export type TimelineKind =
  | 'created'
  | 'answer'
  | 'priority'
  | 'note'
  | 'location'
  | 'location_selected'
  | 'assignment'
  | 'unit_status'
  | 'status'
  | 'related'
  | 'duplicate'
  | 'merge'
  | 'unmerge'
  | 'cancel_requested'
  | 'close_requested'
  | 'merge_requested'
  | 'cancel_rejected'
  | 'closure'
  | 'reopen'
  | 'escalation'
  | 'message';

/** Every fact about an incident is a new timeline row; rows are never edited (a trigger refuses it). */
export async function appendTimeline(tx: Transaction<DB>, ctx: AuditContext, incidentId: string, kind: TimelineKind, data: Record<string, unknown> = {}) {
  await tx
    .insertInto('incident_timeline')
    .values({ incident_id: incidentId, actor_id: ctx.actorId, actor_username: ctx.actorUsername, kind, data: JSON.stringify(data) })
    .execute();
}

/** The live event announcing a change to an incident: ids and a version, not data. */
export const incidentEvent = (incident: { id: string; version: number; department: string | null }, kind: string): EventInput => ({
  topic: 'incidents',
  kind,
  entityType: 'incident',
  entityId: incident.id,
  version: incident.version,
  department: incident.department,
  data: null,
});

/** Announces a change to live clients after commit. */
export async function announceIncident(tx: Transaction<DB>, incident: { id: string; version: number; department: string | null }, kind: string) {
  await publishEvent(tx, incidentEvent(incident, kind));
}

export async function announceUnit(
  tx: Transaction<DB>,
  unit: { id: string; version: number; department: string },
  kind: string,
  data: Record<string, unknown> | null = null,
) {
  await publishEvent(tx, { topic: 'units', kind, entityType: 'unit', entityId: unit.id, version: unit.version, department: unit.department, data });
}
