/* sms.c — SMS and the outboxes: Publish to a phone number lands here, as do
 * sms/email/email-json subscriptions; the SMS settings (Set/GetSMSAttributes),
 * the opt-out list, the account's origination numbers (none), and the /_gureum/sns/ inspection routes that show what
 * was "sent" (GET /_gureum/sns/sms, /_gureum/sns/email, and the mobile pushes
 * platform.c stores, /_gureum/sns/push), serve the signing
 * certificate, and take SubscribeURL / UnsubscribeURL visits.
 *
 * gureum sends no real SMS or email: every message is committed to the
 * sms_outbox / email_outbox tables before the Publish that made it is
 * answered, so the outbox survives a restart and shows exactly what AWS
 * would have sent. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "core/wire.h"
#include "services/app.h"
#include "services/sns/sns_int.h"
#include "sns_model.h"

/* AWS: E.164 — an optional '+', then up to 15 digits, not starting with 0. */
bool sns__e164(str_t p)
{
    size_t i = p.len && p.p[0] == '+' ? 1 : 0;
    size_t n = p.len - i;
    if (n < 2 || n > 15 || p.p[i] == '0') return false;
    for (; i < p.len; i++)
        if (p.p[i] < '0' || p.p[i] > '9') return false;
    return true;
}

str_t sns__sms_number(arena_t *a, str_t ep)
{
    /* AWS: an sms subscription's endpoint may group its digits with single
     * '.', '/' or '-' ("+12/34-567.890" is accepted; "+15--551234567",
     * "+15551234567." and "/+15551234567" are refused: LocalStack's recorded
     * answers). Messages go to the number without them. */
    char *d = arena_alloc(a, ep.len + 1);
    if (!d) return STR_NULL;
    size_t n = 0;
    for (size_t i = 0; i < ep.len; i++) {
        char c = ep.p[i];
        if (c == '.' || c == '/' || c == '-') {
            bool between = i > 0 && i + 1 < ep.len && ep.p[i - 1] >= '0' && ep.p[i - 1] <= '9' && ep.p[i + 1] >= '0' &&
                           ep.p[i + 1] <= '9';
            if (!between) return STR_NULL;
            continue;
        }
        d[n++] = c;
    }
    str_t num = str_n(d, n);
    return sns__e164(num) ? num : STR_NULL;
}

static str_t sms_attr(sqlite3 *db, arena_t *a, str_t account, str_t region, const char *name)
{
    sqlite3_stmt *st;
    str_t v = STR_NULL;
    if (store_prepare(db, "SELECT value FROM sms_attr WHERE account = ?1 AND region = ?2 AND name = ?3", -1, &st,
                      NULL) != SQLITE_OK)
        return v;
    sns__bind(st, 1, account);
    sns__bind(st, 2, region);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) v = store_col_str(a, st, 0);
    store_release(st);
    return v;
}

bool sns__opted_out(sqlite3 *db, str_t account, str_t region, str_t phone)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT 1 FROM opted_out WHERE account = ?1 AND region = ?2 AND phone = ?3", -1, &st, NULL) !=
        SQLITE_OK)
        return false;
    sns__bind(st, 1, account);
    sns__bind(st, 2, region);
    sns__bind(st, 3, phone);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return yes;
}

/* AWS: a sender ID is 1–11 letters and digits with at least one letter. */
static bool valid_sender_id(str_t s)
{
    if (s.len < 1 || s.len > 11) return false;
    bool letter = false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        bool l = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!l && !(c >= '0' && c <= '9')) return false;
        letter |= l;
    }
    return letter;
}

