import { z } from 'zod';
import { INCIDENT_STATUSES, LOCATION_SOURCES } from '../../../common/emergency.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { IncidentRow } from './incident-store.js';

export const locationSchema = z.object({
  id: z.uuid(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  addressText: z.string().nullable(),
  landmark: z.string().nullable(),
  department: z.string().nullable(),
  source: z.enum(LOCATION_SOURCES),
  accuracyM: z.number().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  current: z.boolean(),
});

export const incidentSummarySchema = z.object({
  id: z.uuid(),
  number: z.string(),
  typeCode: z.string(),
  priority: z.number().int(),
  status: z.enum(INCIDENT_STATUSES),
  version: z.number().int(),
  source: z.string(),
  department: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  description: z.string(),
  caller: z.object({ number: z.string().nullable(), name: z.string().nullable() }).nullable().describe('null without the incidents:read_caller permission, and outside GET /incidents/{id} and the intake response (lists and other write responses leave it out)'),
  duplicateOf: z.uuid().nullable(),
  mergedInto: z.uuid().nullable(),
  pendingCancellation: z.uuid().nullable(),
  disposition: z.object({ code: z.string(), summary: z.string().nullable() }).nullable(),
  times: z.object({
    callReceivedAt: z.string(),
    createdAt: z.string(),
    firstDispatchedAt: z.string().nullable(),
    firstEnRouteAt: z.string().nullable(),
    firstOnSceneAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    reopenedAt: z.string().nullable().describe('last reopening or unmerge: the time targets run from here, and from redispatchedAt'),
    redispatchedAt: z.string().nullable().describe('first dispatch after reopenedAt'),
  }),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Callers' personal data only reaches those whose role needs it (incidents:read_caller), and only
 * where asked for (`caller: true`): the reads that record it (GET, EIDO) and the intake that typed it.
 * Write responses and lists leave it out, so no change becomes an unrecorded read.
 */
export function presentIncident(r: IncidentRow, principal: Principal | null, opts: { caller: boolean } = { caller: false }): IncidentSummary {
  const seesCaller = opts.caller && (principal?.permissions.has('incidents:read_caller') ?? false);
  return {
    id: r.id,
    number: r.number,
    typeCode: r.type_code,
    priority: r.priority,
    status: r.status,
    version: r.version,
    source: r.source,
    department: r.department,
    lat: r.lat,
    lon: r.lon,
    description: r.description,
    caller: seesCaller ? { number: r.caller_number, name: r.caller_name } : null,
    duplicateOf: r.duplicate_of,
    mergedInto: r.merged_into,
    pendingCancellation: r.pending_cancellation,
    disposition: r.disposition_code ? { code: r.disposition_code, summary: r.closure_summary } : null,
    times: {
      callReceivedAt: r.call_received_at.toISOString(),
      createdAt: r.created_at.toISOString(),
      firstDispatchedAt: iso(r.first_dispatched_at),
      firstEnRouteAt: iso(r.first_en_route_at),
      firstOnSceneAt: iso(r.first_on_scene_at),
      resolvedAt: iso(r.resolved_at),
      closedAt: iso(r.closed_at),
      reopenedAt: iso(r.reopened_at),
      redispatchedAt: iso(r.redispatched_at),
    },
  };
}
