-- 011_restore.sql — an archived object's (GLACIER, DEEP_ARCHIVE) restored
-- copy: readable until restore_until_us (RestoreObject); NULL: none.
ALTER TABLE s3_object ADD COLUMN restore_until_us INTEGER;
ALTER TABLE s3_version ADD COLUMN restore_until_us INTEGER;
