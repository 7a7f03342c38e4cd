"""test_route53.py — Amazon Route 53 end to end, Scenario E.4: a hosted zone for the domain, record
sets changed in all-or-nothing batches with AWS's refusals, listed in AWS's order and paged, and
gureum's DNS server answering for them — `dig @127.0.0.1 -p PORT www.gureum.test` over UDP and TCP
(A, CNAME followed, alias, weighted, wildcard, NXDOMAIN with the SOA, a delegation), with boto3 and
the AWS CLIs.
"""
import json
import shutil
import subprocess

import pytest

from conftest import free_port, refused, serve

DIG = shutil.which("dig")


@pytest.fixture(scope="module")
def dns_server(tmp_path_factory):
    """A server whose DNS has a port of its own, so TCP is served too."""
    port = free_port()
    for g in serve(tmp_path_factory, env={"GUREUM_DNS_PORT": str(port)}):
        g.dns_port = port
        yield g


@pytest.fixture(scope="module")
def r53(dns_server):
    return dns_server.client("route53")


def dig(g, name, qtype="A", tcp=False):
    """dig's answer lines as (name, type, value) and its status."""
    if not DIG:
        pytest.skip("dig (bind9-dnsutils) is not installed")
    args = [DIG, "@127.0.0.1", "-p", str(g.dns_port), name, qtype, "+norec", "+tries=1", "+time=3"]
    if tcp:
        args.append("+tcp")
    out = subprocess.run(args, capture_output=True, text=True, timeout=20).stdout
    status = next(line.split("status: ")[1].split(",")[0] for line in out.splitlines() if "status: " in line)
    answers, section = [], None
    for line in out.splitlines():
        if line.startswith(";; ANSWER SECTION"):
            section = "answer"
        elif line.startswith(";; AUTHORITY SECTION"):
            section = "authority"
        elif not line.strip() or line.startswith(";"):
            if not line.strip():
                section = None
        elif section:
            f = line.split(None, 4)
            answers.append((section, f[0], f[3], f[4]))
    return status, answers


def change(r53, zid, *changes):
    return r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": a, "ResourceRecordSet": rr} for a, rr in changes]})


def bad(r53, zid, *changes):
    """The error and status of a change batch that must be refused."""
    return refused(lambda: change(r53, zid, *changes))


def rr(name, type_, *values, ttl=300, **kw):
    d = {"Name": name, "Type": type_, **kw}
    if values:
        d["TTL"] = ttl
        d["ResourceRecords"] = [{"Value": v} for v in values]
    return d


@pytest.fixture(scope="module")
def zone(r53):
    z = r53.create_hosted_zone(Name="gureum.test", CallerReference="scenario-e",
                               HostedZoneConfig={"Comment": "web tier"})
    return z


