import { type Kysely, type Transaction } from 'kysely';
import type { Role } from '../../../common/roles.js';
import type { DB } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import type { AuditContext, Principal } from '../auth/principal.js';
import { appendAudit } from '../audit/audit-log.js';

export type Reason = { code: string; text: string };
export type ApprovedReason = Reason & { approvedBy?: string; approvalId?: string };

/** A discretionary action: it always needs a reason, and may need a second person's approval. */
export type DiscretionaryAction<P> = {
  action: string;
  entityType: string;
  /** Four eyes: a different user holding `role` must approve before `execute` runs. */
  approval?: { role: Role; when?: (payload: P) => boolean };
  /** Performs the change inside the transaction and audits it with the reason it is given. */
  execute: (tx: Transaction<DB>, ctx: AuditContext, entityId: string, payload: P, reason: ApprovedReason) => Promise<unknown>;
  /** Lets the owning module mark the entity as waiting, in the same transaction that files the request. */
  onPending?: (tx: Transaction<DB>, ctx: AuditContext, entityId: string, approvalId: string, reason: Reason, payload: P) => Promise<void>;
  /** Lets the owning module undo any "pending" mark it set when the request is rejected or withdrawn. */
  onReject?: (tx: Transaction<DB>, ctx: AuditContext, entityId: string, approvalId: string) => Promise<void>;
};

export type Outcome = { status: 'done'; result: unknown } | { status: 'pending'; approvalId: string };

const MIN_REASON_TEXT = 10;

const pendingRequest = (db: Kysely<DB> | Transaction<DB>, action: string, entityType: string, entityId: string) =>
  db
    .selectFrom('approval_requests')
    .select('id')
    .where('action', '=', action)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .where('status', '=', 'pending')
    .executeTakeFirst();

const isUniqueViolation = (e: unknown, constraint: string) =>
  (e as { code?: string } | null)?.code === '23505' && (e as { constraint?: string }).constraint === constraint;

/** The registry of declared discretionary actions and the single path by which they run. */
export class Discretion {
  private readonly actions = new Map<string, DiscretionaryAction<unknown>>();

  constructor(private readonly db: Kysely<DB>) {}

  declare<P>(def: DiscretionaryAction<P>): void {
    if (this.actions.has(def.action)) throw new Error(`Discretionary action ${def.action} declared twice`);
    this.actions.set(def.action, def as DiscretionaryAction<unknown>);
  }

  private get(action: string): DiscretionaryAction<unknown> {
    const def = this.actions.get(action);
    if (!def) throw new Error(`Discretionary action ${action} was never declared`);
    return def;
  }

  /** Refuses a missing, unknown or too short reason before anything is written. */
  async checkReason(action: string, reason: Reason | undefined, db: Kysely<DB> | Transaction<DB> = this.db): Promise<Reason> {
    if (!reason || reason.text.trim().length < MIN_REASON_TEXT) {
      throw new AppError('reason_required', 422, {}, { minTextLength: MIN_REASON_TEXT });
    }
    const known = await db
      .selectFrom('reason_codes')
      .select('code')
      .where('action', '=', action)
      .where('code', '=', reason.code)
      .where('active', '=', true)
      .executeTakeFirst();
    if (!known) throw new AppError('unknown_reason_code', 422, { code: reason.code });
    return { code: reason.code, text: reason.text.trim() };
  }

  /**
   * A reason the caller need not give (the top recommendation, a closure after a unit was on scene, a
   * raised priority) is still recorded when given: it is checked as the discretionary action's would be.
   */
  async checkOptionalReason(action: string, reason: Reason | undefined, db: Kysely<DB> | Transaction<DB> = this.db): Promise<Reason | null> {
    return reason === undefined ? null : this.checkReason(action, reason, db);
  }

