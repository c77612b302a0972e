import { Map as MapLibreMap, setWorkerUrl, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { FeatureCollection, Point } from 'geojson';
import { useEffect, useRef } from 'react';
import departmentsUrl from '../../assets/sv-departments.geojson?url';

setWorkerUrl(workerUrl);

type LatLon = { lat: number; lon: number };
const points = (items: { p: LatLon | null; kind: string }[]): FeatureCollection<Point> => ({
  type: 'FeatureCollection',
  features: items.filter((i) => i.p).map((i) => ({ type: 'Feature', properties: { kind: i.kind }, geometry: { type: 'Point', coordinates: [i.p!.lon, i.p!.lat] } })),
});

const style = (): StyleSpecification => ({
  version: 8,
  sources: {
    departments: { type: 'geojson', data: new URL(departmentsUrl, window.location.href).href },
    points: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
  },
  layers: [
    { id: 'sea', type: 'background', paint: { 'background-color': '#dbe7f0' } },
    { id: 'dept-fill', type: 'fill', source: 'departments', paint: { 'fill-color': '#f4f1ea' } },
    { id: 'dept-line', type: 'line', source: 'departments', paint: { 'line-color': '#8a8f98', 'line-width': 1 } },
    {
      id: 'points',
      type: 'circle',
      source: 'points',
      paint: {
        'circle-radius': ['case', ['==', ['get', 'kind'], 'incident'], 11, 8],
        'circle-color': ['case', ['==', ['get', 'kind'], 'incident'], '#c62828', '#1565c0'],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 3,
      },
    },
  ],
});

/** The assignment on the offline department map: the incident (red) and my position (blue). */
export default function FieldMap({ incident, me, label }: { incident: LatLon | null; me: LatLon | null; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<MapLibreMap | null>(null);
  const latest = useRef({ incident, me });
  latest.current = { incident, me };

  const push = () => {
    const m = map.current;
    if (!m?.loaded()) return;
    const { incident: i, me: p } = latest.current;
    void (m.getSource('points') as GeoJSONSource | undefined)?.setData(points([{ p: i, kind: 'incident' }, { p, kind: 'me' }]));
  };

  useEffect(() => {
    if (!container.current) return undefined;
    const centre = latest.current.incident ?? latest.current.me;
    const m = new MapLibreMap({
      container: container.current,
      style: style(),
      ...(centre ? { center: [centre.lon, centre.lat] as [number, number], zoom: 11 } : { bounds: [[-90.15, 13.13], [-87.68, 14.45]] as [[number, number], [number, number]] }),
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
    map.current = m;
    m.on('load', push);
    // Tests and screenshots wait for the first fully drawn frame.
    m.once('idle', () => container.current?.setAttribute('data-ready', 'true'));
    return () => {
      m.remove();
      map.current = null;
    };
  }, []);

  useEffect(push, [incident?.lat, incident?.lon, me?.lat, me?.lon]);

  return <div ref={container} className="field-map" role="img" aria-label={label} />;
}
