-- Multi-AZ (engine.c): standby_ip is the standby's private address, in the
-- second zone; node says which of the instance's two machines (0: its
-- folder's, 1: its standby folder's) is the primary now, as a forced
-- failover swaps them (and the zones and addresses); failover is 1 while
-- one is under way; repl_secret is the password of the role the standby
-- replicates as, made with the standby.
ALTER TABLE db_instance ADD COLUMN standby_ip TEXT;
ALTER TABLE db_instance ADD COLUMN node INTEGER NOT NULL DEFAULT 0;
ALTER TABLE db_instance ADD COLUMN failover INTEGER NOT NULL DEFAULT 0;
ALTER TABLE db_instance ADD COLUMN repl_secret TEXT;
