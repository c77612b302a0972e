import type { Transaction } from 'kysely';
import { canTransition, type UnitStatus } from '../../../common/emergency.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { appendIncidentTimeline as appendTimeline, announceIncident, announceUnit, lockIncident, lockUnit, updateIncident, type IncidentRow, type UnitRow } from '../../platform/records/incident-records.js';

export const FIELD_STATUS_ACTIONS = ['acknowledge', 'en_route', 'on_scene', 'resolved'] as const;
export type FieldStatusAction = (typeof FIELD_STATUS_ACTIONS)[number];
export type StatusChange = { action: FieldStatusAction; incidentId: string; dispositionCode?: string | undefined; note?: string | undefined };

/** The unit must still be on the incident the officer acted on (an offline action may arrive late). */
function assertOnIncident(unit: UnitRow, incidentId: string, action: string) {
  if (unit.current_incident_id !== incidentId) throw new AppError('illegal_transition', 409, { from: unit.status, to: action }, { why: 'the unit is not assigned to this incident', currentIncidentId: unit.current_incident_id });
}

/**
 * A crew's status button, with the same effects as the console's unit status change
 * (units.service.ts): en route / on scene move the incident forward; resolved releases the unit
 * and resolves the incident when no other unit remains on it. Returns what to audit.
 */
export async function applyFieldStatus(tx: Transaction<DB>, ctx: AuditContext, unitId: string, change: StatusChange) {
  const unit = await lockUnit(tx, unitId);
  assertOnIncident(unit, change.incidentId, change.action);
  const incident = await lockIncident(tx, change.incidentId);
  const now = new Date();
  let updatedUnit = unit;
  let updatedIncident: IncidentRow = incident;
  const setUnit = async (status: UnitStatus, release: boolean) => {
    updatedUnit = await tx
      .updateTable('units')
      .set({ status, status_changed_at: now, version: unit.version + 1, ...(release ? { current_incident_id: null } : {}) })
      .where('id', '=', unitId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.insertInto('unit_status_history').values({ unit_id: unitId, status, incident_id: incident.id, actor_id: ctx.actorId }).execute();
  };
  switch (change.action) {
    case 'acknowledge':
      await appendTimeline(tx, ctx, incident.id, 'unit_status', { unitId, callSign: unit.call_sign, status: 'acknowledged', released: false, source: 'field' });
      updatedIncident = await updateIncident(tx, incident, {});
      await announceIncident(tx, updatedIncident, 'updated');
      break;
    case 'en_route':
    case 'on_scene': {
      await setUnit(change.action, false);
      await appendTimeline(tx, ctx, incident.id, 'unit_status', { unitId, callSign: unit.call_sign, status: change.action, released: false, source: 'field' });
      const stamp = change.action === 'en_route' ? 'first_en_route_at' : 'first_on_scene_at';
      // As the lifecycle table allows, as the console's status change does (units.service.ts).
      if (canTransition(incident.status, change.action)) {
        updatedIncident = await updateIncident(tx, incident, { status: change.action, [stamp]: incident[stamp] ?? now });
        await appendTimeline(tx, ctx, incident.id, 'status', { from: incident.status, to: change.action, byUnit: unit.call_sign });
        await announceIncident(tx, updatedIncident, 'status');
      } else {
        updatedIncident = await updateIncident(tx, incident, {});
        await announceIncident(tx, updatedIncident, 'updated');
      }
      break;
    }
    case 'resolved': {
      const code = change.dispositionCode ?? '';
      const known = await tx.selectFrom('disposition_codes').select('code').where('code', '=', code).executeTakeFirst();
      if (!known) throw new AppError('validation_failed', 422, {}, { errors: [{ path: 'body.dispositionCode', code: 'unknown', message: `unknown disposition ${code}` }] });
      await setUnit('available', true);
      await tx.updateTable('assignments').set({ released_at: now }).where('unit_id', '=', unitId).where('released_at', 'is', null).execute();
      await appendTimeline(tx, ctx, incident.id, 'unit_status', { unitId, callSign: unit.call_sign, status: 'resolved', dispositionCode: code, note: change.note ?? null, released: true, source: 'field' });
      const others = await tx.selectFrom('assignments').select('id').where('incident_id', '=', incident.id).where('released_at', 'is', null).executeTakeFirst();
      if (!others && canTransition(incident.status, 'resolved')) {
        updatedIncident = await updateIncident(tx, incident, { status: 'resolved', resolved_at: now, disposition_code: code });
        await appendTimeline(tx, ctx, incident.id, 'status', { from: incident.status, to: 'resolved', byUnit: unit.call_sign, dispositionCode: code });
        await announceIncident(tx, updatedIncident, 'status');
      } else {
        updatedIncident = await updateIncident(tx, incident, {});
        await announceIncident(tx, updatedIncident, 'updated');
      }
      break;
    }
  }
  if (updatedUnit !== unit) await announceUnit(tx, updatedUnit, 'status');
  return {
    unit: updatedUnit,
    incident: updatedIncident,
    audit: { before: { unitStatus: unit.status, incidentStatus: incident.status }, after: { unitStatus: updatedUnit.status, incidentStatus: updatedIncident.status } },
  };
}
