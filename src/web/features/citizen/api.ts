import { apiFetch } from '../../app/api';

export type ReportType = { code: string; label: { es: string; en: string } };
export type Challenge = { id: string; nonce: string; bits: number; expiresAt: string };
export type CitizenStep = 'received' | 'dispatched' | 'en_route' | 'on_scene' | 'resolved' | 'closed' | 'cancelled' | 'merged' | 'reopened';
export type Tracking = {
  code: string;
  channel: 'web' | 'whatsapp' | 'telegram' | 'sms';
  anonymous: boolean;
  status: CitizenStep;
  reportedAt: string;
  steps: { at: string; step: CitizenStep }[];
  messages: { at: string; from: 'you' | 'centre'; text: string; photos: number }[];
  canAddInfo: boolean;
  canRate: boolean;
  rating: { score: number; comment: string | null } | null;
};
export type ReportInput = {
  type: string;
  description: string;
  location: { lat?: number | null; lon?: number | null; accuracyM?: number | null; addressText?: string | null; from: 'map' | 'device' | 'text' };
  photos: string[];
  anonymous: boolean;
  contact?: { name?: string | null; phone?: string | null; email?: string | null } | null;
  challenge: { id: string; solution: string };
};
export type Conversation = {
  id: string;
  channel: string;
  anonymous: boolean;
  createdAt: string;
  contact: { name: string | null; phone: string | null; email: string | null; address: string | null } | null;
  deliversTo: string | null;
  messages: { id: string; at: string; direction: 'in' | 'out'; text: string; author: string | null; photos: { id: string; mediaType: string; sizeBytes: number }[] }[];
  rating: { score: number; comment: string | null } | null;
};
export type OutboxItem = { id: string; createdAt: string; kind: string; channel: string; recipient: string; body: string; status: string; attempts: number; lastError: string | null };

export const citizenKeys = {
  types: ['citizen', 'types'] as const,
  tracking: (code: string) => ['citizen', 'tracking', code] as const,
  conversation: (incidentId: string) => ['citizen', 'conversation', incidentId] as const,
  outbox: (status: string) => ['citizen', 'outbox', status] as const,
};

export const citizenApi = {
  types: () => apiFetch<{ items: ReportType[] }>('/citizen/report-types').then((r) => r.items),
  challenge: () => apiFetch<Challenge>('/citizen/challenges', { method: 'POST' }),
  submit: (body: ReportInput) => apiFetch<{ code: string; trackingUrl: string }>('/citizen/reports', { method: 'POST', body }),
  track: (code: string) => apiFetch<Tracking>(`/citizen/tracking/${encodeURIComponent(code)}`),
  addInfo: (code: string, body: { text: string; photos: string[] }) => apiFetch<Tracking>(`/citizen/tracking/${encodeURIComponent(code)}/messages`, { method: 'POST', body }),
  rate: (code: string, body: { score: number; comment: string | null }) => apiFetch<Tracking>(`/citizen/tracking/${encodeURIComponent(code)}/rating`, { method: 'POST', body }),
  conversation: (incidentId: string) => apiFetch<{ items: Conversation[] }>(`/citizen/incidents/${incidentId}/conversation`).then((r) => r.items),
  reply: (incidentId: string, body: { reportId: string; text: string }) => apiFetch<{ messageId: string; delivery: string }>(`/citizen/incidents/${incidentId}/replies`, { method: 'POST', body }),
  outbox: (status: string) => apiFetch<{ items: OutboxItem[] }>('/citizen/outbox', { query: { status: status || undefined } }).then((r) => r.items),
};
