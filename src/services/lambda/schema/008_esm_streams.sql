-- Event source mappings of DynamoDB streams and Kinesis streams: where
-- reading starts, retries and record age, bisection, the on-failure
-- destination, filters (a JSON array of pattern texts), and one checkpoint
-- per shard: the position of the last record done with (processed, filtered
-- out, or given up on), how often the batch after it has failed, and the
-- bisection of a failed batch in progress.
ALTER TABLE lambda_esm ADD COLUMN starting_position TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_esm ADD COLUMN starting_ts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lambda_esm ADD COLUMN start_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lambda_esm ADD COLUMN parallel INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lambda_esm ADD COLUMN max_retries INTEGER NOT NULL DEFAULT -1;
ALTER TABLE lambda_esm ADD COLUMN max_age INTEGER NOT NULL DEFAULT -1;
ALTER TABLE lambda_esm ADD COLUMN bisect INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lambda_esm ADD COLUMN on_failure TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_esm ADD COLUMN filters TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_esm ADD COLUMN last_result TEXT NOT NULL DEFAULT '';

CREATE TABLE lambda_esm_shard (
    uuid     TEXT NOT NULL,
    shard    TEXT NOT NULL,
    after    INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lim      INTEGER NOT NULL DEFAULT 0, -- while a failed batch is bisected: the size of its parts (0: BatchSize)
    until_pos INTEGER NOT NULL DEFAULT 0, -- and the position of its last record
    PRIMARY KEY (uuid, shard)
) WITHOUT ROWID;
