-- Launch templates (template.c): the template, and each version's
-- LaunchTemplateData as given (JSON); created in microseconds; created_by:
-- the ARN of who made it; client_token: CreateLaunchTemplate's, for its
-- idempotency.
CREATE TABLE launch_template (
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    default_version INTEGER NOT NULL,
    latest_version  INTEGER NOT NULL,
    created         INTEGER NOT NULL,
    client_token    TEXT,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX launch_template_by_name ON launch_template (account, region, name);

CREATE TABLE launch_template_version (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    template_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT,
    data        TEXT NOT NULL,
    created     INTEGER NOT NULL,
    PRIMARY KEY (account, region, template_id, version)
) WITHOUT ROWID;
