/* subscription.c — SNS subscriptions: Subscribe (with the confirmation
 * handshake for http/https/email), ConfirmSubscription, Unsubscribe, the
 * listings and subscription attributes, over subscription / sub_attr.
 *
 * Request flow: dispatch → sns_* handler → SQLite on this thread's
 * connection; a new http(s) subscription's SubscriptionConfirmation is queued
 * for the delivery thread (delivery.c) after the row commits. Invariant: a
 * subscription is pending (confirmed = 0) exactly while it has a token, and
 * only confirmed subscriptions receive notifications. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "core/json.h"
#include "core/wire.h"
#include "services/app.h"
#include "services/sns/sns_int.h"
#include "sns_model.h"

int sns__sub_load(sqlite3 *db, arena_t *a, sqlite3_stmt *row, sns_sub_t *s)
{
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(row, 0);
    s->arn = store_col_str(a, row, 1);
    s->owner = store_col_str(a, row, 2);
    s->protocol = store_col_str(a, row, 3);
    s->endpoint = store_col_str(a, row, 4);
    s->confirmed = sqlite3_column_int(row, 5) != 0;
    s->token = store_col_str(a, row, 6);
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT name, value FROM sub_attr WHERE sid = ?1", -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t n = store_col_str(a, st, 0), v = store_col_str(a, st, 1);
        if (str_eq_c(n, "RawMessageDelivery"))
            s->raw = str_eq_c(v, "true");
        else if (str_eq_c(n, "FilterPolicy"))
            s->filter_policy = v;
        else if (str_eq_c(n, "FilterPolicyScope"))
            s->body_scope = str_eq_c(v, "MessageBody");
        else if (str_eq_c(n, "DeliveryPolicy"))
            s->delivery_policy = v;
        else if (str_eq_c(n, "SubscriptionPrincipal"))
            s->principal = v;
        else if (str_eq_c(n, "RedrivePolicy")) {
            json_t *j = json_parse(a, v, NULL);
            const json_t *d = j ? json_get(j, "deadLetterTargetArn") : NULL;
            if (d && d->type == JSON_STRING) s->dlq_arn = d->u.s;
        }
    }
    store_release(st);
    return GR_OK;
}

static int sub_by_arn(sqlite3 *db, arena_t *a, str_t arn, sns_sub_t *s, int64_t *tid)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT " SNS_SUB_COLS ", tid FROM subscription WHERE arn = ?1", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, arn);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        rc = sns__sub_load(db, a, st, s);
        if (tid) *tid = sqlite3_column_int64(st, 7);
    }
    store_release(st);
    return rc;
}

static str_t topic_arn_of(sqlite3 *db, arena_t *a, int64_t tid)
{
    sqlite3_stmt *st;
    str_t v = STR_NULL;
    if (store_prepare(db, "SELECT arn FROM topic WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) return v;
    sqlite3_bind_int64(st, 1, tid);
    if (sqlite3_step(st) == SQLITE_ROW) v = store_col_str(a, st, 0);
    store_release(st);
    return v;
}

/* ==== Attributes ==== */

static const char *const SUB_SETTABLE[] = {
    "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "SubscriptionRoleArn",
};

/* Validates one subscription attribute for `protocol`; prefix is AWS's
 * ("Invalid parameter: Attributes Reason: " in Subscribe, "Invalid
 * parameter: " in SetSubscriptionAttributes). *v may be normalized. scope is
 * the FilterPolicyScope that applies to a FilterPolicy being checked. */
