/* event.c — CloudWatch Logs events: PutLogEvents with AWS's batch rules,
 * GetLogEvents with forward/backward tokens, FilterLogEvents with filter
 * patterns, and logs_append (logs.h) for other services.
 *
 * Every read orders events by (timestamp, row id); a token or event id is
 * that pair printed as 56 digits (24 for the time, 32 for the row), so a
 * token names a position between two events and paging never skips or
 * repeats one, whatever the order the events were written in. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/logs/logs.h"

#define MAX_BATCH_EVENTS 10000
#define MAX_BATCH_BYTES 1048576
#define EVENT_OVERHEAD 26
#define DAY_MS 86400000LL

/* ==== Positions and tokens ==== */

typedef struct {
    int64_t ts, id;
} pos_t;

static str_t pos_fmt(arena_t *a, const char *prefix, pos_t p)
{
    return str_c(arena_printf(a, "%s%024lld%032lld", prefix, (long long)p.ts, (long long)p.id));
}

static bool pos_parse(str_t s, pos_t *p)
{
    if (s.len != 56) return false;
    uint64_t v[2] = {0, 0};
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        uint64_t *x = &v[i >= 24];
        if (*x > (uint64_t)INT64_MAX / 10) return false;
        *x = *x * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (v[0] > (uint64_t)INT64_MAX || v[1] > (uint64_t)INT64_MAX) return false;
    p->ts = (int64_t)v[0];
    p->id = (int64_t)v[1];
    return true;
}

/* ==== Appending ==== */

/* Inserts n events (already checked, transformed) into stream sid of group
 * gid, with masked[i] the masked text of ev[i] (masked NULL or an entry
 * STR_NULL: nothing masked), and updates the stream's times. Inside the
 * caller's transaction. */
static int insert_events(sqlite3 *db, int64_t gid, int64_t sid, const logs_event_t *ev, const str_t *masked, size_t n,
                         int64_t *last_id)
{
    if (!n) return GR_OK;
    int64_t now = logs__now_ms();
    sqlite3_stmt *st = store_stmt(
        db, "INSERT INTO log_event (gid, sid, ts, ingest_ms, message, masked) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return GR_ERR;
    int64_t lo = ev[0].ts_ms, hi = ev[0].ts_ms;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, sid);
        sqlite3_bind_int64(st, 3, ev[i].ts_ms);
        sqlite3_bind_int64(st, 4, now);
        store_bind_str(st, 5, ev[i].message.p ? ev[i].message : STR(""));
        store_bind_str(st, 6, masked ? masked[i] : STR_NULL);
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_release(st);
            return GR_ERR;
        }
        sqlite3_reset(st);
        if (ev[i].ts_ms < lo) lo = ev[i].ts_ms;
        if (ev[i].ts_ms > hi) hi = ev[i].ts_ms;
    }
    store_release(st);
    if (last_id) *last_id = sqlite3_last_insert_rowid(db);
    st = store_stmt(db, "UPDATE log_stream SET first_ts = min(coalesce(first_ts, ?2), ?2), "
                        "last_ts = max(coalesce(last_ts, ?3), ?3), last_ingest_ms = ?4 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    sqlite3_bind_int64(st, 4, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static int64_t id_of(sqlite3 *db, const char *sql, int64_t k, str_t a, str_t b, str_t c)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return 0;
    int i = 1;
    if (k) sqlite3_bind_int64(st, i++, k);
    if (a.p) store_bind_str(st, i++, a);
    if (b.p) store_bind_str(st, i++, b);
    if (c.p) store_bind_str(st, i++, c);
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    return id;
}

