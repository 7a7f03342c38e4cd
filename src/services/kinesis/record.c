/* record.c — Kinesis records: PutRecord, PutRecords, GetShardIterator,
 * GetRecords, the retention tick, and the kinesis.h interface DynamoDB's
 * streaming destinations write through.
 *
 * A record goes to the shard whose hash key range holds the MD5 of its
 * partition key read as a big-endian 128-bit integer (or its
 * ExplicitHashKey), and is committed before the answer names its sequence
 * number, so an acknowledged record survives a crash. A shard iterator is
 * opaque to clients: base64 of "it1/STREAM-ID/SHARD/AFTER-ROW/ISSUED-MS/NAME",
 * reading the shard's rows after AFTER-ROW; AWS lets one live 5 minutes.
 * It has the shape of AWS's: 8 bytes 00…01, then (ours: that text, NUL
 * padded) to 152 bytes or more in steps of 16. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/gtime.h"
#include "core/md5.h"
#include "kinesis_int.h"
#include "kinesis_model.h"
#include "services/app.h"
#include "services/kinesis/kinesis.h"

#define ITERATOR_TTL_MS 300000
#define GET_BYTES_MAX (10 << 20) /* AWS: GetRecords returns up to 10 MiB */
#define PUT_BYTES_MAX (10 << 20) /* AWS: a PutRecords request's records in all */

/* The open shard of a hash key; open shards cover the whole range, so
 * always found. */
static const kin_shard_t *shard_of(const kin_stream_t *s, kin_u128_t hk)
{
    for (int i = 0; i < s->nshards; i++)
        if (s->shards[i].closed_row < 0 && hk >= s->shards[i].start && hk <= s->shards[i].end) return &s->shards[i];
    return &s->shards[s->nshards - 1];
}

static kin_u128_t md5_key(str_t pkey)
{
    unsigned char d[16];
    md5_of(pkey.p, pkey.len, d);
    kin_u128_t v = 0;
    for (int i = 0; i < 16; i++) v = v << 8 | d[i];
    return v;
}

/* Appends one record in the caller's transaction; *shard and *id say where. */
static int append(sqlite3 *db, const kin_stream_t *s, kin_u128_t hk, str_t pkey, str_t data, int *shard, int64_t *id)
{
    const kin_shard_t *h = shard_of(s, hk);
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO kin_record (sid, shard, arrival_ms, pkey, data) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int(st, 2, h->num);
    sqlite3_bind_int64(st, 3, kin__now_ms());
    store_bind_str(st, 4, pkey);
    sqlite3_bind_blob(st, 5, data.p ? data.p : "", (int)data.len, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    *shard = h->num;
    *id = sqlite3_last_insert_rowid(db);
    return rc;
}

/* AWS: "Invalid ExplicitHashKey. ExplicitHashKey must be in the range:
 * [0, 2^128-1]. Specified value was X" (kinesalite's suite, from AWS). */
static int hash_key_or_fail(req_t *r, const val_t *rec, kin_u128_t *hk)
{
    str_t ehk = val_get_str(rec, "ExplicitHashKey");
    if (!ehk.p) {
        *hk = md5_key(val_get_str(rec, "PartitionKey"));
        return GR_OK;
    }
    if (!kin__u128_parse(ehk, hk))
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value "
                        "was %.*s",
                        STR_FMT(ehk));
    return GR_OK;
}

static str_t blob_of(const val_t *rec)
{
    const val_t *d = val_get(rec, "Data");
    return d && d->kind == VAL_BLOB ? d->u.s : STR("");
}

/* AWS: a record's data and partition key together hold at most the
 * stream's MaxRecordSizeInKiB (1 MiB unless UpdateMaxRecordSize raised it;
 * the model bounds each alone, at 10 MiB); "records.N.member.data" names
 * entry N (from 1) of PutRecords, "data" PutRecord's. */
