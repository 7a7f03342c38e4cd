"""S3 Select (SelectObjectContent) end to end with boto3, which parses the
event stream (prelude and message CRCs, :message-type/:event-type headers):
CSV with and without headers, WHERE, projections and aliases, aggregates,
LIMIT, functions, JSON LINES and DOCUMENT, GZIP input, CSV and JSON output,
ScanRange, Progress/Stats/End events, and the errors AWS answers before the
stream starts.
"""
import gzip
import json
import os

import pytest
from botocore.exceptions import ClientError

CSV = (
    "name,age,city,score\n"
    "alice,30,Paris,1.5\n"
    "bob,25,Berlin,2\n"
    '"carol, jr",41,"New ""York""",3.25\n'
    "dave,19,Paris,\n"
)


def error_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


@pytest.fixture(scope="module")
def bucket(s3):
    b = "gr-sel-%s" % os.urandom(3).hex()
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="people.csv", Body=CSV.encode())
    s3.put_object(Bucket=b, Key="people.csv.gz", Body=gzip.compress(CSV.encode()))
    lines = "\n".join(
        json.dumps(x)
        for x in [
            {"id": 1, "name": "a", "tags": ["x", "y"], "info": {"k": 10}},
            {"id": 2, "name": "b", "tags": [], "info": {"k": 20}},
            {"id": 3, "name": "c", "info": None},
        ]
    )
    s3.put_object(Bucket=b, Key="rows.jsonl", Body=lines.encode())
    doc = {"items": [{"n": 1, "v": "one"}, {"n": 2, "v": "two"}, {"n": 3, "v": "three"}]}
    s3.put_object(Bucket=b, Key="doc.json", Body=json.dumps(doc, indent=2).encode())
    return b


def select(s3, bucket, key, sql, inp=None, out=None, **kw):
    """Runs the query; returns (records text, stats dict, list of event names)."""
    r = s3.select_object_content(
        Bucket=bucket,
        Key=key,
        Expression=sql,
        ExpressionType="SQL",
        InputSerialization={"CSV": {"FileHeaderInfo": "USE"}} if inp is None else inp,
        OutputSerialization={"CSV": {}} if out is None else out,
        **kw,
    )
    recs, stats, names = b"", None, []
    for ev in r["Payload"]:
        names.extend(ev.keys())
        if "Records" in ev:
            recs += ev["Records"]["Payload"]
        if "Stats" in ev:
            stats = ev["Stats"]["Details"]
    return recs.decode(), stats, names


def test_csv_star_stats_end(s3, bucket):
    recs, stats, names = select(s3, bucket, "people.csv", "SELECT * FROM S3Object")
    assert recs == 'alice,30,Paris,1.5\nbob,25,Berlin,2\n"carol, jr",41,"New ""York""",3.25\ndave,19,Paris,\n'
    assert names[-2:] == ["Stats", "End"]
    assert stats == {"BytesScanned": len(CSV), "BytesProcessed": len(CSV), "BytesReturned": len(recs)}


def test_csv_where_projection_alias(s3, bucket):
    recs, _, _ = select(
        s3, bucket, "people.csv", "SELECT s.name, s.city FROM S3Object s WHERE CAST(s.age AS INT) > 20 AND s.city = 'Paris'"
    )
    assert recs == "alice,Paris\n"
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT upper(name) AS n FROM s3object WHERE age BETWEEN 20 AND 35")
    assert recs == "ALICE\nBOB\n"
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT name FROM S3Object WHERE city IN ('Berlin', 'x') OR name LIKE 'd%'")
    assert recs == "bob\ndave\n"
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT name FROM S3Object WHERE score = '' LIMIT 5")
    assert recs == "dave\n"


def test_csv_positional_and_header_modes(s3, bucket):
    recs, _, _ = select(
        s3, bucket, "people.csv", "SELECT _1, _2 FROM S3Object LIMIT 2", inp={"CSV": {"FileHeaderInfo": "NONE"}}
    )
    assert recs == "name,age\nalice,30\n"
    recs, _, _ = select(
        s3, bucket, "people.csv", "SELECT s._1 FROM S3Object s LIMIT 1", inp={"CSV": {"FileHeaderInfo": "IGNORE"}}
    )
    assert recs == "alice\n"


