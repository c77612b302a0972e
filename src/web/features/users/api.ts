import { apiFetch } from '../../app/api';
import type { Reason } from '../../ui/ReasonDialog';

export type User = {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  roles: string[];
  active: boolean;
  mfaEnabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
};

export type RoleInfo = { role: string; label: { es: string; en: string }; permissions: string[]; mfaRequired: boolean };

export type NewUser = { username: string; displayName: string; email?: string; password: string; roles: string[] };

export type PendingApproval = { status: 'pending'; approvalId: string };

export const usersKeys = {
  all: ['users'] as const,
  roles: ['roles'] as const,
};

export const usersApi = {
  list: () => apiFetch<{ items: User[] }>('/users').then((r) => r.items),
  roles: () => apiFetch<{ items: RoleInfo[] }>('/roles').then((r) => r.items),
  create: (input: NewUser) => apiFetch<User>('/users', { method: 'POST', body: input }),
  setRoles: (id: string, roles: string[]) => apiFetch<User>(`/users/${encodeURIComponent(id)}/roles`, { method: 'PUT', body: { roles } }),
  deactivate: (id: string, reason: Reason) => apiFetch<User>(`/users/${encodeURIComponent(id)}/deactivate`, { method: 'POST', body: { reason } }),
  reactivate: (id: string, reason: Reason) => apiFetch<User>(`/users/${encodeURIComponent(id)}/reactivate`, { method: 'POST', body: { reason } }),
  unlock: (id: string) => apiFetch<User>(`/users/${encodeURIComponent(id)}/unlock`, { method: 'POST', body: {} }),
  resetMfa: (id: string, reason: Reason) => apiFetch<PendingApproval>(`/users/${encodeURIComponent(id)}/mfa-reset`, { method: 'POST', body: { reason } }),
};

export const isLocked = (u: Pick<User, 'lockedUntil'>, now = Date.now()) =>
  u.lockedUntil !== null && new Date(u.lockedUntil).getTime() > now;
