"""test_dynamodb_export_formats.py — DynamoDB exports in Amazon Ion and incremental exports,
against a real server, read back through S3 line by line: an ION export (data/*.ion.gz, each
line "$ion_1_0 {Item:{...}}", numbers as AWS writes them), imported back into a new table;
hand-written Ion imported (comments, long strings, ZSTD) with its bad records counted; an
incremental export's change lines (Metadata, Keys, NewImage, OldImage) for items updated,
deleted, created, created-and-deleted and changed after the window, in both views and formats;
and the window's refusals. Incremental exports are newer than boto3 1.26's model: those tests
skip there. The server runs with GUREUM_DYNAMODB_EXPORT_MINUTE_MS (a test-only scale of the
window's minute: 15 minutes are 3 s here), since AWS's windows are 15 minutes to 24 hours.
"""
import datetime
import gzip
import json
import subprocess
import time

import pytest

from conftest import refused, serve

ACCOUNT = "000000000000"
REGION = "us-east-1"
ARN_PREFIX = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
HASH_S = dict(KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
MINUTE_MS = 200  # the window's minute on this server: 15 minutes = 3 s, 24 hours = 288 s


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_DYNAMODB_EXPORT_MINUTE_MS": str(MINUTE_MS)})


@pytest.fixture(scope="module")
def ddb(server):
    return server.client("dynamodb")


@pytest.fixture(scope="module")
def s3(server):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="ddb-fmt")
    return s3


def err(f, **kw):
    e, _ = refused(f, **kw)
    return e["Code"], e["Message"]


def read(s3, key):
    return s3.get_object(Bucket="ddb-fmt", Key=key)["Body"].read()


def pitr_table(ddb, name):
    ddb.create_table(TableName=name, **HASH_S)
    ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    return ARN_PREFIX + name


def data_lines(s3, desc):
    """The export's manifests and the lines of all its data files."""
    summary = json.loads(read(s3, desc["ExportManifest"]))
    files = [json.loads(l) for l in read(s3, summary["manifestFilesS3Key"]).decode().splitlines()]
    lines = []
    for f in files:
        lines += gzip.decompress(read(s3, f["dataFileS3Key"])).decode().splitlines()
    return summary, files, lines


def scan_all(ddb, table):
    return ddb.scan(TableName=table)["Items"]


