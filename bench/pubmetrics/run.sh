#!/usr/bin/env bash
# run.sh — build and run the service-metrics micro-benchmark (see README.md).
#   bench/pubmetrics/run.sh [ITERATIONS]
# Built like the release binary (-O2, no sanitizers).
set -euo pipefail
cd "$(dirname "$0")/../.."
CC=${CC:-cc}
OUT=${OUT:-bench/out/pubmetrics}
mkdir -p "$OUT"
$CC -std=gnu17 -O2 -g -Wall -Wextra -Werror -Isrc $(pkg-config --cflags sqlite3 2>/dev/null) \
    -o "$OUT/bench" bench/pubmetrics/bench.c src/services/pubmetrics.c src/core/arena.c src/core/str.c \
    src/core/gtime.c src/core/log.c -lpthread -lm
"$OUT/bench" "${1:-1000000}"
