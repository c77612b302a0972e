import type { Kysely, Transaction } from 'kysely';
import { isRole } from '../../../common/roles.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import { hashPassword, passwordPolicyViolation } from '../../platform/auth/passwords.js';
import type { DB } from '../../platform/db/schema.js';
import type { Discretion, Reason } from '../../platform/discretion/discretion.js';
import { AppError, notFound } from '../../platform/errors.js';
import { presentUser } from './user.presenter.js';
import {
  countActiveAdministrators,
  findUserById,
  findUserByUsername,
  listUsersWithRoles,
  replaceRoles,
  revokeSessionsOfUser,
  revokeTokensOfUser,
  rolesOfUser,
} from './users.repository.js';

/** The database refused a row because `constraint` already holds that value (another request won the race). */
const isUniqueViolation = (e: unknown, constraint: string) =>
  (e as { code?: string; constraint?: string } | null)?.code === '23505' && (e as { constraint?: string }).constraint === constraint;

export type NewUser = { username: string; displayName: string; email?: string | null; password: string; roles: string[] };

/** Administration of accounts; guards against self-promotion and losing the last administrator. */
export class UsersService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly discretion: Discretion,
  ) {
    discretion.declare<{ username: string }>({
      action: 'identity.deactivate_user',
      entityType: 'user',
      execute: (tx, ctx, userId, _p, reason) => this.applyDeactivation(tx, ctx, userId, reason),
    });
    discretion.declare<{ username: string }>({
      action: 'identity.reactivate_user',
      entityType: 'user',
      execute: (tx, ctx, userId, _p, reason) => this.applyReactivation(tx, ctx, userId, reason),
    });
    discretion.declare<{ username: string }>({
      action: 'identity.reset_mfa',
      entityType: 'user',
      // Resetting a second factor hands over an account: a second administrator must agree.
      approval: { role: 'administrator' },
      execute: (tx, ctx, userId, _p, reason) => this.applyMfaReset(tx, ctx, userId, reason),
    });
  }

  async list() {
    const now = new Date();
    return (await listUsersWithRoles(this.db)).map((u) => presentUser(u, u.roles, now));
  }

  async get(id: string) {
    const u = await findUserById(this.db, id);
    if (!u) throw notFound();
    return presentUser(u, await rolesOfUser(this.db, id));
  }

  async create(ctx: AuditContext, input: NewUser) {
    const rule = passwordPolicyViolation(input.password, input.username);
    if (rule) throw new AppError('weak_password', 422, { rule }, { rule });
    const hash = await hashPassword(input.password);
    const id = await this.db.transaction().execute(async (tx) => {
      if (await findUserByUsername(tx, input.username)) throw new AppError('username_taken', 409);
      const row = await tx
        .insertInto('users')
        .values({ username: input.username, display_name: input.displayName, email: input.email ?? null, password_hash: hash, must_change_password: true, mfa_secret: null, mfa_last_step: null, locked_until: null })
        .returning('id')
        .executeTakeFirstOrThrow()
        .catch((e: unknown) => {
          // The check above cannot see a concurrent, uncommitted insert of the same name; the unique index can.
          throw isUniqueViolation(e, 'users_username_key') ? new AppError('username_taken', 409) : e;
        });
      await replaceRoles(tx, row.id, input.roles, ctx.actorId);
      await appendAudit(tx, ctx, {
        action: 'user.created',
        entityType: 'user',
        entityId: row.id,
        changes: { after: { username: input.username, displayName: input.displayName, email: input.email ?? null, roles: input.roles } },
      });
      return row.id;
    });
    return this.get(id);
  }

  async setRoles(principal: Principal, ctx: AuditContext, userId: string, roles: string[]) {
    if (roles.some((r) => !isRole(r))) throw new AppError('validation_failed', 400);
    if (userId === principal.userId) throw new AppError('self_role_change', 403);
    await this.db.transaction().execute(async (tx) => {
      // Administrators first, then the target row: the same order as deactivation, so two
      // administrators changing each other at once wait for one another instead of deadlocking.
      await this.lockAdministrators(tx);
      const user = await tx.selectFrom('users').select(['id', 'active']).where('id', '=', userId).forUpdate().executeTakeFirst();
      if (!user) throw notFound();
      const before = await replaceRoles(tx, userId, [...new Set(roles)].sort(), principal.userId);
      if (before.includes('administrator') && !roles.includes('administrator') && (await countActiveAdministrators(tx)) < 1) {
        throw new AppError('last_administrator', 409);
      }
      await appendAudit(tx, ctx, { action: 'user.roles_changed', entityType: 'user', entityId: userId, changes: { before: { roles: before }, after: { roles: [...new Set(roles)].sort() } } });
    });
    return this.get(userId);
  }

  /** Serialises changes that could remove administrators, so two of them cannot race to zero. */
  private async lockAdministrators(tx: Transaction<DB>) {
    await tx.selectFrom('user_roles').select('user_id').where('role', '=', 'administrator').orderBy('user_id').forUpdate().execute();
  }

  async deactivate(principal: Principal, ctx: AuditContext, userId: string, reason: Reason | undefined) {
    if (userId === principal.userId) throw new AppError('self_action', 403);
    const u = await findUserById(this.db, userId);
    if (!u) throw notFound();
    await this.discretion.request(ctx, 'identity.deactivate_user', userId, { username: u.username }, reason);
    return this.get(userId);
  }

  private async applyDeactivation(tx: Transaction<DB>, ctx: AuditContext, userId: string, reason: Reason) {
    await this.lockAdministrators(tx);
    await tx.updateTable('users').set({ active: false, updated_at: new Date() }).where('id', '=', userId).execute();
    const roles = await rolesOfUser(tx, userId);
    if (roles.includes('administrator') && (await countActiveAdministrators(tx)) < 1) throw new AppError('last_administrator', 409);
    await revokeSessionsOfUser(tx, userId);
    await revokeTokensOfUser(tx, userId);
    await appendAudit(tx, ctx, { action: 'user.deactivated', entityType: 'user', entityId: userId, changes: { before: { active: true }, after: { active: false } }, reason });
  }

  /** Reactivation is discretionary: an account deactivated as compromised must not come back silently. */
  async reactivate(principal: Principal, ctx: AuditContext, userId: string, reason: Reason | undefined) {
    if (userId === principal.userId) throw new AppError('self_action', 403);
    const u = await findUserById(this.db, userId);
    if (!u) throw notFound();
    await this.discretion.request(ctx, 'identity.reactivate_user', userId, { username: u.username }, reason);
    return this.get(userId);
  }

  private async applyReactivation(tx: Transaction<DB>, ctx: AuditContext, userId: string, reason: Reason) {
    await tx.updateTable('users').set({ active: true, failed_logins: 0, locked_until: null, updated_at: new Date() }).where('id', '=', userId).execute();
    await appendAudit(tx, ctx, { action: 'user.reactivated', entityType: 'user', entityId: userId, changes: { before: { active: false }, after: { active: true } }, reason });
  }

  async unlock(ctx: AuditContext, userId: string) {
    await this.db.transaction().execute(async (tx) => {
      const res = await tx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', userId).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFound();
      await appendAudit(tx, ctx, { action: 'user.unlocked', entityType: 'user', entityId: userId });
    });
    return this.get(userId);
  }

  async requestMfaReset(principal: Principal, ctx: AuditContext, userId: string, reason: Reason | undefined) {
    if (userId === principal.userId) throw new AppError('self_action', 403);
    const u = await findUserById(this.db, userId);
    if (!u) throw notFound();
    return this.discretion.request(ctx, 'identity.reset_mfa', userId, { username: u.username }, reason);
  }

  private async applyMfaReset(tx: Transaction<DB>, ctx: AuditContext, userId: string, reason: Reason) {
    await tx.updateTable('users').set({ mfa_enabled: false, mfa_secret: null, mfa_last_step: null, updated_at: new Date() }).where('id', '=', userId).execute();
    await tx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
    await revokeSessionsOfUser(tx, userId);
    await revokeTokensOfUser(tx, userId);
    await appendAudit(tx, ctx, { action: 'user.mfa_reset', entityType: 'user', entityId: userId, changes: { before: { mfaEnabled: true }, after: { mfaEnabled: false } }, reason });
  }
}
