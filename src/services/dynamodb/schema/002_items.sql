-- DynamoDB items, index entries, tags, transaction tokens and stream records.
-- A table is known by its tid (never reused: ddb_tid is AUTOINCREMENT), so a
-- table deleted and recreated under the same name never sees old rows.
-- Keys are ddb_key_encode() bytes, so memcmp order is DynamoDB's key order;
-- a hash-only table's sk is the empty blob. Items are ddb_item_encode() bytes.
ALTER TABLE ddb_table ADD COLUMN tid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ddb_table ADD COLUMN table_id TEXT NOT NULL DEFAULT '';
ALTER TABLE ddb_table ADD COLUMN def TEXT NOT NULL DEFAULT '{}';
CREATE TABLE ddb_tid (tid INTEGER PRIMARY KEY AUTOINCREMENT, created_us INTEGER NOT NULL);
CREATE TABLE ddb_item (
    tid  INTEGER NOT NULL,
    pk   BLOB NOT NULL,
    sk   BLOB NOT NULL,
    item BLOB NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (tid, pk, sk)
) WITHOUT ROWID;
-- One row per item that has an index's key attributes (sparse indexes).
CREATE TABLE ddb_index (
    tid INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    ipk BLOB NOT NULL,
    isk BLOB NOT NULL,
    pk  BLOB NOT NULL,
    sk  BLOB NOT NULL,
    PRIMARY KEY (tid, idx, ipk, isk, pk, sk)
) WITHOUT ROWID;
CREATE TABLE ddb_tag (
    tid   INTEGER NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tid, key)
) WITHOUT ROWID;
-- TransactWriteItems ClientRequestToken idempotency (10 minutes).
CREATE TABLE ddb_txn_token (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    token      TEXT NOT NULL,
    digest     TEXT NOT NULL,
    expires_us INTEGER NOT NULL,
    PRIMARY KEY (account, region, token)
) WITHOUT ROWID;
-- Stream records, written in the item write's transaction; kept 24 hours.
CREATE TABLE ddb_stream (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tid        INTEGER NOT NULL,
    label      TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    event      TEXT NOT NULL,
    keys       BLOB NOT NULL,
    old        BLOB,
    new        BLOB,
    size       INTEGER NOT NULL
);
CREATE INDEX ddb_stream_by_label ON ddb_stream (tid, label, seq);
