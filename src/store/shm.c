/* shm.c — the SQLite VFS the store opens its databases with: SQLite's own
 * "unix" VFS, except that the WAL index locks (xShmLock) are kept in this
 * process's memory instead of in POSIX record locks on the -shm file.
 *
 * Why: every read transaction takes and drops a WAL read lock, which the unix
 * VFS does with fcntl(2) on the -shm file; on a 4 KiB S3 GET or a DynamoDB
 * GetItem those two system calls (and the kernel's lock list they contend on)
 * were a tenth of the request. Shared (read) locks stay in memory; exclusive
 * ones are taken in memory and then in the unix VFS too, so another process
 * that only reads (a test, the sqlite3 shell) still holds off checkpoints and
 * WAL restarts. Another writer would not be safe: store_open holds an
 * exclusive flock on DATA/.lock for the life of the store, so a second gureum
 * on the same data directory is refused. The DMS lock (who rebuilds the WAL
 * index after a crash) is left to the unix VFS.
 *
 * It also gathers a WAL file's frame writes into one write per commit (see
 * "Gathered WAL writes" below). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* The locks of one database's WAL index, shared by its connections. */
typedef struct shm_node {
    struct shm_node *next;
    char *path;
    int refs;
    pthread_mutex_t mu;
    const void *excl[SQLITE_SHM_NLOCK]; /* holder of each exclusive lock, NULL if none */
    int shared[SQLITE_SHM_NLOCK];       /* holders of each shared lock */
} shm_node_t;

/* Our file: the unix VFS's file follows it in the same allocation. */
typedef struct {
    sqlite3_file base;
    shm_node_t *node; /* main databases only */
    unsigned shared_mask, excl_mask;
    sqlite3_file *real;
    /* WAL files: contiguous writes not yet in the file (see g_write). */
    bool wal;
    bool commit_next; /* the next write completes a commit frame */
    char *wbuf;
    size_t wlen, wcap;
    sqlite3_int64 woff; /* file offset of wbuf[0] */
} gfile_t;

#define STORE_VFS "gureum"

static sqlite3_vfs *g_unix;
static sqlite3_vfs g_vfs;
static pthread_mutex_t g_nodes_mu = PTHREAD_MUTEX_INITIALIZER;
static shm_node_t *g_nodes;

#define REAL(f) (((gfile_t *)(f))->real)
/* The locks a read-only process takes or must see (SQLite's wal.c: 0 is the
 * write lock, 1 the checkpoint lock, 2 recovery, 3.. the read marks): only
 * exclusive locks among these also go to the unix VFS. A reader never takes
 * the write or checkpoint lock, so a commit's write lock costs no system call. */
#define FOREIGN (((1u << SQLITE_SHM_NLOCK) - 1) & ~3u)
#define GFILE_SIZE ((sizeof(gfile_t) + 15) & ~(size_t)15) /* the real file starts here, aligned */

static shm_node_t *node_get(const char *path)
{
    pthread_mutex_lock(&g_nodes_mu);
    shm_node_t *n = g_nodes;
    while (n && strcmp(n->path, path) != 0) n = n->next;
    if (n) {
        n->refs++;
    } else if ((n = calloc(1, sizeof *n)) && (n->path = strdup(path))) {
        n->refs = 1;
        pthread_mutex_init(&n->mu, NULL);
        n->next = g_nodes;
        g_nodes = n;
    } else {
        free(n);
        n = NULL;
    }
    pthread_mutex_unlock(&g_nodes_mu);
    return n;
}

static void node_put(shm_node_t *n)
{
    if (!n) return;
    pthread_mutex_lock(&g_nodes_mu);
    if (--n->refs == 0) {
        for (shm_node_t **pp = &g_nodes; *pp; pp = &(*pp)->next)
            if (*pp == n) {
                *pp = n->next;
                break;
            }
        pthread_mutex_destroy(&n->mu);
        free(n->path);
        free(n);
    }
    pthread_mutex_unlock(&g_nodes_mu);
}

