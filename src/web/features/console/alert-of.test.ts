import { describe, expect, it } from 'vitest';
import { alertOf, type EventMessage } from './live';

const event = (data: unknown): EventMessage => ({ type: 'event', seq: 7, topic: 'alerts', kind: 'panic', entityType: 'incident', entityId: 'i-1', version: 2, department: 'SV.SS', data });

describe('alertOf', () => {
  it('shows when the alert was raised, not when this console got it (a replay after being offline)', () => {
    const raisedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const a = alertOf(event({ callSign: 'P-501', raisedAt, position: { lat: 13.7, lon: -89.2 } }));
    expect(a.at).toBe(Date.parse(raisedAt));
    expect(a.receivedAt).toBeGreaterThan(a.at);
    expect(a).toMatchObject({ seq: 7, kind: 'panic', callSign: 'P-501', number: null, position: { lat: 13.7, lon: -89.2 } });
  });

  it('falls back to the time it came when the event has no usable raise time', () => {
    for (const data of [{ number: 'SV-2026-000001' }, { raisedAt: 'not a time' }, null]) {
      const a = alertOf(event(data));
      expect(a.at).toBe(a.receivedAt);
      expect(a.position).toBeNull();
    }
  });
});
