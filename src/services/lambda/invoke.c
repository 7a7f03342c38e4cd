/* invoke.c — Invoke (RequestResponse, Event, DryRun), InvokeWithResponseStream,
 * the deprecated InvokeAsync, and lambda_invoke_event for other services;
 * each call's CloudWatch Logs lines.
 *
 * A RequestResponse invoke suspends its request (GR_AGAIN) and hands the
 * call to the runtime (src/runtime/rt.h); the result arrives on the runtime
 * thread, which writes the logs and posts the answer to the request's loop.
 * No thread waits. A function that streams its response has each piece
 * posted to the loop as it arrives (an event stream, or a function URL's
 * body). The request may be abandoned by its client meanwhile: the context's
 * state (WAITING → POSTED, or CANCELLED) and its count of queued posts are
 * changed under `mu`, and exactly one side frees it. Event invokes are retried twice on failure
 * (AWS: after 1 and 2 minutes; GUREUM_LAMBDA_RETRY_MS shortens it), then
 * sent to the function's dead-letter queue. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "http/http.h"
#include "lambda_model.h"
#include "services/dispatch.h"
#include "services/lambda/lambda.h"
#include "services/lambda/lambda_int.h"
#include "services/logs/logs.h"
#include "services/pubmetrics.h"
#include "services/sqs/sqs.h"

#define SYNC_MAX 6291456 /* AWS: 6 MB request and response for RequestResponse */
#define ASYNC_MAX 262144 /* AWS: 256 KB for Event */
#define TAIL_BYTES 4096  /* AWS: LogResult carries the last 4 KB */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
_Atomic bool lambda__stopping;
/* Calls handed to the runtime and not finished, all functions together
 * (ConcurrentExecutions). */
static _Atomic long in_flight;

static int ensure_runtime(app_t *app)
{
    rt_config_t c = {.data_dir = store_datadir(app->store)};
    return rt_start(&c);
}

/* ==== What a finished call means ==== */

typedef struct {
    bool fn_error; /* X-Amz-Function-Error: Unhandled */
    bool streamed; /* the function streamed its response: the payload went out in pieces */
    char *payload; /* malloc'd */
    size_t payload_len;
    char *log; /* START … REPORT, malloc'd */
    size_t log_len;
    char *error_type, *error_message; /* for DLQ attributes, malloc'd or NULL */
} outcome_t;

static void outcome_free(outcome_t *o)
{
    free(o->payload);
    free(o->log);
    free(o->error_type);
    free(o->error_message);
    memset(o, 0, sizeof *o);
}

static void fmt_ts(char out[32], int64_t us)
{
    time_fmt_iso8601(out, us, true);
}

/* ==== Metrics (AWS/Lambda) ==== */

/* AWS ("Types of metrics for Lambda functions"): per function, per version
 * or alias (FunctionName + Resource "NAME:QUALIFIER"), per version an alias
 * ran (+ ExecutedVersion), and for the account without dimensions. */
void lambda__metric(const lambda__call_t *c, const char *metric, const char *unit, double value, bool keep)
{
    str_t acct = str_c(c->account), region = str_c(c->region);
    char res[400];
    snprintf(res, sizeof res, "%s:%s", c->name, c->qualifier);
    pubm_dim_t d[3] = {
        {"FunctionName", str_c(c->name)}, {"Resource", str_c(res)}, {"ExecutedVersion", str_c(c->executed)}};
    pubm_add(c->app, acct, region, "AWS/Lambda", metric, NULL, 0, unit, value, keep);
    pubm_add(c->app, acct, region, "AWS/Lambda", metric, d, 1, unit, value, keep);
    if (c->qualifier[0]) pubm_add(c->app, acct, region, "AWS/Lambda", metric, d, 2, unit, value, keep);
    if (c->qualifier[0] && c->executed[0])
        pubm_add(c->app, acct, region, "AWS/Lambda", metric, d, 3, unit, value, keep);
}

/* A call finished: AWS's invocation metrics are binary indicators (Errors
 * 0 or 1 for every invocation), Duration in milliseconds; a throttled call
 * never got here (Throttles, invocation_or_fail). ConcurrentExecutions is
 * the number of calls running as this one ends, itself included, so its
 * Maximum is the minute's peak (AWS samples the account's concurrency;
 * per function it reports only functions with reserved concurrency, which
 * gureum does not count apart). */
static void fn_metrics(const lambda__call_t *c, const rt_result_t *res, bool fn_error)
{
    long running = atomic_fetch_sub(&in_flight, 1);
    lambda__metric(c, "Invocations", "Count", 1, false);
    lambda__metric(c, "Errors", "Count", fn_error ? 1 : 0, false);
    lambda__metric(c, "Duration", "Milliseconds", (double)res->duration_us / 1000.0, true);
    pubm_add(c->app, str_c(c->account), str_c(c->region), "AWS/Lambda", "ConcurrentExecutions", NULL, 0, "Count",
             (double)(running > 0 ? running : 1), false);
}

int lambda__run(const rt_spec_t *spec, const rt_call_t *call, rt_done_fn done, void *ud)
{
    atomic_fetch_add(&in_flight, 1);
    int rc = rt_invoke(spec, call, done, ud);
    if (rc != GR_OK) atomic_fetch_sub(&in_flight, 1);
    return rc;
}

/* Builds the payload and the log text of a result, and appends the log to
 * /aws/lambda/NAME (on the runtime thread). */
