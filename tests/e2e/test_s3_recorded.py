"""S3 answers checked against answers recorded from AWS (LocalStack's
AWS-validated snapshots of tests/aws/services/s3): each test replays a recorded
request and asserts AWS's error code, HTTP status, message and extra members
exactly. One server for the module; boto3 1.26 and newer alike.
"""
import os
import urllib.error
import urllib.parse
import urllib.request

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import refused as error
from conftest import remove_bucket


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


def name(tag):
    return ("grm-%s-%s" % (tag, os.urandom(3).hex())).lower()


@pytest.fixture
def bucket(s3):
    b = name("b")
    s3.create_bucket(Bucket=b)
    yield b
    remove_bucket(s3, b)


def raw(method, url, data=None, headers=None):
    """Status and body of a request sent without an SDK."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def xml_member(body, tag):
    start = body.index("<%s>" % tag) + len(tag) + 2
    return body[start:body.index("</%s>" % tag)]


# ==== website configuration (test_s3.py::test_validate_website_configuration) ====

@pytest.mark.parametrize("conf, want", [
    ({"IndexDocument": {"Suffix": "/index.html"}},
     {"Code": "InvalidArgument", "Message": "The IndexDocument Suffix is not well formed",
      "ArgumentName": "IndexDocument", "ArgumentValue": "/index.html"}),
    ({"IndexDocument": {"Suffix": ""}},
     {"Code": "InvalidArgument", "Message": "The IndexDocument Suffix is not well formed",
      "ArgumentName": "IndexDocument", "ArgumentValue": None}),
    ({"RedirectAllRequestsTo": {"HostName": "test"}, "IndexDocument": {"Suffix": "/index.html"}},
     {"Code": "InvalidArgument", "Message": "RedirectAllRequestsTo cannot be provided in conjunction with other "
      "Routing Rules.", "ArgumentName": "RedirectAllRequestsTo", "ArgumentValue": "not null"}),
    ({"ErrorDocument": {"Key": "/index.html"}},
     {"Code": "InvalidArgument", "Message": "A value for IndexDocument Suffix must be provided if "
      "RedirectAllRequestsTo is empty", "ArgumentName": "IndexDocument", "ArgumentValue": "null"}),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [{"Redirect": {"Protocol": "protocol"}}]},
     {"Code": "InvalidRequest", "Message": "Invalid protocol, protocol can be http or https. If not defined the "
      "protocol will be selected automatically."}),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"ReplaceKeyPrefixWith": "prefix", "ReplaceKeyWith": "key-name"}}]},
     {"Code": "InvalidRequest", "Message": "You can only define ReplaceKeyPrefix or ReplaceKey but not both."}),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"ReplaceKeyPrefixWith": "prefix"}, "Condition": {}}]},
     {"Code": "InvalidRequest", "Message": "Condition cannot be empty. To redirect all requests without a "
      "condition, the condition element shouldn't be present."}),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": []},
     {"Code": "MalformedXML", "Message": "The XML you provided was not well-formed or did not validate against "
      "our published schema"}),
])
def test_website_configuration_refusals(s3, bucket, conf, want):
    assert error(s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration=conf) == (want, 400)


def test_website_routing_rule_accepted(s3, bucket):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"},
        "RoutingRules": [{"Condition": {"KeyPrefixEquals": "docs/"},
                          "Redirect": {"Protocol": "https", "ReplaceKeyPrefixWith": "documents/"}}]})
    rules = s3.get_bucket_website(Bucket=bucket)["RoutingRules"]
    assert rules[0]["Redirect"] == {"Protocol": "https", "ReplaceKeyPrefixWith": "documents/"}


# ==== bucket logging (test_put_bucket_logging_wrong_target, _cross_locations) ====

def test_logging_target_must_exist(s3, bucket):
    target = name("nope")
    got = error(s3.put_bucket_logging, Bucket=bucket,
                BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "log"}})
    assert got == ({"Code": "InvalidTargetBucketForLogging", "Message": "The target bucket for logging does not exist",
                    "TargetBucket": target}, 400)


def test_logging_target_in_another_region(gureum, s3, bucket):
    west, east2 = name("w"), name("e2")
    s3w, s3e2 = gureum.client("s3", region_name="us-west-2"), gureum.client("s3", region_name="us-east-2")
    s3w.create_bucket(Bucket=west, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3e2.create_bucket(Bucket=east2, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    try:
        status = {"LoggingEnabled": {"TargetBucket": west, "TargetPrefix": "log"}}
        # from us-east-1 AWS names only the target's region
        assert error(s3.put_bucket_logging, Bucket=bucket, BucketLoggingStatus=status) == (
            {"Code": "CrossLocationLoggingProhibitted", "Message": "Cross S3 location logging not allowed. ",
             "TargetBucketLocation": "us-west-2"}, 403)
        assert error(s3e2.put_bucket_logging, Bucket=east2, BucketLoggingStatus=status) == (
            {"Code": "CrossLocationLoggingProhibitted", "Message": "Cross S3 location logging not allowed. ",
             "SourceBucketLocation": "us-east-2", "TargetBucketLocation": "us-west-2"}, 403)
    finally:
        remove_bucket(s3w, west)
        remove_bucket(s3e2, east2)


# ==== presigned URLs (test_s3_put_presigned_url_missing_sig_param, test_put_url_metadata_with_sig_s3v4) ====

def drop_param(url, param):
    p = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(p.query) if k != param]
    return urllib.parse.urlunsplit(p._replace(query=urllib.parse.urlencode(q, quote_via=urllib.parse.quote)))


def presigner(gureum, version):
    return gureum.client("s3", config=botocore.config.Config(signature_version=version))


def test_presigned_v2_missing_expires(gureum, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = presigner(gureum, "s3").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    status, body = raw("GET", drop_param(url, "Expires"))
    assert (status, xml_member(body, "Code")) == (403, "AccessDenied")
    assert xml_member(body, "Message") == \
        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"


def test_presigned_v4_missing_date(gureum, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = presigner(gureum, "s3v4").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    status, body = raw("GET", drop_param(url, "X-Amz-Date"))
    assert (status, xml_member(body, "Code")) == (400, "AuthorizationQueryParametersError")
    assert xml_member(body, "Message") == (
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
        "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")


def test_presigned_v4_unsigned_amz_header(gureum, s3, bucket):
    url = presigner(gureum, "s3v4").generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "m"})
    status, body = raw("PUT", url, data=b"x", headers={"x-amz-meta-wrong": "wrong"})
    assert (status, xml_member(body, "Code")) == (403, "AccessDenied")
    assert xml_member(body, "Message") == "There were headers present in the request which were not signed"
    assert xml_member(body, "HeadersNotSigned") == "x-amz-meta-wrong"
    # the same URL without the header is accepted
    assert raw("PUT", url, data=b"x")[0] == 200


def test_header_auth_unsigned_amz_headers(gureum, bucket):
    """The header-signed twin (test_put_object_with_md5_and_chunk_signature_bad_headers):
    x-amz-* headers added after signing are named, lower-cased, in the order sent."""
    c = gureum.client("s3")

    def add(request, **_):
        request.headers["X-Amz-Meta-Late"] = "1"
        request.headers["x-amz-tagging"] = "a=b"
    c.meta.events.register_last("before-send.s3.PutObject", add)
    got = error(c.put_object, Bucket=bucket, Key="k", Body=b"x")
    assert got == ({"Code": "AccessDenied", "Message": "There were headers present in the request which were not signed",
                    "HeadersNotSigned": "x-amz-meta-late, x-amz-tagging"}, 403)


# ==== response-* overrides (test_get_response_overrides_unicode_metadata_with_sig_s3) ====

def test_response_override_not_latin1(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    value = "non-ascii-%E2%80%94_\u2014_\u00e9_"
    got = error(s3.get_object, Bucket=bucket, Key="k", ResponseCacheControl=value,
                ResponseContentDisposition='filename="test_\u2014_file%E2%80%94_\u00e9_2.pdf"')
    assert got == ({"Code": "InvalidArgument", "Message": "Header value cannot be represented using ISO-8859-1.",
                    "ArgumentName": "response-cache-control", "ArgumentValue": value}, 400)
    assert s3.get_object(Bucket=bucket, Key="k", ResponseCacheControl="no-cache")["CacheControl"] == "no-cache"


# ==== aws-global (test_create_bucket_aws_global, test_bucket_constraint_aws_global) ====

def test_signed_with_aws_global(gureum):
    """Signing with botocore's endpoint pseudo-region is refused, naming the region to use."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    req = botocore.awsrequest.AWSRequest(method="PUT", url="%s/%s" % (gureum.endpoint, name("g")),
                                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "aws-global").add_auth(req)
    p = req.prepare()
    status, body = raw("PUT", p.url, headers=dict(p.headers))
    assert (status, xml_member(body, "Code")) == (400, "AuthorizationHeaderMalformed")
    assert xml_member(body, "Message") == \
        "The authorization header is malformed; the region 'aws-global' is wrong; expecting 'us-east-1'"
    assert xml_member(body, "Region") == "us-east-1"


