"""test_cloudfront.py — Amazon CloudFront end to end, Scenario H: a distribution in front of an S3
folder that caches (the second request is a hit) and honours invalidations. The API with boto3 (both
generations) and the AWS CLIs (create-distribution's --origin-domain-name shorthand included), then
plain HTTP GETs to 127.0.0.1 with Host dXXXX.cloudfront.localhost (never resolved): miss then hit,
an object changed in S3 served stale until invalidated, 403/404 from the origin passed on, a custom
origin on loopback fetched and cached, and CloudFront's own refusals (a disabled distribution, a
method not allowed, a custom origin that is not on loopback).
"""
import http.client
import json
import re
import time
import uuid

import pytest

from conftest import refused

POLICY_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


@pytest.fixture(scope="module")
def cf(gureum):
    return gureum.client("cloudfront")


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


def config(origin_domain, ref=None, **kw):
    """A minimal DistributionConfig with one S3 origin, as a console user writes it."""
    c = {
        "CallerReference": ref or str(uuid.uuid4()),
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "o1", "DomainName": origin_domain, "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0, "DefaultTTL": 3600, "MaxTTL": 86400},
        "Comment": "gureum test",
        "Enabled": True,
    }
    c.update(kw)
    return c


def public_bucket(s3, name, list_too=True):
    s3.create_bucket(Bucket=name)
    actions = ["s3:GetObject"] + (["s3:ListBucket"] if list_too else [])
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": actions,
        "Resource": ["arn:aws:s3:::%s" % name, "arn:aws:s3:::%s/*" % name]}]}))


def edge(g, domain, path, method="GET", body=None):
    """(status, headers, body) of a request to the distribution's edge host."""
    host = domain.replace(".cloudfront.net", ".cloudfront.localhost")
    c = http.client.HTTPConnection("127.0.0.1", g.port, timeout=10)
    c.request(method, path, body=body, headers={"Host": "%s:%d" % (host, g.port)})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


# ---- the API ----

def test_create_get_config_round_trip(cf):
    c = config("bucket-a.s3.amazonaws.com", DefaultRootObject="index.html")
    out = cf.create_distribution(DistributionConfig=c)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    d = out["Distribution"]
    assert re.fullmatch(r"E[0-9A-Z]{13}", d["Id"])
    assert re.fullmatch(r"d[0-9a-z]{13}\.cloudfront\.net", d["DomainName"])
    assert d["ARN"] == "arn:aws:cloudfront::000000000000:distribution/" + d["Id"]
    assert d["Status"] == "InProgress"
    assert d["InProgressInvalidationBatches"] == 0
    assert out["Location"] == "https://cloudfront.amazonaws.com/2020-05-31/distribution/" + d["Id"]
    assert re.fullmatch(r"E[0-9A-Z]{13}", out["ETag"])
    got = cf.get_distribution_config(Id=d["Id"])
    assert got["ETag"] == out["ETag"]
    dc = got["DistributionConfig"]
    # every member sent comes back as sent
    assert dc["CallerReference"] == c["CallerReference"]
    assert dc["DefaultRootObject"] == "index.html"
    assert dc["Origins"]["Items"][0]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert dc["DefaultCacheBehavior"]["ForwardedValues"] == c["DefaultCacheBehavior"]["ForwardedValues"]
    assert dc["DefaultCacheBehavior"]["DefaultTTL"] == 3600
    # and AWS's defaults fill what was left out
    assert dc["PriceClass"] == "PriceClass_All"
    assert dc["HttpVersion"] == "http2"
    assert dc["IsIPV6Enabled"] is True
    assert dc["ViewerCertificate"]["CloudFrontDefaultCertificate"] is True
    assert dc["Origins"]["Items"][0]["OriginPath"] == ""
    assert dc["Origins"]["Items"][0]["ConnectionAttempts"] == 3
    assert dc["DefaultCacheBehavior"]["AllowedMethods"]["Items"] == ["HEAD", "GET"]
    g = cf.get_distribution(Id=d["Id"])
    assert g["ETag"] == out["ETag"]
    assert g["Distribution"]["DistributionConfig"] == dc
    time.sleep(3.2)
    assert cf.get_distribution(Id=d["Id"])["Distribution"]["Status"] == "Deployed"


def test_create_refusals(cf):
    c = config("bucket-b.s3.amazonaws.com")
    first = cf.create_distribution(DistributionConfig=c)["Distribution"]["Id"]
    err, status = refused(cf.create_distribution, DistributionConfig=c)
    assert status == 409
    assert err["Code"] == "DistributionAlreadyExists"
    assert err["Message"].endswith("Already exists: " + first)
    bad = config("bucket-b.s3.amazonaws.com")
    bad["DefaultCacheBehavior"]["TargetOriginId"] = "nope"
    err, status = refused(cf.create_distribution, DistributionConfig=bad)
    assert (err["Code"], status) == ("NoSuchOrigin", 404)
    assert err["Message"] == "One or more of your origins or origin groups do not exist."
    err, status = refused(cf.get_distribution, Id="E0000000000000")
    assert (err["Code"], status, err["Message"]) == (
        "NoSuchDistribution", 404, "The specified distribution does not exist.")


