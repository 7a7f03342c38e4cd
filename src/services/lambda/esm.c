/* esm.c — event source mappings: the CRUD operations over lambda_esm (and
 * the mappings' tags, which function.c's tag operations read and write), the
 * poller thread, and the SQS side of it (queue messages into invocations);
 * DynamoDB streams and Kinesis streams are read by esm_stream.c.
 *
 * One poller thread (started by lambda_start at server start, or by the first
 * CreateEventSourceMapping) scans the enabled mappings. For a queue it
 * receives up to BatchSize messages through SQS's public calls (sqs.h), and
 * invokes the function with AWS's SQS event. Success deletes the batch; with
 * ReportBatchItemFailures only the messages not named in batchItemFailures;
 * a failure deletes nothing, so the messages come back after their
 * visibility timeout (and reach the queue's DLQ after maxReceiveCount). For a
 * stream it hands the mapping to lambda__esm_stream_step.
 * Invariant: a mapping has at most one batch in flight — so an SQS mapping's
 * ScalingConfig.MaximumConcurrency (2..1000, the cap on the concurrent
 * invocations it may start) always holds; it is kept and answered. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "lambda_model.h"
#include "services/authz.h"
#include "services/dynamodb/stream.h"
#include "services/events/events.h"
#include "services/iam/iam.h"
#include "services/kinesis/kinesis.h"
#include "services/lambda/lambda_int.h"
#include "services/sqs/sqs.h"
#include "store/store.h"

#define POLL_US 200000 /* between scans: AWS polls continuously; this bounds our CPU */

static pthread_mutex_t esm_mu = PTHREAD_MUTEX_INITIALIZER;
static bool poller_started, stopping;
static pthread_t poller_thread;

typedef struct busy {
    struct busy *next;
    char uuid[37];
} busy_t;
static busy_t *inflight; /* under esm_mu */

static bool is_busy(const char *uuid)
{
    for (busy_t *b = inflight; b; b = b->next)
        if (strcmp(b->uuid, uuid) == 0) return true;
    return false;
}

static void set_busy(const char *uuid, bool on)
{
    pthread_mutex_lock(&esm_mu);
    if (on) {
        busy_t *b = calloc(1, sizeof *b);
        if (b) {
            snprintf(b->uuid, sizeof b->uuid, "%s", uuid);
            b->next = inflight;
            inflight = b;
        }
    } else
        for (busy_t **pp = &inflight; *pp; pp = &(*pp)->next)
            if (strcmp((*pp)->uuid, uuid) == 0) {
                busy_t *b = *pp;
                *pp = b->next;
                free(b);
                break;
            }
    pthread_mutex_unlock(&esm_mu);
}

/* ==== One batch ==== */

typedef struct {
    lambda__call_t call;
    char uuid[37];
    char *queue_arn;
    size_t n;
    char **ids, **receipts;
    bool partial;
} batch_t;

static void batch_free(batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->ids[i]);
        free(b->receipts[i]);
    }
    free(b->ids);
    free(b->receipts);
    free(b->queue_arn);
    lambda__call_free(&b->call);
    free(b);
}

/* AWS: {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]} names the
 * messages to keep; an invalid response counts as all failed. */
static bool failed_item(arena_t *a, str_t body, const char *id, bool *parsed)
{
    const json_t *j = body.len ? json_parse(a, body, NULL) : NULL;
    *parsed = j != NULL;
    const json_t *f = j && j->type == JSON_OBJECT ? json_get(j, "batchItemFailures") : NULL;
    for (size_t i = 0; f && f->type == JSON_ARRAY && i < f->u.arr.n; i++) {
        const json_t *x = json_get(f->u.arr.v[i], "itemIdentifier");
        if (x && x->type == JSON_STRING && str_eq_c(x->u.s, id)) return true;
    }
    return false;
}

static void batch_done(const rt_result_t *res, void *ud)
{
    batch_t *b = ud;
    lambda__note_result(&b->call, res);
    if (res->status == RT_OK && !lambda__stopping) {
        arena_t *a = arena_new(1u << 20);
        for (size_t i = 0; a && i < b->n; i++) {
            bool parsed;
            if (b->partial && failed_item(a, res->body, b->ids[i], &parsed)) continue;
            sqs_delete_internal(b->call.app, str_c(b->queue_arn), str_c(b->receipts[i]));
        }
        if (a) arena_free(a);
    }
    set_busy(b->uuid, false);
    batch_free(b);
}

