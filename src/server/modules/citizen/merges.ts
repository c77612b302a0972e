import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../platform/db/schema.js';

const MAX_HOPS = 5;

/** The incident a case now lives in: a merged incident is followed into the one it was folded into. */
export async function followMerges(db: Kysely<DB> | Transaction<DB>, incidentId: string): Promise<{ id: string; status: string; chain: string[] }> {
  const chain = [incidentId];
  let row = await db.selectFrom('incidents').select(['id', 'status', 'merged_into']).where('id', '=', incidentId).executeTakeFirstOrThrow();
  while (row.status === 'merged' && row.merged_into && chain.length <= MAX_HOPS && !chain.includes(row.merged_into)) {
    chain.push(row.merged_into);
    row = await db.selectFrom('incidents').select(['id', 'status', 'merged_into']).where('id', '=', row.merged_into).executeTakeFirstOrThrow();
  }
  return { id: row.id, status: row.status, chain };
}
