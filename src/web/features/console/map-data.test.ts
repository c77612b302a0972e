import { describe, expect, it } from 'vitest';
import type { IncidentSummary, Unit } from './api';
import { diffPoints, livePoints } from './map-data';

const unit = (id: string, lat: number, status: Unit['status'] = 'available'): Unit =>
  ({ id, callSign: id, unitType: 'patrol_car', capabilities: [], homeStation: 'x', department: 'SV.SS', status, statusChangedAt: '', currentIncidentId: null, position: { lat, lon: -89.2, at: '', accuracyM: null }, version: 1 }) as Unit;
const incident = (id: string, priority: number): IncidentSummary => ({ id, priority, lat: 13.7, lon: -89.1 }) as IncidentSummary;

describe('map points', () => {
  it('keys incidents and units apart, so the same id in both tables stays two points', () => {
    const points = livePoints([incident('a', 1)], [unit('a', 13.6)], 'a');
    expect([...points.keys()]).toEqual(['u:a', 'i:a']);
    expect(points.get('i:a')?.selected).toBe(1);
  });

  it('sends a moved unit as its new geometry only, and nothing when nothing changed', () => {
    const before = livePoints([incident('i1', 2)], [unit('u1', 13.6), unit('u2', 13.5)], null);
    expect(diffPoints(before, livePoints([incident('i1', 2)], [unit('u1', 13.6), unit('u2', 13.5)], null))).toBeNull();
    const diff = diffPoints(before, livePoints([incident('i1', 2)], [unit('u1', 13.61), unit('u2', 13.5)], null));
    expect(diff).toEqual({ remove: [], add: [], update: [{ id: 'u:u1', newGeometry: { type: 'Point', coordinates: [-89.2, 13.61] } }] });
  });

  it('sends a new, a gone and a reprioritised or selected incident as add, remove and property updates', () => {
    const before = livePoints([incident('i1', 2), incident('i2', 3)], [], null);
    const diff = diffPoints(before, livePoints([incident('i1', 1), incident('i3', 4)], [], 'i1'));
    expect(diff?.remove).toEqual(['i:i2']);
    expect(diff?.add.map((f) => f.properties.key)).toEqual(['i:i3']);
    expect(diff?.update).toEqual([{ id: 'i:i1', addOrUpdateProperties: [{ key: 'colour', value: '#c62828' }, { key: 'selected', value: 1 }] }]);
  });
});