static void json_attr_map(json_w_t *w, const val_t *m, bool message_attrs)
{
    json_w_obj_begin(w);
    for (size_t i = 0; m && (m->kind == VAL_MAP || m->kind == VAL_STRUCT) && i < m->u.obj.n; i++) {
        json_w_key(w, m->u.obj.e[i].key);
        const val_t *v = m->u.obj.e[i].v;
        if (!message_attrs) {
            json_w_str(w, v->kind == VAL_STR ? v->u.s : STR(""));
            continue;
        }
        /* AWS's event spells message attributes in camelCase */
        json_w_obj_begin(w);
        str_t dt = val_get_str(v, "DataType"), sv = val_get_str(v, "StringValue");
        if (sv.p) {
            json_w_key(w, STR("stringValue"));
            json_w_str(w, sv);
        }
        json_w_key(w, STR("stringListValues"));
        json_w_arr_begin(w);
        json_w_arr_end(w);
        json_w_key(w, STR("binaryListValues"));
        json_w_arr_begin(w);
        json_w_arr_end(w);
        json_w_key(w, STR("dataType"));
        json_w_str(w, dt);
        json_w_obj_end(w);
    }
    json_w_obj_end(w);
}

/* One message as AWS's SQS event carries it; body_json: with the body as
 * the JSON it is, which is what filters see (AWS's filtering rules for SQS:
 * a JSON body is matched as JSON, any other as a string). */
static str_t sqs_record(arena_t *a, const sqs_msg_t *m, str_t queue_arn, str_t region, bool body_json)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("messageId"));
    json_w_str(&w, m->id);
    json_w_key(&w, STR("receiptHandle"));
    json_w_str(&w, m->receipt);
    json_w_key(&w, STR("body"));
    if (body_json)
        json_w_raw(&w, m->body);
    else
        json_w_str(&w, m->body);
    json_w_key(&w, STR("attributes"));
    json_attr_map(&w, m->attributes, false);
    json_w_key(&w, STR("messageAttributes"));
    json_attr_map(&w, m->msg_attributes, true);
    json_w_key(&w, STR("md5OfBody"));
    json_w_str(&w, m->md5_body);
    json_w_key(&w, STR("eventSource"));
    json_w_str(&w, STR("aws:sqs"));
    json_w_key(&w, STR("eventSourceARN"));
    json_w_str(&w, queue_arn);
    json_w_key(&w, STR("awsRegion"));
    json_w_str(&w, region);
    json_w_obj_end(&w);
    return buf_str(&b);
}

static void poll_one(app_t *app, arena_t *a, const char *uuid, str_t account, str_t region, str_t fname,
                     str_t queue_arn, int batch, bool partial, str_t filters)
{
    lambda__fn_t f;
    if (lambda__load(app, a, account, region, fname, &f) != 1) return;
    sqs_msg_t *msgs = NULL;
    size_t n = 0;
    const char *err = NULL;
    if (sqs_receive_internal(app, a, queue_arn, batch, -1, &msgs, &n, &err) != GR_OK || n == 0) return;
    /* AWS: a message no filter matches is deleted, never delivered */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *j = filters.len ? json_parse(a, msgs[i].body, NULL) : NULL;
        bool as_json = j && (j->type == JSON_OBJECT || j->type == JSON_ARRAY);
        if (filters.len && !lambda__esm_passes(a, filters, sqs_record(a, &msgs[i], queue_arn, region, as_json)))
            sqs_delete_internal(app, queue_arn, msgs[i].receipt);
        else
            msgs[k++] = msgs[i];
    }
    if ((n = k) == 0) return;
    batch_t *b = calloc(1, sizeof *b);
    if (!b) return;
    bool copied = lambda__call_init(&b->call, app, &f) == GR_OK;
    snprintf(b->uuid, sizeof b->uuid, "%s", uuid);
    b->queue_arn = strndup(queue_arn.p, queue_arn.len);
    b->ids = calloc(n, sizeof *b->ids);
    b->receipts = calloc(n, sizeof *b->receipts);
    b->partial = partial;
    id_uuid(b->call.request_id);
    str_t *recs = arena_alloc(a, sizeof *recs * n);
    if (!copied || !b->ids || !b->receipts || !recs) {
        batch_free(b);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        b->ids[i] = strndup(msgs[i].id.p, msgs[i].id.len);
        b->receipts[i] = strndup(msgs[i].receipt.p, msgs[i].receipt.len);
        b->n++;
        recs[i] = sqs_record(a, &msgs[i], queue_arn, region, false);
    }
    set_busy(uuid, true);
    if (lambda__esm_invoke(a, &f, &b->call, recs, n, batch_done, b) != GR_OK) {
        set_busy(uuid, false);
        batch_free(b);
    }
}

int lambda__esm_invoke(arena_t *a, const lambda__fn_t *f, const lambda__call_t *c, const str_t *records, size_t n,
                       rt_done_fn done, void *ud)
{
    app_t *app = c->app;
    rt_spec_t spec;
    rt_config_t rc = {.data_dir = store_datadir(app->store)};
    if (rt_start(&rc) != GR_OK || lambda__spec(app, a, f, &spec) != GR_OK) return GR_ERR;
    /* AWS's event of a batch, whatever the source: {"Records":[...]} */
    buf_t ev;
    buf_init(&ev, a);
    json_w_t w;
    json_w_init(&w, &ev);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Records"));
    json_w_arr_begin(&w);
    for (size_t i = 0; i < n; i++) json_w_raw(&w, records[i]);
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    rt_call_t call = {.request_id = c->request_id,
                      .function_arn = lambda__arn(a, f->region, f->account, f->name).p,
                      .payload = buf_str(&ev)};
    return lambda__run(&spec, &call, done, ud);
}