static int size_or_fail(req_t *r, const kin_stream_t *s, const val_t *rec, size_t n)
{
    int64_t max = s->max_record_kib * 1024;
    if ((int64_t)(blob_of(rec).len + val_get_str(rec, "PartitionKey").len) <= max) return GR_OK;
    return req_fail(r, &KINESIS_ERR_ValidationException,
                    "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have "
                    "length less than or equal to %lld",
                    n ? arena_printf(r->arena, "records.%zu.member.data", n) : "data", (long long)max);
}

int kinesis_put_record(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    kin_u128_t hk;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK || hash_key_or_fail(r, in, &hk) != GR_OK ||
        size_or_fail(r, &s, in, 0) != GR_OK)
        return GR_ERR;
    int shard;
    int64_t id;
    if (append(db, &s, hk, val_get_str(in, "PartitionKey"), blob_of(in), &shard, &id) != GR_OK) return GR_ERR;
    kin__notify(s.id);
    val_set_c(a, out, "ShardId", val_str(a, kin__shard_id(a, shard)));
    val_set_c(a, out, "SequenceNumber", val_str(a, kin__seq(a, s.id, shard, id)));
    return GR_OK;
}

/* AWS: each entry answers SequenceNumber and ShardId, or ErrorCode and
 * ErrorMessage (ProvisionedThroughputExceeded, InternalFailure) with
 * FailedRecordCount counting those; gureum has no throughput limits, so every
 * entry of a valid request succeeds, in one transaction. An invalid entry
 * fails the whole request, as on AWS. */
int kinesis_put_records(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    const val_t *recs = val_get(in, "Records");
    size_t n = recs ? val_len(recs) : 0;
    kin_u128_t *hks = arena_alloc(a, (n ? n : 1) * sizeof *hks);
    if (!hks) return GR_ERR;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *rec = recs->u.list.v[i];
        if (hash_key_or_fail(r, rec, &hks[i]) != GR_OK || size_or_fail(r, &s, rec, i + 1) != GR_OK) return GR_ERR;
        total += blob_of(rec).len + val_get_str(rec, "PartitionKey").len;
    }
    /* AWS: "Each record in the request can be as large as 10 MiB, up to a
     * limit of 10 MiB for the entire request, including partition keys"
     * (PutRecords, since large records; 5 MiB before); the text is the
     * emulators' shared one with the new limit, no AWS recording of it was
     * found */
    if (total > PUT_BYTES_MAX)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Records size exceeds 10 MB limit");
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    int rc = GR_OK;
    for (size_t i = 0; i < n && rc == GR_OK; i++) {
        const val_t *rec = recs->u.list.v[i];
        int shard;
        int64_t id;
        rc = append(db, &s, hks[i], val_get_str(rec, "PartitionKey"), blob_of(rec), &shard, &id);
        val_t *e = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "SequenceNumber", val_str(a, kin__seq(a, s.id, shard, id)));
        val_set_c(a, e, "ShardId", val_str(a, kin__shard_id(a, shard)));
        val_push(a, list, e);
    }
    if (kin__tx_end(db, rc) != GR_OK) return GR_ERR;
    kin__notify(s.id);
    val_set_c(a, out, "FailedRecordCount", val_int(a, 0));
    val_set_c(a, out, "Records", list);
    return GR_OK;
}

/* ==== Iterators ==== */

#define ITERATOR_HEAD 8  /* AWS's iterators open with 00 00 00 00 00 00 00 01 */
#define ITERATOR_MIN 152 /* and are 152 bytes long, or 16, 32, … more */

static str_t iterator(arena_t *a, const kin_stream_t *s, int shard, int64_t after)
{
    str_t t = str_c(arena_printf(a, "it1/%lld/%d/%lld/%lld/%.*s", (long long)s->id, shard, (long long)after,
                                 (long long)kin__now_ms(), STR_FMT(s->name)));
    size_t n = ITERATOR_MIN;
    while (n < ITERATOR_HEAD + t.len) n += 16;
    unsigned char *b = arena_alloc(a, n);
    memset(b, 0, n);
    b[ITERATOR_HEAD - 1] = 1;
    memcpy(b + ITERATOR_HEAD, t.p, t.len);
    return arena_base64(a, b, n);
}

