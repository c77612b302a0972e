import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { assertActive, lockIncident, updateIncident, type IncidentRow } from './incident-store.js';
import { announceIncident, appendTimeline } from './timeline.js';

/** Tables of migrations/0012_incident_links.sql. */
type Stamp = ColumnType<Date, Date | undefined, never>;
export type LinkTables = {
  incident_links: { incident_id: string; related_id: string; linked_by: string | null; linked_at: Stamp };
  incident_calls: {
    id: Generated<string>;
    incident_id: string;
    source: string;
    caller_number: string | null;
    caller_name: string | null;
    description: string;
    received_at: Date;
    created_by: string | null;
    created_at: Stamp;
  };
};
type LinkDb = Kysely<DB & LinkTables>;
type LinkTx = Transaction<DB & LinkTables>;

export type NewCall = {
  source: string;
  callReceivedAt?: string | undefined;
  caller?: { number?: string | null | undefined; name?: string | null | undefined } | undefined;
  description?: string | undefined;
};

/** Related incidents (both stay open) and repeat calls recorded on the incident they are about. */
export class LinksService {
  private readonly db: LinkDb;
  constructor(db: Kysely<DB>) {
    this.db = db.withTables<LinkTables>();
  }

  /** Links two incidents; linking again is harmless and answers the same. */
  async link(ctx: AuditContext, id: string, relatedId: string): Promise<{ incident: IncidentRow; created: boolean }> {
    if (id === relatedId) throw new AppError('validation_failed', 422, {}, { errors: [{ path: 'body.relatedId', code: 'same_incident', message: 'an incident cannot be linked to itself' }] });
    const [a, b] = id < relatedId ? [id, relatedId] : [relatedId, id];
    return this.db.transaction().execute(async (tx) => {
      // Both rows locked in id order, the rule for transactions touching several incidents.
      const first = await lockIncident(tx as unknown as Transaction<DB>, a);
      const second = await lockIncident(tx as unknown as Transaction<DB>, b);
      const inserted = await tx.insertInto('incident_links').values({ incident_id: a, related_id: b, linked_by: ctx.actorId }).onConflict((oc) => oc.doNothing()).returning('incident_id').executeTakeFirst();
      const [self, other] = first.id === id ? [first, second] : [second, first];
      if (!inserted) return { incident: self, created: false };
      const t = tx as unknown as Transaction<DB>;
      const selfNext = await updateIncident(t, self, {});
      const otherNext = await updateIncident(t, other, {});
      await appendTimeline(t, ctx, self.id, 'related', { relatedId: other.id, relatedNumber: other.number });
      await appendTimeline(t, ctx, other.id, 'related', { relatedId: self.id, relatedNumber: self.number });
      await announceIncident(t, selfNext, 'related');
      await announceIncident(t, otherNext, 'related');
      await appendAudit(t, ctx, { action: 'incident.linked', entityType: 'incident', entityId: self.id, changes: { after: { relatedId: other.id, relatedNumber: other.number } } });
      return { incident: selfNext, created: true };
    });
  }

  /** A further call about an open incident: kept on it (caller data in its own table), no new incident. */
  async addCall(ctx: AuditContext, id: string, input: NewCall): Promise<IncidentRow> {
    const receivedAt = input.callReceivedAt ? new Date(input.callReceivedAt) : new Date();
    return this.db.transaction().execute(async (tx: LinkTx) => {
      const t = tx as unknown as Transaction<DB>;
      const row = await lockIncident(t, id);
      assertActive(row);
      const call = await tx
        .insertInto('incident_calls')
        .values({
          incident_id: id,
          source: input.source,
          caller_number: input.caller?.number?.trim() || null,
          caller_name: input.caller?.name?.trim() || null,
          description: input.description?.trim() ?? '',
          received_at: receivedAt,
          created_by: ctx.actorId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const next = await updateIncident(t, row, {});
      // The timeline says a call came in and what was said; the caller's identity stays in incident_calls.
      await appendTimeline(t, ctx, id, 'call', { callId: call.id, source: input.source, text: input.description?.trim() ?? '' });
      await announceIncident(t, next, 'call_added');
      await appendAudit(t, ctx, { action: 'incident.call_added', entityType: 'incident', entityId: id, changes: { after: { callId: call.id, source: input.source, receivedAt: receivedAt.toISOString() } } });
      return next;
    });
  }

  /** Links and further calls for the incident panel; callers' data only with `seesCaller`. */
  async of(id: string, seesCaller: boolean) {
    const [links, calls] = await Promise.all([
      this.db
        .selectFrom('incident_links')
        .innerJoin('incidents', (j) => j.on((eb) => eb.or([eb.and([eb('incident_links.incident_id', '=', id), eb('incidents.id', '=', eb.ref('incident_links.related_id'))]), eb.and([eb('incident_links.related_id', '=', id), eb('incidents.id', '=', eb.ref('incident_links.incident_id'))])])))
        .select(['incidents.id', 'incidents.number', 'incidents.status', 'incident_links.linked_at'])
        .where((eb) => eb.or([eb('incident_links.incident_id', '=', id), eb('incident_links.related_id', '=', id)]))
        .orderBy('incident_links.linked_at')
        .execute(),
      this.calls(id, seesCaller),
    ]);
    return { related: links.map((l) => ({ id: l.id, number: l.number, status: l.status, linkedAt: l.linked_at.toISOString() })), calls };
  }

  /** The further calls on an incident, oldest first; callers' data only with `seesCaller`. */
  async calls(id: string, seesCaller: boolean) {
    const rows = await this.db.selectFrom('incident_calls').selectAll().where('incident_id', '=', id).orderBy('received_at').execute();
    return rows.map((c) => ({
      id: c.id,
      source: c.source,
      receivedAt: c.received_at.toISOString(),
      description: c.description,
      caller: seesCaller ? { number: c.caller_number, name: c.caller_name } : null,
    }));
  }
}
