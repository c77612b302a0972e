import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import {
  consistencyProof,
  EMPTY_FRONTIER,
  extendFrontier,
  frontierRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

const hex = (b: Buffer): string => b.toString('hex');
const unhex = (h: string): Buffer => Buffer.from(h, 'hex');
const at = <T>(list: readonly T[], i: number): T => {
  const item = list[i];
  if (item === undefined) throw new Error(`no item at ${i}`);
  return item;
};

// Test data shared by google/certificate-transparency and transparency-dev/merkle (testonly/constants.go).
const CT_LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_LEAVES = CT_LEAF_INPUTS.map((d) => leafHash(d));
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// transparency-dev/merkle proof/verify_test.go, with its 1-based leaf numbers turned into 0-based indexes.
const CT_INCLUSION = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CT_CONSISTENCY = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** RFC 9162 definitions written as literal recursion, over any way of computing MTH(D[start:end]). */
type RangeHash = (start: number, end: number) => Buffer;
const splitOf = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function rfcPath(m: number, start: number, end: number, mth: RangeHash): Buffer[] {
  if (end - start === 1) return [];
  const k = splitOf(end - start);
  return m < k
    ? [...rfcPath(m, start, start + k, mth), mth(start + k, end)]
    : [...rfcPath(m - k, start + k, end, mth), mth(start, start + k)];
}
function rfcSubproof(m: number, start: number, end: number, whole: boolean, mth: RangeHash): Buffer[] {
  if (m === end - start) return whole ? [] : [mth(start, end)];
  const k = splitOf(end - start);
  return m <= k
    ? [...rfcSubproof(m, start, start + k, whole, mth), mth(start + k, end)]
    : [...rfcSubproof(m - k, start + k, end, false, mth), mth(start, start + k)];
}
function rfcRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return at(leaves, 0);
  const k = splitOf(leaves.length);
  return nodeHash(rfcRoot(leaves.slice(0, k)), rfcRoot(leaves.slice(k)));
}

function flipByte(proof: readonly Buffer[], i: number): Buffer[] {
  return proof.map((p, j) => {
    if (j !== i) return p;
    const copy = Buffer.from(p);
    copy[0] = (copy[0] ?? 0) ^ 0x08;
    return copy;
  });
}

const MAX = 40;
const LEAVES = Array.from({ length: MAX + 1 }, (_, i) => leafHash(`audit entry ${i}`));
const ROOTS = Array.from({ length: MAX + 2 }, (_, n) => rootHash(LEAVES.slice(0, n)));
const SOME_HASH = unhex('abacaba000000000000000000000000000000000000000000060061e00123456');

describe('leafHash and nodeHash', () => {
  it('prefix leaves with 0x00 and interior nodes with 0x01', () => {
    expect(hex(leafHash(''))).toBe(createHash('sha256').update(Buffer.from([0])).digest('hex'));
    const [a, b] = [at(CT_LEAVES, 0), at(CT_LEAVES, 1)];
    expect(nodeHash(a, b)).toEqual(createHash('sha256').update(Buffer.from([1])).update(a).update(b).digest());
  });

  it('hash a string leaf as its UTF-8 bytes', () => {
    expect(leafHash('ñandú')).toEqual(leafHash(Buffer.from('ñandú', 'utf8')));
  });
});

