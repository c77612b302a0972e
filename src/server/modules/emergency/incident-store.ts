import { sql, type Kysely, type Transaction } from 'kysely';
import { AUDIT_CHANNEL, auditQueueInsertFrom, type AuditQueueRow } from '../../platform/audit/audit-log.js';
import { notifyOnCommit } from '../../platform/db/commit-signals.js';
import { EVENTS_CHANNEL, eventInsertFrom, type EventRowJson } from '../../platform/realtime/outbox.js';
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

/** An intake's rows as JSON (column names as keys): what `insertIntakes` writes for one incident. */
export type IntakeDoc = ReturnType<typeof intakeDoc>;
export function intakeDoc(i: Intake, audited?: { audit: AuditQueueRow; event: EventRowJson }) {
  const l = i.location;
  return {
    year: String(i.callReceivedAt.getUTCFullYear()),
    incident: {
      id: i.id,
      type_code: i.typeCode,
      priority: i.priority,
      source: i.source,
      caller_number: i.callerNumber,
      caller_name: i.callerName,
      description: i.description,
      department: i.department,
      lat: i.lat,
      lon: i.lon,
      current_location_id: l.id,
      call_received_at: i.callReceivedAt.toISOString(),
      created_by: i.actor.id,
    },
    location: { id: l.id, incident_id: i.id, lat: l.lat, lon: l.lon, address_text: l.addressText, landmark: l.landmark, department: l.department, source: l.source, accuracy_m: l.accuracyM, created_by: i.actor.id },
    answers: i.answers,
    timeline: { incident_id: i.id, actor_id: i.actor.id, actor_username: i.actor.username, data: i.timeline },
    ...audited,
  };
}

/**
 * New incidents, each numbered from the year its call came in, with its first location, its protocol
 * answers and its 'created' timeline entry, as CTEs over the rows `r` of one JSON parameter (the
 * incidents are `inc`): intake is the hottest write, so several intakes share one statement.
 * Foreign keys are checked at the statement's end.
 */
function intakeCtes(docs: IntakeDoc[]) {
  return sql`
    r AS MATERIALIZED (
      SELECT t.x, nextval('incident_number_seq')::text AS n
        FROM jsonb_array_elements(${JSON.stringify(docs)}::jsonb) WITH ORDINALITY AS t(x, ord) ORDER BY t.ord),
    inc AS (
      INSERT INTO incidents (id, number, type_code, priority, status, source, caller_number, caller_name, description, department,
                             lat, lon, current_location_id, call_received_at, created_by)
      SELECT i.id, 'SV-' || (r.x->>'year') || '-' || lpad(r.n, greatest(6, length(r.n)), '0'), i.type_code, i.priority, 'received', i.source,
             i.caller_number, i.caller_name, i.description, i.department, i.lat, i.lon, i.current_location_id, i.call_received_at, i.created_by
        FROM r CROSS JOIN LATERAL jsonb_populate_record(NULL::incidents, r.x->'incident') i
      RETURNING *),
    loc AS (
      INSERT INTO incident_locations (id, incident_id, lat, lon, address_text, landmark, department, source, accuracy_m, created_by)
      SELECT l.id, l.incident_id, l.lat, l.lon, l.address_text, l.landmark, l.department, l.source, l.accuracy_m, l.created_by
        FROM r CROSS JOIN LATERAL jsonb_populate_record(NULL::incident_locations, r.x->'location') l),
    ans AS (
      INSERT INTO incident_answers (incident_id, question_key, value, answered_by)
      SELECT (r.x->'incident'->>'id')::uuid, a.key, a.value, (r.x->'incident'->>'created_by')::uuid
        FROM r CROSS JOIN LATERAL jsonb_each(r.x->'answers') a),
    tl AS (
      INSERT INTO incident_timeline (incident_id, actor_id, actor_username, kind, data)
      SELECT t.incident_id, t.actor_id, t.actor_username, 'created', t.data
        FROM r CROSS JOIN LATERAL jsonb_populate_record(NULL::incident_timeline, r.x->'timeline') t)`;
}

/** The rows in the order of `docs` (RETURNING gives no order). */
function inDocOrder(docs: IntakeDoc[], rows: IncidentRow[]): IncidentRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return docs.map((d) => {
    const row = byId.get(d.incident.id);
    if (!row) throw new Error(`intake: incident ${d.incident.id} was not returned`);
    return row;
  });
}

/** Writes a new incident in the caller's transaction; its audit entry and event follow there. */
export async function insertIntake(tx: Transaction<DB>, i: Intake): Promise<IncidentRow> {
  const docs = [intakeDoc(i)];
  const { rows } = await sql<IncidentRow>`WITH ${intakeCtes(docs)} SELECT * FROM inc`.execute(tx);
  return inDocOrder(docs, rows)[0]!;
}

/**
 * Writes new incidents together with their audit entries and live events in one statement: one
 * round trip and one implicit transaction for all of them. Each audit entry's `changes.after.number`
 * is the number this statement gives its incident. Returns the incidents in the order of `docs`.
 */
export async function insertIntakes(db: Kysely<DB>, docs: IntakeDoc[]): Promise<IncidentRow[]> {
  const { rows } = await sql<IncidentRow>`${notifyOnCommit(AUDIT_CHANNEL, EVENTS_CHANNEL)}
    WITH ${intakeCtes(docs)},
    q AS (${auditQueueInsertFrom(sql`r JOIN inc ON inc.id = (r.x->'incident'->>'id')::uuid`, sql`r.x->'audit'`, (c) => sql`jsonb_set(${c}, '{after,number}', to_jsonb(inc.number))`)}),
    e AS (${eventInsertFrom(sql`r`, sql`r.x->'event'`)})
    SELECT * FROM inc`.execute(db);
  return inDocOrder(docs, rows);
}
