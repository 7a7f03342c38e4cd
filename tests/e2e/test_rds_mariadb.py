"""test_rds_mariadb.py — RDS DB instances of the mariadb and mysql engines, which run the host's
MariaDB server (Debian's mariadb-server; MySQL's clients speak to it): an instance a real client
(the mariadb command) connects to at its endpoint with the master user's password, its DBName made;
its data kept across reboot and stop/start; a new master password that really applies; a DB
snapshot and an instance restored from it with the snapshot's rows; the server's error log
(DescribeDBLogFiles, DownloadDBLogFilePortion); Multi-AZ with a standby replicating
semi-synchronously and a forced failover that keeps every committed row; a read replica that follows
its source and is writable once promoted; DescribeDBEngineVersions; DB parameter groups of their own,
which gureum does not serve for these engines, refused saying so.
"""
import datetime
import json
import os
import shutil
import subprocess

import pytest

from conftest import db_available as available
from conftest import machines_supported, refused, serve, wait_for

MARIADB = shutil.which("mariadb")
pytestmark = pytest.mark.skipif(not (machines_supported() and MARIADB and os.path.exists("/usr/sbin/mariadbd")),
                                reason="no machines or no MariaDB server on this host")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_METRICS_FLUSH_MS": "1000"})


def sql(ep, user, password, db, text):
    """The mariadb client's run of text at a DB instance's endpoint (tab-separated rows, no header)."""
    args = [MARIADB, "--no-defaults", "-h", ep["Address"], "-P", str(ep["Port"]), "-u", user,
            "--connect-timeout=5", "-N", "-B", "-e", text] + ([db] if db else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=30,
                          env={**os.environ, "MYSQL_PWD": password})


def rows(ep, user, password, db, text):
    """text's rows once the server answers (None until then)."""
    p = sql(ep, user, password, db, text)
    return p.stdout.split("\n")[:-1] if p.returncode == 0 else None


def test_engine_versions(rds):
    """mariadb at the host's MariaDB version; mysql at RDS's MySQL 8.0 version, served by it."""
    maria = rds.describe_db_engine_versions(Engine="mariadb")["DBEngineVersions"]
    assert len(maria) == 1
    v = maria[0]
    major = ".".join(v["EngineVersion"].split(".")[:2])
    assert (v["DBParameterGroupFamily"], v["MajorEngineVersion"], v["DBEngineDescription"]) == (
        "mariadb" + major, major, "MariaDB Community Edition")
    assert rds.describe_db_engine_versions(Engine="mariadb", EngineVersion=major)["DBEngineVersions"] == maria
    my = rds.describe_db_engine_versions(Engine="mysql")["DBEngineVersions"]
    assert [(m["EngineVersion"][:4], m["DBParameterGroupFamily"], m["MajorEngineVersion"]) for m in my] == [
        ("8.0.", "mysql8.0", "8.0")]
    assert "MariaDB " + v["EngineVersion"] in my[0]["DBEngineVersionDescription"]
    assert rds.describe_db_engine_versions(DBParameterGroupFamily="mysql8.0")["DBEngineVersions"] == my
    assert rds.describe_db_engine_versions(Engine="mysql", EngineVersion="5.6")["DBEngineVersions"] == []


