import type { Answers, IncidentStatus, PriorityRule, UnitStatus } from '../../../common/emergency';
import { apiFetch } from '../../app/api';
import type { Reason } from '../../ui/ReasonDialog';

export type Localized = { es: string; en: string };

export type IncidentSummary = {
  id: string;
  number: string;
  typeCode: string;
  priority: number;
  status: IncidentStatus;
  version: number;
  source: string;
  department: string | null;
  lat: number | null;
  lon: number | null;
  description: string;
  caller: { number: string | null; name: string | null } | null;
  duplicateOf: string | null;
  mergedInto: string | null;
  pendingCancellation: string | null;
  disposition: { code: string; summary: string | null } | null;
  times: {
    callReceivedAt: string;
    createdAt: string;
    firstDispatchedAt: string | null;
    firstEnRouteAt: string | null;
    firstOnSceneAt: string | null;
    resolvedAt: string | null;
    closedAt: string | null;
    reopenedAt: string | null;
    redispatchedAt: string | null;
  };
};

export type IncidentLocation = {
  id: string;
  lat: number | null;
  lon: number | null;
  addressText: string | null;
  landmark: string | null;
  department: string | null;
  source: string;
  accuracyM: number | null;
  createdAt: string;
  createdBy: string | null;
  current: boolean;
};

export type IncidentDetail = IncidentSummary & {
  locations: IncidentLocation[];
  answers: Record<string, unknown>;
  timeline: { id: number; at: string; actor: string | null; kind: string; data: Record<string, unknown> }[];
  assignments: { id: string; unitId: string; callSign: string; unitStatus: string; assignedAt: string; releasedAt: string | null; recommendedRank: number | null }[];
};

export type Question = { key: string; prompt: Localized; kind: 'yes_no' | 'choice' | 'number' | 'text'; options: { value: string; es: string; en: string }[] | null };

export type IncidentType = {
  code: string;
  name: Localized;
  defaultPriority: number;
  requiredUnits: { capability: string; count: number }[];
  emergency: boolean;
  questions: Question[];
  priorityRules: PriorityRule[];
};

export type Catalogue = {
  dispositions: { code: string; label: Localized }[];
  targets: { priority: number; answerToDispatchSeconds: number; dispatchToArrivalSeconds: number }[];
};

export type Recommendation = {
  unitId: string;
  callSign: string;
  unitType: string;
  capabilities: string[];
  department: string;
  rank: number;
  etaSeconds: number | null;
  distanceM: number | null;
  positionAgeSeconds: number | null;
  reasons: { code: string; value?: number | string }[];
};

export type Unit = {
  id: string;
  callSign: string;
  unitType: string;
  capabilities: string[];
  homeStation: string;
  department: string;
  status: UnitStatus;
  statusChangedAt: string;
  currentIncidentId: string | null;
  position: { lat: number; lon: number; at: string; accuracyM: number | null } | null;
  version: number;
};

export type RelatedItem = { incident: IncidentSummary; score: number; distanceM: number | null; ageMinutes: number; reasons: { code: string; value: number }[] };

export type IncidentLinks = {
  related: { id: string; number: string; status: string; linkedAt: string }[];
  calls: { id: string; source: string; receivedAt: string; description: string; caller: { number: string | null; name: string | null } | null }[];
};

export type Outcome = { status: 'done' | 'pending'; approvalId: string | null; incident: IncidentSummary };

export type Metrics = { items: { priority: number; incidents: number; answerToDispatch: { p50: number | null; p90: number | null }; dispatchToArrival: { p50: number | null; p90: number | null } }[] };

export type NewIncident = {
  typeCode: string;
  source: 'call';
  callReceivedAt?: string;
  caller?: { number?: string | null; name?: string | null };
  description?: string;
  location: { lat?: number | null; lon?: number | null; addressText?: string | null; landmark?: string | null; department?: string | null; source: 'caller_stated' | 'map_click' | 'department' };
  answers?: Answers;
};

