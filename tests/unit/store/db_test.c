/* db_test.c — unit tests for src/store/db.c: the data directory, per-thread
 * connections, connection settings and migrations by user_version.
 * Each test works in its own fresh directory under /tmp. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fault.h"
#include "store/store.h"

size_t store__nconns(store_t *s);        /* db.c, for tests */
int store__fault_sqlite_malloc(bool on); /* db.c, test build */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup_dir(void **state)
{
    char tmpl[] = "/tmp/gureum-db-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    *state = strdup(dir);
    fault_reset();
    return 0;
}

static int teardown_dir(void **state)
{
    nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

/* A scalar from a one-row query. */
static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *query_text(sqlite3 *db, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Not idempotent on purpose: running one twice fails ("table already exists"). */
static const char *const migs[] = {
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE t ADD COLUMN extra TEXT; INSERT INTO t(name) VALUES ('seed');",
    "CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL REFERENCES t(id));",
};
static const store_schema_t schema2 = {"svc", migs, 2};
static const store_schema_t schema3 = {"svc", migs, 3};

static void test_open_creates_dirs(void **state)
{
    char data[512];
    snprintf(data, sizeof data, "%s/a/b/data/", (char *)*state); /* nested, trailing slash */
    store_t *s = store_open(data, DURABILITY_NORMAL);
    assert_non_null(s);
    static const char *const subs[] = {"", "/meta", "/blobs", "/tmp"};
    for (size_t i = 0; i < 4; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s%s", store_datadir(s), subs[i]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0700);
    }
    assert_int_equal(store_durability(s), DURABILITY_NORMAL);
    store_close(s);
    /* Opening an existing directory again is fine. */
    s = store_open(data, DURABILITY_STRICT);
    assert_non_null(s);
    assert_int_equal(store_durability(s), DURABILITY_STRICT);
    store_close(s);
}

/* A relative data directory (make run's --data ./data) is kept absolute:
 * machines and function sandboxes are handed paths under it from other
 * working directories. */
static void test_open_keeps_an_absolute_path(void **state)
{
    char cwd[512], sub[600];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir((char *)*state), 0);
    store_t *s = store_open("./rel/data/", DURABILITY_NORMAL);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(s);
    snprintf(sub, sizeof sub, "%s/rel/data", (char *)*state);
    char *want = realpath(sub, NULL);
    assert_non_null(want);
    assert_string_equal(store_datadir(s), want);
    free(want);
    store_close(s);
}

static void test_open_fails_on_file(void **state)
{
    char p[512];
    snprintf(p, sizeof p, "%s/file", (char *)*state);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    assert_null(store_open(p, DURABILITY_NORMAL));
}

/* store_prepare hands back the same statement for the same SQL once released,
 * reset and with its bindings cleared; a nested use of the same text gets a
 * statement of its own; release reports the last step's error as finalize
 * would; closing the store finalizes what the cache holds (LSan would tell). */
static void test_statement_cache(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    const char *sql = "SELECT name FROM t WHERE id = ?1";
    sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(store_prepare(db, sql, -1, &a, NULL), SQLITE_OK);
    sqlite3_bind_int(a, 1, 1);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(a, 0), "seed");
    /* in use: the same text again is a different statement */
    assert_int_equal(store_prepare(db, sql, -1, &b, NULL), SQLITE_OK);
    assert_ptr_not_equal(a, b);
    assert_int_equal(store_release(b), SQLITE_OK);
    assert_int_equal(store_release(a), SQLITE_OK);
    /* released: the cached one comes back, reset, without its old binding */
    char copy[64];
    snprintf(copy, sizeof copy, "%s", sql); /* the text, not the pointer, is the key */
    assert_int_equal(store_prepare(db, copy, -1, &c, NULL), SQLITE_OK);
    assert_ptr_equal(c, a);
    assert_int_equal(sqlite3_step(c), SQLITE_DONE); /* id = NULL matches nothing */
    assert_int_equal(store_release(c), SQLITE_OK);
    /* a failing step's error comes back from release */
    sqlite3_stmt *d = NULL;
    assert_int_equal(store_prepare(db, "INSERT INTO t(id, name) VALUES (?1, 'x')", -1, &d, NULL), SQLITE_OK);
    sqlite3_bind_int(d, 1, 1); /* the seed's id: a constraint violation */
    assert_int_equal(sqlite3_step(d) & 0xff, SQLITE_CONSTRAINT);
    assert_int_equal(store_release(d) & 0xff, SQLITE_CONSTRAINT);
    /* many distinct texts: the cache evicts, every statement still works */
    for (int i = 0; i < 200; i++) {
        char q[64];
        snprintf(q, sizeof q, "SELECT %d", i);
        sqlite3_stmt *e = NULL;
        assert_int_equal(store_prepare(db, q, -1, &e, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(e), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(e, 0), i);
        assert_int_equal(store_release(e), SQLITE_OK);
    }
    assert_int_equal(store_release(NULL), SQLITE_OK);
    store_close(s);
}

static void test_migrations_once_and_idempotent(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    assert_non_null(s);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 2);
    assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
    assert_ptr_equal(store_db(s, &schema2), db); /* same thread, same schema: same connection */
    store_close(s);

    /* Reopen: nothing re-runs (the migrations would fail if they did). */
    s = store_open(*state, DURABILITY_NORMAL);
    db = store_db(s, &schema2);
    assert_non_null(db);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 2);
    assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
    store_close(s);

    /* A longer list applies only the new migration. */
    s = store_open(*state, DURABILITY_NORMAL);
    db = store_db(s, &schema3);
    assert_non_null(db);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
    assert_int_equal(store_exec(db, "INSERT INTO u(t_id) VALUES (1)"), GR_OK);
    store_close(s);

    /* A database newer than the build is refused, not downgraded. */
    s = store_open(*state, DURABILITY_NORMAL);
    assert_null(store_db(s, &schema2));
    store_close(s);
}