/* An iterator's "it1/…" text, NUL-terminated in the arena; false if tok is
 * none of ours. */
static bool iterator_text(arena_t *a, str_t tok, str_t *text)
{
    static const unsigned char head[ITERATOR_HEAD] = {0, 0, 0, 0, 0, 0, 0, 1};
    str_t b;
    if (!arena_unbase64(a, tok, &b) || b.len < ITERATOR_HEAD || memcmp(b.p, head, ITERATOR_HEAD) != 0) return false;
    size_t n = 0;
    while (ITERATOR_HEAD + n < b.len && b.p[ITERATOR_HEAD + n]) n++;
    *text = str_c(arena_strndup(a, b.p + ITERATOR_HEAD, n));
    return str_starts_with(*text, STR("it1/"));
}

static int64_t max_row(sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT coalesce(max(id), 0) FROM kin_record");
    if (!st) return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return v;
}

int kin__position_or_fail(req_t *r, sqlite3 *db, const kin_stream_t *s, int shard, str_t type, str_t seq,
                          const val_t *ts, int64_t *after)
{
    arena_t *a = r->arena;
    str_t sid = kin__shard_id(a, shard);
    bool by_seq = str_eq_c(type, "AT_SEQUENCE_NUMBER") || str_eq_c(type, "AFTER_SEQUENCE_NUMBER");
    /* AWS's text (kinesalite's suite, run against AWS in 2018; the same
     * in an AWS SDK user's report of 2020) */
    if ((by_seq && !seq.p) || (seq.p && (str_eq_c(type, "TRIM_HORIZON") || str_eq_c(type, "LATEST"))))
        return req_fail(
            r, &KINESIS_ERR_InvalidArgumentException,
            "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber "
            "or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %.*s and %s "
            "StartingSequenceNumber.",
            STR_FMT(type), seq.p ? "also a" : "no");
    if (!by_seq && seq.p)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Request should not contain a starting sequence number for iterator type %.*s", STR_FMT(type));
    if (str_eq_c(type, "AT_TIMESTAMP") && !ts)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request "
                        "has no timestamp parameter.");
    /* AWS refuses a time still to come (kinesalite's suite, run against AWS) */
    int64_t now = kin__now_ms();
    if (str_eq_c(type, "AT_TIMESTAMP") && ts->kind == VAL_TIME && ts->u.t / 1000 > now)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
                        "timestampInMillis: %lld, currentTimestampInMillis: %lld",
                        (long long)(ts->u.t / 1000), (long long)now);
    if (kin__expire(db, s) != GR_OK) return GR_ERR;
    *after = 0;
    if (by_seq) {
        int64_t qsid, qrow;
        int qshard;
        if (!kin__seq_parse(seq, &qsid, &qshard, &qrow) || qsid != s->id)
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                            "StartingSequenceNumber %.*s used in %s on shard %.*s in stream %.*s under account %.*s "
                            "is invalid.",
                            STR_FMT(seq), r->op ? r->op->name : "GetShardIterator", STR_FMT(sid), STR_FMT(s->name),
                            STR_FMT(s->account));
        if (qshard != shard)
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                            "Invalid StartingSequenceNumber. It encodes %.*s, while it was used in a call to a shard "
                            "with %.*s",
                            STR_FMT(kin__shard_id(a, qshard)), STR_FMT(sid));
        *after = str_eq_c(type, "AT_SEQUENCE_NUMBER") ? qrow - 1 : qrow;
    } else if (str_eq_c(type, "LATEST")) {
        if ((*after = max_row(db)) < 0) return GR_ERR;
    } else if (str_eq_c(type, "AT_TIMESTAMP")) {
        /* the first record that arrived at or after the timestamp; none yet:
         * whatever arrives from now on */
        sqlite3_stmt *st = store_stmt(db, "SELECT min(id) FROM kin_record WHERE sid = ?1 AND shard = ?2 AND "
                                          "arrival_ms >= ?3");
        if (!st) return GR_ERR;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int(st, 2, shard);
        sqlite3_bind_int64(st, 3, ts->kind == VAL_TIME ? ts->u.t / 1000 : 0);
        int64_t first = -1;
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            first = sqlite3_column_int64(st, 0);
        store_release(st);
        if (first > 0)
            *after = first - 1;
        else if ((*after = max_row(db)) < 0)
            return GR_ERR;
    }
    return GR_OK;
}

