#!/usr/bin/env bash
# bench/s3/run.sh — S3 object data path, gureum against its peers in one run
# on this machine: nginx (static GET, WebDAV PUT: the HTTP ceiling),
# moto_server and s3rver (npm, installed into a temp dir). wrk drives 4 KiB
# GET and PUT on presigned SigV4 URLs (req/s); curl moves one big object
# (1 GiB by default) each way (MB/s), the PUT twice: settled and with warm
# page-cache pages (see below). Not part of make test.
# Usage: bench/s3/run.sh [seconds per wrk run] [big object MiB]
# Peers as in /work/shared/PEERS.md; loopback only. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-5}
BIG_MIB=${2:-1024}
CONNS=${CONNS:-32}
PY=/usr/bin/python3
OUT=$(mktemp -d /tmp/gureum-bench-s3.XXXXXX)
chmod 755 "$OUT"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$OUT"
}
trap cleanup EXIT INT TERM

nice make -s build/gureum
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; echo "port $1 not answering" >&2; exit 1; }

# ---- s3rver from npm, into the temp dir
if [ -z "${S3RVER_DIR:-}" ]; then
    S3RVER_DIR=$OUT/npm
    mkdir -p "$S3RVER_DIR"
    (cd "$S3RVER_DIR" && npm install --silent --no-audit --no-fund s3rver@3 >/dev/null 2>&1)
fi

# ---- servers
GPORT=$(free_port); MPORT=$(free_port); SPORT=$(free_port); NPORT=$(free_port)
mkdir -p "$OUT/gdata" "$OUT/sdata" "$OUT/ngx/html" "$OUT/ngx/logs" "$OUT/ngx/tmp"
build/gureum serve --host 127.0.0.1 --port "$GPORT" --data "$OUT/gdata" --quiet >"$OUT/gureum.log" 2>&1 &
PIDS+=($!); GPID=$!
moto_server -H 127.0.0.1 -p "$MPORT" >"$OUT/moto.log" 2>&1 &
PIDS+=($!)
node "$S3RVER_DIR/node_modules/s3rver/bin/s3rver.js" -d "$OUT/sdata" -a 127.0.0.1 -p "$SPORT" --silent >"$OUT/s3rver.log" 2>&1 &
PIDS+=($!)
cat >"$OUT/ngx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $OUT/ngx/nginx.pid;
error_log $OUT/ngx/logs/error.log;
events {}
http { access_log off; sendfile on; keepalive_requests 100000; client_body_buffer_size 16k;
       server { listen 127.0.0.1:$NPORT; root $OUT/ngx/html;
                location / { dav_methods PUT; client_body_temp_path $OUT/ngx/tmp; client_max_body_size 0; } } }
CONF
chmod -R 777 "$OUT/ngx"
nginx -c "$OUT/ngx/nginx.conf" -p "$OUT/ngx" >"$OUT/ngx/stderr" 2>&1 &
PIDS+=($!)
for p in $GPORT $MPORT $SPORT $NPORT; do wait_http "$p"; done

# ---- data: a 4 KiB object everywhere, the big file on disk
head -c 4096 /dev/urandom >"$OUT/4k"
head -c $((BIG_MIB << 20)) /dev/urandom >"$OUT/big"
cp "$OUT/4k" "$OUT/ngx/html/4k"
# Presigned URLs (SigV4) for each S3 server: GET 4k, PUT 4k, GET big, PUT big.
$PY - "$OUT" "$GPORT" "$MPORT" "$SPORT" <<'PYEOF'
import sys, boto3, botocore.config
out, ports = sys.argv[1], dict(gureum=sys.argv[2], moto=sys.argv[3], s3rver=sys.argv[4])
keys = dict(gureum=("test", "test"), moto=("test", "test"), s3rver=("S3RVER", "S3RVER"))
for name, port in ports.items():
    s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % port, region_name="us-east-1",
                      aws_access_key_id=keys[name][0], aws_secret_access_key=keys[name][1],
                      config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="bench")
    s3.put_object(Bucket="bench", Key="4k", Body=open(out + "/4k", "rb").read())
    urls = [s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "4k"}, ExpiresIn=3600),
            s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "4kput"}, ExpiresIn=3600),
            s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "big"}, ExpiresIn=3600),
            s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "big"}, ExpiresIn=3600)]
    open("%s/%s.urls" % (out, name), "w").write("\n".join(urls) + "\n")
