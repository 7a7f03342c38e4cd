-- Images an account made with CreateImage (image.c): state pending until
-- the ticker has copied the source instance's disk to the image's files
-- (boot.c), then available; the region's public images are not rows.
CREATE TABLE image (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    source      TEXT NOT NULL,
    state       TEXT NOT NULL,
    created     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX image_by_name ON image (account, region, name);
