#!/usr/bin/env python3
"""sign.py — helpers for bench/dynamodb/run.sh.

  sign.py setup ENDPOINT          create the bench table and its items (Get target, 100-item partition)
  sign.py lua ENDPOINT OP OUT.lua  a wrk script replaying one SigV4-signed request of OP

The signed request is replayed unchanged: SigV4 accepts it for 15 minutes, and dynalite checks no
signature at all. Both servers get requests signed for their own Host.
"""
import json
import sys
import time

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TABLE = "bench"
ITEM = {"pk": {"S": "user#42"}, "sk": {"N": "1"}, "name": {"S": "Ada Lovelace"}, "age": {"N": "36"},
        "tags": {"SS": ["math", "poetry"]}, "bio": {"S": "x" * 200}}


def client(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def setup(endpoint):
    c = client(endpoint)
    c.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "N"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    for _ in range(100):
        if c.describe_table(TableName=TABLE)["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.1)
    c.put_item(TableName=TABLE, Item=ITEM)
    for i in range(0, 100, 25):
        c.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": {
            "pk": {"S": "q"}, "sk": {"N": str(j)}, "v": {"S": "y" * 80}}}} for j in range(i, i + 25)]})


def body(op):
    if op == "PutItem":
        return {"TableName": TABLE, "Item": ITEM}
    if op == "GetItem":
        return {"TableName": TABLE, "Key": {"pk": ITEM["pk"], "sk": ITEM["sk"]}}
    if op == "Query":
        return {"TableName": TABLE, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "q"}}}
    if op == "BatchWriteItem":
        return {"RequestItems": {TABLE: [{"PutRequest": {"Item": {
            "pk": {"S": "load"}, "sk": {"N": str(j)}, "v": {"S": "z" * 100}}}} for j in range(25)]}}
    if op == "DescribeLimits":  # no storage at all: the request pipeline's own cost
        return {}
    raise SystemExit("unknown op " + op)


def lua(endpoint, op, out):
    data = json.dumps(body(op)).encode()
    req = AWSRequest(method="POST", url=endpoint + "/", data=data, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + op})
    SigV4Auth(Credentials("test", "test"), "dynamodb", "us-east-1").add_auth(req)
    lines = ['wrk.method = "POST"']
    for k, v in req.headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lines.append('wrk.headers[%s] = %s' % (json.dumps(k), json.dumps(v)))
    lines.append("wrk.body = %s" % json.dumps(data.decode()))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2])
    elif sys.argv[1] == "lua":
        lua(sys.argv[2], sys.argv[3], sys.argv[4])