static void outcome_of(const char *version, const rt_result_t *res, const lambda__call_t *c, bool provided,
                       outcome_t *o)
{
    const char *request_id = c->request_id;
    int64_t memory_mb = c->memory_mb, timeout_s = c->timeout_s;
    memset(o, 0, sizeof *o);
    o->streamed = res->streamed;
    char ts[32];
    fmt_ts(ts, time_now_us());
    char *err = NULL;
    switch (res->status) {
    case RT_OK:
        if (res->body.len > SYNC_MAX) {
            o->fn_error = true;
            if (asprintf(&err, "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size "
                               "(6291556 bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}") < 0)
                err = NULL;
        } else {
            o->payload = str_dup(res->body);
            o->payload_len = res->body.len;
        }
        break;
    case RT_FN_ERROR:
    case RT_INIT_ERROR:
        o->fn_error = true;
        o->payload = str_dup(res->body);
        o->payload_len = res->body.len;
        o->error_type = str_dup(res->error_type);
        break;
    case RT_TIMEOUT:
        o->fn_error = true;
        /* AWS: {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ID Error: Task timed out after 3.00 seconds"}
         */
        if (asprintf(&err,
                     "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: %s Error: Task timed out "
                     "after %lld.00 seconds\"}",
                     request_id, (long long)timeout_s) < 0)
            err = NULL;
        o->error_type = strdup("Sandbox.Timedout");
        break;
    case RT_EXITED:
    case RT_SPAWN_FAILED:
    default:
        o->fn_error = true;
        if (provided && res->exit_code == 127) {
            if (asprintf(&err,
                         "{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":\"RequestId: %s Error: "
                         "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]\"}",
                         request_id) < 0)
                err = NULL;
            o->error_type = strdup("Runtime.InvalidEntrypoint");
        } else {
            char why[64];
            if (res->exit_signal == 9)
                snprintf(why, sizeof why, "signal: killed");
            else if (res->exit_signal)
                snprintf(why, sizeof why, "signal: %d", res->exit_signal);
            else
                snprintf(why, sizeof why, "exit status %d", res->exit_code);
            if (asprintf(&err,
                         "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: %s Error: Runtime "
                         "exited with error: %s\"}",
                         request_id, why) < 0)
                err = NULL;
            o->error_type = strdup("Runtime.ExitError");
        }
        break;
    }
    if (err) {
        o->payload = err;
        o->payload_len = strlen(err);
    }
    if (o->fn_error && !o->error_type) o->error_type = strdup("Unhandled");
    fn_metrics(c, res, o->fn_error);

    /* The log: START, the process's output, a timeout note, END, REPORT;
     * with LoggingConfig's JSON format the platform lines are AWS's JSON
     * system-log records (platform.start, platform.report), and a
     * SystemLogLevel of WARN drops them (they are INFO records). */
    size_t cap = res->log.len + 1024;
    char *log = malloc(cap);
    if (!log) return;
    size_t n = 0;
    double dur = (double)res->duration_us / 1000.0;
    long long billed = (long long)(dur + 0.999999), used = (long long)((res->max_rss_kb + 1023) / 1024);
    if (billed < 1) billed = 1;
#define ADD(...) n += (size_t)snprintf(log + n, cap - n, __VA_ARGS__)
    if (c->log_platform && c->log_json)
        ADD("{\"time\":\"%s\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"%s\",\"version\":\"%s\"}}\n", ts,
            request_id, version);
    else if (c->log_platform)
        ADD("START RequestId: %s Version: %s\n", request_id, version);
    if (res->log.len) {
        memcpy(log + n, res->log.p, res->log.len);
        n += res->log.len;
        if (log[n - 1] != '\n') log[n++] = '\n';
    }
    if (res->status == RT_TIMEOUT)
        ADD("%s %s Task timed out after %lld.00 seconds\n", ts, request_id, (long long)timeout_s);
    if (c->log_platform && c->log_json) {
        ADD("{\"time\":\"%s\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"%s\",\"metrics\":{"
            "\"durationMs\":%.2f,\"billedDurationMs\":%lld,\"memorySizeMB\":%lld,\"maxMemoryUsedMB\":%lld",
            ts, request_id, dur, billed, (long long)memory_mb, used);
        if (res->init_us) ADD(",\"initDurationMs\":%.2f", (double)res->init_us / 1000.0);
        ADD("},\"status\":\"%s\"}}\n", res->status == RT_TIMEOUT                            ? "timeout"
                                       : res->status == RT_OK || res->status == RT_FN_ERROR ? "success"
                                                                                            : "error");
    } else if (c->log_platform) {
        ADD("END RequestId: %s\n", request_id);
        ADD("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %lld MB\tMax Memory "
            "Used: %lld MB\t",
            request_id, dur, billed, (long long)memory_mb, used);
        if (res->init_us) ADD("Init Duration: %.2f ms\t", (double)res->init_us / 1000.0);
        if (res->status == RT_TIMEOUT) ADD("Status: timeout");
        ADD("\n");
    }
#undef ADD
    o->log = log;
    o->log_len = n;
}

/* ==== Log writer ====
 * Logs are appended by one writer thread, off the runtime thread, so a warm
 * invoke never waits behind the previous call's database write. lambda_stop
 * drains the queue before the store closes. */

typedef struct logjob {
    struct logjob *next;
    app_t *app;
    char *account, *region, *group, *stream, *text;
    size_t len;
    int64_t ts_ms;
} logjob_t;

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cv = PTHREAD_COND_INITIALIZER;
static logjob_t *log_head, *log_tail;
static bool log_started, log_stop;
static pthread_t log_thread;

static void logjob_free(logjob_t *j)
{
    free(j->account);
    free(j->region);
    free(j->group);
    free(j->stream);
    free(j->text);
    free(j);
}

#define LOG_BATCH_MS 50 /* a burst of invocations becomes one write per stream */

static bool same_stream(const logjob_t *x, const logjob_t *y)
{
    return x->app == y->app && !strcmp(x->account, y->account) && !strcmp(x->region, y->region) &&
           !strcmp(x->group, y->group) && !strcmp(x->stream, y->stream);
}

