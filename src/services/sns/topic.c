/* topic.c — SNS topics: create, delete, list, attributes, permissions, tags,
 * message data protection policies,
 * over the topic / topic_attr / topic_tag tables (schema/001_sns.sql), and
 * the helpers every SNS file uses to find a topic.
 *
 * Request flow: dispatch has parsed the query input; handlers here read and
 * write SQLite on this thread's connection. Invariant: topic_attr holds only
 * what a client set (or CreateTopic was given); everything AWS computes —
 * Owner, TopicArn, the default Policy, EffectiveDeliveryPolicy, the
 * subscription counts — is computed when asked, so it is never stale. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "protocol/model.h"
#include "auth/policy.h"
#include "schemas.h"
#include "services/app.h"
#include "services/grant.h"
#include "services/registry.h"
#include "services/sns/sns_int.h"
#include "sns_model.h"

/* ==== Shared helpers ==== */

sqlite3 *sns__db(struct app *app)
{
    return store_db(app->store, &schema_sns);
}

int64_t sns__now_ms(void)
{
    return time_now_us() / 1000;
}

void sns__bind(sqlite3_stmt *st, int i, str_t s)
{
    sqlite3_bind_text(st, i, s.p ? s.p : "", (int)s.len, SQLITE_STATIC);
}

void sns__bind_opt(sqlite3_stmt *st, int i, str_t s)
{
    if (s.len)
        sns__bind(st, i, s);
    else
        sqlite3_bind_null(st, i);
}

int sns__end(sqlite3 *db, int rc)
{
    if (rc == GR_OK && store_exec(db, "COMMIT") != GR_OK) rc = GR_ERR;
    if (rc != GR_OK) store_exec(db, "ROLLBACK");
    return rc;
}

int sns__exec_each(sqlite3 *db, const char *const *sql, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st;
        if (store_prepare(db, sql[i], -1, &st, NULL) != SQLITE_OK) return GR_ERR;
        sqlite3_bind_int64(st, 1, id);
        int step = sqlite3_step(st);
        store_release(st);
        if (step != SQLITE_DONE) return GR_ERR;
    }
    return GR_OK;
}

int sns__page_after_or_fail(req_t *r, int64_t *after)
{
    long long v = 0;
    str_t tok = val_get_str(r->in, "NextToken");
    if (tok.p && (!str_to_i64(tok, &v) || v < 0))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: NextToken");
    *after = v;
    return GR_OK;
}

void sns__page(arena_t *a, sqlite3 *db, sqlite3_stmt *st, int64_t max, val_t *out, const char *member,
               const char *token, sns_row_fn *row)
{
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0;
    str_t last = STR_NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == max) {
            val_set_c(a, out, token, val_str(a, last));
            break;
        }
        last = store_col_str(a, st, 0); /* an integer id reads as its decimal text */
        row(a, db, st, list);
    }
    store_release(st);
    val_set_c(a, out, member, list);
}

bool sns__parse_topic_arn(str_t s, str_t *region, str_t *account, str_t *name)
{
    str_t f[6], rest = s;
    for (int i = 0; i < 5; i++) {
        long k = str_index(rest, ':');
        if (k < 0) return false;
        f[i] = str_sub(rest, 0, (size_t)k);
        rest = str_sub(rest, (size_t)k + 1, rest.len - (size_t)k - 1);
    }
    f[5] = rest;
    if (!str_eq_c(f[0], "arn") || !str_eq_c(f[2], "sns") || !f[3].len || !f[4].len || !f[5].len) return false;
    if (str_index(f[5], ':') >= 0) return false;
    *region = f[3], *account = f[4], *name = f[5];
    return true;
}

str_t sns__base_url(struct app *app, arena_t *a)
{
    char url[300];
    config_self_url(app->cfg, url, sizeof url);
    return arena_str(a, str_c(url));
}

int sns__topic_load(sqlite3 *db, arena_t *a, str_t arn, sns_topic_t *t)
{
    memset(t, 0, sizeof *t);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT id, account, region, name, arn, fifo, created_ms, data_protection FROM topic "
                             "WHERE arn = ?1",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, arn);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        t->id = sqlite3_column_int64(st, 0);
        t->account = store_col_str(a, st, 1);
        t->region = store_col_str(a, st, 2);
        t->name = store_col_str(a, st, 3);
        t->arn = store_col_str(a, st, 4);
        t->fifo = sqlite3_column_int(st, 5) != 0;
        t->created_ms = sqlite3_column_int64(st, 6);
        t->data_protection = store_col_str(a, st, 7);
        t->sig_version = 1;
        rc = GR_OK;
    }
    store_release(st);
    if (rc != GR_OK) return rc;
    if (store_prepare(db, "SELECT name, value FROM topic_attr WHERE tid = ?1", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t n = store_col_str(a, st, 0), v = store_col_str(a, st, 1);
        if (str_eq_c(n, "ContentBasedDeduplication"))
            t->content_dedup = str_eq_c(v, "true");
        else if (str_eq_c(n, "Policy"))
            t->policy = v;
        else if (str_eq_c(n, "DeliveryPolicy"))
            t->delivery_policy = v;
        else if (str_eq_c(n, "FifoThroughputScope"))
            t->group_dedup = str_eq_c(v, "MessageGroup");
        else if (str_eq_c(n, "SignatureVersion"))
            t->sig_version = str_eq_c(v, "2") ? 2 : 1;
    }
    store_release(st);
    return GR_OK;
}

