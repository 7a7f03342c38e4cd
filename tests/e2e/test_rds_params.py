"""test_rds_params.py — RDS DB parameter groups on a PostgreSQL DB instance: the parameters are the
engine's own (DescribeEngineDefaultParameters, DescribeDBParameters), a value PostgreSQL refuses is
refused; CopyDBParameterGroup; an instance created in a group runs its server with the group's values (SHOW at the
endpoint); a dynamic parameter changed with ApplyMethod immediate applies at once, a static one
waits for a reboot (ParameterApplyStatus pending-reboot), of the Multi-AZ standby too; ResetDBParameterGroup; ModifyDBInstance
moving an instance to another group; AWS's refusals (an immediate static parameter, an unknown
parameter, the default group, a group in use); and the AWS CLIs.
"""
import glob
import json
import os

import pytest

from conftest import db_available as available
from conftest import psql, rds_runs, refused, serve, wait_for

pytestmark = pytest.mark.skipif(not rds_runs(), reason="no machines or no PostgreSQL server on this host")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100"})


@pytest.fixture(scope="module")
def family(rds):
    return rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"][0]["DBParameterGroupFamily"]


def show(ep, name):
    """The server's value of a setting, once it answers."""
    p = wait_for(lambda: (lambda p: p if p.returncode == 0 else None)(
        psql(ep, "dbadmin", "secret-pass1", "postgres", "SHOW %s" % name)), timeout=60, step=0.5)
    return p.stdout.strip()


def group_of(rds, name):
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBParameterGroups"][0]


