"""test_s3_newer_ops.py — S3 operations newer than Debian's botocore (boto3 1.26), against a real server.

Their requests share method and path with older operations, so before gureum knew them they
were answered as those (RenameObject stored an empty object through PutObject, GET /B?abac
listed objects). Each is now routed to itself: bucket ABAC (Put/GetBucketAbac, the tagging
refusal while enabled, bucket tags as aws:ResourceTag/KEY in IAM and bucket policies),
ListDirectoryBuckets (told from ListBuckets by its s3express credential scope), and
RenameObject / CreateSession and the metadata-table operations, refused with 501 because
gureum serves no directory buckets and no S3 Tables. Tests that call the new operations
through boto3 need boto3 1.43 and skip under 1.26; the raw, SigV4-signed requests run under
both.
"""
import json
import os
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import remove_bucket


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


def name(tag):
    return f"{tag}-{os.urandom(4).hex()}"


@pytest.fixture
def bucket(s3):
    b = name("newer")
    s3.create_bucket(Bucket=b)
    yield b
    try:
        s3.put_bucket_abac(Bucket=b, AbacStatus={"Status": "Disabled"})
    except (AttributeError, ClientError):
        pass
    remove_bucket(s3, b)


def needs(client, method):
    if not hasattr(client, method):
        pytest.skip(f"this boto3 has no {method} (needs boto3 1.43)")


def err(call, **kw):
    with pytest.raises(ClientError) as e:
        call(**kw)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message", "")


