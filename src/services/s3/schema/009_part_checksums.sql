-- 009_part_checksums.sql — each part's checksum (base64, of its upload's
-- ChecksumAlgorithm) and, on a completed object, its parts' checksums
-- "c1,c2,…" in part order (GetObjectAttributes ObjectParts); the object's own
-- checksum column then holds the composite "base64-N".
ALTER TABLE s3_part ADD COLUMN checksum TEXT;
ALTER TABLE s3_object ADD COLUMN part_checksums TEXT;
ALTER TABLE s3_version ADD COLUMN part_checksums TEXT;
