import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { canonicalize } from '../audit/canonical-json.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';

/** The `Idempotency-Key` request header (IETF httpapi draft): a device-generated unique string. */
export const idempotencyHeaders = z.object({ 'idempotency-key': z.string().regex(/^[A-Za-z0-9_-]{8,100}$/, '8-100 letters, digits, dashes or underscores') });

export type Outcome = { status: number; body: unknown; replayed: boolean };
export type Remember = (tx: Transaction<DB>, status: number, body: unknown) => Promise<void>;
type Call = { principalId: string; key: string; operation: string; request: unknown };

/** Another transaction stored this key first (concurrent replay): roll ours back and answer with theirs. */
class KeyTakenMeanwhile extends Error {}

// Definitive refusals are remembered too, so a replay gets the same answer; auth and rate limits are not (they pass).
const REMEMBERED_ERRORS = new Set([404, 409, 413, 415, 422]);

const requestHash = (c: Call) => crypto.createHash('sha256').update(canonicalize({ operation: c.operation, request: c.request })).digest('hex');

async function stored(db: Kysely<DB>, c: Call, hash: string): Promise<Outcome | null> {
  const row = await db.selectFrom('idempotency_keys').selectAll().where('principal_id', '=', c.principalId).where('key', '=', c.key).executeTakeFirst();
  if (!row) return null;
  if (row.operation !== c.operation || row.request_hash !== hash) throw new AppError('idempotency_key_reused', 422, {}, { operation: row.operation });
  return { status: row.status_code, body: row.response, replayed: true };
}

/**
 * Applies a device action once per (principal, key). `run` does its writes, then calls `remember`
 * in the same transaction just before its audit entry, so the key exists if and only if the change
 * committed; a replay (even a concurrent one) is answered with the first result.
 */
export async function once(db: Kysely<DB>, c: Call, run: (remember: Remember) => Promise<{ status: number; body: unknown }>): Promise<Outcome> {
  const hash = requestHash(c);
  const earlier = await stored(db, c, hash);
  if (earlier) return answer(earlier);
  const remember: Remember = async (tx, status, body) => {
    const row = await tx
      .insertInto('idempotency_keys')
      .values({ principal_id: c.principalId, key: c.key, operation: c.operation, request_hash: hash, status_code: status, response: JSON.stringify(body) })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!row) throw new KeyTakenMeanwhile();
  };
  try {
    const out = await run(remember);
    return { ...out, replayed: false };
  } catch (e) {
    if (e instanceof KeyTakenMeanwhile) return answer((await stored(db, c, hash))!);
    if (e instanceof AppError && REMEMBERED_ERRORS.has(e.status)) {
      await db
        .insertInto('idempotency_keys')
        .values({ principal_id: c.principalId, key: c.key, operation: c.operation, request_hash: hash, status_code: e.status, response: JSON.stringify({ error: { code: e.code, params: e.params, extra: e.extra } }) })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    throw e;
  }
}

/** A replay of a key whose first answer was a refusal gets the same refusal again. */
function answer(o: Outcome): Outcome {
  if (o.status < 400) return o;
  const err = (o.body as { error: { code: string; params: Record<string, string | number>; extra: Record<string, unknown> } }).error;
  throw new AppError(err.code as AppError['code'], o.status as AppError['status'], err.params, { ...err.extra, replayed: true });
}
