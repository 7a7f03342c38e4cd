"""test_dynamodb_import.py — DynamoDB's ImportTable, DescribeImport and ListImports against a
real server: an export read back into a new table (DYNAMODB_JSON, GZIP), CSV with and without
HeaderList, ZSTD, items that fail DynamoDB's checks counted and logged to CloudWatch Logs, a
missing bucket making a FAILED import that leaves no table, ClientToken retries, and the
refusals (table exists, CSV's options for another format, CreateTable's checks, unknown import,
page sizes). ION imports are in test_dynamodb_export_formats.py.
"""
import datetime
import gzip
import json
import subprocess
import time

import botocore.exceptions
import pytest

ACCOUNT = "000000000000"
REGION = "us-east-1"
ARN_PREFIX = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
HASH_S = dict(KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")


@pytest.fixture(scope="module")
def ddb(gureum):
    return gureum.client("dynamodb")


@pytest.fixture(scope="module")
def s3(gureum):
    s3 = gureum.client("s3")
    s3.create_bucket(Bucket="ddb-imports")
    return s3


def err(f, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        f(**kw)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def scan_all(ddb, table):
    out, kw = [], {}
    while True:
        page = ddb.scan(TableName=table, **kw)
        out += page["Items"]
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def canon(items, key="k"):
    """Items comparable whatever their order: sets sorted, keyed by their key's value."""
    def norm(v):
        if isinstance(v, dict):
            return {t: (sorted(x) if t in ("SS", "NS", "BS") else norm(x)) for t, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return {json.dumps(i[key], default=str): norm(i) for i in items}


def import_table(ddb, name, prefix, fmt="DYNAMODB_JSON", bucket="ddb-imports", **kw):
    params = dict(TableName=name, **HASH_S)
    params.update(kw.pop("params", {}))
    first = ddb.import_table(S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": prefix}, InputFormat=fmt,
                             TableCreationParameters=params, **kw)["ImportTableDescription"]
    assert first["ImportStatus"] == "IN_PROGRESS"
    return first, ddb.describe_import(ImportArn=first["ImportArn"])["ImportTableDescription"]


def test_export_imports_back_into_a_new_table(ddb, s3):
    """An export's data files (gzipped DynamoDB JSON lines) import into a new table with the same
    items, binaries, sets, maps and numbers included, and the new table's GSI answers queries."""
    ddb.create_table(TableName="imp-src", **HASH_S)
    ddb.update_continuous_backups(TableName="imp-src",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    items = [{"k": {"S": "a"}, "n": {"N": "1.50"}, "b": {"B": b"\x00\xffbin"}, "ss": {"SS": ["x", "y"]},
              "bs": {"BS": [b"\x01", b"\x02"]}, "g": {"S": "red"},
              "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}, {"NS": ["2", "3"]}]}}}}]
    items += [{"k": {"S": "item-%03d" % i}, "v": {"N": str(i)}, "g": {"S": "blue" if i % 2 else "red"}}
              for i in range(60)]
    for it in items:
        ddb.put_item(TableName="imp-src", Item=it)
    time.sleep(1.05)  # as the export test: the restorable window starts a second after PITR is on
    exp = ddb.export_table_to_point_in_time(TableArn=ARN_PREFIX + "imp-src", S3Bucket="ddb-imports",
                                            S3Prefix="exp")["ExportDescription"]
    exp_id = exp["ExportArn"].rsplit("/", 1)[1]
    assert ddb.describe_export(ExportArn=exp["ExportArn"])["ExportDescription"]["ExportStatus"] == "COMPLETED"
    assert exp["ExportArn"] in [s["ExportArn"] for s in ddb.list_exports()["ExportSummaries"]]  # no TableArn: all
    data = "exp/AWSDynamoDB/%s/data/" % exp_id
    for o in s3.list_objects_v2(Bucket="ddb-imports", Prefix=data)["Contents"]:  # really compressed
        packed = s3.get_object(Bucket="ddb-imports", Key=o["Key"])["Body"].read()
        assert len(packed) < len(gzip.decompress(packed)) / 2
    gsi = [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}]
    first, desc = import_table(ddb, "imp-copy", data, InputCompressionType="GZIP", params=dict(
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexes=gsi))
    assert first["ImportArn"].startswith(ARN_PREFIX + "imp-copy/import/")
    assert first["TableArn"] == ARN_PREFIX + "imp-copy" and first["InputCompressionType"] == "GZIP"
    assert first["CloudWatchLogGroupArn"] == "arn:aws:logs:%s:%s:log-group:/aws-dynamodb/imports:*" % (
        REGION, ACCOUNT)
    assert desc["ImportStatus"] == "COMPLETED", desc
    assert (desc["ProcessedItemCount"], desc["ImportedItemCount"], desc["ErrorCount"]) == (61, 61, 0)
    assert desc["ProcessedSizeBytes"] > 0 and desc["EndTime"] >= desc["StartTime"]
    assert desc["TableId"] == ddb.describe_table(TableName="imp-copy")["Table"]["TableId"]
    assert desc["TableCreationParameters"]["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
    assert canon(scan_all(ddb, "imp-copy")) == canon(scan_all(ddb, "imp-src"))
    got = ddb.get_item(TableName="imp-copy", Key={"k": {"S": "a"}})["Item"]
    assert got["b"] == {"B": b"\x00\xffbin"} and got["n"] == {"N": "1.5"}
    red = ddb.query(TableName="imp-copy", IndexName="by-g", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "red"}})
    assert red["Count"] == 31


def test_csv_with_header_line(ddb, s3, gureum):
    """Without HeaderList each file's first line names the columns; values are strings but for
    attributes AttributeDefinitions types (a numeric key stays N); quoted fields keep delimiters,
    quotes and line breaks; empty values are left out; a row with more values than columns and a
    key that is no number are errors, counted and logged to /aws-dynamodb/imports; with errors the
    import is FAILED (ItemValidationError) and keeps what it imported."""
    body = ('id,name,qty,note\r\n'
            '1,apple,3,"red, round"\r\n'
            '2,"say ""hi""",,"two\nlines"\n'
            '3,pear,7,x,extra\n'
            'zz,bad,1,x\n'
            '\n'
            '10,kiwi,0,\n')
    s3.put_object(Bucket="ddb-imports", Key="csv1/part-1.csv", Body=body.encode())
    s3.put_object(Bucket="ddb-imports", Key="csv1/part-2.csv", Body=b"id,name\n11,fig\n")
    first, desc = import_table(ddb, "imp-csv", "csv1/", fmt="CSV", params=dict(
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}]))
    assert (desc["ImportStatus"], desc["FailureCode"], desc["FailureMessage"]) == (
        "FAILED", "ItemValidationError", "Some of the items failed validation checks and were not imported. Please "
        "check CloudWatch error logs for more details."), desc
    assert (desc["ProcessedItemCount"], desc["ImportedItemCount"], desc["ErrorCount"]) == (6, 4, 2)
    items = {i["id"]["N"]: i for i in scan_all(ddb, "imp-csv")}
    assert sorted(items) == ["1", "10", "11", "2"]
    assert items["1"] == {"id": {"N": "1"}, "name": {"S": "apple"}, "qty": {"S": "3"}, "note": {"S": "red, round"}}
    assert items["2"] == {"id": {"N": "2"}, "name": {"S": 'say "hi"'}, "note": {"S": "two\nlines"}}
    assert items["10"] == {"id": {"N": "10"}, "name": {"S": "kiwi"}, "qty": {"S": "0"}}
    assert items["11"] == {"id": {"N": "11"}, "name": {"S": "fig"}}
    logs = gureum.client("logs")
    stream = first["ImportArn"].rsplit("/", 1)[1]
    events = logs.get_log_events(logGroupName="/aws-dynamodb/imports", logStreamName=stream)["events"]
    msgs = [json.loads(e["message"]) for e in events]
    assert len(msgs) == 2 and all(m["importArn"] == first["ImportArn"] for m in msgs)
    assert [m["itemS3Pointer"]["key"] for m in msgs] == ["csv1/part-1.csv"] * 2
    assert [m["itemS3Pointer"]["itemIndex"] for m in msgs] == [3, 4]
    assert "header names 4 columns" in msgs[0]["errorMessages"][0]
    assert msgs[1]["errorMessages"] == ["The parameter cannot be converted to a numeric value: zz"]


def test_csv_with_header_list_delimiter_and_zstd(ddb, s3):
    """With HeaderList the first line is data; the Delimiter splits; ZSTD objects are read; a
    string sort key and a binary attribute typed by AttributeDefinitions (base64) import typed."""
    text = b"u1;2024-01-01;AQI=;hello\nu1;2024-01-02;;world\nu2;2024-01-01;Aw==;\n"
    packed = subprocess.run(["zstd", "-q", "-c"], input=text, stdout=subprocess.PIPE, check=True).stdout
    s3.put_object(Bucket="ddb-imports", Key="csv2/data.csv.zst", Body=packed)
    first, desc = import_table(
        ddb, "imp-csv2", "csv2/", fmt="CSV", InputCompressionType="ZSTD",
        InputFormatOptions={"Csv": {"Delimiter": ";", "HeaderList": ["user", "day", "blob", "word"]}},
        params=dict(KeySchema=[{"AttributeName": "user", "KeyType": "HASH"},
                               {"AttributeName": "day", "KeyType": "RANGE"}],
                    AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"},
                                          {"AttributeName": "day", "AttributeType": "S"},
                                          {"AttributeName": "blob", "AttributeType": "B"}],
                    GlobalSecondaryIndexes=[{"IndexName": "by-blob",
                                             "KeySchema": [{"AttributeName": "blob", "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "KEYS_ONLY"}}]))
    assert desc["ImportStatus"] == "COMPLETED", desc
    assert desc["InputFormatOptions"] == {"Csv": {"Delimiter": ";", "HeaderList": ["user", "day", "blob", "word"]}}
    assert (desc["ProcessedItemCount"], desc["ImportedItemCount"], desc["ErrorCount"]) == (3, 3, 0)
    assert desc["ProcessedSizeBytes"] == len(text)
    got = ddb.get_item(TableName="imp-csv2", Key={"user": {"S": "u1"}, "day": {"S": "2024-01-01"}})["Item"]
    assert got == {"user": {"S": "u1"}, "day": {"S": "2024-01-01"}, "blob": {"B": b"\x01\x02"},
                   "word": {"S": "hello"}}
    q = ddb.query(TableName="imp-csv2", IndexName="by-blob", KeyConditionExpression="#b = :b",
                  ExpressionAttributeNames={"#b": "blob"}, ExpressionAttributeValues={":b": {"B": b"\x03"}})
    assert [i["user"]["S"] for i in q["Items"]] == ["u2"]


def test_gzip_json_with_bad_items_and_duplicates(ddb, s3):
    """Gzip members end to end read as one text; an item without its key, a key of the wrong type
    and an invalid number are errors, skipped alone; two items with one key leave the last one,
    not an error (both count as imported: AWS counts writes); a record that is no JSON is an error
    that skips the rest of its object (AWS, measured); a plain (uncompressed) object in the same
    prefix reads under NONE only, so with GZIP it is one error too."""
    lines = [b'{"Item":{"k":{"S":"a"},"v":{"N":"1"}}}', b'{"Item":{"v":{"N":"2"}}}',
             b'{"Item":{"k":{"N":"5"}}}', b'{"Item":{"k":{"S":"b"},"v":{"N":"1e999"}}}']
    part1 = gzip.compress(b"\n".join(lines[:2]) + b"\n")
    part2 = gzip.compress(b"\n".join(lines[2:]) + b'\n{"Item":{"k":{"S":"a"},"v":{"N":"9"}}}\nnot json\n'
                          b'{"Item":{"k":{"S":"skipped"}}}\n')
    s3.put_object(Bucket="ddb-imports", Key="gz/1.json.gz", Body=part1 + part2)
    s3.put_object(Bucket="ddb-imports", Key="gz/2.json", Body=b'{"Item":{"k":{"S":"c"}}}\n')
    first, desc = import_table(ddb, "imp-gz", "gz/", InputCompressionType="GZIP")
    assert (desc["ImportStatus"], desc["FailureCode"]) == ("FAILED", "ItemValidationError"), desc
    assert (desc["ProcessedItemCount"], desc["ImportedItemCount"], desc["ErrorCount"]) == (6, 2, 5)
    assert scan_all(ddb, "imp-gz") == [{"k": {"S": "a"}, "v": {"N": "9"}}]


def test_json_records_without_line_breaks_and_without_item(ddb, s3):
    """AWS (moto's AWS-verified import tests): DynamoDB JSON objects run together on one line are
    records too; a record without Item fails the import (ItemValidationError), which keeps the
    items of the other objects and skips the rest of its own."""
    run = "".join(json.dumps({"Item": {"k": {"S": "r%d" % i}}}) for i in range(3))
    s3.put_object(Bucket="ddb-imports", Key="run/a.json", Body=(run + "\n" + run.replace("r", "s")).encode())
    first, desc = import_table(ddb, "imp-run", "run/")
    assert (desc["ImportStatus"], desc["ProcessedItemCount"], desc["ImportedItemCount"], desc["ErrorCount"]) == \
        ("COMPLETED", 6, 6, 0), desc
    assert sorted(i["k"]["S"] for i in scan_all(ddb, "imp-run")) == ["r0", "r1", "r2", "s0", "s1", "s2"]
    s3.put_object(Bucket="ddb-imports", Key="noitem/a.json", Body=b'{"Item":{"k":{"S":"ok"}}}')
    s3.put_object(Bucket="ddb-imports", Key="noitem/b",
                  Body=b'{"k":{"S":"bare"}}\n{"Item":{"k":{"S":"after"}}}\n')
    first, desc = import_table(ddb, "imp-noitem", "noitem/")
    assert (desc["ImportStatus"], desc["FailureCode"], desc["ProcessedItemCount"], desc["ImportedItemCount"],
            desc["ErrorCount"]) == ("FAILED", "ItemValidationError", 2, 1, 1), desc
    assert [i["k"]["S"] for i in scan_all(ddb, "imp-noitem")] == ["ok"]


def test_missing_bucket_fails_and_leaves_no_table(ddb, s3):
    """S3 refusing the source makes a FAILED import with S3's code; the table is not kept."""
    first, desc = import_table(ddb, "imp-nobucket", "", bucket="no-such-bucket-for-import")
    assert desc["ImportStatus"] == "FAILED"
    assert (desc["FailureCode"], desc["FailureMessage"]) == ("S3NoSuchBucket", "The specified bucket does not exist")
    assert err(ddb.describe_table, TableName="imp-nobucket")[0] == "ResourceNotFoundException"
    listed = ddb.list_imports(TableArn=ARN_PREFIX + "imp-nobucket")["ImportSummaryList"]
    assert [(s["ImportArn"], s["ImportStatus"]) for s in listed] == [(first["ImportArn"], "FAILED")]


def test_client_token_and_refusals(ddb, s3):
    """A retried ClientToken is the same import; the same token for another source conflicts; a
    table that exists, CSV's options for another format, CreateTable's own checks and an unknown
    import are refused as AWS."""
    s3.put_object(Bucket="ddb-imports", Key="tok/a.json", Body=b'{"Item":{"k":{"S":"x"}}}\n')
    first, desc = import_table(ddb, "imp-tok", "tok/", ClientToken="tok-1")
    again = ddb.import_table(S3BucketSource={"S3Bucket": "ddb-imports", "S3KeyPrefix": "tok/"},
                             InputFormat="DYNAMODB_JSON", ClientToken="tok-1",
                             TableCreationParameters=dict(TableName="imp-tok", **HASH_S))["ImportTableDescription"]
    assert again["ImportArn"] == first["ImportArn"] and again["ImportStatus"] == "COMPLETED"
    assert again["ClientToken"] == "tok-1"
    src = {"S3Bucket": "ddb-imports", "S3KeyPrefix": "other/"}
    assert err(ddb.import_table, S3BucketSource=src, InputFormat="DYNAMODB_JSON", ClientToken="tok-1",
               TableCreationParameters=dict(TableName="imp-tok", **HASH_S))[:2] == ("ImportConflictException", 400)
    assert err(ddb.import_table, S3BucketSource=src, InputFormat="DYNAMODB_JSON",
               TableCreationParameters=dict(TableName="imp-tok", **HASH_S)) == \
        ("ResourceInUseException", 400, "Table already exists: imp-tok")
    assert err(ddb.import_table, S3BucketSource=src, InputFormat="DYNAMODB_JSON",
               InputFormatOptions={"Csv": {"Delimiter": ";"}},
               TableCreationParameters=dict(TableName="imp-opts", **HASH_S)) == \
        ("ValidationException", 400, "Invalid Request: Unsupported InputFormatOptions for the given input format: "
         "DYNAMODB_JSON.")
    bad = dict(HASH_S, KeySchema=[{"AttributeName": "nope", "KeyType": "HASH"}])
    assert err(ddb.import_table, S3BucketSource=src, InputFormat="CSV",
               TableCreationParameters=dict(TableName="imp-bad", **bad)) == \
        ("ValidationException", 400, "One or more parameter values were invalid: Some index key attributes are not "
         "defined in AttributeDefinitions. Keys: [nope], AttributeDefinitions: [k]")
    assert err(ddb.import_table, S3BucketSource=src, InputFormat="CSV",
               TableCreationParameters=dict(TableName="imp-bad", KeySchema=HASH_S["KeySchema"],
                                            AttributeDefinitions=HASH_S["AttributeDefinitions"])) == \
        ("ValidationException", 400, "One or more parameter values were invalid: ReadCapacityUnits and "
         "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
    for name in ("imp-opts", "imp-bad"):
        assert err(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"
    unknown = ARN_PREFIX + "imp-tok/import/01700000000000-abcdef12"
    assert err(ddb.describe_import, ImportArn=unknown)[:2] == ("ImportNotFoundException", 400)


def test_list_imports_pages(ddb, s3):
    """ListImports pages by PageSize (1 to 25) with NextToken, and filters by TableArn."""
    s3.put_object(Bucket="ddb-imports", Key="page/a.json", Body=b'{"Item":{"k":{"S":"x"}}}\n')
    arns = [import_table(ddb, "imp-page-%d" % i, "page/")[0]["ImportArn"] for i in range(3)]
    seen, kw = [], {}
    while True:
        page = ddb.list_imports(PageSize=1, **kw)
        assert len(page["ImportSummaryList"]) <= 1
        seen += [s["ImportArn"] for s in page["ImportSummaryList"]]
        if "NextToken" not in page:
            break
        kw["NextToken"] = page["NextToken"]
    assert set(arns) <= set(seen) and len(seen) == len(set(seen))
    one = ddb.list_imports(TableArn=ARN_PREFIX + "imp-page-1")["ImportSummaryList"]
    assert len(one) == 1 and one[0]["ImportArn"] == arns[1]
    s = one[0]
    assert (s["ImportStatus"], s["InputFormat"], s["TableArn"]) == ("COMPLETED", "DYNAMODB_JSON",
                                                                     ARN_PREFIX + "imp-page-1")
    assert s["S3BucketSource"] == {"S3Bucket": "ddb-imports", "S3KeyPrefix": "page/"}
    assert isinstance(s["StartTime"], datetime.datetime) and s["EndTime"] >= s["StartTime"]
    code, status, msg = err(ddb.list_imports, PageSize=26)
    assert (code, status) == ("ValidationException", 400)
    assert "Member must have value less than or equal to 25" in msg


def test_large_object_and_its_error_index(ddb, s3, gureum):
    """An object of 2,500 items (more than one parse batch) loads whole; an error past the first
    batch is logged with its item's index in the object."""
    lines = ['{"Item":{"k":{"S":"n%04d"},"pad":{"S":"%s"}}}' % (i, "x" * 200) for i in range(1, 2501)]
    lines[2099] = '{"Item":{"k":{"S":""}}}'  # item 2100: an empty key
    s3.put_object(Bucket="ddb-imports", Key="big/one.json.gz", Body=gzip.compress("\n".join(lines).encode()))
    first, desc = import_table(ddb, "imp-big", "big/", InputCompressionType="GZIP")
    assert (desc["ImportStatus"], desc["ProcessedItemCount"], desc["ImportedItemCount"], desc["ErrorCount"]) == \
        ("FAILED", 2500, 2499, 1)
    assert ddb.describe_table(TableName="imp-big")["Table"]["ItemCount"] == 2499
    stream = first["ImportArn"].rsplit("/", 1)[1]
    events = gureum.client("logs").get_log_events(logGroupName="/aws-dynamodb/imports", logStreamName=stream)
    (m,) = [json.loads(e["message"]) for e in events["events"]]
    assert m["itemS3Pointer"] == {"bucket": "ddb-imports", "key": "big/one.json.gz", "itemIndex": 2100}
    assert "empty string" in m["errorMessages"][0]