def canon(items):
    def norm(v):
        if isinstance(v, dict):
            return {t: (sorted(x) if t in ("SS", "NS", "BS") else norm(x)) for t, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return {i["k"]["S"]: norm(i) for i in items}


def new_model(ddb):
    return "IncrementalExportSpecification" in \
        ddb.meta.service_model.operation_model("ExportTableToPointInTime").input_shape.members


# ==== Amazon Ion ====

ITEMS = [
    {"k": {"S": "num"}, "id": {"N": "103"}, "pages": {"N": "600"}, "price": {"N": "2000"}, "f": {"N": "1.5"},
     "neg": {"N": "-0.001"}, "zero": {"N": "0"}},
    {"k": {"S": "all"}, "s": {"S": 'quote " back \\ nl \n é'}, "b": {"B": b"\x00\xffbin"}, "t": {"BOOL": True},
     "z": {"NULL": True}, "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"ab", b"c"]},
     "m": {"M": {"l": {"L": [{"BOOL": False}, {"N": "7"}, {"M": {}}]}}}, "null": {"S": "keyword"},
     "a b": {"S": "space"}},
]


def test_ion_export_lines_and_manifests(ddb, s3):
    """AWS (Developer Guide, export output format, Amazon Ion): data/*.ion.gz, each line the
    version marker and one {Item:...}; N as a decimal (103. 6d2 2d3), B as a blob, sets as lists
    annotated $dynamodb_SS/NS/BS; outputFormat ION in the summary."""
    arn = pitr_table(ddb, "ion-src")
    for item in ITEMS:
        ddb.put_item(TableName="ion-src", Item=item)
    first = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="ddb-fmt", S3Prefix="ion",
                                              ExportFormat="ION")["ExportDescription"]
    assert (first["ExportStatus"], first["ExportFormat"]) == ("IN_PROGRESS", "ION")
    desc = ddb.describe_export(ExportArn=first["ExportArn"])["ExportDescription"]
    assert (desc["ExportStatus"], desc["ExportFormat"], desc["ItemCount"]) == ("COMPLETED", "ION", 2)
    base = "ion/AWSDynamoDB/%s/" % first["ExportArn"].rsplit("/", 1)[1]
    summary, files, lines = data_lines(s3, desc)
    assert summary["outputFormat"] == "ION" and summary["itemCount"] == 2
    assert len(files) == 1 and files[0]["dataFileS3Key"].startswith(base + "data/")
    assert files[0]["dataFileS3Key"].endswith(".ion.gz")
    assert all(l.startswith("$ion_1_0 {Item:") and l.endswith("}}") for l in lines) and len(lines) == 2
    by_key = {("num" if 'k:"num"' in l else "all"): l for l in lines}
    assert by_key["num"] == '$ion_1_0 {Item:{k:"num",id:103.,pages:6d2,price:2d3,f:1.5,neg:-0.001,zero:0.}}'
    line = by_key["all"]
    for part in ('s:"quote \\" back \\\\ nl \\n é"', "b:{{AP9iaW4=}}", "t:true", "z:null",
                 "ss:$dynamodb_SS::[", "ns:$dynamodb_NS::[", "bs:$dynamodb_BS::[", "m:{l:[false,7.,{}]}",
                 "'null':\"keyword\"", "'a b':\"space\""):
        assert part in line, part
    # AWS (recorded): the same ClientToken in another format is a conflict
    tok = dict(TableArn=arn, S3Bucket="ddb-fmt", S3Prefix="ion-tok", ClientToken="ion-tok")
    one = ddb.export_table_to_point_in_time(ExportFormat="ION", **tok)["ExportDescription"]
    assert ddb.export_table_to_point_in_time(ExportFormat="ION", **tok)["ExportDescription"]["ExportArn"] == \
        one["ExportArn"]
    assert err(ddb.export_table_to_point_in_time, **tok) == \
        ("ExportConflictException", "Export conflict: Duplicate request detected with conflicting parameters")


def test_ion_export_imports_back(ddb, s3):
    """An ION export's data files, imported (InputFormat ION, GZIP), make the same items."""
    exports = ddb.list_exports(TableArn=ARN_PREFIX + "ion-src")["ExportSummaries"]
    desc = ddb.describe_export(ExportArn=exports[0]["ExportArn"])["ExportDescription"]
    prefix = desc["ExportManifest"].rsplit("/", 1)[0] + "/data/"
    imp = ddb.import_table(S3BucketSource={"S3Bucket": "ddb-fmt", "S3KeyPrefix": prefix}, InputFormat="ION",
                           InputCompressionType="GZIP",
                           TableCreationParameters=dict(TableName="ion-back", **HASH_S))["ImportTableDescription"]
    imp = ddb.describe_import(ImportArn=imp["ImportArn"])["ImportTableDescription"]
    assert (imp["ImportStatus"], imp["InputFormat"], imp["ImportedItemCount"], imp["ErrorCount"]) == \
        ("COMPLETED", "ION", 2, 0)
    assert canon(scan_all(ddb, "ion-back")) == canon(scan_all(ddb, "ion-src"))


