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
  zlib1g-dev libzstd-dev  # DynamoDB ImportTable: GZIP and ZSTD source objects (src/services/dynamodb/import.c)
  libxxhash-dev  # S3 xxHash checksums (xxhash.h, compiled into src/services/body.c)
  libqrencode-dev  # IAM's virtual MFA QR codes (src/services/iam/mfa.c loads libqrencode.so.4)
  # tests
  libcmocka-dev libclang-rt-14-dev python3-pytest python3-boto3 awscli
  python3-pytest-xdist  # make e2e runs the suite on several workers (Makefile's E2E_WORKERS)
  curl  # the provided.al2 shell bootstrap in tests/e2e/test_lambda.py
  zstd  # ZSTD-compressed import sources in tests/e2e/test_dynamodb_import.py
  xxhash  # xxhsum: the S3 xxHash checksums in tests/e2e/test_s3_checksums.py
  bind9-dnsutils python3-dnspython  # dig and dnspython: Route 53 answered over DNS (src/dns, tests/e2e)
  postgresql  # RDS DB instances with engine postgres run its server (src/services/rds/engine.c)
  mariadb-server mariadb-client mariadb-backup  # RDS mariadb and mysql DB instances run MariaDB (src/services/rds/engine.c)
  openssh-server openssh-client  # sshd inside EC2 instances: ssh ec2-user@PUBLIC-IP (src/services/ec2/boot.c)
  iproute2 iputils-ping  # ip and ping inside EC2 instances; tests/e2e/test_ec2_network.py's veth probe and pings
  python3-cryptography  # the loopback CA and JWTs of tests/e2e (conftest.LoopbackCA, test_sts_webid.py)
  # benchmarks (bench/, not part of make test)
  wrk nginx hyperfine
  # Lambda: function code is extracted with unzip; Node.js runtimes run the machine's node (npm comes with it)
  unzip nodejs
  # ceph/s3-tests compatibility run (tests/s3-tests/run.sh, not part of make test)
  python3-isodate python3-munch python3-tz
  # S3 clients driven by tests/e2e/test_s3_clients.py
  s3cmd rclone
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Lambda runtimes (src/services/lambda/exec.c): the AWS SDKs functions expect,
# where the Node.js bootstrap puts them on NODE_PATH — the v2 `aws-sdk` for
# nodejs16.x (as AWS shipped it), v3 clients for nodejs18.x/20.x. Python
# functions use Debian's boto3 (python3-boto3). After apt, which brings npm.
lambda_sdks() {
  local dir=${GUREUM_LAMBDA_SDK_DIR:-/usr/local/lib/gureum/lambda}
  command -v npm >/dev/null || return 0
  [ -d "$dir/nodejs16/node_modules/aws-sdk" ] ||
    npm install --silent --no-audit --no-fund --prefix "$dir/nodejs16" aws-sdk@2 >/dev/null
  # AWS's Node.js 18+ runtimes carry every v3 client; these are the clients
  # of the services gureum serves (one added later installs on the next run).
  [ -d "$dir/nodejs18/node_modules/@aws-sdk/client-cloudwatch" ] ||
    npm install --silent --no-audit --no-fund --prefix "$dir/nodejs18" @aws-sdk/client-sns @aws-sdk/client-sqs \
      @aws-sdk/client-s3 @aws-sdk/client-dynamodb @aws-sdk/lib-dynamodb @aws-sdk/client-lambda \
      @aws-sdk/client-sts @aws-sdk/client-cloudwatch @aws-sdk/client-cloudwatch-logs @aws-sdk/client-eventbridge \
      @aws-sdk/client-kinesis @aws-sdk/client-iam @aws-sdk/client-dynamodb-streams >/dev/null
}
trap lambda_sdks EXIT

[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
