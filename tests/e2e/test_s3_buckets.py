"""S3 bucket configuration and access end to end: tagging, encryption, public
access block, ownership controls, CORS (configuration, preflight, headers),
website (configuration and the website endpoint), lifecycle, notifications,
bucket policies and ACLs for another account, an IAM user and anonymous
callers — with boto3 1.26, the AWS CLI and plain unsigned HTTP.
One server with a second root account (GUREUM_ACCOUNTS) for the module.
"""
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import remove_bucket, serve

ALT = ("111111111111", "ALTACCESSKEY0000000A", "altsecret0000000000000000000000000000000A")


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_ACCOUNTS": ":".join(ALT), "GUREUM_TESTING": "1",
                                        # lifecycle days last one second (test builds only)
                                        "GUREUM_S3_LIFECYCLE_DAY_SECONDS": "1"})


@pytest.fixture(scope="module")
def s3(g):
    return g.client("s3")


@pytest.fixture(scope="module")
def alt(g):
    return g.client("s3", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])


def name(tag):
    return ("grb-%s-%s" % (tag, os.urandom(3).hex())).lower()


@pytest.fixture
def bucket(s3):
    b = name("b")
    s3.create_bucket(Bucket=b)
    yield b
    remove_bucket(s3, b)


def refusal(call):
    """The error a call fails with: (code, HTTP status, message)."""
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Message"]


def err(call):
    return refusal(call)[:2]


def http(g, method, path, headers=None, data=None, host=None):
    """An unsigned request; → (status, headers, body)."""
    req = urllib.request.Request(g.endpoint + path, method=method, data=data, headers=headers or {})
    if host:
        req.add_unredirected_header("Host", host)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


# ==== buckets ====

def test_create_bucket_conflicts(g, s3, alt):
    b = name("own")
    s3.create_bucket(Bucket=b)
    # AWS: another account's name is BucketAlreadyExists; re-creating your own
    # in us-east-1 is 200, elsewhere BucketAlreadyOwnedByYou
    assert err(lambda: alt.create_bucket(Bucket=b)) == ("BucketAlreadyExists", 409)
    s3.create_bucket(Bucket=b)
    seoul = g.client("s3", region_name="ap-northeast-2")
    b2 = name("own2")
    seoul.create_bucket(Bucket=b2, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    assert err(lambda: seoul.create_bucket(
        Bucket=b2, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})) == \
        ("BucketAlreadyOwnedByYou", 409)
    assert err(lambda: s3.create_bucket(Bucket="Bad_Name")) == ("InvalidBucketName", 400)
    assert err(lambda: s3.create_bucket(
        Bucket=name("loc"), CreateBucketConfiguration={"LocationConstraint": "us-east-1"})) == \
        ("InvalidLocationConstraint", 400)
    # the other account does not see the bucket in its listing
    assert b not in [x["Name"] for x in alt.list_buckets()["Buckets"]]
    s3.delete_bucket(Bucket=b)
    seoul.delete_bucket(Bucket=b2)


def list_buckets_raw(s3, **query):
    """ListBuckets with query parameters boto3 1.26 lacks (max-buckets,
    continuation-token, prefix, bucket-region: 2024) → (names, regions,
    ContinuationToken or None, Prefix or None), read from the XML itself."""
    import xml.etree.ElementTree as ET
    got = {}

    def add(request, **_):  # before signing: the old model has no input to carry them
        request.url += ("&" if "?" in request.url else "?") + urllib.parse.urlencode(query)

    def keep(http_response, **_):
        got["xml"] = http_response.content
    s3.meta.events.register("before-sign.s3.ListBuckets", add)
    s3.meta.events.register("after-call.s3.ListBuckets", keep)
    try:
        s3.list_buckets()
    finally:
        s3.meta.events.unregister("before-sign.s3.ListBuckets", add)
        s3.meta.events.unregister("after-call.s3.ListBuckets", keep)
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    root = ET.fromstring(got["xml"])
    bs = root.findall(ns + "Buckets/" + ns + "Bucket")
    return ([b.findtext(ns + "Name") for b in bs], [b.findtext(ns + "BucketRegion") for b in bs],
            root.findtext(ns + "ContinuationToken"), root.findtext(ns + "Prefix"))


def test_list_buckets_paginated(g, s3):
    # AWS (2024): max-buckets, continuation-token, prefix and bucket-region;
    # each bucket is listed with its region
    tag = "grl%s" % os.urandom(3).hex()
    names = ["%s-%d" % (tag, i) for i in range(3)]
    for n in names:
        s3.create_bucket(Bucket=n)
    seoul = g.client("s3", region_name="ap-northeast-2")
    far = tag + "-z"
    seoul.create_bucket(Bucket=far, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    try:
        got, regions, token, prefix = list_buckets_raw(s3, prefix=tag)
        assert got == names + [far] and regions == ["us-east-1"] * 3 + ["ap-northeast-2"]
        assert token is None and prefix == tag
        seen, token = [], None
        while True:
            q = {"prefix": tag, "max-buckets": "3"}
            if token:
                q["continuation-token"] = token
            page, _, token, _ = list_buckets_raw(s3, **q)
            seen.append(page)
            if not token:
                break
        assert seen == [names, [far]]
        assert list_buckets_raw(s3, **{"bucket-region": "ap-northeast-2", "prefix": tag})[0] == [far]
        # unpaginated: every bucket, no token; the parsed answer is unchanged
        assert set(names) <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
        for bad in ("0", "10001"):
            with pytest.raises(ClientError) as ei:
                list_buckets_raw(s3, **{"max-buckets": bad})
            assert ei.value.response["Error"] == {
                "Code": "InvalidArgument", "Message": "Argument max-buckets must be an integer between 1 and 10000."}
        with pytest.raises(ClientError) as ei:
            list_buckets_raw(s3, **{"continuation-token": "!!"})
        assert ei.value.response["Error"]["Code"] == "InvalidArgument"
    finally:
        for n in names:
            s3.delete_bucket(Bucket=n)
        seoul.delete_bucket(Bucket=far)


def test_list_buckets_region_must_be_a_region(g, s3):
    # AWS (LocalStack's recorded test_list_buckets_region_validation): a
    # bucket-region that names no AWS region is 400 InvalidArgument naming
    # only the argument; a real region with no bucket lists none
    with pytest.raises(ClientError) as ei:
        list_buckets_raw(s3, **{"bucket-region": "eu-east-1"})
    assert ei.value.response["Error"] == {
        "Code": "InvalidArgument", "Message": "Argument value eu-east-1 is not a valid AWS Region",
        "ArgumentName": "bucket-region"}
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert list_buckets_raw(s3, **{"bucket-region": "ap-southeast-6"})[0] == []


def test_times_are_whole_seconds(s3, bucket):
    # AWS: S3 reports LastModified, CreationDate and Initiated to the second
    # ("2009-10-12T17:50:30.000Z"), so a listing agrees with HEAD's Last-Modified
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]["LastModified"]
    assert listed.microsecond == 0 and listed == s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    assert s3.list_object_versions(Bucket=bucket)["Versions"][0]["LastModified"] == listed
    made = [b["CreationDate"] for b in s3.list_buckets()["Buckets"] if b["Name"] == bucket]
    assert made and made[0].microsecond == 0
    uid = s3.create_multipart_upload(Bucket=bucket, Key="u")["UploadId"]
    assert s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"].microsecond == 0
    s3.abort_multipart_upload(Bucket=bucket, Key="u", UploadId=uid)


# ==== stored configurations ====

