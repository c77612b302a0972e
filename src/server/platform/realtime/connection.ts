import type { Duplex } from 'node:stream';
import type { Kysely } from 'kysely';
import WebSocket from 'ws';
import type { Principal } from '../auth/principal.js';
import type { DB } from '../db/schema.js';
import { catchUp } from './catch-up.js';
import type { LiveEvent } from './outbox.js';
import {
  batchFrameBytes,
  defaultSubscriptionSchema,
  eventFrame,
  eventFrameBytes,
  eventMessage,
  liveError,
  parseClientMessage,
  type ClientMessage,
  type ServerMessage,
  type TopicDefinition,
  type TopicSubscription,
} from './protocol.js';

/** What a connection needs from its hub. */
export type ConnectionContext = {
  db: Kysely<DB>;
  topics: ReadonlyMap<string, TopicDefinition>;
  lastSeq: () => number;
  replayMax: number;
  maxBufferedBytes: number;
  onError: (e: unknown) => void;
};

type Active = { def: TopicDefinition; sub: TopicSubscription };

// A client that does not answer a close frame is cut off after this long.
const CLOSE_GRACE_MS = 1_000;
// A slow consumer's close frame waits behind its whole backlog: give it time to read it and learn why (1013).
const SLOW_CLOSE_GRACE_MS = 10_000;

/** One client socket: its principal, its subscriptions, and its place in the event stream. */
export class LiveConnection {
  alive = true;
  private subs: Active[] = [];
  /** Live events that arrive while a catch-up is being read; sent after it. */
  private held: LiveEvent[] | null = null;
  private skip = { above: 0, through: 0 };
  private work: Promise<void> = Promise.resolve();
  readonly closed: Promise<void>;

  constructor(
    readonly socket: WebSocket,
    public principal: Principal,
    private readonly ctx: ConnectionContext,
    /** The TCP socket under the WebSocket: a batch of events is written to it directly, in one write. */
    private readonly raw: Duplex,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('pong', () => (this.alive = true));
    socket.on('message', (data, isBinary) => {
      // Messages are handled one at a time, in order; a failure is reported, never thrown.
      this.work = this.work.then(() => this.handle(parseClientMessage(data, isBinary))).catch((e: unknown) => this.ctx.onError(e));
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends unless the client has fallen too far behind, in which case it is closed (1013: try again later). */
  send(msg: ServerMessage): void {
    this.sendFrame(JSON.stringify(msg));
  }

  private sendFrame(frame: string): void {
    if (!this.open) return;
    if (!this.withinLimit()) return;
    this.socket.send(frame);
  }

  /** False (and the socket closing, 1013) once the client has fallen too far behind. */
  private withinLimit(): boolean {
    if (this.socket.bufferedAmount <= this.ctx.maxBufferedBytes) return true;
    void this.close(1013, 'slow consumer', SLOW_CLOSE_GRACE_MS);
    return false;
  }

  close(code: number, reason: string, graceMs = CLOSE_GRACE_MS): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
    // Also for a socket already closing (a slow consumer at shutdown): the shorter grace wins.
    if (this.socket.readyState !== WebSocket.CLOSED) setTimeout(() => this.socket.terminate(), graceMs).unref();
    return this.closed;
  }

  /**
   * Events from the relay, in seq order (late fills aside). With the TCP socket at hand, the frames
   * this socket wants go out prebuilt, in one write: the whole batch's bytes (built once for all
   * sockets) when it wants every event, as with 1,000 consoles on the same topic. The WebSocket
   * server runs without compression (live.routes.ts), so ws itself queues nothing these bytes could
   * overtake.
   */
  offer(events: readonly LiveEvent[]): void {
    if (this.held) {
      this.held.push(...events);
      return;
    }
    const wanted = events.filter((e) => this.wants(e));
    if (wanted.length === 0 || !this.open || !this.withinLimit()) return;
    this.raw.write(wanted.length === events.length ? batchFrameBytes(events) : Buffer.concat(wanted.map(eventFrameBytes)));
  }

  /** Applies a fresh principal: subscriptions it no longer permits are dropped, with an error each. */
  reauthorise(principal: Principal): void {
    this.principal = principal;
    const kept = this.subs.filter((a) => principal.permissions.has(a.def.permission));
    for (const a of this.subs) if (!kept.includes(a)) this.send(liveError('forbidden', a.sub.topic));
    this.subs = kept;
  }

  private wants(e: LiveEvent): boolean {
    if (e.seq > this.skip.above && e.seq <= this.skip.through) return false;
    return this.subs.some((a) => a.def.match(e, a.sub));
  }

  private deliver(e: LiveEvent): void {
    if (this.wants(e)) this.sendFrame(eventFrame(e));
  }

  private async handle(msg: ClientMessage | null): Promise<void> {
    if (!msg) return this.send(liveError('validation_failed'));
    // A subscribe replaces the previous one (an empty list unsubscribes from everything).
    const accepted: Active[] = [];
    for (const item of msg.topics) {
      const def = this.ctx.topics.get(item.topic);
      const parsed = def ? (def.schema ?? defaultSubscriptionSchema).safeParse(item) : null;
      if (!def || !parsed?.success) {
        this.send(liveError('validation_failed', item.topic));
      } else if (this.principal.stage !== 'active' || !this.principal.permissions.has(def.permission)) {
        this.send(liveError('forbidden', item.topic));
      } else {
        accepted.push({ def, sub: parsed.data });
      }
    }
    this.subs = accepted;
    const upTo = this.ctx.lastSeq();
    this.skip = { above: upTo, through: msg.since !== undefined && msg.since > upTo ? msg.since : 0 };
    this.send({ type: 'subscribed', lastSeq: upTo });
    if (msg.since === undefined || msg.since >= upTo) return;
    await this.replay(msg.since, upTo);
  }

  private async replay(since: number, upTo: number): Promise<void> {
    this.held = [];
    try {
      const topics = new Set(this.subs.flatMap((a) => a.def.eventTopics ?? [a.sub.topic]));
      const accept = (e: LiveEvent) => this.subs.some((a) => a.def.match(e, a.sub));
      const result = await catchUp(this.ctx.db, { since, upTo }, [...topics], accept, this.ctx.replayMax).catch((e: unknown) => {
        this.ctx.onError(e);
        return { events: [], complete: false };
      });
      if (result.complete) for (const e of result.events) this.send(eventMessage(e));
      else this.send({ type: 'reload', lastSeq: upTo });
      const replayed = new Set(result.events.map((e) => e.seq));
      for (const e of this.held) if (!replayed.has(e.seq)) this.deliver(e);
    } finally {
      this.held = null;
    }
  }
}
