import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_METERS, haversineMeters } from './distance.js';

const SAN_SALVADOR = { lat: 13.6929, lon: -89.2182 };
const SAN_MIGUEL = { lat: 13.4833, lon: -88.1833 };

describe('haversineMeters', () => {
  it('measures San Salvador to San Miguel as about 114.3 km', () => {
    // 114,257 m computed independently; the road distance is longer (~136 km).
    const d = haversineMeters(SAN_SALVADOR, SAN_MIGUEL);
    expect(Math.abs(d - 114_257) / 114_257).toBeLessThan(0.01);
    expect(d).toBeGreaterThan(113_000);
    expect(d).toBeLessThan(115_000);
  });

  it('is zero for the same point and symmetric', () => {
    expect(haversineMeters(SAN_SALVADOR, SAN_SALVADOR)).toBe(0);
    expect(haversineMeters(SAN_MIGUEL, SAN_SALVADOR)).toBeCloseTo(haversineMeters(SAN_SALVADOR, SAN_MIGUEL), 6);
  });

  it('gives a quarter meridian and half the circumference for antipodes', () => {
    expect(haversineMeters({ lat: 0, lon: 0 }, { lat: 90, lon: 0 })).toBeCloseTo((Math.PI / 2) * EARTH_RADIUS_METERS, 3);
    expect(haversineMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * EARTH_RADIUS_METERS, 3);
  });

  it('makes one degree of latitude about 111.2 km', () => {
    expect(haversineMeters({ lat: 13, lon: -89 }, { lat: 14, lon: -89 })).toBeCloseTo(111_195, 0);
  });
});
