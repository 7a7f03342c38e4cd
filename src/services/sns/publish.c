/* publish.c — Publish, PublishBatch and the calls other services make
 * (sns_publish_internal, sns_allows): validation, FIFO ordering and
 * deduplication, and fan-out of a message to every confirmed subscription
 * whose filter policy lets it pass — SQS (sqs_deliver), Lambda
 * (lambda_invoke_event), HTTP/S (the delivery thread), email, email-json
 * and SMS (the outboxes).
 *
 * Request flow: dispatch → sns_publish → publish_one (the topic's inbound
 * data protection, protect.c) → sns__fan_out (its outbound data protection
 * per subscription), all on the request's thread; only HTTP POSTs leave it
 * (delivery.c). Invariant: a
 * message id is answered only after every synchronous delivery was tried;
 * a delivery that fails goes to the subscription's dead-letter queue when it
 * has one, as AWS does, and never fails the Publish. */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "services/app.h"
#include "services/lambda/lambda.h"
#include "services/pubmetrics.h"
#include "services/sns/sns_int.h"
#include "services/sqs/sqs.h"
#include "sns_model.h"

/* AWS: Publish's size limit covers the message and its attributes. */
#define MAX_PUBLISH_BYTES 262144

typedef struct {
    const aws_errdef_t *e;
    const char *msg;
} pfail_t;

static int pfail(pfail_t *f, const aws_errdef_t *e, const char *msg)
{
    f->e = e;
    f->msg = msg;
    return GR_ERR;
}

/* ==== Message attributes ==== */

/* AWS: a message attribute name is 1-256 alphanumerics, '-', '_' and '.',
 * without a leading, trailing or doubled '.'; NULL when valid, else AWS's
 * message (LocalStack's recorded answers). */
static const char *attr_name_error(arena_t *a, str_t name)
{
    if (!name.len || name.len > 256) return "Length of message attribute name must be less than 256 bytes.";
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.' || c >= 0x80;
        if (!ok)
            return arena_printf(a,
                                "Invalid non-alphanumeric character '#x%X' was found in the message attribute name. "
                                "Can only include alphanumeric characters, hyphens, underscores, or dots.",
                                c);
    }
    if (name.p[0] == '.') return "Invalid message attribute name starting with character '.' was found.";
    if (name.p[name.len - 1] == '.') return "Invalid message attribute name ending with character '.' was found.";
    for (size_t i = 1; i < name.len; i++)
        if (name.p[i] == '.' && name.p[i - 1] == '.')
            return "Message attribute name can not have successive '.' character.";
    return NULL;
}

/* String, Number or Binary, alone or with a non-empty ".custom" suffix
 * (recorded: "String.prefixed" is accepted, "String." and "Stringprefixed"
 * are not). */
static bool type_is(str_t type, const char *base)
{
    size_t n = strlen(base);
    return str_starts_with(type, str_c(base)) && (type.len == n || (type.p[n] == '.' && type.len > n + 1));
}

/* AWS: SNS message attribute rules (types String, String.Array, Number,
 * Binary with optional custom suffixes; values required, in the field of
 * their type). Messages as the Publish API answers them (ParameterValueInvalid,
 * recorded). */
static int check_attrs(arena_t *a, const val_t *attrs, size_t *bytes, pfail_t *f)
{
    for (size_t i = 0; attrs && i < val_len(attrs); i++) {
        str_t name = attrs->u.obj.e[i].key;
        const val_t *v = attrs->u.obj.e[i].v;
        str_t type = val_get_str(v, "DataType");
        *bytes += name.len + type.len;
        const char *bad = attr_name_error(a, name);
        if (bad) return pfail(f, &SNS_ERR_InvalidParameterValueException, bad);
        if (!type.len)
            return pfail(f, &SNS_ERR_InvalidParameterValueException,
                         arena_printf(a, "The message attribute '%.*s' must contain non-empty message attribute type.",
                                      STR_FMT(name)));
        bool is_str = type_is(type, "String"), is_num = type_is(type, "Number"), is_bin = type_is(type, "Binary");
        if (!is_str && !is_num && !is_bin)
            return pfail(f, &SNS_ERR_InvalidParameterValueException,
                         arena_printf(a,
                                      "The message attribute '%.*s' has an invalid message attribute type, the set of "
                                      "supported type prefixes is Binary, Number, and String.",
                                      STR_FMT(name)));
        const val_t *b = val_get(v, "BinaryValue");
        str_t sv = val_get_str(v, "StringValue");
        const char *field = is_bin ? (b ? NULL : sv.p ? "Binary" : NULL) : (sv.p ? NULL : b ? "String" : NULL);
        if (field)
            return pfail(f, &SNS_ERR_InvalidParameterValueException,
                         arena_printf(a, "The message attribute '%.*s' with type '%s' must use field '%s'.",
                                      STR_FMT(name),
                                      is_bin   ? "Binary"
                                      : is_num ? "Number"
                                               : "String",
                                      field));
        if (is_bin ? !b || !b->u.s.len : !sv.len)
            return pfail(f, &SNS_ERR_InvalidParameterValueException,
                         arena_printf(a,
                                      "The message attribute '%.*s' must contain non-empty message attribute value "
                                      "for message attribute type '%.*s'.",
                                      STR_FMT(name), STR_FMT(type)));
        if (is_bin) {
            *bytes += b->u.s.len;
            continue;
        }
        *bytes += sv.len;
        if (is_num) {
            char *z = arena_strndup(a, sv.p, sv.len), *end = NULL;
            if (z) strtod(z, &end);
            if (!z || end == z || *end)
                return pfail(
                    f, &SNS_ERR_InvalidParameterValueException,
                    arena_printf(a, "Could not cast message attribute '%.*s' value to number.", STR_FMT(name)));
        } else if (str_eq_c(type, "String.Array")) {
            json_t *j = json_parse(a, sv, NULL);
            if (!j || j->type != JSON_ARRAY)
                return pfail(f, &SNS_ERR_InvalidParameterValueException,
                             arena_printf(a,
                                          "Invalid parameter: MessageAttributes Reason: Invalid value for message "
                                          "attribute '%.*s' of type String.Array",
                                          STR_FMT(name)));
        }
    }
    return GR_OK;
}

