import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { signCheckpoint, verifyCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { checkpointOfRow, currentTreeSize, latestCheckpointRow, loadLeafHashes } from './log-store.js';
import { EMPTY_FRONTIER, extendFrontier, frontierRoot, type Frontier } from './merkle.js';
import type { SigningKey } from './signing-key.js';

export type CheckpointPolicy = { origin: string; everyEntries: number; everySeconds: number };

/**
 * Signs a checkpoint over the whole log when N entries or T seconds have passed since the last one.
 * The tree grows from the last checkpoint's frontier, reading only the entries since; `warn` hears
 * of a checkpoint this key did not sign or a frontier that does not hash to its root (then every
 * leaf is read again).
 */
export async function checkpointIfDue(db: Kysely<DB>, key: SigningKey, policy: CheckpointPolicy, force = false, warn: (message: string) => void = () => undefined) {
  const size = await currentTreeSize(db);
  if (size === 0) return null;
  // A checkpoint cannot be larger than the log: such a row (inserted by hand) must not stop the next ones.
  const lastRow = await latestCheckpointRow(db, size);
  const last = lastRow ? checkpointOfRow(lastRow) : null;
  if (last && last.treeSize >= size) return null;
  const grown = size - (last?.treeSize ?? 0);
  const age = last ? Date.now() - Date.parse(last.timestamp) : Infinity;
  if (!force && grown < policy.everyEntries && age < policy.everySeconds * 1000) return null;
  const start = last && lastRow?.frontier ? trustedFrontier(last, lastRow.frontier, key, policy.origin, warn) : EMPTY_FRONTIER;
  // currentTreeSize above chained the queue already: a second drain would only hold PGlite's one connection again.
  const leaves = await loadLeafHashes(db, size, start.size, false);
  if (leaves.length !== size - start.size) throw new Error(`audit log: ${leaves.length} entries after seq ${start.size}, expected ${size - start.size}`);
  const frontier = extendFrontier(start, leaves);
  const signed = signCheckpoint(
    { origin: policy.origin, treeSize: size, rootHash: frontierRoot(frontier).toString('base64'), timestamp: new Date().toISOString() },
    key.privateKeyPem,
  );
  // Two server instances may race here; the tree size is the key, so the loser's insert is a no-op.
  await db
    .insertInto('audit_checkpoints')
    .values({
      tree_size: signed.treeSize,
      root_hash: signed.rootHash,
      origin: signed.origin,
      issued_at: signed.timestamp,
      key_id: signed.keyId,
      signature: signed.signature,
      frontier: frontier.roots.map((h) => h.toString('hex')),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return signed;
}

/**
 * A stored frontier, if its checkpoint is this log's and verifies with this server's own key (rows
 * can be inserted by anyone who can write to the database, keys too: a forged row would have this
 * server sign a rewritten past) and the frontier hashes to the root signed; otherwise the empty one,
 * and the tree is rebuilt from every leaf.
 */
function trustedFrontier(last: SignedCheckpoint, hex: string[], key: SigningKey, origin: string, warn: (message: string) => void): Frontier {
  if (last.origin !== origin || !verifyCheckpoint(last, key.publicKeyPem)) {
    warn(`the latest audit checkpoint (tree size ${last.treeSize}) is not a checkpoint of this log signed by this server's key; the tree is rebuilt from every entry`);
    return EMPTY_FRONTIER;
  }
  try {
    const f = { size: last.treeSize, roots: hex.map((h) => Buffer.from(h, 'hex')) };
    if (frontierRoot(f).toString('base64') === last.rootHash) return f;
  } catch {
    // Malformed (wrong count or length): the same as a mismatch.
  }
  warn(`the frontier kept with the audit checkpoint of tree size ${last.treeSize} does not match its signed root; the tree is rebuilt from every entry`);
  return EMPTY_FRONTIER;
}

/** Runs `checkpointIfDue` on a timer; returns a stop function that waits for a run in progress. */
export function startCheckpointer(db: Kysely<DB>, key: SigningKey, policy: CheckpointPolicy, onError: (e: unknown) => void, warn?: (message: string) => void) {
  let running: Promise<unknown> = Promise.resolve();
  const interval = Math.min(policy.everySeconds * 1000, 5000);
  const timer = setInterval(() => {
    running = running.then(() => checkpointIfDue(db, key, policy, false, warn)).catch(onError);
  }, interval);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