def test_aliases_belong_to_one_distribution(cf):
    host = "www-%s.example.org" % uuid.uuid4().hex[:8]
    first = cf.create_distribution(DistributionConfig=config(
        "alias-a.s3.amazonaws.com", Aliases={"Quantity": 1, "Items": [host]}))
    err, status = refused(cf.create_distribution, DistributionConfig=config(
        "alias-b.s3.amazonaws.com", Aliases={"Quantity": 1, "Items": [host.upper()]}))
    assert (err["Code"], status, err["Message"]) == (
        "CNAMEAlreadyExists", 409,
        "One or more of the CNAMEs you provided are already associated with a different resource.")
    # moved: once the first lets it go, another may take it
    did = first["Distribution"]["Id"]
    dc = cf.get_distribution_config(Id=did)
    dc["DistributionConfig"]["Aliases"] = {"Quantity": 0}
    cf.update_distribution(Id=did, DistributionConfig=dc["DistributionConfig"], IfMatch=dc["ETag"])
    second = cf.create_distribution(DistributionConfig=config(
        "alias-b.s3.amazonaws.com", Aliases={"Quantity": 1, "Items": [host]}))["Distribution"]
    assert second["DistributionConfig"]["Aliases"]["Items"] == [host]


def test_list_pages(cf):
    ids = [cf.create_distribution(DistributionConfig=config("list-%d.s3.amazonaws.com" % i))["Distribution"]["Id"]
           for i in range(3)]
    seen, marker = [], ""
    while True:
        page = cf.list_distributions(Marker=marker, MaxItems="2")["DistributionList"]
        assert page["MaxItems"] == 2
        assert page["Quantity"] == len(page.get("Items", []))
        seen += [s["Id"] for s in page.get("Items", [])]
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"]
    assert seen[-3:] == ids
    s = cf.list_distributions()["DistributionList"]["Items"][-1]
    assert s["Origins"]["Items"][0]["DomainName"] == "list-2.s3.amazonaws.com"
    assert s["Enabled"] is True and s["Comment"] == "gureum test"


def test_update_and_delete_need_if_match(cf):
    out = cf.create_distribution(DistributionConfig=config("bucket-u.s3.amazonaws.com"))
    did, etag = out["Distribution"]["Id"], out["ETag"]
    dc = cf.get_distribution_config(Id=did)["DistributionConfig"]
    dc["Comment"] = "changed"
    err, status = refused(cf.update_distribution, Id=did, DistributionConfig=dc)
    assert (err["Code"], status) == ("InvalidIfMatchVersion", 400)
    err, status = refused(cf.update_distribution, Id=did, DistributionConfig=dc, IfMatch="E0000000000000")
    assert (err["Code"], status) == ("PreconditionFailed", 412)
    up = cf.update_distribution(Id=did, DistributionConfig=dc, IfMatch=etag)
    assert up["ETag"] != etag
    assert up["Distribution"]["DistributionConfig"]["Comment"] == "changed"
    assert up["Distribution"]["Status"] == "InProgress"
    err, status = refused(cf.delete_distribution, Id=did, IfMatch=up["ETag"])
    assert (err["Code"], status) == ("DistributionNotDisabled", 409)
    dc["Enabled"] = False
    off = cf.update_distribution(Id=did, DistributionConfig=dc, IfMatch=up["ETag"])
    time.sleep(3.2)
    err, status = refused(cf.delete_distribution, Id=did, IfMatch=up["ETag"])
    assert (err["Code"], status) == ("PreconditionFailed", 412)
    assert cf.delete_distribution(Id=did, IfMatch=off["ETag"])["ResponseMetadata"]["HTTPStatusCode"] == 204
    err, status = refused(cf.get_distribution, Id=did)
    assert (err["Code"], status) == ("NoSuchDistribution", 404)


def test_tags(cf):
    out = cf.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": config("bucket-t.s3.amazonaws.com"),
        "Tags": {"Items": [{"Key": "team", "Value": "web"}]}})
    arn = out["Distribution"]["ARN"]
    assert cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "team", "Value": "web"}]
    cf.tag_resource(Resource=arn, Tags={"Items": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "ops"}]})
    assert cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [
        {"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "ops"}]
    cf.untag_resource(Resource=arn, TagKeys={"Items": ["team"]})
    assert cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "env", "Value": "dev"}]
    err, status = refused(cf.list_tags_for_resource,
                          Resource="arn:aws:cloudfront::000000000000:distribution/E0000000000000")
    assert (err["Code"], status) == ("NoSuchResource", 404)


