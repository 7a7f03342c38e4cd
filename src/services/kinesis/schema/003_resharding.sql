-- Resharding: a shard made by SplitShard or MergeShards names its parent
-- (and a merge's adjacent parent); a split or merged shard is closed at the
-- record row id its EndingSequenceNumber carries.
ALTER TABLE kin_shard ADD COLUMN parent INTEGER;
ALTER TABLE kin_shard ADD COLUMN adjacent INTEGER;
ALTER TABLE kin_shard ADD COLUMN closed_row INTEGER;
