import { sql, type Kysely } from 'kysely';
import { permissionsOf, requiresMfa, type Permission } from '../../../common/roles.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { hashSecret } from './secrets.js';
import type { Principal } from './principal.js';
import type { SessionCache } from './session-cache.js';

export const SESSION_COOKIE = 'centinela_session';

export type SessionPolicy = { idleMinutes: number };

// The user's roles, read in the same statement as the session or token: one round trip per request.
export const rolesOfUser = sql<string[]>`ARRAY(SELECT r.role FROM user_roles r WHERE r.user_id = users.id ORDER BY r.role)`.as('roles');

/** What a token may do: its user's roles' permissions, narrowed to the token's scopes. */
export function tokenPermissions(roles: readonly string[], scopes: readonly string[]): Set<Permission> {
  const allowed = new Set(scopes);
  return new Set([...permissionsOf(roles)].filter((p): p is Permission => allowed.has(p)));
}

/** A role that demands MFA, granted after sign-in, sends the session back to enrolment at once. */
function stageOf(stage: Principal['stage'], roles: string[], u: { must_change_password: boolean; mfa_enabled: boolean }): Principal['stage'] {
  if (stage !== 'active') return stage;
  if (requiresMfa(roles) && !u.mfa_enabled) return 'mfa_enrolment';
  return u.must_change_password ? 'password_change' : 'active';
}

/**
 * Resolves a session cookie to its user, enforcing revocation, idle and absolute timeouts. With a
 * cache, a session read recently is not read again (see SessionCache for why that stays correct).
 */
export async function principalFromSession(
  db: Kysely<DB>,
  token: string,
  policy: SessionPolicy,
  now = new Date(),
  cache?: SessionCache,
): Promise<Principal> {
  const key = hashSecret(token);
  const t = now.getTime();
  let session = cache?.get(key, t);
  if (!session) {
    const mark = cache?.mark ?? 0;
    session = await readSession(db, key);
    cache?.set(key, session, mark, t);
  }
  if (session.expiresAt <= t || session.lastSeenAt + policy.idleMinutes * 60_000 <= t) throw new AppError('session_expired', 401);
  // Touch at most once a minute: keeps the idle timeout honest without a write per request.
  if (t - session.lastSeenAt > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.principal.sessionId!).execute();
    session.lastSeenAt = t;
  }
  return session.principal;
}

async function readSession(db: Kysely<DB>, tokenHash: string) {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.stage',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.revoked_at',
      'users.id as user_id',
      'users.username',
      'users.display_name',
      'users.active',
      'users.must_change_password',
      'users.mfa_enabled',
      rolesOfUser,
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row || row.revoked_at || !row.active) throw new AppError('unauthenticated', 401);
  const roles = row.roles;
  // Shared by every request of the session while cached: frozen so that no handler can change it for the others.
  const principal: Principal = Object.freeze({
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    roles: Object.freeze([...roles]),
    permissions: permissionsOf(roles),
    via: 'session' as const,
    sessionId: row.session_id,
    tokenId: null,
    stage: stageOf(row.stage, roles, row),
  });
  return { principal, lastSeenAt: row.last_seen_at.getTime(), expiresAt: row.expires_at.getTime() };
}

/** Resolves a bearer token; its permissions are the user's, narrowed to the token's scopes. */
export async function principalFromToken(db: Kysely<DB>, token: string, now = new Date()): Promise<Principal> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id as token_id',
      'api_tokens.scopes',
      'api_tokens.expires_at',
      'api_tokens.revoked_at',
      'api_tokens.last_used_at',
      'users.id as user_id',
      'users.username',
      'users.display_name',
      'users.active',
      rolesOfUser,
    ])
    .where('api_tokens.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row || row.revoked_at || !row.active) throw new AppError('unauthenticated', 401);
  if (row.expires_at <= now) throw new AppError('session_expired', 401);
  const roles = row.roles;
  const permissions = tokenPermissions(roles, row.scopes);
  return {
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    roles,
    permissions,
    via: 'token',
    sessionId: null,
    tokenId: row.token_id,
    stage: 'active',
  };
}
