import { describe, expect, it } from 'vitest';
import { leadingZeroBits, solve, solves } from './proof-of-work.js';

describe('proof of work', () => {
  it('counts leading zero bits across bytes', () => {
    expect(leadingZeroBits(Buffer.from([0, 0, 0x10, 0xff]))).toBe(19);
    expect(leadingZeroBits(Buffer.from([0x80]))).toBe(0);
    expect(leadingZeroBits(Buffer.from([0, 0]))).toBe(16);
  });

  it('finds a solution that verifies, and a wrong one does not', () => {
    const s = solve('abc123', 10);
    expect(solves('abc123', s, 10)).toBe(true);
    expect(solves('another-nonce', s, 10) && solves('another-nonce', String(Number(s) + 1), 10)).toBe(false);
  });
});