def rds_metric(gureum, instance, metric):
    """AWS/RDS metric's datapoints of the last ten minutes for a DB instance (one-minute periods)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return gureum.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/RDS", MetricName=metric, Dimensions=[{"Name": "DBInstanceIdentifier", "Value": instance}],
        StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1), Period=60,
        Statistics=["Maximum", "Minimum"])["Datapoints"]


def test_mariadb_instance(gureum, rds, subnet_group):
    got = rds.create_db_instance(DBInstanceIdentifier="maria1", Engine="mariadb", DBInstanceClass="db.t3.micro",
                                 MasterUsername="admin", MasterUserPassword="it's-a\\secret", AllocatedStorage=20,
                                 DBSubnetGroupName=subnet_group, DBName="shop")["DBInstance"]
    assert (got["Engine"], got["DBInstanceStatus"], got["LicenseModel"]) == (
        "mariadb", "creating", "general-public-license")
    major = ".".join(got["EngineVersion"].split(".")[:2])
    assert got["DBParameterGroups"] == [{"DBParameterGroupName": "default.mariadb" + major,
                                         "ParameterApplyStatus": "in-sync"}]
    assert got["OptionGroupMemberships"][0]["OptionGroupName"] == "default:mariadb-" + major.replace(".", "-")
    db = available(rds, "maria1")
    ep = db["Endpoint"]
    assert ep["Address"].startswith("127.203.") and ep["Port"] == 3306
    # the master user's password (a quote and a backslash in it) and its database
    assert wait_for(lambda: rows(ep, "admin", "it's-a\\secret", "shop",
                                 "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); "
                                 "INSERT INTO t VALUES (1, 'kept'); SELECT DATABASE(), CURRENT_USER()"),
                    timeout=30) == ["shop\tadmin@%"]
    version = rows(ep, "admin", "it's-a\\secret", None, "SELECT VERSION()")[0]
    assert version.startswith(db["EngineVersion"] + "-MariaDB")
    bad = sql(ep, "admin", "wrong-pass1", "shop", "SELECT 1")
    assert bad.returncode != 0 and "Access denied" in bad.stderr
    # the server's error log, as RDS names MySQL's and MariaDB's
    files = [f["LogFileName"] for f in rds.describe_db_log_files(DBInstanceIdentifier="maria1")["DescribeDBLogFiles"]]
    assert files == ["error/mysql-error.log"]
    log = rds.download_db_log_file_portion(DBInstanceIdentifier="maria1", LogFileName=files[0])["LogFileData"]
    assert "ready for connections" in log
    # CloudWatch: the machine's CPU (a query keeping a core busy shows) and the storage its data leaves
    rows(ep, "admin", "it's-a\\secret", None, "SELECT BENCHMARK(30000000, MD5('gureum'))")
    assert wait_for(lambda: max((p["Maximum"] for p in rds_metric(gureum, "maria1", "CPUUtilization")),
                                default=0) > 10, timeout=30)
    free = wait_for(lambda: rds_metric(gureum, "maria1", "FreeStorageSpace"), timeout=30)
    assert 19 * 2 ** 30 < free[0]["Minimum"] < 20 * 2 ** 30
    # a client holding a connection open for a few seconds is counted
    rows(ep, "admin", "it's-a\\secret", None, "SELECT SLEEP(3)")
    assert wait_for(lambda: max((p["Maximum"] for p in rds_metric(gureum, "maria1", "DatabaseConnections")),
                                default=0) >= 1, timeout=30)

    # reboot, a new master password, stop and start: the data stays
    assert rds.reboot_db_instance(DBInstanceIdentifier="maria1")["DBInstance"]["DBInstanceStatus"] == "rebooting"
    available(rds, "maria1")
    assert wait_for(lambda: rows(ep, "admin", "it's-a\\secret", "shop", "SELECT v FROM t")) == ["kept"]
    err, _ = refused(rds.modify_db_instance, DBInstanceIdentifier="maria1", MasterUserPassword="x" * 42)
    assert err["Code"] == "InvalidParameterValue" and "longer than 41" in err["Message"]
    m = rds.modify_db_instance(DBInstanceIdentifier="maria1", MasterUserPassword="new-secret2", ApplyImmediately=True)
    assert m["DBInstance"]["DBInstanceStatus"] == "resetting-master-credentials"
    available(rds, "maria1")
    assert wait_for(lambda: rows(ep, "admin", "new-secret2", "shop", "SELECT v FROM t")) == ["kept"]
    assert sql(ep, "admin", "it's-a\\secret", "shop", "SELECT 1").returncode != 0
    rds.stop_db_instance(DBInstanceIdentifier="maria1")
    wait_for(lambda: rds.describe_db_instances(DBInstanceIdentifier="maria1")["DBInstances"][0][
        "DBInstanceStatus"] == "stopped")
    assert sql(ep, "admin", "new-secret2", "shop", "SELECT 1").returncode != 0
    rds.start_db_instance(DBInstanceIdentifier="maria1")
    available(rds, "maria1")
    assert wait_for(lambda: rows(ep, "admin", "new-secret2", "shop", "SELECT v FROM t")) == ["kept"]

    # a DB snapshot, and an instance restored from it: the snapshot's rows, not later ones
    s = rds.create_db_snapshot(DBInstanceIdentifier="maria1", DBSnapshotIdentifier="maria-snap")["DBSnapshot"]
    assert (s["Engine"], s["LicenseModel"]) == ("mariadb", "general-public-license")
    rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier="maria-snap",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    assert rows(ep, "admin", "new-secret2", "shop", "INSERT INTO t VALUES (2, 'later'); SELECT count(*) FROM t") == [
        "2"]
    r = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="maria2", DBSnapshotIdentifier="maria-snap",
                                                 DBSubnetGroupName=subnet_group)["DBInstance"]
    assert r["Engine"] == "mariadb"
    ep2 = available(rds, "maria2")["Endpoint"]
    assert ep2["Address"] != ep["Address"]
    assert wait_for(lambda: rows(ep2, "admin", "new-secret2", "shop", "SELECT id, v FROM t")) == ["1\tkept"]

    for name in ("maria1", "maria2"):
        rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)
    for name in ("maria1", "maria2"):
        rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier=name,
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert sql(ep, "admin", "new-secret2", "shop", "SELECT 1").returncode != 0


def test_mysql_instance(gureum, rds, subnet_group, cli):
    """--engine mysql from the CLI, as the RDS labs create it: MySQL's client protocol at port 3306."""
    name = "lab-mysql-%d" % (abs(hash(cli)) % 10000)
    p = gureum.aws("rds", "create-db-instance", "--db-instance-identifier", name, "--engine", "mysql",
                   "--db-instance-class", "db.t3.micro", "--master-username", "admin", "--master-user-password",
                   "labpass123", "--allocated-storage", "20", "--db-subnet-group-name", subnet_group, cli=cli)
    assert p.returncode == 0, p.stderr
    db = json.loads(p.stdout)["DBInstance"]
    assert (db["Engine"], db["EngineVersion"][:4]) == ("mysql", "8.0.")
    assert db["DBParameterGroups"][0]["DBParameterGroupName"] == "default.mysql8.0"
    assert db["OptionGroupMemberships"][0]["OptionGroupName"] == "default:mysql-8-0"
    ep = available(rds, name)["Endpoint"]
    assert ep["Port"] == 3306
    # no DBName: no database made; the master user makes its own
    assert wait_for(lambda: rows(ep, "admin", "labpass123", None,
                                 "CREATE DATABASE lab; CREATE TABLE lab.visits (n INT); "
                                 "INSERT INTO lab.visits VALUES (7); SELECT n FROM lab.visits"), timeout=30) == ["7"]
    rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def semi_sync_clients(ep, password):
    got = rows(ep, "admin", password, None, "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'")
    return int(got[0].split("\t")[1]) if got else None