def test_catalog_and_refusals(rds, family):
    defaults = rds.describe_engine_default_parameters(DBParameterGroupFamily=family)["EngineDefaults"]
    assert defaults["DBParameterGroupFamily"] == family and len(defaults["Parameters"]) == 100 and defaults["Marker"]
    every = [p for page in rds.get_paginator("describe_engine_default_parameters").paginate(
        DBParameterGroupFamily=family) for p in page["EngineDefaults"]["Parameters"]]
    byname = {p["ParameterName"]: p for p in every}
    assert len(byname) == len(every) > 250
    assert (byname["work_mem"]["ApplyType"], byname["work_mem"]["DataType"], byname["work_mem"]["IsModifiable"]) == (
        "dynamic", "integer", True)
    assert byname["max_connections"]["ApplyType"] == "static"
    assert byname["port"]["IsModifiable"] is False
    groups = rds.describe_db_parameter_groups()["DBParameterGroups"]
    assert [(g["DBParameterGroupName"], g["DBParameterGroupFamily"]) for g in groups] == [("default." + family, family)]
    g = rds.create_db_parameter_group(DBParameterGroupName="App-Params", DBParameterGroupFamily=family,
                                      Description="lab")["DBParameterGroup"]
    assert (g["DBParameterGroupName"], g["DBParameterGroupArn"]) == (
        "app-params", "arn:aws:rds:us-east-1:000000000000:pg:app-params")
    err, status = refused(rds.create_db_parameter_group, DBParameterGroupName="app-params",
                          DBParameterGroupFamily=family, Description="again")
    assert (err["Code"], status) == ("DBParameterGroupAlreadyExists", 400)
    err, status = refused(rds.describe_db_parameter_groups, DBParameterGroupName="nothere")
    assert (err["Code"], err["Message"], status) == ("DBParameterGroupNotFound", "DBParameterGroup not found: nothere",
                                                     404)
    for params, code, message in [
            ([{"ParameterName": "max_connections", "ParameterValue": "50", "ApplyMethod": "immediate"}],
             "InvalidParameterCombination", "cannot use immediate apply method for static parameter"),
            ([{"ParameterName": "no_such", "ParameterValue": "1", "ApplyMethod": "immediate"}],
             "InvalidParameterValue", "Could not find parameter with name: no_such"),
            ([{"ParameterName": "log_statement", "ParameterValue": "bogus", "ApplyMethod": "immediate"}],
             "InvalidParameterValue", None),
            ([{"ParameterName": "port", "ParameterValue": "5000", "ApplyMethod": "pending-reboot"}],
             "InvalidParameterValue", None)]:
        err, _ = refused(rds.modify_db_parameter_group, DBParameterGroupName="app-params", Parameters=params)
        assert err["Code"] == code and (message is None or err["Message"] == message), (params, err)
    # PostgreSQL's own words for a value it refuses
    err, _ = refused(rds.modify_db_parameter_group, DBParameterGroupName="app-params", Parameters=[
        {"ParameterName": "log_statement", "ParameterValue": "bogus", "ApplyMethod": "immediate"}])
    assert 'invalid value for parameter "log_statement": "bogus"' in err["Message"]
    err, _ = refused(rds.modify_db_parameter_group, DBParameterGroupName="default." + family, Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate"}])
    assert err["Code"] == "InvalidParameterValue"
    err, _ = refused(rds.delete_db_parameter_group, DBParameterGroupName="default." + family)
    assert err["Code"] == "InvalidDBParameterGroupState"
    assert rds.describe_db_parameters(DBParameterGroupName="app-params", Source="user")["Parameters"] == []
    rds.delete_db_parameter_group(DBParameterGroupName="app-params")
    assert refused(rds.describe_db_parameters, DBParameterGroupName="app-params")[0]["Code"] == "DBParameterGroupNotFound"


def test_parameters_applied(gureum, rds, family):
    rds.create_db_parameter_group(DBParameterGroupName="tuned", DBParameterGroupFamily=family, Description="lab")
    got = rds.modify_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate"},
        {"ParameterName": "max_connections", "ParameterValue": "50", "ApplyMethod": "pending-reboot"}])
    assert got["DBParameterGroupName"] == "tuned"
    user = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName="tuned",
                                                                     Source="user")["Parameters"]}
    assert {k: (v["ParameterValue"], v["ApplyMethod"], v["Source"]) for k, v in user.items()} == {
        "work_mem": ("8192", "immediate", "user"), "max_connections": ("50", "pending-reboot", "user")}
    # a copy holds the same parameters; a copy of the default group none
    copy = rds.copy_db_parameter_group(SourceDBParameterGroupIdentifier="arn:aws:rds:us-east-1:000000000000:pg:tuned",
                                       TargetDBParameterGroupIdentifier="Tuned-Copy",
                                       TargetDBParameterGroupDescription="copy")["DBParameterGroup"]
    assert (copy["DBParameterGroupName"], copy["DBParameterGroupFamily"], copy["Description"]) == (
        "tuned-copy", family, "copy")
    assert rds.describe_db_parameters(DBParameterGroupName="tuned-copy", Source="user")["Parameters"] == \
        rds.describe_db_parameters(DBParameterGroupName="tuned", Source="user")["Parameters"]
    rds.copy_db_parameter_group(SourceDBParameterGroupIdentifier="default." + family,
                                TargetDBParameterGroupIdentifier="plain", TargetDBParameterGroupDescription="copy")
    assert rds.describe_db_parameters(DBParameterGroupName="plain", Source="user")["Parameters"] == []
    for src, target, code in [("nothere", "x", "DBParameterGroupNotFound"), ("tuned", "plain",
                                                                              "DBParameterGroupAlreadyExists")]:
        err, _ = refused(rds.copy_db_parameter_group, SourceDBParameterGroupIdentifier=src,
                         TargetDBParameterGroupIdentifier=target, TargetDBParameterGroupDescription="copy")
        assert err["Code"] == code, (src, err)
    for name in ("tuned-copy", "plain"):
        rds.delete_db_parameter_group(DBParameterGroupName=name)
    rds.create_db_instance(DBInstanceIdentifier="pdb", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBParameterGroupName="tuned", MultiAZ=True)
    ep = available(rds, "pdb")["Endpoint"]
    assert group_of(rds, "pdb") == {"DBParameterGroupName": "tuned", "ParameterApplyStatus": "in-sync"}
    assert (show(ep, "work_mem"), show(ep, "max_connections")) == ("8MB", "50")
    err, _ = refused(rds.delete_db_parameter_group, DBParameterGroupName="tuned")
    assert (err["Code"], err["Message"]) == (
        "InvalidDBParameterGroupState", "One or more database instances are still members of this parameter group "
        "tuned, so the group cannot be deleted")
    # a dynamic parameter applies at once; a static one waits for the reboot
    rds.modify_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "16384", "ApplyMethod": "immediate"},
        {"ParameterName": "max_connections", "ParameterValue": "60", "ApplyMethod": "pending-reboot"}])
    wait_for(lambda: show(ep, "work_mem") == "16MB", timeout=30, step=0.3)
    assert group_of(rds, "pdb")["ParameterApplyStatus"] == "pending-reboot"
    assert show(ep, "max_connections") == "50"
    rds.reboot_db_instance(DBInstanceIdentifier="pdb")
    available(rds, "pdb")
    assert show(ep, "max_connections") == "60"
    assert group_of(rds, "pdb")["ParameterApplyStatus"] == "in-sync"
    # the standby was booted again with the primary: after a failover it serves with the same value
    wait_for(lambda: psql(ep, "dbadmin", "secret-pass1", "postgres",
                          "SELECT state FROM pg_stat_replication").stdout.split() == ["streaming"], timeout=60, step=0.3)
    rds.reboot_db_instance(DBInstanceIdentifier="pdb", ForceFailover=True)
    available(rds, "pdb")
    assert show(ep, "max_connections") == "60" and show(ep, "transaction_read_only") == "off"
    # (a standby left with fewer connections than its primary would have stopped replaying: PostgreSQL
    # logs that it has "insufficient parameter settings")
    logs = glob.glob(os.path.join(gureum.data_dir, "rds", "*", "*", "pdb", "**", "var", "lib", "rds", "log", "*"),
                     recursive=True)
    assert logs and not any("insufficient parameter settings" in open(f, errors="replace").read() for f in logs)
    # reset: the engine's default again
    rds.reset_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "work_mem", "ApplyMethod": "immediate"}])
    wait_for(lambda: show(ep, "work_mem") == "4MB", timeout=30, step=0.3)
    # moved to the default group: pending a reboot, then the engine's defaults
    m = rds.modify_db_instance(DBInstanceIdentifier="pdb", DBParameterGroupName="default." + family,
                               ApplyImmediately=True)["DBInstance"]
    assert m["DBParameterGroups"][0] == {"DBParameterGroupName": "default." + family,
                                         "ParameterApplyStatus": "pending-reboot"}
    rds.reboot_db_instance(DBInstanceIdentifier="pdb")
    available(rds, "pdb")
    assert show(ep, "max_connections") == "100"
    rds.delete_db_parameter_group(DBParameterGroupName="tuned")
    rds.delete_db_instance(DBInstanceIdentifier="pdb", SkipFinalSnapshot=True)


def test_cli(gureum, family, cli):
    p = gureum.aws("rds", "create-db-parameter-group", "--db-parameter-group-name", "cli-params",
                   "--db-parameter-group-family", family, "--description", "lab", cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("rds", "modify-db-parameter-group", "--db-parameter-group-name", "cli-params", "--parameters",
                   "ParameterName=log_statement,ParameterValue=all,ApplyMethod=immediate", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"DBParameterGroupName": "cli-params"}
    p = gureum.aws("rds", "describe-db-parameters", "--db-parameter-group-name", "cli-params", "--source", "user",
                   "--query", "Parameters[].[ParameterName,ParameterValue]", "--output", "text", cli=cli)
    assert p.stdout.split() == ["log_statement", "all"], p.stderr
    p = gureum.aws("rds", "delete-db-parameter-group", "--db-parameter-group-name", "cli-params", cli=cli)
    assert p.returncode == 0, p.stderr