void lambda__esm_idle(const char *uuid)
{
    set_busy(uuid, false);
}

static void *poller(void *arg)
{
    app_t *app = arg;
    for (;;) {
        pthread_mutex_lock(&esm_mu);
        bool stop = stopping;
        pthread_mutex_unlock(&esm_mu);
        if (stop) return NULL;
        arena_t *a = arena_new(8u << 20);
        sqlite3 *db = a ? lambda__db(app) : NULL;
        sqlite3_stmt *st;
        /* The mappings are read whole before any is stepped: while the
         * SELECT is open, the connection's reads share its snapshot, so a
         * checkpoint read then could predate a batch that ended since (its
         * mapping no longer busy) and the batch would be sent again. */
        lambda__esm_t *ms = NULL;
        size_t n = 0, cap = 0;
        if (db && store_prepare(db,
                                "SELECT uuid, account, region, function_name, source_arn, batch_size, partial, "
                                "window_s, bisect, start_after, max_retries, max_age, on_failure, filters "
                                "FROM lambda_esm WHERE enabled = 1",
                                -1, &st, NULL) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    lambda__esm_t *grown = arena_alloc(a, sizeof *grown * cap);
                    if (!grown) break;
                    if (n) memcpy(grown, ms, sizeof *ms * n);
                    ms = grown;
                }
#define C(i) lambda__col(a, st, i)
                str_t src = C(4);
                ms[n++] = (lambda__esm_t){.uuid = C(0).p,
                                          .account = C(1),
                                          .region = C(2),
                                          .function_name = C(3),
                                          .source_arn = src,
                                          .kinesis = str_starts_with(src, STR("arn:aws:kinesis:")),
                                          .batch_size = sqlite3_column_int64(st, 5),
                                          .partial = sqlite3_column_int(st, 6) != 0,
                                          .window_s = sqlite3_column_int64(st, 7),
                                          .bisect = sqlite3_column_int(st, 8) != 0,
                                          .start_after = sqlite3_column_int64(st, 9),
                                          .max_retries = sqlite3_column_int64(st, 10),
                                          .max_age = sqlite3_column_int64(st, 11),
                                          .on_failure = C(12),
                                          .filters = C(13)};
#undef C
            }
            store_release(st);
        }
        for (size_t i = 0; i < n; i++) {
            const lambda__esm_t *m = &ms[i];
            pthread_mutex_lock(&esm_mu);
            bool busy = is_busy(m->uuid);
            pthread_mutex_unlock(&esm_mu);
            if (busy) continue;
            if (str_starts_with(m->source_arn, STR("arn:aws:sqs:"))) {
                poll_one(app, a, m->uuid, m->account, m->region, m->function_name, m->source_arn, (int)m->batch_size,
                         m->partial, m->filters);
                continue;
            }
            /* busy before the step: the batch may end before it returns */
            set_busy(m->uuid, true);
            if (!lambda__esm_stream_step(app, a, m)) set_busy(m->uuid, false);
        }
        if (a) arena_free(a);
        usleep(POLL_US);
    }
    return NULL;
}

static void start_poller(app_t *app)
{
    pthread_mutex_lock(&esm_mu);
    if (!poller_started && !stopping && pthread_create(&poller_thread, NULL, poller, app) == 0) poller_started = true;
    pthread_mutex_unlock(&esm_mu);
}

void lambda_stop(struct app *app)
{
    static bool stopped;
    if (stopped) return; /* once: the threads it joins are gone after */
    stopped = true;
    pthread_mutex_lock(&esm_mu);
    stopping = true;
    bool join = poller_started;
    pthread_mutex_unlock(&esm_mu);
    lambda__stopping = true;
    if (join) pthread_join(poller_thread, NULL);
    rt_stop();
    lambda__logs_stop();
}

