#!/bin/sh
# bench/http/chaos.sh — robustness soak for src/http: chaos_server.c under a sanitizer,
# hit by chaos.py (cut-off requests, disconnects, pipelining, limits, suspension answered
# from worker threads), then stopped by SIGTERM. Passes if the server exits 0 and the
# sanitizer reports nothing. Usage: bench/http/chaos.sh [address|thread]
set -eu
cd "$(dirname "$0")/../.."
SAN=${1:-address}
OUT=$(mktemp -d /tmp/gureum-chaos-http.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
case $SAN in
address) CC=gcc; SANFL="-fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
thread) CC=clang; SANFL="-fsanitize=thread" ;;
*) echo "usage: $0 [address|thread]" >&2; exit 2 ;;
esac
$CC -std=gnu17 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Isrc $SANFL \
    -o "$OUT/chaos_server" bench/http/chaos_server.c src/http/*.c src/core/arena.c src/core/str.c src/core/log.c \
    $(pkg-config --libs libevent) -lpthread
"$OUT/chaos_server" 0 >"$OUT/port" 2>"$OUT/stderr" &
PID=$!
for _ in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.02; done
python3 bench/http/chaos.py "$(cat "$OUT/port")"
kill -TERM "$PID"
RC=0; wait "$PID" || RC=$?
if [ "$RC" -ne 0 ] || grep -q "Sanitizer" "$OUT/stderr"; then
    cat "$OUT/stderr"; echo "chaos ($SAN): FAILED (exit $RC)"; exit 1
fi
echo "chaos ($SAN): ok, server exited 0, no sanitizer reports"