def test_location_constraint_aws_global(gureum, s3):
    conf = {"LocationConstraint": "aws-global"}
    assert error(s3.create_bucket, Bucket=name("g"), CreateBucketConfiguration=conf) == (
        {"Code": "InvalidLocationConstraint", "Message": "The specified location-constraint is not valid",
         "LocationConstraint": "aws-global"}, 400)
    west = gureum.client("s3", region_name="us-west-1")
    assert error(west.create_bucket, Bucket=name("g"), CreateBucketConfiguration=conf) == (
        {"Code": "IllegalLocationConstraintException", "Message": "The aws-global location constraint is "
         "incompatible for the region specific endpoint this request was sent to."}, 400)


# ==== multipart checksums (test_multipart_parts_checksum_exceptions_composite,
#      test_complete_multipart_parts_checksum_default) ====

def has_checksum_type(s3):
    return "ChecksumType" in s3.meta.service_model.operation_model("CompleteMultipartUpload").input_shape.members


SHA256_ABC = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="


def test_part_listed_with_another_algorithm(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="c", ChecksumAlgorithm="CRC32")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="c", UploadId=uid, PartNumber=1, Body=b"abc", ChecksumAlgorithm="CRC32")
    parts = {"Parts": [{"ETag": part["ETag"], "PartNumber": 1, "ChecksumSHA256": SHA256_ABC}]}
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="c", UploadId=uid, MultipartUpload=parts) == (
        {"Code": "BadDigest", "Message": "The sha256 you specified for part 1 did not match what we received."}, 400)
    s3.abort_multipart_upload(Bucket=bucket, Key="c", UploadId=uid)