/* Another account's topic: its access policy decides (AWS: topic policies
 * grant cross-account access; the default one grants none). Every handler
 * that acts on a loaded topic passes here. */
static int topic_access(req_t *r, const sns_topic_t *t)
{
    if (r->op && !str_eq(r->who.account, t->account)) {
        const char *action = r->op->iam_action ? r->op->iam_action : arena_printf(r->arena, "sns:%s", r->op->name);
        if (!action || !sns_allows(r->app, r->arena, t->arn, r->who.arn, action, STR_NULL))
            return req_fail(r, &SNS_ERR_AuthorizationErrorException,
                            "User: %.*s is not authorized to perform: SNS:%s on resource: %.*s", STR_FMT(r->who.arn),
                            action ? action + 4 : r->op->name, STR_FMT(t->arn));
    }
    return GR_OK;
}

int sns__arn_or_fail(req_t *r, str_t arn, const char *param)
{
    /* AWS (recorded for TopicArn, SubscriptionArn, PlatformApplicationArn):
     * "Invalid parameter: TopicArn Reason: An ARN must have at least 6
     * elements, not 1". */
    size_t n = 1;
    for (size_t i = 0; i < arn.len; i++) n += arn.p[i] == ':';
    if (n < 6)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: %s Reason: An ARN must have at least 6 elements, not %zu", param, n);
    return GR_OK;
}

int sns_precheck(req_t *r, const val_t *in)
{
    const char *op = r->op->name;
    /* AWS (recorded): these come before the model's required-member check. */
    if (!strcmp(op, "Unsubscribe") && !val_get(in, "SubscriptionArn"))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: SubscriptionArn Reason: no value for required parameter");
    if (!strcmp(op, "GetPlatformApplicationAttributes") || !strcmp(op, "SetPlatformApplicationAttributes")) {
        const val_t *arn = val_get(in, "PlatformApplicationArn");
        if (arn && arn->kind == VAL_STR) return sns__arn_or_fail(r, arn->u.s, "PlatformApplicationArn");
    }
    return GR_OK;
}

int sns__topic_or_fail(req_t *r, sqlite3 *db, str_t arn, const char *param, sns_topic_t *t)
{
    str_t region, account, name;
    if (sns__arn_or_fail(r, arn, param) != GR_OK) return GR_ERR;
    /* AWS: a malformed ARN, or one of another region, is "Invalid parameter: TopicArn". */
    if (!sns__parse_topic_arn(arn, &region, &account, &name) || !str_eq(region, r->region))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: %s", param);
    if (!db) return GR_ERR;
    if (sns__topic_load(db, r->arena, arn, t) != GR_OK)
        return req_fail(r, &SNS_ERR_NotFoundException, "Topic does not exist");
    return topic_access(r, t);
}

str_t sns__default_policy(arena_t *a, str_t arn, str_t account)
{
    /* AWS: the document GetTopicAttributes shows for a topic nobody set a
     * Policy on (observed shape: Version 2008-10-17, __default_policy_ID). */
    return str_c(arena_printf(
        a,
        "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":\"__default_statement_ID\","
        "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"SNS:GetTopicAttributes\","
        "\"SNS:SetTopicAttributes\",\"SNS:AddPermission\",\"SNS:RemovePermission\",\"SNS:DeleteTopic\","
        "\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\",\"SNS:Publish\"],\"Resource\":\"%.*s\","
        "\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"%.*s\"}}}]}",
        STR_FMT(arn), STR_FMT(account)));
}

/* AWS: the system default http retry policy (Amazon SNS Developer Guide,
 * "Amazon SNS message delivery retries": 3 retries, 20 s apart, linear). */
static const char DEFAULT_HTTP_POLICY[] =
    "{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20,\"numRetries\":3,"
    "\"numMaxDelayRetries\":0,\"numNoDelayRetries\":0,\"numMinDelayRetries\":0,\"backoffFunction\":\"linear\"},"
    "\"disableSubscriptionOverrides\":false,\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; "
    "charset=UTF-8\"}}";

