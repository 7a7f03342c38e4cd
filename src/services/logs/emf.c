/* emf.c — the embedded metric format: log events that carry their own
 * metric definitions, published to CloudWatch as they are stored. Called
 * after the commit by the writers in event.c: for every event Lambda writes
 * (AWS: "Lambda automatically extracts metrics from EMF logs"), and for
 * PutLogEvents when the request says `x-amzn-logs-format: json/emf`, as the
 * CloudWatch agent and the EMF libraries send it.
 *
 * AWS ("Specification: Embedded metric format"): the event is a JSON object
 * whose `_aws` member holds Timestamp (ms) and CloudWatchMetrics, a list of
 * directives {Namespace, Dimensions: [[name, …], …], Metrics: [{Name, Unit,
 * StorageResolution}]}; a metric's value is the root member of its name (a
 * number, or a list of up to 100 numbers) and a dimension's value the root
 * member of its name (a string). An event that does not follow the
 * specification is kept as a log event and publishes nothing. */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "logs_int.h"
#include "services/cloudwatch/metrics.h"

/* AWS's limits: 100 metrics per directive, 30 dimensions per set, 100
 * values per metric. */
#define MAX_METRICS 100
#define MAX_DIMS 30
#define MAX_VALUES 100
#define MAX_SETS 30 /* not on record: a bound of ours on dimension sets per directive */

static const char *cstr(arena_t *a, str_t s)
{
    return arena_strndup(a, s.p, s.len);
}

static bool is_num(const json_t *j)
{
    return j && (j->type == JSON_INT || j->type == JSON_DOUBLE);
}

static double num(const json_t *j)
{
    return j->type == JSON_INT ? (double)j->u.i : j->u.d;
}

/* The dimension set `set` of event doc into *dims; false when it is not a
 * list of at most 30 names whose root members are strings. */
static bool dims_of(arena_t *a, const json_t *doc, const json_t *set, cw_dim_t **dims, size_t *n)
{
    if (!set || set->type != JSON_ARRAY || set->u.arr.n > MAX_DIMS) return false;
    *n = set->u.arr.n;
    *dims = *n ? ARENA_NEWN(a, cw_dim_t, *n) : NULL;
    if (*n && !*dims) return false;
    for (size_t i = 0; i < *n; i++) {
        const json_t *name = set->u.arr.v[i];
        const json_t *v = name->type == JSON_STRING ? json_get(doc, cstr(a, name->u.s)) : NULL;
        if (!v || v->type != JSON_STRING || !v->u.s.len) return false;
        (*dims)[i] = (cw_dim_t){cstr(a, name->u.s), cstr(a, v->u.s)};
    }
    return true;
}

/* At most how many data points directive dir of doc gives: one per value of
 * each metric, for each dimension set. */
static size_t points_bound(arena_t *a, const json_t *doc, const json_t *dir)
{
    const json_t *sets = json_get(dir, "Dimensions"), *metrics = json_get(dir, "Metrics");
    if (!sets || sets->type != JSON_ARRAY || sets->u.arr.n > MAX_SETS || !metrics || metrics->type != JSON_ARRAY ||
        metrics->u.arr.n > MAX_METRICS)
        return 0;
    size_t values = 0;
    for (size_t m = 0; m < metrics->u.arr.n; m++) {
        const json_t *name = json_get(metrics->u.arr.v[m], "Name");
        const json_t *v = name && name->type == JSON_STRING ? json_get(doc, cstr(a, name->u.s)) : NULL;
        values += v && v->type == JSON_ARRAY ? v->u.arr.n : 1;
    }
    return (sets->u.arr.n ? sets->u.arr.n : 1) * values;
}

/* One directive's data points, appended to d (room for the worst case). */
static size_t directive_points(arena_t *a, const json_t *doc, const json_t *dir, int64_t ts, cw_datum_t *d)
{
    const json_t *sets = json_get(dir, "Dimensions"), *metrics = json_get(dir, "Metrics");
    if (!sets || sets->type != JSON_ARRAY || !metrics || metrics->type != JSON_ARRAY || metrics->u.arr.n > MAX_METRICS)
        return 0;
    size_t nd = 0;
    /* AWS: an empty Dimensions list publishes the metric with no dimension. */
    size_t nsets = sets->u.arr.n ? sets->u.arr.n : 1;
    for (size_t s = 0; s < nsets; s++) {
        cw_dim_t *dims = NULL;
        size_t ndims = 0;
        if (sets->u.arr.n && !dims_of(a, doc, sets->u.arr.v[s], &dims, &ndims)) continue;
        for (size_t m = 0; m < metrics->u.arr.n; m++) {
            const json_t *def = metrics->u.arr.v[m], *name = json_get(def, "Name"), *unit = json_get(def, "Unit"),
                         *res = json_get(def, "StorageResolution");
            if (!name || name->type != JSON_STRING || !name->u.s.len) continue;
            const json_t *v = json_get(doc, cstr(a, name->u.s));
            size_t nv = v && v->type == JSON_ARRAY ? v->u.arr.n : 1;
            if (!v || nv > MAX_VALUES) continue;
            for (size_t k = 0; k < nv; k++) {
                const json_t *x = v->type == JSON_ARRAY ? v->u.arr.v[k] : v;
                if (!is_num(x) || !isfinite(num(x))) continue;
                d[nd++] = (cw_datum_t){
                    .metric = cstr(a, name->u.s),
                    .dims = dims,
                    .ndims = ndims,
                    .value = num(x),
                    .unit = unit && unit->type == JSON_STRING ? cstr(a, unit->u.s) : NULL,
                    .ts_ms = ts,
                    .resolution = is_num(res) && num(res) == 1 ? 1 : 60,
                };
            }
        }
    }
    return nd;
}

void logs__emf_publish(struct app *app, arena_t *a, str_t account, str_t region, const logs_event_t *ev, size_t n)
{
    const char *acct = NULL, *reg = NULL;
    for (size_t i = 0; i < n; i++) {
        str_t m = ev[i].message;
        /* cheap test before parsing: most log lines are not EMF */
        if (m.len < 8 || m.p[0] != '{' || !memmem(m.p, m.len, "\"_aws\"", 6)) continue;
        const json_t *doc = json_parse(a, m, NULL), *aws = doc ? json_get(doc, "_aws") : NULL;
        const json_t *ts = aws ? json_get(aws, "Timestamp") : NULL,
                     *dirs = aws ? json_get(aws, "CloudWatchMetrics") : NULL;
        if (!is_num(ts) || !dirs || dirs->type != JSON_ARRAY) continue;
        for (size_t k = 0; k < dirs->u.arr.n; k++) {
            const json_t *dir = dirs->u.arr.v[k], *ns = json_get(dir, "Namespace");
            if (!ns || ns->type != JSON_STRING || !ns->u.s.len || ns->u.s.len > 1024) continue;
            size_t room = points_bound(a, doc, dir);
            cw_datum_t *d = room ? ARENA_NEWN(a, cw_datum_t, room) : NULL;
            size_t nd = d ? directive_points(a, doc, dir, (int64_t)num(ts), d) : 0;
            if (!nd) continue;
            if (!acct) {
                acct = cstr(a, account);
                reg = cstr(a, region);
            }
            if (cw_publish_batch(app, acct, reg, cstr(a, ns->u.s), d, nd) != GR_OK)
                log_warn("logs: embedded metrics for %.*s not published", STR_FMT(ns->u.s));
        }
    }
}
