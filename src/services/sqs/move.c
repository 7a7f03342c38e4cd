/* move.c — SQS message move tasks (StartMessageMoveTask, ListMessageMoveTasks,
 * CancelMessageMoveTask) and the housekeeping that makes time pass for
 * queues: tasks moving messages at their rate, expired messages deleted.
 *
 * Request flow: the three handlers record and report tasks (move_task table);
 * the moving and the sweep (expired messages and FIFO deduplication ids) are
 * done by sqs_tick on the background ticker (services/ticker.h) — moves every
 * 200 ms while a task runs, the sweep every 5 s, each in bounded batches and
 * short transactions — so both happen while nobody calls SQS. The task
 * handlers also move first (a forced sqs__tick), so a task reports exactly
 * what its rate allows by now. Without a ticker (in-process test harnesses)
 * every SQS request and every call from another service runs sqs__tick
 * instead, at the same cadence. Invariant: a message is moved (qid changed)
 * in the same transaction that counts it in the task's `moved`. */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "schemas.h"
#include "services/app.h"
#include "services/pubmetrics.h"
#include "services/ticker.h"
#include "services/sqs/sqs.h"
#include "sqs_model.h"

#define MOVE_EVERY_MS 200
#define SWEEP_EVERY_MS 5000
#define MOVE_BATCH 1000 /* per task per tick, so one tick never holds the write lock long */
#define SWEEP_BATCH 500 /* expired messages deleted per sweep, in one short transaction */

static str_t col_s(arena_t *a, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return STR_NULL;
    return arena_str(a, str_n((const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i)));
}

static int64_t one_int(sqlite3 *db, const char *sql, int64_t x, int64_t y, int64_t def)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return def;
    sqlite3_bind_int64(st, 1, x);
    sqlite3_bind_int64(st, 2, y);
    int64_t v =
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : def;
    store_release(st);
    return v;
}

/* ==== The tick ==== */

/* How long a second of MessageRetentionPeriod lasts, in ms: 1000, except in
 * GUREUM_TESTING builds with GUREUM_SQS_RETENTION_SECOND_MS=N, so a test can
 * watch the minimum period (60 s) run out in 60 × N ms. */
int64_t sqs__retention_ms(int64_t retention_s)
{
    static _Atomic int64_t unit;
    return retention_s * time_test_unit_ms(&unit, "GUREUM_SQS_RETENTION_SECOND_MS", 1000);
}

/* AWS: "Amazon SQS automatically deletes messages that have been in a queue
 * for more than the maximum message retention period." Until then readers
 * skip them (sqs__receive, the Approximate counts). The candidates are read
 * outside any transaction, so the scan never holds the write lock; then at
 * most SWEEP_BATCH are deleted in one short transaction. True when the batch
 * was full (more may be left). */
static bool sweep_expired(sqlite3 *db, int64_t now)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT m.id FROM queue_attr a JOIN message m ON m.qid = a.qid "
                      "WHERE a.name = 'MessageRetentionPeriod' AND m.sent_ms < ?1 - CAST(a.value AS INTEGER) * ?2 "
                      "LIMIT ?3",
                      -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, sqs__retention_ms(1));
    sqlite3_bind_int64(st, 3, SWEEP_BATCH);
    int64_t ids[SWEEP_BATCH];
    int n = 0;
    while (n < SWEEP_BATCH && sqlite3_step(st) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(st, 0);
    store_release(st);
    if (!n || sqs__begin(db) != GR_OK) return false;
    /* re-checked: the message may have been moved to a queue that keeps it longer */
    bool prepared = store_prepare(db,
                                  "DELETE FROM message WHERE id = ?1 AND sent_ms < ?2 - (SELECT CAST(value AS INTEGER) "
                                  "FROM queue_attr WHERE qid = message.qid AND name = 'MessageRetentionPeriod') * ?3",
                                  -1, &st, NULL) == SQLITE_OK,
         ok = prepared;
    for (int i = 0; ok && i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, sqs__retention_ms(1));
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    if (prepared) store_release(st);
    if (sqs__end(db, ok) != GR_OK) return false;
    return n == SWEEP_BATCH;
}

/* FIFO deduplication ids older than their five minutes, which sends no longer
 * look at (message.c checks expires_ms): without this every id ever sent
 * would stay. Read first, then at most SWEEP_BATCH deleted by key in one
 * short transaction, as for messages. True when the batch was full. */
