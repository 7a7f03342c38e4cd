#!/usr/bin/env bash
# run.sh — build and run the policy evaluation benchmark (see README.md).
#   bench/policy/run.sh [ITERATIONS]
# Built like the release binary (-O2, no sanitizers); exits non-zero above 20 µs.
set -euo pipefail
cd "$(dirname "$0")/../.."
CC=${CC:-cc}
OUT=${OUT:-bench/out/policy}
mkdir -p "$OUT"
$CC -std=gnu17 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Isrc \
    -o "$OUT/bench" bench/policy/bench.c src/auth/policy.c src/core/json.c src/core/arena.c src/core/str.c \
    src/core/gtime.c src/core/buf.c src/core/val.c -lm
"$OUT/bench" "${1:-200000}"
