/* queue.c — SQS queues: create, find by URL, list, delete, attributes, tags,
 * purge, over the queue / queue_attr / queue_tag tables (schema/001_sqs.sql).
 *
 * Request flow: dispatch has parsed the input (query or json, same shapes);
 * handlers here read and write SQLite on this thread's connection. Invariant:
 * every settable attribute of a queue has a row in queue_attr (defaults are
 * written at CreateQueue), so GetQueueAttributes never invents values. */
#define _GNU_SOURCE /* memmem */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/json.h"
#include "core/req.h"
#include "schemas.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/sqs/sqs.h"
#include "sqs_model.h"

/* AWS: SQS API reference, "Common Errors" and per-operation errors. */
static const aws_errdef_t E_InvalidAttributeValue = {"InvalidAttributeValue", 400, true};

/* The settable attributes and their defaults (AWS: SetQueueAttributes
 * reference; since August 2025 a message may have 1 MiB, which is also the
 * default MaximumMessageSize of a new queue, as moto's aws_verified
 * test_create_fifo_queue observed). */
static const struct {
    const char *name, *def;
    int64_t min, max; /* numeric range; min > max: not numeric */
} ATTRS[] = {
    {"DelaySeconds", "0", 0, 900},
    {"MaximumMessageSize", "1048576", 1024, 1048576},
    {"MessageRetentionPeriod", "345600", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", "0", 0, 20},
    {"VisibilityTimeout", "30", 0, 43200},
    {"RedrivePolicy", NULL, 1, 0},
    {"RedriveAllowPolicy", NULL, 1, 0},
    {"Policy", NULL, 1, 0},
    {"FifoQueue", NULL, 1, 0},
    {"ContentBasedDeduplication", NULL, 1, 0},
    {"DeduplicationScope", NULL, 1, 0},
    {"FifoThroughputLimit", NULL, 1, 0},
    {"KmsMasterKeyId", NULL, 1, 0},
    {"KmsDataKeyReusePeriodSeconds", NULL, 1, 0},
    {"SqsManagedSseEnabled", "true", 1, 0},
};
#define NATTRS (sizeof ATTRS / sizeof ATTRS[0])

static const char *const COMPUTED[] = {
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
};

int64_t sqs__now_ms(void)
{
    return time_now_us() / 1000;
}

sqlite3 *sqs__db(req_t *r)
{
    sqlite3 *db = store_db(((app_t *)r->app)->store, &schema_sqs);
    if (db) sqs__tick(r->app, db, false);
    return db;
}

int sqs__exec(sqlite3 *db, const char *sql)
{
    return store_exec(db, sql);
}

int sqs__begin(sqlite3 *db)
{
    return store_exec(db, "BEGIN IMMEDIATE");
}

int sqs__end(sqlite3 *db, bool ok)
{
    if (ok && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    store_exec(db, "ROLLBACK");
    return GR_ERR;
}

void sqs__bind(sqlite3_stmt *st, int i, str_t s)
{
    sqlite3_bind_text(st, i, s.p ? s.p : "", (int)s.len, SQLITE_STATIC);
}

static str_t col_s(arena_t *a, sqlite3_stmt *st, int i)
{
    return arena_str(a, str_n((const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i)));
}

static int attr_index(str_t name)
{
    for (size_t i = 0; i < NATTRS; i++)
        if (str_eq_c(name, ATTRS[i].name)) return (int)i;
    return -1;
}

/* RedrivePolicy is a JSON document; AWS accepts maxReceiveCount as a number
 * or a string. Only these two members matter here, so a small scan suffices. */
static str_t json_member(str_t doc, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = memmem(doc.p, doc.len, pat, strlen(pat));
    if (!p) return STR_NULL;
    const char *e = doc.p + doc.len;
    p += strlen(pat);
    while (p < e && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n')) p++;
    bool quoted = p < e && *p == '"';
    if (quoted) p++;
    const char *s = p;
    while (p < e && (quoted ? *p != '"' : (*p != ',' && *p != '}' && *p != ' '))) p++;
    return str_n(s, (size_t)(p - s));
}

str_t sqs__redrive_target(str_t v)
{
    return json_member(v, "deadLetterTargetArn");
}

static void parse_redrive(str_t v, sqs_queue_t *q)
{
    q->dlq_arn = json_member(v, "deadLetterTargetArn");
    long long n = 0;
    str_t c = json_member(v, "maxReceiveCount");
    q->max_receive = c.p && str_to_i64(c, &n) ? n : 0;
}

/* One attribute row into q's typed fields. */
static void load_attr(sqs_queue_t *q, str_t n, str_t v)
{
    long long x = 0;
    bool num = str_to_i64(v, &x);
    if (str_eq_c(n, "VisibilityTimeout") && num)
        q->visibility_s = x;
    else if (str_eq_c(n, "DelaySeconds") && num)
        q->delay_s = x;
    else if (str_eq_c(n, "MessageRetentionPeriod") && num)
        q->retention_s = x;
    else if (str_eq_c(n, "ReceiveMessageWaitTimeSeconds") && num)
        q->wait_s = x;
    else if (str_eq_c(n, "MaximumMessageSize") && num)
        q->max_size = x;
    else if (str_eq_c(n, "FifoQueue"))
        q->fifo = str_eq_c(v, "true");
    else if (str_eq_c(n, "ContentBasedDeduplication"))
        q->content_dedup = str_eq_c(v, "true");
    else if (str_eq_c(n, "RedrivePolicy"))
        parse_redrive(v, q);
    else if (str_eq_c(n, "DeduplicationScope"))
        q->dedup_by_group = str_eq_c(v, "messageGroup");
    else if (str_eq_c(n, "Policy"))
        q->policy = v;
    else if (str_eq_c(n, "RedriveAllowPolicy"))
        q->redrive_allow = v;
}

/* The queue row and its attributes in one query (every SQS request loads
 * its queue, so this is on the hot path). */
int sqs__queue_get(arena_t *a, sqlite3 *db, str_t account, str_t region, str_t name, sqs_queue_t *q)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT q.id, q.name, q.created_ms, q.modified_ms, q.purged_ms, a.name, a.value "
                      "FROM queue q LEFT JOIN queue_attr a ON a.qid = q.id "
                      "WHERE q.account = ?1 AND q.region = ?2 AND q.name = ?3",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqs__bind(st, 1, account);
    sqs__bind(st, 2, region);
    sqs__bind(st, 3, name);
    int rc = GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (rc != GR_OK) {
            memset(q, 0, sizeof *q);
            q->id = sqlite3_column_int64(st, 0);
            q->name = col_s(a, st, 1);
            q->created_ms = sqlite3_column_int64(st, 2);
            q->modified_ms = sqlite3_column_int64(st, 3);
            q->purged_ms = sqlite3_column_int64(st, 4);
            q->visibility_s = 30;
            q->retention_s = 345600;
            q->max_size = 1048576;
            q->account = arena_str(a, account);
            q->region = arena_str(a, region);
            rc = GR_OK;
        }
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) load_attr(q, col_s(a, st, 5), col_s(a, st, 6));
    }
    store_release(st);
    return rc;
}

