"""test_route53_healthchecks.py — Route 53 health checks end to end: Create/Get/List/Update/Delete,
GetHealthCheckCount and GetHealthCheckStatus, with checks the server really runs against a loopback
HTTP server and TCP port (healthy, then unhealthy after FailureThreshold failures), a non-loopback
target observed as failed without a packet sent, failover and multivalue records answered by health
through gureum's DNS server (dig), with boto3 and the AWS CLIs.
"""
import http.server
import json
import shutil
import subprocess
import socket
import threading
import time
import uuid

import pytest

from conftest import free_port, refused
from test_route53 import dns_server  # noqa: F401 (the DNS-serving gureum)

DIG = shutil.which("dig")


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"all good here"
        self.send_response(200 if self.path != "/bad" else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def web():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Ok)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def r53(gureum):
    return gureum.client("route53")


def ref():
    return str(uuid.uuid4())


def statuses(r53, hid):
    obs = r53.get_health_check_status(HealthCheckId=hid)["HealthCheckObservations"]
    return {o["StatusReport"]["Status"] for o in obs}


def wait_status(r53, hid, prefix, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        s = statuses(r53, hid)
        if s and all(x.startswith(prefix) for x in s):
            return s
        time.sleep(0.3)
    raise AssertionError("status never %r: %r" % (prefix, statuses(r53, hid)))


def test_http_check_observes_loopback_server(r53, web):
    port = web.server_address[1]
    hc = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
        "IPAddress": "127.0.0.1", "Port": port, "Type": "HTTP", "ResourcePath": "/health",
        "RequestInterval": 10, "FailureThreshold": 1})
    assert hc["ResponseMetadata"]["HTTPStatusCode"] == 201
    h = hc["HealthCheck"]
    assert hc["Location"].endswith("/2013-04-01/healthcheck/" + h["Id"])
    assert h["HealthCheckVersion"] == 1
    cfg = h["HealthCheckConfig"]
    assert (cfg["IPAddress"], cfg["Port"], cfg["Type"], cfg["ResourcePath"]) == ("127.0.0.1", port, "HTTP", "/health")
    assert (cfg["RequestInterval"], cfg["FailureThreshold"], cfg["Inverted"], cfg["Disabled"]) == (10, 1, False, False)
    s = wait_status(r53, h["Id"], "Success")
    assert s == {"Success: HTTP Status Code 200, OK"}
    obs = r53.get_health_check_status(HealthCheckId=h["Id"])["HealthCheckObservations"]
    assert len(obs) == 8 and "us-east-1" in {o["Region"] for o in obs}
    # The target answers 503: the next observations fail.
    r53.update_health_check(HealthCheckId=h["Id"], ResourcePath="/bad")
    assert wait_status(r53, h["Id"], "Failure") == {"Failure: HTTP Status Code 503, Service Unavailable"}
    r53.delete_health_check(HealthCheckId=h["Id"])


def test_string_match_and_tcp(r53, web):
    port = web.server_address[1]
    m = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
        "IPAddress": "127.0.0.1", "Port": port, "Type": "HTTP_STR_MATCH", "SearchString": "good",
        "RequestInterval": 10})["HealthCheck"]
    assert next(iter(wait_status(r53, m["Id"], "Success"))).startswith("Success: HTTP Status Code 200, OK")
    r53.update_health_check(HealthCheckId=m["Id"], SearchString="absent")
    wait_status(r53, m["Id"], "Failure")
    closed = free_port()
    t = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
        "IPAddress": "127.0.0.1", "Port": closed, "Type": "TCP", "RequestInterval": 10})["HealthCheck"]
    wait_status(r53, t["Id"], "Failure")
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(8)
    r53.update_health_check(HealthCheckId=t["Id"], Port=lst.getsockname()[1])
    assert wait_status(r53, t["Id"], "Success") == {"Success: TCP connection established"}
    lst.close()
    for h in (m, t):
        r53.delete_health_check(HealthCheckId=h["Id"])


def test_non_loopback_target_is_never_probed(r53):
    h = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
        "IPAddress": "192.0.2.10", "Port": 80, "Type": "HTTP", "RequestInterval": 10})["HealthCheck"]
    s = wait_status(r53, h["Id"], "Failure")
    assert s == {"Failure: gureum probes loopback addresses only; no request was sent."}
    r53.delete_health_check(HealthCheckId=h["Id"])


