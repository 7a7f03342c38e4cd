/* stream.c — DynamoDB Streams records: written by ddb__item_write in the
 * item write's transaction (so a record exists exactly when the write
 * committed), read by the dynamodbstreams service through stream.h.
 * One shard per stream label; sequence numbers are ddb_stream.seq, so the
 * records of an item are in write order. Records older than 24 h are trimmed.
 * A table has its current stream (its StreamLabel) and, for 24 hours after
 * each was disabled, the streams it had before (def's OldStreams), which
 * stay readable as DISABLED streams with a closed shard. */
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/md5.h"
#include "services/dynamodb/tbl.h"

static __thread bool by_ttl;

void ddb__stream_by_ttl(bool on)
{
    by_ttl = on;
}

bool ddb__stream_ttl_now(void)
{
    return by_ttl;
}

int ddb__stream_record(req_t *r, sqlite3 *db, const ddb_table_t *t, const val_t *keys, const val_t *old,
                       const val_t *neu)
{
    arena_t *a = r->arena;
    /* "REMOVE_TTL" is stored for deletions by TTL: GetRecords reports them
     * as REMOVE with the service as userIdentity, as AWS does. */
    const char *event = !old ? "INSERT" : !neu ? (by_ttl ? "REMOVE_TTL" : "REMOVE") : "MODIFY";
    bool want_old = str_eq_c(t->stream_view, "OLD_IMAGE") || str_eq_c(t->stream_view, "NEW_AND_OLD_IMAGES");
    bool want_new = str_eq_c(t->stream_view, "NEW_IMAGE") || str_eq_c(t->stream_view, "NEW_AND_OLD_IMAGES");
    buf_t kb, ob, nb;
    buf_init(&kb, a);
    buf_init(&ob, a);
    buf_init(&nb, a);
    ddb_item_encode(a, keys, &kb);
    size_t size = ddb_item_size(keys);
    if (want_old && old) {
        ddb_item_encode(a, old, &ob);
        size += ddb_item_size(old);
    }
    if (want_new && neu) {
        ddb_item_encode(a, neu, &nb);
        size += ddb_item_size(neu);
    }
    sqlite3_stmt *st = ddb__stmt(db, "INSERT INTO ddb_stream (tid, label, created_us, event, keys, old, new, size) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_text(st, 2, t->stream_label.p, (int)t->stream_label.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, time_now_us());
    sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, kb.p ? kb.p : "", (int)kb.len, SQLITE_STATIC);
    if (ob.len)
        sqlite3_bind_blob(st, 6, ob.p, (int)ob.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    if (nb.len)
        sqlite3_bind_blob(st, 7, nb.p, (int)nb.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, (int64_t)size);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* ==== read side (stream.h) ==== */

#include <stdio.h>
#include <stdlib.h>

#include "services/dynamodb/stream.h"

#define RETENTION_US DDB_STREAM_RETENTION_US
static const aws_errdef_t E_NotFound = {"ResourceNotFoundException", 400, true};
static const aws_errdef_t E_Expired = {"ExpiredIteratorException", 400, true};
static const aws_errdef_t E_TrimmedData = {"TrimmedDataAccessException", 400, true};

static str_t stream_arn(req_t *r, const ddb_table_t *t, str_t label)
{
    return str_c(arena_printf(r->arena, "%.*s/stream/%.*s", STR_FMT(t->arn), STR_FMT(label)));
}

/* "arn:aws:dynamodb:R:A:table/NAME/stream/LABEL" → NAME and LABEL. */
static bool parse_arn(str_t arn, str_t *name, str_t *label)
{
    const char *p = arn.p, *e = arn.p + arn.len;
    const char *t = NULL, *s = NULL;
    for (const char *q = p; q + 6 <= e; q++)
        if (!t && !memcmp(q, "table/", 6)) t = q + 6;
    for (const char *q = t ? t : e; q + 8 <= e; q++)
        if (!memcmp(q, "/stream/", 8)) s = q;
    if (!t || !s || s <= t) return false;
    *name = str_n(t, (size_t)(s - t));
    *label = str_n(s + 8, (size_t)(e - s - 8));
    return label->len > 0;
}

/* The entry of t's OldStreams for label while it is readable, or NULL. */
static const val_t *old_stream(const ddb_table_t *t, str_t label)
{
    const val_t *l = val_get(t->def, "OldStreams");
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++)
        if (str_eq(val_get_str(l->u.list.v[i], "Label"), label) &&
            val_get_int(l->u.list.v[i], "ClosedUs", 0) + RETENTION_US > time_now_us())
            return l->u.list.v[i];
    return NULL;
}

static bool is_current(const ddb_table_t *t, str_t label)
{
    return t->stream_label.p && str_eq(t->stream_label, label);
}

/* The table whose stream the request's StreamArn names (and the stream's
 * label), or ResourceNotFound; *db the service's database. */
static int stream_table_or_fail(req_t *r, const val_t *in, sqlite3 **db, ddb_table_t *t, str_t *label)
{
    str_t name, arn = val_get_str(in, "StreamArn");
    if (!(*db = ddb__db(r))) return GR_ERR;
    const char *msg = arena_printf(r->arena, "Requested resource not found: Stream: %.*s not found", STR_FMT(arn));
    /* AWS: a StreamArn that is no stream ARN at all is a ValidationException;
     * a well-formed one naming no stream of this account is not found. */
    if (!parse_arn(arn, &name, label) || !str_starts_with(arn, STR("arn:")))
        return req_fail(r, &ERR_ValidationException, "Invalid StreamArn");
    /* the stream of a table of this account and region only */
    if (!str_starts_with(arn, ddb__table_arn(r, name))) return req_fail(r, &E_NotFound, "%s", msg);
    if (ddb__table_or_fail(r, *db, name, msg, t) != GR_OK) {
        r->err = &E_NotFound;
        return GR_ERR;
    }
    if ((!t->stream_label.p || !str_eq(t->stream_label, *label)) && !old_stream(t, *label))
        return req_fail(r, &E_NotFound, "%s", msg);
    /* the stream's own resource-based policy (policy.c) */
    return ddb__stream_policy_check_or_fail(r, t, *label, arn);
}

/* The view type of the table's stream `label`: for the latest, its
 * StreamSpecification's while enabled, the one it had when it was disabled
 * after; for an earlier one, the one it had. */
static str_t label_view(const ddb_table_t *t, str_t label)
{
    if (!is_current(t, label)) return val_get_str(old_stream(t, label), "View");
    str_t v = val_get_str(val_get(t->def, "StreamSpecification"), "StreamViewType");
    return v.p ? v : val_get_str(t->def, "StreamLabelView");
}

static str_t seq_str(arena_t *a, int64_t seq)
{
    return str_c(arena_printf(a, "%021lld", (long long)seq));
}

/* The one shard of stream `label`, numbered as table.c recorded it: a
 * table's first stream's by the table's creation, a later one's by its own,
 * so that no two of a table's streams share a ShardId and none changes. */
static str_t shard_id(arena_t *a, const ddb_table_t *t, str_t label)
{
    const val_t *from = is_current(t, label) ? t->def : old_stream(t, label);
    long long n = val_get_int(from, is_current(t, label) ? "StreamShardNum" : "ShardNum", t->created_us / 1000000);
    return str_c(arena_printf(a, "shardId-%020lld-%08llx", n, (unsigned long long)t->tid));
}

static int64_t seq_bound(sqlite3 *db, const ddb_table_t *t, str_t label, bool max)
{
    sqlite3_stmt *st =
        ddb__stmt(db, max ? "SELECT coalesce(max(seq), 0) FROM ddb_stream WHERE tid = ?1 AND label = ?2"
                          : "SELECT coalesce(min(seq), 0) FROM ddb_stream WHERE tid = ?1 AND label = ?2");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_text(st, 2, label.p, (int)label.len, SQLITE_STATIC);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

static void trim(sqlite3 *db)
{
    sqlite3_stmt *st = ddb__stmt(db, "DELETE FROM ddb_stream WHERE created_us < ?1");
    if (!st) return;
    sqlite3_bind_int64(st, 1, time_now_us() - RETENTION_US);
    sqlite3_step(st);
    sqlite3_reset(st);
}

/* The models say only min 1 for Limit; AWS enforces the documented upper
 * limits (100 streams, 1000 records) as a constraint of the member, in
 * Coral's validation form. */
static int limit_over_or_fail(req_t *r, int64_t limit, int64_t max)
{
    if (limit <= max) return GR_OK;
    return req_fail(r, &ERR_ValidationException,
                    "1 validation error detected: Value '%lld' at 'limit' failed to satisfy constraint: Member must "
                    "have value less than or equal to %lld",
                    (long long)limit, (long long)max);
}

int ddb_streams_list(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t only = val_get_str(in, "TableName");
    int64_t limit = val_get_int(in, "Limit", 100);
    if (limit_over_or_fail(r, limit, 100) != GR_OK) return GR_ERR;
    str_t start = val_get_str(in, "ExclusiveStartStreamArn");
    str_t sname, slabel;
    if (start.p && (!parse_arn(start, &sname, &slabel) || !str_starts_with(start, STR("arn:"))))
        return req_fail(r, &ERR_ValidationException, "Invalid ExclusiveStartStreamArn");
    sqlite3_stmt *st = ddb__stmt(db, "SELECT name FROM ddb_table WHERE account = ?1 AND region = ?2 ORDER BY name");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->region.p, (int)r->region.len, SQLITE_STATIC);
    val_t *names = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW)
        val_push(a, names,
                 val_strdup(a, str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0))));
    sqlite3_reset(st);
    val_t *list = val_new(a, VAL_LIST);
    bool skipping = start.p != NULL;
    str_t last = STR_NULL;
    bool full = false;
    for (size_t i = 0; i < names->u.list.n && !full; i++) {
        str_t name = names->u.list.v[i]->u.s;
        if (only.p && !str_eq(only, name)) continue;
        ddb_table_t t;
        if (ddb__table_or_fail(r, db, name, NULL, &t) != GR_OK) return GR_ERR;
        /* A table's streams: those disabled before and still readable, then
         * its latest; labels are times, so this is their age order too. */
        const val_t *olds = val_get(t.def, "OldStreams");
        size_t nold = olds && olds->kind == VAL_LIST ? olds->u.list.n : 0;
        for (size_t j = 0; j <= nold; j++) {
            str_t label = j < nold ? val_get_str(olds->u.list.v[j], "Label") : t.stream_label;
            if (!label.p || (j < nold && !old_stream(&t, label))) continue;
            /* Streams are listed in table-name order, so paging resumes after
             * the start ARN's table even when that table has since been
             * deleted, and after its stream within the table. */
            int c = skipping ? str_cmp(name, sname) : 1;
            if (c < 0 || (c == 0 && str_cmp(label, slabel) <= 0)) continue;
            if ((int64_t)list->u.list.n == limit) {
                val_set_c(a, out, "LastEvaluatedStreamArn", val_str(a, last));
                full = true;
                break;
            }
            str_t arn = stream_arn(r, &t, label);
            val_t *s = val_new(a, VAL_STRUCT);
            val_set_c(a, s, "StreamArn", val_str(a, arn));
            val_set_c(a, s, "TableName", val_str(a, t.name));
            val_set_c(a, s, "StreamLabel", val_str(a, label));
            val_push(a, list, s);
            last = arn;
        }
    }
    if (only.p && !list->u.list.n) {
        ddb_table_t t;
        if (ddb__table_or_fail(r, db, only, NULL, &t) != GR_OK) {
            /* AWS: ListStreams with an unknown table is ResourceNotFound. */
            r->err = &E_NotFound;
            return GR_ERR;
        }
    }
    val_set_c(a, out, "Streams", list);
    return GR_OK;
}

