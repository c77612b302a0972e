import type { Permission } from '../../common/roles';
import type { MessageKey } from './i18n';

export type NavItem = { to: string; label: MessageKey; permission: Permission | readonly Permission[] | null };

/** Main sections; an entry shows only when the user holds its permission. */
export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'nav.home', permission: null },
  { to: '/console/intake', label: 'nav.intake', permission: 'incidents:create' },
  { to: '/console/dispatch', label: 'nav.dispatch', permission: 'incidents:dispatch' },
  { to: '/console/supervisor', label: 'nav.supervisor', permission: ['approvals:decide', 'incidents:read', 'units:read'] },
  { to: '/users', label: 'nav.users', permission: 'users:read' },
  { to: '/audit', label: 'nav.audit', permission: 'audit:read' },
  { to: '/approvals', label: 'nav.approvals', permission: 'approvals:read' },
  { to: '/account', label: 'nav.account', permission: null },
  { to: '/internal-affairs', label: 'nav.internalAffairs', permission: 'complaints:read' },
  { to: '/citizen-outbox', label: 'nav.citizenOutbox', permission: 'outbox:read' },
];

export const visibleNav = (permissions: readonly string[]) =>
  NAV_ITEMS.filter((i) => i.permission === null || (typeof i.permission === 'string' ? permissions.includes(i.permission) : i.permission.every((p) => permissions.includes(p))));