def test_invalidations_api(cf):
    did = cf.create_distribution(DistributionConfig=config("bucket-i.s3.amazonaws.com"))["Distribution"]["Id"]
    batch = {"Paths": {"Quantity": 2, "Items": ["/a.txt", "/img/*"]}, "CallerReference": "inv-1"}
    out = cf.create_invalidation(DistributionId=did, InvalidationBatch=batch)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    inv = out["Invalidation"]
    assert inv["Status"] == "InProgress"
    assert inv["InvalidationBatch"] == batch
    assert out["Location"].endswith("/distribution/%s/invalidation/%s" % (did, inv["Id"]))
    assert cf.get_distribution(Id=did)["Distribution"]["InProgressInvalidationBatches"] == 1
    again = cf.create_invalidation(DistributionId=did, InvalidationBatch=batch)["Invalidation"]
    assert again["Id"] == inv["Id"]
    other = dict(batch, Paths={"Quantity": 1, "Items": ["/b.txt"]})
    err, status = refused(cf.create_invalidation, DistributionId=did, InvalidationBatch=other)
    assert (err["Code"], status) == ("InvalidArgument", 400)
    second = cf.create_invalidation(DistributionId=did, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/b.txt"]}, "CallerReference": "inv-2"})["Invalidation"]
    listed = cf.list_invalidations(DistributionId=did)["InvalidationList"]
    assert [i["Id"] for i in listed["Items"]] == [second["Id"], inv["Id"]]
    assert listed["Quantity"] == 2 and listed["IsTruncated"] is False
    time.sleep(2.2)
    assert cf.get_invalidation(DistributionId=did, Id=inv["Id"])["Invalidation"]["Status"] == "Completed"
    err, status = refused(cf.get_invalidation, DistributionId=did, Id="I0000000000000")
    assert (err["Code"], status) == ("NoSuchInvalidation", 404)


def test_cli_shorthand(gureum, cli, s3):
    bucket = "cli-%s" % uuid.uuid4().hex[:8]
    r = gureum.aws("cloudfront", "create-distribution", "--origin-domain-name", bucket + ".s3.amazonaws.com",
                   "--default-root-object", "index.html", cli=cli)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)["Distribution"]
    assert d["DistributionConfig"]["Origins"]["Items"][0]["DomainName"] == bucket + ".s3.amazonaws.com"
    assert d["DistributionConfig"]["DefaultRootObject"] == "index.html"
    r = gureum.aws("cloudfront", "get-distribution", "--id", d["Id"], cli=cli)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Distribution"]["DomainName"] == d["DomainName"]
    r = gureum.aws("cloudfront", "create-invalidation", "--distribution-id", d["Id"], "--paths", "/*", cli=cli)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


# ---- the edge ----

