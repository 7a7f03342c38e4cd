/* ttl.c — DynamoDB Time to Live: expired items really removed.
 *
 * Where it runs: on the background ticker (services/ticker.h) through
 * ddb_tick, about once a second, whether or not anyone calls DynamoDB — as
 * on AWS, where expired items are removed in the background and "still
 * appear in reads, queries, and scans" until then (so no read filters them).
 * Only when no ticker runs (in-process test harnesses) does the first
 * request after a second run a sweep instead (ddb__ttl_sweep). Like AWS, a
 * sweep deletes items whose TTL attribute is a Number of epoch seconds in
 * the past, ignores values more than five years old, and writes a REMOVE
 * stream record as any delete does. A sweep reads a bounded number of rows
 * per table, deletes at most MAX_DELETES items of a table in one short
 * transaction, and resumes there next time. The same tick drops stream
 * records past their 24 hours, which otherwise only DescribeStream trims,
 * and point-in-time-recovery log rows past the 35-day recovery period. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "schemas.h"
#include "services/app.h"
#include "services/ticker.h"
#include "services/dynamodb/tbl.h"
#include "store/store.h"

#define SWEEP_EVERY_US 1000000LL
#define MAX_DELETES 256 /* per table and sweep: one short write transaction */
#define FIVE_YEARS_S (5LL * 365 * 24 * 3600)

static _Atomic int64_t next_sweep_us; /* the request-driven fallback's schedule */

static bool expired(const val_t *item, str_t attr, int64_t now_s)
{
    const val_t *v = val_get_s(item, attr);
    if (!v || ddb_type(v) != DDB_N) return false;
    str_t text = ddb_inner(v)->u.s;
    char buf[64];
    if (text.len >= sizeof buf) return false;
    memcpy(buf, text.p, text.len);
    buf[text.len] = 0;
    double at = strtod(buf, NULL);
    return at <= (double)now_s && at >= (double)(now_s - FIVE_YEARS_S);
}

/* Where each table's last sweep stopped: a sweep reads at most SCAN_ROWS
 * rows of a table, so a large table costs a request a bounded pause and is
 * covered over several sweeps. Only the sweeping thread (one at a time, by
 * the atomic in ddb__ttl_sweep) touches these; the mutex publishes them to
 * the next sweeper. */
#define SCAN_ROWS 2000
#define CURSORS 32
static struct {
    int64_t tid;
    char *pk, *sk;
    size_t pklen, sklen;
} cursor[CURSORS];
static pthread_mutex_t cursor_mu = PTHREAD_MUTEX_INITIALIZER;

static int cursor_slot(int64_t tid)
{
    for (int i = 0; i < CURSORS; i++)
        if (cursor[i].tid == tid) return i;
    int i = (int)((uint64_t)tid % CURSORS);
    free(cursor[i].pk);
    free(cursor[i].sk);
    memset(&cursor[i], 0, sizeof cursor[i]);
    cursor[i].tid = tid;
    return i;
}

static int sweep_table(req_t *r, sqlite3 *db, const ddb_table_t *t, int64_t now_s, int *budget)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    pthread_mutex_lock(&cursor_mu);
    int c = cursor_slot(t->tid);
    bool resume = cursor[c].pk != NULL;
    if (store_prepare(db,
                      resume ? "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 AND (pk, sk) > (?2, ?3) "
                               "ORDER BY pk, sk LIMIT ?4"
                             : "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 ORDER BY pk, sk LIMIT ?4",
                      -1, &st, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&cursor_mu);
        return GR_ERR;
    }
    sqlite3_bind_int64(st, 1, t->tid);
    if (resume) {
        sqlite3_bind_blob(st, 2, cursor[c].pk, (int)cursor[c].pklen, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, cursor[c].sk ? cursor[c].sk : "", (int)cursor[c].sklen, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(st, 4, SCAN_ROWS);
    int rows = 0;
    typedef struct {
        ddb_keyenc_t k;
        val_t *item;
    } victim_t;
    victim_t *v = NULL;
    size_t n = 0, cap = 0;
    while (*budget > 0 && sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        /* remember the position before anything else can fail */
        free(cursor[c].pk);
        free(cursor[c].sk);
        cursor[c].pklen = (size_t)sqlite3_column_bytes(st, 0);
        cursor[c].sklen = (size_t)sqlite3_column_bytes(st, 1);
        cursor[c].pk = malloc(cursor[c].pklen + 1);
        cursor[c].sk = malloc(cursor[c].sklen + 1);
        if (cursor[c].pk && cursor[c].sk) {
            if (cursor[c].pklen) memcpy(cursor[c].pk, sqlite3_column_blob(st, 0), cursor[c].pklen);
            if (cursor[c].sklen) memcpy(cursor[c].sk, sqlite3_column_blob(st, 1), cursor[c].sklen);
        } else {
            free(cursor[c].pk);
            free(cursor[c].sk);
            cursor[c].pk = cursor[c].sk = NULL;
        }
        val_t *item = ddb_item_decode(a, str_n(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2)));
        if (!item || !expired(item, t->ttl_attr, now_s)) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            victim_t *nv = arena_realloc(a, v, cap * sizeof *v, nc * sizeof *v);
            if (!nv) break;
            v = nv;
            cap = nc;
        }
        buf_init(&v[n].k.pk, a);
        buf_init(&v[n].k.sk, a);
        buf_append(&v[n].k.pk, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        buf_append(&v[n].k.sk, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
        v[n].item = item;
        n++;
        (*budget)--;
    }
    store_release(st);
    if (*budget > 0 && rows < SCAN_ROWS) {
        /* reached the end of the table: the next sweep starts over */
        free(cursor[c].pk);
        free(cursor[c].sk);
        cursor[c].pk = cursor[c].sk = NULL;
    }
    pthread_mutex_unlock(&cursor_mu);
    if (!n) return GR_OK;
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        /* re-read: a writer may have renewed the item since the scan */
        val_t *cur = NULL;
        if (ddb__item_get(r, db, t, &v[i].k, &cur) != GR_OK) goto fail;
        if (!cur || !expired(cur, t->ttl_attr, now_s)) continue;
        ddb__stream_by_ttl(true);
        int wrc = ddb__item_write(r, db, t, &v[i].k, cur, NULL);
        ddb__stream_by_ttl(false);
        if (wrc != GR_OK) goto fail;
    }
    return ddb__commit(db);
fail:
    ddb__rollback(db);
    return GR_ERR;
}