int ddb_streams_describe(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db;
    ddb_table_t t;
    str_t label, arn = val_get_str(in, "StreamArn");
    if (stream_table_or_fail(r, in, &db, &t, &label) != GR_OK) return GR_ERR;
    trim(db);
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "StreamArn", val_str(a, arn));
    val_set_c(a, d, "StreamLabel", val_str(a, label));
    bool enabled = t.stream_view.p && is_current(&t, label);
    val_set_c(a, d, "StreamStatus", val_cstr(a, enabled ? "ENABLED" : "DISABLED"));
    str_t view = label_view(&t, label);
    if (view.p) val_set_c(a, d, "StreamViewType", val_str(a, view));
    val_set_c(a, d, "CreationRequestDateTime", val_time(a, t.created_us));
    val_set_c(a, d, "TableName", val_str(a, t.name));
    val_set_c(a, d, "KeySchema", val_get(t.def, "KeySchema"));
    val_t *shard = val_new(a, VAL_STRUCT);
    val_set_c(a, shard, "ShardId", val_str(a, shard_id(a, &t, label)));
    val_t *range = val_new(a, VAL_STRUCT);
    int64_t lo = seq_bound(db, &t, label, false);
    val_set_c(a, range, "StartingSequenceNumber", val_str(a, seq_str(a, lo > 0 ? lo : 1)));
    /* A disabled stream's shard is closed: AWS gives it an ending number. */
    if (!enabled) {
        int64_t hi = seq_bound(db, &t, label, true);
        val_set_c(a, range, "EndingSequenceNumber", val_str(a, seq_str(a, hi > 0 ? hi : lo > 0 ? lo : 1)));
    }
    val_set_c(a, shard, "SequenceNumberRange", range);
    val_t *shards = val_new(a, VAL_LIST);
    /* Shards are listed in ShardId order, after ExclusiveStartShardId: the
     * one shard is left out when it does not sort after it (AWS answers an
     * unknown ShardId with the shards after it, not an error). */
    str_t after = val_get_str(in, "ExclusiveStartShardId");
    str_t sid = val_get_str(shard, "ShardId");
    /* ShardFilter CHILD_SHARDS (2025) lists the shards split from the one
     * named; a stream here has one shard, which has none. The model makes
     * neither member required; AWS refuses a filter lacking one (ScyllaDB's
     * suite, run against DynamoDB; the wording is gureum's). */
    const val_t *sf = val_get(in, "ShardFilter");
    if (sf && !val_get_str(sf, "Type").p)
        return req_fail(r, &ERR_ValidationException, "ShardFilter.Type must be given");
    if (sf && !val_get_str(sf, "ShardId").p)
        return req_fail(r, &ERR_ValidationException, "ShardFilter.ShardId must be given");
    if (!sf && (!after.p || str_cmp(sid, after) > 0)) val_push(a, shards, shard);
    val_set_c(a, d, "Shards", shards);
    val_set_c(a, out, "StreamDescription", d);
    return GR_OK;
}

