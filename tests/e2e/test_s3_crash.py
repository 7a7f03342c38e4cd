"""S3 durability under crashes: concurrent uploads (single PUTs and
multipart) while the server is killed with SIGKILL, and named crash points
(GUREUM_CRASH_AT) between a blob's rename and the row that names it. After a
restart every acknowledged object reads back byte-identical, every listed
object is whole, and no blob file is left that no row names.
"""
import hashlib
import os
import threading
import time
from pathlib import Path

import botocore.config
import pytest
from botocore.exceptions import BotoCoreError, ClientError

MiB = 1 << 20
INLINE_MAX = 64 << 10  # S3_INLINE_MAX: a PUT body up to this size is kept in its row


def blob_files(g):
    root = Path(g.data_dir) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()]


def tmp_files(g):
    return [p for p in (Path(g.data_dir) / "tmp").iterdir()]


def client(g):
    # No retries: an upload the crash interrupts must fail, not be replayed
    # against the restarted server.
    return g.client("s3", config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5,
                                                        read_timeout=30))


def expected_blobs(s3, bucket):
    """Blob files the rows account for: one per simple object larger than
    INLINE_MAX (smaller ones live in their rows), one per part of a multipart
    object, one per uploaded part of an upload in progress."""
    n = 0
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        h = s3.head_object(Bucket=bucket, Key=o["Key"], PartNumber=1)
        if "PartsCount" in h:
            n += h["PartsCount"]
        elif o["Size"] > INLINE_MAX:
            n += 1
    for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        n += len(s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", []))
    return n


def test_kill9_during_concurrent_uploads(gureum_factory):
    g = gureum_factory()
    s3 = client(g)
    bucket = "crash-" + os.urandom(3).hex()
    s3.create_bucket(Bucket=bucket)
    acked = {}  # key -> md5 of an acknowledged upload
    tried = {}  # key -> md5 of every attempted body
    lock = threading.Lock()
    stop = threading.Event()

    def worker(w):
        c = client(g)
        i = 0
        while not stop.is_set():
            i += 1
            key = "w%d/o%d" % (w, i)
            try:
                if i % 4 == 0:  # multipart: two 5 MiB parts and a small one
                    parts_data = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1000)]
                    body = b"".join(parts_data)
                    with lock:
                        tried[key] = hashlib.md5(body).hexdigest()
                    up = c.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
                    parts = []
                    for n, d in enumerate(parts_data, 1):
                        e = c.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=d)["ETag"]
                        parts.append({"PartNumber": n, "ETag": e})
                    c.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                                MultipartUpload={"Parts": parts})
                else:
                    body = os.urandom((w * 7919 + i * 104729) % (3 * MiB) + 1)
                    with lock:
                        tried[key] = hashlib.md5(body).hexdigest()
                    c.put_object(Bucket=bucket, Key=key, Body=body)
                with lock:
                    acked[key] = tried[key]
            except (BotoCoreError, ClientError, OSError):
                if stop.is_set():
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # more uploads in flight
    stop.set()
    g.stop(kill9=True)
    for t in threads:
        t.join(60)
    assert len(acked) >= 6

    g.start()
    s3 = client(g)
    listed = {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    # Every acknowledged object is there, byte-identical.
    for key, md5 in acked.items():
        assert key in listed, key
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.md5(body).hexdigest() == md5, key
    # Every listed object is a whole upload (one whose answer the crash ate included).
    for key, o in listed.items():
        if key in acked:
            continue
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert len(body) == o["Size"] and hashlib.md5(body).hexdigest() == tried[key], key
    # No file that no row names (start-up collection), no temp file.
    assert tmp_files(g) == []
    assert len(blob_files(g)) == expected_blobs(s3, bucket)
    # Clean up through the API: nothing may remain.
    for key in listed:
        s3.delete_object(Bucket=bucket, Key=key)
    for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
    assert blob_files(g) == []


@pytest.mark.parametrize("point", ["blob.before_rename", "blob.after_rename"])
def test_crash_point_in_put_leaves_old_state(gureum_factory, point):
    """A crash between the blob's rename and its row: the object keeps its old
    bytes, and the new blob (or temp file) is collected at the next start."""
    g = gureum_factory()
    s3 = client(g)
    bucket = "crashpt-" + os.urandom(3).hex()
    s3.create_bucket(Bucket=bucket)
    old = os.urandom(INLINE_MAX + 1)  # large enough for a blob file of its own
    s3.put_object(Bucket=bucket, Key="k", Body=old)
    g.restart(env={"GUREUM_CRASH_AT": point})
    s3 = client(g)
    with pytest.raises((BotoCoreError, ClientError)):
        s3.put_object(Bucket=bucket, Key="k", Body=b"new bytes" * 10000)
    g.proc.wait(10)
    g.stop()
    assert len(blob_files(g)) + len(tmp_files(g)) == 2  # old object + the crashed upload's file
    g.start(env={})
    s3 = client(g)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == old
    assert len(blob_files(g)) == 1 and tmp_files(g) == []


def test_crash_during_multipart_keeps_parts_of_live_upload(gureum_factory):
    """Parts of an upload still in progress are referenced: start-up
    collection keeps them, and the upload completes after the restart."""
    g = gureum_factory()
    s3 = client(g)
    bucket = "crashmp-" + os.urandom(3).hex()
    s3.create_bucket(Bucket=bucket)
    d1, d2 = os.urandom(5 * MiB), os.urandom(123)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=d1)["ETag"]
    g.restart(kill9=True)
    s3 = client(g)
    assert len(blob_files(g)) == 1
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=d2)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    g.restart(kill9=True)
    s3 = client(g)
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == d1 + d2
    assert len(blob_files(g)) == 2
