import type { Kysely } from 'kysely';
import { permissionsOf, type Permission } from '../../../common/roles.js';
import type { Principal } from '../auth/principal.js';
import type { DB } from '../db/schema.js';

/**
 * Re-reads a live connection's session or token: null once it is revoked, expired, idle, or its user
 * deactivated; otherwise the principal with current roles. Read-only on purpose: an open socket is
 * not activity, so it does not keep an idle session alive.
 */
export async function recheckPrincipal(db: Kysely<DB>, p: Principal, idleMinutes: number, now = new Date()): Promise<Principal | null> {
  if (p.via === 'session' && p.sessionId) {
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.stage', 'sessions.revoked_at', 'sessions.expires_at', 'sessions.last_seen_at', 'users.active'])
      .where('sessions.id', '=', p.sessionId)
      .executeTakeFirst();
    if (!row || row.revoked_at || !row.active || row.stage !== 'active') return null;
    if (row.expires_at <= now || row.last_seen_at.getTime() + idleMinutes * 60_000 <= now.getTime()) return null;
    return withRoles(db, p, null);
  }
  if (p.via === 'token' && p.tokenId) {
    const row = await db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.revoked_at', 'api_tokens.expires_at', 'api_tokens.scopes', 'users.active'])
      .where('api_tokens.id', '=', p.tokenId)
      .executeTakeFirst();
    if (!row || row.revoked_at || !row.active || row.expires_at <= now) return null;
    return withRoles(db, p, new Set(row.scopes));
  }
  return null;
}

async function withRoles(db: Kysely<DB>, p: Principal, scopes: Set<string> | null): Promise<Principal> {
  const roles = (await db.selectFrom('user_roles').select('role').where('user_id', '=', p.userId).orderBy('role').execute()).map((r) => r.role);
  const all = permissionsOf(roles);
  const permissions = scopes ? new Set([...all].filter((x): x is Permission => scopes.has(x))) : all;
  return { ...p, roles, permissions };
}
