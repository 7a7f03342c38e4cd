"""conftest.py — pytest fixtures that drive a real `gureum serve` for e2e tests.

The `gureum` fixture (one server per test module) starts $GUREUM_BIN (default
build/test/gureum) on a free 127.0.0.1 port with a fresh data directory, waits
for GET /_gureum/health to answer 200, and hands tests a `Gureum` object:
  .endpoint .port .data_dir .log          where it runs and where its stderr goes
  .aws(*args, cli=..., env=...)           the AWS CLI against it → CompletedProcess
  .client(service, **kw)                  a boto3 client against it
  .restart(kill9=False, env=..., args=...) stop (SIGTERM or SIGKILL) and start again, same port and data
At teardown it sends SIGTERM and asserts a clean exit (code 0) and a log free
of sanitizer reports. `gureum_factory` starts extra, function-scoped servers
(other flags, env such as GUREUM_CRASH_AT). Both AWS CLIs on the machine are
listed in CLIS; the `cli` fixture runs a test once per CLI.

Every client runs without the user's AWS configuration: no config or
credentials file, keys test/test, region us-east-1, unless a test says otherwise.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / "build" / "test" / "gureum"
START_TIMEOUT = 10.0  # seconds until /_gureum/health must answer 200
STOP_TIMEOUT = 20.0  # SIGTERM to exit; sanitizer leak checks at exit can take a while
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")

# Environment variables that would let the caller's own AWS setup leak into a test.
_AWS_ENV_SCRUB = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CLI_FILE_ENCODING",
    "AWS_STS_REGIONAL_ENDPOINTS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE", "AWS_REGION",
)


# ==== The AWS CLIs on this machine ====

def _find_clis():
    """Debian's CLI v2 (/usr/bin/aws), then the first other `aws` on PATH (a newer
    CLI v1, e.g. a pyenv shim) — each only if present."""
    clis = []
    debian = "/usr/bin/aws"
    debian_real = os.path.realpath(debian)
    if os.access(debian, os.X_OK):
        clis.append(debian)
    for d in os.environ.get("PATH", "").split(os.pathsep):
        cand = os.path.join(d or ".", "aws")
        if not (os.path.isfile(cand) and os.access(cand, os.X_OK)):
            continue
        if os.path.realpath(cand) == debian_real:
            continue  # /bin/aws on merged-/usr systems is the same program
        clis.append(cand)
        break
    return clis


CLIS = _find_clis()


def _cli_id(path):
    """Test-id suffix: aws-debian (/usr/bin/aws, CLI v2) or aws-path (the other one)."""
    return "aws-debian" if path == "/usr/bin/aws" else "aws-path"


@pytest.fixture(params=CLIS or [None], ids=[_cli_id(c) for c in CLIS] or ["no-cli"])
def cli(request):
    """Parametrizes a test over every AWS CLI present (see CLIS)."""
    if request.param is None:
        pytest.skip("no AWS CLI installed")
    return request.param


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "needs_netns: needs network namespaces (unshare/bubblewrap)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Groups for pytest-xdist's `--dist loadgroup` (make e2e runs the suite on several workers):
    a module's tests stay on one worker, so its module-scoped server starts once; and every
    module that runs machines (it asks machines_supported or rds_runs) shares one group, run one
    module after another, since two servers would hand their instances, load balancers and DB
    endpoints the same host loopback addresses. tryfirst: xdist reads the marks in this same hook."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        mod = getattr(item, "module", None)
        machines = any(getattr(mod, f, None) in (machines_supported, rds_runs) for f in ("machines_supported", "rds_runs"))
        item.add_marker(pytest.mark.xdist_group("machines" if machines else item.nodeid.split("::")[0]))


# ==== Helpers ====

def free_port():
    """A port nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health_status(port, timeout=1.0):
    """HTTP status of GET /_gureum/health, or None if nothing answers yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/_gureum/health")
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


class ServerError(Exception):
    pass


class ServerExited(ServerError):
    """The server process ended before it answered the health check."""


class Gureum:
    """One gureum server process (and its restarts) on a fixed port and data dir."""

    def __init__(self, binary, data_dir, work_dir, port=None, args=(), env=None):
        self.binary = str(binary)
        self.data_dir = str(data_dir)
        self.work_dir = Path(work_dir)  # client config files and the log live here
        self.log = str(self.work_dir / "gureum.log")
        self.port = port or free_port()
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.extra_args = list(args)
        self.extra_env = dict(env or {})
        self.proc = None
        self.exit_codes = []  # of every stopped run, in order
        # Empty client configuration: the CLI and boto3 must not read ~/.aws.
        self.aws_config = str(self.work_dir / "aws-config")
        self.aws_credentials = str(self.work_dir / "aws-credentials")
        # An empty [default] profile, so pinning boto3 to "default" works even
        # when the caller's environment names another profile.
        Path(self.aws_config).write_text("[default]\n")
        Path(self.aws_credentials).write_text("")

    # ---- process control ----

    def start(self, env=None, args=None):
        """Starts the server and waits for health 200. env/args, when given,
        replace the extra environment/arguments for this and later starts."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("already running")
        if env is not None:
            self.extra_env = dict(env)
        if args is not None:
            self.extra_args = list(args)
        if not os.access(self.binary, os.X_OK):
            pytest.fail("gureum binary %s not found (set GUREUM_BIN or build it: make build/test/gureum)" % self.binary)
        cmd = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", self.data_dir]
        cmd += self.extra_args
        penv = dict(os.environ)
        penv.update(self.extra_env)
        with open(self.log, "ab") as logf:
            logf.write(("=== %s: %s\n" % (time.strftime("%H:%M:%S"), " ".join(cmd))).encode())
            logf.flush()
            # Own session: a server's children (Lambda runtimes…) can be reaped as a group.
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                         env=penv, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self._reap_group()
                self.exit_codes.append(code)
                self.proc = None
                raise ServerExited("gureum exited with %s before answering /_gureum/health\n%s"
                                  % (code, self.log_tail()))
            if _health_status(self.port) == 200:
                return self
            time.sleep(0.02)
        self._kill()
        raise ServerError("gureum did not answer /_gureum/health with 200 within %.0f s\n%s"
                          % (START_TIMEOUT, self.log_tail()))

    def stop(self, kill9=False):
        """Stops the server: SIGTERM and wait (or SIGKILL). Returns the exit code
        (negative signal number when killed by one). A server that already
        exited (a crash point) just has its code collected."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            if kill9:
                self.proc.kill()
                code = self.proc.wait()
            else:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    code = self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self._kill()
                    raise ServerError("gureum did not exit within %.0f s of SIGTERM\n%s"
                                      % (STOP_TIMEOUT, self.log_tail()))
        self._reap_group()
        self.exit_codes.append(code)
        self.proc = None
        return code

    def restart(self, kill9=False, env=None, args=None):
        """Stops (SIGTERM, or SIGKILL with kill9) and starts again on the same
        port and data directory. A SIGTERM stop of a running server must exit
        0; returns the stopped run's exit code."""
        was_running = self.proc is not None and self.proc.poll() is None
        code = self.stop(kill9=kill9)
        self.assert_clean_log()
        if was_running and not kill9:
            assert code == 0, "gureum exited with %s on SIGTERM\n%s" % (code, self.log_tail())
        self.start(env=env, args=args)
        return code

    def _reap_group(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # leftovers of the server's session
        except (ProcessLookupError, PermissionError):
            pass

    def _kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self._reap_group()
            self.exit_codes.append(self.proc.returncode)
            self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # ---- the log ----

    def log_text(self):
        try:
            return Path(self.log).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=60):
        lines = self.log_text().splitlines()
        return "--- last %d lines of %s ---\n%s" % (min(n, len(lines)), self.log, "\n".join(lines[-n:]))

    def assert_clean_log(self):
        text = self.log_text()
        bad = [m for m in SANITIZER_MARKERS if m in text]
        assert not bad, "sanitizer report in the gureum log (%s)\n%s" % (", ".join(bad), self.log_tail(200))

    # ---- clients ----

    def client_env(self, env=None):
        """Environment for an AWS client process: ours, without the caller's AWS setup."""
        e = {k: v for k, v in os.environ.items() if k not in _AWS_ENV_SCRUB and not k.startswith("AWS_ENDPOINT_URL")}
        e.update({
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_PAGER": "",
            "AWS_CONFIG_FILE": self.aws_config,
            "AWS_SHARED_CREDENTIALS_FILE": self.aws_credentials,
            "AWS_EC2_METADATA_DISABLED": "true",  # never wait for an instance-metadata service
            "AWS_CLI_AUTO_PROMPT": "off",
        })
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)  # env={"AWS_SECRET_ACCESS_KEY": None} tests missing credentials
            else:
                e[k] = v
        return e

    def aws(self, *args, cli=None, env=None, input=None, timeout=120, cwd=None):
        """Runs `aws --endpoint-url ENDPOINT ARGS…` and returns the CompletedProcess
        (text stdout/stderr; check .returncode yourself). cli is a path from CLIS
        (default: the first)."""
        if cli is None:
            if not CLIS:
                pytest.skip("no AWS CLI installed")
            cli = CLIS[0]
        cmd = [cli, "--endpoint-url", self.endpoint] + [str(a) for a in args]
        return subprocess.run(cmd, env=self.client_env(env), input=input, capture_output=True, text=True,
                              timeout=timeout, cwd=cwd)

    def client(self, service, **kw):
        """A boto3 client for service against this server. kw goes to
        Session.client (region_name, config, aws_access_key_id, …). Retries are
        off by default so a 500 reaches the test instead of being retried away."""
        import boto3
        import botocore.config
        import botocore.session

        bs = botocore.session.Session()
        bs.set_config_variable("config_file", self.aws_config)
        bs.set_config_variable("credentials_file", self.aws_credentials)
        bs.set_config_variable("profile", "default")  # not $AWS_PROFILE
        session = boto3.session.Session(botocore_session=bs)
        kw.setdefault("endpoint_url", self.endpoint)
        kw.setdefault("region_name", "us-east-1")
        kw.setdefault("aws_access_key_id", "test")
        kw.setdefault("aws_secret_access_key", "test")
        kw.setdefault("config", botocore.config.Config(retries={"total_max_attempts": 1}))
        return session.client(service, **kw)

    def health(self):
        return _health_status(self.port)


