import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { App } from '../http/app.js';
import { Hub } from './hub.js';
import { liveRoutes } from './live.routes.js';
import { listenForEvents, type StopListening } from './listener.js';
import type { TopicDefinition } from './protocol.js';
import { Relay } from './relay.js';

export type RealtimeOptions = {
  pollMs: number;
  replayMax: number;
  retentionDays: number;
  heartbeatMs: number;
  maxBufferedBytes: number;
  sessionIdleMinutes: number;
  gapWaitMs: number;
  minIntervalMs: number;
};

export const realtimeOptionsOf = (config: Config): RealtimeOptions => ({
  pollMs: config.EVENTS_POLL_MS,
  replayMax: config.EVENTS_REPLAY_MAX,
  retentionDays: config.EVENTS_RETENTION_DAYS,
  heartbeatMs: config.LIVE_HEARTBEAT_SECONDS * 1000,
  maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
  sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
  gapWaitMs: config.EVENTS_GAP_WAIT_MS,
  minIntervalMs: config.EVENTS_MIN_INTERVAL_MS,
});

const PRUNE_EVERY_MS = 60 * 60_000;

type Log = { error: (obj: object, msg: string) => void };

/**
 * Live push for one process: publishEvent (outbox.ts) writes events in the caller's transaction;
 * the relay reads them after commit (NOTIFY, else the poll) and the hub fans them out to sockets.
 */
export class Realtime {
  readonly hub: Hub;
  readonly relay: Relay;
  private log: Log = { error: () => undefined };
  private stopListening: StopListening | null = null;
  private pruner: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly opts: RealtimeOptions,
  ) {
    const onError = (what: string) => (e: unknown) => this.log.error({ err: e }, `realtime: ${what} failed`);
    this.relay = new Relay(database.db, (events) => this.hub.dispatch(events), { pollMs: opts.pollMs, gapWaitMs: opts.gapWaitMs, minIntervalMs: opts.minIntervalMs }, onError('relay read'));
    this.hub = new Hub(database.db, () => this.relay.lastSeq, opts, onError('live connection'));
  }

  /** Declares a topic clients may subscribe to (call at start-up, from the module that owns it). */
  registerTopic(name: string, def: TopicDefinition): void {
    this.hub.registerTopic(name, def);
  }

  /** Asks the relay to read now; NOTIFY already does this after every commit, so this is optional. */
  poke(): void {
    this.relay.kick();
  }

  get lastSeq(): number {
    return this.relay.lastSeq;
  }

  /** Adds GET /api/live; call right after buildHttp, before any other route. */
  async mount(app: App): Promise<void> {
    this.log = app.log;
    await liveRoutes(app, this.hub);
  }

  async start(): Promise<void> {
    await this.relay.start();
    this.stopListening = await listenForEvents(this.database, () => this.relay.kick(), (e) => this.log.error({ err: e }, 'realtime: LISTEN connection failed'));
    this.hub.start();
    const prune = () => void this.prune().catch((e: unknown) => this.log.error({ err: e }, 'realtime: prune failed'));
    prune();
    this.pruner = setInterval(prune, PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  /** Deletes events older than the retention period; returns how many. */
  async prune(): Promise<number> {
    const r = await sql`DELETE FROM events WHERE occurred_at < now() - make_interval(days => ${this.opts.retentionDays})`.execute(this.database.db);
    return Number(r.numAffectedRows ?? 0);
  }

  /** Stops reading and timers, closes the LISTEN connection and every socket (1001). */
  async stop(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    this.pruner = null;
    await this.stopListening?.();
    this.stopListening = null;
    await this.relay.stop();
    await this.hub.stop();
  }
}
