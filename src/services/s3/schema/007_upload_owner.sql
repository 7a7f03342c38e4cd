-- The account that will own a multipart upload's object and the ACL it will
-- get, fixed by CreateMultipartUpload (the bucket's ownership controls and
-- the x-amz-acl / x-amz-grant-* headers): ListParts and ListMultipartUploads
-- show that owner, CompleteMultipartUpload stores that ACL. NULL in rows
-- from before: the initiator's account owns, with the default ACL.
ALTER TABLE s3_upload ADD COLUMN owner_account TEXT;
ALTER TABLE s3_upload ADD COLUMN acl TEXT;