def _binary():
    return Path(os.environ.get("GUREUM_BIN") or DEFAULT_BIN)


def remove_bucket(s3, bucket):
    """A test bucket's teardown: every version and delete marker, every
    unfinished multipart upload, then the bucket itself."""
    listed = s3.list_object_versions(Bucket=bucket)
    for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
    for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
    s3.delete_bucket(Bucket=bucket)


def queue_for_service(sqs, name, service, region="us-east-1", account="000000000000"):
    """A queue whose policy lets an AWS service (events.amazonaws.com,
    s3.amazonaws.com, …) send to it, as AWS requires; its URL and ARN."""

    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = "arn:aws:sqs:%s:%s:%s" % (region, account, name)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service},
        "Action": "sqs:SendMessage", "Resource": arn}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def signed_json(g, service, target, version, op, body, key="test", secret="test"):
    """A JSON-protocol call (X-Amz-Target TARGET.OP, application/x-amz-json-VERSION) signed by
    hand, for clients whose model lacks op: (HTTP status, decoded answer)."""
    import json
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = json.dumps(body).encode()
    req = AWSRequest(method="POST", url=g.endpoint + "/", data=data,
                     headers={"Content-Type": "application/x-amz-json-" + version,
                              "X-Amz-Target": target + "." + op})
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=data, headers=dict(req.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


# The trust policy of a role Lambda's service may assume: a function's role.
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def lambda_role(iam, name):
    """The ARN of a new role named name that Lambda may assume (iam: an IAM client)."""
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]


