-- Event source mappings' newer settings: ScalingConfig's MaximumConcurrency
-- (0: none set), KMSKeyArn ('' : none), MetricsConfig's Metrics as a JSON
-- array (NULL: never set); the mapping's tags (a JSON object, '' for none).
ALTER TABLE lambda_esm ADD COLUMN max_concurrency INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lambda_esm ADD COLUMN kms_key TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_esm ADD COLUMN metrics TEXT;
ALTER TABLE lambda_esm ADD COLUMN tags_json TEXT NOT NULL DEFAULT '';
