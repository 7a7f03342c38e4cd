/* subscription.c — CloudWatch Logs subscription filters: Put, Describe and
 * DeleteSubscriptionFilter, and the delivery of newly stored events to them.
 *
 * At most two filters per group. Delivery follows every write that stores
 * events (PutLogEvents, and logs_append for Lambda's own output), after its
 * commit: the events a filter's pattern matches go, as AWS sends them, in one
 * gzipped DATA_MESSAGE per write — a Kinesis record (partition key: the log
 * stream), or a Lambda invocation {"awslogs": {"data": base64}} allowed by
 * the function's resource policy for the logs service principal, or through
 * a destination (destination.c) to its stream. A failed
 * delivery is logged and dropped, as AWS retries and then drops it. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gzip.h"
#include "core/json.h"
#include "core/log.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"
#include "services/kinesis/kinesis.h"
#include "services/lambda/lambda.h"

/* AWS quotas: two subscription filters per log group. */
#define MAX_FILTERS 2

/* The parts of an ARN "arn:aws:SERVICE:REGION:ACCOUNT:…" (STR_NULL when absent). */
static void arn_parts(str_t arn, str_t *service, str_t *region, str_t *account)
{
    str_t f[5] = {STR_NULL, STR_NULL, STR_NULL, STR_NULL, STR_NULL};
    size_t k = 0, b = 0;
    for (size_t i = 0; i <= arn.len && k < 5; i++)
        if (i == arn.len || arn.p[i] == ':') {
            f[k++] = str_sub(arn, b, i - b);
            b = i + 1;
        }
    *service = k == 5 ? f[2] : STR_NULL;
    *region = k == 5 ? f[3] : STR_NULL;
    *account = k == 5 ? f[4] : STR_NULL;
}

/* AWS: the function's policy names the logs service principal, in the
 * regional form the console writes or the global one older guides use. */
static int lambda_check(struct app *app, arena_t *a, str_t fn, str_t region, str_t group_arn, bool invoke,
                        str_t payload)
{
    str_t svc[2] = {str_c(arena_printf(a, "logs.%.*s.amazonaws.com", STR_FMT(region))), STR("logs.amazonaws.com")};
    const char *err = NULL;
    for (size_t i = 0; i < 2; i++) {
        /* a refusal comes before anything is queued, so trying the other name never invokes twice */
        if ((invoke ? lambda_invoke_event(app, a, fn, payload, svc[i], group_arn, &err)
                    : lambda_may_invoke(app, a, fn, svc[i], group_arn, &err)) == GR_OK)
            return GR_OK;
    }
    if (invoke) log_warn("logs: subscription delivery to %.*s failed: %s", STR_FMT(fn), err ? err : "?");
    return GR_ERR;
}

/* AWS checks the destination when a filter (or an account subscription
 * policy) is made: the Lambda function lets the logs service invoke it for
 * source_arn, the Kinesis stream exists, a destination lets the caller
 * subscribe; Firehose is not served. GR_OK, or r failed. */
static int destination_ok(req_t *r, sqlite3 *db, str_t dest, str_t source_arn)
{
    arena_t *a = r->arena;
    str_t svc, region, account;
    arn_parts(dest, &svc, &region, &account);
    if (str_eq_c(svc, "lambda")) {
        if (lambda_check(r->app, a, dest, r->region, source_arn, false, STR_NULL) != GR_OK)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Could not execute the lambda function. Make sure you have given CloudWatch Logs "
                            "permission to execute your function.");
    } else if (str_eq_c(svc, "kinesis")) {
        if (!kinesis_stream_exists(r->app, dest))
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Could not deliver test message to specified Kinesis stream. Check if the given kinesis "
                            "stream is in ACTIVE state. ");
    } else if (str_eq_c(svc, "logs")) {
        if (logs__destination_subscribe_ok(r, db, dest) != GR_OK) return GR_ERR;
    } else
        /* Firehose is not served by gureum. */
        return req_fail(
            r, &LOGS_ERR_InvalidParameterException,
            "gureum delivers subscriptions to Lambda functions, Kinesis streams and destinations only: %.*s",
            STR_FMT(dest));
    return GR_OK;
}

/* AWS (recorded answers to PutSubscriptionFilter): a Lambda function of
 * another account is refused before anything else; Kinesis and Firehose
 * need roleArn; then the group, the pattern, the quota and the destination. */
/* The checks that come before anything else: no other account's Lambda
 * function, and a role for Kinesis and Firehose. */
static int vendor_ok(req_t *r, str_t dest, str_t role)
{
    str_t svc, region, account;
    arn_parts(dest, &svc, &region, &account);
    if (str_eq_c(svc, "lambda") && !str_eq(account, r->who.account))
        return req_fail(r, &ERR_AccessDeniedException,
                        "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies "
                        "to create cross account lambda triggers.");
    if ((str_eq_c(svc, "kinesis") || str_eq_c(svc, "firehose")) && !role.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "destinationArn for vendor %.*s cannot be used without roleArn", STR_FMT(svc));
    return GR_OK;
}