static int exec_bound(sqlite3 *db, const char *sql, int64_t k, str_t a, str_t b, str_t c, int64_t now)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    int i = 1;
    if (k) sqlite3_bind_int64(st, i++, k);
    if (a.p) store_bind_str(st, i++, a);
    if (b.p) store_bind_str(st, i++, b);
    if (c.p) store_bind_str(st, i++, c);
    sqlite3_bind_int64(st, i, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* Hands the n events just stored (the last with row id last_id: one
 * transaction's rows are numbered in a row) to the group's subscriptions,
 * as a reader without logs:Unmask sees them (ing's masked text). */
static void deliver(struct app *app, arena_t *a, str_t account, str_t region, int64_t gid, str_t group, str_t stream,
                    logs_event_t *ev, const logs_ingest_t *ing, size_t n, int64_t last_id)
{
    int64_t *ids = n ? ARENA_NEWN(a, int64_t, n) : NULL;
    if (!ids) return;
    for (size_t i = 0; i < n; i++) {
        ids[i] = last_id - (int64_t)(n - 1 - i);
        if (ing->masked && ing->masked[i].p) ev[i].message = ing->masked[i];
    }
    logs__subscriptions_deliver(app, a, account, region, gid, group, stream, ev, ing->original, ids, n);
    logs__metric_filters_publish(app, a, account, region, gid, ev, ing->original, n);
}

/* A copy of the n events in a, for the ingest processing to rewrite. */
static logs_event_t *events_copy(arena_t *a, const logs_event_t *ev, size_t n)
{
    logs_event_t *c = ARENA_NEWN(a, logs_event_t, n ? n : 1);
    if (c && n) memcpy(c, ev, n * sizeof *ev);
    return c;
}

/* AWS: Lambda's role creates /aws/lambda/NAME and the stream on first
 * output; here the caller names both and we create what is missing. */
int logs_append(struct app *app, str_t account, str_t region, str_t group, str_t stream, const logs_event_t *ev,
                size_t n)
{
    sqlite3 *db = logs__db(app);
    if (!db || !group.len || !stream.len) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int64_t now = logs__now_ms();
    int rc =
        exec_bound(db, "INSERT OR IGNORE INTO log_group (account, region, name, created_ms) VALUES (?1, ?2, ?3, ?4)", 0,
                   account, region, group, now);
    int64_t gid = id_of(db, "SELECT id FROM log_group WHERE account = ?1 AND region = ?2 AND name = ?3", 0, account,
                        region, group);
    if (rc == GR_OK && gid)
        rc = exec_bound(db, "INSERT OR IGNORE INTO log_stream (gid, name, created_ms) VALUES (?1, ?2, ?3)", gid, stream,
                        STR_NULL, STR_NULL, now);
    int64_t sid =
        gid ? id_of(db, "SELECT id FROM log_stream WHERE gid = ?1 AND name = ?2", gid, stream, STR_NULL, STR_NULL) : 0;
    int64_t days = gid ? id_of(db, "SELECT coalesce(retention_days, 0) FROM log_group WHERE id = ?1", gid, STR_NULL,
                               STR_NULL, STR_NULL)
                       : 0;
    if (days > 0) { /* events already past the group's retention are not kept (AWS: expired on arrival) */
        size_t k = 0;
        while (k < n && ev[k].ts_ms < now - days * DAY_MS) k++;
        ev += k;
        n -= k;
    }
    int64_t last_id = 0;
    logs_group_t g = {.id = gid, .name = group, .retention_days = days};
    arena_t *a = arena_new(0);
    logs_event_t *own = a ? events_copy(a, ev, n) : NULL;
    logs_ingest_t ing = {0};
    if (own && gid) logs__ingest_prepare(db, a, account, region, &g, own, n, &ing);
    if (rc == GR_OK && own && gid && sid && insert_events(db, gid, sid, own, ing.masked, n, &last_id) == GR_OK &&
        logs__anomaly_observe(db, a, account, region, group, own, ing.masked, n) == GR_OK &&
        store_exec(db, "COMMIT") == GR_OK) {
        logs__expire(db, &g);
        deliver(app, a, account, region, gid, group, stream, own, &ing, n, last_id);
        logs__emf_publish(app, a, account, region, ev, n); /* AWS: Lambda extracts EMF by itself */
        logs__ingest_audit(app, account, region, &ing);
        arena_free(a);
        return GR_OK;
    }
    arena_free(a);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return GR_ERR;
}

/* The group in names (logs__group_or_fail) into *g, and the row id of its
 * stream in.logStreamName; 0 when either is missing (r failed) or on error. */
static int64_t stream_or_fail(req_t *r, sqlite3 *db, const val_t *in, logs_group_t *g)
{
    if (logs__group_or_fail(r, db, in, g) != GR_OK) return 0;
    int64_t sid = id_of(db, "SELECT id FROM log_stream WHERE gid = ?1 AND name = ?2", g->id,
                        val_get_str(in, "logStreamName"), STR_NULL, STR_NULL);
    if (!sid) req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified log stream does not exist.");
    return sid;
}

/* ==== PutLogEvents ==== */

/* AWS (PutLogEvents API reference): at most 10,000 events and 1,048,576
 * bytes (sum of UTF-8 messages + 26 bytes each); events in chronological
 * order; a batch may not span more than 24 hours; events more than 2 hours
 * in the future, more than 14 days old, or older than the group's retention
 * are not stored but reported in rejectedLogEventsInfo. "PutLogEvents
 * actions are now accepted and never return InvalidSequenceTokenException
 * or DataAlreadyAcceptedException even if the sequence token is not valid." */
int logs_put_log_events(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    int64_t sid = stream_or_fail(r, db, in, &g);
    if (!sid) return GR_ERR;
    const val_t *list = val_get(in, "logEvents");
    size_t n = list && list->kind == VAL_LIST ? list->u.list.n : 0;
    if (n == 0 || n > MAX_BATCH_EVENTS)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must "
                        "have length %s",
                        n ? "less than or equal to 10000" : "greater than or equal to 1");
    logs_event_t *ev = ARENA_NEWN(a, logs_event_t, n);
    if (!ev) return GR_ERR;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *e = list->u.list.v[i];
        ev[i].ts_ms = val_get_int(e, "timestamp", 0);
        ev[i].message = val_get_str(e, "message");
        bytes += ev[i].message.len + EVENT_OVERHEAD;
        if (i && ev[i].ts_ms < ev[i - 1].ts_ms)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Log events in a single PutLogEvents request must be in chronological order.");
    }
    if (bytes > MAX_BATCH_BYTES)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Upload too large: %zu bytes exceeds limit of %d",
                        bytes, MAX_BATCH_BYTES);
    if (ev[n - 1].ts_ms - ev[0].ts_ms > DAY_MS)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
    int64_t now = logs__now_ms();
    /* In time order, the rejected events are a prefix (too old / expired) and a suffix (too new). */
    long too_old = -1, expired = -1, too_new = -1;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].ts_ms < now - 14 * DAY_MS) too_old = (long)i;
        if (g.retention_days && ev[i].ts_ms < now - g.retention_days * DAY_MS) expired = (long)i;
        if (too_new < 0 && ev[i].ts_ms > now + 2 * 3600000LL) too_new = (long)i;
    }
    size_t from = (size_t)((too_old > expired ? too_old : expired) + 1);
    size_t to = too_new >= 0 ? (size_t)too_new : n;
    logs__expire(db, &g); /* retention is enforced on every write to the group as well as every read */
    /* AWS: transformers and data protection apply as events are ingested. */
    logs_ingest_t ing = {0};
    if (from < to) logs__ingest_prepare(db, a, r->who.account, r->region, &g, ev + from, to - from, &ing);
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int64_t last_id = 0;
    if ((from < to && (insert_events(db, g.id, sid, ev + from, ing.masked, to - from, &last_id) != GR_OK ||
                       logs__anomaly_observe(db, a, r->who.account, r->region, g.name, ev + from, ing.masked,
                                             to - from) != GR_OK)) ||
        store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    if (from < to)
        deliver(r->app, a, r->who.account, r->region, g.id, g.name, val_get_str(in, "logStreamName"), ev + from, &ing,
                to - from, last_id);
    /* AWS: events sent with x-amzn-logs-format: json/emf are in the
     * embedded metric format (the CloudWatch agent, the EMF libraries). */
    if (from < to && str_eq_c(wire_header(&r->w, "x-amzn-logs-format"), "json/emf"))
        logs__emf_publish(r->app, a, r->who.account, r->region, ev + from, to - from);
    logs__ingest_audit(r->app, r->who.account, r->region, &ing);
    val_set_c(a, out, "nextSequenceToken", val_str(a, pos_fmt(a, "", (pos_t){now, last_id})));
    if (too_old >= 0 || expired >= 0 || too_new >= 0) {
        val_t *rej = val_new(a, VAL_STRUCT);
        if (too_new >= 0) val_set_c(a, rej, "tooNewLogEventStartIndex", val_int(a, too_new));
        if (too_old >= 0) val_set_c(a, rej, "tooOldLogEventEndIndex", val_int(a, too_old));
        if (expired >= 0) val_set_c(a, rej, "expiredLogEventEndIndex", val_int(a, expired));
        val_set_c(a, out, "rejectedLogEventsInfo", rej);
    }
    return GR_OK;
}

