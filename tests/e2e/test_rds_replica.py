"""test_rds_replica.py — RDS read replicas of a PostgreSQL DB instance: CreateDBInstanceReadReplica
makes an instance of its own (its endpoint) that really replicates, a PostgreSQL hot standby
streaming its source's changes: rows written to the source are read at the replica, which refuses
writes; it follows its source across a Multi-AZ failover; a replica of the replica replays it too.
PromoteReadReplica makes it a standalone, writable instance; deleting a source promotes its
replicas. AWS's refusals: a source without automated backups, a subnet group for a same-region
replica, stopping either end, a source's backups turned off, a final snapshot of a replica; and the
AWS CLIs.
"""
import json

import pytest

from conftest import db_available as available
from conftest import psql, rds_runs, refused, serve, wait_for

pytestmark = pytest.mark.skipif(not rds_runs(), reason="no machines or no PostgreSQL server on this host")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100"})


def sql(ep, q):
    return psql(ep, "dbadmin", "secret-pass1", "app", q)


def rows(ep, q):
    """q's rows once the server answers it, as lines."""
    p = wait_for(lambda: (lambda p: p if p.returncode == 0 else None)(sql(ep, q)), timeout=60, step=0.5)
    return p.stdout.split()


def replicated(ep, q, want):
    """Waits until q at the replica's endpoint answers want (replication is asynchronous)."""
    wait_for(lambda: sql(ep, q).stdout.split() == want, timeout=60, step=0.3)


