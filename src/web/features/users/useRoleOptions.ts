import { useQuery } from '@tanstack/react-query';
import { ROLES, MFA_REQUIRED_ROLES, ROLE_LABELS, type Role } from '../../../common/roles';
import { usersApi, usersKeys, type RoleInfo } from './api';

const FALLBACK: RoleInfo[] = ROLES.map((role) => ({
  role,
  label: ROLE_LABELS[role],
  permissions: [],
  mfaRequired: MFA_REQUIRED_ROLES.includes(role as Role),
}));

/** The role catalogue from GET /roles, or the shared list while it loads or if it fails. */
export function useRoleCatalogue(): RoleInfo[] {
  const q = useQuery({ queryKey: usersKeys.roles, queryFn: usersApi.roles, staleTime: 10 * 60_000 });
  return q.data && q.data.length > 0 ? q.data : FALLBACK;
}
