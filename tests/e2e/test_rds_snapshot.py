"""test_rds_snapshot.py — RDS DB snapshots that really hold the data: CreateDBSnapshot takes a base
backup of the running PostgreSQL server, the instance backing-up meanwhile; RestoreDBInstanceFromDBSnapshot makes a new instance whose
data is that copy (rows written after the snapshot are not there, the master password is the
snapshot's, a new port applies); DeleteDBInstance with FinalDBSnapshotIdentifier takes the final
snapshot first, of a stopped instance too, and a Multi-AZ restore's standby streams from the
restored server; CopyDBSnapshot copies one, also into another region; a snapshot shared with another
account (ModifyDBSnapshotAttribute) is restored and copied there; DeleteDBSnapshot removes the copy; AWS's statuses,
waiters, filters, tags and refusals; the AWS CLIs; RDS events of all that (DescribeEvents, and the
default EventBridge bus).
"""
import json
import os
import re
import time

import pytest

from conftest import db_available as available
from conftest import psql, rds_runs, refused, serve, wait_for

pytestmark = pytest.mark.skipif(not rds_runs(), reason="no machines or no PostgreSQL server on this host")

# A second account of the server (GUREUM_ACCOUNTS): the one snapshots are shared with.
ALT = ("111111111111", "ALTACCESSKEY0000000B", "altsecret0000000000000000000000000000000B")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_ACCOUNTS": ":".join(ALT)})


@pytest.fixture(scope="module")
def source(gureum, rds):
    """A DB instance with one row written before any snapshot."""
    rds.create_db_instance(DBInstanceIdentifier="src", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBName="app")
    ep = available(rds, "src")["Endpoint"]
    assert wait_for(lambda: sql(ep, "CREATE TABLE t (v text); INSERT INTO t VALUES ('before')").returncode == 0)
    return ep


def sql(ep, text, password="secret-pass1"):
    return psql(ep, "dbadmin", password, "app", text)


def rows(ep):
    p = sql(ep, "SELECT v FROM t ORDER BY v")
    return p.stdout.split() if p.returncode == 0 else None


def snapshot_available(rds, name):
    rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier=name,
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    return rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]


