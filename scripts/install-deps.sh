#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages gureum builds, runs and
# tests with. Idempotent: asks apt only for what is missing, so a second run
# costs a dpkg query. Called by `make run` and `make test`; needs root (or
# sudo) only when something is missing.
set -euo pipefail

PKGS=(
  # build
  build-essential clang pkg-config python3 python3-botocore
  libevent-dev libsqlite3-dev libssl-dev
  # tests
  libcmocka-dev libclang-rt-14-dev python3-pytest python3-boto3 awscli
  # benchmarks (bench/, not part of make test)
  wrk nginx hyperfine
  # ceph/s3-tests compatibility run (tests/s3-tests/run.sh, not part of make test)
  python3-isodate python3-munch python3-tz
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