  /** Runs the action now, or files it for approval when the declaration asks for a second person. */
  async request<P>(ctx: AuditContext, action: string, entityId: string, payload: P, reason: Reason | undefined): Promise<Outcome> {
    const def = this.get(action);
    const checked = await this.checkReason(action, reason);
    const needsApproval = def.approval && (def.approval.when?.(payload) ?? true);
    return this.db.transaction().execute(async (tx) => {
      if (!needsApproval || !def.approval) {
        return { status: 'done', result: await def.execute(tx, ctx, entityId, payload, checked) } as const;
      }
      if (!ctx.actorId) throw new Error('an approval request needs a human requester');
      const pending = await pendingRequest(tx, action, def.entityType, entityId);
      if (pending) throw new AppError('approval_pending', 409, {}, { approvalId: pending.id });
      const row = await tx
        .insertInto('approval_requests')
        .values({
          action,
          entity_type: def.entityType,
          entity_id: entityId,
          payload: JSON.stringify(payload ?? {}),
          reason_code: checked.code,
          reason_text: checked.text,
          approver_role: def.approval.role,
          status: 'pending',
          requested_by: ctx.actorId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await def.onPending?.(tx, ctx, entityId, row.id, checked, payload);
      await appendAudit(tx, ctx, {
        action: 'approval.requested',
        entityType: 'approval_request',
        entityId: row.id,
        changes: { action, entityType: def.entityType, entityId, payload, approverRole: def.approval.role },
        reason: checked,
      });
      return { status: 'pending', approvalId: row.id } as const;
    }).catch(async (e: unknown) => {
      if (!isUniqueViolation(e, 'approval_requests_one_pending')) throw e;
      // Simultaneous requests all found nothing pending; the partial unique index let only one through.
      const winner = await pendingRequest(this.db, action, def.entityType, entityId);
      throw new AppError('approval_pending', 409, {}, winner ? { approvalId: winner.id } : {});
    });
  }

  /** Approves (and then executes) or rejects a pending request; the requester can never decide it. */
  async decide(principal: Principal, ctx: AuditContext, approvalId: string, decision: 'approve' | 'reject', note: string | undefined) {
    return this.db.transaction().execute(async (tx) => {
      const req = await tx.selectFrom('approval_requests').selectAll().where('id', '=', approvalId).forUpdate().executeTakeFirst();
      if (!req) throw notFound();
      if (req.status !== 'pending') throw new AppError('approval_not_pending', 409, { status: req.status }, { currentStatus: req.status });
      if (req.requested_by === principal.userId) throw new AppError('approver_is_requester', 403);
      if (!principal.roles.includes(req.approver_role)) throw new AppError('approver_lacks_role', 403, { role: req.approver_role });
      // Four eyes means two independent people: not someone whose approving role the requester granted.
      const grant = await tx.selectFrom('user_roles').select('granted_by').where('user_id', '=', principal.userId).where('role', '=', req.approver_role).executeTakeFirst();
      if (grant?.granted_by === req.requested_by) throw new AppError('approver_not_independent', 403, { role: req.approver_role });
      if (decision === 'reject' && (!note || note.trim().length < MIN_REASON_TEXT)) {
        throw new AppError('reason_required', 422, {}, { minTextLength: MIN_REASON_TEXT });
      }
      const now = new Date();
      await tx
        .updateTable('approval_requests')
        .set({ status: decision === 'approve' ? 'approved' : 'rejected', decided_by: principal.userId, decided_at: now, decision_note: note?.trim() || null })
        .where('id', '=', approvalId)
        .execute();
      if (decision === 'approve') {
        const def = this.get(req.action);
        // The requester's reason travels with the change; the approver is named beside it.
        await def.execute(tx, ctx, req.entity_id, req.payload, {
          code: req.reason_code,
          text: req.reason_text,
          approvedBy: principal.username,
          approvalId,
        });
      } else {
        await this.get(req.action).onReject?.(tx, ctx, req.entity_id, approvalId);
      }
      // Audited last: the chain head must be the last lock taken (sign-in locks a user, then the head).
      await appendAudit(tx, ctx, {
        action: decision === 'approve' ? 'approval.approved' : 'approval.rejected',
        entityType: 'approval_request',
        entityId: approvalId,
        changes: { action: req.action, entityType: req.entity_type, entityId: req.entity_id, note: note?.trim() || null },
        reason: { code: req.reason_code, text: req.reason_text },
      });
      return approvalId;
    });
  }

  /**
   * Marks the entity's pending requests superseded (its life ended before anyone decided: an incident
   * closed or merged while its cancellation waited), each audited, so none is left to approve into a
   * 409. The owning module clears its own "pending" marks in the same transaction. Returns their ids.
   */
  async supersede(tx: Transaction<DB>, ctx: AuditContext, entityType: string, entityId: string, why: string): Promise<string[]> {
    const rows = await tx
      .updateTable('approval_requests')
      .set({ status: 'superseded', decided_at: new Date(), decision_note: why })
      .where('entity_type', '=', entityType)
      .where('entity_id', '=', entityId)
      .where('status', '=', 'pending')
      .returning(['id', 'action'])
      .execute();
    for (const r of rows) {
      await appendAudit(tx, ctx, { action: 'approval.superseded', entityType: 'approval_request', entityId: r.id, changes: { action: r.action, entityType, entityId, note: why } });
    }
    return rows.map((r) => r.id);
  }

  /** The requester may withdraw a request that nobody has decided yet. */
  async withdraw(principal: Principal, ctx: AuditContext, approvalId: string) {
    return this.db.transaction().execute(async (tx) => {
      const req = await tx.selectFrom('approval_requests').selectAll().where('id', '=', approvalId).forUpdate().executeTakeFirst();
      if (!req) throw notFound();
      if (req.requested_by !== principal.userId) throw new AppError('forbidden', 403);
      if (req.status !== 'pending') throw new AppError('approval_not_pending', 409, { status: req.status }, { currentStatus: req.status });
      await tx.updateTable('approval_requests').set({ status: 'withdrawn', decided_at: new Date() }).where('id', '=', approvalId).execute();
      await this.get(req.action).onReject?.(tx, ctx, req.entity_id, approvalId);
      await appendAudit(tx, ctx, { action: 'approval.withdrawn', entityType: 'approval_request', entityId: approvalId });
    });
  }
}
