/* gauges.c — the AWS/SQS metrics that are measurements of a queue rather
 * than counts of calls: ApproximateNumberOfMessagesVisible, …NotVisible,
 * …Delayed and ApproximateAgeOfOldestMessage, sampled by sqs_tick on the
 * ticker thread once per metrics period (a minute) and published straight to
 * CloudWatch (the counted metrics go through services/pubmetrics.h instead).
 *
 * AWS: a queue's metrics are emitted only while it is active — it holds
 * messages, or had API activity in the last six hours. Activity here is
 * what pubmetrics saw published for the queue (sends, receives, empty
 * receives, deletes) or a create or attribute change, within six hours. */
#include <sqlite3.h>
#include <stdlib.h>

#include "core/log.h"
#include "services/cloudwatch/metrics.h"
#include "services/pubmetrics.h"
#include "services/sqs/sqs.h"
#include "store/store.h"

#define ACTIVE_MS (6LL * 3600 * 1000)

/* Publishes the gauges of one account's and region's queues gathered so
 * far (d[0..n)). */
static void flush_batch(struct app *app, const char *account, const char *region, cw_datum_t *d, size_t n)
{
    if (n) cw_publish_batch(app, account, region, "AWS/SQS", d, n);
}

void sqs__gauges(struct app *app, sqlite3 *db, int64_t now)
{
    /* One pass over the messages, grouped by queue: the same three states
     * GetQueueAttributes counts (visible, in flight, delayed), and the
     * oldest message's send time. */
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT q.account, q.region, q.name, max(q.created_ms, q.modified_ms), m.n, m.vis, m.inflight, "
                      "m.delayed, m.oldest FROM queue q LEFT JOIN (SELECT qid, count(*) AS n, "
                      "sum(visible_ms <= ?1) AS vis, sum(visible_ms > ?1 AND receive_count > 0) AS inflight, "
                      "sum(visible_ms > ?1 AND receive_count = 0) AS delayed, min(sent_ms) AS oldest "
                      "FROM message GROUP BY qid) m ON m.qid = q.id ORDER BY q.account, q.region",
                      -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, now);
    arena_t *a = arena_new(0);
    if (!a) {
        store_release(st);
        return;
    }
    size_t cap = 256, n = 0;
    cw_datum_t *d = ARENA_NEWN(a, cw_datum_t, cap);
    str_t account = STR_NULL, region = STR_NULL;
    while (d && sqlite3_step(st) == SQLITE_ROW) {
        str_t acct = str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        str_t reg = str_n((const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
        if (!str_eq(acct, account) || !str_eq(reg, region) || n + 4 > cap) {
            flush_batch(app, account.p, region.p, d, n);
            n = 0;
            account = arena_str(a, acct);
            region = arena_str(a, reg);
        }
        const char *name = arena_str(a, str_c((const char *)sqlite3_column_text(st, 2))).p;
        int64_t msgs = sqlite3_column_int64(st, 4);
        pubm_dim_t pd = {"QueueName", str_c(name)};
        bool active = msgs > 0 || now - sqlite3_column_int64(st, 3) <= ACTIVE_MS ||
                      pubm_recent(app, account, region, "AWS/SQS", &pd, 1, ACTIVE_MS);
        if (!active) continue;
        cw_dim_t *dim = ARENA_NEWN(a, cw_dim_t, 1);
        if (!dim) break;
        dim->name = "QueueName";
        dim->value = name;
        static const char *const names[] = {"ApproximateNumberOfMessagesVisible",
                                            "ApproximateNumberOfMessagesNotVisible",
                                            "ApproximateNumberOfMessagesDelayed"};
        for (int i = 0; i < 3; i++)
            d[n++] = (cw_datum_t){.metric = names[i],
                                  .dims = dim,
                                  .ndims = 1,
                                  .value = (double)sqlite3_column_int64(st, 5 + i),
                                  .unit = "Count",
                                  .ts_ms = now};
        /* AWS: the age is reported while the queue holds a message */
        if (msgs > 0) {
            int64_t age = (now - sqlite3_column_int64(st, 8)) / 1000;
            d[n++] = (cw_datum_t){.metric = "ApproximateAgeOfOldestMessage",
                                  .dims = dim,
                                  .ndims = 1,
                                  .value = (double)(age > 0 ? age : 0),
                                  .unit = "Seconds",
                                  .ts_ms = now};
        }
    }
    store_release(st);
    flush_batch(app, account.p, region.p, d, n);
    arena_free(a);
}
