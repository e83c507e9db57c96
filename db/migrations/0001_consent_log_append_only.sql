-- The consent log is proof: nobody changes a record, and records of a person who ever
-- confirmed stay (only never-confirmed sign-ups may be purged).
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN
  SELECT RAISE(ABORT, 'consent_events is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER consent_events_keep_proof BEFORE DELETE ON consent_events
WHEN EXISTS (SELECT 1 FROM consent_events c WHERE c.subscriber_id = OLD.subscriber_id AND c.kind = 'confirmed')
BEGIN
  SELECT RAISE(ABORT, 'consent records of a confirmed subscription are kept as proof');
END;