def test_csv_input_options(s3, bucket):
    body = "#comment;x|k;'a;b'|k2;'say \\'hi\\''|k3;'two\r\nlines'|"
    s3.put_object(Bucket=bucket, Key="opts.csv", Body=body.encode())
    inp = {"CSV": {"FileHeaderInfo": "NONE", "RecordDelimiter": "|", "FieldDelimiter": ";", "QuoteCharacter": "'",
                   "QuoteEscapeCharacter": "\\", "Comments": "#"}}
    recs, _, _ = select(s3, bucket, "opts.csv", "SELECT _2 FROM S3Object WHERE _1 LIKE 'k%'", inp, {"JSON": {}})
    assert [json.loads(x)["_2"] for x in recs.splitlines()] == ["a;b", "say 'hi'", "two\r\nlines"]
    # a quoted record delimiter ends the record unless AllowQuotedRecordDelimiter
    body = 'a,"x\ny",b\nc,d,e\n'
    s3.put_object(Bucket=bucket, Key="qrd.csv", Body=body.encode())
    recs, _, _ = select(s3, bucket, "qrd.csv", "SELECT COUNT(*) FROM S3Object", {"CSV": {}})
    assert recs == "3\n"
    recs, _, _ = select(s3, bucket, "qrd.csv", "SELECT _2 FROM S3Object", {"CSV": {"AllowQuotedRecordDelimiter": True}},
                        {"JSON": {}})
    assert [json.loads(x)["_2"] for x in recs.splitlines()] == ["x\ny", "d"]


def test_over_max_record_size(s3, bucket):
    s3.put_object(Bucket=bucket, Key="huge.csv", Body=b"a," + b"x" * (1 << 20) + b"\n")
    code, status, _ = error_of(lambda: select(s3, bucket, "huge.csv", "SELECT _1 FROM S3Object", inp={"CSV": {}}))
    assert (code, status) == ("OverMaxRecordSize", 400)


def test_aggregates(s3, bucket):
    recs, _, _ = select(
        s3,
        bucket,
        "people.csv",
        "SELECT COUNT(*), SUM(CAST(age AS INT)), AVG(CAST(age AS INT)), MIN(age), MAX(score) FROM S3Object",
    )
    assert recs == "4,115,28.75,19,3.25\n"
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT COUNT(*) FROM S3Object WHERE city = 'nowhere'")
    assert recs == "0\n"


def test_functions(s3, bucket):
    sql = (
        "SELECT CHAR_LENGTH(name), SUBSTRING(name FROM 2 FOR 2), TRIM(BOTH 'a' FROM name), LOWER('X'), "
        "COALESCE(NULL, score, 'none'), NULLIF(city, 'Paris'), CASE WHEN CAST(age AS INT) < 21 THEN 'young' ELSE 'old' END, "
        "name || '!' FROM S3Object LIMIT 1"
    )
    recs, _, _ = select(s3, bucket, "people.csv", sql)
    assert recs == "5,li,lice,x,1.5,,old,alice!\n"
    sql = (
        "SELECT EXTRACT(YEAR FROM TO_TIMESTAMP('2021-03-04T05:06:07Z')), "
        "DATE_ADD(day, 30, TO_TIMESTAMP('2021-03-04T05:06:07Z')), "
        "DATE_DIFF(month, TO_TIMESTAMP('2021-01-31T'), TO_TIMESTAMP('2021-03-31T')), "
        "TO_STRING(TO_TIMESTAMP('2021-03-04T05:06:07Z'), 'yyyy/MM/dd HH:mm') FROM S3Object LIMIT 1"
    )
    recs, _, _ = select(s3, bucket, "people.csv", sql)
    assert recs == "2021,2021-04-03T05:06:07Z,2,2021/03/04 05:06\n"


