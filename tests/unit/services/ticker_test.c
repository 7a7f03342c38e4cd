/* ticker_test.c — the background ticker (services/ticker.c) over the
 * loopback harness: a DynamoDB item past its TTL and stream records past
 * their 24 hours go while no request comes, and ticker_stop joins the
 * thread, so every store connection it opened is closed before the store is
 * (what main relies on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/gtime.h"
#include "harness/loopback.h"
#include "schemas.h"
#include "services/ticker.h"
#include "store/store.h"

size_t store__nconns(store_t *s); /* store/db.c, for tests */

static int setup(void **state)
{
    setenv("GUREUM_TICK_MS", "20", 1);
    return loopback_setup(state);
}

static void ddb_call(const char *op, const char *body)
{
    char target[96];
    snprintf(target, sizeof target, "X-Amz-Target: DynamoDB_20120810.%s", op);
    lb_call_t c = {
        .body = body, .headers = {"Content-Type: application/x-amz-json-1.0", target}, .service = "dynamodb"};
    req_t *r = loopback_call(lb, &c);
    int status = r->resp.status;
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)r->resp.body.len, r->resp.body.p);
    arena_free(r->arena);
    if (status != 200) fail_msg("%s: status %d: %s", op, status, text);
}

/* One count from DynamoDB's storage, read on this thread's connection. */
static int stored(const char *sql)
{
    sqlite3 *db = store_db(lb->app.store, &schema_dynamodb);
    sqlite3_stmt *st;
    assert_int_equal(SQLITE_OK, store_prepare(db, sql, -1, &st, NULL));
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    store_release(st);
    return n;
}

/* Rows of table "tkt". */
static int stored_items(void)
{
    return stored("SELECT count(*) FROM ddb_item WHERE tid = (SELECT tid FROM ddb_table WHERE name = 'tkt')");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void ttl_goes_without_requests(void **state)
{
    (void)state;
    ddb_call("CreateTable", "{\"TableName\":\"tkt\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                            "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":"
                            "\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
    ddb_call("UpdateTimeToLive",
             "{\"TableName\":\"tkt\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"exp\"}}");
    char body[256];
    long long now = (long long)(time_now_us() / 1000000);
    snprintf(body, sizeof body, "{\"TableName\":\"tkt\",\"Item\":{\"pk\":{\"S\":\"new\"},\"exp\":{\"N\":\"%lld\"}}}",
             now + 3600);
    ddb_call("PutItem", body);
    /* last: a request sweeps (no ticker yet) before its own work, never after */
    snprintf(body, sizeof body, "{\"TableName\":\"tkt\",\"Item\":{\"pk\":{\"S\":\"old\"},\"exp\":{\"N\":\"%lld\"}}}",
             now - 10);
    ddb_call("PutItem", body);
    assert_int_equal(2, stored_items());

    size_t before = store__nconns(lb->app.store);
    assert_false(ticker_running());
    ticker_t *t = ticker_start(&lb->app);
    assert_non_null(t);
    assert_true(ticker_running());
    int n = 2;
    for (int i = 0; i < 250 && (n = stored_items()) != 1; i++) sleep_ms(20);
    assert_int_equal(1, n);                             /* the expired item went; the live one stays */
    assert_true(store__nconns(lb->app.store) > before); /* the ticker's own connections */
    ticker_stop(t);
    assert_false(ticker_running());
    /* joined: its thread has exited, and with it every connection it opened */
    assert_int_equal(before, store__nconns(lb->app.store));
    ticker_stop(NULL);
}

/* Stream records past their 24 hours go too, though nobody reads the stream. */
static void stream_records_trimmed(void **state)
{
    (void)state;
    ddb_call("CreateTable", "{\"TableName\":\"tks\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                            "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":"
                            "\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\",\"StreamSpecification\":{"
                            "\"StreamEnabled\":true,\"StreamViewType\":\"KEYS_ONLY\"}}");
    for (int i = 0; i < 3; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"TableName\":\"tks\",\"Item\":{\"pk\":{\"S\":\"k%d\"}}}", i);
        ddb_call("PutItem", body);
    }
    const char *records = "SELECT count(*) FROM ddb_stream WHERE tid = (SELECT tid FROM ddb_table WHERE name = 'tks')";
    assert_int_equal(3, stored(records));
    ticker_t *t = ticker_start(&lb->app);
    assert_non_null(t);
    sleep_ms(100);
    assert_int_equal(3, stored(records)); /* a day has not passed */
    time_set_fake_now_us(time_now_us() + 24 * 3600 * 1000000LL + 1000000);
    int n = 3;
    for (int i = 0; i < 250 && (n = stored(records)) != 0; i++) sleep_ms(20);
    ticker_stop(t);
    time_set_fake_now_us(0);
    assert_int_equal(0, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ttl_goes_without_requests),
        cmocka_unit_test(stream_records_trimmed),
    };
    return cmocka_run_group_tests(tests, setup, loopback_teardown);
}