/* Drops whatever f holds in [ofst, ofst+n); under node->mu. */
static void release_locked(gfile_t *f, int ofst, int n)
{
    for (int i = ofst; i < ofst + n; i++) {
        unsigned bit = 1u << i;
        if (f->excl_mask & bit) f->node->excl[i] = NULL;
        if (f->shared_mask & bit) f->node->shared[i]--;
        f->excl_mask &= ~bit;
        f->shared_mask &= ~bit;
    }
}

static int g_shm_lock(sqlite3_file *pf, int ofst, int n, int flags)
{
    gfile_t *f = (gfile_t *)pf;
    sqlite3_file *real = REAL(pf);
    if (!f->node) return real->pMethods->xShmLock(real, ofst, n, flags);
    if (ofst < 0 || n < 1 || ofst + n > SQLITE_SHM_NLOCK) return SQLITE_IOERR_SHMLOCK;
    shm_node_t *nd = f->node;
    unsigned range = ((1u << (ofst + n)) - 1) & ~((1u << ofst) - 1);
    int rc = SQLITE_OK;
    pthread_mutex_lock(&nd->mu);
    if (flags & SQLITE_SHM_UNLOCK) {
        /* exclusive locks were also taken in the unix VFS (below) */
        if (f->excl_mask & range & FOREIGN)
            rc = real->pMethods->xShmLock(real, ofst, n, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
        release_locked(f, ofst, n);
    } else if (flags & SQLITE_SHM_SHARED) {
        for (int i = ofst; i < ofst + n && rc == SQLITE_OK; i++)
            if (nd->excl[i] && nd->excl[i] != f) rc = SQLITE_BUSY;
        for (int i = ofst; i < ofst + n && rc == SQLITE_OK; i++) {
            unsigned bit = 1u << i;
            if ((f->shared_mask | f->excl_mask) & bit) continue;
            nd->shared[i]++;
            f->shared_mask |= bit;
        }
    } else { /* exclusive: nobody else may hold any of the range */
        for (int i = ofst; i < ofst + n && rc == SQLITE_OK; i++) {
            int mine = (f->shared_mask >> i) & 1;
            if ((nd->excl[i] && nd->excl[i] != f) || nd->shared[i] - mine > 0) rc = SQLITE_BUSY;
        }
        /* Exclusive locks on recovery and the read marks (rare next to read
         * locks) also go through the unix VFS's record locks, so a process
         * that opens a database to read it (a test, the sqlite3 shell) holds
         * off checkpoints and WAL restarts as it should. */
        if (rc == SQLITE_OK && (range & FOREIGN))
            rc = real->pMethods->xShmLock(real, ofst, n, SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE);
        for (int i = ofst; i < ofst + n && rc == SQLITE_OK; i++) {
            unsigned bit = 1u << i;
            if (f->shared_mask & bit) nd->shared[i]--, f->shared_mask &= ~bit;
            nd->excl[i] = f;
            f->excl_mask |= bit;
        }
    }
    pthread_mutex_unlock(&nd->mu);
    return rc;
}

/* Everything f holds, as SQLite's own unlocks would drop it. */
static void release_all(gfile_t *f)
{
    pthread_mutex_lock(&f->node->mu);
    for (int i = 0; i < SQLITE_SHM_NLOCK; i++)
        if (f->excl_mask & FOREIGN & (1u << i))
            f->real->pMethods->xShmLock(f->real, i, 1, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
    release_locked(f, 0, SQLITE_SHM_NLOCK);
    pthread_mutex_unlock(&f->node->mu);
}

static int g_shm_unmap(sqlite3_file *pf, int del)
{
    gfile_t *f = (gfile_t *)pf;
    if (f->node) release_all(f);
    return REAL(pf)->pMethods->iVersion >= 2 ? REAL(pf)->pMethods->xShmUnmap(REAL(pf), del) : SQLITE_OK;
}

static int wal_flush(gfile_t *f);

static int g_close(sqlite3_file *pf)
{
    gfile_t *f = (gfile_t *)pf;
    int frc = wal_flush(f);
    free(f->wbuf);
    f->wbuf = NULL;
    f->wcap = 0;
    if (f->node) {
        release_all(f);
        node_put(f->node);
        f->node = NULL;
    }
    int rc = REAL(pf)->pMethods->xClose(REAL(pf));
    return frc != SQLITE_OK ? frc : rc;
}

/* ==== Gathered WAL writes ====
 * SQLite writes a WAL frame as two writes, its 24-byte header and then the
 * page, so a commit of n pages cost 2n pwrite calls (a fifth of a 4 KiB S3
 * PUT). A WAL file's contiguous writes are gathered here and reach the file
 * in one write as soon as the commit frame is complete (its header's second
 * word, the database size after the commit, is non-zero only there), and
 * before anything else touches the file (read, sync, size, truncate, locks,
 * file controls, close). So a commit is in the file before SQLite's
 * sqlite3WalFrames returns, and before the WAL index shows it to readers,
 * exactly as without gathering; only the frames of a transaction not yet
 * committed wait in memory, and no reader may see those anyway. */
#define WAL_FRAME_HDR 24
/* The unix VFS writes at most 128 KiB - 1 in one call (seekAndWriteFd masks
 * the length with 0x1ffff), and a longer one comes back short: SQLITE_FULL. */
#define WAL_GATHER_MAX (96u << 10)

static int wal_flush(gfile_t *f)
{
    if (!f->wlen) return SQLITE_OK;
    size_t n = f->wlen;
    f->wlen = 0;
    return f->real->pMethods->xWrite(f->real, f->wbuf, (int)n, f->woff);
}

static int g_write(sqlite3_file *pf, const void *p, int n, sqlite3_int64 o)
{
    gfile_t *f = (gfile_t *)pf;
    if (!f->wal) return REAL(pf)->pMethods->xWrite(REAL(pf), p, n, o);
    int rc;
    if (f->wlen && (o != f->woff + (sqlite3_int64)f->wlen || f->wlen + (size_t)n > WAL_GATHER_MAX) &&
        (rc = wal_flush(f)) != SQLITE_OK)
        return rc;
    if (f->wlen + (size_t)n > f->wcap) {
        size_t cap = WAL_GATHER_MAX;
        char *nb = cap >= f->wlen + (size_t)n ? realloc(f->wbuf, cap) : NULL;
        if (!nb) { /* too big to gather, or no memory: straight to the file */
            if ((rc = wal_flush(f)) != SQLITE_OK) return rc;
            f->commit_next = false;
            return REAL(pf)->pMethods->xWrite(REAL(pf), p, n, o);
        }
        f->wbuf = nb, f->wcap = cap;
    }
    if (!f->wlen) f->woff = o;
    memcpy(f->wbuf + f->wlen, p, (size_t)n);
    f->wlen += (size_t)n;
    if (f->commit_next) {
        f->commit_next = false;
        return wal_flush(f);
    }
    const unsigned char *h = p;
    if (n == WAL_FRAME_HDR && (h[4] | h[5] | h[6] | h[7])) f->commit_next = true;
    return SQLITE_OK;
}

/* Every other method writes out what g_write gathered first. */
#define FLUSHED(pf)                                                                                                    \
    do {                                                                                                               \
        int frc_ = wal_flush((gfile_t *)(pf));                                                                         \
        if (frc_ != SQLITE_OK) return frc_;                                                                            \
    } while (0)

/* The rest forward to the unix VFS's file. */
static int g_read(sqlite3_file *f, void *p, int n, sqlite3_int64 o)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xRead(REAL(f), p, n, o);
}
static int g_truncate(sqlite3_file *f, sqlite3_int64 sz)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xTruncate(REAL(f), sz);
}
static int g_sync(sqlite3_file *f, int flags)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int g_file_size(sqlite3_file *f, sqlite3_int64 *sz)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xFileSize(REAL(f), sz);
}
static int g_lock(sqlite3_file *f, int l)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int g_unlock(sqlite3_file *f, int l)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int g_check_reserved(sqlite3_file *f, int *out)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int g_file_control(sqlite3_file *f, int op, void *arg)
{
    FLUSHED(f);
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int g_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int g_device_chars(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int g_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    if (REAL(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static void g_shm_barrier(sqlite3_file *f)
{
    if (REAL(f)->pMethods->iVersion >= 2) REAL(f)->pMethods->xShmBarrier(REAL(f));
}
/* Memory-mapped reads are optional: without them, *pp = NULL says "read instead". */
static int g_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
    FLUSHED(f);
    if (REAL(f)->pMethods->iVersion < 3) return *pp = NULL, SQLITE_OK;
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp);
}
static int g_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    if (REAL(f)->pMethods->iVersion < 3) return SQLITE_OK;
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

static const sqlite3_io_methods g_methods = {
    3,          g_close,       g_read,           g_write,        g_truncate,    g_sync,         g_file_size,
    g_lock,     g_unlock,      g_check_reserved, g_file_control, g_sector_size, g_device_chars, g_shm_map,
    g_shm_lock, g_shm_barrier, g_shm_unmap,      g_fetch,        g_unfetch,
};

static int g_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *out_flags)
{
    gfile_t *f = (gfile_t *)pf;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)((char *)pf + GFILE_SIZE);
    int rc = g_unix->xOpen(g_unix, name, f->real, flags, out_flags);
    /* SQLite calls xClose on a file with methods even when xOpen failed. */
    f->base.pMethods = f->real->pMethods ? &g_methods : NULL;
    if (rc != SQLITE_OK || !f->real->pMethods) return rc;
    f->wal = flags & SQLITE_OPEN_WAL;
    if ((flags & SQLITE_OPEN_MAIN_DB) && name && f->real->pMethods->iVersion >= 2) {
        f->node = node_get(name);
        if (!f->node) return SQLITE_NOMEM; /* closed by SQLite through g_close */
    }
    return SQLITE_OK;
}

