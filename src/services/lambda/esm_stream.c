/* esm_stream.c — event source mappings of DynamoDB streams and Kinesis
 * streams: the poller's step for one mapping (esm.c's poller thread calls it
 * for every enabled stream mapping that has no batch in flight).
 *
 * Each shard is read in order through the services' public calls (stream.h,
 * kinesis.h) from a durable per-shard checkpoint (lambda_esm_shard.after:
 * the position of the last record done with). A batch is the records after
 * the checkpoint that pass the mapping's filters; records already past
 * MaximumRecordAgeInSeconds are reported to the on-failure destination
 * instead. A failed batch is, as AWS documents, retried in order (blocking
 * its shard) until it succeeds, its records pass MaximumRecordAgeInSeconds
 * or it has failed MaximumRetryAttempts + 1 times; then the on-failure
 * destination gets AWS's batch record and the shard moves on.
 * ReportBatchItemFailures checkpoints before the first failed record;
 * BisectBatchOnFunctionError retries in halves (not counted as retries)
 * until the failing record is alone. A closed Kinesis shard's children wait
 * until it is read to its end. Invariant: one batch in flight per mapping,
 * so per shard. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "services/dynamodb/stream.h"
#include "services/events/events.h"
#include "services/kinesis/kinesis.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

/* One record as the poller handles it, whichever the source. */
typedef struct {
    int64_t pos, arrival_ms;
    str_t seq;
    str_t json;   /* the record as the event carries it */
    str_t filter; /* the JSON the filters see */
} rec_t;

/* ==== Checkpoints ==== */

/* A shard's checkpoint: the position of the last record done with; how often
 * the batch after it has failed; and, while a failed batch is bisected, the
 * size its parts are read in and the position its last record had. */
typedef struct {
    int64_t after;
    int attempts;
    int lim;       /* 0: BatchSize */
    int64_t until; /* parts of size lim until this position is done */
} ckpt_t;