/* SNS attributes → SQS message attributes for raw delivery (same shape). */
static const val_t *sqs_attrs(const val_t *attrs)
{
    return attrs && val_len(attrs) ? attrs : NULL;
}

/* ==== The notification document ==== */

static str_t iso_now(arena_t *a, int64_t us)
{
    char ts[40];
    time_fmt_iso8601(ts, us, true);
    return arena_str(a, str_c(ts));
}

static void pct_encode(buf_t *b, str_t s)
{
    static const char hexd[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~')
            buf_putc(b, (char)c);
        else {
            buf_putc(b, '%');
            buf_putc(b, hexd[c >> 4]);
            buf_putc(b, hexd[c & 15]);
        }
    }
}

str_t sns__message_for(arena_t *a, const sns_msg_t *m, str_t protocol)
{
    if (!str_eq_c(m->structure, "json")) return m->message;
    json_t *j = json_parse(a, m->message, NULL);
    if (!j || j->type != JSON_OBJECT) return m->message;
    char *p = arena_strndup(a, protocol.p ? protocol.p : "", protocol.len);
    const json_t *v = p ? json_get(j, p) : NULL;
    if (!v || v->type != JSON_STRING) v = json_get(j, "default");
    return v && v->type == JSON_STRING ? v->u.s : m->message;
}

static void put_field(buf_t *b, const char *k, str_t v, bool pretty, bool *first)
{
    buf_puts(b, *first ? (pretty ? "\n  " : "") : (pretty ? ",\n  " : ","));
    *first = false;
    json_write_string(b, str_c(k));
    buf_puts(b, pretty ? " : " : ":");
    json_write_string(b, v);
}

static void put_attrs_json(buf_t *b, const val_t *attrs, bool pretty)
{
    buf_puts(b, pretty ? "{" : "{");
    for (size_t i = 0; i < val_len(attrs); i++) {
        const val_t *v = attrs->u.obj.e[i].v;
        str_t type = val_get_str(v, "DataType");
        buf_puts(b, i ? (pretty ? ",\n    " : ",") : (pretty ? "\n    " : ""));
        json_write_string(b, attrs->u.obj.e[i].key);
        buf_puts(b, pretty ? " : {\"Type\":" : ":{\"Type\":");
        json_write_string(b, type);
        buf_puts(b, ",\"Value\":");
        if (str_starts_with(type, STR("Binary"))) {
            const val_t *bv = val_get(v, "BinaryValue");
            str_t raw = bv ? bv->u.s : STR("");
            size_t n = 4 * ((raw.len + 2) / 3);
            char *enc = arena_alloc(b->a, n + 1);
            if (enc) EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)raw.p, (int)raw.len);
            json_write_string(b, enc ? str_n(enc, n) : STR(""));
        } else
            json_write_string(b, val_get_str(v, "StringValue"));
        buf_putc(b, '}');
    }
    buf_puts(b, pretty ? "\n  }" : "}");
}

/* AWS: the string a Notification's signature covers: Message, MessageId,
 * Subject (when there is one), Timestamp, TopicArn, Type, each as
 * "Name\nvalue\n" (Amazon SNS Developer Guide, "Verifying the signatures of
 * Amazon SNS messages"). */
static str_t notification_canonical(arena_t *a, const sns_msg_t *m, str_t message, str_t ts, str_t topic_arn)
{
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "Message\n");
    buf_put_str(&b, message);
    buf_puts(&b, "\nMessageId\n");
    buf_put_str(&b, m->msg_id);
    if (m->subject.len) {
        buf_puts(&b, "\nSubject\n");
        buf_put_str(&b, m->subject);
    }
    buf_puts(&b, "\nTimestamp\n");
    buf_put_str(&b, ts);
    buf_puts(&b, "\nTopicArn\n");
    buf_put_str(&b, topic_arn);
    buf_puts(&b, "\nType\nNotification\n");
    return buf_str(&b);
}

static str_t unsubscribe_url(struct app *app, arena_t *a, str_t sub_arn)
{
    buf_t b;
    buf_init(&b, a);
    buf_put_str(&b, sns__base_url(app, a));
    buf_puts(&b, "/_gureum/sns/unsubscribe?SubscriptionArn=");
    pct_encode(&b, sub_arn);
    return buf_str(&b);
}

