-- Read replicas (CreateDBInstanceReadReplica, replica.c): replica_of is the
-- source DB instance's id (same account and region) while the instance is a
-- read replica, NULL once promoted or for any other instance. A replica's
-- machine replays its source's changes as PostgreSQL's streaming
-- replication sends them (engine.c), as the role whose password is the
-- source's repl_secret, copied to the replica. A promoted replica
-- (PromoteReadReplica, or its source deleted) is 'modifying' until the
-- engine has booted it again as a primary.
ALTER TABLE db_instance ADD COLUMN replica_of TEXT;
CREATE INDEX db_instance_by_source ON db_instance (account, region, replica_of) WHERE replica_of IS NOT NULL;
