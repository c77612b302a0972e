import { EARTH_RADIUS_METERS, haversineMeters } from '../../platform/geo/distance.js';

export type CandidateUnit = {
  id: string;
  callSign: string;
  unitType: string;
  capabilities: string[];
  department: string;
  lat: number | null;
  lon: number | null;
  positionAt: Date | null;
};

export type RecommendSettings = {
  speedKmh: Record<string, number>;
  roadFactor: number;
  stalePositionSeconds: number;
  stalePositionPenaltySeconds: number;
};

export type Recommendation = {
  unitId: string;
  callSign: string;
  unitType: string;
  capabilities: string[];
  department: string;
  rank: number;
  etaSeconds: number | null;
  distanceM: number | null;
  positionAgeSeconds: number | null;
  reasons: { code: string; value?: number | string }[];
};

/**
 * Ranks available units by estimated travel time: great-circle distance × a road factor over the
 * unit type's speed. A stale position adds a penalty and says so; a unit with no position ranks last.
 * Routing engines can replace `etaSeconds` later without changing callers.
 */
export function rankUnits(target: { lat: number; lon: number } | null, units: readonly CandidateUnit[], needed: readonly string[], s: RecommendSettings, now = Date.now()): Recommendation[] {
  const scored = units
    .filter((u) => needed.length === 0 || u.capabilities.some((c) => needed.includes(c)))
    .map((u) => {
      const reasons: Recommendation['reasons'] = [];
      const matched = u.capabilities.filter((c) => needed.includes(c));
      if (matched.length > 0) reasons.push({ code: 'capability', value: matched.join(',') });
      if (!target || u.lat === null || u.lon === null) {
        reasons.push({ code: target ? 'no_position' : 'no_incident_location' });
        return { u, sortKey: Number.POSITIVE_INFINITY, eta: null, distanceM: null, age: null, reasons };
      }
      const distanceM = haversineMeters(target, { lat: u.lat, lon: u.lon });
      const speed = (s.speedKmh[u.unitType] ?? 40) / 3.6;
      let eta = (distanceM * s.roadFactor) / speed;
      reasons.push({ code: 'distance_m', value: Math.round(distanceM) });
      const age = u.positionAt ? Math.max(0, Math.round((now - u.positionAt.getTime()) / 1000)) : null;
      if (age === null || age > s.stalePositionSeconds) {
        eta += s.stalePositionPenaltySeconds;
        reasons.push({ code: 'stale_position', value: age ?? 'unknown' });
      }
      return { u, sortKey: eta, eta: Math.round(eta), distanceM: Math.round(distanceM), age, reasons };
    })
    .sort((a, b) => a.sortKey - b.sortKey || a.u.callSign.localeCompare(b.u.callSign));
  return scored.map((x, i) => ({
    unitId: x.u.id,
    callSign: x.u.callSign,
    unitType: x.u.unitType,
    capabilities: x.u.capabilities,
    department: x.u.department,
    rank: i + 1,
    etaSeconds: x.eta,
    distanceM: x.distanceM,
    positionAgeSeconds: x.age,
    reasons: x.reasons,
  }));
}

/** Speed assumed for a unit type missing from the settings (as rankUnits does). */
const DEFAULT_SPEED_KMH = 40;

/**
 * How far a unit can be and still reach `etaSeconds` (rounded, as rankUnits reports it): with no
 * stale-position penalty and at the fastest speed of any type. Every unit whose ETA could be at or
 * below `etaSeconds` is within this great-circle distance; a small margin covers rounding.
 */
export function rankingRadiusM(etaSeconds: number, s: RecommendSettings): number {
  const fastest = Math.max(DEFAULT_SPEED_KMH, ...Object.values(s.speedKmh)) / 3.6;
  return ((etaSeconds + 1) * fastest) / s.roadFactor + 1;
}

/**
 * A latitude/longitude box holding every point within `radiusM` (great circle, the sphere of
 * haversineMeters) of `c`; null when the circle reaches a pole or is too large for a box to help.
 */
export function boxAround(c: { lat: number; lon: number }, radiusM: number): { minLat: number; maxLat: number; minLon: number; maxLon: number } | null {
  const r = radiusM / EARTH_RADIUS_METERS;
  const lat = (c.lat * Math.PI) / 180;
  if (!(r < Math.PI / 4) || Math.abs(lat) + r >= Math.PI / 2) return null;
  // The widest longitude span of a spherical cap is reached off the centre's parallel: asin(sin r / cos lat).
  const dLon = Math.asin(Math.sin(r) / Math.cos(lat));
  const deg = 180 / Math.PI;
  const box = { minLat: c.lat - r * deg, maxLat: c.lat + r * deg, minLon: c.lon - dLon * deg, maxLon: c.lon + dLon * deg };
  return box.minLon < -180 || box.maxLon > 180 ? null : box;
}
