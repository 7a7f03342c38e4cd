/* livetail.c — StartLiveTail: the events ingested into up to 10 log groups
 * while a session is open, as an event stream (dispatch_stream_*): the
 * initial-response, one sessionStart, then a sessionUpdate every second
 * with what matched in that second (empty when nothing did), until the
 * client leaves or, after 3 hours, a SessionTimeoutException ends it.
 *
 * A session is a heap record with its own arena (the request's copy of the
 * input and its compiled filter pattern) driven by streamer.h: each second
 * its step, on the request's loop, reads the events stored after the last
 * row it saw (log_event ids grow as events are inserted) and sends the
 * update. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/dispatch.h"
#include "services/streamer.h"

#define SESSION_MS (3 * 3600 * 1000LL) /* AWS: "Live Tail sessions time out after three hours" */
#define UPDATE_MS 1000                 /* AWS: "Every second, a LiveTailSessionUpdate object is sent" */
#define UPDATE_EVENTS 500              /* AWS: more matches in a second are sampled down to 500 */
#define SCAN_MAX 50000                 /* ours: rows examined per update; the rest wait for the next */
#define MAX_GROUPS 10                  /* AWS: "You can include up to 10 log groups" */
#define MAX_SESSIONS 15                /* AWS: the default quota of concurrent Live Tail sessions */
#define BACKLOG_MAX (8 << 20)          /* unsent bytes past which a second's events are dropped */

typedef struct tail {
    streamer_t s;   /* first: the record is its streamer_t */
    arena_t *arena; /* the session's own: in, groups, filter */
    app_t *app;
    const val_t *in;
    char key[160]; /* "ACCOUNT REGION": the quota counts sessions per account and region */
    int64_t gids[MAX_GROUPS];
    str_t idents[MAX_GROUPS]; /* each group as the request named it */
    size_t ngroups;
    logs_filter_t *filter;
    int64_t after; /* the last event row seen */
    int64_t deadline_us, due_us;
    bool begun;
} tail_t;

static const char kind; /* streamer_each's tag for live tail sessions */

static int64_t session_ms(void)
{
    static _Atomic int64_t unit;
    return time_test_unit_ms(&unit, "GUREUM_LOGS_LIVE_TAIL_MS", SESSION_MS);
}

static void release(streamer_t *s)
{
    tail_t *t = (tail_t *)s;
    arena_free(t->arena);
    free(t);
}

/* ==== Reading on the request's loop ==== */

static bool stream_selected(const val_t *in, str_t stream)
{
    const val_t *names = val_get(in, "logStreamNames"), *prefixes = val_get(in, "logStreamNamePrefixes");
    if (names && names->kind == VAL_LIST) {
        for (size_t i = 0; i < names->u.list.n; i++)
            if (str_eq(names->u.list.v[i]->u.s, stream)) return true;
        return false;
    }
    if (prefixes && prefixes->kind == VAL_LIST) {
        for (size_t i = 0; i < prefixes->u.list.n; i++)
            if (str_starts_with(stream, prefixes->u.list.v[i]->u.s)) return true;
        return false;
    }
    return true;
}

static str_t ident_of(const tail_t *t, int64_t gid)
{
    for (size_t i = 0; i < t->ngroups; i++)
        if (t->gids[i] == gid) return t->idents[i];
    return STR_NULL;
}

/* The sessionUpdate of what was stored after t->after in t's groups and
 * matches it; NULL on a store failure. A reader without logs:Unmask sees
 * masked text, as FilterLogEvents shows it. */