static bool sweep_dedup(sqlite3 *db, int64_t now)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT qid, dedup_id FROM dedup WHERE expires_ms <= ?1 LIMIT ?2", -1, &st, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, SWEEP_BATCH);
    arena_t *a = arena_new(0);
    struct {
        int64_t qid;
        str_t id;
    } *k = a ? arena_alloc(a, SWEEP_BATCH * sizeof *k) : NULL;
    int n = 0;
    while (k && n < SWEEP_BATCH && sqlite3_step(st) == SQLITE_ROW) {
        k[n].qid = sqlite3_column_int64(st, 0);
        k[n++].id = col_s(a, st, 1);
    }
    store_release(st);
    bool ok = n > 0 && sqs__begin(db) == GR_OK;
    if (ok) {
        bool prepared = store_prepare(db, "DELETE FROM dedup WHERE qid = ?1 AND dedup_id = ?2 AND expires_ms <= ?3", -1,
                                      &st, NULL) == SQLITE_OK;
        ok = prepared;
        for (int i = 0; ok && i < n; i++) {
            sqlite3_bind_int64(st, 1, k[i].qid);
            sqs__bind(st, 2, k[i].id);
            sqlite3_bind_int64(st, 3, now);
            ok = sqlite3_step(st) == SQLITE_DONE;
            sqlite3_reset(st);
        }
        if (prepared) store_release(st);
        ok = sqs__end(db, ok) == GR_OK;
    }
    arena_free(a);
    return ok && n == SWEEP_BATCH;
}

/* Everything past its time: messages, then deduplication ids. */
static bool sweep_all(sqlite3 *db, int64_t now)
{
    bool more = sweep_expired(db, now);
    return sweep_dedup(db, now) || more;
}

/* Ends task tid as failed because a queue it moves to is gone, with the
 * reason AWS reports then. */
static void fail_task(sqlite3 *db, int64_t tid)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "UPDATE move_task SET status = 'FAILED', failure = 'AWS.SimpleQueueService."
                      "NonExistentQueue' WHERE id = ?1",
                      -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, tid);
        sqlite3_step(st);
        store_release(st);
    }
}

/* Moves what one task may move by now; finishes it when nothing is left. */
static void advance(sqlite3 *db, int64_t now, int64_t tid, int64_t src, str_t dest_arn, int64_t rate, int64_t last,
                    int64_t moved, int64_t started, arena_t *a)
{
    int64_t allowed = MOVE_BATCH;
    if (rate > 0) {
        int64_t due = rate * (now - started) / 1000 + 1; /* the first message goes at once */
        allowed = due - moved;
        if (allowed > MOVE_BATCH) allowed = MOVE_BATCH;
        if (allowed <= 0) return;
    }
    int64_t dest = 0;
    if (dest_arn.len) {
        sqs_queue_t d;
        if (sqs__queue_by_arn(a, db, dest_arn, &d) != GR_OK) {
            fail_task(db, tid);
            return;
        }
        dest = d.id;
    }
    /* Visible messages that were in the source when the task started, oldest
     * first; each goes to the destination, or back where it came from, as a
     * new message there (received never, visible now). */
    sqlite3_stmt *sel;
    if (store_prepare(db,
                      "SELECT id, src_qid FROM message WHERE qid = ?1 AND id <= ?2 AND visible_ms <= ?3 "
                      "ORDER BY id LIMIT ?4",
                      -1, &sel, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(sel, 1, src);
    sqlite3_bind_int64(sel, 2, last);
    sqlite3_bind_int64(sel, 3, now);
    sqlite3_bind_int64(sel, 4, allowed);
    int64_t n = 0;
    while (sqlite3_step(sel) == SQLITE_ROW) {
        int64_t mid = sqlite3_column_int64(sel, 0);
        int64_t to = dest ? dest : sqlite3_column_int64(sel, 1);
        if (!to) continue; /* never dead-lettered here: no queue to return it to */
        if (!dest && one_int(db, "SELECT count(*) FROM queue WHERE id = ?1 AND ?2 = ?2", to, 0, 0) == 0) {
            fail_task(db, tid); /* its source queue is gone */
            break;
        }
        sqlite3_stmt *up;
        if (store_prepare(db,
                          "UPDATE message SET qid = ?2, src_qid = NULL, receive_count = 0, first_recv_ms = 0, "
                          "receipt = NULL, visible_ms = ?3 WHERE id = ?1",
                          -1, &up, NULL) != SQLITE_OK)
            break;
        sqlite3_bind_int64(up, 1, mid);
        sqlite3_bind_int64(up, 2, to);
        sqlite3_bind_int64(up, 3, now);
        if (sqlite3_step(up) == SQLITE_DONE) n++;
        store_release(up);
        sqs__wake(to, 1);
    }
    store_release(sel);
    /* Done when no message the task may take is left in the source. */
    int64_t left = one_int(db, "SELECT count(*) FROM message WHERE qid = ?1 AND id <= ?2", src, last, 0);
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "UPDATE move_task SET moved = moved + ?2, status = CASE WHEN ?3 = 0 AND status = "
                      "'RUNNING' THEN 'COMPLETED' ELSE status END WHERE id = ?1",
                      -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, tid);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_int64(st, 3, left);
    sqlite3_step(st);
    store_release(st);
}

/* Advances every running task; true when some task is running. */
static bool move_all(sqlite3 *db, int64_t now)
{
    arena_t *a = arena_new(0);
    if (!a) return false;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT id, src_qid, dest_arn, rate, last_mid, moved, started_ms FROM move_task "
                      "WHERE status = 'RUNNING'",
                      -1, &st, NULL) != SQLITE_OK) {
        arena_free(a);
        return false;
    }
    typedef struct {
        int64_t id, src, rate, last, moved, started;
        str_t dest;
    } task_t;
    task_t t[64];
    int n = 0;
    while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
        t[n] = (task_t){sqlite3_column_int64(st, 0),
                        sqlite3_column_int64(st, 1),
                        sqlite3_column_int64(st, 3),
                        sqlite3_column_int64(st, 4),
                        sqlite3_column_int64(st, 5),
                        sqlite3_column_int64(st, 6),
                        col_s(a, st, 2)};
        n++;
    }
    store_release(st);
    for (int i = 0; i < n; i++) {
        if (sqs__begin(db) != GR_OK) break;
        /* Read again under the write lock: another thread (the ticker, or a
         * handler's forced tick) may have moved or cancelled meanwhile. */
        int64_t moved =
            one_int(db, "SELECT moved FROM move_task WHERE id = ?1 AND status = 'RUNNING' AND ?2 = ?2", t[i].id, 0, -1);
        if (moved >= 0) advance(db, now, t[i].id, t[i].src, t[i].dest, t[i].rate, t[i].last, moved, t[i].started, a);
        sqs__end(db, true);
    }
    arena_free(a);
    return n > 0;
}

