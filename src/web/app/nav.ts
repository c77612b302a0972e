import type { Permission } from '../../common/roles';
import type { MessageKey } from './i18n';

export type NavItem = { to: string; label: MessageKey; permission: Permission | null };

/** Main sections; an entry shows only when the user holds its permission. */
export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'nav.home', permission: null },
  { to: '/users', label: 'nav.users', permission: 'users:read' },
  { to: '/audit', label: 'nav.audit', permission: 'audit:read' },
  { to: '/approvals', label: 'nav.approvals', permission: 'approvals:read' },
  { to: '/account', label: 'nav.account', permission: null },
];

export const visibleNav = (permissions: readonly string[]) =>
  NAV_ITEMS.filter((i) => i.permission === null || permissions.includes(i.permission));