/* AWS (kinesalite's suite, from AWS): ShardId is read loosely
 * (kin__shard_ref), and one that names no shard at all fails before the
 * stream is looked up; a shard the stream lacks, or a stream that does not
 * exist, is "Shard shardId-… in stream S under account A does not exist";
 * a sequence number of another shard "Invalid StartingSequenceNumber. It
 * encodes shardId-…, while it was used in a call to a shard with
 * shardId-…". */
int kinesis_get_shard_iterator(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    int shard;
    if (kin__shard_ref_or_fail(r, in, val_get_str(in, "ShardId"), &shard) != GR_OK) return GR_ERR;
    if (kin__stream_of_shard_or_fail(r, db, in, &s, shard) != GR_OK) return GR_ERR;
    if (shard >= s.nshards)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException,
                        "Shard %.*s in stream %.*s under account %.*s does not exist", STR_FMT(kin__shard_id(a, shard)),
                        STR_FMT(s.name), STR_FMT(s.account));
    int64_t after;
    if (kin__position_or_fail(r, db, &s, shard, val_get_str(in, "ShardIteratorType"),
                              val_get_str(in, "StartingSequenceNumber"), val_get(in, "Timestamp"), &after) != GR_OK)
        return GR_ERR;
    val_set_c(a, out, "ShardIterator", val_str(a, iterator(a, &s, shard, after)));
    return GR_OK;
}

bool kin__iterator_stream(arena_t *a, str_t tok, int64_t *sid)
{
    str_t t;
    long long id;
    if (!iterator_text(a, tok, &t) || sscanf(t.p, "it1/%lld/", &id) != 1) return false;
    *sid = id;
    return true;
}

/* Java's Date.toString, which AWS's ExpiredIterator message is written in. */
static const char *java_date(arena_t *a, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[64];
    strftime(b, sizeof b, "%a %b %d %H:%M:%S UTC %Y", &tm);
    return arena_strdup(a, b);
}

