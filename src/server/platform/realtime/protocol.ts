import { z } from 'zod';
import { ERROR_MESSAGES } from '../../../common/errors.js';
import type { Permission } from '../../../common/roles.js';
import type { LiveEvent } from './outbox.js';

/** One entry of a client's `subscribe`: a topic plus its filters (a department, an entity id). */
export type TopicSubscription = { topic: string; department?: string | undefined; id?: string | undefined };

/** What a module registers for a topic: who may follow it and which events a subscription receives. */
export type TopicDefinition = {
  permission: Permission;
  match: (event: LiveEvent, subscription: TopicSubscription) => boolean;
  /** Event topics the subscription can match, used to narrow catch-up reads; default: the topic's name. */
  eventTopics?: readonly string[];
  /** Validates a subscription's filters; default: `department` only. */
  schema?: z.ZodType<TopicSubscription>;
};

// ISO 3166-2 subdivision written with a dot, as the emergency module stores it (e.g. SV.SS).
export const DEPARTMENT = z.string().regex(/^[A-Z]{2}\.[A-Z0-9]{1,3}$/);

export const defaultSubscriptionSchema: z.ZodType<TopicSubscription> = z.strictObject({
  topic: z.string(),
  department: DEPARTMENT.optional(),
});

/** For topics about one entity: `{ topic, id }` with a UUID. */
export const entitySubscriptionSchema: z.ZodType<TopicSubscription> = z.strictObject({
  topic: z.string(),
  id: z.uuid(),
});

/** Event filter for department-wide topics: the topic's events, in the subscription's department if it names one. */
export const matchDepartment = (event: LiveEvent, s: TopicSubscription) =>
  event.topic === s.topic && (s.department === undefined || event.department === s.department);

const MAX_TOPICS_PER_SUBSCRIBE = 50;

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    topics: z.array(z.looseObject({ topic: z.string().min(1).max(64) })).max(MAX_TOPICS_PER_SUBSCRIBE),
    since: z.number().int().nonnegative().optional(),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ServerMessage =
  | { type: 'subscribed'; lastSeq: number }
  | { type: 'reload'; lastSeq: number }
  | ({ type: 'event' } & Omit<LiveEvent, 'occurredAt'>)
  | { type: 'error'; code: LiveErrorCode; topic?: string; detail: { es: string; en: string } };

export type LiveErrorCode = 'validation_failed' | 'forbidden';

/** An error frame: the stable code, and for people its message in both languages (a socket has no Accept-Language per message). */
export const liveError = (code: LiveErrorCode, topic?: string): ServerMessage => ({
  type: 'error',
  code,
  ...(topic === undefined ? {} : { topic }),
  detail: { es: ERROR_MESSAGES[code].es, en: ERROR_MESSAGES[code].en },
});

// One event goes to many sockets: serialise it once, not once per socket.
const frames = new WeakMap<LiveEvent, string>();
export function eventFrame(e: LiveEvent): string {
  let f = frames.get(e);
  if (f === undefined) frames.set(e, (f = JSON.stringify(eventMessage(e))));
  return f;
}

/**
 * A complete WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as a server's frames are)
 * holding `text`: built once and written as is to every socket, where `ws.send` would measure, encode
 * and frame the same string again for each of them.
 */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const header = Buffer.alloc(n < 126 ? 2 : n < 65_536 ? 4 : 10);
  header[0] = 0x81;
  if (n < 126) header[1] = n;
  else if (n < 65_536) {
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

const frameBytes = new WeakMap<LiveEvent, Buffer>();
/** The frame of one event's message, shared by every socket that receives it. */
export function eventFrameBytes(e: LiveEvent): Buffer {
  let b = frameBytes.get(e);
  if (b === undefined) frameBytes.set(e, (b = textFrame(eventFrame(e))));
  return b;
}

const batchBytes = new WeakMap<readonly LiveEvent[], Buffer>();
/** The frames of a whole batch back to back: one write for every socket that wants all of it. */
export function batchFrameBytes(events: readonly LiveEvent[]): Buffer {
  let b = batchBytes.get(events);
  if (b === undefined) batchBytes.set(events, (b = Buffer.concat(events.map(eventFrameBytes))));
  return b;
}

export const eventMessage = (e: LiveEvent): ServerMessage => ({
  type: 'event',
  seq: e.seq,
  topic: e.topic,
  kind: e.kind,
  entityType: e.entityType,
  entityId: e.entityId,
  version: e.version,
  department: e.department,
  data: e.data,
});

/** Parses a frame from a client; anything but a well-formed text JSON message is null. */
export function parseClientMessage(raw: unknown, isBinary: boolean): ClientMessage | null {
  if (isBinary) return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : Array.isArray(raw) ? Buffer.concat(raw as Buffer[]).toString('utf8') : null;
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = clientMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
