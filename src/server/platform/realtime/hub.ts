import type { Duplex } from 'node:stream';
import type { Kysely } from 'kysely';
import type WebSocket from 'ws';
import type { Principal } from '../auth/principal.js';
import type { DB } from '../db/schema.js';
import { LiveConnection, type ConnectionContext } from './connection.js';
import type { LiveEvent } from './outbox.js';
import type { TopicDefinition } from './protocol.js';
import { credentialKey, recheckPrincipals } from './session-check.js';

export type HubOptions = {
  heartbeatMs: number;
  replayMax: number;
  maxBufferedBytes: number;
  sessionIdleMinutes: number;
};

/**
 * The local end of live push: topics registered by modules, the sockets of this process, and the
 * fan-out of relayed events to the subscriptions that match them.
 */
export class Hub {
  private readonly topics = new Map<string, TopicDefinition>();
  private readonly connections = new Set<LiveConnection>();
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;
  private readonly ctx: ConnectionContext;

  constructor(
    private readonly db: Kysely<DB>,
    lastSeq: () => number,
    private readonly opts: HubOptions,
    private readonly onError: (e: unknown) => void,
  ) {
    this.ctx = { db, topics: this.topics, lastSeq, replayMax: opts.replayMax, maxBufferedBytes: opts.maxBufferedBytes, onError };
  }

  /** A module declares a topic once at start-up, with the permission a subscriber needs. */
  registerTopic(name: string, def: TopicDefinition): void {
    if (this.topics.has(name)) throw new Error(`live topic "${name}" is already registered`);
    this.topics.set(name, def);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Takes over an upgraded socket whose principal the HTTP layer has already authorised. */
  accept(socket: WebSocket, principal: Principal, raw: Duplex): LiveConnection {
    const conn = new LiveConnection(socket, principal, this.ctx, raw);
    this.connections.add(conn);
    void conn.closed.then(() => this.connections.delete(conn));
    return conn;
  }

  dispatch(events: readonly LiveEvent[]): void {
    for (const conn of this.connections) {
      try {
        conn.offer(events);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  start(): void {
    this.heartbeat = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Stops the heartbeat and closes every socket with 1001 (going away). */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await Promise.all([...this.connections].map((c) => c.close(1001, 'server shutting down')));
  }

  /** Pings every socket (no pong since the last beat: dead) and re-checks its session or token, all of them in one read. */
  async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const live: LiveConnection[] = [];
      for (const conn of [...this.connections]) {
        if (!conn.open) continue;
        if (!conn.alive) {
          conn.socket.terminate();
          continue;
        }
        conn.alive = false;
        conn.socket.ping();
        live.push(conn);
      }
      if (live.length === 0) return;
      let fresh: Map<string, Principal | null>;
      try {
        fresh = await recheckPrincipals(this.db, live.map((c) => c.principal), this.opts.sessionIdleMinutes);
      } catch (e) {
        // The database is unreachable for now: keep the sockets as they are and look again next beat.
        this.onError(e);
        return;
      }
      for (const conn of live) {
        if (!conn.open) continue;
        const key = credentialKey(conn.principal);
        const p = key ? fresh.get(key) : null;
        if (!p) void conn.close(1008, 'session ended');
        else conn.reauthorise(p);
      }
    } finally {
      this.beating = false;
    }
  }
}