int kinesis_get_records(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t tok = val_get_str(in, "ShardIterator"), t;
    long long sid, shard, after, issued;
    int used = 0;
    char name[160];
    if (!iterator_text(a, tok, &t) ||
        sscanf(t.p, "it1/%lld/%lld/%lld/%lld/%n", &sid, &shard, &after, &issued, &used) != 4 || used <= 0 ||
        t.len - (size_t)used >= sizeof name)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid ShardIterator.");
    memcpy(name, t.p + used, t.len - (size_t)used);
    name[t.len - (size_t)used] = 0;
    int64_t now = kin__now_ms();
    /* AWS: "Iterator expired. The iterator was created at time X while right
     * now it is Y which is further in the future than the tolerated delay of
     * 300000 milliseconds." (kinesalite's suite, from AWS) */
    if (now - issued > ITERATOR_TTL_MS)
        return req_fail(r, &KINESIS_ERR_ExpiredIteratorException,
                        "Iterator expired. The iterator was created at time %s while right now it is %s which is "
                        "further in the future than the tolerated delay of %d milliseconds.",
                        java_date(a, issued), java_date(a, now), ITERATOR_TTL_MS);
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    /* the stream by its id, whoever owns it (an iterator a resource policy
     * let another account take), then by its ARN as any request names it */
    val_t *q = val_new(a, VAL_STRUCT);
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region FROM kin_stream WHERE id = ?1 AND name = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        kin_stream_t owner = {
            .account = store_col_str(a, st, 0), .region = store_col_str(a, st, 1), .name = str_c(name)};
        val_set_c(a, q, "StreamARN", val_str(a, kin__arn(a, &owner)));
    } else {
        val_set_c(a, q, "StreamName", val_cstr(a, name));
    }
    store_release(st);
    /* a stream deleted since: its shard "does not exist" (kinesalite's
     * suite, run against AWS) */
    if (kin__stream_of_shard_or_fail(r, db, q, &s, shard < 0 || shard > INT32_MAX ? 0 : (int)shard) != GR_OK)
        return GR_ERR;
    if (s.id != sid || shard < 0 || shard >= s.nshards)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException,
                        "Shard %.*s in stream %s under account %.*s does not exist",
                        STR_FMT(kin__shard_id(a, (int)shard)), name, STR_FMT(s.account));
    if (kin__expire(db, &s) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "Limit", 10000);
    st = store_stmt(db, "SELECT id, arrival_ms, pkey, data FROM kin_record WHERE sid = ?1 AND "
                        "shard = ?2 AND id > ?3 ORDER BY id LIMIT ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    sqlite3_bind_int(st, 2, (int)shard);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int64(st, 4, limit + 1);
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0, bytes = 0, last_arrival = 0;
    bool more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t size = sqlite3_column_bytes(st, 3);
        if (n == limit || (n > 0 && bytes + size > GET_BYTES_MAX)) {
            more = true;
            break;
        }
        n++;
        bytes += size;
        int64_t id = sqlite3_column_int64(st, 0);
        last_arrival = sqlite3_column_int64(st, 1);
        val_t *rec = val_new(a, VAL_STRUCT);
        val_set_c(a, rec, "SequenceNumber", val_str(a, kin__seq(a, s.id, (int)shard, id)));
        val_set_c(a, rec, "ApproximateArrivalTimestamp", val_time(a, last_arrival * 1000));
        const void *d = sqlite3_column_blob(st, 3);
        char *copy = arena_alloc(a, (size_t)size + 1);
        if (!copy) break;
        if (size) memcpy(copy, d, (size_t)size);
        val_set_c(a, rec, "Data", val_blob(a, str_n(copy, (size_t)size)));
        val_set_c(a, rec, "PartitionKey", val_str(a, store_col_str(a, st, 2)));
        val_push(a, list, rec);
        after = id;
    }
    store_release(st);
    val_set_c(a, out, "Records", list);
    /* AWS: a closed shard read to its end has no next iterator; readers go
     * on to its children */
    if (more || s.shards[shard].closed_row < 0)
        val_set_c(a, out, "NextShardIterator", val_str(a, iterator(a, &s, (int)shard, after)));
    /* how far the last record returned is behind the shard's tip: 0 when
     * nothing is left to read */
    val_set_c(a, out, "MillisBehindLatest", val_int(a, more ? now - last_arrival : 0));
    return GR_OK;
}

/* ==== kinesis.h ==== */

static int stream_by_arn(sqlite3 *db, arena_t *a, str_t arn, kin_stream_t *s)
{
    str_t account, region, name;
    if (!kin__parse_arn(arn, &account, &region, &name)) return GR_ERR;
    return kin__stream(db, a, account, region, name, s);
}

bool kinesis_stream_exists(struct app *app, str_t arn)
{
    sqlite3 *db = kin__db(app);
    arena_t *a = arena_new(1 << 20);
    if (!db || !a) {
        arena_free(a);
        return false;
    }
    kin_stream_t s;
    bool ok = stream_by_arn(db, a, arn, &s) == GR_OK;
    arena_free(a);
    return ok;
}

int kinesis_put(struct app *app, str_t arn, str_t pkey, str_t data)
{
    sqlite3 *db = kin__db(app);
    arena_t *a = arena_new(1 << 20);
    int rc = GR_ERR;
    kin_stream_t s;
    if (db && a && stream_by_arn(db, a, arn, &s) == GR_OK) {
        int shard;
        int64_t id;
        rc = append(db, &s, md5_key(pkey), pkey, data, &shard, &id);
        if (rc == GR_OK) kin__notify(s.id);
    }
    arena_free(a);
    return rc;
}