def raw(gureum, method, path, headers=None, body=b"", service="s3"):
    """A SigV4-signed request of either boto3's botocore, so old clients can send new operations."""
    url = gureum.endpoint + path
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(req)
    r = urllib.request.Request(url, data=body or None, method=method, headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def keys(s3, b):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", [])]


# ==== RenameObject ====

def test_rename_object_refused_and_creates_nothing(gureum, s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    status, body = raw(gureum, "PUT", f"/{bucket}/dst?renameObject", {"x-amz-rename-source": f"/{bucket}/src"})
    assert status == 501, body
    assert b"<Code>NotImplemented</Code>" in body
    assert b"RenameObject works on directory buckets only" in body
    assert keys(s3, bucket) == ["src"]
    assert s3.get_object(Bucket=bucket, Key="src")["Body"].read() == b"hello"


def test_rename_object_with_new_client(s3, bucket):
    needs(s3, "rename_object")
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    code, status, msg = err(s3.rename_object, Bucket=bucket, Key="dst", RenameSource="src")
    assert (code, status) == ("NotImplemented", 501)
    assert msg == ("RenameObject works on directory buckets only (S3 Express One Zone), which gureum does not "
                   "serve; this bucket is a general purpose bucket.")
    assert keys(s3, bucket) == ["src"]
    code, status, _ = err(s3.rename_object, Bucket=name("nosuch"), Key="dst", RenameSource="src")
    assert (code, status) == ("NoSuchBucket", 404)


def test_cli_rename_object_creates_no_object(gureum, cli, s3, bucket):
    """The proof that once failed: `aws s3api rename-object` answered success and PutObject stored an empty dst."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    p = gureum.aws("s3api", "rename-object", "--bucket", bucket, "--key", "dst", "--rename-source", "src", cli=cli)
    if p.returncode != 0 and "Invalid choice" in p.stderr:
        pytest.skip("this AWS CLI has no s3api rename-object")
    assert p.returncode != 0
    assert "NotImplemented" in p.stderr
    assert keys(s3, bucket) == ["src"]


# ==== CreateSession, ListDirectoryBuckets ====

def test_create_session_refused(s3, bucket):
    needs(s3, "create_session")
    code, status, msg = err(s3.create_session, Bucket=bucket)
    assert (code, status) == ("NotImplemented", 501)
    assert msg.startswith("CreateSession works on directory buckets only")


def test_list_directory_buckets_is_empty_and_list_buckets_is_not(gureum, s3, bucket):
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    # GET / signed for s3express is ListDirectoryBuckets; signed for s3 it stays ListBuckets
    status, body = raw(gureum, "GET", "/", service="s3express")
    assert status == 200, body
    assert b"<ListAllMyDirectoryBucketsResult" in body and bucket.encode() not in body
    status, body = raw(gureum, "GET", "/")
    assert status == 200 and b"<ListAllMyBucketsResult" in body and bucket.encode() in body
    if hasattr(s3, "list_directory_buckets"):
        assert s3.list_directory_buckets()["Buckets"] == []


# ==== Metadata tables (S3 Tables): not served ====

def test_metadata_table_operations_not_implemented(gureum, s3, bucket):
    status, body = raw(gureum, "GET", f"/{bucket}?metadataTable")
    assert status == 501 and b"GetBucketMetadataTableConfiguration is not implemented" in body
    status, body = raw(gureum, "POST", f"/{bucket}?metadataConfiguration", body=b"<MetadataConfiguration/>")
    assert status == 501 and b"CreateBucketMetadataConfiguration is not implemented" in body
    status, body = raw(gureum, "PUT", f"/{bucket}?metadataJournalTable", body=b"<JournalTableConfiguration/>")
    assert status == 501 and b"UpdateBucketMetadataJournalTableConfiguration is not implemented" in body
    # S3 Object Lambda's (Debian's model has it already): routed to itself, not served
    status, body = raw(gureum, "POST", "/WriteGetObjectResponse",
                       {"x-amz-request-route": "r", "x-amz-request-token": "t"}, body=b"x")
    assert status == 501 and b"WriteGetObjectResponse is not implemented" in body
    if hasattr(s3, "get_bucket_metadata_configuration"):
        code, status, msg = err(s3.get_bucket_metadata_configuration, Bucket=bucket)
        assert (code, status) == ("NotImplemented", 501)
        assert msg == "The operation GetBucketMetadataConfiguration is not implemented by gureum yet."
    # nothing was created on the way: PUT /B?… once fell through to CreateBucket
    assert keys(s3, bucket) == []


# ==== Bucket ABAC ====

def test_abac_status_round_trip(gureum, s3, bucket):
    # a bucket that never set it: AWS's default, Disabled
    status, body = raw(gureum, "GET", f"/{bucket}?abac")
    assert status == 200 and b"<Status>Disabled</Status>" in body, body
    needs(s3, "get_bucket_abac")
    assert s3.get_bucket_abac(Bucket=bucket)["AbacStatus"] == {"Status": "Disabled"}
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"})
    assert s3.get_bucket_abac(Bucket=bucket)["AbacStatus"] == {"Status": "Enabled"}
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Disabled"})
    assert s3.get_bucket_abac(Bucket=bucket)["AbacStatus"] == {"Status": "Disabled"}
    code, status, _ = err(s3.get_bucket_abac, Bucket=name("nosuch"))
    assert (code, status) == ("NoSuchBucket", 404)
    assert keys(s3, bucket) == []


def test_abac_bad_status_is_malformed(gureum, bucket):
    status, body = raw(gureum, "PUT", f"/{bucket}?abac",
                       body=b'<AbacStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>On</Status>'
                            b'</AbacStatus>')
    assert status == 400 and b"<Code>MalformedXML</Code>" in body, body


def test_bucket_tagging_refused_while_abac_enabled(s3, bucket):
    needs(s3, "put_bucket_abac")
    tags = {"TagSet": [{"Key": "team", "Value": "blue"}]}
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tags)
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"})
    for call, kw, op in ((s3.put_bucket_tagging, {"Tagging": {"TagSet": []}}, "PutBucketTagging"),
                         (s3.delete_bucket_tagging, {}, "DeleteBucketTagging")):
        code, status, msg = err(call, Bucket=bucket, **kw)
        assert (code, status) == ("InvalidRequest", 400)
        assert msg.startswith(f"{op} is not allowed on a bucket with attribute-based access control (ABAC) enabled")
    # AWS: GetBucketTagging keeps working with ABAC enabled
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags["TagSet"]
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Disabled"})
    s3.delete_bucket_tagging(Bucket=bucket)
    code, _, _ = err(s3.get_bucket_tagging, Bucket=bucket)
    assert code == "NoSuchTagSet"


def _user(gureum, policy):
    iam = gureum.client("iam")
    user = "abac-" + os.urandom(3).hex()
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
    k = iam.create_access_key(UserName=user)["AccessKey"]
    return gureum.client("s3", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])


def test_bucket_tags_authorize_only_with_abac_enabled(gureum, s3, bucket):
    needs(s3, "put_bucket_abac")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    u = _user(gureum, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]})
    # untagged, ABAC enabled: no aws:ResourceTag/team, refused
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"})
    code, status, _ = err(u.get_object, Bucket=bucket, Key="k")
    assert (code, status) == ("AccessDenied", 403)
    # tagged while ABAC is disabled: the tag is for cost allocation only, still refused
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Disabled"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "blue"}]})
    code, status, _ = err(u.get_object, Bucket=bucket, Key="k")
    assert (code, status) == ("AccessDenied", 403)
    # tagged and ABAC enabled: allowed
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"})
    assert u.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    # another value does not match
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Disabled"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "red"}]})
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"})
    code, status, _ = err(u.get_object, Bucket=bucket, Key="k")
    assert (code, status) == ("AccessDenied", 403)


def test_bucket_policy_sees_resource_tags_with_abac(gureum, s3, bucket):
    needs(s3, "put_bucket_abac")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    u = _user(gureum, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "blue"}}}]}))
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "blue"}]})
    # ABAC disabled: the policy sees no tag, so StringNotEquals holds and the Deny applies
    code, status, _ = err(u.get_object, Bucket=bucket, Key="k")
    assert (code, status) == ("AccessDenied", 403)
    s3.put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"})
    assert u.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    s3.delete_bucket_policy(Bucket=bucket)
