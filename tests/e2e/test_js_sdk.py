"""test_js_sdk.py — the JavaScript SDK v3 (the npm packages scripts/install-deps.sh
installs for Lambda's nodejs18+ runtimes) driving gureum from outside, as a
Node.js application or test does: S3 with the SDK's default CRC32 checksums
(streamed bodies as aws-chunked with a trailer), DynamoDB through the
DocumentClient, SQS over its JSON protocol with the SDK's MD5 checks, SNS
fan-out to SQS, STS, CloudWatch, CloudWatch Logs and EventBridge. Each test runs one CommonJS script with node and
reads back what it printed; boto3 cross-checks what the script stored.
"""
import json
import os
import shutil
import subprocess

import pytest

MODULES = "/usr/local/lib/gureum/lambda/nodejs18/node_modules"
pytestmark = pytest.mark.skipif(
    not shutil.which("node") or not os.path.isdir(MODULES + "/@aws-sdk/client-s3"),
    reason="node or the v3 JS SDK is not installed (scripts/install-deps.sh)")

PRELUDE = """
const cfg = { endpoint: process.env.GUREUM_ENDPOINT, region: 'us-east-1',
              credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const out = {};
const fail = (e) => ({ name: e.name, status: e.$metadata && e.$metadata.httpStatusCode, message: e.message });
async function main() {
%s
}
main().then(() => console.log(JSON.stringify(out)), (e) => { console.error(e); process.exit(1); });
"""