int lambda_start(struct app *app)
{
    /* only when some mapping exists: most servers never need the thread, and
     * a data directory without Lambda's database is not opened at start-up */
    char path[4200];
    snprintf(path, sizeof path, "%s/meta/lambda.db", store_datadir(app->store));
    if (access(path, F_OK) != 0) return GR_OK;
    sqlite3 *db = lambda__db(app);
    sqlite3_stmt *st;
    bool any = false;
    if (db && store_prepare(db, "SELECT 1 FROM lambda_esm LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        any = sqlite3_step(st) == SQLITE_ROW;
        store_release(st);
    }
    if (any) start_poller(app);
    return GR_OK;
}

/* ==== Operations ==== */

static bool is_stream(str_t arn)
{
    return str_starts_with(arn, STR("arn:aws:dynamodb:")) || str_starts_with(arn, STR("arn:aws:kinesis:"));
}

/* ScalingConfig, KMSKeyArn and MetricsConfig (columns 19..21), answered once
 * set as AWS answers what a mapping stores. */
static void esm_settings_value(arena_t *a, sqlite3_stmt *st, val_t *v)
{
    int64_t maxc = sqlite3_column_int64(st, 19);
    if (maxc) {
        val_t *sc = val_new(a, VAL_STRUCT);
        val_set_c(a, sc, "MaximumConcurrency", val_int(a, maxc));
        val_set_c(a, v, "ScalingConfig", sc);
    }
    str_t kms = lambda__col(a, st, 20), metrics = lambda__col(a, st, 21);
    if (kms.len) val_set_c(a, v, "KMSKeyArn", val_str(a, kms));
    if (metrics.len) {
        val_t *mc = val_new(a, VAL_STRUCT);
        val_set_c(a, mc, "Metrics", lambda__json_list(a, metrics));
        val_set_c(a, v, "MetricsConfig", mc);
    }
}

static val_t *esm_value(arena_t *a, sqlite3_stmt *st, const char *state)
{
#define C(i) lambda__col(a, st, i)
    val_t *v = val_new(a, VAL_STRUCT);
    str_t src = C(4);
    val_set_c(a, v, "UUID", val_str(a, C(0)));
    val_set_c(a, v, "BatchSize", val_int(a, sqlite3_column_int64(st, 5)));
    val_set_c(a, v, "MaximumBatchingWindowInSeconds", val_int(a, sqlite3_column_int64(st, 6)));
    val_set_c(a, v, "EventSourceArn", val_str(a, src));
    val_set_c(a, v, "FunctionArn", val_str(a, lambda__arn(a, C(2), C(1), C(3))));
    val_set_c(a, v, "LastModified", val_time(a, sqlite3_column_int64(st, 9) * 1000));
    bool enabled = sqlite3_column_int(st, 7) != 0;
    val_set_c(a, v, "State", val_cstr(a, state ? state : enabled ? "Enabled" : "Disabled"));
    val_t *frt = val_new(a, VAL_LIST);
    if (sqlite3_column_int(st, 8)) val_push(a, frt, val_cstr(a, "ReportBatchItemFailures"));
    val_set_c(a, v, "FunctionResponseTypes", frt);
    str_t filters = C(17);
    const json_t *fl = filters.len ? json_parse(a, filters, NULL) : NULL;
    if (fl && fl->type == JSON_ARRAY && fl->u.arr.n) {
        val_t *list = val_new(a, VAL_LIST);
        for (size_t i = 0; i < fl->u.arr.n; i++) {
            val_t *one = val_new(a, VAL_STRUCT);
            val_set_c(a, one, "Pattern", val_str(a, fl->u.arr.v[i]->u.s));
            val_push(a, list, one);
        }
        val_t *fc = val_new(a, VAL_STRUCT);
        val_set_c(a, fc, "Filters", list);
        val_set_c(a, v, "FilterCriteria", fc);
    }
    val_set_c(a, v, "EventSourceMappingArn",
              val_cstr(a, arena_printf(a, "arn:aws:lambda:%.*s:%.*s:event-source-mapping:%.*s", STR_FMT(C(2)),
                                       STR_FMT(C(1)), STR_FMT(C(0)))));
    esm_settings_value(a, st, v);
    if (!is_stream(src)) {
        val_set_c(a, v, "StateTransitionReason", val_cstr(a, "USER_INITIATED"));
        return v;
    }
    /* AWS (LocalStack's AWS-recorded ESM tests): a stream mapping answers
     * its stream settings, defaults included */
    val_set_c(a, v, "StateTransitionReason", val_cstr(a, "User action"));
    str_t pos = C(10), last = C(18);
    val_set_c(a, v, "StartingPosition", val_str(a, pos));
    if (str_eq_c(pos, "AT_TIMESTAMP"))
        val_set_c(a, v, "StartingPositionTimestamp", val_time(a, sqlite3_column_int64(st, 11) * 1000));
    val_set_c(a, v, "ParallelizationFactor", val_int(a, sqlite3_column_int64(st, 12)));
    val_set_c(a, v, "MaximumRetryAttempts", val_int(a, sqlite3_column_int64(st, 13)));
    val_set_c(a, v, "MaximumRecordAgeInSeconds", val_int(a, sqlite3_column_int64(st, 14)));
    val_set_c(a, v, "BisectBatchOnFunctionError", val_bool(a, sqlite3_column_int(st, 15) != 0));
    val_set_c(a, v, "TumblingWindowInSeconds", val_int(a, 0));
    val_t *of = val_new(a, VAL_STRUCT);
    str_t dest = C(16);
    if (dest.len) val_set_c(a, of, "Destination", val_str(a, dest));
    val_t *dc = val_new(a, VAL_STRUCT);
    val_set_c(a, dc, "OnFailure", of);
    val_set_c(a, v, "DestinationConfig", dc);
    val_set_c(a, v, "LastProcessingResult", val_str(a, last.len ? last : STR("No records processed")));
#undef C
    return v;
}

#define ESM_COLS                                                                                                       \
    "uuid, account, region, function_name, source_arn, batch_size, window_s, enabled, partial, last_modified, "        \
    "starting_position, starting_ts, parallel, max_retries, max_age, bisect, on_failure, filters, last_result, "       \
    "max_concurrency, kms_key, metrics"

static int esm_get(req_t *r, str_t uuid, const char *state, val_t *out)
{
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db, "SELECT " ESM_COLS " FROM lambda_esm WHERE uuid = ?1 AND account = ?2", -1, &st,
                             NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, uuid.p, (int)uuid.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = *esm_value(r->arena, st, state);
    store_release(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

/* The settings a create or update may give, checked as AWS checks them. */
typedef struct {
    str_t filters; /* JSON array of the pattern texts; STR_NULL: not given */
    str_t on_failure;
    bool has_on_failure;
    bool partial, has_partial;
    bool has_scaling, has_kms, has_metrics;
    int64_t max_concurrency; /* 0: the configuration removed (AWS: "pass an empty value") */
    str_t kms_key;
    str_t metrics; /* JSON array; STR_NULL with has_metrics: removed */
} esm_in_t;

static int settings_or_fail(req_t *r, const val_t *in, bool stream, esm_in_t *e)
{
    arena_t *a = r->arena;
    *e = (esm_in_t){.filters = STR_NULL};
    const val_t *fc = val_get(in, "FilterCriteria");
    if (fc) {
        const val_t *l = val_get(fc, "Filters");
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_arr_begin(&w);
        for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) {
            str_t p = val_get_str(l->u.list.v[i], "Pattern");
            /* AWS (recorded): a pattern that is not a valid event pattern */
            if (!p.p || events_pattern_parse(a, p, NULL))
                return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid filter pattern definition.");
            json_w_str(&w, p);
        }
        json_w_arr_end(&w);
        e->filters = buf_str(&b);
    }
    const val_t *sc = val_get(in, "ScalingConfig");
    if (sc) {
        e->has_scaling = true;
        e->max_concurrency = val_get_int(sc, "MaximumConcurrency", 0);
    }
    if (val_get(in, "KMSKeyArn")) {
        e->has_kms = true;
        e->kms_key = val_get_str(in, "KMSKeyArn");
    }
    const val_t *mc = val_get(in, "MetricsConfig");
    if (mc) {
        e->has_metrics = true;
        str_t ml = lambda__list_json(a, val_get(mc, "Metrics"));
        if (ml.len) e->metrics = ml;
    }
    const val_t *frt = val_get(in, "FunctionResponseTypes");
    if (frt) {
        e->has_partial = true;
        for (size_t i = 0; i < frt->u.list.n; i++)
            if (str_eq_c(frt->u.list.v[i]->u.s, "ReportBatchItemFailures")) e->partial = true;
    }
    const val_t *dc = val_get(in, "DestinationConfig");
    const val_t *of = dc ? val_get(dc, "OnFailure") : NULL;
    if (of) {
        e->has_on_failure = true;
        e->on_failure = val_get_str(of, "Destination");
        if (!e->on_failure.p) e->on_failure = STR("");
        if (e->on_failure.len && (!stream || (!str_starts_with(e->on_failure, STR("arn:aws:sqs:")) &&
                                              !str_starts_with(e->on_failure, STR("arn:aws:sns:")))))
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "The provided destination config DestinationConfig is invalid.");
    }
    /* gureum does not aggregate over tumbling windows: refused rather
     * than ignored */
    if (val_get_int(in, "TumblingWindowInSeconds", 0) != 0)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "gureum does not implement tumbling windows (TumblingWindowInSeconds must be 0)");
    return GR_OK;
}

