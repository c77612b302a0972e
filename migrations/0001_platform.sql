-- Platform: accounts, sessions, tokens, tamper-evident audit log, discretionary actions.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL,
  display_name text NOT NULL,
  email text,
  password_hash text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  must_change_password boolean NOT NULL DEFAULT false,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  mfa_secret text,
  mfa_enabled boolean NOT NULL DEFAULT false,
  mfa_last_step bigint,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE user_roles (
  user_id uuid NOT NULL REFERENCES users (id),
  role text NOT NULL,
  granted_by uuid REFERENCES users (id),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, role)
);

CREATE TABLE mfa_recovery_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  code_hash text NOT NULL,
  used_at timestamptz
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id);

-- A session id is never stored: only the SHA-256 of the cookie value.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users (id),
  stage text NOT NULL CHECK (stage IN ('mfa_pending', 'mfa_enrolment', 'active')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  client_ip text,
  user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The audit log: append-only, hash-chained, Merkle-checkpointed (see src/server/platform/audit).
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  actor_id uuid,
  actor_username text,
  actor_roles text[] NOT NULL DEFAULT '{}',
  actor_token_id uuid,
  action text NOT NULL,
  entity_type text,
  entity_id text,
  changes jsonb,
  reason jsonb,
  request_id text,
  client_ip text,
  prev_hash text NOT NULL,
  entry_hash text NOT NULL,
  leaf_hash text NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_time ON audit_log (occurred_at);

-- One row: serialises appends so sequence numbers have no gaps and the chain has one head.
CREATE TABLE audit_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_seq bigint NOT NULL,
  last_hash text NOT NULL
);
INSERT INTO audit_head (last_seq, last_hash)
VALUES (0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

CREATE TABLE audit_checkpoints (
  tree_size bigint PRIMARY KEY,
  root_hash text NOT NULL,
  origin text NOT NULL,
  issued_at timestamptz NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL
);

CREATE TABLE audit_signing_keys (
  key_id text PRIMARY KEY,
  public_key_pem text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit tables are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Discretionary actions: reasons come from a catalogue; some actions wait for a second person.
CREATE TABLE reason_codes (
  action text NOT NULL,
  code text NOT NULL,
  label_es text NOT NULL,
  label_en text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  PRIMARY KEY (action, code)
);

CREATE TABLE approval_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  payload jsonb NOT NULL,
  reason_code text NOT NULL,
  reason_text text NOT NULL,
  approver_role text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
  requested_by uuid NOT NULL REFERENCES users (id),
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_by uuid REFERENCES users (id),
  decided_at timestamptz,
  decision_note text,
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX approval_requests_pending ON approval_requests (status, approver_role);
CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (action, entity_type, entity_id)
  WHERE status = 'pending';

INSERT INTO reason_codes (action, code, label_es, label_en) VALUES
  ('identity.reset_mfa', 'device_lost', 'Dispositivo perdido o robado', 'Device lost or stolen'),
  ('identity.reset_mfa', 'device_replaced', 'Cambio de teléfono', 'Phone replaced'),
  ('identity.reset_mfa', 'other', 'Otro motivo (explicar)', 'Other reason (explain)'),
  ('identity.deactivate_user', 'left_institution', 'Dejó la institución', 'Left the institution'),
  ('identity.deactivate_user', 'suspended', 'Suspensión disciplinaria', 'Disciplinary suspension'),
  ('identity.deactivate_user', 'compromised', 'Cuenta comprometida', 'Account compromised'),
  ('identity.deactivate_user', 'other', 'Otro motivo (explicar)', 'Other reason (explain)');
