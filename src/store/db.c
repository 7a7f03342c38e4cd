/* db.c — the data directory and the per-thread SQLite connections.
 *
 * store_open makes DATA/{meta,blobs,tmp}; store_db hands each thread its own
 * connection to DATA/meta/<svc>.db, opened, configured (WAL, synchronous by
 * durability, busy timeout, foreign keys) and migrated on first use. Services
 * call it at the start of a request; everything after is plain SQLite.
 *
 * Invariant: a connection is only ever used by the thread that opened it, so
 * connections run without SQLite's mutexes. Each lives in two lists under
 * one global mutex — its thread's and its store's — so whichever comes first,
 * thread exit or store_close, closes it exactly once. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "store/store.h"

/* A statement kept prepared for its SQL text (store_prepare). */
#define STMT_CACHE 48
typedef struct {
    char *sql; /* malloc'd copy of the text; NULL = free slot */
    size_t len;
    uint64_t hash;
    sqlite3_stmt *st;
    bool busy; /* handed out, not yet released */
} cached_stmt_t;

/* One open connection of one thread. */
typedef struct conn {
    store_t *s;                   /* NULL once store_close closed it: a dead entry awaiting its thread */
    const store_schema_t *schema; /* the lookup key with s */
    sqlite3 *db;
    cached_stmt_t cache[STMT_CACHE];
    unsigned evict;             /* round-robin victim when the cache is full */
    struct conn *tnext;         /* the owning thread's list */
    struct conn *snext, *sprev; /* the store's list */
} conn_t;

/* A thread's connections, the value of the process-wide key (its destructor
 * closes them at thread exit). */
typedef struct {
    conn_t *head;
} tconns_t;

/* Background checkpoints: one database file the checkpointer serves. */
#define CKPT_MAX_DBS 32
typedef struct {
    store_t *s;     /* whose checkpointer serves it */
    char *path;     /* as sqlite3_db_filename gives it */
    sqlite3 *db;    /* the checkpointer's own connection; its thread only */
    bool pending;   /* a commit asked for a checkpoint; under ckpt_mu */
    int backfilled; /* WAL frames the last checkpoint had copied back; under ckpt_mu */
} ckpt_db_t;