int sqs__queue_by_name(req_t *r, sqlite3 *db, str_t name, sqs_queue_t *q)
{
    return sqs__queue_get(r->arena, db, r->who.account, r->region, name, q);
}

static int fail_no_queue(req_t *r)
{
    /* AWS: "The specified queue does not exist." (code AWS.SimpleQueueService.NonExistentQueue) */
    return req_fail(r, &SQS_ERR_QueueDoesNotExist, "The specified queue does not exist.");
}

/* ==== Authorization ====
 * SQS authorizes its own queue operations (OPF_NO_AUTHZ in sqs.ops): only
 * after loading the queue is its owner and its Policy known. */

/* AWS: "Cross-account permissions don't apply to the following actions"
 * (SQS Developer Guide, "Limitations of Amazon SQS custom policies"): for
 * these the queue policy cannot let another account in. */
static bool owner_only(const char *op)
{
    static const char *const ops[] = {"AddPermission",
                                      "CancelMessageMoveTask",
                                      "CreateQueue",
                                      "DeleteQueue",
                                      "ListMessageMoveTasks",
                                      "ListQueues",
                                      "ListQueueTags",
                                      "RemovePermission",
                                      "SetQueueAttributes",
                                      "StartMessageMoveTask",
                                      "TagQueue",
                                      "UntagQueue"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i]) == 0) return true;
    return false;
}

static const aws_errdef_t E_AccessDenied = {"AccessDenied", 403, true};
static const char *queue_url(req_t *r, str_t account, str_t name);

const char *sqs__queue_arn(arena_t *a, const sqs_queue_t *q)
{
    return arena_printf(a, "arn:aws:sqs:%.*s:%.*s:%.*s", STR_FMT(q->region), STR_FMT(q->account), STR_FMT(q->name));
}

int sqs__authorize(req_t *r, const sqs_queue_t *q, const char *op)
{
    bool same = str_eq(q->account, r->who.account);
    if (same && r->who.root) return GR_OK;
    /* AWS: the batch actions are authorized as their single forms (the op
     * table names them), every other one as sqs:<Operation>. */
    const char *action = r->op && r->op->iam_action && strcmp(r->op->name, op) == 0
                             ? r->op->iam_action
                             : arena_printf(r->arena, "sqs:%s", op);
    policy_t *pol = NULL;
    if (q->policy.len && (same || !owner_only(op))) {
        char err[256];
        pol = policy_parse(q->policy, POLICY_QUEUE, err, sizeof err);
    }
    int rc = authz_check_resource(r, ((app_t *)r->app)->authz, str_c(action), str_c(sqs__queue_arn(r->arena, q)),
                                  q->account, pol);
    policy_free(pol);
    /* AWS: SQS words its refusal its own way, in both protocols: 403
     * AccessDenied, "Access to the resource https://sqs.REGION.amazonaws.com/ACCOUNT/NAME is denied." */
    if (rc != GR_OK && r->err)
        return req_fail(r, &E_AccessDenied, "Access to the resource %s is denied.", queue_url(r, q->account, q->name));
    return rc;
}

