-- Amazon EC2 Auto Scaling (group.c, policy.c, scale.c), per account and
-- region. A group's settings are kept as its CreateAutoScalingGroup input
-- (JSON, without the sizes and tags, which have columns and a table);
-- cause: why its desired capacity last changed, in AWS's words, for the
-- activities that change makes; deleting: DeleteAutoScalingGroup with
-- ForceDelete, until its instances are gone.
CREATE TABLE asg (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    uuid        TEXT NOT NULL,
    config      TEXT NOT NULL,
    min_size    INTEGER NOT NULL,
    max_size    INTEGER NOT NULL,
    desired     INTEGER NOT NULL,
    cause       TEXT,
    cooldown_ms INTEGER NOT NULL DEFAULT 0,
    deleting    INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE TABLE asg_tag (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    grp       TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    propagate INTEGER NOT NULL,
    PRIMARY KEY (account, region, grp, key)
) WITHOUT ROWID;

-- The group's instances; lifecycle: Pending, InService, Terminating;
-- launched_by: what it was launched from (JSON: LaunchTemplate or
-- LaunchConfigurationName), for the answers and the termination policy.
CREATE TABLE asg_instance (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    grp         TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    type        TEXT NOT NULL,
    zone        TEXT NOT NULL,
    lifecycle   TEXT NOT NULL,
    health      TEXT NOT NULL,
    launched_by TEXT NOT NULL,
    protected   INTEGER NOT NULL DEFAULT 0,
    launched_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, instance_id)
) WITHOUT ROWID;
CREATE INDEX asg_instance_by_group ON asg_instance (account, region, grp);

-- Scaling activities, newest last; instance_id: the instance a launch or
-- termination is about, until the activity ends.
CREATE TABLE asg_activity (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    grp         TEXT NOT NULL,
    id          TEXT NOT NULL,
    description TEXT NOT NULL,
    cause       TEXT NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER,
    status      TEXT NOT NULL,
    message     TEXT,
    progress    INTEGER NOT NULL,
    details     TEXT NOT NULL,
    instance_id TEXT
);
CREATE INDEX asg_activity_by_group ON asg_activity (account, region, grp, seq);

-- Scaling policies; config: the PutScalingPolicy input (JSON).
CREATE TABLE asg_policy (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    grp     TEXT NOT NULL,
    name    TEXT NOT NULL,
    uuid    TEXT NOT NULL,
    config  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, grp, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX asg_policy_by_uuid ON asg_policy (uuid);

-- Launch configurations; config: the CreateLaunchConfiguration input (JSON).
CREATE TABLE asg_launch_config (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    uuid       TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
