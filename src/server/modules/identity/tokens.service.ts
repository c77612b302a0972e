import type { Kysely } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import { hashSecret, newSecret } from '../../platform/auth/secrets.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';

const present = (t: { id: string; name: string; scopes: string[]; created_at: Date; expires_at: Date; last_used_at: Date | null; revoked_at: Date | null }) => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes,
  createdAt: t.created_at.toISOString(),
  expiresAt: t.expires_at.toISOString(),
  lastUsedAt: t.last_used_at?.toISOString() ?? null,
  revokedAt: t.revoked_at?.toISOString() ?? null,
});

// Token use is audited at most once a minute per token: a device polling every few seconds must not flood the log.
const USE_AUDIT_INTERVAL_MS = 60_000;

/** Bearer tokens for devices and integrations: scoped, expiring, revocable, stored hashed. */
export class TokensService {
  constructor(private readonly db: Kysely<DB>) {}

  async create(principal: Principal, ctx: AuditContext, input: { name: string; scopes: string[]; expiresInDays: number }) {
    // A token can never carry more than its owner holds.
    const excess = input.scopes.filter((s) => !principal.permissions.has(s as never));
    if (excess.length > 0) throw new AppError('forbidden', 403, {}, { scopes: excess });
    const token = newSecret('ct');
    const expiresAt = new Date(Date.now() + input.expiresInDays * 86_400_000);
    const row = await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .insertInto('api_tokens')
        .values({ user_id: principal.userId, name: input.name, token_hash: hashSecret(token), scopes: [...new Set(input.scopes)].sort(), expires_at: expiresAt, revoked_at: null, last_used_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'auth.token_created', entityType: 'api_token', entityId: r.id, changes: { after: { name: r.name, scopes: r.scopes, expiresAt: expiresAt.toISOString() } } });
      return r;
    });
    return { ...present(row), token };
  }

  async list(principal: Principal) {
    const rows = await this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', principal.userId).orderBy('created_at', 'desc').execute();
    return rows.map(present);
  }

  async revoke(principal: Principal, ctx: AuditContext, id: string) {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('api_tokens').select(['id', 'user_id', 'revoked_at']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row || row.user_id !== principal.userId) throw notFound();
      if (row.revoked_at) return;
      await tx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).execute();
      await appendAudit(tx, ctx, { action: 'auth.token_revoked', entityType: 'api_token', entityId: id });
    });
  }

  /** Records a token's use (last_used_at and an audit entry), throttled per token. */
  async recordUse(principal: Principal, ctx: AuditContext) {
    if (!principal.tokenId) return;
    const row = await this.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', principal.tokenId).executeTakeFirst();
    const now = new Date();
    if (row?.last_used_at && now.getTime() - row.last_used_at.getTime() < USE_AUDIT_INTERVAL_MS) return;
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', principal.tokenId!).execute();
      await appendAudit(tx, ctx, { action: 'auth.token_used', entityType: 'api_token', entityId: principal.tokenId });
    });
  }
}
