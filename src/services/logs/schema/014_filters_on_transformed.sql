-- Whether a metric or subscription filter reads events as a transformer
-- left them (applyOnTransformedLogs) or as they arrived (the default).
ALTER TABLE metric_filter ADD COLUMN on_transformed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscription_filter ADD COLUMN on_transformed INTEGER NOT NULL DEFAULT 0;