def test_json_output(s3, bucket):
    recs, _, _ = select(
        s3,
        bucket,
        "people.csv",
        "SELECT name, CAST(age AS INT) AS age FROM S3Object LIMIT 2",
        out={"JSON": {"RecordDelimiter": ","}},
    )
    assert recs == '{"name":"alice","age":30},{"name":"bob","age":25},'
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT * FROM S3Object LIMIT 1", out={"JSON": {}})
    assert json.loads(recs) == {"name": "alice", "age": "30", "city": "Paris", "score": "1.5"}


def test_csv_output_options(s3, bucket):
    recs, _, _ = select(
        s3,
        bucket,
        "people.csv",
        "SELECT name, city FROM S3Object LIMIT 2",
        out={"CSV": {"QuoteFields": "ALWAYS", "FieldDelimiter": ";", "RecordDelimiter": "|", "QuoteCharacter": "'"}},
    )
    assert recs == "'alice';'Paris'|'bob';'Berlin'|"


def test_json_lines(s3, bucket):
    inp = {"JSON": {"Type": "LINES"}}
    recs, _, _ = select(s3, bucket, "rows.jsonl", "SELECT s.id, s.info.k FROM S3Object s WHERE s.id > 1", inp, {"JSON": {}})
    # a path into null is MISSING, which JSON output leaves out
    assert [json.loads(x) for x in recs.splitlines()] == [{"id": 2, "k": 20}, {"id": 3}]
    recs, _, _ = select(s3, bucket, "rows.jsonl", "SELECT s.tags[0] AS t FROM S3Object s", inp, {"JSON": {}})
    assert [json.loads(x) for x in recs.splitlines()] == [{"t": "x"}, {}, {}]
    recs, _, _ = select(s3, bucket, "rows.jsonl", "SELECT COUNT(*) FROM S3Object s WHERE s.info IS NULL", inp)
    assert recs == "1\n"


def test_json_document_from_path(s3, bucket):
    inp = {"JSON": {"Type": "DOCUMENT"}}
    recs, _, _ = select(
        s3, bucket, "doc.json", "SELECT d.v FROM S3Object[*].items[*] d WHERE d.n >= 2", inp, {"CSV": {}}
    )
    assert recs == "two\nthree\n"
    recs, _, _ = select(s3, bucket, "doc.json", "SELECT SUM(d.n) AS total FROM S3Object[*].items[*] d", inp, {"JSON": {}})
    assert json.loads(recs) == {"total": 6}


def test_from_wildcard_missing_and_row_name(s3, bucket):
    # AWS "SELECT command", FROM clause: a wildcard emits MISSING when nothing
    # matches (an empty record on output, skipped by aggregates); with no
    # alias the path's last name is the row
    rules = {"Rules": [{"id": "1"}, {"expr": "y > x"}, {"id": "2", "expr": "z = DEBUG"}]}
    s3.put_object(Bucket=bucket, Key="rules.json", Body=json.dumps(rules).encode())
    inp = {"JSON": {"Type": "DOCUMENT"}}
    recs, _, _ = select(s3, bucket, "rules.json", "SELECT id FROM S3Object[*].Rules[*].id", inp, {"JSON": {}})
    assert recs.splitlines() == ['{"id":"1"}', "{}", '{"id":"2"}']
    recs, _, _ = select(s3, bucket, "rules.json", "SELECT COUNT(id) FROM S3Object[*].Rules[*].id", inp, {"CSV": {}})
    assert recs == "2\n"
    recs, _, _ = select(s3, bucket, "rules.json", "SELECT COUNT(*) FROM S3Object[*].Rules", inp, {"CSV": {}})
    assert recs == "1\n"  # the array is one row; Rules[*] would be three


def test_gzip_input(s3, bucket):
    recs, stats, _ = select(
        s3,
        bucket,
        "people.csv.gz",
        "SELECT name FROM S3Object WHERE city = 'Paris'",
        inp={"CSV": {"FileHeaderInfo": "USE"}, "CompressionType": "GZIP"},
    )
    assert recs == "alice\ndave\n"
    assert stats["BytesProcessed"] == len(CSV) and stats["BytesScanned"] == len(gzip.compress(CSV.encode())) or stats[
        "BytesScanned"
    ] > 0
    code, status, _ = error_of(
        lambda: select(
            s3, bucket, "people.csv", "SELECT * FROM S3Object", inp={"CSV": {}, "CompressionType": "GZIP"}
        )
    )
    assert (code, status) == ("InvalidCompressionFormat", 400)