static void test_failed_migration_rolls_back(void **state)
{
    static const char *const bad[] = {
        "CREATE TABLE ok1(x);",
        "CREATE TABLE ok2(x); THIS IS NOT SQL;",
    };
    static const store_schema_t bad_schema = {"bad", bad, 2};
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    assert_null(store_db(s, &bad_schema));
    store_close(s);
    /* Nothing of either migration is left: they ran in one transaction. */
    static const store_schema_t none = {"bad", NULL, 0};
    s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &none);
    assert_non_null(db);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master"), 0);
    store_close(s);
}

static void test_settings(void **state)
{
    char buf[32];
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    assert_string_equal(query_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    assert_int_equal(query_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
    assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
    /* Foreign keys are enforced. */
    static const store_schema_t s3 = {"fk", migs, 3};
    sqlite3 *fk = store_db(s, &s3);
    assert_non_null(fk);
    assert_int_equal(store_exec(fk, "INSERT INTO u(t_id) VALUES (999)"), GR_ERR);
    char p[512];
    snprintf(p, sizeof p, "%s/meta/svc.db", (char *)*state);
    assert_int_equal(access(p, F_OK), 0);
    store_close(s);

    s = store_open(*state, DURABILITY_STRICT);
    db = store_db(s, &schema2);
    assert_int_equal(query_int(db, "PRAGMA synchronous"), 2); /* FULL */
    store_close(s);
}

static void test_bad_service_name(void **state)
{
    static const store_schema_t evil = {"../evil", NULL, 0};
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    assert_null(store_db(s, &evil));
    store_close(s);
}

static void test_fault_db_open(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    fault_arm("db.open", 1);
    assert_null(store_db(s, &schema2));
    assert_int_equal(fault_fired(), 1);
    assert_int_equal(store__nconns(s), 0);
    /* The next attempt opens normally. */
    assert_non_null(store_db(s, &schema2));
    assert_int_equal(store__nconns(s), 1);
    store_close(s);
}

typedef struct {
    store_t *s;
    sqlite3 *db;
    pthread_barrier_t *b;
    bool close_at_store; /* keep the thread alive until the store is closed */
    pthread_barrier_t *b2;
} thr_t;

static void *thread_main(void *arg)
{
    thr_t *t = arg;
    t->db = store_db(t->s, &schema2);
    if (t->db) store_exec(t->db, "INSERT INTO t(name) VALUES ('from a thread')");
    pthread_barrier_wait(t->b); /* both hold their connection at the same time */
    if (t->close_at_store) pthread_barrier_wait(t->b2);
    return NULL;
}

/* ==== store_version: moved by this connection's writes and others' commits ==== */

static void *writer_main(void *arg)
{
    sqlite3 *db = store_db(arg, &schema2);
    if (db) store_exec(db, "INSERT INTO t(name) VALUES ('elsewhere')");
    return NULL;
}

static void test_version(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    uint64_t v0 = store_version(db);
    assert_true(store_version(db) == v0); /* nothing changed: the same */
    assert_int_equal(store_exec(db, "INSERT INTO t(name) VALUES ('here')"), GR_OK);
    uint64_t v1 = store_version(db);
    assert_true(v1 != v0); /* a row written through this connection */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, writer_main, s), 0);
    pthread_join(th, NULL);
    uint64_t v2 = store_version(db);
    assert_true(v2 != v1); /* another connection's commit */
    assert_true(store_version(db) == v2);
    store_close(s);
}

