import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';

/** Approval requests with requester, decider and reason label, newest first. */
export async function listApprovals(db: Kysely<DB>, principal: Principal, status: 'pending' | 'decided' | 'any', id?: string) {
  let q = db
    .selectFrom('approval_requests as a')
    .innerJoin('users as r', 'r.id', 'a.requested_by')
    .leftJoin('users as d', 'd.id', 'a.decided_by')
    .leftJoin('reason_codes as rc', (j) => j.onRef('rc.action', '=', 'a.action').onRef('rc.code', '=', 'a.reason_code'))
    .leftJoin('user_roles as g', (j) => j.onRef('g.role', '=', 'a.approver_role').on('g.user_id', '=', principal.userId))
    .selectAll('a')
    .select(['r.username as requester_username', 'd.username as decider_username', 'rc.label_es', 'rc.label_en', 'g.granted_by as my_role_granted_by'])
    .orderBy('a.requested_at', 'desc')
    .limit(200);
  if (status === 'pending') q = q.where('a.status', '=', 'pending');
  if (status === 'decided') q = q.where('a.status', '<>', 'pending');
  if (id) q = q.where('a.id', '=', id);
  const rows = await q.execute();
  return rows.map((a) => ({
    id: a.id,
    action: a.action,
    entityType: a.entity_type,
    entityId: a.entity_id,
    payload: a.payload,
    reason: { code: a.reason_code, text: a.reason_text, label: a.label_es && a.label_en ? { es: a.label_es, en: a.label_en } : null },
    approverRole: a.approver_role,
    status: a.status,
    requestedBy: { id: a.requested_by, username: a.requester_username },
    requestedAt: a.requested_at.toISOString(),
    decidedBy: a.decided_by && a.decider_username ? { id: a.decided_by, username: a.decider_username } : null,
    decidedAt: a.decided_at?.toISOString() ?? null,
    decisionNote: a.decision_note,
    canDecide:
      a.status === 'pending' &&
      a.requested_by !== principal.userId &&
      principal.roles.includes(a.approver_role) &&
      principal.permissions.has('approvals:decide') &&
      a.my_role_granted_by !== a.requested_by,
  }));
}
