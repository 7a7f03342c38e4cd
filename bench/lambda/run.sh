#!/usr/bin/env bash
# run.sh — Lambda cold start and warm invoke latency (bench/lambda/README.md).
# Builds the release binary and runs bench.py against it; not part of make test.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s build/gureum
exec /usr/bin/python3 bench/lambda/bench.py "$PWD/build/gureum" "${1:-2000}"
