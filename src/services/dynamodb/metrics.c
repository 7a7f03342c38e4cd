/* metrics.c — DynamoDB's own AWS/DynamoDB metrics, counted in memory
 * (services/pubmetrics.h) and published to CloudWatch by the ticker.
 *
 * Two places count: capacity.c, which knows the units each operation
 * consumed (ConsumedReadCapacityUnits, ConsumedWriteCapacityUnits, as
 * ddb__metric_units), and the registry's answered hook (ddb_answered, here),
 * which sees every answer of DynamoDB and its Streams with its status and
 * time: SuccessfulRequestLatency, ReturnedItemCount, ThrottledRequests,
 * ConditionalCheckFailedRequests and UserErrors. Both run on the event loop
 * that answers and cost a hash lookup each. */
#include <string.h>

#include "core/gtime.h"
#include "services/app.h"
#include "services/dynamodb/ddb.h"
#include "services/dynamodb/tbl.h"
#include "services/pubmetrics.h"
#include "services/registry.h"

#define NS "AWS/DynamoDB"

void ddb__metric_units(req_t *r, const ddb_table_t *t, const ddb_index_t *x, double units, bool write)
{
    str_t account, region, rest;
    if (!pubm_arn_scope(t->arn, &region, &account, &rest)) {
        account = r->who.account;
        region = r->region;
    }
    /* AWS: the Sum per minute is the units consumed in that minute; an
     * index's own units go to TableName + GlobalSecondaryIndexName */
    pubm_dim_t d[2] = {{"TableName", t->name}, {"GlobalSecondaryIndexName", x ? x->name : STR_NULL}};
    pubm_add(r->app, account, region, NS, write ? "ConsumedWriteCapacityUnits" : "ConsumedReadCapacityUnits", d,
             x ? 2 : 1, "Count", units, false);
}

/* AWS ("DynamoDB Metrics and dimensions"): UserErrors counts the 400s of
 * DynamoDB and its Streams for the account and region, without dimensions,
 * but not failed conditions (ConditionalCheckFailedRequests, per table) —
 * nor throttling (ThrottledRequests, per table and operation), which gureum
 * keeps apart too (not on record). */
void ddb_answered(req_t *r)
{
    if (!r->op || !r->who.account.len) return; /* unauthenticated or unknown: nobody's account */
    int status = r->resp.status;
    str_t table = r->in ? val_get_str(r->in, "TableName") : STR_NULL;
    str_t op = str_c(r->op->name);
    const char *code = r->err ? r->err->code : NULL;
    bool throttled = code && (strcmp(code, "ProvisionedThroughputExceededException") == 0 ||
                              strcmp(code, "ThrottlingException") == 0 || strcmp(code, "RequestLimitExceeded") == 0);
    bool cond = code && strcmp(code, "ConditionalCheckFailedException") == 0;
    pubm_dim_t d[2] = {{"TableName", table}, {"Operation", op}};
    if (status >= 200 && status < 300 && table.len) {
        /* AWS: milliseconds from DynamoDB's receipt of the request to its answer */
        double ms = (double)(time_mono_us() - r->start_us) / 1000.0;
        pubm_add(r->app, r->who.account, r->region, NS, "SuccessfulRequestLatency", d, 2, "Milliseconds", ms, true);
        bool read_op = str_eq_c(op, "Query") || str_eq_c(op, "Scan");
        int64_t count = read_op && r->out ? val_get_int(r->out, "Count", -1) : -1;
        if (count >= 0)
            pubm_add(r->app, r->who.account, r->region, NS, "ReturnedItemCount", d, 2, "Count", (double)count, false);
    } else if (throttled) {
        if (table.len) pubm_add(r->app, r->who.account, r->region, NS, "ThrottledRequests", d, 2, "Count", 1, false);
    } else if (cond) {
        if (table.len)
            pubm_add(r->app, r->who.account, r->region, NS, "ConditionalCheckFailedRequests", d, 1, "Count", 1, false);
    } else if (status >= 400 && status < 500) {
        pubm_add(r->app, r->who.account, r->region, NS, "UserErrors", NULL, 0, "Count", 1, false);
    }
}