def test_scan_range(s3, bucket):
    body = "a,1\nb,2\nc,3\nd,4\n"
    s3.put_object(Bucket=bucket, Key="range.csv", Body=body.encode())
    inp = {"CSV": {"FileHeaderInfo": "NONE"}}
    # records that start inside [Start, End] are read whole
    recs, stats, _ = select(s3, bucket, "range.csv", "SELECT _1 FROM S3Object", inp, ScanRange={"Start": 1, "End": 8})
    assert recs == "b\nc\n"
    assert stats["BytesScanned"] == 8
    recs, _, _ = select(s3, bucket, "range.csv", "SELECT _1 FROM S3Object", inp, ScanRange={"Start": 4})
    assert recs == "b\nc\nd\n"
    recs, _, _ = select(s3, bucket, "range.csv", "SELECT _1 FROM S3Object", inp, ScanRange={"End": 5})
    assert recs == "d\n"
    # the header line names the columns of a range that starts past it
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT s.name, s.city FROM S3Object s",
                        ScanRange={"Start": CSV.index("bob")})
    assert recs == 'bob,Berlin\n"carol, jr","New ""York"""\ndave,Paris\n'
    # JSON LINES by range: records that start in [Start, End]
    lines = b'{"n":1}\n{"n":2}\n{"n":3}\n'
    s3.put_object(Bucket=bucket, Key="range.jsonl", Body=lines)
    recs, _, _ = select(s3, bucket, "range.jsonl", "SELECT s.n FROM S3Object s", {"JSON": {"Type": "LINES"}},
                        ScanRange={"Start": 3, "End": 16})  # End is inclusive
    assert recs == "2\n3\n"
    code, status, _ = error_of(
        lambda: select(s3, bucket, "doc.json", "SELECT * FROM S3Object", {"JSON": {"Type": "DOCUMENT"}},
                       ScanRange={"Start": 0, "End": 4})
    )
    assert (code, status) == ("UnsupportedScanRangeInput", 400)
    code, status, _ = error_of(
        lambda: select(s3, bucket, "people.csv.gz", "SELECT * FROM S3Object", {"CSV": {}, "CompressionType": "GZIP"},
                       ScanRange={"Start": 0, "End": 4})
    )
    assert (code, status) == ("UnsupportedScanRangeInput", 400)


def test_progress_event(s3, bucket):
    _, stats, names = select(s3, bucket, "people.csv", "SELECT name FROM S3Object", RequestProgress={"Enabled": True})
    assert names[0] == "Records" and "Progress" in names and names[-2:] == ["Stats", "End"]


def test_large_output_is_chunked(s3, bucket):
    body = "".join("%d,%s\n" % (i, "x" * 50) for i in range(5000))
    s3.put_object(Bucket=bucket, Key="big.csv", Body=body.encode())
    recs, stats, names = select(s3, bucket, "big.csv", "SELECT * FROM S3Object", {"CSV": {}})
    assert recs == body
    assert names.count("Records") > 1
    assert stats["BytesReturned"] == len(body)


@pytest.mark.parametrize(
    "sql,code",
    [
        ("SELECT FROM S3Object", "ParseEmptySelect"),
        ("SELECT name S3Object WHERE", "ParseUnexpectedToken"),
        ("SELECT name", "ParseSelectMissingFrom"),
        ("SELECT name FROM S3Object WHERE age ^ 2", "LexerInvalidChar"),
        ("SELECT nosuchfn(name) FROM S3Object", "UnsupportedFunction"),
        ("SELECT upper(name, age) FROM S3Object", "EvaluatorInvalidArguments"),
        ("SELECT *, name FROM S3Object", "ParseAsteriskIsNotAloneInSelectList"),
        ("SELECT CAST(name AS INT) FROM S3Object", "CastFailed"),
        ("SELECT name FROM S3Object ORDER BY name", "ParseUnsupportedSyntax"),
    ],
)
def test_sql_errors(s3, bucket, sql, code):
    got, status, _ = error_of(lambda: select(s3, bucket, "people.csv", sql))
    assert (got, status) == (code, 400)


