import crypto from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { citizenDb, type CitizenTables } from './citizen.tables.js';
import type { CitizenLocation, IncidentGateway } from './intake-gateway.js';
import { queueOutgoing, recipientOf, type Adapters } from './outbox.js';
import { followMerges } from './merges.js';
import { checkPhotos, type Photo } from './photos.js';
import { solves } from './proof-of-work.js';
import { presentTracking, TRACKED_KINDS } from './tracking.presenter.js';
import { hashTrackingCode, newTrackingCode, normaliseTrackingCode } from './tracking-code.js';
import { receiptText, trackingUrl } from './wording.js';

export type CitizenSettings = {
  powBits: number;
  perHourPerAddress: number;
  perHourPerDevice: number;
  photoMaxBytes: number;
  publicBaseUrl: string;
};

export type WebReportInput = {
  type: string;
  description: string;
  location: CitizenLocation;
  photos: string[];
  anonymous: boolean;
  contact?: { name?: string | null; phone?: string | null; email?: string | null } | null;
  challenge: { id: string; solution: string };
};

type Report = Selectable<CitizenTables['citizen_reports']>;
const CHALLENGE_TTL_MS = 10 * 60_000;
const CLOSED = ['closed', 'cancelled'];
const powInvalid = () => new AppError('citizen_pow_invalid', 422);

