import { performance } from 'node:perf_hooks';
import { EMPTY_FRONTIER, extendFrontier, frontierRoot, leafHash, rootHash } from '../../src/server/platform/audit/merkle.js';

export const AUDIT_ROOTS = { entries: 10_000, every: 100 };
export type AuditRoots = { entries: number; checkpoints: number; verifyRebuiltMs: number; verifyFrontierMs: number; nextRebuiltMs: number; nextFrontierMs: number };

/**
 * The Merkle hashing of the audit log, in this process: verification's root per checkpoint (one per
 * `every` entries), each rebuilt from the leaves (until 2026-12-07) against one pass with a frontier;
 * and the checkpointer's next checkpoint after `every` more entries, rebuilt from every leaf against
 * appended to the last frontier. Pure hashing: the database reads the rebuilds also needed come on top.
 */
export function auditRoots(opts = AUDIT_ROOTS): AuditRoots {
  const leaves = Array.from({ length: opts.entries + opts.every }, (_, i) => leafHash(`entry ${i}`));
  const sizes = Array.from({ length: Math.floor(opts.entries / opts.every) }, (_, i) => (i + 1) * opts.every);
  let t = performance.now();
  const rebuilt = sizes.map((n) => rootHash(leaves.slice(0, n)).toString('base64'));
  const verifyRebuiltMs = performance.now() - t;
  t = performance.now();
  let f = EMPTY_FRONTIER;
  const grown: string[] = [];
  for (const n of sizes) {
    f = extendFrontier(f, leaves.slice(f.size, n));
    grown.push(frontierRoot(f).toString('base64'));
  }
  const verifyFrontierMs = performance.now() - t;
  if (grown.some((r, i) => r !== rebuilt[i])) throw new Error('audit roots: the frontier and the rebuild disagree');
  t = performance.now();
  const next = rootHash(leaves);
  const nextRebuiltMs = performance.now() - t;
  t = performance.now();
  const appended = frontierRoot(extendFrontier(f, leaves.slice(f.size)));
  const nextFrontierMs = performance.now() - t;
  if (!appended.equals(next)) throw new Error('audit roots: the next checkpoint differs');
  return { entries: opts.entries, checkpoints: sizes.length, verifyRebuiltMs, verifyFrontierMs, nextRebuiltMs, nextFrontierMs };
}
