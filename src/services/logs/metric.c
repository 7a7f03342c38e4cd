/* metric.c — CloudWatch Logs metric filters: PutMetricFilter,
 * DescribeMetricFilters and DeleteMetricFilter. A filter belongs to its log
 * group (and goes with it); its pattern is checked by the same compiler
 * FilterLogEvents uses (filter.c). Events stored in the group are run
 * through its filters right after they are committed, and what matches is
 * published to CloudWatch as a metric (logs__metric_filters_publish). The
 * quota check and the delete are shared with subscription filters
 * (subscription.c). TestMetricFilter runs a pattern over the messages given. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/json.h"
#include "core/log.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/cloudwatch/metrics.h"

/* AWS quotas: 100 metric filters per log group. */
#define MAX_FILTERS 100

static str_t transforms_json(arena_t *a, const val_t *ts)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; ts && ts->kind == VAL_LIST && i < ts->u.list.n; i++) {
        const val_t *t = ts->u.list.v[i];
        json_w_obj_begin(&w);
        static const char *const strs[] = {"metricName", "metricNamespace", "metricValue", "unit"};
        for (size_t k = 0; k < 4; k++) {
            str_t s = val_get_str(t, strs[k]);
            if (!s.p) continue;
            json_w_key(&w, str_c(strs[k]));
            json_w_str(&w, s);
        }
        const val_t *dv = val_get(t, "defaultValue");
        if (dv) {
            json_w_key(&w, STR("defaultValue"));
            json_w_double(&w, dv->kind == VAL_INT ? (double)dv->u.i : dv->u.f);
        }
        const val_t *dims = val_get(t, "dimensions");
        if (dims && dims->kind == VAL_MAP) {
            json_w_key(&w, STR("dimensions"));
            json_w_obj_begin(&w);
            for (size_t k = 0; k < dims->u.obj.n; k++) {
                json_w_key(&w, dims->u.obj.e[k].key);
                json_w_str(&w, dims->u.obj.e[k].v->u.s);
            }
            json_w_obj_end(&w);
        }
        json_w_obj_end(&w);
    }
    json_w_arr_end(&w);
    return buf_str(&b);
}

static val_t *transforms_val(arena_t *a, str_t text)
{
    val_t *list = val_new(a, VAL_LIST);
    const json_t *j = json_parse(a, text, NULL);
    for (size_t i = 0; j && j->type == JSON_ARRAY && i < j->u.arr.n; i++) {
        const json_t *t = j->u.arr.v[i];
        val_t *v = val_new(a, VAL_STRUCT);
        for (size_t k = 0; t->type == JSON_OBJECT && k < t->u.obj.n; k++) {
            const json_t *x = t->u.obj.v[k];
            if (x->type == JSON_STRING)
                val_set(a, v, t->u.obj.k[k], val_str(a, x->u.s));
            else if (x->type == JSON_INT || x->type == JSON_DOUBLE)
                val_set(a, v, t->u.obj.k[k], val_float(a, x->type == JSON_INT ? (double)x->u.i : x->u.d));
            else if (x->type == JSON_OBJECT) {
                val_t *m = val_new(a, VAL_MAP);
                for (size_t d = 0; d < x->u.obj.n; d++)
                    if (x->u.obj.v[d]->type == JSON_STRING)
                        val_set(a, m, x->u.obj.k[d], val_str(a, x->u.obj.v[d]->u.s));
                val_set(a, v, t->u.obj.k[k], m);
            }
        }
        val_push(a, list, v);
    }
    return list;
}

static bool has_metric(arena_t *a, str_t transforms, str_t metric, str_t ns)
{
    const json_t *j = json_parse(a, transforms, NULL);
    for (size_t i = 0; j && j->type == JSON_ARRAY && i < j->u.arr.n; i++) {
        const json_t *m = json_get(j->u.arr.v[i], "metricName"), *n = json_get(j->u.arr.v[i], "metricNamespace");
        if (m && n && m->type == JSON_STRING && n->type == JSON_STRING && str_eq(m->u.s, metric) && str_eq(n->u.s, ns))
            return true;
    }
    return false;
}