static int check_sub_attr(req_t *r, str_t name, str_t *v, str_t protocol, str_t endpoint, bool body_scope,
                          const char *prefix)
{
    arena_t *a = r->arena;
    bool known = false;
    for (size_t i = 0; i < sizeof SUB_SETTABLE / sizeof SUB_SETTABLE[0]; i++) known |= str_eq_c(name, SUB_SETTABLE[i]);
    if (!known) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: AttributeName");
    if (str_eq_c(name, "RawMessageDelivery")) {
        bool t = str_eq_nocase(*v, STR("true")), f = str_eq_nocase(*v, STR("false"));
        if (!t && !f)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "%sRawMessageDelivery: Invalid value [%.*s]. "
                            "Must be true or false.",
                            prefix, STR_FMT(*v));
        /* AWS: raw delivery exists for SQS, HTTP/S and Firehose only. */
        if (t && !str_eq_c(protocol, "sqs") && !str_eq_c(protocol, "http") && !str_eq_c(protocol, "https") &&
            !str_eq_c(protocol, "firehose"))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "%sDelivery protocol [%.*s] does not support raw message delivery.", prefix,
                            STR_FMT(protocol));
        *v = t ? STR("true") : STR("false");
    } else if (str_eq_c(name, "FilterPolicy")) {
        if (v->len) {
            const char *err = NULL;
            if (sns__filter_validate(a, *v, body_scope, prefix, &err) != GR_OK)
                return req_fail(r, &SNS_ERR_InvalidParameterException, "%s", err);
        }
    } else if (str_eq_c(name, "FilterPolicyScope")) {
        if (!str_eq_c(*v, "MessageAttributes") && !str_eq_c(*v, "MessageBody"))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "%sFilterPolicyScope: Invalid filter policy scope, please specify either "
                            "MessageAttributes or MessageBody",
                            prefix);
    } else if (str_eq_c(name, "RedrivePolicy")) {
        json_t *j = json_parse(a, *v, NULL);
        const json_t *d = j && j->type == JSON_OBJECT ? json_get(j, "deadLetterTargetArn") : NULL;
        if (!j || j->type != JSON_OBJECT)
            return req_fail(r, &SNS_ERR_InvalidParameterException, "%sRedrivePolicy: failed to parse JSON.", prefix);
        /* AWS (recorded): "fake-arn" is "deadLetterTargetArn is an invalid arn". */
        if (!d || d->type != JSON_STRING || !str_starts_with(d->u.s, STR("arn:aws:sqs:")))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "%sRedrivePolicy: deadLetterTargetArn is an invalid arn", prefix);
        /* AWS (recorded): a FIFO queue's subscription (to a FIFO topic) needs
         * a FIFO dead-letter queue; a standard queue's may have a standard one. */
        if (str_eq_c(protocol, "sqs") && str_ends_with(endpoint, STR(".fifo")) && !str_ends_with(d->u.s, STR(".fifo")))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "%sRedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.",
                            prefix);
    } else if (str_eq_c(name, "DeliveryPolicy")) {
        json_t *j = json_parse(a, *v, NULL);
        if (!j || j->type != JSON_OBJECT)
            return req_fail(r, &SNS_ERR_InvalidParameterException, "%sDeliveryPolicy: failed to parse JSON.", prefix);
    }
    return GR_OK;
}

