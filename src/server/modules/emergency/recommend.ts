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
 * Only the first `limit` are built (reasons and all): the others are scored, never allocated.
 * Routing engines can replace `etaSeconds` later without changing callers.
 */
export function rankUnits(target: { lat: number; lon: number } | null, units: readonly CandidateUnit[], needed: readonly string[], s: RecommendSettings, now = Date.now(), limit = Number.POSITIVE_INFINITY): Recommendation[] {
  const keys = new Float64Array(units.length);
  const eligible: number[] = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (needed.length > 0 && !u.capabilities.some((c) => needed.includes(c))) continue;
    keys[i] = sortKeyOf(target, u, s, now);
    eligible.push(i);
  }
  const before = (a: number, b: number) => keys[a]! - keys[b]! || units[a]!.callSign.localeCompare(units[b]!.callSign);
  let top: number[];
  if (limit >= eligible.length) top = eligible.sort(before);
  else {
    // Keep the best `limit` in order while scanning: most units fail the one comparison with the last kept.
    top = [];
    for (const i of eligible) {
      if (top.length === limit && before(i, top[top.length - 1]!) >= 0) continue;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(top[mid]!, i) <= 0) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, i);
      if (top.length > limit) top.pop();
    }
  }
  return top.map((i, r) => present(target, units[i]!, needed, s, now, r + 1));
}

/** The ETA the ranking sorts by, in seconds (stale penalty included); +∞ without a position. */
function sortKeyOf(target: { lat: number; lon: number } | null, u: CandidateUnit, s: RecommendSettings, now: number): number {
  if (!target || u.lat === null || u.lon === null) return Number.POSITIVE_INFINITY;
  const distanceM = haversineMeters(target, { lat: u.lat, lon: u.lon });
  const eta = (distanceM * s.roadFactor) / ((s.speedKmh[u.unitType] ?? DEFAULT_SPEED_KMH) / 3.6);
  const age = u.positionAt ? Math.max(0, Math.round((now - u.positionAt.getTime()) / 1000)) : null;
  return age === null || age > s.stalePositionSeconds ? eta + s.stalePositionPenaltySeconds : eta;
}

function present(target: { lat: number; lon: number } | null, u: CandidateUnit, needed: readonly string[], s: RecommendSettings, now: number, rank: number): Recommendation {
  const reasons: Recommendation['reasons'] = [];
  const matched = u.capabilities.filter((c) => needed.includes(c));
  if (matched.length > 0) reasons.push({ code: 'capability', value: matched.join(',') });
  // One object literal of one shape for every unit (no spread): 10 per request, on the dispatcher's hot path.
  const out: Recommendation = { unitId: u.id, callSign: u.callSign, unitType: u.unitType, capabilities: u.capabilities, department: u.department, rank, etaSeconds: null, distanceM: null, positionAgeSeconds: null, reasons };
  if (!target || u.lat === null || u.lon === null) {
    reasons.push({ code: target ? 'no_position' : 'no_incident_location' });
    return out;
  }
  const distanceM = haversineMeters(target, { lat: u.lat, lon: u.lon });
  reasons.push({ code: 'distance_m', value: Math.round(distanceM) });
  const age = u.positionAt ? Math.max(0, Math.round((now - u.positionAt.getTime()) / 1000)) : null;
  if (age === null || age > s.stalePositionSeconds) reasons.push({ code: 'stale_position', value: age ?? 'unknown' });
  out.etaSeconds = Math.round(sortKeyOf(target, u, s, now));
  out.distanceM = Math.round(distanceM);
  out.positionAgeSeconds = age;
  return out;
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

/**
 * The scale on longitude of the units' KNN index (migrations/0006): `point(lon * 0.971, lat)`, about
 * cos 13.7°, so that the index's plain Euclidean distance is near-isotropic over El Salvador.
 */
export const KNN_LON_SCALE = 0.971;

/** The KNN index's distance (PostgreSQL's `point <-> point` on scaled points), in JavaScript. */
export function knnDistance(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  return Math.hypot((a.lon - b.lon) * KNN_LON_SCALE, a.lat - b.lat);
}

/**
 * True when every point of `box` is nearer to `c` in the KNN index's distance than `farthest`, the
 * distance of the last unit a KNN read returned: then that read already holds every unit of the box
 * (a KNN read returns every unit nearer than its last), and the box need not be read. Strictly
 * nearer, with a margin far above floating-point noise between PostgreSQL and JavaScript.
 */
export function boxWithinKnn(c: { lat: number; lon: number }, box: { minLat: number; maxLat: number; minLon: number; maxLon: number }, farthest: number): boolean {
  const dLon = Math.max(c.lon - box.minLon, box.maxLon - c.lon);
  const dLat = Math.max(c.lat - box.minLat, box.maxLat - c.lat);
  return Math.hypot(dLon * KNN_LON_SCALE, dLat) < farthest * (1 - 1e-9) - 1e-12;
}
