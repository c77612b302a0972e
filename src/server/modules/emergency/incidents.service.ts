import crypto from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { ACTIVE_STATUSES, priorityFromAnswers, type Answers } from '../../../common/emergency.js';
import { appendAudit, auditQueueRow } from '../../platform/audit/audit-log.js';
import { GroupWriter, isItemError } from '../../platform/db/group-writer.js';
import { eventRow } from '../../platform/realtime/outbox.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import type { DB, LocationSource } from '../../platform/db/schema.js';
import type { ApprovedReason, Discretion, Outcome, Reason } from '../../platform/discretion/discretion.js';
import type { IntakeHook } from '../../platform/intake/incident-intake.js';
import { AppError, notFound } from '../../platform/errors.js';
import { departmentAt } from '../../platform/geo/departments.js';
import { IncidentTypeCache, normaliseAnswer, type IncidentType } from './catalogue.js';
import { approvalRequiredNow, findIncident, insertIntake, insertIntakes, intakeRecord, loadSettings, assertActive, assertVersion, lockIncident, updateIncident, type Intake, type IntakeRecord, type IncidentRow } from './incident-store.js';
import { presentIncident } from './incident.presenter.js';
import { scoreRelated, type RelatedProbe } from './related.js';
import { announceIncident, appendTimeline, incidentEvent } from './timeline.js';

type PriorityChange = { priority: number; version?: number; from: number; number: string };

/** A lowering from P1/P2 to P3/P4: the urgent queue loses the incident. */
const leavesUrgent = (from: number, to: number) => from <= 2 && to > 2;

/**
 * A new current location in another department: its own event, stamped with the department left,
 * so a subscription to that department learns the incident is no longer its own (its `updated`
 * event carries only the new department).
 */
async function announceDepartureFrom(tx: Transaction<DB>, before: IncidentRow, after: IncidentRow) {
  if (before.department !== null && before.department !== after.department) await announceIncident(tx, { ...after, department: before.department }, 'moved');
}

export type LocationInput = {
  lat?: number | null;
  lon?: number | null;
  addressText?: string | null;
  landmark?: string | null;
  department?: string | null;
  source: LocationSource;
  accuracyM?: number | null;
};

export type NewIncident = {
  typeCode: string;
  source?: string;
  callReceivedAt?: string;
  caller?: { number?: string | null; name?: string | null };
  description?: string;
  location: LocationInput;
  answers?: Record<string, unknown>;
  /** Intake with no person at the other end (web, messaging): record likely duplicates on the timeline. */
  flagRelated?: boolean;
};

/** Extra rows another module writes in the intake's own transaction, before its audit entry; returns what the audit entry should name. */
export type IntakeAttachment = (tx: Transaction<DB>, incident: IncidentRow) => Promise<Record<string, unknown>>;