str_t sns__effective_delivery_policy(arena_t *a, str_t own)
{
    if (own.len) {
        json_t *j = json_parse(a, own, NULL);
        if (j && json_get(j, "http")) return own;
    }
    return str_c(arena_printf(a, "{\"http\":%s}", DEFAULT_HTTP_POLICY));
}

/* The retry policy that applies to one subscription: its own
 * healthyRetryPolicy, else the topic's http.defaultHealthyRetryPolicy, else
 * AWS's default. Returns the policy object (parsed in a). */
static const json_t *healthy_policy(arena_t *a, str_t sub_policy, str_t topic_policy)
{
    json_t *j = sub_policy.len ? json_parse(a, sub_policy, NULL) : NULL;
    const json_t *h = j ? json_get(j, "healthyRetryPolicy") : NULL;
    if (h && h->type == JSON_OBJECT) return h;
    j = json_parse(a, sns__effective_delivery_policy(a, topic_policy), NULL);
    h = j ? json_get(j, "http") : NULL;
    h = h ? json_get(h, "defaultHealthyRetryPolicy") : NULL;
    if (h && h->type == JSON_OBJECT) return h;
    j = json_parse(a, str_c(DEFAULT_HTTP_POLICY), NULL);
    return j ? json_get(j, "defaultHealthyRetryPolicy") : NULL;
}

str_t sns__sub_effective_policy(arena_t *a, str_t sub_policy, str_t topic_policy)
{
    const json_t *h = healthy_policy(a, sub_policy, topic_policy);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    /* AWS: GetSubscriptionAttributes shows healthyRetryPolicy, null sickly
     * and throttle policies, requestPolicy and guaranteed (http/s only). */
    json_w_obj_begin(&w);
    json_w_key(&w, STR("healthyRetryPolicy"));
    if (h)
        json_w_value(&w, h);
    else
        json_w_null(&w);
    json_w_key(&w, STR("sicklyRetryPolicy"));
    json_w_null(&w);
    json_w_key(&w, STR("throttlePolicy"));
    json_w_null(&w);
    json_w_key(&w, STR("requestPolicy"));
    json_w_raw(&w, STR("{\"headerContentType\":\"text/plain; charset=UTF-8\"}"));
    json_w_key(&w, STR("guaranteed"));
    json_w_bool(&w, false);
    json_w_obj_end(&w);
    return buf_str(&b);
}

void sns__retry_policy(arena_t *a, str_t sub_policy, str_t topic_policy, int *retries, int *min_delay, int *max_delay)
{
    const json_t *h = healthy_policy(a, sub_policy, topic_policy);
    const json_t *n = h ? json_get(h, "numRetries") : NULL, *mn = h ? json_get(h, "minDelayTarget") : NULL,
                 *mx = h ? json_get(h, "maxDelayTarget") : NULL;
    *retries = n && n->type == JSON_INT ? (int)n->u.i : 3;
    *min_delay = mn && mn->type == JSON_INT ? (int)mn->u.i : 20;
    *max_delay = mx && mx->type == JSON_INT ? (int)mx->u.i : 20;
}

str_t sns__content_type(arena_t *a, str_t policy)
{
    /* AWS: requestPolicy.headerContentType (a subscription's) or
     * http.defaultRequestPolicy.headerContentType (a topic's). */
    json_t *j = policy.len ? json_parse(a, policy, NULL) : NULL;
    const json_t *rp = j ? json_get(j, "requestPolicy") : NULL;
    if (!rp && j && json_get(j, "http")) rp = json_get(json_get(j, "http"), "defaultRequestPolicy");
    const json_t *ct = rp ? json_get(rp, "headerContentType") : NULL;
    if (ct && ct->type == JSON_STRING && ct->u.s.len) return ct->u.s;
    return STR("text/plain; charset=UTF-8");
}

/* ==== Attributes ==== */

/* AWS: SetTopicAttributes reference, "AttributeName" (delivery status
 * logging attributes per protocol included). */
static const char *const SETTABLE[] = {
    "DeliveryPolicy",
    "DisplayName",
    "Policy",
    "TracingConfig",
    "KmsMasterKeyId",
    "SignatureVersion",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "FifoThroughputScope",
    "ApplicationSuccessFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate",
    "ApplicationFailureFeedbackRoleArn",
    "HTTPSuccessFeedbackRoleArn",
    "HTTPSuccessFeedbackSampleRate",
    "HTTPFailureFeedbackRoleArn",
    "LambdaSuccessFeedbackRoleArn",
    "LambdaSuccessFeedbackSampleRate",
    "LambdaFailureFeedbackRoleArn",
    "SQSSuccessFeedbackRoleArn",
    "SQSSuccessFeedbackSampleRate",
    "SQSFailureFeedbackRoleArn",
    "FirehoseSuccessFeedbackRoleArn",
    "FirehoseSuccessFeedbackSampleRate",
    "FirehoseFailureFeedbackRoleArn",
};

