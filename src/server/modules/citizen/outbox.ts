import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { citizenDb, type CitizenTables, type OutboxChannel } from './citizen.tables.js';

export type OutgoingMessage = { id: string; channel: OutboxChannel; recipient: string; body: string };

/** A provider that delivers on one channel. None is built in: with no adapter, messages stay in the outbox as 'held'. */
export interface ChannelAdapter {
  readonly channel: OutboxChannel;
  send(message: OutgoingMessage): Promise<{ providerMessageId: string }>;
}
export type Adapters = ReadonlyMap<OutboxChannel, ChannelAdapter>;

type ReportRow = CitizenTables['citizen_reports'];

/** Where a report's notifications go: back on the messaging channel it came from, or to the web reporter's contact. */
export function recipientOf(r: Pick<ReportRow, 'channel' | 'address' | 'contact_phone' | 'contact_email' | 'anonymous'>): { channel: OutboxChannel; recipient: string } | null {
  if (r.anonymous) return null;
  if (r.channel !== 'web') return r.address ? { channel: r.channel, recipient: r.address } : null;
  if (r.contact_phone) return { channel: 'sms', recipient: r.contact_phone };
  if (r.contact_email) return { channel: 'email', recipient: r.contact_email };
  return null;
}

/** Queues a message in the caller's transaction, so it exists if and only if the change that caused it committed. */
export async function queueOutgoing(
  tx: Transaction<DB>,
  adapters: Adapters,
  m: { reportId: string; messageId?: string | null; kind: 'receipt' | 'status' | 'reply'; channel: OutboxChannel; recipient: string; body: string },
) {
  const held = !adapters.has(m.channel);
  return citizenDb(tx)
    .insertInto('citizen_outbox')
    .values({
      report_id: m.reportId,
      message_id: m.messageId ?? null,
      kind: m.kind,
      channel: m.channel,
      recipient: m.recipient,
      body: m.body,
      status: held ? 'held' : 'pending',
      last_error: held ? 'no provider configured for this channel' : null,
      provider_message_id: null,
    })
    .returning(['id', 'status'])
    .executeTakeFirstOrThrow();
}

/** Hands pending messages to their channel's adapter; each outcome is recorded and audited. */
export async function deliverPending(db: Kysely<DB>, adapters: Adapters, limit = 50): Promise<number> {
  if (adapters.size === 0) return 0;
  const pending = await citizenDb(db).selectFrom('citizen_outbox').selectAll().where('status', '=', 'pending').orderBy('created_at').limit(limit).execute();
  for (const m of pending) {
    const adapter = adapters.get(m.channel);
    if (!adapter) continue;
    const outcome = await adapter.send({ id: m.id, channel: m.channel, recipient: m.recipient, body: m.body }).then(
      (r) => ({ status: 'sent' as const, providerMessageId: r.providerMessageId, error: null }),
      (e: unknown) => ({ status: m.attempts >= 4 ? ('failed' as const) : ('pending' as const), providerMessageId: null, error: String(e).slice(0, 500) }),
    );
    await db.transaction().execute(async (tx) => {
      await citizenDb(tx)
        .updateTable('citizen_outbox')
        .set({ status: outcome.status, provider_message_id: outcome.providerMessageId, last_error: outcome.error, attempts: m.attempts + 1, updated_at: new Date() })
        .where('id', '=', m.id)
        .execute();
      await appendAudit(tx, SYSTEM_CONTEXT, { action: 'citizen.outbox_delivery', entityType: 'citizen_outbox', entityId: m.id, changes: { status: outcome.status, attempts: m.attempts + 1 } });
    });
  }
  return pending.length;
}
