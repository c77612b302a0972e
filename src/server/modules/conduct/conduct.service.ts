import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { recordSensitiveRead } from '../../platform/audit/sensitive-read.js';
import { hashSecret } from '../../platform/auth/secrets.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import type { ComplaintOutcome, DB } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import { departmentAt } from '../../platform/geo/departments.js';
import { newTrackingCode, normaliseTrackingCode } from './tracking-code.js';

export type NewComplaint = {
  channel: 'web' | 'open311';
  anonymous: boolean;
  contact?: { name?: string | null; phone?: string | null; email?: string | null } | null;
  occurredAt?: string | null;
  placeText?: string | null;
  lat?: number | null;
  lon?: number | null;
  officerDescription?: string | null;
  badgeNumber?: string | null;
  unitText?: string | null;
  description: string;
};

const clean = (v: string | null | undefined) => v?.trim() || null;

/**
 * Complaints about police conduct. They live apart from incidents: no live event, no incident row,
 * no EIDO; only internal affairs (and auditors, read-only) reach them, and every read is audited.
 */
export class ConductService {
  constructor(private readonly db: Kysely<DB>) {}

  /** Files a complaint; an anonymous one stores no contact at all. The code is shown once, only its hash is kept. */
  async file(ctx: AuditContext, input: NewComplaint, within?: (tx: Transaction<DB>, c: { id: string; trackingCode: string }) => Promise<void>) {
    const trackingCode = newTrackingCode();
    const contact = input.anonymous ? null : input.contact;
    const department = input.lat != null && input.lon != null ? (departmentAt(input.lat, input.lon)?.id ?? null) : null;
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('conduct_complaints')
        .values({
          tracking_hash: hashSecret(trackingCode),
          channel: input.channel,
          anonymous: input.anonymous,
          contact_name: clean(contact?.name),
          contact_phone: clean(contact?.phone),
          contact_email: clean(contact?.email),
          occurred_at: input.occurredAt ?? null,
          place_text: clean(input.placeText),
          lat: input.lat ?? null,
          lon: input.lon ?? null,
          department,
          officer_description: clean(input.officerDescription),
          badge_number: clean(input.badgeNumber),
          unit_text: clean(input.unitText),
          description: input.description.trim(),
          outcome: null,
          outcome_summary: null,
          closed_at: null,
        })
        .returning(['id', 'created_at'])
        .executeTakeFirstOrThrow();
      if (within) await within(tx, { id: row.id, trackingCode });
      // The entry says that a complaint arrived, never what it says or who filed it.
      await appendAudit(tx, ctx, { action: 'complaint.filed', entityType: 'complaint', entityId: row.id, changes: { channel: input.channel, anonymous: input.anonymous } });
      return { id: row.id, trackingCode, createdAt: row.created_at };
    });
  }

  /** What the complainant sees by code: the stage and dates, nothing written by investigators. */
  async track(code: string) {
    const normal = normaliseTrackingCode(code);
    if (!normal) throw notFound();
    const row = await this.db
      .selectFrom('conduct_complaints')
      .select(['status', 'outcome', 'created_at', 'updated_at', 'closed_at'])
      .where('tracking_hash', '=', hashSecret(normal))
      .executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  /** The list for internal affairs; each read of it is one audit entry naming what was shown. */
  async list(ctx: AuditContext, filter: { status?: 'received' | 'under_investigation' | 'closed'; limit: number }) {
    let q = this.db.selectFrom('conduct_complaints').selectAll().orderBy('created_at', 'desc').limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q.execute();
    await this.db.transaction().execute((tx) =>
      appendAudit(tx, ctx, { action: 'complaint.list_read', entityType: 'complaint', entityId: null, changes: { ids: rows.map((r) => r.id), status: filter.status ?? null } }),
    );
    return rows;
  }

  /** One complaint with its links; every read is audited, and a reader who crews a linked unit is refused. */
  async detail(ctx: AuditContext, principal: Principal, id: string) {
    const row = await this.db.selectFrom('conduct_complaints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    const links = await this.db
      .selectFrom('conduct_complaint_links')
      .leftJoin('incidents', 'incidents.id', 'conduct_complaint_links.incident_id')
      .leftJoin('units', 'units.id', 'conduct_complaint_links.unit_id')
      .select(['conduct_complaint_links.incident_id', 'conduct_complaint_links.unit_id', 'conduct_complaint_links.linked_at', 'incidents.number as incident_number', 'units.call_sign'])
      .where('complaint_id', '=', id)
      .orderBy('linked_at')
      .execute();
    await this.assertNotInvolved(this.db, principal, links.flatMap((l) => (l.unit_id ? [l.unit_id] : [])));
    // Every read counts here, repeated ones included: no throttling as for a caller's number.
    await recordSensitiveRead(this.db, ctx, { entityType: 'complaint', entityId: id, fields: ['description', 'contact', 'officer'], throttleSeconds: 0 });
    return { row, links };
  }

  // Takes the caller's transaction: the embedded database has one connection, a second would wait forever.
  private async assertNotInvolved(db: Kysely<DB> | Transaction<DB>, principal: Principal, unitIds: string[]) {
    if (unitIds.length === 0) return;
    const crew = await db.selectFrom('unit_crew').select('unit_id').where('user_id', '=', principal.userId).where('unit_id', 'in', unitIds).executeTakeFirst();
    if (crew) throw new AppError('complaint_conflict_of_interest', 403);
  }

  private async lock(tx: Transaction<DB>, id: string, version?: number) {
    const row = await tx.selectFrom('conduct_complaints').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound();
    if (version !== undefined && row.version !== version) throw new AppError('stale_version', 409, { currentVersion: row.version }, { currentVersion: row.version });
    return row;
  }

  /** Links a complaint to an incident or a unit; the first link opens the investigation. */
  async link(ctx: AuditContext, principal: Principal, id: string, given: { incidentId?: string; unitId?: string; incidentNumber?: string; callSign?: string }) {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.lock(tx, id);
      if (row.status === 'closed') throw new AppError('illegal_transition', 409, { from: row.status, to: 'under_investigation' }, { currentStatus: row.status });
      // People type an incident number or a call sign; both resolve to the record's id.
      const found =
        given.incidentId || given.incidentNumber
          ? await tx.selectFrom('incidents').select('id').where(given.incidentId ? 'id' : 'number', '=', (given.incidentId ?? given.incidentNumber)!).executeTakeFirst()
          : await tx.selectFrom('units').select('id').where(given.unitId ? 'id' : 'call_sign', '=', (given.unitId ?? given.callSign)!).executeTakeFirst();
      if (!found) throw new AppError('not_found', 404);
      const target = given.incidentId || given.incidentNumber ? { incidentId: found.id } : { unitId: found.id };
      if (target.unitId) await this.assertNotInvolved(tx, principal, [target.unitId]);
      const inserted = await tx
        .insertInto('conduct_complaint_links')
        .values({ complaint_id: id, incident_id: target.incidentId ?? null, unit_id: target.unitId ?? null, linked_by: ctx.actorId })
        .onConflict((oc) => oc.doNothing())
        .returning('complaint_id')
        .executeTakeFirst();
      if (!inserted) throw new AppError('conflict', 409);
      const updated = await tx
        .updateTable('conduct_complaints')
        .set({ status: 'under_investigation', version: row.version + 1, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'complaint.linked', entityType: 'complaint', entityId: id, changes: { incidentId: target.incidentId ?? null, unitId: target.unitId ?? null, status: { before: row.status, after: updated.status } } });
      return updated;
    });
  }

  /** Records the outcome, which closes the complaint; the complainant sees only the outcome's name. */
  async recordOutcome(ctx: AuditContext, id: string, input: { outcome: ComplaintOutcome; summary: string; version?: number }) {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.lock(tx, id, input.version);
      if (row.status === 'closed') throw new AppError('illegal_transition', 409, { from: row.status, to: 'closed' }, { currentStatus: row.status });
      const now = new Date();
      const updated = await tx
        .updateTable('conduct_complaints')
        .set({ status: 'closed', outcome: input.outcome, outcome_summary: input.summary.trim(), closed_at: now, version: row.version + 1, updated_at: now })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'complaint.outcome_recorded', entityType: 'complaint', entityId: id, changes: { outcome: input.outcome, status: { before: row.status, after: 'closed' } } });
      return updated;
    });
  }
}
