import type { Kysely, Transaction } from 'kysely';
import { authChanged } from '../../platform/auth/session-cache.js';
import type { DB } from '../../platform/db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findUserById(db: Db, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByUsername(db: Db, username: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
}

export async function rolesOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
  return rows.map((r) => r.role);
}

export async function listUsersWithRoles(db: Db) {
  const users = await db.selectFrom('users').selectAll().orderBy('username').execute();
  const roles = await db.selectFrom('user_roles').select(['user_id', 'role']).orderBy('role').execute();
  const byUser = new Map<string, string[]>();
  for (const r of roles) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.role]);
  return users.map((u) => ({ ...u, roles: byUser.get(u.id) ?? [] }));
}

/** Replaces a user's roles; returns what was there before for the audit entry. */
export async function replaceRoles(tx: Transaction<DB>, userId: string, roles: string[], grantedBy: string | null) {
  const before = await rolesOfUser(tx, userId);
  await tx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
  if (roles.length > 0) {
    await tx
      .insertInto('user_roles')
      .values(roles.map((role) => ({ user_id: userId, role, granted_by: grantedBy })))
      .execute();
  }
  await authChanged(tx);
  return before;
}

export async function countActiveAdministrators(db: Db): Promise<number> {
  const row = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_roles.role', '=', 'administrator')
    .where('users.active', '=', true)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function revokeSessionsOfUser(db: Db, userId: string, exceptSessionId: string | null = null) {
  let q = db.updateTable('sessions').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptSessionId) q = q.where('id', '<>', exceptSessionId);
  await q.execute();
  await authChanged(db);
}

/** Ends one session (sign-out, or the step-up to a new session after MFA). */
export async function revokeSession(db: Db, sessionId: string) {
  await db.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', sessionId).execute();
  await authChanged(db);
}

/** Bearer tokens end with the credentials that created them (password change, MFA reset, deactivation). */
export async function revokeTokensOfUser(db: Db, userId: string) {
  await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}
