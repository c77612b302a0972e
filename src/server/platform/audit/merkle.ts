/**
 * RFC 9162 §2.1 Merkle tree over SHA-256: tree hashes, inclusion and consistency proofs.
 * Builders throw RangeError for sizes or indexes outside the tree. Verifiers throw RangeError
 * only for sizes or indexes that are not non-negative safe integers; any other mismatch returns false.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const HASH_BYTES = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(data: Buffer | string): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export function rootHash(leafHashes: readonly Buffer[]): Buffer {
  return subtreeHash(leafHashes, 0, leafHashes.length);
}

/**
 * The roots of the perfect subtrees that make up a tree of `size` leaves, left to right (one per set
 * bit of `size`, largest first): all a checkpointer needs to append leaves and hash the tree again
 * without reading the leaves before (a compact range; its root is MTH of RFC 9162).
 */
export type Frontier = { size: number; roots: Buffer[] };
export const EMPTY_FRONTIER: Frontier = { size: 0, roots: [] };

/** The frontier after appending `leafHashes` (hashes already, as `leafHash` gives) to a tree. */
export function extendFrontier(frontier: Frontier, leafHashes: readonly Buffer[]): Frontier {
  assertFrontier(frontier);
  const roots = [...frontier.roots];
  let size = frontier.size;
  for (const leaf of leafHashes) {
    // Each trailing 1 bit of the size is a subtree as large as the one being carried: merge them, as in binary addition.
    let node = leaf;
    for (let s = size; s % 2 === 1; s = (s - 1) / 2) node = nodeHash(roots.pop() as Buffer, node);
    roots.push(node);
    size += 1;
  }
  return { size, roots };
}

/** MTH of the tree a frontier stands for: its subtree roots folded from the right. */
export function frontierRoot(frontier: Frontier): Buffer {
  assertFrontier(frontier);
  if (frontier.size === 0) return rootHash([]);
  let root = frontier.roots[frontier.roots.length - 1] as Buffer;
  for (let i = frontier.roots.length - 2; i >= 0; i--) root = nodeHash(frontier.roots[i] as Buffer, root);
  return root;
}

function assertFrontier(f: Frontier): void {
  assertCount(f.size, 'size');
  let bits = 0;
  for (let s = f.size; s > 0; s = Math.floor(s / 2)) bits += s % 2;
  if (f.roots.length !== bits || !f.roots.every(isHash)) throw new RangeError(`a frontier of a tree of size ${f.size} has ${bits} hashes of ${HASH_BYTES} bytes`);
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1, ordered from the leaf's sibling up to the root's child. */
export function inclusionProof(index: number, leafHashes: readonly Buffer[]): Buffer[] {
  const size = leafHashes.length;
  assertCount(index, 'index');
  if (index >= size) throw new RangeError(`index ${index} is outside a tree of size ${size}`);

  // The RFC recursion descends one subtree per level, so a loop replaces it; siblings come out root-first.
  const siblings: Buffer[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (index < split) {
      siblings.push(subtreeHash(leafHashes, split, end));
      end = split;
    } else {
      siblings.push(subtreeHash(leafHashes, start, split));
      start = split;
    }
  }
  return siblings.reverse();
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1 for 0 < m <= n; m == n gives an empty proof. */
export function consistencyProof(oldSize: number, leafHashes: readonly Buffer[]): Buffer[] {
  const size = leafHashes.length;
  assertCount(oldSize, 'oldSize');
  if (oldSize < 1 || oldSize > size) {
    throw new RangeError(`oldSize ${oldSize} must be between 1 and the tree size ${size}`);
  }

  // SUBPROOF(m, D[start:end], b) as a loop: each level appends one hash after the deeper result.
  const outer: Buffer[] = [];
  let start = 0;
  let end = size;
  let m = oldSize;
  let wholeOldTree = true;
  while (m < end - start) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m <= k) {
      outer.push(subtreeHash(leafHashes, start + k, end));
      end = start + k;
    } else {
      outer.push(subtreeHash(leafHashes, start, start + k));
      start += k;
      m -= k;
      wholeOldTree = false;
    }
  }
  const deepest = wholeOldTree ? [] : [subtreeHash(leafHashes, start, end)];
  return [...deepest, ...outer.reverse()];
}

/** RFC 9162 §2.1.3.2: does `proof` place `leaf` at `index` of the tree of `treeSize` with `root`? */
export function verifyInclusion(
  leaf: Buffer,
  index: number,
  treeSize: number,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  assertCount(index, 'index');
  assertCount(treeSize, 'treeSize');
  if (index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;

  // Division instead of bit operators keeps sizes above 2^31 exact.
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && timingSafeEqual(r, root);
}

/** RFC 9162 §2.1.4.2, plus the trivial case oldSize == newSize (empty proof, equal roots). */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Buffer,
  newRoot: Buffer,
  proof: readonly Buffer[],
): boolean {
  assertCount(oldSize, 'oldSize');
  assertCount(newSize, 'newSize');
  if (oldSize < 1 || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false;
  if (oldSize === newSize) return proof.length === 0 && timingSafeEqual(oldRoot, newRoot);
  if (proof.length === 0) return false;

  // When the old tree is a complete subtree the proof omits its root, which the verifier already has.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [first, ...rest] = path as [Buffer, ...Buffer[]];
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && timingSafeEqual(fr, oldRoot) && timingSafeEqual(sr, newRoot);
}

/** MTH(D[start:end]) built level by level: promoting an unpaired last node equals the RFC's power-of-two split. */
function subtreeHash(leafHashes: readonly Buffer[], start: number, end: number): Buffer {
  if (end === start) return createHash('sha256').digest();
  const level: Buffer[] = [];
  for (let i = start; i < end; i += 2) {
    const left = leafHashes[i] as Buffer;
    level.push(i + 1 < end ? nodeHash(left, leafHashes[i + 1] as Buffer) : left);
  }
  // Each level overwrites the front of the same array, so a million leaves need no extra copies.
  let width = level.length;
  while (width > 1) {
    let next = 0;
    for (let i = 0; i < width; i += 2) {
      level[next++] = i + 1 < width ? nodeHash(level[i] as Buffer, level[i + 1] as Buffer) : (level[i] as Buffer);
    }
    width = next;
  }
  return level[0] as Buffer;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function isHash(value: Buffer): boolean {
  return Buffer.isBuffer(value) && value.length === HASH_BYTES;
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}
