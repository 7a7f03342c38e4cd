/* message.c — SQS messages: send (and batch), receive with long polling,
 * delete and visibility changes (and batches), dead-letter moves, FIFO
 * groups and deduplication, over the message / msg_attr / dedup tables.
 *
 * Request flow: dispatch → sqs_* handler → SQLite on this thread's
 * connection; a ReceiveMessage that finds nothing and may wait suspends the
 * request (GR_AGAIN, wait.c) and is finished by sqs__resume on its loop.
 * Invariant: a message is acknowledged only after its row is committed, and
 * the MD5 digests are computed exactly as AWS does, since SDKs verify them. */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/req.h"
#include "services/dispatch.h"
#include "services/pubmetrics.h"
#include "services/sqs/sqs.h"
#include "sqs_model.h"
#include "store/store.h"

static const aws_errdef_t E_InvalidMessageContents = {"InvalidMessageContents", 400, true};

typedef sqs__fail_t fail_t;

static str_t col_s(arena_t *a, sqlite3_stmt *st, int i)
{
    const void *p = sqlite3_column_blob(st, i);
    return arena_str(a, str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, i)));
}

static const char *hex(arena_t *a, const unsigned char *d, size_t n)
{
    char *s = arena_alloc(a, n * 2 + 1);
    if (!s) return "";
    for (size_t i = 0; i < n; i++) snprintf(s + 2 * i, 3, "%02x", d[i]);
    return s;
}

static const char *md5_hex(arena_t *a, str_t data)
{
    unsigned char d[16];
    unsigned int n = 0;
    EVP_Digest(data.p ? data.p : "", data.len, d, &n, EVP_md5(), NULL);
    return hex(a, d, 16);
}

static const char *sha256_hex(arena_t *a, str_t data)
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data.p ? data.p : "", data.len, d, &n, EVP_sha256(), NULL);
    return hex(a, d, 32);
}

static bool is_binary(str_t type)
{
    return str_starts_with(type, STR("Binary"));
}

static str_t attr_value(const val_t *v)
{
    str_t type = val_get_str(v, "DataType");
    if (!is_binary(type)) return val_get_str(v, "StringValue");
    const val_t *b = val_get(v, "BinaryValue"); /* a blob, already base64-decoded */
    return b && (b->kind == VAL_BLOB || b->kind == VAL_STR) ? b->u.s : STR_NULL;
}

static int cmp_entry(const void *x, const void *y)
{
    return str_cmp(((const val_entry_t *)x)->key, ((const val_entry_t *)y)->key);
}

static void put_len(buf_t *b, size_t n)
{
    unsigned char l[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                          (unsigned char)n};
    buf_append(b, l, 4);
}

/* AWS: "Calculating the MD5 message digest for message attributes" (SQS
 * developer guide): names in ascending order; for each, the 4-byte big-endian
 * length and bytes of the name, of the data type, one transport byte (1 for
 * String and Number, 2 for Binary), then the length and bytes of the value. */
static const char *attrs_md5(arena_t *a, const val_t *attrs)
{
    size_t n = attrs->u.obj.n;
    val_entry_t *e = ARENA_NEWN(a, val_entry_t, n ? n : 1);
    if (!e) return "";
    memcpy(e, attrs->u.obj.e, n * sizeof *e);
    qsort(e, n, sizeof *e, cmp_entry);
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        str_t type = val_get_str(e[i].v, "DataType"), v = attr_value(e[i].v);
        put_len(&b, e[i].key.len);
        buf_put_str(&b, e[i].key);
        put_len(&b, type.len);
        buf_put_str(&b, type);
        buf_putc(&b, is_binary(type) ? 2 : 1);
        put_len(&b, v.len);
        buf_put_str(&b, v);
    }
    return md5_hex(a, buf_str(&b));
}

/* AWS: allowed characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to
 * #xFFFD | #x10000 to #x10FFFF; control characters are what clients send by mistake. */
static bool valid_chars(str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 && c != 9 && c != 10 && c != 13) return false;
    }
    return true;
}

static int check_attrs(arena_t *a, const val_t *attrs, size_t *size, fail_t *f)
{
    if (!attrs) return GR_OK;
    if (attrs->u.obj.n > 10) {
        f->e = &ERR_InvalidParameterValue;
        f->msg =
            arena_printf(a, "Number of message attributes [%zu] exceeds the allowed maximum [10].", attrs->u.obj.n);
        return GR_ERR;
    }
    for (size_t i = 0; i < attrs->u.obj.n; i++) {
        str_t name = attrs->u.obj.e[i].key, type = val_get_str(attrs->u.obj.e[i].v, "DataType");
        if (!str_starts_with(type, STR("String")) && !str_starts_with(type, STR("Number")) && !is_binary(type)) {
            f->e = &ERR_InvalidParameterValue;
            f->msg = arena_printf(a,
                                  "The type of message (user) attribute '%.*s' is invalid. You must use only the "
                                  "following supported type prefixes: Binary, Number, String.",
                                  STR_FMT(name));
            return GR_ERR;
        }
        str_t v = attr_value(attrs->u.obj.e[i].v);
        if (!v.len) {
            f->e = &ERR_InvalidParameterValue;
            f->msg = arena_printf(a,
                                  "The message attribute '%.*s' must contain non-empty message attribute value "
                                  "for message attribute type '%.*s'.",
                                  STR_FMT(name), STR_FMT(type));
            return GR_ERR;
        }
        *size += name.len + type.len + v.len;
    }
    return GR_OK;
}