/** El Salvador's 14 departments (ISO 3166-2:SV, written with a dot as the server stores them). */
export const DEPARTMENTS: readonly { code: string; name: string }[] = [
  { code: 'SV.AH', name: 'Ahuachapán' },
  { code: 'SV.SA', name: 'Santa Ana' },
  { code: 'SV.SO', name: 'Sonsonate' },
  { code: 'SV.CH', name: 'Chalatenango' },
  { code: 'SV.LI', name: 'La Libertad' },
  { code: 'SV.SS', name: 'San Salvador' },
  { code: 'SV.CU', name: 'Cuscatlán' },
  { code: 'SV.PA', name: 'La Paz' },
  { code: 'SV.CA', name: 'Cabañas' },
  { code: 'SV.SV', name: 'San Vicente' },
  { code: 'SV.US', name: 'Usulután' },
  { code: 'SV.SM', name: 'San Miguel' },
  { code: 'SV.MO', name: 'Morazán' },
  { code: 'SV.UN', name: 'La Unión' },
];
export const departmentName = (code: string | null | undefined) => (code ? (DEPARTMENTS.find((d) => d.code === code)?.name ?? code) : '—');

export const consoleKeys = {
  incidents: ['incidents', 'list'] as const,
  incident: (id: string) => ['incidents', 'detail', id] as const,
  recommendations: (id: string) => ['incidents', 'recommendations', id] as const,
  units: ['units'] as const,
  types: ['incident-types'] as const,
  catalogue: ['incident-catalogue'] as const,
  metrics: (from: string) => ['incidents', 'metrics', from] as const,
};

const enc = encodeURIComponent;

export const consoleApi = {
  incidents: () => apiFetch<{ items: IncidentSummary[] }>('/incidents', { query: { status: 'open', limit: 1000 } }).then((r) => r.items),
  /** Just these incidents, in any status (no callers): what the queue refreshes after live events. */
  incidentsByIds: (ids: string[]) => apiFetch<{ items: IncidentSummary[] }>('/incidents', { query: { status: 'all', ids: ids.join(','), limit: ids.length } }).then((r) => r.items),
  incident: (id: string) => apiFetch<IncidentDetail>(`/incidents/${enc(id)}`),
  recommendations: (id: string) => apiFetch<{ needed: string[]; items: Recommendation[] }>(`/incidents/${enc(id)}/recommendations`, { query: { limit: 8 } }),
  units: () => apiFetch<{ items: Unit[] }>('/units', { query: { limit: 5000 } }).then((r) => r.items),
  unitsByIds: (ids: string[]) => apiFetch<{ items: Unit[] }>('/units', { query: { ids: ids.join(','), limit: ids.length } }).then((r) => r.items),
  types: () => apiFetch<{ items: IncidentType[] }>('/incident-types').then((r) => r.items),
  catalogue: () => apiFetch<Catalogue>('/incident-catalogue'),
  metrics: (from: string, to: string) => apiFetch<Metrics>('/incidents/metrics', { query: { from, to } }),
  create: (body: NewIncident) => apiFetch<IncidentSummary>('/incidents', { method: 'POST', body }),
  related: (body: { lat?: number | null; lon?: number | null; typeCode?: string | null; description: string }) =>
    apiFetch<{ items: RelatedItem[] }>('/incidents/related', { method: 'POST', body }).then((r) => r.items),
  assign: (id: string, unitId: string, version: number, reason?: Reason) =>
    apiFetch<IncidentSummary>(`/incidents/${enc(id)}/assignments`, { method: 'POST', body: reason ? { unitId, version, reason } : { unitId, version } }),
  note: (id: string, text: string) => apiFetch<IncidentSummary>(`/incidents/${enc(id)}/notes`, { method: 'POST', body: { text } }),
  close: (id: string, body: { dispositionCode: string; summary: string; version: number; reason?: Reason }) =>
    apiFetch<IncidentSummary | Outcome>(`/incidents/${enc(id)}/close`, { method: 'POST', body }),
  link: (id: string, relatedId: string) => apiFetch<IncidentSummary>(`/incidents/${enc(id)}/links`, { method: 'POST', body: { relatedId } }),
  addCall: (id: string, body: { callReceivedAt: string; caller: { number: string | null; name: string | null }; description: string }) =>
    apiFetch<IncidentSummary>(`/incidents/${enc(id)}/calls`, { method: 'POST', body: { source: 'call', ...body } }),
  links: (id: string) => apiFetch<IncidentLinks>(`/incidents/${enc(id)}/links`),
  unitStatus: (unitId: string, status: string) => apiFetch<Unit>(`/units/${enc(unitId)}/status`, { method: 'POST', body: { status } }),
  priority: (id: string, priority: number, version: number, reason?: Reason) =>
    apiFetch<IncidentSummary | Outcome>(`/incidents/${enc(id)}/priority`, { method: 'POST', body: reason ? { priority, version, reason } : { priority, version } }),
  cancel: (id: string, version: number, reason: Reason) => apiFetch<Outcome>(`/incidents/${enc(id)}/cancel`, { method: 'POST', body: { version, reason } }),
};