def test_edge_caches_and_invalidates(gureum, cf, s3):
    bucket = "site-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    s3.put_object(Bucket=bucket, Key="web/index.html", Body=b"<h1>v1</h1>", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="web/app.js", Body=b"one()", ContentType="application/javascript")
    c = config(bucket + ".s3.amazonaws.com", DefaultRootObject="index.html")
    c["Origins"]["Items"][0]["OriginPath"] = "/web"
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]

    status, h, body = edge(gureum, d["DomainName"], "/app.js")
    assert (status, body) == (200, b"one()")
    assert h["x-cache"] == "Miss from cloudfront"
    assert h["content-type"] == "application/javascript"
    assert re.fullmatch(r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)", h["via"])
    assert h["x-amz-cf-pop"] and h["x-amz-cf-id"]
    assert h["server"] == "AmazonS3"
    assert "age" not in h
    status, h, body = edge(gureum, d["DomainName"], "/app.js")
    assert (status, body, h["x-cache"]) == (200, b"one()", "Hit from cloudfront")
    assert int(h["age"]) >= 0

    # changed at the origin: still served from the cache until invalidated
    s3.put_object(Bucket=bucket, Key="web/app.js", Body=b"two()", ContentType="application/javascript")
    status, h, body = edge(gureum, d["DomainName"], "/app.js")
    assert (body, h["x-cache"]) == (b"one()", "Hit from cloudfront")
    cf.create_invalidation(DistributionId=d["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/app.js"]}, "CallerReference": "x1"})
    status, h, body = edge(gureum, d["DomainName"], "/app.js")
    assert (body, h["x-cache"]) == (b"two()", "Miss from cloudfront")

    # the root is the DefaultRootObject; "/*" empties everything
    status, h, body = edge(gureum, d["DomainName"], "/")
    assert (status, body, h["x-cache"]) == (200, b"<h1>v1</h1>", "Miss from cloudfront")
    s3.put_object(Bucket=bucket, Key="web/index.html", Body=b"<h1>v2</h1>", ContentType="text/html")
    assert edge(gureum, d["DomainName"], "/")[2] == b"<h1>v1</h1>"
    cf.create_invalidation(DistributionId=d["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "x2"})
    assert edge(gureum, d["DomainName"], "/")[2] == b"<h1>v2</h1>"
    # a conditional GET with the object's ETag: 304, no body
    etag = s3.head_object(Bucket=bucket, Key="web/app.js")["ETag"]
    host = d["DomainName"].replace(".cloudfront.net", ".cloudfront.localhost")
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    conn.request("GET", "/app.js", headers={"Host": host, "If-None-Match": etag})
    r = conn.getresponse()
    assert (r.status, r.read(), r.getheader("ETag"), r.getheader("X-Cache")) == (
        304, b"", etag, "Miss from cloudfront")
    conn.close()
    # a byte range, from the cache as from S3
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    conn.request("GET", "/app.js", headers={"Host": host, "Range": "bytes=1-3"})
    r = conn.getresponse()
    assert (r.status, r.read(), r.getheader("Content-Range")) == (206, b"wo(", "bytes 1-3/5")
    conn.request("GET", "/app.js", headers={"Host": host, "Range": "bytes=9-"})
    r = conn.getresponse()
    assert (r.status, r.read(), r.getheader("Content-Range")) == (416, b"", "bytes */5")
    conn.close()
    # HEAD: the headers, no body
    status, h, body = edge(gureum, d["DomainName"], "/app.js", method="HEAD")
    assert (status, body, h["content-length"]) == (200, b"", "5")
    # the distribution's id works in place of its domain label
    assert edge(gureum, d["Id"].lower() + ".cloudfront.net", "/app.js")[2] == b"two()"
    assert re.fullmatch(r"[A-Za-z0-9_-]{54}==", h["x-amz-cf-id"])
    # an update leaves the cache as it is (AWS: only invalidations and expiry remove objects)
    got = cf.get_distribution_config(Id=d["Id"])
    got["DistributionConfig"]["Comment"] = "updated"
    cf.update_distribution(Id=d["Id"], DistributionConfig=got["DistributionConfig"], IfMatch=got["ETag"])
    s3.put_object(Bucket=bucket, Key="web/app.js", Body=b"three()", ContentType="application/javascript")
    status, h, body = edge(gureum, d["DomainName"], "/app.js")
    assert (body, h["x-cache"]) == (b"two()", "Hit from cloudfront")


def test_edge_streams_objects_larger_than_it_caches(gureum, cf, s3):
    bucket = "big-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    blob = bytes(range(256)) * (21 * 4096)  # 21 MiB: over the 20 MiB an object may take in the cache
    s3.put_object(Bucket=bucket, Key="big.bin", Body=blob)
    d = cf.create_distribution(DistributionConfig=config(bucket + ".s3.amazonaws.com"))["Distribution"]
    for _ in range(2):
        status, h, body = edge(gureum, d["DomainName"], "/big.bin")
        assert (status, len(body), h["x-cache"]) == (200, len(blob), "Miss from cloudfront")
        assert body == blob


def test_edge_origin_errors_passed_on(gureum, cf, s3):
    listable = "pub-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, listable)
    private = "priv-%s" % uuid.uuid4().hex[:8]
    s3.create_bucket(Bucket=private)
    s3.put_object(Bucket=private, Key="secret.txt", Body=b"s")
    d1 = cf.create_distribution(DistributionConfig=config(listable + ".s3.us-east-1.amazonaws.com"))["Distribution"]
    status, h, body = edge(gureum, d1["DomainName"], "/missing.txt")
    assert status == 404
    assert b"<Code>NoSuchKey</Code>" in body
    assert h["x-cache"] == "Error from cloudfront"
    d2 = cf.create_distribution(DistributionConfig=config(private + ".s3.amazonaws.com"))["Distribution"]
    status, h, body = edge(gureum, d2["DomainName"], "/secret.txt")
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    # a missing key without ListBucket is AccessDenied too, as S3 answers it
    assert edge(gureum, d2["DomainName"], "/nothing.txt")[0] == 403


def test_origin_access_controls(cf):
    cfg = {"Name": "site-oac", "Description": "for the site", "SigningProtocol": "sigv4",
           "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"}
    out = cf.create_origin_access_control(OriginAccessControlConfig=cfg)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    oid, etag = out["OriginAccessControl"]["Id"], out["ETag"]
    assert out["OriginAccessControl"]["OriginAccessControlConfig"] == cfg
    assert out["Location"].endswith("/origin-access-control/" + oid)
    assert cf.get_origin_access_control(Id=oid)["OriginAccessControl"]["OriginAccessControlConfig"] == cfg
    assert cf.get_origin_access_control_config(Id=oid)["ETag"] == etag
    err, status = refused(cf.create_origin_access_control, OriginAccessControlConfig=cfg)
    assert (err["Code"], status) == ("OriginAccessControlAlreadyExists", 409)
    listed = cf.list_origin_access_controls()["OriginAccessControlList"]
    assert [(i["Id"], i["Name"], i["Description"]) for i in listed["Items"]] == [(oid, "site-oac", "for the site")]
    cfg2 = dict(cfg, SigningBehavior="no-override")
    err, status = refused(cf.update_origin_access_control, Id=oid, OriginAccessControlConfig=cfg2)
    assert (err["Code"], status) == ("InvalidIfMatchVersion", 400)
    up = cf.update_origin_access_control(Id=oid, OriginAccessControlConfig=cfg2, IfMatch=etag)
    assert up["OriginAccessControl"]["OriginAccessControlConfig"]["SigningBehavior"] == "no-override"
    # a distribution may only name one that exists, and keeps it in use
    c = config("oac-bucket.s3.amazonaws.com")
    c["Origins"]["Items"][0]["OriginAccessControlId"] = "E0000000000000"
    err, status = refused(cf.create_distribution, DistributionConfig=c)
    assert (err["Code"], status) == ("InvalidOriginAccessControl", 400)
    c["Origins"]["Items"][0]["OriginAccessControlId"] = oid
    cf.create_distribution(DistributionConfig=c)
    err, status = refused(cf.delete_origin_access_control, Id=oid, IfMatch=up["ETag"])
    assert (err["Code"], status) == ("OriginAccessControlInUse", 409)
    other = cf.create_origin_access_control(OriginAccessControlConfig=dict(cfg, Name="spare"))
    sid = other["OriginAccessControl"]["Id"]
    err, status = refused(cf.delete_origin_access_control, Id=sid, IfMatch="E0000000000000")
    assert (err["Code"], status) == ("PreconditionFailed", 412)
    cf.delete_origin_access_control(Id=sid, IfMatch=other["ETag"])
    err, status = refused(cf.get_origin_access_control, Id=sid)
    assert (err["Code"], status) == ("NoSuchOriginAccessControl", 404)


def test_edge_origin_access_control(gureum, cf, s3):
    bucket = "oac-%s" % uuid.uuid4().hex[:8]
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"through oac")
    oac = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "oac-" + bucket, "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    c = config(bucket + ".s3.amazonaws.com")
    c["Origins"]["Items"][0]["OriginAccessControlId"] = oac
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    assert edge(gureum, d["DomainName"], "/a.txt")[0] == 403
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::%s/*" % bucket,
        "Condition": {"StringEquals": {"AWS:SourceArn": d["ARN"]}}}]}))
    # the 403 is cached (AWS: 10 s for an error) until invalidated
    status, h, body = edge(gureum, d["DomainName"], "/a.txt")
    assert (status, h["x-cache"]) == (403, "Error from cloudfront")
    assert "age" in h
    cf.create_invalidation(DistributionId=d["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/a.txt"]}, "CallerReference": "oac-1"})
    status, h, body = edge(gureum, d["DomainName"], "/a.txt")
    assert (status, body) == (200, b"through oac")


def test_edge_behaviors_and_refusals(gureum, cf, s3):
    bucket = "beh-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    s3.put_object(Bucket=bucket, Key="api/live.json", Body=b"1", ContentType="application/json")
    s3.put_object(Bucket=bucket, Key="q.txt", Body=b"q")
    c = config(bucket + ".s3.amazonaws.com")
    c["DefaultCacheBehavior"]["ForwardedValues"]["QueryString"] = True
    c["Origins"] = {"Quantity": 2, "Items": [
        c["Origins"]["Items"][0],
        {"Id": "far", "DomainName": "example.org",
         "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]}
    c["CacheBehaviors"] = {"Quantity": 2, "Items": [
        {"PathPattern": "/api/*", "TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
         "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
        {"PathPattern": "ext/*", "TargetOriginId": "far", "ViewerProtocolPolicy": "allow-all",
         "CachePolicyId": POLICY_OPTIMIZED}]}
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    dom = d["DomainName"]
    # CachingDisabled: never a hit
    assert edge(gureum, dom, "/api/live.json")[1]["x-cache"] == "Miss from cloudfront"
    assert edge(gureum, dom, "/api/live.json")[1]["x-cache"] == "Miss from cloudfront"
    # the query string is part of the cache key where it is forwarded
    assert edge(gureum, dom, "/q.txt?v=1")[1]["x-cache"] == "Miss from cloudfront"
    assert edge(gureum, dom, "/q.txt?v=2")[1]["x-cache"] == "Miss from cloudfront"
    assert edge(gureum, dom, "/q.txt?v=1")[1]["x-cache"] == "Hit from cloudfront"
    # a custom origin that is not on loopback is never contacted
    status, h, body = edge(gureum, dom, "/ext/page")
    assert status == 502 and b"502 ERROR" in body
    # a method the behavior does not allow
    status, h, body = edge(gureum, dom, "/q.txt", method="POST")
    assert status == 403 and b"not configured to allow the HTTP request method" in body
    assert (h["server"], h["x-cache"]) == ("CloudFront", "Error from cloudfront")
    # a GET with a body
    assert edge(gureum, dom, "/q.txt", body=b"x")[0] == 403
    # a disabled distribution answers 403 Bad request
    etag = cf.get_distribution_config(Id=d["Id"])["ETag"]
    dc = cf.get_distribution_config(Id=d["Id"])["DistributionConfig"]
    dc["Enabled"] = False
    cf.update_distribution(Id=d["Id"], DistributionConfig=dc, IfMatch=etag)
    status, h, body = edge(gureum, dom, "/q.txt")
    assert status == 403 and b"Bad request." in body
    # a Host no distribution has
    assert edge(gureum, "d0000000000000.cloudfront.net", "/")[0] == 403


def test_edge_custom_error_responses(gureum, cf, s3):
    """A single-page app: the bucket's 403/404 answered with /index.html and 200, as such apps configure it."""
    bucket = "spa-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<app/>", ContentType="text/html")
    c = config(bucket + ".s3.amazonaws.com", DefaultRootObject="index.html")
    c["CustomErrorResponses"] = {"Quantity": 1, "Items": [
        {"ErrorCode": 404, "ResponsePagePath": "/index.html", "ResponseCode": "200", "ErrorCachingMinTTL": 300}]}
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    assert cf.get_distribution_config(Id=d["Id"])["DistributionConfig"]["CustomErrorResponses"] == c[
        "CustomErrorResponses"]
    status, h, body = edge(gureum, d["DomainName"], "/users/42")
    assert (status, body, h["content-type"]) == (200, b"<app/>", "text/html")
    assert h["x-cache"] == "Error from cloudfront"
    # kept for its ErrorCachingMinTTL: an object put there later is not seen until invalidated
    s3.put_object(Bucket=bucket, Key="users/42", Body=b"user 42")
    status, h, body = edge(gureum, d["DomainName"], "/users/42")
    assert (status, body, h["x-cache"]) == (200, b"<app/>", "Error from cloudfront")
    assert "age" in h
    cf.create_invalidation(DistributionId=d["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/users/*"]}, "CallerReference": "spa-1"})
    assert edge(gureum, d["DomainName"], "/users/42")[2] == b"user 42"
    # without a CustomErrorResponse a 404 is passed on, and cached too
    d2 = cf.create_distribution(DistributionConfig=config(bucket + ".s3.amazonaws.com"))["Distribution"]
    assert edge(gureum, d2["DomainName"], "/later.txt")[0] == 404
    s3.put_object(Bucket=bucket, Key="later.txt", Body=b"now")
    status, h, body = edge(gureum, d2["DomainName"], "/later.txt")
    assert (status, h["x-cache"]) == (404, "Error from cloudfront")


def test_edge_s3_website_origin(gureum, cf, s3):
    bucket = "www-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "404.html"}})
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"docs v1", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="404.html", Body=b"not here", ContentType="text/html")
    c = config(bucket + ".s3-website-us-east-1.amazonaws.com")
    c["Origins"]["Items"][0] = {"Id": "o1", "DomainName": bucket + ".s3-website-us-east-1.amazonaws.com",
                                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                       "OriginProtocolPolicy": "http-only"}}
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    # the website's index document, then from the cache
    status, h, body = edge(gureum, d["DomainName"], "/docs/")
    assert (status, body, h["x-cache"]) == (200, b"docs v1", "Miss from cloudfront")
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"docs v2", ContentType="text/html")
    status, h, body = edge(gureum, d["DomainName"], "/docs/")
    assert (status, body, h["x-cache"]) == (200, b"docs v1", "Hit from cloudfront")
    # the website's error document with its 404
    status, h, body = edge(gureum, d["DomainName"], "/nope")
    assert (status, body, h["x-cache"]) == (404, b"not here", "Error from cloudfront")


@pytest.fixture(scope="module")
def origin_server():
    """A custom origin on loopback: counts its GETs, answers /missing 404 and echoes POST bodies."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path.endswith("/old"):
                self.send_response(301)
                self.send_header("Location", "/new")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            hits.append((self.path, self.headers.get("User-Agent"), self.headers.get("X-From-Edge")))
            if self.path.endswith("/missing"):
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"gone")
                return
            body = ("page %s #%d" % (self.path, len(hits))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/x-test")
            self.send_header("Cache-Control", "max-age=60")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = b"posted:" + self.rfile.read(n)
            self.send_response(201)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    srv.hits = hits
    yield srv
    srv.shutdown()
    srv.server_close()


def test_edge_loopback_custom_origin(gureum, cf, origin_server):
    port = origin_server.server_address[1]
    c = config("127.0.0.1")
    all_methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    c["Origins"]["Items"][0] = {
        "Id": "o1", "DomainName": "127.0.0.1", "OriginPath": "/app",
        "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-From-Edge", "HeaderValue": "yes"}]},
        "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    c["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 7, "Items": all_methods, "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}}
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    status, h, body = edge(gureum, d["DomainName"], "/page")
    assert (status, body, h["x-cache"]) == (200, b"page /app/page #1", "Miss from cloudfront")
    assert h["content-type"] == "text/x-test"
    assert origin_server.hits[-1] == ("/app/page", "Amazon CloudFront", "yes")
    status, h, body = edge(gureum, d["DomainName"], "/page")
    assert (status, body, h["x-cache"]) == (200, b"page /app/page #1", "Hit from cloudfront")
    assert len(origin_server.hits) == 1
    # the origin's errors are passed on, not cached
    status, h, body = edge(gureum, d["DomainName"], "/missing")
    assert (status, body, h["x-cache"]) == (404, b"gone", "Error from cloudfront")
    n = len(origin_server.hits)
    assert edge(gureum, d["DomainName"], "/missing")[0] == 404  # the error is cached (10 s)
    assert len(origin_server.hits) == n
    # a redirect is passed on with its Location
    status, h, body = edge(gureum, d["DomainName"], "/old")
    assert (status, h["location"]) == (301, "/new")
    # a method the behavior allows reaches the origin with its body, uncached
    host = d["DomainName"].replace(".cloudfront.net", ".cloudfront.localhost")
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    conn.request("POST", "/form", body=b"a=1", headers={"Host": host})
    r = conn.getresponse()
    assert (r.status, r.read()) == (201, b"posted:a=1")
    conn.close()
    # invalidated: fetched again
    cf.create_invalidation(DistributionId=d["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/page"]}, "CallerReference": "c1"})
    status, h, body = edge(gureum, d["DomainName"], "/page")
    assert (body, h["x-cache"]) == (b"page /app/page #%d" % (len(origin_server.hits)), "Miss from cloudfront")
    # a loopback origin that refuses connections: 502
    c2 = config("localhost")
    c2["Origins"]["Items"][0] = {"Id": "o1", "DomainName": "localhost", "CustomOriginConfig": {
        "HTTPPort": 1, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    d2 = cf.create_distribution(DistributionConfig=c2)["Distribution"]
    status, h, body = edge(gureum, d2["DomainName"], "/x")
    assert status == 502 and b"502 ERROR" in body


def test_iam_authorizes_cloudfront_actions_on_distribution_arns(gureum, cf):
    """cloudfront:* actions against arn:aws:cloudfront::ACCOUNT:distribution/ID, as IAM evaluates them."""
    import botocore.config

    iam = gureum.client("iam")
    mine = cf.create_distribution(DistributionConfig=config("iam-a.s3.amazonaws.com"))["Distribution"]
    other = cf.create_distribution(DistributionConfig=config("iam-b.s3.amazonaws.com"))["Distribution"]
    iam.create_user(UserName="cf-reader")
    iam.put_user_policy(UserName="cf-reader", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["cloudfront:GetDistribution", "cloudfront:CreateInvalidation"],
            "Resource": mine["ARN"]}]}))
    key = iam.create_access_key(UserName="cf-reader")["AccessKey"]
    user = gureum.client("cloudfront", aws_access_key_id=key["AccessKeyId"],
                         aws_secret_access_key=key["SecretAccessKey"],
                         config=botocore.config.Config(retries={"total_max_attempts": 1}))
    for _ in range(50):  # the policy reaches authorization within moments
        try:
            got = user.get_distribution(Id=mine["Id"])
            break
        except Exception:
            time.sleep(0.1)
    assert got["Distribution"]["Id"] == mine["Id"]
    user.create_invalidation(DistributionId=mine["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "iam-1"})
    who = "arn:aws:iam::000000000000:user/cf-reader"
    err, status = refused(user.get_distribution, Id=other["Id"])
    assert (err["Code"], status, err["Message"]) == (
        "AccessDenied", 403,
        "User: %s is not authorized to perform: cloudfront:GetDistribution on resource: %s" % (who, other["ARN"]))
    err, status = refused(user.list_distributions)
    assert (err["Code"], status, err["Message"]) == (
        "AccessDenied", 403, "User: %s is not authorized to perform: cloudfront:ListDistributions" % who)
    err, status = refused(user.create_distribution, DistributionConfig=config("iam-c.s3.amazonaws.com"))
    assert err["Message"] == ("User: %s is not authorized to perform: cloudfront:CreateDistribution on resource: "
                              "arn:aws:cloudfront::000000000000:distribution/*" % who)


def test_state_survives_a_restart_and_the_cache_does_not(gureum, cf, s3):
    bucket = "keep-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"kept")
    d = cf.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": config(bucket + ".s3.amazonaws.com"),
        "Tags": {"Items": [{"Key": "k", "Value": "v"}]}})["Distribution"]
    cf.create_invalidation(DistributionId=d["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/x"]}, "CallerReference": "keep-1"})
    assert edge(gureum, d["DomainName"], "/k.txt")[1]["x-cache"] == "Miss from cloudfront"
    assert edge(gureum, d["DomainName"], "/k.txt")[1]["x-cache"] == "Hit from cloudfront"
    gureum.restart()
    got = cf.get_distribution_config(Id=d["Id"])
    assert got["DistributionConfig"]["Origins"]["Items"][0]["DomainName"] == bucket + ".s3.amazonaws.com"
    assert cf.list_tags_for_resource(Resource=d["ARN"])["Tags"]["Items"] == [{"Key": "k", "Value": "v"}]
    assert cf.list_invalidations(DistributionId=d["Id"])["InvalidationList"]["Quantity"] == 1
    # the edge cache lives in memory: a new process fetches again
    status, h, body = edge(gureum, d["DomainName"], "/k.txt")
    assert (status, body, h["x-cache"]) == (200, b"kept", "Miss from cloudfront")


def test_edge_compresses_for_viewers_that_accept_gzip(gureum, cf, s3):
    import gzip

    bucket = "gz-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, bucket)
    text = ("line %d of some css\n" * 300 % tuple(range(300))).encode()
    s3.put_object(Bucket=bucket, Key="site.css", Body=text, ContentType="text/css")
    s3.put_object(Bucket=bucket, Key="tiny.css", Body=b"a{}", ContentType="text/css")
    c = config(bucket + ".s3.amazonaws.com")
    c["DefaultCacheBehavior"]["Compress"] = True
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    host = d["DomainName"].replace(".cloudfront.net", ".cloudfront.localhost")
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    for hit in ("Miss from cloudfront", "Hit from cloudfront"):
        conn.request("GET", "/site.css", headers={"Host": host, "Accept-Encoding": "gzip, deflate, br"})
        r = conn.getresponse()
        body = r.read()
        assert (r.status, r.getheader("Content-Encoding"), r.getheader("Vary"), r.getheader("X-Cache")) == (
            200, "gzip", "Accept-Encoding", hit)
        assert gzip.decompress(body) == text and len(body) < len(text)
    conn.request("GET", "/site.css", headers={"Host": host})  # a viewer that does not ask
    r = conn.getresponse()
    assert (r.read(), r.getheader("Content-Encoding")) == (text, None)
    conn.request("GET", "/tiny.css", headers={"Host": host, "Accept-Encoding": "gzip"})  # under 1,000 bytes
    r = conn.getresponse()
    assert (r.read(), r.getheader("Content-Encoding")) == (b"a{}", None)
    conn.close()


def test_edge_origin_group_fails_over(gureum, cf, s3):
    primary, secondary = "pri-%s" % uuid.uuid4().hex[:8], "sec-%s" % uuid.uuid4().hex[:8]
    public_bucket(s3, primary)
    public_bucket(s3, secondary)
    s3.put_object(Bucket=primary, Key="both.txt", Body=b"from primary")
    s3.put_object(Bucket=secondary, Key="both.txt", Body=b"from secondary")
    s3.put_object(Bucket=secondary, Key="only-secondary.txt", Body=b"backup")
    c = config(primary + ".s3.amazonaws.com")
    c["Origins"] = {"Quantity": 2, "Items": [
        {"Id": "p", "DomainName": primary + ".s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}},
        {"Id": "s", "DomainName": secondary + ".s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]}
    c["OriginGroups"] = {"Quantity": 1, "Items": [{
        "Id": "g", "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [404, 500]}},
        "Members": {"Quantity": 2, "Items": [{"OriginId": "p"}, {"OriginId": "s"}]}}]}
    c["DefaultCacheBehavior"]["TargetOriginId"] = "g"
    d = cf.create_distribution(DistributionConfig=c)["Distribution"]
    assert edge(gureum, d["DomainName"], "/both.txt")[2] == b"from primary"
    status, h, body = edge(gureum, d["DomainName"], "/only-secondary.txt")
    assert (status, body, h["x-cache"]) == (200, b"backup", "Miss from cloudfront")
    assert edge(gureum, d["DomainName"], "/nowhere.txt")[0] == 404
