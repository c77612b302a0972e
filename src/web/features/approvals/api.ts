import { apiFetch } from '../../app/api';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export type Approval = {
  id: string;
  action: string;
  entityType: string;
  entityId: string;
  payload: unknown;
  reason: { code: string; text: string; label: { es: string; en: string } | null };
  approverRole: string;
  status: ApprovalStatus | string;
  requestedBy: { id: string; username: string };
  requestedAt: string;
  decidedBy: { id: string; username: string } | null;
  decidedAt: string | null;
  decisionNote: string | null;
  canDecide: boolean;
};

export const approvalsKeys = {
  list: (status: 'pending' | 'decided') => ['approvals', status] as const,
};

export const approvalsApi = {
  list: (status: 'pending' | 'decided') => apiFetch<{ items: Approval[] }>('/approvals', { query: { status } }).then((r) => r.items),
  approve: (id: string, note?: string) =>
    apiFetch<Approval>(`/approvals/${encodeURIComponent(id)}/decision`, { method: 'POST', body: note ? { decision: 'approve', note } : { decision: 'approve' } }),
  reject: (id: string, note: string) => apiFetch<Approval>(`/approvals/${encodeURIComponent(id)}/decision`, { method: 'POST', body: { decision: 'reject', note } }),
};
