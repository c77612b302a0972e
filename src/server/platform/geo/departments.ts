import fs from 'node:fs';
import { EARTH_RADIUS_METERS } from './distance.js';

type Position = [number, number]; // GeoJSON order: [lon, lat]
type Ring = Position[];
type PolygonCoords = Ring[]; // outer ring first, then holes

interface Feature<G> {
  id?: string;
  properties: { name: string };
  geometry: G;
}
type AreaGeometry = { type: 'Polygon'; coordinates: PolygonCoords } | { type: 'MultiPolygon'; coordinates: PolygonCoords[] };
type PointGeometry = { type: 'Point'; coordinates: Position };

export interface Department {
  id: string;
  name: string;
  label: { lat: number; lon: number };
}

export interface DepartmentRef {
  id: string;
  name: string;
}

/** Beyond this, a point outside every polygon is abroad or at sea rather than on a coarse coast or border. */
export const DEFAULT_TOLERANCE_METERS = 5_000;

interface Bbox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

interface Shape {
  ref: DepartmentRef;
  polygons: PolygonCoords[];
  bbox: Bbox;
}

function readGeoJson<G>(file: string): Feature<G>[] {
  const text = fs.readFileSync(new URL(file, import.meta.url), 'utf8');
  return (JSON.parse(text) as { features: Feature<G>[] }).features;
}

function bboxOf(polygons: PolygonCoords[]): Bbox {
  const b = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  for (const [lon, lat] of polygons.flatMap((p) => p[0] ?? [])) {
    b.minLon = Math.min(b.minLon, lon);
    b.maxLon = Math.max(b.maxLon, lon);
    b.minLat = Math.min(b.minLat, lat);
    b.maxLat = Math.max(b.maxLat, lat);
  }
  return b;
}

const SHAPES: Shape[] = readGeoJson<AreaGeometry>('./sv-departments.geojson').map((f) => {
  if (!f.id) throw new Error(`sv-departments.geojson: feature ${f.properties.name} has no id`);
  const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  // Frozen so callers of departmentAt cannot alter the shared result.
  return { ref: Object.freeze({ id: f.id, name: f.properties.name }), polygons, bbox: bboxOf(polygons) };
});

const LABELS = new Map(
  readGeoJson<PointGeometry>('./sv-departments-labels.geojson').map((f) => [f.properties.name, f.geometry.coordinates] as const),
);

// The names in the file already carry their accents (Cuscatlán, Cabañas, ...), so no display-name map is needed.
export const DEPARTMENTS: readonly Department[] = SHAPES.map(({ ref }) => {
  const label = LABELS.get(ref.name);
  if (!label) throw new Error(`sv-departments-labels.geojson: no label point for ${ref.name}`);
  return { id: ref.id, name: ref.name, label: { lat: label[1], lon: label[0] } };
});

/** Even-odd ray casting: a horizontal ray from the point crosses the ring's edges an odd number of times iff inside. */
function inRing(lon: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(lon: number, lat: number, [outer, ...holes]: PolygonCoords): boolean {
  return !!outer && inRing(lon, lat, outer) && !holes.some((h) => inRing(lon, lat, h));
}

function inBbox(lon: number, lat: number, b: Bbox, padLon = 0, padLat = 0): boolean {
  return lon >= b.minLon - padLon && lon <= b.maxLon + padLon && lat >= b.minLat - padLat && lat <= b.maxLat + padLat;
}

const M_PER_DEG_LAT = (Math.PI / 180) * EARTH_RADIUS_METERS;

/** Distance in metres from the point to the nearest edge of any ring, on a local equirectangular plane (exact enough within tens of km). */
function distanceToShape(lon: number, lat: number, shape: Shape): number {
  const kx = M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  let best = Infinity;
  for (const ring of shape.polygons.flat()) {
    for (let i = 1; i < ring.length; i++) {
      const [ax, ay] = ring[i - 1]!;
      const [bx, by] = ring[i]!;
      const x1 = (ax - lon) * kx, y1 = (ay - lat) * M_PER_DEG_LAT;
      const dx = (bx - ax) * kx, dy = (by - ay) * M_PER_DEG_LAT;
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / len2));
      best = Math.min(best, Math.hypot(x1 + t * dx, y1 + t * dy));
    }
  }
  return best;
}

/** How far outside the country a unit's position may be and still be believed (border crossings, coastal roads). */
const SERVICE_AREA_MARGIN_METERS = 25_000;

/** A position a unit of this force can plausibly be at: in El Salvador or near it (not 0,0 from a GPS that lost its fix). */
export const withinServiceArea = (lat: number, lon: number): boolean => departmentAt(lat, lon, { toleranceMeters: SERVICE_AREA_MARGIN_METERS }) !== null;

/**
 * The department containing the point, or, when the point is outside every polygon but within
 * `toleranceMeters` of one (the Natural Earth outline is coarse on coasts and borders), the nearest
 * department; null when farther (abroad or at sea).
 */
export function departmentAt(lat: number, lon: number, options: { toleranceMeters?: number } = {}): DepartmentRef | null {
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  for (const s of SHAPES) {
    if (inBbox(lon, lat, s.bbox) && s.polygons.some((p) => inPolygon(lon, lat, p))) return s.ref;
  }
  const tolerance = options.toleranceMeters ?? DEFAULT_TOLERANCE_METERS;
  const padLat = tolerance / M_PER_DEG_LAT;
  const padLon = padLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
  let nearest: DepartmentRef | null = null;
  let nearestDistance = tolerance;
  for (const s of SHAPES) {
    if (!inBbox(lon, lat, s.bbox, padLon, padLat)) continue;
    const d = distanceToShape(lon, lat, s);
    if (d <= nearestDistance) [nearest, nearestDistance] = [s.ref, d];
  }
  return nearest;
}
