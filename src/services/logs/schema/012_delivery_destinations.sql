-- Delivery destinations (PutDeliveryDestination): where vended logs of a
-- delivery go (a log group, an S3 bucket, a Firehose stream or X-Ray), with
-- the access policy that lets other accounts' deliveries use them.
CREATE TABLE delivery_destination (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    type       TEXT NOT NULL,
    resource   TEXT,           -- destinationResourceArn; NULL for XRAY
    format     TEXT,
    tags       TEXT NOT NULL,  -- a JSON object
    policy     TEXT,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