/* One sweep over every TTL-enabled table; true when some table had more
 * expired items than one sweep deletes. r's account and region are set to
 * each table's, so its ARN (and stream records) are the owner's. */
static bool sweep_all(req_t *r, sqlite3 *db, int64_t now_us)
{
    if (!sqlite3_get_autocommit(db)) return false;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT name, tid, table_id, created_us, def, account, region FROM ddb_table "
                      "WHERE def LIKE '%\"TTL\":%'",
                      -1, &st, NULL) != SQLITE_OK)
        return false;
    typedef struct {
        ddb_table_t t;
        str_t account, region;
    } job_t;
    job_t *js = NULL;
    size_t n = 0, cap = 0;
    str_t who = r->who.account, where = r->region;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            job_t *nj = arena_realloc(r->arena, js, cap * sizeof *nj, nc * sizeof *nj);
            if (!nj) break;
            js = nj;
            cap = nc;
        }
        js[n].account = r->who.account = arena_str(r->arena, str_c((const char *)sqlite3_column_text(st, 5)));
        js[n].region = r->region = arena_str(r->arena, str_c((const char *)sqlite3_column_text(st, 6)));
        if (ddb__table_from_row(r, st, &js[n].t) == GR_OK && js[n].t.ttl_attr.p) n++;
    }
    store_release(st);
    bool more = false;
    for (size_t i = 0; i < n; i++) {
        r->who.account = js[i].account;
        r->region = js[i].region;
        int budget = MAX_DELETES;
        sweep_table(r, db, &js[i].t, now_us / 1000000, &budget);
        more |= budget == 0;
    }
    r->who.account = who;
    r->region = where;
    return more;
}

void ddb__ttl_sweep(req_t *r, sqlite3 *db)
{
    if (ticker_running()) return; /* the ticker does it, off the request path */
    int64_t now = time_now_us(), due = atomic_load(&next_sweep_us);
    if (now < due || !atomic_compare_exchange_strong(&next_sweep_us, &due, now + SWEEP_EVERY_US)) return;
    sweep_all(r, db, now);
}

/* AWS: "All data in DynamoDB Streams is subject to a 24-hour lifetime."
 * Stream records are kept 24 hours (stream.c's RETENTION_US; DescribeStream
 * also trims), and the point-in-time-recovery log 35 days (AWS's recovery
 * period). Here the oldest rows are dropped in bounded batches, so a table
 * whose stream nobody reads does not grow without end. seq grows with the
 * time column, so the expired rows are a prefix of seq order: read at most
 * TRIM_ROWS of it, stop at the first row still kept, and delete up to there
 * by seq. True when the batch was full. sql[0] selects (seq, time) in seq
 * order, sql[1] deletes up to ?1 what is older than ?2. */
#define STREAM_KEEP_US (24LL * 3600 * 1000000)
#define PITR_KEEP_US (35LL * 24 * 3600 * 1000000)
#define TRIM_ROWS 1000
static bool trim_log(sqlite3 *db, const char *const sql[2], int64_t cutoff)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql[0], -1, &st, NULL) != SQLITE_OK) return false;
    sqlite3_bind_int(st, 1, TRIM_ROWS);
    int64_t upto = -1;
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) < cutoff) {
        upto = sqlite3_column_int64(st, 0);
        n++;
    }
    store_release(st);
    if (upto < 0 || store_prepare(db, sql[1], -1, &st, NULL) != SQLITE_OK) return false;
    sqlite3_bind_int64(st, 1, upto);
    sqlite3_bind_int64(st, 2, cutoff);
    sqlite3_step(st);
    store_release(st);
    return n == TRIM_ROWS;
}

static bool trim_logs(sqlite3 *db, int64_t now_us)
{
    static const char *const streams[2] = {"SELECT seq, created_us FROM ddb_stream ORDER BY seq LIMIT ?1",
                                           "DELETE FROM ddb_stream WHERE seq <= ?1 AND created_us < ?2"};
    static const char *const pitr[2] = {"SELECT seq, at_us FROM ddb_pitr ORDER BY seq LIMIT ?1",
                                        "DELETE FROM ddb_pitr WHERE seq <= ?1 AND at_us < ?2"};
    bool more = trim_log(db, streams, now_us - STREAM_KEEP_US);
    return trim_log(db, pitr, now_us - PITR_KEEP_US) || more;
}

unsigned ddb_tick(struct app *app)
{
    arena_t *a = arena_new(0);
    if (!a) return 0;
    req_t *r = ARENA_NEW(a, req_t);
    bool more = false;
    if (r) {
        r->arena = a;
        r->app = app;
        r->start_us = time_now_us();
        memcpy(r->id, "dynamodb-ttl", 13);
        wire_resp_init(&r->resp, a);
        sqlite3 *db = ddb__db(r); /* this thread's connection; its statements end with a */
        if (db) {
            more = sweep_all(r, db, r->start_us);
            if (trim_logs(db, r->start_us)) more = true;
        }
    }
    arena_free(a);
    return more ? 100 : 0; /* a backlog: again soon, in batches, not all at once */
}