void sqs__metric(struct app *app, const sqs_queue_t *q, const char *metric, const char *unit, double value)
{
    pubm_dim_t d = {"QueueName", q->name};
    pubm_add(app, q->account, q->region, "AWS/SQS", metric, &d, 1, unit, value, false);
}

int sqs__send(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, const val_t *e, str_t sender, val_t *res,
              fail_t *f)
{
    str_t body = val_get_str(e, "MessageBody");
    const val_t *attrs = val_get(e, "MessageAttributes");
    if (attrs && !attrs->u.obj.n) attrs = NULL;
    if (!body.len) {
        f->e = &ERR_MissingParameter;
        f->msg = "The request must contain the parameter MessageBody.";
        return GR_ERR;
    }
    if (!valid_chars(body)) {
        f->e = &E_InvalidMessageContents;
        f->msg = "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 "
                 "to #xFFFD | #x10000 to #x10FFFF";
        return GR_ERR;
    }
    size_t size = body.len;
    if (check_attrs(a, attrs, &size, f) != GR_OK) return GR_ERR;
    if ((int64_t)size > q->max_size) {
        f->e = &ERR_InvalidParameterValue;
        f->msg = arena_printf(a,
                              "One or more parameters are invalid. Reason: Message must be shorter than %lld "
                              "bytes.",
                              (long long)q->max_size);
        return GR_ERR;
    }
    const val_t *dv = val_get(e, "DelaySeconds");
    int64_t delay = dv ? dv->u.i : q->delay_s;
    if (delay < 0 || delay > 900) {
        f->e = &ERR_InvalidParameterValue;
        f->msg = arena_printf(a,
                              "Value %lld for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= "
                              "0 and <= 900.",
                              (long long)delay);
        return GR_ERR;
    }
    str_t group = val_get_str(e, "MessageGroupId"), dedup = val_get_str(e, "MessageDeduplicationId");
    if (q->fifo) {
        /* AWS: FIFO queues take no per-message delay, need a group, and a
         * deduplication id unless content-based deduplication is on. */
        if (dv && dv->u.i) {
            f->e = &ERR_InvalidParameterValue;
            f->msg = arena_printf(a,
                                  "Value %lld for parameter DelaySeconds is invalid. Reason: The request include "
                                  "parameter that is not valid for this queue type.",
                                  (long long)dv->u.i);
            return GR_ERR;
        }
        if (!group.len) {
            f->e = &ERR_MissingParameter;
            f->msg = "The request must contain the parameter MessageGroupId.";
            return GR_ERR;
        }
        if (!dedup.len) {
            if (!q->content_dedup) {
                f->e = &ERR_InvalidParameterValue;
                f->msg = "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                         "provided explicitly";
                return GR_ERR;
            }
            dedup = str_c(sha256_hex(a, body));
        }
    } else if (dedup.len) {
        f->e = &ERR_InvalidParameterValue;
        f->msg = "The request include parameter that is not valid for this queue type";
        return GR_ERR;
    }
    /* AWS: the only message system attribute is AWSTraceHeader, a String;
     * its digest is computed as the message attributes' is. */
    const val_t *sys = val_get(e, "MessageSystemAttributes");
    str_t trace = STR_NULL;
    for (size_t i = 0; sys && i < sys->u.obj.n; i++) {
        str_t name = sys->u.obj.e[i].key, type = val_get_str(sys->u.obj.e[i].v, "DataType");
        if (!str_eq_c(name, "AWSTraceHeader")) {
            f->e = &ERR_InvalidParameterValue;
            f->msg = arena_printf(a, "Message system attribute name '%.*s' is invalid.", STR_FMT(name));
            return GR_ERR;
        }
        trace = val_get_str(sys->u.obj.e[i].v, "StringValue");
        if (!str_eq_c(type, "String") || !trace.len) {
            f->e = &ERR_InvalidParameterValue;
            f->msg = "Message system attribute 'AWSTraceHeader' must be of type String with a non-empty value.";
            return GR_ERR;
        }
    }
    int64_t now = sqs__now_ms();
    const char *md5_attrs = attrs ? attrs_md5(a, attrs) : NULL;
    val_set_c(a, res, "MD5OfMessageBody", val_cstr(a, md5_hex(a, body)));
    if (md5_attrs) val_set_c(a, res, "MD5OfMessageAttributes", val_cstr(a, md5_attrs));
    if (trace.len) val_set_c(a, res, "MD5OfMessageSystemAttributes", val_cstr(a, attrs_md5(a, sys)));
    sqlite3_stmt *st;
    /* AWS: with DeduplicationScope messageGroup an id deduplicates within its
     * message group only. */
    str_t dedup_key =
        q->dedup_by_group && dedup.len ? str_c(arena_printf(a, "%.*s\x1f%.*s", STR_FMT(group), STR_FMT(dedup))) : dedup;
    if (q->fifo) {
        /* AWS: a deduplication id seen in the last 5 minutes is accepted and not enqueued again. */
        if (store_prepare(db, "SELECT msg_id, seq FROM dedup WHERE qid = ?1 AND dedup_id = ?2 AND expires_ms > ?3", -1,
                          &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, q->id);
        sqs__bind(st, 2, dedup_key);
        sqlite3_bind_int64(st, 3, now);
        if (sqlite3_step(st) == SQLITE_ROW) {
            val_set_c(a, res, "MessageId", val_str(a, col_s(a, st, 0)));
            val_set_c(a, res, "SequenceNumber",
                      val_cstr(a, arena_printf(a, "%020lld", (long long)sqlite3_column_int64(st, 1))));
            store_release(st);
            return GR_OK;
        }
        store_release(st);
    }
    char id[37];
    id_uuid(id);
    if (store_prepare(db,
                      "INSERT INTO message (qid, msg_id, body, md5_body, md5_attrs, sent_ms, visible_ms, "
                      "group_id, dedup_id, sender, trace_header) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                      "?10, ?11)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, q->id);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, body.p, (int)body.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, md5_hex(a, body), -1, SQLITE_TRANSIENT);
    if (md5_attrs) sqlite3_bind_text(st, 5, md5_attrs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, now + delay * 1000);
    if (group.len) sqs__bind(st, 8, group);
    if (dedup.len) sqs__bind(st, 9, dedup);
    sqs__bind(st, 10, sender);
    if (trace.len) sqs__bind(st, 11, trace);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    int64_t mid = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; attrs && i < attrs->u.obj.n; i++) {
        if (store_prepare(db, "INSERT INTO msg_attr (mid, name, type, value) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) !=
            SQLITE_OK)
            return GR_ERR;
        str_t v = attr_value(attrs->u.obj.e[i].v);
        sqlite3_bind_int64(st, 1, mid);
        sqs__bind(st, 2, attrs->u.obj.e[i].key);
        sqs__bind(st, 3, val_get_str(attrs->u.obj.e[i].v, "DataType"));
        sqlite3_bind_blob(st, 4, v.p ? v.p : "", (int)v.len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        store_release(st);
        if (rc != SQLITE_DONE) return GR_ERR;
    }
    if (q->fifo) {
        if (store_prepare(db,
                          "INSERT OR REPLACE INTO dedup (qid, dedup_id, msg_id, seq, expires_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, q->id);
        sqs__bind(st, 2, dedup_key);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, mid);
        sqlite3_bind_int64(st, 5, now + 5 * 60 * 1000);
        rc = sqlite3_step(st);
        store_release(st);
        if (rc != SQLITE_DONE) return GR_ERR;
        val_set_c(a, res, "SequenceNumber", val_cstr(a, arena_printf(a, "%020lld", (long long)mid)));
    }
    val_set_c(a, res, "MessageId", val_cstr(a, arena_strdup(a, id)));
    /* AWS: a message a redrive moves to a dead-letter queue is not "sent";
     * SentMessageSize is the message's size as its limit counts it */
    sqs__metric(app, q, "NumberOfMessagesSent", "Count", 1);
    sqs__metric(app, q, "SentMessageSize", "Bytes", (double)size);
    return GR_OK;
}

int sqs__send_one(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, const val_t *e, str_t sender,
                  val_t *res, fail_t *f)
{
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    if (sqs__send(app, a, db, q, e, sender, res, f) != GR_OK) {
        sqs__exec(db, "ROLLBACK");
        return GR_ERR;
    }
    if (sqs__end(db, true) != GR_OK) return GR_ERR;
    sqs__wake(q->id, 1);
    return GR_OK;
}

int sqs_send_message(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    fail_t f = {0};
    if (sqs__send_one(r->app, r->arena, db, &q, in, r->who.user_id, out, &f) != GR_OK)
        return f.e ? req_fail(r, f.e, "%s", f.msg) : GR_ERR;
    return GR_OK;
}

/* AWS: batch entry ids are 1..80 of alphanumerics, hyphens and underscores,
 * distinct within the request; 1..10 entries. */
static int check_batch(req_t *r, const val_t *entries, const char *entry_name)
{
    size_t n = entries ? entries->u.list.n : 0;
    if (!n)
        return req_fail(r, &SQS_ERR_EmptyBatchRequest, "There should be at least one %s in the request.", entry_name);
    if (n > 10)
        return req_fail(r, &SQS_ERR_TooManyEntriesInBatchRequest,
                        "Maximum number of entries per request are 10. You have sent %zu.", n);
    for (size_t i = 0; i < n; i++) {
        str_t id = val_get_str(entries->u.list.v[i], "Id");
        bool ok = id.len >= 1 && id.len <= 80;
        for (size_t k = 0; ok && k < id.len; k++) {
            char c = id.p[k];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }
        if (!ok)
            return req_fail(r, &SQS_ERR_InvalidBatchEntryId,
                            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                            "It can be at most 80 letters long.");
        for (size_t k = 0; k < i; k++)
            if (str_eq(id, val_get_str(entries->u.list.v[k], "Id")))
                return req_fail(r, &SQS_ERR_BatchEntryIdsNotDistinct, "Id %.*s repeated.", STR_FMT(id));
    }
    return GR_OK;
}

static void add_failed(arena_t *a, val_t *failed, str_t id, const fail_t *f)
{
    val_t *x = val_new(a, VAL_STRUCT);
    val_set_c(a, x, "Id", val_str(a, id));
    val_set_c(a, x, "SenderFault", val_bool(a, f->e ? f->e->sender : false));
    val_set_c(a, x, "Code", val_cstr(a, f->e ? f->e->code : "InternalError"));
    if (f->msg) val_set_c(a, x, "Message", val_cstr(a, f->msg));
    val_push(a, failed, x);
}

int sqs_send_message_batch(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    const val_t *entries = val_get(in, "Entries");
    if (check_batch(r, entries, "SendMessageBatchRequestEntry") != GR_OK) return GR_ERR;
    size_t total = 0;
    for (size_t i = 0; i < entries->u.list.n; i++) total += val_get_str(entries->u.list.v[i], "MessageBody").len;
    /* AWS: "the maximum total payload size (the sum of the individual
     * lengths of all of the batched messages) [is] 1 MiB", whatever the
     * queue's MaximumMessageSize */
    if (total > 1048576)
        return req_fail(r, &SQS_ERR_BatchRequestTooLong,
                        "Batch requests cannot be longer than 1048576 bytes. You have sent %zu bytes.", total);
    /* AWS (recorded by LocalStack): to a FIFO queue, an entry without its
     * group, or without a deduplication id where content-based deduplication
     * is off, fails the whole request, not only its entry. */
    for (size_t i = 0; q.fifo && i < entries->u.list.n; i++) {
        const val_t *e = entries->u.list.v[i];
        if (!val_get_str(e, "MessageGroupId").len)
            return req_fail(r, &ERR_InvalidParameterValue, "The request must contain the parameter MessageGroupId.");
        if (!q.content_dedup && !val_get_str(e, "MessageDeduplicationId").len)
            return req_fail(r, &ERR_InvalidParameterValue,
                            "The queue should either have ContentBasedDeduplication enabled or "
                            "MessageDeduplicationId provided explicitly");
    }
    val_t *ok = val_new(a, VAL_LIST), *failed = val_new(a, VAL_LIST);
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    int sent = 0;
    for (size_t i = 0; i < entries->u.list.n; i++) {
        const val_t *e = entries->u.list.v[i];
        str_t id = val_get_str(e, "Id");
        val_t *res = val_new(a, VAL_STRUCT);
        fail_t f = {0};
        sqs__exec(db, "SAVEPOINT entry");
        if (sqs__send(r->app, a, db, &q, e, r->who.user_id, res, &f) != GR_OK) {
            sqs__exec(db, "ROLLBACK TO entry");
            sqs__exec(db, "RELEASE entry");
            if (!f.e) {
                sqs__exec(db, "ROLLBACK");
                return GR_ERR;
            }
            add_failed(a, failed, id, &f);
            continue;
        }
        sqs__exec(db, "RELEASE entry");
        val_t *x = val_new(a, VAL_STRUCT);
        val_set_c(a, x, "Id", val_str(a, id));
        for (size_t k = 0; k < res->u.obj.n; k++) val_set(a, x, res->u.obj.e[k].key, res->u.obj.e[k].v);
        val_push(a, ok, x);
        sent++;
    }
    if (sqs__end(db, true) != GR_OK) return GR_ERR;
    if (sent) sqs__wake(q.id, sent);
    val_set_c(a, out, "Successful", ok);
    val_set_c(a, out, "Failed", failed);
    return GR_OK;
}

/* ==== Receipt handles ====
 * A handle names the message it was issued for and one receive of it:
 * "AQEB" + base64("<row id>:<MessageId>:<24 random characters>"). The
 * latest one is the message's receipt column. AWS: on a standard queue any
 * handle of a message still deletes it and changes its visibility (LocalStack's
 * validated test_terminate_visibility_timeout_after_receive; moto's
 * test_delete_message_using_old_receipt_handle), on a FIFO queue only the
 * latest one while the message is in flight (recorded: "The receipt handle
 * has expired."). */

typedef struct {
    int64_t mid;  /* message row id */
    str_t msg_id; /* its MessageId: a handle cannot be made up from a row id */
} handle_t;

static const char *make_receipt(arena_t *a, int64_t mid, str_t msg_id)
{
    char nonce[25];
    id_random_chars(nonce, 24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    nonce[24] = 0;
    const char *raw = arena_printf(a, "%lld:%.*s:%s", (long long)mid, STR_FMT(msg_id), nonce);
    str_t b = arena_base64(a, raw, strlen(raw));
    return arena_printf(a, "AQEB%.*s", STR_FMT(b));
}

/* Whether h is a handle of ours (AWS: anything else is ReceiptHandleIsInvalid). */
static bool parse_receipt(arena_t *a, str_t h, handle_t *out)
{
    str_t raw;
    if (!str_starts_with(h, STR("AQEB")) || !arena_unbase64(a, str_sub(h, 4, h.len - 4), &raw)) return false;
    long c = str_index(raw, ':');
    long long id;
    if (c <= 0 || !str_to_i64(str_sub(raw, 0, (size_t)c), &id) || id <= 0) return false;
    str_t rest = str_sub(raw, (size_t)c + 1, raw.len - (size_t)c - 1);
    if (str_index(rest, ':') != 36) return false;
    out->mid = id;
    out->msg_id = str_sub(rest, 0, 36);
    return true;
}

static void fail_receipt(arena_t *a, str_t receipt, fail_t *f)
{
    f->e = &SQS_ERR_ReceiptHandleIsInvalid;
    f->msg = arena_printf(a, "The input receipt handle \"%.*s\" is not a valid receipt handle.", STR_FMT(receipt));
}

/* ==== Receive ==== */

typedef struct {
    int64_t id, sent_ms, count, first_ms;
    str_t msg_id, body, md5, group, dedup, sender, trace;
} row_t;

static bool name_wanted(const val_t *names, str_t name)
{
    for (size_t i = 0; names && i < names->u.list.n; i++) {
        str_t w = names->u.list.v[i]->u.s;
        if (str_eq_c(w, "All") || str_eq_c(w, "*") || str_eq_c(w, ".*") || str_eq(w, name)) return true;
        /* AWS (LocalStack's recording): "Hel.*" returns "Hello" and "Help.Me",
         * every attribute whose name starts with "Hel" */
        if (str_ends_with(w, STR(".*")) && str_starts_with(name, str_sub(w, 0, w.len - 2))) return true;
    }
    return false;
}

static bool sys_wanted(const val_t *in, const char *name)
{
    const char *lists[] = {"AttributeNames", "MessageSystemAttributeNames"};
    for (size_t k = 0; k < 2; k++) {
        const val_t *l = val_get(in, lists[k]);
        for (size_t i = 0; l && i < l->u.list.n; i++)
            if (str_eq_c(l->u.list.v[i]->u.s, "All") || str_eq_c(l->u.list.v[i]->u.s, name)) return true;
    }
    return false;
}

static val_t *message_attrs(arena_t *a, sqlite3 *db, int64_t mid, const val_t *names)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT name, type, value FROM msg_attr WHERE mid = ?1 ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, mid);
    val_t *m = val_new(a, VAL_MAP);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t name = col_s(a, st, 0), type = col_s(a, st, 1), v = col_s(a, st, 2);
        if (!name_wanted(names, name)) continue;
        val_t *x = val_new(a, VAL_STRUCT);
        val_set_c(a, x, is_binary(type) ? "BinaryValue" : "StringValue",
                  is_binary(type) ? val_blob(a, v) : val_str(a, v));
        val_set_c(a, x, "DataType", val_str(a, type));
        val_set(a, m, name, x);
    }
    store_release(st);
    return m;
}