def test_upload_without_checksum_refuses_part_checksums(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="d")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="d", UploadId=uid, PartNumber=1, Body=b"abc", ChecksumAlgorithm="SHA256")
    parts = {"Parts": [{"ETag": part["ETag"], "PartNumber": 1, "ChecksumSHA256": part["ChecksumSHA256"]}]}
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="d", UploadId=uid, MultipartUpload=parts) == (
        {"Code": "InvalidPart", "Message": "One or more of the specified parts could not be found.  The part may not "
         "have been uploaded, or the specified entity tag may not match the part's entity tag.",
         "UploadId": uid, "PartNumber": "1", "ETag": part["ETag"].strip('"')}, 400)
    bare = {"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]}
    if has_checksum_type(s3):
        for mode in ("FULL_OBJECT", "COMPOSITE"):
            assert error(s3.complete_multipart_upload, Bucket=bucket, Key="d", UploadId=uid, MultipartUpload=bare,
                         ChecksumType=mode) == (
                {"Code": "InvalidRequest", "Message": "The upload was created using the null checksum mode. The "
                 "complete request must use the same checksum mode."}, 400)
    s3.complete_multipart_upload(Bucket=bucket, Key="d", UploadId=uid, MultipartUpload=bare)


# ==== lifecycle ====

def test_lifecycle_empty_filter_then_put(s3, bucket):
    """A rule with Filter {} (no Prefix) applies to every key; writing after it works."""
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={
        "Rules": [{"ID": "all", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]})
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert 'rule-id="all"' in r["Expiration"]


def test_transition_default_minimum_object_size(gureum, bucket):
    """test_s3_transition_default_minimum_object_size: the Put's header (sent raw, as
    boto3 1.26 lacks the member) is answered and kept; all_storage_classes_128K
    when none is named; another value is refused."""
    c = gureum.client("s3")
    sent = {}

    def add(params, **_):
        if sent.get("v"):
            params["headers"]["x-amz-transition-default-minimum-object-size"] = sent["v"]
    c.meta.events.register("before-call.s3.PutBucketLifecycleConfiguration", add)
    lfc = {"Rules": [{"Expiration": {"Days": 7}, "ID": "wholebucket", "Filter": {"Prefix": ""}, "Status": "Enabled"}]}
    header = "x-amz-transition-default-minimum-object-size"

    def put(v):
        sent["v"] = v
        return c.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=lfc)
    assert put("varies_by_storage_class")["ResponseMetadata"]["HTTPHeaders"][header] == "varies_by_storage_class"
    got = c.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["ResponseMetadata"]["HTTPHeaders"][header] == "varies_by_storage_class"
    assert got["Rules"] == lfc["Rules"]
    assert put(None)["ResponseMetadata"]["HTTPHeaders"][header] == "all_storage_classes_128K"
    got = c.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["ResponseMetadata"]["HTTPHeaders"][header] == "all_storage_classes_128K"
    with pytest.raises(ClientError) as e:
        put("value")
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    assert e.value.response["Error"]["Message"] == "Invalid TransitionDefaultMinimumObjectSize found: value"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ==== listings show checksums (test_s3_list_operations.py's list-objects, list-object-versions) ====

def test_listings_show_checksums(s3, bucket):
    s3.put_object(Bucket=bucket, Key="with", Body=b"hello world", ChecksumAlgorithm="CRC32")
    for listed in (s3.list_objects(Bucket=bucket)["Contents"], s3.list_objects_v2(Bucket=bucket)["Contents"],
                   s3.list_object_versions(Bucket=bucket)["Versions"]):
        assert listed[0]["ChecksumAlgorithm"] == ["CRC32"]
        if "ChecksumType" in s3.meta.service_model.shape_for("Object").members:
            assert listed[0]["ChecksumType"] == "FULL_OBJECT"


# ==== CreateBucket with tags (test_s3_api.py's test_create_bucket_with_tags*) ====

def test_create_bucket_with_tags(gureum, s3):
    c = gureum.client("s3", config=botocore.config.Config(parameter_validation=False))

    def add_tags(tags):
        """Sends CreateBucketConfiguration Tags raw where boto3 lacks the member."""
        body = "".join("<Tag><Key>%s</Key><Value>%s</Value></Tag>" % kv for kv in tags)
        xml = ('<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Tags>%s</Tags>'
               '</CreateBucketConfiguration>' % body)

        def put(params, **_):
            params["body"] = xml.encode()
        c.meta.events.register("before-call.s3.CreateBucket", put)
        return lambda: c.meta.events.unregister("before-call.s3.CreateBucket", put)

    b = name("t")
    undo = add_tags([("tag1", "value1")])
    try:
        r = c.create_bucket(Bucket=b)
        assert r["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-arn"] == "arn:aws:s3:::" + b
        assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "tag1", "Value": "value1"}]
        # us-east-1's legacy 200 for a second CreateBucket does not apply with tags
        assert error(c.create_bucket, Bucket=b) == (
            {"Code": "BucketAlreadyOwnedByYou", "Message": "Your previous request to create the named bucket "
             "succeeded and you already own it.", "BucketName": b}, 409)
    finally:
        undo()
    assert s3.create_bucket(Bucket=b)["ResponseMetadata"]["HTTPStatusCode"] == 200
    remove_bucket(s3, b)
    for tags, want in [
        ([("aws:prefixed", "v")], ({"Code": "InvalidTag", "Message": 'User-defined tag keys can\'t start with "aws:". '
                                    'This prefix is reserved for system tags. Remove "aws:" from your tag keys and '
                                    'try again.'}, 400)),
        ([("test", "value1,value2")], ({"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid",
                                        "TagKey": "test", "TagValue": "value1,value2"}, 400)),
        ([("test,test2", "v")], ({"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid",
                                  "TagKey": "test,test2"}, 400)),
        # AWS answers a key given twice with a 500
        ([("a", "1"), ("a", "2")], ({"Code": "InternalError",
                                     "Message": "We encountered an internal error. Please try again."}, 500)),
    ]:
        undo = add_tags(tags)
        try:
            assert error(c.create_bucket, Bucket=name("x")) == want
        finally:
            undo()


