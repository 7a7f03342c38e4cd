-- LoggingConfig (advanced logging controls): {"LogFormat", "ApplicationLogLevel",
-- "SystemLogLevel", "LogGroup"} as set, or NULL for the defaults (Text, the
-- function's /aws/lambda/NAME group).
ALTER TABLE lambda_function ADD COLUMN logging TEXT;
ALTER TABLE lambda_version ADD COLUMN logging TEXT;
