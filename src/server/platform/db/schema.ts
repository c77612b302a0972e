import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables in migrations/; modules add their tables here as they land. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string;
  active: Generated<boolean>;
  must_change_password: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  mfa_secret: string | null;
  mfa_enabled: Generated<boolean>;
  mfa_last_step: number | null;
  password_changed_at: DefaultTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
  granted_by: string | null;
  granted_at: DefaultTimestamp;
}

export interface MfaRecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Timestamp | null;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: string;
  stage: 'mfa_pending' | 'mfa_enrolment' | 'active';
  created_at: DefaultTimestamp;
  last_seen_at: DefaultTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  client_ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: string[];
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface AuditLogTable {
  seq: number;
  occurred_at: Timestamp;
  actor_id: string | null;
  actor_username: string | null;
  actor_roles: string[];
  actor_token_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  changes: unknown;
  reason: unknown;
  request_id: string | null;
  client_ip: string | null;
  prev_hash: string;
  entry_hash: string;
  leaf_hash: string;
}

export interface AuditHeadTable {
  id: Generated<boolean>;
  last_seq: number;
  last_hash: string;
}

export interface AuditCheckpointsTable {
  tree_size: number;
  root_hash: string;
  origin: string;
  issued_at: Timestamp;
  key_id: string;
  signature: string;
}

export interface AuditSigningKeysTable {
  key_id: string;
  public_key_pem: string;
  created_at: DefaultTimestamp;
}

export interface ReasonCodesTable {
  action: string;
  code: string;
  label_es: string;
  label_en: string;
  active: Generated<boolean>;
}

export interface ApprovalRequestsTable {
  id: Generated<string>;
  action: string;
  entity_type: string;
  entity_id: string;
  payload: unknown;
  reason_code: string;
  reason_text: string;
  approver_role: string;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  requested_by: string;
  requested_at: DefaultTimestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_note: string | null;
}

export interface DB {
  users: UsersTable;
  user_roles: UserRolesTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_signing_keys: AuditSigningKeysTable;
  reason_codes: ReasonCodesTable;
  approval_requests: ApprovalRequestsTable;
}
