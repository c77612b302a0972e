import { describe, expect, it } from 'vitest';
import { headingDelta, positionBatcher, type Fix } from './position-batcher';

const fix = (heading: number | null, second: number): Fix => ({ lat: 13.7, lon: -89.2, accuracyM: 8, heading, speedMps: 12, recordedAt: new Date(Date.UTC(2026, 10, 24, 22, 0, second)).toISOString() });

describe('GPS batches', () => {
  it('measures a heading change the short way round the compass', () => {
    expect(headingDelta(350, 10)).toBe(20);
    expect(headingDelta(10, 350)).toBe(20);
    expect(headingDelta(90, 270)).toBe(180);
    expect(headingDelta(0, 45)).toBe(45);
  });

  it('holds fixes for the periodic send while the unit drives straight or turns gently', () => {
    const sent: Fix[][] = [];
    const b = positionBatcher((f) => sent.push(f));
    [0, 10, 30, 350, 20].forEach((h, i) => b.add(fix(h, i)));
    expect(sent).toEqual([]);
    b.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((f) => f.heading)).toEqual([0, 10, 30, 350, 20]);
  });

  it('sends at once, with the turning fix, when the heading changes by 45° or more', () => {
    const sent: Fix[][] = [];
    const b = positionBatcher((f) => sent.push(f));
    b.add(fix(90, 0));
    b.add(fix(100, 1));
    b.add(fix(150, 2));
    expect(sent.map((batch) => batch.map((f) => f.heading))).toEqual([[90, 100, 150]]);
    b.add(fix(160, 3));
    b.add(fix(null, 4));
    b.add(fix(200, 5));
    expect(sent.map((batch) => batch.map((f) => f.heading))).toEqual([[90, 100, 150]]);
    b.add(fix(250, 6));
    expect(sent.map((batch) => batch.map((f) => f.heading))).toEqual([[90, 100, 150], [160, null, 200, 250]]);
  });

  it('keeps each fix with its original time and never sends an empty batch', () => {
    const sent: Fix[][] = [];
    const b = positionBatcher((f) => sent.push(f));
    b.flush();
    b.add(fix(null, 7));
    b.flush();
    b.flush();
    expect(sent).toEqual([[fix(null, 7)]]);
  });
});