/* AWS (PutAccountPolicy, SUBSCRIPTION_FILTER_POLICY): {"DestinationArn",
 * "RoleArn", "FilterPattern", "Distribution"}, checked as a filter's are; a
 * Lambda function must let the logs service invoke it for every group. */
int logs__subscription_policy_ok(req_t *r, const json_t *doc)
{
    const json_t *d = json_get(doc, "DestinationArn"), *role = json_get(doc, "RoleArn");
    const json_t *pat = json_get(doc, "FilterPattern");
    if (!d || d->type != JSON_STRING)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "A subscription filter policy must name its DestinationArn.");
    const char *why = NULL;
    if (pat && (pat->type != JSON_STRING || !logs__filter_compile(r->arena, pat->u.s, &why)))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "%s", why ? why : "Invalid filter pattern");
    if (vendor_ok(r, d->u.s, role && role->type == JSON_STRING ? role->u.s : STR_NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    return destination_ok(r, db, d->u.s,
                          str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:log-group:*", STR_FMT(r->region),
                                             STR_FMT(r->who.account))));
}

int logs_put_subscription_filter(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t dest = val_get_str(in, "destinationArn"), role = val_get_str(in, "roleArn");
    if (vendor_ok(r, dest, role) != GR_OK) return GR_ERR;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__filter_put_or_fail(r, db, in, "subscription_filter", MAX_FILTERS, &g, NULL) != GR_OK) return GR_ERR;
    str_t pattern = val_get_str(in, "filterPattern"), name = val_get_str(in, "filterName");
    if (destination_ok(r, db, dest, logs__group_arn(r, g.name, true)) != GR_OK) return GR_ERR;
    str_t dist = val_get_str(in, "distribution");
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO subscription_filter (gid, name, pattern, dest_arn, role_arn, distribution, "
                       "created_ms, on_transformed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (gid, name) "
                       "DO UPDATE SET pattern = ?3, dest_arn = ?4, role_arn = ?5, distribution = ?6, "
                       "on_transformed = ?8");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, name);
    store_bind_str(st, 3, pattern);
    store_bind_str(st, 4, dest);
    store_bind_str(st, 5, role);
    store_bind_str(st, 6, dist.p ? dist : STR("ByLogStream"));
    sqlite3_bind_int64(st, 7, logs__now_ms());
    sqlite3_bind_int(st, 8, val_get_bool(in, "applyOnTransformedLogs", false));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

typedef struct {
    str_t group; /* the filters' */
    str_t last;  /* the name of the last filter listed */
} filter_page_t;

/* A DescribeSubscriptionFilters item from a row (name, pattern, dest_arn,
 * role_arn, distribution, created_ms, on_transformed) of the filter_page_t's group. */
static val_t *filter_item(req_t *r, sqlite3_stmt *st, void *page)
{
    arena_t *a = r->arena;
    filter_page_t *p = page;
    val_t *f = val_new(a, VAL_STRUCT);
    p->last = store_col_str(a, st, 0);
    val_set_c(a, f, "filterName", val_str(a, p->last));
    val_set_c(a, f, "logGroupName", val_str(a, p->group));
    val_set_c(a, f, "filterPattern", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, f, "destinationArn", val_str(a, store_col_str(a, st, 2)));
    str_t role = store_col_str(a, st, 3);
    if (role.p) val_set_c(a, f, "roleArn", val_str(a, role));
    val_set_c(a, f, "distribution", val_str(a, store_col_str(a, st, 4)));
    val_set_c(a, f, "creationTime", val_int(a, sqlite3_column_int64(st, 5)));
    val_set_c(a, f, "applyOnTransformedLogs", val_bool(a, sqlite3_column_int(st, 6) != 0));
    return f;
}

/* AWS (DescribeSubscriptionFilters): the group's filters in name order,
 * limit 1..50; our nextToken is the last name returned. */
int logs_describe_subscription_filters(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    str_t prefix = val_get_str(in, "filterNamePrefix"), tok = val_get_str(in, "nextToken");
    int64_t limit = val_get_int(in, "limit", 50);
    sqlite3_stmt *st =
        store_stmt(db, "SELECT name, pattern, dest_arn, role_arn, distribution, created_ms, "
                       "on_transformed FROM subscription_filter WHERE gid = ?1 AND substr(name, 1, ?3) = ?2 "
                       "AND name > ?4 ORDER BY name LIMIT ?5");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)prefix.len);
    store_bind_str(st, 4, tok.p ? tok : STR(""));
    sqlite3_bind_int64(st, 5, limit + 1);
    filter_page_t p = {g.name, STR_NULL};
    if (page_rows(r, st, limit, out, "subscriptionFilters", filter_item, &p) > limit)
        val_set_c(r->arena, out, "nextToken", val_str(r->arena, p.last));
    return GR_OK;
}

int logs_delete_subscription_filter(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return logs__filter_delete_or_fail(r, in, "subscription_filter",
                                       "The specified subscription filter does not exist.");
}

/* ==== Delivery ==== */