static int exec_i(sqlite3 *db, const char *sql, int64_t x, int64_t y)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, x);
    sqlite3_bind_int64(st, 2, y);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS: a message received more than maxReceiveCount times goes to the
 * dead-letter queue on its next receive instead of being delivered. */
static int64_t dlq_id(arena_t *a, sqlite3 *db, const sqs_queue_t *q)
{
    if (!q->dlq_arn.len || q->max_receive < 1) return 0;
    size_t i = q->dlq_arn.len;
    while (i && q->dlq_arn.p[i - 1] != ':') i--;
    sqs_queue_t d;
    if (sqs__queue_get(a, db, q->account, q->region, str_sub(q->dlq_arn, i, q->dlq_arn.len - i), &d) != GR_OK) return 0;
    return d.id;
}

int sqs__receive(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, const val_t *in, val_t *out, int *n)
{
    *n = 0;
    int64_t max = val_get_int(in, "MaxNumberOfMessages", 1);
    const val_t *vv = val_get(in, "VisibilityTimeout");
    int64_t vis = vv ? vv->u.i : q->visibility_s;
    int64_t now = sqs__now_ms();
    int64_t dlq = dlq_id(a, db, q);
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    /* AWS: messages older than MessageRetentionPeriod are deleted; the sweep
     * (move.c) deletes them, and until it has they are not delivered. */
    int64_t cutoff = now - sqs__retention_ms(q->retention_s);
    /* FIFO: no message of a group with a message in flight, and within a
     * group, order of sending (row id). Standard: the longest visible first,
     * straight from the (qid, visible_ms) index, so a deep queue costs no sort. */
    const char *sql =
        q->fifo ? "SELECT id, msg_id, body, md5_body, sent_ms, receive_count, first_recv_ms, group_id, "
                  "dedup_id, sender, trace_header FROM message WHERE qid = ?1 AND visible_ms <= ?2 AND sent_ms >= ?4 "
                  "AND group_id NOT IN (SELECT group_id FROM message WHERE qid = ?1 AND visible_ms > ?2 "
                  "AND receive_count > 0 AND group_id IS NOT NULL) ORDER BY id LIMIT ?3"
                : "SELECT id, msg_id, body, md5_body, sent_ms, receive_count, first_recv_ms, group_id, "
                  "dedup_id, sender, trace_header FROM message WHERE qid = ?1 AND visible_ms <= ?2 AND sent_ms >= ?4 "
                  "ORDER BY visible_ms, id LIMIT ?3";
    val_t *msgs = val_new(a, VAL_LIST);
    const val_t *mnames = val_get(in, "MessageAttributeNames");
    int moved = 0, dlq_moved = 0;
    sqlite3_stmt *upd = NULL; /* one prepared UPDATE for every message received */
    do {
        moved = 0;
        row_t rows[10];
        int nrows = 0;
        sqlite3_stmt *st;
        if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) goto fail;
        sqlite3_bind_int64(st, 1, q->id);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, max - *n);
        sqlite3_bind_int64(st, 4, cutoff);
        while (nrows < 10 && sqlite3_step(st) == SQLITE_ROW) {
            row_t *x = &rows[nrows++];
            x->id = sqlite3_column_int64(st, 0);
            x->msg_id = col_s(a, st, 1);
            x->body = col_s(a, st, 2);
            x->md5 = col_s(a, st, 3);
            x->sent_ms = sqlite3_column_int64(st, 4);
            x->count = sqlite3_column_int64(st, 5);
            x->first_ms = sqlite3_column_int64(st, 6);
            x->group = sqlite3_column_type(st, 7) == SQLITE_NULL ? STR_NULL : col_s(a, st, 7);
            x->dedup = sqlite3_column_type(st, 8) == SQLITE_NULL ? STR_NULL : col_s(a, st, 8);
            x->sender = col_s(a, st, 9);
            x->trace = sqlite3_column_type(st, 10) == SQLITE_NULL ? STR_NULL : col_s(a, st, 10);
        }
        store_release(st);
        for (int i = 0; i < nrows; i++) {
            row_t *x = &rows[i];
            if (dlq && x->count >= q->max_receive) {
                /* src_qid: where a move task without a destination returns it */
                if (exec_i(db,
                           "UPDATE message SET qid = ?2, receipt = NULL, src_qid = coalesce(src_qid, qid) "
                           "WHERE id = ?1",
                           x->id, dlq) != GR_OK)
                    goto fail;
                moved++;
                dlq_moved++;
                continue;
            }
            const char *receipt = make_receipt(a, x->id, x->msg_id);
            if (!upd && store_prepare(db,
                                      "UPDATE message SET receive_count = receive_count + 1, visible_ms = ?2, "
                                      "receipt = ?3, first_recv_ms = CASE first_recv_ms WHEN 0 THEN ?4 "
                                      "ELSE first_recv_ms END WHERE id = ?1",
                                      -1, &upd, NULL) != SQLITE_OK)
                goto fail;
            sqlite3_reset(upd);
            sqlite3_bind_int64(upd, 1, x->id);
            sqlite3_bind_int64(upd, 2, now + vis * 1000);
            sqlite3_bind_text(upd, 3, receipt, -1, SQLITE_STATIC);
            sqlite3_bind_int64(upd, 4, now);
            if (sqlite3_step(upd) != SQLITE_DONE) goto fail;
            val_t *m = val_new(a, VAL_STRUCT);
            val_set_c(a, m, "MessageId", val_str(a, x->msg_id));
            val_set_c(a, m, "ReceiptHandle", val_cstr(a, receipt));
            val_set_c(a, m, "MD5OfBody", val_str(a, x->md5));
            val_set_c(a, m, "Body", val_str(a, x->body));
            val_t *sys = val_new(a, VAL_MAP);
#define SYS(NAME, ...)                                                                                                 \
    if (sys_wanted(in, NAME)) val_set_c(a, sys, NAME, val_cstr(a, arena_printf(a, __VA_ARGS__)))
            SYS("SenderId", "%.*s", (int)x->sender.len, x->sender.p);
            SYS("SentTimestamp", "%lld", (long long)x->sent_ms);
            SYS("ApproximateReceiveCount", "%lld", (long long)x->count + 1);
            SYS("ApproximateFirstReceiveTimestamp", "%lld", (long long)(x->first_ms ? x->first_ms : now));
            if (x->group.p) SYS("MessageGroupId", "%.*s", (int)x->group.len, x->group.p);
            if (x->dedup.p && q->fifo) SYS("MessageDeduplicationId", "%.*s", (int)x->dedup.len, x->dedup.p);
            if (q->fifo) SYS("SequenceNumber", "%020lld", (long long)x->id);
            if (x->trace.p) SYS("AWSTraceHeader", "%.*s", (int)x->trace.len, x->trace.p);
#undef SYS
            if (val_len(sys)) val_set_c(a, m, "Attributes", sys);
            /* none asked for: none returned, and no digest (AWS) — and no query */
            val_t *ma = mnames && val_len(mnames) ? message_attrs(a, db, x->id, mnames) : val_new(a, VAL_MAP);
            if (!ma) goto fail;
            if (val_len(ma)) {
                val_set_c(a, m, "MessageAttributes", ma);
                val_set_c(a, m, "MD5OfMessageAttributes", val_cstr(a, attrs_md5(a, ma)));
            }
            val_push(a, msgs, m);
            (*n)++;
        }
    } while (moved && *n < max);
    store_release(upd);
    upd = NULL;
    if (sqs__end(db, true) != GR_OK) return GR_ERR;
    if (dlq_moved) sqs__wake(dlq, dlq_moved);
    if (*n) val_set_c(a, out, "Messages", msgs);
    if (*n) sqs__metric(app, q, "NumberOfMessagesReceived", "Count", *n);
    return GR_OK;
