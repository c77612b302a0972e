import { Map as MapLibreMap, setWorkerUrl, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef } from 'react';
import departmentsUrl from '../../assets/sv-departments.geojson?url';

setWorkerUrl(workerUrl);

type Point = { lat: number; lon: number };

const pinData = (p: Point | null) => ({
  type: 'FeatureCollection' as const,
  features: p ? [{ type: 'Feature' as const, properties: {}, geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] } }] : [],
});

const style = (): StyleSpecification => ({
  version: 8,
  sources: {
    departments: { type: 'geojson', data: new URL(departmentsUrl, window.location.href).href },
    pin: { type: 'geojson', data: pinData(null) },
  },
  layers: [
    { id: 'sea', type: 'background', paint: { 'background-color': '#dbe7f0' } },
    { id: 'dept-fill', type: 'fill', source: 'departments', paint: { 'fill-color': '#f4f1ea' } },
    { id: 'dept-line', type: 'line', source: 'departments', paint: { 'line-color': '#8a8f98', 'line-width': 1 } },
    { id: 'pin', type: 'circle', source: 'pin', paint: { 'circle-radius': 9, 'circle-color': '#b3261e', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 } },
  ],
});

/** The offline map of El Salvador where the reporter drops a pin with a tap; no tiles leave the server. */
export default function PinMap({ pin, onPick, label }: { pin: Point | null; onPick: (p: Point) => void; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<MapLibreMap | null>(null);
  const latest = useRef({ pin, onPick });
  latest.current = { pin, onPick };

  useEffect(() => {
    if (!container.current) return undefined;
    const m = new MapLibreMap({
      container: container.current,
      style: style(),
      bounds: [
        [-90.15, 13.13],
        [-87.68, 14.45],
      ],
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
    map.current = m;
    m.on('load', () => void (m.getSource('pin') as GeoJSONSource | undefined)?.setData(pinData(latest.current.pin)));
    m.on('click', (e) => latest.current.onPick({ lat: e.lngLat.lat, lon: e.lngLat.lng }));
    return () => {
      map.current = null;
      m.remove();
    };
  }, []);

  useEffect(() => {
    const m = map.current;
    if (m?.isStyleLoaded()) void (m.getSource('pin') as GeoJSONSource | undefined)?.setData(pinData(pin));
    // Departments are the only offline layer: zoom enough to place the pin, not past where borders still give context.
    if (m && pin && m.getZoom() < 9) m.easeTo({ center: [pin.lon, pin.lat], zoom: 9, duration: 0 });
  }, [pin]);

  return <div ref={container} className="pin-map" role="region" aria-label={label} />;
}
