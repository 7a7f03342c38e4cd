-- Lambda: the rest of a function's configuration, its code file, resource
-- policy, tags, reserved concurrency, dead-letter target.
ALTER TABLE lambda_function ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN env_json TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN code_id TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN revision TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN tags_json TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN reserved INTEGER NOT NULL DEFAULT -1;
ALTER TABLE lambda_function ADD COLUMN dlq_arn TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_function ADD COLUMN ephemeral_mb INTEGER NOT NULL DEFAULT 512;

-- SQS event source mappings.
CREATE TABLE lambda_esm (
    uuid          TEXT PRIMARY KEY,
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    function_name TEXT NOT NULL,
    source_arn    TEXT NOT NULL,
    batch_size    INTEGER NOT NULL,
    window_s      INTEGER NOT NULL DEFAULT 0,
    enabled       INTEGER NOT NULL DEFAULT 1,
    partial       INTEGER NOT NULL DEFAULT 0,
    last_modified INTEGER NOT NULL
) WITHOUT ROWID;
