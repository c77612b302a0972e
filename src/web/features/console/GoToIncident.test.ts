import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from './api';
import { findByNumber } from './GoToIncident';

const list = ['SV-2026-000357', 'SV-2026-000035', 'SV-2026-001357'].map((number, i) => ({ id: String(i), number }) as IncidentSummary);

describe('opening an incident by its number', () => {
  it('takes the sequence alone, with or without leading zeros, and never a mere suffix', () => {
    expect(findByNumber(list, '357')?.number).toBe('SV-2026-000357');
    expect(findByNumber(list, '000035')?.number).toBe('SV-2026-000035');
    expect(findByNumber(list, '1357')?.number).toBe('SV-2026-001357');
    expect(findByNumber(list, '57')).toBeUndefined();
  });

  it('takes the whole number in any case, and nothing for blank input', () => {
    expect(findByNumber(list, ' sv-2026-000035 ')?.id).toBe('1');
    expect(findByNumber(list, 'SV-2026-999999')).toBeUndefined();
    expect(findByNumber(list, '  ')).toBeUndefined();
  });
});