static bool checkpoint(app_t *app, const char *uuid, str_t shard, int64_t dflt, ckpt_t *c)
{
    sqlite3 *db = lambda__db(app);
    sqlite3_stmt *st;
    *c = (ckpt_t){.after = dflt};
    if (!db || store_prepare(db,
                             "SELECT after, attempts, lim, until_pos FROM lambda_esm_shard WHERE uuid = ?1 AND "
                             "shard = ?2",
                             -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, shard.p, (int)shard.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *c = (ckpt_t){.after = sqlite3_column_int64(st, 0),
                      .attempts = sqlite3_column_int(st, 1),
                      .lim = sqlite3_column_int(st, 2),
                      .until = sqlite3_column_int64(st, 3)};
    store_release(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static void save_checkpoint(app_t *app, const char *uuid, const char *shard, const ckpt_t *c, const char *result)
{
    sqlite3 *db = lambda__db(app);
    sqlite3_stmt *st;
    /* a mapping deleted while its batch ran keeps no checkpoint */
    if (!db || store_prepare(db,
                             "INSERT INTO lambda_esm_shard (uuid, shard, after, attempts, lim, until_pos) "
                             "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM lambda_esm WHERE uuid = ?1) "
                             "ON CONFLICT (uuid, shard) DO UPDATE SET after = ?3, attempts = ?4, lim = ?5, "
                             "until_pos = ?6",
                             -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, shard, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, c->after);
    sqlite3_bind_int(st, 4, c->attempts);
    sqlite3_bind_int(st, 5, c->lim);
    sqlite3_bind_int64(st, 6, c->until);
    sqlite3_step(st);
    store_release(st);
    if (result &&
        store_prepare(db, "UPDATE lambda_esm SET last_result = ?2 WHERE uuid = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, result, -1, SQLITE_STATIC);
        sqlite3_step(st);
        store_release(st);
    }
}

/* ==== Filters ==== */

/* AWS: a record goes to the function when any filter matches it; no
 * filters, every record. */
bool lambda__esm_passes(arena_t *a, str_t filters, str_t doc)
{
    if (!filters.len) return true;
    const json_t *fl = json_parse(a, filters, NULL), *d = json_parse(a, doc, NULL);
    if (!fl || fl->type != JSON_ARRAY || !fl->u.arr.n) return true;
    for (size_t i = 0; d && i < fl->u.arr.n; i++) {
        const json_t *p = NULL;
        if (fl->u.arr.v[i]->type == JSON_STRING && !events_pattern_parse(a, fl->u.arr.v[i]->u.s, &p) &&
            events_pattern_matches(p, d))
            return true;
    }
    return false;
}

/* AWS: Kinesis filters see only the data key — the data as JSON when it is
 * a JSON object, else as the string it is. */
static str_t kinesis_filter_doc(arena_t *a, str_t data)
{
    const json_t *j = json_parse(a, data, NULL);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("data"));
    if (j && j->type == JSON_OBJECT)
        json_w_raw(&w, data);
    else
        json_w_str(&w, data);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* ==== Reading a shard ==== */

static str_t kinesis_json(arena_t *a, const lambda__esm_t *m, str_t shard, const kinesis_rec_t *k, str_t role)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    /* AWS's Kinesis record (Lambda developer guide, "Using Lambda with Kinesis") */
    json_w_obj_begin(&w);
    json_w_key(&w, STR("kinesis"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("kinesisSchemaVersion"));
    json_w_str(&w, STR("1.0"));
    json_w_key(&w, STR("partitionKey"));
    json_w_str(&w, k->pkey);
    json_w_key(&w, STR("sequenceNumber"));
    json_w_str(&w, k->seq);
    json_w_key(&w, STR("data"));
    json_w_str(&w, arena_base64(a, k->data.p, k->data.len));
    json_w_key(&w, STR("approximateArrivalTimestamp"));
    json_w_raw(&w, str_c(arena_printf(a, "%lld.%03lld", (long long)(k->arrival_ms / 1000),
                                      (long long)(k->arrival_ms % 1000))));
    json_w_obj_end(&w);
    json_w_key(&w, STR("eventSource"));
    json_w_str(&w, STR("aws:kinesis"));
    json_w_key(&w, STR("eventVersion"));
    json_w_str(&w, STR("1.0"));
    json_w_key(&w, STR("eventID"));
    json_w_str(&w, str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(shard), STR_FMT(k->seq))));
    json_w_key(&w, STR("eventName"));
    json_w_str(&w, STR("aws:kinesis:record"));
    json_w_key(&w, STR("invokeIdentityArn"));
    json_w_str(&w, role);
    json_w_key(&w, STR("awsRegion"));
    json_w_str(&w, m->region);
    json_w_key(&w, STR("eventSourceARN"));
    json_w_str(&w, m->source_arn);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* Reads up to max records of shard after `after`: GR_ERR when the source
 * is gone. */
static int read_shard(app_t *app, arena_t *a, const lambda__esm_t *m, str_t shard, int num, int64_t after, int max,
                      str_t role, rec_t **out, size_t *n)
{
    *n = 0;
    if (m->kinesis) {
        kinesis_rec_t *k;
        if (kinesis_read(app, a, m->source_arn, num, after, max, &k, n) != GR_OK) return GR_ERR;
        rec_t *v = arena_alloc(a, sizeof *v * (*n ? *n : 1));
        if (!v) return GR_ERR;
        for (size_t i = 0; i < *n; i++)
            v[i] = (rec_t){.pos = k[i].pos,
                           .arrival_ms = k[i].arrival_ms,
                           .seq = k[i].seq,
                           .json = kinesis_json(a, m, shard, &k[i], role),
                           .filter = m->filters.len ? kinesis_filter_doc(a, k[i].data) : STR_NULL};
        *out = v;
        return GR_OK;
    }
    ddb_stream_rec_t *d;
    if (ddb_stream_read(app, a, m->source_arn, after, max, &d, n) != GR_OK) return GR_ERR;
    rec_t *v = arena_alloc(a, sizeof *v * (*n ? *n : 1));
    if (!v) return GR_ERR;
    for (size_t i = 0; i < *n; i++)
        v[i] = (rec_t){.pos = d[i].seq,
                       .arrival_ms = d[i].created_ms,
                       .seq = d[i].seq_text,
                       .json = d[i].json,
                       .filter = d[i].json};
    *out = v;
    return GR_OK;
}

/* ==== One batch in flight ==== */

typedef struct {
    lambda__call_t call;
    char uuid[37];
    char *shard, *source_arn, *on_failure, *function_arn;
    bool kinesis, partial, bisect;
    int max_retries;
    int64_t max_age;
    ckpt_t at;    /* the shard's checkpoint when the batch was read */
    int attempts; /* invocations of the batch, this one included */
    int64_t last; /* the position after the batch (filtered records included) */
    size_t n;
    int64_t *pos;
    char **seq;
    int64_t first_ms, last_ms;
} flight_t;

static void flight_free(flight_t *f)
{
    for (size_t i = 0; f->seq && i < f->n; i++) free(f->seq[i]);
    free(f->seq);
    free(f->pos);
    free(f->shard);
    free(f->source_arn);
    free(f->on_failure);
    free(f->function_arn);
    lambda__call_free(&f->call);
    free(f);
}

static void iso(char out[40], int64_t ms, bool kinesis)
{
    /* AWS writes Kinesis arrivals with milliseconds, DynamoDB's without */
    time_fmt_iso8601(out, ms * 1000, kinesis);
}

/* What a record of a batch given up on names (the failed records, not
 * their data). */
typedef struct {
    const char *request_id, *function_arn, *shard, *source_arn;
    str_t on_failure;
    bool kinesis;
    const char *first_seq, *last_seq;
    int64_t first_ms, last_ms;
    size_t n;
    int invoke_count;
} failed_t;

/* AWS's record of a batch given up on (an on-failure destination of a
 * stream mapping): requestContext, responseContext (absent for records past
 * MaximumRecordAgeInSeconds, as AWS's recordings show), and
 * KinesisBatchInfo or DDBStreamBatchInfo naming the records. */
static void send_failure(app_t *app, const failed_t *x, const char *condition, bool response, bool fn_error)
{
    if (!x->on_failure.len || !x->n) return;
    arena_t *a = arena_new(1u << 20);
    if (!a) return;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    char ts[40], first[40], last[40];
    time_fmt_iso8601(ts, time_now_us(), true);
    iso(first, x->first_ms, x->kinesis);
    iso(last, x->last_ms, x->kinesis);
    json_w_obj_begin(&w);
    lambda__request_context(&w, x->request_id, x->function_arn, condition, x->invoke_count);
    if (response) {
        json_w_key(&w, STR("responseContext"));
        json_w_obj_begin(&w);
        json_w_key(&w, STR("statusCode"));
        json_w_int(&w, 200);
        json_w_key(&w, STR("executedVersion"));
        json_w_str(&w, STR("$LATEST"));
        json_w_key(&w, STR("functionError"));
        if (fn_error)
            json_w_str(&w, STR("Unhandled"));
        else
            json_w_null(&w);
        json_w_obj_end(&w);
    }
    json_w_key(&w, STR("version"));
    json_w_str(&w, STR("1.0"));
    json_w_key(&w, STR("timestamp"));
    json_w_str(&w, str_c(ts));
    json_w_key(&w, x->kinesis ? STR("KinesisBatchInfo") : STR("DDBStreamBatchInfo"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("shardId"));
    json_w_str(&w, str_c(x->shard));
    json_w_key(&w, STR("startSequenceNumber"));
    json_w_str(&w, str_c(x->first_seq));
    json_w_key(&w, STR("endSequenceNumber"));
    json_w_str(&w, str_c(x->last_seq));
    json_w_key(&w, STR("approximateArrivalOfFirstRecord"));
    json_w_str(&w, str_c(first));
    json_w_key(&w, STR("approximateArrivalOfLastRecord"));
    json_w_str(&w, str_c(last));
    json_w_key(&w, STR("batchSize"));
    json_w_int(&w, (int64_t)x->n);
    json_w_key(&w, STR("streamArn"));
    json_w_str(&w, str_c(x->source_arn));
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    lambda__destination_deliver(app, a, x->on_failure, buf_str(&b), x->function_arn);
    arena_free(a);
}

/* How long a second of MaximumRecordAgeInSeconds lasts, in ms: 1000, except
 * in GUREUM_TESTING builds with GUREUM_LAMBDA_RECORD_AGE_SECOND_MS=N, so a
 * test can watch the minimum age (60 s) pass in 60 x N ms. */
static int64_t age_ms(int64_t age_s)
{
    static _Atomic int64_t unit;
    return age_s * time_test_unit_ms(&unit, "GUREUM_LAMBDA_RECORD_AGE_SECOND_MS", 1000);
}

/* ReportBatchItemFailures: the index of the first record named by
 * batchItemFailures; n when none is (success); -1 when the answer names
 * something that is not a record of the batch (AWS then fails the whole
 * batch). */
static long first_failed(arena_t *a, const flight_t *f, str_t body)
{
    const json_t *j = body.len ? json_parse(a, body, NULL) : NULL;
    if (!j || j->type != JSON_OBJECT) return (long)f->n;
    const json_t *l = json_get(j, "batchItemFailures");
    if (!l || l->type == JSON_NULL) return (long)f->n;
    if (l->type != JSON_ARRAY) return -1;
    long first = (long)f->n;
    for (size_t i = 0; i < l->u.arr.n; i++) {
        const json_t *id = l->u.arr.v[i]->type == JSON_OBJECT ? json_get(l->u.arr.v[i], "itemIdentifier") : NULL;
        if (!id || id->type != JSON_STRING || !id->u.s.len) return -1;
        long k = -1;
        for (size_t r = 0; r < f->n; r++)
            if (str_eq_c(id->u.s, f->seq[r])) k = (long)r;
        if (k < 0) return -1;
        if (k < first) first = k;
    }
    return first;
}

static void flight_done(const rt_result_t *res, void *ud)
{
    flight_t *f = ud;
    lambda__note_result(&f->call, res);
    if (lambda__stopping) {
        lambda__esm_idle(f->uuid);
        flight_free(f);
        return;
    }
    bool fn_error = res->status != RT_OK;
    long ok_upto = fn_error ? 0 : (long)f->n; /* records [0, ok_upto) succeeded */
    if (!fn_error && f->partial) {
        arena_t *a = arena_new(1u << 20);
        ok_upto = a ? first_failed(a, f, res->body) : (long)f->n;
        if (a) arena_free(a);
        if (ok_upto < 0) ok_upto = 0;
    }
    f->attempts++;
    const char *problem = "PROBLEM: Function call failed";
    if (!fn_error && ok_upto == (long)f->n) {
        /* the parts of a bisected batch are read in its part size until
         * the whole of it is done */
        bool parts = f->at.lim > 0 && f->last < f->at.until;
        ckpt_t c = {.after = f->last, .lim = parts ? f->at.lim : 0, .until = parts ? f->at.until : 0};
        save_checkpoint(f->call.app, f->uuid, f->shard, &c, "OK");
    } else {
        size_t left = f->n - (size_t)ok_upto; /* the failed records: from the first failed one on */
        bool too_old = f->max_age >= 0 && time_now_us() / 1000 - f->first_ms > age_ms(f->max_age);
        /* AWS: splitting a batch does not count towards the retry quota */
        bool split = f->bisect && left > 1;
        if (split) f->attempts--;
        bool exhausted = !split && f->max_retries >= 0 && f->attempts > f->max_retries;
        if (too_old || exhausted) {
            /* AWS: the batch (from the first failed record) goes to the
             * on-failure destination and the shard moves on */
            failed_t x = {.request_id = f->call.request_id,
                          .function_arn = f->function_arn,
                          .shard = f->shard,
                          .source_arn = f->source_arn,
                          .on_failure = str_c(f->on_failure),
                          .kinesis = f->kinesis,
                          .first_seq = f->seq[ok_upto],
                          .last_seq = f->seq[f->n - 1],
                          .first_ms = f->first_ms,
                          .last_ms = f->last_ms,
                          .n = left,
                          .invoke_count = f->attempts};
            send_failure(f->call.app, &x, too_old ? "RecordAgeExceeded" : "RetryAttemptsExhausted", !too_old, fn_error);
            bool parts = f->at.lim > 0 && f->last < f->at.until;
            ckpt_t c = {.after = f->last, .lim = parts ? f->at.lim : 0, .until = parts ? f->at.until : 0};
            save_checkpoint(f->call.app, f->uuid, f->shard, &c, problem);
        } else {
            /* retried from the first failed record, in order; bisected, in
             * halves until the failing record is tried alone */
            ckpt_t c = {.after = ok_upto > 0 ? f->pos[ok_upto - 1] : f->at.after, .attempts = f->attempts};
            if (f->bisect) {
                c.lim = split ? (int)(left / 2) : 1;
                c.until = f->at.until > f->last ? f->at.until : f->last;
            }
            save_checkpoint(f->call.app, f->uuid, f->shard, &c, problem);
        }
    }
    lambda__esm_idle(f->uuid);
    flight_free(f);
}

/* Starts the batch recs[0..n) (those that passed the filters) of shard.
 * true when it is in flight. */
static bool start(app_t *app, arena_t *a, const lambda__esm_t *m, const lambda__fn_t *fn, str_t shard, rec_t *recs,
                  size_t n, const ckpt_t *at, int64_t last)
{
    flight_t *f = calloc(1, sizeof *f);
    if (!f) return false;
    bool copied = lambda__call_init(&f->call, app, fn) == GR_OK;
    snprintf(f->uuid, sizeof f->uuid, "%s", m->uuid);
    id_uuid(f->call.request_id);
    f->shard = strndup(shard.p, shard.len);
    f->source_arn = strndup(m->source_arn.p, m->source_arn.len);
    f->on_failure = strndup(m->on_failure.p ? m->on_failure.p : "", m->on_failure.len);
    str_t farn = lambda__arn(a, fn->region, fn->account, fn->name);
    f->function_arn = strndup(farn.p, farn.len);
    f->kinesis = m->kinesis;
    f->partial = m->partial;
    f->bisect = m->bisect;
    f->max_retries = (int)m->max_retries;
    f->max_age = m->max_age;
    f->at = *at;
    f->attempts = at->attempts;
    f->last = last;
    f->pos = calloc(n, sizeof *f->pos);
    f->seq = calloc(n, sizeof *f->seq);
    f->first_ms = recs[0].arrival_ms;
    f->last_ms = recs[n - 1].arrival_ms;
    str_t *json = arena_alloc(a, sizeof *json * n);
    for (size_t i = 0; f->pos && f->seq && json && i < n; i++) {
        f->pos[i] = recs[i].pos;
        f->seq[i] = strndup(recs[i].seq.p, recs[i].seq.len);
        f->n++;
        json[i] = recs[i].json;
    }
    /* AWS: IteratorAge is the age of the batch's last record when the
     * mapping sends it to the function (f may be gone once it is sent) */
    if (copied)
        lambda__metric(&f->call, "IteratorAge", "Milliseconds", (double)(time_now_us() / 1000 - f->last_ms), true);
    if (!copied || !f->pos || !f->seq || !json || !f->shard || !f->function_arn ||
        lambda__esm_invoke(a, fn, &f->call, json, n, flight_done, f) != GR_OK) {
        flight_free(f);
        return false;
    }
    return true;
}

/* ==== The poller's step ==== */

/* Whether the closed shard num has been read to its end by mapping m. */
static bool shard_done(app_t *app, arena_t *a, const lambda__esm_t *m, const kinesis_shard_t *sh, int nsh, int num)
{
    for (int i = 0; i < nsh; i++) {
        if (sh[i].num != num) continue;
        if (sh[i].closed_at < 0) return false;
        str_t id = str_c(arena_printf(a, "shardId-%012d", num));
        ckpt_t c;
        if (!checkpoint(app, m->uuid, id, m->start_after, &c)) return false;
        kinesis_rec_t *k;
        size_t n;
        return kinesis_read(app, a, m->source_arn, num, c.after, 1, &k, &n) == GR_OK && n == 0;
    }
    return true; /* a parent no longer listed has nothing left */
}

bool lambda__esm_stream_step(app_t *app, arena_t *a, const lambda__esm_t *m)
{
    lambda__fn_t fn;
    if (lambda__load(app, a, m->account, m->region, m->function_name, &fn) != 1) return false;
    kinesis_shard_t one = {.num = 0, .parent = -1, .adjacent = -1, .closed_at = -1}, *sh = &one;
    int nsh = 1;
    int64_t latest;
    str_t ddb_shard = STR_NULL;
    if (m->kinesis ? kinesis_shards(app, a, m->source_arn, &sh, &nsh, &latest) != GR_OK
                   : ddb_stream_shard(app, a, m->source_arn, &ddb_shard, &latest) != GR_OK)
        return false;
    int64_t now_ms = time_now_us() / 1000;
    for (int s = 0; s < nsh; s++) {
        str_t shard = m->kinesis ? str_c(arena_printf(a, "shardId-%012d", sh[s].num)) : ddb_shard;
        /* AWS: a child shard is read once its parents have been read to their end */
        if (m->kinesis && ((sh[s].parent >= 0 && !shard_done(app, a, m, sh, nsh, sh[s].parent)) ||
                           (sh[s].adjacent >= 0 && !shard_done(app, a, m, sh, nsh, sh[s].adjacent))))
            continue;
        ckpt_t c;
        if (!checkpoint(app, m->uuid, shard, m->start_after, &c)) continue;
        int max = c.lim > 0 && c.lim < m->batch_size ? c.lim : (int)m->batch_size;
        rec_t *recs;
        size_t n;
        if (read_shard(app, a, m, shard, sh[s].num, c.after, max, fn.role, &recs, &n) != GR_OK || n == 0) continue;
        /* AWS: with a batching window, a batch short of BatchSize waits up
         * to that long for more records */
        if (!c.lim && (int64_t)n < m->batch_size && m->window_s > 0 && now_ms - recs[0].arrival_ms < m->window_s * 1000)
            continue;
        if (m->max_age >= 0 && now_ms - recs[0].arrival_ms > age_ms(m->max_age)) {
            /* AWS (recorded): records already past MaximumRecordAgeInSeconds
             * are not sent; the on-failure destination is told of them */
            size_t old = 0;
            while (old < n && now_ms - recs[old].arrival_ms > age_ms(m->max_age)) old++;
            char rid[37];
            id_uuid(rid);
            failed_t x = {.request_id = rid,
                          .function_arn = lambda__arn(a, fn.region, fn.account, fn.name).p,
                          .shard = shard.p,
                          .source_arn = m->source_arn.p,
                          .on_failure = m->on_failure,
                          .kinesis = m->kinesis,
                          .first_seq = recs[0].seq.p,
                          .last_seq = recs[old - 1].seq.p,
                          .first_ms = recs[0].arrival_ms,
                          .last_ms = recs[old - 1].arrival_ms,
                          .n = old,
                          .invoke_count = c.attempts + 1};
            send_failure(app, &x, "RecordAgeExceeded", false, false);
            ckpt_t next = {.after = recs[old - 1].pos};
            save_checkpoint(app, m->uuid, shard.p, &next, NULL);
            continue;
        }
        int64_t last = recs[n - 1].pos;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (lambda__esm_passes(a, m->filters, recs[i].filter)) recs[k++] = recs[i];
        if (k == 0) {
            /* AWS: records no filter matches are dropped */
            ckpt_t next = c;
            next.after = last;
            save_checkpoint(app, m->uuid, shard.p, &next, NULL);
            continue;
        }
        if (start(app, a, m, &fn, shard, recs, k, &c, last)) return true;
    }
    return false;
}
