-- The customer managed key an archive or a connection is encrypted with
-- (KmsKeyIdentifier of Create/UpdateArchive and Create/UpdateConnection);
-- NULL: an AWS owned key.
ALTER TABLE archive ADD COLUMN kms_key TEXT;
ALTER TABLE connection ADD COLUMN kms_key TEXT;
