# python.py — gureum's Python runtime bootstrap, run as `python3 -c <this file>`
# inside a function's environment (embedded in the binary by tools/gen_embed.py).
# A Lambda Runtime API client: import the handler named by _HANDLER from
# LAMBDA_TASK_ROOT, then loop on /invocation/next, posting /response or /error.
# Start-up cost is the cold start, so it imports almost nothing: HTTP is
# spoken over a plain socket (http.client pulls in ssl and email, ~0.2 s), and
# logging/botocore are patched only when the function imports them — Debian's
# boto3 predates AWS_ENDPOINT_URL, so every client's endpoint defaults to gureum.
import json
import os
import socket
import sys
import time

BASE = "/2018-06-01/runtime"
_host, _port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
_request_id = None


class _Api:
    """One keep-alive HTTP/1.1 connection to the Runtime API."""

    def __init__(self):
        self.sock = None
        self.buf = b""

    def _connect(self):
        self.sock = socket.create_connection((_host, int(_port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _read(self):
        d = self.sock.recv(65536)
        if not d:
            raise OSError("Runtime API closed the connection")
        self.buf += d

    def call(self, method, path, body=b"", headers=None):
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                h = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, path, _host, len(body))
                for k, v in (headers or {}).items():
                    h += "%s: %s\r\n" % (k, v)
                self.sock.sendall(h.encode("latin-1") + b"\r\n" + body)
                while b"\r\n\r\n" not in self.buf:
                    self._read()
                head, self.buf = self.buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                fields = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    fields[k.strip().lower()] = v.strip()
                n = int(fields.get("content-length", "0"))
                while len(self.buf) < n:
                    self._read()
                data, self.buf = self.buf[:n], self.buf[n:]
                return int(lines[0].split()[1]), fields, data
            except OSError:
                if attempt:
                    raise
                if self.sock is not None:
                    self.sock.close()
                self.sock = None


_api = _Api()


def _patch_botocore(module):
    ep = os.environ.get("AWS_ENDPOINT_URL")
    create = module.Session.create_client

    def create_client(self, *args, **kw):
        if ep and len(args) < 6 and not kw.get("endpoint_url"):
            kw["endpoint_url"] = ep
        return create(self, *args, **kw)

    module.Session.create_client = create_client


def _patch_logging(module):
    """AWS: the root logger writes [LEVEL] time request-id message; with the
    function's LoggingConfig in JSON (AWS_LAMBDA_LOG_FORMAT=JSON) one JSON
    record a call, at the level AWS_LAMBDA_LOG_LEVEL names (print() output
    stays plain text, as on AWS)."""
    as_json = os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"

    class Handler(module.Handler):
        def emit(self, record):
            try:
                msg = self.format(record)
                ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                stamp = "%s.%03dZ" % (ts, record.msecs)
                if as_json:
                    rec = {"timestamp": stamp, "level": record.levelname, "message": record.getMessage(),
                           "logger": record.name, "requestId": _request_id,
                           "location": "%s:%s:%d" % (record.pathname, record.funcName, record.lineno)}
                    sys.stdout.write(json.dumps(rec) + "\n")
                else:
                    line = "[%s]\t%s\t%s\t%s" % (record.levelname, stamp, _request_id, msg)
                    sys.stdout.write(line.replace("\n", "\r") + "\n")
                sys.stdout.flush()
            except Exception:
                pass

    module.getLogger().addHandler(Handler())
    levels = {"TRACE": module.DEBUG, "DEBUG": module.DEBUG, "INFO": module.INFO, "WARN": module.WARNING,
              "ERROR": module.ERROR, "FATAL": module.CRITICAL}
    level = levels.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper(), module.INFO)
    module.getLogger().setLevel(level if as_json else module.WARNING)


_HOOKS = {"botocore.session": _patch_botocore, "logging": _patch_logging}


class _ImportHook:
    """Runs a patch right after a module in _HOOKS is first imported."""

    def find_spec(self, name, path=None, target=None):
        patch = _HOOKS.pop(name, None)
        if patch is None:
            return None
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


class _Context:
    def __init__(self, headers):
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = int(headers.get("lambda-runtime-deadline-ms") or 0)

    def get_remaining_time_in_millis(self):
        return max(self._deadline - int(time.time() * 1000), 0)


def _error_doc(e, tb, kind=None):
    import traceback

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
    _api.call("POST", path, body, {"Lambda-Runtime-Function-Error-Type": doc["errorType"],
                                   "Content-Type": "application/json"})


def _load():
    spec = os.environ.get("_HANDLER", "")
    mod_name, _, fn_name = spec.rpartition(".")
    if not mod_name or not fn_name:
        return None, {"errorMessage": "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec,
                      "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}
    mod_name = mod_name.replace("/", ".")
    try:
        __import__(mod_name)
        mod = sys.modules[mod_name]
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
    # AWS: layers' Python code under /opt/python, after the function's own
    ver = "python%d.%d" % sys.version_info[:2]
    sys.path[1:1] = [p for p in ("/opt/python/lib/%s/site-packages" % ver, "/opt/python") if os.path.isdir(p)]
    sys.meta_path.insert(0, _ImportHook())
    if "logging" in sys.modules:  # already imported by the interpreter's start-up
        _patch_logging(sys.modules["logging"])
        _HOOKS.pop("logging", None)
    fn, err = _load()
    if err:
        _post_error(BASE + "/init/error", err)
        sys.exit(1)
    while True:
        status, headers, body = _api.call("GET", BASE + "/invocation/next")
        _request_id = headers.get("lambda-runtime-aws-request-id")
        if headers.get("lambda-runtime-trace-id"):
            os.environ["_X_AMZN_TRACE_ID"] = headers["lambda-runtime-trace-id"]
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
        _api.call("POST", BASE + "/invocation/%s/response" % _request_id, out, {"Content-Type": "application/json"})


main()
