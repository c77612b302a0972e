/** Roles of the institution; later modules give them permissions here as they land. */
export const ROLES = [
  'administrator',
  'call_taker',
  'dispatcher',
  'supervisor',
  'field_officer',
  'analyst',
  'auditor',
  'internal_affairs',
  'grants_officer',
  'grants_legal',
  'grants_finance',
  'grants_control',
  'contract_administrator',
  'procurement_officer',
  'asset_custodian',
  'asset_committee',
  'head_of_institution',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, { es: string; en: string }> = {
  administrator: { es: 'Administrador', en: 'Administrator' },
  call_taker: { es: 'Telefonista 911', en: 'Call-taker' },
  dispatcher: { es: 'Despachador', en: 'Dispatcher' },
  supervisor: { es: 'Supervisor', en: 'Supervisor' },
  field_officer: { es: 'Agente de campo', en: 'Field officer' },
  analyst: { es: 'Analista', en: 'Analyst' },
  auditor: { es: 'Auditor', en: 'Auditor' },
  internal_affairs: { es: 'Asuntos internos', en: 'Internal affairs' },
  grants_officer: { es: 'Oficial de fondos a ONG', en: 'Grants officer' },
  grants_legal: { es: 'Jurídico (fondos ONG)', en: 'Grants legal' },
  grants_finance: { es: 'Financiero (fondos ONG)', en: 'Grants finance' },
  grants_control: { es: 'Control interno (fondos ONG)', en: 'Grants internal control' },
  contract_administrator: { es: 'Administrador de contrato', en: 'Contract administrator' },
  procurement_officer: { es: 'Oficial de compras (UACI)', en: 'Procurement officer' },
  asset_custodian: { es: 'Custodio de bienes', en: 'Asset custodian' },
  asset_committee: { es: 'Comisión de descargo', en: 'Asset disposal committee' },
  head_of_institution: { es: 'Titular de la institución', en: 'Head of institution' },
};

/** Roles whose holders must use TOTP two-step verification. */
export const MFA_REQUIRED_ROLES: readonly Role[] = ['administrator', 'supervisor', 'auditor', 'internal_affairs'];

export const PERMISSIONS = [
  'users:read',
  'users:manage',
  'audit:read',
  'audit:verify',
  'approvals:read',
  'approvals:decide',
  'outbox:read',
  'incidents:read',
  'incidents:read_caller',
  'incidents:create',
  'incidents:update',
  'incidents:dispatch',
  'incidents:close',
  'incidents:export',
  'units:read',
  'units:manage',
  'units:status',
  'units:position',
  'catalogue:manage',
  'complaints:read',
  'complaints:manage',
  'open311:manage',
  'aml:read',
  'citizen:read',
  'citizen:reply',
  'field:use',
  'evidence:custody',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const CALL_TAKER: readonly Permission[] = ['incidents:read', 'incidents:read_caller', 'incidents:create', 'incidents:update', 'units:read', 'citizen:read', 'citizen:reply'];
// Dispatchers may also enter a unit's position reported by radio.
const DISPATCHER: readonly Permission[] = [...CALL_TAKER, 'incidents:dispatch', 'incidents:close', 'units:status', 'units:position'];

/** Roles to permissions, in code so that a change is reviewed and audited in version control. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  administrator: ['users:read', 'users:manage', 'approvals:read', 'approvals:decide', 'outbox:read', 'units:read', 'units:manage', 'catalogue:manage', 'open311:manage', 'aml:read'],
  call_taker: CALL_TAKER,
  dispatcher: DISPATCHER,
  supervisor: [...DISPATCHER, 'approvals:read', 'approvals:decide', 'incidents:export', 'units:manage', 'aml:read', 'evidence:custody'],
  // Field officers see incidents (for their assignment) but not callers' personal data by default.
  field_officer: ['incidents:read', 'units:read', 'units:status', 'units:position', 'field:use'],
  analyst: ['incidents:read', 'units:read', 'incidents:export'],
  // Auditors read complaints about conduct but never change them.
  auditor: ['audit:read', 'audit:verify', 'users:read', 'approvals:read', 'incidents:read', 'units:read', 'incidents:export', 'complaints:read'],
  // Complaints about conduct reach internal affairs only: no command-centre role holds complaints:*.
  internal_affairs: ['audit:read', 'users:read', 'incidents:read', 'incidents:read_caller', 'units:read', 'complaints:read', 'complaints:manage'],
  grants_officer: [],
  grants_legal: [],
  grants_finance: [],
  grants_control: [],
  contract_administrator: [],
  procurement_officer: [],
  asset_custodian: [],
  asset_committee: [],
  head_of_institution: ['approvals:read', 'approvals:decide', 'incidents:read', 'units:read'],
};

export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r as Role] ?? []) out.add(p);
  return out;
}

export const requiresMfa = (roles: readonly string[]) => roles.some((r) => MFA_REQUIRED_ROLES.includes(r as Role));
export const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);