str_t sns__notification_json(struct app *app, arena_t *a, const sns_topic_t *t, const sns_sub_t *s, const sns_msg_t *m,
                             bool pretty)
{
    str_t message = sns__message_for(a, m, s ? s->protocol : STR("default"));
    str_t ts = iso_now(a, m->time_us);
    str_t base = sns__base_url(app, a);
    str_t sig = sns__sign(a, notification_canonical(a, m, message, ts, t->arn), t->sig_version);
    buf_t b;
    buf_init(&b, a);
    bool first = true;
    /* AWS: the member order and " : " spacing of the JSON SNS delivers to
     * SQS and HTTP/S endpoints. */
    buf_putc(&b, '{');
    put_field(&b, "Type", STR("Notification"), pretty, &first);
    put_field(&b, "MessageId", m->msg_id, pretty, &first);
    if (m->seq.len) put_field(&b, "SequenceNumber", m->seq, pretty, &first);
    put_field(&b, "TopicArn", t->arn, pretty, &first);
    if (m->subject.len) put_field(&b, "Subject", m->subject, pretty, &first);
    put_field(&b, "Message", message, pretty, &first);
    put_field(&b, "Timestamp", ts, pretty, &first);
    put_field(&b, "SignatureVersion", t->sig_version == 2 ? STR("2") : STR("1"), pretty, &first);
    put_field(&b, "Signature", sig.p ? sig : STR(""), pretty, &first);
    put_field(&b, "SigningCertURL",
              str_c(arena_printf(a, "%.*s/_gureum/sns/SimpleNotificationService.pem", STR_FMT(base))), pretty, &first);
    put_field(&b, "UnsubscribeURL", unsubscribe_url(app, a, s ? s->arn : STR("")), pretty, &first);
    if (m->attrs && val_len(m->attrs)) {
        buf_puts(&b, pretty ? ",\n  \"MessageAttributes\" : " : ",\"MessageAttributes\":");
        put_attrs_json(&b, m->attrs, pretty);
    }
    buf_puts(&b, pretty ? "\n}" : "}");
    return buf_str(&b);
}

/* The event a Lambda subscription receives (AWS: "Using AWS Lambda with
 * Amazon SNS", example event: Records[].Sns with SigningCertUrl/UnsubscribeUrl). */
static str_t lambda_event(struct app *app, arena_t *a, const sns_topic_t *t, const sns_sub_t *s, const sns_msg_t *m)
{
    str_t message = sns__message_for(a, m, s->protocol);
    str_t ts = iso_now(a, m->time_us);
    str_t base = sns__base_url(app, a);
    str_t sig = sns__sign(a, notification_canonical(a, m, message, ts, t->arn), t->sig_version);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Records"));
    json_w_arr_begin(&w);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("EventSource"));
    json_w_str(&w, STR("aws:sns"));
    json_w_key(&w, STR("EventVersion"));
    json_w_str(&w, STR("1.0"));
    json_w_key(&w, STR("EventSubscriptionArn"));
    json_w_str(&w, s->arn);
    json_w_key(&w, STR("Sns"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Type"));
    json_w_str(&w, STR("Notification"));
    json_w_key(&w, STR("MessageId"));
    json_w_str(&w, m->msg_id);
    json_w_key(&w, STR("TopicArn"));
    json_w_str(&w, t->arn);
    json_w_key(&w, STR("Subject"));
    if (m->subject.len)
        json_w_str(&w, m->subject);
    else
        json_w_null(&w);
    json_w_key(&w, STR("Message"));
    json_w_str(&w, message);
    json_w_key(&w, STR("Timestamp"));
    json_w_str(&w, ts);
    json_w_key(&w, STR("SignatureVersion"));
    json_w_str(&w, t->sig_version == 2 ? STR("2") : STR("1"));
    json_w_key(&w, STR("Signature"));
    json_w_str(&w, sig.p ? sig : STR(""));
    json_w_key(&w, STR("SigningCertUrl"));
    json_w_str(&w, str_c(arena_printf(a, "%.*s/_gureum/sns/SimpleNotificationService.pem", STR_FMT(base))));
    json_w_key(&w, STR("UnsubscribeUrl"));
    json_w_str(&w, unsubscribe_url(app, a, s->arn));
    json_w_key(&w, STR("MessageAttributes"));
    json_w_obj_begin(&w);
    for (size_t i = 0; m->attrs && i < val_len(m->attrs); i++) {
        const val_t *v = m->attrs->u.obj.e[i].v;
        json_w_key(&w, m->attrs->u.obj.e[i].key);
        json_w_obj_begin(&w);
        json_w_key(&w, STR("Type"));
        json_w_str(&w, val_get_str(v, "DataType"));
        json_w_key(&w, STR("Value"));
        const val_t *bv = val_get(v, "BinaryValue");
        if (bv && bv->kind == VAL_BLOB) { /* AWS: binary values arrive base64-encoded */
            size_t n = 4 * ((bv->u.s.len + 2) / 3);
            char *enc = arena_alloc(a, n + 1);
            if (enc) EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)bv->u.s.p, (int)bv->u.s.len);
            json_w_str(&w, enc ? str_n(enc, n) : STR(""));
        } else
            json_w_str(&w, val_get_str(v, "StringValue"));
        json_w_obj_end(&w);
    }
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* ==== Fan-out ==== */

/* ==== Metrics (AWS/SNS) ==== */

void sns__metric(struct app *app, str_t topic_arn, const char *metric, const char *unit, double value)
{
    str_t region, account, name;
    if (!pubm_arn_scope(topic_arn, &region, &account, &name)) return;
    pubm_dim_t d = {"TopicName", name};
    pubm_add(app, account, region, "AWS/SNS", metric, &d, 1, unit, value, false);
}

/* AWS: NumberOfNotificationsDelivered / NumberOfNotificationsFailed count
 * each subscription's delivery (one per message and endpoint); for HTTP/S
 * they are counted when the last attempt ends (delivery.c). */
static void delivered(struct app *app, const sns_topic_t *t, bool ok)
{
    sns__metric(app, t->arn, ok ? "NumberOfNotificationsDelivered" : "NumberOfNotificationsFailed", "Count", 1);
}

/* {"ErrorMessage": msg, "requestId": rid} as JSON text (a failed
 * delivery's providerResponse in the delivery status log). */
