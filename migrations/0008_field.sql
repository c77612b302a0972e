-- Field officer app: idempotent device actions, panic alerts, field reports, evidence and its chain of custody.

-- A device replays queued actions after a network drop: the first answer to a key is the answer to every replay.
CREATE TABLE idempotency_keys (
  principal_id uuid NOT NULL REFERENCES users (id),
  key text NOT NULL,
  operation text NOT NULL,
  request_hash text NOT NULL,
  status_code int NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal_id, key)
);

CREATE TABLE field_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('panic', 'backup')),
  priority int NOT NULL,
  unit_id uuid NOT NULL REFERENCES units (id),
  incident_id uuid REFERENCES incidents (id),
  raised_by uuid NOT NULL REFERENCES users (id),
  lat double precision,
  lon double precision,
  accuracy_m double precision,
  raised_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE field_reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  unit_id uuid NOT NULL REFERENCES units (id),
  author_id uuid NOT NULL REFERENCES users (id),
  narrative text NOT NULL,
  persons jsonb NOT NULL DEFAULT '[]',
  vehicles jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX field_reports_incident ON field_reports (incident_id, created_at);

CREATE TABLE evidence_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  report_id uuid REFERENCES field_reports (id),
  kind text NOT NULL CHECK (kind IN ('photo', 'audio', 'document')),
  content_type text NOT NULL,
  size_bytes bigint NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  original_name text,
  storage_key text NOT NULL,
  captured_at timestamptz NOT NULL,
  captured_by uuid NOT NULL REFERENCES users (id),
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_items_incident ON evidence_items (incident_id, uploaded_at);

-- The chain of custody is a list of facts: rows are never edited or removed.
CREATE TABLE custody_events (
  id bigserial PRIMARY KEY,
  evidence_id uuid NOT NULL REFERENCES evidence_items (id),
  kind text NOT NULL CHECK (kind IN ('captured', 'uploaded', 'viewed', 'downloaded', 'exported', 'transferred_to_person', 'transferred_to_prosecutor')),
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid REFERENCES users (id),
  actor_username text,
  reason text,
  recipient text,
  sha256 text NOT NULL
);
CREATE INDEX custody_events_evidence ON custody_events (evidence_id, id);
CREATE TRIGGER custody_events_append_only BEFORE UPDATE OR DELETE ON custody_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
