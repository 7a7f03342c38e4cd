/* put.c — PutMetricData: every datum checked as AWS checks it, then each
 * stored with cw__store (metrics.c) in one transaction, so a refused request
 * stores nothing (AWS: the request fails as a whole).
 *
 * Sits after the dispatcher (the body already inflated when the SDK gzip'd
 * it: the registry row's edge) and before the store. EntityMetricData
 * (botocore 1.43) is accepted and its MetricData stored like the request's
 * own; the entity itself is not kept (nothing in the API reads it back).
 * Texts: AWS's where on record (the Values limit); otherwise the wording of
 * the AWS-compatible Eucalyptus CloudWatch, marked "not on record". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"

#define E_VALUE (&CLOUDWATCH_ERR_InvalidParameterValueException)
#define E_COMBO (&CLOUDWATCH_ERR_InvalidParameterCombinationException)
#define E_MISSING (&CLOUDWATCH_ERR_MissingRequiredParameterException)

/* AWS: "Values must be in the range of -2^360 to 2^360. In addition, special
 * values (for example, NaN, +Infinity, -Infinity) are not supported." Older
 * text: "values that are either too small or too large" are refused, the
 * range 8.515920e-109 to 1.174271e+108 (Base 10) or 2e-360 to 2e360 (Base 2). */
static bool value_ok(double v)
{
    if (!isfinite(v)) return false;
    double m = fabs(v);
    return m == 0 || (m <= 0x1p360 && m >= 0x1p-360);
}

/* A number of a request as AWS writes it back in an error ("1.0E400" would
 * not parse; %g is close to Java's Double.toString). */