static str_t json_quoted_object(arena_t *a, const char *key, const char *msg, const char *rid)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, str_c(key));
    json_w_str(&w, str_c(msg));
    json_w_key(&w, STR("requestId"));
    json_w_str(&w, str_c(rid));
    json_w_obj_end(&w);
    return buf_str(&b);
}

static void to_dlq(struct app *app, arena_t *a, const sns_sub_t *s, const sns_topic_t *t, const sns_msg_t *m,
                   str_t body, const char *why)
{
    if (!s->dlq_arn.len) {
        log_warn("sns: delivery to %.*s failed: %s", STR_FMT(s->arn), why ? why : "");
        return;
    }
    str_t mid;
    const char *err = NULL;
    /* AWS: the dead-letter queue receives the message as it would have been
     * delivered (the JSON envelope unless raw delivery is on). */
    bool fifo_q = str_ends_with(s->dlq_arn, STR(".fifo"));
    if (sqs_deliver(app, a, s->dlq_arn, body, s->raw ? sqs_attrs(m->attrs) : NULL, fifo_q ? m->group_id : STR_NULL,
                    fifo_q ? m->dedup_id : STR_NULL, &mid, &err) != GR_OK)
        log_warn("sns: dead-letter queue %.*s of %.*s refused a message: %s", STR_FMT(s->dlq_arn), STR_FMT(s->arn),
                 err ? err : "");
    (void)t;
}

static void deliver_one(struct app *app, arena_t *a, sqlite3 *db, const sns_topic_t *t, const sns_sub_t *s,
                        const sns_msg_t *m)
{
    str_t proto = s->protocol;
    if (str_eq_c(proto, "sqs")) {
        str_t body = s->raw ? sns__message_for(a, m, proto) : sns__notification_json(app, a, t, s, m, true);
        /* AWS: SNS may send to a queue only if the queue's policy allows
         * sns.amazonaws.com (aws:SourceArn = the topic) — otherwise the
         * message is dropped (Amazon SNS Developer Guide, "Fanout to Amazon
         * SQS queues", step 2). */
        if (!sqs_allows(app, a, s->endpoint, STR("sns.amazonaws.com"), "sqs:SendMessage", t->arn)) {
            delivered(app, t, false);
            sns__delivery_status(app, a, db, t, s, m, false, 403,
                                 STR("{\"ErrorCode\":\"AccessDenied\",\"ErrorMessage\":\"Access to the resource "
                                     "is denied.\",\"sqsRequestId\":\"Unrecoverable\"}"));
            to_dlq(app, a, s, t, m, body, "the queue policy does not allow sns.amazonaws.com to send messages");
            return;
        }
        bool fifo_q = str_ends_with(s->endpoint, STR(".fifo"));
        str_t dedup = m->dedup_id;
        str_t mid;
        const char *err = NULL;
        bool ok = sqs_deliver(app, a, s->endpoint, body, s->raw ? sqs_attrs(m->attrs) : NULL,
                              fifo_q ? m->group_id : STR_NULL, fifo_q ? dedup : STR_NULL, &mid, &err) == GR_OK;
        delivered(app, t, ok);
        char rid[37];
        id_uuid(rid);
        sns__delivery_status(
            app, a, db, t, s, m, ok, ok ? 200 : 400,
            ok ? str_c(arena_printf(a, "{\"sqsRequestId\":\"%s\",\"sqsMessageId\":\"%.*s\"}", rid, STR_FMT(mid)))
               : json_quoted_object(a, "ErrorMessage", err ? err : "", rid));
        if (!ok) to_dlq(app, a, s, t, m, body, err);
    } else if (str_eq_c(proto, "lambda")) {
        const char *err = NULL;
        bool ok = lambda_invoke_event(app, a, s->endpoint, lambda_event(app, a, t, s, m), STR("sns.amazonaws.com"),
                                      t->arn, &err) == GR_OK;
        delivered(app, t, ok);
        char rid[37];
        id_uuid(rid);
        sns__delivery_status(app, a, db, t, s, m, ok, ok ? 202 : 400,
                             ok ? str_c(arena_printf(a, "{\"lambdaRequestId\":\"%s\"}", rid))
                                : json_quoted_object(a, "ErrorMessage", err ? err : "", rid));
        if (!ok) to_dlq(app, a, s, t, m, sns__notification_json(app, a, t, s, m, true), err);
    } else if (str_eq_c(proto, "http") || str_eq_c(proto, "https")) {
        str_t body = s->raw ? sns__message_for(a, m, proto) : sns__notification_json(app, a, t, s, m, true);
        sns__http_post(app, s->endpoint, STR("Notification"), m->msg_id, t->arn, s->arn, body, s->raw,
                       s->delivery_policy.len ? s->delivery_policy : t->delivery_policy, s->dlq_arn);
    } else if (str_eq_c(proto, "email")) {
        delivered(app, t,
                  sns__email_send(db, t->account, t->region, s->endpoint,
                                  m->subject.len ? m->subject : STR("AWS Notification Message"),
                                  sns__message_for(a, m, proto), STR("email"), t->arn, m->msg_id) == GR_OK);
    } else if (str_eq_c(proto, "email-json")) {
        delivered(app, t,
                  sns__email_send(db, t->account, t->region, s->endpoint,
                                  m->subject.len ? m->subject : STR("AWS Notification Message"),
                                  sns__notification_json(app, a, t, s, m, true), STR("email-json"), t->arn,
                                  m->msg_id) == GR_OK);
    } else if (str_eq_c(proto, "application")) {
        /* AWS: a deleted or disabled endpoint receives nothing. */
        sns_endpoint_t e;
        bool ok = false;
        if (sns__endpoint_load(db, a, s->endpoint, &e) != GR_OK || !e.enabled)
            log_warn("sns: push to %.*s not sent: the endpoint is deleted or disabled", STR_FMT(s->endpoint));
        else if (sns__push_send(db, &e, sns__message_for(a, m, e.platform), m->msg_id, t->arn) != GR_OK)
            log_warn("sns: push to %.*s not stored", STR_FMT(s->endpoint));
        else
            ok = true;
        delivered(app, t, ok);
    } else if (str_eq_c(proto, "sms")) {
        const char *err = NULL;
        bool ok = sns__sms_send(app, a, db, t->account, t->region, sns__sms_number(a, s->endpoint),
                                sns__message_for(a, m, proto), m->attrs, m->msg_id, t->arn, &err) == GR_OK;
        if (!ok) log_warn("sns: SMS to %.*s not sent: %s", STR_FMT(s->endpoint), err ? err : "");
        delivered(app, t, ok);
    }
}