/** Web reports without an account, and what the reporter can do afterwards with the tracking code. */
export class ReportsService {
  private rateKey: Promise<string> | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly gateway: IncidentGateway,
    private readonly adapters: Adapters,
    private readonly settings: CitizenSettings,
  ) {}

  /** Addresses and device ids are kept only as keyed hashes, enough to count submissions. */
  async hash(kind: 'addr' | 'device', value: string): Promise<string> {
    this.rateKey ??= citizenDb(this.db)
      .selectFrom('citizen_secrets')
      .select('value')
      .where('name', '=', 'rate_key')
      .executeTakeFirstOrThrow()
      .then((r) => r.value);
    return crypto.createHmac('sha256', await this.rateKey).update(`${kind}:${value}`).digest('hex');
  }

  async types() {
    const rows = await citizenDb(this.db).selectFrom('citizen_report_types').selectAll().orderBy('position').execute();
    return rows.map((r) => ({ code: r.code, label: { es: r.label_es, en: r.label_en } }));
  }

  async issueChallenge(deviceId: string) {
    const row = await citizenDb(this.db)
      .insertInto('citizen_challenges')
      .values({ nonce: crypto.randomBytes(16).toString('hex'), bits: this.settings.powBits, device_hash: await this.hash('device', deviceId), expires_at: new Date(Date.now() + CHALLENGE_TTL_MS), used_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { id: row.id, nonce: row.nonce, bits: row.bits, expiresAt: row.expires_at.toISOString() };
  }

  private async checkRate(addressHash: string, deviceHash: string) {
    const since = new Date(Date.now() - 3600_000);
    const counts = await citizenDb(this.db)
      .selectFrom('citizen_rate_events')
      .select(['key_hash', (eb) => eb.fn.countAll<string>().as('n')])
      .where('key_hash', 'in', [addressHash, deviceHash])
      .where('at', '>', since)
      .groupBy('key_hash')
      .execute();
    const n = (k: string) => Number(counts.find((c) => c.key_hash === k)?.n ?? 0);
    if (n(addressHash) >= this.settings.perHourPerAddress || n(deviceHash) >= this.settings.perHourPerDevice) throw new AppError('citizen_rate_limited', 429);
  }

  /** Checks everything cheap first; the reply comes only after the incident and the report committed together. */
  async submit(ctx: AuditContext, client: { ip: string; deviceId: string | null }, input: WebReportInput) {
    const c = citizenDb(this.db);
    const type = await c.selectFrom('citizen_report_types').selectAll().where('code', '=', input.type).executeTakeFirst();
    if (!type) throw new AppError('citizen_unknown_type', 422, { code: input.type });
    const photos = checkPhotos(input.photos, this.settings.photoMaxBytes);
    if (!client.deviceId) throw powInvalid();
    const deviceHash = await this.hash('device', client.deviceId);
    const challenge = await c.selectFrom('citizen_challenges').selectAll().where('id', '=', input.challenge.id).executeTakeFirst();
    if (!challenge || challenge.device_hash !== deviceHash || challenge.used_at || challenge.expires_at < new Date() || !solves(challenge.nonce, input.challenge.solution, challenge.bits)) throw powInvalid();
    const addressHash = await this.hash('addr', client.ip);
    await this.checkRate(addressHash, deviceHash);

    const code = newTrackingCode();
    const contact = input.anonymous ? null : input.contact;
    // An anonymous report leaves no client address in the audit entry either.
    const auditCtx = input.anonymous ? { ...ctx, clientIp: null } : ctx;
    await this.gateway.create(
      auditCtx,
      {
        typeCode: type.incident_type_code,
        source: 'web',
        caller: contact ? { number: contact.phone ?? null, name: contact.name ?? null } : undefined,
        description: input.description,
        location: input.location,
        flagRelated: true,
      },
      async (tx, incident) => {
        const t = citizenDb(tx);
        const used = await t.updateTable('citizen_challenges').set({ used_at: new Date() }).where('id', '=', challenge.id).where('used_at', 'is', null).returning('id').executeTakeFirst();
        if (!used) throw powInvalid();
        const report = await t
          .insertInto('citizen_reports')
          .values({
            code_hash: hashTrackingCode(code),
            incident_id: incident.id,
            channel: 'web',
            report_type: type.code,
            anonymous: input.anonymous,
            contact_name: contact?.name?.trim() || null,
            contact_phone: contact?.phone?.trim() || null,
            contact_email: contact?.email?.trim() || null,
            address: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const messageId = await this.insertMessage(tx, report.id, input.description, photos);
        await t.insertInto('citizen_rate_events').values([{ key_hash: addressHash }, { key_hash: deviceHash }]).execute();
        const to = recipientOf(report);
        if (to) await queueOutgoing(tx, this.adapters, { reportId: report.id, messageId, kind: 'receipt', ...to, body: receiptText(code, this.settings.publicBaseUrl) });
        return { citizenReport: { id: report.id, channel: 'web', type: type.code, anonymous: input.anonymous, photos: photos.length } };
      },
    );
    return { code, trackingUrl: trackingUrl(this.settings.publicBaseUrl, code) };
  }

  private async insertMessage(tx: Transaction<DB>, reportId: string, body: string, photos: Photo[], id: string = crypto.randomUUID()) {
    const t = citizenDb(tx);
    await t.insertInto('citizen_messages').values({ id, report_id: reportId, direction: 'in', channel: 'web', body, author_id: null, provider_message_id: null }).execute();
    if (photos.length > 0) {
      await t
        .insertInto('citizen_attachments')
        .values(photos.map((p) => ({ report_id: reportId, message_id: id, media_type: p.mediaType, size_bytes: p.content.length, sha256: p.sha256, content: p.content })))
        .execute();
    }
    return id;
  }

  private async byCode(code: string): Promise<Report> {
    const normalised = normaliseTrackingCode(code);
    const report = normalised ? await citizenDb(this.db).selectFrom('citizen_reports').selectAll().where('code_hash', '=', hashTrackingCode(normalised)).executeTakeFirst() : undefined;
    if (!report) throw new AppError('citizen_code_not_found', 404);
    return report;
  }

  private async incidentStatus(id: string) {
    return (await followMerges(this.db, id)).status;
  }

  /** What the holder of the code may see: steps in plain words, the exchange of messages, the rating. */
  async track(code: string) {
    const report = await this.byCode(code);
    const c = citizenDb(this.db);
    const { chain, status } = await followMerges(this.db, report.incident_id);
    const [timeline, messages, attachments, rating] = await Promise.all([
      // A case folded into another follows the other; its own "created" stays the only start.
      this.db
        .selectFrom('incident_timeline')
        .select(['at', 'kind', 'data'])
        .where('incident_id', 'in', chain)
        .where('kind', 'in', TRACKED_KINDS)
        .where((eb) => eb.or([eb('incident_id', '=', report.incident_id), eb('kind', '<>', 'created')]))
        .orderBy('at')
        .orderBy('id')
        .execute(),
      c.selectFrom('citizen_messages').select(['id', 'direction', 'body', 'created_at']).where('report_id', '=', report.id).orderBy('created_at').execute(),
      c.selectFrom('citizen_attachments').select(['message_id']).where('report_id', '=', report.id).execute(),
      c.selectFrom('citizen_ratings').select(['score', 'comment']).where('report_id', '=', report.id).executeTakeFirst(),
    ]);
    return presentTracking({ code: normaliseTrackingCode(code)!, report, status, timeline, messages, attachments, rating: rating ?? null });
  }

  private ctxFor(report: Report, ctx: AuditContext) {
    return report.anonymous ? { ...ctx, clientIp: null } : ctx;
  }

  /** More details or photos from the reporter, while the case is open. */
  async addInfo(ctx: AuditContext, code: string, input: { text: string; photos: string[] }) {
    const report = await this.byCode(code);
    const target = await followMerges(this.db, report.incident_id);
    if (CLOSED.includes(target.status)) throw new AppError('citizen_case_closed', 409);
    const photos = checkPhotos(input.photos, this.settings.photoMaxBytes);
    const messageId = crypto.randomUUID();
    await this.gateway.addMessage(this.ctxFor(report, ctx), target.id, { channel: 'web', direction: 'in', messageId }, async (tx) => {
      await this.insertMessage(tx, report.id, input.text, photos, messageId);
      return { citizenReport: report.id, photos: photos.length };
    });
    return this.track(code);
  }

  /** A closed case invites one rating (1–5 and a comment) for the analytics. */
  async rate(ctx: AuditContext, code: string, input: { score: number; comment?: string | null }) {
    const report = await this.byCode(code);
    if (!CLOSED.includes(await this.incidentStatus(report.incident_id))) throw new AppError('citizen_rating_not_open', 409);
    await this.db.transaction().execute(async (tx) => {
      const inserted = await citizenDb(tx)
        .insertInto('citizen_ratings')
        .values({ report_id: report.id, score: input.score, comment: input.comment?.trim() || null })
        .onConflict((oc) => oc.column('report_id').doNothing())
        .returning('report_id')
        .executeTakeFirst();
      if (!inserted) throw new AppError('citizen_already_rated', 409);
      await appendAudit(tx, this.ctxFor(report, ctx), { action: 'citizen.rated', entityType: 'citizen_report', entityId: report.id, changes: { score: input.score, commentLength: input.comment?.trim().length ?? 0 } });
    });
    return this.track(code);
  }
}
