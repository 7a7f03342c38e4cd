/* policy.c — CloudWatch Logs resource policies (Put/Describe/
 * DeleteResourcePolicy) and the write an AWS service makes into a group on
 * their strength (logs_put_from_service: EventBridge's log-group targets).
 *
 * A policy belongs to the account and region, not to one group; its
 * statements name the groups. A service principal writes to
 * "…:log-group:G:log-stream:S" when a statement allows it logs:CreateLogStream
 * and logs:PutLogEvents there and none denies (AWS: EventBridge user guide,
 * "CloudWatch Logs permissions"). */
#include <sqlite3.h>
#include <stdio.h>

#include "auth/policy.h"
#include "core/json.h"
#include "core/log.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

/* AWS quotas (recorded LimitExceededException): 10 resource policies per
 * account and region. */
#define MAX_POLICIES 10

static val_t *policy_val(arena_t *a, str_t name, str_t doc, int64_t updated_ms)
{
    val_t *p = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "policyName", val_str(a, name));
    val_set_c(a, p, "policyDocument", val_str(a, doc));
    val_set_c(a, p, "lastUpdatedTime", val_int(a, updated_ms));
    val_set_c(a, p, "policyScope", val_cstr(a, "ACCOUNT"));
    return p;
}

int logs_put_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "policyName"), doc = val_get_str(in, "policyDocument");
    if (!name.p || !doc.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "policyName and policyDocument are required.");
    /* AWS (recorded): a document is kept as given, even one whose Resource
     * is no ARN ("log_arn") or that has no Version; only what is not a JSON
     * object is refused. Statements the evaluator cannot read allow nothing. */
    const json_t *j = json_parse(a, doc, NULL);
    if (!j || j->type != JSON_OBJECT)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Policy document is not a valid JSON object.");
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*), sum(name = ?3) FROM resource_policy "
                                      "WHERE account = ?1 AND region = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    bool full = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= MAX_POLICIES &&
                sqlite3_column_int64(st, 1) == 0;
    store_release(st);
    if (full) return req_fail(r, &LOGS_ERR_LimitExceededException, "Resource limit exceeded.");
    int64_t now = logs__now_ms();
    st = store_stmt(db, "INSERT INTO resource_policy (account, region, name, document, updated_ms) VALUES "
                        "(?1, ?2, ?3, ?4, ?5) ON CONFLICT (account, region, name) DO UPDATE SET document = ?4, "
                        "updated_ms = ?5");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, doc);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    return val_set_c(a, out, "resourcePolicy", policy_val(a, name, doc, now));
}

/* A DescribeResourcePolicies item from a row (id, name, document,
 * updated_ms); its id goes to *last. */
static val_t *policy_item(req_t *r, sqlite3_stmt *st, void *last)
{
    *(long long *)last = sqlite3_column_int64(st, 0);
    return policy_val(r->arena, store_col_str(r->arena, st, 1), store_col_str(r->arena, st, 2),
                      sqlite3_column_int64(st, 3));
}

/* AWS: in the order they were made; limit 1..50, our nextToken the row id
 * of the last one returned. */
int logs_describe_resource_policies(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    int64_t limit = val_get_int(in, "limit", 50);
    long long after;
    if (logs__offset_token(r, in, &after) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name, document, updated_ms FROM resource_policy "
                                      "WHERE account = ?1 AND region = ?2 AND id > ?3 ORDER BY id LIMIT ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int64(st, 4, limit + 1);
    long long last = 0;
    if (page_rows(r, st, limit, out, "resourcePolicies", policy_item, &last) > limit)
        val_set_c(r->arena, out, "nextToken", val_cstr(r->arena, arena_printf(r->arena, "%lld", last)));
    return GR_OK;
}

int logs_delete_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "policyName");
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM resource_policy WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    bool gone = rc == GR_OK && sqlite3_changes(db) == 1;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!gone)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Policy with name [%.*s] does not exist.",
                        STR_FMT(name));
    return GR_OK;
}

/* ==== Writes by AWS services (logs.h) ==== */

/* The verdict of the account's resource policies for service doing action
 * on resource (Deny in any wins, else Allow in any). */
static policy_result_t verdict(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t service, str_t source_arn,
                               const char *action, str_t resource)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT document FROM resource_policy WHERE account = ?1 AND region = ?2");
    if (!st) return POLICY_IMPLICIT_DENY;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    principal_t who = {.arn = service, .user_id = service};
    policy_ctx_t ctx[2] = {{STR("aws:SourceArn"), &source_arn, 1}, {STR("aws:SourceAccount"), &account, 1}};
    policy_req_t pr = {.action = str_c(action), .resource = resource, .who = &who, .ctx = ctx, .nctx = 2};
    policy_result_t best = POLICY_IMPLICIT_DENY;
    while (best != POLICY_EXPLICIT_DENY && sqlite3_step(st) == SQLITE_ROW) {
        policy_t *p = policy_parse(store_col_str(a, st, 0), POLICY_RESOURCE, NULL, 0);
        if (!p) continue;
        policy_result_t v = policy_eval_one(p, &pr);
        policy_free(p);
        if (v != POLICY_IMPLICIT_DENY) best = v;
    }
    store_release(st);
    return best;
}

int logs_put_from_service(struct app *app, arena_t *a, str_t account, str_t region, str_t group, str_t stream,
                          str_t service, str_t source_arn, const logs_event_t *ev, size_t n, const char **err)
{
    *err = NULL;
    sqlite3 *db = logs__db(app);
    if (!db) {
        *err = "internal error";
        return GR_ERR;
    }
    logs_group_t g;
    if (logs__group(db, a, account, region, group, &g) != GR_OK) {
        *err = "The specified log group does not exist.";
        return GR_ERR;
    }
    str_t res = str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:%.*s:log-stream:%.*s", STR_FMT(region),
                                   STR_FMT(account), STR_FMT(group), STR_FMT(stream)));
    if (verdict(db, a, account, region, service, source_arn, "logs:CreateLogStream", res) != POLICY_ALLOW ||
        verdict(db, a, account, region, service, source_arn, "logs:PutLogEvents", res) != POLICY_ALLOW) {
        *err = arena_printf(a, "%.*s is not authorized by the resource policies of log group %.*s", STR_FMT(service),
                            STR_FMT(group));
        return GR_ERR;
    }
    if (logs_append(app, account, region, group, stream, ev, n) != GR_OK) {
        *err = "internal error";
        return GR_ERR;
    }
    return GR_OK;
}
