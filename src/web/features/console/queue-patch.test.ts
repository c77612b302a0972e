import { describe, expect, it } from 'vitest';
import type { IncidentSummary, Unit } from './api';
import { patchIncidents, patchUnits } from './queue-patch';

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

const unit = (id: string, version: number, department = 'SV.SS', status: Unit['status'] = 'available'): Unit => ({ id, version, department, callSign: id.toUpperCase(), status }) as Unit;

describe('patching the unit list from live refreshes', () => {
  it('replaces a changed unit and keeps the other rows as they were', () => {
    const a = unit('a', 1);
    const next = patchUnits([a, unit('b', 1)], ['b'], [unit('b', 2, 'SV.SS', 'dispatched')]);
    expect(next.map((u) => [u.id, u.version, u.status])).toEqual([
      ['a', 1, 'available'],
      ['b', 2, 'dispatched'],
    ]);
    expect(next[0]).toBe(a);
  });

  it("takes the refresh's status but keeps a position written in place after the request", () => {
    const moved = { ...unit('a', 7), position: { lat: 13.7, lon: -89.2, at: '2026-11-25T02:00:10Z', accuracyM: 5 } };
    const fresh = { ...unit('a', 6, 'SV.SS', 'dispatched'), position: { lat: 13.6, lon: -89.1, at: '2026-11-25T02:00:00Z', accuracyM: 5 } };
    expect(patchUnits([moved], ['a'], [fresh])[0]).toEqual({ ...fresh, version: 7, position: moved.position });
  });

  it('drops a unit the server no longer lists and puts a new one in department and call-sign order', () => {
    const next = patchUnits([unit('a', 1, 'SV.AH'), unit('c', 1, 'SV.SS'), unit('x', 1, 'SV.SS')], ['x', 'b'], [unit('b', 1, 'SV.SA')]);
    expect(next.map((u) => u.id)).toEqual(['a', 'b', 'c']);
  });
});