static bool settable(str_t name)
{
    for (size_t i = 0; i < sizeof SETTABLE / sizeof SETTABLE[0]; i++)
        if (str_eq_c(name, SETTABLE[i])) return true;
    return false;
}

/* Checks one attribute value; GR_ERR after failing r. *norm may rewrite the
 * value as AWS stores it. */
static int check_attr(req_t *r, str_t name, str_t *val, bool fifo)
{
    arena_t *a = r->arena;
    if (str_eq_c(name, "ArchivePolicy"))
        return req_fail(r, &ERR_NotImplemented,
                        "Message archiving and replay (ArchivePolicy) are not implemented by "
                        "gureum.");
    if (str_eq_c(name, "Policy")) {
        char err[256];
        policy_t *p = policy_parse(*val, POLICY_RESOURCE, err, sizeof err);
        if (!p) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Policy Error: %s", err);
        policy_free(p);
        /* AWS stores the policy as sent and shows it compacted. */
        json_t *j = json_parse(a, *val, NULL);
        if (j) {
            buf_t b;
            buf_init(&b, a);
            json_w_t w;
            json_w_init(&w, &b);
            json_w_value(&w, j);
            *val = buf_str(&b);
        }
    } else if (str_eq_c(name, "DeliveryPolicy")) {
        json_t *j = json_parse(a, *val, NULL);
        if (!j || j->type != JSON_OBJECT)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: DeliveryPolicy: failed to parse JSON.");
    } else if (str_eq_c(name, "SignatureVersion")) {
        if (!str_eq_c(*val, "1") && !str_eq_c(*val, "2"))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: SignatureVersion must be 1 or 2");
    } else if (str_eq_c(name, "TracingConfig")) {
        if (!str_eq_c(*val, "PassThrough") && !str_eq_c(*val, "Active"))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: Attributes Reason: TracingConfig must be PassThrough or Active");
    } else if (str_eq_c(name, "ContentBasedDeduplication")) {
        if (!fifo)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: ContentBasedDeduplication Reason: Content based deduplication can "
                            "only be set for FIFO topics");
        if (!str_eq_nocase(*val, STR("true")) && !str_eq_nocase(*val, STR("false")))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: ContentBasedDeduplication Reason: Invalid value for "
                            "ContentBasedDeduplication, valid values are: true, false");
        /* Booleans in any case ("False", as str(False) writes it), shown lower-case. */
        *val = str_eq_nocase(*val, STR("true")) ? STR("true") : STR("false");
    } else if (str_eq_c(name, "FifoThroughputScope")) {
        /* AWS: Topic (the default) or MessageGroup (Amazon SNS Developer
         * Guide, "High throughput FIFO topics"). */
        if (!str_eq_c(*val, "Topic") && !str_eq_c(*val, "MessageGroup"))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: FifoThroughputScope");
    } else if (str_eq_c(name, "DisplayName")) {
        if (val->len > 100) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: DisplayName");
    }
    return GR_OK;
}

static int put_attr(sqlite3 *db, int64_t tid, str_t name, str_t val)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "INSERT OR REPLACE INTO topic_attr (tid, name, value) VALUES (?1, ?2, ?3)", -1, &st, NULL) !=
        SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, tid);
    sns__bind(st, 2, name);
    sns__bind(st, 3, val);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

str_t sns__topic_attr(sqlite3 *db, arena_t *a, int64_t tid, const char *name)
{
    sqlite3_stmt *st;
    str_t v = STR_NULL;
    if (store_prepare(db, "SELECT value FROM topic_attr WHERE tid = ?1 AND name = ?2", -1, &st, NULL) != SQLITE_OK)
        return v;
    sqlite3_bind_int64(st, 1, tid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) v = store_col_str(a, st, 0);
    store_release(st);
    return v;
}

/* ==== Tags ==== */

