import { sql, type Kysely, type Transaction, type Updateable } from 'kysely';
import { canTransition, type IncidentStatus } from '../../../common/emergency.js';
import type { DB, IncidentsTable } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findIncident(db: Db, id: string) {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}
export type IncidentRow = NonNullable<Awaited<ReturnType<typeof findIncident>>>;

/**
 * Lock order for every transaction touching units and incidents: units first, then the incident
 * (assignment and unit status changes do the same), so that no two transactions wait on each other.
 */
export async function lockUnitsOf(tx: Transaction<DB>, incidentIds: string[]) {
  await tx.selectFrom('units').select('id').where('current_incident_id', 'in', incidentIds).orderBy('id').forUpdate().execute();
}

/** Locks the incident and checks the caller saw its current version (optimistic concurrency). */
export async function lockIncident(tx: Transaction<DB>, id: string, expectedVersion?: number): Promise<IncidentRow> {
  const row = await tx.selectFrom('incidents').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound();
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new AppError('stale_version', 409, { currentVersion: row.version }, { currentVersion: row.version, currentStatus: row.status });
  }
  return row;
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

/** Moves an incident along the lifecycle table; an illegal move is a 409 naming the current state. */
export function assertTransition(row: IncidentRow, to: IncidentStatus) {
  if (!canTransition(row.status, to)) {
    throw new AppError('illegal_transition', 409, { from: row.status, to }, { currentStatus: row.status, currentVersion: row.version });
  }
}

export async function nextIncidentNumber(tx: Transaction<DB>, at: Date): Promise<string> {
  const r = await sql<{ n: number }>`SELECT nextval('incident_number_seq')::int AS n`.execute(tx);
  return `SV-${at.getUTCFullYear()}-${String(r.rows[0]!.n).padStart(6, '0')}`;
}

export async function loadSettings(db: Db) {
  const rows = await db.selectFrom('dispatch_settings').selectAll().execute();
  const v = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  return {
    speedKmh: v.speed_kmh as Record<string, number>,
    roadFactor: Number(v.road_factor),
    stalePositionSeconds: Number(v.stale_position_seconds),
    stalePositionPenaltySeconds: Number(v.stale_position_penalty_seconds),
    relatedRadiusM: Number(v.related_radius_m),
    relatedWindowMinutes: Number(v.related_window_minutes),
  };
}
export type DispatchSettings = Awaited<ReturnType<typeof loadSettings>>;
