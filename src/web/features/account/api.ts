import { apiFetch } from '../../app/api';

export type ApiToken = {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export type CreatedToken = { id: string; token: string; name: string; scopes: string[]; expiresAt: string | null };

export const accountKeys = { tokens: ['auth', 'tokens'] as const };

export const accountApi = {
  changePassword: (currentPassword: string, newPassword: string) =>
    apiFetch<void>('/auth/password', { method: 'POST', body: { currentPassword, newPassword } }),
  tokens: () => apiFetch<{ items: ApiToken[] }>('/auth/tokens').then((r) => r.items),
  createToken: (name: string, scopes: string[], expiresInDays: number) =>
    apiFetch<CreatedToken>('/auth/tokens', { method: 'POST', body: { name, scopes, expiresInDays } }),
  revokeToken: (id: string) => apiFetch<void>(`/auth/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
};
