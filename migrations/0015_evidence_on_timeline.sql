-- Evidence now appears on its incident's timeline as it arrives (kind evidence_added, which the console
-- counts to offer the field file). Items uploaded before that get their entry here, at their upload time.
INSERT INTO incident_timeline (incident_id, at, actor_id, actor_username, kind, data)
SELECT e.incident_id, e.uploaded_at, e.captured_by, u.username, 'evidence_added',
       jsonb_build_object('evidenceId', e.id, 'kind', e.kind, 'reportId', e.report_id, 'backfilled', true)
FROM evidence_items e
JOIN users u ON u.id = e.captured_by
WHERE NOT EXISTS (
  SELECT 1 FROM incident_timeline t
  WHERE t.incident_id = e.incident_id AND t.kind = 'evidence_added' AND t.data ->> 'evidenceId' = e.id::text
)
ORDER BY e.uploaded_at, e.id;