static int put_sub_attr(sqlite3 *db, int64_t sid, str_t name, str_t v)
{
    sqlite3_stmt *st;
    const char *sql = v.len ? "INSERT OR REPLACE INTO sub_attr (sid, name, value) VALUES (?1, ?2, ?3)"
                            : "DELETE FROM sub_attr WHERE sid = ?1 AND name = ?2";
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_int64(st, 1, sid);
    sns__bind(st, 2, name);
    if (v.len) sns__bind(st, 3, v);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* ==== Subscribe ==== */

static bool is_arn_of(str_t s, const char *service)
{
    char pre[32];
    snprintf(pre, sizeof pre, "arn:aws:%s:", service);
    if (!str_starts_with(s, str_c(pre))) return false;
    int colons = 0;
    for (size_t i = 0; i < s.len; i++) colons += s.p[i] == ':';
    return colons >= 5;
}

static int check_endpoint(req_t *r, const sns_topic_t *t, str_t proto, str_t ep)
{
    static const char *const PROTOS[] = {"http", "https",       "email",  "email-json", "sms",
                                         "sqs",  "application", "lambda", "firehose"};
    bool ok = false;
    for (size_t i = 0; i < sizeof PROTOS / sizeof PROTOS[0]; i++) ok |= str_eq_c(proto, PROTOS[i]);
    /* AWS: messages as the Subscribe API answers them. */
    if (!ok)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: Amazon SNS does not support this protocol string: %.*s", STR_FMT(proto));
    if (!ep.len) return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Endpoint");
    if (str_eq_c(proto, "http") || str_eq_c(proto, "https")) {
        str_t scheme = str_eq_c(proto, "http") ? STR("http://") : STR("https://");
        if (!str_starts_with(ep, scheme) || ep.len == scheme.len)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: Endpoint must match the specified protocol");
    } else if (str_eq_c(proto, "email") || str_eq_c(proto, "email-json")) {
        long at = str_index(ep, '@');
        if (at <= 0 || (size_t)at + 1 >= ep.len)
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Email address");
    } else if (str_eq_c(proto, "sms")) {
        if (!sns__sms_number(r->arena, ep).p)
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid SMS endpoint: %.*s", STR_FMT(ep));
    } else if (str_eq_c(proto, "sqs")) {
        if (!is_arn_of(ep, "sqs"))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: SQS endpoint ARN");
        if (str_ends_with(ep, STR(".fifo")) && !t->fifo)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
                            "subscribed to standard SNS topics");
    } else if (str_eq_c(proto, "lambda")) {
        if (!is_arn_of(ep, "lambda"))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: Lambda endpoint ARN");
    } else if (str_eq_c(proto, "application")) {
        sns_endpoint_t e;
        sqlite3 *db = sns__db(r->app);
        if (!db) return GR_ERR;
        /* AWS (moto's AWS-checked test): no space before the ARN. */
        if (sns__endpoint_load(db, r->arena, ep, &e) != GR_OK)
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint arn%.*s",
                            STR_FMT(ep));
    } else if (str_eq_c(proto, "firehose")) {
        /* Firehose has no counterpart in gureum yet. */
        return req_fail(r, &ERR_NotImplemented, "Subscriptions with protocol %.*s are not implemented by gureum.",
                        STR_FMT(proto));
    }
    if (t->fifo && !str_eq_c(proto, "sqs"))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO topics only support SQS "
                        "endpoints");
    return GR_OK;
}

