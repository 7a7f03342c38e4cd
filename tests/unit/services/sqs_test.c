/* sqs_test.c — SQS's calls from other services (sqs.h "Calls from other
 * services") in process: queues are made through the whole pipeline (query
 * protocol over the loopback harness), then sqs_deliver, sqs_allows,
 * sqs_receive_internal and sqs_delete_internal are called as SNS, EventBridge
 * and Lambda call them — without a request, and from another thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "harness/loopback.h"
#include "schemas.h"
#include "services/sqs/sqs.h"

#define FORM "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
#define ARN(name) "arn:aws:sqs:us-east-1:000000000000:" name

/* Form-encodes s into out. */
static void urlenc(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.')
            out[k++] = (char)c;
        else
            k += (size_t)snprintf(out + k, n - k, "%%%02X", c);
    }
    out[k] = 0;
}

/* One SQS query call: its HTTP status; the body (static) in *body. */
static int sqs_call_status(const char *body_text, const char **body)
{
    static char last[8192];
    lb_call_t c = {.body = body_text, .headers = {FORM}, .service = "sqs"};
    req_t *r = loopback_call(lb, &c);
    str_t b = buf_str(&r->resp.body);
    snprintf(last, sizeof last, "%.*s", (int)b.len, b.p);
    int status = r->resp.status;
    arena_free(r->arena);
    if (body) *body = last;
    return status;
}

/* One SQS query call; asserts HTTP 200 and returns the body (static). */
static const char *sqs_call(const char *body_text)
{
    const char *b;
    int status = sqs_call_status(body_text, &b);
    if (status != 200) fail_msg("status %d: %s", status, b);
    return b;
}