static int g_delete(sqlite3_vfs *v, const char *name, int sync)
{
    return g_unix->xDelete(g_unix, name, sync);
}
static int g_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    return g_unix->xAccess(g_unix, name, flags, out);
}
static int g_full_path(sqlite3_vfs *v, const char *name, int n, char *out)
{
    return g_unix->xFullPathname(g_unix, name, n, out);
}
static int g_randomness(sqlite3_vfs *v, int n, char *out)
{
    return g_unix->xRandomness(g_unix, n, out);
}
static int g_sleep(sqlite3_vfs *v, int us)
{
    return g_unix->xSleep(g_unix, us);
}
static int g_current_time(sqlite3_vfs *v, double *t)
{
    return g_unix->xCurrentTime(g_unix, t);
}
static int g_last_error(sqlite3_vfs *v, int n, char *out)
{
    return g_unix->xGetLastError ? g_unix->xGetLastError(g_unix, n, out) : 0;
}
static int g_current_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
    return g_unix->xCurrentTimeInt64(g_unix, t);
}

static void *g_dlopen(sqlite3_vfs *v, const char *name)
{
    return g_unix->xDlOpen(g_unix, name);
}
static void g_dlerror(sqlite3_vfs *v, int n, char *out)
{
    g_unix->xDlError(g_unix, n, out);
}
static void (*g_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    return g_unix->xDlSym(g_unix, h, sym);
}
static void g_dlclose(sqlite3_vfs *v, void *h)
{
    g_unix->xDlClose(g_unix, h);
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static bool g_ok;

static void vfs_init(void)
{
    g_unix = sqlite3_vfs_find("unix");
    if (!g_unix || g_unix->iVersion < 2 || !g_unix->xCurrentTimeInt64) return;
    g_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)(GFILE_SIZE + (size_t)g_unix->szOsFile),
        .mxPathname = g_unix->mxPathname,
        .zName = STORE_VFS,
        .xOpen = g_open,
        .xDelete = g_delete,
        .xAccess = g_access,
        .xFullPathname = g_full_path,
        .xDlOpen = g_dlopen,
        .xDlError = g_dlerror,
        .xDlSym = g_dlsym,
        .xDlClose = g_dlclose,
        .xRandomness = g_randomness,
        .xSleep = g_sleep,
        .xCurrentTime = g_current_time,
        .xGetLastError = g_last_error,
        .xCurrentTimeInt64 = g_current_time64,
    };
    g_ok = sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
}

const char *store__vfs(void)
{
    pthread_once(&g_once, vfs_init);
    return g_ok ? STORE_VFS : NULL;
}