def run_js(gureum, body, tmp_path, name):
    script = tmp_path / (name + ".js")
    script.write_text(PRELUDE % body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(NODE_PATH=MODULES, GUREUM_ENDPOINT=gureum.endpoint, AWS_EC2_METADATA_DISABLED="true")
    p = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-4000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_s3_with_default_checksums(gureum, tmp_path):
    res = run_js(gureum, r"""
  const s3m = require('@aws-sdk/client-s3');
  const { Readable } = require('stream');
  const s3 = new s3m.S3Client({ ...cfg, forcePathStyle: true });
  await s3.send(new s3m.CreateBucketCommand({ Bucket: 'js-bucket' }));
  const put = await s3.send(new s3m.PutObjectCommand({ Bucket: 'js-bucket', Key: 'dir/hello.txt',
      Body: 'hello from node', ContentType: 'text/plain', Metadata: { who: 'js' } }));
  out.putEtag = put.ETag; out.putCrc = put.ChecksumCRC32;
  // A stream of known length: the SDK sends it aws-chunked with a CRC32 trailer.
  const big = Buffer.alloc(3 << 20, 7);
  const sput = await s3.send(new s3m.PutObjectCommand({ Bucket: 'js-bucket', Key: 'dir/stream.bin',
      Body: Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]), ContentLength: big.length }));
  out.streamCrc = sput.ChecksumCRC32;
  const get = await s3.send(new s3m.GetObjectCommand({ Bucket: 'js-bucket', Key: 'dir/hello.txt',
      ChecksumMode: 'ENABLED' }));
  out.getBody = await get.Body.transformToString();
  out.getType = get.ContentType; out.getMeta = get.Metadata; out.getCrc = get.ChecksumCRC32;
  const sget = await s3.send(new s3m.GetObjectCommand({ Bucket: 'js-bucket', Key: 'dir/stream.bin' }));
  out.streamLen = (await sget.Body.transformToByteArray()).length;
  const range = await s3.send(new s3m.GetObjectCommand({ Bucket: 'js-bucket', Key: 'dir/hello.txt', Range: 'bytes=0-4' }));
  out.range = await range.Body.transformToString(); out.contentRange = range.ContentRange;
  await s3.send(new s3m.CopyObjectCommand({ Bucket: 'js-bucket', Key: 'copy.txt', CopySource: 'js-bucket/dir/hello.txt' }));
  const list = await s3.send(new s3m.ListObjectsV2Command({ Bucket: 'js-bucket', Delimiter: '/' }));
  out.keys = (list.Contents || []).map((o) => o.Key); out.prefixes = (list.CommonPrefixes || []).map((p) => p.Prefix);
  // Multipart: two parts, the SDK's default CRC32 on each.
  const up = await s3.send(new s3m.CreateMultipartUploadCommand({ Bucket: 'js-bucket', Key: 'mp.bin' }));
  const p1 = await s3.send(new s3m.UploadPartCommand({ Bucket: 'js-bucket', Key: 'mp.bin', UploadId: up.UploadId,
      PartNumber: 1, Body: Buffer.alloc(5 << 20, 1) }));
  const p2 = await s3.send(new s3m.UploadPartCommand({ Bucket: 'js-bucket', Key: 'mp.bin', UploadId: up.UploadId,
      PartNumber: 2, Body: Buffer.from('tail') }));
  const done = await s3.send(new s3m.CompleteMultipartUploadCommand({ Bucket: 'js-bucket', Key: 'mp.bin',
      UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
  out.mpEtag = done.ETag;
  const del = await s3.send(new s3m.DeleteObjectsCommand({ Bucket: 'js-bucket',
      Delete: { Objects: [{ Key: 'copy.txt' }, { Key: 'never-there' }] } }));
  out.deleted = (del.Deleted || []).map((d) => d.Key).sort();
  try { await s3.send(new s3m.GetObjectCommand({ Bucket: 'js-bucket', Key: 'copy.txt' })); }
  catch (e) { out.missing = fail(e); }
  try { await s3.send(new s3m.HeadObjectCommand({ Bucket: 'js-bucket', Key: 'copy.txt' })); }
  catch (e) { out.headMissing = fail(e); }
  // us-east-1 answers 200 to its owner re-creating a bucket; other regions BucketAlreadyOwnedByYou.
  out.again = (await s3.send(new s3m.CreateBucketCommand({ Bucket: 'js-bucket' }))).$metadata.httpStatusCode;
  const west = new s3m.S3Client({ ...cfg, region: 'eu-west-1', forcePathStyle: true });
  await west.send(new s3m.CreateBucketCommand({ Bucket: 'js-west', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  try { await west.send(new s3m.CreateBucketCommand({ Bucket: 'js-west', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })); }
  catch (e) { out.againWest = fail(e); }
""", tmp_path, "s3")
    assert res["putEtag"] == '"%s"' % __import__("hashlib").md5(b"hello from node").hexdigest()
    assert res["putCrc"] and res["putCrc"] == res["getCrc"]
    assert res["streamCrc"]
    assert res["getBody"] == "hello from node"
    assert res["getType"] == "text/plain" and res["getMeta"] == {"who": "js"}
    assert res["streamLen"] == 3 << 20
    assert res["range"] == "hello" and res["contentRange"] == "bytes 0-4/15"
    assert res["keys"] == ["copy.txt"] and res["prefixes"] == ["dir/"]
    assert res["mpEtag"].endswith('-2"')
    assert res["deleted"] == ["copy.txt", "never-there"]
    assert res["missing"]["name"] == "NoSuchKey" and res["missing"]["status"] == 404
    assert res["headMissing"]["name"] == "NotFound" and res["headMissing"]["status"] == 404
    assert res["again"] == 200
    assert res["againWest"]["name"] == "BucketAlreadyOwnedByYou" and res["againWest"]["status"] == 409

    s3 = gureum.client("s3")
    body = s3.get_object(Bucket="js-bucket", Key="dir/stream.bin")["Body"].read()
    assert body == b"\x07" * (3 << 20)
    mp = s3.get_object(Bucket="js-bucket", Key="mp.bin")["Body"].read()
    assert mp == b"\x01" * (5 << 20) + b"tail"


def test_dynamodb_document_client(gureum, tmp_path):
    res = run_js(gureum, r"""
  const ddb = require('@aws-sdk/client-dynamodb');
  const lib = require('@aws-sdk/lib-dynamodb');
  const client = new ddb.DynamoDBClient(cfg);
  const doc = lib.DynamoDBDocumentClient.from(client);
  await client.send(new ddb.CreateTableCommand({ TableName: 'js-orders', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] }));
  await ddb.waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: 'js-orders' });
  for (let i = 1; i <= 5; i++)
    await doc.send(new lib.PutCommand({ TableName: 'js-orders',
        Item: { pk: 'cust#1', sk: i, total: i * 1.5, tags: new Set(['a', 'b' + i]), lines: [{ sku: 'x', qty: i }] } }));
  const got = await doc.send(new lib.GetCommand({ TableName: 'js-orders', Key: { pk: 'cust#1', sk: 3 },
      ConsistentRead: true }));
  out.got = { total: got.Item.total, tags: [...got.Item.tags].sort(), lines: got.Item.lines };
  const upd = await doc.send(new lib.UpdateCommand({ TableName: 'js-orders', Key: { pk: 'cust#1', sk: 3 },
      UpdateExpression: 'SET #t = #t + :d, #l[0].qty = :q ADD visits :one',
      ExpressionAttributeNames: { '#t': 'total', '#l': 'lines' }, ExpressionAttributeValues: { ':d': 10, ':q': 42, ':one': 1 },
      ReturnValues: 'ALL_NEW' }));
  out.updated = { total: upd.Attributes.total, qty: upd.Attributes.lines[0].qty, visits: upd.Attributes.visits };
  const q = await doc.send(new lib.QueryCommand({ TableName: 'js-orders',
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':p': 'cust#1', ':a': 2, ':b': 4 },
      ScanIndexForward: false }));
  out.query = q.Items.map((it) => it.sk);
  const pages = [];
  for await (const page of lib.paginateScan({ client: doc, pageSize: 2 }, { TableName: 'js-orders' }))
    pages.push(page.Items.length);
  out.scanPages = pages;
  try {
    await doc.send(new lib.PutCommand({ TableName: 'js-orders', Item: { pk: 'cust#1', sk: 1 },
        ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (e) { out.condition = fail(e); }
  try {
    await doc.send(new lib.TransactWriteCommand({ TransactItems: [
      { Put: { TableName: 'js-orders', Item: { pk: 'cust#2', sk: 1 } } },
      { ConditionCheck: { TableName: 'js-orders', Key: { pk: 'cust#1', sk: 9 }, ConditionExpression: 'attribute_exists(pk)' } }] }));
  } catch (e) { out.txn = fail(e); out.reasons = e.CancellationReasons.map((r) => r.Code); }
  await doc.send(new lib.BatchWriteCommand({ RequestItems: { 'js-orders': [
      { PutRequest: { Item: { pk: 'cust#3', sk: 1 } } }, { DeleteRequest: { Key: { pk: 'cust#1', sk: 5 } } }] } }));
  const bg = await doc.send(new lib.BatchGetCommand({ RequestItems: { 'js-orders': {
      Keys: [{ pk: 'cust#3', sk: 1 }, { pk: 'cust#1', sk: 5 }, { pk: 'cust#2', sk: 1 }] } } }));
  out.batchGot = bg.Responses['js-orders'].map((it) => it.pk + '/' + it.sk).sort();
  try { await doc.send(new lib.GetCommand({ TableName: 'no-such-table', Key: { pk: 'a', sk: 1 } })); }
  catch (e) { out.noTable = fail(e); }
""", tmp_path, "ddb")
    assert res["got"] == {"total": 4.5, "tags": ["a", "b3"], "lines": [{"sku": "x", "qty": 3}]}
    assert res["updated"] == {"total": 14.5, "qty": 42, "visits": 1}
    assert res["query"] == [4, 3, 2]
    assert res["scanPages"][:2] == [2, 2] and sum(res["scanPages"]) == 5
    assert res["condition"]["name"] == "ConditionalCheckFailedException" and res["condition"]["status"] == 400
    assert res["txn"]["name"] == "TransactionCanceledException" and res["reasons"] == ["None", "ConditionalCheckFailed"]
    assert res["batchGot"] == ["cust#3/1"]
    assert res["noTable"]["name"] == "ResourceNotFoundException"

    item = gureum.client("dynamodb").get_item(TableName="js-orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "3"}})["Item"]
    assert item["total"] == {"N": "14.5"} and item["tags"]["SS"] and item["visits"] == {"N": "1"}


def test_sqs_sns_sts(gureum, tmp_path):
    res = run_js(gureum, r"""
  const sqsm = require('@aws-sdk/client-sqs');
  const snsm = require('@aws-sdk/client-sns');
  const stsm = require('@aws-sdk/client-sts');
  const sqs = new sqsm.SQSClient(cfg), sns = new snsm.SNSClient(cfg);
  out.caller = (await new stsm.STSClient(cfg).send(new stsm.GetCallerIdentityCommand({}))).Arn;
  const q = await sqs.send(new sqsm.CreateQueueCommand({ QueueName: 'js-queue',
      Attributes: { VisibilityTimeout: '30' } }));
  // The SDK checks MD5OfMessageBody and MD5OfMessageAttributes itself.
  const sent = await sqs.send(new sqsm.SendMessageCommand({ QueueUrl: q.QueueUrl, MessageBody: 'héllo',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' },
                           n: { DataType: 'Number', StringValue: '7' },
                           raw: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]) } } }));
  out.sentId = !!sent.MessageId;
  const got = await sqs.send(new sqsm.ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
  const m = got.Messages[0];
  out.msg = { body: m.Body, kind: m.MessageAttributes.kind.StringValue,
              raw: [...m.MessageAttributes.raw.BinaryValue], count: m.Attributes.ApproximateReceiveCount };
  const del = await sqs.send(new sqsm.DeleteMessageBatchCommand({ QueueUrl: q.QueueUrl,
      Entries: [{ Id: 'a', ReceiptHandle: m.ReceiptHandle }, { Id: 'b', ReceiptHandle: 'bogus' }] }));
  out.delOk = (del.Successful || []).map((s) => s.Id); out.delFailed = (del.Failed || []).map((f) => f.Code);
  try { await sqs.send(new sqsm.GetQueueUrlCommand({ QueueName: 'js-none' })); }
  catch (e) { out.noQueue = fail(e); }

  const t = await sns.send(new snsm.CreateTopicCommand({ Name: 'js-topic' }));
  const qa = await sqs.send(new sqsm.GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }));
  // As on AWS, SNS delivers to a queue only where the queue's policy lets it.
  await sqs.send(new sqsm.SetQueueAttributesCommand({ QueueUrl: q.QueueUrl, Attributes: { Policy: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage', Resource: qa.Attributes.QueueArn, Condition: { ArnEquals: { 'aws:SourceArn': t.TopicArn } } }] }) } }));
  await sns.send(new snsm.SubscribeCommand({ TopicArn: t.TopicArn, Protocol: 'sqs', Endpoint: qa.Attributes.QueueArn,
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ kind: ['order'] }) } }));
  await sns.send(new snsm.PublishCommand({ TopicArn: t.TopicArn, Message: 'skipped',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'other' } } }));
  await sns.send(new snsm.PublishCommand({ TopicArn: t.TopicArn, Message: 'order 17',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } } }));
  const fan = await sqs.send(new sqsm.ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2 }));
  out.fanned = (fan.Messages || []).map((x) => x.Body);
  const sms = await sns.send(new snsm.PublishCommand({ PhoneNumber: '+821012345678', Message: 'code 1234' }));
  out.sms = !!sms.MessageId;
  try { await sns.send(new snsm.PublishCommand({ PhoneNumber: 'call-me', Message: 'x' })); }
  catch (e) { out.badPhone = fail(e); }
""", tmp_path, "msg")
    assert res["caller"] == "arn:aws:iam::000000000000:root"
    assert res["sentId"]
    assert res["msg"] == {"body": "héllo", "kind": "greeting", "raw": [0, 1, 2], "count": "1"}
    assert res["delOk"] == ["a"] and res["delFailed"] == ["ReceiptHandleIsInvalid"]
    assert res["noQueue"]["name"] == "QueueDoesNotExist" and res["noQueue"]["status"] == 400
    assert res["fanned"] == ["order 17"]
    assert res["sms"]
    assert res["badPhone"]["name"] == "InvalidParameterException"


def test_cloudwatch_logs_and_eventbridge(gureum, tmp_path):
    """CloudWatch (the v3 client speaks json 1.0 with awsQueryCompatible errors), CloudWatch Logs and
    EventBridge, as a Node.js application reports metrics, writes logs and routes events."""
    res = run_js(gureum, r"""
  const cwm = require('@aws-sdk/client-cloudwatch');
  const logm = require('@aws-sdk/client-cloudwatch-logs');
  const evm = require('@aws-sdk/client-eventbridge');
  const cw = new cwm.CloudWatchClient(cfg), logs = new logm.CloudWatchLogsClient(cfg);
  const ev = new evm.EventBridgeClient(cfg);
  const now = new Date(Math.floor(Date.now() / 60000) * 60000);
  await cw.send(new cwm.PutMetricDataCommand({ Namespace: 'JS/App', MetricData: [
      { MetricName: 'Orders', Unit: 'Count', Timestamp: now, Values: [1, 2, 3], Counts: [1, 1, 2],
        Dimensions: [{ Name: 'Shop', Value: 'north' }] }] }));
  const st = await cw.send(new cwm.GetMetricStatisticsCommand({ Namespace: 'JS/App', MetricName: 'Orders',
      Dimensions: [{ Name: 'Shop', Value: 'north' }], StartTime: new Date(now - 600000),
      EndTime: new Date(+now + 600000), Period: 60, Statistics: ['Sum', 'SampleCount', 'Maximum'] }));
  out.points = st.Datapoints.map((d) => [d.Sum, d.SampleCount, d.Maximum, d.Unit, d.Timestamp.getTime() === +now]);
  try { await cw.send(new cwm.PutMetricDataCommand({ Namespace: 'AWS/Mine', MetricData: [{ MetricName: 'x', Value: 1 }] })); }
  catch (e) { out.reserved = fail(e); out.reservedCode = e.Code; }
  await logs.send(new logm.CreateLogGroupCommand({ logGroupName: '/js/app' }));
  await logs.send(new logm.CreateLogStreamCommand({ logGroupName: '/js/app', logStreamName: 's' }));
  await logs.send(new logm.PutLogEventsCommand({ logGroupName: '/js/app', logStreamName: 's',
      logEvents: [{ timestamp: Date.now(), message: 'hello from node' }] }));
  const got = await logs.send(new logm.GetLogEventsCommand({ logGroupName: '/js/app', logStreamName: 's' }));
  out.logs = got.events.map((e) => e.message);
  await logs.send(new logm.CreateLogGroupCommand({ logGroupName: '/js/events' }));
  // As on AWS, EventBridge writes to a log group only where the logs resource policy lets it.
  await logs.send(new logm.PutResourcePolicyCommand({ policyName: 'events', policyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' },
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'arn:aws:logs:us-east-1:000000000000:log-group:/js/*' }] }) }));
  await ev.send(new evm.PutRuleCommand({ Name: 'js-rule', EventPattern: JSON.stringify({ source: ['js.app'] }) }));
  await ev.send(new evm.PutTargetsCommand({ Rule: 'js-rule', Targets: [{ Id: 'log',
      Arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/js/events' }] }));
  const put = await ev.send(new evm.PutEventsCommand({ Entries: [{ Source: 'js.app', DetailType: 'order',
      Detail: JSON.stringify({ id: 7 }) }] }));
  out.failed = put.FailedEntryCount;
  for (let i = 0; i < 50; i++) {
    const f = await logs.send(new logm.FilterLogEventsCommand({ logGroupName: '/js/events' }));
    out.routed = f.events.map((e) => JSON.parse(e.message).detail);
    if (out.routed.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
""", tmp_path, "cw")
    assert res["points"] == [[9, 4, 3, "Count", True]]  # 1 + 2 + 3 × 2
    # the modeled exception's name; its query-era code from x-amzn-query-error (awsQueryCompatible)
    assert (res["reserved"]["name"], res["reserved"]["status"]) == ("InvalidParameterValueException", 400)
    assert res["reservedCode"] == "InvalidParameterValue"
    assert res["logs"] == ["hello from node"]
    assert res["failed"] == 0 and res["routed"] == [{"id": 7}]