/* Rows of the message (or msg_attr) table, read directly: what is really stored. */
static int64_t stored(const char *sql)
{
    sqlite3 *db = store_db(lb->app.store, &schema_sqs);
    sqlite3_stmt *st;
    assert_int_equal(SQLITE_OK, sqlite3_prepare_v2(db, sql, -1, &st, NULL));
    assert_int_equal(SQLITE_ROW, sqlite3_step(st));
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void create(const char *name, const char *extra)
{
    char body[4096];
    snprintf(body, sizeof body, "Action=CreateQueue&Version=2012-11-05&QueueName=%s%s", name, extra ? extra : "");
    sqs_call(body);
}

static int count_visible(const char *name)
{
    char body[512];
    snprintf(body, sizeof body,
             "Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=http://localhost:4566/000000000000/%s"
             "&AttributeName.1=ApproximateNumberOfMessages",
             name);
    const char *x = strstr(sqs_call(body), "<Value>");
    assert_non_null(x);
    return atoi(x + 7);
}

static void test_deliver_receive_delete(void **state)
{
    (void)state;
    create("plain", NULL);
    arena_t *a = arena_new(0);
    str_t id = STR_NULL;
    const char *err = NULL;
    val_t *attrs = val_new(a, VAL_MAP), *one = val_new(a, VAL_STRUCT);
    val_set_c(a, one, "DataType", val_cstr(a, "String"));
    val_set_c(a, one, "StringValue", val_cstr(a, "blue"));
    val_set_c(a, attrs, "color", one);
    assert_int_equal(GR_OK,
                     sqs_deliver(&lb->app, a, STR(ARN("plain")), STR("hello"), attrs, STR_NULL, STR_NULL, &id, &err));
    assert_int_equal(36, (int)id.len);
    assert_int_equal(1, count_visible("plain"));

    sqs_msg_t *m = NULL;
    size_t n = 0;
    assert_int_equal(GR_OK, sqs_receive_internal(&lb->app, a, STR(ARN("plain")), 10, 30, &m, &n, &err));
    assert_int_equal(1, (int)n);
    assert_true(str_eq(m[0].id, id));
    assert_true(str_eq_c(m[0].body, "hello"));
    assert_true(str_eq_c(m[0].md5_body, "5d41402abc4b2a76b9719d911017c592")); /* md5("hello") */
    assert_true(str_eq_c(val_get_str(m[0].attributes, "ApproximateReceiveCount"), "1"));
    assert_true(str_eq_c(val_get_str(m[0].attributes, "SenderId"), "000000000000"));
    assert_non_null(m[0].msg_attributes);
    assert_true(str_eq_c(val_get_str(val_get(m[0].msg_attributes, "color"), "StringValue"), "blue"));
    /* in flight now: neither visible nor received again */
    assert_int_equal(0, count_visible("plain"));
    assert_int_equal(GR_OK, sqs_receive_internal(&lb->app, a, STR(ARN("plain")), 10, -1, &m, &n, &err));
    assert_int_equal(0, (int)n);
    arena_free(a);
}

static void test_delete_internal(void **state)
{
    (void)state;
    create("del", NULL);
    arena_t *a = arena_new(0);
    const char *err = NULL;
    assert_int_equal(GR_OK, sqs_deliver(&lb->app, a, STR(ARN("del")), STR("x"), NULL, STR_NULL, STR_NULL, NULL, &err));
    sqs_msg_t *m = NULL;
    size_t n = 0;
    /* visibility 0: visible again at once unless deleted */
    assert_int_equal(GR_OK, sqs_receive_internal(&lb->app, a, STR(ARN("del")), 1, 0, &m, &n, &err));
    assert_int_equal(1, (int)n);
    assert_int_equal(1, count_visible("del"));
    assert_int_equal(GR_OK, sqs_delete_internal(&lb->app, STR(ARN("del")), m[0].receipt));
    assert_int_equal(0, count_visible("del"));
    assert_int_equal(GR_ERR, sqs_delete_internal(&lb->app, STR(ARN("nope")), m[0].receipt));
    assert_int_equal(GR_ERR, sqs_delete_internal(&lb->app, STR(ARN("del")), STR("not-a-receipt")));
    arena_free(a);
}

static void test_deliver_refusals(void **state)
{
    (void)state;
    create("small", "&Attribute.1.Name=MaximumMessageSize&Attribute.1.Value=1024");
    arena_t *a = arena_new(0);
    const char *err = NULL;
    assert_int_equal(GR_ERR,
                     sqs_deliver(&lb->app, a, STR(ARN("missing")), STR("x"), NULL, STR_NULL, STR_NULL, NULL, &err));
    assert_string_equal("The specified queue does not exist.", err);
    assert_int_equal(GR_ERR,
                     sqs_deliver(&lb->app, a, STR("not an arn"), STR("x"), NULL, STR_NULL, STR_NULL, NULL, &err));
    char big[1100];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(GR_ERR,
                     sqs_deliver(&lb->app, a, STR(ARN("small")), str_c(big), NULL, STR_NULL, STR_NULL, NULL, &err));
    assert_string_equal("One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.", err);
    assert_int_equal(0, count_visible("small"));
    sqs_msg_t *m = NULL;
    size_t n = 0;
    assert_int_equal(GR_ERR, sqs_receive_internal(&lb->app, a, STR(ARN("missing")), 1, -1, &m, &n, &err));
    assert_string_equal("The specified queue does not exist.", err);
    arena_free(a);
}

static void test_deliver_fifo(void **state)
{
    (void)state;
    create("f.fifo", "&Attribute.1.Name=FifoQueue&Attribute.1.Value=true");
    arena_t *a = arena_new(0);
    const char *err = NULL;
    str_t id1, id2;
    assert_int_equal(GR_ERR,
                     sqs_deliver(&lb->app, a, STR(ARN("f.fifo")), STR("x"), NULL, STR_NULL, STR("d"), NULL, &err));
    assert_string_equal("The request must contain the parameter MessageGroupId.", err);
    assert_int_equal(GR_ERR,
                     sqs_deliver(&lb->app, a, STR(ARN("f.fifo")), STR("x"), NULL, STR("g"), STR_NULL, NULL, &err));
    assert_int_equal(GR_OK,
                     sqs_deliver(&lb->app, a, STR(ARN("f.fifo")), STR("first"), NULL, STR("g"), STR("d1"), &id1, &err));
    /* the same deduplication id within five minutes: accepted, not enqueued again */
    assert_int_equal(GR_OK,
                     sqs_deliver(&lb->app, a, STR(ARN("f.fifo")), STR("again"), NULL, STR("g"), STR("d1"), &id2, &err));
    assert_true(str_eq(id1, id2));
    assert_int_equal(
        GR_OK, sqs_deliver(&lb->app, a, STR(ARN("f.fifo")), STR("second"), NULL, STR("g"), STR("d2"), &id2, &err));
    assert_int_equal(2, count_visible("f.fifo"));
    sqs_msg_t *m = NULL;
    size_t n = 0;
    assert_int_equal(GR_OK, sqs_receive_internal(&lb->app, a, STR(ARN("f.fifo")), 10, -1, &m, &n, &err));
    assert_int_equal(2, (int)n);
    assert_true(str_eq_c(m[0].body, "first"));
    assert_true(str_eq_c(m[1].body, "second"));
    assert_true(str_eq_c(val_get_str(m[0].attributes, "MessageGroupId"), "g"));
    arena_free(a);
}

typedef struct {
    int rc;
    const char *err;
} thread_res_t;

static void *deliver_thread(void *arg)
{
    thread_res_t *t = arg;
    arena_t *a = arena_new(0);
    for (int i = 0; i < 5 && t->rc == GR_OK; i++)
        t->rc = sqs_deliver(&lb->app, a, STR(ARN("threads")), STR("from a thread"), NULL, STR_NULL, STR_NULL, NULL,
                            &t->err);
    arena_free(a);
    return NULL;
}

/* SNS and EventBridge deliver from their own threads: each uses its own store connection. */
static void test_deliver_from_threads(void **state)
{
    (void)state;
    create("threads", NULL);
    pthread_t th[2];
    thread_res_t res[2] = {{GR_OK, NULL}, {GR_OK, NULL}};
    for (int i = 0; i < 2; i++) assert_int_equal(0, pthread_create(&th[i], NULL, deliver_thread, &res[i]));
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(GR_OK, res[i].rc);
    }
    assert_int_equal(10, count_visible("threads"));
}