static val_t *update_val(tail_t *t, sqlite3 *db, arena_t *a, bool drop)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT e.id, e.ts, e.ingest_ms, coalesce(e.masked, e.message), s.name, e.gid "
                                      "FROM log_event e JOIN log_stream s ON s.id = e.sid WHERE e.id > ?1 AND e.gid "
                                      "IN (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ORDER BY e.id LIMIT ?12");
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, t->after);
    for (int i = 0; i < MAX_GROUPS; i++) sqlite3_bind_int64(st, 2 + i, (size_t)i < t->ngroups ? t->gids[i] : 0);
    sqlite3_bind_int(st, 12, SCAN_MAX);
    /* AWS samples a busy second down to 500 events: a reservoir sample,
     * kept in row order */
    val_t *slot[UPDATE_EVENTS];
    int64_t slot_id[UPDATE_EVENTS];
    size_t matched = 0, n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        t->after = id;
        if (drop) continue;
        str_t msg = str_n((const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
        str_t stream = str_n((const char *)sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st, 4));
        if (!stream_selected(t->in, stream) || !logs__filter_match(t->filter, a, msg)) continue;
        size_t at = matched < UPDATE_EVENTS ? matched : (size_t)(random() % (long)(matched + 1));
        matched++;
        if (at >= UPDATE_EVENTS) continue;
        val_t *e = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "logStreamName", val_strdup(a, stream));
        val_set_c(a, e, "logGroupIdentifier", val_str(a, ident_of(t, sqlite3_column_int64(st, 5))));
        val_set_c(a, e, "message", val_strdup(a, msg));
        val_set_c(a, e, "timestamp", val_int(a, sqlite3_column_int64(st, 1)));
        val_set_c(a, e, "ingestionTime", val_int(a, sqlite3_column_int64(st, 2)));
        slot[at] = e;
        slot_id[at] = id;
        if (n < UPDATE_EVENTS) n++;
    }
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return NULL;
    for (size_t i = 1; i < n; i++) /* insertion sort: a replaced slot may be out of order */
        for (size_t j = i; j > 0 && slot_id[j - 1] > slot_id[j]; j--) {
            int64_t ti = slot_id[j];
            val_t *tv = slot[j];
            slot_id[j] = slot_id[j - 1];
            slot[j] = slot[j - 1];
            slot_id[j - 1] = ti;
            slot[j - 1] = tv;
        }
    val_t *results = val_new(a, VAL_LIST), *meta = val_new(a, VAL_STRUCT), *up = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < n; i++) val_push(a, results, slot[i]);
    val_set_c(a, meta, "sampled", val_bool(a, matched > UPDATE_EVENTS));
    val_set_c(a, up, "sessionMetadata", meta);
    val_set_c(a, up, "sessionResults", results);
    val_t *ev = val_new(a, VAL_STRUCT);
    val_set_c(a, ev, "sessionUpdate", up);
    return arena_failed(a) ? NULL : ev;
}

static val_t *start_val(const tail_t *t, arena_t *a, str_t request_id)
{
    static const char *const copied[] = {"logGroupIdentifiers", "logStreamNames", "logStreamNamePrefixes",
                                         "logEventFilterPattern"};
    val_t *s = val_new(a, VAL_STRUCT), *ev = val_new(a, VAL_STRUCT);
    char sid[37];
    id_uuid(sid);
    val_set_c(a, s, "requestId", val_strdup(a, request_id));
    val_set_c(a, s, "sessionId", val_strdup(a, str_c(sid)));
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
        val_t *v = val_get(t->in, copied[i]);
        if (v) val_set_c(a, s, copied[i], v);
    }
    val_set_c(a, ev, "sessionStart", s);
    return ev;
}

/* One event of t: its sessionStart first, then the second's update, or at
 * the deadline the SessionTimeoutException that ends it. *over: the session
 * ended. -1: the client is gone or the store failed. */
static int send_event(tail_t *t, arena_t *a, int64_t now, bool *over)
{
    *over = false;
    val_t *ev;
    if (!t->begun) {
        ev = start_val(t, a, str_c(t->s.r->id));
        t->begun = true;
    } else if (now >= t->deadline_us) {
        val_t *x = val_new(a, VAL_STRUCT);
        ev = val_new(a, VAL_STRUCT);
        val_set_c(a, x, "message", val_cstr(a, "Session timed out after 3 hours."));
        val_set_c(a, ev, "SessionTimeoutException", x);
        *over = true;
    } else {
        sqlite3 *db = logs__db(t->app);
        long backlog = dispatch_stream_backlog(t->s.r);
        if (!db || backlog < 0) return -1;
        /* a client that does not keep up loses events (AWS drops the oldest
         * buffered; what is queued here is already on its way, so the
         * second's new ones go) */
        ev = update_val(t, db, a, backlog >= BACKLOG_MAX);
        if (!ev) return -1;
    }
    return arena_failed(a) || dispatch_stream_event(t->s.r, ev) != GR_OK ? -1 : 0;
}

/* On the request's loop: the session is due (streamer.h). */
static int64_t step(streamer_t *s, int64_t now)
{
    tail_t *t = (tail_t *)s;
    bool over = false;
    arena_t *a = arena_new(64u << 20);
    int rc = a ? send_event(t, a, now, &over) : -1;
    arena_free(a);
    if (rc < 0) return -1;
    if (over) return 0;
    /* the next second; one that fell behind (a slow step) starts again from now */
    t->due_us += UPDATE_MS * 1000;
    if (t->due_us < now) t->due_us = now + UPDATE_MS * 1000;
    return t->due_us < t->deadline_us ? t->due_us : t->deadline_us;
}

