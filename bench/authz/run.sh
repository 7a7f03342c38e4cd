#!/usr/bin/env bash
# bench/authz/run.sh — what authorizing a request costs (see bench.c). Builds
# the release objects, links the bench with the loopback harness, runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s build/gureum
out=bench/out/authz
mkdir -p "$out"
# The objects of today's sources only (build/rel may hold stale ones).
objs=$( (find src -name '*.c' ! -path src/main.c; ls build/gen/*.c) | sed 's|^|build/rel/|; s|\.c$|.o|' | sort)
cc -std=gnu17 -O2 -fno-pie -no-pie -Isrc -Ibuild/gen -Itests/unit -o "$out/bench" bench/authz/bench.c \
  tests/unit/harness/loopback.c $objs \
  -Wl,-Bstatic -levent_pthreads -levent_core -lsqlite3 -lcrypto -Wl,-Bdynamic -lpthread -lm
"$out/bench" "${1:-20000}"