/* Where a new stream mapping starts reading: the position to read after.
 * Fails r as AWS does for a missing stream or starting position. */
static int start_or_fail(req_t *r, str_t src, str_t pos, const val_t *ts, int64_t *after)
{
    arena_t *a = r->arena;
    bool kinesis = str_starts_with(src, STR("arn:aws:kinesis:"));
    /* AWS (recorded): "1 validation error detected: Value null at
     * 'startingPosition' ..." (InvalidParameterValueException) */
    if (!pos.p)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
                        "Member must not be null.");
    if (!kinesis && str_eq_c(pos, "AT_TIMESTAMP"))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Unsupported starting position for arn type: %.*s", STR_FMT(src));
    int64_t latest = 0;
    str_t shard;
    kinesis_shard_t *sh;
    int nsh;
    if (kinesis ? kinesis_shards(r->app, a, src, &sh, &nsh, &latest) != GR_OK
                : ddb_stream_shard(r->app, a, src, &shard, &latest) != GR_OK)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Stream not found: %.*s", STR_FMT(src));
    if (str_eq_c(pos, "TRIM_HORIZON"))
        *after = 0;
    else if (str_eq_c(pos, "LATEST"))
        *after = latest;
    else if (!ts || ts->kind != VAL_TIME)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.");
    else if (kinesis_position_at(r->app, src, ts->u.t / 1000, after) != GR_OK)
        return GR_ERR;
    return GR_OK;
}

