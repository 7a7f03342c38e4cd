-- A completed multipart object is its parts: part_blobs lists their blob ids
-- in order ("id1,id2,…", sizes in part_sizes); blob is then the first of
-- them. Completion moves the part blobs to the object row, never copies them.
ALTER TABLE s3_object ADD COLUMN part_blobs TEXT;
