"""test_rds_final_snapshot.py — a deleted DB instance's final snapshot waits for the instance's
server, but not forever: with a server that cannot start, the instance is deleted all the same and
its final snapshot is failed, with no copy left. gureum's limit (ten minutes) is shortened here; a
module of its own, since a second server beside test_rds_snapshot.py's would pick the same
loopback addresses for its instances.
"""
import os

import pytest

from conftest import db_available as available
from conftest import rds_runs, serve, wait_for

pytestmark = pytest.mark.skipif(not rds_runs(), reason="no machines or no PostgreSQL server on this host")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_RDS_SNAPSHOT_WAIT_MS": "3000"})


def test_final_snapshot_of_a_server_that_cannot_start(gureum):
    """A final snapshot waits for its server, but not forever (gureum's limit, shortened here): an
    instance whose server cannot start is deleted all the same, its final snapshot failed."""
    rds = gureum.client("rds")
    rds.create_db_instance(DBInstanceIdentifier="broken", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20)
    available(rds, "broken")
    rds.stop_db_instance(DBInstanceIdentifier="broken")
    wait_for(lambda: rds.describe_db_instances(DBInstanceIdentifier="broken")["DBInstances"][0][
        "DBInstanceStatus"] == "stopped", timeout=60)
    conf = os.path.join(gureum.data_dir, "rds", "000000000000", "us-east-1", "broken", "disk", "var", "lib",
                        "postgresql", "data", "postgresql.conf")
    with open(conf, "a") as f:
        f.write("this line is no setting\n")
    rds.delete_db_instance(DBInstanceIdentifier="broken", FinalDBSnapshotIdentifier="broken-final")
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="broken",
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    snap = rds.describe_db_snapshots(DBSnapshotIdentifier="broken-final")["DBSnapshots"][0]
    assert snap["Status"] == "failed"
    assert not os.path.exists(os.path.join(gureum.data_dir, "rds", "snapshots", "000000000000", "us-east-1",
                                           "broken-final"))
