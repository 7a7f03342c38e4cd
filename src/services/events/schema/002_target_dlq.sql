-- Targets keep their dead-letter queue and retry policy.
ALTER TABLE target ADD COLUMN dlq_arn TEXT;
ALTER TABLE target ADD COLUMN retry_max INTEGER;
ALTER TABLE target ADD COLUMN retry_age INTEGER;