/* AWS: the function's execution role must be able to read its source;
 * CreateEventSourceMapping checks it, as the role (an assumed-role session
 * of the function, evaluated by its identity policies). A stream needs
 * GetRecords, GetShardIterator, DescribeStream and ListStreams; a queue
 * ReceiveMessage, DeleteMessage and GetQueueAttributes (Lambda developer
 * guide, "execution role permissions"), the first one missing named. */
static int role_may_read_or_fail(req_t *r, const lambda__fn_t *f, str_t src)
{
    arena_t *a = r->arena;
    str_t rest = f->role, field = STR_NULL, account = STR_NULL;
    for (int i = 0; i < 5 && rest.len; i++) {
        rest = str_cut(rest, ':', &field);
        if (i == 4) account = field;
    }
    size_t slash = f->role.len;
    while (slash > 0 && f->role.p[slash - 1] != '/') slash--;
    str_t name = slash ? str_n(f->role.p + slash, f->role.len - slash) : STR_NULL;
    iam_role_info_t info = {.name = STR_NULL};
    bool ok = account.len && name.len && iam_role_for_assume(r->app, account, name, a, &info) == 1;
    static const char *const stream_actions[] = {"GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"};
    static const char *const queue_actions[] = {"ReceiveMessage", "DeleteMessage", "GetQueueAttributes"};
    bool queue = str_starts_with(src, STR("arn:aws:sqs:"));
    const char *const *actions = queue ? queue_actions : stream_actions;
    size_t nactions = queue ? 3 : 4, i = 0;
    const char *svc = queue ? "sqs" : str_starts_with(src, STR("arn:aws:kinesis:")) ? "kinesis" : "dynamodb";
    authz_t *z = ok ? authz_new() : NULL;
    req_t as = *r; /* the role's session asks, in this request's arena */
    as.who = (principal_t){
        .account = account,
        .arn = str_c(arena_printf(a, "arn:aws:sts::%.*s:assumed-role/%.*s/%.*s", STR_FMT(account), STR_FMT(info.name),
                                  STR_FMT(f->name))),
        .user_id = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(info.id), STR_FMT(f->name))),
        .user_name = STR(""),
    };
    for (; z && ok && i < nactions; i++)
        ok =
            authz_check_resource(&as, z, str_c(arena_printf(a, "%s:%s", svc, actions[i])), src, account, NULL) == GR_OK;
    if (z) authz_free(z);
    if (ok) return GR_OK;
    if (queue) /* AWS's wording (2025; before, "The provided execution role does not have ...") */
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "The function execution role does not have permissions to call %s on SQS",
                        actions[i ? i - 1 : 0]);
    /* AWS's wording (the same for DynamoDB and Kinesis streams) */
    return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                    "Cannot access stream %.*s. Please ensure the role can perform the GetRecords, GetShardIterator, "
                    "DescribeStream, and ListStreams Actions on your stream in IAM.",
                    STR_FMT(src));
}

