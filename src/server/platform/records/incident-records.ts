import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { AuditContext } from '../auth/principal.js';
import type { DB, IncidentsTable, UnitsTable } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { publishEvent, type EventInput } from '../realtime/outbox.js';

/**
 * How every module writes incident and unit rows (the 911 core, and the field app, which may not import
 * it): lock units before the incident, check and bump the version, append to the timeline, announce
 * after commit. One definition, so the two cannot drift.
 */
export type IncidentRow = Selectable<IncidentsTable>;
export type UnitRow = Selectable<UnitsTable>;

export async function lockUnit(tx: Transaction<DB>, unitId: string): Promise<UnitRow> {
  const unit = await tx.selectFrom('units').selectAll().where('id', '=', unitId).forUpdate().executeTakeFirst();
  if (!unit) throw notFound();
  return unit;
}

/** Locks the incident and checks the caller saw its current version (optimistic concurrency). */
export async function lockIncident(tx: Transaction<DB>, id: string, expectedVersion?: number): Promise<IncidentRow> {
  const row = await tx.selectFrom('incidents').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound();
  assertVersion(row, expectedVersion);
  return row;
}

/** 409 with the current version and status when the caller saw another version than the row's. */
export function assertVersion(row: IncidentRow, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new AppError('stale_version', 409, { currentVersion: row.version }, { currentVersion: row.version, currentStatus: row.status });
  }
}

/** Writes a change and bumps the version; every write to an incident goes through here. */
export async function updateIncident(tx: Transaction<DB>, row: IncidentRow, patch: Updateable<IncidentsTable>): Promise<IncidentRow> {
  return tx
    .updateTable('incidents')
    .set({ ...patch, version: row.version + 1, updated_at: new Date() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Every fact about an incident is a new timeline row; rows are never edited (a trigger refuses it). */
export async function appendIncidentTimeline(tx: Transaction<DB> | Kysely<DB>, ctx: AuditContext, incidentId: string, kind: string, data: Record<string, unknown> = {}) {
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

export async function announceUnit(tx: Transaction<DB>, unit: { id: string; version: number; department: string }, kind: string, data: Record<string, unknown> | null = null) {
  await publishEvent(tx, { topic: 'units', kind, entityType: 'unit', entityId: unit.id, version: unit.version, department: unit.department, data });
}
