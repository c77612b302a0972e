import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { AUDIT_CHANNEL } from '../../platform/audit/audit-log.js';
import { notifyOnCommit } from '../../platform/db/commit-signals.js';
import { EVENTS_CHANNEL } from '../../platform/realtime/outbox.js';
import { canTransition, type IncidentStatus } from '../../../common/emergency.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { IncidentRow } from '../../platform/records/incident-records.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findIncident(db: Db, id: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}
export type { IncidentRow } from '../../platform/records/incident-records.js';
export { lockIncident, updateIncident } from '../../platform/records/incident-records.js';

/**
 * Lock order for every transaction touching units and incidents: units first, then the incident
 * (assignment and unit status changes do the same), so that no two transactions wait on each other.
 */
export async function lockUnitsOf(tx: Transaction<DB>, incidentIds: string[]) {
  await tx.selectFrom('units').select('id').where('current_incident_id', 'in', incidentIds).orderBy('id').forUpdate().execute();
}

/** Moves an incident along the lifecycle table; an illegal move is a 409 naming the current state. */
export function assertTransition(row: IncidentRow, to: IncidentStatus) {
  if (!canTransition(row.status, to)) {
    throw new AppError('illegal_transition', 409, { from: row.status, to }, { currentStatus: row.status, currentVersion: row.version });
  }
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

export type Intake = {
  id: string;
  typeCode: string;
  priority: number;
  source: string;
  callerNumber: string | null;
  callerName: string | null;
  description: string;
  department: string | null;
  lat: number | null;
  lon: number | null;
  callReceivedAt: Date;
  location: { id: string; lat: number | null; lon: number | null; addressText: string | null; landmark: string | null; department: string | null; source: string; accuracyM: number | null };
  answers: Record<string, unknown>;
  actor: { id: string | null; username: string | null };
  timeline: Record<string, unknown>;
};

/**
 * A new incident, numbered from the year the call came in, with its first location, its protocol
 * answers and its 'created' timeline entry, as CTEs of one statement (the incident is `inc`):
 * intake is the hottest write, and every round trip holds a pooled connection. Foreign keys are
 * checked at the statement's end.
 */
function intakeCtes(i: Intake) {
  const l = i.location;
  return sql`
    n AS (SELECT nextval('incident_number_seq')::text AS n),
    inc AS (
      INSERT INTO incidents (id, number, type_code, priority, status, source, caller_number, caller_name, description, department,
                             lat, lon, current_location_id, call_received_at, created_by)
      SELECT ${i.id}::uuid, 'SV-' || ${String(i.callReceivedAt.getUTCFullYear())} || '-' || lpad(n, greatest(6, length(n)), '0'),
             ${i.typeCode}, ${i.priority}, 'received', ${i.source}, ${i.callerNumber}, ${i.callerName}, ${i.description}, ${i.department},
             ${i.lat}::float8, ${i.lon}::float8, ${l.id}::uuid, ${i.callReceivedAt.toISOString()}::timestamptz, ${i.actor.id}::uuid
        FROM n
      RETURNING *),
    loc AS (
      INSERT INTO incident_locations (id, incident_id, lat, lon, address_text, landmark, department, source, accuracy_m, created_by)
      VALUES (${l.id}::uuid, ${i.id}::uuid, ${l.lat}::float8, ${l.lon}::float8, ${l.addressText}, ${l.landmark}, ${l.department}, ${l.source},
              ${l.accuracyM}::float8, ${i.actor.id}::uuid)),
    ans AS (
      INSERT INTO incident_answers (incident_id, question_key, value, answered_by)
      SELECT ${i.id}::uuid, a.key, a.value, ${i.actor.id}::uuid FROM jsonb_each(${JSON.stringify(i.answers)}::jsonb) a),
    tl AS (
      INSERT INTO incident_timeline (incident_id, actor_id, actor_username, kind, data)
      VALUES (${i.id}::uuid, ${i.actor.id}::uuid, ${i.actor.username}, 'created', ${JSON.stringify(i.timeline)}::jsonb))`;
}

/** Writes a new incident in the caller's transaction; its audit entry and event follow there. */
export async function insertIntake(tx: Transaction<DB>, i: Intake): Promise<IncidentRow> {
  const { rows } = await sql<IncidentRow>`WITH ${intakeCtes(i)} SELECT * FROM inc`.execute(tx);
  return rows[0]!;
}

/**
 * Writes a new incident together with its audit entry and its live event in one statement: one
 * round trip and one implicit transaction instead of five round trips (BEGIN, three writes, COMMIT).
 * The audit entry's `changes.after.number` is the number this statement gives the incident.
 */
export async function insertIntakeAudited(db: Kysely<DB>, i: Intake, audit: (completeChanges: (c: RawBuilder<unknown>) => RawBuilder<unknown>) => RawBuilder<{ id: number }>, event: RawBuilder<{ seq: number }>): Promise<IncidentRow> {
  const { rows } = await sql<IncidentRow>`${notifyOnCommit(AUDIT_CHANNEL, EVENTS_CHANNEL)}
    WITH ${intakeCtes(i)},
    q AS (${audit((c) => sql`jsonb_set(${c}, '{after,number}', to_jsonb((SELECT number FROM inc)))`)}),
    e AS (${event})
    SELECT inc.* FROM inc, q, e`.execute(db);
  return rows[0]!;
}