/* AWS accepts the URL forms it hands out (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME,
 * the legacy https://REGION.queue.amazonaws.com/…) and ours (http://HOST:PORT/ACCOUNT/NAME,
 * http://sqs.REGION.localhost…/ACCOUNT/NAME): the queue is the last path
 * segment, its owner the one before (the caller's account when that is not
 * an account id). Then the caller must be allowed the operation on it. */
int sqs__queue_from_url(req_t *r, sqlite3 *db, const val_t *in, sqs_queue_t *q)
{
    str_t url = val_get_str(in, "QueueUrl");
    while (url.len && url.p[url.len - 1] == '/') url.len--;
    size_t i = url.len;
    while (i && url.p[i - 1] != '/') i--;
    str_t name = str_sub(url, i, url.len - i);
    if (!name.len) return fail_no_queue(r);
    str_t account = r->who.account;
    if (i > 1) {
        size_t e = i - 1, b = e;
        while (b && url.p[b - 1] != '/') b--;
        str_t seg = str_sub(url, b, e - b);
        bool digits = seg.len == 12;
        for (size_t k = 0; digits && k < seg.len; k++) digits = seg.p[k] >= '0' && seg.p[k] <= '9';
        if (digits) account = seg;
    }
    if (sqs__queue_get(r->arena, db, account, r->region, name, q) != GR_OK) return fail_no_queue(r);
    return sqs__authorize(r, q, r->op ? r->op->name : "");
}

static const char *queue_url(req_t *r, str_t account, str_t name)
{
    str_t host = r->w.host.len ? r->w.host : STR("localhost:4566");
    return arena_printf(r->arena, "http://%.*s/%.*s/%.*s", STR_FMT(host), STR_FMT(account), STR_FMT(name));
}

/* RedriveAllowPolicy: {"redrivePermission": "allowAll" | "denyAll" |
 * "byQueue", "sourceQueueArns": [...] (byQueue only, 1 to 10)}. */
static bool redrive_allow_ok(req_t *r, str_t v)
{
    json_t *j = json_parse(r->arena, v, NULL);
    if (!j || j->type != JSON_OBJECT) return false;
    const json_t *perm = json_get(j, "redrivePermission"), *arns = json_get(j, "sourceQueueArns");
    if (!perm || perm->type != JSON_STRING) return false;
    if (str_eq_c(perm->u.s, "byQueue"))
        return arns && arns->type == JSON_ARRAY && arns->u.arr.n >= 1 && arns->u.arr.n <= 10;
    return (str_eq_c(perm->u.s, "allowAll") || str_eq_c(perm->u.s, "denyAll")) && !arns;
}

/* Whether the dead-letter queue dlq lets source_arn use it (AWS: the DLQ's
 * RedriveAllowPolicy; none means allowAll). */
static bool redrive_allowed(req_t *r, const sqs_queue_t *dlq, str_t source_arn)
{
    if (!dlq->redrive_allow.len) return true;
    json_t *j = json_parse(r->arena, dlq->redrive_allow, NULL);
    const json_t *perm = j ? json_get(j, "redrivePermission") : NULL, *arns = j ? json_get(j, "sourceQueueArns") : NULL;
    if (!perm || perm->type != JSON_STRING || str_eq_c(perm->u.s, "allowAll")) return true;
    if (!str_eq_c(perm->u.s, "byQueue") || !arns || arns->type != JSON_ARRAY) return false;
    for (size_t i = 0; i < arns->u.arr.n; i++)
        if (arns->u.arr.v[i]->type == JSON_STRING && str_eq(arns->u.arr.v[i]->u.s, source_arn)) return true;
    return false;
}

