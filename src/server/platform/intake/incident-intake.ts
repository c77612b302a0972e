import type { Transaction } from 'kysely';
import type { AuditContext } from '../auth/principal.js';
import type { DB, LocationSource } from '../db/schema.js';

/** Work another module does inside the incident's transaction, before its audit entry (the last write). */
export type IntakeHook<T> = (tx: Transaction<DB>, target: T) => Promise<Record<string, unknown> | void>;

export type IntakeLocation = {
  lat?: number | null;
  lon?: number | null;
  addressText?: string | null;
  source: LocationSource;
  accuracyM?: number | null;
};

/**
 * What citizen channels (Open311, AML) need from the 911 core. Modules never import each other: the
 * composition root hands them an implementation backed by the emergency module's service.
 */
export type IncidentIntake = {
  create(
    ctx: AuditContext,
    input: { typeCode: string; source: string; description: string; caller?: { number?: string | null; name?: string | null }; location: IntakeLocation; answers?: Record<string, unknown> },
    within?: IntakeHook<{ id: string; number: string }>,
  ): Promise<{ id: string; number: string }>;
  addLocation(ctx: AuditContext, incidentId: string, location: IntakeLocation, makeCurrent: boolean, within?: IntakeHook<{ id: string; locationId: string }>): Promise<unknown>;
  selectLocation(ctx: AuditContext, incidentId: string, locationId: string, version: number | undefined, within?: IntakeHook<{ id: string; locationId: string }>): Promise<{ id: string; version: number }>;
};
