"""test_rds_instance.py — Scenario H's RDS part: a PostgreSQL DB instance in Scenario F's DB subnet
group that a real client connects to at its endpoint (psql, password logins); it keeps its data
across reboot, stop/start and a kill -9 of the server; a new master password really applies;
AWS's statuses, waiters and refusals; the AWS CLIs. Multi-AZ runs a real standby in the second
zone, a PostgreSQL server streaming the primary's changes (seen in the primary's
pg_stat_replication); a reboot with ForceFailover promotes it, so the endpoint serves every
committed row from the other zone, and the old primary comes back as the new standby; a primary
whose server dies fails over by itself, the instance staying available (a single-AZ one is started
again in place), also while backing up, the snapshot then taken from the new primary; ModifyDBInstance adds and removes the standby; ForceFailover is refused without one.
"""
import json
import os

import pytest

from conftest import db_available as available
from conftest import psql, rds_runs, refused, serve, wait_for

pytestmark = pytest.mark.skipif(not rds_runs(), reason="no machines or no PostgreSQL server on this host")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    # a snapshot's base backup waits 3 s (test build only), so that a failure can come first
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_RDS_SNAPSHOT_DELAY_MS": "3000"})


def test_postgres_instance(gureum, rds, subnet_group):
    got = rds.create_db_instance(DBInstanceIdentifier="MyDB", Engine="postgres", DBInstanceClass="db.t3.micro",
                                 MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                                 DBSubnetGroupName=subnet_group, DBName="app", MultiAZ=True,
                                 Tags=[{"Key": "env", "Value": "lab"}])["DBInstance"]
    assert (got["DBInstanceIdentifier"], got["DBInstanceStatus"], got["Engine"], got["MasterUsername"],
            got["DBName"], got["AllocatedStorage"], got["MultiAZ"]) == ("mydb", "creating", "postgres", "dbadmin",
                                                                        "app", 20, True)
    assert "Endpoint" not in got
    assert got["DBSubnetGroup"]["DBSubnetGroupName"] == "rds-group"
    assert {got["AvailabilityZone"], got["SecondaryAvailabilityZone"]} == {"us-east-1a", "us-east-1b"}
    assert got["DBInstanceArn"] == "arn:aws:rds:us-east-1:000000000000:db:mydb"
    assert got["DbiResourceId"].startswith("db-") and got["EngineVersion"].split(".")[0].isdigit()
    db = available(rds, "mydb")
    ep = db["Endpoint"]
    assert ep["Address"].startswith("127.203.") and ep["Port"] == 5432
    p = wait_for(lambda: (lambda p: p if p.returncode == 0 else None)(
        psql(ep, "dbadmin", "secret-pass1", "app", "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept'); "
                                                  "SELECT current_database(), current_user")))
    assert p.stdout.split() == ["app|dbadmin"]
    assert db["EngineVersion"] in psql(ep, "dbadmin", "secret-pass1", "app", "SHOW server_version").stdout
    bad = psql(ep, "dbadmin", "wrong-pass1", "app", "SELECT 1")
    assert bad.returncode != 0 and "password authentication failed" in bad.stderr
    assert rds.list_tags_for_resource(ResourceName=db["DBInstanceArn"])["TagList"] == [{"Key": "env", "Value": "lab"}]

    # Reboot keeps the data.
    assert rds.reboot_db_instance(DBInstanceIdentifier="mydb")["DBInstance"]["DBInstanceStatus"] == "rebooting"
    available(rds, "mydb")
    assert wait_for(lambda: psql(ep, "dbadmin", "secret-pass1", "app", "SELECT v FROM t").stdout.strip()) == "kept"

    # A new master password.
    m = rds.modify_db_instance(DBInstanceIdentifier="mydb", MasterUserPassword="new-secret2", ApplyImmediately=True)
    assert m["DBInstance"]["DBInstanceStatus"] == "resetting-master-credentials"
    available(rds, "mydb")
    assert wait_for(lambda: psql(ep, "dbadmin", "new-secret2", "app", "SELECT v FROM t").stdout.strip()) == "kept"
    assert psql(ep, "dbadmin", "secret-pass1", "app", "SELECT 1").returncode != 0

    # Stop and start.
    assert rds.stop_db_instance(DBInstanceIdentifier="mydb")["DBInstance"]["DBInstanceStatus"] == "stopping"
    wait_for(lambda: rds.describe_db_instances(DBInstanceIdentifier="mydb")["DBInstances"][0][
        "DBInstanceStatus"] == "stopped")  # boto3 1.26 has no db_instance_stopped waiter
    assert psql(ep, "dbadmin", "new-secret2", "app", "SELECT 1").returncode != 0
    err, _ = refused(rds.stop_db_instance, DBInstanceIdentifier="mydb")
    assert err["Code"] == "InvalidDBInstanceState"
    rds.start_db_instance(DBInstanceIdentifier="mydb")
    available(rds, "mydb")
    assert wait_for(lambda: psql(ep, "dbadmin", "new-secret2", "app", "SELECT v FROM t").stdout.strip()) == "kept"

    # The server killed: the instance comes back with its data.
    gureum.restart(kill9=True)
    rds2 = gureum.client("rds")
    assert wait_for(lambda: psql(ep, "dbadmin", "new-secret2", "app", "SELECT v FROM t").stdout.strip()) == "kept"
    assert rds2.describe_db_instances(DBInstanceIdentifier="mydb")["DBInstances"][0]["DBInstanceStatus"] == \
        "available"

    # Delete.
    err, _ = refused(rds2.delete_db_instance, DBInstanceIdentifier="mydb")
    assert (err["Code"], err["Message"]) == ("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required "
                                             "unless SkipFinalSnapshot is specified.")
    d = rds2.delete_db_instance(DBInstanceIdentifier="mydb", SkipFinalSnapshot=True)["DBInstance"]
    assert d["DBInstanceStatus"] == "deleting"
    rds2.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="mydb",
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    err, status = refused(rds2.describe_db_instances, DBInstanceIdentifier="mydb")
    assert (err["Code"], err["Message"], status) == ("DBInstanceNotFound", "DBInstance mydb not found.", 404)
    assert psql(ep, "dbadmin", "new-secret2", "app", "SELECT 1").returncode != 0