def test_snapshot_and_restore(gureum, rds, source):
    got = rds.create_db_snapshot(DBSnapshotIdentifier="Snap-1", DBInstanceIdentifier="src",
                                 Tags=[{"Key": "why", "Value": "lab"}])["DBSnapshot"]
    assert (got["DBSnapshotIdentifier"], got["DBInstanceIdentifier"], got["Status"], got["SnapshotType"],
            got["Engine"], got["MasterUsername"], got["Port"], got["AllocatedStorage"]) == (
        "snap-1", "src", "creating", "manual", "postgres", "dbadmin", 5432, 20)
    assert got["DBSnapshotArn"] == "arn:aws:rds:us-east-1:000000000000:snapshot:snap-1"
    # the instance is backing up meanwhile: another snapshot, a reboot wait for it
    assert rds.describe_db_instances(DBInstanceIdentifier="src")["DBInstances"][0]["DBInstanceStatus"] == "backing-up"
    err, _ = refused(rds.create_db_snapshot, DBSnapshotIdentifier="snap-2", DBInstanceIdentifier="src")
    assert (err["Code"], err["Message"]) == (
        "InvalidDBInstanceState",
        "Cannot create a snapshot because the database instance src is not currently in the available state.")
    assert refused(rds.reboot_db_instance, DBInstanceIdentifier="src")[0]["Code"] == "InvalidDBInstanceState"
    snap = snapshot_available(rds, "snap-1")
    assert snap["Status"] == "available" and snap["PercentProgress"] == 100 and "SnapshotCreateTime" in snap
    src = rds.describe_db_instances(DBInstanceIdentifier="src")["DBInstances"][0]
    assert src["DBInstanceStatus"] == "available" and snap["DbiResourceId"] == src["DbiResourceId"]
    assert rds.list_tags_for_resource(ResourceName=snap["DBSnapshotArn"])["TagList"] == [{"Key": "why", "Value": "lab"}]
    # the copy is on disk, whole
    copy = os.path.join(gureum.data_dir, "rds", "snapshots", "000000000000", "us-east-1", "snap-1")
    assert os.path.isfile(os.path.join(copy, "PG_VERSION")) and os.path.isfile(os.path.join(copy, "backup_label"))

    # written after the snapshot: not in the restored instance
    assert sql(source, "INSERT INTO t VALUES ('after')").returncode == 0
    r = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="copy", DBSnapshotIdentifier="snap-1",
                                                 Port=5433, Tags=[{"Key": "env", "Value": "restored"}])["DBInstance"]
    assert (r["DBInstanceIdentifier"], r["DBInstanceStatus"], r["MasterUsername"], r["DBName"],
            r["DBInstanceClass"]) == ("copy", "creating", "dbadmin", "app", "db.t3.micro")
    ep = available(rds, "copy")["Endpoint"]
    assert ep["Port"] == 5433 and ep["Address"] != source["Address"]
    assert wait_for(lambda: rows(ep)) == ["before"]
    assert rows(source) == ["after", "before"]
    # the restored server is one of its own: a change there is not in the source
    assert sql(ep, "INSERT INTO t VALUES ('copy-only')").returncode == 0
    assert rows(source) == ["after", "before"]

    # listed, filtered
    ids = lambda **kw: [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(**kw)["DBSnapshots"]]
    assert ids() == ["snap-1"]
    assert ids(DBInstanceIdentifier="src") == ["snap-1"] and ids(DBInstanceIdentifier="copy") == []
    assert ids(SnapshotType="manual") == ["snap-1"] and ids(SnapshotType="automated") == []
    assert ids(Filters=[{"Name": "db-instance-id", "Values": ["src", "other"]}]) == ["snap-1"]
    assert ids(Filters=[{"Name": "db-snapshot-id", "Values": ["nope"]}]) == []

    # copies: in this region with its tags, and into another region by its ARN, which a restore there serves
    c = rds.copy_db_snapshot(SourceDBSnapshotIdentifier="snap-1", TargetDBSnapshotIdentifier="snap-1-copy",
                             CopyTags=True)["DBSnapshot"]
    assert (c["Status"], c["SourceDBSnapshotIdentifier"]) == ("creating", snap["DBSnapshotArn"])
    c = snapshot_available(rds, "snap-1-copy")
    assert c["OriginalSnapshotCreateTime"] == snap["SnapshotCreateTime"]
    assert rds.list_tags_for_resource(ResourceName=c["DBSnapshotArn"])["TagList"] == [{"Key": "why", "Value": "lab"}]
    west = gureum.client("rds", region_name="us-west-2")
    west.copy_db_snapshot(SourceDBSnapshotIdentifier=snap["DBSnapshotArn"], TargetDBSnapshotIdentifier="far")
    far = snapshot_available(west, "far")["DBSnapshotArn"]
    # a restore names the snapshot by its ARN too, in the snapshot's own region only
    err, status = refused(rds.restore_db_instance_from_db_snapshot, DBInstanceIdentifier="west", DBSnapshotIdentifier=far)
    assert (err["Code"], status) == ("DBSnapshotNotFound", 404)
    west.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="west", DBSnapshotIdentifier=far)
    west_ep = available(west, "west")["Endpoint"]
    assert wait_for(lambda: rows(west_ep)) == ["before"]
    west.delete_db_instance(DBInstanceIdentifier="west", SkipFinalSnapshot=True)
    err, _ = refused(rds.copy_db_snapshot, SourceDBSnapshotIdentifier="snap-1", TargetDBSnapshotIdentifier="snap-1-copy")
    assert err["Code"] == "DBSnapshotAlreadyExists"
    err, status = refused(rds.copy_db_snapshot, SourceDBSnapshotIdentifier="nope", TargetDBSnapshotIdentifier="x")
    assert (err["Code"], status) == ("DBSnapshotNotFound", 404)
    rds.delete_db_snapshot(DBSnapshotIdentifier="snap-1-copy")

    # deleted: gone from the list, its copy removed
    d = rds.delete_db_snapshot(DBSnapshotIdentifier="snap-1")["DBSnapshot"]
    assert (d["DBSnapshotIdentifier"], d["Status"]) == ("snap-1", "deleted")
    err, status = refused(rds.describe_db_snapshots, DBSnapshotIdentifier="snap-1")
    assert (err["Code"], err["Message"], status) == ("DBSnapshotNotFound", "DBSnapshot not found: snap-1", 404)
    assert wait_for(lambda: not os.path.exists(copy))
    # the restored instance keeps its data
    assert rows(ep) == ["before", "copy-only"]


