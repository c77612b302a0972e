import type { Kysely } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { once } from '../../platform/idempotency/idempotency.js';
import { publishEvent } from '../../platform/realtime/outbox.js';
import { applyFieldStatus, type StatusChange } from './field-status.js';
import { appendIncidentTimeline as appendTimeline, announceIncident, lockIncident, lockUnit, updateIncident } from '../../platform/records/incident-records.js';

export type FieldSettings = { positionSeconds: number; idleMinutes: number; showCallerPhone: boolean };
export type Position = { lat: number; lon: number; accuracyM?: number | null | undefined };
export type Person = { name: string; role: string; document?: string | undefined; notes?: string | undefined };
export type Vehicle = { plate: string; description?: string | undefined };
export type NewReport = { id?: string | undefined; incidentId: string; narrative: string; persons: Person[]; vehicles: Vehicle[] };
type Device = { principal: Principal; ctx: AuditContext; key: string };

/** What an officer's phone does: their unit and assignment, status buttons, notes, alerts and reports. */
export class FieldService {
  constructor(
    private readonly db: Kysely<DB>,
    readonly settings: FieldSettings,
  ) {}

  /** The unit the officer crews; the one with an assignment first when they crew several. */
  async unitOf(principal: Principal) {
    const unit = await this.db
      .selectFrom('unit_crew')
      .innerJoin('units', 'units.id', 'unit_crew.unit_id')
      .selectAll('units')
      .where('unit_crew.user_id', '=', principal.userId)
      .where('units.active', '=', true)
      .orderBy(({ eb }) => eb('units.current_incident_id', 'is', null))
      .orderBy('units.call_sign')
      .executeTakeFirst();
    if (!unit) throw new AppError('no_unit', 404);
    return unit;
  }

  async overview(principal: Principal) {
    const unit = await this.unitOf(principal);
    const crew = await this.db.selectFrom('unit_crew').innerJoin('users', 'users.id', 'unit_crew.user_id').select(['users.id', 'users.display_name']).where('unit_id', '=', unit.id).orderBy('users.display_name').execute();
    let assignment = null;
    if (unit.current_incident_id) {
      const inc = await this.db
        .selectFrom('incidents')
        .innerJoin('incident_types', 'incident_types.code', 'incidents.type_code')
        .leftJoin('incident_locations', 'incident_locations.id', 'incidents.current_location_id')
        .innerJoin('assignments', (j) => j.onRef('assignments.incident_id', '=', 'incidents.id').on('assignments.unit_id', '=', unit.id).on('assignments.released_at', 'is', null))
        .select([
          'incidents.id',
          'incidents.number',
          'incidents.type_code',
          'incident_types.name_es',
          'incident_types.name_en',
          'incidents.priority',
          'incidents.status',
          'incidents.description',
          'incidents.lat',
          'incidents.lon',
          'incidents.department',
          'incidents.caller_number',
          'incident_locations.address_text',
          'incident_locations.landmark',
          'assignments.assigned_at',
        ])
        .where('incidents.id', '=', unit.current_incident_id)
        .executeTakeFirst();
      if (inc) assignment = { ...inc, callerPhoneAvailable: this.settings.showCallerPhone && inc.caller_number !== null };
    }
    const dispositions = await this.db.selectFrom('disposition_codes').selectAll().orderBy('code').execute();
    return { unit, crew, assignment, dispositions };
  }

