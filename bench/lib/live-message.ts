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
  const fits = (at: number, n: number) => at + n <= data.length;
  if (fits(0, EVENT_HEAD.length + 1) && data.compare(EVENT_HEAD, 0, EVENT_HEAD.length, 0, EVENT_HEAD.length) === 0) {
    let i = EVENT_HEAD.length;
    let seq = 0;
    while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39 && i - EVENT_HEAD.length < 15) seq = seq * 10 + (data[i++]! - 0x30);
    if (i > EVENT_HEAD.length && fits(i, AFTER_SEQ.length) && data.compare(AFTER_SEQ, 0, AFTER_SEQ.length, i, i + AFTER_SEQ.length) === 0) {
      const k = i + AFTER_SEQ.length;
      if (fits(k, CREATED.length + UUID_LENGTH + 1) && data.compare(CREATED, 0, CREATED.length, k, k + CREATED.length) === 0) {
        const at = k + CREATED.length;
        if (data[at + UUID_LENGTH] === 0x22 && isUuidText(data, at)) return { type: 'event', seq, topic: 'incidents', kind: 'created', entityId: data.toString('latin1', at, at + UUID_LENGTH) };
      } else {
        // Another kind, read up to its closing quote if it holds no escape: its entity is not read.
        const end = data.indexOf(0x22, k);
        const bytes = end > k ? data.subarray(k, end) : null;
        if (bytes && !bytes.includes(0x5c) && !bytes.equals(CREATED.subarray(0, 7))) return { type: 'event', seq, topic: 'incidents', kind: bytes.toString('utf8') };
      }
    }
  }
  return JSON.parse(data.toString('utf8')) as Message;
}

/** 36 bytes of lower-case hex digits and hyphens, as the server writes a UUID. */
function isUuidText(data: Buffer, at: number): boolean {
  for (let j = at; j < at + UUID_LENGTH; j++) {
    const c = data[j]!;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || c === 0x2d)) return false;
  }
  return true;
}
