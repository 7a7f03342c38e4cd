"""test_lambda_stream.py — Lambda response streaming: InvokeWithResponseStream's event
stream (PayloadChunk events as a Node.js handler wrapped in awslambda.streamifyResponse
writes, one chunk for a function that does not stream, then InvokeComplete with the
error and the log's tail) and RESPONSE_STREAM function URLs answered as the function
writes (awslambda.HttpResponseStream.from's prelude giving status and headers).
Boto3 1.43 against a real server; boto3 1.26 predates InvokeWithResponseStream, so the
operation's tests skip under it (the function URL tests run with both).
"""
import base64
import http.client
import io
import json
import time
import urllib.parse
import zipfile

import botocore.exceptions
import pytest

from conftest import lambda_role

REGION = "us-east-1"

# Writes "one,", waits, "two,", waits, "three" (or fails after the first piece).
STREAMING = r'''
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType('text/plain');
  responseStream.write('one,');
  await sleep(400);
  if (event.fail) throw new Error('broke mid-stream');
  responseStream.write('two,');
  await sleep(400);
  responseStream.write('three');
  responseStream.end();
});
exports.http = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: {'Content-Type': 'text/html', 'X-Streamed': 'yes'}, cookies: ['a=1'],
  });
  responseStream.write('Hello,');
  await sleep(400);
  responseStream.write(' world!');
  responseStream.end();
});
exports.plain = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('raw ');
  await sleep(300);
  responseStream.end('bytes');
});
exports.early = awslambda.streamifyResponse(async () => {
  throw new TypeError('before any byte');
});
exports.unended = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write({ as: 'json' });
});
'''

BUFFERED = r'''
def handler(event, ctx):
    print("buffered log line")
    if event.get("fail"):
        raise ValueError("boom")
    return {"got": event}
'''


def zip_of(name, text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(gureum):
    return gureum.client("lambda", region_name=REGION)


@pytest.fixture(scope="module")
def role(gureum):
    return lambda_role(gureum.client("iam"), "stream-role")


@pytest.fixture(scope="module")
def fns(lam, role):
    lam.create_function(FunctionName="streamer", Runtime="nodejs20.x", Role=role, Handler="index.handler",
                        Code={"ZipFile": zip_of("index.js", STREAMING)}, Timeout=10)
    lam.create_function(FunctionName="buffered", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of("app.py", BUFFERED)})
    return lam


def needs_stream_op(lam):
    if not hasattr(lam, "invoke_with_response_stream"):
        pytest.skip("this botocore predates InvokeWithResponseStream")


def events_of(resp):
    """[(seconds since the first event, event)] of the response's stream."""
    out, t0 = [], None
    for ev in resp["EventStream"]:
        now = time.monotonic()
        t0 = now if t0 is None else t0
        out.append((now - t0, ev))
    return out