describe('rootHash', () => {
  it('matches the certificate-transparency reference roots for sizes 0 to 8', () => {
    for (let n = 0; n <= 8; n++) {
      expect(hex(rootHash(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
    }
  });

  it('matches the literal RFC recursion for every size up to 41', () => {
    for (let n = 0; n <= MAX + 1; n++) {
      expect(rootHash(LEAVES.slice(0, n)), `size ${n}`).toEqual(rfcRoot(LEAVES.slice(0, n)));
    }
  });

  it('handles a million leaves and proves one of them', { timeout: 120_000 }, () => {
    const size = 1_000_000;
    const leaves = Array.from({ length: size }, (_, i) => {
      const leaf = Buffer.alloc(32);
      leaf.writeUInt32BE(i);
      return leaf;
    });
    const root = rootHash(leaves);
    const index = 765_432;
    const proof = inclusionProof(index, leaves);
    expect(proof).toHaveLength(20);
    expect(verifyInclusion(at(leaves, index), index, size, proof, root)).toBe(true);
    expect(verifyInclusion(at(leaves, index + 1), index, size, proof, root)).toBe(false);
  });
});

describe('extendFrontier and frontierRoot', () => {
  it('matches the certificate-transparency reference roots, one leaf at a time', () => {
    let f = EMPTY_FRONTIER;
    expect(hex(frontierRoot(f))).toBe(CT_ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      f = extendFrontier(f, [at(CT_LEAVES, n - 1)]);
      expect(hex(frontierRoot(f)), `size ${n}`).toBe(CT_ROOTS[n]);
    }
  });

  it('gives rootHash for every size up to 41 however the leaves are split into appends', () => {
    for (let n = 0; n <= MAX + 1; n++) {
      for (const cut of [0, 1, Math.floor(n / 3), n - 1, n]) {
        if (cut < 0 || cut > n) continue;
        const f = extendFrontier(extendFrontier(EMPTY_FRONTIER, LEAVES.slice(0, cut)), LEAVES.slice(cut, n));
        expect(f.size).toBe(n);
        expect(frontierRoot(f), `size ${n} cut at ${cut}`).toEqual(rootHash(LEAVES.slice(0, n)));
      }
    }
  });

  it('refuses a frontier whose hashes do not match its size', () => {
    expect(() => frontierRoot({ size: 3, roots: [at(LEAVES, 0)] })).toThrow(RangeError);
    expect(() => extendFrontier({ size: 2, roots: [Buffer.alloc(31)] }, [at(LEAVES, 0)])).toThrow(RangeError);
  });
});

describe('inclusionProof and verifyInclusion', () => {
  it('reproduce the certificate-transparency reference inclusion proofs', () => {
    for (const v of CT_INCLUSION) {
      const proof = inclusionProof(v.index, CT_LEAVES.slice(0, v.size));
      expect(proof.map(hex), `index ${v.index} size ${v.size}`).toEqual(v.proof);
      expect(verifyInclusion(at(CT_LEAVES, v.index), v.index, v.size, proof, unhex(at(CT_ROOTS, v.size)))).toBe(true);
    }
  });

  it('rejects the transparency-dev corruptions of the reference inclusion proofs', () => {
    for (const v of CT_INCLUSION.filter((x) => x.proof.length > 0)) {
      const proof = v.proof.map(unhex);
      const root = unhex(at(CT_ROOTS, v.size));
      const leaf = at(CT_LEAVES, v.index);
      const probes: Array<[string, Buffer, number, number, Buffer[], Buffer]> = [
        ['index + 1', leaf, v.index + 1, v.size, proof, root],
        ['index ^ 2', leaf, v.index ^ 2, v.size, proof, root],
        ['size * 2', leaf, v.index, v.size * 2, proof, root],
        ['size / 2', leaf, v.index, Math.floor(v.size / 2), proof, root],
        ['wrong leaf', Buffer.from('WrongLeaf'), v.index, v.size, proof, root],
        ['empty root', leaf, v.index, v.size, proof, unhex(at(CT_ROOTS, 0))],
        ['random root', leaf, v.index, v.size, proof, SOME_HASH],
        ['trailing garbage', leaf, v.index, v.size, [...proof, Buffer.alloc(0)], root],
        ['trailing root', leaf, v.index, v.size, [...proof, root], root],
        ['preceding root', leaf, v.index, v.size, [root, ...proof], root],
        ['removed component', leaf, v.index, v.size, proof.slice(0, -1), root],
      ];
      if (v.index > 0) probes.push(['index - 1', leaf, v.index - 1, v.size, proof, root]);
      for (const [desc, l, index, size, p, r] of probes) {
        expect(verifyInclusion(l, index, size, p, r), desc).toBe(false);
      }
    }
  });

  it('builds the same path as the literal RFC recursion for every leaf of every size up to 40', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = LEAVES.slice(0, n);
      const mth: RangeHash = (s, e) => rfcRoot(leaves.slice(s, e));
      for (let m = 0; m < n; m++) {
        expect(inclusionProof(m, leaves), `m=${m} n=${n}`).toEqual(rfcPath(m, 0, n, mth));
      }
    }
  });

  it('verifies every leaf in every size up to 40 and rejects each corruption of it', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = LEAVES.slice(0, n);
      const root = at(ROOTS, n);
      for (let m = 0; m < n; m++) {
        const leaf = at(leaves, m);
        const proof = inclusionProof(m, leaves);
        const where = `m=${m} n=${n}`;
        expect(verifyInclusion(leaf, m, n, proof, root), where).toBe(true);

        for (let i = 0; i < proof.length; i++) {
          expect(verifyInclusion(leaf, m, n, flipByte(proof, i), root), `${where} flipped ${i}`).toBe(false);
        }
        for (let other = 0; other <= n; other++) {
          if (other !== m) expect(verifyInclusion(leaf, other, n, proof, root), `${where} index ${other}`).toBe(false);
        }
        for (let other = m + 1; other <= MAX + 1; other++) {
          if (other === n) continue;
          expect(verifyInclusion(leaf, m, other, proof, at(ROOTS, other)), `${where} size ${other}`).toBe(false);
        }
        expect(verifyInclusion(leaf, m, n * 2, proof, root), `${where} size doubled`).toBe(false);
        expect(verifyInclusion(at(LEAVES, n), m, n, proof, root), `${where} other leaf`).toBe(false);
        expect(verifyInclusion(leaf, m, n, [...proof, root], root), `${where} extra hash`).toBe(false);
        if (proof.length > 0) {
          expect(verifyInclusion(leaf, m, n, proof.slice(0, -1), root), `${where} truncated`).toBe(false);
        }
      }
    }
  });

  it('refuses to build a proof for an index outside the tree', () => {
    const leaves = LEAVES.slice(0, 5);
    expect(() => inclusionProof(5, leaves)).toThrow(RangeError);
    expect(() => inclusionProof(-1, leaves)).toThrow(RangeError);
    expect(() => inclusionProof(1.5, leaves)).toThrow(RangeError);
    expect(() => inclusionProof(Number.NaN, leaves)).toThrow(RangeError);
    expect(() => inclusionProof(0, [])).toThrow(RangeError);
  });

  it('returns false for an index beyond the tree size and throws for a malformed one', () => {
    expect(verifyInclusion(at(CT_LEAVES, 0), 1, 1, [], at(CT_LEAVES, 0))).toBe(false);
    expect(verifyInclusion(at(CT_LEAVES, 0), 0, 0, [], at(CT_LEAVES, 0))).toBe(false);
    expect(() => verifyInclusion(at(CT_LEAVES, 0), -1, 1, [], at(CT_LEAVES, 0))).toThrow(RangeError);
    expect(() => verifyInclusion(at(CT_LEAVES, 0), 0, 2 ** 53, [], at(CT_LEAVES, 0))).toThrow(RangeError);
  });
});