static _Atomic int64_t last_move_ms, last_sweep_ms;

/* Claims a period: true for exactly one caller per `every` ms. */
static _Atomic int64_t last_gauges_ms; /* the queues' sampled CloudWatch gauges (gauges.c) */

static bool due(_Atomic int64_t *last, int64_t now, int64_t every)
{
    int64_t seen = atomic_load(last);
    if (now - seen < every && now >= seen) return false;
    return atomic_compare_exchange_strong(last, &seen, now);
}

/* The sweep's period: 5 s, shortened with the retention second in tests. */
static int64_t sweep_every_ms(void)
{
    int64_t every = SWEEP_EVERY_MS * sqs__retention_ms(1) / 1000;
    return every < 50 ? 50 : every;
}

void sqs__tick(struct app *app, sqlite3 *db, bool force)
{
    (void)app;
    if (!force && ticker_running()) return; /* the ticker does it, off the request path */
    int64_t now = sqs__now_ms();
    if (due(&last_move_ms, now, MOVE_EVERY_MS) || force) move_all(db, now);
    if (!ticker_running() && (due(&last_sweep_ms, now, sweep_every_ms()) || force)) sweep_all(db, now);
}

unsigned sqs_tick(struct app *app)
{
    sqlite3 *db = store_db(((app_t *)app)->store, &schema_sqs);
    if (!db) return 0;
    int64_t now = sqs__now_ms();
    if (due(&last_gauges_ms, now, pubm_period_ms())) sqs__gauges(app, db, now);
    bool moving = move_all(db, now), more = false;
    if (due(&last_sweep_ms, now, sweep_every_ms())) {
        more = sweep_all(db, now);
        if (more) atomic_store(&last_sweep_ms, 0); /* a backlog: the next tick sweeps again */
    }
    if (more) return 100;
    if (moving) return MOVE_EVERY_MS;
    int64_t every = sweep_every_ms();
    return every < 1000 ? (unsigned)every : 0;
}

/* ==== The operations ==== */

