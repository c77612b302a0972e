import { haversineMeters } from '../../platform/geo/distance.js';

export type RelatedCandidate = {
  id: string;
  number: string;
  typeCode: string;
  status: string;
  priority: number;
  lat: number | null;
  lon: number | null;
  description: string;
  callReceivedAt: Date;
};

export type RelatedProbe = { lat: number | null; lon: number | null; typeCode: string | null; description: string; at: Date };

const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2),
  );

/** Jaccard similarity of the word sets: cheap, language-agnostic, good enough to flag a likely repeat. */
export function textSimilarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  if (wa.size === 0 || wb.size === 0) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / (wa.size + wb.size - common);
}

/**
 * Scores how likely an open incident is the same event: 40% distance, 25% time, 20% same type,
 * 15% words in common; each part says why, so a call-taker can judge in a glance.
 */
export function scoreRelated(probe: RelatedProbe, c: RelatedCandidate, radiusM: number, windowMinutes: number) {
  const reasons: { code: string; value: number }[] = [];
  let score = 0;
  let distanceM: number | null = null;
  if (probe.lat !== null && probe.lon !== null && c.lat !== null && c.lon !== null) {
    distanceM = Math.round(haversineMeters({ lat: probe.lat, lon: probe.lon }, { lat: c.lat, lon: c.lon }));
    if (distanceM > radiusM) return null;
    score += 0.4 * (1 - distanceM / radiusM);
    reasons.push({ code: 'distance_m', value: distanceM });
  }
  const ageMinutes = Math.abs(probe.at.getTime() - c.callReceivedAt.getTime()) / 60_000;
  if (ageMinutes > windowMinutes) return null;
  score += 0.25 * (1 - ageMinutes / windowMinutes);
  reasons.push({ code: 'age_minutes', value: Math.round(ageMinutes) });
  if (probe.typeCode && probe.typeCode === c.typeCode) {
    score += 0.2;
    reasons.push({ code: 'same_type', value: 1 });
  }
  const sim = textSimilarity(probe.description, c.description);
  if (sim > 0) {
    score += 0.15 * sim;
    reasons.push({ code: 'text_similarity', value: Math.round(sim * 100) / 100 });
  }
  return { score: Math.round(score * 1000) / 1000, distanceM, ageMinutes: Math.round(ageMinutes), reasons };
}
