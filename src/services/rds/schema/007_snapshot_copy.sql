-- Copies of DB snapshots (CopyDBSnapshot, snapshot.c): source names the
-- snapshot a copy is made of ("REGION/ID": a copy may come from another
-- region of the account), which the engine copies while the copy is
-- creating; original_ms is when the first of the chain was taken.
ALTER TABLE db_snapshot ADD COLUMN source TEXT;
ALTER TABLE db_snapshot ADD COLUMN original_ms INTEGER;
