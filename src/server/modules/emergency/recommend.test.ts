import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../platform/random.js';
import { boxWithinKnn, KNN_LON_SCALE, knnDistance, rankUnits, type CandidateUnit } from './recommend.js';

const now = Date.parse('2026-11-24T10:00:00Z');
const fresh = new Date(now - 30_000);
const settings = { speedKmh: { patrol_car: 45, motorcycle: 60, ambulance: 45 }, roadFactor: 1.35, stalePositionSeconds: 300, stalePositionPenaltySeconds: 300 };
const unit = (id: string, lat: number, lon: number, extra: Partial<CandidateUnit> = {}): CandidateUnit => ({
  id,
  callSign: id.toUpperCase(),
  unitType: 'patrol_car',
  capabilities: ['patrol_car'],
  department: 'SV.SS',
  lat,
  lon,
  positionAt: fresh,
  ...extra,
});
const scene = { lat: 13.6929, lon: -89.2182 };

describe('rankUnits', () => {
  it('ranks by estimated travel time and explains the figure', () => {
    const r = rankUnits(scene, [unit('far', 13.75, -89.2), unit('near', 13.695, -89.22)], ['patrol_car'], settings, now);
    expect(r.map((x) => x.unitId)).toEqual(['near', 'far']);
    expect(r[0]!.etaSeconds).toBeGreaterThan(0);
    expect(r[0]!.reasons.map((x) => x.code)).toEqual(['capability', 'distance_m']);
  });
  it('lowers a unit whose position is stale and says so', () => {
    const stale = unit('stale', 13.6931, -89.2183, { positionAt: new Date(now - 3600_000) });
    const r = rankUnits(scene, [stale, unit('ok', 13.70, -89.22)], ['patrol_car'], settings, now);
    expect(r[0]!.unitId).toBe('ok');
    expect(r[1]!.reasons).toContainEqual({ code: 'stale_position', value: 3600 });
  });
  it('leaves out units without a needed capability and puts units with no position last', () => {
    const amb = unit('amb', 13.693, -89.218, { unitType: 'ambulance', capabilities: ['ambulance'] });
    const lost = unit('lost', 0, 0, { lat: null, lon: null });
    const r = rankUnits(scene, [lost, amb, unit('car', 13.70, -89.22)], ['patrol_car'], settings, now);
    expect(r.map((x) => x.unitId)).toEqual(['car', 'lost']);
    expect(r[1]!.etaSeconds).toBeNull();
  });
  it('uses each unit type’s speed', () => {
    const moto = unit('moto', 13.72, -89.2182, { unitType: 'motorcycle', capabilities: ['patrol_car'] });
    const car = unit('car', 13.72, -89.2182);
    const r = rankUnits(scene, [car, moto], ['patrol_car'], settings, now);
    expect(r[0]!.unitId).toBe('moto');
    expect(r[0]!.etaSeconds!).toBeLessThan(r[1]!.etaSeconds!);
  });
});

describe('ranking with a limit', () => {
  it('returns exactly the first entries of the full ranking, ties and units without position included', () => {
    const rnd = mulberry32(7);
    const types = ['patrol_car', 'motorcycle', 'ambulance'];
    const now = Date.UTC(2026, 10, 24, 12);
    for (let round = 0; round < 20; round++) {
      const units = Array.from({ length: 400 }, (_, i) => {
        const positioned = rnd() > 0.1;
        // Some share a spot (equal ETAs: the call sign breaks the tie).
        const spot = Math.floor(rnd() * 50);
        return {
          id: `u${i}`,
          callSign: `U-${String(Math.floor(rnd() * 1000)).padStart(3, '0')}-${i}`,
          unitType: types[i % 3]!,
          capabilities: [types[i % 3]!],
          department: 'SV.SS',
          lat: positioned ? 13.6 + (spot % 10) * 0.01 : null,
          lon: positioned ? -89.3 + Math.floor(spot / 10) * 0.01 : null,
          positionAt: rnd() > 0.2 ? new Date(now - rnd() * 900_000) : null,
        };
      });
      const needed = round % 2 ? ['patrol_car', 'ambulance'] : [];
      const target = round % 5 === 4 ? null : scene;
      const full = rankUnits(target, units, needed, settings, now);
      for (const limit of [1, 3, 10, 50, 1000]) expect(rankUnits(target, units, needed, settings, now, limit)).toEqual(full.slice(0, limit));
    }
  });
});

describe('boxWithinKnn', () => {
  const c = { lat: 13.7, lon: -89.2 };
  const box = { minLat: 13.69, maxLat: 13.71, minLon: -89.21, maxLon: -89.19 };
  // The farthest point of that box from its centre, in the index's distance: a corner.
  const corner = knnDistance(c, { lat: 13.71, lon: -89.21 });

  it('is true only when every corner is strictly nearer than the last unit read', () => {
    expect(corner).toBeCloseTo(Math.hypot(0.01 * KNN_LON_SCALE, 0.01), 12);
    expect(boxWithinKnn(c, box, corner * 1.001)).toBe(true);
    expect(boxWithinKnn(c, box, corner)).toBe(false);
    expect(boxWithinKnn(c, box, 0.0101)).toBe(false);
  });

  it('takes the farther side of a box that is not centred', () => {
    const lopsided = { minLat: 13.699, maxLat: 13.73, minLon: -89.201, maxLon: -89.199 };
    expect(boxWithinKnn(c, lopsided, 0.0305)).toBe(true);
    expect(boxWithinKnn(c, lopsided, 0.0299)).toBe(false);
  });
});
