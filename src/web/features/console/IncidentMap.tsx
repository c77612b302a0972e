import { Map as MapLibreMap, setWorkerUrl, type GeoJSONSource, type MapLayerMouseEvent, type StyleSpecification } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { FeatureCollection, Point } from 'geojson';
import { useEffect, useRef } from 'react';
import departmentsText from '../../assets/sv-departments.geojson?raw';
import type { IncidentSummary, Unit } from './api';
import { diffPoints, liveCollection, livePoints, type LivePoint } from './map-data';

setWorkerUrl(workerUrl);

type Props = {
  incidents: IncidentSummary[];
  units: Unit[];
  selectedId: string | null;
  onSelectIncident?: (id: string) => void;
  onSelectUnit?: (id: string) => void;
  /** Intake: a click on the map picks a point. */
  onPick?: (lat: number, lon: number) => void;
  picked?: { lat: number; lon: number } | null;
  label: string;
};

type FC = FeatureCollection<Point>;

const pickFc = (p: { lat: number; lon: number } | null | undefined): FC => ({
  type: 'FeatureCollection',
  features: p ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } }] : [],
});

const style = (): StyleSpecification => ({
  version: 8,
  sources: {
    // Bundled with the map's code: the boundaries never depend on a request that could fail mid-shift.
    departments: { type: 'geojson', data: JSON.parse(departmentsText) as FeatureCollection },
    // Incidents and units in one source, keyed by `key`: one update per redraw, sent as a diff.
    live: { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'key' },
    pick: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
  },
  layers: [
    { id: 'sea', type: 'background', paint: { 'background-color': '#dbe7f0' } },
    { id: 'dept-fill', type: 'fill', source: 'departments', paint: { 'fill-color': '#f4f1ea', 'fill-opacity': 1 } },
    { id: 'dept-line', type: 'line', source: 'departments', paint: { 'line-color': '#8a8f98', 'line-width': 1 } },
    {
      id: 'units',
      type: 'circle',
      source: 'live',
      filter: ['==', ['get', 'kind'], 'unit'],
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 7, 3, 12, 6], 'circle-color': ['get', 'colour'], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
    },
    {
      id: 'incidents',
      type: 'circle',
      source: 'live',
      filter: ['==', ['get', 'kind'], 'incident'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 7, ['case', ['==', ['get', 'selected'], 1], 10, 6], 12, ['case', ['==', ['get', 'selected'], 1], 13, 9]],
        'circle-color': ['get', 'colour'],
        'circle-stroke-color': ['case', ['==', ['get', 'selected'], 1], '#000000', '#ffffff'],
        'circle-stroke-width': ['case', ['==', ['get', 'selected'], 1], 3, 2],
      },
    },
    { id: 'pick', type: 'circle', source: 'pick', paint: { 'circle-radius': 8, 'circle-color': '#000000', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 } },
  ],
});

const COUNTRY: [[number, number], [number, number]] = [
  [-90.15, 13.13],
  [-87.68, 14.45],
];

// Bounds of the data redraw interval, and its multiple of what the last redraws cost.
const MIN_REDRAW_MS = 250;
const MAX_REDRAW_MS = 2500;
const REDRAW_SHARE = 6;