/* ==== A writer waits for another thread's write lock ==== */

typedef struct {
    store_t *s;
    pthread_barrier_t *b;
    int rc;
    struct timespec begun; /* when its BEGIN IMMEDIATE returned */
} waiter_t;

static void *waiter_main(void *arg)
{
    waiter_t *w = arg;
    sqlite3 *db = store_db(w->s, &schema2);
    pthread_barrier_wait(w->b); /* the main thread holds the write lock now */
    w->rc = db ? store_exec(db, "BEGIN IMMEDIATE") : GR_ERR;
    clock_gettime(CLOCK_MONOTONIC, &w->begun);
    if (w->rc == GR_OK) w->rc = store_exec(db, "INSERT INTO t(name) VALUES ('waited')");
    if (w->rc == GR_OK) w->rc = store_exec(db, "COMMIT");
    return NULL;
}

/* SQLite's own busy handler polls at 1, 2, 5, 10, 15 ms...: a writer that
 * found the lock taken went on sleeping long after the holder committed (the
 * next look after a 30 ms hold is at 33 ms). The store's handler looks at
 * least every millisecond. */
static void test_writer_retries_within_a_millisecond(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    long long best = -1;
    for (int round = 0; round < 5; round++) {
        pthread_barrier_t b;
        pthread_barrier_init(&b, NULL, 2);
        waiter_t w = {s, &b, GR_ERR, {0, 0}};
        assert_int_equal(store_exec(db, "BEGIN IMMEDIATE"), GR_OK);
        assert_int_equal(store_exec(db, "INSERT INTO t(name) VALUES ('held')"), GR_OK);
        pthread_t th;
        pthread_create(&th, NULL, waiter_main, &w);
        pthread_barrier_wait(&b);
        usleep(30000);
        struct timespec released;
        clock_gettime(CLOCK_MONOTONIC, &released);
        assert_int_equal(store_exec(db, "COMMIT"), GR_OK);
        pthread_join(th, NULL);
        pthread_barrier_destroy(&b);
        assert_int_equal(w.rc, GR_OK);
        long long lag = (w.begun.tv_sec - released.tv_sec) * 1000000LL + (w.begun.tv_nsec - released.tv_nsec) / 1000;
        if (best < 0 || lag < best) best = lag;
    }
    /* the best of five rounds, so one slow wake-up on a busy machine is not
     * taken for SQLite's schedule */
    assert_true(best < 2000);
    assert_int_equal(query_int(db, "SELECT count(*) FROM t WHERE name IN ('held', 'waited')"), 10);
    store_close(s);
}