def lambda_zip(code):
    """A Lambda deployment package with code as handler.py."""
    import io
    import zipfile
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("handler.py", code)
    return b.getvalue()


def code_status_message(exc):
    """(code, HTTP status, message) of a pytest.raises(ClientError) result."""
    e = exc.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Message"]


def machines_supported():
    """Whether this host lets gureum run machines (EC2 instances, RDS engines): root and the
    mount, pid, network, UTS and IPC namespaces, as gureum itself probes."""
    if os.geteuid() != 0:
        return False
    try:
        return subprocess.run(["unshare", "--mount", "--pid", "--net", "--uts", "--ipc", "--fork", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


PSQL = shutil.which("psql")


def rds_runs():
    """Whether RDS instances can run here: machines and the host's PostgreSQL server and client."""
    return machines_supported() and bool(PSQL) and os.path.isdir("/usr/lib/postgresql")


def psql(ep, user, password, db, sql):
    """psql's run of sql at a DB instance's endpoint (its stdout one unaligned row per line)."""
    return subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-h", ep["Address"], "-p", str(ep["Port"]), "-U", user, "-d", db,
                           "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"})


def db_subnet_group(gureum, name="rds-group"):
    """Scenario F's DB subnet group: a VPC's subnets in us-east-1a and us-east-1b; its name."""
    ec2 = gureum.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.100.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.200.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    gureum.client("rds").create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="lab",
                                                SubnetIds=[a, b])
    return name