def test_request_errors(s3, bucket):
    code, status, msg = error_of(
        lambda: s3.select_object_content(
            Bucket=bucket, Key="people.csv", Expression="SELECT * FROM S3Object", ExpressionType="SQLX",
            InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}},
        )
    )
    assert (code, status) == ("InvalidExpressionType", 400)
    code, status, _ = error_of(lambda: select(s3, bucket, "people.csv", "SELECT * FROM S3Object", inp={"JSON": {"Type": "X"}}))
    assert (code, status) == ("InvalidJsonType", 400)
    code, status, _ = error_of(
        lambda: select(s3, bucket, "people.csv", "SELECT * FROM S3Object", inp={"CSV": {"FileHeaderInfo": "MAYBE"}})
    )
    assert (code, status) == ("InvalidFileHeaderInfo", 400)
    code, status, _ = error_of(
        lambda: select(s3, bucket, "people.csv", "SELECT * FROM S3Object", inp={"CSV": {}, "JSON": {}})
    )
    assert (code, status) == ("ObjectSerializationConflict", 400)
    code, status, _ = error_of(lambda: select(s3, bucket, "people.csv", "SELECT * FROM S3Object", inp={}))
    assert (code, status) == ("MissingRequiredParameter", 400)
    code, status, _ = error_of(lambda: select(s3, bucket, "nope.csv", "SELECT * FROM S3Object"))
    assert (code, status) == ("NoSuchKey", 404)
    code, status, _ = error_of(lambda: select(s3, bucket + "-none", "people.csv", "SELECT * FROM S3Object"))
    assert (code, status) == ("NoSuchBucket", 404)
    code, status, _ = error_of(
        lambda: select(s3, bucket, "people.csv", "SELECT * FROM S3Object", inp={"Parquet": {}})
    )
    assert (code, status) == ("NotImplemented", 501)


def test_invalid_utf8_and_json(s3, bucket):
    s3.put_object(Bucket=bucket, Key="latin1.csv", Body=b"caf\xe9\n")
    code, status, _ = error_of(lambda: select(s3, bucket, "latin1.csv", "SELECT * FROM S3Object", inp={"CSV": {}}))
    assert (code, status) == ("InvalidTextEncoding", 400)
    s3.put_object(Bucket=bucket, Key="bad.jsonl", Body=b'{"a": 1}\n{"a": \n')
    code, status, _ = error_of(
        lambda: select(s3, bucket, "bad.jsonl", "SELECT * FROM S3Object", inp={"JSON": {"Type": "LINES"}})
    )
    assert (code, status) == ("JSONParsingError", 400)


def test_sse_c_object_needs_key(s3, bucket):
    import base64
    import hashlib

    key = os.urandom(32)
    sse = {
        "SSECustomerAlgorithm": "AES256",
        "SSECustomerKey": base64.b64encode(key).decode(),
        "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key).digest()).decode(),
    }
    s3.put_object(Bucket=bucket, Key="secret.csv", Body=b"x,1\n", **sse)
    code, status, _ = error_of(lambda: select(s3, bucket, "secret.csv", "SELECT * FROM S3Object", inp={"CSV": {}}))
    assert (code, status) == ("InvalidRequest", 400)
    recs, _, _ = select(s3, bucket, "secret.csv", "SELECT _2 FROM S3Object", inp={"CSV": {}}, **sse)
    assert recs == "1\n"


def test_anonymous_refused(gureum, s3, bucket):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    s3.put_object(Bucket=bucket, Key="public.csv", Body=b"a,1\n", ACL="public-read")
    anon = boto3.client("s3", endpoint_url=gureum.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED))
    assert anon.get_object(Bucket=bucket, Key="public.csv")["Body"].read() == b"a,1\n"
    code, status, _ = error_of(lambda: select(anon, bucket, "public.csv", "SELECT * FROM S3Object", inp={"CSV": {}}))
    assert (code, status) == ("AccessDenied", 403)