describe('consistencyProof and verifyConsistency', () => {
  it('reproduce the certificate-transparency reference consistency proofs', () => {
    for (const v of CT_CONSISTENCY) {
      const proof = consistencyProof(v.oldSize, CT_LEAVES.slice(0, v.newSize));
      expect(proof.map(hex), `${v.oldSize} -> ${v.newSize}`).toEqual(v.proof);
      const [oldRoot, newRoot] = [unhex(at(CT_ROOTS, v.oldSize)), unhex(at(CT_ROOTS, v.newSize))];
      expect(verifyConsistency(v.oldSize, v.newSize, oldRoot, newRoot, proof)).toBe(true);
    }
  });

  it('builds the same proof as the literal RFC recursion for every pair of sizes up to 40', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = LEAVES.slice(0, n);
      const mth: RangeHash = (s, e) => rfcRoot(leaves.slice(s, e));
      for (let m = 1; m <= n; m++) {
        expect(consistencyProof(m, leaves), `${m} -> ${n}`).toEqual(rfcSubproof(m, 0, n, true, mth));
      }
    }
  });

  it('verifies every pair of sizes up to 40 and rejects each corruption of it', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = LEAVES.slice(0, n);
      const newRoot = at(ROOTS, n);
      for (let m = 1; m <= n; m++) {
        const oldRoot = at(ROOTS, m);
        const proof = consistencyProof(m, leaves);
        const where = `${m} -> ${n}`;
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof), where).toBe(true);
        if (m === n) {
          expect(proof).toEqual([]);
          expect(verifyConsistency(m, n, oldRoot, SOME_HASH, proof), `${where} different root`).toBe(false);
          expect(verifyConsistency(m, n, oldRoot, newRoot, [oldRoot]), `${where} non-empty`).toBe(false);
          continue;
        }

        for (let i = 0; i < proof.length; i++) {
          expect(verifyConsistency(m, n, oldRoot, newRoot, flipByte(proof, i)), `${where} flipped ${i}`).toBe(false);
        }
        for (let other = 1; other <= n; other++) {
          if (other === m) continue;
          expect(verifyConsistency(other, n, at(ROOTS, other), newRoot, proof), `${where} old size ${other}`).toBe(
            false,
          );
          expect(verifyConsistency(m, n, at(ROOTS, other), newRoot, proof), `${where} old root of ${other}`).toBe(
            false,
          );
        }
        for (let other = m; other <= MAX + 1; other++) {
          if (other === n) continue;
          expect(verifyConsistency(m, other, oldRoot, at(ROOTS, other), proof), `${where} new size ${other}`).toBe(
            false,
          );
          expect(verifyConsistency(m, n, oldRoot, at(ROOTS, other), proof), `${where} new root of ${other}`).toBe(
            false,
          );
        }
        expect(verifyConsistency(m, n, newRoot, oldRoot, proof), `${where} swapped roots`).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, []), `${where} empty`).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1)), `${where} truncated`).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, [...proof, newRoot]), `${where} trailing`).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, [oldRoot, ...proof]), `${where} preceding`).toBe(false);
        expect(verifyConsistency(n, m, newRoot, oldRoot, proof), `${where} reversed`).toBe(false);
      }
    }
  });

  it('rejects a consistency proof for a different old root', () => {
    const proof = consistencyProof(6, CT_LEAVES);
    const forged = rootHash([...CT_LEAVES.slice(0, 5), leafHash('forged')]);
    expect(verifyConsistency(6, 8, forged, unhex(at(CT_ROOTS, 8)), proof)).toBe(false);
  });

  it('refuses to build a proof from an empty or larger old tree', () => {
    const leaves = LEAVES.slice(0, 5);
    expect(() => consistencyProof(0, leaves)).toThrow(RangeError);
    expect(() => consistencyProof(6, leaves)).toThrow(RangeError);
    expect(() => consistencyProof(-1, leaves)).toThrow(RangeError);
    expect(() => consistencyProof(2.5, leaves)).toThrow(RangeError);
  });

  it('returns false for an empty old tree and throws for a malformed size', () => {
    const root = at(ROOTS, 1);
    expect(verifyConsistency(0, 1, at(ROOTS, 0), root, [])).toBe(false);
    expect(() => verifyConsistency(-1, 1, root, root, [])).toThrow(RangeError);
    expect(() => verifyConsistency(1, Number.POSITIVE_INFINITY, root, root, [])).toThrow(RangeError);
  });
});

