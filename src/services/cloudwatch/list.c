/* list.c — ListMetrics: the caller's metrics in its region, filtered by
 * namespace, name and dimension filters, 500 a page.
 *
 * AWS: "Up to 500 results are returned for any one call"; a metric is
 * listed while it has had a data point in the past two weeks ("If you create
 * a metric ... it can take up to fifteen minutes ... Metrics that have not
 * had any new data points in the past two weeks do not appear"), and with
 * RecentlyActive PT3H only those with one in the past three hours. A
 * dimension filter matches metrics that have that dimension (and value, when
 * given) among others. */
#include <string.h>

#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"
#include "services/page.h"

#define PAGE 500

/* The dimensions of a canonical key ("<len>:<name><len>:<value>"…) as a
 * Dimensions list. */
static val_t *dims_list(arena_t *a, str_t key)
{
    val_t *l = val_new(a, VAL_LIST);
    cw__dim_t *d;
    size_t n = cw__dims_parse(a, key, &d);
    for (size_t i = 0; i < n; i++) {
        val_t *x = val_new(a, VAL_STRUCT);
        val_set_c(a, x, "Name", val_str(a, d[i].name));
        val_set_c(a, x, "Value", val_str(a, d[i].value));
        val_push(a, l, x);
    }
    return l;
}

static val_t *metric_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *m = val_new(a, VAL_STRUCT);
    val_set_c(a, m, "Namespace", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, m, "MetricName", val_str(a, store_col_str(a, st, 1)));
    str_t key = str_n((const char *)sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
    val_set_c(a, m, "Dimensions", dims_list(a, arena_str(a, key)));
    return m;
}

int cloudwatch_list_metrics(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    long long off = 0;
    str_t tok = val_get_str(in, "NextToken");
    if (tok.p && (!str_to_i64(tok, &off) || off < 0))
        return req_fail(r, &CLOUDWATCH_ERR_InvalidParameterValueException, "Request parameter NextToken is invalid");
    val_set_c(a, out, "Metrics", val_new(a, VAL_LIST));
    /* AWS: OwningAccount names a source account of a monitoring account;
     * gureum links none, so only the caller's own account has metrics. */
    str_t owner = val_get_str(in, "OwningAccount");
    if (owner.p && !str_eq(owner, r->who.account)) return GR_OK;

    const val_t *filters = val_get(in, "Dimensions");
    buf_t sql;
    buf_init(&sql, a);
    buf_puts(&sql, "SELECT m.namespace, m.name, m.dims FROM metric m WHERE m.account = ?1 AND m.region = ?2 "
                   "AND m.last_ms >= ?3 AND (?4 IS NULL OR m.namespace = ?4) AND (?5 IS NULL OR m.name = ?5)");
    for (size_t i = 0; i < val_len(filters); i++)
        buf_printf(&sql,
                   " AND EXISTS (SELECT 1 FROM metric_dim d WHERE d.mid = m.id AND d.name = ?%zu "
                   "AND (?%zu IS NULL OR d.value = ?%zu))",
                   8 + 2 * i, 9 + 2 * i, 9 + 2 * i);
    buf_puts(&sql, " ORDER BY m.namespace, m.name, m.dims LIMIT ?6 OFFSET ?7");
    str_t text = buf_str(&sql);
    if (arena_failed(a)) return GR_ERR;

    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, text.p);
    if (!st) return GR_ERR;
    int64_t now = cw__now_ms();
    bool recent = val_get_str(in, "RecentlyActive").p != NULL; /* the model's enum: PT3H */
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, now - (recent ? 3 * 3600000LL : 14 * 86400000LL));
    store_bind_str(st, 4, val_get_str(in, "Namespace"));
    store_bind_str(st, 5, val_get_str(in, "MetricName"));
    sqlite3_bind_int64(st, 6, PAGE + 1);
    sqlite3_bind_int64(st, 7, off);
    for (size_t i = 0; i < val_len(filters); i++) {
        store_bind_str(st, (int)(8 + 2 * i), val_get_str(filters->u.list.v[i], "Name"));
        store_bind_str(st, (int)(9 + 2 * i), val_get_str(filters->u.list.v[i], "Value"));
    }
    int64_t n = page_rows(r, st, PAGE, out, "Metrics", metric_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "NextToken", n, PAGE, off);
    /* AWS: with IncludeLinkedAccounts, "OwningAccounts" names each listed
     * metric's account, in the same order. */
    if (val_get_bool(in, "IncludeLinkedAccounts", false)) {
        val_t *acc = val_new(a, VAL_LIST);
        for (size_t i = 0; i < val_len(val_get(out, "Metrics")); i++) val_push(a, acc, val_str(a, r->who.account));
        val_set_c(a, out, "OwningAccounts", acc);
    }
    return GR_OK;
}
