/* scheduled.c — scheduled queries: Create/Get/List/Update/Delete
 * ScheduledQuery keep a Logs Insights query with its schedule, and the
 * ticker (logs_tick) runs each enabled one when due, through StartQuery's
 * own engine (query.c) over the window before the firing, delivers the
 * results to its S3 destination and records the run for
 * GetScheduledQueryHistory.
 *
 * Schedules are EventBridge's rate(...) and cron(...) expressions
 * (events.h), evaluated in UTC; a firing missed while the server was down
 * is not replayed. A query's row keeps the members AWS reports as one JSON
 * object (config), its state, and its next firing (next_ms, NULL when none
 * is due). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/dispatch.h"
#include "services/events/events.h"
#include "services/page.h"
#include "services/s3/s3.h"

#define RUNS_PER_TICK 16
#define DEFAULT_MAX_RESULTS 1000

/* The members of a request that make a query's configuration, as Get
 * reports them. */
static const char *const config_members[] = {
    "description",        "queryLanguage",   "queryString",     "logGroupIdentifiers",
    "scheduleExpression", "timezone",        "startTimeOffset", "destinationConfiguration",
    "scheduleStartTime",  "scheduleEndTime", "executionRoleArn"};

static str_t sq_arn(arena_t *a, str_t account, str_t region, str_t name)
{
    return str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s:scheduled-query:%.*s", STR_FMT(region), STR_FMT(account),
                              STR_FMT(name)));
}

/* The first firing of the schedule in cfg after after_ms (a rate counted
 * from base_ms), within its scheduleStartTime and scheduleEndTime; -1 when
 * there is none. */
static int64_t next_firing(const val_t *cfg, int64_t base_ms, int64_t after_ms)
{
    int64_t start = val_get_int(cfg, "scheduleStartTime", 0), end = val_get_int(cfg, "scheduleEndTime", 0);
    if (start > 0 && after_ms < start - 1) after_ms = start - 1;
    int64_t n = events_schedule_next(val_get_str(cfg, "scheduleExpression"), base_ms, after_ms);
    return n < 0 || (end > 0 && n > end) ? -1 : n;
}

/* Create's and Update's checks of what gureum runs; the messages are ours.
 * AWS takes SQL and PPL as well, and schedules in any IANA time zone. */
static int config_ok_or_fail(req_t *r, const val_t *in)
{
    str_t expr = val_get_str(in, "scheduleExpression"), tz = val_get_str(in, "timezone");
    if (!events_schedule_valid(expr))
        return req_fail(r, &LOGS_ERR_ValidationException, "Invalid schedule expression: %.*s", STR_FMT(expr));
    if (tz.p && !str_eq_c(tz, "UTC") && !str_eq_c(tz, "Etc/UTC"))
        return req_fail(r, &LOGS_ERR_ValidationException,
                        "gureum evaluates schedules in UTC only; timezone %.*s is not supported.", STR_FMT(tz));
    if (!str_eq_c(val_get_str(in, "queryLanguage"), "CWLI"))
        return req_fail(r, &LOGS_ERR_ValidationException,
                        "gureum runs CloudWatch Logs Insights (CWLI) queries only, not %.*s.",
                        STR_FMT(val_get_str(in, "queryLanguage")));
    if (!val_len(val_get(in, "logGroupIdentifiers")))
        return req_fail(r, &LOGS_ERR_ValidationException, "A CWLI scheduled query needs logGroupIdentifiers.");
    if (val_get_int(in, "startTimeOffset", 0) < 0)
        return req_fail(r, &LOGS_ERR_ValidationException, "startTimeOffset must not be negative.");
    int64_t start = val_get_int(in, "scheduleStartTime", 0), end = val_get_int(in, "scheduleEndTime", 0);
    if (start > 0 && end > 0 && end <= start)
        return req_fail(r, &LOGS_ERR_ValidationException, "scheduleEndTime must be after scheduleStartTime.");
    return GR_OK;
}

static val_t *config_of(arena_t *a, const val_t *in)
{
    val_t *c = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < sizeof config_members / sizeof *config_members; i++) {
        val_t *v = val_get(in, config_members[i]);
        if (v) val_set_c(a, c, config_members[i], v);
    }
    return c;
}

/* ==== Rows ==== */