/* Writes jobs [from, to) of one stream with one logs_append: one event per
 * line; a runtime writes a multi-line message with \r. */
static void logjobs_write(logjob_t *from, logjob_t *to)
{
    size_t nev = 0;
    for (logjob_t *j = from; j != to; j = j->next)
        for (size_t i = 0; i < j->len; i++) nev += j->text[i] == '\n';
    logs_event_t *ev = calloc(nev ? nev : 1, sizeof *ev);
    if (!ev) return;
    size_t k = 0;
    for (logjob_t *j = from; j != to; j = j->next) {
        size_t start = 0;
        for (size_t i = 0; i < j->len; i++)
            if (j->text[i] == '\n') {
                for (size_t m = start; m < i; m++)
                    if (j->text[m] == '\r') j->text[m] = '\n';
                ev[k++] = (logs_event_t){j->ts_ms, str_n(j->text + start, i - start)};
                start = i + 1;
            }
    }
    if (logs_append(from->app, str_c(from->account), str_c(from->region), str_c(from->group), str_c(from->stream), ev,
                    k) != GR_OK)
        log_warn("lambda: cannot write the logs of %s", from->group);
    free(ev);
}

static void *log_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&log_mu);
    for (;;) {
        while (!log_head && !log_stop) pthread_cond_wait(&log_cv, &log_mu);
        if (!log_stop) { /* let a burst gather */
            struct timespec ts = time_deadline(CLOCK_REALTIME, LOG_BATCH_MS * 1000LL);
            while (!log_stop && pthread_cond_timedwait(&log_cv, &log_mu, &ts) == 0) {
            } /* only lambda__logs_stop signals now: the queue is not empty */
        }
        logjob_t *list = log_head;
        log_head = log_tail = NULL;
        bool stop = log_stop;
        pthread_mutex_unlock(&log_mu);
        while (list) {
            logjob_t *end = list->next;
            while (end && same_stream(list, end)) end = end->next;
            logjobs_write(list, end);
            while (list != end) {
                logjob_t *j = list;
                list = j->next;
                logjob_free(j);
            }
        }
        pthread_mutex_lock(&log_mu);
        if (stop && !log_head) break;
    }
    pthread_mutex_unlock(&log_mu);
    return NULL;
}

void lambda__logs_stop(void)
{
    pthread_mutex_lock(&log_mu);
    bool join = log_started;
    log_stop = true;
    pthread_cond_signal(&log_cv);
    pthread_mutex_unlock(&log_mu);
    if (join) pthread_join(log_thread, NULL);
}

/* Queues an outcome's log for c's function's log group (LoggingConfig's,
 * /aws/lambda/NAME by default), stream env_name. */
static void write_logs(const lambda__call_t *c, const outcome_t *o, str_t env_name)
{
    if (!o->log) return;
    logjob_t *j = calloc(1, sizeof *j);
    if (!j) return;
    j->app = c->app;
    j->account = strdup(c->account);
    j->region = strdup(c->region);
    j->stream = str_dup(env_name);
    j->text = str_dup(str_n(o->log, o->log_len));
    j->len = o->log_len;
    j->ts_ms = time_now_us() / 1000;
    j->group = strdup(c->log_group ? c->log_group : "");
    if (!j->account || !j->region || !j->stream || !j->text || !j->group) {
        logjob_free(j);
        return;
    }
    pthread_mutex_lock(&log_mu);
    if (log_stop) {
        pthread_mutex_unlock(&log_mu);
        logjob_free(j);
        return;
    }
    if (!log_started && pthread_create(&log_thread, NULL, log_main, NULL) == 0) log_started = true;
    if (!log_started) { /* no thread: write here rather than lose it */
        pthread_mutex_unlock(&log_mu);
        logjobs_write(j, NULL);
        logjob_free(j);
        return;
    }
    bool was_empty = !log_head; /* else the writer is already gathering: do not wake it per call */
    if (log_tail)
        log_tail->next = j;
    else
        log_head = j;
    log_tail = j;
    if (was_empty) pthread_cond_signal(&log_cv);
    pthread_mutex_unlock(&log_mu);
}

/* f's LoggingConfig as c's log lines need it (its group, JSON or not, and
 * whether SystemLogLevel WARN drops the INFO platform lines). */
static int call_logging(lambda__call_t *c, const lambda__fn_t *f)
{
    arena_t *a = arena_new(0);
    if (!a) return GR_ERR;
    free(c->log_group);
    lambda__log_t lg = lambda__logging(a, f);
    c->log_group = str_dup(lg.group);
    c->log_json = lg.json;
    c->log_platform = !lg.json || !str_eq_c(lg.sys_level, "WARN");
    arena_free(a);
    return c->log_group ? GR_OK : GR_ERR;
}

int lambda__call_init(lambda__call_t *c, app_t *app, const lambda__fn_t *f)
{
    c->app = app;
    c->account = str_dup(f->account);
    c->region = str_dup(f->region);
    c->name = str_dup(f->name);
    c->memory_mb = f->memory_mb;
    c->timeout_s = f->timeout_s;
    snprintf(c->qualifier, sizeof c->qualifier, "%.*s", STR_FMT(f->qualifier));
    /* an alias (not a version number) ran f->version */
    bool alias = f->qualifier.len && !(f->qualifier.p[0] >= '0' && f->qualifier.p[0] <= '9') &&
                 !str_eq_c(f->qualifier, "$LATEST");
    str_t ran = alias ? f->version : STR("");
    snprintf(c->executed, sizeof c->executed, "%.*s", STR_FMT(ran));
    c->log_group = NULL;
    if (call_logging(c, f) != GR_OK) return GR_ERR;
    return c->account && c->region && c->name ? GR_OK : GR_ERR;
}