/* Checks one attribute of queue `qname` as AWS does; GR_ERR with r failed. */
static int check_attr(req_t *r, sqlite3 *db, str_t qname, str_t name, str_t value, bool fifo_name)
{
    int k = attr_index(name);
    if (k < 0) return req_fail(r, &SQS_ERR_InvalidAttributeName, "Unknown Attribute %.*s.", STR_FMT(name));
    if (ATTRS[k].min <= ATTRS[k].max) {
        long long x;
        if (!str_to_i64(value, &x) || x < ATTRS[k].min || x > ATTRS[k].max)
            return req_fail(r, &E_InvalidAttributeValue, "Invalid value for the parameter %.*s.", STR_FMT(name));
    }
    /* AWS (recorded by LocalStack): a standard queue knows none of the FIFO
     * attributes, whatever their value, at creation or later. */
    if (!fifo_name && (str_eq_c(name, "FifoQueue") || str_eq_c(name, "ContentBasedDeduplication")))
        return req_fail(r, &SQS_ERR_InvalidAttributeName, "Unknown Attribute %.*s.", STR_FMT(name));
    if (!fifo_name && (str_eq_c(name, "DeduplicationScope") || str_eq_c(name, "FifoThroughputLimit")))
        return req_fail(r, &SQS_ERR_InvalidAttributeName,
                        "You can specify the %.*s only when FifoQueue is set to true.", STR_FMT(name));
    if (str_eq_c(name, "FifoQueue") && !str_eq_c(value, "true"))
        return req_fail(r, &E_InvalidAttributeValue,
                        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
    /* AWS: the high-throughput FIFO attributes take these values */
    if (str_eq_c(name, "DeduplicationScope") && !(str_eq_c(value, "messageGroup") || str_eq_c(value, "queue")))
        return req_fail(r, &E_InvalidAttributeValue, "Invalid value for the parameter DeduplicationScope.");
    if (str_eq_c(name, "FifoThroughputLimit") && !(str_eq_c(value, "perMessageGroupId") || str_eq_c(value, "perQueue")))
        return req_fail(r, &E_InvalidAttributeValue, "Invalid value for the parameter FifoThroughputLimit.");
    if (str_eq_c(name, "Policy") && value.len) {
        char err[256];
        policy_t *p = policy_parse(value, POLICY_QUEUE, err, sizeof err);
        if (!p) return req_fail(r, &E_InvalidAttributeValue, "Invalid value for the parameter Policy.");
        policy_free(p);
    }
    if (str_eq_c(name, "RedriveAllowPolicy") && value.len && !redrive_allow_ok(r, value))
        return req_fail(r, &E_InvalidAttributeValue,
                        "Value %.*s for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the "
                        "redrive allow policy, as it's in an unsupported format.",
                        STR_FMT(value));
    if (str_eq_c(name, "RedrivePolicy") && value.len) {
        sqs_queue_t t = {0}, dlq;
        parse_redrive(value, &t);
        if (!t.dlq_arn.len || t.max_receive < 1 || t.max_receive > 1000)
            return req_fail(r, &E_InvalidAttributeValue,
                            "Value %.*s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a "
                            "valid JSON map or is missing deadLetterTargetArn or maxReceiveCount.",
                            STR_FMT(value));
        /* AWS: the dead-letter queue must exist, in the same account and
         * region, of the same type, and its RedriveAllowPolicy must let this
         * queue in. */
        str_t own_arn = str_c(arena_printf(r->arena, "arn:aws:sqs:%.*s:%.*s:%.*s", STR_FMT(r->region),
                                           STR_FMT(r->who.account), STR_FMT(qname)));
        if (str_eq(t.dlq_arn, own_arn) || sqs__queue_by_arn(r->arena, db, t.dlq_arn, &dlq) != GR_OK ||
            !str_eq(dlq.account, r->who.account))
            return req_fail(r, &E_InvalidAttributeValue,
                            "Value %.*s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not "
                            "exist.",
                            STR_FMT(value));
        if (dlq.fifo != fifo_name)
            return req_fail(r, &E_InvalidAttributeValue,
                            "Value %.*s for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be "
                            "same type of queue as the source..",
                            STR_FMT(value));
        if (!redrive_allowed(r, &dlq, own_arn))
            return req_fail(r, &E_InvalidAttributeValue,
                            "Value %.*s for parameter RedrivePolicy is invalid. Reason: Queue %.*s does not allow "
                            "this queue to use it as a dead-letter queue.",
                            STR_FMT(value), STR_FMT(t.dlq_arn));
    }
    return GR_OK;
}

/* AWS answers a RedrivePolicy as its own compact document, with
 * maxReceiveCount a number even when it was given as a string (the AWS CLI's
 * examples: set-queue-attributes sends "maxReceiveCount":"1000",
 * get-queue-attributes answers {"deadLetterTargetArn":"…","maxReceiveCount":1000}).
 * The value stored for attribute `name`
 * (check_attr has checked it), in buf when rewritten. */
static str_t stored_value(str_t name, str_t value, char *buf, size_t len)
{
    if (!str_eq_c(name, "RedrivePolicy") || !value.len) return value;
    sqs_queue_t t = {0};
    parse_redrive(value, &t);
    int n = snprintf(buf, len, "{\"deadLetterTargetArn\":\"%.*s\",\"maxReceiveCount\":%lld}", STR_FMT(t.dlq_arn),
                     (long long)t.max_receive);
    return n > 0 && (size_t)n < len ? str_n(buf, (size_t)n) : value;
}

static int put_attr(sqlite3 *db, int64_t qid, str_t name, str_t value)
{
    char norm[512];
    value = stored_value(name, value, norm, sizeof norm);
    sqlite3_stmt *st;
    /* AWS: an empty RedrivePolicy (or Policy) removes it */
    const char *sql = value.len || attr_index(name) < 0 || ATTRS[attr_index(name)].def
                          ? "INSERT OR REPLACE INTO queue_attr (qid, name, value) VALUES (?1, ?2, ?3)"
                          : "DELETE FROM queue_attr WHERE qid = ?1 AND name = ?2";
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, qid);
    sqs__bind(st, 2, name);
    if (sqlite3_bind_parameter_count(st) >= 3) sqs__bind(st, 3, value);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static int put_tag(sqlite3 *db, int64_t qid, str_t k, str_t v)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "INSERT OR REPLACE INTO queue_tag (qid, key, value) VALUES (?1, ?2, ?3)", -1, &st, NULL) !=
        SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, qid);
    sqs__bind(st, 2, k);
    sqs__bind(st, 3, v);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* The stored attributes of a queue as a map (name → value). */