PYEOF
N="http://127.0.0.1:$NPORT"
printf '%s\n' "$N/4k" "$N/4kput" "$N/big" "$N/big" >"$OUT/nginx.urls"

cat >"$OUT/put.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb")
wrk.method = "PUT"
wrk.body = f:read("*a")
f:close()
LUA
rps() { # url [lua]
    local extra=()
    [ -n "${2:-}" ] && extra=(-s "$2")
    BODY_FILE=$OUT/4k wrk -t2 -c"$CONNS" -d"${SECS}s" "${extra[@]}" "$1" 2>&1 | awk '/Requests\/sec/ {printf "%.0f", $2}
        /Non-2xx/ {bad=$NF} END {if (bad) printf " (%s non-2xx)", bad}'
}
url() { sed -n "$2p" "$OUT/$1.urls"; }
mbps_put() { curl -s -o /dev/null --max-time 600 -T "$OUT/big" -w '%{speed_upload} %{http_code}' "$1" |
    awk '{ if ($2 >= 300) print "fail(" $2 ")"; else printf "%.0f", $1 / 1048576 }'; }
mbps_get() { curl -s -o /dev/null --max-time 600 -w '%{speed_download} %{http_code} %{size_download}' "$1" |
    awk -v want=$((BIG_MIB << 20)) '{ if ($2 >= 300 || $3 != want) print "fail(" $2 ")"; else printf "%.0f", $1 / 1048576 }'; }

# The big PUT's speed depends on the page cache more than on the server: each
# written byte is copied into a page-cache page, and on a virtual machine a page
# the guest has not touched lately costs the host a fault (dd writes ~450 MB/s
# into such pages, ~3,600 MB/s into pages just freed). Which kind a server gets
# is luck, so the big PUT runs twice for each server: "settled", after the
# previous upload is on disk and five quiet seconds (which does not make the
# pages reliably cold: nginx's own upload there varied 284-809 MB/s), and
# "warm", right after a cached file of the same size was removed, so the pages
# it held are the next ones handed out (the repeatable condition).
settled() { sync; sleep 5; }
warm() {
    sync
    dd if=/dev/zero of="$OUT/filler" bs=1M count=$((BIG_MIB + 64)) status=none
    sync
    rm -f "$OUT/filler"
}
declare -A R
for s in nginx gureum s3rver moto; do
    R[$s,get4]=$(rps "$(url $s 1)")
    R[$s,put4]=$(rps "$(url $s 2)" "$OUT/put.lua")
    settled
    R[$s,putbig]=$(mbps_put "$(url $s 4)")
    warm
    R[$s,putwarm]=$(mbps_put "$(url $s 4)")
    R[$s,getbig]=$(mbps_get "$(url $s 3)")
    [ "$s" = gureum ] && R[$s,rss]=$(awk '/VmHWM/ {printf "%d MB", $2/1024}' /proc/$GPID/status)
done

ratio() { $PY -c "import sys; a,b=sys.argv[1],sys.argv[2]
try: print('%.2f' % (float(a.split()[0])/float(b.split()[0])))
except Exception: print('-')" "$1" "$2"; }
echo
echo "S3 data path, $(date -u +%Y-%m-%d), $(nproc) cores, wrk -t2 -c$CONNS -d${SECS}s, big object ${BIG_MIB} MiB"
echo
echo "| server | 4 KiB GET req/s | 4 KiB PUT req/s | ${BIG_MIB} MiB GET MB/s | ${BIG_MIB} MiB PUT MB/s, settled | warm pages |"
echo "|---|---|---|---|---|---|"
for s in nginx gureum s3rver moto; do
    echo "| $s | ${R[$s,get4]} | ${R[$s,put4]} | ${R[$s,getbig]} | ${R[$s,putbig]} | ${R[$s,putwarm]} |"
done
echo
echo "| ratio | 4 KiB GET | 4 KiB PUT | big GET | big PUT, settled | big PUT, warm |"
echo "|---|---|---|---|---|---|"
for s in nginx s3rver moto; do
    echo "| gureum / $s | $(ratio "${R[gureum,get4]}" "${R[$s,get4]}") | $(ratio "${R[gureum,put4]}" "${R[$s,put4]}") |" \
         "$(ratio "${R[gureum,getbig]}" "${R[$s,getbig]}") | $(ratio "${R[gureum,putbig]}" "${R[$s,putbig]}") |" \
         "$(ratio "${R[gureum,putwarm]}" "${R[$s,putwarm]}") |"
done
echo
echo "gureum peak RSS during the run: ${R[gureum,rss]}"