  /** The caller's number, only where policy allows and only to the crew on the incident; every view is audited. */
  async callerPhone(principal: Principal, ctx: AuditContext, incidentId: string) {
    if (!this.settings.showCallerPhone) throw new AppError('caller_phone_withheld', 403);
    const unit = await this.unitOf(principal);
    if (unit.current_incident_id !== incidentId) throw new AppError('forbidden', 403);
    return this.db.transaction().execute(async (tx) => {
      const inc = await tx.selectFrom('incidents').select(['caller_number']).where('id', '=', incidentId).executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'incident.sensitive_read', entityType: 'incident', entityId: incidentId, changes: { fields: ['callerNumber'], via: 'field', unitId: unit.id } });
      return { number: inc.caller_number };
    });
  }

  async status(d: Device, change: StatusChange) {
    const unit = await this.unitOf(d.principal);
    return once(this.db, { principalId: d.principal.userId, key: d.key, operation: 'field.status', request: change }, (remember) =>
      this.db.transaction().execute(async (tx) => {
        const r = await applyFieldStatus(tx, d.ctx, unit.id, change);
        const body = { unitId: r.unit.id, unitStatus: r.unit.status, incidentId: r.incident.id, incidentStatus: r.incident.status, incidentVersion: r.incident.version, action: change.action };
        await remember(tx, 200, body);
        await appendAudit(tx, d.ctx, { action: `field.${change.action}`, entityType: 'unit', entityId: unit.id, changes: { ...r.audit, incidentId: change.incidentId, dispositionCode: change.dispositionCode ?? null } });
        return { status: 200, body };
      }),
    );
  }

  /** A note from the field joins the incident's timeline, where the console reads it. */
  async note(d: Device, input: { incidentId: string; text: string }) {
    const unit = await this.unitOf(d.principal);
    return once(this.db, { principalId: d.principal.userId, key: d.key, operation: 'field.note', request: input }, (remember) =>
      this.db.transaction().execute(async (tx) => {
        await this.assertWasAssigned(tx, unit.id, input.incidentId);
        const incident = await lockIncident(tx, input.incidentId);
        await appendTimeline(tx, d.ctx, incident.id, 'note', { text: input.text, source: 'field', callSign: unit.call_sign });
        const updated = await updateIncident(tx, incident, {});
        await announceIncident(tx, updated, 'updated');
        const body = { incidentId: incident.id, incidentVersion: updated.version };
        await remember(tx, 201, body);
        await appendAudit(tx, d.ctx, { action: 'field.note_added', entityType: 'incident', entityId: incident.id, changes: { unitId: unit.id, length: input.text.length } });
        return { status: 201, body };
      }),
    );
  }

  /** Panic (P1) or backup (P2): an alert at the command centre with the officer's last position. */
  async alert(d: Device, kind: 'panic' | 'backup', input: { incidentId?: string | undefined; position?: Position | undefined }) {
    const unit = await this.unitOf(d.principal);
    return once(this.db, { principalId: d.principal.userId, key: d.key, operation: `field.${kind}`, request: input }, (remember) =>
      this.db.transaction().execute(async (tx) => {
        const locked = await lockUnit(tx, unit.id);
        const incidentId = input.incidentId ?? locked.current_incident_id;
        const priority = kind === 'panic' ? 1 : 2;
        const pos = input.position ?? (locked.lat !== null && locked.lon !== null ? { lat: locked.lat, lon: locked.lon, accuracyM: locked.position_accuracy_m } : null);
        const alert = await tx
          .insertInto('field_alerts')
          .values({ kind, priority, unit_id: unit.id, incident_id: incidentId, raised_by: d.principal.userId, lat: pos?.lat ?? null, lon: pos?.lon ?? null, accuracy_m: pos?.accuracyM ?? null })
          .returningAll()
          .executeTakeFirstOrThrow();
        const raisedAt = alert.raised_at.toISOString();
        if (incidentId) {
          const incident = await lockIncident(tx, incidentId);
          await appendTimeline(tx, d.ctx, incidentId, kind === 'panic' ? 'panic' : 'backup_requested', { alertId: alert.id, unitId: unit.id, callSign: unit.call_sign, position: pos });
          await announceIncident(tx, await updateIncident(tx, incident, {}), 'updated');
        }
        // Opening the alert in the console leads to the incident when there is one, else to the unit.
        await publishEvent(tx, {
          topic: 'alerts',
          kind,
          entityType: incidentId ? 'incident' : 'unit',
          entityId: incidentId ?? unit.id,
          department: unit.department,
          // When it was raised: a console that was offline shows that time, not when it got the alert.
          data: { alertId: alert.id, priority, unitId: unit.id, callSign: unit.call_sign, position: pos, raisedAt },
        });
        const body = { alertId: alert.id, kind, priority, raisedAt };
        await remember(tx, 201, body);
        await appendAudit(tx, d.ctx, { action: `field.${kind}`, entityType: 'unit', entityId: unit.id, changes: { alertId: alert.id, priority, incidentId, position: pos } });
        return { status: 201, body };
      }),
    );
  }

  async report(d: Device, input: NewReport) {
    const unit = await this.unitOf(d.principal);
    return once(this.db, { principalId: d.principal.userId, key: d.key, operation: 'field.report', request: input }, (remember) =>
      this.db.transaction().execute(async (tx) => {
        await this.assertWasAssigned(tx, unit.id, input.incidentId);
        const incident = await lockIncident(tx, input.incidentId);
        // The phone may name the report itself, so that evidence queued offline with it can point to it.
        if (input.id && (await tx.selectFrom('field_reports').select('id').where('id', '=', input.id).executeTakeFirst())) throw new AppError('conflict', 409, {}, { why: 'report id taken' });
        const report = await tx
          .insertInto('field_reports')
          .values({ ...(input.id ? { id: input.id } : {}), incident_id: incident.id, unit_id: unit.id, author_id: d.principal.userId, narrative: input.narrative, persons: JSON.stringify(input.persons), vehicles: JSON.stringify(input.vehicles) })
          .returning(['id', 'created_at'])
          .executeTakeFirstOrThrow();
        await appendTimeline(tx, d.ctx, incident.id, 'field_report', { reportId: report.id, callSign: unit.call_sign, persons: input.persons.length, vehicles: input.vehicles.length });
        await announceIncident(tx, await updateIncident(tx, incident, {}), 'updated');
        const body = { id: report.id, incidentId: incident.id, createdAt: report.created_at.toISOString() };
        await remember(tx, 201, body);
        // The narrative and the people named stay in the report; the audit entry records that it was filed.
        await appendAudit(tx, d.ctx, { action: 'field.report_filed', entityType: 'field_report', entityId: report.id, changes: { incidentId: incident.id, unitId: unit.id, persons: input.persons.length, vehicles: input.vehicles.length } });
        return { status: 201, body };
      }),
    );
  }

  /** Custodians read an incident's field reports; the narratives name people, so each reading is audited. */
  async reportsFor(ctx: AuditContext, incidentId: string) {
    const rows = await this.db
      .selectFrom('field_reports as r')
      .innerJoin('units as u', 'u.id', 'r.unit_id')
      .innerJoin('users as a', 'a.id', 'r.author_id')
      .select(['r.id', 'r.narrative', 'r.persons', 'r.vehicles', 'r.created_at', 'u.call_sign', 'a.username'])
      .where('r.incident_id', '=', incidentId)
      .orderBy('r.created_at')
      .orderBy('r.id')
      .execute();
    await this.db.transaction().execute((tx) => appendAudit(tx, ctx, { action: 'field.reports_viewed', entityType: 'incident', entityId: incidentId, changes: { reports: rows.length } }));
    return rows;
  }

  /** Notes and reports may arrive after the unit was released, but only for an incident it worked. */
  async assertWasAssigned(db: Kysely<DB>, unitId: string, incidentId: string) {
    const a = await db.selectFrom('assignments').select('id').where('unit_id', '=', unitId).where('incident_id', '=', incidentId).executeTakeFirst();
    if (!a) throw new AppError('forbidden', 403);
  }
}