int sns_subscribe(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    str_t proto = val_get_str(in, "Protocol"), ep = val_get_str(in, "Endpoint");
    if (check_endpoint(r, &t, proto, ep) != GR_OK) return GR_ERR;
    const val_t *attrs = val_get(in, "Attributes");
    size_t na = attrs ? val_len(attrs) : 0;
    str_t *vals = ARENA_NEWN(a, str_t, na + 1);
    if (!vals) return GR_ERR;
    str_t scope = attrs ? val_get_str(attrs, "FilterPolicyScope") : STR_NULL;
    for (size_t i = 0; i < na; i++) {
        vals[i] = attrs->u.obj.e[i].v->kind == VAL_STR ? attrs->u.obj.e[i].v->u.s : STR("");
        if (check_sub_attr(r, attrs->u.obj.e[i].key, &vals[i], proto, ep, str_eq_c(scope, "MessageBody"),
                           "Invalid parameter: Attributes Reason: ") != GR_OK)
            return GR_ERR;
    }
    bool want_arn = val_get_bool(in, "ReturnSubscriptionArn", false);
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_ERR;
    str_t arn = STR_NULL, token = STR_NULL;
    bool pending = false, fresh = false;
    /* AWS: subscribing the same endpoint again answers the existing
     * subscription; different attributes are refused. */
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT " SNS_SUB_COLS " FROM subscription WHERE tid = ?1 AND protocol = ?2 AND "
                      "endpoint = ?3",
                      -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_int64(st, 1, t.id);
    sns__bind(st, 2, proto);
    sns__bind(st, 3, ep);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sns_sub_t s;
        sns__sub_load(db, a, st, &s);
        store_release(st);
        for (size_t i = 0; i < na; i++) {
            sqlite3_stmt *q;
            if (store_prepare(db, "SELECT value FROM sub_attr WHERE sid = ?1 AND name = ?2", -1, &q, NULL) != SQLITE_OK)
                goto done;
            sqlite3_bind_int64(q, 1, s.id);
            sns__bind(q, 2, attrs->u.obj.e[i].key);
            str_t have = sqlite3_step(q) == SQLITE_ROW ? store_col_str(a, q, 0) : STR("");
            store_release(q);
            if (!str_eq(have, vals[i])) {
                rc = req_fail(r, &SNS_ERR_InvalidParameterException,
                              "Invalid parameter: Attributes Reason: Subscription already exists with different "
                              "attributes");
                goto done;
            }
        }
        arn = s.arn;
        pending = !s.confirmed;
        rc = GR_OK;
        goto done;
    }
    store_release(st);
    char uuid[37];
    id_uuid(uuid);
    arn = str_c(arena_printf(a, "%.*s:%s", STR_FMT(t.arn), uuid));
    /* http(s) and email endpoints must confirm; SQS, Lambda and SMS
     * endpoints are confirmed at once (AWS: same-account subscriptions). */
    pending = str_eq_c(proto, "http") || str_eq_c(proto, "https") || str_eq_c(proto, "email") ||
              str_eq_c(proto, "email-json");
    if (pending) {
        char tok[129];
        id_random_chars(tok, 128, "0123456789abcdef");
        token = arena_str(a, str_c(tok));
    }
    if (store_prepare(db,
                      "INSERT INTO subscription (arn, tid, owner, protocol, endpoint, confirmed, token, "
                      "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      -1, &st, NULL) != SQLITE_OK)
        goto done;
    sns__bind(st, 1, arn);
    sqlite3_bind_int64(st, 2, t.id);
    sns__bind(st, 3, r->who.account);
    sns__bind(st, 4, proto);
    sns__bind(st, 5, ep);
    sqlite3_bind_int(st, 6, !pending);
    sns__bind_opt(st, 7, token); /* only a pending subscription has one */
    sqlite3_bind_int64(st, 8, sns__now_ms());
    int step = sqlite3_step(st);
    store_release(st);
    if (step != SQLITE_DONE) goto done;
    int64_t sid = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; i < na; i++)
        if (put_sub_attr(db, sid, attrs->u.obj.e[i].key, vals[i]) != GR_OK) goto done;
    /* AWS (recorded): GetSubscriptionAttributes names who subscribed; it is
     * no attribute anyone can set. */
    if (put_sub_attr(db, sid, STR("SubscriptionPrincipal"), r->who.arn) != GR_OK) goto done;
    fresh = true;
    rc = GR_OK;
done:
    rc = sns__end(db, rc);
    if (rc != GR_OK) return rc;
    if (fresh && pending) {
        if (str_eq_c(proto, "http") || str_eq_c(proto, "https"))
            sns__send_confirmation(r->app, a, &t, arn, ep, token);
        else if (str_eq_c(proto, "email-json")) {
            /* AWS: email-json endpoints get the confirmation document itself. */
            str_t mid;
            str_t doc = sns__confirmation_json(r->app, a, &t, token, &mid);
            sns__email_send(db, t.account, t.region, ep, STR("AWS Notification - Subscription Confirmation"), doc,
                            STR("SubscriptionConfirmation"), t.arn, mid);
        } else {
            /* AWS: the confirmation email carries the SubscribeURL. */
            str_t base = sns__base_url(r->app, a);
            str_t body = str_c(arena_printf(
                a,
                "You have chosen to subscribe to the topic:\n%.*s\n\nTo confirm this subscription, click or visit "
                "the link below (If this was in error no action is necessary):\n%.*s/_gureum/sns/confirm?TopicArn="
                "%.*s&Token=%.*s\n",
                STR_FMT(t.arn), STR_FMT(base), STR_FMT(wire_url_encode(a, t.arn, false)), STR_FMT(token)));
            char mid[37];
            id_uuid(mid);
            sns__email_send(db, t.account, t.region, ep, STR("AWS Notification - Subscription Confirmation"), body,
                            STR("SubscriptionConfirmation"), t.arn, str_c(mid));
        }
    }
    val_set_c(a, out, "SubscriptionArn", val_str(a, pending && !want_arn ? STR("pending confirmation") : arn));
    return GR_OK;
}

/* ==== Confirm / Unsubscribe ==== */