def db_available(rds, name):
    """The DB instance's description once RDS's db_instance_available waiter is satisfied."""
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=name,
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def wait_for(cond, timeout=20.0, step=0.1):
    """Polls cond until it returns something true (returned), or fails the test after timeout s."""
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out")


def refused(call, **kw):
    """The error dict (without RequestId/HostId) and HTTP status of a call
    that must fail: AWS's code, message and extra members, as recorded."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        call(**kw)
    err = dict(e.value.response["Error"])
    err.pop("RequestId", None)
    err.pop("HostId", None)
    return err, e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _teardown(g):
    """Clean shutdown is part of every test module: exit 0 on SIGTERM, no sanitizer reports."""
    was_running = g.running()
    code = g.stop()
    g.assert_clean_log()
    if was_running:
        assert code == 0, "gureum exited with %s on SIGTERM\n%s" % (code, g.log_tail())


def serve(tmp_path_factory, env=None):
    """A module fixture's server (fresh data dir, free port, env added to the
    server's environment), checked at teardown: `yield from serve(...)`."""
    work = tmp_path_factory.mktemp("gureum")
    g = Gureum(_binary(), work / "data", work, env=env)
    _start_with_port_retry(g)
    try:
        yield g
    finally:
        _teardown(g)


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    """A running gureum for this test module (fresh data dir, free port)."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module")
def rds(gureum):
    """The RDS client of the module's server."""
    return gureum.client("rds")


@pytest.fixture(scope="module")
def subnet_group(gureum):
    """Scenario F's DB subnet group (db_subnet_group) on the module's server; its name."""
    return db_subnet_group(gureum)


@pytest.fixture(scope="module")
def ec2(gureum):
    """The EC2 client of the module's server."""
    return gureum.client("ec2")


@pytest.fixture(scope="module")
def image(ec2):
    """The id of the region's Amazon Linux 2023 image, which instances boot from."""
    [im] = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-*"]}])["Images"]
    return im["ImageId"]


def _start_with_port_retry(g, attempts=3):
    """The port was free when picked; if another process took it meanwhile the
    server exits early, so try a fresh port (only on a first start)."""
    for i in range(attempts):
        try:
            return g.start()
        except ServerExited:
            if i == attempts - 1 or not _port_in_use(g.port):
                raise
            g.port = free_port()
            g.endpoint = "http://127.0.0.1:%d" % g.port


