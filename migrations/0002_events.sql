-- Live push: a transactional outbox of small "something changed" events, relayed to WebSocket clients.
-- Rows are written in the same transaction as the change they announce and pruned after a few days.

CREATE TABLE events (
  seq bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  topic text NOT NULL,
  kind text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  version integer,
  department text,
  data jsonb
);
-- The retention prune deletes by age.
CREATE INDEX events_occurred_at_idx ON events (occurred_at);
