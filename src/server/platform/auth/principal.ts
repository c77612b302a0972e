import type { Permission } from '../../../common/roles.js';

/** Who is calling: resolved once per request from the session cookie or the bearer token. */
export type Principal = {
  userId: string;
  username: string;
  displayName: string;
  roles: readonly string[];
  /** Read-only: a cached session shares one principal across its requests. */
  permissions: ReadonlySet<Permission>;
  via: 'session' | 'token';
  sessionId: string | null;
  tokenId: string | null;
  /** password_change: signed in fully, but a temporary password must be replaced before anything else. */
  stage: 'active' | 'mfa_pending' | 'mfa_enrolment' | 'password_change';
};

/** How a route may be reached; every /api route declares one (checked when routes are registered). */
export type Access =
  | { public: true }
  | { authenticated: true; stages?: Principal['stage'][]; sessionOnly?: true }
  | { permission: Permission };

export type AuditContext = {
  actorId: string | null;
  actorUsername: string | null;
  actorRoles: readonly string[];
  actorTokenId: string | null;
  requestId: string | null;
  clientIp: string | null;
};

export const SYSTEM_CONTEXT: AuditContext = {
  actorId: null,
  actorUsername: 'system',
  actorRoles: [],
  actorTokenId: null,
  requestId: null,
  clientIp: null,
};
