-- Lambda: function URLs (CreateFunctionUrlConfig), one per function or
-- alias (qualifier '' is the unqualified function). url_id is the host's
-- first label (32 lowercase alphanumerics), unique across the server, as the
-- Host alone names the URL. invoke_mode is NULL until a request sets it: AWS
-- answers it from Create and Update only then, and BUFFERED from Get and List.
CREATE TABLE lambda_url (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    qualifier   TEXT NOT NULL,
    url_id      TEXT NOT NULL UNIQUE,
    auth_type   TEXT NOT NULL,
    cors_json   TEXT NOT NULL DEFAULT '',
    invoke_mode TEXT,
    created     INTEGER NOT NULL, -- µs
    modified    INTEGER NOT NULL,
    PRIMARY KEY (account, region, name, qualifier)
) WITHOUT ROWID;