def test_create_hosted_zone(r53, zone):
    hz = zone["HostedZone"]
    assert hz["Id"].startswith("/hostedzone/Z") and hz["Name"] == "gureum.test."
    assert hz["Config"] == {"Comment": "web tier", "PrivateZone": False} and hz["ResourceRecordSetCount"] == 2
    ns = zone["DelegationSet"]["NameServers"]
    assert len(ns) == 4 and all(".awsdns-" in n for n in ns)
    assert zone["ChangeInfo"]["Status"] == "PENDING"
    assert r53.get_change(Id=zone["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    assert zone["Location"].endswith(hz["Id"])
    got = r53.get_hosted_zone(Id=hz["Id"])
    assert got["HostedZone"] == hz and got["DelegationSet"]["NameServers"] == ns
    sets = r53.list_resource_record_sets(HostedZoneId=hz["Id"])["ResourceRecordSets"]
    assert [(s["Name"], s["Type"], s["TTL"]) for s in sets] == [("gureum.test.", "NS", 172800),
                                                                ("gureum.test.", "SOA", 900)]
    assert [r["Value"] for r in sets[0]["ResourceRecords"]] == [n + "." for n in ns]
    err, status = refused(r53.create_hosted_zone, Name="gureum.test", CallerReference="scenario-e")
    assert (err["Code"], status) == ("HostedZoneAlreadyExists", 409)
    # AWS (recorded): example.com (RFC 2606) and the names under it are reserved.
    err, _ = refused(r53.create_hosted_zone, Name="www.example.com", CallerReference="reserved")
    assert err["Code"] == "InvalidDomainName" and err["Message"] == "www.example.com is reserved by AWS!"
    err, status = refused(r53.get_hosted_zone, Id="Z0000000000000000000")
    assert (err["Code"], status, err["Message"]) == ("NoSuchHostedZone", 404,
                                                     "No hosted zone found with ID: Z0000000000000000000")


def test_change_batches(r53, zone):
    zid = zone["HostedZone"]["Id"]
    change(r53, zid, ("CREATE", rr("web1.gureum.test", "A", "127.0.0.11")),
           ("CREATE", rr("web2.gureum.test", "A", "127.0.0.12")),
           ("CREATE", rr("www.gureum.test", "CNAME", "web1.gureum.test")),
           ("CREATE", rr("gureum.test", "MX", "10 mail.gureum.test")),
           ("CREATE", rr("gureum.test", "TXT", '"v=spf1 -all"')))
    err, _ = bad(r53, zid, ("CREATE", rr("web1.gureum.test", "A", "127.0.0.13")))
    assert err["Code"] == "InvalidChangeBatch"
    assert err["Message"] == "[Tried to create resource record set [name='web1.gureum.test.', type='A'] but it already exists]"
    err, _ = bad(r53, zid, ("DELETE", rr("nope.gureum.test", "A", "127.0.0.1")))
    assert err["Message"] == "[Tried to delete resource record set [name='nope.gureum.test.', type='A'] but it was not found]"
    err, _ = bad(r53, zid, ("CREATE", rr("www.gureum.org", "A", "127.0.0.1")))
    assert err["Message"] == "[RRSet with DNS name www.gureum.org. is not permitted in zone gureum.test.]"
    err, _ = bad(r53, zid, ("CREATE", rr("www.gureum.test", "A", "127.0.0.1")))
    assert err["Message"] == ("[RRSet of type A with DNS name www.gureum.test. is not permitted because a conflicting "
                              "RRSet of type  CNAME with the same DNS name already exists in zone gureum.test.]")
    err, _ = bad(r53, zid, ("CREATE", rr("web2.gureum.test", "CNAME", "web1.gureum.test")))
    assert err["Message"] == ("[RRSet of type CNAME with DNS name web2.gureum.test. is not permitted as it conflicts "
                              "with other records with the same DNS name in zone gureum.test.]")
    err, _ = bad(r53, zid, ("CREATE", rr("bad.gureum.test", "A", "1.2.3")))
    assert err["Message"] == ("[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a "
                              "valid IPv4 address) encountered with '1.2.3'']")
    err, _ = bad(r53, zid, ("CREATE", {"Name": "x.gureum.test", "Type": "A"}))
    assert err["Code"] == "InvalidInput" and "Expected exactly one of [AliasTarget" in err["Message"]
    # All or nothing: the valid first change of a refused batch is not kept.
    bad(r53, zid, ("CREATE", rr("kept.gureum.test", "A", "127.0.0.1")),
            ("CREATE", rr("web1.gureum.test", "A", "127.0.0.1")))
    names = [s["Name"] for s in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]]
    assert "kept.gureum.test." not in names
    # UPSERT replaces; DELETE needs the current values.
    change(r53, zid, ("UPSERT", rr("web2.gureum.test", "A", "127.0.0.22", ttl=60)))
    err, _ = bad(r53, zid, ("DELETE", rr("web2.gureum.test", "A", "127.0.0.12", ttl=60)))
    assert "do not match the current values" in err["Message"]
    err, _ = refused(r53.delete_hosted_zone, Id=zid)
    assert err["Code"] == "HostedZoneNotEmpty"


def test_listing_order_and_paging(r53):
    zid = r53.create_hosted_zone(Name="order.test", CallerReference="order")["HostedZone"]["Id"]
    change(r53, zid, *[("CREATE", rr(n, "A", "127.0.0.1")) for n in
                       ("b.order.test", "a.order.test", "a.b.order.test", "*.order.test", "z.a.order.test")])
    sets = r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
    # AWS's order: by the name's labels from the right.
    assert [s["Name"] for s in sets] == ["order.test.", "order.test.", "\\052.order.test.", "a.order.test.",
                                         "z.a.order.test.", "b.order.test.", "a.b.order.test."]
    page = r53.list_resource_record_sets(HostedZoneId=zid, MaxItems="3")
    assert page["IsTruncated"] and (page["NextRecordName"], page["NextRecordType"]) == ("a.order.test.", "A")
    rest = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=page["NextRecordName"],
                                         StartRecordType=page["NextRecordType"])
    assert [s["Name"] for s in page["ResourceRecordSets"] + rest["ResourceRecordSets"]] == [s["Name"] for s in sets]
    err, _ = refused(r53.list_resource_record_sets, HostedZoneId=zid, StartRecordType="A")
    assert err["Message"] == "The input is not valid"
    err, _ = refused(r53.list_resource_record_sets, HostedZoneId=zid, StartRecordName="a b.order.test")
    assert err["Message"] == ("FATAL problem: UnsupportedCharacter (Value contains unsupported characters) "
                              "encountered with ' '")
    assert "Marker" not in r53.list_hosted_zones()
    zones = r53.list_hosted_zones_by_name()["HostedZones"]
    assert [z["Name"] for z in zones][:2] == ["gureum.test.", "order.test."]
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == 2