void lambda__call_free(lambda__call_t *c)
{
    free(c->account);
    free(c->region);
    free(c->name);
    free(c->log_group);
}

void lambda__note_result(const lambda__call_t *c, const rt_result_t *res)
{
    if (lambda__stopping) return;
    outcome_t o;
    outcome_of("$LATEST", res, c, false, &o);
    write_logs(c, &o, res->env_name);
    outcome_free(&o);
}

/* ==== RequestResponse ==== */

typedef enum { S_WAITING, S_POSTED, S_CANCELLED } sstate_t;

typedef struct {
    sstate_t state;
    req_t *r;
    http_req_t *h;
    lambda__call_t call;
    bool provided, tail;
    char version[24]; /* the version that ran (an alias picks one) */
    outcome_t o;
    lambda__answer_fn answer; /* NULL: Invoke's output */
    lambda__piece_fn piece;   /* a function URL's streamed pieces */
    bool events;              /* InvokeWithResponseStream: the answer is an event stream */
    bool begun;               /* its head is out */
    /* Under mu: sync_done ran; posts queued and not yet run. A cancelled
     * call is freed by whichever sees done with no post left. */
    bool done;
    int posts;
} sync_t;

typedef struct {
    sync_t *s;
    char ctype[128];
    size_t len;
    char data[];
} piece_t;

static void sync_free(sync_t *s)
{
    outcome_free(&s->o);
    lambda__call_free(&s->call);
    free(s);
}

/* AWS: LogResult is the log's last 4 KB, base64. */
static str_t tail_b64(arena_t *a, const outcome_t *o)
{
    size_t off = o->log_len > TAIL_BYTES ? o->log_len - TAIL_BYTES : 0, n = o->log_len - off;
    char *b64 = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
    if (!b64) return STR_NULL;
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)o->log + off, (int)n);
    return str_c(b64);
}

static void stream_finish(sync_t *s);

/* ==== InvokeWithResponseStream's event stream ==== */

/* The head: status 200 and the version, the events to follow (r's loop). */
static void stream_begin(sync_t *s)
{
    if (s->begun) return;
    s->begun = true;
    req_t *r = s->r;
    arena_t *a = r->arena;
    val_set_c(a, r->out, "StatusCode", val_int(a, 200));
    val_set_c(a, r->out, "ExecutedVersion", val_cstr(a, arena_strdup(a, s->version)));
    dispatch_stream_begin(r);
}

/* One event {name: {members}} of the stream, built in an arena of its own. */
static void stream_event(sync_t *s, const char *name, const char *const *keys, const str_t *values, size_t n, bool blob)
{
    arena_t *t = arena_new(1u << 20);
    if (!t) return;
    val_t *ev = val_new(t, VAL_STRUCT), *body = val_new(t, VAL_STRUCT);
    for (size_t i = 0; i < n; i++)
        if (values[i].p) val_set_c(t, body, keys[i], blob ? val_blob(t, values[i]) : val_str(t, values[i]));
    val_set_c(t, ev, name, body);
    if (!arena_failed(t)) dispatch_stream_event(s->r, ev);
    arena_free(t);
}

static void stream_chunk(sync_t *s, str_t bytes)
{
    static const char *const k[] = {"Payload"};
    stream_begin(s);
    /* AWS: a PayloadChunk carries at most what one event may (the stream
     * splits what the function wrote in one piece) */
    for (size_t off = 0; off < bytes.len;) {
        size_t n = bytes.len - off > 65536 ? 65536 : bytes.len - off;
        str_t v = str_n(bytes.p + off, n);
        stream_event(s, "PayloadChunk", k, &v, 1, true);
        off += n;
    }
}

/* The call ended: a buffered function's payload as one chunk (AWS answers a
 * function that does not stream so), then InvokeComplete with the error's
 * type and message, and the log's tail for LogType Tail. */
static void stream_finish(sync_t *s)
{
    req_t *r = s->r;
    arena_t *a = r->arena;
    stream_begin(s);
    if (!s->o.streamed && !s->o.fn_error && s->o.payload_len) stream_chunk(s, str_n(s->o.payload, s->o.payload_len));
    static const char *const k[] = {"ErrorCode", "ErrorDetails", "LogResult"};
    str_t v[3] = {STR_NULL, STR_NULL, STR_NULL};
    if (s->o.fn_error) {
        const json_t *doc = json_parse(a, str_n(s->o.payload ? s->o.payload : "", s->o.payload_len), NULL);
        const json_t *type = doc ? json_get(doc, "errorType") : NULL, *msg = doc ? json_get(doc, "errorMessage") : NULL;
        v[0] = type && type->type == JSON_STRING ? type->u.s : str_c(s->o.error_type ? s->o.error_type : "Unhandled");
        v[1] = msg && msg->type == JSON_STRING ? msg->u.s : str_n(s->o.payload ? s->o.payload : "", s->o.payload_len);
    }
    if (s->tail && s->o.log) v[2] = tail_b64(a, &s->o);
    stream_event(s, "InvokeComplete", k, v, 3, false);
    dispatch_stream_end(r);
}

/* On the runtime thread: a piece the function streamed, posted to r's loop. */
static void piece_posted(http_req_t *h, void *arg);
static void sync_piece(void *ud, str_t content_type, str_t piece)
{
    sync_t *s = ud;
    piece_t *p = malloc(sizeof *p + piece.len);
    if (!p) return;
    p->s = s;
    snprintf(p->ctype, sizeof p->ctype, "%.*s", STR_FMT(content_type));
    p->len = piece.len;
    memcpy(p->data, piece.p, piece.len);
    pthread_mutex_lock(&mu);
    if (s->state == S_CANCELLED) {
        pthread_mutex_unlock(&mu);
        free(p);
        return;
    }
    s->posts++;
    http_req_post(s->h, piece_posted, p);
    pthread_mutex_unlock(&mu);
}