def _port_in_use(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def gureum_factory(tmp_path_factory):
    """Starts extra servers for one test: gureum_factory(args=[...], env={...},
    data_dir=None). Each is stopped and checked like `gureum` at the end."""
    started = []

    def make(args=(), env=None, data_dir=None):
        work = tmp_path_factory.mktemp("gureum")
        g = Gureum(_binary(), data_dir or (work / "data"), work, args=args, env=env)
        started.append(g)
        return _start_with_port_retry(g)

    yield make
    errors = []
    for g in started:
        try:
            _teardown(g)
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n\n".join(errors)


class LoopbackCA:
    """A throwaway certificate authority for loopback HTTPS servers: ca_file is
    its PEM (give it to gureum as SSL_CERT_FILE, so httpsend trusts it);
    server_context() is an ssl context serving a leaf for 127.0.0.1 and
    localhost that it signed. self_signed=True instead serves one self-signed
    certificate (what pinning a thumbprint is for). thumbprint(): the SHA-1 hex
    of the top certificate the server presents, as IAM's ThumbprintList holds."""

    def __init__(self, directory, ips=("127.0.0.1",)):
        import datetime
        import ipaddress
        import ssl
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        self._ssl = ssl
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)

        def name(cn):
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        def pem(c):
            return c.public_bytes(serialization.Encoding.PEM)

        def keypem(k):
            return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())

        san = x509.SubjectAlternativeName([x509.DNSName("localhost")] +
                                          [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips])

        def cert(subject, key, issuer, issuer_key, ca):
            b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
                 .public_key(key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
                 .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
            if not ca:
                b = b.add_extension(san, critical=False)
            return b.sign(issuer_key, hashes.SHA256())

        ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = cert("gureum test CA", ca_key, "gureum test CA", ca_key, True)
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = cert("127.0.0.1", leaf_key, "gureum test CA", ca_key, False)
        self.ca_file = str(d / "ca.pem")
        Path(self.ca_file).write_bytes(pem(self.ca))
        self._leaf = (d / "leaf.pem", d / "leaf.key")
        self._leaf[0].write_bytes(pem(leaf) + pem(self.ca))  # the chain a server presents: leaf, then its CA
        self._leaf[1].write_bytes(keypem(leaf_key))
        self_key = ec.generate_private_key(ec.SECP256R1())
        self_cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(name("127.0.0.1"))
                     .public_key(self_key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=2)).add_extension(san, critical=False)
                     .sign(self_key, hashes.SHA256()))
        self.self_signed = self_cert
        self._self = (d / "self.pem", d / "self.key")
        self._self[0].write_bytes(pem(self_cert))
        self._self[1].write_bytes(keypem(self_key))

    def server_context(self, self_signed=False):
        ctx = self._ssl.SSLContext(self._ssl.PROTOCOL_TLS_SERVER)
        c, k = self._self if self_signed else self._leaf
        ctx.load_cert_chain(str(c), str(k))
        return ctx

    def thumbprint(self, self_signed=False):
        from cryptography.hazmat.primitives import hashes
        return (self.self_signed if self_signed else self.ca).fingerprint(hashes.SHA1()).hex()

    def serve(self, handler, self_signed=False, addr=("127.0.0.1", 0)):
        """A ThreadingHTTPServer on addr (127.0.0.1, any port) speaking TLS
        with handler; the caller shuts it down."""
        import threading
        from http.server import ThreadingHTTPServer
        srv = ThreadingHTTPServer(addr, handler)
        srv.socket = self.server_context(self_signed).wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    return LoopbackCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def gureum_tls(tmp_path_factory, test_ca):
    """A gureum that trusts test_ca (SSL_CERT_FILE in its environment)."""
    yield from serve(tmp_path_factory, env={"SSL_CERT_FILE": test_ca.ca_file})
