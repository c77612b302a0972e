import type { Transaction, Updateable } from 'kysely';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB, IncidentsTable } from '../../platform/db/schema.js';
import { notFound } from '../../platform/errors.js';
import { publishEvent } from '../../platform/realtime/outbox.js';

// Modules never import each other (lint): these mirror the emergency module's incident-store/timeline
// conventions (lock units then incident, bump the version, append to the timeline, announce after commit).

export async function lockUnit(tx: Transaction<DB>, unitId: string) {
  const unit = await tx.selectFrom('units').selectAll().where('id', '=', unitId).forUpdate().executeTakeFirst();
  if (!unit) throw notFound();
  return unit;
}
export type UnitRow = Awaited<ReturnType<typeof lockUnit>>;

export async function lockIncident(tx: Transaction<DB>, id: string) {
  const row = await tx.selectFrom('incidents').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound();
  return row;
}
export type IncidentRow = Awaited<ReturnType<typeof lockIncident>>;

export async function updateIncident(tx: Transaction<DB>, row: IncidentRow, patch: Updateable<IncidentsTable>) {
  return tx
    .updateTable('incidents')
    .set({ ...patch, version: row.version + 1, updated_at: new Date() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function appendTimeline(tx: Transaction<DB>, ctx: AuditContext, incidentId: string, kind: string, data: Record<string, unknown>) {
  await tx.insertInto('incident_timeline').values({ incident_id: incidentId, actor_id: ctx.actorId, actor_username: ctx.actorUsername, kind, data: JSON.stringify(data) }).execute();
}

export async function announceIncident(tx: Transaction<DB>, incident: { id: string; version: number; department: string | null }, kind: string) {
  await publishEvent(tx, { topic: 'incidents', kind, entityType: 'incident', entityId: incident.id, version: incident.version, department: incident.department, data: null });
}

export async function announceUnit(tx: Transaction<DB>, unit: { id: string; version: number; department: string }, kind: string) {
  await publishEvent(tx, { topic: 'units', kind, entityType: 'unit', entityId: unit.id, version: unit.version, department: unit.department, data: null });
}
