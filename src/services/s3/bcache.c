/* bcache.c — each event loop's cache of the bucket facts every S3 request
 * reads: the bucket's row (owner account, region) and its configuration
 * documents (s3_bucket_config: policy, ACL, ownership, public access block,
 * ...) and its versioning state (s3_bucket_versioning). Reading them was
 * three SQLite statements and a fifth of the server's own work on a 4 KiB GET.
 *
 * Invariant: an entry is never newer-looking than what it holds. A
 * process-wide generation is bumped whenever one of those tables
 * changes (s3__bcache_changed: at the write, and again after its COMMIT,
 * since a reader must not see the old rows under the new generation), and an
 * entry records the generation read before the snapshot its SELECT saw was
 * taken: before the SELECT outside a transaction, before BEGIN inside one
 * (s3__begin, s3__begin_read). Hits are copied into the request's arena;
 * entries are freed when their thread ends. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "s3_internal.h"

static _Atomic uint64_t gen = 1;
static __thread bool changed_in_txn; /* this thread wrote bucket rows in its open transaction */
static __thread uint64_t txn_gen;    /* the generation before this thread's open transaction began, or 0 */

uint64_t s3__bcache_gen(sqlite3 *db)
{
    /* In a transaction the snapshot may be older than now: a row read there
     * is as new as the transaction's start (0, never valid, for one not
     * opened through s3__begin/s3__begin_read). */
    return !db || sqlite3_get_autocommit(db) ? atomic_load(&gen) : txn_gen;
}

void s3__bcache_changed(sqlite3 *db)
{
    atomic_fetch_add(&gen, 1);
    if (db && !sqlite3_get_autocommit(db)) changed_in_txn = true;
}

void s3__bcache_txn_begin(void)
{
    txn_gen = atomic_load(&gen);
}

void s3__bcache_txn_end(void)
{
    txn_gen = 0;
    if (changed_in_txn) {
        changed_in_txn = false;
        atomic_fetch_add(&gen, 1);
    }
}

#define BCACHE 8
#define BCACHE_CFG 24

typedef struct {
    char *bucket;
    size_t blen;
    uint64_t owner_gen, cfg_gen, vers_gen; /* 0: that part not held */
    int vers;
    bool lock;
    char *account, *region;
    int ncfg;
    char *kind[BCACHE_CFG], *doc[BCACHE_CFG];
    size_t doclen[BCACHE_CFG];
} entry_t;

static __thread entry_t cache[BCACHE];
static __thread unsigned next_slot;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void cfg_free(entry_t *e)
{
    for (int i = 0; i < e->ncfg; i++) {
        free(e->kind[i]);
        free(e->doc[i]);
    }
    e->ncfg = 0;
    e->cfg_gen = 0;
}

static void entry_free(entry_t *e)
{
    cfg_free(e);
    free(e->bucket);
    free(e->account);
    free(e->region);
    memset(e, 0, sizeof *e);
}

static void thread_exit(void *arg)
{
    (void)arg;
    for (int i = 0; i < BCACHE; i++) entry_free(&cache[i]);
}

static void exit_init(void)
{
    pthread_key_create(&exit_key, thread_exit);
}

static entry_t *find(str_t bucket)
{
    for (int i = 0; i < BCACHE; i++)
        if (cache[i].bucket && cache[i].blen == bucket.len && !memcmp(cache[i].bucket, bucket.p, bucket.len))
            return &cache[i];
    return NULL;
}

/* The bucket's entry, made (evicting the oldest) when absent; NULL when out of memory. */
static entry_t *slot(str_t bucket)
{
    entry_t *e = find(bucket);
    if (e) return e;
    pthread_once(&exit_once, exit_init);
    pthread_setspecific(exit_key, cache); /* any non-NULL value: the destructor frees this thread's entries */
    e = &cache[next_slot++ % BCACHE];
    entry_free(e);
    if (!(e->bucket = malloc(bucket.len + 1))) return NULL;
    memcpy(e->bucket, bucket.p, bucket.len);
    e->bucket[bucket.len] = 0;
    e->blen = bucket.len;
    return e;
}

/* g is current: nothing changed since the snapshot the rows came from */
static bool fillable(uint64_t g)
{
    return g && g == atomic_load(&gen);
}

bool s3__bcache_owner(req_t *r, str_t bucket, str_t *account, str_t *region)
{
    entry_t *e = find(bucket);
    if (!e || !e->owner_gen || e->owner_gen != atomic_load(&gen)) return false;
    *account = arena_str(r->arena, str_c(e->account));
    if (region) *region = arena_str(r->arena, str_c(e->region));
    return account->p && (!region || region->p);
}

void s3__bcache_put_owner(uint64_t g, str_t bucket, str_t account, str_t region)
{
    if (!fillable(g) || !account.p || !region.p) return;
    entry_t *e = slot(bucket);
    if (!e) return;
    free(e->account);
    free(e->region);
    e->account = strndup(account.p, account.len);
    e->region = strndup(region.p, region.len);
    e->owner_gen = e->account && e->region ? g : 0;
}

int s3__bcache_cfg(req_t *r, str_t bucket, int max, str_t *kind, str_t *doc)
{
    entry_t *e = find(bucket);
    if (!e || !e->cfg_gen || e->cfg_gen != atomic_load(&gen) || e->ncfg > max) return -1;
    for (int i = 0; i < e->ncfg; i++) {
        kind[i] = arena_str(r->arena, str_c(e->kind[i]));
        doc[i] = arena_str(r->arena, str_n(e->doc[i], e->doclen[i]));
        if (!kind[i].p || !doc[i].p) return -1;
    }
    return e->ncfg;
}

void s3__bcache_put_cfg(uint64_t g, str_t bucket, int n, const str_t *kind, const str_t *doc)
{
    if (!fillable(g) || n > BCACHE_CFG) return;
    entry_t *e = slot(bucket);
    if (!e) return;
    cfg_free(e);
    for (int i = 0; i < n; i++) {
        e->kind[i] = strndup(kind[i].p ? kind[i].p : "", kind[i].len);
        e->doc[i] = malloc(doc[i].len + 1);
        e->ncfg = i + 1;
        if (!e->kind[i] || !e->doc[i]) {
            cfg_free(e);
            return;
        }
        if (doc[i].len) memcpy(e->doc[i], doc[i].p, doc[i].len);
        e->doc[i][doc[i].len] = 0;
        e->doclen[i] = doc[i].len;
    }
    e->cfg_gen = g;
}

int s3__bcache_vers(str_t bucket, bool *lock)
{
    entry_t *e = find(bucket);
    if (!e || !e->vers_gen || e->vers_gen != atomic_load(&gen)) return -2;
    if (lock) *lock = e->lock;
    return e->vers;
}

void s3__bcache_put_vers(uint64_t g, str_t bucket, int vers, bool lock)
{
    if (!fillable(g)) return;
    entry_t *e = slot(bucket);
    if (!e) return;
    e->vers = vers;
    e->lock = lock;
    e->vers_gen = g;
}
