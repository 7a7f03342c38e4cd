-- 008_global_mrsc.sql — multi-Region strong consistency (global.c): the
-- consistency mode a version 2019.11.21 group was made with ('STRONG'; NULL
-- is AWS's default, EVENTUAL, which DescribeTable does not report) and the
-- region of its witness, if it has one (a witness holds no table).
ALTER TABLE ddb_global ADD COLUMN consistency TEXT;
ALTER TABLE ddb_global ADD COLUMN witness TEXT;
