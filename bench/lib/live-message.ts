export type Message = { type: string; seq?: number; topic?: string; kind?: string; entityId?: string; lastSeq?: number };

// The server writes an event as JSON.stringify of { type, seq, topic, kind, entityType, entityId, … } (protocol.ts eventMessage).
const EVENT_HEAD = Buffer.from('{"type":"event","seq":');
const AFTER_SEQ = Buffer.from(',"topic":"incidents","kind":"');
const CREATED = Buffer.from('created","entityType":"incident","entityId":"');
const UUID_LENGTH = 36;

/**
 * A message as the fields figure 3's clients read. Events of "incidents" (all but a handful of the
 * messages) are read by position, the way the server lays them out: 0.5 µs a message against 1.4
 * µs for JSON.parse, on a 2-core machine where these threads (a core's worth of CPU for a million
 * messages) compete with the server they measure. Anything laid out otherwise is parsed in full,
 * so nothing is misread.
 */
export function readMessage(data: Buffer): Message {
  if (data.length > EVENT_HEAD.length && data.compare(EVENT_HEAD, 0, EVENT_HEAD.length, 0, EVENT_HEAD.length) === 0) {
    let i = EVENT_HEAD.length;
    let seq = 0;
    while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39 && i - EVENT_HEAD.length < 15) seq = seq * 10 + (data[i++]! - 0x30);
    if (i > EVENT_HEAD.length && data.compare(AFTER_SEQ, 0, AFTER_SEQ.length, i, i + AFTER_SEQ.length) === 0) {
      const k = i + AFTER_SEQ.length;
      if (data.compare(CREATED, 0, CREATED.length, k, k + CREATED.length) === 0 && data[k + CREATED.length + UUID_LENGTH] === 0x22) {
        const at = k + CREATED.length;
        return { type: 'event', seq, topic: 'incidents', kind: 'created', entityId: data.toString('latin1', at, at + UUID_LENGTH) };
      }
      // Another kind: its entity is not read. A 'created' laid out otherwise falls through to the full parse.
      const end = data.indexOf(0x22, k);
      const kind = end > k ? data.toString('utf8', k, end) : 'created';
      if (kind !== 'created') return { type: 'event', seq, topic: 'incidents', kind };
    }
  }
  return JSON.parse(data.toString('utf8')) as Message;
}
