import { z } from 'zod';
import type { DB } from '../../platform/db/schema.js';
import type { Selectable } from 'kysely';

export const COMPLAINT_OUTCOMES = ['substantiated', 'not_substantiated', 'exonerated', 'unfounded', 'withdrawn', 'referred'] as const;
type Row = Selectable<DB['conduct_complaints']>;

export const complaintSummarySchema = z.object({
  id: z.uuid(),
  channel: z.enum(['web', 'open311']),
  anonymous: z.boolean(),
  status: z.enum(['received', 'under_investigation', 'closed']),
  outcome: z.enum(COMPLAINT_OUTCOMES).nullable(),
  department: z.string().nullable(),
  occurredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

export const complaintDetailSchema = complaintSummarySchema.extend({
  contact: z.object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() }).nullable(),
  placeText: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  officerDescription: z.string().nullable(),
  badgeNumber: z.string().nullable(),
  unitText: z.string().nullable(),
  description: z.string(),
  outcomeSummary: z.string().nullable(),
  closedAt: z.string().nullable(),
  links: z.array(z.object({ incidentId: z.uuid().nullable(), incidentNumber: z.string().nullable(), unitId: z.uuid().nullable(), callSign: z.string().nullable(), linkedAt: z.string() })),
});

/** The list shows no account, contact or officer: those are read one complaint at a time, audited. */
export function presentComplaintSummary(r: Row): z.infer<typeof complaintSummarySchema> {
  return {
    id: r.id,
    channel: r.channel,
    anonymous: r.anonymous,
    status: r.status,
    outcome: r.outcome,
    department: r.department,
    occurredAt: r.occurred_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

type Link = { incident_id: string | null; unit_id: string | null; linked_at: Date; incident_number: string | null; call_sign: string | null };

export function presentComplaint({ row: r, links }: { row: Row; links: Link[] }): z.infer<typeof complaintDetailSchema> {
  return {
    ...presentComplaintSummary(r),
    contact: r.anonymous ? null : { name: r.contact_name, phone: r.contact_phone, email: r.contact_email },
    placeText: r.place_text,
    lat: r.lat,
    lon: r.lon,
    officerDescription: r.officer_description,
    badgeNumber: r.badge_number,
    unitText: r.unit_text,
    description: r.description,
    outcomeSummary: r.outcome_summary,
    closedAt: r.closed_at?.toISOString() ?? null,
    links: links.map((l) => ({ incidentId: l.incident_id, incidentNumber: l.incident_number, unitId: l.unit_id, callSign: l.call_sign, linkedAt: l.linked_at.toISOString() })),
  };
}
