-- 008_sse.sql — the server-side encryption each object, version and upload was
-- written with (sse.c's stored form: "AES256", "aws:kms\nKEYID\nBK",
-- "C\nAES256\nKEYMD5"); NULL in older rows reads as AES256, AWS's default.
ALTER TABLE s3_object ADD COLUMN sse TEXT;
ALTER TABLE s3_version ADD COLUMN sse TEXT;
ALTER TABLE s3_upload ADD COLUMN sse TEXT;
