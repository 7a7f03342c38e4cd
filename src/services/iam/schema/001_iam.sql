-- IAM, per account (IAM is global: no region column). Names of users,
-- groups, roles, instance profiles and policies are unique per account
-- without regard to case, as on AWS (COLLATE NOCASE); they keep the case
-- they were created with.
CREATE TABLE iam_user (
    account    TEXT NOT NULL,
    name       TEXT NOT NULL COLLATE NOCASE,
    path       TEXT NOT NULL,
    id         TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;

CREATE TABLE iam_group (
    account    TEXT NOT NULL,
    name       TEXT NOT NULL COLLATE NOCASE,
    path       TEXT NOT NULL,
    id         TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;

CREATE TABLE iam_group_member (
    account TEXT NOT NULL,
    grp     TEXT NOT NULL COLLATE NOCASE,
    user    TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (account, grp, user)
) WITHOUT ROWID;
CREATE INDEX iam_group_member_user ON iam_group_member (account, user);

CREATE TABLE iam_role (
    account     TEXT NOT NULL,
    name        TEXT NOT NULL COLLATE NOCASE,
    path        TEXT NOT NULL,
    id          TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    trust       TEXT NOT NULL,
    description TEXT,
    max_session INTEGER NOT NULL DEFAULT 3600,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;

CREATE TABLE iam_instance_profile (
    account    TEXT NOT NULL,
    name       TEXT NOT NULL COLLATE NOCASE,
    path       TEXT NOT NULL,
    id         TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;

CREATE TABLE iam_instance_profile_role (
    account TEXT NOT NULL,
    profile TEXT NOT NULL COLLATE NOCASE,
    role    TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (account, profile, role)
) WITHOUT ROWID;

-- Access keys are looked up by id on every request (the credential provider).
CREATE TABLE iam_access_key (
    key_id       TEXT PRIMARY KEY,
    account      TEXT NOT NULL,
    user         TEXT NOT NULL COLLATE NOCASE,
    secret       TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_us   INTEGER NOT NULL,
    last_used_us INTEGER,
    last_service TEXT,
    last_region  TEXT
) WITHOUT ROWID;
CREATE INDEX iam_access_key_user ON iam_access_key (account, user);

CREATE TABLE iam_login_profile (
    account        TEXT NOT NULL,
    user           TEXT NOT NULL COLLATE NOCASE,
    password       TEXT NOT NULL,
    reset_required INTEGER NOT NULL DEFAULT 0,
    created_us     INTEGER NOT NULL,
    PRIMARY KEY (account, user)
) WITHOUT ROWID;

-- Customer managed policies; AWS managed ones are compiled in (managed.c).
CREATE TABLE iam_policy (
    account         TEXT NOT NULL,
    name            TEXT NOT NULL COLLATE NOCASE,
    path            TEXT NOT NULL,
    id              TEXT NOT NULL,
    description     TEXT,
    created_us      INTEGER NOT NULL,
    updated_us      INTEGER NOT NULL,
    default_version INTEGER NOT NULL DEFAULT 1,
    next_version    INTEGER NOT NULL DEFAULT 2,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;

CREATE TABLE iam_policy_version (
    account    TEXT NOT NULL,
    policy     TEXT NOT NULL COLLATE NOCASE,
    version    INTEGER NOT NULL,
    document   TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, policy, version)
) WITHOUT ROWID;

-- Inline policies of users, groups and roles (kind 'user' | 'group' | 'role').
CREATE TABLE iam_inline_policy (
    account  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    owner    TEXT NOT NULL COLLATE NOCASE,
    name     TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account, kind, owner, name)
) WITHOUT ROWID;

-- Managed policies (customer or AWS) attached to users, groups and roles.
CREATE TABLE iam_attached (
    account    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    owner      TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (account, kind, owner, policy_arn)
) WITHOUT ROWID;
CREATE INDEX iam_attached_policy ON iam_attached (account, policy_arn);

-- Tags of users, roles, policies and instance profiles, in the order set.
CREATE TABLE iam_tag (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    owner   TEXT NOT NULL COLLATE NOCASE,
    key     TEXT NOT NULL COLLATE NOCASE,
    value   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, kind, owner, key)
) WITHOUT ROWID;

CREATE TABLE iam_account_alias (
    account TEXT PRIMARY KEY,
    alias   TEXT NOT NULL UNIQUE
) WITHOUT ROWID;