static const char *task_handle(arena_t *a, str_t source_arn)
{
    /* AWS: the handle is opaque; ours, like AWS's, encodes the task id and
     * source ARN in base64 JSON. */
    char id[37];
    id_uuid(id);
    const char *json = arena_printf(a, "{\"taskId\":\"%s\",\"sourceArn\":\"%.*s\"}", id, STR_FMT(source_arn));
    size_t n = strlen(json);
    unsigned char *out = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
    if (!out) return NULL;
    EVP_EncodeBlock(out, (const unsigned char *)json, (int)n);
    return (const char *)out;
}

/* AWS: ResourceNotFoundException, "One or more specified resources don't exist." */
static int fail_not_found(req_t *r, const char *what)
{
    return req_fail(r, &SQS_ERR_ResourceNotFoundException,
                    "The resource that you specified for the %s parameter doesn't exist.", what);
}

/* Whether some queue of q's account and region names q as its dead-letter queue. */
static bool is_dlq(req_t *r, sqlite3 *db, const sqs_queue_t *q)
{
    const char *arn = sqs__queue_arn(r->arena, q);
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT a.value FROM queue x JOIN queue_attr a ON a.qid = x.id WHERE x.account = ?1 "
                      "AND x.region = ?2 AND a.name = 'RedrivePolicy'",
                      -1, &st, NULL) != SQLITE_OK)
        return false;
    sqs__bind(st, 1, q->account);
    sqs__bind(st, 2, q->region);
    bool found = false;
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
        str_t v = str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        found = str_eq(sqs__redrive_target(v), str_c(arn));
    }
    store_release(st);
    return found;
}

int sqs_start_message_move_task(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    str_t src_arn = val_get_str(in, "SourceArn"), dest_arn = val_get_str(in, "DestinationArn");
    const val_t *rv = val_get(in, "MaxNumberOfMessagesPerSecond");
    /* AWS: MaxNumberOfMessagesPerSecond "The maximum number of messages per second … up to 500" */
    if (rv && (rv->u.i < 1 || rv->u.i > 500))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %lld for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be an "
                        "integer between 1 and 500.",
                        (long long)rv->u.i);
    sqs_queue_t src, dst;
    if (sqs__queue_by_arn(a, db, src_arn, &src) != GR_OK) return fail_not_found(r, "SourceArn");
    if (sqs__authorize(r, &src, "StartMessageMoveTask") != GR_OK) return GR_ERR;
    if (dest_arn.len) {
        if (sqs__queue_by_arn(a, db, dest_arn, &dst) != GR_OK) return fail_not_found(r, "DestinationArn");
        if (dst.id == src.id)
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Value %.*s for parameter DestinationArn is invalid. Reason: The source and destination "
                            "queues must be different.",
                            STR_FMT(dest_arn));
        if (sqs__authorize(r, &dst, "SendMessage") != GR_OK) return GR_ERR;
    }
    /* AWS: "Currently, only ARNs of dead-letter queues (DLQs) whose sources
     * are other Amazon SQS queues are accepted." */
    if (!is_dlq(r, db, &src))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %.*s for parameter SourceArn is invalid. Reason: Source queue must be configured as "
                        "a Dead Letter Queue.",
                        STR_FMT(src_arn));
    sqs__tick(r->app, db, true);
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    /* AWS: "Only one active message movement task is supported per queue at any given time." */
    if (one_int(db, "SELECT count(*) FROM move_task WHERE src_qid = ?1 AND status = 'RUNNING' AND ?2 = ?2", src.id, 0,
                0) > 0) {
        sqs__exec(db, "ROLLBACK");
        return req_fail(r, &SQS_ERR_UnsupportedOperation,
                        "There is already a task running. Only one active task is allowed for a source queue arn at "
                        "a given time.");
    }
    int64_t now = sqs__now_ms();
    int64_t last = one_int(db, "SELECT max(id) FROM message WHERE qid = ?1 AND ?2 = ?2", src.id, 0, 0);
    int64_t count = one_int(db, "SELECT count(*) FROM message WHERE qid = ?1 AND id <= ?2", src.id, last, 0);
    const char *handle = task_handle(a, src_arn);
    sqlite3_stmt *st;
    bool ok = handle && store_prepare(db,
                                      "INSERT INTO move_task (handle, account, region, src_qid, source_arn, "
                                      "dest_arn, rate, status, last_mid, to_move, started_ms) VALUES (?1, ?2, "
                                      "?3, ?4, ?5, ?6, ?7, 'RUNNING', ?8, ?9, ?10)",
                                      -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
        sqs__bind(st, 2, src.account);
        sqs__bind(st, 3, src.region);
        sqlite3_bind_int64(st, 4, src.id);
        sqs__bind(st, 5, src_arn);
        if (dest_arn.len) sqs__bind(st, 6, dest_arn);
        if (rv) sqlite3_bind_int64(st, 7, rv->u.i);
        sqlite3_bind_int64(st, 8, last);
        sqlite3_bind_int64(st, 9, count);
        sqlite3_bind_int64(st, 10, now);
        ok = sqlite3_step(st) == SQLITE_DONE;
        store_release(st);
    }
    if (sqs__end(db, ok) != GR_OK) return GR_ERR;
    sqs__tick(r->app, db, true); /* the first messages go at once */
    val_set_c(a, out, "TaskHandle", val_cstr(a, handle));
    return GR_OK;
}

