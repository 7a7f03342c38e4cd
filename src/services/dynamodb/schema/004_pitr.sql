-- Point-in-time recovery's change log. While a table has PITR enabled, every
-- item write records, in the write's transaction, the item it replaced (old
-- NULL: there was none) and that item's size. RestoreTableToPointInTime
-- copies the table's items and undoes, newest first, the changes made after
-- the restore time. Rows go with their table, when PITR is turned off, and
-- after the 35-day recovery period (ddb_tick).
CREATE TABLE ddb_pitr (
    seq   INTEGER PRIMARY KEY,
    tid   INTEGER NOT NULL,
    at_us INTEGER NOT NULL,
    pk    BLOB NOT NULL,
    sk    BLOB NOT NULL,
    old   BLOB,
    size  INTEGER NOT NULL
);
CREATE INDEX ddb_pitr_tid ON ddb_pitr (tid, seq);
