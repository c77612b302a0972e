import { describe, expect, it } from 'vitest';
import { scoreRelated, textSimilarity, type RelatedCandidate } from './related.js';

const now = new Date('2026-11-24T10:00:00Z');
const base: RelatedCandidate = { id: 'a', number: 'SV-1', typeCode: 'ROB', status: 'received', priority: 2, lat: 13.6929, lon: -89.2182, description: 'Asalto a mano armada en tienda', callReceivedAt: new Date(now.getTime() - 5 * 60_000) };

describe('related incident scoring', () => {
  it('scores a nearby, recent incident of the same type with similar words highest, with reasons', () => {
    const r = scoreRelated({ lat: 13.6931, lon: -89.2184, typeCode: 'ROB', description: 'asaltaron la tienda con arma', at: now }, base, 500, 60)!;
    expect(r.score).toBeGreaterThan(0.7);
    expect(r.reasons.map((x) => x.code)).toEqual(['distance_m', 'age_minutes', 'same_type', 'text_similarity']);
    expect(r.distanceM).toBeLessThan(50);
  });
  it('drops candidates outside the radius or the time window', () => {
    expect(scoreRelated({ lat: 13.75, lon: -89.2, typeCode: 'ROB', description: '', at: now }, base, 500, 60)).toBeNull();
    expect(scoreRelated({ lat: 13.6929, lon: -89.2182, typeCode: 'ROB', description: '', at: new Date(now.getTime() + 3 * 3600_000) }, base, 500, 60)).toBeNull();
  });
  it('ranks a different type lower than the same type at the same place and time', () => {
    const same = scoreRelated({ lat: 13.693, lon: -89.2182, typeCode: 'ROB', description: '', at: now }, base, 500, 60)!;
    const other = scoreRelated({ lat: 13.693, lon: -89.2182, typeCode: 'FIRE', description: '', at: now }, base, 500, 60)!;
    expect(same.score).toBeGreaterThan(other.score);
  });
  it('compares words without accents or case', () => {
    expect(textSimilarity('Incendio en CAFETERÍA', 'incendio cafeteria')).toBe(1);
    expect(textSimilarity('', 'x')).toBe(0);
  });
});