/* Iterators are "tid/label/next-seq/issued-us", opaque to clients. */
int ddb_streams_iterator(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db;
    ddb_table_t t;
    str_t label, arn = val_get_str(in, "StreamArn");
    if (stream_table_or_fail(r, in, &db, &t, &label) != GR_OK) return GR_ERR;
    str_t sid = val_get_str(in, "ShardId");
    if (!str_eq(sid, shard_id(a, &t, label)))
        return req_fail(r, &E_NotFound, "Requested resource not found: Shard does not exist");
    str_t type = val_get_str(in, "ShardIteratorType");
    str_t sn = val_get_str(in, "SequenceNumber");
    int64_t next;
    bool by_seq = str_eq_c(type, "AT_SEQUENCE_NUMBER") || str_eq_c(type, "AFTER_SEQUENCE_NUMBER");
    /* AWS: a SequenceNumber belongs to the two *_SEQUENCE_NUMBER types only */
    if (!by_seq && sn.p)
        return req_fail(r, &ERR_ValidationException,
                        "SequenceNumber may be given only with ShardIteratorType AT_SEQUENCE_NUMBER or "
                        "AFTER_SEQUENCE_NUMBER");
    if (str_eq_c(type, "TRIM_HORIZON"))
        next = 0;
    else if (str_eq_c(type, "LATEST"))
        next = seq_bound(db, &t, label, true) + 1;
    else {
        long long n = 0;
        if (!sn.p || !str_to_i64(sn, &n))
            return req_fail(r, &ERR_ValidationException, "Invalid SequenceNumber: %.*s", STR_FMT(sn));
        if (n < seq_bound(db, &t, label, false))
            return req_fail(r, &E_TrimmedData, "Requested sequence number is beyond the trim horizon");
        next = str_eq_c(type, "AFTER_SEQUENCE_NUMBER") ? n + 1 : n;
    }
    val_set_c(a, out, "ShardIterator",
              val_str(a, str_c(arena_printf(a, "%lld/%.*s/%lld/%lld/%.*s", (long long)t.tid, STR_FMT(label),
                                            (long long)next, (long long)time_now_us(), STR_FMT(arn)))));
    return GR_OK;
}

