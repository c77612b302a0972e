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
  /** The audit_queue entry this was chained from (null for entries written before the queue). */
  queue_id: number | null;
  sequenced_at: Timestamp | null;
}

/** Entries committed by business transactions, waiting for the sequencer to chain them. */
export interface AuditQueueTable {
  id: Generated<number>;
  queued_at: DefaultTimestamp;
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
  /** The tree's perfect-subtree roots (hex, largest first), for the next checkpoint to append to; null before migration 0018. */
  frontier: string[] | null;
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
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'superseded';
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
  events: EventsTable;
  incident_types: IncidentTypesTable;
  protocol_questions: ProtocolQuestionsTable;
  priority_rules: PriorityRulesTable;
  priority_targets: PriorityTargetsTable;
  disposition_codes: DispositionCodesTable;
  incidents: IncidentsTable;
  incident_locations: IncidentLocationsTable;
  incident_answers: IncidentAnswersTable;
  incident_timeline: IncidentTimelineTable;
  units: UnitsTable;
  unit_crew: UnitCrewTable;
  unit_status_history: UnitStatusHistoryTable;
  unit_positions: UnitPositionsTable;
  assignments: AssignmentsTable;
  dispatch_settings: DispatchSettingsTable;
  open311_api_keys: Open311ApiKeysTable;
  open311_requests: Open311RequestsTable;
  aml_messages: AmlMessagesTable;
  conduct_complaints: ConductComplaintsTable;
  conduct_complaint_links: ConductComplaintLinksTable;
  audit_queue: AuditQueueTable;
}

/** Outbox of live-push events (migrations/0002_events.sql); pruned after EVENTS_RETENTION_DAYS. */
export interface EventsTable {
  seq: Generated<number>;
  occurred_at: DefaultTimestamp;
  topic: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  version: number | null;
  department: string | null;
  data: unknown;
}

// 911 core (migrations/0003_emergency.sql).
export interface IncidentTypesTable {
  code: string;
  name_es: string;
  name_en: string;
  default_priority: number;
  required_units: ColumnType<{ capability: string; count: number }[], string, string>;
  emergency: Generated<boolean>;
  active: Generated<boolean>;
}

export interface ProtocolQuestionsTable {
  type_code: string;
  key: string;
  position: number;
  prompt_es: string;
  prompt_en: string;
  kind: 'yes_no' | 'choice' | 'number' | 'text';
  options: ColumnType<{ value: string; es: string; en: string }[] | null, string | null, string | null>;
}

export interface PriorityRulesTable {
  type_code: string;
  question_key: string;
  operator: 'eq' | 'gte' | 'lte' | 'in';
  value: ColumnType<unknown, string, string>;
  priority: number;
}

export interface PriorityTargetsTable {
  priority: number;
  answer_to_dispatch_seconds: number;
  dispatch_to_arrival_seconds: number;
}

export interface DispositionCodesTable {
  code: string;
  label_es: string;
  label_en: string;
}

export type IncidentStatus = 'received' | 'dispatched' | 'en_route' | 'on_scene' | 'resolved' | 'closed' | 'cancelled' | 'merged';

export interface IncidentsTable {
  id: Generated<string>;
  number: string;
  type_code: string;
  priority: number;
  status: IncidentStatus;
  version: Generated<number>;
  source: Generated<string>;
  caller_number: string | null;
  caller_name: string | null;
  description: Generated<string>;
  department: string | null;
  lat: number | null;
  lon: number | null;
  current_location_id: string | null;
  duplicate_of: string | null;
  merged_into: string | null;
  disposition_code: string | null;
  closure_summary: string | null;
  pending_cancellation: string | null;
  call_received_at: Timestamp;
  created_at: DefaultTimestamp;
  first_dispatched_at: Timestamp | null;
  first_en_route_at: Timestamp | null;
  first_on_scene_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  escalated_dispatch_at: Timestamp | null;
  escalated_arrival_at: Timestamp | null;
  reopened_at: Timestamp | null;
  redispatched_at: Timestamp | null;
  created_by: string | null;
  updated_at: DefaultTimestamp;
}

export type LocationSource = 'caller_stated' | 'map_click' | 'device' | 'department' | 'aml';

export interface IncidentLocationsTable {
  id: Generated<string>;
  incident_id: string;
  lat: number | null;
  lon: number | null;
  address_text: string | null;
  landmark: string | null;
  department: string | null;
  source: LocationSource;
  accuracy_m: number | null;
  created_by: string | null;
  created_at: DefaultTimestamp;
}

export interface IncidentAnswersTable {
  incident_id: string;
  question_key: string;
  value: ColumnType<unknown, string, string>;
  answered_by: string | null;
  answered_at: DefaultTimestamp;
}

export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: string;
  at: DefaultTimestamp;
  actor_id: string | null;
  actor_username: string | null;
  kind: string;
  data: ColumnType<Record<string, unknown>, string, string>;
}

export type UnitStatus = 'available' | 'dispatched' | 'en_route' | 'on_scene' | 'busy' | 'out_of_service' | 'off_duty';
export type UnitType = 'patrol_car' | 'motorcycle' | 'ambulance' | 'fire' | 'specialised';

export interface UnitsTable {
  id: Generated<string>;
  call_sign: string;
  unit_type: UnitType;
  capabilities: string[];
  home_station: string;
  department: string;
  status: UnitStatus;
  status_changed_at: DefaultTimestamp;
  current_incident_id: string | null;
  lat: number | null;
  lon: number | null;
  position_at: Timestamp | null;
  position_accuracy_m: number | null;
  version: Generated<number>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
}

