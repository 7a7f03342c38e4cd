-- Attributes of load balancers and target groups set by Modify*Attributes
-- (attr.c), by the resource's ARN; a key not set has AWS's default.
CREATE TABLE elb2_attr (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
