import { apiFetch } from '../../app/api';

export const COMPLAINT_OUTCOMES = ['substantiated', 'not_substantiated', 'exonerated', 'unfounded', 'withdrawn', 'referred'] as const;
export type ComplaintOutcome = (typeof COMPLAINT_OUTCOMES)[number];
export type ComplaintStatus = 'received' | 'under_investigation' | 'closed';

export type NewComplaint = {
  anonymous: boolean;
  contact?: { name?: string | null; phone?: string | null; email?: string | null } | null;
  occurredAt?: string | null;
  placeText?: string | null;
  officerDescription?: string | null;
  badgeNumber?: string | null;
  unitText?: string | null;
  description: string;
};

export type ComplaintSummary = {
  id: string;
  channel: 'web' | 'open311';
  anonymous: boolean;
  status: ComplaintStatus;
  outcome: ComplaintOutcome | null;
  department: string | null;
  occurredAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
};

export type ComplaintDetail = ComplaintSummary & {
  contact: { name: string | null; phone: string | null; email: string | null } | null;
  placeText: string | null;
  officerDescription: string | null;
  badgeNumber: string | null;
  unitText: string | null;
  description: string;
  outcomeSummary: string | null;
  closedAt: string | null;
  links: { incidentId: string | null; incidentNumber: string | null; unitId: string | null; callSign: string | null; linkedAt: string }[];
};

export type Tracking = { status: ComplaintStatus; outcome: ComplaintOutcome | null; createdAt: string; updatedAt: string; closedAt: string | null };

const enc = encodeURIComponent;

export const conductKeys = {
  list: (status: string) => ['conduct', 'list', status] as const,
  one: (id: string) => ['conduct', 'detail', id] as const,
};

export const conductApi = {
  file: (body: NewComplaint) => apiFetch<{ trackingCode: string; createdAt: string }>('/conduct/complaints', { method: 'POST', body }),
  track: (code: string) => apiFetch<Tracking>(`/conduct/track/${enc(code)}`),
  list: (status: string) => apiFetch<{ items: ComplaintSummary[] }>('/conduct/complaints', { query: { status: status || undefined } }).then((r) => r.items),
  get: (id: string) => apiFetch<ComplaintDetail>(`/conduct/complaints/${enc(id)}`),
  link: (id: string, body: { incidentNumber: string } | { callSign: string }) => apiFetch<ComplaintSummary>(`/conduct/complaints/${enc(id)}/links`, { method: 'POST', body }),
  outcome: (id: string, body: { outcome: ComplaintOutcome; summary: string; version: number }) => apiFetch<ComplaintSummary>(`/conduct/complaints/${enc(id)}/outcome`, { method: 'POST', body }),
};