static void piece_posted(http_req_t *h, void *arg)
{
    piece_t *p = arg;
    sync_t *s = p->s;
    pthread_mutex_lock(&mu);
    s->posts--;
    bool cancelled = s->state == S_CANCELLED, gone = cancelled && s->done && s->posts == 0;
    pthread_mutex_unlock(&mu);
    if (!cancelled) {
        if (s->piece)
            s->piece(s->r, str_c(p->ctype), str_n(p->data, p->len));
        else
            stream_chunk(s, str_n(p->data, p->len));
    } else if (gone) {
        sync_free(s);
    }
    free(p);
}

/* On the request's loop. */
static void sync_posted(http_req_t *h, void *arg)
{
    sync_t *s = arg;
    pthread_mutex_lock(&mu);
    s->posts--;
    bool cancelled = s->state == S_CANCELLED, last = s->posts == 0;
    pthread_mutex_unlock(&mu);
    if (cancelled) {
        if (last) sync_free(s);
        return;
    }
    req_t *r = s->r;
    arena_t *a = r->arena;
    r->on_abort = NULL;
    r->on_abort_arg = NULL;
    if (s->events) {
        stream_finish(s);
        sync_free(s);
        return;
    }
    if (s->answer) { /* a function URL's request: the answer is its own HTTP response */
        lambda__answer_fn answer = s->answer;
        str_t payload = arena_str(a, str_n(s->o.payload ? s->o.payload : "", s->o.payload_len));
        bool fn_error = s->o.fn_error;
        sync_free(s);
        answer(r, fn_error, payload);
        return;
    }
    val_t *out = r->out;
    val_set_c(a, out, "StatusCode", val_int(a, 200));
    val_set_c(a, out, "ExecutedVersion", val_cstr(a, arena_strdup(a, s->version)));
    if (s->o.fn_error) val_set_c(a, out, "FunctionError", val_cstr(a, "Unhandled"));
    val_set_c(a, out, "Payload", val_blob(a, arena_str(a, str_n(s->o.payload ? s->o.payload : "", s->o.payload_len))));
    if (s->tail && s->o.log) val_set_c(a, out, "LogResult", val_str(a, tail_b64(a, &s->o)));
    sync_free(s);
    dispatch_resume(r, GR_OK);
}

/* On the runtime thread. */
static void sync_done(const rt_result_t *res, void *ud)
{
    sync_t *s = ud;
    outcome_of(s->version, res, &s->call, s->provided, &s->o);
    /* The log is written after the answer is posted (it costs a write);
     * what the log needs is taken first, since s may be freed meanwhile
     * (nothing but sync_free reads s->call after this). */
    outcome_t lo = {.log = s->o.log ? str_dup(str_n(s->o.log, s->o.log_len)) : NULL, .log_len = s->o.log_len};
    lambda__call_t lc = s->call;
    s->call.account = s->call.region = s->call.name = s->call.log_group = NULL;
    pthread_mutex_lock(&mu);
    s->done = true;
    if (s->state == S_CANCELLED) {
        bool last = s->posts == 0;
        pthread_mutex_unlock(&mu);
        if (last) sync_free(s);
    } else {
        s->state = S_POSTED;
        s->posts++;
        http_req_post(s->h, sync_posted, s);
        pthread_mutex_unlock(&mu);
    }
    if (!lambda__stopping) write_logs(&lc, &lo, res->env_name);
    outcome_free(&lo);
    lambda__call_free(&lc);
}

/* On the request's loop, when its client left. */
static void sync_abort(req_t *r, void *arg)
{
    sync_t *s = arg;
    pthread_mutex_lock(&mu);
    s->state = S_CANCELLED; /* whichever of sync_done and the posts comes last frees s */
    bool last = s->done && s->posts == 0;
    pthread_mutex_unlock(&mu);
    if (last) sync_free(s);
}

/* ==== Event ==== */

typedef struct {
    lambda__call_t call; /* memory_mb, timeout_s: the attempt's */
    char *payload;
    size_t payload_len;
    int attempt;
    char qualifier[130]; /* as invoked: each retry resolves it again */
    int64_t first_ms;    /* when it was queued (MaximumEventAgeInSeconds) */
    char version[24];
} async_t;

static void async_free(async_t *x)
{
    lambda__call_free(&x->call);
    free(x->payload);
    free(x);
}

static void async_run(void *ud);

static int64_t retry_ms(int attempt)
{
    const char *e = getenv("GUREUM_LAMBDA_RETRY_MS");
    int64_t base = e && *e ? strtoll(e, NULL, 10) : 60000; /* AWS: 1 minute, then 2 */
    return base * attempt;
}