describe('trees beyond 2^32 leaves', () => {
  // With identical leaves MTH depends only on the range size, so huge trees cost O(log n) hashes.
  const perfect: Buffer[] = [leafHash('same')];
  const uniformRoot = (size: number): Buffer => {
    let power = 0;
    while (2 ** (power + 1) <= size) power++;
    while (perfect.length <= power) {
      const top = at(perfect, perfect.length - 1);
      perfect.push(nodeHash(top, top));
    }
    const k = 2 ** power;
    return size === k ? at(perfect, power) : nodeHash(at(perfect, power), uniformRoot(size - k));
  };
  const mth: RangeHash = (s, e) => uniformRoot(e - s);
  const size = 2 ** 33 + 2 ** 31 + 7;

  it('verifies inclusion proofs whose indexes need more than 32 bits', () => {
    for (const index of [0, 2 ** 31, 2 ** 32 + 1, 2 ** 33 + 5, size - 1]) {
      const proof = rfcPath(index, 0, size, mth);
      expect(verifyInclusion(at(perfect, 0), index, size, proof, uniformRoot(size)), `index ${index}`).toBe(true);
      expect(verifyInclusion(at(perfect, 0), index, size, flipByte(proof, 0), uniformRoot(size))).toBe(false);
    }
  });

  it('appends to a frontier whose size needs more than 32 bits', () => {
    // The frontier of identical leaves: one perfect subtree root per set bit of the size, largest first.
    uniformRoot(2 ** 40); // fills `perfect` up to subtrees of 2^40 leaves
    const frontierOf = (n: number) => {
      const roots: Buffer[] = [];
      for (let bit = 40; bit >= 0; bit--) if (Math.floor(n / 2 ** bit) % 2 === 1) roots.push(at(perfect, bit));
      return { size: n, roots };
    };
    for (const n of [size, 2 ** 32 - 1, 2 ** 33 + 2 ** 32 - 1]) {
      expect(frontierRoot(frontierOf(n)), `size ${n}`).toEqual(uniformRoot(n));
      const next = extendFrontier(frontierOf(n), [at(perfect, 0)]);
      expect(next.size).toBe(n + 1);
      expect(frontierRoot(next), `size ${n} + 1`).toEqual(uniformRoot(n + 1));
    }
  });

  it('verifies consistency proofs whose sizes need more than 32 bits', () => {
    for (const oldSize of [1, 2 ** 31 + 3, 2 ** 32, 2 ** 33 + 1, size - 1]) {
      const proof = rfcSubproof(oldSize, 0, size, true, mth);
      expect(verifyConsistency(oldSize, size, uniformRoot(oldSize), uniformRoot(size), proof), `old ${oldSize}`).toBe(
        true,
      );
      expect(verifyConsistency(oldSize, size, uniformRoot(oldSize), uniformRoot(size), flipByte(proof, 0))).toBe(false);
    }
  });
});
