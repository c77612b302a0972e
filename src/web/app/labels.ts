import type { Lang } from '../../common/errors';
import { isRole, ROLE_LABELS } from '../../common/roles';

/** Human label of a role in the given language; unknown roles show their code. */
export function roleLabel(role: string, lang: Lang): string {
  return isRole(role) ? ROLE_LABELS[role][lang] : role;
}

/** Labels of several roles joined for a table cell. */
export function roleList(roles: readonly string[], lang: Lang): string {
  return roles.map((r) => roleLabel(r, lang)).join(', ');
}