def test_dns_answers(dns_server, r53, zone):
    zid = zone["HostedZone"]["Id"]
    change(r53, zid, ("UPSERT", rr("apex-alias.gureum.test", "A", "127.0.0.30")),
           ("CREATE", rr("*.apps.gureum.test", "A", "127.0.0.40")),
           ("CREATE", rr("sub.gureum.test", "NS", "ns1.elsewhere.test")),
           ("CREATE", {"Name": "lb.gureum.test", "Type": "A", "AliasTarget": {
               "HostedZoneId": zid.split("/")[-1], "DNSName": "web1.gureum.test", "EvaluateTargetHealth": False}}))
    status, ans = dig(dns_server, "web1.gureum.test")
    assert status == "NOERROR" and ans == [("answer", "web1.gureum.test.", "A", "127.0.0.11")]
    status, ans = dig(dns_server, "WWW.gureum.test", tcp=True)
    assert status == "NOERROR"
    assert [(a[2], a[3]) for a in ans if a[0] == "answer"] == [("CNAME", "web1.gureum.test."), ("A", "127.0.0.11")]
    status, ans = dig(dns_server, "lb.gureum.test")
    assert ans == [("answer", "lb.gureum.test.", "A", "127.0.0.11")]
    status, ans = dig(dns_server, "anything.apps.gureum.test")
    assert ans == [("answer", "anything.apps.gureum.test.", "A", "127.0.0.40")]
    status, ans = dig(dns_server, "gureum.test", "MX")
    assert ans == [("answer", "gureum.test.", "MX", "10 mail.gureum.test.")]
    status, ans = dig(dns_server, "gureum.test", "TXT")
    assert ans == [("answer", "gureum.test.", "TXT", '"v=spf1 -all"')]
    status, ans = dig(dns_server, "missing.gureum.test")
    assert status == "NXDOMAIN" and [a[2] for a in ans] == ["SOA"] and ans[0][0] == "authority"
    status, ans = dig(dns_server, "web1.gureum.test", "AAAA")
    assert status == "NOERROR" and [a[2] for a in ans if a[0] == "answer"] == []
    status, ans = dig(dns_server, "host.sub.gureum.test")
    assert status == "NOERROR" and ans == [("authority", "sub.gureum.test.", "NS", "ns1.elsewhere.test.")]
    status, _ = dig(dns_server, "www.not-hosted.test")
    assert status == "REFUSED"


