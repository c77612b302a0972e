import type { Feature, FeatureCollection, Point } from 'geojson';
import { PRIORITY_COLOURS, UNIT_STATUS_COLOURS, type IncidentSummary, type Unit } from './api';

/** What the map draws of one incident or unit: `key` is unique across both kinds (the source's promoted id). */
export type LivePoint = { key: string; id: string; kind: 'incident' | 'unit'; lon: number; lat: number; colour: string; selected: 0 | 1 };
export type LiveFeature = Feature<Point, Omit<LivePoint, 'lon' | 'lat'>>;

/** Units first, then incidents: the incident layer is drawn above the unit layer anyway, by layer order. */
export function livePoints(incidents: IncidentSummary[], units: Unit[], selectedId: string | null): Map<string, LivePoint> {
  const out = new Map<string, LivePoint>();
  for (const u of units) {
    if (!u.position) continue;
    out.set(`u:${u.id}`, { key: `u:${u.id}`, id: u.id, kind: 'unit', lon: u.position.lon, lat: u.position.lat, colour: UNIT_STATUS_COLOURS[u.status] ?? '#616161', selected: 0 });
  }
  for (const i of incidents) {
    if (i.lat === null || i.lon === null) continue;
    out.set(`i:${i.id}`, { key: `i:${i.id}`, id: i.id, kind: 'incident', lon: i.lon, lat: i.lat, colour: PRIORITY_COLOURS[i.priority] ?? '#1565c0', selected: i.id === selectedId ? 1 : 0 });
  }
  return out;
}

const feature = ({ lon, lat, ...properties }: LivePoint): LiveFeature => ({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: [lon, lat] } });

export const liveCollection = (points: Map<string, LivePoint>): FeatureCollection<Point> => ({ type: 'FeatureCollection', features: [...points.values()].map(feature) });

/** The same shape as MapLibre's GeoJSONSourceDiff, kept here so this file stays free of the map's code. */
export type LiveDiff = {
  remove: string[];
  add: LiveFeature[];
  update: { id: string; newGeometry?: Point; addOrUpdateProperties?: { key: string; value: unknown }[] }[];
};

/**
 * What changed between two renderings of the map's points: a moved unit is one geometry, a recoloured
 * incident one property, so the map sends the worker a few features instead of 1,500 and reloads
 * only the tiles they touch. Null when nothing changed.
 */
export function diffPoints(prev: Map<string, LivePoint>, next: Map<string, LivePoint>): LiveDiff | null {
  const diff: LiveDiff = { remove: [], add: [], update: [] };
  for (const key of prev.keys()) if (!next.has(key)) diff.remove.push(key);
  for (const [key, p] of next) {
    const q = prev.get(key);
    if (!q) {
      diff.add.push(feature(p));
      continue;
    }
    const props: { key: string; value: unknown }[] = [];
    if (p.colour !== q.colour) props.push({ key: 'colour', value: p.colour });
    if (p.selected !== q.selected) props.push({ key: 'selected', value: p.selected });
    const moved = p.lon !== q.lon || p.lat !== q.lat;
    if (!moved && props.length === 0) continue;
    diff.update.push({ id: key, ...(moved ? { newGeometry: { type: 'Point', coordinates: [p.lon, p.lat] } } : {}), ...(props.length ? { addOrUpdateProperties: props } : {}) });
  }
  return diff.remove.length || diff.add.length || diff.update.length ? diff : null;
}
