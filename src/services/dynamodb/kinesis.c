/* kinesis.c — DynamoDB's Kinesis streaming destinations: Enable-, Disable-,
 * Describe- and UpdateKinesisStreamingDestination, and the delivery of every
 * item change to the destination streams through services/kinesis/kinesis.h.
 *
 * A table's destinations live in its stored definition as
 * "KinesisDataStreamDestinations": [{StreamArn, DestinationStatus,
 * ApproximateCreationDateTimePrecision?}]. As on AWS, Enable answers ENABLING
 * and Disable DISABLING; gureum is done at once, so Describe says ACTIVE or
 * DISABLED right after.
 *
 * Delivery: ddb__item_write (item.c) hands each change of a table with an
 * ACTIVE destination to ddb__kinesis_record, which keeps the record for this
 * thread's open write transaction; ddb__commit (table.c) puts them into the
 * streams right after the COMMIT, still holding DynamoDB's write lock, so the
 * streams get the changes in commit order. A rolled-back transaction's records
 * are dropped. Kinesis keeps its own database, so the put is not in the item's
 * transaction: a crash between the two loses that change's record (AWS
 * promises at-least-once, with duplicates possible; this is at-most-once). */
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/md5.h"
#include "dynamodb_model.h"
#include "services/app.h"
#include "services/dynamodb/tbl.h"
#include "services/kinesis/kinesis.h"

#define DESTS "KinesisDataStreamDestinations"

/* ==== Operations ==== */

/* AWS (LocalStack's AWS-recorded test_kinesis_streaming_destination_crud):
 * an unknown table is "Requested resource not found: Table: NAME not found". */
static int table_or_fail(req_t *r, sqlite3 *db, const val_t *in, ddb_table_t *t)
{
    str_t name = val_get_str(in, "TableName");
    return ddb__table_or_fail(
        r, db, name, arena_printf(r->arena, "Requested resource not found: Table: %.*s not found", STR_FMT(name)), t);
}

/* The destination of t for arn in t's definition, or NULL. */
static val_t *dest_of(const ddb_table_t *t, str_t arn)
{
    val_t *l = val_get(t->def, DESTS);
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++)
        if (str_eq(val_get_str(l->u.list.v[i], "StreamArn"), arn)) return l->u.list.v[i];
    return NULL;
}

static int save(req_t *r, sqlite3 *db, ddb_table_t *t)
{
    if (ddb__save_def(r, db, t, t->def) != GR_OK || ddb__commit(db) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    return GR_OK;
}

/* The table of in.TableName in a write transaction begun here; NULL (r
 * failed or an internal error, nothing begun) otherwise. */
static sqlite3 *begin_or_fail(req_t *r, const val_t *in, ddb_table_t *t)
{
    sqlite3 *db = ddb__db(r);
    if (!db || ddb__begin(db) != GR_OK) return NULL;
    if (table_or_fail(r, db, in, t) == GR_OK) return db;
    ddb__rollback(db);
    return NULL;
}

static void answer(arena_t *a, val_t *out, const ddb_table_t *t, str_t arn, const char *status)
{
    val_set_c(a, out, "TableName", val_str(a, t->name));
    val_set_c(a, out, "StreamArn", val_str(a, arn));
    val_set_c(a, out, "DestinationStatus", val_cstr(a, status));
}

int dynamodb_enable_kinesis_streaming_destination(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    ddb_table_t t;
    sqlite3 *db = begin_or_fail(r, in, &t);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "StreamArn");
    /* AWS answers a stream it cannot use (also one that does not exist) so */
    if (!kinesis_stream_exists(r->app, arn)) {
        ddb__rollback(db);
        return req_fail(r, &ERR_ValidationException, "User does not have a permission to use kinesis stream");
    }
    val_t *d = dest_of(&t, arn);
    str_t st = d ? val_get_str(d, "DestinationStatus") : STR_NULL;
    if (d && !str_eq_c(st, "DISABLED") && !str_eq_c(st, "ENABLE_FAILED")) {
        ddb__rollback(db);
        return req_fail(r, &ERR_ValidationException,
                        "Table is not in a valid state to enable Kinesis Streaming Destination:"
                        "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE "
                        "operation.");
    }
    if (!d) {
        val_t *l = val_get(t.def, DESTS);
        if (!l) val_set_c(a, t.def, DESTS, l = val_new(a, VAL_LIST));
        val_push(a, l, d = val_new(a, VAL_STRUCT));
        val_set_c(a, d, "StreamArn", val_str(a, arn));
    }
    val_set_c(a, d, "DestinationStatus", val_cstr(a, "ACTIVE"));
    const val_t *cfg = val_get(in, "EnableKinesisStreamingConfiguration");
    str_t prec = cfg ? val_get_str(cfg, "ApproximateCreationDateTimePrecision") : STR_NULL;
    if (prec.p) val_set_c(a, d, "ApproximateCreationDateTimePrecision", val_str(a, prec));
    if (save(r, db, &t) != GR_OK) return GR_ERR;
    answer(a, out, &t, arn, "ENABLING");
    val_t *ec = val_new(a, VAL_STRUCT);
    if (prec.p) val_set_c(a, ec, "ApproximateCreationDateTimePrecision", val_str(a, prec));
    val_set_c(a, out, "EnableKinesisStreamingConfiguration", ec);
    return GR_OK;
}