def test_ion_import_text_features_and_bad_records(ddb, s3, server):
    """Ion text as a person writes it — comments, long strings, a field name quoted, ints with
    underscores, several values on a line, ZSTD — imports; a record DynamoDB refuses (an empty
    set) is counted alone, a value of no DynamoDB type (a timestamp) leaves the rest of its object
    unread, as a record that is not JSON does for DYNAMODB_JSON."""
    text = (b"// hand-written\n$ion_1_0\n{Item:{k:\"a\", 'n n':1_000, s:'''long ''' /* c */ '''string''',"
            b" l:[1, 2.5, \"x\"], m:{inner:null}}} {Item:{k:\"b\", v:0x10}}\n"
            b"{Item:{k:\"c\", ss:$dynamodb_SS::[]}}\n{Item:{k:\"d\"}}\n")
    packed = subprocess.run(["zstd", "-q", "-c"], input=text, stdout=subprocess.PIPE, check=True).stdout
    s3.put_object(Bucket="ddb-fmt", Key="hand/a.ion.zst", Body=packed)
    s3.put_object(Bucket="ddb-fmt", Key="hand2/x.ion", Body=b"{Item:{k:\"e\"}}\n{Item:{k:\"f\", t:2007-02-23T12:14Z}}\n"
                                                             b"{Item:{k:\"g\"}}\n")
    imp = ddb.import_table(S3BucketSource={"S3Bucket": "ddb-fmt", "S3KeyPrefix": "hand/"}, InputFormat="ION",
                           InputCompressionType="ZSTD",
                           TableCreationParameters=dict(TableName="ion-hand", **HASH_S))["ImportTableDescription"]
    imp = ddb.describe_import(ImportArn=imp["ImportArn"])["ImportTableDescription"]
    assert (imp["ImportStatus"], imp["ProcessedItemCount"], imp["ImportedItemCount"], imp["ErrorCount"]) == \
        ("FAILED", 4, 3, 1)
    got = canon(scan_all(ddb, "ion-hand"))
    assert got["a"] == {"k": {"S": "a"}, "n n": {"N": "1000"}, "s": {"S": "long string"},
                        "l": {"L": [{"N": "1"}, {"N": "2.5"}, {"S": "x"}]}, "m": {"M": {"inner": {"NULL": True}}}}
    assert got["b"] == {"k": {"S": "b"}, "v": {"N": "16"}} and sorted(got) == ["a", "b", "d"]
    imp = ddb.import_table(S3BucketSource={"S3Bucket": "ddb-fmt", "S3KeyPrefix": "hand2/"}, InputFormat="ION",
                           TableCreationParameters=dict(TableName="ion-hand2", **HASH_S))["ImportTableDescription"]
    imp = ddb.describe_import(ImportArn=imp["ImportArn"])["ImportTableDescription"]
    assert (imp["ImportStatus"], imp["ImportedItemCount"], imp["ErrorCount"]) == ("FAILED", 1, 1)
    assert sorted(canon(scan_all(ddb, "ion-hand2"))) == ["e"]
    logs = server.client("logs")
    stream = imp["ImportArn"].rsplit("/", 1)[1]
    events = logs.get_log_events(logGroupName="/aws-dynamodb/imports", logStreamName=stream)["events"]
    assert "Unsupported Ion type: timestamp" in events[0]["message"]
    # AWS: InputFormatOptions are CSV's alone
    assert err(ddb.import_table, S3BucketSource={"S3Bucket": "ddb-fmt", "S3KeyPrefix": "hand/"}, InputFormat="ION",
               InputFormatOptions={"Csv": {"Delimiter": ";"}},
               TableCreationParameters=dict(TableName="ion-opts", **HASH_S)) == \
        ("ValidationException", "Invalid Request: Unsupported InputFormatOptions for the given input format: ION.")


# ==== Incremental exports ====

def whole_second_after(delay=0.0):
    """Sleeps to the next whole second (plus delay) and returns that second as a datetime."""
    now = time.time()
    mark = int(now) + 1
    time.sleep(mark - now + delay)
    return datetime.datetime.fromtimestamp(mark, datetime.timezone.utc)