def test_tagging(s3, bucket):
    assert err(lambda: s3.get_bucket_tagging(Bucket=bucket)) == ("NoSuchTagSet", 404)
    tags = [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": ""}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags
    dup = [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]
    assert err(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": dup})) == ("InvalidTag", 400)
    s3.delete_bucket_tagging(Bucket=bucket)
    assert err(lambda: s3.get_bucket_tagging(Bucket=bucket)) == ("NoSuchTagSet", 404)


def test_accelerate_configuration(s3, bucket):
    r = s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert "Status" not in r  # never set
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Suspended"
    dotted = name("a.b")
    s3.create_bucket(Bucket=dotted)
    assert err(lambda: s3.put_bucket_accelerate_configuration(
        Bucket=dotted, AccelerateConfiguration={"Status": "Enabled"})) == ("InvalidRequest", 400)
    s3.delete_bucket(Bucket=dotted)


def test_encryption_pab_ownership(s3, bucket):
    # AWS: every bucket reports SSE-S3 by default
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"},
         "BucketKeyEnabled": True}]})
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"}
    assert rule["BucketKeyEnabled"] is True
    s3.delete_bucket_encryption(Bucket=bucket)
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    assert err(lambda: s3.get_public_access_block(Bucket=bucket)) == ("NoSuchPublicAccessBlockConfiguration", 404)
    pab = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
           "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == pab
    s3.delete_public_access_block(Bucket=bucket)

    assert err(lambda: s3.get_bucket_ownership_controls(Bucket=bucket)) == ("OwnershipControlsNotFoundError", 404)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [
        {"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    # AWS: with ACLs disabled, setting any ACL is AccessControlListNotSupported
    assert err(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read")) == \
        ("AccessControlListNotSupported", 400)
    assert err(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="private")) == \
        ("AccessControlListNotSupported", 400)
    s3.delete_bucket_ownership_controls(Bucket=bucket)


def test_lifecycle_validation(s3, bucket):
    assert err(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == \
        ("NoSuchLifecycleConfiguration", 404)
    rules = [{"ID": "old-logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}},
             {"ID": "mpu", "Filter": {}, "Status": "Enabled",
              "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["ID"] for r in got] == ["old-logs", "mpu"]
    assert got[0]["Expiration"] == {"Days": 30} and got[0]["Filter"] == {"Prefix": "logs/"}
    bad = [{"ID": "x", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 0}}]
    assert err(lambda: s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": bad})) == ("InvalidArgument", 400)
    same = [{"ID": "x", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}] * 2
    assert err(lambda: s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": same})) == ("InvalidArgument", 400)
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert err(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == \
        ("NoSuchLifecycleConfiguration", 404)


def test_cors_configuration(s3, bucket):
    assert err(lambda: s3.get_bucket_cors(Bucket=bucket)) == ("NoSuchCORSConfiguration", 404)
    rules = [{"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET", "PUT"],
              "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules
    assert err(lambda: s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]})) == ("InvalidRequest", 400)
    s3.delete_bucket_cors(Bucket=bucket)
    assert err(lambda: s3.get_bucket_cors(Bucket=bucket)) == ("NoSuchCORSConfiguration", 404)


# ==== policy, ACLs and who may do what ====

def test_policy_validation(s3, bucket):
    assert err(lambda: s3.get_bucket_policy(Bucket=bucket)) == ("NoSuchBucketPolicy", 404)
    assert err(lambda: s3.put_bucket_policy(Bucket=bucket, Policy="{not json")) == ("MalformedPolicy", 400)
    other = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elsewhere/*"}]})
    assert err(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=other)) == ("MalformedPolicy", 400)
    pol = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=pol)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(pol)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    s3.delete_bucket_policy(Bucket=bucket)
    assert err(lambda: s3.get_bucket_policy(Bucket=bucket)) == ("NoSuchBucketPolicy", 404)
    # a wildcard that names the bucket is a resource of it; one that cannot is not
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
         "Resource": ["arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:s3:::%s*" % bucket[:4]]}]}))
    s3.delete_bucket_policy(Bucket=bucket)
    assert err(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::x*/*"}]}))) == \
        ("MalformedPolicy", 400)


def test_cross_account_through_policy(s3, alt, bucket):
    s3.put_object(Bucket=bucket, Key="shared/a.txt", Body=b"hello")
    assert err(lambda: alt.get_object(Bucket=bucket, Key="shared/a.txt")) == ("AccessDenied", 403)
    assert err(lambda: alt.list_objects_v2(Bucket=bucket)) == ("AccessDenied", 403)
    pol = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ALT[0]},
         "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::%s" % bucket, "arn:aws:s3:::%s/shared/*" % bucket]}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(pol))
    assert alt.get_object(Bucket=bucket, Key="shared/a.txt")["Body"].read() == b"hello"
    assert [o["Key"] for o in alt.list_objects_v2(Bucket=bucket)["Contents"]] == ["shared/a.txt"]
    # only what the policy names
    assert err(lambda: alt.put_object(Bucket=bucket, Key="shared/b", Body=b"x")) == ("AccessDenied", 403)
    # AWS: only the owner's account manages the policy (405 for others it lets in)
    assert err(lambda: alt.get_bucket_policy(Bucket=bucket))[1] in (403, 405)
    s3.delete_bucket_policy(Bucket=bucket)
    assert err(lambda: alt.get_object(Bucket=bucket, Key="shared/a.txt")) == ("AccessDenied", 403)


def test_anonymous_access(g, s3, bucket):
    s3.put_object(Bucket=bucket, Key="site/index.html", Body=b"<h1>hi</h1>")
    st, _, body = http(g, "GET", "/%s/site/index.html" % bucket)
    assert st == 403 and b"<Code>AccessDenied</Code>" in body
    pol = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::%s/site/*" % bucket}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(pol))
    st, _, body = http(g, "GET", "/%s/site/index.html" % bucket)
    assert (st, body) == (200, b"<h1>hi</h1>")
    # the policy grants reading objects, not listing nor writing
    assert http(g, "GET", "/%s" % bucket)[0] == 403
    assert http(g, "PUT", "/%s/site/x" % bucket, data=b"x")[0] == 403
    # anonymous callers never list buckets nor create them
    assert http(g, "GET", "/")[0] == 403
    s3.delete_bucket_policy(Bucket=bucket)
    assert http(g, "GET", "/%s/site/index.html" % bucket)[0] == 403


def test_bucket_changes_reach_every_connection_at_once(g, s3, alt):
    """Each event loop caches its buckets' rows and configurations: a policy
    change, and a bucket deleted and made again by another account, are seen
    on connections that already read the old state, on every loop."""
    import http.client
    b = name("cache")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="k", Body=b"v1")
    host, port = urllib.parse.urlsplit(g.endpoint).netloc.split(":")
    conns = [http.client.HTTPConnection(host, int(port), timeout=10) for _ in range(24)]

    def statuses():
        out = []
        for c in conns:
            c.request("GET", "/%s/k" % b)
            r = c.getresponse()
            out.append((r.status, r.read()))
        return out

    def public(on):
        if on:
            s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % b}]}))
        else:
            s3.delete_bucket_policy(Bucket=b)

    for _ in range(2):
        public(True)
        assert all(st == (200, b"v1") for st in statuses())
        public(False)
        assert all(st[0] == 403 for st in statuses())
    public(True)
    assert all(st[0] == 200 for st in statuses())

    def version_ids():
        out = set()
        for c in conns:
            c.request("GET", "/%s/k" % b)
            r = c.getresponse()
            r.read()
            out.add(r.getheader("x-amz-version-id"))
        return out

    assert version_ids() == {None}
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    vid = s3.put_object(Bucket=b, Key="k", Body=b"v1b")["VersionId"]
    assert version_ids() == {vid}
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=b, Key="k", Body=b"v1c")
    assert version_ids() == {"null"}
    for v in s3.list_object_versions(Bucket=b).get("Versions", []):
        s3.delete_object(Bucket=b, Key="k", VersionId=v["VersionId"])
    s3.delete_bucket(Bucket=b)
    assert all(st[0] == 404 and b"NoSuchBucket" in st[1] for st in statuses())
    # the same name, now another account's, without a policy
    alt.create_bucket(Bucket=b)
    alt.put_object(Bucket=b, Key="k", Body=b"v2")
    assert all(st[0] == 403 for st in statuses())
    assert alt.head_bucket(Bucket=b, ExpectedBucketOwner=ALT[0])["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert err(lambda: alt.head_bucket(Bucket=b, ExpectedBucketOwner="000000000000")) == ("403", 403)
    for c in conns:
        c.close()
    alt.delete_object(Bucket=b, Key="k")
    alt.delete_bucket(Bucket=b)


def test_explicit_deny_for_iam_user(g, s3, bucket):
    iam = g.client("iam")
    user = name("u")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    k = iam.create_access_key(UserName=user)["AccessKey"]
    u = g.client("s3", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    u.put_object(Bucket=bucket, Key="secret/x", Body=b"1")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::000000000000:user/%s" % user},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/secret/*" % bucket}]}))
    assert err(lambda: u.get_object(Bucket=bucket, Key="secret/x")) == ("AccessDenied", 403)
    assert s3.get_object(Bucket=bucket, Key="secret/x")["Body"].read() == b"1"  # root is not locked out
    s3.delete_bucket_policy(Bucket=bucket)
    assert u.get_object(Bucket=bucket, Key="secret/x")["Body"].read() == b"1"


def test_acls(g, s3, alt, bucket):
    owner = s3.list_buckets()["Owner"]["ID"]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"] == owner
    assert [(x["Grantee"]["Type"], x["Permission"]) for x in acl["Grants"]] == [("CanonicalUser", "FULL_CONTROL")]
    # a public-read object: anonymous GET works, the bucket stays private
    s3.put_object(Bucket=bucket, Key="pub.txt", Body=b"open", ACL="public-read")
    assert http(g, "GET", "/%s/pub.txt" % bucket)[:3:2] == (200, b"open")
    grants = s3.get_object_acl(Bucket=bucket, Key="pub.txt")["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in \
        [x["Grantee"] for x in grants]
    assert http(g, "GET", "/%s" % bucket)[0] == 403
    # public-read on the bucket lets anyone list it
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    st, _, body = http(g, "GET", "/%s" % bucket)
    assert st == 200 and b"<Key>pub.txt</Key>" in body
    # grants by canonical id: the other account may write
    alt_id = alt.list_buckets()["Owner"]["ID"]
    s3.put_bucket_acl(Bucket=bucket, GrantWrite='id="%s"' % alt_id, GrantFullControl='id="%s"' % owner)
    alt.put_object(Bucket=bucket, Key="from-alt", Body=b"a", ACL="bucket-owner-read")
    # AWS: the writer owns its object; bucket-owner-read lets the bucket's owner read it
    oacl = alt.get_object_acl(Bucket=bucket, Key="from-alt")
    assert oacl["Owner"]["ID"] == alt_id
    assert sorted((x["Grantee"]["ID"], x["Permission"]) for x in oacl["Grants"]) == \
        sorted([(alt_id, "FULL_CONTROL"), (owner, "READ")])
    assert err(lambda: alt.list_objects_v2(Bucket=bucket)) == ("AccessDenied", 403)
    s3.put_object_acl(Bucket=bucket, Key="pub.txt", ACL="private")
    assert http(g, "GET", "/%s/pub.txt" % bucket)[0] == 403
    # an AccessControlPolicy document
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": {"ID": owner},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"},
                   {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
                    "Permission": "READ"}]})
    assert [o["Key"] for o in alt.list_objects_v2(Bucket=bucket)["Contents"]] == ["from-alt", "pub.txt"]
    assert http(g, "GET", "/%s" % bucket)[0] == 403


def test_notification_configuration_validation(s3, bucket):
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations") is None
    assert err(lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:q",
                                 "Events": ["s3:ObjectMade:*"]}]})) == ("InvalidArgument", 400)
    assert err(lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:q", "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}}}]})) == \
        ("InvalidArgument", 400)


# ==== website ====

@pytest.mark.parametrize("cli", [c for c in __import__("conftest").CLIS][:1])
def test_scenario_b2_website(g, s3, cli, tmp_path):
    """`aws s3 website` + a public-read policy + unsigned GETs of the website endpoint."""
    b = name("site")
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "err.html").write_text("<h1>oops</h1>")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.html").write_text("<h1>docs</h1>")

    def aws(*args):
        p = g.aws(*args, cli=cli, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        return p.stdout

    aws("s3", "mb", "s3://" + b)
    aws("s3", "sync", ".", "s3://" + b)
    aws("s3", "website", "s3://" + b, "--index-document", "index.html", "--error-document", "err.html")
    assert s3.get_bucket_website(Bucket=b)["IndexDocument"] == {"Suffix": "index.html"}
    for host in ("%s.s3-website.us-east-1.localhost:%d" % (b, g.port),
                 "%s.s3-website-us-east-1.localhost:%d" % (b, g.port)):
        # private until a policy grants public reads
        st, _, body = http(g, "GET", "/", host=host)
        assert st == 403 and b"AccessDenied" in body
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::%s/*" % b}]}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    aws("s3api", "put-bucket-policy", "--bucket", b, "--policy", "file://policy.json")
    host = "%s.s3-website.us-east-1.localhost:%d" % (b, g.port)
    st, h, body = http(g, "GET", "/", host=host)
    assert (st, body) == (200, b"<h1>home</h1>") and h["Content-Type"].startswith("text/html")
    assert http(g, "GET", "/docs/", host=host)[::2] == (200, b"<h1>docs</h1>")
    st, h, _ = http(g, "GET", "/docs", host=host)
    assert st == 302 and h["Location"] == "/docs/"
    st, _, body = http(g, "GET", "/missing.png", host=host)
    assert (st, body) == (404, b"<h1>oops</h1>")
    assert http(g, "HEAD", "/", host=host)[0] == 200
    # routing rules and redirect-all
    s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"},
        "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"},
                          "Redirect": {"ReplaceKeyPrefixWith": "docs/", "HttpRedirectCode": "301"}}]})
    st, h, _ = http(g, "GET", "/old/a.html", host=host)
    assert st == 301 and h["Location"].endswith("/docs/a.html")
    st, _, body = http(g, "GET", "/missing.png", host=host)
    assert st == 404 and b"NoSuchKey" in body  # no error document now
    s3.put_bucket_website(Bucket=b, WebsiteConfiguration={"RedirectAllRequestsTo": {
        "HostName": "example.com", "Protocol": "https"}})
    st, h, _ = http(g, "GET", "/x/y", host=host)
    assert st == 301 and h["Location"] == "https://example.com/x/y"
    s3.delete_bucket_website(Bucket=b)
    st, _, body = http(g, "GET", "/", host=host)
    assert st == 404 and b"NoSuchWebsiteConfiguration" in body
    aws("s3", "rb", "--force", "s3://" + b)


def test_website_serves_multipart_object(g, s3):
    """The website endpoint sends an object stored as its parts whole (it
    once sent the first part's file with the whole object's length)."""
    b = name("sitemp")
    s3.create_bucket(Bucket=b)
    s3.put_bucket_website(Bucket=b, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % b}]}))
    parts = [os.urandom(5 << 20), os.urandom(1000)]
    up = s3.create_multipart_upload(Bucket=b, Key="big.bin")["UploadId"]
    done = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=b, Key="big.bin", UploadId=up, PartNumber=n,
                                                     Body=d)["ETag"]} for n, d in enumerate(parts, 1)]
    s3.complete_multipart_upload(Bucket=b, Key="big.bin", UploadId=up, MultipartUpload={"Parts": done})
    st, _, body = http(g, "GET", "/big.bin", host="%s.s3-website.us-east-1.localhost:%d" % (b, g.port))
    assert st == 200 and body == b"".join(parts)
    s3.delete_object(Bucket=b, Key="big.bin")
    s3.delete_bucket(Bucket=b)


def test_website_redirect_location(g, s3):
    """x-amz-website-redirect-location: kept with the object (PutObject,
    CopyObject, CreateMultipartUpload, POST upload), answered on Head/Get, and
    the website endpoint's 301 to it, for the error document too."""
    import requests
    b = name("siteredir")
    s3.create_bucket(Bucket=b)
    s3.put_bucket_website(Bucket=b, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"},
                                                          "ErrorDocument": {"Key": "err.html"}})
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % b}]}))
    host = "%s.s3-website.us-east-1.localhost:%d" % (b, g.port)
    s3.put_object(Bucket=b, Key="old.html", Body=b"stale", WebsiteRedirectLocation="/new.html")
    s3.put_object(Bucket=b, Key="plain.html", Body=b"plain")
    assert s3.head_object(Bucket=b, Key="old.html")["WebsiteRedirectLocation"] == "/new.html"
    o = s3.get_object(Bucket=b, Key="old.html")
    # the REST endpoint still serves the bytes; only the website endpoint redirects
    assert o["WebsiteRedirectLocation"] == "/new.html" and o["Body"].read() == b"stale"
    assert "WebsiteRedirectLocation" not in s3.head_object(Bucket=b, Key="plain.html")
    for method in ("GET", "HEAD"):
        st, h, body = http(g, method, "/old.html", host=host)
        assert (st, h["Location"], body) == (301, "/new.html", b"")
    assert http(g, "GET", "/plain.html", host=host)[::2] == (200, b"plain")
    # AWS: the redirect is not copied, with either metadata directive; the request's is taken
    s3.copy_object(Bucket=b, Key="copy.html", CopySource="%s/old.html" % b)
    assert "WebsiteRedirectLocation" not in s3.head_object(Bucket=b, Key="copy.html")
    s3.copy_object(Bucket=b, Key="copy.html", CopySource="%s/old.html" % b, MetadataDirective="REPLACE",
                   WebsiteRedirectLocation="https://example.com/x")
    assert s3.head_object(Bucket=b, Key="copy.html")["WebsiteRedirectLocation"] == "https://example.com/x"
    # naming one makes a copy onto itself legal (LocalStack's recorded test)
    s3.copy_object(Bucket=b, Key="plain.html", CopySource="%s/plain.html" % b, WebsiteRedirectLocation="/p2")
    assert s3.head_object(Bucket=b, Key="plain.html")["WebsiteRedirectLocation"] == "/p2"
    # a multipart upload keeps it until it completes
    up = s3.create_multipart_upload(Bucket=b, Key="mp.html", WebsiteRedirectLocation="http://example.org/")
    etag = s3.upload_part(Bucket=b, Key="mp.html", UploadId=up["UploadId"], PartNumber=1, Body=b"mp")["ETag"]
    s3.complete_multipart_upload(Bucket=b, Key="mp.html", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.head_object(Bucket=b, Key="mp.html")["WebsiteRedirectLocation"] == "http://example.org/"
    st, h, _ = http(g, "GET", "/mp.html", host=host)
    assert (st, h["Location"]) == (301, "http://example.org/")
    # a browser POST upload's field
    post = s3.generate_presigned_post(Bucket=b, Key="posted.html",
                                      Fields={"x-amz-website-redirect-location": "/from-post"},
                                      Conditions=[{"x-amz-website-redirect-location": "/from-post"}])
    r = requests.post(post["url"], data=post["fields"], files={"file": ("p.html", b"p")})
    assert r.status_code == 204, r.text
    assert s3.head_object(Bucket=b, Key="posted.html")["WebsiteRedirectLocation"] == "/from-post"
    # an error document with a redirect answers the missing key with it
    s3.put_object(Bucket=b, Key="err.html", Body=b"oops", WebsiteRedirectLocation="/sorry.html")
    st, h, _ = http(g, "GET", "/missing.html", host=host)
    assert (st, h["Location"]) == (301, "/sorry.html")
    # AWS (aws/aws-cli#1130): a path or an http(s) URL, nothing else
    bad = "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."
    for call in (lambda: s3.put_object(Bucket=b, Key="x", Body=b"x", WebsiteRedirectLocation="new.html"),
                 lambda: s3.put_object(Bucket=b, Key="x", Body=b"x", WebsiteRedirectLocation="ftp://h/x"),
                 lambda: s3.copy_object(Bucket=b, Key="x", CopySource="%s/old.html" % b,
                                        WebsiteRedirectLocation="x"),
                 lambda: s3.create_multipart_upload(Bucket=b, Key="x", WebsiteRedirectLocation="x")):
        assert refusal(call) == ("InvalidRedirectLocation", 400, bad)
    too_long = "/" + "a" * 2048
    assert err(lambda: s3.put_object(Bucket=b, Key="x", Body=b"x",
                                     WebsiteRedirectLocation=too_long)) == ("InvalidRedirectLocation", 400)
    s3.put_object(Bucket=b, Key="x", Body=b"x", WebsiteRedirectLocation=too_long[:2048])
    remove_bucket(s3, b)


def test_website_redirect_cli(g, s3, bucket, cli, tmp_path):
    """`aws s3 cp --website-redirect` (both CLI generations) stores the redirect;
    a bad one is refused with AWS's message."""
    (tmp_path / "f.html").write_text("x")
    p = g.aws("s3", "cp", "f.html", "s3://%s/f.html" % bucket, "--website-redirect", "/g.html", cli=cli, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert s3.head_object(Bucket=bucket, Key="f.html")["WebsiteRedirectLocation"] == "/g.html"
    p = g.aws("s3api", "put-object", "--bucket", bucket, "--key", "h.html", "--website-redirect-location", "g.html",
              cli=cli, cwd=tmp_path)
    assert p.returncode != 0 and "InvalidRedirectLocation" in p.stderr
    assert "must have a prefix of 'http://' or 'https://' or '/'" in p.stderr


# ==== CORS in effect ====

def test_cors_preflight_and_headers(g, s3, bucket):
    st, _, body = http(g, "OPTIONS", "/%s/k" % bucket, headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
    assert st == 403 and b"CORS is not enabled" in body
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["GET", "PUT"],
         "AllowedHeaders": ["x-amz-*", "content-type"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]})
    st, h, _ = http(g, "OPTIONS", "/%s/k" % bucket, headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Content-Type, x-amz-meta-a"})
    assert st == 200
    assert h["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert h["Access-Control-Allow-Methods"] == "GET, PUT"
    assert h["Access-Control-Allow-Headers"] == "Content-Type, x-amz-meta-a"
    assert h["Access-Control-Max-Age"] == "300" and h["Access-Control-Expose-Headers"] == "ETag"
    # the wildcard rule answers "*" for other origins, and only for GET
    st, h, _ = http(g, "OPTIONS", "/%s/k" % bucket, headers={
        "Origin": "http://other.org", "Access-Control-Request-Method": "GET"})
    assert st == 200 and h["Access-Control-Allow-Origin"] == "*"
    st, _, body = http(g, "OPTIONS", "/%s/k" % bucket, headers={
        "Origin": "http://other.org", "Access-Control-Request-Method": "DELETE"})
    assert st == 403 and b"AccessForbidden" in body
    assert http(g, "OPTIONS", "/%s/k" % bucket, headers={"Access-Control-Request-Method": "GET"})[0] == 400
    # an actual (signed) request with an Origin gets the headers
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")

    def add_origin(request, **kw):
        request.headers["Origin"] = "https://app.example.com"

    seen = {}
    s3.meta.events.register("before-send.s3.GetObject", add_origin)
    s3.meta.events.register("after-call.s3.GetObject",
                            lambda http_response, **kw: seen.update(http_response.headers))
    try:
        s3.get_object(Bucket=bucket, Key="k")
    finally:
        s3.meta.events.unregister("before-send.s3.GetObject", add_origin)
    assert seen.get("Access-Control-Allow-Origin") == "https://app.example.com"
    assert seen.get("Access-Control-Expose-Headers") == "ETag"
    # an actual request naming Access-Control-Request-Method is matched with
    # that method (ceph/s3-tests' test_cors_origin_response): the anonymous
    # DELETE is refused, with the headers of the rule that allows GET for *
    st, h, _ = http(g, "DELETE", "/%s/k" % bucket, headers={
        "Origin": "http://other.org", "Access-Control-Request-Method": "GET"})
    assert st == 403 and h["Access-Control-Allow-Origin"] == "*" and h["Access-Control-Allow-Methods"] == "GET"
    st, h, _ = http(g, "DELETE", "/%s/k" % bucket, headers={"Origin": "http://other.org"})
    assert st == 403 and "Access-Control-Allow-Origin" not in h


# ==== Signature Version 2 ====

def test_sigv2_presigned_with_curl(g, s3, bucket, tmp_path):
    """boto3 1.26 presigns S3 URLs with SigV2 by default; curl opens them."""
    import subprocess
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up/a b.txt"}, ExpiresIn=300)
    assert "AWSAccessKeyId=" in put and "Signature=" in put
    f = tmp_path / "body"
    f.write_bytes(b"via curl")
    p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", str(f), put],
                       capture_output=True, text=True)
    assert p.stdout == "200", p.stderr
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up/a b.txt"}, ExpiresIn=300)
    p = subprocess.run(["curl", "-sS", get], capture_output=True)
    assert p.stdout == b"via curl"
    # a tampered signature and an expired URL are refused
    bad = get.replace("Signature=", "Signature=x")
    p = subprocess.run(["curl", "-sS", bad], capture_output=True)
    assert b"<Code>SignatureDoesNotMatch</Code>" in p.stdout
    old = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up/a b.txt"}, ExpiresIn=-10)
    p = subprocess.run(["curl", "-sS", old], capture_output=True)
    assert b"<Code>AccessDenied</Code>" in p.stdout and b"expired" in p.stdout


def test_sigv2_header_auth(g, bucket):
    import botocore.config
    v2 = g.client("s3", config=botocore.config.Config(signature_version="s3", retries={"total_max_attempts": 1}))
    v2.put_object(Bucket=bucket, Key="v2/k", Body=b"two", Metadata={"m": "1"})
    assert v2.get_object(Bucket=bucket, Key="v2/k")["Body"].read() == b"two"
    assert v2.get_bucket_acl(Bucket=bucket)["Grants"]
    assert [o["Key"] for o in v2.list_objects(Bucket=bucket, Prefix="v2/")["Contents"]] == ["v2/k"]
    wrong = g.client("s3", aws_secret_access_key="nope",
                     config=botocore.config.Config(signature_version="s3", retries={"total_max_attempts": 1}))
    assert err(lambda: wrong.get_object(Bucket=bucket, Key="v2/k")) == ("SignatureDoesNotMatch", 403)
    st, _, body = http(g, "GET", "/%s/v2/k" % bucket, headers={"Authorization": "AWS HAHAHA"})
    assert st == 400 and b"<Code>InvalidArgument</Code>" in body


# ==== event notifications ====

def test_notifications_to_sqs(g, s3, bucket):
    import time
    sqs = g.client("sqs")
    qurl = sqs.create_queue(QueueName=name("events"))["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cfg = {"QueueConfigurations": [{"Id": "uploads", "QueueArn": qarn, "Events": ["s3:ObjectCreated:*"],
                                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"},
                                                                       {"Name": "suffix", "Value": ".csv"}]}}},
                                   {"Id": "gone", "QueueArn": qarn, "Events": ["s3:ObjectRemoved:Delete"]}]}
    # AWS: the queue's policy must let S3 send to it
    assert err(lambda: s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=cfg)) == ("InvalidArgument", 400)
    missing = {"QueueConfigurations": [{"QueueArn": qarn + "-nope", "Events": ["s3:ObjectCreated:*"]}]}
    assert err(lambda: s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=missing)) == ("InvalidArgument", 400)
    sqs.set_queue_attributes(QueueUrl=qurl, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": qarn, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::%s" % bucket}}}]})})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=cfg)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert [c["Id"] for c in got] == ["uploads", "gone"] and got[0]["Events"] == ["s3:ObjectCreated:*"]

    def receive(n, wait=10):
        # delivery happens before the S3 call returns, so a short wait shows absence
        out, deadline = [], time.time() + wait
        while len(out) < n and time.time() < deadline:
            for m in sqs.receive_message(QueueUrl=qurl, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=qurl, ReceiptHandle=m["ReceiptHandle"])
        return out

    test = receive(1)
    assert test[0]["Event"] == "s3:TestEvent" and test[0]["Bucket"] == bucket
    s3.put_object(Bucket=bucket, Key="in/skip.txt", Body=b"no")       # suffix does not match
    s3.put_object(Bucket=bucket, Key="other/a.csv", Body=b"no")       # prefix does not match
    s3.put_object(Bucket=bucket, Key="in/data 1.csv", Body=b"a,b\n")  # matches
    s3.delete_object(Bucket=bucket, Key="in/skip.txt")
    msgs = receive(2)
    recs = [m["Records"][0] for m in msgs]
    created = [r for r in recs if r["eventName"] == "ObjectCreated:Put"]
    removed = [r for r in recs if r["eventName"] == "ObjectRemoved:Delete"]
    assert len(created) == 1 and len(removed) == 1 and len(recs) == 2
    c = created[0]
    assert c["eventVersion"] == "2.1" and c["eventSource"] == "aws:s3" and c["awsRegion"] == "us-east-1"
    assert c["s3"]["configurationId"] == "uploads"
    assert c["s3"]["bucket"]["name"] == bucket and c["s3"]["bucket"]["arn"] == "arn:aws:s3:::" + bucket
    assert c["s3"]["object"]["key"] == "in/data+1.csv" and c["s3"]["object"]["size"] == 4
    assert c["s3"]["object"]["eTag"] == "f69f5b72bc79a92dc70c63c9aa142e36"
    assert removed[0]["s3"]["object"]["key"] == "in/skip.txt" and removed[0]["s3"]["configurationId"] == "gone"
    assert receive(1, wait=1) == []
    # an empty configuration turns notifications off
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/late.csv", Body=b"x")
    assert receive(1, wait=1) == []


# ==== lifecycle in effect ====

def test_lifecycle_expires_objects_and_uploads(s3, bucket):
    import time
    for k in ("logs/a", "logs/b", "keep/c", "logs/big"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x" * (2000 if k.endswith("big") else 1))
    uid = s3.create_multipart_upload(Bucket=bucket, Key="tmp/upload")["UploadId"]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "logs", "Status": "Enabled", "Expiration": {"Days": 2},
         "Filter": {"And": {"Prefix": "logs/", "ObjectSizeLessThan": 1000}}},
        {"ID": "off", "Status": "Disabled", "Expiration": {"Days": 1}, "Filter": {"Prefix": "keep/"}},
        {"ID": "mpu", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
    keys = lambda: sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys() == ["keep/c", "logs/a", "logs/b", "logs/big"]
    time.sleep(1.5)  # a day and a half: the upload is over a day old, the logs not yet two
    s3.list_objects_v2(Bucket=bucket)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == []
    assert keys() == ["keep/c", "logs/a", "logs/b", "logs/big"]
    time.sleep(1.5)
    s3.head_bucket(Bucket=bucket)  # any access lets the runner catch up
    assert keys() == ["keep/c", "logs/big"]
    assert err(lambda: s3.list_parts(Bucket=bucket, Key="tmp/upload", UploadId=uid)) == ("NoSuchUpload", 404)


@pytest.mark.parametrize("cli", [c for c in __import__("conftest").CLIS][:1])
def test_archived_object_needs_a_restore(g, s3, bucket, cli):
    """AWS: a GLACIER / DEEP_ARCHIVE object is not readable (GetObject and
    copies from it are 403 InvalidObjectState, ObjectNotInActiveTierError
    for a copy: CopyObject's modeled error) until RestoreObject makes a
    restored copy (202, then 200), which lapses after its Days (a test day
    lasts a second here)."""
    import time
    s3.put_object(Bucket=bucket, Key="cold", Body=b"frozen", StorageClass="GLACIER")
    s3.put_object(Bucket=bucket, Key="deep", Body=b"deeper", StorageClass="DEEP_ARCHIVE")
    s3.put_object(Bucket=bucket, Key="warm", Body=b"w")

    def refused(call):
        with pytest.raises(ClientError) as ei:
            call()
        r = ei.value.response
        return r["Error"]["Code"], r["Error"].get("StorageClass"), r["ResponseMetadata"]["HTTPStatusCode"]
    assert refused(lambda: s3.get_object(Bucket=bucket, Key="cold")) == ("InvalidObjectState", "GLACIER", 403)
    assert refused(lambda: s3.copy_object(Bucket=bucket, Key="c2", CopySource="%s/deep" % bucket)) == \
        ("ObjectNotInActiveTierError", "DEEP_ARCHIVE", 403)
    assert refused(lambda: s3.restore_object(Bucket=bucket, Key="warm", RestoreRequest={"Days": 1})) == \
        ("InvalidObjectState", "STANDARD", 403)
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert head["StorageClass"] == "GLACIER" and "Restore" not in head
    r = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={
        "Days": 2, "GlacierJobParameters": {"Tier": "Standard"}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert re.fullmatch(r'ongoing-request="false", expiry-date="\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT"',
                        s3.head_object(Bucket=bucket, Key="cold")["Restore"])
    got = s3.get_object(Bucket=bucket, Key="cold")
    assert got["Body"].read() == b"frozen" and got["Restore"].startswith('ongoing-request="false"')
    # listings name the restored copy when asked (x-amz-optional-object-attributes, botocore 1.43)
    if "OptionalObjectAttributes" in s3.meta.service_model.operation_model("ListObjectsV2").input_shape.members:
        for listing, field in ((s3.list_objects_v2, "Contents"), (s3.list_objects, "Contents"),
                               (s3.list_object_versions, "Versions")):
            items = {o["Key"]: o for o in listing(Bucket=bucket, OptionalObjectAttributes=["RestoreStatus"])[field]}
            assert items["cold"]["RestoreStatus"]["IsRestoreInProgress"] is False
            assert items["cold"]["RestoreStatus"]["RestoreExpiryDate"].year >= 2026
            assert "RestoreStatus" not in items["deep"] and "RestoreStatus" not in items["warm"]
        assert "RestoreStatus" not in s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    # copying the restored copy to STANDARD makes a readable object for good
    s3.copy_object(Bucket=bucket, Key="thawed", CopySource="%s/cold" % bucket, StorageClass="STANDARD")
    assert s3.get_object(Bucket=bucket, Key="thawed")["Body"].read() == b"frozen"
    # asked again while restored: 200, and the copy lasts the new Days from now
    assert s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 1})[
        "ResponseMetadata"]["HTTPStatusCode"] == 200
    time.sleep(2.2)
    assert refused(lambda: s3.get_object(Bucket=bucket, Key="cold"))[0] == "InvalidObjectState"
    assert "Restore" not in s3.head_object(Bucket=bucket, Key="cold")
    # the CLI: restore-object, and the refusal as it prints it
    out = g.aws("s3api", "restore-object", "--bucket", bucket, "--key", "deep", "--restore-request", "Days=1", cli=cli)
    assert out.returncode == 0, out.stderr
    out = g.aws("s3api", "get-object", "--bucket", bucket, "--key", "cold", "/dev/null", cli=cli)
    assert out.returncode != 0 and "(InvalidObjectState)" in out.stderr


def lifecycle_until(s3, bucket, done):
    """Lets the lifecycle runner work (any access lets it catch up) until
    done() holds or ten seconds pass; the caller asserts the outcome."""
    import time
    for _ in range(40):
        time.sleep(0.25)
        s3.head_bucket(Bucket=bucket)
        if done():
            return


def test_lifecycle_transitions_to_glacier(s3, bucket):
    """A lifecycle Transition really moves an object: after its Days (a
    second each here) it is GLACIER, unreadable until restored; the
    coldest due transition wins and a rule's filter is honoured."""
    s3.put_object(Bucket=bucket, Key="logs/a", Body=b"old log")
    s3.put_object(Bucket=bucket, Key="keep/b", Body=b"stays")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "archive", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}, {"Days": 30, "StorageClass": "DEEP_ARCHIVE"}]}]})
    classes = lambda: {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert classes() == {"logs/a": "STANDARD", "keep/b": "STANDARD"}
    lifecycle_until(s3, bucket, lambda: classes()["logs/a"] == "GLACIER")
    assert classes() == {"logs/a": "GLACIER", "keep/b": "STANDARD"}
    head = s3.head_object(Bucket=bucket, Key="logs/a")
    assert head["StorageClass"] == "GLACIER" and head["ContentLength"] == 7
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket=bucket, Key="logs/a")
    assert ei.value.response["Error"]["Code"] == "InvalidObjectState"
    s3.restore_object(Bucket=bucket, Key="logs/a", RestoreRequest={"Days": 5})
    assert s3.get_object(Bucket=bucket, Key="logs/a")["Body"].read() == b"old log"
    assert s3.get_object(Bucket=bucket, Key="keep/b")["Body"].read() == b"stays"


def test_lifecycle_noncurrent_versions_transition(s3, bucket):
    """NoncurrentVersionTransitions move versions once they have been
    noncurrent for NoncurrentDays (a second each here); the current version
    stays; a restore is per version."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="doc", Body=b"v1")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="doc", Body=b"v2")["VersionId"]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "cold-history", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionTransitions": [{"NoncurrentDays": 1, "StorageClass": "GLACIER"}]}]})
    classes = lambda: {v["VersionId"]: v["StorageClass"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]}
    lifecycle_until(s3, bucket, lambda: classes()[old] == "GLACIER")
    assert classes() == {old: "GLACIER", new: "STANDARD"}
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket=bucket, Key="doc", VersionId=old)
    assert ei.value.response["Error"]["Code"] == "InvalidObjectState"
    assert s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"v2"
    s3.restore_object(Bucket=bucket, Key="doc", VersionId=old, RestoreRequest={"Days": 5})
    assert s3.get_object(Bucket=bucket, Key="doc", VersionId=old)["Body"].read() == b"v1"
    s3.delete_bucket_lifecycle(Bucket=bucket)
    for v in s3.list_object_versions(Bucket=bucket)["Versions"]:
        s3.delete_object(Bucket=bucket, Key="doc", VersionId=v["VersionId"])


# ==== browser POST uploads ====

@pytest.mark.parametrize("sigver", ["s3v4", "s3"])
def test_browser_post_upload(g, s3, bucket, sigver):
    import botocore.config
    import requests
    c = g.client("s3", config=botocore.config.Config(signature_version=sigver, retries={"total_max_attempts": 1}))
    post = c.generate_presigned_post(
        Bucket=bucket, Key="uploads/${filename}",
        Fields={"success_action_status": "201", "Content-Type": "text/plain"},
        Conditions=[["starts-with", "$key", "uploads/"], {"success_action_status": "201"},
                    ["content-length-range", 1, 100], {"Content-Type": "text/plain"}],
        ExpiresIn=300)
    if sigver == "s3v4":
        assert "x-amz-signature" in post["fields"]
    else:
        assert "signature" in post["fields"] and "AWSAccessKeyId" in post["fields"]
    r = requests.post(post["url"], data=post["fields"], files={"file": ("note.txt", b"posted!")})
    assert r.status_code == 201, r.text
    assert "<Key>uploads/note.txt</Key>" in r.text
    o = s3.get_object(Bucket=bucket, Key="uploads/note.txt")
    assert o["Body"].read() == b"posted!" and o["ContentType"] == "text/plain"
    # too large for the policy's content-length-range
    r = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"x" * 101)})
    assert r.status_code == 400 and "EntityTooLarge" in r.text
    # a field the policy does not cover
    r = requests.post(post["url"], data=dict(post["fields"], **{"x-amz-meta-extra": "1"}),
                      files={"file": ("n.txt", b"y")})
    assert r.status_code == 403 and "Extra input fields" in r.text
    # a tampered policy
    fields = dict(post["fields"], policy=post["fields"]["policy"][:-4] + "AAAA")
    r = requests.post(post["url"], data=fields, files={"file": ("n.txt", b"y")})
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


def test_browser_post_redirect(g, s3, bucket):
    import requests
    post = s3.generate_presigned_post(Bucket=bucket, Key="r.txt",
                                      Fields={"success_action_redirect": "http://example.com/done"},
                                      Conditions=[{"success_action_redirect": "http://example.com/done"}])
    r = requests.post(post["url"], data=post["fields"], files={"file": ("r.txt", b"r")}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("http://example.com/done?bucket=%s&key=r.txt&etag=" % bucket)
    assert s3.get_object(Bucket=bucket, Key="r.txt")["Body"].read() == b"r"


def test_notifications_to_sns(g, s3, bucket):
    import time
    sns, sqs = g.client("sns"), g.client("sqs")
    topic = sns.create_topic(Name=name("t"))["TopicArn"]
    qurl = sqs.create_queue(QueueName=name("fan"))["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=qurl, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                               "Action": "sqs:SendMessage", "Resource": qarn}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    cfg = {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:Put"]}]}
    # the default topic policy does not let S3 publish
    assert err(lambda: s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=cfg)) == ("InvalidArgument", 400)
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                                               "Action": "sns:Publish", "Resource": topic}]}))
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=cfg)
    s3.put_object(Bucket=bucket, Key="via-sns.txt", Body=b"s")
    bodies, deadline = [], time.time() + 10
    while len(bodies) < 2 and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=qurl, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(json.loads(m["Body"]))
    assert any(b.get("Event") == "s3:TestEvent" for b in bodies)
    recs = [b["Records"][0] for b in bodies if "Records" in b]
    assert recs and recs[0]["eventName"] == "ObjectCreated:Put" and recs[0]["s3"]["object"]["key"] == "via-sns.txt"


def test_lifecycle_tags_and_noncurrent_versions(s3):
    import time
    b = name("lcv")
    s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=b, Key="doc", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="doc", Body=b"2")["VersionId"]
    s3.put_object(Bucket=b, Key="t/yes", Body=b"y", Tagging="expire=yes")
    s3.put_object(Bucket=b, Key="t/no", Body=b"n", Tagging="expire=no")
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "old-versions", "Status": "Enabled", "Filter": {"Prefix": "doc"},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        {"ID": "tagged", "Status": "Enabled", "Filter": {"Tag": {"Key": "expire", "Value": "yes"}},
         "Expiration": {"Days": 1}}]})
    time.sleep(2.2)
    s3.head_bucket(Bucket=b)
    vers = s3.list_object_versions(Bucket=b, Prefix="doc")
    assert [v["VersionId"] for v in vers.get("Versions", [])] == [v2]
    assert v1 != v2
    cur = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=b, Prefix="t/").get("Contents", []))
    # the tagged object expired (a delete marker hides it), the other stays
    assert cur == ["t/no"]
    for v in s3.list_object_versions(Bucket=b).get("Versions", []) + \
            s3.list_object_versions(Bucket=b).get("DeleteMarkers", []):
        s3.delete_object(Bucket=b, Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_bucket(Bucket=b)


def test_public_access_block_in_effect(g, s3, alt, bucket):
    s3.put_object(Bucket=bucket, Key="p", Body=b"p", ACL="public-read")
    assert http(g, "GET", "/%s/p" % bucket)[0] == 200
    pab = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
           "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab)
    assert http(g, "GET", "/%s/p" % bucket)[0] == 403                       # IgnorePublicAcls
    assert err(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read")) == ("AccessDenied", 403)
    assert err(lambda: s3.put_object(Bucket=bucket, Key="q", Body=b"q", ACL="public-read")) == ("AccessDenied", 403)
    public = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket}]})
    assert err(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=public)) == ("AccessDenied", 403)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=dict(
        pab, BlockPublicPolicy=False, RestrictPublicBuckets=True, IgnorePublicAcls=False))
    r = s3.put_bucket_policy(Bucket=bucket, Policy=public)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204                    # AWS: 204 No Content
    assert http(g, "GET", "/%s/p" % bucket)[0] == 200                       # the public ACL counts again...
    s3.put_object_acl(Bucket=bucket, Key="p", ACL="private")
    assert http(g, "GET", "/%s/p" % bucket)[0] == 403                       # ...the public policy does not
    # an explicit Deny binds the owner's root too, but never for the policy itself
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetBucketTagging", "Resource": "arn:aws:s3:::%s" % bucket}]}))
    assert err(lambda: s3.get_bucket_tagging(Bucket=bucket)) == ("AccessDenied", 403)
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_public_access_block(Bucket=bucket)
    # reading a missing key: 404 for a caller who may list, 403 otherwise
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert http(g, "GET", "/%s/missing" % bucket)[0] == 404
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    assert http(g, "GET", "/%s/missing" % bucket)[0] == 403


def test_policy_existing_object_tag(g, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pub", Body=b"1", Tagging="security=public")
    s3.put_object(Bucket=bucket, Key="priv", Body=b"2", Tagging="security=private")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket,
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/security": "public"}}}]}))
    assert http(g, "GET", "/%s/pub" % bucket)[::2] == (200, b"1")
    assert http(g, "GET", "/%s/priv" % bucket)[0] == 403
    s3.delete_bucket_policy(Bucket=bucket)


# ==== object ownership and ACLs across accounts ====
# The bucket (main account) lets the other account in through its policy;
# what the other account writes is owned as the bucket's ownership controls
# say (AWS: "Controlling ownership of objects and disabling ACLs").

def _let_alt_in(s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ALT[0]}, "Action": "s3:*",
         "Resource": ["arn:aws:s3:::%s" % bucket, "arn:aws:s3:::%s/*" % bucket]}]}))


def _owner(client, bucket, key):
    return client.get_object_acl(Bucket=bucket, Key=key)["Owner"]["ID"]


def _multipart(client, bucket, key, **kw):
    """Starts an upload → (upload id, ListParts' Owner id, its Initiator id)."""
    uid = client.create_multipart_upload(Bucket=bucket, Key=key, **kw)["UploadId"]
    parts = client.list_parts(Bucket=bucket, Key=key, UploadId=uid)
    return uid, parts["Owner"]["ID"], parts["Initiator"]["ID"]


def _complete(client, bucket, key, uid):
    etag = client.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"part")["ETag"]
    client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})


def test_ownership_bucket_owner_enforced(s3, alt):
    me, other = s3.list_buckets()["Owner"]["ID"], alt.list_buckets()["Owner"]["ID"]
    # AWS: a bucket whose ACL grants others cannot disable ACLs
    b = name("enf")
    assert err(lambda: s3.create_bucket(Bucket=b, ACL="public-read", ObjectOwnership="BucketOwnerEnforced")) == \
        ("InvalidBucketAclWithObjectOwnership", 400)
    s3.create_bucket(Bucket=b, ACL="public-read")
    enforced = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert err(lambda: s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls=enforced)) == \
        ("InvalidBucketAclWithObjectOwnership", 400)
    s3.put_bucket_acl(Bucket=b, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls=enforced)
    _let_alt_in(s3, b)
    try:
        # the bucket owner owns what the other account writes; reading the
        # ACL shows the bucket owner's full control
        alt.put_object(Bucket=b, Key="plain", Body=b"1")
        alt.put_object(Bucket=b, Key="bofc", Body=b"2", ACL="bucket-owner-full-control")
        alt.put_object(Bucket=b, Key="hdr", Body=b"3", GrantFullControl='id="%s"' % me)
        for k in ("plain", "bofc", "hdr"):
            acl = alt.get_object_acl(Bucket=b, Key=k)
            assert acl["Owner"]["ID"] == me
            assert [(x["Grantee"]["ID"], x["Permission"]) for x in acl["Grants"]] == [(me, "FULL_CONTROL")]
        assert s3.get_object(Bucket=b, Key="plain")["Body"].read() == b"1"
        # any other ACL on a write is refused before anything is stored
        for kw in ({"ACL": "private"}, {"ACL": "public-read"}, {"GrantRead": 'id="%s"' % other}):
            assert err(lambda: alt.put_object(Bucket=b, Key="refused", Body=b"x", **kw)) == \
                ("AccessControlListNotSupported", 400)
            assert err(lambda: alt.create_multipart_upload(Bucket=b, Key="refused", **kw)) == \
                ("AccessControlListNotSupported", 400)
            assert err(lambda: alt.copy_object(Bucket=b, Key="refused", CopySource={"Bucket": b, "Key": "plain"},
                                               **kw)) == ("AccessControlListNotSupported", 400)
        assert err(lambda: s3.head_object(Bucket=b, Key="refused")) == ("404", 404)
        alt.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "plain"})
        assert _owner(alt, b, "copy") == me
        # a multipart upload: the bucket owner owns it from the start
        uid, owner, initiator = _multipart(alt, b, "mp")
        assert (owner, initiator) == (me, other)
        ups = s3.list_multipart_uploads(Bucket=b)["Uploads"]
        assert [(u["Owner"]["ID"], u["Initiator"]["ID"]) for u in ups] == [(me, other)]
        _complete(alt, b, "mp", uid)
        assert _owner(s3, b, "mp") == me
        # setting ACLs fails, even the private one
        assert err(lambda: s3.put_bucket_acl(Bucket=b, ACL="private")) == ("AccessControlListNotSupported", 400)
        assert err(lambda: s3.put_object_acl(Bucket=b, Key="plain", ACL="private")) == \
            ("AccessControlListNotSupported", 400)
    finally:
        s3.delete_bucket_policy(Bucket=b)
        for o in s3.list_objects_v2(Bucket=b).get("Contents", []):
            s3.delete_object(Bucket=b, Key=o["Key"])
        s3.delete_bucket(Bucket=b)


def test_ownership_preferred_and_object_writer(s3, alt):
    me, other = s3.list_buckets()["Owner"]["ID"], alt.list_buckets()["Owner"]["ID"]
    b = name("pref")
    s3.create_bucket(Bucket=b, ObjectOwnership="BucketOwnerPreferred")
    _let_alt_in(s3, b)
    try:
        # AWS: BucketOwnerPreferred gives the object to the bucket owner only
        # when the writer sends bucket-owner-full-control
        alt.put_object(Bucket=b, Key="mine", Body=b"1")
        alt.put_object(Bucket=b, Key="theirs", Body=b"2", ACL="bucket-owner-full-control")
        alt.put_object(Bucket=b, Key="private", Body=b"3", ACL="private")
        assert [_owner(alt, b, k) for k in ("mine", "private")] == [other, other]
        assert _owner(s3, b, "theirs") == me
        alt.copy_object(Bucket=b, Key="copied", CopySource={"Bucket": b, "Key": "mine"},
                        ACL="bucket-owner-full-control")
        assert _owner(s3, b, "copied") == me
        uid, owner, initiator = _multipart(alt, b, "mp", ACL="bucket-owner-full-control")
        assert (owner, initiator) == (me, other)
        _complete(alt, b, "mp", uid)
        assert _owner(s3, b, "mp") == me
        uid, owner, _ = _multipart(alt, b, "mp2")
        assert owner == other
        _complete(alt, b, "mp2", uid)
        assert _owner(alt, b, "mp2") == other
        # AWS: an object another account owns is reached through its ACL only:
        # the bucket owner reads it when granted, and its policy grants nothing
        assert err(lambda: s3.get_object(Bucket=b, Key="mine")) == ("AccessDenied", 403)
        assert err(lambda: s3.get_object_acl(Bucket=b, Key="mp2")) == ("AccessDenied", 403)
        alt.put_object_acl(Bucket=b, Key="mine", ACL="bucket-owner-read")
        assert s3.get_object(Bucket=b, Key="mine")["Body"].read() == b"1"
        assert err(lambda: s3.get_object_acl(Bucket=b, Key="mine")) == ("AccessDenied", 403)
        # the bucket owner may still delete it, and ACLs may be set
        s3.delete_object(Bucket=b, Key="private")
        s3.put_bucket_acl(Bucket=b, ACL="private")
        # ObjectWriter: the writer keeps its object whatever ACL it sends
        s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        alt.put_object(Bucket=b, Key="w", Body=b"4", ACL="bucket-owner-full-control")
        acl = alt.get_object_acl(Bucket=b, Key="w")
        assert acl["Owner"]["ID"] == other
        assert sorted((x["Grantee"]["ID"], x["Permission"]) for x in acl["Grants"]) == \
            sorted([(other, "FULL_CONTROL"), (me, "FULL_CONTROL")])
        assert s3.get_object(Bucket=b, Key="w")["Body"].read() == b"4"
    finally:
        s3.delete_bucket_policy(Bucket=b)
        for o in s3.list_objects_v2(Bucket=b).get("Contents", []):
            s3.delete_object(Bucket=b, Key=o["Key"])
        s3.delete_bucket(Bucket=b)


def test_policy_conditions_on_grant_headers(s3, alt, bucket):
    me, other = s3.list_buckets()["Owner"]["ID"], alt.list_buckets()["Owner"]["ID"]
    # AWS: the bucket owner requires the writer to grant it full control,
    # by header (s3:x-amz-grant-full-control) or canned ACL (s3:x-amz-acl)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ALT[0]}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::%s/hdr/*" % bucket,
         "Condition": {"StringEquals": {"s3:x-amz-grant-full-control": "id=%s" % me}}},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ALT[0]}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::%s/canned/*" % bucket,
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}))
    assert err(lambda: alt.put_object(Bucket=bucket, Key="hdr/a", Body=b"x")) == ("AccessDenied", 403)
    assert err(lambda: alt.put_object(Bucket=bucket, Key="hdr/a", Body=b"x", GrantFullControl="id=%s" % other)) == \
        ("AccessDenied", 403)
    assert err(lambda: alt.put_object(Bucket=bucket, Key="canned/a", Body=b"x")) == ("AccessDenied", 403)
    assert err(lambda: alt.put_object(Bucket=bucket, Key="canned/a", Body=b"x", ACL="private")) == \
        ("AccessDenied", 403)
    alt.put_object(Bucket=bucket, Key="hdr/a", Body=b"h", GrantFullControl="id=%s" % me)
    alt.put_object(Bucket=bucket, Key="canned/a", Body=b"c", ACL="bucket-owner-full-control")
    # the writer owns both; the grants let the bucket owner read them and their ACLs
    acl = s3.get_object_acl(Bucket=bucket, Key="hdr/a")
    assert acl["Owner"]["ID"] == other
    assert [(x["Grantee"]["ID"], x["Permission"]) for x in acl["Grants"]] == [(me, "FULL_CONTROL")]
    assert s3.get_object(Bucket=bucket, Key="hdr/a")["Body"].read() == b"h"
    assert s3.get_object_acl(Bucket=bucket, Key="canned/a")["Owner"]["ID"] == other
    assert s3.get_object(Bucket=bucket, Key="canned/a")["Body"].read() == b"c"
    s3.delete_bucket_policy(Bucket=bucket)


def test_policy_conditions_on_conditional_requests(s3, alt, bucket):
    # AWS ("Enforce conditional writes", "Enforce conditional deletes"): a
    # bucket policy can require If-None-Match on writes (s3:if-none-match)
    # and If-Match on deletes (s3:if-match, Null false); an ETag If-Match
    # delete also needs s3:GetObject
    me = "arn:aws:iam::%s:root" % ALT[0]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": me}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::%s/*" % bucket, "Condition": {"Null": {"s3:if-none-match": "false"}}},
        {"Effect": "Allow", "Principal": {"AWS": me}, "Action": "s3:DeleteObject",
         "Resource": "arn:aws:s3:::%s/*" % bucket, "Condition": {"Null": {"s3:if-match": "false"}}}]}))

    def with_header(call, op, name, value):
        def add(request, **_):
            request.headers[name] = value

        alt.meta.events.register_first("before-sign.s3.%s" % op, add)
        try:
            return call()
        finally:
            alt.meta.events.unregister("before-sign.s3.%s" % op, add)

    put = lambda: alt.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert err(put) == ("AccessDenied", 403)
    with_header(put, "PutObject", "If-None-Match", "*")
    delete = lambda: alt.delete_object(Bucket=bucket, Key="k")
    assert err(delete) == ("AccessDenied", 403)
    with_header(delete, "DeleteObject", "If-Match", "*")
    # the ETag form reads the object: alt may read its own object, not the owner's
    etag = s3.put_object(Bucket=bucket, Key="mine", Body=b"y")["ETag"]
    delete_mine = lambda: alt.delete_object(Bucket=bucket, Key="mine")
    assert err(lambda: with_header(delete_mine, "DeleteObject", "If-Match", etag)) == ("AccessDenied", 403)
    with_header(delete_mine, "DeleteObject", "If-Match", "*")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    s3.delete_bucket_policy(Bucket=bucket)


def test_listings_show_each_objects_owner(s3, alt):
    """ListObjects (v1 always, v2 with FetchOwner) and ListObjectVersions show who owns each object — the
    writer under ObjectWriter, else the bucket owner — whoever lists."""
    me, other = s3.list_buckets()["Owner"]["ID"], alt.list_buckets()["Owner"]["ID"]
    b = name("lsown")
    s3.create_bucket(Bucket=b, ObjectOwnership="ObjectWriter")
    _let_alt_in(s3, b)
    try:
        alt.put_object(Bucket=b, Key="a", Body=b"1")
        s3.put_object(Bucket=b, Key="b", Body=b"2")
        want = [("a", other), ("b", me)]
        for client in (s3, alt):
            v1 = client.list_objects(Bucket=b)["Contents"]
            v2 = client.list_objects_v2(Bucket=b, FetchOwner=True)["Contents"]
            assert [(o["Key"], o["Owner"]["ID"]) for o in v1] == want
            assert [(o["Key"], o["Owner"]["ID"]) for o in v2] == want
            # ListObjectVersions shows the same owners, not the caller
            vs = client.list_object_versions(Bucket=b)["Versions"]
            assert [(o["Key"], o["Owner"]["ID"]) for o in vs] == want
        assert "Owner" not in s3.list_objects_v2(Bucket=b)["Contents"][0]
    finally:
        s3.delete_bucket_policy(Bucket=b)
        for k in ("a", "b"):
            s3.delete_object(Bucket=b, Key=k)
        s3.delete_bucket(Bucket=b)


def test_replication_copies_versions_and_markers(s3, bucket):
    """PutBucketReplication with AWS's refusals (an unversioned source or
    destination, a missing destination, a Filter rule without
    DeleteMarkerReplication); then a put, a copy and a multipart upload
    under the rule's prefix reach the destination as replicas with the same
    version id, bytes, ETag and metadata (REPLICA there, COMPLETED here),
    keys outside it do not, and a delete marker follows as the rule says."""
    dest = name("dst")
    s3.create_bucket(Bucket=dest)
    try:
        cfg = {"Role": "arn:aws:iam::000000000000:role/replication", "Rules": [
            {"ID": "docs", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "docs/"},
             "DeleteMarkerReplication": {"Status": "Enabled"},
             "Destination": {"Bucket": "arn:aws:s3:::" + dest, "StorageClass": "STANDARD_IA"}}]}
        put_cfg = lambda c: refusal(lambda: s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=c))
        assert put_cfg(cfg) == ("InvalidRequest", 400,
                                "Versioning must be 'Enabled' on the bucket to apply a replication configuration")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        assert put_cfg(cfg) == ("InvalidRequest", 400, "Destination bucket must have versioning enabled.")
        s3.put_bucket_versioning(Bucket=dest, VersioningConfiguration={"Status": "Enabled"})
        missing = {**cfg, "Rules": [{**cfg["Rules"][0], "Destination": {"Bucket": "arn:aws:s3:::" + name("none")}}]}
        assert put_cfg(missing) == ("InvalidRequest", 400, "Destination bucket must exist.")
        no_dm = {**cfg, "Rules": [{k: v for k, v in cfg["Rules"][0].items() if k != "DeleteMarkerReplication"}]}
        assert put_cfg(no_dm)[:2] == ("InvalidRequest", 400)
        assert err(lambda: s3.get_bucket_replication(Bucket=bucket)) == ("ReplicationConfigurationNotFoundError", 404)

        s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=cfg)
        assert refusal(lambda: s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})) == (
            "InvalidBucketState", 409, "A replication configuration is present on this bucket, so you cannot change "
            "the versioning state. To change the versioning state, first delete the replication configuration.")
        got = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
        assert got["Role"] == cfg["Role"] and got["Rules"][0]["ID"] == "docs"
        assert got["Rules"][0]["Destination"]["Bucket"] == "arn:aws:s3:::" + dest

        put = s3.put_object(Bucket=bucket, Key="docs/a.txt", Body=b"alpha", ContentType="text/plain",
                            Metadata={"team": "blue"}, Tagging="k=v")
        s3.put_object(Bucket=bucket, Key="other/b.txt", Body=b"beta")
        src = s3.head_object(Bucket=bucket, Key="docs/a.txt")
        assert src["ReplicationStatus"] == "COMPLETED"
        rep = s3.head_object(Bucket=dest, Key="docs/a.txt")
        assert rep["ReplicationStatus"] == "REPLICA" and rep["VersionId"] == put["VersionId"]
        assert (rep["ETag"], rep["ContentType"], rep["Metadata"]) == (put["ETag"], "text/plain", {"team": "blue"})
        assert rep["StorageClass"] == "STANDARD_IA" and rep["LastModified"] == src["LastModified"]
        assert s3.get_object(Bucket=dest, Key="docs/a.txt")["Body"].read() == b"alpha"
        assert s3.get_object_tagging(Bucket=dest, Key="docs/a.txt")["TagSet"] == [{"Key": "k", "Value": "v"}]
        assert "ReplicationStatus" not in s3.head_object(Bucket=bucket, Key="other/b.txt")
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=dest).get("Contents", [])] == ["docs/a.txt"]

        s3.copy_object(Bucket=bucket, Key="docs/copy.txt", CopySource={"Bucket": bucket, "Key": "other/b.txt"})
        assert s3.get_object(Bucket=dest, Key="docs/copy.txt")["Body"].read() == b"beta"
        part = b"x" * (5 << 20)
        up = s3.create_multipart_upload(Bucket=bucket, Key="docs/big")["UploadId"]
        etags = [s3.upload_part(Bucket=bucket, Key="docs/big", UploadId=up, PartNumber=n, Body=part + bytes([n]))["ETag"]
                 for n in (1, 2)]
        done = s3.complete_multipart_upload(Bucket=bucket, Key="docs/big", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": t} for n, t in zip((1, 2), etags)]})
        big = s3.get_object(Bucket=dest, Key="docs/big")
        assert big["ETag"] == done["ETag"] and big["VersionId"] == done["VersionId"]
        assert big["Body"].read() == part + b"\x01" + part + b"\x02"
        assert s3.get_object(Bucket=dest, Key="docs/big", PartNumber=2)["ContentLength"] == len(part) + 1

        gone = s3.delete_object(Bucket=bucket, Key="docs/a.txt")
        markers = s3.list_object_versions(Bucket=dest, Prefix="docs/a.txt")["DeleteMarkers"]
        assert [m["VersionId"] for m in markers] == [gone["VersionId"]]
        assert err(lambda: s3.get_object(Bucket=dest, Key="docs/a.txt")) == ("NoSuchKey", 404)
        # deleting a version by id is not replicated
        s3.delete_object(Bucket=bucket, Key="docs/copy.txt",
                         VersionId=s3.head_object(Bucket=bucket, Key="docs/copy.txt")["VersionId"])
        assert s3.get_object(Bucket=dest, Key="docs/copy.txt")["Body"].read() == b"beta"

        s3.delete_bucket_replication(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="docs/later", Body=b"after")
        assert "ReplicationStatus" not in s3.head_object(Bucket=bucket, Key="docs/later")
        err(lambda: s3.head_object(Bucket=dest, Key="docs/later"))
    finally:
        remove_bucket(s3, dest)


def test_account_regional_namespace(g, s3):
    """AWS (2026-03): with x-amz-bucket-namespace: account-regional the name
    ends in -ACCOUNT-REGION-an, the bucket's region; otherwise
    InvalidNamespaceHeader (400) naming the suffix to use."""
    if "BucketNamespace" not in s3.meta.service_model.operation_model("CreateBucket").input_shape.members:
        pytest.skip("this botocore has no BucketNamespace")
    account = g.client("sts").get_caller_identity()["Account"]
    name = "mine-%s-us-east-1-an" % account
    r = s3.create_bucket(Bucket=name, BucketNamespace="account-regional")
    assert r["BucketArn"] == "arn:aws:s3:::" + name
    s3.head_bucket(Bucket=name)
    s3.delete_bucket(Bucket=name)
    west = g.client("s3", region_name="us-west-2")
    name = "mine-%s-us-west-2-an" % account
    west.create_bucket(Bucket=name, BucketNamespace="account-regional",
                       CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    west.delete_bucket(Bucket=name)
    for bad in ("no-suffix-here", "mine-%s-us-west-2-an" % account, "mine-999999999999-us-east-1-an"):
        with pytest.raises(ClientError) as e:
            s3.create_bucket(Bucket=bad, BucketNamespace="account-regional")
        err = e.value.response
        assert (err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]) == (400, "InvalidNamespaceHeader")
        assert ("Specify -%s-us-east-1-an as the bucket name suffix" % account) in err["Error"]["Message"]


def test_bucket_policy_sees_the_global_condition_keys(g, s3, bucket):
    """A bucket policy is evaluated with the global keys an identity policy
    sees (IAM User Guide, "AWS global condition context keys"): a role
    session's aws:PrincipalArn is its role's, aws:PrincipalType names the
    kind of caller, aws:Referer is the request's Referer (AWS's bucket-policy
    example "Restricting access to a specific HTTP referer")."""
    iam = g.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="bp-reader", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="bp-reader", PolicyName="s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>hi</p>")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        # only the role reads, whoever else asks (the usual "restrict a bucket to one role")
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket,
         "Condition": {"StringNotEquals": {"aws:PrincipalArn": role},
                       "StringNotLike": {"aws:Referer": "http://www.example.com/*"}}},
        # anonymous readers coming from the site
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket,
         "Condition": {"StringLike": {"aws:Referer": "http://www.example.com/*"},
                       "StringEquals": {"aws:PrincipalType": "Anonymous"}}}]}))
    iam.create_user(UserName="bp-user")
    iam.put_user_policy(UserName="bp-user", PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}]}))
    k = iam.create_access_key(UserName="bp-user")["AccessKey"]
    sts = g.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    c = sts.assume_role(RoleArn=role, RoleSessionName="reader")["Credentials"]
    session = g.client("s3", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                       aws_session_token=c["SessionToken"])
    assert session.get_object(Bucket=bucket, Key="page.html")["Body"].read() == b"<p>hi</p>"
    # the bucket owner's root is denied by the Deny (explicit denies bind root too)
    assert err(lambda: s3.get_object(Bucket=bucket, Key="page.html")) == ("AccessDenied", 403)
    # anonymous: only with the site's Referer
    assert http(g, "GET", "/%s/page.html" % bucket)[0] == 403
    st, _, body = http(g, "GET", "/%s/page.html" % bucket, headers={"Referer": "http://www.example.com/index.html"})
    assert st == 200 and body == b"<p>hi</p>"
    s3.delete_bucket_policy(Bucket=bucket)
