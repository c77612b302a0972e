-- Published checkpoint keys are append-only too: a forger must not be able to slip in a key of their own.
CREATE TRIGGER audit_signing_keys_append_only BEFORE UPDATE OR DELETE ON audit_signing_keys
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_signing_keys_no_truncate BEFORE TRUNCATE ON audit_signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Merging takes an incident off the queue: it is discretionary, like cancelling.
INSERT INTO reason_codes (action, code, label_es, label_en) VALUES
  ('emergency.merge', 'duplicate_call', 'Llamada duplicada del mismo hecho', 'Duplicate call about the same event'),
  ('emergency.merge', 'same_event', 'Mismo hecho reportado por varias personas', 'Same event reported by several people'),
  ('emergency.merge', 'other', 'Otro motivo (explicar)', 'Other reason (explain)');
