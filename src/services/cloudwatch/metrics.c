/* metrics.c — CloudWatch's metric store: data points aggregated into time
 * buckets, the public publishing calls of metrics.h, and the tick that rolls
 * old buckets up into coarser ones and drops what is past AWS's retention.
 *
 * PutMetricData (put.c) and other services (cw_publish) both end in
 * cw__store, inside a transaction of the caller's. A bucket row keeps
 * SampleCount, Sum, Minimum and Maximum exactly, and the values themselves
 * as (value, count) pairs, bounded to CW_MAX_PAIRS, for percentiles.
 * Invariant: a bucket's ts_ms is a multiple of its res seconds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/log.h"
#include "schemas.h"
#include "services/app.h"
#include "services/cloudwatch/cloudwatch.h"

/* ==== Helpers shared by the CloudWatch files ==== */

sqlite3 *cw__db(struct app *app)
{
    return store_db(app->store, &schema_cloudwatch);
}

int64_t cw__now_ms(void)
{
    return time_now_us() / 1000;
}

int cw__begin(sqlite3 *db)
{
    return store_exec(db, "BEGIN IMMEDIATE");
}

int cw__end(sqlite3 *db, bool ok)
{
    if (ok && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    store_exec(db, "ROLLBACK");
    return GR_ERR;
}

static int dim_cmp(const void *x, const void *y)
{
    return str_cmp(((const cw__dim_t *)x)->name, ((const cw__dim_t *)y)->name);
}

str_t cw__dims_key(arena_t *a, cw__dim_t *dims, size_t n)
{
    qsort(dims, n, sizeof *dims, dim_cmp);
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        buf_printf(&b, "%zu:", dims[i].name.len);
        buf_put_str(&b, dims[i].name);
        buf_printf(&b, "%zu:", dims[i].value.len);
        buf_put_str(&b, dims[i].value);
    }
    return buf_str(&b);
}

size_t cw__dims_parse(arena_t *a, str_t key, cw__dim_t **out)
{
    size_t n = 0, i = 0;
    *out = ARENA_NEWN(a, cw__dim_t, key.len / 4 + 1); /* each takes at least "0:0:" */
    while (i < key.len) {
        str_t part[2];
        for (int k = 0; k < 2; k++) {
            size_t len = 0;
            while (i < key.len && key.p[i] != ':') len = len * 10 + (size_t)(key.p[i++] - '0');
            i++; /* ':' */
            if (i + len > key.len) return n;
            part[k] = str_n(key.p + i, len);
            i += len;
        }
        (*out)[n++] = (cw__dim_t){part[0], part[1]};
    }
    return n;
}

cw__dim_t *cw__dims_of(arena_t *a, const val_t *list)
{
    size_t n = val_len(list);
    cw__dim_t *d = ARENA_NEWN(a, cw__dim_t, n + 1);
    for (size_t i = 0; i < n; i++) {
        d[i].name = val_get_str(list->u.list.v[i], "Name");
        d[i].value = val_get_str(list->u.list.v[i], "Value");
    }
    return d;
}

/* ==== Value distributions ==== */

double *cw__pairs_merge(arena_t *a, const double *x, size_t nx, const double *y, size_t ny, size_t *n)
{
    double *out = ARENA_NEWN(a, double, 2 * (nx + ny) + 2);
    size_t i = 0, j = 0, k = 0;
    while (i < nx || j < ny) {
        const double *p;
        if (j >= ny || (i < nx && x[2 * i] <= y[2 * j]))
            p = &x[2 * i++];
        else
            p = &y[2 * j++];
        if (k && out[2 * (k - 1)] == p[0]) {
            out[2 * (k - 1) + 1] += p[1];
            continue;
        }
        out[2 * k] = p[0];
        out[2 * k + 1] = p[1];
        k++;
    }
    /* Over the bound: repeatedly halve by merging each pair of neighbours
     * into their weighted mean (the total count is kept exactly, and every
     * merged value stays between its two neighbours, so ranks stay close). */
    while (k > CW_MAX_PAIRS) {
        size_t m = 0;
        for (size_t t = 0; t < k; t += 2) {
            if (t + 1 == k) {
                out[2 * m] = out[2 * t];
                out[2 * m + 1] = out[2 * t + 1];
            } else {
                double c = out[2 * t + 1] + out[2 * t + 3];
                out[2 * m] = c > 0 ? (out[2 * t] * out[2 * t + 1] + out[2 * t + 2] * out[2 * t + 3]) / c : out[2 * t];
                out[2 * m + 1] = c;
            }
            m++;
        }
        k = m;
    }
    *n = k;
    return out;
}

