import type { Kysely, Transaction } from 'kysely';
import QRCode from 'qrcode';
import { requiresMfa } from '../../../common/roles.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import { dummyHash, hashPassword, passwordPolicyViolation, verifyPassword } from '../../platform/auth/passwords.js';
import { hashSecret, newSecret } from '../../platform/auth/secrets.js';
import { newRecoveryCodes, newTotpSecret, totpUri, verifyTotp } from '../../platform/auth/totp.js';
import type { DB, SessionsTable } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { findUserById, findUserByUsername, revokeSession, revokeSessionsOfUser, revokeTokensOfUser, rolesOfUser } from './users.repository.js';

export type AuthPolicy = {
  maxFailures: number;
  lockoutSeconds: number;
  absoluteHours: number;
};

type Stage = SessionsTable['stage'];
export type SessionIssued = { token: string; stage: Stage; userId: string; expiresAt: Date };

// A half-authenticated session (waiting for the second factor) lives five minutes at most.
const PENDING_SESSION_MS = 5 * 60_000;
const MAX_LOCKOUT_SECONDS = 24 * 3600;

type Client = { ip: string | null; userAgent: string | null };

/** Login, second factor, enrolment and logout: the only code that creates or upgrades sessions. */
export class AuthService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly policy: AuthPolicy,
  ) {}

  private async createSession(tx: Transaction<DB>, userId: string, stage: Stage, client: Client): Promise<SessionIssued> {
    const token = newSecret('cs');
    const expiresAt = new Date(Date.now() + (stage === 'active' ? this.policy.absoluteHours * 3600_000 : PENDING_SESSION_MS));
    await tx
      .insertInto('sessions')
      .values({ token_hash: hashSecret(token), user_id: userId, stage, expires_at: expiresAt, client_ip: client.ip, user_agent: client.userAgent?.slice(0, 300) ?? null })
      .execute();
    return { token, stage, userId, expiresAt };
  }

  /** Failed attempts back off exponentially once the limit is reached: 1×, 2×, 4×… the lockout. */
  private lockoutFor(failures: number): number {
    const over = failures - this.policy.maxFailures;
    return over < 0 ? 0 : Math.min(this.policy.lockoutSeconds * 2 ** over, MAX_LOCKOUT_SECONDS);
  }

  /**
   * Locks the user's row until the transaction ends, so that concurrent attempts on one account are
   * judged one after another against fresh counters, lock and last TOTP step (no lost updates).
   */
  private lockUserRow(tx: Transaction<DB>, userId: string) {
    return tx.selectFrom('users').select(['failed_logins', 'locked_until', 'mfa_last_step']).where('id', '=', userId).forUpdate().executeTakeFirstOrThrow();
  }

  private async recordFailure(tx: Transaction<DB>, ctx: AuditContext, user: { id: string; username: string }, what: string) {
    const failures = (await this.lockUserRow(tx, user.id)).failed_logins + 1;
    const lockSeconds = this.lockoutFor(failures);
    const lockedUntil = lockSeconds > 0 ? new Date(Date.now() + lockSeconds * 1000) : null;
    await tx.updateTable('users').set({ failed_logins: failures, locked_until: lockedUntil }).where('id', '=', user.id).execute();
    await appendAudit(tx, { ...ctx, actorId: user.id, actorUsername: user.username }, {
      action: what,
      entityType: 'user',
      entityId: user.id,
      changes: { failures, lockedUntil: lockedUntil?.toISOString() ?? null },
    });
    if (lockedUntil) {
      await appendAudit(tx, { ...ctx, actorId: user.id, actorUsername: user.username }, {
        action: 'auth.account_locked',
        entityType: 'user',
        entityId: user.id,
        changes: { failures, lockedUntil: lockedUntil.toISOString() },
      });
    }
  }

  private assertNotLocked(user: { locked_until: Date | null }) {
    if (user.locked_until && user.locked_until > new Date()) {
      const seconds = Math.ceil((user.locked_until.getTime() - Date.now()) / 1000);
      throw new AppError('account_locked', 429, { seconds }, { retryAfterSeconds: seconds });
    }
  }

  async login(ctx: AuditContext, client: Client, username: string, password: string): Promise<SessionIssued> {
    const user = await findUserByUsername(this.db, username);
    if (!user) {
      await verifyPassword(await dummyHash(), password);
      await this.db.transaction().execute((tx) =>
        appendAudit(tx, ctx, { action: 'auth.login_failed', entityType: 'user', changes: { username: username.slice(0, 100), why: 'unknown_user' } }),
      );
      throw new AppError('invalid_credentials', 401);
    }
    this.assertNotLocked(user);
    const ok = await verifyPassword(user.password_hash, password);
    return this.db.transaction().execute(async (tx) => {
      // The lock may have been set by an attempt that finished while this password was being checked.
      this.assertNotLocked(await this.lockUserRow(tx, user.id));
      if (!ok) {
        await this.recordFailure(tx, ctx, user, 'auth.login_failed');
        return null;
      }
      if (!user.active) {
        await appendAudit(tx, { ...ctx, actorId: user.id, actorUsername: user.username }, { action: 'auth.login_refused', entityType: 'user', entityId: user.id, changes: { why: 'inactive' } });
        return 'inactive' as const;
      }
      const roles = await rolesOfUser(tx, user.id);
      const stage: Stage = user.mfa_enabled ? 'mfa_pending' : requiresMfa(roles) ? 'mfa_enrolment' : 'active';
      await tx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
      const session = await this.createSession(tx, user.id, stage, client);
      await appendAudit(tx, { ...ctx, actorId: user.id, actorUsername: user.username, actorRoles: roles }, {
        action: stage === 'active' ? 'auth.login' : 'auth.password_verified',
        entityType: 'user',
        entityId: user.id,
        changes: { stage },
      });
      return session;
    }).then((s) => {
      // Failures are committed (audit, counters) before the error is raised.
      if (s === null) throw new AppError('invalid_credentials', 401);
      if (s === 'inactive') throw new AppError('account_inactive', 403);
      return s;
    });
  }

  /** Second factor: a TOTP code (not reusable) or a single-use recovery code; rotates the session. */
  async verifyMfa(principal: Principal, ctx: AuditContext, client: Client, input: { code?: string; recoveryCode?: string }): Promise<SessionIssued> {
    const user = await findUserById(this.db, principal.userId);
    if (!user?.mfa_secret || !user.mfa_enabled) throw new AppError('mfa_enrolment_required', 403);
    const secret = user.mfa_secret;
    this.assertNotLocked(user);
    return this.db.transaction().execute(async (tx) => {
      // Under the row lock, so that one code (TOTP step or recovery code) cannot succeed twice concurrently.
      const fresh = await this.lockUserRow(tx, user.id);
      this.assertNotLocked(fresh);
      const recoveryRow = input.recoveryCode
        ? await tx
            .selectFrom('mfa_recovery_codes')
            .select('id')
            .where('user_id', '=', user.id)
            .where('code_hash', '=', hashSecret(input.recoveryCode.trim().toLowerCase()))
            .where('used_at', 'is', null)
            .executeTakeFirst()
        : undefined;
      const step = input.code ? verifyTotp(secret, user.username, input.code, fresh.mfa_last_step) : null;
      if (step === null && !recoveryRow) {
        await this.recordFailure(tx, ctx, user, 'auth.mfa_failed');
        return null;
      }
      if (recoveryRow) await tx.updateTable('mfa_recovery_codes').set({ used_at: new Date() }).where('id', '=', recoveryRow.id).execute();
      await tx.updateTable('users').set({ failed_logins: 0, locked_until: null, ...(step !== null ? { mfa_last_step: step } : {}) }).where('id', '=', user.id).execute();
      if (principal.sessionId) await revokeSession(tx, principal.sessionId);
      const session = await this.createSession(tx, user.id, 'active', client);
      await appendAudit(tx, ctx, {
        action: recoveryRow ? 'auth.mfa_recovery_code_used' : 'auth.mfa_verified',
        entityType: 'user',
        entityId: user.id,
      });
      await appendAudit(tx, ctx, { action: 'auth.login', entityType: 'user', entityId: user.id, changes: { stage: 'active' } });
      return session;
    }).then((s) => {
      if (!s) throw new AppError('invalid_mfa_code', 401);
      return s;
    });
  }

  /** Starts enrolment: a fresh secret is kept but not enabled until a code proves the app has it. */
  async startEnrolment(principal: Principal, ctx: AuditContext) {
    const user = await findUserById(this.db, principal.userId);
    if (!user) throw new AppError('unauthenticated', 401);
    if (user.mfa_enabled) throw new AppError('conflict', 409, {}, { why: 'mfa_already_enabled' });
    const secret = newTotpSecret();
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ mfa_secret: secret, mfa_last_step: null }).where('id', '=', user.id).execute();
      await appendAudit(tx, ctx, { action: 'auth.mfa_enrolment_started', entityType: 'user', entityId: user.id });
    });
    const uri = totpUri(secret, user.username);
    return { secret, otpauthUri: uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }) };
  }

  async confirmEnrolment(principal: Principal, ctx: AuditContext, client: Client, code: string) {
    const user = await findUserById(this.db, principal.userId);
    if (!user?.mfa_secret || user.mfa_enabled) throw new AppError('conflict', 409, {}, { why: 'no_enrolment_in_progress' });
    const step = verifyTotp(user.mfa_secret, user.username, code, null);
    if (step === null) throw new AppError('invalid_mfa_code', 401);
    const codes = newRecoveryCodes();
    const session = await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ mfa_enabled: true, mfa_last_step: step, updated_at: new Date() }).where('id', '=', user.id).execute();
      await tx.deleteFrom('mfa_recovery_codes').where('user_id', '=', user.id).execute();
      await tx.insertInto('mfa_recovery_codes').values(codes.map((c) => ({ user_id: user.id, code_hash: hashSecret(c) }))).execute();
      await appendAudit(tx, ctx, { action: 'auth.mfa_enrolled', entityType: 'user', entityId: user.id, changes: { recoveryCodes: codes.length } });
      if (principal.sessionId) await revokeSession(tx, principal.sessionId);
      return this.createSession(tx, user.id, 'active', client);
    });
    return { session, recoveryCodes: codes };
  }

  async logout(principal: Principal, ctx: AuditContext) {
    await this.db.transaction().execute(async (tx) => {
      if (principal.sessionId) await revokeSession(tx, principal.sessionId);
      await appendAudit(tx, ctx, { action: 'auth.logout', entityType: 'user', entityId: principal.userId });
    });
  }

  /** Changing one's password ends every other session of the account. */
  async changePassword(principal: Principal, ctx: AuditContext, current: string, next: string) {
    const user = await findUserById(this.db, principal.userId);
    if (!user) throw new AppError('unauthenticated', 401);
    // A stolen session must not become a way to guess the password past the lockout.
    this.assertNotLocked(user);
    if (!(await verifyPassword(user.password_hash, current))) {
      await this.db.transaction().execute((tx) => this.recordFailure(tx, ctx, user, 'auth.password_change_failed'));
      throw new AppError('wrong_password', 422);
    }
    const rule = passwordPolicyViolation(next, user.username);
    if (rule) throw new AppError('weak_password', 422, { rule }, { rule });
    const hash = await hashPassword(next);
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ password_hash: hash, must_change_password: false, password_changed_at: new Date(), updated_at: new Date() }).where('id', '=', user.id).execute();
      await revokeSessionsOfUser(tx, user.id, principal.sessionId);
      await revokeTokensOfUser(tx, user.id);
      await appendAudit(tx, ctx, { action: 'auth.password_changed', entityType: 'user', entityId: user.id });
    });
  }

  async me(principal: Principal) {
    const user = await findUserById(this.db, principal.userId);
    if (!user) throw new AppError('unauthenticated', 401);
    return user;
  }
}