fail:
    store_release(upd);
    sqs__exec(db, "ROLLBACK");
    return GR_ERR;
}

/* When (monotonic) the next message of queue qid becomes visible, delayed or
 * in flight: a long poll answers then (AWS: it returns as soon as a message
 * is available). 0: none will. */
static int64_t next_visible(sqlite3 *db, int64_t qid)
{
    sqlite3_stmt *st;
    int64_t now = sqs__now_ms(), at = 0;
    if (store_prepare(db, "SELECT min(visible_ms) FROM message WHERE qid = ?1 AND visible_ms > ?2", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, qid);
    sqlite3_bind_int64(st, 2, now);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        at = time_mono_us() + (sqlite3_column_int64(st, 0) - now) * 1000;
    store_release(st);
    return at;
}

int sqs_receive_message(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    int64_t max = val_get_int(in, "MaxNumberOfMessages", 1);
    if (max < 1 || max > 10)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %lld for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
                        "if provided.",
                        (long long)max);
    int64_t wait = val_get_int(in, "WaitTimeSeconds", q.wait_s);
    if (wait < 0 || wait > 20)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %lld for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if "
                        "provided.",
                        (long long)wait);
    int64_t vis = val_get_int(in, "VisibilityTimeout", 0);
    if (vis < 0 || vis > 43200)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %lld for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if "
                        "provided.",
                        (long long)vis);
    int n;
    if (sqs__receive(r->app, r->arena, db, &q, in, out, &n) != GR_OK) return GR_ERR;
    /* Long polling: nothing now, so wait for a send or the deadline without
     * holding this thread (in-process callers without a transport get the
     * empty answer at once). */
    if (!n && wait > 0 && r->transport &&
        sqs__wait(r, q.id, time_mono_us() + wait * 1000000, next_visible(db, q.id)) == GR_OK)
        return GR_AGAIN;
    /* AWS: NumberOfEmptyReceives counts ReceiveMessage calls that returned
     * no message (a long poll once, when it ends) */
    if (!n) sqs__metric(r->app, &q, "NumberOfEmptyReceives", "Count", 1);
    return GR_OK;
}

