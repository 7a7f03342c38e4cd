-- A small object's bytes kept in its own row (S3_INLINE_MAX): one SQLite
-- commit instead of a file created, renamed and later unlinked, which was
-- most of a 4 KiB PUT. Such a row's blob is '' (no file); data is NULL for
-- an object whose bytes are blob files. Rows copied between s3_object and
-- s3_version carry it with the other object columns.
ALTER TABLE s3_object ADD COLUMN data BLOB;
ALTER TABLE s3_version ADD COLUMN data BLOB;