static val_t *stored_attrs(req_t *r, sqlite3 *db, int64_t qid)
{
    arena_t *a = r->arena;
    val_t *m = val_new(a, VAL_MAP);
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT name, value FROM queue_attr WHERE qid = ?1 ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, qid);
    while (sqlite3_step(st) == SQLITE_ROW) val_set(a, m, col_s(a, st, 0), val_str(a, col_s(a, st, 1)));
    store_release(st);
    return m;
}

static bool valid_queue_name(str_t n)
{
    str_t base = n;
    if (str_ends_with(n, STR(".fifo"))) base.len -= 5;
    if (!base.len || n.len > 80) return false;
    for (size_t i = 0; i < base.len; i++) {
        char c = base.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

int sqs_create_queue(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "QueueName");
    const val_t *attrs = val_get(in, "Attributes");
    const val_t *tags = val_get(in, "tags");
    bool fifo = str_ends_with(name, STR(".fifo"));
    /* AWS: "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length" */
    if (!valid_queue_name(name))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    bool fifo_attr = false;
    for (size_t i = 0; attrs && i < attrs->u.obj.n; i++) {
        str_t k = attrs->u.obj.e[i].key, v = attrs->u.obj.e[i].v->u.s;
        if (check_attr(r, db, name, k, v, fifo) != GR_OK) return GR_ERR;
        if (str_eq_c(k, "FifoQueue")) fifo_attr = true;
    }
    if (fifo && !fifo_attr)
        return req_fail(r, &E_InvalidAttributeValue,
                        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                        "underscores, must end with .fifo suffix. The queue name should not exceed 80 characters");
    /* The wanted attribute set: defaults overlaid with the request's. */
    val_t *want = val_new(a, VAL_MAP);
    for (size_t i = 0; i < NATTRS; i++)
        if (ATTRS[i].def) val_set(a, want, str_c(ATTRS[i].name), val_cstr(a, ATTRS[i].def));
    if (fifo) {
        val_set(a, want, STR("FifoQueue"), val_cstr(a, "true"));
        val_set(a, want, STR("ContentBasedDeduplication"), val_cstr(a, "false"));
        val_set(a, want, STR("DeduplicationScope"), val_cstr(a, "queue"));
        val_set(a, want, STR("FifoThroughputLimit"), val_cstr(a, "perQueue"));
    }
    for (size_t i = 0; attrs && i < attrs->u.obj.n; i++)
        if (attrs->u.obj.e[i].v->u.s.len) val_set(a, want, attrs->u.obj.e[i].key, attrs->u.obj.e[i].v);
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_by_name(r, db, name, &q) == GR_OK) {
        /* AWS: CreateQueue of an existing name with the same attributes returns
         * its URL; with different ones fails with QueueAlreadyExists. */
        val_t *have = stored_attrs(r, db, q.id);
        sqs__exec(db, "COMMIT");
        bool same = true;
        for (size_t i = 0; attrs && i < attrs->u.obj.n; i++) {
            val_t *h = val_get_s(have, attrs->u.obj.e[i].key);
            char norm[512];
            str_t v = stored_value(attrs->u.obj.e[i].key, attrs->u.obj.e[i].v->u.s, norm, sizeof norm);
            if (!(h ? str_eq(h->u.s, v) : v.len == 0)) same = false;
        }
        if (!same)
            return req_fail(r, &SQS_ERR_QueueNameExists,
                            "A queue already exists with the same name and a different value for attribute(s)");
        val_set_c(a, out, "QueueUrl", val_cstr(a, queue_url(r, r->who.account, name)));
        return GR_OK;
    }
    int64_t now = sqs__now_ms();
    sqlite3_stmt *st;
    /* AWS: "You must wait 60 seconds after deleting a queue before you can
     * create another queue with the same name." */
    if (store_prepare(db,
                      "SELECT deleted_ms FROM deleted_queue WHERE account = ?1 AND region = ?2 AND name = ?3 "
                      "AND deleted_ms > ?4",
                      -1, &st, NULL) != SQLITE_OK) {
        sqs__exec(db, "ROLLBACK");
        return GR_ERR;
    }
    sqs__bind(st, 1, r->who.account);
    sqs__bind(st, 2, r->region);
    sqs__bind(st, 3, name);
    sqlite3_bind_int64(st, 4, now - 60000);
    bool recent = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    if (recent) {
        sqs__exec(db, "ROLLBACK");
        return req_fail(r, &SQS_ERR_QueueDeletedRecently,
                        "You must wait 60 seconds after deleting a queue before you can create another queue with "
                        "the same name.");
    }
    int ok = store_prepare(db,
                           "INSERT INTO queue (account, region, name, created_ms, modified_ms) "
                           "VALUES (?1, ?2, ?3, ?4, ?4)",
                           -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqs__bind(st, 1, r->who.account);
        sqs__bind(st, 2, r->region);
        sqs__bind(st, 3, name);
        sqlite3_bind_int64(st, 4, now);
        ok = sqlite3_step(st) == SQLITE_DONE;
        store_release(st);
    }
    int64_t qid = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; ok && i < want->u.obj.n; i++)
        ok = put_attr(db, qid, want->u.obj.e[i].key, want->u.obj.e[i].v->u.s) == GR_OK;
    for (size_t i = 0; ok && tags && i < tags->u.obj.n; i++)
        ok = put_tag(db, qid, tags->u.obj.e[i].key, tags->u.obj.e[i].v->u.s) == GR_OK;
    if (sqs__end(db, ok) != GR_OK) return GR_ERR;
    val_set_c(a, out, "QueueUrl", val_cstr(a, queue_url(r, r->who.account, name)));
    return GR_OK;
}

