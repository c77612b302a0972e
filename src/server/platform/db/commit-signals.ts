import { PacedRunner } from '../paced-runner.js';
import { sql, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult, type RawBuilder, type TransactionSettings } from 'kysely';

/**
 * Marks a statement whose commit must wake the listeners of `channels` (the relay, the audit
 * sequencer). Used instead of `pg_notify` inside the writing transaction: PostgreSQL (≤ 16) takes one
 * database-wide lock for a transaction that sent NOTIFY and holds it until the transaction has ended,
 * WAL flush included, so every notifying commit waited for the previous one's flush, one at a time.
 */
export const notifyOnCommit = (...channels: string[]): RawBuilder<unknown> => sql.raw(`/*notify ${channels.join(' ')}*/ `);

const MARK = '/*notify ';

function channelsOf(q: CompiledQuery): string[] | null {
  if (!q.sql.startsWith(MARK)) return null;
  const end = q.sql.indexOf('*/');
  return q.sql.slice(MARK.length, end).split(' ').filter(Boolean);
}

/**
 * Another process's relay reads at most once per EVENTS_MIN_INTERVAL_MS (40 ms by default), so NOTIFYs
 * closer together than this buy nothing there and cost a round trip and a commit each here.
 */
export const REMOTE_SIGNAL_MIN_INTERVAL_MS = 20;

/**
 * Commit signals of one database handle: this process's listeners are called as soon as a marked
 * statement's transaction has committed; other processes get a NOTIFY sent outside any writing
 * transaction (no WAL flush under the lock), one at a time per channel and at most once per
 * `remoteMinIntervalMs` (an idle channel's sends at once), so a busy channel costs a few NOTIFYs a
 * second rather than one per commit.
 */
export class CommitSignals {
  private readonly local = new Map<string, Set<() => void>>();
  private readonly senders = new Map<string, PacedRunner>();

  constructor(
    private readonly remote: ((channel: string) => Promise<unknown>) | null,
    private readonly remoteMinIntervalMs = REMOTE_SIGNAL_MIN_INTERVAL_MS,
  ) {}

  /** Calls `fn` after each commit of a statement marked for `channel` through this handle; returns the unsubscribe. */
  on(channel: string, fn: () => void): () => void {
    let set = this.local.get(channel);
    if (!set) this.local.set(channel, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  fire(channels: Iterable<string>): void {
    for (const channel of channels) {
      for (const fn of this.local.get(channel) ?? []) fn();
      if (this.remote) this.senderOf(channel).kick();
    }
  }

  private senderOf(channel: string): PacedRunner {
    let sender = this.senders.get(channel);
    if (!sender) {
      const remote = this.remote!;
      sender = new PacedRunner(() => remote(channel).then(() => undefined, () => undefined), this.remoteMinIntervalMs);
      this.senders.set(channel, sender);
    }
    return sender;
  }

  /** Waits for the NOTIFYs asked for so far (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.settle()));
  }
}

/** A Kysely driver that notes marked statements per transaction and fires their signals after COMMIT (at once outside a transaction). */
class SignallingDriver implements Driver {
  private readonly pending = new WeakMap<DatabaseConnection, Set<string>>();
  private readonly watched = new WeakSet<DatabaseConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly signals: CommitSignals,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const c = await this.inner.acquireConnection();
    if (!this.watched.has(c)) {
      this.watched.add(c);
      const execute = c.executeQuery.bind(c);
      c.executeQuery = async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
        const result = await execute<R>(q);
        const channels = channelsOf(q);
        if (channels) {
          const open = this.pending.get(c);
          if (open) for (const ch of channels) open.add(ch);
          else this.signals.fire(channels);
        }
        return result;
      };
    }
    return c;
  }

  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction(c, settings);
    this.pending.set(c, new Set());
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    const channels = this.pending.get(c);
    this.pending.delete(c);
    await this.inner.commitTransaction(c);
    if (channels && channels.size > 0) this.signals.fire(channels);
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    this.pending.delete(c);
    await this.inner.rollbackTransaction(c);
  }

  savepoint: Driver['savepoint'] = (...args) => this.inner.savepoint!(...args);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (...args) => this.inner.rollbackToSavepoint!(...args);
  releaseSavepoint: Driver['releaseSavepoint'] = (...args) => this.inner.releaseSavepoint!(...args);

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    this.pending.delete(c);
    await this.inner.releaseConnection(c);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Wraps a dialect so that statements marked with `notifyOnCommit` fire `signals` once committed. */
export function signallingDialect(base: Dialect, signals: CommitSignals): Dialect {
  return {
    createAdapter: () => base.createAdapter(),
    createDriver: () => new SignallingDriver(base.createDriver(), signals),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
  };
}
