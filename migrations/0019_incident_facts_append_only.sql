-- An incident's facts are added, never edited: a location or answer is never overwritten (a new one
-- is appended and a person chooses the current one), as the timeline, links and calls already are.
CREATE TRIGGER incident_locations_append_only BEFORE UPDATE OR DELETE ON incident_locations
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_answers_append_only BEFORE UPDATE OR DELETE ON incident_answers
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_timeline_no_truncate BEFORE TRUNCATE ON incident_timeline
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_locations_no_truncate BEFORE TRUNCATE ON incident_locations
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_answers_no_truncate BEFORE TRUNCATE ON incident_answers
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_links_no_truncate BEFORE TRUNCATE ON incident_links
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER incident_calls_no_truncate BEFORE TRUNCATE ON incident_calls
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