void sns__fan_out(struct app *app, arena_t *a, sqlite3 *db, const sns_topic_t *t, const sns_dp_t *dp,
                  const sns_msg_t *m)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT " SNS_SUB_COLS " FROM subscription WHERE tid = ?1 AND confirmed = 1 ORDER BY id", -1,
                      &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, t->id);
    size_t n = 0, cap = 0;
    sns_sub_t *subs = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            sns_sub_t *ns = arena_realloc(a, subs, cap * sizeof *subs, nc * sizeof *subs);
            if (!ns) break;
            subs = ns, cap = nc;
        }
        if (sns__sub_load(db, a, st, &subs[n]) == GR_OK) n++;
    }
    store_release(st);
    /* Statements are finished before delivering: SMS and email deliveries
     * write to this same connection. */
    for (size_t i = 0; i < n; i++) {
        const sns_sub_t *s = &subs[i];
        if (s->filter_policy.len &&
            !sns__filter_match(a, s->filter_policy, s->body_scope, m->attrs, sns__message_for(a, m, s->protocol)))
            continue;
        /* AWS: an outbound Deny fails this subscription's delivery; the
         * message goes to no dead-letter queue, which would leak what the
         * policy keeps from the endpoint. */
        sns_msg_t om = *m;
        if (!sns__dp_outbound(a, dp, s, &om)) {
            log_info("sns: delivery of %.*s to %.*s denied by the topic's data protection policy", STR_FMT(m->msg_id),
                     STR_FMT(s->arn));
            continue;
        }
        deliver_one(app, a, db, t, s, &om);
    }
}

/* ==== Publishing one message ==== */

typedef struct {
    str_t subject, message, structure, group_id, dedup_id;
    const val_t *attrs;
} pin_t;

static str_t sha256_hex(arena_t *a, str_t s)
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(s.p ? s.p : "", s.len, d, &n, EVP_sha256(), NULL);
    char *h = arena_alloc(a, 65);
    if (!h) return STR_NULL;
    for (int i = 0; i < 32; i++) snprintf(h + 2 * i, 3, "%02x", d[i]);
    return str_n(h, 64);
}

static int check_message(arena_t *a, const pin_t *in, pfail_t *f)
{
    if (!in->message.len) return pfail(f, &SNS_ERR_InvalidParameterException, "Invalid parameter: Empty message");
    if (in->subject.p) {
        /* AWS: a Subject is 1–100 printable ASCII characters, no line breaks. */
        bool ok = in->subject.len >= 1 && in->subject.len <= 100;
        for (size_t i = 0; ok && i < in->subject.len; i++) {
            unsigned char c = (unsigned char)in->subject.p[i];
            ok = c >= 0x20 && c < 0x7f;
        }
        if (!ok) return pfail(f, &SNS_ERR_InvalidParameterException, "Invalid parameter: Subject");
    }
    if (in->structure.p) {
        if (!str_eq_c(in->structure, "json"))
            return pfail(f, &SNS_ERR_InvalidParameterException, "Invalid parameter: MessageStructure");
        json_t *j = json_parse(a, in->message, NULL);
        if (!j || j->type != JSON_OBJECT)
            return pfail(f, &SNS_ERR_InvalidParameterException,
                         "Invalid parameter: Message Structure - JSON message body failed to parse");
        const json_t *d = json_get(j, "default");
        if (!d || d->type != JSON_STRING)
            return pfail(f, &SNS_ERR_InvalidParameterException,
                         "Invalid parameter: Message Structure - No default entry in JSON message body");
    }
    size_t bytes = in->message.len;
    if (check_attrs(a, in->attrs, &bytes, f) != GR_OK) return GR_ERR;
    if (bytes > MAX_PUBLISH_BYTES)
        return pfail(f, &SNS_ERR_InvalidParameterException, "Invalid parameter: Message too long");
    return GR_OK;
}

/* FIFO: the next sequence number (20 digits, increasing per topic), and the
 * five-minute deduplication window. *dup: already published, m->msg_id and
 * m->seq are the original's. */
