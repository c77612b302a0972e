import { apiFetch, isProblem } from '../../app/api';

export type AuditEntry = {
  seq: number;
  occurredAt: string;
  actor: { id: string | null; username: string | null; roles: string[]; tokenId: string | null };
  action: string;
  entity: { type: string | null; id: string | null };
  changes: unknown;
  reason: { code: string; text: string; approvedBy?: string; approvalId?: string } | null;
  requestId: string | null;
  clientIp: string | null;
  entryHash: string;
  prevHash: string;
  leafHash: string;
};

export type AuditPage = { items: AuditEntry[]; nextBeforeSeq: number | null };

export type Checkpoint = {
  origin: string;
  treeSize: number;
  rootHash: string;
  timestamp: string;
  keyId: string;
  signature: string;
  publicKeyPem: string;
};

export type InclusionProof = { seq: number; leafIndex: number; treeSize: number; leafHash: string; rootHash: string; proof: string[] };

export type VerificationProblem = { kind: string; seq: number | null; detail: string };
export type VerificationReport = { ok: boolean; entries: number; checkpoints: number; problems: VerificationProblem[] };

/** Filters as typed in the form; dates are yyyy-mm-dd in the operator's local time. */
export type AuditFilters = { actor: string; action: string; entityType: string; entityId: string; from: string; to: string };
export const NO_FILTERS: AuditFilters = { actor: '', action: '', entityType: '', entityId: '', from: '', to: '' };

export const PAGE_SIZE = 50;

/** Local-day bounds as ISO instants: "from" is the day's first millisecond, "to" its last (inclusive). */
function dayStart(d: string): string | undefined {
  const t = new Date(`${d}T00:00:00`);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}
function dayEnd(d: string): string | undefined {
  const t = new Date(`${d}T23:59:59.999`);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

export const auditKeys = {
  entries: (f: AuditFilters, beforeSeq: number | null) => ['audit', 'entries', f, beforeSeq] as const,
  entry: (seq: number) => ['audit', 'entry', seq] as const,
  checkpoint: ['audit', 'checkpoint'] as const,
  proof: (seq: number, treeSize: number) => ['audit', 'proof', seq, treeSize] as const,
};

export const CHECKPOINT_EXPORT_URL = '/api/audit/checkpoint/export';

export const auditApi = {
  entries: (f: AuditFilters, beforeSeq: number | null) =>
    apiFetch<AuditPage>('/audit/entries', {
      query: {
        actor: f.actor.trim(),
        action: f.action.trim(),
        entityType: f.entityType.trim(),
        entityId: f.entityId.trim(),
        from: f.from ? dayStart(f.from) : undefined,
        to: f.to ? dayEnd(f.to) : undefined,
        beforeSeq,
        limit: PAGE_SIZE,
      },
    }),
  entry: (seq: number) => apiFetch<AuditEntry>(`/audit/entries/${seq}`),
  /** The latest signed checkpoint, or null before the first one is signed (404). */
  checkpoint: async (): Promise<Checkpoint | null> => {
    try {
      return await apiFetch<Checkpoint>('/audit/checkpoint');
    } catch (e) {
      if (isProblem(e) && e.status === 404) return null;
      throw e;
    }
  },
  proof: (seq: number, treeSize: number) => apiFetch<InclusionProof>('/audit/proofs/inclusion', { query: { seq, treeSize } }),
  verify: () => apiFetch<VerificationReport>('/audit/verification', { method: 'POST', body: {} }),
};
