#!/usr/bin/env python3
"""bench.py — Lambda cold start and warm invoke latency against gureum, with
the same handler served directly by node / python3 as the floor.

Cold: CreateFunction + first Invoke (boto3) for a fresh function, next to the
runtime's own start (the interpreter loading the handler and calling it once,
as one process). Warm: one SigV4-signed Invoke replayed over a keep-alive
connection (SigV4 accepts a replay inside its 15-minute window), next to the
same client POSTing the same event to a minimal HTTP server in node / python3
that calls the handler. Usage: bench.py GUREUM_BIN [N]"""
import http.client
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials

NODE_HANDLER = "exports.handler = async (event) => ({ ok: true, n: event.n });\n"
PY_HANDLER = "def handler(event, context):\n    return {'ok': True, 'n': event['n']}\n"

NODE_FLOOR = """
const http = require('http');
const { handler } = require(process.argv[2]);
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const out = JSON.stringify(await handler(JSON.parse(Buffer.concat(chunks)), {}));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  });
}).listen(+process.argv[3], '127.0.0.1', () => console.log('ready'));
"""

PY_FLOOR = """
import json, sys, importlib.util
from http.server import BaseHTTPRequestHandler, HTTPServer
spec = importlib.util.spec_from_file_location("app", sys.argv[1]); mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        out = json.dumps(mod.handler(json.loads(body), None)).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def log_message(self, *a): pass
class S(HTTPServer):
    def server_bind(self):
        import socket as s
        self.socket.setsockopt(s.IPPROTO_TCP, s.TCP_NODELAY, 1); super().server_bind()
srv = S(("127.0.0.1", int(sys.argv[2])), H); print("ready", flush=True); srv.serve_forever()
"""

ROLE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def zip_of(name, text):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr(name, text)
    return b.getvalue()


def loop(conn_factory, method, path, headers, body, n):
    conn = conn_factory()
    lat = []
    for i in range(n):
        t = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            raise SystemExit("status %d: %s" % (r.status, data[:200]))
    conn.close()
    return lat[n // 10:]  # the first tenth warms connections and caches


def main():
    binary, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    work = tempfile.mkdtemp(prefix="gureum-lambda-bench-")
    port = free_port()
    srv = subprocess.Popen([binary, "serve", "--port", str(port), "--data", work + "/data", "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=open(work + "/log", "w"))
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                time.sleep(0.02)
        kw = dict(endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test")
        lam = boto3.client("lambda", **kw)
        role = boto3.client("iam", **kw).create_role(RoleName="bench", AssumeRolePolicyDocument=ROLE)["Role"]["Arn"]
        results = {}
        for lang, runtime, fname, text, floor_src, interp in (
                ("node", "nodejs20.x", "index.js", NODE_HANDLER, NODE_FLOOR, "/usr/bin/node"),
                ("python", "python3.11", "app.py", PY_HANDLER, PY_FLOOR, "/usr/bin/python3")):
            handler = ("index" if lang == "node" else "app") + ".handler"
            hdir = os.path.join(work, lang)
            os.makedirs(hdir)
            with open(os.path.join(hdir, fname), "w") as f:
                f.write(text)
            # ---- cold: create + first invoke, vs the runtime loading and calling the handler once
            cold, floor_cold, init = [], [], []
            if lang == "node":
                once = [interp, "-e", "require(%r).handler({n:1}).then(r=>process.stdout.write(JSON.stringify(r)))"
                        % os.path.join(hdir, "index.js")]
            else:
                once = [interp, "-c", "import sys,json; sys.path.insert(0,%r); import app; "
                        "print(json.dumps(app.handler({'n':1},None)))" % hdir]
            for i in range(7):
                t = time.perf_counter()
                subprocess.run(once, check=True, capture_output=True)
                floor_cold.append((time.perf_counter() - t) * 1000)
                name = "%s-cold-%d" % (lang, i)
                t = time.perf_counter()
                lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=role,
                                    Code={"ZipFile": zip_of(fname, text)})
                r = lam.invoke(FunctionName=name, Payload=b'{"n": 1}', LogType="Tail")
                cold.append((time.perf_counter() - t) * 1000)
                assert json.loads(r["Payload"].read()) == {"ok": True, "n": 1}
                import base64
                tail = base64.b64decode(r["LogResult"]).decode()
                init.append(float(tail.split("Init Duration: ")[1].split(" ms")[0]))
            # ---- warm: a signed Invoke replayed, vs the handler behind node's/python's own HTTP server
            name = "%s-cold-0" % lang
            body = b'{"n": 2}'
            url = "http://127.0.0.1:%d/2015-03-31/functions/%s/invocations" % (port, name)
            req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body,
                                                 headers={"Content-Type": "application/json"})
            botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "lambda",
                                    "us-east-1").add_auth(req)
            hdrs = dict(req.headers.items())
            path = "/2015-03-31/functions/%s/invocations" % name
            warm = loop(lambda: http.client.HTTPConnection("127.0.0.1", port), "POST", path, hdrs, body, n)
            fport = free_port()
            script = os.path.join(work, "floor." + ("js" if lang == "node" else "py"))
            with open(script, "w") as f:
                f.write(floor_src)
            fp = subprocess.Popen([interp, script, os.path.join(hdir, fname), str(fport)], stdout=subprocess.PIPE)
            fp.stdout.readline()
            floor = loop(lambda: http.client.HTTPConnection("127.0.0.1", fport), "POST", "/", {
                "Content-Type": "application/json"}, body, n)
            fp.kill()
            fp.wait()
            results[lang] = dict(
                cold_p50=statistics.median(cold), cold_floor_p50=statistics.median(floor_cold),
                init_p50=statistics.median(init),
                warm_p50=pct(warm, 50), warm_p99=pct(warm, 99), floor_p50=pct(floor, 50), floor_p99=pct(floor, 99))
        for lang, r in results.items():
            print("%-6s cold start (create + first invoke) p50 %7.1f ms | runtime alone %6.1f ms | diff %+6.1f ms"
                  " | Init Duration p50 %6.1f ms" % (lang, r["cold_p50"], r["cold_floor_p50"],
                                                    r["cold_p50"] - r["cold_floor_p50"], r["init_p50"]))
            print("%-6s warm invoke p50 %6.3f ms p99 %6.3f ms | handler behind %s's own http p50 %6.3f ms p99 %6.3f"
                  " ms | p50 diff %+6.3f ms" % (lang, r["warm_p50"], r["warm_p99"], lang, r["floor_p50"],
                                                r["floor_p99"], r["warm_p50"] - r["floor_p50"]))
    finally:
        srv.terminate()
        srv.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