struct store {
    char *datadir;
    struct dirlock *dirlock; /* this process's hold on the data directory */
    durability_t durability;
    conn_t *conns;           /* every live connection of every thread; under g_mu */
    pthread_mutex_t open_mu; /* serialises open+migrate so two threads never race a migration */
    /* The checkpointer thread (ckpt_main); everything below under ckpt_mu. */
    pthread_t ckpt_thread;
    bool ckpt_running, ckpt_stop;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    ckpt_db_t ckpt[CKPT_MAX_DBS];
    int nckpt;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static bool g_key_ok;

/* ==== Data directory ==== */

/* mkdir that accepts an existing directory. */
static int mkdir_ok(const char *path)
{
    if (mkdir(path, 0700) == 0) return GR_OK;
    struct stat st;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return GR_OK;
    log_error("store: cannot create directory %s: %s", path, strerror(errno));
    return GR_ERR;
}

/* mkdir -p, each created level 0700. */
static int mkdir_p(const char *path)
{
    char *p = strdup(path);
    if (!p) return GR_ERR;
    int rc = GR_OK;
    for (char *q = p + 1; *q && rc == GR_OK; q++) {
        if (*q != '/') continue;
        *q = 0;
        rc = mkdir_ok(p);
        *q = '/';
    }
    if (rc == GR_OK) rc = mkdir_ok(p);
    free(p);
    return rc;
}

static void conns_free_thread(void *v);

static void key_init(void)
{
    /* Before SQLite initializes: memory statistics put one process-wide mutex
     * in every allocation SQLite makes, which the event loops' connections
     * then contend for; nothing here reads the statistics. (After an
     * initialization it is a harmless SQLITE_MISUSE.) */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    g_key_ok = pthread_key_create(&g_key, conns_free_thread) == 0;
}

/* One process per data directory: the WAL-index locks live in process memory
 * (shm.c), so a second server on the same files would corrupt them. An
 * exclusive flock on DATA/.lock, taken once per process and directory however
 * many stores open it here (tests open two); the kernel drops it when the
 * process dies. */
typedef struct dirlock {
    struct dirlock *next;
    dev_t dev;
    ino_t ino;
    int fd, refs;
} dirlock_t;
static dirlock_t *g_dirlocks; /* under g_mu */

static dirlock_t *dirlock_take(const char *datadir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/.lock", datadir) >= (int)sizeof path) return NULL;
    struct stat st;
    if (stat(datadir, &st) != 0) return NULL;
    pthread_mutex_lock(&g_mu);
    dirlock_t *l = g_dirlocks;
    while (l && !(l->dev == st.st_dev && l->ino == st.st_ino)) l = l->next;
    if (l) {
        l->refs++;
        pthread_mutex_unlock(&g_mu);
        return l;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        log_error("store: cannot open %s: %s", path, strerror(errno));
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        log_error("store: data directory %s is in use by another gureum process", datadir);
    else if ((l = calloc(1, sizeof *l))) {
        *l = (dirlock_t){g_dirlocks, st.st_dev, st.st_ino, fd, 1};
        g_dirlocks = l;
    }
    if (!l && fd >= 0) close(fd);
    pthread_mutex_unlock(&g_mu);
    return l;
}

static void dirlock_put(dirlock_t *l)
{
    if (!l) return;
    pthread_mutex_lock(&g_mu);
    if (--l->refs == 0) {
        for (dirlock_t **pp = &g_dirlocks; *pp; pp = &(*pp)->next)
            if (*pp == l) {
                *pp = l->next;
                break;
            }
        close(l->fd);
        free(l);
    }
    pthread_mutex_unlock(&g_mu);
}

/* ==== Background checkpoints ====
 * SQLite's default is that the commit which takes the WAL past 1000 pages
 * copies them into the database file and fsyncs both, on the committing
 * thread: an event loop then stalls for the fsyncs (milliseconds each here),
 * every few hundred small writes. Here a commit past CKPT_FRAMES only flags
 * its database, and one thread per store runs the checkpoint on a connection
 * of its own. Passive checkpoints alone never let the WAL start over while
 * writes go on (a writer rewinds it only when it finds every frame copied
 * back), so under a steady stream of writes it grew without bound, with
 * SQLite's default too; past CKPT_RESTART_FRAMES the thread runs a RESTART
 * checkpoint, which holds writers off for the few frames left and lets the
 * next writer rewind. Durability is unchanged: a commit is in the WAL before
 * it is acknowledged, and checkpoints sync as the committing connection's
 * would have. Without the thread, commits checkpoint inline as SQLite does. */
/* Short WALs: a page read searches the WAL index's hash chain, where a hot
 * page (a table's root, the leaf being appended to) has an entry for every
 * commit that wrote it, so reads slowed as the WAL grew (sqlite3WalFindFrame
 * was 6 % of a PutItem at 8000 frames); and the RESTART step has fewer
 * frames to copy while writers wait. Measured on DynamoDB PutItem and 4 KiB
 * S3 PUT under wrk, 1000/8000 against 250/1000: +9 % and +10 % requests/s,
 * PutItem's p99 from 8-11 ms to 4-6 ms. */
#define CKPT_FRAMES 250
#define CKPT_RESTART_FRAMES 1000
#define WAL_SIZE_LIMIT "67108864" /* bytes a rewound WAL file is cut back to */

/* The checkpointer's busy handler: it holds the write lock while it waits
 * for readers to leave the WAL, so it polls finely rather than sleeping for
 * SQLite's milliseconds; after ~0.2 s it gives up until the next request. */
static int ckpt_busy(void *arg, int n)
{
    (void)arg;
    if (n >= 2000) return 0;
    usleep(100);
    return 1;
}

/* The request connections' busy handler. The event loops write the same
 * databases, so a write often finds another loop's write lock taken.
 * SQLite's own handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries,
 * and the other loop, which holds the lock about half the time under load,
 * kept winning: 4 KiB S3 PUTs had a p99 of 80-900 ms on this 2-core machine.
 * A transaction holds the lock for tens of microseconds, so tries here come
 * 250 µs, 500 µs and then every 1 ms (p99 9-10 ms, the same throughput).
 * Sleeping at all, rather than waking the waiter the moment the lock is
 * free, matters: a sleeping loop leaves the other a run of writes without
 * contention, where immediate wake-ups kept the two colliding on most writes
 * (a quarter more CPU per PUT). Gives up after 5 s, as before. */
#define BUSY_TIMEOUT_US 5000000
static int request_busy(void *arg, int n)
{
    (void)arg;
    static _Thread_local int64_t waited;
    if (n == 0) waited = 0;
    if (waited >= BUSY_TIMEOUT_US) return 0;
    int64_t us = n < 2 ? 250LL << n : 1000;
    usleep((useconds_t)us);
    waited += us;
    return 1;
}

/* NORMAL in WAL mode syncs only at checkpoints: a committed transaction
 * survives a crash of the process (the WAL is in the OS page cache) but may
 * be lost on power failure; FULL syncs the WAL at every commit. The
 * checkpointer's connection syncs as the committing ones would. */
static const char *sync_pragma(const store_t *s)
{
    return s->durability == DURABILITY_STRICT ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
}

static int ckpt_open(store_t *s, ckpt_db_t *d)
{
    if (d->db) return GR_OK;
    if (sqlite3_open_v2(d->path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, store__vfs()) != SQLITE_OK ||
        sqlite3_exec(d->db, sync_pragma(s), NULL, NULL, NULL) != SQLITE_OK) {
        log_error("store: checkpointer cannot open %s: %s", d->path, d->db ? sqlite3_errmsg(d->db) : "no memory");
        sqlite3_close(d->db);
        d->db = NULL;
        return GR_ERR;
    }
    sqlite3_wal_autocheckpoint(d->db, 0); /* it checkpoints when asked, never on its own commits */
    sqlite3_busy_handler(d->db, ckpt_busy, NULL);
    return GR_OK;
}

static void *ckpt_main(void *arg)
{
    store_t *s = arg;
    pthread_mutex_lock(&s->ckpt_mu);
    for (;;) {
        int i = 0;
        while (i < s->nckpt && !s->ckpt[i].pending) i++;
        if (i == s->nckpt) {
            if (s->ckpt_stop) break;
            pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
            continue;
        }
        ckpt_db_t *d = &s->ckpt[i];
        d->pending = false;
        pthread_mutex_unlock(&s->ckpt_mu);
        /* d->path and d->db are only written by this thread or before it starts. */
        int frames = 0, copied = 0;
        if (ckpt_open(s, d) == GR_OK &&
            sqlite3_wal_checkpoint_v2(d->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK &&
            frames >= CKPT_RESTART_FRAMES)
            sqlite3_wal_checkpoint_v2(d->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
        pthread_mutex_lock(&s->ckpt_mu);
        d->backfilled = copied;
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    for (int i = 0; i < s->nckpt; i++) {
        sqlite3_close(s->ckpt[i].db);
        s->ckpt[i].db = NULL;
    }
    return NULL;
}

/* The checkpointer's entry for path's database, made when the first
 * connection to it opens; NULL when there is no checkpointer thread or no
 * room, and that database then checkpoints inline as SQLite does. */
static ckpt_db_t *ckpt_register(store_t *s, const char *path)
{
    if (!s->ckpt_running || !path) return NULL;
    pthread_mutex_lock(&s->ckpt_mu);
    int i = 0;
    while (i < s->nckpt && strcmp(s->ckpt[i].path, path) != 0) i++;
    ckpt_db_t *d = i < s->nckpt ? &s->ckpt[i] : NULL;
    char *copy = !d && i < CKPT_MAX_DBS ? strdup(path) : NULL;
    if (copy) {
        d = &s->ckpt[s->nckpt++];
        *d = (ckpt_db_t){.s = s, .path = copy};
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return d;
}

/* sqlite3_wal_hook of the connections store_db opens, after each commit:
 * flags the database for the checkpointer when its WAL has CKPT_FRAMES
 * frames the last checkpoint did not copy (or was rewound since). */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db, (void)name;
    ckpt_db_t *d = arg;
    if (frames < CKPT_FRAMES) return SQLITE_OK;
    pthread_mutex_lock(&d->s->ckpt_mu);
    if (!d->pending && (frames >= d->backfilled + CKPT_FRAMES || frames < d->backfilled)) {
        d->pending = true;
        pthread_cond_signal(&d->s->ckpt_cv);
    }
    pthread_mutex_unlock(&d->s->ckpt_mu);
    return SQLITE_OK;
}

store_t *store_open(const char *datadir, durability_t d)
{
    pthread_once(&g_once, key_init);
    if (!g_key_ok) {
        log_error("store: pthread_key_create failed");
        return NULL;
    }
    if (!sqlite3_threadsafe()) {
        /* Several threads each own a connection; a single-thread SQLite build would corrupt its globals. */
        log_error("store: SQLite was built without thread support");
        return NULL;
    }
    if (!datadir || !*datadir) {
        log_error("store: empty data directory");
        return NULL;
    }
    store_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t n = strlen(datadir);
    while (n > 1 && datadir[n - 1] == '/') n--; /* "data/" and "data" name the same paths */
    s->datadir = strndup(datadir, n);
    s->durability = d;
    pthread_mutex_init(&s->open_mu, NULL);
    if (!s->datadir || mkdir_p(s->datadir) != GR_OK) goto fail;
    /* absolute from here on: the runtime hands these paths to processes
     * whose working directory is not gureum's (a machine's mounts, a
     * function's sandbox), and `--data ./data` is how make run starts */
    char *abs = realpath(s->datadir, NULL);
    if (!abs) goto fail;
    free(s->datadir);
    s->datadir = abs;
    static const char *const subdirs[] = {"meta", "blobs", "tmp"};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", s->datadir, subdirs[i]) >= (int)sizeof path) {
            log_error("store: data directory path too long: %s", s->datadir);
            goto fail;
        }
        if (mkdir_ok(path) != GR_OK) goto fail;
    }
    /* One process per data directory: the WAL-index locks live in this
     * process's memory (shm.c), so a second server on the same files would
     * corrupt them. The kernel drops the lock when the process dies. */
    if (!(s->dirlock = dirlock_take(s->datadir))) goto fail;
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);
    /* Without the thread, commits checkpoint inline as SQLite does by default. */
    s->ckpt_running = pthread_create(&s->ckpt_thread, NULL, ckpt_main, s) == 0;
    return s;
fail:
    pthread_mutex_destroy(&s->open_mu);
    free(s->datadir);
    free(s);
    return NULL;
}

const char *store_datadir(const store_t *s)
{
    return s->datadir;
}
durability_t store_durability(const store_t *s)
{
    return s->durability;
}

/* ==== Connection lists ==== */

static void close_db(conn_t *c)
{
    if (!c->db) return;
    for (int i = 0; i < STMT_CACHE; i++) {
        if (!c->cache[i].sql) continue;
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
        c->cache[i] = (cached_stmt_t){0};
    }
    int rc = sqlite3_close(c->db);
    if (rc != SQLITE_OK) {
        /* Unfinalized statements: a service bug. close_v2 frees the connection once they are. */
        log_error("store: closing %s.db: %s (statements left unfinalized?)", c->schema->service, sqlite3_errmsg(c->db));
        sqlite3_close_v2(c->db);
    }
    c->db = NULL;
}

static void store_unlink_locked(conn_t *c)
{
    if (c->sprev)
        c->sprev->snext = c->snext;
    else if (c->s)
        c->s->conns = c->snext;
    if (c->snext) c->snext->sprev = c->sprev;
    c->snext = c->sprev = NULL;
}

/* Key destructor: the thread is exiting; close what store_close has not. */
static void conns_free_thread(void *v)
{
    tconns_t *t = v;
    pthread_mutex_lock(&g_mu);
    for (conn_t *c = t->head, *next; c; c = next) {
        next = c->tnext;
        if (c->s) {
            store_unlink_locked(c);
            close_db(c);
        }
        free(c);
    }
    pthread_mutex_unlock(&g_mu);
    free(t);
}

static tconns_t *thread_conns(void)
{
    tconns_t *t = pthread_getspecific(g_key);
    if (t) return t;
    t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (pthread_setspecific(g_key, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

/* Frees this thread's entries that store_close killed; they would only pile up. */
static void prune_dead_locked(tconns_t *t)
{
    for (conn_t **pp = &t->head; *pp;) {
        conn_t *c = *pp;
        if (c->s) {
            pp = &c->tnext;
            continue;
        }
        *pp = c->tnext;
        free(c);
    }
}

void store_close(store_t *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->ckpt_mu);
    s->ckpt_stop = true;
    pthread_cond_signal(&s->ckpt_cv);
    pthread_mutex_unlock(&s->ckpt_mu);
    if (s->ckpt_running) pthread_join(s->ckpt_thread, NULL);
    for (int i = 0; i < s->nckpt; i++) free(s->ckpt[i].path); /* the thread closed their connections */
    pthread_cond_destroy(&s->ckpt_cv);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_mutex_lock(&g_mu);
    while (s->conns) {
        conn_t *c = s->conns;
        store_unlink_locked(c);
        close_db(c);
        c->s = NULL; /* its thread frees the entry (prune or exit); only that thread's list holds it */
    }
    tconns_t *t = pthread_getspecific(g_key);
    if (t) prune_dead_locked(t);
    pthread_mutex_unlock(&g_mu);
    pthread_mutex_destroy(&s->open_mu);
    dirlock_put(s->dirlock);
    free(s->datadir);
    free(s);
}

/* For tests: how many connections of s are open, across threads. */
size_t store__nconns(store_t *s);
size_t store__nconns(store_t *s)
{
    size_t n = 0;
    pthread_mutex_lock(&g_mu);
    for (conn_t *c = s->conns; c; c = c->snext) n++;
    pthread_mutex_unlock(&g_mu);
    return n;
}

#ifdef GUREUM_TESTING
/* For fault loops: routes SQLite's allocator through fault_hit("sqlite.malloc")
 * (dqlite's test heap does the same), so OOM inside SQLite is a numbered site.
 * Only while no connection is open: SQLite must be shut down to swap it. */
static sqlite3_mem_methods real_mem;

static void *faulty_malloc(int n)
{
    return fault_hit("sqlite.malloc") ? NULL : real_mem.xMalloc(n);
}
static void *faulty_realloc(void *p, int n)
{
    return fault_hit("sqlite.malloc") ? NULL : real_mem.xRealloc(p, n);
}

int store__fault_sqlite_malloc(bool on);
int store__fault_sqlite_malloc(bool on)
{
    if (!real_mem.xMalloc) {
        sqlite3_initialize(); /* the default allocator is only installed here */
        sqlite3_shutdown();
        if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK || !real_mem.xMalloc) return GR_ERR;
    }
    sqlite3_mem_methods m = real_mem;
    if (on) {
        m.xMalloc = faulty_malloc;
        m.xRealloc = faulty_realloc;
    }
    sqlite3_shutdown();
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK) return GR_ERR;
    return sqlite3_initialize() == SQLITE_OK ? GR_OK : GR_ERR;
}
#endif

/* ==== Opening and migrating ==== */

str_t store_col_str(arena_t *a, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return STR_NULL;
    return arena_str(a, str_n((const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i)));
}

sqlite3_stmt *store_stmt(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) == SQLITE_OK) return st;
    log_error("store: %s: %s: %s", sqlite3_db_filename(db, "main"), sql, sqlite3_errmsg(db));
    return NULL;
}

