import { haversineMeters } from '../../platform/geo/distance.js';

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
