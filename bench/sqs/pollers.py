"""pollers.py — N concurrent idle long-pollers against one server: N sockets
each send a signed ReceiveMessage with WaitTimeSeconds=20 on an empty queue;
while all wait, the server's RSS and thread count are read from /proc; then
one message is sent and the time until a poller has it is measured.
Usage: pollers.py ENDPOINT PID N  → one line "RESULT …".
"""
import os
import select
import socket
import sys
import time
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials


def proc_status(pid):
    """(rss_kib, threads) of pid and its children (moto_server may fork a reloader)."""
    pids = [pid]
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    rss = threads = 0
    for p in pids:
        with open("/proc/%d/status" % p) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads += int(line.split()[1])
    return rss, threads


def main():
    endpoint, pid, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    c = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test")
    url = c.create_queue(QueueName="pollers")["QueueUrl"]
    body = "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=%s&WaitTimeSeconds=20" % urllib.parse.quote(url, safe="")
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
    u = urllib.parse.urlparse(endpoint)
    raw = "POST / HTTP/1.1\r\nHost: %s\r\n" % u.netloc
    for k, v in req.headers.items():
        raw += "%s: %s\r\n" % (k, v.decode() if isinstance(v, bytes) else v)
    raw += "Content-Length: %d\r\n\r\n%s" % (len(body), body)
    raw = raw.encode()
    rss0, thr0 = proc_status(pid)
    socks = []
    for _ in range(n):
        s = socket.create_connection((u.hostname, u.port))
        s.sendall(raw)
        socks.append(s)
    time.sleep(3)  # every poller has reached the server and is waiting
    rss1, thr1 = proc_status(pid)
    answered = sum(1 for s in socks if select.select([s], [], [], 0)[0])
    t0 = time.monotonic()
    c.send_message(QueueUrl=url, MessageBody="wake")
    woke = None
    left = list(socks)
    while woke is None and time.monotonic() - t0 < 25:
        ready, _, _ = select.select(left, [], [], 1)
        for s in ready:
            data = s.recv(65536)
            if b"<Body>wake</Body>" in data:
                woke = time.monotonic() - t0
                break
    for s in socks:
        s.close()
    print("RESULT pollers=%d rss_idle_kib=%d rss_pollers_kib=%d threads_idle=%d threads_pollers=%d "
          "answered_early=%d wake_ms=%s" % (n, rss0, rss1, thr0, thr1, answered,
                                            "%.1f" % (woke * 1000) if woke is not None else "none"))


if __name__ == "__main__":
    main()