/* AWS (PutMetricFilter): the group must exist; a filter of the same name is
 * replaced; at most 100 per group (LimitExceededException). */
int logs_put_metric_filter(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    logs_filter_t *f;
    if (logs__filter_put_or_fail(r, db, in, "metric_filter", MAX_FILTERS, &g, &f) != GR_OK) return GR_ERR;
    str_t pattern = val_get_str(in, "filterPattern"), name = val_get_str(in, "filterName");
    /* AWS (recorded answers of PutMetricFilter): dimensions name fields of a
     * JSON or space-delimited pattern, and never go with a default value. */
    const val_t *trs = val_get(in, "metricTransformations");
    for (size_t i = 0; i < val_len(trs); i++) {
        const val_t *dims = val_get(trs->u.list.v[i], "dimensions");
        if (!val_len(dims)) continue;
        if (!logs__filter_structured(f))
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "The specified filter pattern does not support dimensions");
        if (val_get(trs->u.list.v[i], "defaultValue"))
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Invalid metric transformation: dimensions and default value are mutually exclusive "
                            "properties");
    }
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO metric_filter (gid, name, pattern, transforms, created_ms, on_transformed) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (gid, name) DO UPDATE SET pattern = ?3, "
                       "transforms = ?4, on_transformed = ?6");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, name);
    store_bind_str(st, 3, pattern);
    store_bind_str(st, 4, transforms_json(r->arena, trs));
    sqlite3_bind_int64(st, 5, logs__now_ms());
    sqlite3_bind_int(st, 6, val_get_bool(in, "applyOnTransformedLogs", false));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS (DescribeMetricFilters): "filterNamePrefix … only if you also include
 * the logGroupName parameter"; metricName and metricNamespace go together.
 * In (group name, filter name) order, limit 1..50; our nextToken is the last
 * "group\nfilter" returned. */
int logs_describe_metric_filters(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t group = val_get_str(in, "logGroupName"), prefix = val_get_str(in, "filterNamePrefix");
    str_t metric = val_get_str(in, "metricName"), ns = val_get_str(in, "metricNamespace");
    if (!!metric.p != !!ns.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "If you include the metricName parameter in your request, you must also include the "
                        "metricNamespace parameter.");
    if (group.p) {
        logs_group_t g;
        if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    } else
        prefix = STR_NULL;
    int64_t limit = val_get_int(in, "limit", 50);
    str_t tok = val_get_str(in, "nextToken");
    sqlite3_stmt *st = store_stmt(
        db, "SELECT g.name, f.name, f.pattern, f.transforms, f.created_ms, f.on_transformed FROM metric_filter f "
            "JOIN log_group g ON g.id = f.gid WHERE g.account = ?1 AND g.region = ?2 "
            "AND (?3 IS NULL OR g.name = ?3) AND substr(f.name, 1, ?5) = ?4 "
            "AND g.name || char(10) || f.name > ?6 ORDER BY g.name, f.name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, group);
    store_bind_str(st, 4, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 5, (sqlite3_int64)prefix.len);
    store_bind_str(st, 6, tok.p ? tok : STR(""));
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0;
    str_t last = STR_NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t transforms = store_col_str(a, st, 3);
        if (metric.p && !has_metric(a, transforms, metric, ns)) continue;
        if (n++ == limit) break;
        str_t gname = store_col_str(a, st, 0), fname = store_col_str(a, st, 1);
        last = str_c(arena_printf(a, "%.*s\n%.*s", STR_FMT(gname), STR_FMT(fname)));
        val_t *f = val_new(a, VAL_STRUCT);
        val_set_c(a, f, "filterName", val_str(a, fname));
        val_set_c(a, f, "filterPattern", val_str(a, store_col_str(a, st, 2)));
        val_set_c(a, f, "metricTransformations", transforms_val(a, transforms));
        val_set_c(a, f, "creationTime", val_int(a, sqlite3_column_int64(st, 4)));
        val_set_c(a, f, "logGroupName", val_str(a, gname));
        val_set_c(a, f, "applyOnTransformedLogs", val_bool(a, sqlite3_column_int(st, 5) != 0));
        val_push(a, list, f);
    }
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "metricFilters", list);
    if (n > limit) val_set_c(a, out, "nextToken", val_str(a, last));
    return GR_OK;
}

