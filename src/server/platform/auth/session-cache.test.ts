import { describe, expect, it } from 'vitest';
import type { Principal } from './principal.js';
import { SessionCache, type CachedSession } from './session-cache.js';

const session = (user: string): CachedSession => ({
  principal: { userId: user, username: user, displayName: user, roles: [], permissions: new Set(), via: 'session', sessionId: `s-${user}`, tokenId: null, stage: 'active' } satisfies Principal,
  lastSeenAt: 0,
  expiresAt: 1e15,
});

describe('SessionCache', () => {
  it('serves an entry until its time to live has passed', () => {
    const c = new SessionCache(5_000);
    c.set('a', session('a'), c.mark, 1_000);
    expect(c.get('a', 5_999)?.principal.userId).toBe('a');
    expect(c.get('a', 6_000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('forgets everything on clear, and does not keep a read that overlapped a clear', () => {
    const c = new SessionCache(5_000);
    c.set('a', session('a'), c.mark, 0);
    const before = c.mark;
    c.clear();
    expect(c.get('a', 1)).toBeUndefined();
    // Read before the change committed, stored after: it may hold what the change undid.
    c.set('b', session('b'), before, 2);
    expect(c.get('b', 3)).toBeUndefined();
    c.set('b', session('b'), c.mark, 2);
    expect(c.get('b', 3)?.principal.userId).toBe('b');
  });

  it('keeps nothing with a time to live of 0', () => {
    const c = new SessionCache(0);
    c.set('a', session('a'), c.mark, 0);
    expect(c.get('a', 0)).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const c = new SessionCache(60_000, 2);
    c.set('a', session('a'), c.mark, 0);
    c.set('b', session('b'), c.mark, 1);
    c.set('c', session('c'), c.mark, 2);
    expect(c.size).toBe(2);
    expect(c.get('a', 3)).toBeUndefined();
    expect(c.get('c', 3)?.principal.userId).toBe('c');
  });
});

describe('SessionCache entries', () => {
  it('are the objects stored, so that a touch of last-seen time is seen by the next request', () => {
    const c = new SessionCache(5_000);
    const s = session('a');
    c.set('a', s, c.mark, 0);
    s.lastSeenAt = 1_000;
    expect(c.get('a', 10)?.lastSeenAt).toBe(1_000);
  });
});
