"""sign.py — prepares one server for the SQS bench: creates the queue, signs
the requests wrk replays (SendMessage, ReceiveMessage) with botocore and
writes them, with the SigV4 signing key for the requests wrk must sign itself
(DeleteMessage carries a receipt handle only known at run time), as a Lua
table. With PREFILL, the queue first gets that many messages (SendMessageBatch,
untimed). Usage: sign.py ENDPOINT QUEUE OUT.lua [PREFILL]
"""
import concurrent.futures
import datetime
import hashlib
import hmac
import sys
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials

KEY, SECRET, REGION = "test", "test", "us-east-1"


def lua_str(s):
    return '"' + "".join(c if c.isalnum() or c in " -_.:/;=,+" else "\\%03d" % ord(c) for c in s) + '"'


def signed(endpoint, body):
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEY, SECRET), "sqs", REGION).add_auth(req)
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in req.headers.items()}


def main():
    endpoint, queue, out = sys.argv[1], sys.argv[2], sys.argv[3]
    c = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY,
                     aws_secret_access_key=SECRET)
    url = c.create_queue(QueueName=queue)["QueueUrl"]
    prefill = int(sys.argv[4]) if len(sys.argv) > 4 else 0

    def batch(i):
        c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(k), "MessageBody": "y" * 100} for k in range(10)])

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(batch, range(prefill // 10)))
    enc = urllib.parse.quote(url, safe="")
    send = "Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=%s" % (enc, "x" * 100)
    recv = "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=%s&MaxNumberOfMessages=10" % enc
    now = datetime.datetime.utcnow()
    date = now.strftime("%Y%m%d")
    k = hmac.new(("AWS4" + SECRET).encode(), date.encode(), hashlib.sha256).digest()
    for part in (REGION, "sqs", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    host = urllib.parse.urlparse(endpoint).netloc
    with open(out, "w") as f:
        f.write("return {\n")
        f.write("  host = %s, queue_url_enc = %s, key = %s, region = %s,\n" % (
            lua_str(host), lua_str(enc), lua_str(KEY), lua_str(REGION)))
        f.write("  signing_key_hex = %s, date = %s,\n" % (lua_str(k.hex()), lua_str(date)))
        for name, body in (("send", send), ("recv", recv)):
            h = signed(endpoint, body)
            f.write("  %s = { body = %s, headers = {\n" % (name, lua_str(body)))
            for hk, hv in h.items():
                f.write("    [%s] = %s,\n" % (lua_str(hk), lua_str(hv)))
            f.write("  } },\n")
        f.write("}\n")
    print(url)


if __name__ == "__main__":
    main()
