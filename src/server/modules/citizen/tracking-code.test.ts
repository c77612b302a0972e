import { describe, expect, it } from 'vitest';
import { hashTrackingCode, newTrackingCode, normaliseTrackingCode } from './tracking-code.js';

describe('tracking codes', () => {
  it('are eleven Crockford characters grouped for reading aloud, and different each time', () => {
    const codes = new Set(Array.from({ length: 500 }, () => newTrackingCode()));
    expect(codes.size).toBe(500);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{6}$/);
  });

  it('accepts a code typed in lower case, without the dash, and with O for zero', () => {
    const code = newTrackingCode();
    const typed = code.toLowerCase().replace('-', ' ').replace(/0/g, 'o');
    expect(normaliseTrackingCode(typed)).toBe(code);
  });

  it('refuses a code with one character changed, thanks to the check character', () => {
    for (let n = 0; n < 200; n++) {
      const code = newTrackingCode().replace('-', '');
      const i = n % 10;
      const other = code[i] === '7' ? '8' : '7';
      const broken = code.slice(0, i) + other + code.slice(i + 1);
      expect(normaliseTrackingCode(broken)).toBeNull();
    }
  });

  it('hashes the normalised code, never storing it in the clear', () => {
    const code = newTrackingCode();
    expect(hashTrackingCode(code)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashTrackingCode(code)).not.toContain(code);
  });
});