@pytest.fixture(scope="module")
def changes(ddb):
    """A table whose log holds, inside [start, end): a updated, b deleted, d created, e created
    and deleted; x untouched; after end, a updated again and z created."""
    if not new_model(ddb):
        pytest.skip("this botocore has no incremental exports (boto3 1.43 has)")
    arn = pitr_table(ddb, "inc-t")
    time.sleep(1.1)  # past the restorable window's whole-second start
    for k in ("a", "b", "x"):
        ddb.put_item(TableName="inc-t", Item={"k": {"S": k}, "v": {"N": "1"}})
    start = whole_second_after(0.05)
    ddb.put_item(TableName="inc-t", Item={"k": {"S": "a"}, "v": {"N": "2"}})
    ddb.delete_item(TableName="inc-t", Key={"k": {"S": "b"}})
    ddb.put_item(TableName="inc-t", Item={"k": {"S": "d"}, "v": {"N": "1"}, "bin": {"B": b"\x01"}})
    ddb.put_item(TableName="inc-t", Item={"k": {"S": "e"}})
    ddb.delete_item(TableName="inc-t", Key={"k": {"S": "e"}})
    time.sleep(3.2)
    end = whole_second_after(0.05)
    ddb.put_item(TableName="inc-t", Item={"k": {"S": "a"}, "v": {"N": "3"}})
    ddb.put_item(TableName="inc-t", Item={"k": {"S": "z"}})
    time.sleep(0.1)
    return arn, start, end


def incremental(ddb, arn, start, end, prefix, **kw):
    spec = {"ExportFromTime": start, "ExportToTime": end}
    spec.update(kw.pop("spec", {}))
    first = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="ddb-fmt", S3Prefix=prefix,
                                              ExportType="INCREMENTAL_EXPORT", IncrementalExportSpecification=spec,
                                              **kw)["ExportDescription"]
    assert first["ExportStatus"] == "IN_PROGRESS"
    return first, ddb.describe_export(ExportArn=first["ExportArn"])["ExportDescription"]