/* ==== Storing ==== */

/* The metric row's id, created when absent; last_ms set to now. 0 on failure. */
static int64_t metric_id(sqlite3 *db, str_t account, str_t region, str_t ns, str_t metric, const cw__dim_t *dims,
                         size_t ndims, str_t key)
{
    int64_t now = cw__now_ms();
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO metric (account, region, namespace, name, dims, ndims, last_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account, region, namespace, name, dims) "
                       "DO UPDATE SET last_ms = max(last_ms, excluded.last_ms) RETURNING id");
    if (!st) return 0;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, ns);
    store_bind_str(st, 4, metric);
    store_bind_blob(st, 5, key);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)ndims);
    sqlite3_bind_int64(st, 7, now);
    int64_t id = 0;
    if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    if (store_release(st) != SQLITE_OK) return 0;
    if (!id) return 0;
    st = store_stmt(db, "INSERT OR IGNORE INTO metric_dim (mid, name, value) VALUES (?1, ?2, ?3)");
    if (!st) return 0;
    for (size_t i = 0; i < ndims; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        store_bind_str(st, 2, dims[i].name);
        store_bind_str(st, 3, dims[i].value);
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_release(st);
            return 0;
        }
    }
    return store_release(st) == SQLITE_OK ? id : 0;
}