/* AWS: QueueOwnerAWSAccountId names another account's queue, which its
 * policy must let the caller see (sqs:GetQueueUrl). */
int sqs_get_queue_url(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    str_t owner = val_get_str(in, "QueueOwnerAWSAccountId");
    if (!owner.len) owner = r->who.account;
    sqs_queue_t q;
    if (sqs__queue_get(r->arena, db, owner, r->region, val_get_str(in, "QueueName"), &q) != GR_OK)
        return fail_no_queue(r);
    if (sqs__authorize(r, &q, "GetQueueUrl") != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "QueueUrl", val_cstr(r->arena, queue_url(r, q.account, q.name)));
    return GR_OK;
}

/* AWS: up to 1000 URLs; MaxResults 1..1000 pages with NextToken (opaque —
 * ours is the last name returned). */
int sqs_list_queues(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t prefix = val_get_str(in, "QueueNamePrefix");
    str_t after = val_get_str(in, "NextToken");
    bool paged = val_get(in, "MaxResults") != NULL;
    int64_t limit = val_get_int(in, "MaxResults", 1000);
    if (limit < 1 || limit > 1000)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value for parameter MaxResults is invalid. Reason: "
                        "MaxResults must be an integer between 1 and 1000.");
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT name FROM queue WHERE account = ?1 AND region = ?2 AND name > ?3 "
                      "AND substr(name, 1, ?5) = ?4 ORDER BY name LIMIT ?6",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqs__bind(st, 1, r->who.account);
    sqs__bind(st, 2, r->region);
    sqs__bind(st, 3, after);
    sqs__bind(st, 4, prefix);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 6, limit + 1);
    val_t *urls = val_new(a, VAL_LIST);
    int n = 0;
    str_t last = STR_NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == limit) break;
        last = col_s(a, st, 0);
        val_push(a, urls, val_cstr(a, queue_url(r, r->who.account, last)));
    }
    store_release(st);
    if (val_len(urls)) val_set_c(a, out, "QueueUrls", urls);
    if (paged && n > limit) val_set_c(a, out, "NextToken", val_str(a, last));
    return GR_OK;
}

static int exec_q(sqlite3 *db, const char *sql, int64_t qid)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, qid);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static int delete_messages(sqlite3 *db, int64_t qid)
{
    if (exec_q(db, "DELETE FROM msg_attr WHERE mid IN (SELECT id FROM message WHERE qid = ?1)", qid) != GR_OK)
        return GR_ERR;
    return exec_q(db, "DELETE FROM message WHERE qid = ?1", qid);
}