bool store_run(sqlite3 *db, const char *sql, const char *const *args, size_t n)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return false;
    for (size_t i = 0; i < n; i++)
        if (args[i])
            sqlite3_bind_text(st, (int)i + 1, args[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, (int)i + 1);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}

void store_bind_str(sqlite3_stmt *st, int i, str_t s)
{
    if (s.p)
        sqlite3_bind_text(st, i, s.p, (int)s.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void store_bind_blob(sqlite3_stmt *st, int i, str_t s)
{
    sqlite3_bind_blob(st, i, s.p ? s.p : "", (int)s.len, SQLITE_STATIC);
}

uint64_t store_version(sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "PRAGMA data_version");
    uint64_t v = st && sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    if (st) store_release(st);
    /* two counters in one: data_version moves by small steps */
    return v << 40 ^ (uint64_t)sqlite3_total_changes64(db);
}

int store_exec(sqlite3 *db, const char *sql)
{
    /* One statement (BEGIN, COMMIT, ...) runs from the statement cache: exec
     * would parse it again each time, on every request that opens a transaction. */
    if (!strchr(sql, ';')) {
        sqlite3_stmt *st = NULL;
        int rc = store_prepare(db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK && st) {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            }
            int rrc = store_release(st);
            if (rc == SQLITE_DONE) return GR_OK;
            if (rrc != SQLITE_OK) rc = rrc;
        }
        log_error("store: SQL failed (%s): %s; in: %.200s", sqlite3_errstr(rc), sqlite3_errmsg(db), sql);
        return GR_ERR;
    }
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) return GR_OK;
    log_error("store: SQL failed (%s): %s; in: %.200s", sqlite3_errstr(rc), msg ? msg : sqlite3_errmsg(db), sql);
    sqlite3_free(msg);
    return GR_ERR;
}