export interface UnitCrewTable {
  unit_id: string;
  user_id: string;
}

export interface UnitStatusHistoryTable {
  id: Generated<number>;
  unit_id: string;
  status: string;
  incident_id: string | null;
  at: DefaultTimestamp;
  actor_id: string | null;
}

export interface UnitPositionsTable {
  id: Generated<number>;
  unit_id: string;
  lat: number;
  lon: number;
  accuracy_m: number | null;
  heading: number | null;
  speed_mps: number | null;
  recorded_at: Timestamp;
  received_at: DefaultTimestamp;
  reported_by: string | null;
}

export interface AssignmentsTable {
  id: Generated<string>;
  incident_id: string;
  unit_id: string;
  assigned_at: DefaultTimestamp;
  assigned_by: string | null;
  recommended_rank: number | null;
  released_at: Timestamp | null;
}

export interface DispatchSettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
}

/** migrations/0010_open311_conduct.sql */
export interface Open311ApiKeysTable {
  id: Generated<string>;
  name: string;
  key_hash: string;
  created_by: string | null;
  created_at: DefaultTimestamp;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface Open311RequestsTable {
  id: string;
  token: string;
  api_key_id: string;
  service_code: string;
  incident_id: string | null;
  complaint_id: string | null;
  lat: number | null;
  lon: number | null;
  address_string: string | null;
  email: string | null;
  device_id: string | null;
  account_id: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  description: string | null;
  media_url: string | null;
  attributes: ColumnType<Record<string, unknown>, string, string>;
  requested_at: DefaultTimestamp;
}

export type AmlStatus = 'rejected' | 'no_position' | 'unmatched' | 'attached' | 'adopted';

export interface AmlMessagesTable {
  id: Generated<string>;
  received_at: DefaultTimestamp;
  transport: 'sms' | 'https';
  raw: string;
  status: AmlStatus;
  reject_reason: string | null;
  caller_number: string | null;
  lat: number | null;
  lon: number | null;
  radius_m: number | null;
  positioned_at: Timestamp | null;
  confidence: number | null;
  method: 'G' | 'W' | 'C' | 'N' | null;
  imsi: string | null;
  imei: string | null;
  mcc: string | null;
  mnc: string | null;
  incident_id: string | null;
  location_id: string | null;
}

export type ComplaintStatus = 'received' | 'under_investigation' | 'closed';
export type ComplaintOutcome = 'substantiated' | 'not_substantiated' | 'exonerated' | 'unfounded' | 'withdrawn' | 'referred';

export interface ConductComplaintsTable {
  id: Generated<string>;
  tracking_hash: string;
  channel: 'web' | 'open311';
  anonymous: boolean;
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  occurred_at: Timestamp | null;
  place_text: string | null;
  lat: number | null;
  lon: number | null;
  department: string | null;
  officer_description: string | null;
  badge_number: string | null;
  unit_text: string | null;
  description: string;
  status: Generated<ComplaintStatus>;
  outcome: ComplaintOutcome | null;
  outcome_summary: string | null;
  closed_at: Timestamp | null;
  version: Generated<number>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface ConductComplaintLinksTable {
  complaint_id: string;
  incident_id: string | null;
  unit_id: string | null;
  linked_by: string | null;
  linked_at: DefaultTimestamp;
}

/** Field officer app (migrations/0008_field.sql). */
export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  operation: string;
  request_hash: string;
  status_code: number;
  response: ColumnType<unknown, string, string>;
  created_at: DefaultTimestamp;
}

export interface FieldAlertsTable {
  id: Generated<string>;
  kind: 'panic' | 'backup';
  priority: number;
  unit_id: string;
  incident_id: string | null;
  raised_by: string;
  lat: number | null;
  lon: number | null;
  accuracy_m: number | null;
  raised_at: DefaultTimestamp;
}

export interface FieldReportsTable {
  id: Generated<string>;
  incident_id: string;
  unit_id: string;
  author_id: string;
  narrative: string;
  persons: ColumnType<unknown, string, string>;
  vehicles: ColumnType<unknown, string, string>;
  created_at: DefaultTimestamp;
}

export type EvidenceKind = 'photo' | 'audio' | 'document';
export interface EvidenceItemsTable {
  id: Generated<string>;
  incident_id: string;
  report_id: string | null;
  kind: EvidenceKind;
  content_type: string;
  size_bytes: ColumnType<number, number, number>;
  sha256: string;
  original_name: string | null;
  storage_key: string;
  captured_at: Timestamp;
  captured_by: string;
  uploaded_at: DefaultTimestamp;
}

export type CustodyKind = 'captured' | 'uploaded' | 'viewed' | 'downloaded' | 'exported' | 'transferred_to_person' | 'transferred_to_prosecutor';
export interface CustodyEventsTable {
  id: Generated<number>;
  evidence_id: string;
  kind: CustodyKind;
  at: DefaultTimestamp;
  actor_id: string | null;
  actor_username: string | null;
  reason: string | null;
  recipient: string | null;
  sha256: string;
}

// Declaration merging keeps each module's tables in its own block of this file.
export interface DB {
  idempotency_keys: IdempotencyKeysTable;
  field_alerts: FieldAlertsTable;
  field_reports: FieldReportsTable;
  evidence_items: EvidenceItemsTable;
  custody_events: CustodyEventsTable;
}
