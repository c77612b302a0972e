import crypto from 'node:crypto';

/** Leading zero bits of a SHA-256 digest. */
export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Hashcash-style check: SHA-256 of "nonce:solution" must start with `bits` zero bits. */
export function solves(nonce: string, solution: string, bits: number): boolean {
  return leadingZeroBits(crypto.createHash('sha256').update(`${nonce}:${solution}`).digest()) >= bits;
}

/** What the browser does, here for tests and scripts: counts up until the digest has enough zero bits. */
export function solve(nonce: string, bits: number): string {
  for (let i = 0; ; i++) if (solves(nonce, String(i), bits)) return String(i);
}
