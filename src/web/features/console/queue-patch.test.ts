import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from './api';
import { patchIncidents } from './queue-patch';

const inc = (id: string, version: number, status: IncidentSummary['status'] = 'received'): IncidentSummary => ({ id, version, status }) as IncidentSummary;

describe('patching the open-incident list from live refreshes', () => {
  it('replaces a changed incident, adds a new one and keeps the others as they were', () => {
    const a = inc('a', 1);
    const b = inc('b', 1);
    const next = patchIncidents([a, b], ['b', 'c'], [inc('b', 2, 'dispatched'), inc('c', 1)]);
    expect(next.map((i) => [i.id, i.version, i.status])).toEqual([
      ['a', 1, 'received'],
      ['b', 2, 'dispatched'],
      ['c', 1, 'received'],
    ]);
    expect(next[0]).toBe(a);
  });

  it('drops an incident that closed, and one the server no longer returns', () => {
    const next = patchIncidents([inc('a', 1), inc('b', 1), inc('c', 1)], ['a', 'b'], [inc('a', 3, 'closed')]);
    expect(next.map((i) => i.id)).toEqual(['c']);
  });

  it('keeps a row newer than a refresh that arrived late', () => {
    const newer = inc('a', 5, 'on_scene');
    expect(patchIncidents([newer], ['a'], [inc('a', 4, 'en_route')])).toEqual([newer]);
  });

  it('does not add a closed incident it did not list', () => {
    expect(patchIncidents([], ['z'], [inc('z', 2, 'cancelled')])).toEqual([]);
  });
});
