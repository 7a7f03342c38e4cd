-- Every log group a Logs Insights query ran on (ListLogGroupsForQuery), as a
-- JSON array of names; NULL for queries stored before.
ALTER TABLE insights_query ADD COLUMN groups TEXT;