int dynamodb_disable_kinesis_streaming_destination(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    ddb_table_t t;
    sqlite3 *db = begin_or_fail(r, in, &t);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "StreamArn");
    val_t *d = dest_of(&t, arn);
    if (!d || !str_eq_c(val_get_str(d, "DestinationStatus"), "ACTIVE")) {
        ddb__rollback(db);
        /* AWS (probed 2026-10, DDB-TABLE-442: a destination never enabled,
         * in two regions) — "enable" in the text of the refused disable */
        return req_fail(r, &ERR_ValidationException,
                        "Table is not in a valid state to enable Kinesis Streaming Destination: "
                        "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.");
    }
    val_set_c(a, d, "DestinationStatus", val_cstr(a, "DISABLED"));
    if (save(r, db, &t) != GR_OK) return GR_ERR;
    answer(a, out, &t, arn, "DISABLING");
    return GR_OK;
}

int dynamodb_describe_kinesis_streaming_destination(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    ddb_table_t t;
    if (table_or_fail(r, db, in, &t) != GR_OK) return GR_ERR;
    val_t *l = val_get(t.def, DESTS);
    val_set_c(a, out, "TableName", val_str(a, t.name));
    val_set_c(a, out, "KinesisDataStreamDestinations", l ? l : val_new(a, VAL_LIST));
    return GR_OK;
}

/* AWS's texts, as LocalStack's AWS-recorded
 * test_kinesis_streaming_destination_crud shows them. */
int dynamodb_update_kinesis_streaming_destination(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *cfg = val_get(in, "UpdateKinesisStreamingConfiguration");
    str_t prec = cfg ? val_get_str(cfg, "ApproximateCreationDateTimePrecision") : STR_NULL;
    if (!prec.p)
        return req_fail(r, &ERR_ValidationException,
                        "Streaming destination cannot be updated with given parameters: "
                        "UpdateKinesisStreamingConfiguration cannot be null or contain only null values");
    if (!str_eq_c(prec, "MILLISECOND") && !str_eq_c(prec, "MICROSECOND"))
        return req_fail(r, &ERR_ValidationException,
                        "1 validation error detected: Value '%.*s' at "
                        "'updateKinesisStreamingConfiguration.approximateCreationDateTimePrecision' failed to satisfy "
                        "constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]",
                        STR_FMT(prec));
    ddb_table_t t;
    sqlite3 *db = begin_or_fail(r, in, &t);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "StreamArn");
    val_t *d = dest_of(&t, arn);
    if (!d) {
        ddb__rollback(db);
        return req_fail(r, &ERR_ValidationException,
                        "Table is not in a valid state to enable Kinesis Streaming Destination: No streaming "
                        "destination with streamArn: %.*s found for table with tableName: %.*s",
                        STR_FMT(arn), STR_FMT(t.name));
    }
    str_t was = val_get_str(d, "ApproximateCreationDateTimePrecision");
    if (str_eq(was.p ? was : STR("MILLISECOND"), prec)) {
        ddb__rollback(db);
        return req_fail(r, &ERR_ValidationException,
                        "Invalid Request: Precision is already set to the desired value of %.*s for tableId: %.*s, "
                        "kdsArn: %.*s",
                        STR_FMT(prec), STR_FMT(t.table_id), STR_FMT(arn));
    }
    val_set_c(a, d, "ApproximateCreationDateTimePrecision", val_str(a, prec));
    if (save(r, db, &t) != GR_OK) return GR_ERR;
    answer(a, out, &t, arn, "UPDATING");
    val_t *uc = val_new(a, VAL_STRUCT);
    val_set_c(a, uc, "ApproximateCreationDateTimePrecision", val_str(a, prec));
    val_set_c(a, out, "UpdateKinesisStreamingConfiguration", uc);
    return GR_OK;
}

/* ==== Delivery ==== */

typedef struct pending {
    str_t arn, pkey, data; /* in the writing request's arena */
    struct pending *next;
} pending_t;

