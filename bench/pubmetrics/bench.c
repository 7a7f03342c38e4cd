/* bench.c — what services/pubmetrics.c adds to a request: the CPU cost of
 * pubm_add, the in-memory count a hot path makes per AWS/<Service> metric,
 * in the shapes the services use it (SQS SendMessage: 2 counts; DynamoDB
 * PutItem: capacity and latency with its sample; a Lambda invocation that
 * ends: 13 counts and samples across its dimension sets), and of the
 * ticker's flush per aggregate (CloudWatch's store stubbed out: its cost is
 * one transaction per namespace a minute, not per request). Prints ns per
 * request-shaped call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/app.h"
#include "services/cloudwatch/metrics.h"
#include "services/pubmetrics.h"

static size_t published;

/* The store is not measured here: count what would be written. */
int cw_publish_batch(struct app *app, const char *account, const char *region, const char *ns, const cw_datum_t *d,
                     size_t n)
{
    (void)app, (void)account, (void)region, (void)ns, (void)d;
    published += n;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const str_t ACCT = {"000000000000", 12}, REG = {"us-east-1", 9};

static void sqs_send(app_t *app, long i, int queues)
{
    char name[32];
    int n = snprintf(name, sizeof name, "queue-%ld", i % queues);
    pubm_dim_t d = {"QueueName", str_n(name, (size_t)n)};
    pubm_add(app, ACCT, REG, "AWS/SQS", "NumberOfMessagesSent", &d, 1, "Count", 1, false);
    pubm_add(app, ACCT, REG, "AWS/SQS", "SentMessageSize", &d, 1, "Bytes", 100 + (double)(i % 900), false);
}

static void ddb_put(app_t *app, long i)
{
    pubm_dim_t d[2] = {{"TableName", STR("bench-table")}, {"Operation", STR("PutItem")}};
    pubm_add(app, ACCT, REG, "AWS/DynamoDB", "ConsumedWriteCapacityUnits", d, 1, "Count", 1, false);
    pubm_add(app, ACCT, REG, "AWS/DynamoDB", "SuccessfulRequestLatency", d, 2, "Milliseconds", 0.2 + (i % 50) * 0.01,
             true);
}

static void lambda_end(app_t *app, long i)
{
    pubm_dim_t d[3] = {{"FunctionName", STR("fn")}, {"Resource", STR("fn:live")}, {"ExecutedVersion", STR("3")}};
    static const char *const m[3] = {"Invocations", "Errors", "Duration"};
    for (int k = 0; k < 3; k++)
        for (size_t nd = 0; nd <= 3; nd++)
            pubm_add(app, ACCT, REG, "AWS/Lambda", m[k], d, nd, k == 2 ? "Milliseconds" : "Count",
                     k == 2 ? 10 + (double)(i % 100) : 1, k == 2);
    pubm_add(app, ACCT, REG, "AWS/Lambda", "ConcurrentExecutions", NULL, 0, "Count", 1, false);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 1000000;
    app_t app = {0};
    app.metrics = pubm_new();
    if (!app.metrics) return 1;

    double t0 = now_s();
    for (long i = 0; i < iters; i++) sqs_send(&app, i, 1);
    double t1 = now_s();
    printf("SQS SendMessage, one queue     (2 counts):           %6.1f ns/request\n", (t1 - t0) * 1e9 / iters);
    pubm_flush(&app, true);

    t0 = now_s();
    for (long i = 0; i < iters; i++) sqs_send(&app, i, 1000);
    t1 = now_s();
    printf("SQS SendMessage, 1000 queues   (2 counts):           %6.1f ns/request\n", (t1 - t0) * 1e9 / iters);
    size_t before = published;
    double f0 = now_s();
    pubm_flush(&app, true);
    double f1 = now_s();
    printf("flush of %zu aggregates (store stubbed):            %6.1f us/aggregate\n", published - before,
           (f1 - f0) * 1e6 / (double)(published - before));

    t0 = now_s();
    for (long i = 0; i < iters; i++) ddb_put(&app, i);
    t1 = now_s();
    printf("DynamoDB PutItem (units + latency with sample):     %6.1f ns/request\n", (t1 - t0) * 1e9 / iters);
    pubm_flush(&app, true);

    long li = iters / 5;
    t0 = now_s();
    for (long i = 0; i < li; i++) lambda_end(&app, i);
    t1 = now_s();
    printf("Lambda invocation end (13 observations):            %6.1f ns/invocation\n", (t1 - t0) * 1e9 / li);
    pubm_flush(&app, true);
    pubm_free(app.metrics);
    return 0;
}