static int pragma_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return GR_OK;
    log_error("store: %s: %s", sql, sqlite3_errmsg(db));
    return GR_ERR;
}

/* Applies the migrations the file has not seen, all in one transaction, so a
 * failure (or a crash) leaves the database at its old version. BEGIN
 * IMMEDIATE takes the write lock before reading user_version, so a second
 * process racing us waits (busy_timeout) and then sees the new version. */
static int migrate(sqlite3 *db, const store_schema_t *schema)
{
    long long v = 0;
    /* Fast path, no write lock: an up-to-date file (every open after the
     * first) must not queue behind another thread's long write. */
    if (pragma_int(db, "PRAGMA user_version", &v) != GR_OK) return GR_ERR;
    if (v >= 0 && (unsigned long long)v == schema->nmigrations) return GR_OK;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    if (pragma_int(db, "PRAGMA user_version", &v) != GR_OK) goto fail;
    if (v < 0 || (unsigned long long)v > schema->nmigrations) {
        log_error("store: %s.db is at schema version %lld but this build knows %zu; refusing to open a newer database",
                  schema->service, v, schema->nmigrations);
        goto fail;
    }
    if ((size_t)v == schema->nmigrations) return store_exec(db, "COMMIT");
    for (size_t i = (size_t)v; i < schema->nmigrations; i++) {
        if (store_exec(db, schema->migrations[i]) != GR_OK) {
            log_error("store: %s.db: migration %zu failed", schema->service, i + 1);
            goto fail;
        }
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %zu", schema->nmigrations);
    if (store_exec(db, sql) != GR_OK || store_exec(db, "COMMIT") != GR_OK) goto fail;
    log_info("store: %s.db migrated from version %lld to %zu", schema->service, v, schema->nmigrations);
    return GR_OK;
fail:
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return GR_ERR;
}

/* A service name becomes a file name, so it must be a plain word. */
static bool service_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 64) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return false;
    return true;
}