def test_incremental_new_and_old_images(ddb, s3, changes):
    """AWS ("Incremental export output"): one line per item changed in the window, with
    Metadata.WriteTimestampMicros, Keys, NewImage (none when deleted) and OldImage (none when
    created); an item created and deleted in the window is left out; the images are the item's
    state at the window's start and just before its end. Data files go to the export prefix's
    shared AWSDynamoDB/data/; the summary names the window, view and type."""
    arn, start, end = changes
    first, desc = incremental(ddb, arn, start, end, "inc")
    assert desc["ExportStatus"] == "COMPLETED" and desc["ExportType"] == "INCREMENTAL_EXPORT"
    assert desc["IncrementalExportSpecification"] == {"ExportFromTime": start, "ExportToTime": end,
                                                      "ExportViewType": "NEW_AND_OLD_IMAGES"}
    assert "ExportTime" not in desc and desc["ItemCount"] == 3 and desc["BilledSizeBytes"] == 10000000
    summary, files, lines = data_lines(s3, desc)
    assert (summary["exportType"], summary["outputView"], summary["outputFormat"]) == \
        ("INCREMENTAL_EXPORT", "NEW_AND_OLD_IMAGES", "DYNAMODB_JSON")
    assert summary["exportFromTime"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert summary["exportToTime"].startswith(end.strftime("%Y-%m-%dT%H:%M:%S")) and "exportTime" not in summary
    base = desc["ExportManifest"].rsplit("/", 1)[0]
    assert summary["manifestFilesS3Key"] == base + "/manifest-files.json"
    assert all(f["dataFileS3Key"].startswith("inc/AWSDynamoDB/data/") for f in files)
    recs = {json.loads(l)["Keys"]["k"]["S"]: json.loads(l) for l in lines}
    assert sorted(recs) == ["a", "b", "d"]
    assert recs["a"]["OldImage"] == {"k": {"S": "a"}, "v": {"N": "1"}}
    assert recs["a"]["NewImage"] == {"k": {"S": "a"}, "v": {"N": "2"}}
    assert recs["b"] == {"Metadata": recs["b"]["Metadata"], "Keys": {"k": {"S": "b"}},
                         "OldImage": {"k": {"S": "b"}, "v": {"N": "1"}}}
    assert "OldImage" not in recs["d"] and recs["d"]["NewImage"]["bin"] == {"B": "AQ=="}
    lo, hi = start.timestamp() * 1e6, end.timestamp() * 1e6
    for r in recs.values():
        assert list(r)[:2] == ["Metadata", "Keys"]
        assert lo <= int(r["Metadata"]["WriteTimestampMicros"]["N"]) < hi


def test_incremental_new_image_in_ion(ddb, s3, changes):
    """NEW_IMAGE has no OldImage; in ION the same records, each line with the version marker."""
    arn, start, end = changes
    _, desc = incremental(ddb, arn, start, end, "inc-ion", ExportFormat="ION", spec={"ExportViewType": "NEW_IMAGE"})
    assert desc["ExportFormat"] == "ION" and desc["IncrementalExportSpecification"]["ExportViewType"] == "NEW_IMAGE"
    summary, files, lines = data_lines(s3, desc)
    assert (summary["outputView"], summary["outputFormat"]) == ("NEW_IMAGE", "ION")
    assert all(f["dataFileS3Key"].endswith(".ion.gz") for f in files) and len(lines) == 3
    by_key = {l.split('Keys:{k:"', 1)[1][0]: l for l in lines}
    assert sorted(by_key) == ["a", "b", "d"]
    assert all(l.startswith("$ion_1_0 {Metadata:{WriteTimestampMicros:") and "OldImage" not in l for l in lines)
    assert by_key["a"].endswith(',Keys:{k:"a"},NewImage:{k:"a",v:2.}}')
    assert by_key["b"].endswith(',Keys:{k:"b"}}')


def test_incremental_without_to_time_and_listing(ddb, s3, changes):
    """Without ExportToTime the window ends now (DescribeExport fills it in): a's NewImage is its
    latest, z appears. ListExports and DescribeExport name the type."""
    arn, start, end = changes
    first = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="ddb-fmt", S3Prefix="inc-now",
                                              ExportType="INCREMENTAL_EXPORT",
                                              IncrementalExportSpecification={"ExportFromTime": start})
    desc = ddb.describe_export(ExportArn=first["ExportDescription"]["ExportArn"])["ExportDescription"]
    assert desc["IncrementalExportSpecification"]["ExportToTime"] > end
    _, _, lines = data_lines(s3, desc)
    recs = {json.loads(l)["Keys"]["k"]["S"]: json.loads(l) for l in lines}
    assert sorted(recs) == ["a", "b", "d", "z"] and recs["a"]["NewImage"]["v"] == {"N": "3"}
    types = {e["ExportArn"]: e["ExportType"] for e in ddb.list_exports(TableArn=arn)["ExportSummaries"]}
    assert types[desc["ExportArn"]] == "INCREMENTAL_EXPORT" and set(types.values()) == {"INCREMENTAL_EXPORT"}
    full = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="ddb-fmt", S3Prefix="inc-full")
    assert full["ExportDescription"]["ExportType"] == "FULL_EXPORT"
    assert "IncrementalExportSpecification" not in full["ExportDescription"]
    # the same ClientToken with another view is another request
    tok = dict(TableArn=arn, S3Bucket="ddb-fmt", ExportType="INCREMENTAL_EXPORT", ClientToken="inc-tok")
    one = ddb.export_table_to_point_in_time(IncrementalExportSpecification={"ExportFromTime": start,
                                                                            "ExportToTime": end}, **tok)
    again = ddb.export_table_to_point_in_time(IncrementalExportSpecification={"ExportFromTime": start,
                                                                              "ExportToTime": end}, **tok)
    assert one["ExportDescription"]["ExportArn"] == again["ExportDescription"]["ExportArn"]
    assert err(ddb.export_table_to_point_in_time, IncrementalExportSpecification={
        "ExportFromTime": start, "ExportToTime": end, "ExportViewType": "NEW_IMAGE"}, **tok) == \
        ("ExportConflictException", "Export conflict: Duplicate request detected with conflicting parameters")
    assert err(ddb.export_table_to_point_in_time, TableArn=arn, S3Bucket="ddb-fmt", ClientToken="inc-tok")[0] == \
        "ExportConflictException"