/* One row of (seq, event, created_us, keys, old, new, size) as a stream
 * record. source_arn STR_NULL: as GetRecords answers it (a fresh eventID,
 * the time a timestamp); else as Lambda delivers it (AWS's event: an eventID
 * that stays the same when a batch is retried, the time in epoch seconds,
 * eventSourceARN last). */
static val_t *record_value(arena_t *a, sqlite3_stmt *st, str_t region, str_t view, str_t source_arn)
{
    int64_t seq = sqlite3_column_int64(st, 0);
    val_t *rec = val_new(a, VAL_STRUCT);
    if (source_arn.p) {
        md5_ctx_t c;
        unsigned char d[16];
        md5_init(&c);
        md5_update(&c, source_arn.p, source_arn.len);
        md5_update(&c, &seq, sizeof seq);
        md5_final(&c, d);
        char hex[33];
        str_hex(d, 16, hex);
        val_set_c(a, rec, "eventID", val_strdup(a, str_c(hex)));
    } else {
        char eid[37];
        id_uuid(eid);
        val_set_c(a, rec, "eventID", val_strdup(a, str_c(eid)));
    }
    str_t ev = str_n((const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
    bool ttl = str_eq_c(ev, "REMOVE_TTL");
    val_set_c(a, rec, "eventName", ttl ? val_cstr(a, "REMOVE") : val_strdup(a, ev));
    if (ttl) {
        val_t *ui = val_new(a, VAL_STRUCT);
        val_set_c(a, ui, "PrincipalId", val_cstr(a, "dynamodb.amazonaws.com"));
        val_set_c(a, ui, "Type", val_cstr(a, "Service"));
        val_set_c(a, rec, "userIdentity", ui);
    }
    val_set_c(a, rec, "eventVersion", val_cstr(a, "1.1"));
    val_set_c(a, rec, "eventSource", val_cstr(a, "aws:dynamodb"));
    val_set_c(a, rec, "awsRegion", val_str(a, region));
    val_t *d = val_new(a, VAL_STRUCT);
    /* AWS: ApproximateCreationDateTime is in whole seconds. */
    int64_t secs = sqlite3_column_int64(st, 2) / 1000000;
    val_set_c(a, d, "ApproximateCreationDateTime", source_arn.p ? val_int(a, secs) : val_time(a, secs * 1000000));
    val_set_c(a, d, "Keys", ddb_item_decode(a, str_n(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3))));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        val_set_c(a, d, "NewImage",
                  ddb_item_decode(a, str_n(sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5))));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
        val_set_c(a, d, "OldImage",
                  ddb_item_decode(a, str_n(sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4))));
    val_set_c(a, d, "SequenceNumber", val_str(a, seq_str(a, seq)));
    val_set_c(a, d, "SizeBytes", val_int(a, sqlite3_column_int64(st, 6)));
    val_set_c(a, d, "StreamViewType", val_str(a, view));
    val_set_c(a, rec, "dynamodb", d);
    if (source_arn.p) val_set_c(a, rec, "eventSourceARN", val_str(a, source_arn));
    return rec;
}