static sqlite3 *open_db(store_t *s, const store_schema_t *schema)
{
    if (!service_name_ok(schema->service)) {
        log_error("store: bad service name in schema");
        return NULL;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/meta/%s.db", s->datadir, schema->service) >= (int)sizeof path) {
        log_error("store: path too long for %s.db", schema->service);
        return NULL;
    }
    if (fault_hit("db.open")) {
        log_error("store: cannot open %s: injected fault", path);
        return NULL;
    }
    sqlite3 *db = NULL;
    /* NOMUTEX: the connection never leaves this thread (see the invariant above). */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, store__vfs());
    if (rc != SQLITE_OK) {
        log_error("store: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_handler(db, request_busy, NULL);
    const char *sync = sync_pragma(s);
    long long fk = 0;
    sqlite3_stmt *st = NULL;
    bool wal = false;
    /* Switching a new file to WAL takes its exclusive lock without SQLite's
     * busy handler, so a connection of another store opening the same new
     * file at that moment (tests open two) is told "locked": retry briefly. */
    for (int tries = 0; !wal && tries < 200; tries++) {
        int rc = SQLITE_ERROR;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
            (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(st, 0);
            wal = mode && strcmp(mode, "wal") == 0;
        }
        sqlite3_finalize(st);
        st = NULL;
        if (wal || (rc & 0xff) != SQLITE_BUSY) break;
        usleep(10000);
    }
    if (!wal) {
        log_error("store: %s: cannot switch to WAL mode: %s", path, sqlite3_errmsg(db));
        goto fail;
    }
    if (store_exec(db, sync) != GR_OK || store_exec(db, "PRAGMA foreign_keys=ON") != GR_OK ||
        store_exec(db, "PRAGMA journal_size_limit=" WAL_SIZE_LIMIT) != GR_OK ||
        pragma_int(db, "PRAGMA foreign_keys", &fk) != GR_OK || fk != 1) {
        log_error("store: %s: cannot configure the connection", path);
        goto fail;
    }
    if (migrate(db, schema) != GR_OK) goto fail;
    ckpt_db_t *cd = ckpt_register(s, sqlite3_db_filename(db, "main"));
    if (cd) sqlite3_wal_hook(db, ckpt_hook, cd); /* else SQLite's own checkpoint after 1000 frames stays */
    return db;
fail:
    sqlite3_close(db);
    return NULL;
}

sqlite3 *store_db(store_t *s, const store_schema_t *schema)
{
    tconns_t *t = thread_conns();
    if (!t) {
        log_error("store: out of memory");
        return NULL;
    }
    /* Only this thread adds to or frees from its list, so the lookup needs no lock. */
    for (conn_t *c = t->head; c; c = c->tnext)
        if (c->s == s && c->schema == schema) return c->db;

    conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        log_error("store: out of memory");
        return NULL;
    }
    pthread_mutex_lock(&s->open_mu);
    c->db = open_db(s, schema);
    pthread_mutex_unlock(&s->open_mu);
    if (!c->db) {
        free(c);
        return NULL;
    }
    c->s = s;
    c->schema = schema;
    pthread_mutex_lock(&g_mu);
    prune_dead_locked(t);
    c->tnext = t->head;
    t->head = c;
    c->snext = s->conns;
    if (s->conns) s->conns->sprev = c;
    s->conns = c;
    pthread_mutex_unlock(&g_mu);
    return c->db;
}