def test_incremental_refusals(ddb, changes, gureum_factory):
    """AWS's recorded refusals (ACK's DDB-EXPORT-003/004): the type and specification couplings
    are ValidationException; every window violation is InvalidExportTimeException."""
    arn, start, end = changes
    call = ddb.export_table_to_point_in_time
    base = dict(TableArn=arn, S3Bucket="ddb-fmt")
    spec = {"ExportFromTime": start, "ExportToTime": end}
    pre = "Invalid Request: "
    assert err(call, IncrementalExportSpecification=spec, **base) == \
        ("ValidationException", pre + "Export Type expected to be Incremental Export when incremental export "
         "specification is provided")
    assert err(call, ExportType="FULL_EXPORT", IncrementalExportSpecification=spec, **base) == \
        ("ValidationException", pre + "When Export Type is Full Export , Incremental Export Specification should "
         "not be provided")
    assert err(call, ExportType="INCREMENTAL_EXPORT", **base) == \
        ("ValidationException", pre + "Incremental Export Specification expected when export type is set as "
         "Incremental Export")
    for s in ({}, {"ExportViewType": "NEW_IMAGE"}, {"ExportToTime": end}):
        assert err(call, ExportType="INCREMENTAL_EXPORT", IncrementalExportSpecification=s, **base) == \
            ("ValidationException", pre + "ExportFromTime must be provided in IncrementalExportSpecification")
    inc = dict(base, ExportType="INCREMENTAL_EXPORT")
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    early = start - datetime.timedelta(hours=1)
    assert err(call, IncrementalExportSpecification={"ExportFromTime": early, "ExportToTime": end}, **inc) == \
        ("InvalidExportTimeException", "Incremental export period from time cannot be less than the table "
         "creation time : " + iso(early))
    future = end + datetime.timedelta(hours=1)
    assert err(call, IncrementalExportSpecification={"ExportFromTime": start, "ExportToTime": future}, **inc) == \
        ("InvalidExportTimeException", "Incremental export period to time cannot be greater than the current "
         "time : " + iso(future))
    assert err(call, IncrementalExportSpecification={"ExportFromTime": end, "ExportToTime": start}, **inc) == \
        ("InvalidExportTimeException", "Incremental export period from time should not be greater or equal to "
         "incremental export period to time")
    short = start + datetime.timedelta(seconds=2)  # under 15 (scaled) minutes
    assert err(call, IncrementalExportSpecification={"ExportFromTime": start, "ExportToTime": short}, **inc) == \
        ("InvalidExportTimeException", "Difference between export period from time and export period to time is "
         "less than 15 minutes")
    # PITR off: the window's check, as recorded
    ddb.create_table(TableName="inc-off", **HASH_S)
    assert err(call, TableArn=ARN_PREFIX + "inc-off", S3Bucket="ddb-fmt", ExportType="INCREMENTAL_EXPORT",
               IncrementalExportSpecification=spec)[0] == "InvalidExportTimeException"
    # Over 24 hours: on a server whose minute is 1 ms (24 hours = 1.44 s)
    g = gureum_factory(env={"GUREUM_DYNAMODB_EXPORT_MINUTE_MS": "1"})
    d2 = g.client("dynamodb")
    g.client("s3").create_bucket(Bucket="ddb-fmt")
    arn2 = pitr_table(d2, "inc-long")
    time.sleep(2.2)  # two whole seconds into the restorable window
    s2 = whole_second_after(0.05)
    e2 = whole_second_after(0.05)
    assert err(d2.export_table_to_point_in_time, TableArn=arn2, S3Bucket="ddb-fmt", ExportType="INCREMENTAL_EXPORT",
               IncrementalExportSpecification={"ExportFromTime": s2 - datetime.timedelta(seconds=2),
                                               "ExportToTime": e2}) == \
        ("InvalidExportTimeException", "Difference between export period from time and export period to time is "
         "greater than 24 hours")
    ok = d2.export_table_to_point_in_time(TableArn=arn2, S3Bucket="ddb-fmt", ExportType="INCREMENTAL_EXPORT",
                                          IncrementalExportSpecification={"ExportFromTime": s2, "ExportToTime": e2})
    assert d2.describe_export(ExportArn=ok["ExportDescription"]["ExportArn"])["ExportDescription"]["ItemCount"] == 0