export const isOutcome = (r: IncidentSummary | Outcome): r is Outcome => 'approvalId' in r && 'incident' in r;

/* --------------------------------------------------------------- helpers */

/** Target (seconds) the incident is now running against, and since when: answer→dispatch, then dispatch→arrival. */
export function currentTarget(i: IncidentSummary, targets: Catalogue['targets'] | undefined): { start: number; seconds: number } | null {
  const t = targets?.find((x) => x.priority === i.priority);
  if (!t) return null;
  // A reopened incident's clock runs from the reopening and its next dispatch, as the server's escalation does.
  const reopened = i.times.reopenedAt;
  const dispatchedAt = reopened ? i.times.redispatchedAt : i.times.firstDispatchedAt;
  if (i.status === 'received') return { start: Date.parse(reopened ?? i.times.callReceivedAt), seconds: t.answerToDispatchSeconds };
  if ((i.status === 'dispatched' || i.status === 'en_route') && dispatchedAt) return { start: Date.parse(dispatchedAt), seconds: t.dispatchToArrivalSeconds };
  return null;
}

export function formatClock(totalSeconds: number): string {
  const neg = totalSeconds < 0;
  const s = Math.abs(Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const body = h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
  return neg ? `−${body}` : body;
}

export const sortQueue = (items: IncidentSummary[]) =>
  [...items].sort((a, b) => a.priority - b.priority || Date.parse(a.times.callReceivedAt) - Date.parse(b.times.callReceivedAt));

export const PRIORITY_COLOURS: Record<number, string> = { 1: '#c62828', 2: '#ef6c00', 3: '#f9a825', 4: '#1565c0' };
export const UNIT_STATUS_COLOURS: Record<string, string> = {
  available: '#2e7d32',
  dispatched: '#6a1b9a',
  en_route: '#ad1457',
  // Teal, not red: a unit on scene must not read as a P1 incident on the map.
  on_scene: '#00838f',
  busy: '#8d6e63',
  out_of_service: '#616161',
  off_duty: '#9e9e9e',
};

/** The priority a lowering still waiting for a supervisor asks for, read from the timeline; null when none waits. */
export function pendingPriority(timeline: IncidentDetail['timeline']): number | null {
  let waiting: { approvalId: unknown; to: unknown } | null = null;
  for (const e of timeline) {
    if (e.kind === 'priority_requested') waiting = { approvalId: e.data.approvalId, to: e.data.to };
    else if (waiting && e.kind === 'priority_request_closed' && e.data.approvalId === waiting.approvalId) waiting = null;
    else if (waiting && e.kind === 'priority' && (e.data.reason as { approvalId?: unknown } | undefined)?.approvalId === waiting.approvalId) waiting = null;
    else if (waiting && (e.kind === 'closure' || e.kind === 'status' || e.kind === 'merge' || e.kind === 'duplicate') && Array.isArray(e.data.superseded) && e.data.superseded.includes(waiting.approvalId)) waiting = null;
  }
  return waiting && typeof waiting.to === 'number' ? waiting.to : null;
}
