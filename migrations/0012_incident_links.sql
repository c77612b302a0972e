-- Incidents a call-taker judged related (kept both open), and further calls about one incident
-- (a repeat caller is recorded on the incident instead of opening a duplicate).
CREATE TABLE incident_links (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  related_id uuid NOT NULL REFERENCES incidents (id),
  linked_by uuid REFERENCES users (id),
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, related_id),
  CHECK (incident_id < related_id)
);
CREATE INDEX incident_links_related ON incident_links (related_id);

CREATE TABLE incident_calls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  source text NOT NULL,
  caller_number text,
  caller_name text,
  description text NOT NULL DEFAULT '',
  received_at timestamptz NOT NULL,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_calls_incident ON incident_calls (incident_id, received_at);

-- Like the timeline, these are facts: never edited nor deleted.
CREATE TRIGGER incident_links_append_only BEFORE UPDATE OR DELETE ON incident_links FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_calls_append_only BEFORE UPDATE OR DELETE ON incident_calls FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