/* AWS (recorded): one mapping per stream and function. */
static int unique_or_fail(req_t *r, str_t src, const lambda__fn_t *f)
{
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, f,
                           "SELECT uuid FROM lambda_esm WHERE account = ?1 AND region = ?2 AND function_name = ?3 "
                           "AND source_arn = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, src);
    int rc = sqlite3_step(st);
    str_t other = rc == SQLITE_ROW ? lambda__col(r->arena, st, 0) : STR_NULL;
    store_release(st);
    if (rc == SQLITE_ROW)
        return req_fail(r, &LAMBDA_ERR_ResourceConflictException,
                        "The event source arn (\" %.*s \") and function (\" %.*s \") provided mapping already exists. "
                        "Please update or delete the existing mapping with UUID %.*s",
                        STR_FMT(src), STR_FMT(f->name), STR_FMT(other));
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int lambda_create_event_source_mapping(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t src = val_get_str(in, "EventSourceArn");
    bool stream = is_stream(src);
    if (!str_starts_with(src, STR("arn:aws:sqs:")) && !stream)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "gureum maps SQS queues, DynamoDB streams and Kinesis streams only (EventSourceArn "
                        "arn:aws:sqs:..., arn:aws:dynamodb:...:table/T/stream/L, arn:aws:kinesis:...:stream/S)");
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    esm_in_t e;
    if (settings_or_fail(r, in, stream, &e) != GR_OK) return GR_ERR;
    str_t pos = val_get_str(in, "StartingPosition");
    int64_t start_after = 0;
    int64_t batch = val_get_int(in, "BatchSize", stream ? 100 : 10),
            window = val_get_int(in, "MaximumBatchingWindowInSeconds", 0);
    if (stream) {
        /* AWS: stream batches are 1..10000 */
        if (batch < 1 || batch > 10000)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "BatchSize must be between 1 and 10000 for stream event sources.");
        if (start_or_fail(r, src, pos, val_get(in, "StartingPositionTimestamp"), &start_after) != GR_OK ||
            role_may_read_or_fail(r, &f, src) != GR_OK || unique_or_fail(r, src, &f) != GR_OK)
            return GR_ERR;
    } else {
        if (pos.p)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "StartingPosition is not valid for SQS event sources.");
        /* AWS: SQS batches are 1..10000, and over 10 need a batching window */
        if (batch < 1 || batch > 10000)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "BatchSize must be between 1 and 10000 for SQS event sources.");
        if (batch > 10 && window < 1)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater "
                            "than 10");
        if (batch > 10) batch = 10; /* one ReceiveMessage: SQS's own cap */
        if (role_may_read_or_fail(r, &f, src) != GR_OK) return GR_ERR;
    }
    const val_t *ts = val_get(in, "StartingPositionTimestamp");
    char uuid[37];
    id_uuid(uuid);
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db ||
        store_prepare(db,
                      "INSERT INTO lambda_esm (uuid, account, region, function_name, source_arn, "
                      "batch_size, window_s, enabled, partial, last_modified, starting_position, starting_ts, "
                      "start_after, parallel, max_retries, max_age, bisect, on_failure, filters, "
                      "max_concurrency, kms_key, metrics, tags_json) "
                      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f.account.p, (int)f.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f.region.p, (int)f.region.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f.name.p, (int)f.name.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, src.p, (int)src.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, batch);
    sqlite3_bind_int64(st, 7, window);
    sqlite3_bind_int(st, 8, val_get_bool(in, "Enabled", true) ? 1 : 0);
    sqlite3_bind_int(st, 9, e.partial ? 1 : 0);
    sqlite3_bind_int64(st, 10, time_now_us() / 1000);
    sqlite3_bind_text(st, 11, pos.p ? pos.p : "", (int)pos.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, ts && ts->kind == VAL_TIME ? ts->u.t / 1000 : 0);
    sqlite3_bind_int64(st, 13, start_after);
    sqlite3_bind_int64(st, 14, val_get_int(in, "ParallelizationFactor", 1));
    sqlite3_bind_int64(st, 15, val_get_int(in, "MaximumRetryAttempts", -1));
    sqlite3_bind_int64(st, 16, val_get_int(in, "MaximumRecordAgeInSeconds", -1));
    sqlite3_bind_int(st, 17, val_get_bool(in, "BisectBatchOnFunctionError", false) ? 1 : 0);
    sqlite3_bind_text(st, 18, e.on_failure.p ? e.on_failure.p : "", (int)e.on_failure.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 19, e.filters.p ? e.filters.p : "", (int)e.filters.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 20, e.max_concurrency);
    sqlite3_bind_text(st, 21, e.kms_key.p ? e.kms_key.p : "", (int)e.kms_key.len, SQLITE_STATIC);
    if (e.metrics.p) sqlite3_bind_text(st, 22, e.metrics.p, (int)e.metrics.len, SQLITE_STATIC);
    const val_t *tags = val_get(in, "Tags");
    lambda__bind_s(st, 23, tags && tags->u.obj.n ? lambda__map_json(a, tags) : STR(""));
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    start_poller(r->app);
    /* AWS: a new mapping answers State Creating */
    return esm_get(r, str_c(arena_strdup(a, uuid)), "Creating", out);
}