def test_streaming_handler_is_streamed(fns):
    lam = fns
    needs_stream_op(lam)
    resp = lam.invoke_with_response_stream(FunctionName="streamer", Payload=b"{}")
    assert resp["StatusCode"] == 200
    assert resp["ExecutedVersion"] == "$LATEST"
    assert resp["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    evs = events_of(resp)
    chunks = [(t, e["PayloadChunk"]["Payload"]) for t, e in evs if "PayloadChunk" in e]
    assert b"".join(c for _, c in chunks) == b"one,two,three"
    # each piece left as the function wrote it, not at its end
    assert len(chunks) == 3
    assert chunks[-1][0] - chunks[0][0] > 0.6
    assert list(evs[-1][1]) == ["InvokeComplete"]
    assert "ErrorCode" not in evs[-1][1]["InvokeComplete"]


def test_buffered_function_is_one_chunk(fns):
    lam = fns
    needs_stream_op(lam)
    resp = lam.invoke_with_response_stream(FunctionName="buffered", Payload=b'{"k": 1}', LogType="Tail")
    evs = [e for _, e in events_of(resp)]
    assert [list(e) for e in evs] == [["PayloadChunk"], ["InvokeComplete"]]
    assert json.loads(evs[0]["PayloadChunk"]["Payload"]) == {"got": {"k": 1}}
    done = evs[1]["InvokeComplete"]
    assert "ErrorCode" not in done
    log = base64.b64decode(done["LogResult"]).decode()
    assert "buffered log line" in log and "REPORT RequestId:" in log


def test_function_errors(fns):
    lam = fns
    needs_stream_op(lam)
    evs = [e for _, e in events_of(lam.invoke_with_response_stream(FunctionName="buffered",
                                                                   Payload=b'{"fail": true}'))]
    assert [list(e) for e in evs] == [["InvokeComplete"]]
    assert evs[0]["InvokeComplete"]["ErrorCode"] == "ValueError"
    assert evs[0]["InvokeComplete"]["ErrorDetails"] == "boom"
    # after the first byte, the error comes at the end of the stream
    evs = [e for _, e in events_of(lam.invoke_with_response_stream(FunctionName="streamer",
                                                                   Payload=b'{"fail": true}'))]
    assert evs[0]["PayloadChunk"]["Payload"] == b"one,"
    assert evs[-1]["InvokeComplete"]["ErrorCode"] == "Error"
    assert evs[-1]["InvokeComplete"]["ErrorDetails"] == "broke mid-stream"


def test_stream_never_ended_times_out(fns, role):
    """AWS's runtime waits for the handler to end its stream, so one that never does runs into
    the timeout; what it wrote (an object: as JSON) has gone out already."""
    lam = fns
    needs_stream_op(lam)
    lam.create_function(FunctionName="unended", Runtime="nodejs20.x", Role=role, Handler="index.unended",
                        Code={"ZipFile": zip_of("index.js", STREAMING)}, Timeout=1)
    evs = [e for _, e in events_of(lam.invoke_with_response_stream(FunctionName="unended", Payload=b"{}"))]
    assert evs[0]["PayloadChunk"]["Payload"] == b'{"as":"json"}'
    assert evs[-1]["InvokeComplete"]["ErrorCode"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in evs[-1]["InvokeComplete"]["ErrorDetails"]


def test_missing_function_and_dry_run(fns):
    lam = fns
    needs_stream_op(lam)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke_with_response_stream(FunctionName="nope", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    resp = lam.invoke_with_response_stream(FunctionName="buffered", InvocationType="DryRun")
    assert resp["StatusCode"] == 204


def test_invoke_buffers_a_streaming_function(fns):
    """AWS: Invoke of a streaming function answers what it wrote, whole."""
    resp = fns.invoke(FunctionName="streamer", Payload=b"{}")
    assert "FunctionError" not in resp
    assert resp["Payload"].read() == b"one,two,three"


# ==== RESPONSE_STREAM function URLs ====

def has_invoke_mode(lam):
    return "InvokeMode" in lam.meta.service_model.operation_model("CreateFunctionUrlConfig").input_shape.members


def stream_url(lam, role, name, handler):
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role, Handler="index." + handler,
                        Code={"ZipFile": zip_of("index.js", STREAMING)}, Timeout=10)
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=name, StatementId="url-invoke", Action="lambda:InvokeFunction", Principal="*")
    return url["FunctionUrl"]


def get_streamed(gureum, url):
    """(status, headers, [(seconds since the head, piece)]) read as the pieces arrive."""
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    conn.request("POST", "/", body=b"{}", headers={"Host": urllib.parse.urlsplit(url).netloc})
    resp = conn.getresponse()
    t0, pieces = time.monotonic(), []
    while True:
        piece = resp.read1(65536)
        if not piece:
            break
        pieces.append((time.monotonic() - t0, piece))
    conn.close()
    return resp.status, resp.getheaders(), pieces


def header(headers, name):
    vals = [v for k, v in headers if k.lower() == name.lower()]
    return vals[0] if vals else None


def test_url_http_integration_response(gureum, lam, role):
    """AWS (LocalStack's recorded test_function_url_with_response_streaming): the prelude
    gives status and headers, what follows is the body, sent as it is written."""
    if not has_invoke_mode(lam):
        pytest.skip("this botocore has no InvokeMode")
    url = stream_url(lam, role, "url-streamer", "http")
    status, headers, pieces = get_streamed(gureum, url)
    assert status == 201
    assert header(headers, "Content-Type") == "text/html"
    assert header(headers, "X-Streamed") == "yes"
    assert header(headers, "Set-Cookie") == "a=1"
    assert header(headers, "Transfer-Encoding") == "chunked"
    assert b"".join(p for _, p in pieces) == b"Hello, world!"
    assert pieces[0][1] == b"Hello,"
    assert pieces[-1][0] > 0.3


def test_url_plain_stream(gureum, lam, role):
    """Without a prelude the body is the bytes written, application/octet-stream."""
    if not has_invoke_mode(lam):
        pytest.skip("this botocore has no InvokeMode")
    url = stream_url(lam, role, "url-plain", "plain")
    status, headers, pieces = get_streamed(gureum, url)
    assert status == 200
    assert header(headers, "Content-Type") == "application/octet-stream"
    assert b"".join(p for _, p in pieces) == b"raw bytes"
    assert pieces[0][1] == b"raw "
    # an error before the first byte is the function's error, as for BUFFERED
    url = stream_url(lam, role, "url-early", "early")
    status, _, pieces = get_streamed(gureum, url)
    assert status == 502
    assert b"".join(p for _, p in pieces) == b"Internal Server Error"


def test_client_leaving_mid_stream(gureum, lam, role, fns):
    """A client that leaves while the function still writes: the rest is dropped, the
    server goes on (and, at the module's end, shuts down clean, with no sanitizer report)."""
    if not has_invoke_mode(lam):
        pytest.skip("this botocore has no InvokeMode")
    url = stream_url(lam, role, "url-leave", "plain")
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    conn.request("POST", "/", body=b"{}", headers={"Host": urllib.parse.urlsplit(url).netloc})
    assert conn.getresponse().read1(65536) == b"raw "
    conn.close()
    if hasattr(lam, "invoke_with_response_stream"):
        resp = lam.invoke_with_response_stream(FunctionName="streamer", Payload=b"{}")
        first = next(iter(resp["EventStream"]))
        assert first["PayloadChunk"]["Payload"] == b"one,"
        resp["EventStream"].close()
    time.sleep(1.2)  # the functions finish writing to no one
    status, _, pieces = get_streamed(gureum, url)
    assert status == 200 and b"".join(p for _, p in pieces) == b"raw bytes"
    assert gureum.health()