int sns__confirm(sqlite3 *db, arena_t *a, str_t topic_arn, str_t token, bool authenticated, str_t *sub_arn,
                 const char **why)
{
    /* AWS (recorded): the token finds the subscription; the TopicArn must
     * only be of the token's region (a topic ARN that names no topic still
     * confirms). A malformed TopicArn or one of another region is "Invalid
     * parameter: Topic"; a token of hex digits nobody has "Invalid
     * parameter: Token", anything else ("randomtoken") "Invalid token". */
    str_t region, account, name;
    *why = "Invalid parameter: Topic";
    if (!sns__parse_topic_arn(topic_arn, &region, &account, &name)) return GR_ERR;
    bool hex = token.len > 0;
    for (size_t i = 0; hex && i < token.len; i++)
        hex = (token.p[i] >= '0' && token.p[i] <= '9') || (token.p[i] >= 'a' && token.p[i] <= 'f');
    *why = hex ? "Invalid parameter: Token" : "Invalid token";
    sqlite3_stmt *st;
    if (!token.len || store_prepare(db,
                                    "SELECT s.id, s.arn, t.region FROM subscription s JOIN topic t ON t.id = s.tid "
                                    "WHERE s.token = ?1",
                                    -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, token);
    int64_t id = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        *sub_arn = store_col_str(a, st, 1);
        if (!str_eq(store_col_str(a, st, 2), region)) id = -2;
    }
    store_release(st);
    if (id == -2) *why = "Invalid parameter: Topic";
    if (id < 0) return GR_ERR;
    /* The token stays valid (AWS: tokens work for three days); confirming twice is harmless. */
    if (store_prepare(db, "UPDATE subscription SET confirmed = 1, authenticated = ?2 WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, authenticated);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int sns_confirm_subscription(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    str_t topic = val_get_str(in, "TopicArn"), token = val_get_str(in, "Token"), region, account, name;
    if (sns__arn_or_fail(r, topic, "TopicArn") != GR_OK) return GR_ERR;
    if (!sns__parse_topic_arn(topic, &region, &account, &name) || !str_eq(region, r->region))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: TopicArn");
    if (!db) return GR_ERR;
    str_t arn;
    const char *why = NULL;
    str_t auth = val_get_str(in, "AuthenticateOnUnsubscribe");
    if (sns__confirm(db, r->arena, topic, token, str_eq_c(auth, "true"), &arn, &why) != GR_OK)
        return req_fail(r, &SNS_ERR_InvalidParameterException, "%s", why);
    val_set_c(r->arena, out, "SubscriptionArn", val_str(r->arena, arn));
    return GR_OK;
}

int sns__unsubscribe(sqlite3 *db, str_t sub_arn)
{
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    int64_t id = -1, tid = 0;
    if (store_prepare(db, "SELECT id, tid FROM subscription WHERE arn = ?1", -1, &st, NULL) == SQLITE_OK) {
        sns__bind(st, 1, sub_arn);
        if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0), tid = sqlite3_column_int64(st, 1);
        store_release(st);
    }
    static const char *const SQL[] = {"DELETE FROM sub_attr WHERE sid = ?1", "DELETE FROM subscription WHERE id = ?1"};
    static const char *const COUNT[] = {"UPDATE topic SET deleted_subs = deleted_subs + 1 WHERE id = ?1"};
    int rc = id >= 0 ? sns__exec_each(db, SQL, 2, id) : GR_ERR;
    if (rc == GR_OK) rc = sns__exec_each(db, COUNT, 1, tid);
    return sns__end(db, rc);
}

/* A subscription ARN is its topic's ARN and ":<id>"; *account: the topic's. */
static bool sub_arn_topic_account(str_t arn, str_t *account)
{
    str_t region, name;
    long k = arn.len;
    while (k > 0 && arn.p[k - 1] != ':') k--;
    if (k <= 1) return false;
    return sns__parse_topic_arn(str_sub(arn, 0, (size_t)k - 1), &region, account, &name) && (size_t)k < arn.len;
}

static bool valid_sub_arn(str_t arn)
{
    str_t account;
    return sub_arn_topic_account(arn, &account);
}

/* AWS: a subscription is its subscriber's and its topic owner's (the
 * account in its ARN) to read, change or end; anyone else is refused. */
static int sub_access(req_t *r, const sns_sub_t *s)
{
    str_t topic_account;
    if (str_eq(r->who.account, s->owner) ||
        (sub_arn_topic_account(s->arn, &topic_account) && str_eq(r->who.account, topic_account)))
        return GR_OK;
    return req_fail(r, &SNS_ERR_AuthorizationErrorException,
                    "User: %.*s is not authorized to perform: SNS:%s on resource: %.*s", STR_FMT(r->who.arn),
                    r->op ? r->op->name : "Unsubscribe", STR_FMT(s->arn));
}

/* AWS (recorded): fewer than six elements, then a topic ARN without the
 * subscription's id ("Invalid parameter: SubscriptionId"). */
static int sub_arn_or_fail(req_t *r, str_t arn)
{
    if (sns__arn_or_fail(r, arn, "SubscriptionArn") != GR_OK) return GR_ERR;
    str_t region, account, name;
    if (sns__parse_topic_arn(arn, &region, &account, &name))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: SubscriptionId");
    if (!valid_sub_arn(arn))
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: SubscriptionArn");
    return GR_OK;
}

static int sub_or_fail(req_t *r, sqlite3 *db, sns_sub_t *s, int64_t *tid)
{
    str_t arn = val_get_str(r->in, "SubscriptionArn");
    if (sub_arn_or_fail(r, arn) != GR_OK) return GR_ERR;
    if (!db) return GR_ERR;
    if (sub_by_arn(db, r->arena, arn, s, tid) != GR_OK)
        return req_fail(r, &SNS_ERR_NotFoundException, "Subscription does not exist");
    return sub_access(r, s);
}

int sns_unsubscribe(req_t *r, const val_t *in, val_t *out)
{
    str_t arn = val_get_str(in, "SubscriptionArn");
    sqlite3 *db = sns__db(r->app);
    sns_sub_t s;
    if (sub_or_fail(r, db, &s, NULL) != GR_OK) return GR_ERR;
    return sns__unsubscribe(db, arn);
}

/* ==== Listings ==== */

static void sub_entry(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list)
{
    val_t *e = val_new(a, VAL_STRUCT);
    /* AWS: a pending subscription is listed as "PendingConfirmation". */
    bool confirmed = sqlite3_column_int(st, 5) != 0;
    val_set_c(a, e, "SubscriptionArn",
              confirmed ? val_str(a, store_col_str(a, st, 1)) : val_cstr(a, "PendingConfirmation"));
    val_set_c(a, e, "Owner", val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, e, "Protocol", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, e, "Endpoint", val_str(a, store_col_str(a, st, 4)));
    val_set_c(a, e, "TopicArn", val_str(a, store_col_str(a, st, 6)));
    val_push(a, list, e);
}

static int list_subs(req_t *r, val_t *out, int64_t tid)
{
    int64_t after;
    if (sns__page_after_or_fail(r, &after) != GR_OK) return GR_ERR;
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    const char *sql = tid ? "SELECT s.id, s.arn, s.owner, s.protocol, s.endpoint, s.confirmed, t.arn FROM "
                            "subscription s JOIN topic t ON t.id = s.tid WHERE s.tid = ?3 AND s.id > ?4 "
                            "ORDER BY s.id LIMIT 101"
                          : "SELECT s.id, s.arn, s.owner, s.protocol, s.endpoint, s.confirmed, t.arn FROM "
                            "subscription s JOIN topic t ON t.id = s.tid WHERE t.account = ?1 AND t.region = ?2 AND "
                            "s.id > ?4 ORDER BY s.id LIMIT 101";
    if (!db || store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sqlite3_bind_int64(st, 3, tid);
    sqlite3_bind_int64(st, 4, after);
    sns__page(r->arena, db, st, SNS_PAGE, out, "Subscriptions", "NextToken", sub_entry);
    return GR_OK;
}

int sns_list_subscriptions(req_t *r, const val_t *in, val_t *out)
{
    return list_subs(r, out, 0);
}

int sns_list_subscriptions_by_topic(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_topic_t t;
    if (sns__topic_or_fail(r, db, val_get_str(in, "TopicArn"), "TopicArn", &t) != GR_OK) return GR_ERR;
    return list_subs(r, out, t.id);
}

/* ==== Get/SetSubscriptionAttributes ==== */

int sns_get_subscription_attributes(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    sns_sub_t s;
    int64_t tid = 0;
    if (sub_or_fail(r, db, &s, &tid) != GR_OK) return GR_ERR;
    str_t topic_arn = topic_arn_of(db, a, tid);
    val_t *m = val_new(a, VAL_MAP);
    sqlite3_stmt *st;
    int authenticated = 0;
    if (store_prepare(db, "SELECT authenticated FROM subscription WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, s.id);
        if (sqlite3_step(st) == SQLITE_ROW) authenticated = sqlite3_column_int(st, 0);
        store_release(st);
    }
    /* AWS: the attributes GetSubscriptionAttributes always shows; the
     * optional ones (FilterPolicy, FilterPolicyScope, RedrivePolicy,
     * DeliveryPolicy) only once set. */
    val_set_c(a, m, "ConfirmationWasAuthenticated", val_cstr(a, authenticated ? "true" : "false"));
    val_set_c(a, m, "PendingConfirmation", val_cstr(a, s.confirmed ? "false" : "true"));
    val_set_c(a, m, "Owner", val_str(a, s.owner));
    val_set_c(a, m, "RawMessageDelivery", val_cstr(a, s.raw ? "true" : "false"));
    val_set_c(a, m, "SubscriptionArn", val_str(a, s.arn));
    val_set_c(a, m, "TopicArn", val_str(a, topic_arn));
    val_set_c(a, m, "Protocol", val_str(a, s.protocol));
    val_set_c(a, m, "Endpoint", val_str(a, s.endpoint));
    /* AWS (recorded): only http/https subscriptions, which delivery
     * policies govern, show an EffectiveDeliveryPolicy (sqs, lambda and sms
     * ones do not). */
    if (str_eq_c(s.protocol, "http") || str_eq_c(s.protocol, "https")) {
        sns_topic_t t;
        str_t topic_dp = sns__topic_load(db, a, topic_arn, &t) == GR_OK ? t.delivery_policy : STR_NULL;
        val_set_c(a, m, "EffectiveDeliveryPolicy",
                  val_str(a, sns__sub_effective_policy(a, s.delivery_policy, topic_dp)));
    }
    if (store_prepare(db, "SELECT name, value FROM sub_attr WHERE sid = ?1 ORDER BY name", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t n = store_col_str(a, st, 0);
        if (str_eq_c(n, "RawMessageDelivery")) continue;
        val_set(a, m, n, val_str(a, store_col_str(a, st, 1)));
    }
    store_release(st);
    if (s.filter_policy.len && !val_get(m, "FilterPolicyScope"))
        val_set_c(a, m, "FilterPolicyScope", val_cstr(a, "MessageAttributes"));
    val_set_c(a, out, "Attributes", m);
    return GR_OK;
}

int sns_set_subscription_attributes(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_sub_t s;
    if (sub_or_fail(r, db, &s, NULL) != GR_OK) return GR_ERR;
    str_t name = val_get_str(in, "AttributeName"), v = val_get_str(in, "AttributeValue");
    if (!v.p) v = STR("");
    bool body = s.body_scope;
    if (str_eq_c(name, "FilterPolicyScope")) body = str_eq_c(v, "MessageBody");
    if (check_sub_attr(r, name, &v, s.protocol, s.endpoint, body, "Invalid parameter: ") != GR_OK) return GR_ERR;
    /* AWS: changing the scope re-validates the existing policy against it. */
    if (str_eq_c(name, "FilterPolicyScope") && s.filter_policy.len) {
        const char *err = NULL;
        if (sns__filter_validate(r->arena, s.filter_policy, body, "Invalid parameter: ", &err) != GR_OK)
            return req_fail(r, &SNS_ERR_InvalidParameterException, "%s", err);
    }
    return put_sub_attr(db, s.id, name, v);
}
