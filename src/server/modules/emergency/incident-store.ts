import { sql, type Kysely, type Transaction } from 'kysely';
import { AUDIT_CHANNEL, auditQueueInsertFrom, type AuditQueueRow } from '../../platform/audit/audit-log.js';
import { notifyOnCommit } from '../../platform/db/commit-signals.js';
import { EVENTS_CHANNEL, eventInsertFrom, type EventRowJson } from '../../platform/realtime/outbox.js';
import { ACTIVE_STATUSES, canTransition, type IncidentStatus } from '../../../common/emergency.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { IncidentRow } from '../../platform/records/incident-records.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findIncident(db: Db, id: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}
export type { IncidentRow } from '../../platform/records/incident-records.js';
export { assertVersion, lockIncident, updateIncident } from '../../platform/records/incident-records.js';

/**
 * Lock order for every transaction touching units and incidents: units first, then the incident
 * (assignment and unit status changes do the same), so that no two transactions wait on each other.
 */
export async function lockUnitsOf(tx: Transaction<DB>, incidentIds: string[]) {
  await tx.selectFrom('units').select('id').where('current_incident_id', 'in', incidentIds).orderBy('id').forUpdate().execute();
}

/** Facts are added only to an active incident; anything else answers 409 with its status. */
export function assertActive(row: IncidentRow): void {
  if (!ACTIVE_STATUSES.includes(row.status)) throw new AppError('illegal_transition', 409, { from: row.status, to: row.status }, { currentStatus: row.status });
}

/** 409 when the incident changed under a request decided on an earlier read (raised to P1/P2 meanwhile): it needs a supervisor now. */
export const approvalRequiredNow = (row: IncidentRow) =>
  new AppError('conflict', 409, {}, { why: 'priority_changed_approval_required', currentPriority: row.priority, currentVersion: row.version });

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
 * An intake as the JSON text of one flat record, the record `intakeCtes` reads (keys are the names
 * of its column list; the audit entry and event are rows of their own tables, read by their
 * owners). Serialised per request, so that a value JSON cannot carry fails only its own request.
 */
export type IntakeRecord = { id: string; json: string };
export function intakeRecord(i: Intake, audited?: { audit: AuditQueueRow; event: EventRowJson }): IntakeRecord {
  const l = i.location;
  return { id: i.id, json: JSON.stringify({
    id: i.id,
    year: String(i.callReceivedAt.getUTCFullYear()),
    type_code: i.typeCode,
    priority: i.priority,
    source: i.source,
    caller_number: i.callerNumber,
    caller_name: i.callerName,
    description: i.description,
    department: i.department,
    lat: i.lat,
    lon: i.lon,
    call_received_at: i.callReceivedAt.toISOString(),
    actor_id: i.actor.id,
    actor_username: i.actor.username,
    location_id: l.id,
    location_lat: l.lat,
    location_lon: l.lon,
    location_address_text: l.addressText,
    location_landmark: l.landmark,
    location_department: l.department,
    location_source: l.source,
    location_accuracy_m: l.accuracyM,
    answers: i.answers,
    timeline: i.timeline,
    ...audited,
  }) };
}

/**
 * New incidents, each numbered from the year its call came in, with its first location, its protocol
 * answers and its 'created' timeline entry, as CTEs over the records `r` of one JSON parameter (the
 * incidents are `inc`): intake is the hottest write, so several intakes share one statement, and a
 * typed column list reads each record once. Foreign keys are checked at the statement's end.
 */
function intakeCtes(records: IntakeRecord[]) {
  return sql`
    r AS MATERIALIZED (
      SELECT d.*, nextval('incident_number_seq')::text AS n
        FROM jsonb_to_recordset(${`[${records.map((r) => r.json).join(',')}]`}::jsonb) AS d(
          id uuid, year text, type_code text, priority smallint, source text, caller_number text, caller_name text, description text,
          department text, lat float8, lon float8, call_received_at timestamptz, actor_id uuid, actor_username text,
          location_id uuid, location_lat float8, location_lon float8, location_address_text text, location_landmark text,
          location_department text, location_source text, location_accuracy_m float8, answers jsonb, timeline jsonb, audit jsonb, event jsonb)),
    inc AS (
      INSERT INTO incidents (id, number, type_code, priority, status, source, caller_number, caller_name, description, department,
                             lat, lon, current_location_id, call_received_at, created_by)
      SELECT r.id, 'SV-' || r.year || '-' || lpad(r.n, greatest(6, length(r.n)), '0'), r.type_code, r.priority, 'received', r.source,
             r.caller_number, r.caller_name, r.description, r.department, r.lat, r.lon, r.location_id, r.call_received_at, r.actor_id
        FROM r
      RETURNING *),
    loc AS (
      INSERT INTO incident_locations (id, incident_id, lat, lon, address_text, landmark, department, source, accuracy_m, created_by)
      SELECT r.location_id, r.id, r.location_lat, r.location_lon, r.location_address_text, r.location_landmark, r.location_department,
             r.location_source, r.location_accuracy_m, r.actor_id
        FROM r),
    ans AS (
      INSERT INTO incident_answers (incident_id, question_key, value, answered_by)
      SELECT r.id, a.key, a.value, r.actor_id FROM r CROSS JOIN LATERAL jsonb_each(r.answers) a),
    tl AS (
      INSERT INTO incident_timeline (incident_id, actor_id, actor_username, kind, data)
      SELECT r.id, r.actor_id, r.actor_username, 'created', r.timeline FROM r)`;
}

/** The rows in the order of `records` (RETURNING gives no order). */
function inRecordOrder(records: IntakeRecord[], rows: IncidentRow[]): IncidentRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return records.map((d) => {
    const row = byId.get(d.id);
    if (!row) throw new Error(`intake: incident ${d.id} was not returned`);
    return row;
  });
}

/** Writes a new incident in the caller's transaction; its audit entry and event follow there. */
export async function insertIntake(tx: Transaction<DB>, i: Intake): Promise<IncidentRow> {
  const records = [intakeRecord(i)];
  const { rows } = await sql<IncidentRow>`WITH ${intakeCtes(records)} SELECT * FROM inc`.execute(tx);
  return inRecordOrder(records, rows)[0]!;
}

/**
 * Writes new incidents together with their audit entries and live events in one statement: one
 * round trip and one implicit transaction for all of them. Each audit entry's `changes.after.number`
 * is the number this statement gives its incident. Returns the incidents in the order of `records`.
 */
export async function insertIntakes(db: Kysely<DB>, records: IntakeRecord[]): Promise<IncidentRow[]> {
  const { rows } = await sql<IncidentRow>`${notifyOnCommit(AUDIT_CHANNEL, EVENTS_CHANNEL)}
    WITH ${intakeCtes(records)},
    q AS (${auditQueueInsertFrom(sql`r JOIN inc ON inc.id = r.id`, sql`r.audit`, (c) => sql`jsonb_set(${c}, '{after,number}', to_jsonb(inc.number))`)}),
    e AS (${eventInsertFrom(sql`r`, sql`r.event`)})
    SELECT * FROM inc`.execute(db);
  return inRecordOrder(records, rows);
}

/** A received incident's move to dispatched, stamped for its time targets (the first dispatch; after a reopening, the re-dispatch). */
export const dispatchedNow = (row: IncidentRow, now = new Date()) => ({
  status: 'dispatched' as const,
  first_dispatched_at: row.first_dispatched_at ?? now,
  ...(row.reopened_at ? { redispatched_at: now } : {}),
});