def test_multi_az_failover_and_read_replica(gureum, rds, subnet_group):
    """Multi-AZ: a standby replicating semi-synchronously (the primary counts it), so a forced failover
    keeps every committed row; the old primary comes back as the new standby. A read replica serves
    the source's rows, follows its writes, refuses its own (read-only), and is writable once promoted.
    A new port and a kill -9 of gureum: the standby follows, replicating again."""
    rds.create_db_instance(DBInstanceIdentifier="maria-ha", Engine="mariadb", DBInstanceClass="db.t3.micro",
                           MasterUsername="admin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBSubnetGroupName=subnet_group, DBName="shop", MultiAZ=True)
    db = available(rds, "maria-ha")
    ep, zones = db["Endpoint"], (db["AvailabilityZone"], db["SecondaryAvailabilityZone"])
    assert db["MultiAZ"] is True and set(zones) == {"us-east-1a", "us-east-1b"}
    assert wait_for(lambda: rows(ep, "admin", "secret-pass1", "shop", "CREATE TABLE t (id INT PRIMARY KEY); "
                                 "INSERT INTO t VALUES (1); SELECT count(*) FROM t"), timeout=30) == ["1"]
    assert wait_for(lambda: semi_sync_clients(ep, "secret-pass1") == 1, timeout=60)
    # each commit returns once the standby has it
    for i in range(2, 21):
        assert rows(ep, "admin", "secret-pass1", "shop", "INSERT INTO t VALUES (%d)" % i) == []
    r = rds.reboot_db_instance(DBInstanceIdentifier="maria-ha", ForceFailover=True)["DBInstance"]
    assert r["DBInstanceStatus"] == "rebooting"
    db = available(rds, "maria-ha")
    assert (db["AvailabilityZone"], db["SecondaryAvailabilityZone"]) == zones[::-1]
    assert wait_for(lambda: rows(ep, "admin", "secret-pass1", "shop", "SELECT count(*) FROM t")) == ["20"]
    assert rows(ep, "admin", "secret-pass1", "shop", "INSERT INTO t VALUES (21); SELECT @@read_only") == ["0"]
    # the old primary, made again from the new one, is its standby
    assert wait_for(lambda: semi_sync_clients(ep, "secret-pass1") == 1, timeout=60)
    # a new port: the instance reboots onto it, and its standby follows
    m = rds.modify_db_instance(DBInstanceIdentifier="maria-ha", DBPortNumber=3310, ApplyImmediately=True)
    assert m["DBInstance"]["DBInstanceStatus"] == "rebooting"
    ep = available(rds, "maria-ha")["Endpoint"]
    assert ep["Port"] == 3310
    assert wait_for(lambda: rows(ep, "admin", "secret-pass1", "shop", "SELECT count(*) FROM t")) == ["21"]
    assert wait_for(lambda: semi_sync_clients(ep, "secret-pass1") == 1, timeout=60)
    # gureum killed: both machines come back, the standby replicating again
    gureum.restart(kill9=True)
    assert wait_for(lambda: rows(ep, "admin", "secret-pass1", "shop", "SELECT count(*) FROM t"),
                    timeout=60) == ["21"]
    assert wait_for(lambda: semi_sync_clients(ep, "secret-pass1") == 1, timeout=60)

    rep = rds.create_db_instance_read_replica(DBInstanceIdentifier="maria-ro",
                                              SourceDBInstanceIdentifier="maria-ha")["DBInstance"]
    assert (rep["Engine"], rep["DBInstanceStatus"]) == ("mariadb", "creating")
    rdb = available(rds, "maria-ro")
    rep_ep = rdb["Endpoint"]
    assert rdb["ReadReplicaSourceDBInstanceIdentifier"] == "maria-ha" and rep_ep["Address"] != ep["Address"]
    assert wait_for(lambda: rows(rep_ep, "admin", "secret-pass1", "shop", "SELECT count(*) FROM t"),
                    timeout=30) == ["21"]
    bad = sql(rep_ep, "admin", "secret-pass1", "shop", "INSERT INTO t VALUES (99)")
    assert bad.returncode != 0 and "--read-only" in bad.stderr
    rows(ep, "admin", "secret-pass1", "shop", "INSERT INTO t VALUES (22)")
    assert wait_for(lambda: rows(rep_ep, "admin", "secret-pass1", "shop", "SELECT max(id) FROM t") == ["22"])
    assert rds.describe_db_instances(DBInstanceIdentifier="maria-ha")["DBInstances"][0][
        "ReadReplicaDBInstanceIdentifiers"] == ["maria-ro"]

    p = rds.promote_read_replica(DBInstanceIdentifier="maria-ro")["DBInstance"]
    assert p["DBInstanceStatus"] == "modifying"
    rdb = available(rds, "maria-ro")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in rdb
    assert wait_for(lambda: rows(rep_ep, "admin", "secret-pass1", "shop",
                                 "INSERT INTO t VALUES (100); SELECT count(*) FROM t")) == ["23"]
    # no longer following: the source's next row stays the source's
    rows(ep, "admin", "secret-pass1", "shop", "INSERT INTO t VALUES (23)")
    assert rows(rep_ep, "admin", "secret-pass1", "shop", "SELECT count(*) FROM t WHERE id = 23") == ["0"]
    for name in ("maria-ha", "maria-ro"):
        rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def test_refusals(rds, subnet_group):
    base = dict(DBInstanceClass="db.t3.micro", Engine="mariadb", MasterUsername="admin",
                MasterUserPassword="secret-pass1", AllocatedStorage=20, DBSubnetGroupName=subnet_group)
    err, _ = refused(rds.create_db_instance, DBInstanceIdentifier="m-ver", **dict(base, EngineVersion="10.4"))
    assert (err["Code"], err["Message"]) == ("InvalidParameterCombination", "Cannot find version 10.4 for mariadb")
    err, _ = refused(rds.create_db_instance, DBInstanceIdentifier="m-user",
                     **dict(base, MasterUsername="a_very_long_master_user"))
    assert err["Code"] == "InvalidParameterValue" and "1 to 16" in err["Message"]
    err, _ = refused(rds.create_db_instance, DBInstanceIdentifier="m-pass", **dict(base, MasterUserPassword="x" * 42))
    assert err["Code"] == "InvalidParameterValue" and "longer than 41" in err["Message"]
    err, _ = refused(rds.create_db_instance, DBInstanceIdentifier="m-group",
                     **dict(base, DBParameterGroupName="mine"))
    assert err["Code"] == "InvalidParameterCombination" and "not served" in err["Message"]
    err, _ = refused(rds.create_db_instance, DBInstanceIdentifier="m-ora", **dict(base, Engine="oracle-ee"))
    assert err["Code"] == "InvalidParameterCombination"
    names = [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]]
    assert not [n for n in names if n.startswith("m-")]