static void test_allows(void **state)
{
    (void)state;
    const char *pol =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
        "\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"" ARN(
            "pol") "\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":"
                   "\"arn:aws:sns:us-east-1:000000000000:topic\"}}},"
                   "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111111111111\"},\"Action\":\"sqs:*\","
                   "\"Resource\":\"*\"},"
                   "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"sqs:DeleteMessage\",\"Resource\":\"*\"}]}";
    char enc[2048], body[3000];
    urlenc(pol, enc, sizeof enc);
    create("pol", NULL);
    create("nopol", NULL);
    arena_t *a = arena_new(0);
    /* same account: allowed by ownership, with or without a policy */
    assert_true(sqs_allows(&lb->app, a, STR(ARN("nopol")), STR("arn:aws:iam::000000000000:user/alice"),
                           "sqs:SendMessage", STR_NULL));
    assert_false(sqs_allows(&lb->app, a, STR(ARN("nopol")), STR("sns.amazonaws.com"), "sqs:SendMessage",
                            STR("arn:aws:sns:us-east-1:000000000000:topic")));
    assert_false(
        sqs_allows(&lb->app, a, STR(ARN("nopol")), STR("arn:aws:iam::111111111111:root"), "sqs:SendMessage", STR_NULL));
    snprintf(body, sizeof body,
             "Action=SetQueueAttributes&Version=2012-11-05&QueueUrl=http://localhost:4566/000000000000/pol"
             "&Attribute.1.Name=Policy&Attribute.1.Value=%s",
             enc);
    sqs_call(body);
    assert_true(sqs_allows(&lb->app, a, STR(ARN("pol")), STR("sns.amazonaws.com"), "sqs:SendMessage",
                           STR("arn:aws:sns:us-east-1:000000000000:topic")));
    assert_false(sqs_allows(&lb->app, a, STR(ARN("pol")), STR("sns.amazonaws.com"), "sqs:SendMessage",
                            STR("arn:aws:sns:us-east-1:000000000000:other")));
    assert_false(sqs_allows(&lb->app, a, STR(ARN("pol")), STR("sns.amazonaws.com"), "sqs:SendMessage", STR_NULL));
    assert_false(sqs_allows(&lb->app, a, STR(ARN("pol")), STR("events.amazonaws.com"), "sqs:SendMessage",
                            STR("arn:aws:sns:us-east-1:000000000000:topic")));
    assert_false(sqs_allows(&lb->app, a, STR(ARN("pol")), STR("sns.amazonaws.com"), "sqs:ReceiveMessage",
                            STR("arn:aws:sns:us-east-1:000000000000:topic")));
    /* another account named by its id: its root, and (the account delegates) its users */
    assert_true(
        sqs_allows(&lb->app, a, STR(ARN("pol")), STR("arn:aws:iam::111111111111:root"), "sqs:SendMessage", STR_NULL));
    assert_false(
        sqs_allows(&lb->app, a, STR(ARN("pol")), STR("arn:aws:iam::111111111111:root"), "sqs:DeleteMessage", STR_NULL));
    assert_false(
        sqs_allows(&lb->app, a, STR(ARN("pol")), STR("arn:aws:iam::222222222222:root"), "sqs:SendMessage", STR_NULL));
    assert_false(sqs_allows(&lb->app, a, STR(ARN("missing")), STR("arn:aws:iam::000000000000:root"), "sqs:SendMessage",
                            STR_NULL));
    arena_free(a);
}

/* AWS: messages older than MessageRetentionPeriod are deleted — really
 * deleted (rows and attributes gone), not just hidden. A fake clock stands
 * in for the wait. */
