"""test_lambda_url.py — Lambda function URLs: their configuration
(Create/Get/Update/Delete/ListFunctionUrlConfigs) with AWS's recorded answers
and errors, and HTTP requests to the URL itself (Host
URLID.lambda-url.REGION.localhost, sent to 127.0.0.1): the payload format 2.0
event the function sees, the mapping of its result to the response, CORS, and
the AuthType NONE (resource policy) and AWS_IAM (SigV4) authorization.
Boto3 against a real server.
"""
import base64
import http.client
import io
import json
import urllib.parse
import zipfile

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

from conftest import lambda_role

REGION = "us-east-1"

HANDLER = r'''
import base64, json
def handler(event, ctx):
    mode = (event.get("queryStringParameters") or {}).get("mode", "echo")
    if mode == "echo":
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
    if mode == "dict":
        return {"hello": "world"}
    if mode == "string":
        return "hello"
    if mode == "list":
        return ["hello", 3, True]
    if mode == "response":
        return {"statusCode": 201, "headers": {"X-Custom": "v", "Content-Type": "text/plain"},
                "cookies": ["a=1", "b=2; Path=/"], "body": "created"}
    if mode == "b64":
        return {"statusCode": "200", "isBase64Encoded": True, "body": base64.b64encode(b"\x00\x01bin").decode()}
    raise ValueError("boom")
'''


def zip_of(text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(gureum):
    return gureum.client("lambda", region_name=REGION)


@pytest.fixture(scope="module")
def role(gureum):
    return lambda_role(gureum.client("iam"), "url-role")


def make_fn(lam, role, name):
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                               Code={"ZipFile": zip_of(HANDLER)})["FunctionArn"]


def error_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    err = e.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def has_invoke_mode(lam):
    """boto3 1.26 (Debian) predates InvokeMode; its client neither sends nor reads it."""
    shape = lam.meta.service_model.operation_model("CreateFunctionUrlConfig").input_shape
    return "InvokeMode" in shape.members


def host_of(url):
    return urllib.parse.urlsplit(url).netloc


def call(gureum, url, method="GET", path="/", body=None, headers=None):
    """Sends a request for function URL `url` to 127.0.0.1 with its Host; (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    hdrs = {"Host": host_of(url)}
    hdrs.update(headers or {})
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    out = resp.status, resp.getheaders(), resp.read()
    conn.close()
    return out


def header(headers, name):
    vals = [v for k, v in headers if k.lower() == name.lower()]
    return vals[0] if vals else None


def has_via_url(lam):
    """boto3 1.26 (Debian) predates AddPermission's InvokedViaFunctionUrl."""
    return "InvokedViaFunctionUrl" in lam.meta.service_model.operation_model("AddPermission").input_shape.members


def allow_public(lam, name, **kw):
    """AWS (since October 2025): a public URL needs both grants. Returns the first statement."""
    url_st = json.loads(lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                                           Principal="*", FunctionUrlAuthType="NONE", **kw)["Statement"])
    via = {"InvokedViaFunctionUrl": True} if has_via_url(lam) else {}
    lam.add_permission(FunctionName=name, StatementId="url-invoke", Action="lambda:InvokeFunction", Principal="*",
                       **via, **kw)
    return url_st


def ensure_public(lam, name):
    """allow_public, unless an earlier test of the module did it."""
    try:
        if '"Sid":"url"' in lam.get_policy(FunctionName=name)["Policy"].replace(" ", ""):
            return
    except botocore.exceptions.ClientError:
        pass
    allow_public(lam, name)


# ==== Configuration ====