int kinesis_shards(struct app *app, arena_t *a, str_t arn, kinesis_shard_t **out, int *n, int64_t *latest)
{
    sqlite3 *db = kin__db(app);
    kin_stream_t s;
    if (!db || stream_by_arn(db, a, arn, &s) != GR_OK || kin__expire(db, &s) != GR_OK) return GR_ERR;
    kinesis_shard_t *v = arena_alloc(a, sizeof *v * (size_t)(s.nshards ? s.nshards : 1));
    if (!v || (*latest = max_row(db)) < 0) return GR_ERR;
    for (int i = 0; i < s.nshards; i++)
        v[i] = (kinesis_shard_t){.num = s.shards[i].num,
                                 .parent = s.shards[i].parent,
                                 .adjacent = s.shards[i].adjacent,
                                 .closed_at = s.shards[i].closed_row};
    *out = v;
    *n = s.nshards;
    return GR_OK;
}

int kinesis_position_at(struct app *app, str_t arn, int64_t time_ms, int64_t *pos)
{
    sqlite3 *db = kin__db(app);
    arena_t *a = arena_new(1 << 20);
    kin_stream_t s;
    int rc = GR_ERR;
    if (db && a && stream_by_arn(db, a, arn, &s) == GR_OK) {
        sqlite3_stmt *st = store_stmt(db, "SELECT min(id) FROM kin_record WHERE sid = ?1 AND arrival_ms >= ?2");
        if (st) {
            sqlite3_bind_int64(st, 1, s.id);
            sqlite3_bind_int64(st, 2, time_ms);
            int64_t first = -1;
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
                first = sqlite3_column_int64(st, 0);
            store_release(st);
            *pos = first > 0 ? first - 1 : max_row(db);
            rc = *pos < 0 ? GR_ERR : GR_OK;
        }
    }
    arena_free(a);
    return rc;
}

int kinesis_read(struct app *app, arena_t *a, str_t arn, int shard, int64_t after, int max, kinesis_rec_t **out,
                 size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = kin__db(app);
    kin_stream_t s;
    if (!db || stream_by_arn(db, a, arn, &s) != GR_OK || shard < 0 || shard >= s.nshards) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, arrival_ms, pkey, data FROM kin_record WHERE sid = ?1 AND "
                                      "shard = ?2 AND id > ?3 ORDER BY id LIMIT ?4");
    kinesis_rec_t *v = arena_alloc(a, sizeof *v * (size_t)(max > 0 ? max : 1));
    if (!st || !v) {
        store_release(st);
        return GR_ERR;
    }
    sqlite3_bind_int64(st, 1, s.id);
    sqlite3_bind_int(st, 2, shard);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)max) {
        kinesis_rec_t *e = &v[*n];
        e->pos = sqlite3_column_int64(st, 0);
        e->seq = kin__seq(a, s.id, shard, e->pos);
        e->arrival_ms = sqlite3_column_int64(st, 1);
        e->pkey = store_col_str(a, st, 2);
        size_t size = (size_t)sqlite3_column_bytes(st, 3);
        char *copy = arena_alloc(a, size + 1);
        if (!copy) break;
        if (size) memcpy(copy, sqlite3_column_blob(st, 3), size);
        e->data = str_n(copy, size);
        (*n)++;
    }
    store_release(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return GR_ERR;
    *out = v;
    return GR_OK;
}

#define TICK_BATCH 1000 /* records deleted per tick: one short statement */

unsigned kinesis_tick(struct app *app)
{
    sqlite3 *db = kin__db(app);
    if (!db) return 0;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM kin_record WHERE id IN (SELECT r.id FROM kin_record r JOIN "
                                      "kin_stream s ON s.id = r.sid WHERE r.arrival_ms < ?1 - s.retention_hours * ?2 "
                                      "LIMIT ?3)");
    if (!st) return 0;
    sqlite3_bind_int64(st, 1, kin__now_ms());
    sqlite3_bind_int64(st, 2, kin__hour_ms());
    sqlite3_bind_int(st, 3, TICK_BATCH);
    bool more = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == TICK_BATCH;
    store_release(st);
    return more ? 100 : 0;
}
