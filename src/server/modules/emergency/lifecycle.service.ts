import type { Kysely, Transaction } from 'kysely';
import { TAKES_UNITS_STATUSES } from '../../../common/emergency.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import type { ApprovedReason, Discretion, Reason } from '../../platform/discretion/discretion.js';
import { AppError, notFound } from '../../platform/errors.js';
import { approvalRequiredNow, assertTransition, assertVersion, dispatchedNow, findIncident, lockIncident, lockUnitsOf, updateIncident, type IncidentRow } from './incident-store.js';
import { releaseUnits } from './units.service.js';
import { announceIncident, announceUnit, appendTimeline } from './timeline.js';

type Closure = { dispositionCode: string; summary: string; version?: number };
type MergeRequest = { intoId: string; duplicate: boolean; version?: number; priority: number; targetPriority: number; number?: string };

/** The survivor must still take units: the merged incident's units move to it. */
function assertMergeable(row: IncidentRow, target: IncidentRow) {
  if (!TAKES_UNITS_STATUSES.includes(target.status)) throw new AppError('illegal_transition', 409, { from: target.status, to: 'merged' }, { currentStatus: target.status });
  assertTransition(row, 'merged');
}

/** Back to received for a new episode: its time targets restart now and it may be escalated again. */
const NEW_EPISODE = () => ({ reopened_at: new Date(), redispatched_at: null, escalated_dispatch_at: null, escalated_arrival_at: null });

