#!/bin/sh
# bench/http/run.sh — 4 KiB GET: the gureum http layer (bench_server.c, 4 KiB from
# memory, 2 loops) vs nginx (4 KiB file, sendfile, 2 workers), same machine, same run.
# Usage: bench/http/run.sh [seconds]   (needs gcc, wrk, nginx; loopback only)
set -eu
cd "$(dirname "$0")/../.."
SECS=${1:-5}
OUT=$(mktemp -d /tmp/gureum-bench-http.XXXXXX)
chmod 755 "$OUT" # nginx workers may run as another user (root starts them as nobody)
SRV_PID= NGX_PID=
cleanup() {
    [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null || true
    [ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null || true
    rm -rf "$OUT"
}
trap cleanup EXIT INT TERM

# Build like the release build (-O2), core + http only.
CFLAGS="-std=gnu17 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Isrc $(pkg-config --cflags libevent)"
# Only the core files the http layer uses (src/core/gtime.c does not build at -O2 -Werror yet).
gcc $CFLAGS -o "$OUT/bench_server" bench/http/bench_server.c src/http/*.c src/core/arena.c src/core/str.c src/core/log.c \
    $(pkg-config --libs libevent) -lpthread -lm

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$1/4k" && return 0; sleep 0.05; done; echo "port $1 not serving" >&2; cat "$OUT"/ngx/stderr "$OUT"/ngx/logs/error.log 2>/dev/null >&2; exit 1; }

# gureum
"$OUT/bench_server" 0 2 >"$OUT/port" &
SRV_PID=$!
for _ in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.02; done
GPORT=$(cat "$OUT/port")
wait_port "$GPORT"

# nginx, minimal conf from /work/shared/PEERS.md, own prefix, stopped by PID
NPORT=$(free_port)
mkdir -p "$OUT/ngx/html" "$OUT/ngx/logs"
head -c 4096 /dev/zero | tr '\0' x >"$OUT/ngx/html/4k"
cat >"$OUT/ngx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $OUT/ngx/nginx.pid;
error_log $OUT/ngx/logs/error.log;
events {}
http { access_log off; sendfile on; keepalive_requests 100000;
       server { listen 127.0.0.1:$NPORT; root $OUT/ngx/html; } }
CONF
nginx -c "$OUT/ngx/nginx.conf" -p "$OUT/ngx" 2>"$OUT/ngx/stderr" &
NGX_PID=$!
wait_port "$NPORT"

rps() { wrk -t2 -c32 -d"${SECS}s" "http://127.0.0.1:$1/4k" | awk '/Requests\/sec/ {print $2}'; }
# A short warm-up each, then the measured runs, interleaved twice to even out noise.
wrk -t2 -c32 -d1s "http://127.0.0.1:$GPORT/4k" >/dev/null
wrk -t2 -c32 -d1s "http://127.0.0.1:$NPORT/4k" >/dev/null
G1=$(rps "$GPORT"); N1=$(rps "$NPORT"); G2=$(rps "$GPORT"); N2=$(rps "$NPORT")
echo "gureum http (4 KiB from memory, 2 loops): $G1  $G2 req/s"
echo "nginx      (4 KiB file, 2 workers):       $N1  $N2 req/s"
python3 -c "g=max($G1,$G2); n=max($N1,$N2); print(f'best: gureum {g:.0f}  nginx {n:.0f}  ratio gureum/nginx {g/n:.2f}')"

# Clean stop through SIGTERM -> http_server_stop (async-signal-safe path).
kill -TERM "$SRV_PID"; wait "$SRV_PID"; echo "bench_server exit status $?"; SRV_PID=