#define SQ_COLUMNS "id, name, config, state, created_ms, updated_ms, last_ms, last_status, base_ms"

typedef struct {
    int64_t id, created_ms, updated_ms, last_ms, base_ms;
    str_t name, state, last_status;
    val_t *cfg;
} sq_t;

static void sq_read(arena_t *a, sqlite3_stmt *st, sq_t *q)
{
    q->id = sqlite3_column_int64(st, 0);
    q->name = store_col_str(a, st, 1);
    q->cfg = val_from_json(a, json_parse(a, store_col_str(a, st, 2), NULL));
    q->state = store_col_str(a, st, 3);
    q->created_ms = sqlite3_column_int64(st, 4);
    q->updated_ms = sqlite3_column_int64(st, 5);
    q->last_ms = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 6);
    q->last_status = store_col_str(a, st, 7);
    q->base_ms = sqlite3_column_int64(st, 8);
}

/* The caller's query in.identifier names (its name or ARN) into *q;
 * ResourceNotFoundException when there is none. */
static int sq_or_fail(req_t *r, sqlite3 *db, const val_t *in, sq_t *q)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "identifier");
    str_t own = sq_arn(a, r->who.account, r->region, STR(""));
    str_t name = str_starts_with(id, own) ? str_n(id.p + own.len, id.len - own.len) : id;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT " SQ_COLUMNS " FROM scheduled_query WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) sq_read(a, st, q);
    store_release(st);
    if (rc == SQLITE_ROW) return GR_OK;
    if (rc != SQLITE_DONE) return GR_ERR;
    return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Scheduled query %.*s does not exist.", STR_FMT(id));
}

/* Get's (and Update's) answer, or List's summary. */
static void sq_put(req_t *r, const sq_t *q, val_t *out, bool summary)
{
    arena_t *a = r->arena;
    val_set_c(a, out, "scheduledQueryArn", val_str(a, sq_arn(a, r->who.account, r->region, q->name)));
    val_set_c(a, out, "name", val_str(a, q->name));
    for (size_t i = 0; q->cfg && i < q->cfg->u.obj.n; i++) {
        str_t k = q->cfg->u.obj.e[i].key;
        if (!summary || str_eq_c(k, "scheduleExpression") || str_eq_c(k, "timezone") ||
            str_eq_c(k, "destinationConfiguration"))
            val_set(a, out, k, q->cfg->u.obj.e[i].v);
    }
    val_set_c(a, out, "state", val_str(a, q->state));
    if (q->last_ms) val_set_c(a, out, "lastTriggeredTime", val_int(a, q->last_ms));
    if (q->last_status.p) val_set_c(a, out, "lastExecutionStatus", val_str(a, q->last_status));
    val_set_c(a, out, "creationTime", val_int(a, q->created_ms));
    val_set_c(a, out, "lastUpdatedTime", val_int(a, q->updated_ms));
}

static void bind_next(sqlite3_stmt *st, int i, int64_t next)
{
    if (next < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, next);
}

/* ==== Operations ==== */

int logs_create_scheduled_query(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    if (config_ok_or_fail(r, in) != GR_OK) return GR_ERR;
    str_t name = val_get_str(in, "name"), state = val_get_str(in, "state");
    if (!state.p) state = STR("ENABLED"); /* AWS: "Default is ENABLED" */
    val_t *cfg = config_of(a, in);
    const val_t *tags = val_get(in, "tags");
    int64_t now = logs__now_ms();
    int64_t next = str_eq_c(state, "ENABLED") ? next_firing(cfg, now, now) : -1;
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO scheduled_query (account, region, name, config, state, tags, created_ms, "
                       "updated_ms, base_ms, next_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7, ?8) "
                       "ON CONFLICT DO NOTHING");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, val_json_text(a, cfg));
    store_bind_str(st, 5, state);
    store_bind_str(st, 6, tags ? val_json_text(a, tags) : STR("{}"));
    sqlite3_bind_int64(st, 7, now);
    bind_next(st, 8, next);
    int rc = sqlite3_step(st);
    bool added = sqlite3_changes(db) > 0;
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    if (!added)
        return req_fail(r, &LOGS_ERR_ConflictException, "A scheduled query named %.*s already exists.", STR_FMT(name));
    val_set_c(a, out, "scheduledQueryArn", val_str(a, sq_arn(a, r->who.account, r->region, name)));
    return val_set_c(a, out, "state", val_str(a, state));
}