def described(rds, name):
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def test_read_replica(gureum, rds, subnet_group):
    rds.create_db_instance(DBInstanceIdentifier="src", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBSubnetGroupName=subnet_group, DBName="app", BackupRetentionPeriod=0, MultiAZ=True)
    src = available(rds, "src")
    ep = src["Endpoint"]
    assert rows(ep, "CREATE TABLE t (v text); INSERT INTO t VALUES ('before'); SELECT v FROM t") == ["before"]
    # AWS: a source needs automated backups
    err, status = refused(rds.create_db_instance_read_replica, DBInstanceIdentifier="rep",
                          SourceDBInstanceIdentifier="src")
    assert (err["Code"], err["Message"], status) == (
        "InvalidDBInstanceState", "Automated backups are not enabled for this database instance. To enable "
        "automated backups, use ModifyDBInstance to set the backup retention period to a non-zero value.", 400)
    rds.modify_db_instance(DBInstanceIdentifier="src", BackupRetentionPeriod=1, ApplyImmediately=True)
    for kw, code in [(dict(SourceDBInstanceIdentifier="nothere"), "DBInstanceNotFound"),
                     (dict(SourceDBInstanceIdentifier="src", DBSubnetGroupName=subnet_group),
                      "DBSubnetGroupNotAllowedFault"),
                     (dict(SourceDBInstanceIdentifier="src", MultiAZ=True), "InvalidParameterCombination"),
                     (dict(SourceDBInstanceIdentifier="arn:aws:rds:eu-west-1:000000000000:db:src"),
                      "InvalidParameterCombination")]:
        assert refused(rds.create_db_instance_read_replica, DBInstanceIdentifier="rep", **kw)[0]["Code"] == code, kw
    got = rds.create_db_instance_read_replica(DBInstanceIdentifier="Rep", SourceDBInstanceIdentifier="src",
                                              Tags=[{"Key": "role", "Value": "reader"}])["DBInstance"]
    assert (got["DBInstanceIdentifier"], got["DBInstanceStatus"], got["ReadReplicaSourceDBInstanceIdentifier"],
            got["BackupRetentionPeriod"], got["MasterUsername"], got["DBName"], got["DBInstanceClass"]) == (
        "rep", "creating", "src", 0, "dbadmin", "app", "db.t3.micro")
    assert got["DBSubnetGroup"]["DBSubnetGroupName"] == subnet_group
    assert got["StatusInfos"] == [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]
    assert got["TagList"] == [{"Key": "role", "Value": "reader"}]
    rep = available(rds, "rep")
    rep_ep = rep["Endpoint"]
    assert rep_ep["Address"] != ep["Address"] and rep_ep["Port"] == 5432
    assert described(rds, "src")["ReadReplicaDBInstanceIdentifiers"] == ["rep"]
    # the replica has the source's rows and the master user's password, and replays what follows
    assert rows(rep_ep, "SELECT v FROM t") == ["before"]
    assert sql(ep, "INSERT INTO t VALUES ('after')").returncode == 0
    replicated(rep_ep, "SELECT v FROM t ORDER BY v", ["after", "before"])
    # the source's server streams to its Multi-AZ standby and to the replica
    wait_for(lambda: sql(ep, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").stdout.split() ==
             ["2"], timeout=60, step=0.3)
    # it refuses writes, as a PostgreSQL read replica does
    p = sql(rep_ep, "INSERT INTO t VALUES ('nope')")
    assert p.returncode != 0 and "read-only transaction" in p.stderr, p.stderr
    # AWS's refusals while the two replicate
    for call, kw, code in [
            (rds.stop_db_instance, dict(DBInstanceIdentifier="src"), "InvalidDBInstanceState"),
            (rds.stop_db_instance, dict(DBInstanceIdentifier="rep"), "InvalidDBInstanceState"),
            (rds.modify_db_instance, dict(DBInstanceIdentifier="src", BackupRetentionPeriod=0),
             "InvalidParameterCombination"),
            (rds.delete_db_instance, dict(DBInstanceIdentifier="rep", FinalDBSnapshotIdentifier="last"),
             "InvalidParameterCombination"),
            (rds.promote_read_replica, dict(DBInstanceIdentifier="src"), "InvalidDBInstanceState")]:
        assert refused(call, **kw)[0]["Code"] == code, kw
    # the source fails over to its standby in the other zone: the replica streams from the new primary
    rds.reboot_db_instance(DBInstanceIdentifier="src", ForceFailover=True)
    assert available(rds, "src")["AvailabilityZone"] == src["SecondaryAvailabilityZone"]
    assert rows(ep, "INSERT INTO t VALUES ('moved'); SELECT count(*) FROM t") == ["3"]
    replicated(rep_ep, "SELECT count(*) FROM t", ["3"])
    # a replica of the replica replays it (PostgreSQL's cascading replication), once the replica has
    # automated backups (AWS: a source needs them; a replica is created without)
    err, _ = refused(rds.create_db_instance_read_replica, DBInstanceIdentifier="rep2", SourceDBInstanceIdentifier="rep")
    assert err["Code"] == "InvalidDBInstanceState"
    assert rds.modify_db_instance(DBInstanceIdentifier="rep", BackupRetentionPeriod=1)["DBInstance"][
        "BackupRetentionPeriod"] == 1
    rds.create_db_instance_read_replica(DBInstanceIdentifier="rep2", SourceDBInstanceIdentifier="rep")
    rep2_ep = available(rds, "rep2")["Endpoint"]
    assert described(rds, "rep2")["ReadReplicaSourceDBInstanceIdentifier"] == "rep"
    assert rows(rep2_ep, "SELECT count(*) FROM t") == ["3"]
    assert sql(ep, "INSERT INTO t VALUES ('cascaded')").returncode == 0
    replicated(rep2_ep, "SELECT count(*) FROM t", ["4"])
    rds.delete_db_instance(DBInstanceIdentifier="rep2", SkipFinalSnapshot=True)
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="rep2",
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    # promoted: a standalone instance of its own, writable, its source unchanged
    replicated(rep_ep, "SELECT count(*) FROM t", ["4"])
    got = rds.promote_read_replica(DBInstanceIdentifier="rep", BackupRetentionPeriod=3)["DBInstance"]
    assert got["DBInstanceStatus"] == "modifying" and "ReadReplicaSourceDBInstanceIdentifier" not in got
    rep = available(rds, "rep")
    assert rep["BackupRetentionPeriod"] == 3 and "StatusInfos" not in rep and rep["Endpoint"] == rep_ep
    assert rows(rep_ep, "INSERT INTO t VALUES ('own'); SELECT count(*) FROM t") == ["5"]
    assert rows(ep, "SELECT count(*) FROM t") == ["4"]
    assert described(rds, "src")["ReadReplicaDBInstanceIdentifiers"] == []
    err, _ = refused(rds.promote_read_replica, DBInstanceIdentifier="rep")
    assert err["Code"] == "InvalidDBInstanceState"
    # deleting a source promotes its replicas (AWS)
    rds.create_db_instance_read_replica(DBInstanceIdentifier="rep3", SourceDBInstanceIdentifier="src")
    rep3_ep = available(rds, "rep3")["Endpoint"]
    assert rows(rep3_ep, "SELECT count(*) FROM t") == ["4"]
    rds.delete_db_instance(DBInstanceIdentifier="src", SkipFinalSnapshot=True)
    rep3 = wait_for(lambda: (lambda d: d if d["DBInstanceStatus"] == "available" else None)(described(rds, "rep3")),
                    timeout=60, step=0.3)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in rep3
    assert rows(rep3_ep, "INSERT INTO t VALUES ('alone'); SELECT count(*) FROM t") == ["5"]
    for name in ("rep", "rep3"):
        rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def test_cli(gureum, rds, subnet_group, cli):
    rds.create_db_instance(DBInstanceIdentifier="clisrc", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBSubnetGroupName=subnet_group, DBName="app")
    available(rds, "clisrc")
    p = gureum.aws("rds", "create-db-instance-read-replica", "--db-instance-identifier", "clirep",
                   "--source-db-instance-identifier", "clisrc", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["DBInstance"]["ReadReplicaSourceDBInstanceIdentifier"] == "clisrc"
    available(rds, "clirep")
    p = gureum.aws("rds", "promote-read-replica", "--db-instance-identifier", "clirep", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["DBInstance"]["DBInstanceStatus"] == "modifying"
    assert available(rds, "clirep")["BackupRetentionPeriod"] == 1
    for name in ("clisrc", "clirep"):
        rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)
        rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier=name,
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 60})