def test_weighted_answers_both(dns_server, r53):
    zid = r53.create_hosted_zone(Name="lb.test", CallerReference="weighted")["HostedZone"]["Id"]
    change(r53, zid, ("CREATE", rr("www.lb.test", "A", "127.0.0.51", SetIdentifier="one", Weight=1)),
           ("CREATE", rr("www.lb.test", "A", "127.0.0.52", SetIdentifier="two", Weight=1)))
    seen = set()
    for _ in range(40):
        _, ans = dig(dns_server, "www.lb.test")
        assert len(ans) == 1
        seen.add(ans[0][3])
        if len(seen) == 2:
            break
    assert seen == {"127.0.0.51", "127.0.0.52"}


def test_cli(dns_server, cli):
    p = dns_server.aws("route53", "create-hosted-zone", "--name", "cli%d.test" % (abs(hash(cli)) % 1000),
                       "--caller-reference", cli, cli=cli)
    assert p.returncode == 0, p.stderr
    zid = json.loads(p.stdout)["HostedZone"]["Id"]
    batch = json.dumps({"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "www.cli%d.test" % (abs(hash(cli)) % 1000), "Type": "A", "TTL": 60,
        "ResourceRecords": [{"Value": "127.0.0.9"}]}}]})
    p = dns_server.aws("route53", "change-resource-record-sets", "--hosted-zone-id", zid, "--change-batch", batch,
                       cli=cli)
    assert p.returncode == 0, p.stderr
    cid = json.loads(p.stdout)["ChangeInfo"]["Id"]
    p = dns_server.aws("route53", "wait", "resource-record-sets-changed", "--id", cid, cli=cli)
    assert p.returncode == 0, p.stderr
    p = dns_server.aws("route53", "list-resource-record-sets", "--hosted-zone-id", zid, "--query",
                       "ResourceRecordSets[?Type=='A'].ResourceRecords[].Value", "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["127.0.0.9"]


def test_tags(r53):
    """Tags on hosted zones (what Terraform's aws_route53_zone reads after creating one): added,
    replaced, removed, listed one or several at a time, gone with the zone."""
    zid = r53.create_hosted_zone(Name="tagged.test", CallerReference="tags")["HostedZone"]["Id"].split("/")[-1]
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid,
                                 AddTags=[{"Key": "env", "Value": "lab"}, {"Key": "team", "Value": "a"}])
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid, AddTags=[{"Key": "env", "Value": "prod"}],
                                 RemoveTagKeys=["team"])
    got = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zid)["ResourceTagSet"]
    assert got == {"ResourceType": "hostedzone", "ResourceId": zid, "Tags": [{"Key": "env", "Value": "prod"}]}
    sets = r53.list_tags_for_resources(ResourceType="hostedzone", ResourceIds=[zid])["ResourceTagSets"]
    assert sets == [got]
    err, status = refused(r53.list_tags_for_resource, ResourceType="hostedzone", ResourceId="Z0000000000000000000")
    assert (err["Code"], status) == ("NoSuchHostedZone", 404)
    err, _ = refused(r53.list_tags_for_resource, ResourceType="healthcheck",
                     ResourceId="00000000-0000-0000-0000-000000000000")
    assert err["Code"] == "NoSuchHealthCheck"
    r53.delete_hosted_zone(Id=zid)
    zid2 = r53.create_hosted_zone(Name="tagged.test", CallerReference="tags-2")["HostedZone"]["Id"].split("/")[-1]
    assert r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zid2)["ResourceTagSet"]["Tags"] == []
    r53.delete_hosted_zone(Id=zid2)