/* Adds agg to the bucket (mid, unit, res, ts) (ts a multiple of res). */
static int bucket_add(sqlite3 *db, arena_t *a, int64_t mid, str_t unit, int res, int64_t ts, const cw__agg_t *agg)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT n, sum, min, max, raw, raw_n FROM point WHERE mid = ?1 AND res = ?2 AND ts_ms = ?3 "
                       "AND unit = ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int(st, 2, res);
    sqlite3_bind_int64(st, 3, ts);
    store_bind_str(st, 4, unit);
    double n = agg->n, sum = agg->sum, mn = agg->min, mx = agg->max, raw_n = 0;
    const double *pairs = agg->pairs;
    size_t npairs = agg->npairs;
    for (size_t i = 0; i < npairs; i++) raw_n += pairs[2 * i + 1];
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        n += sqlite3_column_double(st, 0);
        sum += sqlite3_column_double(st, 1);
        mn = fmin(mn, sqlite3_column_double(st, 2));
        mx = fmax(mx, sqlite3_column_double(st, 3));
        size_t nold = (size_t)sqlite3_column_bytes(st, 4) / (2 * sizeof(double));
        raw_n += sqlite3_column_double(st, 5);
        if (nold) {
            double *old = ARENA_NEWN(a, double, 2 * nold);
            memcpy(old, sqlite3_column_blob(st, 4), 2 * nold * sizeof(double));
            pairs = cw__pairs_merge(a, old, nold, pairs, npairs, &npairs);
        }
    } else if (rc != SQLITE_DONE) {
        store_release(st);
        return GR_ERR;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    st = store_stmt(db, "INSERT OR REPLACE INTO point (mid, unit, res, ts_ms, n, sum, min, max, raw, raw_n) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, mid);
    store_bind_str(st, 2, unit);
    sqlite3_bind_int(st, 3, res);
    sqlite3_bind_int64(st, 4, ts);
    sqlite3_bind_double(st, 5, n);
    sqlite3_bind_double(st, 6, sum);
    sqlite3_bind_double(st, 7, mn);
    sqlite3_bind_double(st, 8, mx);
    if (npairs)
        sqlite3_bind_blob(st, 9, pairs, (int)(2 * npairs * sizeof(double)), SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_double(st, 10, raw_n);
    rc = sqlite3_step(st);
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int64_t cw__floor_to(int64_t ts, int64_t step)
{
    int64_t q = ts / step;
    if (ts < 0 && q * step != ts) q--;
    return q * step;
}

bool cw__period_ok(int64_t p)
{
    return p == 1 || p == 5 || p == 10 || p == 30 || (p > 0 && p % 60 == 0);
}

int cw__store(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t ns, str_t metric, cw__dim_t *dims,
              size_t ndims, str_t unit, int res, int64_t ts_ms, const cw__agg_t *agg)
{
    str_t key = cw__dims_key(a, dims, ndims);
    int64_t mid = metric_id(db, account, region, ns, metric, dims, ndims, key);
    if (!mid) return GR_ERR;
    res = res == 1 ? 1 : 60;
    return bucket_add(db, a, mid, unit, res, cw__floor_to(ts_ms, res * 1000LL), agg);
}

/* ==== Publishing from other services (metrics.h) ==== */

/* A datum as AWS would accept it from PutMetricData, apart from the
 * namespace: names present, at most 30 dimensions, a finite value. */
static bool datum_ok(const cw_datum_t *d)
{
    if (!d->metric || !*d->metric || d->ndims > 30 || !isfinite(d->value) || d->count < 0) return false;
    const cw_stats_t *s = d->stats;
    if (s && (!(s->n > 0) || !isfinite(s->sum) || !isfinite(s->min) || !isfinite(s->max) || s->min > s->max ||
              (s->npairs && !s->pairs)))
        return false;
    for (size_t i = 0; i < d->ndims; i++)
        if (!d->dims[i].name || !*d->dims[i].name || !d->dims[i].value || !*d->dims[i].value) return false;
    return true;
}

int cw_publish_batch(struct app *app, const char *account, const char *region, const char *ns, const cw_datum_t *d,
                     size_t n)
{
    if (!account || !region || !ns || !*ns) return GR_ERR;
    for (size_t i = 0; i < n; i++)
        if (!datum_ok(&d[i])) {
            log_warn("cloudwatch: %s: refused a published data point of %s", ns, d[i].metric ? d[i].metric : "?");
            return GR_ERR;
        }
    sqlite3 *db = cw__db(app);
    if (!db) return GR_ERR;
    arena_t *a = arena_new(0);
    if (!a) return GR_ERR;
    bool ok = cw__begin(db) == GR_OK;
    int64_t now = cw__now_ms();
    for (size_t i = 0; ok && i < n; i++) {
        cw__dim_t *dims = ARENA_NEWN(a, cw__dim_t, d[i].ndims + 1);
        for (size_t j = 0; j < d[i].ndims; j++) {
            dims[j].name = str_c(d[i].dims[j].name);
            dims[j].value = str_c(d[i].dims[j].value);
        }
        double c = d[i].count > 0 ? d[i].count : 1;
        double pair[2] = {d[i].value, c};
        cw__agg_t agg = {c, d[i].value * c, d[i].value, d[i].value, pair, 1};
        const cw_stats_t *s = d[i].stats;
        if (s) agg = (cw__agg_t){s->n, s->sum, s->min, s->max, s->pairs, s->npairs};
        ok = cw__store(db, a, str_c(account), str_c(region), str_c(ns), str_c(d[i].metric), dims, d[i].ndims,
                       str_c(d[i].unit ? d[i].unit : "None"), d[i].resolution, d[i].ts_ms ? d[i].ts_ms : now,
                       &agg) == GR_OK;
    }
    int rc = cw__end(db, ok);
    arena_free(a);
    if (rc != GR_OK) log_error("cloudwatch: %s: storing %zu published data points failed", ns, n);
    return rc;
}

int cw_publish(struct app *app, const char *account, const char *region, const char *ns, const char *metric,
               const cw_dim_t *dims, size_t ndims, double value, const char *unit, int64_t ts_ms)
{
    cw_datum_t d = {.metric = metric, .dims = dims, .ndims = ndims, .value = value, .unit = unit, .ts_ms = ts_ms};
    return cw_publish_batch(app, account, region, ns, &d, 1);
}

/* ==== Roll-up and retention (the tick) ==== */

/* The tiers a bucket moves through: res seconds, kept this long, then
 * merged into the next tier's bucket (AWS: "Data points with a period of
 * less than 60 seconds are available for 3 hours. ... 60 seconds (1 minute)
 * are available for 15 days ... 300 seconds (5 minutes) ... 63 days ... 3600
 * seconds (1 hour) ... 455 days (15 months)"). Test builds may shorten the
 * hour (GUREUM_CLOUDWATCH_HOUR_MS) to watch it happen. */
static const struct {
    int res, next;
    int64_t keep_hours;
} TIERS[] = {{1, 60, 3}, {60, 300, 15 * 24}, {300, 3600, 63 * 24}, {3600, 0, 455 * 24}};

#define TICK_BATCH 1000

/* Moves up to TICK_BATCH buckets of tier t older than cutoff into the next
 * tier (or drops them from the last); the number moved, -1 on failure. */
static int roll_up(sqlite3 *db, arena_t *a, size_t t, int64_t cutoff)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT mid, unit, ts_ms, n, sum, min, max, raw, raw_n FROM point "
                                      "WHERE res = ?1 AND ts_ms < ?2 LIMIT ?3");
    if (!st) return -1;
    sqlite3_bind_int(st, 1, TIERS[t].res);
    sqlite3_bind_int64(st, 2, cutoff);
    sqlite3_bind_int(st, 3, TICK_BATCH);
    int moved = 0, rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t mid = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 2);
        str_t unit = store_col_str(a, st, 1);
        if (TIERS[t].next) {
            size_t np = (size_t)sqlite3_column_bytes(st, 7) / (2 * sizeof(double));
            double *pairs = ARENA_NEWN(a, double, 2 * np + 2);
            if (np) memcpy(pairs, sqlite3_column_blob(st, 7), 2 * np * sizeof(double));
            cw__agg_t agg = {sqlite3_column_double(st, 3),
                             sqlite3_column_double(st, 4),
                             sqlite3_column_double(st, 5),
                             sqlite3_column_double(st, 6),
                             pairs,
                             np};
            /* a bucket whose values are not all known stays so once merged */
            double raw_n = sqlite3_column_double(st, 8);
            if (np && raw_n + 1e-9 < agg.n) agg.npairs = 0;
            int next = TIERS[t].next;
            ok = bucket_add(db, a, mid, unit, next, cw__floor_to(ts, next * 1000LL), &agg) == GR_OK;
        }
        sqlite3_stmt *del = ok ? store_stmt(db, "DELETE FROM point WHERE mid = ?1 AND res = ?2 AND ts_ms = ?3 "
                                                "AND unit = ?4")
                               : NULL;
        if (!del) {
            ok = false;
            break;
        }
        sqlite3_bind_int64(del, 1, mid);
        sqlite3_bind_int(del, 2, TIERS[t].res);
        sqlite3_bind_int64(del, 3, ts);
        store_bind_str(del, 4, unit);
        ok = sqlite3_step(del) == SQLITE_DONE;
        ok = store_release(del) == SQLITE_OK && ok;
        moved++;
    }
    if (store_release(st) != SQLITE_OK) ok = false;
    return ok ? moved : -1;
}