def test_final_snapshot_of_a_stopped_instance(rds, source):
    rds.create_db_instance(DBInstanceIdentifier="short", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBName="app")
    ep = available(rds, "short")["Endpoint"]
    assert wait_for(lambda: sql(ep, "CREATE TABLE t (v text); INSERT INTO t VALUES ('last')").returncode == 0)
    rds.stop_db_instance(DBInstanceIdentifier="short")
    wait_for(lambda: rds.describe_db_instances(DBInstanceIdentifier="short")["DBInstances"][0][
        "DBInstanceStatus"] == "stopped")
    d = rds.delete_db_instance(DBInstanceIdentifier="short", FinalDBSnapshotIdentifier="short-final")["DBInstance"]
    assert d["DBInstanceStatus"] == "deleting"
    snap = snapshot_available(rds, "short-final")
    assert (snap["DBInstanceIdentifier"], snap["SnapshotType"]) == ("short", "manual")
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="short",
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    # restored Multi-AZ: its standby copies the restored server and streams from it
    r = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="again", DBSnapshotIdentifier="short-final",
                                                 MultiAZ=True)["DBInstance"]
    assert r["MultiAZ"] is True and r["SecondaryAvailabilityZone"] != r["AvailabilityZone"]
    ep2 = available(rds, "again")["Endpoint"]
    assert wait_for(lambda: rows(ep2)) == ["last"]
    assert wait_for(lambda: sql(ep2, "SELECT state FROM pg_stat_replication").stdout.split() == ["streaming"],
                    timeout=60)
    rds.delete_db_instance(DBInstanceIdentifier="again", SkipFinalSnapshot=True)
    rds.delete_db_snapshot(DBSnapshotIdentifier="short-final")


def test_log_files(rds, source):
    """The engine's log as RDS lists and serves it: PostgreSQL's hourly files with RDS's names and line
    prefix; a failed login is there; read whole in pages of lines, or its last lines."""
    assert sql(source, "SELECT 1", password="wrong-pass1").returncode != 0
    files = wait_for(lambda: rds.describe_db_log_files(DBInstanceIdentifier="src")["DescribeDBLogFiles"])
    assert [re.fullmatch(r"error/postgresql\.log\.\d{4}-\d\d-\d\d-\d\d", f["LogFileName"]) is not None
            for f in files] == [True] * len(files)
    assert all(abs(f["LastWritten"] / 1000 - time.time()) < 7200 for f in files)
    failed = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC:[^:]*:dbadmin@app:\[\d+\]:FATAL:  password '
                        r'authentication failed for user "dbadmin"$', re.M)

    def with_failure():  # the file it is in (a new hour may have begun a file since)
        for f in rds.describe_db_log_files(DBInstanceIdentifier="src")["DescribeDBLogFiles"]:
            if failed.search(rds.download_db_log_file_portion(DBInstanceIdentifier="src",
                                                              LogFileName=f["LogFileName"])["LogFileData"]):
                return f
    f = wait_for(with_failure)
    name = f["LogFileName"]
    assert f["Size"] > 0
    # from the start in pages of three lines, as the CLI pages it, then the last two lines
    whole, marker, pages = "", "0", 0
    while True:
        got = rds.download_db_log_file_portion(DBInstanceIdentifier="src", LogFileName=name, Marker=marker,
                                               NumberOfLines=3)
        assert got["LogFileData"].count("\n") <= 3
        whole, marker, pages = whole + got["LogFileData"], got["Marker"], pages + 1
        if not got["AdditionalDataPending"]:
            break
    assert pages > 1 and failed.search(whole)
    tail = rds.download_db_log_file_portion(DBInstanceIdentifier="src", LogFileName=name, NumberOfLines=2)
    assert tail["LogFileData"].count("\n") == 2 and tail["AdditionalDataPending"] is False
    now = rds.download_db_log_file_portion(DBInstanceIdentifier="src", LogFileName=name, Marker="0")
    assert now["LogFileData"].startswith(whole) and tail["LogFileData"] in now["LogFileData"]
    assert rds.describe_db_log_files(DBInstanceIdentifier="src", FilenameContains="2001-")["DescribeDBLogFiles"] == []
    # names outside the log folder are no log file; an unknown instance is refused
    for bad in ("error/../../../etc/passwd", "error/postgresql.log.x/../../x", "postgresql.log", name + "x"):
        err, status = refused(rds.download_db_log_file_portion, DBInstanceIdentifier="src", LogFileName=bad)
        assert (err["Code"], status) == ("DBLogFileNotFoundFault", 404)
    err, status = refused(rds.describe_db_log_files, DBInstanceIdentifier="nope")
    assert (err["Code"], err["Message"], status) == ("DBInstanceNotFound", "DBInstance nope not found.", 404)