int logs_delete_metric_filter(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return logs__filter_delete_or_fail(r, in, "metric_filter", "The specified resource does not exist.");
}

/* ==== Shared with subscription filters ==== */

int logs__filter_put_or_fail(req_t *r, sqlite3 *db, const val_t *in, const char *table, int64_t max, logs_group_t *g,
                             logs_filter_t **f)
{
    if (logs__group_or_fail(r, db, in, g) != GR_OK) return GR_ERR;
    const char *perr = NULL;
    logs_filter_t *compiled = logs__filter_compile(r->arena, val_get_str(in, "filterPattern"), &perr);
    if (!compiled)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "%s", perr ? perr : "Invalid filter pattern");
    if (f) *f = compiled;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*), sum(name = ?2) FROM %s WHERE gid = ?1", table);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g->id);
    store_bind_str(st, 2, val_get_str(in, "filterName"));
    bool full =
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= max && sqlite3_column_int64(st, 1) == 0;
    store_release(st);
    if (full) return req_fail(r, &LOGS_ERR_LimitExceededException, "Resource limit exceeded.");
    return GR_OK;
}

int logs__filter_delete_or_fail(req_t *r, const val_t *in, const char *table, const char *missing)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE gid = ?1 AND name = ?2", table);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, val_get_str(in, "filterName"));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    bool gone = rc == GR_OK && sqlite3_changes(db) == 1;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!gone) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "%s", missing);
    return GR_OK;
}

/* AWS: each of the messages the pattern matches, numbered from 1, with the
 * values a space-delimited pattern's fields take in it ("$name"). */
int logs_test_metric_filter(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const char *err = NULL;
    logs_filter_t *f = logs__filter_compile(a, val_get_str(in, "filterPattern"), &err);
    if (!f) return req_fail(r, &LOGS_ERR_InvalidParameterException, "%s", err ? err : "Invalid filter pattern");
    const val_t *msgs = val_get(in, "logEventMessages");
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(msgs); i++) {
        str_t m = msgs->u.list.v[i]->u.s;
        if (!logs__filter_match(f, a, m)) continue;
        val_t *hit = val_new(a, VAL_STRUCT);
        val_set_c(a, hit, "eventNumber", val_int(a, (int64_t)i + 1));
        val_set_c(a, hit, "eventMessage", val_str(a, m));
        val_set_c(a, hit, "extractedValues", logs__filter_extract(f, a, m));
        val_push(a, list, hit);
    }
    return val_set_c(a, out, "matches", list);
}

/* ==== Publishing ==== */

/* One transformation's data point for event message m (or the default
 * value when m is NULL) into *d: false when it publishes nothing for it. */
