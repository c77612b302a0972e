import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { ACTIVE_STATUSES } from '../../../common/emergency.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { notFound } from '../../platform/errors.js';
import { citizenDb } from './citizen.tables.js';
import type { IncidentGateway } from './intake-gateway.js';
import { queueOutgoing, recipientOf, type Adapters } from './outbox.js';
import { hashTrackingCode, newTrackingCode } from './tracking-code.js';
import { receiptText } from './wording.js';

export type MessagingChannel = 'whatsapp' | 'telegram' | 'sms';

/** One inbound message as the webhooks normalise it from each provider's format. */
export type InboundMessage = {
  channel: MessagingChannel;
  address: string;
  providerMessageId: string;
  text: string;
  name?: string | null;
  phone?: string | null;
  lat?: number | null;
  lon?: number | null;
};

const CHANNEL_NAMES: Record<MessagingChannel, string> = { whatsapp: 'WhatsApp', telegram: 'Telegram', sms: 'SMS' };
const isUniqueViolation = (e: unknown) => (e as { code?: string } | null)?.code === '23505';

/** Messaging conversations: each becomes or joins an incident in the triage queue; call-takers answer on the same channel. */
export class ConversationsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly gateway: IncidentGateway,
    private readonly adapters: Adapters,
    private readonly publicBaseUrl: string,
  ) {}

  private async insertInbound(tx: Transaction<DB>, reportId: string, m: InboundMessage, body: string, id: string) {
    await citizenDb(tx).insertInto('citizen_messages').values({ id, report_id: reportId, direction: 'in', channel: m.channel, body, author_id: null, provider_message_id: m.providerMessageId }).execute();
  }

  /** Applies a provider's message once: a redelivery (same provider message id) changes nothing. */
  async receive(ctx: AuditContext, m: InboundMessage): Promise<'applied' | 'duplicate'> {
    const c = citizenDb(this.db);
    const seen = await c.selectFrom('citizen_messages').select('id').where('channel', '=', m.channel).where('provider_message_id', '=', m.providerMessageId).executeTakeFirst();
    if (seen) return 'duplicate';
    const body = m.lat != null && m.lon != null ? `${m.text}${m.text ? '\n' : ''}[ubicación compartida: ${m.lat.toFixed(6)}, ${m.lon.toFixed(6)}]` : m.text;
    const open = await c
      .selectFrom('citizen_reports')
      .innerJoin('incidents', 'incidents.id', 'citizen_reports.incident_id')
      .select(['citizen_reports.id', 'citizen_reports.incident_id'])
      .where('citizen_reports.channel', '=', m.channel)
      .where('citizen_reports.address', '=', m.address)
      .where('incidents.status', 'in', ACTIVE_STATUSES)
      .orderBy('citizen_reports.created_at', 'desc')
      .executeTakeFirst();
    const messageId = crypto.randomUUID();
    try {
      if (open) {
        await this.gateway.addMessage(
          ctx,
          open.incident_id,
          { channel: m.channel, direction: 'in', messageId },
          async (tx) => {
            await this.insertInbound(tx, open.id, m, body, messageId);
            return { citizenReport: open.id };
          },
          m.lat != null && m.lon != null ? { lat: m.lat, lon: m.lon, source: 'device' } : undefined,
        );
        return 'applied';
      }
      const other = await c.selectFrom('citizen_report_types').select('incident_type_code').where('code', '=', 'other').executeTakeFirstOrThrow();
      const code = newTrackingCode();
      await this.gateway.create(
        ctx,
        {
          typeCode: other.incident_type_code,
          source: m.channel,
          caller: { number: m.phone ?? null, name: m.name ?? null },
          description: body,
          location: m.lat != null && m.lon != null ? { lat: m.lat, lon: m.lon, source: 'device' } : { addressText: `Ubicación pendiente: pedirla por ${CHANNEL_NAMES[m.channel]}`, source: 'caller_stated' },
          flagRelated: true,
        },
        async (tx, incident) => {
          const report = await citizenDb(tx)
            .insertInto('citizen_reports')
            .values({ code_hash: hashTrackingCode(code), incident_id: incident.id, channel: m.channel, report_type: 'other', anonymous: false, contact_name: m.name ?? null, contact_phone: m.phone ?? null, contact_email: null, address: m.address })
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.insertInbound(tx, report.id, m, body, messageId);
          const to = recipientOf(report);
          if (to) await queueOutgoing(tx, this.adapters, { reportId: report.id, messageId, kind: 'receipt', ...to, body: receiptText(code, this.publicBaseUrl) });
          return { citizenReport: { id: report.id, channel: m.channel } };
        },
      );
      return 'applied';
    } catch (e) {
      // Two deliveries of one message racing each other: the unique index lets one through.
      if (isUniqueViolation(e)) return 'duplicate';
      throw e;
    }
  }

  /** The incident and those merged into it: their reporters are now this incident's reporters. */
  private async withMerged(incidentId: string): Promise<string[]> {
    const merged = await this.db.selectFrom('incidents').select('id').where('merged_into', '=', incidentId).execute();
    return [incidentId, ...merged.map((m) => m.id)];
  }

  /** A call-taker's answer: shown on the tracking page and sent through the channel the report came from. */
  async reply(ctx: AuditContext, incidentId: string, reportId: string, text: string) {
    const report = await citizenDb(this.db).selectFrom('citizen_reports').selectAll().where('id', '=', reportId).where('incident_id', 'in', await this.withMerged(incidentId)).executeTakeFirst();
    if (!report) throw notFound();
    const messageId = crypto.randomUUID();
    const to = recipientOf(report);
    let delivery: 'held' | 'pending' | 'sent' | 'failed' | 'tracking_page' = 'tracking_page';
    await this.gateway.addMessage(ctx, incidentId, { channel: report.channel, direction: 'out', messageId }, async (tx) => {
      await citizenDb(tx).insertInto('citizen_messages').values({ id: messageId, report_id: report.id, direction: 'out', channel: report.channel, body: text, author_id: ctx.actorId, provider_message_id: null }).execute();
      if (to) delivery = (await queueOutgoing(tx, this.adapters, { reportId: report.id, messageId, kind: 'reply', ...to, body: `Centinela 911: ${text}` })).status;
      return { citizenReport: report.id, delivery };
    });
    return { messageId, delivery };
  }

  /** The citizen side of an incident for the console; contact details only for those allowed to see callers. */
  async conversation(incidentId: string, withContact: boolean) {
    const c = citizenDb(this.db);
    const reports = await c.selectFrom('citizen_reports').selectAll().where('incident_id', 'in', await this.withMerged(incidentId)).orderBy('created_at').execute();
    if (reports.length === 0) return [];
    const ids = reports.map((r) => r.id);
    const [messages, attachments, ratings] = await Promise.all([
      c.selectFrom('citizen_messages').leftJoin('users', 'users.id', 'citizen_messages.author_id').select(['citizen_messages.id', 'citizen_messages.report_id', 'citizen_messages.direction', 'citizen_messages.body', 'citizen_messages.created_at', 'users.username']).where('report_id', 'in', ids).orderBy('citizen_messages.created_at').execute(),
      c.selectFrom('citizen_attachments').select(['id', 'report_id', 'message_id', 'media_type', 'size_bytes']).where('report_id', 'in', ids).execute(),
      c.selectFrom('citizen_ratings').selectAll().where('report_id', 'in', ids).execute(),
    ]);
    return reports.map((r) => ({
      id: r.id,
      channel: r.channel,
      anonymous: r.anonymous,
      createdAt: r.created_at.toISOString(),
      contact: withContact && !r.anonymous ? { name: r.contact_name, phone: r.contact_phone, email: r.contact_email, address: r.address } : null,
      deliversTo: recipientOf(r)?.channel ?? null,
      messages: messages
        .filter((m) => m.report_id === r.id)
        .map((m) => ({
          id: m.id,
          at: m.created_at.toISOString(),
          direction: m.direction,
          text: m.body,
          author: m.username ?? null,
          photos: attachments.filter((a) => a.message_id === m.id).map((a) => ({ id: a.id, mediaType: a.media_type, sizeBytes: a.size_bytes })),
        })),
      rating: ratings.find((x) => x.report_id === r.id) ? { score: ratings.find((x) => x.report_id === r.id)!.score, comment: ratings.find((x) => x.report_id === r.id)!.comment } : null,
    }));
  }
}
