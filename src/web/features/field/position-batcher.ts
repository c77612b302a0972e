export type Fix = { lat: number; lon: number; accuracyM: number | null; heading: number | null; speedMps: number | null; recordedAt: string };

export const HEADING_CHANGE_DEG = 45;
/** Smallest angle between two compass headings, in degrees (350° and 10° are 20° apart). */
export const headingDelta = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

/**
 * Buffers fixes for the periodic send; a turn of HEADING_CHANGE_DEG or more since the last heading
 * sends at once, so the console's map shows the turn, not a straight line across a corner.
 */
export function positionBatcher(send: (fixes: Fix[]) => void) {
  let buffer: Fix[] = [];
  let lastHeading: number | null = null;
  const flush = () => {
    if (buffer.length === 0) return;
    const fixes = buffer;
    buffer = [];
    send(fixes);
  };
  const add = (fix: Fix) => {
    buffer.push(fix);
    const turned = fix.heading !== null && lastHeading !== null && headingDelta(fix.heading, lastHeading) >= HEADING_CHANGE_DEG;
    if (fix.heading !== null) lastHeading = fix.heading;
    if (turned) flush();
  };
  return { add, flush };
}