int logs_get_scheduled_query(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    sq_t q;
    if (!db || sq_or_fail(r, db, in, &q) != GR_OK) return GR_ERR;
    sq_put(r, &q, out, false);
    return GR_OK;
}

/* AWS: "This operation uses PUT semantics": the configuration is replaced
 * by the request's, members it leaves out included. */
int logs_update_scheduled_query(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    sq_t q;
    if (!db || sq_or_fail(r, db, in, &q) != GR_OK || config_ok_or_fail(r, in) != GR_OK) return GR_ERR;
    str_t state = val_get_str(in, "state");
    if (!state.p) state = q.state;
    int64_t now = logs__now_ms();
    q.cfg = config_of(a, in);
    /* a rate counts again from an update (as from EventBridge's re-enabling) */
    int64_t next = str_eq_c(state, "ENABLED") ? next_firing(q.cfg, now, now) : -1;
    sqlite3_stmt *st = store_stmt(db, "UPDATE scheduled_query SET config = ?2, state = ?3, updated_ms = ?4, "
                                      "base_ms = ?4, next_ms = ?5 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, q.id);
    store_bind_str(st, 2, val_json_text(a, q.cfg));
    store_bind_str(st, 3, state);
    sqlite3_bind_int64(st, 4, now);
    bind_next(st, 5, next);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    q.state = state;
    q.updated_ms = now;
    sq_put(r, &q, out, false);
    return GR_OK;
}

int logs_delete_scheduled_query(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    sq_t q;
    if (!db || sq_or_fail(r, db, in, &q) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM scheduled_query WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, q.id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static val_t *summary_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    sq_t q;
    sq_read(r->arena, st, &q);
    val_t *v = val_new(r->arena, VAL_STRUCT);
    sq_put(r, &q, v, true);
    return v;
}

/* In name order; nextToken is the offset of the next page. */
int logs_list_scheduled_queries(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "maxResults", DEFAULT_MAX_RESULTS);
    str_t state = val_get_str(in, "state");
    sqlite3_stmt *st = store_stmt(db, "SELECT " SQ_COLUMNS " FROM scheduled_query WHERE account = ?1 AND region = ?2 "
                                      "AND (?3 IS NULL OR state = ?3) ORDER BY name LIMIT ?4 OFFSET ?5");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, state);
    sqlite3_bind_int64(st, 4, limit + 1);
    sqlite3_bind_int64(st, 5, off);
    int64_t n = page_rows(r, st, limit, out, "scheduledQueries", summary_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

static val_t *run_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t qid = store_col_str(a, st, 0), err = store_col_str(a, st, 3), dest = store_col_str(a, st, 4);
    if (qid.p) val_set_c(a, v, "queryId", val_str(a, qid));
    val_set_c(a, v, "executionStatus", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, v, "triggeredTimestamp", val_int(a, sqlite3_column_int64(st, 2)));
    if (err.p) val_set_c(a, v, "errorMessage", val_str(a, err));
    val_set_c(a, v, "destinations", dest.p ? val_from_json(a, json_parse(a, dest, NULL)) : val_new(a, VAL_LIST));
    return v;
}

/* The runs triggered within [startTime, endTime] (both inclusive), newest
 * first, of the statuses asked for (all without executionStatuses). */
int logs_get_scheduled_query_history(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    sq_t q;
    if (!db || sq_or_fail(r, db, in, &q) != GR_OK) return GR_ERR;
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "maxResults", DEFAULT_MAX_RESULTS);
    const val_t *statuses = val_get(in, "executionStatuses");
    sqlite3_stmt *st = store_stmt(
        db, "SELECT query_id, status, triggered_ms, error, destinations FROM scheduled_query_run WHERE qid = ?1 AND "
            "triggered_ms >= ?2 AND triggered_ms <= ?3 AND (?4 IS NULL OR status IN (SELECT value FROM json_each(?4))) "
            "ORDER BY triggered_ms DESC, id DESC LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, q.id);
    sqlite3_bind_int64(st, 2, val_get_int(in, "startTime", 0));
    sqlite3_bind_int64(st, 3, val_get_int(in, "endTime", 0));
    store_bind_str(st, 4, statuses ? val_json_text(a, statuses) : STR_NULL);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    val_set_c(a, out, "name", val_str(a, q.name));
    val_set_c(a, out, "scheduledQueryArn", val_str(a, sq_arn(a, r->who.account, r->region, q.name)));
    int64_t n = page_rows(r, st, limit, out, "triggerHistory", run_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

/* ==== Runs (the ticker) ==== */

/* Writes a complete run's results (GetQueryResults' rows, as a JSON
 * document) to the S3 URI "s3://BUCKET[/PREFIX]" of dest, as the query's
 * account; the destination's history entry. The object's name, PREFIX/
 * NAME/QUERY-ID.json, is ours: AWS does not document its layout. */
static val_t *deliver(req_t *r, sqlite3 *db, str_t name, str_t query_id, const val_t *dest)
{
    arena_t *a = r->arena;
    str_t uri = val_get_str(val_get(dest, "s3Configuration"), "destinationIdentifier");
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "destinationType", val_cstr(a, "S3"));
    val_set_c(a, d, "destinationIdentifier", val_str(a, uri));
    str_t rest = str_starts_with(uri, STR("s3://")) ? str_n(uri.p + 5, uri.len - 5) : STR("");
    const char *slash = memchr(rest.p, '/', rest.len);
    str_t bucket = slash ? str_n(rest.p, (size_t)(slash - rest.p)) : rest;
    str_t prefix = slash ? str_n(slash + 1, rest.len - (size_t)(slash + 1 - rest.p)) : STR("");
    while (prefix.len && prefix.p[prefix.len - 1] == '/') prefix.len--;
    str_t key = str_c(arena_printf(a, "%.*s%s%.*s/%.*s.json", STR_FMT(prefix), prefix.len ? "/" : "", STR_FMT(name),
                                   STR_FMT(query_id)));
    str_t results = STR_NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT results FROM insights_query WHERE id = ?1");
    if (st) {
        store_bind_str(st, 1, query_id);
        if (sqlite3_step(st) == SQLITE_ROW) results = store_col_str(a, st, 0);
        store_release(st);
    }
    /* GetQueryResults' shape: each row a list of {field, value} */
    const json_t *rows = json_parse(a, results.p ? results : STR("[]"), NULL);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; rows && rows->type == JSON_ARRAY && i < rows->u.arr.n; i++) {
        const json_t *row = rows->u.arr.v[i];
        json_w_arr_begin(&w);
        for (size_t f = 0; row->type == JSON_ARRAY && f < row->u.arr.n; f++) {
            const json_t *kv = row->u.arr.v[f];
            if (kv->type != JSON_ARRAY || kv->u.arr.n != 2) continue;
            json_w_obj_begin(&w);
            json_w_key(&w, STR("field"));
            json_w_str(&w, kv->u.arr.v[0]->u.s);
            json_w_key(&w, STR("value"));
            json_w_str(&w, kv->u.arr.v[1]->u.s);
            json_w_obj_end(&w);
        }
        json_w_arr_end(&w);
    }
    json_w_arr_end(&w);
    const char *code = NULL, *msg = NULL;
    if (s3_write_object(r, bucket, key, buf_str(&b), "application/json", &code, &msg) == GR_OK) {
        val_set_c(a, d, "status", val_cstr(a, "COMPLETE"));
        val_set_c(a, d, "processedIdentifier",
                  val_str(a, str_c(arena_printf(a, "s3://%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)))));
    } else {
        /* a missing bucket or a refusal is the customer's to fix */
        val_set_c(a, d, "status", val_cstr(a, code ? "CLIENT_ERROR" : "FAILED"));
        val_set_c(a, d, "errorMessage",
                  val_cstr(a, code ? arena_printf(a, "%s: %s", code, msg ? msg : "") : "Internal error"));
    }
    return d;
}

/* One run of query q of account and region fired at fired_ms: the query
 * over [fired - startTimeOffset, fired] (the offset defaults to the time
 * since the previous firing, prev_ms), its results delivered, the run
 * recorded. Returns the run's status. */
static const char *run(app_t *app, sqlite3 *db, str_t account, str_t region, const sq_t *q, int64_t fired_ms,
                       int64_t prev_ms)
{
    req_t *r = dispatch_req_new(app, 64u << 20);
    if (!r) return NULL;
    arena_t *a = r->arena;
    r->who = (principal_t){.account = arena_str(a, account),
                           .arn = str_c(arena_printf(a, "arn:aws:iam::%.*s:root", STR_FMT(account))),
                           .user_id = arena_str(a, account),
                           .root = true};
    r->region = arena_str(a, region);
    int64_t offset_s = val_get_int(q->cfg, "startTimeOffset", (fired_ms - prev_ms) / 1000);
    val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
    val_set_c(a, in, "logGroupIdentifiers", val_get(q->cfg, "logGroupIdentifiers"));
    val_set_c(a, in, "queryString", val_get(q->cfg, "queryString"));
    val_set_c(a, in, "startTime", val_int(a, fired_ms / 1000 - offset_s));
    val_set_c(a, in, "endTime", val_int(a, fired_ms / 1000));
    const char *status = "Complete";
    str_t qid = STR_NULL, err = STR_NULL;
    val_t *dests = val_new(a, VAL_LIST);
    if (logs_start_query(r, in, out) == GR_OK) {
        qid = val_get_str(out, "queryId");
        const val_t *dest = val_get(q->cfg, "destinationConfiguration");
        if (dest) val_push(a, dests, deliver(r, db, q->name, qid, dest));
    } else {
        /* AWS's statuses: InvalidQuery for a query that does not parse */
        status = r->err == &LOGS_ERR_MalformedQueryException ? "InvalidQuery" : "Failed";
        err = str_c(r->err_msg ? r->err_msg : "Internal error");
    }
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO scheduled_query_run (qid, query_id, status, triggered_ms, error, "
                                      "destinations) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (st) {
        sqlite3_bind_int64(st, 1, q->id);
        store_bind_str(st, 2, qid);
        store_bind_str(st, 3, str_c(status));
        sqlite3_bind_int64(st, 4, fired_ms);
        store_bind_str(st, 5, err);
        store_bind_str(st, 6, val_json_text(a, dests));
        sqlite3_step(st);
        store_release(st);
    }
    arena_free(a);
    return status;
}

void logs__scheduled_tick(struct app *app)
{
    sqlite3 *db = logs__db(app);
    if (!db) return;
    int64_t now = logs__now_ms();
    arena_t *a = arena_new(1u << 20);
    if (!a) return;
    sqlite3_stmt *st = store_stmt(db, "SELECT " SQ_COLUMNS ", account, region, next_ms FROM scheduled_query "
                                      "WHERE next_ms <= ?1 AND state = 'ENABLED' ORDER BY next_ms LIMIT ?2");
    sq_t qs[RUNS_PER_TICK];
    str_t acc[RUNS_PER_TICK], reg[RUNS_PER_TICK];
    int64_t due[RUNS_PER_TICK];
    size_t n = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int(st, 2, RUNS_PER_TICK);
        while (n < RUNS_PER_TICK && sqlite3_step(st) == SQLITE_ROW) {
            sq_read(a, st, &qs[n]);
            acc[n] = store_col_str(a, st, 9);
            reg[n] = store_col_str(a, st, 10);
            due[n++] = sqlite3_column_int64(st, 11);
        }
        store_release(st);
    }
    for (size_t i = 0; i < n; i++) {
        /* the firing before this one, for the default window */
        int64_t prev = qs[i].last_ms ? qs[i].last_ms : qs[i].base_ms;
        const char *status = run(app, db, acc[i], reg[i], &qs[i], due[i], prev);
        int64_t next = next_firing(qs[i].cfg, qs[i].base_ms, now > due[i] ? now : due[i]);
        st = store_stmt(db, "UPDATE scheduled_query SET last_ms = ?2, last_status = ?3, next_ms = ?4 WHERE id = ?1 "
                            "AND next_ms = ?5");
        if (!st) break;
        sqlite3_bind_int64(st, 1, qs[i].id);
        sqlite3_bind_int64(st, 2, due[i]);
        store_bind_str(st, 3, str_c(status ? status : "Failed"));
        bind_next(st, 4, next);
        sqlite3_bind_int64(st, 5, due[i]);
        sqlite3_step(st);
        store_release(st);
    }
    arena_free(a);
}