static bool valid_topic_name(str_t n, bool fifo)
{
    if (n.len > 256) return false;
    if (fifo) {
        if (!str_ends_with(n, STR(".fifo"))) return false;
        n.len -= 5;
    }
    if (n.len < 1 || n.len > 256) return false;
    for (size_t i = 0; i < n.len; i++) {
        char c = n.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int put_tags(req_t *r, sqlite3 *db, int64_t tid, const val_t *tags)
{
    size_t n = tags ? val_len(tags) : 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *t = tags->u.list.v[i];
        str_t k = val_get_str(t, "Key"), v = val_get_str(t, "Value");
        /* AWS: tag keys 1–128 characters, values up to 256 (SNS "Tagging" limits). */
        if (!k.len || k.len > 128 || v.len > 256)
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Tags Reason: Invalid tag");
        /* AWS (recorded): one request may not name a key twice. */
        for (size_t j = 0; j < i; j++)
            if (str_eq(k, val_get_str(tags->u.list.v[j], "Key")))
                return req_fail(r, &SNS_ERR_InvalidParameterException,
                                "Invalid parameter: Duplicated keys are not allowed.");
        sqlite3_stmt *st;
        if (store_prepare(db, "INSERT OR REPLACE INTO topic_tag (tid, key, value) VALUES (?1, ?2, ?3)", -1, &st,
                          NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, tid);
        sns__bind(st, 2, k);
        sns__bind(st, 3, v);
        int rc = sqlite3_step(st);
        store_release(st);
        if (rc != SQLITE_DONE) return GR_ERR;
    }
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT count(*) FROM topic_tag WHERE tid = ?1", -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, tid);
    int64_t count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    /* AWS: at most 50 tags per topic. */
    if (count > 50)
        return req_fail(r, &SNS_ERR_TagLimitExceededException,
                        "Could not complete request: tag quota of per resource exceeded");
    return GR_OK;
}

/* ==== Data protection policies ==== */

static int dp_check_or_fail(req_t *r, str_t text)
{
    const char *why = sns__dp_reason(r->arena, text);
    if (!why) return GR_OK;
    return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: DataProtectionPolicy Reason: %s", why);
}

/* An empty policy removes the topic's. */
static int set_data_protection(sqlite3 *db, int64_t tid, str_t text)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "UPDATE topic SET data_protection = ?2 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, tid);
    sns__bind(st, 2, text.len ? text : STR_NULL);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* ==== CreateTopic / DeleteTopic / ListTopics ==== */

int sns_create_topic(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "Name");
    const val_t *attrs = val_get(in, "Attributes");
    str_t fifo_attr = attrs ? val_get_str(attrs, "FifoTopic") : STR_NULL;
    /* AWS (recorded): a FIFO topic is asked for with FifoTopic=true and a
     * name ending in .fifo; "test.fifo" without it, "test" with it, and
     * names of 0 or 257 characters are all "Invalid parameter: Topic Name". */
    bool fifo = str_eq_nocase(fifo_attr, STR("true"));
    if (!valid_topic_name(name, fifo))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Topic Name");
    str_t dpp = val_get_str(in, "DataProtectionPolicy");
    if (dpp.len && dp_check_or_fail(r, dpp) != GR_OK) return GR_ERR;
    size_t na = attrs ? val_len(attrs) : 0;
    str_t *vals = ARENA_NEWN(a, str_t, na + 1);
    if (!vals) return GR_ERR;
    for (size_t i = 0; i < na; i++) {
        str_t k = attrs->u.obj.e[i].key;
        vals[i] = attrs->u.obj.e[i].v->kind == VAL_STR ? attrs->u.obj.e[i].v->u.s : STR("");
        if (str_eq_c(k, "FifoTopic")) {
            if (!str_eq_nocase(vals[i], STR("true")) && !str_eq_nocase(vals[i], STR("false")))
                return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: FifoTopic");
            continue;
        }
        if (!settable(k)) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: AttributeName");
        if (check_attr(r, k, &vals[i], fifo) != GR_OK) return GR_ERR;
    }
    str_t arn = str_c(
        arena_printf(a, "arn:aws:sns:%.*s:%.*s:%.*s", STR_FMT(r->region), STR_FMT(r->who.account), STR_FMT(name)));
    sqlite3 *db = sns__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    sns_topic_t t;
    int rc = GR_ERR;
    if (sns__topic_load(db, a, arn, &t) == GR_OK) {
        /* AWS: CreateTopic is idempotent; different attributes are refused. */
        for (size_t i = 0; i < na; i++) {
            str_t k = attrs->u.obj.e[i].key;
            if (str_eq_c(k, "FifoTopic")) continue;
            str_t have = sns__topic_attr(db, a, t.id, arena_printf(a, "%.*s", STR_FMT(k)));
            if (!str_eq(have, vals[i])) {
                rc = req_fail(r, &SNS_ERR_InvalidParameterException,
                              "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
                goto done;
            }
        }
        const val_t *tags = val_get(in, "Tags");
        for (size_t i = 0; tags && i < val_len(tags); i++) {
            const val_t *tg = tags->u.list.v[i];
            sqlite3_stmt *st;
            if (store_prepare(db, "SELECT value FROM topic_tag WHERE tid = ?1 AND key = ?2", -1, &st, NULL) !=
                SQLITE_OK)
                goto done;
            sqlite3_bind_int64(st, 1, t.id);
            sns__bind(st, 2, val_get_str(tg, "Key"));
            bool same = sqlite3_step(st) == SQLITE_ROW && str_eq(store_col_str(a, st, 0), val_get_str(tg, "Value"));
            store_release(st);
            if (!same) {
                rc = req_fail(r, &SNS_ERR_InvalidParameterException,
                              "Invalid parameter: Tags Reason: Topic already exists with different tags");
                goto done;
            }
        }
        rc = GR_OK;
        goto done;
    }
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO topic (account, region, name, arn, fifo, created_ms) VALUES (?1, ?2, ?3, ?4, "
                      "?5, ?6)",
                      -1, &st, NULL) != SQLITE_OK)
        goto done;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sns__bind(st, 3, name);
    sns__bind(st, 4, arn);
    sqlite3_bind_int(st, 5, fifo);
    sqlite3_bind_int64(st, 6, sns__now_ms());
    int step = sqlite3_step(st);
    store_release(st);
    if (step != SQLITE_DONE) goto done;
    int64_t tid = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; i < na; i++) {
        str_t k = attrs->u.obj.e[i].key;
        if (str_eq_c(k, "FifoTopic")) continue;
        if (put_attr(db, tid, k, vals[i]) != GR_OK) goto done;
    }
    if (fifo && !(attrs && val_get(attrs, "ContentBasedDeduplication")) &&
        put_attr(db, tid, STR("ContentBasedDeduplication"), STR("false")) != GR_OK)
        goto done;
    rc = put_tags(r, db, tid, val_get(in, "Tags"));
    if (rc == GR_OK && dpp.len) rc = set_data_protection(db, tid, dpp);
done:
    rc = sns__end(db, rc);
    if (rc == GR_OK) val_set_c(a, out, "TopicArn", val_str(a, arn));
    return rc;
}

