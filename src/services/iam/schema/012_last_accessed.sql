-- Service last accessed (access advisor). iam_access: the last time each
-- IAM user or role (kind 'user' / 'role', by name) attempted a request of a
-- service (action '': the service as a whole) or of one of its tracked
-- actions ('iam:CreateUser'), and from which region. iam_access_job: the
-- reports GenerateServiceLastAccessedDetails asked for, by JobId; they are
-- worked out when read.
CREATE TABLE iam_access (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    name    TEXT NOT NULL,
    ns      TEXT NOT NULL,
    action  TEXT NOT NULL,
    last_us INTEGER NOT NULL,
    region  TEXT NOT NULL,
    PRIMARY KEY (account, ns, action, kind, name)
) WITHOUT ROWID;
CREATE TABLE iam_access_job (
    account     TEXT NOT NULL,
    id          TEXT NOT NULL,
    arn         TEXT NOT NULL,
    granularity TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    PRIMARY KEY (account, id)
) WITHOUT ROWID;
