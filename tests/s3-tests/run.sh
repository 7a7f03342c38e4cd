#!/usr/bin/env bash
# run.sh — runs ceph/s3-tests against a fresh gureum server.
# Usage: tests/s3-tests/run.sh SUITE_DIR [extra pytest args…]
# SUITE_DIR is a checkout of https://github.com/ceph/s3-tests. The script
# starts $GUREUM_BIN (default build/test/gureum) on a free port with two
# extra root accounts (GUREUM_ACCOUNTS), asks each account for its canonical
# user id (the suite compares owners by id), writes the suite's config and
# runs the profile of issue 4 (test_s3.py + test_headers.py minus the marks
# that need features S3 on gureum does not claim). Not part of `make test`.
set -euo pipefail

suite=${1:?usage: run.sh SUITE_DIR [pytest args]}
shift
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${GUREUM_BIN:-$here/build/test/gureum}
work=$(mktemp -d /tmp/gureum-s3tests.XXXXXX)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# main: the loopback root account; alt, tenant: two more accounts; the IAM
# sections get accounts of their own (their tests are outside this profile).
accounts="111111111111:ALTACCESSKEY0000000A:altsecret0000000000000000000000000000000A"
accounts+=",222222222222:TENANTACCESSKEY0000A:tenantsecret000000000000000000000000000A"
accounts+=",333333333333:IAMACCESSKEY00000000:iamsecret00000000000000000000000000000000"
accounts+=",444444444444:IAMROOTACCESSKEY000A:iamrootsecret000000000000000000000000000A"
accounts+=",555555555555:IAMALTROOTACCESSKEYA:iamaltrootsecret000000000000000000000000A"

GUREUM_TESTING=1 GUREUM_ACCOUNTS=$accounts "$bin" serve --host 127.0.0.1 --port "$port" --data "$work/data" \
  >"$work/gureum.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/_gureum/health" >/dev/null && break
  sleep 0.1
done

owner_id() { # access key, secret → canonical user id of that account
  /usr/bin/python3 - "$port" "$1" "$2" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(s3.list_buckets()["Owner"]["ID"])
PY
}

cat >"$work/s3tests.conf" <<CONF
[DEFAULT]
host = 127.0.0.1
port = $port
is_secure = False
ssl_verify = False

[fixtures]
bucket prefix = gureum-{random}-
iam name prefix = s3-tests-
iam path prefix = /s3-tests/

[s3 main]
display_name = gureum
user_id = $(owner_id test test)
email = main@example.com
api_name = us-east-1
access_key = test
secret_key = test

[s3 alt]
display_name = gureum
user_id = $(owner_id ALTACCESSKEY0000000A altsecret0000000000000000000000000000000A)
email = alt@example.com
access_key = ALTACCESSKEY0000000A
secret_key = altsecret0000000000000000000000000000000A

[s3 tenant]
display_name = gureum
user_id = $(owner_id TENANTACCESSKEY0000A tenantsecret000000000000000000000000000A)
email = tenant@example.com
access_key = TENANTACCESSKEY0000A
secret_key = tenantsecret000000000000000000000000000A
tenant = testx

[iam]
email = iam@example.com
user_id = 333333333333
access_key = IAMACCESSKEY00000000
secret_key = iamsecret00000000000000000000000000000000
display_name = gureum

[iam root]
access_key = IAMROOTACCESSKEY000A
secret_key = iamrootsecret000000000000000000000000000A
user_id = 444444444444
email = iamroot@example.com

[iam alt root]
access_key = IAMALTROOTACCESSKEYA
secret_key = iamaltrootsecret000000000000000000000000A
user_id = 555555555555
email = iamaltroot@example.com
CONF

marks='not fails_on_aws and not bucket_logging and not bucket_logging_cleanup and not lifecycle and not lifecycle_expiration and not lifecycle_transition and not cloud_transition and not cloud_restore and not encryption and not sse_s3 and not bucket_encryption and not fails_on_rgw and not s3select and not storage_class and not fails_without_logging_rollover and not checksum and not conditional_write'
# S3TESTS_MARKERS replaces the profile's marker expression (to run marks outside it).
marks=${S3TESTS_MARKERS:-$marks}

cd "$suite"
set +e
# S3TESTS_FILES replaces the profile's two files (e.g. the IAM, STS and SNS
# files, see tests/README.md); S3TESTS_PY another Python (a newer boto3).
S3TEST_CONF="$work/s3tests.conf" AWS_DEFAULT_REGION=us-east-1 ${S3TESTS_PY:-/usr/bin/python3} -m pytest \
  -p no:cacheprovider -q -rA ${S3TESTS_FILES:-s3tests/functional/test_s3.py s3tests/functional/test_headers.py} \
  -m "$marks" "$@"
rc=$?
echo "run.sh: server log in $work/gureum.log" >&2
exit $rc
