-- Lambda: a version's or alias's own resource policy (AddPermission with a
-- Qualifier), apart from the unqualified function's; a layer version's
-- architectures and its policy (AddLayerVersionPermission) with the policy's
-- revision; and each layer's last version number, which AWS never reuses
-- even after every version is deleted.
ALTER TABLE lambda_version ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_alias ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_layer ADD COLUMN architectures TEXT NOT NULL DEFAULT ''; -- JSON array
ALTER TABLE lambda_layer ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_layer ADD COLUMN policy_revision TEXT NOT NULL DEFAULT '';
CREATE TABLE lambda_layer_seq (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
INSERT INTO lambda_layer_seq SELECT account, region, name, max(version) FROM lambda_layer GROUP BY account, region, name;
