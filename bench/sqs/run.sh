#!/usr/bin/env bash
# run.sh — SQS throughput and long-polling footprint of gureum, with moto_server
# measured in the same run for the ratio. See README.md. Not part of `make test`.
#
#   nice make build/gureum && bench/sqs/run.sh
#   DURATION=10 CONNS=32 POLLERS=1000 PEERS="moto" bench/sqs/run.sh
#
# For each server (fresh data directory, free port):
#   send      wrk replays one signed SendMessage          → messages stored per second
#   recv+del  a second queue prefilled with PREFILL messages (untimed, the same
#             depth for every server); wrk: ReceiveMessage (10) + one
#             DeleteMessage per message, each delete signed in Lua
#                                                          → messages deleted per second
#             (over the time to the last delete, if the queue drains early)
#   pollers   POLLERS sockets long-poll an empty queue (WaitTimeSeconds=20):
#             server RSS and threads while they wait, then the wake-up time of one send
set -euo pipefail
cd "$(dirname "$0")/../.."

GUREUM=${GUREUM:-build/gureum}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
POLLERS=${POLLERS:-1000}
PREFILL=${PREFILL:-1000}
RECV_CONNS=${RECV_CONNS:-8}
PEERS=${PEERS:-moto}
PY=${PY:-/usr/bin/python3}
OUT=${OUT:-bench/out/sqs}
mkdir -p "$OUT"
rm -f "$OUT"/*.txt
export SQS_BENCH_DIR=$PWD/bench/sqs
ulimit -n 8192 2>/dev/null || true

[ -x "$GUREUM" ] || { echo "run.sh: $GUREUM missing: nice make build/gureum" >&2; exit 1; }
command -v wrk >/dev/null || { echo "run.sh: wrk missing (apt install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/gureum-bench-sqs.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_up() { # PORT
    for _ in $(seq 1 100); do
        if "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "run.sh: server on $1 did not come up" >&2; return 1
}

# bench NAME PORT PID → lines in $OUT/NAME.txt
bench() {
    local name=$1 port=$2 pid=$3 ep="http://127.0.0.1:$2" res="$OUT/$1.txt"
    : >"$res"
    export SQS_BENCH_CFG="$WORK/$name-cfg.lua"
    "$PY" bench/sqs/sign.py "$ep" bench "$SQS_BENCH_CFG" >/dev/null
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -s bench/sqs/send.lua "$ep/" >"$WORK/$name-send.txt"
    local rps non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name-send.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name-send.txt")
    echo "send msgs_per_s=$rps non2xx=${non2xx:-0}" >>"$res"
    export SQS_BENCH_CFG="$WORK/$name-cfg-drain.lua"
    "$PY" bench/sqs/sign.py "$ep" drain "$SQS_BENCH_CFG" "$PREFILL" >/dev/null
    wrk -t"$THREADS" -c"$RECV_CONNS" -d"${DURATION}s" -s bench/sqs/recvdel.lua "$ep/" >"$WORK/$name-recv.txt"
    grep RESULT "$WORK/$name-recv.txt" | sed 's/^RESULT /recvdel /' >>"$res"
    "$PY" bench/sqs/pollers.py "$ep" "$pid" "$POLLERS" | sed 's/^RESULT /pollers /' >>"$res"
    echo "== $name"; cat "$res"
}

# gureum
port=$(free_port)
"$GUREUM" serve --host 127.0.0.1 --port "$port" --data "$WORK/gureum-data" >"$WORK/gureum.log" 2>&1 &
gpid=$!
PIDS+=("$gpid")
wait_up "$port"
bench gureum "$port" "$gpid"
kill "$gpid"; wait "$gpid" 2>/dev/null || true

# peers
for peer in $PEERS; do
    case $peer in
    moto)
        MOTO=$(command -v moto_server || true)
        [ -n "$MOTO" ] || { echo "run.sh: moto_server not on PATH, skipped" >&2; continue; }
        port=$(free_port)
        "$MOTO" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
        mpid=$!
        PIDS+=("$mpid")
        wait_up "$port"
        sleep 1
        # the shim may exec python: the pid is the server either way
        bench moto "$port" "$mpid"
        kill "$mpid"; wait "$mpid" 2>/dev/null || true
        ;;
    esac
done

# ratios
"$PY" - "$OUT" <<'PY'
import re, sys, os
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name + ".txt")
    if not os.path.exists(p):
        return None
    d = {}
    for line in open(p):
        kind, *kv = line.split()
        d[kind] = dict(x.split("=", 1) for x in kv)
    return d
g, m = load("gureum"), load("moto")
if g and m:
    s = float(g["send"]["msgs_per_s"]) / float(m["send"]["msgs_per_s"])
    r = float(g["recvdel"]["msgs_per_s"]) / max(float(m["recvdel"]["msgs_per_s"]), 1e-9)
    print("== ratio gureum/moto: send %.1fx, receive+delete %.1fx" % (s, r))
PY
