import { z } from 'zod';
import type { Principal } from '../../platform/auth/principal.js';

export const meSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  stage: z.enum(['active', 'mfa_pending', 'mfa_enrolment', 'password_change']),
  mfaEnabled: z.boolean(),
  mustChangePassword: z.boolean(),
});
export type Me = z.infer<typeof meSchema>;

export const userSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  roles: z.array(z.string()),
  active: z.boolean(),
  mfaEnabled: z.boolean(),
  lockedUntil: z.string().nullable(),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof userSchema>;

type UserLike = {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  active: boolean;
  mfa_enabled: boolean;
  locked_until: Date | null;
  must_change_password: boolean;
  created_at: Date;
};

/** Never send a row: no password hash, no TOTP secret, no counters leave the server. */
export function presentUser(u: UserLike, roles: string[], now = new Date()): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    roles,
    active: u.active,
    mfaEnabled: u.mfa_enabled,
    lockedUntil: u.locked_until && u.locked_until > now ? u.locked_until.toISOString() : null,
    mustChangePassword: u.must_change_password,
    createdAt: u.created_at.toISOString(),
  };
}

export function presentMe(p: Principal, u: { mfa_enabled: boolean; must_change_password: boolean }): Me {
  return {
    id: p.userId,
    username: p.username,
    displayName: p.displayName,
    roles: [...p.roles],
    permissions: [...p.permissions].sort(),
    stage: p.stage,
    mfaEnabled: u.mfa_enabled,
    mustChangePassword: u.must_change_password,
  };
}