int sns_delete_topic(req_t *r, const val_t *in, val_t *out)
{
    str_t arn = val_get_str(in, "TopicArn");
    str_t region, account, name;
    if (!sns__parse_topic_arn(arn, &region, &account, &name) || !str_eq(region, r->region))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: TopicArn");
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    sns_topic_t t;
    /* AWS: deleting a topic that does not exist succeeds. */
    if (sns__topic_load(db, r->arena, arn, &t) != GR_OK) return GR_OK;
    if (topic_access(r, &t) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    static const char *const SQL[] = {
        "DELETE FROM sub_attr WHERE sid IN (SELECT id FROM subscription WHERE tid = ?1)",
        "DELETE FROM subscription WHERE tid = ?1",
        "DELETE FROM topic_attr WHERE tid = ?1",
        "DELETE FROM topic_tag WHERE tid = ?1",
        "DELETE FROM dedup WHERE tid = ?1",
        "DELETE FROM fifo_seq WHERE tid = ?1",
        "DELETE FROM topic WHERE id = ?1",
    };
    return sns__end(db, sns__exec_each(db, SQL, sizeof SQL / sizeof SQL[0], t.id));
}

static void topic_entry(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list)
{
    val_t *e = val_new(a, VAL_STRUCT);
    val_set_c(a, e, "TopicArn", val_str(a, store_col_str(a, st, 1)));
    val_push(a, list, e);
}

int sns_list_topics(req_t *r, const val_t *in, val_t *out)
{
    int64_t after;
    if (sns__page_after_or_fail(r, &after) != GR_OK) return GR_ERR;
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT id, arn FROM topic WHERE account = ?1 AND region = ?2 AND id > ?3 "
                             "ORDER BY id LIMIT 101",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sqlite3_bind_int64(st, 3, after);
    sns__page(r->arena, db, st, SNS_PAGE, out, "Topics", "NextToken", topic_entry);
    return GR_OK;
}

/* ==== Get/SetTopicAttributes ==== */

static int64_t count_subs(sqlite3 *db, int64_t tid, const char *where)
{
    sqlite3_stmt *st;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM subscription WHERE tid = ?1 AND %s", where);
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    sqlite3_bind_int64(st, 1, tid);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    return n;
}

int sns_get_topic_attributes(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    val_t *m = val_new(a, VAL_MAP);
    bool has_policy = false, has_display = false, has_dp = false;
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT name, value FROM topic_attr WHERE tid = ?1 ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t.id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t n = store_col_str(a, st, 0), v = store_col_str(a, st, 1);
        has_policy |= str_eq_c(n, "Policy");
        has_display |= str_eq_c(n, "DisplayName");
        has_dp |= str_eq_c(n, "DeliveryPolicy");
        val_set(a, m, n, val_str(a, v));
    }
    store_release(st);
    /* AWS: always shown: Policy, Owner, SubscriptionsPending/Confirmed/Deleted,
     * TopicArn, EffectiveDeliveryPolicy, DisplayName (empty); FIFO topics add
     * FifoTopic and ContentBasedDeduplication. */
    if (!has_policy) val_set_c(a, m, "Policy", val_str(a, sns__default_policy(a, t.arn, t.account)));
    val_set_c(a, m, "Owner", val_str(a, t.account));
    val_set_c(a, m, "SubscriptionsPending",
              val_cstr(a, arena_printf(a, "%lld", (long long)count_subs(db, t.id, "confirmed = 0"))));
    val_set_c(a, m, "TopicArn", val_str(a, t.arn));
    val_set_c(a, m, "EffectiveDeliveryPolicy",
              val_str(a, sns__effective_delivery_policy(a, has_dp ? t.delivery_policy : STR_NULL)));
    val_set_c(a, m, "SubscriptionsConfirmed",
              val_cstr(a, arena_printf(a, "%lld", (long long)count_subs(db, t.id, "confirmed = 1"))));
    if (!has_display) val_set_c(a, m, "DisplayName", val_cstr(a, ""));
    int64_t deleted = 0;
    if (store_prepare(db, "SELECT deleted_subs FROM topic WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, t.id);
        if (sqlite3_step(st) == SQLITE_ROW) deleted = sqlite3_column_int64(st, 0);
        store_release(st);
    }
    val_set_c(a, m, "SubscriptionsDeleted", val_cstr(a, arena_printf(a, "%lld", (long long)deleted)));
    if (t.fifo) {
        val_set_c(a, m, "FifoTopic", val_cstr(a, "true"));
        if (!val_get(m, "ContentBasedDeduplication"))
            val_set_c(a, m, "ContentBasedDeduplication", val_cstr(a, "false"));
    }
    val_set_c(a, out, "Attributes", m);
    return GR_OK;
}

int sns_set_topic_attributes(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    str_t name = val_get_str(in, "AttributeName");
    str_t v = val_get_str(in, "AttributeValue");
    if (!v.p) v = STR("");
    if (!settable(name)) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: AttributeName");
    if (v.len == 0 && (str_eq_c(name, "Policy") || str_eq_c(name, "DeliveryPolicy"))) {
        /* An empty value clears it back to the default. */
        sqlite3_stmt *st;
        if (store_prepare(db, "DELETE FROM topic_attr WHERE tid = ?1 AND name = ?2", -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, t.id);
        sns__bind(st, 2, name);
        int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
        return rc;
    }
    if (check_attr(r, name, &v, t.fifo) != GR_OK) return GR_ERR;
    return put_attr(db, t.id, name, v);
}

/* ==== AddPermission / RemovePermission ====
 * Both edit the topic's Policy document: a statement per label, as AWS does. */

static json_t *topic_policy_doc(req_t *r, sqlite3 *db, const sns_topic_t *t)
{
    str_t text = t->policy.len ? t->policy : sns__default_policy(r->arena, t->arn, t->account);
    return json_parse(r->arena, text, NULL);
}

/* Writes doc with the statement whose Sid is drop_sid left out (*found set)
 * and, when add is not null, the JSON statement add appended. */
static void rewrite_policy(json_w_t *w, const json_t *doc, str_t drop_sid, str_t add, bool *found)
{
    json_w_obj_begin(w);
    bool had = false;
    for (size_t i = 0; i < doc->u.obj.n; i++) {
        json_w_key(w, doc->u.obj.k[i]);
        const json_t *v = doc->u.obj.v[i];
        if (!str_eq_c(doc->u.obj.k[i], "Statement") || v->type != JSON_ARRAY) {
            json_w_value(w, v);
            continue;
        }
        had = true;
        json_w_arr_begin(w);
        for (size_t k = 0; k < v->u.arr.n; k++) {
            const json_t *sid = json_get(v->u.arr.v[k], "Sid");
            if (drop_sid.p && sid && sid->type == JSON_STRING && str_eq(sid->u.s, drop_sid)) {
                *found = true;
                continue;
            }
            json_w_value(w, v->u.arr.v[k]);
        }
        if (add.p) json_w_raw(w, add);
        json_w_arr_end(w);
    }
    if (!had && add.p) {
        json_w_key(w, STR("Statement"));
        json_w_arr_begin(w);
        json_w_raw(w, add);
        json_w_arr_end(w);
    }
    json_w_obj_end(w);
}

int sns_add_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    str_t label = val_get_str(in, "Label");
    const val_t *accounts = val_get(in, "AWSAccountId"), *actions = val_get(in, "ActionName");
    if (!label.len) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Label");
    if (!accounts || !val_len(accounts))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: AWSAccountId");
    if (!actions || !val_len(actions))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: ActionName");
    /* AWS: ActionName is "any Amazon SNS action name" (AddPermission
     * reference); another is refused (LocalStack's recorded answer). */
    const svc_model_t *model = r->svc ? r->svc->model : NULL;
    for (size_t i = 0; model && i < val_len(actions); i++) {
        str_t act = actions->u.list.v[i]->u.s;
        bool known = false;
        for (uint32_t k = 0; !known && k < model->nops; k++) known = str_eq_c(act, model->ops[k].name);
        if (!known)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: Policy statement action out of service scope!");
    }
    json_t *doc = topic_policy_doc(r, db, &t);
    if (!doc || doc->type != JSON_OBJECT) return GR_ERR;
    const json_t *stmts = json_get(doc, "Statement");
    for (size_t k = 0; stmts && stmts->type == JSON_ARRAY && k < stmts->u.arr.n; k++) {
        const json_t *sid = json_get(stmts->u.arr.v[k], "Sid");
        if (sid && sid->type == JSON_STRING && str_eq(sid->u.s, label))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Statement already exists");
    }
    buf_t sb;
    buf_init(&sb, a);
    json_w_t w;
    json_w_init(&w, &sb);
    grant_write_statement(&w, a, label, accounts, "SNS", actions, t.arn);
    buf_t b;
    buf_init(&b, a);
    json_w_init(&w, &b);
    bool found = false;
    rewrite_policy(&w, doc, STR_NULL, buf_str(&sb), &found);
    if (b.failed || sb.failed) return GR_ERR;
    return put_attr(db, t.id, STR("Policy"), buf_str(&b));
}

int sns_remove_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    str_t label = val_get_str(in, "Label");
    json_t *doc = topic_policy_doc(r, db, &t);
    if (!doc || doc->type != JSON_OBJECT) return GR_ERR;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    bool found = false;
    rewrite_policy(&w, doc, label.p ? label : STR(""), STR_NULL, &found);
    /* AWS: removing a label that is not there succeeds without change. */
    if (!found) return GR_OK;
    if (b.failed) return GR_ERR;
    return put_attr(db, t.id, STR("Policy"), buf_str(&b));
}