/** Intake and the facts added to an incident over time: answers, notes, locations, priority. */
export class IncidentsService {
  /** Call-takers' intakes share statements (group commit): one at a time, with up to 32 intakes that arrived meanwhile; one stuck for 500 ms no longer holds the others (two such at most). */
  private readonly intakes: GroupWriter<IntakeRecord, IncidentRow>;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly discretion: Discretion,
    private readonly types: IncidentTypeCache = new IncidentTypeCache(db),
  ) {
    this.intakes = new GroupWriter((records) => insertIntakes(db, records), { maxInFlight: 1, maxGroup: 32, stallMs: 500, maxStalled: 2, isItemError });
    discretion.declare<PriorityChange>({
      action: 'emergency.lower_priority',
      entityType: 'incident',
      // Taking an incident out of P1/P2 also lifts the supervisor's say over its cancellation: a supervisor decides.
      approval: { role: 'supervisor', when: (p) => leavesUrgent(p.from, p.priority) },
      execute: (tx, ctx, id, p, reason) => this.applyPriority(tx, ctx, id, p.priority, reason.approvalId ? undefined : p.version, reason),
      onPending: (tx, ctx, id, approvalId, reason, p) => appendTimeline(tx, ctx, id, 'priority_requested', { approvalId, reason, from: p.from, to: p.priority }),
      onReject: (tx, ctx, id, approvalId) => appendTimeline(tx, ctx, id, 'priority_request_closed', { approvalId }),
    });
  }

  /** Intake takes active types only; an incident already of a retired type keeps working with it. */
  private async type(code: string, opts: { withRetired?: boolean } = {}): Promise<IncidentType> {
    const t = await this.types.get(code, opts);
    if (!t) throw new AppError('unknown_incident_type', 422, { code });
    return t;
  }

  private checkAnswers(t: IncidentType, answers: Record<string, unknown>): Answers {
    const out: Answers = {};
    for (const [key, value] of Object.entries(answers)) {
      const q = t.questions.find((x) => x.key === key);
      const v = q ? normaliseAnswer(q, value) : null;
      if (v === null) throw new AppError('invalid_answer', 422, { key }, { key });
      out[key] = v;
    }
    return out;
  }

  private resolveDepartment(loc: LocationInput): string | null {
    if (loc.lat != null && loc.lon != null) return departmentAt(loc.lat, loc.lon)?.id ?? loc.department ?? null;
    return loc.department ?? null;
  }

  private async insertLocation(tx: Transaction<DB>, ctx: AuditContext, incidentId: string, loc: LocationInput, id: string = crypto.randomUUID()) {
    if (loc.lat == null && !loc.addressText && !loc.landmark && !loc.department) throw new AppError('location_required', 422);
    const department = this.resolveDepartment(loc);
    return tx
      .insertInto('incident_locations')
      .values({
        id,
        incident_id: incidentId,
        lat: loc.lat ?? null,
        lon: loc.lon ?? null,
        address_text: loc.addressText?.trim() || null,
        landmark: loc.landmark?.trim() || null,
        department,
        source: loc.source,
        accuracy_m: loc.accuracyM ?? null,
        created_by: ctx.actorId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** `within` lets another channel (web, messaging, Open311) record its own rows in the same transaction; what it returns goes into the audit entry. */
  async create(ctx: AuditContext, input: NewIncident, within?: (tx: Transaction<DB>, incident: IncidentRow) => Promise<Record<string, unknown> | void>): Promise<IncidentRow> {
    const t = await this.type(input.typeCode);
    const related = input.flagRelated
      ? await this.related({ lat: input.location.lat ?? null, lon: input.location.lon ?? null, typeCode: t.code, description: input.description ?? '', at: new Date() })
      : [];
    const answers = this.checkAnswers(t, input.answers ?? {});
    const { priority, fired } = priorityFromAnswers(t.defaultPriority, t.priorityRules, answers);
    const receivedAt = input.callReceivedAt ? new Date(input.callReceivedAt) : new Date();
    if (input.location.lat == null && !input.location.addressText && !input.location.landmark && !input.location.department) throw new AppError('location_required', 422);
    const id = crypto.randomUUID();
    const source = input.source ?? 'call';
    const department = this.resolveDepartment(input.location);
    const loc = input.location;
    const locationId = crypto.randomUUID();
    const intake: Intake = {
      id,
      typeCode: t.code,
      priority,
      source,
      callerNumber: input.caller?.number?.trim() || null,
      callerName: input.caller?.name?.trim() || null,
      description: input.description?.trim() ?? '',
      department,
      lat: loc.lat ?? null,
      lon: loc.lon ?? null,
      callReceivedAt: receivedAt,
      location: {
        id: locationId,
        lat: loc.lat ?? null,
        lon: loc.lon ?? null,
        addressText: loc.addressText?.trim() || null,
        landmark: loc.landmark?.trim() || null,
        department,
        source: loc.source,
        accuracyM: loc.accuracyM ?? null,
      },
      answers,
      actor: { id: ctx.actorId, username: ctx.actorUsername },
      timeline: { typeCode: t.code, priority, defaultPriority: t.defaultPriority, raisedBy: fired.map((f) => f.questionKey), source, locationId, answers },
    };
    // The audit entry names the change without copying the caller's personal data into a second place.
    const audited = (number: string | undefined, attached: Record<string, unknown>) => ({
      action: 'incident.created',
      entityType: 'incident',
      entityId: id,
      changes: { after: { ...(number === undefined ? {} : { number }), typeCode: t.code, priority, department, source, callReceivedAt: receivedAt.toISOString(), answers, ...attached } },
    });
    // A call-taker's intake (no other rows to attach) is one statement, shared with the intakes that arrive meanwhile.
    // A new incident is version 1 (the column's default), which its event announces.
    if (related.length === 0 && !within) {
      return this.intakes.submit(intakeRecord(intake, { audit: auditQueueRow(ctx, audited(undefined, {})), event: eventRow(incidentEvent({ id, version: 1, department }, 'created')) }));
    }
    return this.db.transaction().execute(async (tx) => {
      const created = await insertIntake(tx, intake);
      if (related.length > 0) await appendTimeline(tx, ctx, created.id, 'related', { candidates: related.slice(0, 3).map((r) => ({ id: r.incident.id, number: r.incident.number, score: r.score })) });
      const attached = (within ? await within(tx, created) : undefined) ?? {};
      await appendAudit(tx, ctx, audited(created.number, attached));
      await announceIncident(tx, created, 'created');
      return created;
    });
  }

  async get(id: string) {
    const row = await findIncident(this.db, id);
    if (!row) throw notFound();
    return row;
  }

  /** Everything an incident panel shows, in one read. */
  async details(id: string, principal: Principal) {
    const row = await this.get(id);
    const [locations, answers, timeline, assignments] = await Promise.all([
      this.db.selectFrom('incident_locations').selectAll().where('incident_id', '=', id).orderBy('created_at').execute(),
      this.db.selectFrom('incident_answers').selectAll().where('incident_id', '=', id).orderBy('answered_at').execute(),
      this.db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', id).orderBy('id').execute(),
      this.db
        .selectFrom('assignments')
        .innerJoin('units', 'units.id', 'assignments.unit_id')
        .select(['assignments.id', 'assignments.unit_id', 'units.call_sign', 'units.status', 'assignments.assigned_at', 'assignments.released_at', 'assignments.recommended_rank'])
        .where('assignments.incident_id', '=', id)
        .orderBy('assignments.assigned_at')
        .execute(),
    ]);
    const latest = new Map<string, unknown>();
    for (const a of answers) latest.set(a.question_key, a.value);
    return {
      ...presentIncident(row, principal, { caller: true }),
      locations: locations.map((l) => ({
        id: l.id,
        lat: l.lat,
        lon: l.lon,
        addressText: l.address_text,
        landmark: l.landmark,
        department: l.department,
        source: l.source,
        accuracyM: l.accuracy_m,
        createdAt: l.created_at.toISOString(),
        createdBy: l.created_by,
        current: l.id === row.current_location_id,
      })),
      answers: Object.fromEntries(latest) as Record<string, unknown>,
      timeline: timeline.map((t) => ({ id: t.id, at: t.at.toISOString(), actor: t.actor_username, kind: t.kind, data: t.data })),
      assignments: assignments.map((a) => ({
        id: a.id,
        unitId: a.unit_id,
        callSign: a.call_sign,
        unitStatus: a.status,
        assignedAt: a.assigned_at.toISOString(),
        releasedAt: a.released_at?.toISOString() ?? null,
        recommendedRank: a.recommended_rank,
      })),
    };
  }

  async list(filter: { status: 'open' | 'all' | IncidentRow['status']; department?: string; priority?: number; limit: number; since?: string; ids?: string[] }) {
    let q = this.db.selectFrom('incidents').selectAll().orderBy('priority').orderBy('call_received_at').limit(filter.limit);
    if (filter.status === 'open') q = q.where('status', 'in', ACTIVE_STATUSES);
    else if (filter.status !== 'all') q = q.where('status', '=', filter.status);
    if (filter.department) q = q.where('department', '=', filter.department);
    if (filter.priority) q = q.where('priority', '=', filter.priority);
    if (filter.since) q = q.where('created_at', '>=', new Date(filter.since));
    // One statement text whatever the list's length (prepared once, not once per length).
    if (filter.ids) q = q.where(sql<boolean>`id = ANY(${filter.ids}::uuid[])`);
    return q.execute();
  }

  /** Open incidents near in place and time, scored with the reasons for each score. */
  async related(probe: RelatedProbe, excludeId?: string) {
    const s = await loadSettings(this.db);
    const from = new Date(probe.at.getTime() - s.relatedWindowMinutes * 60_000);
    let q = this.db.selectFrom('incidents').selectAll().where('status', 'in', ACTIVE_STATUSES).where('call_received_at', '>=', from).limit(500);
    if (excludeId) q = q.where('id', '<>', excludeId);
    if (probe.lat !== null && probe.lon !== null) {
      // A cheap box before the exact distance: 1 degree of latitude is about 111 km.
      const dLat = s.relatedRadiusM / 111_000;
      const dLon = dLat / Math.cos((probe.lat * Math.PI) / 180);
      q = q.where((eb) => eb.or([eb('lat', 'is', null), eb.and([eb('lat', '>=', probe.lat! - dLat), eb('lat', '<=', probe.lat! + dLat), eb('lon', '>=', probe.lon! - dLon), eb('lon', '<=', probe.lon! + dLon)])]));
    }
    const rows = await q.execute();
    return rows
      .flatMap((r) => {
        const sc = scoreRelated(probe, { id: r.id, number: r.number, typeCode: r.type_code, status: r.status, priority: r.priority, lat: r.lat, lon: r.lon, description: r.description, callReceivedAt: r.call_received_at }, s.relatedRadiusM, s.relatedWindowMinutes);
        return sc ? [{ incident: r, ...sc }] : [];
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
  }

  async addNote(ctx: AuditContext, id: string, text: string, amends?: number) {
    return this.db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, id);
      if (amends !== undefined) {
        const original = await tx.selectFrom('incident_timeline').select('id').where('id', '=', amends).where('incident_id', '=', id).where('kind', '=', 'note').executeTakeFirst();
        if (!original) throw notFound();
      }
      const updated = await updateIncident(tx, row, {});
      await appendTimeline(tx, ctx, id, 'note', { text, ...(amends !== undefined ? { amends } : {}) });
      await announceIncident(tx, updated, 'updated');
      await appendAudit(tx, ctx, { action: 'incident.note_added', entityType: 'incident', entityId: id, changes: { amends: amends ?? null, length: text.length } });
      return updated;
    });
  }

  /** A message exchanged with the reporter (web, messaging); its text stays with the channel's own records. */
  async addMessage(ctx: AuditContext, id: string, data: { channel: string; direction: 'in' | 'out'; messageId: string }, attach?: IntakeAttachment, location?: LocationInput) {
    return this.db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, id);
      const updated = await updateIncident(tx, row, {});
      await appendTimeline(tx, ctx, id, 'message', data);
      // A place shared in a message is recorded beside the others; a person decides whether it becomes current.
      const l = location ? await this.insertLocation(tx, ctx, id, location) : null;
      if (l) await appendTimeline(tx, ctx, id, 'location', { locationId: l.id, source: l.source, current: false });
      const attached = attach ? await attach(tx, updated) : {};
      await announceIncident(tx, updated, 'updated');
      await appendAudit(tx, ctx, { action: 'incident.message_added', entityType: 'incident', entityId: id, changes: { ...data, locationId: l?.id ?? null, ...attached } });
      return updated;
    });
  }

  /** Appending needs no version (nothing is overwritten); making it current does, when the caller gives one. */
  async addLocation(ctx: AuditContext, id: string, loc: LocationInput, makeCurrent: boolean, within?: IntakeHook<{ id: string; locationId: string }>, version?: number) {
    return this.db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, id, makeCurrent ? version : undefined);
      const l = await this.insertLocation(tx, ctx, id, loc);
      if (within) await within(tx, { id, locationId: l.id });
      const updated = await updateIncident(tx, row, makeCurrent ? { current_location_id: l.id, lat: l.lat, lon: l.lon, department: l.department ?? row.department } : {});
      await appendTimeline(tx, ctx, id, 'location', { locationId: l.id, source: l.source, current: makeCurrent });
      await announceIncident(tx, updated, 'updated');
      await announceDepartureFrom(tx, row, updated);
      await appendAudit(tx, ctx, { action: 'incident.location_added', entityType: 'incident', entityId: id, changes: { locationId: l.id, source: l.source, current: makeCurrent } });
      return updated;
    });
  }

  /** A person chooses which of the recorded locations is current; none is ever overwritten. */
  async selectLocation(ctx: AuditContext, id: string, locationId: string, version?: number, within?: IntakeHook<{ id: string; locationId: string }>) {
    return this.db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, id, version);
      const l = await tx.selectFrom('incident_locations').selectAll().where('id', '=', locationId).where('incident_id', '=', id).executeTakeFirst();
      if (!l) throw notFound();
      if (within) await within(tx, { id, locationId });
      const updated = await updateIncident(tx, row, { current_location_id: l.id, lat: l.lat, lon: l.lon, department: l.department ?? row.department });
      await appendTimeline(tx, ctx, id, 'location_selected', { locationId, previous: row.current_location_id });
      await announceIncident(tx, updated, 'updated');
      await announceDepartureFrom(tx, row, updated);
      await appendAudit(tx, ctx, { action: 'incident.location_selected', entityType: 'incident', entityId: id, changes: { before: row.current_location_id, after: locationId } });
      return updated;
    });
  }

  /** New answers may raise the priority automatically; they never lower it. */
  async answer(ctx: AuditContext, id: string, raw: Record<string, unknown>, version?: number) {
    const current = await this.get(id);
    const t = await this.type(current.type_code, { withRetired: true });
    const answers = this.checkAnswers(t, raw);
    return this.db.transaction().execute(async (tx) => {
      const row = await lockIncident(tx, id, version);
      // A closed, cancelled or merged incident's priority is history: answers must not raise it.
      assertActive(row);
      const prior = await tx.selectFrom('incident_answers').select(['question_key', 'value']).where('incident_id', '=', id).orderBy('answered_at').execute();
      const all: Answers = Object.fromEntries(prior.map((p) => [p.question_key, p.value as string | number | boolean]));
      Object.assign(all, answers);
      for (const [key, value] of Object.entries(answers)) {
        await tx.insertInto('incident_answers').values({ incident_id: id, question_key: key, value: JSON.stringify(value), answered_by: ctx.actorId }).execute();
      }
      const { priority, fired } = priorityFromAnswers(row.priority, t.priorityRules, all);
      const updated = await updateIncident(tx, row, priority < row.priority ? { priority } : {});
      await appendTimeline(tx, ctx, id, 'answer', { answers });
      if (priority < row.priority) await appendTimeline(tx, ctx, id, 'priority', { from: row.priority, to: priority, raisedBy: fired.map((f) => f.questionKey) });
      await announceIncident(tx, updated, 'updated');
      await appendAudit(tx, ctx, { action: 'incident.answered', entityType: 'incident', entityId: id, changes: { answers, priority: { before: row.priority, after: updated.priority } } });
      return updated;
    });
  }

  /**
   * Raising a priority is free; lowering it is discretionary and needs a reason, and lowering a P1/P2
   * below P2 waits for a supervisor (the incident keeps its priority until then).
   */
  async changePriority(ctx: AuditContext, id: string, priority: number, version: number | undefined, reason: Reason | undefined): Promise<{ outcome: Outcome; incident: IncidentRow }> {
    const row = await this.get(id);
    if (priority > row.priority) {
      assertActive(row);
      assertVersion(row, version);
      const outcome = await this.discretion.request<PriorityChange>(ctx, 'emergency.lower_priority', id, { priority, version, from: row.priority, number: row.number }, reason);
      return { outcome, incident: await this.get(id) };
    }
    // A reason given for a raise is on the record too: checked against the priority-change codes.
    const checked = await this.discretion.checkOptionalReason('emergency.lower_priority', reason);
    const incident = await this.db.transaction().execute((tx) => this.applyPriority(tx, ctx, id, priority, version, checked));
    return { outcome: { status: 'done', result: null }, incident };
  }

  private async applyPriority(tx: Transaction<DB>, ctx: AuditContext, id: string, priority: number, version: number | undefined, reason: ApprovedReason | null) {
    const row = await lockIncident(tx, id, version);
    // Raised meanwhile by an answer: what was a raise is now a lowering, which needs a reason.
    if (priority > row.priority && !reason) throw new AppError('reason_required', 422, {}, { minTextLength: 10, currentPriority: row.priority });
    // Decided on a read before the lock: raised to P1/P2 meanwhile, the lowering now needs a supervisor.
    if (leavesUrgent(row.priority, priority) && !reason?.approvalId) throw approvalRequiredNow(row);
    assertActive(row);
    const updated = await updateIncident(tx, row, { priority });
    await appendTimeline(tx, ctx, id, 'priority', { from: row.priority, to: priority, ...(reason ? { reason } : {}) });
    await announceIncident(tx, updated, 'updated');
    await appendAudit(tx, ctx, { action: 'incident.priority_changed', entityType: 'incident', entityId: id, changes: { before: { priority: row.priority }, after: { priority } }, reason });
    return updated;
  }
}