/* AWS ("Using CloudWatch Logs subscription filters", the data's format). */
static str_t data_message(arena_t *a, str_t account, str_t group, str_t stream, str_t filter, const logs_event_t *ev,
                          const int64_t *ids, const bool *hit, size_t n)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("messageType"));
    json_w_str(&w, STR("DATA_MESSAGE"));
    json_w_key(&w, STR("owner"));
    json_w_str(&w, account);
    json_w_key(&w, STR("logGroup"));
    json_w_str(&w, group);
    json_w_key(&w, STR("logStream"));
    json_w_str(&w, stream);
    json_w_key(&w, STR("subscriptionFilters"));
    json_w_arr_begin(&w);
    json_w_str(&w, filter);
    json_w_arr_end(&w);
    json_w_key(&w, STR("logEvents"));
    json_w_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        if (!hit[i]) continue;
        json_w_obj_begin(&w);
        json_w_key(&w, STR("id"));
        json_w_str(&w, str_c(arena_printf(a, "%024lld%032lld", (long long)ev[i].ts_ms, (long long)ids[i])));
        json_w_key(&w, STR("timestamp"));
        json_w_int(&w, ev[i].ts_ms);
        json_w_key(&w, STR("message"));
        json_w_str(&w, ev[i].message);
        json_w_obj_end(&w);
    }
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    return buf_str(&b);
}

typedef struct {
    str_t name, pattern, dest;
    bool on_transformed;
} sub_t;

void logs__subscriptions_deliver(struct app *app, arena_t *a, str_t account, str_t region, int64_t gid, str_t group,
                                 str_t stream, const logs_event_t *transformed, const logs_event_t *original,
                                 const int64_t *ids, size_t n)
{
    sqlite3 *db = logs__db(app);
    if (!db || !n) return;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT name, pattern, dest_arn, on_transformed FROM subscription_filter WHERE gid = ?1");
    if (!st) return;
    sqlite3_bind_int64(st, 1, gid);
    sub_t subs[MAX_FILTERS + 2];
    size_t ns = 0;
    while (ns <= MAX_FILTERS && sqlite3_step(st) == SQLITE_ROW)
        subs[ns++] = (sub_t){store_col_str(a, st, 0), store_col_str(a, st, 1), store_col_str(a, st, 2),
                             sqlite3_column_int(st, 3) != 0};
    store_release(st); /* before delivering: Lambda and Kinesis use their own connections */
    /* AWS: the account's subscription filter policy reaches every group its
     * selection criteria do not leave out, beside the group's own filters. */
    logs_policy_t p;
    logs_group_t g = {.id = gid, .name = group};
    const json_t *doc = logs__account_policy_for(db, a, account, region, &g, "SUBSCRIPTION_FILTER_POLICY", &p) == 1
                            ? json_parse(a, p.document, NULL)
                            : NULL;
    const json_t *dest = doc ? json_get(doc, "DestinationArn") : NULL,
                 *pat = doc ? json_get(doc, "FilterPattern") : NULL;
    const json_t *on = doc ? json_get(doc, "ApplyOnTransformedLogs") : NULL;
    if (dest && dest->type == JSON_STRING)
        subs[ns++] = (sub_t){p.name, pat && pat->type == JSON_STRING ? pat->u.s : STR(""), dest->u.s,
                             on && on->type == JSON_BOOL && on->u.b};
    bool *hit = ns ? ARENA_NEWN(a, bool, n) : NULL;
    for (size_t k = 0; hit && k < ns; k++) {
        /* AWS: a filter reads the events as they arrived unless it asked
         * for them as the group's transformer left them. */
        const logs_event_t *ev = subs[k].on_transformed || !original ? transformed : original;
        logs_filter_t *f = logs__filter_compile(a, subs[k].pattern, NULL);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) m += (hit[i] = f && logs__filter_match(f, a, ev[i].message));
        if (!m) continue;
        str_t zipped = gzip_of(a, data_message(a, account, group, stream, subs[k].name, ev, ids, hit, n));
        if (!zipped.p) continue;
        str_t svc, dregion, daccount;
        arn_parts(subs[k].dest, &svc, &dregion, &daccount);
        /* a destination (maybe another account's) passes the events on to its stream */
        str_t target = str_eq_c(svc, "logs") ? logs__destination_target(db, a, subs[k].dest) : subs[k].dest;
        if (str_eq_c(svc, "kinesis") || (str_eq_c(svc, "logs") && target.p)) {
            if (kinesis_put(app, target, stream, zipped) != GR_OK)
                log_warn("logs: subscription delivery to %.*s failed", STR_FMT(subs[k].dest));
        } else if (str_eq_c(svc, "lambda")) {
            str_t payload =
                str_c(arena_printf(a, "{\"awslogs\":{\"data\":\"%s\"}}", arena_base64(a, zipped.p, zipped.len).p));
            str_t garn = str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:%.*s:*", STR_FMT(region),
                                            STR_FMT(account), STR_FMT(group)));
            lambda_check(app, a, subs[k].dest, region, garn, true, payload);
        }
    }
}