static void test_threads_get_own_connections(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    thr_t t1 = {s, NULL, &b, false, NULL}, t2 = {s, NULL, &b, false, NULL};
    pthread_t p1, p2;
    pthread_create(&p1, NULL, thread_main, &t1);
    pthread_create(&p2, NULL, thread_main, &t2);
    pthread_join(p1, NULL);
    pthread_join(p2, NULL);
    pthread_barrier_destroy(&b);
    assert_non_null(t1.db);
    assert_non_null(t2.db);
    assert_ptr_not_equal(t1.db, t2.db);
    /* Thread exit closed them. */
    assert_int_equal(store__nconns(s), 0);
    sqlite3 *mine = store_db(s, &schema2);
    assert_non_null(mine);
    assert_int_equal(query_int(mine, "SELECT count(*) FROM t"), 3); /* seed + two threads */
    store_close(s);
}

static void test_store_close_before_thread_exit(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    pthread_barrier_t b, b2;
    pthread_barrier_init(&b, NULL, 2);
    pthread_barrier_init(&b2, NULL, 2);
    thr_t t1 = {s, NULL, &b, true, &b2};
    pthread_t p1;
    pthread_create(&p1, NULL, thread_main, &t1);
    pthread_barrier_wait(&b); /* thread has its connection and is still alive */
    assert_non_null(t1.db);
    assert_int_equal(store__nconns(s), 1);
    store_close(s); /* closes the thread's connection; the thread later frees its entry */
    pthread_barrier_wait(&b2);
    pthread_join(p1, NULL);
    pthread_barrier_destroy(&b);
    pthread_barrier_destroy(&b2);
}

typedef struct {
    store_t *s;
    pthread_barrier_t *b;
    bool ok;
} racer_t;

static void *racer_main(void *arg)
{
    racer_t *r = arg;
    pthread_barrier_wait(r->b); /* all first opens start together */
    sqlite3 *db = store_db(r->s, &schema3);
    r->ok = db && store_exec(db, "INSERT INTO t(name) VALUES ('racer')") == GR_OK;
    return NULL;
}

/* Two stores on one directory (as two processes would be) and four threads
 * each race the first migration: it runs once, everybody gets a connection. */
static void test_concurrent_first_open(void **state)
{
    store_t *s1 = store_open(*state, DURABILITY_NORMAL), *s2 = store_open(*state, DURABILITY_NORMAL);
    enum { N = 8 };
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, N);
    racer_t r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer_t){i % 2 ? s1 : s2, &b, false};
        pthread_create(&th[i], NULL, racer_main, &r[i]);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&b);
    for (int i = 0; i < N; i++) assert_true(r[i].ok);
    sqlite3 *db = store_db(s1, &schema3);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1 + N); /* seed row once: migration 2 ran once */
    store_close(s1);
    store_close(s2);
}

static void remove_meta(const char *dir)
{
    static const char *const files[] = {"svc.db", "svc.db-wal", "svc.db-shm", "svc.db-journal"};
    for (size_t i = 0; i < 4; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/meta/%s", dir, files[i]);
        unlink(p);
    }
}

/* SQLite's do_faultsim_test, for open+migrate: fail allocation 1, 2, … until
 * one run completes untouched. Every run must fail cleanly (NULL, no leak)
 * or succeed, and leave the file at the old version or the new, never between. */
static void test_fault_loop_sqlite_malloc(void **state)
{
    assert_int_equal(store__fault_sqlite_malloc(true), GR_OK);
    /* Every allocation up to 40, then every 5th, keeps the test near 1 s under
     * ASan; GUREUM_FAULT_EXHAUSTIVE=1 walks every one (~750 runs). */
    unsigned stride = getenv("GUREUM_FAULT_EXHAUSTIVE") ? 1 : 5;
    unsigned n = 1, runs = 0, failed_runs = 0;
    for (; n < 5000; n += n < 40 ? 1 : stride, runs++) {
        remove_meta(*state);
        store_t *s = store_open(*state, DURABILITY_NORMAL);
        assert_non_null(s);
        fault_reset();
        fault_arm("sqlite.malloc", n);
        sqlite3 *db = store_db(s, &schema3);
        unsigned fired = fault_fired();
        fault_reset();
        store_close(s);
        if (!db) failed_runs++;
        /* Old or new: look at the file without faults. */
        s = store_open(*state, DURABILITY_NORMAL);
        static const store_schema_t none = {"svc", NULL, 0};
        sqlite3 *check = store_db(s, db ? &schema3 : &none);
        long long v = -1;
        if (check) v = query_int(check, "PRAGMA user_version");
        if (!db && check) {
            long long tables = query_int(check, "SELECT count(*) FROM sqlite_master WHERE type='table'");
            if (v == 0)
                assert_int_equal(tables, 0);
            else
                assert_int_equal(v, 3);
        }
        if (db) assert_int_equal(v, 3);
        store_close(s);
        if (!fired) break; /* the armed allocation was never reached: the whole path ran */
    }
    assert_int_equal(store__fault_sqlite_malloc(false), GR_OK);
    assert_true(n < 5000);
    assert_true(failed_runs > 0);
    print_message("fault loop: %u runs up to allocation %u, %u failed cleanly\n", runs + 1, n, failed_runs);
}