def test_streams_object_larger_than_request_memory(s3, bucket):
    """A 72 MiB object (more than a request's 64 MiB arena) in two multipart
    parts, a record straddling them, read a chunk at a time; gzip and JSON
    too; LIMIT stops the scan early."""
    line = "%08d," + "y" * 90 + "\n"
    n = 72 * (1 << 20) // len(line % 0)
    body = "".join(line % i for i in range(n)).encode()
    cut = 5 * (1 << 20) + 37  # a part boundary inside a record
    up = s3.create_multipart_upload(Bucket=bucket, Key="large.csv")
    parts = []
    for i, chunk in enumerate((body[:cut], body[cut:]), 1):
        e = s3.upload_part(Bucket=bucket, Key="large.csv", UploadId=up["UploadId"], PartNumber=i, Body=chunk)
        parts.append({"PartNumber": i, "ETag": e["ETag"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="large.csv", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": parts})
    recs, stats, _ = select(s3, bucket, "large.csv",
                            "SELECT COUNT(*), MAX(CAST(_1 AS INT)) FROM S3Object WHERE _1 LIKE '%7'", {"CSV": {}})
    assert recs == "%d,%d\n" % (len([i for i in range(n) if i % 10 == 7]), max(i for i in range(n) if i % 10 == 7))
    assert stats["BytesScanned"] == len(body)
    # the output is built in memory (ours, not AWS's limit): over 28 MiB is a 500 that says so
    code, status, msg = error_of(lambda: select(s3, bucket, "large.csv", "SELECT * FROM S3Object", {"CSV": {}}))
    assert (code, status) == ("InternalError", 500) and "28 MiB" in msg
    recs, stats, names = select(s3, bucket, "large.csv", "SELECT * FROM S3Object LIMIT 270000", {"CSV": {}})
    assert recs.encode() == body[: 270000 * len(line % 0)] and stats["BytesReturned"] == len(recs)
    assert names.count("Records") > 400
    recs, stats, _ = select(s3, bucket, "large.csv", "SELECT _1 FROM S3Object LIMIT 2", {"CSV": {}})
    assert recs == "00000000\n00000001\n"
    assert stats["BytesScanned"] < len(body)

    s3.put_object(Bucket=bucket, Key="large.csv.gz", Body=gzip.compress(body[: 8 << 20], compresslevel=1))
    whole = (8 << 20) // len(line % 0)
    recs, stats, _ = select(s3, bucket, "large.csv.gz", "SELECT COUNT(*) FROM S3Object",
                            {"CSV": {}, "CompressionType": "GZIP"})
    assert recs == "%d\n" % (whole + 1)  # and the cut last line
    assert stats["BytesProcessed"] == 8 << 20

    # a DOCUMENT of many values, each a record; one value over 1 MB is OverMaxRecordSize
    doc = " ".join(json.dumps({"i": i, "pad": "z" * 50}, indent=1) for i in range(60000))
    s3.put_object(Bucket=bucket, Key="large.json", Body=doc.encode())
    recs, _, _ = select(s3, bucket, "large.json", "SELECT SUM(r.i) FROM S3Object[*] r", {"JSON": {"Type": "DOCUMENT"}})
    assert recs == "%d\n" % sum(range(60000))
    s3.put_object(Bucket=bucket, Key="huge.json", Body=json.dumps([{"pad": "z" * 50}] * 30000).encode())
    code, status, _ = error_of(lambda: select(s3, bucket, "huge.json", "SELECT * FROM S3Object",
                                              {"JSON": {"Type": "DOCUMENT"}}))
    assert (code, status) == ("OverMaxRecordSize", 400)


def test_deep_expressions(s3, bucket):
    recs, _, _ = select(s3, bucket, "people.csv", "SELECT " + "1 + " * 900 + "1 FROM S3Object LIMIT 1")
    assert recs == "901\n"
    for unit in ("1 + ", "NOT ", "(", "- "):
        code, status, _ = error_of(
            lambda: select(s3, bucket, "people.csv", "SELECT " + unit * 20000 + "1 FROM S3Object"))
        assert (code, status) == ("ParseUnsupportedSyntax", 400)