static const char *num(arena_t *a, double v)
{
    if (isnan(v)) return "NaN";
    if (isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    return arena_printf(a, "%g", v);
}

static int cmp_pair(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* One datum `d` named `at` ("MetricData.member.3"): checked, then stored.
 * GR_ERR with r failed, or GR_ERR unfailed when the store fails. */
static int put_datum(req_t *r, sqlite3 *db, str_t ns, const val_t *d, const char *at, int64_t now)
{
    arena_t *a = r->arena;
    const val_t *dims = val_get(d, "Dimensions");
    const val_t *value = val_get(d, "Value");
    const val_t *values = val_get(d, "Values");
    const val_t *counts = val_get(d, "Counts");
    const val_t *set = val_get(d, "StatisticValues");
    if (values && !val_len(values)) values = NULL;
    if (counts && !val_len(counts)) counts = NULL;

    size_t nd = val_len(dims);
    /* AWS: "Dimensions ... Array Members: Maximum number of 30 items." */
    if (nd > 30) return req_fail(r, E_VALUE, "The collection %s.Dimensions must not have a size greater than 30.", at);
    cw__dim_t *dv = ARENA_NEWN(a, cw__dim_t, nd + 1);
    for (size_t i = 0; i < nd; i++) {
        dv[i].name = val_get_str(dims->u.list.v[i], "Name");
        dv[i].value = val_get_str(dims->u.list.v[i], "Value");
        for (size_t j = 0; j < i; j++)
            /* AWS (recorded, the AWS SDK for Java's report): "No metric
             * may specify the same dimension name twice." (moto, whose
             * tests store such a datum, differs). */
            if (str_eq(dv[j].name, dv[i].name))
                return req_fail(r, E_VALUE, "No metric may specify the same dimension name twice.");
    }

    /* Value, Values (+Counts) and StatisticValues: exactly one. */
    if (value && values)
        return req_fail(r, E_VALUE,
                        "The parameters %s.Value and %s.Values are mutually exclusive and you have specified both.", at,
                        at);
    if ((value || values) && set)
        return req_fail(r, E_COMBO,
                        "The parameters %s.%s and %s.StatisticValues are mutually exclusive and you have specified "
                        "both.",
                        at, value ? "Value" : "Values", at);
    /* AWS (recorded, goamz's report of AWS's answer): a datum with no value
     * is refused as InvalidParameterCombination, "At least one of the
     * parameters MetricData.member.1.Value and MetricData.member.1.
     * StatisticValues must be specified." (moto, whose tests expect it
     * stored, differs). */
    if (!value && !values && !set)
        return req_fail(r, E_COMBO, "At least one of the parameters %s.Value and %s.StatisticValues must be specified.",
                        at, at);
    if (counts && !values)
        return req_fail(r, E_COMBO, "The parameter %s.Counts must be specified together with %s.Values.", at, at);

    cw__agg_t agg = {0};
    if (value) {
        double v = value->u.f;
        if (!value_ok(v)) return req_fail(r, E_VALUE, "The value %s for parameter %s.Value is invalid.", num(a, v), at);
        double *p = ARENA_NEWN(a, double, 2);
        p[0] = v;
        p[1] = 1;
        agg = (cw__agg_t){1, v, v, v, p, 1};
    } else if (values) {
        size_t n = val_len(values);
        /* AWS (recorded, the AWS SDK for Java's report): "The collection
         * MetricData.member.1.Values must not have a size greater than 150." */
        if (n > 150) return req_fail(r, E_VALUE, "The collection %s.Values must not have a size greater than 150.", at);
        if (counts && val_len(counts) != n)
            return req_fail(r, E_VALUE, "The parameters %s.Values and %s.Counts must be of the same size.", at, at);
        double *p = ARENA_NEWN(a, double, 2 * n);
        agg.min = INFINITY;
        agg.max = -INFINITY;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            double v = values->u.list.v[i]->u.f, c = counts ? counts->u.list.v[i]->u.f : 1;
            if (!value_ok(v))
                return req_fail(r, E_VALUE, "The value %s for parameter %s.Values.member.%zu is invalid.", num(a, v),
                                at, i + 1);
            if (!isfinite(c) || c < 0)
                return req_fail(r, E_VALUE, "The value %s for parameter %s.Counts.member.%zu is invalid.", num(a, c),
                                at, i + 1);
            /* AWS: "If you include a Counts array, ... values with a count
             * of 0 are not published" — they contribute nothing. */
            if (c == 0) continue;
            p[2 * k] = v;
            p[2 * k + 1] = c;
            k++;
            agg.n += c;
            agg.sum += v * c;
            agg.min = fmin(agg.min, v);
            agg.max = fmax(agg.max, v);
        }
        if (!k) return GR_OK;
        qsort(p, k, 2 * sizeof(double), cmp_pair);
        agg.pairs = cw__pairs_merge(a, p, k, NULL, 0, &agg.npairs);
    } else {
        double sc = val_get(set, "SampleCount")->u.f, sum = val_get(set, "Sum")->u.f;
        double mn = val_get(set, "Minimum")->u.f, mx = val_get(set, "Maximum")->u.f;
        const char *bad = !value_ok(sc)    ? "SampleCount"
                          : !value_ok(sum) ? "Sum"
                          : !value_ok(mn)  ? "Minimum"
                          : !value_ok(mx)  ? "Maximum"
                                           : NULL;
        if (bad)
            return req_fail(r, E_VALUE, "The value %s for parameter %s.StatisticValues.%s is invalid.",
                            num(a, val_get(set, bad)->u.f), at, bad);
        /* Eucalyptus's texts (not on record for AWS). */
        if (mx < mn)
            return req_fail(r, E_MISSING,
                            "The parameter %s.StatisticValues.Maximum must be greater than %s.StatisticValues.Minimum.",
                            at, at);
        if (sc <= 0)
            return req_fail(r, E_MISSING, "The parameter %s.StatisticValues.SampleCount must be greater than 0.", at);
        agg = (cw__agg_t){sc, sum, mn, mx, NULL, 0};
        /* AWS: percentiles of a statistic set are available when "Min and
         * Max are equal, and Sum is equal to Min multiplied by SampleCount"
         * (SampleCount 1 with all equal is the same case): its samples are
         * then known. */
        if (mn == mx && fabs(sum - mn * sc) <= 1e-9 * fmax(1, fabs(sum))) {
            double *p = ARENA_NEWN(a, double, 2);
            p[0] = mn;
            p[1] = sc;
            agg.pairs = p;
            agg.npairs = 1;
        }
    }

    /* AWS: "You can send data with timestamps up to two weeks in the past
     * and up to two hours into the future." Text: Eucalyptus's (not on
     * record for AWS). */
    int64_t ts = now;
    const val_t *t = val_get(d, "Timestamp");
    if (t) {
        ts = t->u.t / 1000;
        if (ts < now - 14 * 86400000LL || ts > now + 2 * 3600000LL)
            return req_fail(r, E_VALUE, "The parameter %s.Timestamp must specify a time within the past two weeks.",
                            at);
    }
    /* AWS: "Valid values are 1 and 60." Text: AWS's (recorded, botocore
     * issue 1671: "The parameter MetricData.member.1.StorageResolution must
     * be a value in the set [ 1, 60 ].") */
    int64_t res = val_get_int(d, "StorageResolution", 60);
    if (res != 1 && res != 60)
        return req_fail(r, E_VALUE, "The parameter %s.StorageResolution must be a value in the set [ 1, 60 ].", at);
    str_t unit = val_get_str(d, "Unit");
    if (!unit.p) unit = str_c("None");
    return cw__store(db, a, r->who.account, r->region, ns, val_get_str(d, "MetricName"), dv, nd, unit, (int)res, ts,
                     &agg);
}

/* The data of one list (the request's MetricData, or one entity's) named
 * prefix ("MetricData", "EntityMetricData.member.2.MetricData"). */
static int put_list(req_t *r, sqlite3 *db, str_t ns, const val_t *list, const char *prefix, int64_t now)
{
    for (size_t i = 0; i < val_len(list); i++) {
        const char *at = arena_printf(r->arena, "%s.member.%zu", prefix, i + 1);
        if (put_datum(r, db, ns, list->u.list.v[i], at, now) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

int cloudwatch_put_metric_data(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t ns = val_get_str(in, "Namespace");
    /* AWS: names beginning with "AWS/" are reserved for AWS's own metrics.
     * Text: as Eucalyptus writes it and clients quote it from AWS. */
    if (str_starts_with(ns, str_c("AWS/")))
        return req_fail(r, E_VALUE, "The value AWS/ for parameter Namespace is invalid.");
    const val_t *data = val_get(in, "MetricData");
    const val_t *ent = val_get(in, "EntityMetricData");
    size_t total = val_len(data);
    for (size_t i = 0; i < val_len(ent); i++) total += val_len(val_get(ent->u.list.v[i], "MetricData"));
    if (!total && !val_len(ent)) return req_fail(r, E_MISSING, "The parameter MetricData is required.");
    /* AWS: "Each request is also limited to no more than 1000 different
     * metrics" (MetricData: "Maximum number of 1000 items"). */
    if (val_len(data) > 1000)
        return req_fail(r, E_VALUE, "The collection MetricData must not have a size greater than 1000.");
    if (total > 1000) return req_fail(r, E_VALUE, "The request must not contain more than 1000 metric data in all.");

    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    if (cw__begin(db) != GR_OK) return GR_ERR;
    int64_t now = cw__now_ms();
    int rc = put_list(r, db, ns, data, "MetricData", now);
    for (size_t i = 0; rc == GR_OK && i < val_len(ent); i++) {
        const char *at = arena_printf(r->arena, "EntityMetricData.member.%zu.MetricData", i + 1);
        rc = put_list(r, db, ns, val_get(ent->u.list.v[i], "MetricData"), at, now);
    }
    if (cw__end(db, rc == GR_OK) != GR_OK) return GR_ERR;
    return GR_OK;
}
