#!/usr/bin/env bash
# bench/s3/bigobject.sh — a 5 GiB object through gureum twice, multipart
# (boto3, 64 MiB parts, 4 threads) and as one PUT (curl on a presigned URL),
# each read back whole and checked by MD5, while the server's peak RSS
# (VmHWM) must stay under 64 MB. Needs ~11 GiB free disk (checked first);
# everything is removed at the end. Not part of make test.
# Usage: bench/s3/bigobject.sh [size MiB, default 5120]
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-5120}
PY=/usr/bin/python3
OUT=$(mktemp -d /tmp/gureum-bench-big.XXXXXX)
GPID=
cleanup() {
    [ -n "$GPID" ] && kill "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null || true
    rm -rf "$OUT"
}
trap cleanup EXIT INT TERM

need_kib=$(((MIB * 2 + 512) * 1024))
avail_kib=$(df -Pk "$OUT" | awk 'NR==2 {print $4}')
if [ "$avail_kib" -lt "$need_kib" ]; then
    echo "bigobject: need $((need_kib / 1048576)) GiB free under $OUT, have $((avail_kib / 1048576)) GiB" >&2
    exit 1
fi
nice make -s build/gureum
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/gureum serve --host 127.0.0.1 --port "$PORT" --data "$OUT/data" --quiet >"$OUT/gureum.log" 2>&1 &
GPID=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/_gureum/health" && break; sleep 0.05; done

# The source: a sparse file of zeros costs no disk to read; its MD5 is known.
truncate -s $((MIB << 20)) "$OUT/src"
echo "size: $MIB MiB; md5 of the source ..."
SRC_MD5=$(md5sum "$OUT/src" | cut -d' ' -f1)

$PY - "$OUT" "$PORT" "$GPID" "$SRC_MD5" <<'PYEOF'
import hashlib, subprocess, sys, threading, time
import boto3, botocore.config
from boto3.s3.transfer import TransferConfig

out, port, pid, src_md5 = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % port, region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test",
                  config=botocore.config.Config(signature_version="s3v4"))
s3.create_bucket(Bucket="big")

def hwm_mb():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0

def read_back(key):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "big", "Key": key}, ExpiresIn=3600)
    t = time.monotonic()
    p = subprocess.run("curl -sf '%s' | md5sum" % url, shell=True, capture_output=True, text=True, check=True)
    return p.stdout.split()[0], time.monotonic() - t

size = int(subprocess.check_output(["stat", "-c", "%s", out + "/src"]))
rows = []
# 1. multipart
t = time.monotonic()
s3.upload_file(out + "/src", "big", "mp", Config=TransferConfig(multipart_threshold=64 << 20,
                                                                 multipart_chunksize=64 << 20, max_concurrency=4))
up_s = time.monotonic() - t
md5, get_s = read_back("mp")
rows.append(("multipart (64 MiB parts, 4 threads)", up_s, get_s, md5 == src_md5, hwm_mb()))
s3.delete_object(Bucket="big", Key="mp")
# 2. one PUT
url = s3.generate_presigned_url("put_object", Params={"Bucket": "big", "Key": "one"}, ExpiresIn=3600)
t = time.monotonic()
subprocess.run(["curl", "-sf", "-o", "/dev/null", "-T", out + "/src", url], check=True)
up_s = time.monotonic() - t
md5, get_s = read_back("one")
rows.append(("single PUT (curl, presigned)", up_s, get_s, md5 == src_md5, hwm_mb()))
s3.delete_object(Bucket="big", Key="one")

mb = size / 1048576.0
print()
print("| %d MiB object | upload MB/s | download MB/s | bytes identical | server peak RSS |" % (size >> 20))
print("|---|---|---|---|---|")
ok = True
for name, up, get, same, rss in rows:
    print("| %s | %.0f | %.0f | %s | %.1f MB |" % (name, mb / up, mb / get, "yes" if same else "NO", rss))
    ok = ok and same and rss < 64
print()
print("RSS goal (< 64 MB) and identity:", "met" if ok else "NOT met")
sys.exit(0 if ok else 1)
PYEOF
