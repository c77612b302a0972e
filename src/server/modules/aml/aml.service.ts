import { sql, type Kysely, type Transaction } from 'kysely';
import { ACTIVE_STATUSES } from '../../../common/emergency.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { IncidentIntake } from '../../platform/intake/incident-intake.js';
import type { AmlFix, AmlParse } from './aml-parse.js';

// El Salvador numbers have 8 digits; the last 8 match "+503 7777-8888", "50377778888" and "7777 8888" alike.
const NUMBER_TAIL = 8;
export const numberTail = (n: string | null) => (n ? n.replace(/\D/g, '').slice(-NUMBER_TAIL) : '');

// An AML message comes within seconds of the call; a call older than this is not the one it belongs to.
const MATCH_WINDOW_MS = 2 * 3600_000;

/** Receives AML messages, keeps every one (rejected ones with the reason) and offers the fix to the caller's incident. */
export class AmlService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly intake: IncidentIntake,
  ) {}

  /** Stores a rejected message and its reason, so a malformed feed can be inspected and fixed. */
  async reject(ctx: AuditContext, transport: 'sms' | 'https', raw: string, callerNumber: string | null, parsed: Extract<AmlParse, { ok: false }>) {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('aml_messages')
        .values({ transport, raw, status: 'rejected', reject_reason: parsed.reason, caller_number: callerNumber?.slice(0, 40) ?? null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'aml.rejected', entityType: 'aml_message', entityId: row.id, changes: { transport, reason: parsed.reason } });
      return row.id;
    });
  }

  private async openIncidentOf(callerNumber: string | null) {
    const tail = numberTail(callerNumber);
    if (tail.length < NUMBER_TAIL) return null;
    return this.db
      .selectFrom('incidents')
      .select(['id', 'number'])
      .where('status', 'in', ACTIVE_STATUSES)
      .where('call_received_at', '>=', new Date(Date.now() - MATCH_WINDOW_MS))
      .where(sql<string>`right(regexp_replace(coalesce(caller_number, ''), '[^0-9]', '', 'g'), ${NUMBER_TAIL})`, '=', tail)
      .orderBy('call_received_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * Keeps a valid fix and, when the caller has an open incident, attaches it there as an `aml`
   * location that is not current: the call-taker decides whether to adopt it.
   */
  async accept(ctx: AuditContext, raw: string, fix: AmlFix) {
    const values = {
      transport: fix.transport,
      raw,
      reject_reason: null,
      caller_number: fix.callerNumber,
      lat: fix.lat,
      lon: fix.lon,
      radius_m: fix.radiusM,
      positioned_at: fix.positionedAt,
      confidence: fix.confidence,
      method: fix.method,
      imsi: fix.imsi,
      imei: fix.imei,
      mcc: fix.mcc,
      mnc: fix.mnc,
    };
    const incident = fix.lat !== null ? await this.openIncidentOf(fix.callerNumber) : null;
    if (incident) {
      let id = '';
      await this.intake.addLocation(ctx, incident.id, { lat: fix.lat, lon: fix.lon, source: 'aml', accuracyM: fix.radiusM }, false, async (tx, t) => {
        const row = await tx.insertInto('aml_messages').values({ ...values, status: 'attached', incident_id: incident.id, location_id: t.locationId }).returning('id').executeTakeFirstOrThrow();
        id = row.id;
      });
      return { id, status: 'attached' as const, incidentNumber: incident.number };
    }
    const status = fix.lat === null ? ('no_position' as const) : ('unmatched' as const);
    const id = await this.db.transaction().execute(async (tx) => {
      const row = await tx.insertInto('aml_messages').values({ ...values, status }).returning('id').executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'aml.received', entityType: 'aml_message', entityId: row.id, changes: { transport: fix.transport, status, method: fix.method } });
      return row.id;
    });
    return { id, status, incidentNumber: null };
  }

  /** Device fixes for an incident: those attached to it, and unattached ones from the caller's number since shortly before the call. */
  async forIncident(incidentId: string) {
    const inc = await this.db.selectFrom('incidents').select(['id', 'caller_number', 'call_received_at']).where('id', '=', incidentId).executeTakeFirst();
    if (!inc) throw notFound();
    const tail = numberTail(inc.caller_number);
    return this.db
      .selectFrom('aml_messages')
      .selectAll()
      .where((eb) => {
        const attached = eb('incident_id', '=', incidentId);
        if (tail.length < NUMBER_TAIL) return attached;
        return eb.or([
          attached,
          eb.and([
            eb('incident_id', 'is', null),
            eb('status', '=', 'unmatched'),
            eb('received_at', '>=', new Date(inc.call_received_at.getTime() - 10 * 60_000)),
            eb(sql<string>`right(regexp_replace(coalesce(caller_number, ''), '[^0-9]', '', 'g'), ${NUMBER_TAIL})`, '=', tail),
          ]),
        ]);
      })
      .orderBy('received_at', 'desc')
      .limit(20)
      .execute();
  }

  /** A call-taker adopts a device fix as the incident's current location (audited by the incident's own entry). */
  async adopt(ctx: AuditContext, messageId: string, incidentId: string, version?: number) {
    const m = await this.db.selectFrom('aml_messages').selectAll().where('id', '=', messageId).executeTakeFirst();
    if (!m || m.lat === null || m.lon === null) throw notFound();
    if (m.incident_id && m.incident_id !== incidentId) throw new AppError('aml_number_mismatch', 422);
    const markAdopted = async (tx: Transaction<DB>, locationId: string) => {
      const done = await tx.updateTable('aml_messages').set({ status: 'adopted', incident_id: incidentId, location_id: locationId }).where('id', '=', messageId).where('status', 'in', ['attached', 'unmatched']).returning('id').executeTakeFirst();
      if (!done) throw new AppError('conflict', 409);
    };
    if (m.location_id) {
      return this.intake.selectLocation(ctx, incidentId, m.location_id, version, (tx, t) => markAdopted(tx, t.locationId));
    }
    const inc = await this.db.selectFrom('incidents').select(['caller_number']).where('id', '=', incidentId).executeTakeFirst();
    if (!inc) throw notFound();
    if (numberTail(inc.caller_number) !== numberTail(m.caller_number) || numberTail(m.caller_number).length < NUMBER_TAIL) throw new AppError('aml_number_mismatch', 422);
    await this.intake.addLocation(ctx, incidentId, { lat: m.lat, lon: m.lon, source: 'aml', accuracyM: m.radius_m }, true, (tx, t) => markAdopted(tx, t.locationId));
    return { id: incidentId };
  }

  /** The inspection list carries callers' numbers and handset identifiers: each read is audited. */
  async messages(ctx: AuditContext, filter: { status?: 'rejected' | 'no_position' | 'unmatched' | 'attached' | 'adopted'; limit: number }) {
    let q = this.db.selectFrom('aml_messages').selectAll().orderBy('received_at', 'desc').limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q.execute();
    await this.db.transaction().execute((tx) => appendAudit(tx, ctx, { action: 'aml_message.sensitive_read', entityType: 'aml_message', entityId: null, changes: { ids: rows.map((r) => r.id) } }));
    return rows;
  }
}