/* For QueueDeletedRecently; rows older than a minute mean nothing and go. */
static int remember_deleted(sqlite3 *db, const sqs_queue_t *q)
{
    int64_t now = sqs__now_ms();
    sqlite3_stmt *st;
    if (store_prepare(db, "DELETE FROM deleted_queue WHERE deleted_ms < ?1", -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, now - 60000);
    sqlite3_step(st);
    store_release(st);
    if (store_prepare(db,
                      "INSERT OR REPLACE INTO deleted_queue (account, region, name, deleted_ms) "
                      "VALUES (?1, ?2, ?3, ?4)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqs__bind(st, 1, q->account);
    sqs__bind(st, 2, q->region);
    sqs__bind(st, 3, q->name);
    sqlite3_bind_int64(st, 4, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int sqs_delete_queue(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    bool ok = delete_messages(db, q.id) == GR_OK &&
              exec_q(db, "DELETE FROM queue_attr WHERE qid = ?1", q.id) == GR_OK &&
              exec_q(db, "DELETE FROM queue_tag WHERE qid = ?1", q.id) == GR_OK &&
              exec_q(db, "DELETE FROM dedup WHERE qid = ?1", q.id) == GR_OK &&
              exec_q(db, "DELETE FROM move_task WHERE src_qid = ?1", q.id) == GR_OK &&
              exec_q(db, "DELETE FROM queue WHERE id = ?1", q.id) == GR_OK && remember_deleted(db, &q) == GR_OK;
    if (sqs__end(db, ok) != GR_OK) return GR_ERR;
    sqs__wake(q.id, 1 << 30); /* long-pollers of a deleted queue answer now */
    return GR_OK;
}

static int64_t count(sqlite3 *db, const char *sql, int64_t qid, int64_t now, int64_t cutoff)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    sqlite3_bind_int64(st, 1, qid);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, cutoff);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    return n;
}

static bool wanted(const val_t *names, const char *name)
{
    if (!names) return false;
    for (size_t i = 0; i < names->u.list.n; i++) {
        str_t n = names->u.list.v[i]->u.s;
        if (str_eq_c(n, "All") || str_eq_c(n, name)) return true;
    }
    return false;
}

int sqs_get_queue_attributes(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    const val_t *names = val_get(in, "AttributeNames");
    for (size_t i = 0; names && i < names->u.list.n; i++) {
        str_t n = names->u.list.v[i]->u.s;
        bool known = str_eq_c(n, "All") || attr_index(n) >= 0;
        for (size_t k = 0; k < sizeof COMPUTED / sizeof COMPUTED[0]; k++) known |= str_eq_c(n, COMPUTED[k]);
        if (!known) return req_fail(r, &SQS_ERR_InvalidAttributeName, "Unknown Attribute %.*s.", STR_FMT(n));
    }
    val_t *m = val_new(a, VAL_MAP);
    val_t *have = stored_attrs(r, db, q.id);
    if (!have) return GR_ERR;
    int64_t now = sqs__now_ms();
    if (wanted(names, "QueueArn")) val_set_c(a, m, "QueueArn", val_cstr(a, sqs__queue_arn(a, &q)));
    static const struct {
        const char *name, *where; /* counted messages of the queue: visible, in flight, delayed */
    } counts[] = {
        {"ApproximateNumberOfMessages", "visible_ms <= ?2"},
        {"ApproximateNumberOfMessagesNotVisible", "visible_ms > ?2 AND receive_count > 0"},
        {"ApproximateNumberOfMessagesDelayed", "visible_ms > ?2 AND receive_count = 0"},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (!wanted(names, counts[i].name)) continue;
        char sql[200];
        /* expired messages count no more, swept or not */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM message WHERE qid = ?1 AND sent_ms >= ?3 AND %s",
                 counts[i].where);
        int64_t n = count(db, sql, q.id, now, now - sqs__retention_ms(q.retention_s));
        val_set_c(a, m, counts[i].name, val_cstr(a, arena_printf(a, "%lld", (long long)n)));
    }
    /* AWS: both timestamps are epoch seconds */
    if (wanted(names, "CreatedTimestamp"))
        val_set_c(a, m, "CreatedTimestamp", val_cstr(a, arena_printf(a, "%lld", (long long)(q.created_ms / 1000))));
    if (wanted(names, "LastModifiedTimestamp"))
        val_set_c(a, m, "LastModifiedTimestamp",
                  val_cstr(a, arena_printf(a, "%lld", (long long)(q.modified_ms / 1000))));
    for (size_t i = 0; i < have->u.obj.n; i++) {
        char *k = arena_strndup(a, have->u.obj.e[i].key.p, have->u.obj.e[i].key.len);
        if (wanted(names, k)) val_set(a, m, have->u.obj.e[i].key, have->u.obj.e[i].v);
    }
    if (val_len(m)) val_set_c(a, out, "Attributes", m);
    return GR_OK;
}

int sqs_set_queue_attributes(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    const val_t *attrs = val_get(in, "Attributes");
    bool fifo = str_ends_with(q.name, STR(".fifo"));
    for (size_t i = 0; attrs && i < attrs->u.obj.n; i++)
        if (check_attr(r, db, q.name, attrs->u.obj.e[i].key, attrs->u.obj.e[i].v->u.s, fifo) != GR_OK) return GR_ERR;
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && attrs && i < attrs->u.obj.n; i++)
        ok = put_attr(db, q.id, attrs->u.obj.e[i].key, attrs->u.obj.e[i].v->u.s) == GR_OK;
    sqlite3_stmt *st;
    if (ok && store_prepare(db, "UPDATE queue SET modified_ms = ?2 WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, q.id);
        sqlite3_bind_int64(st, 2, sqs__now_ms());
        ok = sqlite3_step(st) == SQLITE_DONE;
        store_release(st);
    }
    return sqs__end(db, ok);
}

int sqs_tag_queue(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    const val_t *tags = val_get(in, "Tags");
    if (!tags || !tags->u.obj.n)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter Tags.");
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < tags->u.obj.n; i++)
        ok = put_tag(db, q.id, tags->u.obj.e[i].key, tags->u.obj.e[i].v->u.s) == GR_OK;
    /* AWS: "Maximum 50 tags per queue" (SQS quotas); the whole request fails
     * (the message is moto's; AWS's own is not recorded) */
    if (ok && count(db, "SELECT count(*) FROM queue_tag WHERE qid = ?1", q.id, 0, 0) > 50) {
        sqs__exec(db, "ROLLBACK");
        return req_fail(r, &ERR_InvalidParameterValue, "Too many tags added for queue %.*s.", STR_FMT(q.name));
    }
    return sqs__end(db, ok);
}

int sqs_untag_queue(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    const val_t *keys = val_get(in, "TagKeys");
    for (size_t i = 0; keys && i < keys->u.list.n; i++) {
        sqlite3_stmt *st;
        if (store_prepare(db, "DELETE FROM queue_tag WHERE qid = ?1 AND key = ?2", -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, q.id);
        sqs__bind(st, 2, keys->u.list.v[i]->u.s);
        sqlite3_step(st);
        store_release(st);
    }
    return GR_OK;
}

/* A queue's tags, a map by key (ListQueueTags and aws:ResourceTag); NULL on
 * a store failure. */
static val_t *queue_tags(arena_t *a, sqlite3 *db, int64_t qid)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT key, value FROM queue_tag WHERE qid = ?1 ORDER BY key", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, qid);
    val_t *m = val_new(a, VAL_MAP);
    while (sqlite3_step(st) == SQLITE_ROW) val_set(a, m, col_s(a, st, 0), val_str(a, col_s(a, st, 1)));
    store_release(st);
    return m;
}

int sqs_list_queue_tags(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    val_t *m = queue_tags(a, db, q.id);
    if (!m) return GR_ERR;
    if (val_len(m)) val_set_c(a, out, "Tags", m);
    return GR_OK;
}

/* The registry's resource_tags hook: the queue's tags by its ARN, for
 * aws:ResourceTag. */
int sqs_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    sqs_queue_t q;
    *tags = NULL;
    if (!db || sqs__queue_by_arn(a, db, resource, &q) != GR_OK) return GR_ERR;
    *tags = queue_tags(a, db, q.id);
    return *tags ? GR_OK : GR_ERR;
}

