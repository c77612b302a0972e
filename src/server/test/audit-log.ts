import type { Kysely } from 'kysely';
import { sequencePending } from '../platform/audit/sequencer.js';
import type { DB } from '../platform/db/schema.js';

/** The database once the sequencer has chained every committed entry: tests read `audit_log` through it. */
export async function chained(db: Kysely<DB>): Promise<Kysely<DB>> {
  await sequencePending(db);
  return db;
}