int lambda__esm_tags(req_t *r, str_t uuid, str_t *tags)
{
    sqlite3_stmt *st;
    if (lambda__prepare(r->app, "SELECT tags_json FROM lambda_esm WHERE account = ?1 AND region = ?2 AND uuid = ?3",
                        r->who.account, r->region, uuid, &st) != GR_OK)
        return GR_ERR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *tags = lambda__col(r->arena, st, 0);
    store_release(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

int lambda__esm_set_tags(req_t *r, str_t uuid, str_t tags)
{
    sqlite3_stmt *st;
    if (lambda__prepare(r->app, "UPDATE lambda_esm SET tags_json = ?4 WHERE account = ?1 AND region = ?2 AND uuid = ?3",
                        r->who.account, r->region, uuid, &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, tags);
    return lambda__step_done(st);
}

int lambda_get_event_source_mapping(req_t *r, const val_t *in, val_t *out)
{
    return esm_get(r, val_get_str(in, "UUID"), NULL, out);
}

int lambda_delete_event_source_mapping(req_t *r, const val_t *in, val_t *out)
{
    str_t uuid = val_get_str(in, "UUID");
    if (esm_get(r, uuid, "Deleting", out) != GR_OK) return GR_ERR;
    sqlite3 *db = lambda__db(r->app);
    if (!db) return GR_ERR;
    int rc = SQLITE_DONE;
    static const char *const sql[] = {"DELETE FROM lambda_esm WHERE uuid = ?1",
                                      "DELETE FROM lambda_esm_shard WHERE uuid = ?1"};
    for (size_t i = 0; i < 2 && rc == SQLITE_DONE; i++) {
        sqlite3_stmt *st;
        if (store_prepare(db, sql[i], -1, &st, NULL) != SQLITE_OK) return GR_ERR;
        sqlite3_bind_text(st, 1, uuid.p, (int)uuid.len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        store_release(st);
    }
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int lambda_update_event_source_mapping(req_t *r, const val_t *in, val_t *out)
{
    str_t uuid = val_get_str(in, "UUID");
    val_t cur;
    if (esm_get(r, uuid, NULL, &cur) != GR_OK) return GR_ERR;
    bool stream = is_stream(val_get_str(&cur, "EventSourceArn"));
    esm_in_t e;
    if (settings_or_fail(r, in, stream, &e) != GR_OK) return GR_ERR;
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "UPDATE lambda_esm SET batch_size = coalesce(?2, batch_size), "
                             "enabled = coalesce(?3, enabled), window_s = coalesce(?4, window_s), "
                             "last_modified = ?5, partial = coalesce(?6, partial), filters = coalesce(?7, filters), "
                             "on_failure = coalesce(?8, on_failure), max_retries = coalesce(?9, max_retries), "
                             "max_age = coalesce(?10, max_age), bisect = coalesce(?11, bisect), "
                             "parallel = coalesce(?12, parallel), max_concurrency = coalesce(?13, max_concurrency), "
                             "kms_key = coalesce(?14, kms_key), metrics = CASE WHEN ?15 THEN ?16 ELSE metrics END "
                             "WHERE uuid = ?1",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, uuid.p, (int)uuid.len, SQLITE_STATIC);
    if (val_get(in, "BatchSize")) {
        int64_t batch = val_get_int(in, "BatchSize", 10);
        sqlite3_bind_int64(st, 2, !stream && batch > 10 ? 10 : batch);
    }
    if (val_get(in, "Enabled")) sqlite3_bind_int(st, 3, val_get_bool(in, "Enabled", true));
    if (val_get(in, "MaximumBatchingWindowInSeconds"))
        sqlite3_bind_int64(st, 4, val_get_int(in, "MaximumBatchingWindowInSeconds", 0));
    sqlite3_bind_int64(st, 5, time_now_us() / 1000);
    if (e.has_partial) sqlite3_bind_int(st, 6, e.partial);
    if (e.filters.p) sqlite3_bind_text(st, 7, e.filters.p, (int)e.filters.len, SQLITE_STATIC);
    if (e.has_on_failure) sqlite3_bind_text(st, 8, e.on_failure.p, (int)e.on_failure.len, SQLITE_STATIC);
    static const char *const ints[] = {"MaximumRetryAttempts", "MaximumRecordAgeInSeconds"};
    for (int i = 0; i < 2; i++)
        if (val_get(in, ints[i])) sqlite3_bind_int64(st, 9 + i, val_get_int(in, ints[i], -1));
    if (val_get(in, "BisectBatchOnFunctionError"))
        sqlite3_bind_int(st, 11, val_get_bool(in, "BisectBatchOnFunctionError", false));
    if (val_get(in, "ParallelizationFactor")) sqlite3_bind_int64(st, 12, val_get_int(in, "ParallelizationFactor", 1));
    if (e.has_scaling) sqlite3_bind_int64(st, 13, e.max_concurrency);
    if (e.has_kms) sqlite3_bind_text(st, 14, e.kms_key.p ? e.kms_key.p : "", (int)e.kms_key.len, SQLITE_STATIC);
    sqlite3_bind_int(st, 15, e.has_metrics);
    if (e.metrics.p) sqlite3_bind_text(st, 16, e.metrics.p, (int)e.metrics.len, SQLITE_STATIC);
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    return esm_get(r, uuid, "Updating", out);
}

int lambda_list_event_source_mappings(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t src = val_get_str(in, "EventSourceArn"), fn = val_get_str(in, "FunctionName");
    str_t name = STR_NULL, q;
    if (fn.len) lambda__parse_name(fn, &name, &q, NULL, NULL);
    sqlite3_stmt *st;
    if (lambda__prepare(r->app,
                        "SELECT " ESM_COLS " FROM lambda_esm WHERE account = ?1 AND region = ?2 "
                        "AND (?3 = '' OR source_arn = ?3) AND (?4 = '' OR function_name = ?4) ORDER BY uuid",
                        r->who.account, r->region, STR_NULL, &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, src);
    lambda__bind_s(st, 4, name);
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) val_push(a, list, esm_value(a, st, NULL));
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "EventSourceMappings", list);
    return GR_OK;
}