# ==== conditional completion (test_s3_api.py's test_multipart_if_match_with_put*) ====

def test_complete_if_match_after_a_write_during_the_upload(gureum, s3, bucket):
    c = gureum.client("s3")
    cond = {}

    def add(params, **_):
        params["headers"].update(cond)
    c.meta.events.register("before-call.s3.CompleteMultipartUpload", add)
    key = "test-precondition"
    etag1 = s3.put_object(Bucket=bucket, Key=key, Body=b"test")["ETag"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = {"Parts": [{"ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, Body=b"test",
                                               PartNumber=1)["ETag"], "PartNumber": 1}]}
    etag2 = s3.put_object(Bucket=bucket, Key=key, Body=b"test")["ETag"]  # identical content, written during
    cond["If-Match"] = '"0000"'
    assert error(c.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=uid, MultipartUpload=parts) == (
        {"Code": "PreconditionFailed", "Message": "At least one of the pre-conditions you specified did not hold",
         "Condition": "If-Match"}, 412)
    cond["If-Match"] = etag2
    assert error(c.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=uid, MultipartUpload=parts) == (
        {"Code": "ConditionalRequestConflict", "Message": "The conditional request cannot succeed due to a "
         "conflicting operation against this resource.", "Condition": "If-Match", "Key": key}, 409)
    # an upload begun after the write completes under the same condition
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = {"Parts": [{"ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, Body=b"test",
                                               PartNumber=1)["ETag"], "PartNumber": 1}]}
    assert etag1 == etag2
    c.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload=parts)