def test_config_lifecycle(gureum, lam, role):
    arn = make_fn(lam, role, "url-life")
    made = lam.create_function_url_config(FunctionName="url-life", AuthType="NONE")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert made["FunctionArn"] == arn and made["AuthType"] == "NONE"
    # AWS: Create answers no LastModifiedTime, and InvokeMode only when given
    assert "LastModifiedTime" not in made and "InvokeMode" not in made and "Cors" not in made
    url = made["FunctionUrl"]
    host = host_of(url)
    url_id = host.split(".")[0]
    assert url == "http://%s/" % host
    assert host == "%s.lambda-url.%s.localhost:%d" % (url_id, REGION, gureum.port)
    assert len(url_id) == 32 and url_id.isalnum() and url_id == url_id.lower()

    assert error_of(lam.create_function_url_config, FunctionName="url-life", AuthType="NONE") == (
        409, "ResourceConflictException",
        "Failed to create function url config for [functionArn = %s]. Error message:  "
        "FunctionUrlConfig exists for this Lambda function" % arn)

    got = lam.get_function_url_config(FunctionName=arn)
    assert got["FunctionUrl"] == url and got["CreationTime"] == made["CreationTime"]
    assert "LastModifiedTime" in got
    if has_invoke_mode(lam):
        assert got["InvokeMode"] == "BUFFERED"

    cors = {"AllowCredentials": True, "AllowHeaders": ["date", "keep-alive"], "AllowMethods": ["*"],
            "AllowOrigins": ["*"], "ExposeHeaders": ["date", "keep-alive"], "MaxAge": 86400}
    upd = lam.update_function_url_config(FunctionName="url-life", AuthType="AWS_IAM", Cors=cors)
    assert upd["AuthType"] == "AWS_IAM" and upd["Cors"] == cors and upd["FunctionUrl"] == url
    if has_invoke_mode(lam):
        assert "InvokeMode" not in upd  # AWS: never set, so not answered by Update
    # a Cors given replaces the old one whole; what is not given stays
    upd = lam.update_function_url_config(FunctionName="url-life", Cors={"AllowCredentials": False})
    assert upd["Cors"] == {"AllowCredentials": False} and upd["AuthType"] == "AWS_IAM"

    listed = lam.list_function_url_configs(FunctionName="url-life")["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [url]

    assert lam.delete_function_url_config(FunctionName="url-life")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lam.get_function_url_config, FunctionName="url-life") == (
        404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert lam.list_function_url_configs(FunctionName="url-life")["FunctionUrlConfigs"] == []


def test_invoke_mode(lam, role):
    if not has_invoke_mode(lam):
        pytest.skip("this botocore has no InvokeMode")
    make_fn(lam, role, "url-mode")
    made = lam.create_function_url_config(FunctionName="url-mode", AuthType="NONE", InvokeMode="BUFFERED")
    assert made["InvokeMode"] == "BUFFERED"
    assert lam.update_function_url_config(FunctionName="url-mode", InvokeMode="RESPONSE_STREAM")["InvokeMode"] == \
        "RESPONSE_STREAM"
    # AWS: an Update without InvokeMode keeps it and answers it
    assert lam.update_function_url_config(FunctionName="url-mode")["InvokeMode"] == "RESPONSE_STREAM"
    assert lam.get_function_url_config(FunctionName="url-mode")["InvokeMode"] == "RESPONSE_STREAM"


def test_response_stream_answers_the_raw_result(gureum, lam, role):
    """RESPONSE_STREAM: a handler that does not stream has its result sent as it is, not
    interpreted (AWS: LocalStack's recorded test_lambda_url_echo_invoke[RESPONSE_STREAM] reads the
    event from the answer's "body" member); gureum sends it at once."""
    if not has_invoke_mode(lam):
        pytest.skip("this botocore has no InvokeMode")
    make_fn(lam, role, "url-stream")
    url = lam.create_function_url_config(FunctionName="url-stream", AuthType="NONE",
                                         InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
    allow_public(lam, "url-stream")
    status, _, body = call(gureum, url, path="/?mode=response")
    assert status == 200
    assert json.loads(body) == {"statusCode": 201, "headers": {"X-Custom": "v", "Content-Type": "text/plain"},
                                "cookies": ["a=1", "b=2; Path=/"], "body": "created"}


def test_config_errors(lam, role):
    """AWS's answers, as LocalStack's recorded test_url_config_exceptions has them."""
    arn = make_fn(lam, role, "url-err")
    lam.publish_version(FunctionName="url-err")
    lam.create_alias(FunctionName="url-err", Name="live", FunctionVersion="1")
    missing = arn.replace("url-err", "nope")
    for name in ("nope", missing):
        assert error_of(lam.create_function_url_config, FunctionName=name, AuthType="NONE") == (
            404, "ResourceNotFoundException", "Function does not exist")
        assert error_of(lam.get_function_url_config, FunctionName=name) == (
            404, "ResourceNotFoundException", "The resource you requested does not exist.")
        assert error_of(lam.delete_function_url_config, FunctionName=name) == (
            404, "ResourceNotFoundException", "The resource you requested does not exist.")
        assert error_of(lam.update_function_url_config, FunctionName=name, AuthType="NONE") == (
            404, "ResourceNotFoundException", "Function does not exist")
    assert error_of(lam.list_function_url_configs, FunctionName="nope") == (
        404, "ResourceNotFoundException", "Function does not exist")
    # a version or $LATEST is no URL's qualifier
    for q in ("1", "2", "$LATEST"):
        assert error_of(lam.create_function_url_config, FunctionName="url-err", Qualifier=q, AuthType="NONE") == (
            400, "ValidationException",
            "1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)" % q)
        assert error_of(lam.get_function_url_config, FunctionName="url-err", Qualifier=q)[1] == "ValidationException"
    assert error_of(lam.create_function_url_config, FunctionName="url-err", Qualifier="v1", AuthType="NONE") == (
        404, "ResourceNotFoundException", "Function does not exist")
    assert error_of(lam.get_function_url_config, FunctionName="url-err", Qualifier="v1") == (
        404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert error_of(lam.create_function_url_config, FunctionName="url-err:live-x", Qualifier="live",
                    AuthType="NONE") == (
        400, "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")
    other = arn.replace(":%s:" % REGION, ":eu-west-1:")
    assert error_of(lam.get_function_url_config, FunctionName=other) == (
        404, "ResourceNotFoundException",
        "Functions from 'eu-west-1' are not reachable in this region ('%s')" % REGION)


def test_alias_urls(gureum, lam, role):
    arn = make_fn(lam, role, "url-alias")
    lam.publish_version(FunctionName="url-alias")
    lam.create_alias(FunctionName="url-alias", Name="live", FunctionVersion="1")
    plain = lam.create_function_url_config(FunctionName="url-alias", AuthType="NONE")
    aliased = lam.create_function_url_config(FunctionName="url-alias:live", Qualifier="live", AuthType="NONE")
    assert aliased["FunctionArn"] == arn + ":live" and aliased["FunctionUrl"] != plain["FunctionUrl"]
    listed = lam.list_function_url_configs(FunctionName="url-alias")
    assert sorted(c["FunctionArn"] for c in listed["FunctionUrlConfigs"]) == [arn, arn + ":live"]
    page = lam.list_function_url_configs(FunctionName="url-alias", MaxItems=1)
    rest = lam.list_function_url_configs(FunctionName="url-alias", MaxItems=1, Marker=page["NextMarker"])
    assert len(page["FunctionUrlConfigs"]) == len(rest["FunctionUrlConfigs"]) == 1 and "NextMarker" not in rest
    assert page["FunctionUrlConfigs"][0]["FunctionUrl"] != rest["FunctionUrlConfigs"][0]["FunctionUrl"]

    # AWS: deleting without a Qualifier leaves the alias's URL
    lam.delete_function_url_config(FunctionName="url-alias")
    assert lam.get_function_url_config(FunctionName="url-alias", Qualifier="live")["FunctionArn"] == arn + ":live"

    # the alias's URL runs the alias, under the alias's own policy
    url = aliased["FunctionUrl"]
    assert call(gureum, url)[0] == 403
    allow_public(lam, "url-alias", Qualifier="live")
    status, _, body = call(gureum, url, path="/?mode=string")
    assert (status, body) == (200, b"hello")
    # deleting the alias ends its URL (AWS: then 403)
    lam.delete_alias(FunctionName="url-alias", Name="live")
    assert call(gureum, url)[0] == 403
    assert error_of(lam.get_function_url_config, FunctionName="url-alias", Qualifier="live")[1] == \
        "ResourceNotFoundException"


# ==== Requests to the URL ====

@pytest.fixture(scope="module")
def public_url(lam, role):
    make_fn(lam, role, "url-pub")
    url = lam.create_function_url_config(
        FunctionName="url-pub", AuthType="NONE",
        Cors={"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-a"],
              "ExposeHeaders": ["x-custom"], "MaxAge": 60, "AllowCredentials": True})["FunctionUrl"]
    return url


def test_none_needs_the_public_permission(gureum, lam, public_url):
    forbidden = {"Message": "Forbidden. For troubleshooting Function URL authorization issues, see: "
                            "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}
    status, headers, body = call(gureum, public_url)
    assert status == 403 and json.loads(body) == forbidden
    assert header(headers, "x-amzn-ErrorType") == "AccessDeniedException"
    # a permission for lambda:InvokeFunction, or for an AWS_IAM URL, is not it
    lam.add_permission(FunctionName="url-pub", StatementId="other", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="AWS_IAM")
    assert call(gureum, public_url)[0] == 403
    # AWS: the statement as LocalStack's recorded test_lambda_url_invocation has it; alone it is
    # not enough since October 2025: lambda:InvokeFunction must be granted too
    arn = lam.get_function(FunctionName="url-pub")["Configuration"]["FunctionArn"]
    st = json.loads(lam.add_permission(FunctionName="url-pub", StatementId="url", Action="lambda:InvokeFunctionUrl",
                                       Principal="*", FunctionUrlAuthType="NONE")["Statement"])
    assert st == {
        "Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl", "Resource": arn,
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}
    assert call(gureum, public_url, path="/?mode=string")[0] == 403
    if has_via_url(lam):
        st = json.loads(lam.add_permission(FunctionName="url-pub", StatementId="url-invoke",
                                           Action="lambda:InvokeFunction", Principal="*",
                                           InvokedViaFunctionUrl=True)["Statement"])
        assert st["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
        # the grant is for calls through the URL only: a service may not invoke by it
        logs = gureum.client("logs", region_name=REGION)
        logs.create_log_group(logGroupName="url-group")
        with pytest.raises(botocore.exceptions.ClientError):
            logs.put_subscription_filter(logGroupName="url-group", filterName="f", filterPattern="",
                                         destinationArn=arn)
    else:
        lam.add_permission(FunctionName="url-pub", StatementId="url-invoke", Action="lambda:InvokeFunction",
                           Principal="*")
    assert call(gureum, public_url, path="/?mode=string")[0] == 200


def test_unknown_url(gureum):
    status, headers, body = call(gureum, "http://0123456789abcdefghijklmnopqrstuv.lambda-url.%s.localhost:%d/"
                                 % (REGION, gureum.port))
    assert (status, body) == (403, b'{"Message":null}')
    assert header(headers, "x-amzn-ErrorType") == "AccessDeniedException"
    assert header(headers, "Content-Type") == "application/json"


def test_event(gureum, lam, public_url):
    ensure_public(lam, "url-pub")
    status, headers, body = call(
        gureum, public_url, method="POST", path="/a/b%2Fc?mode=echo&x=1&x=%2F2&e=",
        body=b'{"k": "v"}', headers={"Content-Type": "application/json", "User-Agent": "t/1", "X-Two": "a",
                                     "Cookie": "c1=1; c2=2", "X-Mixed-CASE": "V"})
    assert status == 200
    rid = header(headers, "x-amzn-RequestId")
    ev = json.loads(body)
    host = host_of(public_url)
    assert ev["version"] == "2.0" and ev["routeKey"] == "$default"
    assert ev["rawPath"] == "/a/b%2Fc" and ev["rawQueryString"] == "mode=echo&x=1&x=%2F2&e="
    assert ev["queryStringParameters"] == {"mode": "echo", "x": "1,/2", "e": ""}
    assert ev["cookies"] == ["c1=1", "c2=2"]
    h = ev["headers"]
    assert "cookie" not in h and h["x-mixed-case"] == "V" and h["x-two"] == "a" and h["user-agent"] == "t/1"
    assert h["host"] == host and h["content-type"] == "application/json"
    assert h["x-forwarded-for"] == "127.0.0.1" and h["x-forwarded-proto"] == "http"
    assert ev["body"] == '{"k": "v"}' and ev["isBase64Encoded"] is False
    rc = ev["requestContext"]
    url_id = host.split(".")[0]
    assert rc["accountId"] == "anonymous" and rc["apiId"] == url_id and rc["domainPrefix"] == url_id
    assert rc["domainName"] == host.split(":")[0]
    assert rc["http"] == {"method": "POST", "path": "/a/b%2Fc", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                          "userAgent": "t/1"}
    assert rc["requestId"] == rid and rc["routeKey"] == "$default" and rc["stage"] == "$default"
    assert isinstance(rc["timeEpoch"], int) and rc["time"].endswith(" +0000")

    # no body: no member; a binary body (or none declared as text): base64
    ev = json.loads(call(gureum, public_url, path="/?mode=echo")[2])
    assert "body" not in ev and ev["isBase64Encoded"] is False and "cookies" not in ev
    ev = json.loads(call(gureum, public_url, method="PUT", path="/?mode=echo", body=b"\xff\x00",
                         headers={"Content-Type": "application/octet-stream"})[2])
    assert ev["isBase64Encoded"] is True and base64.b64decode(ev["body"]) == b"\xff\x00"
    ev = json.loads(call(gureum, public_url, method="POST", path="/?mode=echo", body=b"text",
                         headers={"Content-Type": "text/plain"})[2])
    assert ev["body"] == "text" and ev["isBase64Encoded"] is False
    # no query: no queryStringParameters (the handler then echoes by default)
    assert "queryStringParameters" not in json.loads(call(gureum, public_url)[2])


@pytest.mark.parametrize("mode,status,ctype,body", [
    ("dict", 200, "application/json", b'{"hello":"world"}'),  # AWS: written again, compactly
    ("string", 200, "application/json", b"hello"),
    ("list", 200, "application/json", b'["hello",3,true]'),
    ("response", 201, "text/plain", b"created"),
    ("b64", 200, "application/json", b"\x00\x01bin"),
    ("error", 502, None, b"Internal Server Error"),
])
def test_response_mapping(gureum, lam, public_url, mode, status, ctype, body):
    """AWS: LocalStack's recorded test_lambda_url_invocation and test_lambda_url_invocation_exception."""
    ensure_public(lam, "url-pub")
    got_status, headers, got = call(gureum, public_url, path="/?mode=" + mode)
    assert (got_status, got) == (status, body)
    if ctype:
        assert header(headers, "Content-Type") == ctype
    assert header(headers, "Content-Length") == str(len(body))
    if mode == "response":
        assert header(headers, "X-Custom") == "v"
        assert [v for k, v in headers if k.lower() == "set-cookie"] == ["a=1", "b=2; Path=/"]


def test_cors(gureum, lam, public_url):
    ensure_public(lam, "url-pub")
    # preflight: answered by Lambda itself, without the function
    status, headers, body = call(gureum, public_url, method="OPTIONS", path="/x",
                                 headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "x-a"})
    assert status == 200 and body == b""
    assert header(headers, "Access-Control-Allow-Origin") == "https://example.com"
    assert header(headers, "Access-Control-Allow-Methods") == "GET,POST"
    assert header(headers, "Access-Control-Allow-Headers") == "x-a"
    assert header(headers, "Access-Control-Max-Age") == "60"
    assert header(headers, "Access-Control-Allow-Credentials") == "true"
    # an origin not allowed gets no CORS headers
    status, headers, _ = call(gureum, public_url, method="OPTIONS",
                              headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 200 and header(headers, "Access-Control-Allow-Origin") is None
    # an actual request from an allowed origin
    status, headers, _ = call(gureum, public_url, path="/?mode=response", headers={"Origin": "https://example.com"})
    assert status == 201
    assert header(headers, "Access-Control-Allow-Origin") == "https://example.com"
    assert header(headers, "Access-Control-Expose-Headers") == "x-custom"
    status, headers, _ = call(gureum, public_url, path="/?mode=string")
    assert header(headers, "Access-Control-Allow-Origin") is None


def signed(url, method, path, creds, body=b""):
    """SigV4 headers (service lambda) for a request to function URL `url`."""
    req = botocore.awsrequest.AWSRequest(method=method, url=url.rstrip("/") + path, data=body)
    botocore.auth.SigV4Auth(creds, "lambda", REGION).add_auth(req)
    return dict(req.headers.items())


def test_aws_iam(gureum, lam, role):
    make_fn(lam, role, "url-iam")
    url = lam.create_function_url_config(FunctionName="url-iam", AuthType="AWS_IAM")["FunctionUrl"]
    # unsigned: refused; the public grant does not help an AWS_IAM URL
    lam.add_permission(FunctionName="url-iam", StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    status, headers, body = call(gureum, url, path="/?mode=string")
    assert status == 403 and header(headers, "x-amzn-ErrorType") == "AccessDeniedException"
    assert json.loads(body)["Message"].startswith("Forbidden.")
    # signed by the account's root: allowed; the event names the caller
    root = botocore.credentials.Credentials("test", "test")
    status, _, body = call(gureum, url, path="/?mode=echo", headers=signed(url, "GET", "/?mode=echo", root))
    assert status == 200
    ev = json.loads(body)
    iam_ctx = ev["requestContext"]["authorizer"]["iam"]
    assert iam_ctx["accessKey"] == "test" and iam_ctx["accountId"] == ev["requestContext"]["accountId"]
    assert iam_ctx["userArn"].endswith(":root")
    # a bad signature
    bad = botocore.credentials.Credentials("test", "wrong")
    status, headers, body = call(gureum, url, path="/?mode=string", headers=signed(url, "GET", "/?mode=string", bad))
    assert status == 403 and header(headers, "x-amzn-ErrorType") == "InvalidSignatureException"
    assert "signature" in json.loads(body)["Message"]
    # a user without permission, then with lambda:InvokeFunctionUrl
    iam = gureum.client("iam")
    iam.create_user(UserName="url-caller")
    key = iam.create_access_key(UserName="url-caller")["AccessKey"]
    user = botocore.credentials.Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    status, _, body = call(gureum, url, path="/?mode=string", headers=signed(url, "GET", "/?mode=string", user))
    assert status == 403
    iam.put_user_policy(UserName="url-caller", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": "*"}]}))
    # AWS (since October 2025): lambda:InvokeFunction through the URL too
    assert call(gureum, url, path="/?mode=string", headers=signed(url, "GET", "/?mode=string", user))[0] == 403
    iam.put_user_policy(UserName="url-caller", PolicyName="p2", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
                       "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}]}))
    status, _, body = call(gureum, url, method="POST", path="/?mode=string", body=b"x",
                           headers=signed(url, "POST", "/?mode=string", user, body=b"x"))
    assert (status, body) == (200, b"hello")
    # or a grant in the function's policy, for the URL's auth type
    arn2 = iam.create_user(UserName="url-caller2")["User"]["Arn"]
    key2 = iam.create_access_key(UserName="url-caller2")["AccessKey"]
    user2 = botocore.credentials.Credentials(key2["AccessKeyId"], key2["SecretAccessKey"])
    assert call(gureum, url, path="/?mode=string", headers=signed(url, "GET", "/?mode=string", user2))[0] == 403
    lam.add_permission(FunctionName="url-iam", StatementId="u2", Action="lambda:InvokeFunctionUrl", Principal=arn2,
                       FunctionUrlAuthType="AWS_IAM")
    assert call(gureum, url, path="/?mode=string", headers=signed(url, "GET", "/?mode=string", user2))[0] == 403
    lam.add_permission(FunctionName="url-iam", StatementId="u2-invoke", Action="lambda:InvokeFunction",
                       Principal=arn2)
    status, _, body = call(gureum, url, path="/?mode=string", headers=signed(url, "GET", "/?mode=string", user2))
    assert (status, body) == (200, b"hello")


def test_delete_function_deletes_its_urls(gureum, lam, role):
    make_fn(lam, role, "url-gone")
    url = lam.create_function_url_config(FunctionName="url-gone", AuthType="NONE")["FunctionUrl"]
    allow_public(lam, "url-gone")
    assert call(gureum, url, path="/?mode=string")[0] == 200
    lam.delete_function(FunctionName="url-gone")
    make_fn(lam, role, "url-gone")
    assert lam.list_function_url_configs(FunctionName="url-gone")["FunctionUrlConfigs"] == []
    assert call(gureum, url)[2] == b'{"Message":null}'