/* ==== Tags ==== */

static int tag_topic_or_fail(req_t *r, sqlite3 *db, sns_topic_t *t)
{
    str_t arn = val_get_str(r->in, "ResourceArn");
    str_t region, account, name;
    if (!sns__parse_topic_arn(arn, &region, &account, &name) || !str_eq(region, r->region))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: ResourceArn");
    if (!db) return GR_ERR;
    /* AWS: tag operations on a missing topic answer ResourceNotFound. */
    if (sns__topic_load(db, r->arena, arn, t) != GR_OK)
        return req_fail(r, &SNS_ERR_ResourceNotFoundException, "Resource does not exist");
    return topic_access(r, t);
}

int sns_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (tag_topic_or_fail(r, db, &t) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = put_tags(r, db, t.id, val_get(in, "Tags"));
    return sns__end(db, rc);
}

int sns_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (tag_topic_or_fail(r, db, &t) != GR_OK) return GR_ERR;
    const val_t *keys = val_get(in, "TagKeys");
    for (size_t i = 0; keys && i < val_len(keys); i++) {
        sqlite3_stmt *st;
        if (store_prepare(db, "DELETE FROM topic_tag WHERE tid = ?1 AND key = ?2", -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, t.id);
        sns__bind(st, 2, keys->u.list.v[i]->u.s);
        sqlite3_step(st);
        store_release(st);
    }
    return GR_OK;
}

