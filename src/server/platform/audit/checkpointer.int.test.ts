import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { SYSTEM_CONTEXT } from '../auth/principal.js';
import { appendAudit } from './audit-log.js';
import { checkpointIfDue, type CheckpointPolicy } from './checkpointer.js';
import { loadLeafHashes } from './log-store.js';
import { EMPTY_FRONTIER, extendFrontier, frontierRoot, leafHash, rootHash } from './merkle.js';
import { sequencePending } from './sequencer.js';

let s: TestServer;
let policy: CheckpointPolicy;

beforeAll(async () => {
  s = await createTestServer();
  policy = { origin: s.config.AUDIT_ORIGIN, everyEntries: 1_000_000, everySeconds: 3_600 };
});
afterAll(() => s.close());

async function addEntries(n: number) {
  for (let i = 0; i < n; i++) await appendAudit(s.database.db, SYSTEM_CONTEXT, { action: 'test.checkpointer', entityType: 'test', entityId: String(i) });
  await sequencePending(s.database.db);
}

const fullRoot = async () => rootHash(await loadLeafHashes(s.database.db)).toString('base64');
const latestRow = () => s.database.db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size', 'desc').limit(1).executeTakeFirstOrThrow();

describe('audit checkpoints grow from the last one', () => {
  it('signs the root of the whole log and keeps the frontier for the next one', async () => {
    for (const n of [1, 6, 9]) {
      await addEntries(n);
      const signed = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true);
      expect(signed!.rootHash).toBe(await fullRoot());
      const row = await latestRow();
      expect(Number(row.tree_size)).toBe(signed!.treeSize);
      // One perfect subtree root per set bit of the tree size.
      expect(row.frontier).toHaveLength(signed!.treeSize.toString(2).replace(/0/g, '').length);
    }
  });

  it('reads only the entries since the last checkpoint: a past rewritten under it is not signed', async () => {
    await addEntries(1);
    const before = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true);
    await addEntries(1);
    const honest = await fullRoot();
    // A forger with the database owner's rights rewrites an old entry's leaf hash, after a checkpoint covered it.
    await s.database.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`UPDATE audit_log SET leaf_hash = repeat('ab', 32) WHERE seq = 2`.execute(tx);
    });
    expect(await fullRoot()).not.toBe(honest);
    const next = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true);
    expect(next!.treeSize).toBe(before!.treeSize + 1);
    // Rebuilt from every leaf, the checkpoint would have signed the forged tree.
    expect(next!.rootHash).toBe(honest);
  });

  it('does not build on a checkpoint row this server did not sign', async () => {
    const last = await latestRow();
    const size = Number(last.tree_size);
    // Inserting is all it takes (the table refuses only changes): a self-consistent forged tree, a signature that is not the key's.
    const forged = extendFrontier(EMPTY_FRONTIER, Array.from({ length: size + 1 }, (_, i) => leafHash(`forged ${i}`)));
    await s.database.db
      .insertInto('audit_checkpoints')
      .values({ ...last, tree_size: size + 1, root_hash: frontierRoot(forged).toString('base64'), signature: Buffer.alloc(64, 7).toString('base64'), frontier: forged.roots.map((h) => h.toString('hex')) })
      .execute();
    await addEntries(2);
    const warnings: string[] = [];
    const signed = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining(`tree size ${size + 1}) is not a checkpoint of this log signed by this server's key`)]);
    expect(signed!.rootHash).toBe(await fullRoot());
  });

  it('is not stopped by a row claiming a tree larger than the log', async () => {
    const last = await latestRow();
    const size = Number(last.tree_size);
    await s.database.db.insertInto('audit_checkpoints').values({ ...last, tree_size: size + 1_000_000, signature: Buffer.alloc(64, 9).toString('base64') }).execute();
    await addEntries(1);
    const signed = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true);
    expect(signed?.treeSize).toBe(size + 1);
    expect(signed!.rootHash).toBe(await fullRoot());
    // Out of the way of the next test, which builds on the latest row.
    await s.database.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`DELETE FROM audit_checkpoints WHERE tree_size = ${size + 1_000_000}`.execute(tx);
    });
  });

  it('rebuilds from every leaf, and says so, when a kept frontier does not match its signed root', async () => {
    const last = await latestRow();
    const size = Number(last.tree_size);
    // A row with the real signature and root but a damaged frontier (the table takes inserts only).
    await s.database.db
      .insertInto('audit_checkpoints')
      .values({ ...last, tree_size: size + 1_000_000, frontier: last.frontier!.map(() => '00'.repeat(32)) })
      .execute();
    await s.database.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`DELETE FROM audit_checkpoints WHERE tree_size = ${size}`.execute(tx);
      await sql`UPDATE audit_checkpoints SET tree_size = ${size} WHERE tree_size = ${size + 1_000_000}`.execute(tx);
    });
    await addEntries(2);
    const warnings: string[] = [];
    const signed = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining(`tree size ${size} does not match its signed root`)]);
    expect(signed!.rootHash).toBe(await fullRoot());
    // The next one trusts the frontier it just kept.
    await addEntries(1);
    const again = await checkpointIfDue(s.database.db, s.centinela.signingKey, policy, true, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    expect(again!.rootHash).toBe(await fullRoot());
  });
});
