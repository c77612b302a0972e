// Rows drawn beyond the visible ones, each way: scrolling a few rows never shows a blank.
export const OVERSCAN = 10;

/**
 * Which rows of a virtualised list of `count` fixed-height rows to draw: the visible window plus
 * the overscan, and the focused row wherever it is (so focus is never lost to an unmounted row).
 * A scroll position past the end (the list just shrank) counts as the end.
 */
export function windowOf(count: number, scrollTop: number, viewport: number, rowPx: number, focused: number | null): number[] {
  if (count === 0) return [];
  const top = Math.max(0, Math.min(scrollTop, count * rowPx - viewport));
  const first = Math.max(0, Math.floor(top / rowPx) - OVERSCAN);
  const last = Math.min(count - 1, Math.ceil((top + viewport) / rowPx) + OVERSCAN);
  const out: number[] = [];
  if (focused !== null && focused < first) out.push(focused);
  for (let k = first; k <= last; k++) out.push(k);
  if (focused !== null && focused > last && focused < count) out.push(focused);
  return out;
}