/* A topic's tags, a list of {Key, Value} by key (ListTagsForResource and
 * aws:ResourceTag); NULL on a store failure. */
static val_t *topic_tags(arena_t *a, sqlite3 *db, int64_t tid)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT key, value FROM topic_tag WHERE tid = ?1 ORDER BY key", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, tid);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *e = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, e, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, list, e);
    }
    store_release(st);
    return list;
}

int sns_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (tag_topic_or_fail(r, db, &t) != GR_OK) return GR_ERR;
    val_t *list = topic_tags(a, db, t.id);
    if (!list) return GR_ERR;
    val_set_c(a, out, "Tags", list);
    return GR_OK;
}

/* The registry's resource_tags hook: the topic's tags by its ARN, for
 * aws:ResourceTag. */
int sns_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    *tags = NULL;
    if (!db || sns__topic_load(db, a, resource, &t) != GR_OK) return GR_ERR;
    *tags = topic_tags(a, db, t.id);
    return *tags ? GR_OK : GR_ERR;
}

/* ==== Data protection ==== */

/* AWS (recorded): the policy as it was put; an empty one for a topic
 * without a policy. What it does to messages is protect.c's. */
int sns_get_data_protection_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "ResourceArn"), "ResourceArn", &t) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT coalesce(data_protection, '') FROM topic WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, t.id);
    str_t text = sqlite3_step(st) == SQLITE_ROW ? store_col_str(r->arena, st, 0) : STR("");
    store_release(st);
    val_set_c(r->arena, out, "DataProtectionPolicy", val_str(r->arena, text));
    return GR_OK;
}

int sns_put_data_protection_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "ResourceArn"), "ResourceArn", &t) != GR_OK) return GR_ERR;
    str_t text = val_get_str(in, "DataProtectionPolicy");
    if (text.len && dp_check_or_fail(r, text) != GR_OK) return GR_ERR;
    return set_data_protection(db, t.id, text);
}