def test_log_cli(gureum, rds, source, cli):
    """The AWS CLI's way to a whole log file: --starting-token 0 pages through it by the markers."""
    name = rds.describe_db_log_files(DBInstanceIdentifier="src")["DescribeDBLogFiles"][0]["LogFileName"]
    p = gureum.aws("rds", "download-db-log-file-portion", "--db-instance-identifier", "src", "--log-file-name", name,
                   "--starting-token", "0", "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    first = rds.download_db_log_file_portion(DBInstanceIdentifier="src", LogFileName=name, Marker="0",
                                             NumberOfLines=1)["LogFileData"]
    assert first.strip() and first.rstrip("\n") in p.stdout
    p = gureum.aws("rds", "describe-db-log-files", "--db-instance-identifier", "src", "--query",
                   "DescribeDBLogFiles[0].LogFileName", "--output", "text", cli=cli)
    assert p.stdout.strip() == name


def test_log_windows(gureum, rds, source):
    """Pages and tails of a file of several megabytes (written into the log folder here): each answer
    1 MB at most, a page ending at a whole line, a line longer than 1 MB cut there and continued on
    the next page, a last line without its newline served."""
    folder = os.path.join(gureum.data_dir, "rds", "000000000000", "us-east-1", "src", "disk", "var", "lib", "rds",
                          "log")
    path, name = os.path.join(folder, "postgresql.log.2001-01-01-00"), "error/postgresql.log.2001-01-01-00"
    lines = ["line %06d %s\n" % (i, "x" * 90) for i in range(30000)]  # 101 bytes each, about 3 MB
    with open(path, "w") as f:
        f.write("".join(lines))

    def get(**kw):
        return rds.download_db_log_file_portion(DBInstanceIdentifier="src", LogFileName=name, **kw)

    def pages(**kw):
        data, marker, n = "", "0", 0
        while True:
            got = get(Marker=marker, **kw)
            assert len(got["LogFileData"].encode()) <= 1 << 20
            data, marker, n = data + got["LogFileData"], got["Marker"], n + 1
            if not got["AdditionalDataPending"]:
                return data, n
    assert pages() == ("".join(lines), 3)  # 10,000 lines a page
    assert get()["LogFileData"] == "".join(lines[-10000:]) and get(NumberOfLines=3)["LogFileData"] == "".join(
        lines[-3:])
    # a line of more than 1 MB, and a last line without a newline
    text = "a\n" + "y" * ((1 << 20) + 500) + "\nlast-line"
    with open(path, "w") as f:
        f.write(text)
    assert get(Marker="0", NumberOfLines=5)["LogFileData"] == "a\n"
    assert get(Marker="2", NumberOfLines=5)["LogFileData"] == "y" * (1 << 20)
    assert pages(NumberOfLines=5) == (text, 3)
    assert get(NumberOfLines=2)["LogFileData"] == "last-line"  # the line before it does not fit whole
    os.remove(path)