/* This thread's records of its open write transaction (one at a time per
 * thread: ddb__begin..ddb__commit), and the server they go to. */
static __thread pending_t *head, *last;
static __thread struct app *pending_app;

bool ddb__kinesis_on(const ddb_table_t *t)
{
    val_t *l = val_get(t->def, DESTS);
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++)
        if (str_eq_c(val_get_str(l->u.list.v[i], "DestinationStatus"), "ACTIVE")) return true;
    return false;
}

/* AWS's record for a Kinesis destination ("Getting started with Kinesis Data
 * Streams for DynamoDB"): the DynamoDB Streams record with tableName,
 * recordFormat and userIdentity, both images always, and
 * ApproximateCreationDateTime in ms or µs as the destination's precision
 * says. */
static str_t record_json(req_t *r, const ddb_table_t *t, const val_t *keys, const val_t *old, const val_t *neu,
                         bool micro)
{
    arena_t *a = r->arena;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    char id[37];
    id_uuid(id);
    bool ttl = ddb__stream_ttl_now();
    json_w_obj_begin(&w);
    json_w_key(&w, STR("awsRegion"));
    json_w_str(&w, r->region);
    json_w_key(&w, STR("eventID"));
    json_w_str(&w, str_c(id));
    json_w_key(&w, STR("eventName"));
    json_w_str(&w, str_c(!old ? "INSERT" : !neu ? "REMOVE" : "MODIFY"));
    json_w_key(&w, STR("userIdentity"));
    if (ttl) {
        /* AWS: a TTL deletion names the service as its user */
        json_w_obj_begin(&w);
        json_w_key(&w, STR("type"));
        json_w_str(&w, STR("Service"));
        json_w_key(&w, STR("principalId"));
        json_w_str(&w, STR("dynamodb.amazonaws.com"));
        json_w_obj_end(&w);
    } else
        json_w_null(&w);
    json_w_key(&w, STR("recordFormat"));
    json_w_str(&w, STR("application/json"));
    json_w_key(&w, STR("tableName"));
    json_w_str(&w, t->name);
    json_w_key(&w, STR("dynamodb"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("ApproximateCreationDateTime"));
    int64_t now = time_now_us();
    json_w_int(&w, micro ? now : now / 1000);
    json_w_key(&w, STR("Keys"));
    ddb__json_write(&w, keys);
    size_t size = ddb_item_size(keys);
    if (neu) {
        json_w_key(&w, STR("NewImage"));
        ddb__json_write(&w, neu);
        size += ddb_item_size(neu);
    }
    if (old) {
        json_w_key(&w, STR("OldImage"));
        ddb__json_write(&w, old);
        size += ddb_item_size(old);
    }
    json_w_key(&w, STR("SizeBytes"));
    json_w_int(&w, (int64_t)size);
    json_w_obj_end(&w);
    json_w_key(&w, STR("eventSource"));
    json_w_str(&w, STR("aws:dynamodb"));
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* The partition key: the MD5 of the item's encoded key in hex, so every
 * change of one item lands in one shard, in order (AWS's own is an opaque
 * hash of the key too). */
static str_t partition_key(arena_t *a, const val_t *keys)
{
    buf_t kb;
    buf_init(&kb, a);
    ddb_item_encode(a, keys, &kb);
    unsigned char d[16];
    md5_of(kb.p ? kb.p : "", kb.len, d);
    char hex[33];
    str_hex(d, 16, hex);
    return str_c(arena_strdup(a, hex));
}

int ddb__kinesis_record(req_t *r, const ddb_table_t *t, const val_t *keys, const val_t *old, const val_t *neu)
{
    arena_t *a = r->arena;
    str_t pkey = partition_key(a, keys);
    val_t *l = val_get(t->def, DESTS);
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) {
        const val_t *d = l->u.list.v[i];
        if (!str_eq_c(val_get_str(d, "DestinationStatus"), "ACTIVE")) continue;
        bool micro = str_eq_c(val_get_str(d, "ApproximateCreationDateTimePrecision"), "MICROSECOND");
        pending_t *p = arena_zalloc(a, sizeof *p);
        if (!p) return GR_ERR;
        p->arn = val_get_str(d, "StreamArn");
        p->pkey = pkey;
        p->data = record_json(r, t, keys, old, neu, micro);
        if (last)
            last->next = p;
        else
            head = p;
        last = p;
        pending_app = r->app;
    }
    return GR_OK;
}

void ddb__kinesis_flush(bool committed)
{
    for (pending_t *p = committed ? head : NULL; p; p = p->next)
        (void)kinesis_put(pending_app, p->arn, p->pkey, p->data); /* a stream deleted since: nothing to put into */
    head = last = NULL;
    pending_app = NULL;
}
