import { sql, type Kysely } from 'kysely';
import { permissionsOf, type Permission } from '../../../common/roles.js';
import { rolesOfUser, tokenPermissions } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { DB } from '../db/schema.js';

const sessionKey = (id: string) => `s:${id}`;
const tokenKey = (id: string) => `t:${id}`;

/** What a principal is re-read by: its session or its token. */
export const credentialKey = (p: Principal): string | null => (p.via === 'session' && p.sessionId ? sessionKey(p.sessionId) : p.via === 'token' && p.tokenId ? tokenKey(p.tokenId) : null);

/**
 * Re-reads the sessions and tokens of live connections: per credential, null once it is revoked,
 * expired, idle, or its user deactivated; otherwise the principal with current roles. Two
 * statements whatever the number of sockets (sessions, tokens, each with its user's roles): a
 * heartbeat over 1,000 sockets used to be 2,000 round trips in a row. Read-only on purpose: an open
 * socket is not activity, so it does not keep an idle session alive.
 */
export async function recheckPrincipals(db: Kysely<DB>, principals: readonly Principal[], idleMinutes: number, now = new Date()): Promise<Map<string, Principal | null>> {
  const byKey = new Map<string, Principal>();
  for (const p of principals) {
    const key = credentialKey(p);
    if (key && !byKey.has(key)) byKey.set(key, p);
  }
  const sessionIds = [...byKey.values()].filter((p) => p.via === 'session').map((p) => p.sessionId!);
  const tokenIds = [...byKey.values()].filter((p) => p.via === 'token').map((p) => p.tokenId!);
  const [sessions, tokens] = await Promise.all([
    sessionIds.length === 0
      ? []
      : db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .select(['sessions.id', 'sessions.stage', 'sessions.revoked_at', 'sessions.expires_at', 'sessions.last_seen_at', 'users.active', rolesOfUser])
          .where(sql<boolean>`sessions.id = ANY(${sessionIds}::uuid[])`)
          .execute(),
    tokenIds.length === 0
      ? []
      : db
          .selectFrom('api_tokens')
          .innerJoin('users', 'users.id', 'api_tokens.user_id')
          .select(['api_tokens.id', 'api_tokens.revoked_at', 'api_tokens.expires_at', 'api_tokens.scopes', 'users.active', rolesOfUser])
          .where(sql<boolean>`api_tokens.id = ANY(${tokenIds}::uuid[])`)
          .execute(),
  ]);
  // Per credential still valid: the user's current roles and what they allow.
  const fresh = new Map<string, { roles: string[]; permissions: ReadonlySet<Permission> }>();
  for (const r of sessions) {
    if (!r.revoked_at && r.active && r.stage === 'active' && r.expires_at > now && r.last_seen_at.getTime() + idleMinutes * 60_000 > now.getTime()) {
      fresh.set(sessionKey(r.id), { roles: r.roles, permissions: permissionsOf(r.roles) });
    }
  }
  for (const r of tokens) {
    if (!r.revoked_at && r.active && r.expires_at > now) fresh.set(tokenKey(r.id), { roles: r.roles, permissions: tokenPermissions(r.roles, r.scopes) });
  }
  const out = new Map<string, Principal | null>();
  for (const [key, p] of byKey) {
    const f = fresh.get(key);
    out.set(key, f ? { ...p, roles: f.roles, permissions: f.permissions } : null);
  }
  return out;
}