def test_crud_paging_count_and_refusals(r53):
    before = r53.get_health_check_count()["HealthCheckCount"]
    c = ref()
    cfg = {"IPAddress": "127.0.0.1", "Port": 9, "Type": "TCP"}
    a = r53.create_health_check(CallerReference=c, HealthCheckConfig=cfg)["HealthCheck"]
    # AWS: the same CallerReference and settings answer the same check.
    again = r53.create_health_check(CallerReference=c, HealthCheckConfig=cfg)["HealthCheck"]
    assert again["Id"] == a["Id"]
    err, status = refused(r53.create_health_check, CallerReference=c,
                          HealthCheckConfig=dict(cfg, Port=10))
    assert (err["Code"], status) == ("HealthCheckAlreadyExists", 409)
    ids = [a["Id"]] + [r53.create_health_check(CallerReference=ref(), HealthCheckConfig=cfg)["HealthCheck"]["Id"]
                       for _ in range(2)]
    assert r53.get_health_check_count()["HealthCheckCount"] == before + 3
    seen, marker = [], None
    while True:
        kw = {"MaxItems": "2"}
        if marker:
            kw["Marker"] = marker
        page = r53.list_health_checks(**kw)
        seen += [h["Id"] for h in page["HealthChecks"]]
        assert page["MaxItems"] == "2"
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"]
    assert [i for i in seen if i in ids] == ids
    got = r53.get_health_check(HealthCheckId=a["Id"])["HealthCheck"]
    assert got["CallerReference"] == c and got["HealthCheckConfig"]["Port"] == 9
    up = r53.update_health_check(HealthCheckId=a["Id"], HealthCheckVersion=1, FailureThreshold=5,
                                 Inverted=True)["HealthCheck"]
    assert (up["HealthCheckVersion"], up["HealthCheckConfig"]["FailureThreshold"],
            up["HealthCheckConfig"]["Inverted"]) == (2, 5, True)
    err, status = refused(r53.update_health_check, HealthCheckId=a["Id"], HealthCheckVersion=1, Port=11)
    assert (err["Code"], status) == ("HealthCheckVersionMismatch", 409)
    err, status = refused(r53.create_health_check, CallerReference=ref(),
                          HealthCheckConfig={"IPAddress": "127.0.0.1", "Type": "TCP"})
    assert (err["Code"], status) == ("InvalidInput", 400)
    for i in ids:
        r53.delete_health_check(HealthCheckId=i)
    err, status = refused(r53.get_health_check, HealthCheckId=a["Id"])
    assert (err["Code"], status) == ("NoSuchHealthCheck", 404)
    assert err["Message"] == "A health check with id %s does not exist." % a["Id"]
    assert r53.get_health_check_count()["HealthCheckCount"] == before


def test_calculated(r53):
    kid = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
        "IPAddress": "127.0.0.1", "Port": 9, "Type": "TCP"})["HealthCheck"]["Id"]
    calc = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
        "Type": "CALCULATED", "HealthThreshold": 1, "ChildHealthChecks": [kid]})["HealthCheck"]
    cfg = calc["HealthCheckConfig"]
    assert (cfg["Type"], cfg["HealthThreshold"], cfg["ChildHealthChecks"]) == ("CALCULATED", 1, [kid])
    assert "RequestInterval" not in cfg
    r53.delete_health_check(HealthCheckId=calc["Id"])
    r53.delete_health_check(HealthCheckId=kid)


def test_cli(gureum, cli):
    p = gureum.aws("route53", "create-health-check", "--caller-reference", ref(), "--health-check-config",
                   json.dumps({"IPAddress": "127.0.0.1", "Port": 9, "Type": "TCP"}), cli=cli)
    assert p.returncode == 0, p.stderr
    hid = json.loads(p.stdout)["HealthCheck"]["Id"]
    p = gureum.aws("route53", "list-health-checks", "--query", "HealthChecks[].Id", "--output", "text", cli=cli)
    assert p.returncode == 0 and hid in p.stdout.split(), p.stderr
    p = gureum.aws("route53", "delete-health-check", "--health-check-id", hid, cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("route53", "get-health-check", "--health-check-id", hid, cli=cli)
    assert p.returncode != 0 and "NoSuchHealthCheck" in p.stderr


def dig_a(g, name):
    if not DIG:
        pytest.skip("dig (bind9-dnsutils) is not installed")
    out = subprocess.run([DIG, "@127.0.0.1", "-p", str(g.dns_port), name, "A", "+norec", "+short", "+tries=1",
                          "+time=3"], capture_output=True, text=True, timeout=20).stdout
    return sorted(out.split())


def wait_dig(g, name, want, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        got = dig_a(g, name)
        if got == want:
            return
        time.sleep(0.3)
    raise AssertionError("%s answered %r, not %r" % (name, dig_a(g, name), want))


def test_failover_and_multivalue_answer_by_health(dns_server):
    r53 = dns_server.client("route53")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        zid = r53.create_hosted_zone(Name="hc.example", CallerReference=ref())["HostedZone"]["Id"]
        up = r53.create_health_check(CallerReference=ref(), HealthCheckConfig={
            "IPAddress": "127.0.0.1", "Port": srv.server_address[1], "Type": "HTTP", "RequestInterval": 10,
            "FailureThreshold": 1})["HealthCheck"]["Id"]
        wait_status(r53, up, "Success")

        def rec(name, sid, value, **kw):
            return {"Action": "CREATE", "ResourceRecordSet": {
                "Name": name, "Type": "A", "SetIdentifier": sid, "TTL": 60,
                "ResourceRecords": [{"Value": value}], **kw}}
        r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            rec("www.hc.example", "p", "10.0.0.1", Failover="PRIMARY", HealthCheckId=up),
            rec("www.hc.example", "s", "10.0.0.2", Failover="SECONDARY"),
            rec("mv.hc.example", "a", "10.0.1.1", MultiValueAnswer=True, HealthCheckId=up),
            rec("mv.hc.example", "b", "10.0.1.2", MultiValueAnswer=True)]})
        wait_dig(dns_server, "www.hc.example", ["10.0.0.1"])
        wait_dig(dns_server, "mv.hc.example", ["10.0.1.1", "10.0.1.2"])
        # The primary's target stops answering: after FailureThreshold failed
        # probes the secondary answers, and the multivalue set drops out.
        srv.shutdown()
        srv.server_close()
        wait_status(r53, up, "Failure")
        wait_dig(dns_server, "www.hc.example", ["10.0.0.2"])
        wait_dig(dns_server, "mv.hc.example", ["10.0.1.2"])
    finally:
        srv.server_close()