def test_refusals(rds, subnet_group):
    base = dict(DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="dbadmin",
                MasterUserPassword="secret-pass1", AllocatedStorage=20, DBSubnetGroupName=subnet_group)
    cases = [
        (dict(base, DBInstanceIdentifier="1bad"), "InvalidParameterValue"),
        (dict(base, DBInstanceIdentifier="bad--id"), "InvalidParameterValue"),
        (dict(base, DBInstanceIdentifier="ok1", MasterUserPassword="short"), "InvalidParameterValue"),
        (dict(base, DBInstanceIdentifier="ok1", AllocatedStorage=5), "InvalidParameterValue"),
        (dict(base, DBInstanceIdentifier="ok1", Engine="nosql"), "InvalidParameterValue"),
        (dict(base, DBInstanceIdentifier="ok1", EngineVersion="9.6"), "InvalidParameterCombination"),
        (dict(base, DBInstanceIdentifier="ok1", DBSubnetGroupName="nope"), "DBSubnetGroupNotFoundFault"),
        (dict(base, DBInstanceIdentifier="ok1", DBInstanceClass="m5.large"), "InvalidParameterValue"),
    ]
    for kw, code in cases:
        err, status = refused(rds.create_db_instance, **kw)
        assert err["Code"] == code, (kw, err)
    err, _ = refused(rds.create_db_instance, **dict(base, DBInstanceIdentifier="ok1", MasterUserPassword="short"))
    assert err["Message"] == ("The parameter MasterUserPassword is not a valid password because it is shorter than "
                              "8 characters.")
    err, _ = refused(rds.describe_db_instances, DBInstanceIdentifier="nothere")
    assert (err["Code"], err["Message"]) == ("DBInstanceNotFound", "DBInstance nothere not found.")


