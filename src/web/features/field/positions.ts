import { positionBatcher, type Fix } from './position-batcher';
import { enqueue, newKey } from './queue';

/**
 * While on duty: GPS fixes are buffered and queued as one batch every `seconds` (or at once on a large
 * heading change), each with its accuracy and original time, so fixes taken offline arrive later intact.
 */
export function trackPositions(unitId: string, seconds: number, onFix: (f: Fix) => void): () => void {
  if (!('geolocation' in navigator)) return () => undefined;
  const batcher = positionBatcher((positions) => {
    void enqueue({ key: newKey(), kind: 'positions', label: `GPS ×${positions.length}`, path: `/units/${unitId}/positions`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ positions }) });
  });
  const watch = navigator.geolocation.watchPosition(
    (p) => {
      const fix: Fix = {
        lat: p.coords.latitude,
        lon: p.coords.longitude,
        accuracyM: Number.isFinite(p.coords.accuracy) ? p.coords.accuracy : null,
        heading: p.coords.heading !== null && Number.isFinite(p.coords.heading) ? p.coords.heading : null,
        speedMps: p.coords.speed !== null && Number.isFinite(p.coords.speed) ? p.coords.speed : null,
        recordedAt: new Date(p.timestamp).toISOString(),
      };
      onFix(fix);
      batcher.add(fix);
    },
    () => undefined,
    { enableHighAccuracy: true, maximumAge: 5000 },
  );
  const timer = window.setInterval(batcher.flush, seconds * 1000);
  return () => {
    navigator.geolocation.clearWatch(watch);
    window.clearInterval(timer);
    batcher.flush();
  };
}