/* Gathered WAL writes (shm.c): a commit far larger than one gathered write
 * (the unix VFS writes at most 128 KiB a call) and one of a single small
 * page both read back, from a new connection after the store is closed. */
static void test_wal_gathered_commits(void **state)
{
    enum { BIG = 700 * 1024 };
    unsigned char *big = malloc(BIG);
    assert_non_null(big);
    for (size_t i = 0; i < BIG; i++) big[i] = (unsigned char)(i * 7 + i / 4096);
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    assert_int_equal(store_exec(db, "CREATE TABLE g (k INTEGER PRIMARY KEY, v BLOB)"), GR_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(db, "INSERT INTO g (k, v) VALUES (?1, ?2)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int(st, 1, 1);
    sqlite3_bind_blob(st, 2, big, BIG, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    store_release(st);
    assert_int_equal(store_exec(db, "INSERT INTO g (k, v) VALUES (2, x'2a')"), GR_OK);
    store_close(s);

    s = store_open(*state, DURABILITY_NORMAL);
    db = store_db(s, &schema2);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT v FROM g ORDER BY k", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(st, 0), BIG);
    assert_memory_equal(sqlite3_column_blob(st, 0), big, BIG);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(st, 0), 1);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    store_close(s);
    free(big);
}

/* A steady stream of commits: the checkpointer thread copies the WAL back
 * and has it rewound, so the WAL file stays bounded (it grew without limit
 * under SQLite's inline passive checkpoints) and every row reads back. */
static void test_wal_bounded_under_writes(void **state)
{
    store_t *s = store_open(*state, DURABILITY_NORMAL);
    sqlite3 *db = store_db(s, &schema2);
    assert_non_null(db);
    assert_int_equal(store_exec(db, "CREATE TABLE big (k INTEGER PRIMARY KEY, v BLOB)"), GR_OK);
    char wal[512];
    snprintf(wal, sizeof wal, "%s/meta/svc.db-wal", (char *)*state);
    static char blob[3000];
    memset(blob, 'x', sizeof blob);
    off_t most = 0;
    for (int i = 0; i < 9000; i++) { /* ~2 pages a commit: 18000 frames written */
        sqlite3_stmt *st = NULL;
        assert_int_equal(store_prepare(db, "INSERT OR REPLACE INTO big (k, v) VALUES (?1, ?2)", -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_int(st, 1, i % 500);
        sqlite3_bind_blob(st, 2, blob, sizeof blob, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        store_release(st);
        struct stat sb;
        if (i % 100 == 0 && stat(wal, &sb) == 0 && sb.st_size > most) most = sb.st_size;
    }
    /* 18000 frames of 4 KiB would be ~74 MB; a RESTART at 8000 frames keeps it under half of that. */
    assert_true(most > 0);
    assert_true(most < 50 * 1024 * 1024);
    assert_int_equal(query_int(db, "SELECT count(*) FROM big"), 500);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_dirs, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_keeps_an_absolute_path, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_fails_on_file, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_migrations_once_and_idempotent, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_settings, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_bad_service_name, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_fault_db_open, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_threads_get_own_connections, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_writer_retries_within_a_millisecond, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_store_close_before_thread_exit, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_concurrent_first_open, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_fault_loop_sqlite_malloc, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_statement_cache, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_version, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_wal_bounded_under_writes, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_wal_gathered_commits, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