int sns__sms_send(struct app *app, arena_t *a, sqlite3 *db, str_t account, str_t region, str_t phone, str_t message,
                  const val_t *attrs, str_t msg_id, str_t topic_arn, const char **err)
{
    *err = NULL;
    str_t sender = STR_NULL, type = STR_NULL;
    if (attrs) {
        sender = val_get_str(val_get(attrs, "AWS.SNS.SMS.SenderID"), "StringValue");
        type = val_get_str(val_get(attrs, "AWS.SNS.SMS.SMSType"), "StringValue");
    }
    if (sender.p && !valid_sender_id(sender)) {
        *err = "Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.SenderID must be 1-11 alphanumeric "
               "characters with at least one letter";
        return GR_ERR;
    }
    if (type.p && !str_eq_c(type, "Promotional") && !str_eq_c(type, "Transactional")) {
        *err = "Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.SMSType must be Promotional or "
               "Transactional";
        return GR_ERR;
    }
    if (!sender.p) sender = sms_attr(db, a, account, region, "DefaultSenderID");
    /* AWS: DefaultSMSType defaults to Promotional (SetSMSAttributes reference). */
    if (!type.p) type = sms_attr(db, a, account, region, "DefaultSMSType");
    if (!type.len) type = STR("Promotional");
    /* An opted-out number gets nothing (AWS drops the message). */
    if (sns__opted_out(db, account, region, phone)) return GR_OK;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO sms_outbox (account, region, phone, message, sender_id, sms_type, msg_id, "
                      "topic_arn, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, account);
    sns__bind(st, 2, region);
    sns__bind(st, 3, phone);
    sns__bind(st, 4, message);
    sns__bind_opt(st, 5, sender);
    sns__bind(st, 6, type);
    sns__bind(st, 7, msg_id);
    sns__bind_opt(st, 8, topic_arn);
    sqlite3_bind_int64(st, 9, sns__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    (void)app;
    return rc;
}

int sns__email_send(sqlite3 *db, str_t account, str_t region, str_t address, str_t subject, str_t body, str_t kind,
                    str_t topic_arn, str_t msg_id)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO email_outbox (account, region, address, subject, body, kind, topic_arn, "
                      "msg_id, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, account);
    sns__bind(st, 2, region);
    sns__bind(st, 3, address);
    sns__bind(st, 4, subject);
    sns__bind(st, 5, body);
    sns__bind(st, 6, kind);
    sns__bind(st, 7, topic_arn);
    sns__bind(st, 8, msg_id);
    sqlite3_bind_int64(st, 9, sns__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* ==== SMS operations ==== */

/* AWS: SetSMSAttributes reference, the attribute names it accepts. */
static const char *const SMS_ATTRS[] = {
    "MonthlySpendLimit", "DeliveryStatusIAMRole", "DeliveryStatusSuccessSamplingRate",
    "DefaultSenderID",   "DefaultSMSType",        "UsageReportS3Bucket",
};

int sns_set_sms_attributes(req_t *r, const val_t *in, val_t *out)
{
    const val_t *attrs = val_get(in, "attributes");
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    for (size_t i = 0; attrs && i < val_len(attrs); i++) {
        str_t k = attrs->u.obj.e[i].key, v = attrs->u.obj.e[i].v->u.s;
        bool known = false;
        for (size_t j = 0; j < sizeof SMS_ATTRS / sizeof SMS_ATTRS[0]; j++) known |= str_eq_c(k, SMS_ATTRS[j]);
        /* AWS (recorded): "InvalidAttribute is not a valid attribute",
         * "DefaultSMSType is invalid". */
        if (!known) return req_fail(r, &SNS_ERR_InvalidParameterException, "%.*s is not a valid attribute", STR_FMT(k));
        if (str_eq_c(k, "DefaultSMSType") && !str_eq_c(v, "Promotional") && !str_eq_c(v, "Transactional"))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "DefaultSMSType is invalid");
        if (str_eq_c(k, "DefaultSenderID") && v.len && !valid_sender_id(v))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: DefaultSenderID");
        long long n;
        if ((str_eq_c(k, "MonthlySpendLimit") || str_eq_c(k, "DeliveryStatusSuccessSamplingRate")) &&
            (!str_to_i64(v, &n) || n < 0 || (str_eq_c(k, "DeliveryStatusSuccessSamplingRate") && n > 100)))
            return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: %.*s", STR_FMT(k));
    }
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_OK;
    for (size_t i = 0; rc == GR_OK && attrs && i < val_len(attrs); i++) {
        sqlite3_stmt *st;
        if (store_prepare(db, "INSERT OR REPLACE INTO sms_attr (account, region, name, value) VALUES (?1, ?2, ?3, ?4)",
                          -1, &st, NULL) != SQLITE_OK) {
            rc = GR_ERR;
            break;
        }
        sns__bind(st, 1, r->who.account);
        sns__bind(st, 2, r->region);
        sns__bind(st, 3, attrs->u.obj.e[i].key);
        sns__bind(st, 4, attrs->u.obj.e[i].v->u.s);
        if (sqlite3_step(st) != SQLITE_DONE) rc = GR_ERR;
        store_release(st);
    }
    return sns__end(db, rc);
}

int sns_get_sms_attributes(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *want = val_get(in, "attributes");
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db, "SELECT name, value FROM sms_attr WHERE account = ?1 AND region = ?2 ORDER BY name",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    val_t *m = val_new(a, VAL_MAP);
    /* AWS (recorded): a region nobody set anything in shows
     * MonthlySpendLimit "1", the default spend limit. */
    bool all = !want || !val_len(want), limit = all;
    for (size_t i = 0; !all && i < val_len(want); i++) limit |= str_eq_c(want->u.list.v[i]->u.s, "MonthlySpendLimit");
    if (limit) val_set_c(a, m, "MonthlySpendLimit", val_cstr(a, "1"));
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t n = store_col_str(a, st, 0);
        bool keep = all;
        for (size_t i = 0; !keep && i < val_len(want); i++) keep = str_eq(want->u.list.v[i]->u.s, n);
        if (keep) val_set(a, m, n, val_str(a, store_col_str(a, st, 1)));
    }
    store_release(st);
    val_set_c(a, out, "attributes", m);
    return GR_OK;
}

int sns_check_if_phone_number_is_opted_out(req_t *r, const val_t *in, val_t *out)
{
    str_t phone = val_get_str(in, "phoneNumber");
    /* AWS: "Invalid parameter: PhoneNumber Reason: input incorrectly formatted" */
    if (!sns__e164(phone))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: PhoneNumber Reason: input incorrectly formatted");
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    val_set_c(r->arena, out, "isOptedOut", val_bool(r->arena, sns__opted_out(db, r->who.account, r->region, phone)));
    return GR_OK;
}

static void number_entry(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list)
{
    val_push(a, list, val_str(a, store_col_str(a, st, 0)));
}

int sns_list_phone_numbers_opted_out(req_t *r, const val_t *in, val_t *out)
{
    str_t tok = val_get_str(in, "nextToken");
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT phone FROM opted_out WHERE account = ?1 AND region = ?2 AND phone > ?3 "
                             "ORDER BY phone LIMIT 101",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sns__bind(st, 3, tok.p ? tok : STR(""));
    sns__page(r->arena, db, st, SNS_PAGE, out, "phoneNumbers", "nextToken", number_entry);
    return GR_OK;
}

/* AWS (ListOriginationNumbers): the account's origination numbers -- long
 * codes, toll-free numbers and 10DLC numbers bought through the SMS console
 * -- with their status and capabilities. A gureum account can have none
 * (there is no way to buy one), so the list is AWS's answer for an account
 * without any: empty, with no NextToken; a NextToken given cannot be one we
 * handed out. */
int sns_list_origination_numbers(req_t *r, const val_t *in, val_t *out)
{
    if (val_get_str(in, "NextToken").p)
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: NextToken");
    return val_set_c(r->arena, out, "PhoneNumbers", val_new(r->arena, VAL_LIST));
}

int sns_opt_in_phone_number(req_t *r, const val_t *in, val_t *out)
{
    str_t phone = val_get_str(in, "phoneNumber");
    if (!sns__e164(phone))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: PhoneNumber Reason: input incorrectly formatted");
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db, "DELETE FROM opted_out WHERE account = ?1 AND region = ?2 AND phone = ?3", -1, &st,
                             NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sns__bind(st, 3, phone);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* ==== /_gureum/sns/ ==== */

static void answer(req_t *r, int status, const char *type)
{
    r->resp.status = status;
    wire_resp_header(&r->resp, r->arena, "Content-Type", str_c(type));
}

static void json_error(req_t *r, int status, const char *msg)
{
    answer(r, status, "application/json");
    buf_puts(&r->resp.body, "{\"error\":");
    json_write_string(&r->resp.body, str_c(msg));
    buf_puts(&r->resp.body, "}\n");
}

static void iso_ms(json_w_t *w, int64_t ms)
{
    char ts[40];
    time_fmt_iso8601(ts, ms * 1000, true);
    json_w_str(w, str_c(ts));
}

/* One outbox as a JSON array, oldest first: `keys` name the columns of
 * `table` in order ("time" is a millisecond column shown in ISO 8601, NULL
 * columns are null); `filter` is the query parameter that selects by the
 * column `by`. */
typedef struct {
    const char *path, *table, *filter, *by, *what;
    const char *const *keys, *const *cols;
    int n;
} outbox_t;

static void show_outbox(req_t *r, sqlite3 *db, const outbox_t *o)
{
    arena_t *a = r->arena;
    str_t want = wire_query_param(&r->w, a, o->filter);
    buf_t sql;
    buf_init(&sql, a);
    buf_puts(&sql, "SELECT ");
    for (int i = 0; i < o->n; i++) buf_printf(&sql, "%s%s", i ? ", " : "", o->cols[i]);
    buf_printf(&sql, " FROM %s WHERE ?1 IS NULL OR %s = ?1 ORDER BY id", o->table, o->by);
    sqlite3_stmt *st;
    if (sql.failed || store_prepare(db, buf_str(&sql).p, (int)sql.len, &st, NULL) != SQLITE_OK) {
        json_error(r, 500, arena_printf(a, "cannot read the %s outbox", o->what));
        return;
    }
    if (want.p)
        sns__bind(st, 1, want);
    else
        sqlite3_bind_null(st, 1);
    answer(r, 200, "application/json");
    json_w_t w;
    json_w_init(&w, &r->resp.body);
    json_w_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_w_obj_begin(&w);
        for (int i = 0; i < o->n; i++) {
            json_w_key(&w, str_c(o->keys[i]));
            if (!strcmp(o->keys[i], "time"))
                iso_ms(&w, sqlite3_column_int64(st, i));
            else if (sqlite3_column_type(st, i) == SQLITE_NULL)
                json_w_null(&w);
            else
                json_w_str(&w, store_col_str(a, st, i));
        }
        json_w_obj_end(&w);
    }
    store_release(st);
    json_w_arr_end(&w);
    buf_putc(&r->resp.body, '\n');
}

/* GET /_gureum/sns/sms[?phoneNumber=+8210...], /email[?address=a@b] and
 * /push[?endpointArn=arn]: what gureum "sent". */
static const char *const SMS_KEYS[] = {"phoneNumber", "message", "senderId", "smsType", "messageId",
                                       "time",        "account", "region",   "topicArn"};
static const char *const SMS_COLS[] = {"phone",   "message", "sender_id", "sms_type", "msg_id",
                                       "time_ms", "account", "region",    "topic_arn"};
static const char *const EMAIL_KEYS[] = {"address", "subject", "body", "type", "topicArn", "messageId", "time"};
static const char *const EMAIL_COLS[] = {"address", "subject", "body", "kind", "topic_arn", "msg_id", "time_ms"};
static const char *const PUSH_KEYS[] = {"endpointArn", "platform", "token",    "message", "messageId",
                                        "account",     "region",   "topicArn", "time"};
static const char *const PUSH_COLS[] = {"endpoint_arn", "platform", "token",     "message", "msg_id",
                                        "account",      "region",   "topic_arn", "time_ms"};
static const outbox_t OUTBOXES[] = {
    {"/_gureum/sns/sms", "sms_outbox", "phoneNumber", "phone", "SMS", SMS_KEYS, SMS_COLS, 9},
    {"/_gureum/sns/email", "email_outbox", "address", "address", "email", EMAIL_KEYS, EMAIL_COLS, 7},
    {"/_gureum/sns/push", "push_outbox", "endpointArn", "endpoint_arn", "push", PUSH_KEYS, PUSH_COLS, 9},
};

static void xml_result(req_t *r, const char *action, const char *inner)
{
    /* AWS: the query-protocol document ConfirmSubscription / Unsubscribe answer. */
    answer(r, 200, "text/xml");
    buf_printf(&r->resp.body,
               "<%sResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">%s<ResponseMetadata><RequestId>%s"
               "</RequestId></ResponseMetadata></%sResponse>\n",
               action, inner, r->id, action);
}

/* POST /_gureum/sns/sms/opt-out?phoneNumber=+1...[&account=][&region=]:
 * what a recipient's STOP reply does on AWS, so opted-out numbers can be
 * tried (CheckIfPhoneNumberIsOptedOut, ListPhoneNumbersOptedOut,
 * OptInPhoneNumber, and publishes that deliver nothing). */
static void opt_out(req_t *r, sqlite3 *db)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    str_t phone = wire_query_param(&r->w, a, "phoneNumber");
    str_t account = wire_query_param(&r->w, a, "account"), region = wire_query_param(&r->w, a, "region");
    if (!account.len) account = str_c(app->cfg->account);
    if (!region.len) region = str_c(app->cfg->region);
    if (!sns__e164(phone)) {
        json_error(r, 400, "phoneNumber must be an E.164 number");
        return;
    }
    sqlite3_stmt *st;
    if (store_prepare(db, "INSERT OR IGNORE INTO opted_out (account, region, phone) VALUES (?1, ?2, ?3)", -1, &st,
                      NULL) != SQLITE_OK) {
        json_error(r, 500, "cannot write the opt-out list");
        return;
    }
    sns__bind(st, 1, account);
    sns__bind(st, 2, region);
    sns__bind(st, 3, phone);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_DONE) {
        json_error(r, 500, "cannot write the opt-out list");
        return;
    }
    answer(r, 200, "application/json");
    json_w_t w;
    json_w_init(&w, &r->resp.body);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("phoneNumber"));
    json_w_str(&w, phone);
    json_w_key(&w, STR("optedOut"));
    json_w_bool(&w, true);
    json_w_obj_end(&w);
    buf_putc(&r->resp.body, '\n');
}