int sqs_purge_queue(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    int64_t now = sqs__now_ms();
    /* AWS: "Only one PurgeQueue operation on <queue> is allowed every 60 seconds." */
    if (q.purged_ms && now - q.purged_ms < 60000)
        return req_fail(r, &SQS_ERR_PurgeQueueInProgress,
                        "Only one PurgeQueue operation on %.*s is allowed every 60 "
                        "seconds.",
                        STR_FMT(q.name));
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    bool ok = delete_messages(db, q.id) == GR_OK &&
              store_prepare(db, "UPDATE queue SET purged_ms = ?2 WHERE id = ?1", -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_int64(st, 1, q.id);
        sqlite3_bind_int64(st, 2, now);
        ok = sqlite3_step(st) == SQLITE_DONE;
        store_release(st);
    }
    return sqs__end(db, ok);
}

/* AWS: the queues whose RedrivePolicy names this one as dead-letter queue. */
int sqs_list_dead_letter_source_queues(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    str_t arn = str_c(sqs__queue_arn(a, &q));
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT q.name, a.value FROM queue q JOIN queue_attr a ON a.qid = q.id "
                      "WHERE q.account = ?1 AND q.region = ?2 AND a.name = 'RedrivePolicy' ORDER BY q.name",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqs__bind(st, 1, r->who.account);
    sqs__bind(st, 2, r->region);
    val_t *urls = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqs_queue_t t = {0};
        parse_redrive(col_s(a, st, 1), &t);
        if (str_eq(t.dlq_arn, arn)) val_push(a, urls, val_cstr(a, queue_url(r, r->who.account, col_s(a, st, 0))));
    }
    store_release(st);
    val_set_c(a, out, "queueUrls", urls);
    return GR_OK;
}