static void dead_letter(async_t *x, const outcome_t *o)
{
    arena_t *a = arena_new(1u << 20);
    if (!a) return;
    lambda__fn_t f;
    if (lambda__load(x->call.app, a, str_c(x->call.account), str_c(x->call.region), str_c(x->call.name), &f) == 1 &&
        f.dlq_arn.len && str_starts_with(f.dlq_arn, STR("arn:aws:sqs:"))) {
        /* AWS: the DLQ message is the event, with RequestID, ErrorCode and ErrorMessage attributes */
        val_t *attrs = val_new(a, VAL_MAP);
        val_t *rid = val_new(a, VAL_STRUCT), *code = val_new(a, VAL_STRUCT), *msg = val_new(a, VAL_STRUCT);
        val_set_c(a, rid, "DataType", val_cstr(a, "String"));
        val_set_c(a, rid, "StringValue", val_cstr(a, arena_strdup(a, x->call.request_id)));
        val_set_c(a, code, "DataType", val_cstr(a, "String"));
        val_set_c(a, code, "StringValue", val_cstr(a, "200"));
        val_set_c(a, msg, "DataType", val_cstr(a, "String"));
        val_set_c(a, msg, "StringValue",
                  val_str(a, arena_str(a, str_n(o->payload ? o->payload : "", o->payload ? o->payload_len : 0))));
        val_set_c(a, attrs, "RequestID", rid);
        val_set_c(a, attrs, "ErrorCode", code);
        val_set_c(a, attrs, "ErrorMessage", msg);
        str_t id;
        const char *err = NULL;
        if (sqs_deliver(x->call.app, a, f.dlq_arn, str_n(x->payload, x->payload_len), attrs, STR_NULL, STR_NULL, &id,
                        &err) != GR_OK) {
            /* AWS: DeadLetterErrors counts events that could not be sent to the dead-letter queue */
            lambda__metric(&x->call, "DeadLetterErrors", "Count", 1, false);
            log_warn("lambda: cannot send the failed event of %s to %.*s: %s", x->call.name, STR_FMT(f.dlq_arn),
                     err ? err : "error");
        }
    }
    arena_free(a);
}

/* The invocation record of x's outcome to dest (destination.c). */
static void send_record(async_t *x, const outcome_t *o, str_t dest, const char *condition)
{
    char arn[400];
    snprintf(arn, sizeof arn, "arn:aws:lambda:%s:%s:function:%s:%s", x->call.region, x->call.account, x->call.name,
             x->version);
    lambda__record_t rec = {.request_id = x->call.request_id,
                            .function_arn = arn,
                            .condition = condition,
                            .version = x->version,
                            .invoke_count = x->attempt + 1,
                            .request = x->payload,
                            .request_len = x->payload_len,
                            .response = o->payload,
                            .response_len = o->payload_len,
                            .function_error = o->fn_error};
    lambda__destination_send(x->call.app, dest, &rec);
}

static void async_done(const rt_result_t *res, void *ud)
{
    async_t *x = ud;
    if (lambda__stopping) {
        async_free(x);
        return;
    }
    outcome_t o;
    outcome_of(x->version, res, &x->call, false, &o);
    write_logs(&x->call, &o, res->env_name);
    /* the function's asynchronous settings, as they are now */
    arena_t *a = arena_new(1u << 20);
    lambda__fn_t f;
    lambda__eic_t e = {.retries = 2, .max_age_s = 21600, .on_success = STR(""), .on_failure = STR("")};
    if (a && lambda__load(x->call.app, a, str_c(x->call.account), str_c(x->call.region), str_c(x->call.name), &f) == 1)
        lambda__eic(x->call.app, a, &f, &e);
    bool too_old = time_now_us() / 1000 - x->first_ms > e.max_age_s * 1000;
    if (!o.fn_error) {
        if (e.on_success.len) send_record(x, &o, e.on_success, "Success");
    } else if (x->attempt < e.retries && !too_old) {
        x->attempt++;
        outcome_free(&o);
        if (a) arena_free(a);
        if (rt_after(retry_ms(x->attempt), async_run, x) != GR_OK) async_free(x);
        return;
    } else {
        if (e.on_failure.len) send_record(x, &o, e.on_failure, too_old ? "EventAgeExceeded" : "RetriesExhausted");
        dead_letter(x, &o);
    }
    if (a) arena_free(a);
    outcome_free(&o);
    async_free(x);
}

/* Loads the function afresh (it may have changed between retries) and hands
 * the call to the runtime. Any thread. */
static void async_run(void *ud)
{
    async_t *x = ud;
    arena_t *a = arena_new(4u << 20);
    if (!a) {
        async_free(x);
        return;
    }
    lambda__fn_t f;
    rt_spec_t spec;
    if (lambda__load_q(x->call.app, a, str_c(x->call.account), str_c(x->call.region), str_c(x->call.name),
                       str_c(x->qualifier), &f) != 1 ||
        lambda__spec(x->call.app, a, &f, &spec) != GR_OK) {
        arena_free(a);
        async_free(x);
        return;
    }
    snprintf(x->version, sizeof x->version, "%.*s", STR_FMT(f.version));
    x->call.memory_mb = f.memory_mb; /* AWS: each attempt keeps the request id */
    x->call.timeout_s = f.timeout_s;
    call_logging(&x->call, &f); /* on failure the group stays the one the call had */
    rt_call_t call = {.request_id = x->call.request_id,
                      .function_arn = lambda__arn(a, f.region, f.account, f.name).p,
                      .payload = str_n(x->payload, x->payload_len)};
    if (lambda__run(&spec, &call, async_done, x) != GR_OK) async_free(x);
    arena_free(a);
}

static int start_async(app_t *app, const lambda__fn_t *f, str_t qualifier, str_t payload, char request_id[37])
{
    async_t *x = calloc(1, sizeof *x);
    if (!x) return GR_ERR;
    bool copied = lambda__call_init(&x->call, app, f) == GR_OK;
    x->payload = str_dup(payload);
    x->payload_len = payload.len;
    snprintf(x->qualifier, sizeof x->qualifier, "%.*s", STR_FMT(qualifier));
    x->first_ms = time_now_us() / 1000;
    snprintf(x->version, sizeof x->version, "%.*s", STR_FMT(f->version));
    if (!copied || !x->payload || ensure_runtime(app) != GR_OK) {
        async_free(x);
        return GR_ERR;
    }
    id_uuid(x->call.request_id);
    if (request_id) memcpy(request_id, x->call.request_id, 37);
    arena_t *a = arena_new(4u << 20);
    rt_spec_t spec;
    if (!a || lambda__spec(app, a, f, &spec) != GR_OK) {
        if (a) arena_free(a);
        async_free(x);
        return GR_ERR;
    }
    rt_call_t call = {.request_id = x->call.request_id,
                      .function_arn = lambda__arn(a, f->region, f->account, f->name).p,
                      .payload = payload};
    int rc = lambda__run(&spec, &call, async_done, x);
    if (rc != GR_OK) async_free(x);
    arena_free(a);
    return rc;
}

