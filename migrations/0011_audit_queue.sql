-- Audit queue + sequencer (see src/server/platform/audit/sequencer.ts). A business transaction
-- appends its entry here, with no global lock; one sequencer per database numbers, hashes and
-- chains committed entries into audit_log, moves audit_head and deletes them from the queue.
CREATE TABLE audit_queue (
  id bigserial PRIMARY KEY,
  queued_at timestamptz NOT NULL DEFAULT now(),
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
  client_ip text
);

-- Which queued entry a chained entry came from (unique: an entry is never chained twice), and when
-- it was chained (operational; not hashed). Entries written before this migration have neither.
ALTER TABLE audit_log ADD COLUMN queue_id bigint;
ALTER TABLE audit_log ADD COLUMN sequenced_at timestamptz;
CREATE UNIQUE INDEX audit_log_queue_id ON audit_log (queue_id) WHERE queue_id IS NOT NULL;

-- A queued entry is never edited, and leaves the queue only once its chained copy exists.
CREATE FUNCTION audit_queue_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_log WHERE queue_id = OLD.id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit queue entries leave only by being chained: % on audit_queue refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_queue_guard BEFORE UPDATE OR DELETE ON audit_queue
  FOR EACH ROW EXECUTE FUNCTION audit_queue_guard();
CREATE TRIGGER audit_queue_no_truncate BEFORE TRUNCATE ON audit_queue
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
