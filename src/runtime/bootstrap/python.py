# python.py — gureum's Python runtime bootstrap, run as `python3 -c <this file>`
# inside a function's environment (embedded in the binary by tools/gen_embed.py).
# A Lambda Runtime API client: import the handler named by _HANDLER from
# LAMBDA_TASK_ROOT, then loop on /invocation/next, posting /response or /error.
# boto3 from Debian predates AWS_ENDPOINT_URL, so botocore.session is patched
# on import to default every client's endpoint to gureum.
import http.client
import importlib
import importlib.util
import json
import logging
import os
import socket
import sys
import time
import traceback

BASE = "/2018-06-01/runtime"
_host, _port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
_conn = None
_request_id = None


def _connect():
    global _conn
    _conn = http.client.HTTPConnection(_host, int(_port))
    _conn.connect()
    _conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _call(method, path, body=None, headers=None):
    for attempt in (0, 1):
        try:
            if _conn is None:
                _connect()
            _conn.request(method, path, body=body, headers=headers or {})
            r = _conn.getresponse()
            return r, r.read()
        except (http.client.HTTPException, OSError):
            if attempt:
                raise
            _conn.close()
            _connect()


class _EndpointPatch:
    """Defaults botocore clients' endpoint_url to AWS_ENDPOINT_URL."""

    def __init__(self, ep):
        self.ep = ep

    def find_spec(self, name, path=None, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        ep, run = self.ep, spec.loader.exec_module

        def exec_module(module):
            run(module)
            create = module.Session.create_client

            def create_client(self, *args, **kw):
                if len(args) < 6 and not kw.get("endpoint_url"):
                    kw["endpoint_url"] = ep
                return create(self, *args, **kw)

            module.Session.create_client = create_client

        spec.loader.exec_module = exec_module
        return spec


class _Handler(logging.Handler):
    def emit(self, record):
        try:
            msg = self.format(record)
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            line = "[%s]\t%s.%03dZ\t%s\t%s\n" % (record.levelname, ts, record.msecs, _request_id, msg)
            sys.stdout.write(line.replace("\n", "\r")[:-1] + "\n")
            sys.stdout.flush()
        except Exception:
            pass


class _Context:
    def __init__(self, headers):
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self):
        return max(self._deadline - int(time.time() * 1000), 0)


def _error_doc(e, tb, kind=None):
    frames = traceback.extract_tb(tb)
    frames = [f for f in frames if f.filename != "<string>"]
    return {
        "errorMessage": str(e),
        "errorType": kind or type(e).__name__,
        "requestId": _request_id or "",
        "stackTrace": traceback.format_list(frames),
    }


def _post_error(path, doc):
    line = "[ERROR] %s: %s\n" % (doc["errorType"], doc["errorMessage"])
    if doc.get("stackTrace"):
        line = line[:-1] + "\rTraceback (most recent call last):\r" + "".join(doc["stackTrace"]).replace("\n", "\r") + "\n"
    sys.stdout.write(line)
    sys.stdout.flush()
    body = json.dumps(doc).encode()
    _call("POST", path, body, {"Lambda-Runtime-Function-Error-Type": doc["errorType"],
                               "Content-Type": "application/json"})


def _load():
    spec = os.environ.get("_HANDLER", "")
    mod_name, _, fn_name = spec.rpartition(".")
    if not mod_name or not fn_name:
        return None, {"errorMessage": "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec,
                      "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}
    mod_name = mod_name.replace("/", ".")
    try:
        mod = importlib.import_module(mod_name)
    except SyntaxError as e:
        return None, {"errorMessage": "Syntax error in module '%s': %s" % (mod_name, e),
                      "errorType": "Runtime.UserCodeSyntaxError", "requestId": "", "stackTrace": []}
    except ImportError as e:
        return None, {"errorMessage": "Unable to import module '%s': %s" % (mod_name, e),
                      "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    except Exception as e:
        return None, _error_doc(e, e.__traceback__)
    fn = getattr(mod, fn_name, None)
    if fn is None:
        return None, {"errorMessage": "Handler '%s' missing on module '%s'" % (fn_name, mod_name),
                      "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}
    return fn, None


def main():
    global _request_id
    root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if sys.path and sys.path[0] in ("", "."):
        sys.path[0] = root
    else:
        sys.path.insert(0, root)
    ep = os.environ.get("AWS_ENDPOINT_URL")
    if ep:
        sys.meta_path.insert(0, _EndpointPatch(ep))
    logging.getLogger().addHandler(_Handler())
    logging.getLogger().setLevel(logging.WARNING)
    fn, err = _load()
    if err:
        _post_error(BASE + "/init/error", err)
        sys.exit(1)
    while True:
        r, body = _call("GET", BASE + "/invocation/next")
        headers = {k: v for k, v in r.getheaders()}
        _request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        if headers.get("Lambda-Runtime-Trace-Id"):
            os.environ["_X_AMZN_TRACE_ID"] = headers["Lambda-Runtime-Trace-Id"]
        ctx = _Context(headers)
        try:
            event = json.loads(body) if body else None
            result = fn(event, ctx)
        except Exception as e:
            _post_error(BASE + "/invocation/%s/error" % _request_id, _error_doc(e, e.__traceback__))
            continue
        try:
            out = json.dumps(result).encode()
        except Exception as e:
            _post_error(BASE + "/invocation/%s/error" % _request_id,
                        {"errorMessage": "Unable to marshal response: %s" % e, "errorType": "Runtime.MarshalError",
                         "requestId": _request_id, "stackTrace": []})
            continue
        _call("POST", BASE + "/invocation/%s/response" % _request_id, out, {"Content-Type": "application/json"})


main()
