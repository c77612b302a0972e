import { describe, expect, it } from 'vitest';
import { OVERSCAN, windowOf } from './queue-window';

describe('the queue window', () => {
  it('draws the rows in view and the overscan, not the whole list', () => {
    const rows = windowOf(500, 100 * 92, 920, 92, null);
    expect(rows[0]).toBe(100 - OVERSCAN);
    expect(rows.at(-1)).toBe(110 + OVERSCAN);
  });

  it('keeps the focused row drawn when it is scrolled far away', () => {
    expect(windowOf(500, 0, 920, 92, 400).at(-1)).toBe(400);
    expect(windowOf(500, 300 * 92, 920, 92, 3)[0]).toBe(3);
  });

  it('shows the end of a list that shrank under its scroll position', () => {
    expect(windowOf(5, 300 * 92, 920, 92, null)).toEqual([0, 1, 2, 3, 4]);
  });
});