/* ==== GetLogEvents ==== */

static val_t *event_val(arena_t *a, sqlite3_stmt *st)
{
    val_t *e = val_new(a, VAL_STRUCT);
    val_set_c(a, e, "timestamp", val_int(a, sqlite3_column_int64(st, 1)));
    val_set_c(a, e, "message", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, e, "ingestionTime", val_int(a, sqlite3_column_int64(st, 2)));
    return e;
}

/* AWS (GetLogEvents): without a token and with startFromHead false (the
 * default) the newest events come back; "If the results include tokens, there
 * are more log events available"; at the end of the stream "the same token
 * you passed in" comes back. Up to 10,000 events or 1 MB. */
int logs_get_log_events(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    int64_t sid = stream_or_fail(r, db, in, &g);
    if (!sid) return GR_ERR;
    logs__expire(db, &g);
    int64_t limit = val_get_int(in, "limit", MAX_BATCH_EVENTS);
    if (limit < 1 || limit > MAX_BATCH_EVENTS) limit = MAX_BATCH_EVENTS;
    str_t tok = val_get_str(in, "nextToken");
    bool forward = val_get_bool(in, "startFromHead", false);
    pos_t p = {forward ? -1 : INT64_MAX, 0};
    if (tok.p) {
        if (tok.len < 2 || (tok.p[0] != 'f' && tok.p[0] != 'b') || tok.p[1] != '/' ||
            !pos_parse(str_sub(tok, 2, tok.len - 2), &p))
            return req_fail(r, &LOGS_ERR_InvalidParameterException, "The specified nextToken is invalid.");
        forward = tok.p[0] == 'f';
    }
    int64_t start = val_get_int(in, "startTime", INT64_MIN), end = val_get_int(in, "endTime", INT64_MAX);
    int unmask = logs__unmask_or_fail(r, in, g.name);
    if (unmask < 0) return GR_ERR;
    sqlite3_stmt *st = store_stmt(
        db, forward ? "SELECT id, ts, ingest_ms, " LOGS_MESSAGE_SQL(
                          "7") " FROM log_event WHERE sid = ?1 "
                               "AND (ts, id) > (?2, ?3) AND ts >= ?4 AND ts < ?5 ORDER BY ts, id LIMIT ?6"
                    : "SELECT id, ts, ingest_ms, " LOGS_MESSAGE_SQL(
                          "7") " FROM log_event WHERE sid = ?1 "
                               "AND (ts, id) < (?2, ?3) AND ts >= ?4 AND ts < ?5 ORDER BY ts DESC, id DESC LIMIT ?6");
    if (!st) return GR_ERR;
    sqlite3_bind_int(st, 7, unmask);
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, p.ts);
    sqlite3_bind_int64(st, 3, p.id);
    sqlite3_bind_int64(st, 4, start);
    sqlite3_bind_int64(st, 5, end);
    sqlite3_bind_int64(st, 6, limit);
    val_t **rows = ARENA_NEWN(a, val_t *, (size_t)limit);
    pos_t *pos = ARENA_NEWN(a, pos_t, (size_t)limit);
    if (!rows || !pos) {
        store_release(st);
        return GR_ERR;
    }
    size_t n = 0, bytes = 0;
    int rc;
    while (n < (size_t)limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bytes += (size_t)sqlite3_column_bytes(st, 3) + EVENT_OVERHEAD;
        if (n && bytes > MAX_BATCH_BYTES) break;
        pos[n] = (pos_t){sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 0)};
        rows[n++] = event_val(a, st);
    }
    store_release(st);
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < n; i++) val_push(a, list, rows[forward ? i : n - 1 - i]);
    val_set_c(a, out, "events", list);
    pos_t first, last;
    if (n) {
        first = pos[forward ? 0 : n - 1];
        last = pos[forward ? n - 1 : 0];
    } else if (forward) { /* nothing after p: stay at p */
        last = p;
        first = (pos_t){p.ts, p.id + 1};
    } else { /* nothing before p */
        first = p;
        last = (pos_t){p.ts, p.id > 0 ? p.id - 1 : 0}; /* no event has id 0: after (ts,0) = not before (ts,0) */
    }
    if (!n && !tok.p) first = last = (pos_t){0, 0};
    val_set_c(a, out, "nextForwardToken", val_str(a, pos_fmt(a, "f/", last)));
    val_set_c(a, out, "nextBackwardToken", val_str(a, pos_fmt(a, "b/", first)));
    return GR_OK;
}

