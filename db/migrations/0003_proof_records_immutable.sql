-- INSERT OR REPLACE does not fire DELETE triggers: refuse reusing a consent record's id.
CREATE TRIGGER consent_events_no_replace BEFORE INSERT ON consent_events
WHEN EXISTS (SELECT 1 FROM consent_events c WHERE c.id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'consent_events is append-only');
END;
--> statement-breakpoint
-- The consent wording a record points to is part of the proof as well.
CREATE TRIGGER consent_texts_no_update BEFORE UPDATE ON consent_texts
BEGIN
  SELECT RAISE(ABORT, 'consent_texts is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER consent_texts_no_delete BEFORE DELETE ON consent_texts
BEGIN
  SELECT RAISE(ABORT, 'consent_texts is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER consent_texts_no_replace BEFORE INSERT ON consent_texts
WHEN EXISTS (SELECT 1 FROM consent_texts c WHERE c.version = NEW.version AND c.language = NEW.language)
  AND NOT EXISTS (SELECT 1 FROM consent_texts c WHERE c.version = NEW.version AND c.language = NEW.language AND c.text = NEW.text)
BEGIN
  SELECT RAISE(ABORT, 'consent_texts is append-only: bump the consent text version');
END;