typedef struct {
    const char *key;
    size_t n;
} open_t;

static void count_open(streamer_t *s, void *arg)
{
    open_t *c = arg;
    c->n += strcmp(((tail_t *)s)->key, c->key) == 0;
}

/* ==== The operation ==== */

/* AWS (StartLiveTail): "Specify each log group by its ARN. If you specify
 * an ARN, the ARN can't end with an asterisk (*)"; logStreamNames and
 * logStreamNamePrefixes exclude each other and need exactly one group.
 * The refusals' texts are ours. */
static int groups_or_fail(req_t *r, sqlite3 *db, tail_t *t)
{
    const val_t *ids = val_get(t->in, "logGroupIdentifiers");
    size_t n = ids && ids->kind == VAL_LIST ? ids->u.list.n : 0;
    if (n < 1 || n > MAX_GROUPS)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "logGroupIdentifiers must name between 1 and %d log groups.", MAX_GROUPS);
    str_t own =
        str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:log-group:", STR_FMT(r->region), STR_FMT(r->who.account)));
    for (size_t i = 0; i < n; i++) {
        str_t id = ids->u.list.v[i]->u.s;
        if (!str_starts_with(id, STR("arn:")))
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Log group identifier %.*s is not an ARN: StartLiveTail takes log group ARNs.",
                            STR_FMT(id));
        if (id.len && id.p[id.len - 1] == '*')
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Log group ARN %.*s must not end with an asterisk (*).", STR_FMT(id));
        logs_group_t g;
        str_t name = str_starts_with(id, own) ? str_n(id.p + own.len, id.len - own.len) : STR_NULL;
        if (!name.len || logs__group(db, r->arena, r->who.account, r->region, name, &g) != GR_OK)
            return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified log group does not exist: %.*s",
                            STR_FMT(id));
        t->gids[i] = g.id;
        t->idents[i] = id;
    }
    t->ngroups = n;
    bool names = val_get(t->in, "logStreamNames") != NULL, prefixes = val_get(t->in, "logStreamNamePrefixes") != NULL;
    if (names && prefixes)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "logStreamNames and logStreamNamePrefixes are mutually exclusive.");
    if ((names || prefixes) && n != 1)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "%s can be given only with exactly one log group in logGroupIdentifiers.",
                        names ? "logStreamNames" : "logStreamNamePrefixes");
    return GR_OK;
}

int logs_start_live_tail(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    tail_t *t = calloc(1, sizeof *t);
    if (!t || !(t->arena = arena_new(1u << 20)) || !(t->in = val_copy(t->arena, in))) {
        if (t) release(&t->s);
        return GR_ERR;
    }
    t->s = (streamer_t){.r = r, .step = step, .release = release, .kind = &kind};
    t->app = r->app;
    snprintf(t->key, sizeof t->key, "%.*s %.*s", STR_FMT(r->who.account), STR_FMT(r->region));
    const char *perr = NULL;
    if (groups_or_fail(r, db, t) != GR_OK) goto refused;
    t->filter = logs__filter_compile(t->arena, val_get_str(t->in, "logEventFilterPattern"), &perr);
    if (!t->filter) {
        req_fail(r, &LOGS_ERR_InvalidParameterException, "%s", perr ? perr : "Invalid filter pattern");
        goto refused;
    }
    if (!r->transport) { /* an in-process caller has no connection to stream to */
        req_fail(r, &ERR_InternalFailure, "StartLiveTail needs an HTTP connection.");
        goto refused;
    }
    /* events stored from now on */
    sqlite3_stmt *st = store_stmt(db, "SELECT coalesce(max(id), 0) FROM log_event");
    if (!st) goto failed;
    t->after = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    streamer_lock();
    open_t open = {t->key, 0};
    streamer_each(&kind, count_open, &open);
    if (open.n >= MAX_SESSIONS || !streamer_add(&t->s)) {
        streamer_unlock();
        if (open.n < MAX_SESSIONS) goto failed;
        req_fail(r, &LOGS_ERR_LimitExceededException,
                 "You have reached the maximum number of concurrent Live Tail sessions (%d).", MAX_SESSIONS);
        goto refused;
    }
    streamer_unlock();
    int64_t now = time_mono_us();
    t->deadline_us = now + session_ms() * 1000;
    t->due_us = now; /* the sessionStart at once */
    return streamer_begin(&t->s, now);
refused: /* r failed, or (failed) an internal error */
failed:
    release(&t->s);
    return GR_ERR;
}