def test_refusals(rds, source):
    err, _ = refused(rds.create_db_snapshot, DBSnapshotIdentifier="x1", DBInstanceIdentifier="nope")
    assert (err["Code"], err["Message"]) == ("DBInstanceNotFound", "DBInstance not found: nope")
    err, _ = refused(rds.create_db_snapshot, DBSnapshotIdentifier="1bad", DBInstanceIdentifier="src")
    assert err["Code"] == "InvalidParameterValue" and "DBSnapshotIdentifier is not a valid identifier" in err["Message"]
    rds.create_db_snapshot(DBSnapshotIdentifier="twice", DBInstanceIdentifier="src")
    # a name taken is said before the instance's state (backing up)
    err, _ = refused(rds.create_db_snapshot, DBSnapshotIdentifier="TWICE", DBInstanceIdentifier="src")
    assert err["Code"] == "DBSnapshotAlreadyExists"
    err, _ = refused(rds.delete_db_snapshot, DBSnapshotIdentifier="twice")  # still being taken
    assert err["Code"] == "InvalidDBSnapshotState"
    err, _ = refused(rds.restore_db_instance_from_db_snapshot, DBInstanceIdentifier="r1", DBSnapshotIdentifier="twice")
    assert err["Code"] == "InvalidDBSnapshotState"
    snapshot_available(rds, "twice")
    err, _ = refused(rds.restore_db_instance_from_db_snapshot, DBInstanceIdentifier="src", DBSnapshotIdentifier="twice")
    assert err["Code"] == "DBInstanceAlreadyExists"
    err, status = refused(rds.restore_db_instance_from_db_snapshot, DBInstanceIdentifier="r2",
                          DBSnapshotIdentifier="nope")
    assert (err["Code"], status) == ("DBSnapshotNotFound", 404)
    err, _ = refused(rds.describe_db_snapshots, Filters=[{"Name": "colour", "Values": ["red"]}])
    assert err["Code"] == "InvalidParameterValue"
    err, _ = refused(rds.delete_db_instance, DBInstanceIdentifier="src", FinalDBSnapshotIdentifier="twice")
    assert err["Code"] == "DBSnapshotAlreadyExists"
    assert rds.describe_db_instances(DBInstanceIdentifier="src")["DBInstances"][0]["DBInstanceStatus"] == "available"
    rds.delete_db_snapshot(DBSnapshotIdentifier="twice")


def test_cli(gureum, source, cli):
    name = "cli-debian" if cli == "/usr/bin/aws" else "cli-path"
    p = gureum.aws("rds", "create-db-snapshot", "--db-snapshot-identifier", name, "--db-instance-identifier", "src",
                   cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["DBSnapshot"]["Status"] == "creating"

    def described():
        p = gureum.aws("rds", "describe-db-snapshots", "--db-snapshot-identifier", name, "--query",
                       "DBSnapshots[0].[Status,DBInstanceIdentifier]", "--output", "text", cli=cli)
        return p.stdout.split() == ["available", "src"]
    wait_for(described, step=0.5)
    p = gureum.aws("rds", "delete-db-snapshot", "--db-snapshot-identifier", name, cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["DBSnapshot"]["Status"] == "deleted"


def test_events(gureum, rds, source):
    """What happened above, as DescribeEvents lists it, and on EventBridge's default bus."""
    def msgs(**kw):
        return [(e["SourceIdentifier"], e["Message"]) for e in rds.describe_events(**kw)["Events"]]

    ev = rds.describe_events(SourceType="db-instance", SourceIdentifier="SRC")["Events"]
    assert (ev[0]["Message"], ev[0]["EventCategories"], ev[0]["SourceType"], ev[0]["SourceArn"]) == (
        "DB instance created", ["creation"], "db-instance", "arn:aws:rds:us-east-1:000000000000:db:src")
    assert ("copy", "Restored from snapshot snap-1") in msgs(SourceType="db-instance")
    assert msgs(SourceType="db-instance", SourceIdentifier="short") == [
        ("short", "DB instance created"), ("short", "DB instance stopped"), ("short", "DB instance deleted")]
    assert msgs(SourceType="db-snapshot", SourceIdentifier="snap-1") == [
        ("snap-1", "Creating manual snapshot"), ("snap-1", "Manual snapshot created"),
        ("snap-1", "Deleted manual snapshot")]
    assert ("short", "DB instance deleted") in msgs(EventCategories=["deletion"])
    assert all(s != "short" for s, _ in msgs(EventCategories=["creation"], SourceType="db-snapshot"))
    assert msgs(Duration=60, SourceType="db-snapshot", SourceIdentifier="nope") == []

    # the same events on the default bus: a rule sends aws.rds snapshot events to a queue
    events, sqs = gureum.client("events"), gureum.client("sqs")
    url = sqs.create_queue(QueueName="rds-events")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": qarn}]})})
    events.put_rule(Name="rds", EventPattern=json.dumps({"source": ["aws.rds"],
                                                         "detail-type": ["RDS DB Snapshot Event"]}))
    events.put_targets(Rule="rds", Targets=[{"Id": "q", "Arn": qarn}])
    rds.create_db_snapshot(DBSnapshotIdentifier="evented", DBInstanceIdentifier="src")
    snapshot_available(rds, "evented")
    got = []
    wait_for(lambda: got.extend(json.loads(m["Body"]) for m in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])) or len(got) >= 2)
    assert [(e["source"], e["detail-type"], e["detail"]["SourceType"], e["detail"]["SourceIdentifier"],
             e["detail"]["Message"]) for e in got] == [
        ("aws.rds", "RDS DB Snapshot Event", "SNAPSHOT", "evented", "Creating manual snapshot"),
        ("aws.rds", "RDS DB Snapshot Event", "SNAPSHOT", "evented", "Manual snapshot created")]
    assert got[0]["resources"] == ["arn:aws:rds:us-east-1:000000000000:snapshot:evented"]
    rds.delete_db_snapshot(DBSnapshotIdentifier="evented")