void sqs__resume(req_t *r, int64_t deadline_mono_us, bool timed_out)
{
    sqlite3 *db = sqs__db(r);
    sqs_queue_t q;
    int n = 0, rc = GR_ERR;
    if (db && sqs__queue_from_url(r, db, r->in, &q) == GR_OK)
        rc = sqs__receive(r->app, r->arena, db, &q, r->in, r->out, &n);
    /* Woken, but another receiver took the message (or it is delayed): wait on. */
    if (rc == GR_OK && !n && !timed_out && time_mono_us() < deadline_mono_us &&
        sqs__wait(r, q.id, deadline_mono_us, next_visible(db, q.id)) == GR_OK)
        return;
    if (rc == GR_OK && !n) sqs__metric(r->app, &q, "NumberOfEmptyReceives", "Count", 1);
    dispatch_resume(r, rc);
}

/* ==== Delete and visibility ==== */

int sqs__delete(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, str_t receipt, fail_t *f)
{
    handle_t h;
    if (!parse_receipt(a, receipt, &h)) {
        fail_receipt(a, receipt, f);
        return GR_ERR;
    }
    sqlite3_stmt *st;
    if (q->fifo) {
        if (store_prepare(
                db, "SELECT receipt = ?4 AND visible_ms > ?5 FROM message WHERE id = ?1 AND qid = ?2 AND msg_id = ?3",
                -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, h.mid);
        sqlite3_bind_int64(st, 2, q->id);
        sqs__bind(st, 3, h.msg_id);
        sqs__bind(st, 4, receipt);
        sqlite3_bind_int64(st, 5, sqs__now_ms());
        bool expired = sqlite3_step(st) == SQLITE_ROW && !sqlite3_column_int(st, 0);
        store_release(st);
        if (expired) {
            f->e = &ERR_InvalidParameterValue;
            f->msg = arena_printf(
                a, "Value %.*s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
                STR_FMT(receipt));
            return GR_ERR;
        }
    }
    /* One statement, one write transaction: the message's attributes go
     * with it by trigger (schema/002). AWS: deleting a message that is gone
     * succeeds. */
    if (store_prepare(db, "DELETE FROM message WHERE id = ?1 AND qid = ?2 AND msg_id = ?3", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, h.mid);
    sqlite3_bind_int64(st, 2, q->id);
    sqs__bind(st, 3, h.msg_id);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    /* AWS: every successful deletion with a valid receipt handle counts,
     * a repeated one too */
    sqs__metric(app, q, "NumberOfMessagesDeleted", "Count", 1);
    return GR_OK;
}

/* One entry of a DeleteMessageBatch or ChangeMessageVisibilityBatch (or the
 * single operation's input): GR_OK, or GR_ERR with f->e set (the entry is
 * refused) or not (storage failed). *woken counts the messages it made
 * receivable at once, whose long-pollers the caller wakes after commit. */
typedef int entry_fn(req_t *r, sqlite3 *db, const sqs_queue_t *q, const val_t *e, fail_t *f, int *woken);

static int delete_one(req_t *r, sqlite3 *db, const sqs_queue_t *q, const val_t *e, fail_t *f, int *woken)
{
    (void)woken; /* a deleted message wakes nobody */
    return sqs__delete(r->app, r->arena, db, q, val_get_str(e, "ReceiptHandle"), f);
}

static int change_one(req_t *r, sqlite3 *db, const sqs_queue_t *q, const val_t *e, fail_t *f, int *woken)
{
    str_t receipt = val_get_str(e, "ReceiptHandle");
    int64_t t = val_get_int(e, "VisibilityTimeout", -1);
    if (t < 0 || t > 43200) {
        f->e = &ERR_InvalidParameterValue;
        f->msg = arena_printf(r->arena,
                              "Value %lld for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 "
                              "and <= 43200, if provided.",
                              (long long)t);
        return GR_ERR;
    }
    handle_t h;
    if (!parse_receipt(r->arena, receipt, &h)) {
        fail_receipt(r->arena, receipt, f);
        return GR_ERR;
    }
    int64_t now = sqs__now_ms();
    sqlite3_stmt *st;
    /* AWS: on a standard queue also after the visibility timeout has passed
     * (recorded: test_change_message_visibility_after_visibility_timeout_expiration) */
    if (store_prepare(db,
                      q->fifo ? "UPDATE message SET visible_ms = ?4 WHERE id = ?1 AND qid = ?2 AND msg_id = ?3 "
                                "AND receive_count > 0 AND receipt = ?6 AND visible_ms > ?5"
                              : "UPDATE message SET visible_ms = ?4 WHERE id = ?1 AND qid = ?2 AND msg_id = ?3 "
                                "AND receive_count > 0",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, h.mid);
    sqlite3_bind_int64(st, 2, q->id);
    sqs__bind(st, 3, h.msg_id);
    sqlite3_bind_int64(st, 4, now + t * 1000);
    if (q->fifo) {
        sqlite3_bind_int64(st, 5, now);
        sqs__bind(st, 6, receipt);
    }
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    if (!sqlite3_changes(db)) {
        /* AWS: "Message does not exist or is not available for visibility timeout change." */
        f->e = &SQS_ERR_MessageNotInflight;
        f->msg = "Message does not exist or is not available for visibility timeout change.";
        return GR_ERR;
    }
    *woken += t == 0;
    return GR_OK;
}

/* DeleteMessage and ChangeMessageVisibility: fn on the request's input. */
static int run_one(req_t *r, const val_t *in, entry_fn *fn)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    fail_t f = {0};
    int woken = 0;
    if (fn(r, db, &q, in, &f, &woken) != GR_OK) return f.e ? req_fail(r, f.e, "%s", f.msg) : GR_ERR;
    if (woken) sqs__wake(q.id, woken);
    return GR_OK;
}

int sqs_delete_message(req_t *r, const val_t *in, val_t *out)
{
    return run_one(r, in, delete_one);
}

int sqs_change_message_visibility(req_t *r, const val_t *in, val_t *out)
{
    return run_one(r, in, change_one);
}

/* DeleteMessageBatch and ChangeMessageVisibilityBatch: every entry through
 * fn in one transaction, its Id into Successful or Failed; an entry's
 * refusal fails only that entry, a storage failure the whole request. */
static int run_batch(req_t *r, const val_t *in, val_t *out, const char *entry_name, entry_fn *fn)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    const val_t *entries = val_get(in, "Entries");
    if (check_batch(r, entries, entry_name) != GR_OK) return GR_ERR;
    val_t *ok = val_new(a, VAL_LIST), *failed = val_new(a, VAL_LIST);
    if (sqs__begin(db) != GR_OK) return GR_ERR;
    int woken = 0;
    for (size_t i = 0; i < entries->u.list.n; i++) {
        const val_t *e = entries->u.list.v[i];
        fail_t f = {0};
        if (fn(r, db, &q, e, &f, &woken) != GR_OK) {
            if (!f.e) {
                sqs__exec(db, "ROLLBACK");
                return GR_ERR;
            }
            add_failed(a, failed, val_get_str(e, "Id"), &f);
            continue;
        }
        val_t *x = val_new(a, VAL_STRUCT);
        val_set_c(a, x, "Id", val_str(a, val_get_str(e, "Id")));
        val_push(a, ok, x);
    }
    if (sqs__end(db, true) != GR_OK) return GR_ERR;
    if (woken) sqs__wake(q.id, woken);
    val_set_c(a, out, "Successful", ok);
    val_set_c(a, out, "Failed", failed);
    return GR_OK;
}

int sqs_delete_message_batch(req_t *r, const val_t *in, val_t *out)
{
    return run_batch(r, in, out, "DeleteMessageBatchRequestEntry", delete_one);
}

int sqs_change_message_visibility_batch(req_t *r, const val_t *in, val_t *out)
{
    return run_batch(r, in, out, "ChangeMessageVisibilityBatchRequestEntry", change_one);
}