void sns_inspect(req_t *r)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    str_t p = r->w.path;
    if (str_eq_c(p, "/_gureum/sns/sms/opt-out")) {
        sqlite3 *db = sns__db(app);
        if (!str_eq_c(r->w.method, "POST"))
            json_error(r, 405, "use POST");
        else if (!db)
            json_error(r, 500, "cannot open the SNS database");
        else
            opt_out(r, db);
        return;
    }
    if (!str_eq_c(r->w.method, "GET") && !str_eq_c(r->w.method, "HEAD")) {
        json_error(r, 405, "only GET is served here");
        return;
    }
    if (str_eq_c(p, "/_gureum/sns/SimpleNotificationService.pem")) {
        const char *pem = sns__cert_pem();
        if (!pem) {
            json_error(r, 503, "no signing certificate");
            return;
        }
        answer(r, 200, "application/x-pem-file");
        buf_puts(&r->resp.body, pem);
        return;
    }
    sqlite3 *db = sns__db(app);
    if (!db) {
        json_error(r, 500, "cannot open the SNS database");
        return;
    }
    for (size_t i = 0; i < sizeof OUTBOXES / sizeof OUTBOXES[0]; i++) {
        str_t base = str_c(OUTBOXES[i].path);
        if (str_starts_with(p, base) && (p.len == base.len || (p.len == base.len + 1 && p.p[base.len] == '/'))) {
            show_outbox(r, db, &OUTBOXES[i]);
            return;
        }
    }
    if (str_eq_c(p, "/_gureum/sns/confirm")) {
        str_t topic = wire_query_param(&r->w, a, "TopicArn"), token = wire_query_param(&r->w, a, "Token");
        str_t arn;
        const char *bad = NULL;
        if (sns__confirm(db, a, topic, token, false, &arn, &bad) != GR_OK) {
            answer(r, 400, "text/xml");
            buf_printf(&r->resp.body,
                       "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type>"
                       "<Code>InvalidParameter</Code><Message>%s</Message></Error><RequestId>%s"
                       "</RequestId></ErrorResponse>\n",
                       bad, r->id);
            return;
        }
        xml_result(r, "ConfirmSubscription",
                   arena_printf(a,
                                "<ConfirmSubscriptionResult><SubscriptionArn>%.*s</SubscriptionArn>"
                                "</ConfirmSubscriptionResult>",
                                STR_FMT(arn)));
    } else if (str_eq_c(p, "/_gureum/sns/unsubscribe")) {
        str_t arn = wire_query_param(&r->w, a, "SubscriptionArn");
        if (!arn.len || sns__unsubscribe(db, arn) != GR_OK) {
            answer(r, 404, "text/xml");
            buf_printf(&r->resp.body,
                       "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type>"
                       "<Code>NotFound</Code><Message>Subscription does not exist</Message></Error><RequestId>%s"
                       "</RequestId></ErrorResponse>\n",
                       r->id);
            return;
        }
        xml_result(r, "Unsubscribe", "");
    } else
        json_error(r, 404, "no such inspection path");
}
