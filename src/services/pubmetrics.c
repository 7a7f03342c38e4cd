/* pubmetrics.c — services' own CloudWatch metrics, aggregated per thread and
 * flushed by the ticker (see pubmetrics.h).
 *
 * Each thread that publishes gets a shard: a chained hash table of
 * aggregates keyed by the metric's identity and minute, behind a mutex that
 * only the flush ever contends for. The flush swaps each shard's table for an
 * empty one under that mutex and publishes outside it, so a request never
 * waits on the store. A key is the metric's identity in one byte string:
 * each field (account, region, namespace, metric, unit, then each
 * dimension's name and value) as a 2-byte length and its bytes. */
#include "services/pubmetrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/gtime.h"
#include "core/log.h"
#include "services/app.h"
#include "services/cloudwatch/metrics.h"

#define KEY_MAX 2048       /* a longer identity (names are at most 255, values 1024) is dropped */
#define SAMPLE_MAX 256     /* values kept per aggregate for percentiles: a uniform sample beyond */
#define FLUSH_MS 60000     /* AWS: standard-resolution metrics are published once a minute */
#define RECENT_MS 21600000 /* what pubm_recent may be asked about: AWS's 6 hours of queue activity */

/* One aggregate: n observations of one metric in one minute. */
typedef struct agg {
    struct agg *next; /* hash chain, then the flush's list */
    uint64_t hash;
    int64_t minute_ms;
    double n, sum, min, max;
    double *vals; /* kept values (keep): at most SAMPLE_MAX, a uniform sample of the n */
    uint32_t nvals;
    uint16_t klen;
    char key[];
} agg_t;

typedef struct shard {
    struct shard *next; /* pubm_t's list */
    pthread_mutex_t mu;
    agg_t **slots;
    size_t nslots, count;
    uint64_t rng; /* xorshift state for the sample */
} shard_t;

/* A resource (account, region, namespace, dimensions) some flush published
 * for, and when: pubm_recent. Touched by the flush and the ticker only. */
typedef struct seen {
    struct seen *next;
    uint64_t hash;
    int64_t last_ms;
    uint16_t klen;
    char key[];
} seen_t;

#define SEEN_SLOTS 1024

struct pubm {
    uint64_t gen;       /* tells a thread's cached shard of an earlier pubm_t apart */
    pthread_mutex_t mu; /* shards list, last_ms */
    shard_t *shards;
    int64_t last_ms;
    seen_t *seen[SEEN_SLOTS];
};

static atomic_uint_fast64_t gens;
static _Thread_local shard_t *tl_shard;
static _Thread_local uint64_t tl_gen;

pubm_t *pubm_new(void)
{
    pubm_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->gen = atomic_fetch_add(&gens, 1) + 1;
    pthread_mutex_init(&m->mu, NULL);
    m->last_ms = time_now_us() / 1000;
    return m;
}

static void agg_free_list(agg_t *a)
{
    while (a) {
        agg_t *next = a->next;
        free(a->vals);
        free(a);
        a = next;
    }
}

void pubm_free(pubm_t *m)
{
    if (!m) return;
    for (shard_t *s = m->shards, *next; s; s = next) {
        next = s->next;
        for (size_t i = 0; i < s->nslots; i++) agg_free_list(s->slots[i]);
        free(s->slots);
        pthread_mutex_destroy(&s->mu);
        free(s);
    }
    for (size_t i = 0; i < SEEN_SLOTS; i++)
        for (seen_t *x = m->seen[i], *next; x; x = next) {
            next = x->next;
            free(x);
        }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* ==== Keys ==== */

static bool put_field(char *k, size_t *n, const char *p, size_t len)
{
    if (len > 0xffff || *n + 2 + len > KEY_MAX) return false;
    k[(*n)++] = (char)(len >> 8);
    k[(*n)++] = (char)(len & 0xff);
    memcpy(k + *n, p, len);
    *n += len;
    return true;
}

/* Reads the field at *off of key k (klen bytes) into *out. */
static bool get_field(const char *k, size_t klen, size_t *off, str_t *out)
{
    if (*off + 2 > klen) return false;
    size_t len = ((size_t)(unsigned char)k[*off] << 8) | (unsigned char)k[*off + 1];
    if (*off + 2 + len > klen) return false;
    *out = str_n(k + *off + 2, len);
    *off += 2 + len;
    return true;
}

/* account, region, ns, then each dimension: the resource part of a key. */
static bool put_resource(char *k, size_t *n, str_t account, str_t region, const char *ns, const pubm_dim_t *dims,
                         size_t ndims)
{
    if (!put_field(k, n, account.p, account.len) || !put_field(k, n, region.p, region.len) ||
        !put_field(k, n, ns, strlen(ns)))
        return false;
    for (size_t i = 0; i < ndims; i++)
        if (!put_field(k, n, dims[i].name, strlen(dims[i].name)) ||
            !put_field(k, n, dims[i].value.p, dims[i].value.len))
            return false;
    return true;
}

/* Eight bytes a step (a byte-at-a-time FNV was a third of pubm_add's cost
 * in bench/pubmetrics): multiply-xorshift mixing, then a final avalanche. */
static uint64_t hash_of(const char *k, size_t n, int64_t minute)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)minute ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, k + i, n - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 32);
}

