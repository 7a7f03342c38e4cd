/* status.c — SNS delivery status logging: a topic whose
 * <Protocol>SuccessFeedbackRoleArn / <Protocol>FailureFeedbackRoleArn
 * attributes name a role gets a CloudWatch Logs record of each delivery to
 * its SQS and Lambda subscriptions, written by deliver_one (publish.c) once
 * the delivery has succeeded or failed, through Logs' C interface.
 *
 * AWS ("Amazon SNS message delivery status"): successful deliveries are
 * logged for SuccessFeedbackSampleRate percent of them, failed ones always;
 * the records go to the log groups sns/REGION/ACCOUNT/TOPIC and
 * sns/REGION/ACCOUNT/TOPIC/Failure, each a JSON document
 * {notification: {messageMD5Sum, messageId, topicArn, timestamp},
 *  delivery: {deliveryId, destination, providerResponse, dwellTimeMs,
 *  attempts, statusCode}, status: SUCCESS|FAILURE}.
 * Not on record, and ours: a success sample rate left unset logs no
 * success (the attribute is the percentage to log), the log stream is
 * named by the message id, and the role must exist (AWS also needs its
 * trust policy to let sns.amazonaws.com assume it, not checked here). */
#define _GNU_SOURCE /* memrchr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "core/md5.h"
#include "services/iam/iam.h"
#include "services/logs/logs.h"
#include "services/sns/sns_int.h"

/* The attribute prefix of a subscription's protocol; NULL: not logged. */
static const char *prefix_of(str_t proto)
{
    if (str_eq_c(proto, "sqs")) return "SQS";
    if (str_eq_c(proto, "lambda")) return "Lambda";
    return NULL;
}

/* Whether role_arn names an existing role (its name is the ARN's last
 * path segment). */
static bool role_exists(struct app *app, arena_t *a, str_t role_arn)
{
    str_t rest = role_arn, part, account = STR_NULL;
    for (int i = 0; i < 5; i++) { /* arn:aws:iam::ACCOUNT:role/… */
        rest = str_cut(rest, ':', &part);
        if (i == 4) account = part;
    }
    if (!account.len || !str_starts_with(rest, STR("role/"))) return false;
    const char *slash = memrchr(rest.p, '/', rest.len);
    str_t name = str_n(slash + 1, rest.len - (size_t)(slash + 1 - rest.p));
    iam_role_info_t info;
    return name.len && iam_role_for_assume(app, account, name, a, &info) == 1;
}

void sns__delivery_status(struct app *app, arena_t *a, sqlite3 *db, const sns_topic_t *t, const sns_sub_t *s,
                          const sns_msg_t *m, bool ok, int status, str_t response)
{
    const char *p = prefix_of(s->protocol);
    if (!p) return;
    char name[64];
    snprintf(name, sizeof name, ok ? "%sSuccessFeedbackRoleArn" : "%sFailureFeedbackRoleArn", p);
    str_t role = sns__topic_attr(db, a, t->id, name);
    if (!role.len) return;
    if (ok) {
        snprintf(name, sizeof name, "%sSuccessFeedbackSampleRate", p);
        long long rate = 0;
        str_t r = sns__topic_attr(db, a, t->id, name);
        if (!r.len || !str_to_i64(r, &rate) || rate <= 0) return;
        uint32_t dice;
        id_random_bytes(&dice, sizeof dice);
        if (rate < 100 && (long long)(dice % 100) >= rate) return;
    }
    if (!role_exists(app, a, role)) return;

    int64_t now = time_now_us();
    unsigned char md5[16];
    md5_of(m->message.p, m->message.len, md5);
    char hex[33], ts[96], did[37];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", md5[i]);
    struct tm tm;
    time_split(m->time_us / 1000000, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(m->time_us / 1000 % 1000));
    id_uuid(did);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("notification"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("messageMD5Sum"));
    json_w_str(&w, str_c(hex));
    json_w_key(&w, STR("messageId"));
    json_w_str(&w, m->msg_id);
    json_w_key(&w, STR("topicArn"));
    json_w_str(&w, t->arn);
    json_w_key(&w, STR("timestamp"));
    json_w_str(&w, str_c(ts));
    json_w_obj_end(&w);
    json_w_key(&w, STR("delivery"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("deliveryId"));
    json_w_str(&w, str_c(did));
    json_w_key(&w, STR("destination"));
    json_w_str(&w, s->endpoint);
    json_w_key(&w, STR("providerResponse"));
    json_w_str(&w, response);
    json_w_key(&w, STR("dwellTimeMs"));
    json_w_int(&w, (now - m->time_us) / 1000);
    json_w_key(&w, STR("attempts"));
    json_w_int(&w, 1);
    json_w_key(&w, STR("statusCode"));
    json_w_int(&w, status);
    json_w_obj_end(&w);
    json_w_key(&w, STR("status"));
    json_w_str(&w, ok ? STR("SUCCESS") : STR("FAILURE"));
    json_w_obj_end(&w);

    str_t group = str_c(arena_printf(a, "sns/%.*s/%.*s/%.*s%s", STR_FMT(t->region), STR_FMT(t->account),
                                     STR_FMT(t->name), ok ? "" : "/Failure"));
    logs_event_t ev = {.ts_ms = now / 1000, .message = buf_str(&b)};
    if (logs_append(app, t->account, t->region, group, m->msg_id, &ev, 1) != GR_OK)
        log_warn("sns: delivery status of %.*s not logged to %.*s", STR_FMT(m->msg_id), STR_FMT(group));
}