int sqs_list_message_move_tasks(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    str_t src_arn = val_get_str(in, "SourceArn");
    int64_t max = val_get_int(in, "MaxResults", 1);
    /* AWS: MaxResults "The default value is 1. The maximum value is 10." */
    if (max < 1 || max > 10)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %lld for parameter MaxResults is invalid. Reason: You must enter a number that's "
                        "between 1 and 10.",
                        (long long)max);
    sqs_queue_t src;
    if (sqs__queue_by_arn(a, db, src_arn, &src) != GR_OK) return fail_not_found(r, "SourceArn");
    if (sqs__authorize(r, &src, "ListMessageMoveTasks") != GR_OK) return GR_ERR;
    sqs__tick(r->app, db, true);
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT handle, status, source_arn, dest_arn, rate, moved, to_move, failure, started_ms "
                      "FROM move_task WHERE src_qid = ?1 ORDER BY id DESC LIMIT ?2",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, src.id);
    sqlite3_bind_int64(st, 2, max);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *e = val_new(a, VAL_STRUCT);
        str_t status = col_s(a, st, 1);
        /* AWS: TaskHandle "Only present for tasks that are running." */
        if (str_eq_c(status, "RUNNING")) val_set_c(a, e, "TaskHandle", val_str(a, col_s(a, st, 0)));
        val_set_c(a, e, "Status", val_str(a, status));
        val_set_c(a, e, "SourceArn", val_str(a, col_s(a, st, 2)));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) val_set_c(a, e, "DestinationArn", val_str(a, col_s(a, st, 3)));
        if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            val_set_c(a, e, "MaxNumberOfMessagesPerSecond", val_int(a, sqlite3_column_int64(st, 4)));
        val_set_c(a, e, "ApproximateNumberOfMessagesMoved", val_int(a, sqlite3_column_int64(st, 5)));
        val_set_c(a, e, "ApproximateNumberOfMessagesToMove", val_int(a, sqlite3_column_int64(st, 6)));
        if (sqlite3_column_type(st, 7) != SQLITE_NULL) val_set_c(a, e, "FailureReason", val_str(a, col_s(a, st, 7)));
        val_set_c(a, e, "StartedTimestamp", val_int(a, sqlite3_column_int64(st, 8)));
        val_push(a, list, e);
    }
    store_release(st);
    val_set_c(a, out, "Results", list);
    return GR_OK;
}

int sqs_cancel_message_move_task(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    str_t handle = val_get_str(in, "TaskHandle");
    sqs__tick(r->app, db, true);
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT id, source_arn, status, moved FROM move_task WHERE handle = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return GR_ERR;
    sqs__bind(st, 1, handle);
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_release(st);
        return req_fail(r, &SQS_ERR_ResourceNotFoundException, "Task does not exist.");
    }
    int64_t id = sqlite3_column_int64(st, 0), moved = sqlite3_column_int64(st, 3);
    str_t src_arn = col_s(a, st, 1), status = col_s(a, st, 2);
    store_release(st);
    sqs_queue_t src;
    if (sqs__queue_by_arn(a, db, src_arn, &src) != GR_OK) return fail_not_found(r, "SourceArn");
    if (sqs__authorize(r, &src, "CancelMessageMoveTask") != GR_OK) return GR_ERR;
    /* AWS: "Only active (non-completed) message movement tasks can be cancelled." */
    if (!str_eq_c(status, "RUNNING"))
        return req_fail(r, &SQS_ERR_ResourceNotFoundException, "Task does not exist or is not running.");
    if (store_prepare(db, "UPDATE move_task SET status = 'CANCELLED' WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "ApproximateNumberOfMessagesMoved", val_int(a, moved));
    return GR_OK;
}
