import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import type { DB } from '../../platform/db/schema.js';

type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type CitizenChannel = 'web' | 'whatsapp' | 'telegram' | 'sms';
export type OutboxChannel = 'whatsapp' | 'telegram' | 'sms' | 'email';

/** Tables of migrations/0009_citizen.sql, kept in this module so the shared schema file stays untouched. */
export type CitizenTables = {
  citizen_report_types: { code: string; incident_type_code: string; label_es: string; label_en: string; position: number };
  citizen_challenges: { id: Generated<string>; nonce: string; bits: number; device_hash: string; created_at: DefaultTimestamp; expires_at: Date; used_at: Date | null };
  citizen_reports: {
    id: Generated<string>;
    code_hash: string;
    incident_id: string;
    channel: CitizenChannel;
    report_type: string | null;
    anonymous: boolean;
    contact_name: string | null;
    contact_phone: string | null;
    contact_email: string | null;
    address: string | null;
    notified_status: Generated<string>;
    created_at: DefaultTimestamp;
  };
  citizen_messages: {
    id: Generated<string>;
    report_id: string;
    direction: 'in' | 'out';
    channel: string;
    body: string;
    author_id: string | null;
    provider_message_id: string | null;
    created_at: DefaultTimestamp;
  };
  citizen_attachments: {
    id: Generated<string>;
    report_id: string;
    message_id: string | null;
    media_type: string;
    size_bytes: number;
    sha256: string;
    content: Buffer;
    created_at: DefaultTimestamp;
  };
  citizen_ratings: { report_id: string; score: number; comment: string | null; created_at: DefaultTimestamp };
  citizen_outbox: {
    id: Generated<string>;
    report_id: string;
    message_id: string | null;
    kind: 'receipt' | 'status' | 'reply';
    channel: OutboxChannel;
    recipient: string;
    body: string;
    status: 'pending' | 'held' | 'sent' | 'failed';
    attempts: Generated<number>;
    last_error: string | null;
    provider_message_id: string | null;
    created_at: DefaultTimestamp;
    updated_at: DefaultTimestamp;
  };
  citizen_rate_events: { key_hash: string; at: DefaultTimestamp };
  citizen_secrets: { name: string; value: string };
};

export type CitizenDb = Kysely<DB & CitizenTables>;

export const citizenDb = (db: Kysely<DB> | Transaction<DB>): CitizenDb => db.withTables<CitizenTables>();