/* The current minute's start (ms): the coarse clock is exact enough for a
 * minute and costs a fraction of a precise read. */
static int64_t this_minute_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (int64_t)ts.tv_sec / 60 * 60000;
}

/* ==== Adding ==== */

static shard_t *this_shard(pubm_t *m)
{
    if (tl_shard && tl_gen == m->gen) return tl_shard;
    shard_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->nslots = 64;
    s->slots = calloc(s->nslots, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->rng = (uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ULL | 1;
    pthread_mutex_lock(&m->mu);
    s->next = m->shards;
    m->shards = s;
    pthread_mutex_unlock(&m->mu);
    tl_shard = s;
    tl_gen = m->gen;
    return s;
}

static void grow(shard_t *s)
{
    size_t n = s->nslots * 2;
    agg_t **slots = calloc(n, sizeof *slots);
    if (!slots) return; /* longer chains, still correct */
    for (size_t i = 0; i < s->nslots; i++)
        for (agg_t *a = s->slots[i], *next; a; a = next) {
            next = a->next;
            a->next = slots[a->hash & (n - 1)];
            slots[a->hash & (n - 1)] = a;
        }
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
}

static uint64_t next_rand(shard_t *s)
{
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return s->rng = x;
}

/* Adds value to a (under s's lock). */
static void observe(shard_t *s, agg_t *a, double value, bool keep)
{
    a->n += 1;
    a->sum += value;
    if (value < a->min) a->min = value;
    if (value > a->max) a->max = value;
    if (!keep) return;
    if (!a->vals) {
        a->vals = malloc(SAMPLE_MAX * sizeof *a->vals);
        if (!a->vals) return;
    }
    if (a->nvals < SAMPLE_MAX) {
        a->vals[a->nvals++] = value;
        return;
    }
    /* Reservoir sampling (Vitter's algorithm R): each of the n values is
     * kept with the same probability, so the sample's percentiles estimate
     * the minute's. */
    uint64_t j = next_rand(s) % (uint64_t)a->n;
    if (j < SAMPLE_MAX) a->vals[j] = value;
}

void pubm_add(struct app *app, str_t account, str_t region, const char *ns, const char *metric, const pubm_dim_t *dims,
              size_t ndims, const char *unit, double value, bool keep)
{
    pubm_t *m = app ? ((app_t *)app)->metrics : NULL;
    if (!m || !isfinite(value)) return;
    char k[KEY_MAX];
    size_t n = 0;
    if (!put_resource(k, &n, account, region, ns, dims, ndims) || !put_field(k, &n, metric, strlen(metric)) ||
        !put_field(k, &n, unit, strlen(unit)))
        return;
    int64_t minute = this_minute_ms();
    uint64_t h = hash_of(k, n, minute);
    shard_t *s = this_shard(m);
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    agg_t *a = s->slots[h & (s->nslots - 1)];
    while (a && !(a->hash == h && a->minute_ms == minute && a->klen == n && memcmp(a->key, k, n) == 0)) a = a->next;
    if (!a) {
        if (s->count >= s->nslots) grow(s);
        a = calloc(1, sizeof *a + n);
        if (!a) {
            pthread_mutex_unlock(&s->mu);
            return;
        }
        a->hash = h;
        a->minute_ms = minute;
        a->min = INFINITY;
        a->max = -INFINITY;
        a->klen = (uint16_t)n;
        memcpy(a->key, k, n);
        size_t slot = h & (s->nslots - 1);
        a->next = s->slots[slot];
        s->slots[slot] = a;
        s->count++;
    }
    observe(s, a, value, keep);
    pthread_mutex_unlock(&s->mu);
}

/* ==== Flushing ==== */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The resource part of a's key (account … dimensions), its length; the
 * metric and unit follow it as the last two fields. */
typedef struct {
    str_t account, region, ns, metric, unit;
    cw_dim_t dims[30];
    size_t ndims;
    size_t resource_len; /* bytes of the key before the metric */
} parsed_t;

static bool parse_key(arena_t *ar, const agg_t *a, parsed_t *p)
{
    str_t f[2 * 30 + 5];
    size_t nf = 0, off = 0;
    while (off < a->klen && nf < sizeof f / sizeof f[0])
        if (!get_field(a->key, a->klen, &off, &f[nf++])) return false;
    if (off != a->klen || nf < 5 || (nf - 5) % 2) return false;
    p->account = f[0], p->region = f[1], p->ns = f[2];
    p->ndims = (nf - 5) / 2;
    for (size_t i = 0; i < p->ndims; i++) {
        p->dims[i].name = arena_str(ar, f[3 + 2 * i]).p;
        p->dims[i].value = arena_str(ar, f[4 + 2 * i]).p;
    }
    p->metric = f[nf - 2], p->unit = f[nf - 1];
    p->resource_len = (size_t)(f[nf - 2].p - a->key) - 2;
    return true;
}

static void note_seen(pubm_t *m, const char *k, size_t n, int64_t now)
{
    uint64_t h = hash_of(k, n, 0);
    seen_t **slot = &m->seen[h & (SEEN_SLOTS - 1)];
    for (seen_t *x = *slot; x; x = x->next)
        if (x->hash == h && x->klen == n && memcmp(x->key, k, n) == 0) {
            x->last_ms = now;
            return;
        }
    seen_t *x = malloc(sizeof *x + n);
    if (!x) return;
    x->hash = h;
    x->last_ms = now;
    x->klen = (uint16_t)n;
    memcpy(x->key, k, n);
    x->next = *slot;
    *slot = x;
}

static void forget_old(pubm_t *m, int64_t now)
{
    for (size_t i = 0; i < SEEN_SLOTS; i++)
        for (seen_t **p = &m->seen[i]; *p;) {
            seen_t *x = *p;
            if (now - x->last_ms > RECENT_MS) {
                *p = x->next;
                free(x);
            } else
                p = &x->next;
        }
}

static int cmp_agg(const void *x, const void *y)
{
    const agg_t *a = *(agg_t *const *)x, *b = *(agg_t *const *)y;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

/* Whether a and b have the same account, region and namespace (the first
 * three fields of their keys). */
static bool same_batch(const agg_t *a, const agg_t *b)
{
    size_t oa = 0, ob = 0;
    str_t x, y;
    for (int i = 0; i < 3; i++) {
        if (!get_field(a->key, a->klen, &oa, &x) || !get_field(b->key, b->klen, &ob, &y)) return false;
        if (!str_eq(x, y)) return false;
    }
    return true;
}

/* Publishes aggs[0..n) (one account, region and namespace) in one batch. */
static void publish(struct app *app, agg_t **aggs, size_t n, int64_t now)
{
    arena_t *ar = arena_new(0);
    if (!ar) return;
    cw_datum_t *d = ARENA_NEWN(ar, cw_datum_t, n);
    cw_stats_t *st = ARENA_NEWN(ar, cw_stats_t, n);
    parsed_t *p = ARENA_NEWN(ar, parsed_t, n);
    size_t k = 0;
    for (size_t i = 0; d && st && p && i < n; i++) {
        agg_t *a = aggs[i];
        if (!parse_key(ar, a, &p[k])) continue;
        double *pairs = NULL;
        size_t npairs = 0;
        if (a->nvals) {
            /* the sample, sorted, each value standing for n / nvals observations */
            qsort(a->vals, a->nvals, sizeof *a->vals, cmp_double);
            pairs = ARENA_NEWN(ar, double, 2 * (size_t)a->nvals);
            double w = a->n / a->nvals;
            for (uint32_t j = 0; pairs && j < a->nvals; j++) {
                if (npairs && pairs[2 * (npairs - 1)] == a->vals[j]) {
                    pairs[2 * (npairs - 1) + 1] += w;
                    continue;
                }
                pairs[2 * npairs] = a->vals[j];
                pairs[2 * npairs + 1] = w;
                npairs++;
            }
        }
        st[k] = (cw_stats_t){.n = a->n, .sum = a->sum, .min = a->min, .max = a->max, .pairs = pairs, .npairs = npairs};
        d[k] = (cw_datum_t){.metric = arena_str(ar, p[k].metric).p,
                            .dims = p[k].dims,
                            .ndims = p[k].ndims,
                            .unit = arena_str(ar, p[k].unit).p,
                            .ts_ms = a->minute_ms,
                            .stats = &st[k]};
        note_seen(((app_t *)app)->metrics, a->key, p[k].resource_len, now);
        k++;
    }
    if (k) {
        const char *account = arena_str(ar, p[0].account).p, *region = arena_str(ar, p[0].region).p;
        const char *ns = arena_str(ar, p[0].ns).p;
        /* cw_publish_batch logs a failure; the aggregates are dropped then,
         * as AWS drops nothing but a local store that fails loses them. */
        cw_publish_batch(app, account, region, ns, d, k);
    }
    arena_free(ar);
}

unsigned pubm_period_ms(void)
{
    unsigned p = FLUSH_MS;
#ifdef GUREUM_TESTING
    /* Tests only: GUREUM_METRICS_FLUSH_MS=N flushes every N ms, so a test
     * reads a service's metrics a moment after the traffic. */
    const char *v = getenv("GUREUM_METRICS_FLUSH_MS");
    if (v && atoi(v) > 0) p = (unsigned)atoi(v);
#endif
    return p;
}

unsigned pubm_flush(struct app *app, bool force)
{
    pubm_t *m = app ? ((app_t *)app)->metrics : NULL;
    unsigned every = pubm_period_ms();
    if (!m) return every;
    int64_t now = time_now_us() / 1000;
    pthread_mutex_lock(&m->mu);
    int64_t since = now - m->last_ms;
    if (!force && since >= 0 && since < every) {
        pthread_mutex_unlock(&m->mu);
        return (unsigned)(every - since);
    }
    m->last_ms = now;
    shard_t *shards = m->shards;
    pthread_mutex_unlock(&m->mu); /* shards are only ever prepended: the list from here on stays valid */

    agg_t *all = NULL;
    size_t n = 0;
    for (shard_t *s = shards; s; s = s->next) {
        agg_t **fresh = calloc(64, sizeof *fresh);
        pthread_mutex_lock(&s->mu);
        agg_t **slots = s->slots;
        size_t nslots = s->nslots;
        if (fresh) { /* else the aggregates wait for the next flush */
            s->slots = fresh;
            s->nslots = 64;
            n += s->count;
            s->count = 0;
        }
        pthread_mutex_unlock(&s->mu);
        if (!fresh) continue;
        for (size_t i = 0; i < nslots; i++)
            for (agg_t *a = slots[i], *next; a; a = next) {
                next = a->next;
                a->next = all;
                all = a;
            }
        free(slots);
    }
    if (n) {
        agg_t **v = malloc(n * sizeof *v);
        if (v) {
            size_t i = 0;
            for (agg_t *a = all; a && i < n; a = a->next) v[i++] = a;
            qsort(v, i, sizeof *v, cmp_agg);
            for (size_t start = 0, j = 1; start < i; j++)
                if (j == i || !same_batch(v[start], v[j])) {
                    publish(app, v + start, j - start, now);
                    start = j;
                }
            free(v);
        } else
            log_error("pubmetrics: out of memory: %zu aggregates dropped", n);
    }
    agg_free_list(all);
    forget_old(m, now);
    return every;
}

bool pubm_recent(struct app *app, str_t account, str_t region, const char *ns, const pubm_dim_t *dims, size_t ndims,
                 int64_t within_ms)
{
    pubm_t *m = app ? ((app_t *)app)->metrics : NULL;
    if (!m) return false;
    char k[KEY_MAX];
    size_t n = 0;
    if (!put_resource(k, &n, account, region, ns, dims, ndims)) return false;
    uint64_t h = hash_of(k, n, 0);
    int64_t now = time_now_us() / 1000;
    for (seen_t *x = m->seen[h & (SEEN_SLOTS - 1)]; x; x = x->next)
        if (x->hash == h && x->klen == n && memcmp(x->key, k, n) == 0) return now - x->last_ms <= within_ms;
    return false;
}

bool pubm_arn_scope(str_t arn, str_t *region, str_t *account, str_t *resource)
{
    str_t f[5];
    for (size_t n = 0; n < 5; n++) {
        const char *c = memchr(arn.p, ':', arn.len);
        if (!c) return false;
        f[n] = str_n(arn.p, (size_t)(c - arn.p));
        arn = str_n(c + 1, arn.len - (size_t)(c - arn.p) - 1);
    }
    *region = f[3];
    *account = f[4];
    *resource = arn;
    return true;
}