/* ==== The operation ==== */

typedef struct {
    bool tail;                /* Invoke's LogType Tail */
    bool events;              /* InvokeWithResponseStream */
    lambda__answer_fn answer; /* a function URL's answer, or NULL */
    lambda__piece_fn piece;   /* and its streamed pieces, or NULL */
} sync_opts_t;
static int start_sync(req_t *r, const lambda__fn_t *fp, str_t payload, const sync_opts_t *opt);

/* What Invoke and InvokeWithResponseStream share: the function the input
 * names (with its Qualifier) into *f, its payload, and the throttle of its
 * concurrency. GR_OK, or GR_ERR with r failed. */
static int invocation_or_fail(req_t *r, const val_t *in, lambda__fn_t *f, str_t *payload)
{
    arena_t *a = r->arena;
    str_t fname = val_get_str(in, "FunctionName"), qual = val_get_str(in, "Qualifier");
    if (qual.len) fname = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(fname), STR_FMT(qual)));
    if (lambda__load_or_fail(r, fname, f) != GR_OK) return GR_ERR;
    const val_t *pv = val_get(in, "Payload");
    *payload = pv && (pv->kind == VAL_BLOB || pv->kind == VAL_STR) ? pv->u.s : STR("");
    /* AWS: reserved concurrency 0 throttles every invocation, and
     * provisioned concurrency that takes all of the reserved leaves none for
     * $LATEST ("Configuring provisioned concurrency"; LocalStack's recorded
     * test_lambda_concurrency_block, test_reserved_concurrency) */
    if (f->reserved == 0 || (f->reserved > 0 && str_eq_c(f->version, "$LATEST") &&
                             lambda__provisioned_total(r, f, STR_NULL) >= f->reserved)) {
        lambda__call_t c = {.app = r->app,
                            .account = (char *)arena_str(a, f->account).p,
                            .region = (char *)arena_str(a, f->region).p,
                            .name = (char *)arena_str(a, f->name).p};
        snprintf(c.qualifier, sizeof c.qualifier, "%.*s", STR_FMT(f->qualifier));
        lambda__metric(&c, "Throttles", "Count", 1, false);
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "Reason", val_cstr(a, "ReservedFunctionConcurrentInvocationLimitExceeded"));
        return req_fail(r, &LAMBDA_ERR_TooManyRequestsException, "Rate Exceeded.");
    }
    return GR_OK;
}

int lambda_invoke(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    app_t *app = r->app;
    lambda__fn_t f;
    str_t payload, qual = val_get_str(in, "Qualifier"), type = val_get_str(in, "InvocationType");
    if (invocation_or_fail(r, in, &f, &payload) != GR_OK) return GR_ERR;
    if (str_eq_c(type, "DryRun")) {
        val_set_c(a, out, "StatusCode", val_int(a, 204));
        return GR_OK;
    }
    if (str_eq_c(type, "Event")) {
        if (payload.len > ASYNC_MAX)
            return req_fail(r, &LAMBDA_ERR_RequestTooLargeException,
                            "Request must be smaller than %d bytes for the InvokeAsync operation", ASYNC_MAX);
        if (start_async(app, &f, qual, payload, NULL) != GR_OK) return GR_ERR;
        val_set_c(a, out, "StatusCode", val_int(a, 202));
        val_set_c(a, out, "Payload", val_blob(a, STR("")));
        return GR_OK;
    }
    if (payload.len > SYNC_MAX)
        return req_fail(r, &LAMBDA_ERR_RequestTooLargeException,
                        "Request must be smaller than %d bytes for the Invoke operation", SYNC_MAX);
    if (!r->transport)
        return req_fail(r, &LAMBDA_ERR_ServiceException, "A synchronous invoke needs a connection to answer on.");
    sync_opts_t opt = {.tail = str_eq_c(val_get_str(in, "LogType"), "Tail")};
    return start_sync(r, &f, payload, &opt);
}

/* AWS: InvokeWithResponseStream answers 200 with an event stream: the
 * function's response in PayloadChunk events as it writes it (a handler
 * wrapped in awslambda.streamifyResponse), or whole in one chunk (any
 * other), then InvokeComplete. Invoke's checks and limits apply. */
int lambda_invoke_with_response_stream(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    str_t payload;
    if (invocation_or_fail(r, in, &f, &payload) != GR_OK) return GR_ERR;
    if (str_eq_c(val_get_str(in, "InvocationType"), "DryRun")) {
        val_set_c(a, out, "StatusCode", val_int(a, 204));
        return GR_OK;
    }
    if (payload.len > SYNC_MAX)
        return req_fail(r, &LAMBDA_ERR_RequestTooLargeException,
                        "Request must be smaller than %d bytes for the InvokeWithResponseStream operation", SYNC_MAX);
    if (!r->transport)
        return req_fail(r, &LAMBDA_ERR_ServiceException, "A streamed invoke needs a connection to answer on.");
    sync_opts_t opt = {.tail = str_eq_c(val_get_str(in, "LogType"), "Tail"), .events = true};
    return start_sync(r, &f, payload, &opt);
}

int lambda__invoke_sync(req_t *r, const lambda__fn_t *f, str_t payload, lambda__answer_fn answer,
                        lambda__piece_fn piece)
{
    sync_opts_t opt = {.answer = answer, .piece = piece};
    return start_sync(r, f, payload, &opt);
}

