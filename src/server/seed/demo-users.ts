import type { Kysely } from 'kysely';
import { MFA_REQUIRED_ROLES, ROLE_LABELS, ROLES, type Role } from '../../common/roles.js';
import { appendAudit } from '../platform/audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../platform/auth/principal.js';
import { hashPassword } from '../platform/auth/passwords.js';
import type { DB } from '../platform/db/schema.js';

export type DemoAccount = { username: Role; mfa: boolean };

/**
 * One demo account per role (username = role name), seeded only into a database with no users,
 * so a real deployment can never receive accounts with a published password.
 */
export async function seedDemoUsers(db: Kysely<DB>, opts: { password: string; totpSecret: string }): Promise<DemoAccount[] | null> {
  const hash = await hashPassword(opts.password);
  return db.transaction().execute(async (tx) => {
    const any = await tx.selectFrom('users').select('id').limit(1).forUpdate().executeTakeFirst();
    if (any) return null;
    const accounts: DemoAccount[] = [];
    for (const role of ROLES) {
      const mfa = MFA_REQUIRED_ROLES.includes(role);
      const user = await tx
        .insertInto('users')
        .values({
          username: role,
          display_name: `${ROLE_LABELS[role].es} (demo)`,
          email: null,
          password_hash: hash,
          mfa_secret: mfa ? opts.totpSecret : null,
          mfa_enabled: mfa,
          mfa_last_step: null,
          locked_until: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx.insertInto('user_roles').values({ user_id: user.id, role, granted_by: null }).execute();
      await appendAudit(tx, SYSTEM_CONTEXT, { action: 'user.created', entityType: 'user', entityId: user.id, changes: { after: { username: role, roles: [role], demo: true } } });
      accounts.push({ username: role, mfa });
    }
    return accounts;
  });
}
