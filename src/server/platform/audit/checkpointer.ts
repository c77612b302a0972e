import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { signCheckpoint } from './checkpoint.js';
import { currentTreeSize, latestCheckpoint, loadLeafHashes } from './log-store.js';
import { rootHash } from './merkle.js';
import type { SigningKey } from './signing-key.js';

export type CheckpointPolicy = { origin: string; everyEntries: number; everySeconds: number };

/** Signs a checkpoint over the whole log when N entries or T seconds have passed since the last one. */
export async function checkpointIfDue(db: Kysely<DB>, key: SigningKey, policy: CheckpointPolicy, force = false) {
  const size = await currentTreeSize(db);
  if (size === 0) return null;
  const last = await latestCheckpoint(db);
  if (last && last.treeSize >= size) return null;
  const grown = size - (last?.treeSize ?? 0);
  const age = last ? Date.now() - Date.parse(last.timestamp) : Infinity;
  if (!force && grown < policy.everyEntries && age < policy.everySeconds * 1000) return null;
  const leaves = await loadLeafHashes(db, size);
  const signed = signCheckpoint(
    { origin: policy.origin, treeSize: size, rootHash: rootHash(leaves).toString('base64'), timestamp: new Date().toISOString() },
    key.privateKeyPem,
  );
  // Two server instances may race here; the tree size is the key, so the loser's insert is a no-op.
  await db
    .insertInto('audit_checkpoints')
    .values({ tree_size: signed.treeSize, root_hash: signed.rootHash, origin: signed.origin, issued_at: signed.timestamp, key_id: signed.keyId, signature: signed.signature })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return signed;
}

/** Runs `checkpointIfDue` on a timer; returns a stop function that waits for a run in progress. */
export function startCheckpointer(db: Kysely<DB>, key: SigningKey, policy: CheckpointPolicy, onError: (e: unknown) => void) {
  let running: Promise<unknown> = Promise.resolve();
  const interval = Math.min(policy.everySeconds * 1000, 5000);
  const timer = setInterval(() => {
    running = running.then(() => checkpointIfDue(db, key, policy)).catch(onError);
  }, interval);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
