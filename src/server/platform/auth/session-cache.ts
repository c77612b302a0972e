import { sql, type Kysely, type Transaction } from 'kysely';
import { notifyOnCommit } from '../db/commit-signals.js';
import type { DB } from '../db/schema.js';
import type { Principal } from './principal.js';

/** Sent when a change to sessions, users' roles or account state commits: every process forgets its cached sessions. */
export const AUTH_CHANNEL = 'centinela_auth';

/**
 * Marks the caller's transaction (or, outside one, sends at once): when it commits, this process
 * drops its cached sessions before the commit returns, and every other process on the database
 * gets a NOTIFY (commit signals). Every write that revokes a session or changes who a signed-in
 * user is or may do goes through a function that calls this (users.repository.ts).
 */
export async function authChanged(db: Kysely<DB> | Transaction<DB>): Promise<void> {
  await sql`${notifyOnCommit(AUTH_CHANNEL)}SELECT 1`.execute(db);
}

/** What a session resolves to, as read from the database; the principal is built from it once. */
export type CachedSession = {
  principal: Principal;
  lastSeenAt: number;
  expiresAt: number;
};

/**
 * Sessions resolved recently, by token hash: a request with a known cookie skips the database.
 * Correct because nothing that changes a session's meaning happens without `authChanged` (dropped
 * here when it commits, in every process), and bounded by `ttlMs` for changes made outside the
 * application (psql) or a notification lost while the LISTEN connection reconnected. Only valid,
 * active sessions are kept; a refused one is read again every time.
 */
export class SessionCache {
  private readonly entries = new Map<string, { session: CachedSession; at: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** A token's session, if read less than `ttlMs` ago and no auth change committed since. */
  get(tokenHash: string, now: number): CachedSession | undefined {
    const e = this.entries.get(tokenHash);
    if (!e) return undefined;
    if (now - e.at >= this.ttlMs) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return e.session;
  }

  /** The generation to pass to `set`: a read that overlapped an auth change must not be kept. */
  get mark(): number {
    return this.generation;
  }

  /** Keeps `session` itself, not a copy: the once-a-minute touch updates its `lastSeenAt` for later requests. */
  set(tokenHash: string, session: CachedSession, mark: number, now: number): void {
    if (this.ttlMs <= 0 || mark !== this.generation) return;
    // Oldest first (a Map keeps insertion order): a burst of new sessions never grows it past the cap.
    if (this.entries.size >= this.maxEntries && !this.entries.has(tokenHash)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { session, at: now });
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