/** MapLibre over the offline department boundaries; incidents by priority and units by status, as circle layers. */
export default function IncidentMap({ incidents, units, selectedId, onSelectIncident, onSelectUnit, onPick, picked, label }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<MapLibreMap | null>(null);
  const ready = useRef(false);
  const latest = useRef({ incidents, units, selectedId, picked, onSelectIncident, onSelectUnit, onPick });
  latest.current = { incidents, units, selectedId, picked, onSelectIncident, onSelectUnit, onPick };

  // What the source holds now, to send only what changed; null until the first full setData.
  const sent = useRef<Map<string, LivePoint> | null>(null);
  const push = () => {
    const m = map.current;
    if (!m || !ready.current) return;
    const l = latest.current;
    const source = m.getSource('live') as GeoJSONSource | undefined;
    if (!source) return;
    const next = livePoints(l.incidents, l.units, l.selectedId);
    const diff = sent.current ? diffPoints(sent.current, next) : undefined;
    if (diff === null) return;
    // A diff touching most points costs more than the whole collection: replace it then.
    if (!diff || diff.add.length + diff.update.length + diff.remove.length > next.size / 2) void source.setData(liveCollection(next));
    else void source.updateData(diff);
    sent.current = next;
  };
  const pushPick = () => {
    const m = map.current;
    if (!m || !ready.current) return;
    void (m.getSource('pick') as GeoJSONSource | undefined)?.setData(pickFc(latest.current.picked));
  };

  useEffect(() => {
    if (!container.current) return undefined;
    const m = new MapLibreMap({
      container: container.current,
      style: style(),
      bounds: COUNTRY,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
    map.current = m;
    // What a redraw costs here, up to the next frame (in software WebGL the page waits for the map's pixels).
    m.on('render', () => {
      if (m.isMoving()) return;
      const t = performance.now();
      requestAnimationFrame(() => (redrawMs.current += performance.now() - t));
    });
    m.on('load', () => {
      ready.current = true;
      push();
      pushPick();
    });
    const clickIncident = (e: MapLayerMouseEvent) => {
      const id = e.features?.[0]?.properties?.id as string | undefined;
      if (id) latest.current.onSelectIncident?.(id);
    };
    const clickUnit = (e: MapLayerMouseEvent) => {
      const id = e.features?.[0]?.properties?.id as string | undefined;
      if (id) latest.current.onSelectUnit?.(id);
    };
    m.on('click', 'incidents', clickIncident);
    m.on('click', 'units', clickUnit);
    m.on('click', (e) => {
      const hits = m.queryRenderedFeatures(e.point, { layers: ['incidents', 'units'] });
      if (hits.length === 0) latest.current.onPick?.(e.lngLat.lat, e.lngLat.lng);
    });
    // The whole country stays in view when the panel is resized, until the operator pans or zooms.
    let moved = false;
    m.on('movestart', (e: { originalEvent?: unknown }) => {
      if (e.originalEvent) moved = true;
    });
    const resize = new ResizeObserver(() => {
      m.resize();
      if (!moved) m.fitBounds(COUNTRY, { padding: 8, animate: false });
    });
    resize.observe(container.current);
    for (const layer of ['incidents', 'units']) {
      m.on('mouseenter', layer, () => (m.getCanvas().style.cursor = 'pointer'));
      m.on('mouseleave', layer, () => (m.getCanvas().style.cursor = ''));
    }
    return () => {
      resize.disconnect();
      ready.current = false;
      sent.current = null;
      map.current = null;
      m.remove();
    };
  }, []);

  // Selection and picking show at once. Data changes redraw as often as the machine affords: the
  // map may take about a sixth of the time, so on a GPU it follows the live feed (every 250 ms) and
  // in software WebGL, where one redraw of a 1080p console costs ~150 ms, every second or two.
  const lastPush = useRef(0);
  const redrawMs = useRef(0);
  const interval = useRef(MIN_REDRAW_MS);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pushNow = () => {
    clearTimeout(timer.current);
    timer.current = undefined;
    // The redraws since the last update are what that update cost.
    const target = Math.min(MAX_REDRAW_MS, Math.max(MIN_REDRAW_MS, redrawMs.current * REDRAW_SHARE));
    interval.current = (interval.current + target) / 2;
    redrawMs.current = 0;
    lastPush.current = performance.now();
    push();
  };
  useEffect(() => {
    const wait = interval.current - (performance.now() - lastPush.current);
    if (wait <= 0) pushNow();
    else timer.current ??= setTimeout(pushNow, wait);
  }, [incidents, units]);
  useEffect(pushNow, [selectedId]);
  useEffect(pushPick, [picked]);
  useEffect(() => () => clearTimeout(timer.current), []);

  return <div ref={container} className="incident-map" role="region" aria-label={label} />;
}