/** Closing, cancelling, reopening, merging: the end of an incident's life and the ways back. */
export class LifecycleService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly discretion: Discretion,
  ) {
    discretion.declare<Closure & { priority: number }>({
      action: 'emergency.close_without_on_scene',
      entityType: 'incident',
      // Closing a P1/P2 that nobody attended is as serious as cancelling it.
      approval: { role: 'supervisor', when: (p) => p.priority <= 2 },
      execute: (tx, ctx, id, p, reason) => this.applyClose(tx, ctx, id, p, reason),
      onPending: async (tx, ctx, id, approvalId, reason) => appendTimeline(tx, ctx, id, 'close_requested', { approvalId, reason }),
    });
    discretion.declare<MergeRequest>({
      action: 'emergency.merge',
      entityType: 'incident',
      // Folding a P1/P2 into a less urgent incident takes it off the urgent queue: a supervisor decides.
      approval: { role: 'supervisor', when: (p) => p.priority <= 2 && p.targetPriority > p.priority },
      execute: (tx, ctx, id, p, reason) => this.applyMerge(tx, ctx, id, p, reason),
      onPending: async (tx, ctx, id, approvalId, reason) => appendTimeline(tx, ctx, id, 'merge_requested', { approvalId, reason }),
    });
    discretion.declare<{ version?: number; priority: number }>({
      action: 'emergency.cancel',
      entityType: 'incident',
      // Cancelling a life-threatening (P1/P2) incident is a second person's decision.
      approval: { role: 'supervisor', when: (p) => p.priority <= 2 },
      execute: (tx, ctx, id, p, reason) => this.applyCancel(tx, ctx, id, p.version, reason),
      onPending: (tx, ctx, id, approvalId, reason) => this.markCancellationPending(tx, ctx, id, approvalId, reason),
      onReject: (tx, ctx, id, approvalId) => this.onCancellationRejected(tx, ctx, id, approvalId),
    });
    discretion.declare<{ version?: number }>({
      action: 'emergency.reopen',
      entityType: 'incident',
      execute: (tx, ctx, id, p, reason) => this.applyReopen(tx, ctx, id, p.version, reason),
    });
    discretion.declare<{ version?: number }>({
      action: 'emergency.unmerge',
      entityType: 'incident',
      execute: (tx, ctx, id, p, reason) => this.applyUnmerge(tx, ctx, id, p.version, reason),
    });
  }

  private async disposition(db: Kysely<DB>, code: string) {
    const d = await db.selectFrom('disposition_codes').select('code').where('code', '=', code).executeTakeFirst();
    if (!d) throw new AppError('validation_failed', 422, {}, { errors: [{ path: 'body.dispositionCode', code: 'unknown', message: `unknown disposition ${code}` }] });
  }

  /** Closure with a disposition; closing an incident no unit ever reached is discretionary. */
  async close(ctx: AuditContext, id: string, input: Closure, reason: Reason | undefined) {
    const row = await findIncident(this.db, id);
    if (!row) throw notFound();
    if (!row.first_on_scene_at) {
      // Everything a supervisor's approval could not fix is refused now, not filed to fail later.
      if (row.status !== 'resolved') assertTransition(row, 'resolved');
      assertVersion(row, input.version);
      await this.disposition(this.db, input.dispositionCode);
      const outcome = await this.discretion.request(ctx, 'emergency.close_without_on_scene', id, { ...input, priority: row.priority, number: row.number }, reason);
      return { outcome, incident: (await findIncident(this.db, id))! };
    }
    // A reason nobody asked for is still a reason on the record: checked as any other.
    const checked = await this.discretion.checkOptionalReason('emergency.close_without_on_scene', reason);
    const incident = await this.db.transaction().execute((tx) => this.applyClose(tx, ctx, id, input, checked));
    return { outcome: { status: 'done' as const, result: null }, incident };
  }

  private async applyClose(tx: Transaction<DB>, ctx: AuditContext, id: string, input: Closure, reason: ApprovedReason | null) {
    await this.disposition(tx, input.dispositionCode);
    await lockUnitsOf(tx, [id]);
    let row = await lockIncident(tx, id, reason?.approvalId ? undefined : input.version);
    // Decided on a read before the lock: if the incident changed meanwhile, the rule is applied again.
    if (!row.first_on_scene_at && !reason) throw new AppError('reason_required', 422, {}, { minTextLength: 10 });
    if (!row.first_on_scene_at && row.priority <= 2 && !reason?.approvalId) throw approvalRequiredNow(row);
    const now = new Date();
    if (row.status !== 'resolved') {
      assertTransition(row, 'resolved');
      row = await updateIncident(tx, row, { status: 'resolved', resolved_at: row.resolved_at ?? now });
    }
    assertTransition(row, 'closed');
    await releaseUnits(tx, ctx, id);
    const superseded = await this.discretion.supersede(tx, ctx, 'incident', id, 'incident closed');
    const updated = await updateIncident(tx, row, { status: 'closed', closed_at: now, disposition_code: input.dispositionCode, closure_summary: input.summary, pending_cancellation: null });
    await appendTimeline(tx, ctx, id, 'closure', { dispositionCode: input.dispositionCode, summary: input.summary, ...(reason ? { reason } : {}), ...(superseded.length ? { superseded } : {}) });
    await announceIncident(tx, updated, 'status');
    await appendAudit(tx, ctx, { action: 'incident.closed', entityType: 'incident', entityId: id, changes: { before: { status: row.status }, after: { status: 'closed', dispositionCode: input.dispositionCode } }, reason });
    return updated;
  }

  /** Always needs a reason; a P1/P2 incident stays active until a supervisor approves. */
  async cancel(ctx: AuditContext, id: string, version: number | undefined, reason: Reason | undefined) {
    const row = await findIncident(this.db, id);
    if (!row) throw notFound();
    // Checked for every status: an on-scene P1 cannot be cancelled, so no request is filed to fail later.
    assertTransition(row, 'cancelled');
    assertVersion(row, version);
    const outcome = await this.discretion.request(ctx, 'emergency.cancel', id, { version, priority: row.priority, number: row.number }, reason);
    return { outcome, incident: (await findIncident(this.db, id))! };
  }

  /** Until a supervisor decides, the incident stays active and says a cancellation is pending. */
  private async markCancellationPending(tx: Transaction<DB>, ctx: AuditContext, id: string, approvalId: string, reason: Reason) {
    const locked = await lockIncident(tx, id);
    const updated = await updateIncident(tx, locked, { pending_cancellation: approvalId });
    await appendTimeline(tx, ctx, id, 'cancel_requested', { approvalId, reason });
    await announceIncident(tx, updated, 'updated');
  }

  private async applyCancel(tx: Transaction<DB>, ctx: AuditContext, id: string, version: number | undefined, reason: ApprovedReason) {
    // An approved request runs later: the version the requester saw may have moved since, by design.
    await lockUnitsOf(tx, [id]);
    const row = await lockIncident(tx, id, reason.approvalId ? undefined : version);
    if (row.priority <= 2 && !reason.approvalId) throw approvalRequiredNow(row);
    assertTransition(row, 'cancelled');
    await releaseUnits(tx, ctx, id);
    const superseded = await this.discretion.supersede(tx, ctx, 'incident', id, 'incident cancelled');
    const updated = await updateIncident(tx, row, { status: 'cancelled', pending_cancellation: null, closed_at: new Date() });
    await appendTimeline(tx, ctx, id, 'status', { from: row.status, to: 'cancelled', reason, ...(superseded.length ? { superseded } : {}) });
    await announceIncident(tx, updated, 'status');
    await appendAudit(tx, ctx, { action: 'incident.cancelled', entityType: 'incident', entityId: id, changes: { before: { status: row.status }, after: { status: 'cancelled' } }, reason });
    return updated;
  }

  /** A rejected cancellation leaves the incident as it was, with the decision on its timeline. */
  async onCancellationRejected(tx: Transaction<DB>, ctx: AuditContext, id: string, approvalId: string) {
    const row = await lockIncident(tx, id);
    if (row.pending_cancellation !== approvalId) return;
    const updated = await updateIncident(tx, row, { pending_cancellation: null });
    await appendTimeline(tx, ctx, id, 'cancel_rejected', { approvalId });
    await announceIncident(tx, updated, 'updated');
  }

  async reopen(ctx: AuditContext, id: string, version: number | undefined, reason: Reason | undefined) {
    await this.discretion.request(ctx, 'emergency.reopen', id, { version }, reason);
    return (await findIncident(this.db, id))!;
  }

  private async applyReopen(tx: Transaction<DB>, ctx: AuditContext, id: string, version: number | undefined, reason: ApprovedReason) {
    const row = await lockIncident(tx, id, version);
    // Only a closed incident reopens; a merged one comes back by unmerge, which also tells the survivor.
    if (row.status !== 'closed') throw new AppError('illegal_transition', 409, { from: row.status, to: 'received' }, { currentStatus: row.status, currentVersion: row.version });
    assertTransition(row, 'received');
    const updated = await updateIncident(tx, row, { status: 'received', closed_at: null, resolved_at: null, disposition_code: null, closure_summary: null, ...NEW_EPISODE() });
    await appendTimeline(tx, ctx, id, 'reopen', { from: row.status, reason });
    await announceIncident(tx, updated, 'status');
    await appendAudit(tx, ctx, { action: 'incident.reopened', entityType: 'incident', entityId: id, changes: { before: { status: row.status }, after: { status: 'received' } }, reason });
    return updated;
  }

  /**
   * Merges an incident into another (both histories kept, each timeline names the other); its
   * committed units move to the surviving incident. `duplicate` also records it as a duplicate.
   * Discretionary: a reason always; a supervisor when a P1/P2 would fold into a less urgent incident.
   */
  async merge(ctx: AuditContext, id: string, intoId: string, version: number | undefined, duplicate: boolean, reason: Reason | undefined) {
    if (id === intoId) throw new AppError('validation_failed', 422, {}, { why: 'cannot merge an incident into itself' });
    const [row, target] = await Promise.all([findIncident(this.db, id), findIncident(this.db, intoId)]);
    if (!row || !target) throw notFound();
    assertMergeable(row, target);
    assertVersion(row, version);
    const outcome = await this.discretion.request<MergeRequest>(ctx, 'emergency.merge', id, { intoId, duplicate, version, priority: row.priority, targetPriority: target.priority, number: row.number }, reason);
    return { outcome, incident: (await findIncident(this.db, id))! };
  }

  private async applyMerge(tx: Transaction<DB>, ctx: AuditContext, id: string, p: MergeRequest, reason: ApprovedReason) {
    const { intoId, duplicate } = p;
    // Units first, then incidents in id order, so two opposite merges cannot deadlock.
    await lockUnitsOf(tx, [id, intoId]);
    const [first, second] = [id, intoId].sort();
    const a = await lockIncident(tx, first!);
    const b = await lockIncident(tx, second!);
    const row: IncidentRow = a.id === id ? a : b;
    const target: IncidentRow = a.id === id ? b : a;
    if (!reason.approvalId) assertVersion(row, p.version);
    if (row.priority <= 2 && target.priority > row.priority && !reason.approvalId) throw approvalRequiredNow(row);
    assertMergeable(row, target);
    await tx.updateTable('assignments').set({ incident_id: intoId }).where('incident_id', '=', id).where('released_at', 'is', null).execute();
    // Each moved unit is a change of its own: a new version, a history row and a push, as any reassignment.
    const moved = await tx
      .updateTable('units')
      .set((eb) => ({ current_incident_id: intoId, version: eb('version', '+', 1) }))
      .where('current_incident_id', '=', id)
      .returningAll()
      .execute();
    if (moved.length > 0) {
      await tx.insertInto('unit_status_history').values(moved.map((u) => ({ unit_id: u.id, status: u.status, incident_id: intoId, actor_id: ctx.actorId }))).execute();
    }
    const superseded = await this.discretion.supersede(tx, ctx, 'incident', id, 'incident merged');
    const updated = await updateIncident(tx, row, { status: 'merged', merged_into: intoId, duplicate_of: duplicate ? intoId : row.duplicate_of, pending_cancellation: null });
    // Units working the merged incident now work the survivor: it is no longer waiting for dispatch.
    const survivor = await updateIncident(tx, target, moved.length > 0 && target.status === 'received' ? dispatchedNow(target) : {});
    if (survivor.status !== target.status) await appendTimeline(tx, ctx, intoId, 'status', { from: target.status, to: survivor.status, byMerge: id });
    const units = moved.map((u) => ({ unitId: u.id, callSign: u.call_sign }));
    await appendTimeline(tx, ctx, id, duplicate ? 'duplicate' : 'merge', { into: intoId, intoNumber: target.number, reason, ...(units.length ? { units } : {}), ...(superseded.length ? { superseded } : {}) });
    await appendTimeline(tx, ctx, intoId, 'merge', { from: id, fromNumber: row.number, duplicate, ...(units.length ? { units } : {}) });
    await announceIncident(tx, updated, 'status');
    await announceIncident(tx, survivor, 'updated');
    for (const u of moved) await announceUnit(tx, u, 'status');
    await appendAudit(tx, ctx, { action: duplicate ? 'incident.marked_duplicate' : 'incident.merged', entityType: 'incident', entityId: id, changes: { before: { status: row.status }, after: { status: 'merged', mergedInto: intoId } }, reason });
    return updated;
  }

  async unmerge(ctx: AuditContext, id: string, version: number | undefined, reason: Reason | undefined) {
    await this.discretion.request(ctx, 'emergency.unmerge', id, { version }, reason);
    return (await findIncident(this.db, id))!;
  }

  private async applyUnmerge(tx: Transaction<DB>, ctx: AuditContext, id: string, version: number | undefined, reason: ApprovedReason) {
    const row = await lockIncident(tx, id, version);
    if (row.status !== 'merged') throw new AppError('illegal_transition', 409, { from: row.status, to: 'received' }, { currentStatus: row.status, currentVersion: row.version });
    assertTransition(row, 'received');
    const updated = await updateIncident(tx, row, { status: 'received', merged_into: null, duplicate_of: null, ...NEW_EPISODE() });
    await appendTimeline(tx, ctx, id, 'unmerge', { from: row.merged_into, reason });
    if (row.merged_into) await appendTimeline(tx, ctx, row.merged_into, 'unmerge', { split: id, reason });
    await announceIncident(tx, updated, 'status');
    await appendAudit(tx, ctx, { action: 'incident.unmerged', entityType: 'incident', entityId: id, changes: { before: { mergedInto: row.merged_into }, after: { mergedInto: null } }, reason });
    return updated;
  }
}