# ==== timestamps in documents ====

def raw_body(client, call, **kw):
    """The response document a client call received, as text."""
    seen = []
    client.meta.events.register("after-call.*.*", lambda http_response, **_: seen.append(http_response.text))
    getattr(client, call)(**kw)
    return seen[-1]


def test_times_with_milliseconds(gureum, s3, bucket):
    # AWS: S3's documents write times with milliseconds, ".000Z" for S3's
    # whole seconds (<LastModified>2009-10-12T17:50:30.000Z</LastModified>);
    # a query service such as IAM writes them without (<CreateDate>2012-05-08T23:34:01Z).
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.create_multipart_upload(Bucket=bucket, Key="m")
    for call, kw, tag in (("list_objects_v2", {"Bucket": bucket}, "LastModified"),
                          ("list_objects", {"Bucket": bucket}, "LastModified"),
                          ("list_object_versions", {"Bucket": bucket}, "LastModified"),
                          ("list_buckets", {}, "CreationDate"),
                          ("list_multipart_uploads", {"Bucket": bucket}, "Initiated")):
        t = xml_member(raw_body(s3, call, **kw), tag)
        assert len(t) == 24 and t.endswith(".000Z"), (call, t)
    copied = xml_member(raw_body(s3, "copy_object", Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k"}),
                        "LastModified")
    assert copied.endswith(".000Z")
    iam = gureum.client("iam")
    user = name("u")
    created = xml_member(raw_body(iam, "create_user", UserName=user), "CreateDate")
    iam.delete_user(UserName=user)
    assert len(created) == 20 and created.endswith("Z"), created


# ==== user metadata and RFC 2047 (test_s3.py::TestS3::test_user_metadata_rfc2047_encoded) ====

def test_user_metadata_rfc2047(s3, bucket):
    # AWS: encoded words in a metadata header are decoded before storing;
    # a value with anything but printable ASCII is answered RFC 2047-encoded
    # (Q for printable characters, B with control characters or U+FFFD)
    import email.header
    import string

    def enc(text):
        return email.header.Header(text, "utf-8").encode()

    s3.put_object(Bucket=bucket, Key="m", Metadata={
        "non-ascii": enc("test_\u2014_file%E2%80%94_\u00e9_2?.pdf"),
        "non-ascii-2": enc("\u00c4M\u00c4Z\u00d5\u00d1 S3"),
        "non-ascii-binary": enc("\x00\x01\x02\x03"),
        "replacement-chars": enc("\ufffd" * 7),
        "fake-encoded": "=?UTF-8?Q?actually-ascii?=",
        "asciib64-encoded": "=?UTF-8?B?YWJj?=",
        "safe-chars": string.punctuation + " \t"})
    want = {"asciib64-encoded": "abc",
            "fake-encoded": "actually-ascii",
            "non-ascii": "=?UTF-8?Q?test=5F=E2=80=94=5Ffile%E2%80%94=5F=C3=A9=5F2=3F.pdf?=",
            "non-ascii-2": "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=",
            "non-ascii-binary": "=?UTF-8?B?AAECAw==?=",
            "replacement-chars": "=?UTF-8?B?77+977+977+977+977+977+977+9?=",
            "safe-chars": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}
    assert s3.get_object(Bucket=bucket, Key="m")["Metadata"] == want
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == want
    s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "m"})
    assert s3.head_object(Bucket=bucket, Key="c")["Metadata"] == want

    # raw UTF-8 in the header (botocore sends it so) comes back encoded
    def raw_meta(params, **_):
        params["headers"]["x-amz-meta-raw"] = "Hello World\u00e9"

    s3.meta.events.register("before-call.s3.PutObject", raw_meta)
    try:
        s3.put_object(Bucket=bucket, Key="r", Body=b"x")
    finally:
        s3.meta.events.unregister("before-call.s3.PutObject", raw_meta)
    assert s3.head_object(Bucket=bucket, Key="r")["Metadata"] == {"raw": "=?UTF-8?Q?Hello_World=C3=A9?="}