def test_cli(gureum, subnet_group, cli):
    p = gureum.aws("rds", "create-db-instance", "--db-instance-identifier", "clidb", "--engine", "postgres",
                   "--db-instance-class", "db.t3.micro", "--master-username", "dbadmin", "--master-user-password",
                   "secret-pass1", "--allocated-storage", "20", "--db-subnet-group-name", subnet_group, cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["DBInstance"]["DBInstanceStatus"] == "creating"
    # (the CLI's own waiter polls every 30 s: too slow for a test)
    def described():
        p = gureum.aws("rds", "describe-db-instances", "--db-instance-identifier", "clidb", "--query",
                       "DBInstances[0].[DBInstanceStatus,Endpoint.Port]", "--output", "text", cli=cli)
        return p.stdout.split() == ["available", "5432"]
    wait_for(described, step=0.5)
    p = gureum.aws("rds", "delete-db-instance", "--db-instance-identifier", "clidb", "--skip-final-snapshot",
                   cli=cli)
    assert p.returncode == 0, p.stderr
    wait_for(lambda: "DBInstanceNotFound" in gureum.aws("rds", "describe-db-instances", "--db-instance-identifier",
                                                        "clidb", cli=cli).stderr, step=0.5)


# ==== Multi-AZ: a standby that really replicates, and failovers ====


def app_sql(ep, sql):
    return psql(ep, "dbadmin", "secret-pass1", "app", sql)


def rows(ep, sql):
    """sql's rows once the server answers it, as lines."""
    p = wait_for(lambda: (lambda p: p if p.returncode == 0 else None)(app_sql(ep, sql)), timeout=60, step=0.5)
    return p.stdout.split()


def streaming(ep):
    """Waits until a standby streams the primary's changes (the primary's own view of it)."""
    wait_for(lambda: app_sql(ep, "SELECT state FROM pg_stat_replication").stdout.split() == ["streaming"],
             timeout=120, step=0.5)


def create(rds, name, group, multi):
    rds.create_db_instance(DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBSubnetGroupName=group, DBName="app", MultiAZ=multi)
    return available(rds, name)


def failover(rds, name):
    got = rds.reboot_db_instance(DBInstanceIdentifier=name, ForceFailover=True)["DBInstance"]
    assert got["DBInstanceStatus"] == "rebooting"
    return available(rds, name)


def test_failover_to_the_standby(gureum, rds, subnet_group):
    db = create(rds, "hadb", subnet_group, True)
    zone, second, ep = db["AvailabilityZone"], db["SecondaryAvailabilityZone"], db["Endpoint"]
    assert db["MultiAZ"] and {zone, second} == {"us-east-1a", "us-east-1b"}
    assert rows(ep, "CREATE TABLE t (v text); INSERT INTO t VALUES ('before'); SELECT count(*) FROM t") == ["1"]
    streaming(ep)
    # committed just before the failover: the clean stop hands it to the standby
    assert app_sql(ep, "INSERT INTO t VALUES ('last')").returncode == 0
    db = failover(rds, "hadb")
    assert (db["AvailabilityZone"], db["SecondaryAvailabilityZone"], db["Endpoint"]) == (second, zone, ep)
    assert rows(ep, "SELECT v FROM t ORDER BY v") == ["before", "last"]
    assert rows(ep, "SELECT pg_is_in_recovery()") == ["f"]
    assert rows(ep, "INSERT INTO t VALUES ('after'); SELECT count(*) FROM t") == ["3"]
    # the old primary is the new standby, and a second failover comes back to the first zone
    streaming(ep)
    db = failover(rds, "hadb")
    assert (db["AvailabilityZone"], db["SecondaryAvailabilityZone"]) == (zone, second)
    assert rows(ep, "SELECT v FROM t ORDER BY v") == ["after", "before", "last"]
    # a plain reboot restarts the primary (each time) in its zone
    for _ in range(2):
        started = rows(ep, "SELECT pg_postmaster_start_time()")
        rds.reboot_db_instance(DBInstanceIdentifier="hadb")
        assert available(rds, "hadb")["AvailabilityZone"] == zone
        assert rows(ep, "SELECT count(*) FROM t") == ["3"]
        assert rows(ep, "SELECT pg_postmaster_start_time()") != started
    # The primary fails: RDS fails over by itself, the instance staying available. (Replication is
    # asynchronous here, so the test first waits until the standby has the last change on disk.)
    streaming(ep)
    lsn = rows(ep, "INSERT INTO t VALUES ('kept'); SELECT pg_current_wal_lsn()")[0]
    wait_for(lambda: app_sql(ep, "SELECT flush_lsn >= '%s' FROM pg_stat_replication" % lsn).stdout.split() == ["t"],
             timeout=30, step=0.2)
    app_sql(ep, "COPY (SELECT 1) TO PROGRAM 'kill -9 $(head -1 /var/lib/postgresql/data/postmaster.pid)'")
    wait_for(lambda: rds.describe_db_instances(DBInstanceIdentifier="hadb")["DBInstances"][0][
        "AvailabilityZone"] == second, timeout=60, step=0.3)
    db = rds.describe_db_instances(DBInstanceIdentifier="hadb")["DBInstances"][0]
    assert (db["DBInstanceStatus"], db["SecondaryAvailabilityZone"], db["Endpoint"]) == ("available", zone, ep)
    assert rows(ep, "SELECT v FROM t ORDER BY v") == ["after", "before", "kept", "last"]
    assert rows(ep, "SELECT pg_is_in_recovery()") == ["f"]
    streaming(ep)  # the failed primary's zone has a standby again
    # three failovers, each an RDS event when it starts and when it is complete
    fo = [e["Message"] for e in rds.describe_events(SourceType="db-instance", SourceIdentifier="hadb",
                                                    EventCategories=["failover"])["Events"]]
    assert len(fo) == 6 and fo[-2:] == [
        "A Multi-AZ failover that resulted in the promotion of a standby instance has started.",
        "A Multi-AZ failover that resulted in the promotion of a standby instance is complete. It may take several "
        "minutes for the DNS to transfer to the new primary DB instance."], fo
    # The primary fails while the instance is backing up: RDS fails over all the same, and the snapshot
    # is taken from the new primary (its backup waits 3 s here, so that the failure comes first).
    rds.create_db_snapshot(DBSnapshotIdentifier="during", DBInstanceIdentifier="hadb")
    assert rds.describe_db_instances(DBInstanceIdentifier="hadb")["DBInstances"][0]["DBInstanceStatus"] == "backing-up"
    app_sql(ep, "COPY (SELECT 1) TO PROGRAM 'kill -9 $(head -1 /var/lib/postgresql/data/postmaster.pid)'")
    wait_for(lambda: rds.describe_db_instances(DBInstanceIdentifier="hadb")["DBInstances"][0][
        "AvailabilityZone"] == zone, timeout=60, step=0.3)
    rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier="during",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    db = available(rds, "hadb")
    assert (db["SecondaryAvailabilityZone"], db["Endpoint"]) == (second, ep)
    assert rows(ep, "SELECT v FROM t ORDER BY v") == ["after", "before", "kept", "last"]
    copy = os.path.join(gureum.data_dir, "rds", "snapshots", "000000000000", "us-east-1", "during")
    assert os.path.isfile(os.path.join(copy, "PG_VERSION")) and os.path.isfile(os.path.join(copy, "backup_label"))
    rds.delete_db_snapshot(DBSnapshotIdentifier="during")
    rds.delete_db_instance(DBInstanceIdentifier="hadb", SkipFinalSnapshot=True)
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="hadb",
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def test_standby_added_and_removed(rds, subnet_group):
    db = create(rds, "single", subnet_group, False)
    ep = db["Endpoint"]
    assert not db["MultiAZ"] and "SecondaryAvailabilityZone" not in db
    err, status = refused(rds.reboot_db_instance, DBInstanceIdentifier="single", ForceFailover=True)
    assert (err["Code"], status) == ("InvalidParameterCombination", 400)
    assert rows(ep, "CREATE TABLE k (v int); INSERT INTO k VALUES (7); SELECT v FROM k") == ["7"]
    m = rds.modify_db_instance(DBInstanceIdentifier="single", MultiAZ=True, ApplyImmediately=True)["DBInstance"]
    assert m["MultiAZ"] and m["SecondaryAvailabilityZone"] != m["AvailabilityZone"]
    streaming(ep)
    # a new port: the instance reboots on it, and its standby follows
    m = rds.modify_db_instance(DBInstanceIdentifier="single", DBPortNumber=5440, ApplyImmediately=True)["DBInstance"]
    assert m["DBInstanceStatus"] == "rebooting"
    ep = available(rds, "single")["Endpoint"]
    assert ep["Port"] == 5440 and rows(ep, "SELECT v FROM k") == ["7"]
    assert psql({**ep, "Port": 5432}, "dbadmin", "secret-pass1", "app", "SELECT 1").returncode != 0
    streaming(ep)
    db = failover(rds, "single")
    assert db["AvailabilityZone"] == m["SecondaryAvailabilityZone"]
    assert rows(ep, "SELECT v FROM k") == ["7"]
    m = rds.modify_db_instance(DBInstanceIdentifier="single", MultiAZ=False, ApplyImmediately=True)["DBInstance"]
    assert not m["MultiAZ"] and "SecondaryAvailabilityZone" not in m
    wait_for(lambda: app_sql(ep, "SELECT count(*) FROM pg_stat_replication").stdout.split() == ["0"], timeout=60,
             step=0.5)
    assert rows(ep, "SELECT v FROM k") == ["7"]
    # without a standby, a server that dies is started again in place (RDS recovers the instance)
    started = rows(ep, "SELECT pg_postmaster_start_time()")
    app_sql(ep, "COPY (SELECT 1) TO PROGRAM 'kill -9 $(head -1 /var/lib/postgresql/data/postmaster.pid)'")
    wait_for(lambda: (lambda p: p.returncode == 0 and p.stdout.split() != started)(
        app_sql(ep, "SELECT pg_postmaster_start_time()")), timeout=60, step=0.3)
    assert rows(ep, "SELECT v FROM k") == ["7"]
    assert rds.describe_db_instances(DBInstanceIdentifier="single")["DBInstances"][0]["DBInstanceStatus"] == "available"
    rds.delete_db_instance(DBInstanceIdentifier="single", SkipFinalSnapshot=True)


def test_engine_versions(rds):
    """The versions offered are the host's PostgreSQL server's: the one CreateDBInstance runs."""
    got = rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"]
    assert len(got) == 1
    v = got[0]
    major = v["EngineVersion"].split(".")[0]
    assert (v["Engine"], v["DBParameterGroupFamily"], v["MajorEngineVersion"], v["Status"]) == (
        "postgres", "postgres" + major, major, "available")
    assert rds.describe_db_engine_versions(Engine="postgres", EngineVersion=major)["DBEngineVersions"] == got
    assert [e for e in rds.describe_db_engine_versions()["DBEngineVersions"] if e["Engine"] == "postgres"] == got
    assert rds.describe_db_engine_versions(Engine="oracle-ee")["DBEngineVersions"] == []
    assert rds.describe_db_engine_versions(Engine="postgres", EngineVersion="9.6.1")["DBEngineVersions"] == []
    assert rds.describe_db_engine_versions(DBParameterGroupFamily="postgres" + major)["DBEngineVersions"] == got