/* ==== Prepared-statement cache ====
 * Preparing is the largest single cost of a small request (a third of a 4 KiB
 * S3 GET), and a service runs the same few statements again and again. Each
 * connection keeps up to STMT_CACHE statements by SQL text; only the
 * connection's own thread touches them, like the connection itself. A
 * statement in use is never handed out twice: a nested use of the same text
 * (or a full cache) gets a statement of its own, finalized on release. */

static conn_t *conn_of(sqlite3 *db)
{
    tconns_t *t = g_key_ok ? pthread_getspecific(g_key) : NULL;
    for (conn_t *c = t ? t->head : NULL; c; c = c->tnext)
        if (c->db == db && c->s) return c;
    return NULL;
}

/* A quick filter before the full comparison, not an identity: the length and
 * 24 bytes from the start, middle and end of the text. Hashing every byte of
 * the SQL (a few hundred) was a percent of a small S3 GET. */
static uint64_t text_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n; /* FNV-1a over the samples */
    size_t at[3] = {0, n / 2, n > 8 ? n - 8 : 0};
    for (int k = 0; k < 3; k++)
        for (size_t i = at[k]; i < at[k] + 8 && i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

int store_prepare(sqlite3 *db, const char *sql, int nbyte, sqlite3_stmt **st, const char **tail)
{
    conn_t *c = tail ? NULL : conn_of(db); /* a caller walking several statements prepares plainly */
    if (!c) return sqlite3_prepare_v2(db, sql, nbyte, st, tail);
    size_t len = nbyte < 0 ? strlen(sql) : (size_t)nbyte;
    uint64_t h = text_hash(sql, len);
    cached_stmt_t *free_slot = NULL;
    for (int i = 0; i < STMT_CACHE; i++) {
        cached_stmt_t *e = &c->cache[i];
        if (!e->sql) {
            if (!free_slot) free_slot = e;
            continue;
        }
        if (!e->busy && e->hash == h && e->len == len && memcmp(e->sql, sql, len) == 0) {
            e->busy = true;
            *st = e->st;
            return SQLITE_OK;
        }
    }
    int rc = sqlite3_prepare_v2(db, sql, (int)len, st, NULL);
    if (rc != SQLITE_OK || !*st) return rc;
    cached_stmt_t *e = free_slot;
    for (int k = 0; !e && k < STMT_CACHE; k++) { /* full: evict one not in use */
        cached_stmt_t *v = &c->cache[c->evict++ % STMT_CACHE];
        if (v->busy) continue;
        sqlite3_finalize(v->st);
        free(v->sql);
        *v = (cached_stmt_t){0};
        e = v;
    }
    char *copy = e ? malloc(len + 1) : NULL;
    if (!copy) return SQLITE_OK; /* uncached: store_release finalizes it */
    memcpy(copy, sql, len);
    copy[len] = 0;
    *e = (cached_stmt_t){.sql = copy, .len = len, .hash = h, .st = *st, .busy = true};
    return SQLITE_OK;
}

int store_release(sqlite3_stmt *st)
{
    if (!st) return SQLITE_OK;
    conn_t *c = conn_of(sqlite3_db_handle(st));
    for (int i = 0; c && i < STMT_CACHE; i++) {
        cached_stmt_t *e = &c->cache[i];
        if (e->sql && e->st == st) {
            int rc = sqlite3_reset(st); /* the last step's error, as finalize would report it */
            sqlite3_clear_bindings(st);
            e->busy = false;
            return rc;
        }
    }
    return sqlite3_finalize(st);
}