def test_shared_snapshot(gureum, rds, source):
    """A snapshot shared with another account (ModifyDBSnapshotAttribute's restore attribute): that account
    sees it under its ARN (IncludeShared, SnapshotType shared), restores an instance holding the owner's data
    from it and copies it into a snapshot of its own; unshared it is out of sight again, public ('all') it is
    listed as public; deleted by its owner, it is gone while what was made from it stays."""
    alt = gureum.client("rds", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])
    rds.create_db_snapshot(DBSnapshotIdentifier="shared-1", DBInstanceIdentifier="src")
    arn = snapshot_available(rds, "shared-1")["DBSnapshotArn"]
    before = rows(source)
    assert sql(source, "INSERT INTO t VALUES ('after-sharing')").returncode == 0

    def attrs():
        return rds.describe_db_snapshot_attributes(DBSnapshotIdentifier="shared-1")["DBSnapshotAttributesResult"]

    def ids(client, **kw):
        return [s["DBSnapshotIdentifier"] for s in client.describe_db_snapshots(**kw)["DBSnapshots"]]

    assert attrs() == {"DBSnapshotIdentifier": "shared-1",
                       "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": []}]}
    # not shared yet: out of the other account's sight
    err, status = refused(alt.restore_db_instance_from_db_snapshot, DBInstanceIdentifier="theirs",
                          DBSnapshotIdentifier=arn)
    assert (err["Code"], status) == ("DBSnapshotNotFound", 404)
    assert ids(alt, IncludeShared=True) == [] and ids(alt, SnapshotType="shared") == []
    assert refused(alt.describe_db_snapshots, DBSnapshotIdentifier=arn)[0]["Code"] == "DBSnapshotNotFound"

    got = rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="shared-1", AttributeName="restore",
                                           ValuesToAdd=[ALT[0]])["DBSnapshotAttributesResult"]
    assert got == {"DBSnapshotIdentifier": "shared-1",
                   "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": [ALT[0]]}]}
    assert attrs() == got
    # shared: under its ARN, with IncludeShared or as SnapshotType shared, not in the account's own list
    assert ids(alt) == [] and ids(alt, SnapshotType="manual") == [] and ids(alt, SnapshotType="public") == []
    [s] = alt.describe_db_snapshots(IncludeShared=True)["DBSnapshots"]
    assert (s["DBSnapshotIdentifier"], s["DBSnapshotArn"], s["SnapshotType"], s["Status"], s["TagList"]) == (
        arn, arn, "shared", "available", [])
    assert ids(alt, SnapshotType="shared") == [arn]
    assert ids(alt, IncludeShared=True, Filters=[{"Name": "snapshot-type", "Values": ["shared"]}]) == [arn]
    assert ids(alt, DBSnapshotIdentifier=arn) == [arn]
    assert ids(rds, SnapshotType="shared") == [] and "shared-1" in ids(rds, SnapshotType="manual")
    # the other account restores it: an instance of its own with the owner's data of then
    alt.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="theirs", DBSnapshotIdentifier=arn)
    ep = available(alt, "theirs")["Endpoint"]
    assert wait_for(lambda: rows(ep)) == before
    assert "theirs" not in [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]]
    # and copies it into a snapshot of its own
    c = alt.copy_db_snapshot(SourceDBSnapshotIdentifier=arn, TargetDBSnapshotIdentifier="mine")["DBSnapshot"]
    assert (c["SourceDBSnapshotIdentifier"], c["DBSnapshotArn"]) == (
        arn, "arn:aws:rds:us-east-1:%s:snapshot:mine" % ALT[0])
    assert snapshot_available(alt, "mine")["SnapshotType"] == "manual"
    assert os.path.isfile(os.path.join(gureum.data_dir, "rds", "snapshots", ALT[0], "us-east-1", "mine", "PG_VERSION"))

    # unshared: out of sight again, what was made from it stays
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="shared-1", AttributeName="restore",
                                     ValuesToRemove=[ALT[0]])
    assert ids(alt, IncludeShared=True) == ["mine"]
    err, _ = refused(alt.copy_db_snapshot, SourceDBSnapshotIdentifier=arn, TargetDBSnapshotIdentifier="again")
    assert (err["Code"], err["Message"]) == ("DBSnapshotNotFound", "DBSnapshot not found: " + arn)
    # public: every account's, listed as public (IncludePublic, SnapshotType public)
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="shared-1", AttributeName="restore", ValuesToAdd=["all"])
    assert ids(alt, IncludeShared=True) == ["mine"] and ids(alt, IncludePublic=True) == [arn, "mine"]
    assert [(s["DBSnapshotIdentifier"], s["SnapshotType"])
            for s in alt.describe_db_snapshots(SnapshotType="public")["DBSnapshots"]] == [(arn, "public")]
    p = gureum.aws("rds", "describe-db-snapshot-attributes", "--db-snapshot-identifier", "shared-1", "--query",
                   "DBSnapshotAttributesResult.DBSnapshotAttributes[0].AttributeValues", "--output", "text")
    assert p.returncode == 0 and p.stdout.split() == ["all"], p.stderr

    # refusals
    err, status = refused(rds.modify_db_snapshot_attribute, DBSnapshotIdentifier="shared-1", AttributeName="copy",
                          ValuesToAdd=["all"])
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    err, _ = refused(rds.modify_db_snapshot_attribute, DBSnapshotIdentifier="shared-1", AttributeName="restore",
                     ValuesToAdd=["12345"])
    assert err["Code"] == "InvalidParameterValue"
    err, status = refused(rds.modify_db_snapshot_attribute, DBSnapshotIdentifier="shared-1", AttributeName="restore",
                          ValuesToAdd=["%012d" % (200000000000 + i) for i in range(21)])
    assert (err["Code"], status) == ("SharedSnapshotQuotaExceeded", 400)
    assert attrs()["DBSnapshotAttributes"][0]["AttributeValues"] == ["all"]  # nothing of the refused change
    for call in (alt.describe_db_snapshot_attributes, alt.delete_db_snapshot):
        assert refused(call, DBSnapshotIdentifier="shared-1")[0]["Code"] == "DBSnapshotNotFound"
    err, _ = refused(alt.modify_db_snapshot_attribute, DBSnapshotIdentifier="shared-1", AttributeName="restore",
                     ValuesToAdd=[ALT[0]])
    assert err["Code"] == "DBSnapshotNotFound"
    err, _ = refused(rds.describe_db_snapshot_attributes, DBSnapshotIdentifier="nope")
    assert (err["Code"], err["Message"]) == ("DBSnapshotNotFound", "DBSnapshot not found: nope")

    # deleted by its owner: no account sees it; the other account's instance and copy stay
    rds.delete_db_snapshot(DBSnapshotIdentifier="shared-1")
    assert ids(alt, IncludeShared=True, IncludePublic=True) == ["mine"]
    assert rows(ep) == before
    alt.delete_db_instance(DBInstanceIdentifier="theirs", SkipFinalSnapshot=True)
    alt.delete_db_snapshot(DBSnapshotIdentifier="mine")