static void test_retention_deletes(void **state)
{
    (void)state;
    create("ret", "&Attribute.1.Name=MessageRetentionPeriod&Attribute.1.Value=60");
    create("keep", NULL);
    arena_t *a = arena_new(0);
    const char *err = NULL;
    val_t *attrs = val_new(a, VAL_MAP), *one = val_new(a, VAL_STRUCT);
    val_set_c(a, one, "DataType", val_cstr(a, "String"));
    val_set_c(a, one, "StringValue", val_cstr(a, "v"));
    val_set_c(a, attrs, "k", one);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(GR_OK,
                         sqs_deliver(&lb->app, a, STR(ARN("ret")), STR("old"), attrs, STR_NULL, STR_NULL, NULL, &err));
        assert_int_equal(GR_OK,
                         sqs_deliver(&lb->app, a, STR(ARN("keep")), STR("old"), NULL, STR_NULL, STR_NULL, NULL, &err));
    }
    const char *in_ret = "SELECT count(*) FROM message WHERE qid = (SELECT id FROM queue WHERE name = 'ret')";
    assert_int_equal(3, stored(in_ret));
    int64_t real = time_now_us();
    time_set_fake_now_us(real + 59 * 1000000LL);
    assert_int_equal(3, count_visible("ret"));
    time_set_fake_now_us(real + 61 * 1000000LL);
    assert_int_equal(0, count_visible("ret"));   /* expired: not counted (nor received) at once */
    time_set_fake_now_us(real + 67 * 1000000LL); /* the sweep runs every 5 s */
    assert_int_equal(0, count_visible("ret"));
    assert_int_equal(0, stored(in_ret));
    assert_int_equal(0, stored("SELECT count(*) FROM msg_attr WHERE mid NOT IN (SELECT id FROM message)"));
    assert_int_equal(3, count_visible("keep")); /* the default period is four days */
    time_set_fake_now_us(0);
    arena_free(a);
}

/* AWS: a FIFO deduplication id counts for five minutes; after that the id
 * is forgotten, really (its row goes with the sweep), and may be sent again. */
static void test_dedup_ids_expire(void **state)
{
    (void)state;
    create("dd.fifo", "&Attribute.1.Name=FifoQueue&Attribute.1.Value=true");
    arena_t *a = arena_new(0);
    const char *err = NULL;
    assert_int_equal(GR_OK,
                     sqs_deliver(&lb->app, a, STR(ARN("dd.fifo")), STR("one"), NULL, STR("g"), STR("d"), NULL, &err));
    const char *rows = "SELECT count(*) FROM dedup WHERE qid = (SELECT id FROM queue WHERE name = 'dd.fifo')";
    assert_int_equal(1, stored(rows));
    int64_t real = time_now_us();
    time_set_fake_now_us(real + 301 * 1000000LL);
    assert_int_equal(1, count_visible("dd.fifo")); /* a request runs the sweep (no ticker here) */
    assert_int_equal(0, stored(rows));
    assert_int_equal(GR_OK,
                     sqs_deliver(&lb->app, a, STR(ARN("dd.fifo")), STR("two"), NULL, STR("g"), STR("d"), NULL, &err));
    assert_int_equal(2, count_visible("dd.fifo"));
    time_set_fake_now_us(0);
    arena_free(a);
}

/* AWS: a queue name can be used again 60 seconds after its queue was deleted. */
static void test_queue_deleted_recently(void **state)
{
    (void)state;
    create("gone", NULL);
    sqs_call("Action=DeleteQueue&Version=2012-11-05&QueueUrl=http://localhost:4566/000000000000/gone");
    const char *b;
    assert_int_equal(400, sqs_call_status("Action=CreateQueue&Version=2012-11-05&QueueName=gone", &b));
    assert_non_null(strstr(b, "<Code>AWS.SimpleQueueService.QueueDeletedRecently</Code>"));
    time_set_fake_now_us(time_now_us() + 61 * 1000000LL);
    assert_int_equal(200, sqs_call_status("Action=CreateQueue&Version=2012-11-05&QueueName=gone", &b));
    time_set_fake_now_us(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deliver_receive_delete), cmocka_unit_test(test_delete_internal),
        cmocka_unit_test(test_deliver_refusals),       cmocka_unit_test(test_deliver_fifo),
        cmocka_unit_test(test_deliver_from_threads),   cmocka_unit_test(test_allows),
        cmocka_unit_test(test_retention_deletes),      cmocka_unit_test(test_queue_deleted_recently),
        cmocka_unit_test(test_dedup_ids_expire),
    };
    return cmocka_run_group_tests(tests, loopback_setup, loopback_teardown);
}