static int fifo_order(sqlite3 *db, arena_t *a, const sns_topic_t *t, sns_msg_t *m, bool *dup)
{
    *dup = false;
    /* AWS: FifoThroughputScope MessageGroup scopes deduplication to each
     * message group; Topic (the default) to the whole topic. */
    str_t key = m->dedup_id;
    if (t->group_dedup) {
        key = str_c(arena_printf(a, "%.*s\x1f%.*s", STR_FMT(m->group_id), STR_FMT(m->dedup_id)));
        if (!key.p) return GR_ERR;
    }
    int64_t now = sns__now_ms();
    sqlite3_stmt *st;
    if (store_prepare(db, "DELETE FROM dedup WHERE tid = ?1 AND expires_ms <= ?2", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t->id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_step(st);
    store_release(st);
    if (store_prepare(db, "SELECT msg_id, seq FROM dedup WHERE tid = ?1 AND dedup_id = ?2", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t->id);
    sns__bind(st, 2, key);
    if (sqlite3_step(st) == SQLITE_ROW) {
        m->msg_id = store_col_str(a, st, 0);
        m->seq = store_col_str(a, st, 1);
        *dup = true;
    }
    store_release(st);
    if (*dup) return GR_OK;
    if (store_prepare(db,
                      "INSERT INTO fifo_seq (tid, seq) VALUES (?1, 1) ON CONFLICT (tid) DO UPDATE SET seq = seq + 1 "
                      "RETURNING seq",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t->id);
    int64_t seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    if (!seq) return GR_ERR;
    /* AWS: sequence numbers are 20-digit decimal strings ("10000000000000000000"). */
    m->seq = str_c(arena_printf(a, "1%019lld", (long long)seq));
    if (store_prepare(db, "INSERT INTO dedup (tid, dedup_id, msg_id, seq, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)", -1,
                      &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t->id);
    sns__bind(st, 2, key);
    sns__bind(st, 3, m->msg_id);
    sns__bind(st, 4, m->seq);
    sqlite3_bind_int64(st, 5, now + 5 * 60 * 1000);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* Everything about one message that AWS refuses before publishing it: its
 * text, attributes and structure, and what the topic's kind demands. */
static int check_for_topic(arena_t *a, const sns_topic_t *t, const pin_t *in, pfail_t *f)
{
    if (check_message(a, in, f) != GR_OK) return GR_ERR;
    if (t->fifo) {
        /* AWS: Publish to a FIFO topic needs a MessageGroupId, and a
         * deduplication id unless the topic deduplicates by content. */
        if (!in->group_id.len)
            return pfail(f, &SNS_ERR_InvalidParameterException,
                         "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
        if (!in->dedup_id.len && !t->content_dedup)
            return pfail(f, &SNS_ERR_InvalidParameterException,
                         "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
                         "MessageDeduplicationId provided explicitly");
    } else if (in->dedup_id.len)
        return pfail(f, &SNS_ERR_InvalidParameterException,
                     "Invalid parameter: MessageDeduplicationId Reason: The request includes "
                     "MessageDeduplicationId parameter that is not valid for this topic type");
    return GR_OK;
}

/* Validates and publishes one message to topic t for account's principal
 * (STR_NULL for an AWS service): GR_OK with *out filled, or GR_ERR with *f
 * (an AWS error) or f->e NULL (internal failure). dp is t's data protection
 * policy compiled (NULL: none). */
static int publish_one(struct app *app, arena_t *a, sqlite3 *db, const sns_topic_t *t, const sns_dp_t *dp,
                       const pin_t *in, str_t account, str_t principal, sns_msg_t *out, pfail_t *f)
{
    if (check_for_topic(a, t, in, f) != GR_OK) return GR_ERR;
    sns_msg_t m = {.subject = in->subject,
                   .message = in->message,
                   .structure = in->structure,
                   .attrs = in->attrs,
                   .group_id = in->group_id,
                   .dedup_id = in->dedup_id,
                   .time_us = time_now_us(),
                   .publisher = account};
    char uuid[37];
    id_uuid(uuid);
    m.msg_id = arena_str(a, str_c(uuid));
    /* Before a FIFO sequence number or deduplication id is spent on it. The
     * error is unconfirmed: AWS documents that a Deny "blocks the publish
     * request", and refuses what a publisher may not do with
     * AuthorizationError. */
    str_t found;
    if (!sns__dp_inbound(app, a, dp, t, principal, &m, &found))
        return pfail(f, &SNS_ERR_AuthorizationErrorException,
                     arena_printf(a,
                                  "Publish to %.*s denied by its data protection policy: the message contains "
                                  "sensitive data (%.*s)",
                                  STR_FMT(t->arn), STR_FMT(found)));
    /* AWS: NumberOfMessagesPublished and PublishSize (the message's bytes),
     * for each message the topic accepts */
    sns__metric(app, t->arn, "NumberOfMessagesPublished", "Count", 1);
    sns__metric(app, t->arn, "PublishSize", "Bytes", (double)in->message.len);
    if (t->fifo) {
        if (!in->dedup_id.len) m.dedup_id = sha256_hex(a, in->message);
        bool dup = false;
        if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return pfail(f, NULL, NULL);
        if (fifo_order(db, a, t, &m, &dup) != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
            store_exec(db, "ROLLBACK");
            return pfail(f, NULL, NULL);
        }
        *out = m;
        if (dup) return GR_OK; /* AWS: a duplicate is accepted and not delivered again */
    } else
        *out = m;
    sns__fan_out(app, a, db, t, dp, &m);
    return GR_OK;
}

static pin_t pin_of(const val_t *v)
{
    return (pin_t){.subject = val_get_str(v, "Subject"),
                   .message = val_get_str(v, "Message"),
                   .structure = val_get_str(v, "MessageStructure"),
                   .group_id = val_get_str(v, "MessageGroupId"),
                   .dedup_id = val_get_str(v, "MessageDeduplicationId"),
                   .attrs = val_get(v, "MessageAttributes")};
}

/* Publish with the TargetArn of a platform endpoint: the notification for
 * its platform goes to the push outbox. */
static int publish_to_endpoint(req_t *r, sqlite3 *db, str_t target, const pin_t *p, val_t *out)
{
    arena_t *a = r->arena;
    sns_endpoint_t e;
    /* AWS (recorded): an unknown target, then a disabled endpoint, are
     * refused before the message is looked at. */
    if (sns__endpoint_load(db, a, target, &e) != GR_OK || !str_eq(e.account, r->who.account) ||
        !str_eq(e.region, r->region))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified");
    if (!e.enabled) return req_fail(r, &SNS_ERR_EndpointDisabledException, "Endpoint is disabled");
    pfail_t f = {0};
    if (check_message(a, p, &f) != GR_OK) return f.e ? req_fail(r, f.e, "%s", f.msg) : GR_ERR;
    char uuid[37];
    id_uuid(uuid);
    str_t mid = arena_str(a, str_c(uuid));
    sns_msg_t m = {.message = p->message, .structure = p->structure};
    /* AWS: with MessageStructure json, the member named for the platform
     * ("APNS", "GCM", ...) or else "default". */
    if (sns__push_send(db, &e, sns__message_for(a, &m, e.platform), mid, STR_NULL) != GR_OK) return GR_ERR;
    val_set_c(a, out, "MessageId", val_str(a, mid));
    return GR_OK;
}

int sns_publish(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t topic = val_get_str(in, "TopicArn"), target = val_get_str(in, "TargetArn"),
          phone = val_get_str(in, "PhoneNumber");
    /* AWS (recorded): TopicArn="" is a malformed ARN, not a missing one. */
    bool has_topic = val_get(in, "TopicArn") != NULL;
    int given = has_topic + (target.len > 0) + (phone.len > 0);
    /* AWS: exactly one destination. */
    if (given == 0)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
    if (given > 1)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or "
                        "PhoneNumber may be specified");
    pin_t p = pin_of(in);
    pfail_t f = {0};
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    if (phone.len) {
        if (!sns__e164(phone))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: PhoneNumber Reason: %.*s is not valid to publish to", STR_FMT(phone));
        if (check_message(a, &p, &f) != GR_OK) return f.e ? req_fail(r, f.e, "%s", f.msg) : GR_ERR;
        char uuid[37];
        id_uuid(uuid);
        str_t mid = arena_str(a, str_c(uuid));
        const char *err = NULL;
        sns_msg_t m = {.message = p.message, .structure = p.structure};
        if (sns__sms_send(r->app, a, db, r->who.account, r->region, phone, sns__message_for(a, &m, STR("sms")), p.attrs,
                          mid, STR_NULL, &err) != GR_OK) {
            if (err) return req_fail(r, &SNS_ERR_InvalidParameterException, "%s", err);
            return GR_ERR;
        }
        val_set_c(a, out, "MessageId", val_str(a, mid));
        return GR_OK;
    }
    str_t arn = has_topic ? topic : target;
    str_t region, account, name;
    /* A TargetArn names a topic or a platform endpoint (…:endpoint/P/APP/ID). */
    if (!has_topic && (!sns__parse_topic_arn(target, &region, &account, &name) || str_index(name, '/') >= 0))
        return publish_to_endpoint(r, db, target, &p, out);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, arn, has_topic ? "TopicArn" : "TargetArn", &t) != GR_OK) return GR_ERR;
    sns_msg_t m;
    if (publish_one(r->app, a, db, &t, sns__dp_load(a, t.data_protection), &p, r->who.account, r->who.arn, &m, &f) !=
        GR_OK)
        return f.e ? req_fail(r, f.e, "%s", f.msg) : GR_ERR;
    val_set_c(a, out, "MessageId", val_str(a, m.msg_id));
    if (m.seq.len) val_set_c(a, out, "SequenceNumber", val_str(a, m.seq));
    return GR_OK;
}

static bool entry_id_chars_ok(str_t id)
{
    for (size_t i = 0; i < id.len; i++) {
        char c = id.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

int sns_publish_batch(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    const val_t *entries = val_get(in, "PublishBatchRequestEntries");
    size_t n = entries ? val_len(entries) : 0;
    /* AWS: PublishBatch errors (API reference). */
    if (n == 0)
        return req_fail(r, &SNS_ERR_EmptyBatchRequestException, "The batch request doesn't contain any entries.");
    if (n > 10)
        return req_fail(r, &SNS_ERR_TooManyEntriesInBatchRequestException,
                        "The batch request contains more entries than permissible.");
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *e = entries->u.list.v[i];
        for (size_t k = 0; k < i; k++)
            if (str_eq(val_get_str(e, "Id"), val_get_str(entries->u.list.v[k], "Id")))
                return req_fail(r, &SNS_ERR_BatchEntryIdsNotDistinctException,
                                "Two or more batch entries in the request have the same Id.");
    }
    for (size_t i = 0; i < n; i++) {
        const val_t *e = entries->u.list.v[i];
        str_t id = val_get_str(e, "Id");
        /* AWS: the ids are checked after their distinctness (LocalStack's
         * recorded answers for "message.id", "msg@123#test" and 81+ letters). */
        if (id.len > 80)
            return req_fail(r, &SNS_ERR_InvalidBatchEntryIdException,
                            "The Id of a batch entry in the batch request is too long: %.*s", STR_FMT(id));
        if (!entry_id_chars_ok(id))
            return req_fail(r, &SNS_ERR_InvalidBatchEntryIdException,
                            "The Id of a batch entry in the batch request contains an impermissible character: %.*s",
                            STR_FMT(id));
        total += val_get_str(e, "Message").len;
    }
    if (total > MAX_PUBLISH_BYTES)
        return req_fail(r, &SNS_ERR_BatchRequestTooLongException,
                        "The length of all the messages put together is "
                        "more than the limit.");
    /* AWS: an entry AWS would refuse fails the whole request, before any
     * entry is published (recorded: a FIFO entry without MessageGroupId or
     * deduplication id, a json structure without "default", bad message
     * attributes); Failed holds only entries whose publishing failed. */
    for (size_t i = 0; i < n; i++) {
        pin_t p = pin_of(entries->u.list.v[i]);
        pfail_t f = {0};
        if (check_for_topic(a, &t, &p, &f) != GR_OK) return f.e ? req_fail(r, f.e, "%s", f.msg) : GR_ERR;
    }
    val_t *ok = val_new(a, VAL_LIST), *failed = val_new(a, VAL_LIST);
    const sns_dp_t *dp = sns__dp_load(a, t.data_protection);
    for (size_t i = 0; i < n; i++) {
        const val_t *e = entries->u.list.v[i];
        str_t id = val_get_str(e, "Id");
        pin_t p = pin_of(e);
        pfail_t f = {0};
        sns_msg_t m;
        if (publish_one(r->app, a, db, &t, dp, &p, r->who.account, r->who.arn, &m, &f) != GR_OK) {
            val_t *fe = val_new(a, VAL_STRUCT);
            val_set_c(a, fe, "Id", val_str(a, id));
            val_set_c(a, fe, "Code", val_cstr(a, f.e ? f.e->code : "InternalError"));
            val_set_c(a, fe, "Message", val_cstr(a, f.msg ? f.msg : "Internal error"));
            val_set_c(a, fe, "SenderFault", val_bool(a, f.e ? f.e->sender : false));
            val_push(a, failed, fe);
            continue;
        }
        val_t *se = val_new(a, VAL_STRUCT);
        val_set_c(a, se, "Id", val_str(a, id));
        val_set_c(a, se, "MessageId", val_str(a, m.msg_id));
        if (m.seq.len) val_set_c(a, se, "SequenceNumber", val_str(a, m.seq));
        val_push(a, ok, se);
    }
    val_set_c(a, out, "Successful", ok);
    val_set_c(a, out, "Failed", failed);
    return GR_OK;
}

/* ==== Calls from other services (sns.h) ==== */

int sns_publish_internal(struct app *app, arena_t *a, str_t topic_arn, str_t subject, str_t message,
                         const val_t *msg_attrs, str_t group_id, str_t dedup_id, str_t *msg_id, const char **err)
{
    *err = NULL;
    sqlite3 *db = sns__db(app);
    if (!db) {
        *err = "Internal error";
        return GR_ERR;
    }
    sns_topic_t t;
    if (sns__topic_load(db, a, topic_arn, &t) != GR_OK) {
        *err = "Topic does not exist";
        return GR_ERR;
    }
    pin_t p = {.subject = subject, .message = message, .attrs = msg_attrs, .group_id = group_id, .dedup_id = dedup_id};
    pfail_t f = {0};
    sns_msg_t m;
    if (publish_one(app, a, db, &t, sns__dp_load(a, t.data_protection), &p, t.account, STR_NULL, &m, &f) != GR_OK) {
        *err = f.msg ? f.msg : "Internal error";
        return GR_ERR;
    }
    if (msg_id) *msg_id = m.msg_id;
    return GR_OK;
}

str_t sns__arn_account(str_t p)
{
    if (!str_starts_with(p, STR("arn:"))) return STR_NULL;
    size_t colons = 0, start = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.p[i] != ':') continue;
        if (++colons == 4) start = i + 1;
        if (colons == 5) return str_sub(p, start, i - start);
    }
    return STR_NULL;
}

bool sns_allows(struct app *app, arena_t *a, str_t topic_arn, str_t principal, const char *action, str_t source_arn)
{
    sqlite3 *db = sns__db(app);
    sns_topic_t t;
    if (!db || sns__topic_load(db, a, topic_arn, &t) != GR_OK) return false;
    principal_t w = {0};
    w.arn = principal;
    w.account = sns__arn_account(principal);
    w.root = str_ends_with(principal, STR(":root"));
    w.user_id = w.account;
    /* The topic owner's own principals are allowed by ownership (their
     * identity policies are the dispatcher's business). */
    if (w.account.len && str_eq(w.account, t.account)) return true;
    str_t text = t.policy.len ? t.policy : sns__default_policy(a, t.arn, t.account);
    char perr[256];
    policy_t *pol = policy_parse(text, POLICY_RESOURCE, perr, sizeof perr);
    if (!pol) return false;
    /* aws:SourceArn / aws:SourceAccount: what a topic policy conditions a
     * service's publish on. AWS:SourceOwner, which the default policy tests,
     * is left unset, so the default policy admits no service and no other
     * account (AWS: EventBridge and S3 need a topic policy that names them). */
    str_t src_acct = sns__arn_account(source_arn); /* arn:aws:events:REGION:ACCOUNT:rule/x too */
    policy_ctx_t ctx[2];
    size_t nctx = 0;
    if (source_arn.len) ctx[nctx++] = (policy_ctx_t){STR("aws:SourceArn"), &source_arn, 1};
    if (src_acct.len) ctx[nctx++] = (policy_ctx_t){STR("aws:SourceAccount"), &src_acct, 1};
    policy_req_t pr = {.action = str_c(action), .resource = topic_arn, .who = &w, .ctx = ctx, .nctx = nctx};
    policy_result_t res = policy_eval_one(pol, &pr);
    policy_free(pol);
    return res == POLICY_ALLOW;
}
