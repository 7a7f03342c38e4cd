-- 014_website_redirect.sql — an object's x-amz-website-redirect-location
-- (PutObject, CopyObject, CreateMultipartUpload, POST upload): the
-- website endpoint answers the object with a 301 to it (website.c); NULL:
-- none. An upload keeps it until it completes.
ALTER TABLE s3_object ADD COLUMN website_redirect TEXT;
ALTER TABLE s3_version ADD COLUMN website_redirect TEXT;
ALTER TABLE s3_upload ADD COLUMN website_redirect TEXT;
