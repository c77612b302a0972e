import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import type { CustodyKind, DB, EvidenceKind } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import { once } from '../../platform/idempotency/idempotency.js';
import { EvidenceStoreError, type EvidenceStore } from './evidence-store.js';
import type { FieldService } from './field.service.js';
import { announceIncident, appendIncidentTimeline as appendTimeline, lockIncident, updateIncident } from '../../platform/records/incident-records.js';
import { sniffEvidence } from './sniff.js';

export type EvidenceUpload = { incidentId: string; reportId?: string | undefined; kind: EvidenceKind; sha256: string; capturedAt: string; name?: string | undefined };
export type Transfer = { kind: 'transferred_to_person' | 'transferred_to_prosecutor' | 'exported'; recipient?: string | undefined; reason: string };
type Device = { principal: Principal; ctx: AuditContext; key: string };

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** A store that cannot be reached is a 503 the device retries, never a 500 with the bytes lost. */
async function reaching<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof EvidenceStoreError) throw new AppError('evidence_store_unavailable', 503, {}, {}, e);
    throw e;
  }
}

/** Evidence from the field and its chain of custody: every handling is a custody event and an audit entry. */
export class EvidenceService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly store: EvidenceStore,
    private readonly field: FieldService,
  ) {}

  private async custody(tx: Transaction<DB>, ctx: AuditContext, item: { id: string; sha256: string }, kind: CustodyKind, extra: { reason?: string | null; recipient?: string | null; at?: Date } = {}) {
    await tx
      .insertInto('custody_events')
      .values({ evidence_id: item.id, kind, actor_id: ctx.actorId, actor_username: ctx.actorUsername, reason: extra.reason ?? null, recipient: extra.recipient ?? null, sha256: item.sha256, ...(extra.at ? { at: extra.at } : {}) })
      .execute();
  }

  /** The device's SHA-256 is checked against the bytes received before anything is stored. */
  async upload(d: Device, meta: EvidenceUpload, bytes: Buffer) {
    const received = sha256(bytes);
    if (received !== meta.sha256) {
      // A refused upload is recorded too: repeated mismatches from one device are worth a look.
      await this.db.transaction().execute((tx) => appendAudit(tx, d.ctx, { action: 'evidence.upload_refused', entityType: 'incident', entityId: meta.incidentId, changes: { declared: meta.sha256, received, size: bytes.length } }));
      throw new AppError('evidence_hash_mismatch', 422, { declared: meta.sha256.slice(0, 12), received: received.slice(0, 12) }, { declared: meta.sha256, received });
    }
    const contentType = sniffEvidence(meta.kind, bytes);
    if (!contentType) throw new AppError('evidence_type_refused', 415, { kind: meta.kind });
    const unit = await this.field.unitOf(d.principal);
    return once(this.db, { principalId: d.principal.userId, key: d.key, operation: 'field.evidence', request: meta }, async (remember) => {
      await this.field.assertWasAssigned(this.db, unit.id, meta.incidentId);
      if (meta.reportId) {
        const r = await this.db.selectFrom('field_reports').select('incident_id').where('id', '=', meta.reportId).executeTakeFirst();
        if (r?.incident_id !== meta.incidentId) throw new AppError('validation_failed', 422, {}, { errors: [{ path: 'querystring.reportId', code: 'mismatch', message: 'the report belongs to another incident' }] });
      }
      const id = crypto.randomUUID();
      const storageKey = `${received.slice(0, 2)}/${id}`;
      await reaching(() => this.store.put(storageKey, bytes, received));
      // Bytes without a committed row would be an orphan no custody chain covers: discard them — but only
      // once the database says the row is not there (a failure at or after COMMIT may have committed it).
      const discardOnFailure = async (e: unknown): Promise<never> => {
        const row = await this.db.selectFrom('evidence_items').select('id').where('id', '=', id).executeTakeFirst().then((r) => r ?? null, () => 'unknown' as const);
        if (row === null) await this.store.discard(storageKey).catch(() => undefined);
        throw e;
      };
      return this.db.transaction().execute(async (tx) => {
        // Incident first, as every writer locks it, before the row whose foreign key would share-lock it.
        const incident = await lockIncident(tx, meta.incidentId);
        const item = await tx
          .insertInto('evidence_items')
          .values({ id, incident_id: meta.incidentId, report_id: meta.reportId ?? null, kind: meta.kind, content_type: contentType, size_bytes: bytes.length, sha256: received, original_name: meta.name ?? null, storage_key: storageKey, captured_at: meta.capturedAt, captured_by: d.principal.userId })
          .returningAll()
          .executeTakeFirstOrThrow();
        // The command centre sees the evidence arrive on the incident's timeline, live.
        await appendTimeline(tx, d.ctx, incident.id, 'evidence_added', { evidenceId: id, kind: meta.kind, callSign: unit.call_sign, reportId: meta.reportId ?? null });
        await announceIncident(tx, await updateIncident(tx, incident, {}), 'updated');
        await this.custody(tx, d.ctx, item, 'captured', { at: new Date(meta.capturedAt) });
        await this.custody(tx, d.ctx, item, 'uploaded');
        const body = { id: item.id, sha256: item.sha256, contentType, sizeBytes: bytes.length };
        await remember(tx, 201, body);
        await appendAudit(tx, d.ctx, { action: 'evidence.captured', entityType: 'evidence', entityId: id, changes: { incidentId: meta.incidentId, kind: meta.kind, sha256: received, capturedAt: meta.capturedAt } });
        await appendAudit(tx, d.ctx, { action: 'evidence.uploaded', entityType: 'evidence', entityId: id, changes: { sha256: received, sizeBytes: bytes.length, contentType } });
        return { status: 201, body };
      }).catch(discardOnFailure);
    });
  }

  /** Whoever captured it, and custodians (evidence:custody), may handle an item. */
  private async find(principal: Principal, id: string) {
    const item = await this.db.selectFrom('evidence_items').selectAll().where('id', '=', id).executeTakeFirst();
    if (!item) throw notFound();
    if (item.captured_by !== principal.userId && !principal.permissions.has('evidence:custody')) throw new AppError('forbidden', 403);
    return item;
  }

  /** Custodians' list of an incident's evidence (metadata only; opening an item is a custody event). */
  async listForIncident(incidentId: string) {
    return this.db.selectFrom('evidence_items').selectAll().where('incident_id', '=', incidentId).orderBy('uploaded_at').orderBy('id').execute();
  }

  async chainOf(id: string) {
    return this.db.selectFrom('custody_events').selectAll().where('evidence_id', '=', id).orderBy('id').execute();
  }

  /** Metadata and chain; the look itself becomes a custody event. */
  async view(principal: Principal, ctx: AuditContext, id: string) {
    const item = await this.find(principal, id);
    await this.db.transaction().execute(async (tx) => {
      await this.custody(tx, ctx, item, 'viewed');
      await appendAudit(tx, ctx, { action: 'evidence.viewed', entityType: 'evidence', entityId: id, changes: {} });
    });
    return { item, chain: await this.chainOf(id) };
  }

  /** The bytes, re-hashed on the way out: a stored file that no longer matches is never served as evidence. */
  async download(principal: Principal, ctx: AuditContext, id: string, reason: string) {
    const item = await this.find(principal, id);
    const bytes = await reaching(() => this.store.get(item.storage_key));
    if (sha256(bytes) !== item.sha256) throw new AppError('evidence_hash_mismatch', 409, { declared: item.sha256.slice(0, 12), received: sha256(bytes).slice(0, 12) });
    await this.db.transaction().execute(async (tx) => {
      await this.custody(tx, ctx, item, 'downloaded', { reason });
      await appendAudit(tx, ctx, { action: 'evidence.downloaded', entityType: 'evidence', entityId: id, changes: { sha256: item.sha256 }, reason: { code: 'custody', text: reason } });
    });
    return { item, bytes };
  }

  async transfer(principal: Principal, ctx: AuditContext, id: string, t: Transfer) {
    const item = await this.find(principal, id);
    await this.db.transaction().execute(async (tx) => {
      await this.custody(tx, ctx, item, t.kind, { reason: t.reason, recipient: t.recipient ?? null });
      await appendAudit(tx, ctx, { action: `evidence.${t.kind}`, entityType: 'evidence', entityId: id, changes: { recipient: t.recipient ?? null, sha256: item.sha256 }, reason: { code: 'custody', text: t.reason } });
    });
    return this.chainOf(id);
  }

  /** For the custody report: the item, its chain, and the report's own download in the audit log. */
  async forReport(principal: Principal, ctx: AuditContext, id: string) {
    const item = await this.find(principal, id);
    const incident = await this.db.selectFrom('incidents').select(['number']).where('id', '=', item.incident_id).executeTakeFirstOrThrow();
    const chain = await this.chainOf(id);
    await this.db.transaction().execute((tx) => appendAudit(tx, ctx, { action: 'evidence.custody_report', entityType: 'evidence', entityId: id, changes: { events: chain.length } }));
    return { item, incidentNumber: incident.number, chain };
  }
}
