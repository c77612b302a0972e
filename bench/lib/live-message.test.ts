import { describe, expect, it } from 'vitest';
import { eventMessage } from '../../src/server/platform/realtime/protocol.js';
import type { LiveEvent } from '../../src/server/platform/realtime/outbox.js';
import { readMessage } from './live-message.js';

const event = (over: Partial<LiveEvent>): LiveEvent =>
  ({ seq: 4321, topic: 'incidents', kind: 'created', entityType: 'incident', entityId: '0b0e8c3e-2f1d-4c55-9a77-1d2a3b4c5d6e', version: 1, department: 'SV.SS', occurredAt: new Date().toISOString(), data: null, ...over });
const wire = (m: unknown) => Buffer.from(JSON.stringify(m), 'utf8');

describe("figure 3's clients read a message", () => {
  it('as JSON.parse does, for the events the server writes', () => {
    for (const e of [event({}), event({ kind: 'updated', seq: 7 }), event({ kind: 'moved', seq: 2 ** 40 })]) {
      const full = JSON.parse(JSON.stringify(eventMessage(e))) as Record<string, unknown>;
      const read = readMessage(wire(eventMessage(e)));
      expect(read).toMatchObject({ type: 'event', seq: full.seq, topic: 'incidents', kind: full.kind });
      if (e.kind === 'created') expect(read.entityId).toBe(e.entityId);
    }
  });

  it('in full when it is laid out otherwise: another topic, other messages, reordered keys', () => {
    const other = readMessage(wire(eventMessage(event({ topic: 'units', entityType: 'unit' }))));
    expect(other).toMatchObject({ type: 'event', topic: 'units' });
    expect(readMessage(wire({ type: 'subscribed', lastSeq: 12 }))).toEqual({ type: 'subscribed', lastSeq: 12 });
    expect(readMessage(wire({ seq: 5, type: 'event', topic: 'incidents', kind: 'created', entityId: 'x' }))).toMatchObject({ seq: 5, entityId: 'x' });
    expect(readMessage(wire({ type: 'event', seq: 9, topic: 'incidents', kind: 'created', entityType: 'incident', entityId: 'short' }))).toMatchObject({ seq: 9, entityId: 'short' });
  });

  it('in full, or as JSON.parse would, where reading by position could go wrong', () => {
    const same = (m: unknown) => expect(readMessage(wire(m))).toMatchObject(JSON.parse(JSON.stringify(m)) as object);
    same({ type: 'event', seq: 1 }); // cut short
    same({ type: 'event', seq: 1234567890123456, topic: 'incidents', kind: 'updated' }); // 16 digits
    same({ type: 'event', seq: 3, topic: 'incidents', kind: 'created', entityType: 'incident', entityId: 'ABCDEFGH-ABCD-ABCD-ABCD-ABCDEFGHIJKL' }); // 36, not a UUID as written
    same({ type: 'event', seq: 4, topic: 'incidents', kind: 'created', entityType: 'incident', entityId: 'a"bcdefgh-abcd-abcd-abcd-abcdefghijk' }); // an escaped quote
    same({ type: 'event', seq: 5, topic: 'incidents', kind: 'we"ird', entityType: 'incident', entityId: 'x' });
    same({ type: 'event', seq: 6, topic: 'incidents', kind: 'created', entityType: 'unit', entityId: 'u1' });
  });
});
