#!/usr/bin/env bash
# bench/dynamodb/run.sh — DynamoDB PutItem, GetItem, Query (100 items) and BatchWriteItem (25 items a
# request, the 1,000-item load replayed) against gureum (release build) and dynalite (npm, in memory)
# in the same run, with a static nginx response as the HTTP ceiling. wrk replays one botocore-signed
# request per operation from a Lua script (sign.py). Prints a markdown table: req/s and p99.
#   bench/dynamodb/run.sh [SECONDS] [CONNECTIONS] [ROUNDS]
# Each measurement is taken ROUNDS times (default 3) and the best round
# is kept: on a shared machine the other load only ever slows a round down.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}
conns=${2:-16}
rounds=${3:-3}
nice make -s build/gureum
work=$(mktemp -d /tmp/gureum-ddb-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# dynalite, installed into a temporary directory
if [ ! -d "${DYNALITE_DIR:-/nonexistent}/node_modules/dynalite" ]; then
  DYNALITE_DIR=$work/dynalite
  mkdir -p "$DYNALITE_DIR"
  (cd "$DYNALITE_DIR" && npm install --silent --no-audit --no-fund dynalite@4.0.0 >/dev/null)
fi

gp=$(port); dp=$(port); np=$(port)
build/gureum serve --host 127.0.0.1 --port "$gp" --data "$work/data" >"$work/gureum.log" 2>&1 & pids+=($!)
node "$DYNALITE_DIR/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$dp" >"$work/dynalite.log" 2>&1 & pids+=($!)
mkdir -p "$work/www" "$work/nginx"
chmod 755 "$work" "$work/www" # nginx workers run as www-data
printf '{"Item":{"pk":{"S":"user#42"}}}' >"$work/www/index.json"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2; daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;
events {}
http { access_log off; sendfile on; keepalive_requests 100000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$np; root $work/www; } }
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>/dev/null & pids+=($!)
wait_port "$gp"; wait_port "$dp"; wait_port "$np"

py=/usr/bin/python3
$py bench/dynamodb/sign.py setup "http://127.0.0.1:$gp"
$py bench/dynamodb/sign.py setup "http://127.0.0.1:$dp"

# one wrk run: prints "req/s p99"
bench1() {
  local url=$1 script=${2:-}
  local out
  if [ -n "$script" ]; then out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$script" "$url"); else
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$url"); fi
  local rps p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [ -n "$errs" ] && echo "warning: $errs non-2xx answers from $url" >&2
  echo "$rps $p99"
}

# the best of $rounds runs
bench() {
  local best="0 -" r
  for _ in $(seq "$rounds"); do
    r=$(bench1 "$@")
    best=$(awk -v a="$r" -v b="$best" 'BEGIN { split(a, x, " "); split(b, y, " "); print (x[1] + 0 > y[1] + 0 ? a : b) }')
  done
  echo "$best"
}

echo "| operation | gureum req/s | gureum p99 | dynalite req/s | dynalite p99 | gureum / dynalite |"
echo "|---|---|---|---|---|---|"
for op in PutItem GetItem Query BatchWriteItem; do
  $py bench/dynamodb/sign.py lua "http://127.0.0.1:$gp" "$op" "$work/g-$op.lua"
  $py bench/dynamodb/sign.py lua "http://127.0.0.1:$dp" "$op" "$work/d-$op.lua"
  read -r grps gp99 < <(bench "http://127.0.0.1:$gp/" "$work/g-$op.lua")
  read -r drps dp99 < <(bench "http://127.0.0.1:$dp/" "$work/d-$op.lua")
  ratio=$(awk -v a="$grps" -v b="$drps" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
  echo "| $op | $grps | $gp99 | $drps | $dp99 | $ratio |"
  [ "$op" = GetItem ] && get_rps=$grps
done
# gureum's request pipeline without storage (dynalite answers DescribeLimits with an error)
$py bench/dynamodb/sign.py lua "http://127.0.0.1:$gp" DescribeLimits "$work/g-limits.lua"
read -r lrps lp99 < <(bench "http://127.0.0.1:$gp/" "$work/g-limits.lua")
echo "| DescribeLimits (no storage) | $lrps | $lp99 | - | - | - |"
read -r nrps np99 < <(bench "http://127.0.0.1:$np/index.json")
echo
echo "nginx static 30-byte GET (ceiling): $nrps req/s, p99 $np99; GetItem / nginx = $(awk -v a="$get_rps" -v b="$nrps" 'BEGIN { printf "%.2f", a / b }')"
echo "(BatchWriteItem: each request writes 25 items; items/s = 25 x req/s; $conns connections, ${secs}s each, wrk -t2, best of $rounds)"
