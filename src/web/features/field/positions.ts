import { enqueue, newKey } from './queue';

type Fix = { lat: number; lon: number; accuracyM: number | null; heading: number | null; speedMps: number | null; recordedAt: string };

const HEADING_CHANGE_DEG = 45;
const angle = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

/**
 * While on duty: GPS fixes are buffered and queued as one batch every `seconds` (or at once on a large
 * heading change), each with its accuracy and original time, so fixes taken offline arrive later intact.
 */
export function trackPositions(unitId: string, seconds: number, onFix: (f: Fix) => void): () => void {
  if (!('geolocation' in navigator)) return () => undefined;
  let buffer: Fix[] = [];
  let lastHeading: number | null = null;
  const send = () => {
    if (buffer.length === 0) return;
    const positions = buffer;
    buffer = [];
    void enqueue({ key: newKey(), kind: 'positions', label: `GPS ×${positions.length}`, path: `/units/${unitId}/positions`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ positions }) });
  };
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
      buffer.push(fix);
      onFix(fix);
      const turned = fix.heading !== null && lastHeading !== null && angle(fix.heading, lastHeading) >= HEADING_CHANGE_DEG;
      if (fix.heading !== null) lastHeading = fix.heading;
      if (turned) send();
    },
    () => undefined,
    { enableHighAccuracy: true, maximumAge: 5000 },
  );
  const timer = window.setInterval(send, seconds * 1000);
  return () => {
    navigator.geolocation.clearWatch(watch);
    window.clearInterval(timer);
    send();
  };
}