/* ==== FilterLogEvents ==== */

#define FILTER_SCAN_MAX 200000 /* rows examined per call; more → nextToken, as AWS pages a long search */

static bool name_in(const val_t *names, str_t s)
{
    for (size_t i = 0; names && i < names->u.list.n; i++)
        if (str_eq(names->u.list.v[i]->u.s, s)) return true;
    return false;
}

/* AWS (FilterLogEvents): events from all (or the named / prefixed) streams
 * of the group, sorted by time; startTime inclusive, "Events with a
 * timestamp later than [endTime] are not returned"; up to 10,000 events or
 * 1 MB per page; nextToken while more may remain. */
int logs_filter_log_events(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    logs__expire(db, &g);
    const val_t *names = val_get(in, "logStreamNames");
    if (names && names->kind != VAL_LIST) names = NULL;
    str_t prefix = val_get_str(in, "logStreamNamePrefix");
    if (names && prefix.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "logStreamNames and logStreamNamePrefix are mutually exclusive");
    const char *perr = NULL;
    logs_filter_t *f = logs__filter_compile(a, val_get_str(in, "filterPattern"), &perr);
    if (!f) return req_fail(r, &LOGS_ERR_InvalidParameterException, "%s", perr ? perr : "Invalid filter pattern");
    int64_t limit = val_get_int(in, "limit", MAX_BATCH_EVENTS);
    if (limit < 1 || limit > MAX_BATCH_EVENTS) limit = MAX_BATCH_EVENTS;
    pos_t p = {-1, 0};
    str_t tok = val_get_str(in, "nextToken");
    if (tok.p && !pos_parse(tok, &p))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "The specified nextToken is invalid.");
    int unmask = logs__unmask_or_fail(r, in, g.name);
    if (unmask < 0) return GR_ERR;
    sqlite3_stmt *st = store_stmt(
        db, "SELECT e.id, e.ts, e.ingest_ms, " LOGS_MESSAGE_SQL(
                "9") ", s.name FROM log_event e JOIN log_stream s "
                     "ON s.id = e.sid WHERE e.gid = ?1 AND (e.ts, e.id) > (?2, ?3) AND e.ts >= ?4 AND e.ts <= ?5 "
                     "AND substr(s.name, 1, ?7) = ?6 ORDER BY e.ts, e.id LIMIT ?8");
    if (!st) return GR_ERR;
    sqlite3_bind_int(st, 9, unmask);
    sqlite3_bind_int64(st, 1, g.id);
    sqlite3_bind_int64(st, 2, p.ts);
    sqlite3_bind_int64(st, 3, p.id);
    sqlite3_bind_int64(st, 4, val_get_int(in, "startTime", INT64_MIN));
    sqlite3_bind_int64(st, 5, val_get_int(in, "endTime", INT64_MAX));
    store_bind_str(st, 6, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 7, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 8, FILTER_SCAN_MAX + 1);
    val_t *list = val_new(a, VAL_LIST);
    size_t n = 0, bytes = 0, scanned = 0;
    bool more = false;
    pos_t at = p;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (scanned++ == FILTER_SCAN_MAX) {
            more = true;
            break;
        }
        str_t stream = str_n((const char *)sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st, 4));
        str_t msg = str_n((const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
        pos_t here = {sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 0)};
        if ((!names || name_in(names, stream)) && logs__filter_match(f, a, msg)) {
            if (n == (size_t)limit || (n && bytes + msg.len + EVENT_OVERHEAD > MAX_BATCH_BYTES)) {
                more = true;
                break;
            }
            bytes += msg.len + EVENT_OVERHEAD;
            val_t *e = event_val(a, st);
            val_set_c(a, e, "logStreamName", val_str(a, arena_str(a, stream)));
            val_set_c(a, e, "eventId", val_str(a, pos_fmt(a, "", here)));
            val_push(a, list, e);
            n++;
        }
        at = here;
    }
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "events", list);
    val_set_c(a, out, "searchedLogStreams", val_new(a, VAL_LIST));
    if (more) val_set_c(a, out, "nextToken", val_str(a, pos_fmt(a, "", at)));
    return GR_OK;
}