/* Hands a RequestResponse call of f to the runtime and suspends r (GR_AGAIN);
 * sync_posted answers it, after the pieces a streaming function wrote
 * (piece_posted) when the caller takes them. */
static int start_sync(req_t *r, const lambda__fn_t *fp, str_t payload, const sync_opts_t *opt)
{
    arena_t *a = r->arena;
    app_t *app = r->app;
    lambda__fn_t f = *fp;
    if (ensure_runtime(app) != GR_OK) return GR_ERR;
    rt_spec_t spec;
    if (lambda__spec(app, a, &f, &spec) != GR_OK) return GR_ERR;
    sync_t *s = calloc(1, sizeof *s);
    if (!s) return GR_ERR;
    s->r = r;
    s->h = r->transport;
    bool copied = lambda__call_init(&s->call, app, &f) == GR_OK;
    s->provided = str_starts_with(f.runtime, STR("provided"));
    s->tail = opt->tail;
    s->answer = opt->answer;
    s->piece = opt->piece;
    s->events = opt->events;
    snprintf(s->version, sizeof s->version, "%.*s", STR_FMT(f.version));
    /* AWS: the invocation's id is the response's x-amzn-RequestId */
    memcpy(s->call.request_id, r->id, sizeof s->call.request_id);
    if (!copied) {
        sync_free(s);
        return GR_ERR;
    }
    rt_call_t call = {.request_id = s->call.request_id,
                      .function_arn = lambda__arn(a, f.region, f.account, f.name).p,
                      .payload = payload,
                      .stream = s->events || s->piece ? sync_piece : NULL};
    r->on_abort = sync_abort;
    r->on_abort_arg = s;
    if (lambda__run(&spec, &call, sync_done, s) != GR_OK) {
        r->on_abort = NULL;
        r->on_abort_arg = NULL;
        sync_free(s);
        return GR_ERR;
    }
    return GR_AGAIN;
}

/* ==== For other services (lambda.h) ==== */

/* Loads function_arn into *f (and its qualifier into *q) when principal may
 * invoke it from source_arn; GR_ERR + *err otherwise. */
static int invocable(struct app *app, arena_t *a, str_t function_arn, str_t principal, str_t source_arn,
                     lambda__fn_t *f, str_t *qual, const char **err)
{
    str_t name, q, account, region;
    *err = NULL;
    if (!lambda__parse_name(function_arn, &name, &q, &account, &region)) {
        *err = arena_printf(a, "Invalid function name: %.*s", STR_FMT(function_arn));
        return GR_ERR;
    }
    if (!account.len) account = str_c(app->cfg->account);
    if (!region.len) region = str_c(app->cfg->region);
    int found = lambda__load_q(app, a, account, region, name, q, f);
    if (found < 0) {
        *err = "We encountered an internal error. Please try again.";
        return GR_ERR;
    }
    if (!found) {
        *err = arena_printf(a, "Function not found: %s%s%.*s", lambda__arn(a, region, account, name).p,
                            q.len ? ":" : "", STR_FMT(q));
        return GR_ERR;
    }
    if (principal.len && !lambda__policy_allows(a, f, principal, source_arn)) {
        *err = arena_printf(a, "%.*s is not authorized to perform: lambda:InvokeFunction on resource: %s",
                            STR_FMT(principal), lambda__arn(a, region, account, name).p);
        return GR_ERR;
    }
    *qual = q;
    return GR_OK;
}

/* AWS: InvokeAsync (deprecated, still served) queues an Event invocation
 * with InvokeArgs as the payload, answered 202 {"Status": 202}; retries,
 * destinations and the dead-letter queue as for Invoke's Event type. */
int lambda_invoke_async(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    const val_t *pv = val_get(in, "InvokeArgs");
    str_t payload = pv && (pv->kind == VAL_BLOB || pv->kind == VAL_STR) ? pv->u.s : STR("");
    if (payload.len > ASYNC_MAX)
        return req_fail(r, &LAMBDA_ERR_RequestTooLargeException,
                        "Request must be smaller than %d bytes for the InvokeAsync operation", ASYNC_MAX);
    if (start_async(r->app, &f, f.qualifier, payload, NULL) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Status", val_int(a, 202));
    return GR_OK;
}

int lambda_may_invoke(struct app *app, arena_t *a, str_t function_arn, str_t principal, str_t source_arn,
                      const char **err)
{
    lambda__fn_t f;
    str_t q;
    *err = NULL;
    return invocable(app, a, function_arn, principal, source_arn, &f, &q, err);
}

int lambda_invoke_event(struct app *app, arena_t *a, str_t function_arn, str_t payload, str_t principal,
                        str_t source_arn, const char **err)
{
    lambda__fn_t f;
    str_t q;
    *err = NULL;
    if (invocable(app, a, function_arn, principal, source_arn, &f, &q, err) != GR_OK) return GR_ERR;
    if (payload.len > ASYNC_MAX) {
        *err = arena_printf(a, "Request must be smaller than %d bytes for the InvokeAsync operation", ASYNC_MAX);
        return GR_ERR;
    }
    if (start_async(app, &f, q, payload, NULL) != GR_OK) {
        *err = "We encountered an internal error. Please try again.";
        return GR_ERR;
    }
    return GR_OK;
}

void lambda_http_headers(req_t *r)
{
    /* AWS: a synchronous invocation's payload is answered as application/json
     * (the model's blob payload would make it application/octet-stream) */
    if (!str_eq_c(r->op_name, "Invoke") || r->resp.status != 200) return;
    for (size_t i = 0; i < r->resp.nheaders; i++)
        if (str_eq_nocase(r->resp.headers[i].name, STR("Content-Type")))
            r->resp.headers[i].value = STR("application/json");
}