int ddb_streams_records(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t it = val_get_str(in, "ShardIterator");
    if (limit_over_or_fail(r, val_get_int(in, "Limit", 0), 1000) != GR_OK) return GR_ERR;
    char label[64];
    long long tid, next, issued;
    int used = 0;
    char *text = arena_strndup(a, it.p, it.len);
    if (sscanf(text, "%lld/%63[^/]/%lld/%lld/%n", &tid, label, &next, &issued, &used) != 4 || !used)
        return req_fail(r, &ERR_ValidationException, "Invalid ShardIterator");
    /* AWS: a shard iterator expires 15 minutes after it is returned. */
    if (time_now_us() - issued > 15LL * 60 * 1000000)
        return req_fail(r, &E_Expired,
                        "Iterator expired. The iterator was created at time %lld while right now it is %lld.",
                        issued / 1000, (long long)(time_now_us() / 1000));
    str_t arn = str_c(text + used);
    int64_t limit = val_get_int(in, "Limit", 1000);
    sqlite3_stmt *st = ddb__stmt(db, "SELECT seq, event, created_us, keys, old, new, size FROM ddb_stream "
                                     "WHERE tid = ?1 AND label = ?2 AND seq >= ?3 ORDER BY seq LIMIT ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, tid);
    sqlite3_bind_text(st, 2, label, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, next);
    sqlite3_bind_int64(st, 4, limit);
    val_t *recs = val_new(a, VAL_LIST);
    str_t region = r->region;
    /* the view type of the stream, from its table when it still exists */
    str_t name, lab;
    str_t view = STR("NEW_AND_OLD_IMAGES");
    /* The shard is closed once its stream is disabled, replaced by a newer
     * one, or its table deleted. */
    bool closed = true;
    if (parse_arn(arn, &name, &lab)) {
        sqlite3_reset(st);
        ddb_table_t t;
        if (ddb__table_or_fail(r, db, name, NULL, &t) == GR_OK) {
            str_t v = label_view(&t, lab);
            if (v.p) view = v;
            closed = !t.stream_view.p || !str_eq(t.stream_label, str_c(label));
            if (ddb__stream_policy_check_or_fail(r, &t, lab, arn) != GR_OK) return GR_ERR;
        }
        r->err = NULL;
        r->err_msg = NULL;
        st = ddb__stmt(db, "SELECT seq, event, created_us, keys, old, new, size FROM ddb_stream "
                           "WHERE tid = ?1 AND label = ?2 AND seq >= ?3 ORDER BY seq LIMIT ?4");
        if (!st) return GR_ERR;
        sqlite3_bind_int64(st, 1, tid);
        sqlite3_bind_text(st, 2, label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, next);
        sqlite3_bind_int64(st, 4, limit);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        next = sqlite3_column_int64(st, 0) + 1;
        val_push(a, recs, record_value(a, st, region, view, STR_NULL));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "Records", recs);
    /* AWS: a closed shard read to its end has no NextShardIterator. */
    if (closed && (int64_t)recs->u.list.n < limit) return GR_OK;
    val_set_c(a, out, "NextShardIterator",
              val_str(a, str_c(arena_printf(a, "%lld/%s/%lld/%lld/%.*s", tid, label, (long long)next,
                                            (long long)time_now_us(), STR_FMT(arn)))));
    return GR_OK;
}

/* ==== Lambda's event source mappings (stream.h, public) ==== */

/* A request of the stream's own account and region, for the table loading
 * that needs one (as ddb_tick makes its own); NULL when arn is not a stream
 * ARN. Freed with a. */
static req_t *stream_req(struct app *app, arena_t *a, str_t arn, str_t *name, str_t *label)
{
    str_t rest = arn, field, region = STR_NULL, account = STR_NULL;
    for (int i = 0; i < 5 && rest.len; i++) {
        rest = str_cut(rest, ':', &field);
        if (i == 3) region = field;
        if (i == 4) account = field;
    }
    if (!str_starts_with(arn, STR("arn:aws:dynamodb:")) || !region.len || !account.len || !parse_arn(arn, name, label))
        return NULL;
    req_t *r = ARENA_NEW(a, req_t);
    if (!r) return NULL;
    r->arena = a;
    r->app = app;
    r->start_us = time_now_us();
    memcpy(r->id, "dynamodb-esm", 13);
    wire_resp_init(&r->resp, a);
    r->who.account = account;
    r->region = region;
    return r;
}

/* The table whose current stream arn is; GR_ERR when none. */
static int stream_table(req_t *r, sqlite3 *db, str_t arn, str_t name, str_t label, ddb_table_t *t)
{
    if (!str_starts_with(arn, ddb__table_arn(r, name)) || ddb__table_or_fail(r, db, name, NULL, t) != GR_OK ||
        !t->stream_label.p || !str_eq(t->stream_label, label))
        return GR_ERR;
    return GR_OK;
}

int ddb_stream_shard(struct app *app, arena_t *a, str_t arn, str_t *shard, int64_t *last_seq)
{
    str_t name, label;
    req_t *r = stream_req(app, a, arn, &name, &label);
    sqlite3 *db = r ? ddb__db(r) : NULL;
    ddb_table_t t;
    if (!db || stream_table(r, db, arn, name, label, &t) != GR_OK) return GR_ERR;
    *shard = shard_id(a, &t, t.stream_label);
    *last_seq = seq_bound(db, &t, t.stream_label, true);
    return *last_seq < 0 ? GR_ERR : GR_OK;
}

int ddb_stream_read(struct app *app, arena_t *a, str_t arn, int64_t after, int max, ddb_stream_rec_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    str_t name, label;
    req_t *r = stream_req(app, a, arn, &name, &label);
    sqlite3 *db = r ? ddb__db(r) : NULL;
    ddb_table_t t;
    if (!db || stream_table(r, db, arn, name, label, &t) != GR_OK) return GR_ERR;
    const val_t *ss = val_get(t.def, "StreamSpecification");
    str_t view = ss ? val_get_str(ss, "StreamViewType") : STR("NEW_AND_OLD_IMAGES");
    /* past the 24 h retention a record is gone, trimmed or not yet (the
     * poller reads often: it leaves the trimming to the streams reads) */
    sqlite3_stmt *st = ddb__stmt(db, "SELECT seq, event, created_us, keys, old, new, size FROM ddb_stream "
                                     "WHERE tid = ?1 AND label = ?2 AND seq > ?3 AND created_us >= ?5 "
                                     "ORDER BY seq LIMIT ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t.tid);
    sqlite3_bind_text(st, 2, label.p, (int)label.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, max);
    sqlite3_bind_int64(st, 5, time_now_us() - RETENTION_US);
    ddb_stream_rec_t *v = arena_alloc(a, sizeof *v * (size_t)(max > 0 ? max : 1));
    if (!v) {
        sqlite3_reset(st);
        return GR_ERR;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)max) {
        ddb_stream_rec_t *e = &v[(*n)++];
        e->seq = sqlite3_column_int64(st, 0);
        e->seq_text = seq_str(a, e->seq);
        e->created_ms = sqlite3_column_int64(st, 2) / 1000;
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        ddb__json_write(&w, record_value(a, st, r->region, view, arn));
        e->json = buf_str(&b);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return GR_ERR;
    *out = v;
    return GR_OK;
}
