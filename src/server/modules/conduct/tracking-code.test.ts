import { describe, expect, it } from 'vitest';
import { newTrackingCode, normaliseTrackingCode } from './tracking-code.js';

describe('complaint tracking codes', () => {
  it('are short, readable and different each time', () => {
    const codes = new Set(Array.from({ length: 1000 }, newTrackingCode));
    expect(codes.size).toBe(1000);
    for (const c of codes) expect(c).toMatch(/^Q-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
  });

  it('are recognised as typed by a person, and nonsense is refused', () => {
    expect(normaliseTrackingCode('q 7k4m9 x2p0o')).toBe('Q-7K4M9-X2P00');
    expect(normaliseTrackingCode('Q-7K4M9-X2P0')).toBeNull();
    expect(normaliseTrackingCode('SV-2026-000001')).toBeNull();
  });
});
