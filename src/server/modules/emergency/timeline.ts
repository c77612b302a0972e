import type { Transaction } from 'kysely';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { appendIncidentTimeline } from '../../platform/records/incident-records.js';

export { announceIncident, announceUnit, incidentEvent } from '../../platform/records/incident-records.js';

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
  | 'call'
  | 'duplicate'
  | 'merge'
  | 'unmerge'
  | 'cancel_requested'
  | 'close_requested'
  | 'merge_requested'
  | 'priority_requested'
  | 'priority_request_closed'
  | 'cancel_rejected'
  | 'closure'
  | 'reopen'
  | 'escalation'
  | 'message';

/** Every fact about an incident is a new timeline row (platform/records), with the kinds this module writes. */
export async function appendTimeline(tx: Transaction<DB>, ctx: AuditContext, incidentId: string, kind: TimelineKind, data: Record<string, unknown> = {}) {
  await appendIncidentTimeline(tx, ctx, incidentId, kind, data);
}