static bool datum_of(arena_t *a, const logs_filter_t *f, const json_t *tr, const logs_event_t *ev, cw_datum_t *d)
{
    const json_t *name = json_get(tr, "metricName"), *unit = json_get(tr, "unit");
    if (!name || name->type != JSON_STRING) return false;
    *d = (cw_datum_t){.metric = arena_strndup(a, name->u.s.p, name->u.s.len),
                      .unit = unit && unit->type == JSON_STRING ? arena_strndup(a, unit->u.s.p, unit->u.s.len) : NULL,
                      .ts_ms = ev->ts_ms};
    if (!ev->message.p) {
        const json_t *dv = json_get(tr, "defaultValue");
        if (!dv || (dv->type != JSON_INT && dv->type != JSON_DOUBLE)) return false;
        d->value = dv->type == JSON_INT ? (double)dv->u.i : dv->u.d;
        return true;
    }
    /* AWS: metricValue is a number, or "$.field" / "$field" naming a field
     * of the matched event; a field that is not a number publishes nothing. */
    const json_t *mv = json_get(tr, "metricValue");
    str_t v = mv && mv->type == JSON_STRING ? logs__filter_value(f, a, ev->message, mv->u.s) : STR_NULL;
    char *end;
    const char *vs = v.p ? arena_strndup(a, v.p, v.len) : NULL;
    d->value = vs ? strtod(vs, &end) : 0;
    if (!vs || !*vs || *end || !isfinite(d->value)) return false;
    /* AWS: each dimension's value is a field of the event, up to three;
     * an event lacking one publishes nothing for this transformation. */
    const json_t *dims = json_get(tr, "dimensions");
    size_t nd = dims && dims->type == JSON_OBJECT ? dims->u.obj.n : 0;
    cw_dim_t *dv = nd ? ARENA_NEWN(a, cw_dim_t, nd) : NULL;
    for (size_t i = 0; i < nd; i++) {
        const json_t *sel = dims->u.obj.v[i];
        str_t x = sel->type == JSON_STRING ? logs__filter_value(f, a, ev->message, sel->u.s) : STR_NULL;
        if (!x.p || !x.len || !dv) return false;
        dv[i] = (cw_dim_t){arena_strndup(a, dims->u.obj.k[i].p, dims->u.obj.k[i].len), arena_strndup(a, x.p, x.len)};
    }
    d->dims = dv;
    d->ndims = nd;
    return true;
}

void logs__metric_filters_publish(struct app *app, arena_t *a, str_t account, str_t region, int64_t gid,
                                  const logs_event_t *transformed, const logs_event_t *original, size_t n)
{
    sqlite3 *db = logs__db(app);
    if (!db || !n) return;
    sqlite3_stmt *st = store_stmt(db, "SELECT pattern, transforms, on_transformed FROM metric_filter WHERE gid = ?1");
    if (!st) return;
    sqlite3_bind_int64(st, 1, gid);
    typedef struct {
        str_t pattern, transforms;
        bool on_transformed;
    } mf_t;
    mf_t fs[MAX_FILTERS];
    size_t nf = 0;
    while (nf < MAX_FILTERS && sqlite3_step(st) == SQLITE_ROW)
        fs[nf++] = (mf_t){store_col_str(a, st, 0), store_col_str(a, st, 1), sqlite3_column_int(st, 2) != 0};
    store_release(st); /* before publishing: CloudWatch writes through its own tables */
    const char *acct = arena_strndup(a, account.p, account.len), *reg = arena_strndup(a, region.p, region.len);
    cw_datum_t *d = nf ? ARENA_NEWN(a, cw_datum_t, n) : NULL;
    for (size_t k = 0; d && k < nf; k++) {
        const logs_event_t *ev = fs[k].on_transformed || !original ? transformed : original;
        logs_filter_t *f = logs__filter_compile(a, fs[k].pattern, NULL);
        const json_t *trs = json_parse(a, fs[k].transforms, NULL);
        bool *hit = f ? ARENA_NEWN(a, bool, n) : NULL;
        if (!hit || !trs || trs->type != JSON_ARRAY) continue;
        size_t hits = 0;
        for (size_t i = 0; i < n; i++) hits += (hit[i] = logs__filter_match(f, a, ev[i].message));
        for (size_t t = 0; t < trs->u.arr.n; t++) {
            const json_t *tr = trs->u.arr.v[t], *ns = json_get(tr, "metricNamespace");
            if (!ns || ns->type != JSON_STRING) continue;
            size_t nd = 0;
            if (hits) {
                for (size_t i = 0; i < n; i++)
                    if (hit[i] && datum_of(a, f, tr, &ev[i], &d[nd])) nd++;
            } else {
                /* AWS: the default value is reported for a period in which
                 * events were ingested and none matched. */
                logs_event_t none = {.ts_ms = ev[n - 1].ts_ms};
                if (datum_of(a, f, tr, &none, &d[0])) nd = 1;
            }
            if (nd && cw_publish_batch(app, acct, reg, arena_strndup(a, ns->u.s.p, ns->u.s.len), d, nd) != GR_OK)
                log_warn("logs: metric filter publishing to %.*s failed", STR_FMT(ns->u.s));
        }
    }
}