unsigned cloudwatch_tick(struct app *app)
{
    static _Atomic int64_t hour_cache;
    int64_t hour = time_test_unit_ms(&hour_cache, "GUREUM_CLOUDWATCH_HOUR_MS", 3600000);
    sqlite3 *db = cw__db(app);
    if (!db) return 0;
    arena_t *a = arena_new(0);
    if (!a) return 0;
    int64_t now = cw__now_ms();
    bool busy = false;
    for (size_t t = 0; t < sizeof TIERS / sizeof TIERS[0]; t++) {
        if (cw__begin(db) != GR_OK) break;
        int moved = roll_up(db, a, t, now - TIERS[t].keep_hours * hour);
        if (cw__end(db, moved >= 0) != GR_OK) {
            log_error("cloudwatch: rolling up %d-second data points failed", TIERS[t].res);
            break;
        }
        busy |= moved == TICK_BATCH;
    }
    /* Metrics with no data points left and none published for 15 months:
     * a scan of every metric, so once a minute (only the ticker thread
     * reads or writes last_sweep). */
    static int64_t last_sweep;
    if (!busy && now - last_sweep >= 60000 && cw__begin(db) == GR_OK) {
        last_sweep = now;
        static const char *const sql[] = {
            "DELETE FROM metric_dim WHERE mid IN (SELECT id FROM metric m WHERE m.last_ms < ?1 AND NOT EXISTS "
            "(SELECT 1 FROM point p WHERE p.mid = m.id))",
            "DELETE FROM metric WHERE last_ms < ?1 AND NOT EXISTS (SELECT 1 FROM point p WHERE p.mid = metric.id)"};
        bool ok = true;
        for (size_t i = 0; ok && i < 2; i++) {
            sqlite3_stmt *st = store_stmt(db, sql[i]);
            if (!st) {
                ok = false;
                break;
            }
            sqlite3_bind_int64(st, 1, now - TIERS[3].keep_hours * hour);
            ok = sqlite3_step(st) == SQLITE_DONE;
            ok = store_release(st) == SQLITE_OK && ok;
        }
        cw__end(db, ok);
    }
    arena_free(a);
    /* more to do: again soon; else the ticker's period */
    return busy ? 10 : 0;
}
