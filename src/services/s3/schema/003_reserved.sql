-- Placeholder for helper s3obj's migration 003 (object versions), so that
-- 004 can land first; removed when s3obj's 003 is merged.
SELECT 1;
