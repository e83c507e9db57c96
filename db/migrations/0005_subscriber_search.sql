-- Substring search over e-mail and name without reading every row: a trigram full-text index
-- that triggers keep in step with the table (an erased person leaves the index too).
CREATE VIRTUAL TABLE subscribers_search USING fts5(email, name, content='subscribers', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER subscribers_search_insert AFTER INSERT ON subscribers BEGIN
  INSERT INTO subscribers_search(rowid, email, name) VALUES (new.id, new.email, new.name);
END;
--> statement-breakpoint
CREATE TRIGGER subscribers_search_delete AFTER DELETE ON subscribers BEGIN
  INSERT INTO subscribers_search(subscribers_search, rowid, email, name) VALUES ('delete', old.id, old.email, old.name);
END;
--> statement-breakpoint
CREATE TRIGGER subscribers_search_update AFTER UPDATE OF email, name ON subscribers BEGIN
  INSERT INTO subscribers_search(subscribers_search, rowid, email, name) VALUES ('delete', old.id, old.email, old.name);
  INSERT INTO subscribers_search(rowid, email, name) VALUES (new.id, new.email, new.name);
END;
--> statement-breakpoint
INSERT INTO subscribers_search(subscribers_search) VALUES ('rebuild');
