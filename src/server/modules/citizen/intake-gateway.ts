import type { Transaction } from 'kysely';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';

export type CitizenLocation = {
  lat?: number | null;
  lon?: number | null;
  addressText?: string | null;
  source: 'caller_stated' | 'map_click' | 'device';
  accuracyM?: number | null;
};

/** Rows this module writes inside the incident's own transaction; returns what the audit entry names. */
export type Attach = (tx: Transaction<DB>, incident: { id: string; number: string; status: string }) => Promise<Record<string, unknown>>;

/**
 * What this module needs from the 911 core, wired in the composition root: the same intake
 * (numbering, department, related-incident flags, timeline, live push, audit) as a call.
 */
export type IncidentGateway = {
  create: (
    ctx: AuditContext,
    input: { typeCode: string; source: string; caller?: { number?: string | null; name?: string | null }; description: string; location: CitizenLocation; flagRelated: true },
    attach: Attach,
  ) => Promise<{ id: string; number: string }>;
  /** A message on the incident's timeline; a shared place becomes one more location, never the current one by itself. */
  addMessage: (ctx: AuditContext, incidentId: string, data: { channel: string; direction: 'in' | 'out'; messageId: string }, attach: Attach, location?: CitizenLocation) => Promise<unknown>;
};
