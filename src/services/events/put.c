/* put.c — EventBridge events: PutEvents (entries validated, the event
 * envelope built; with an EndpointId, to a global endpoint's buses),
 * PutPartnerEvents (to the partner buses of a partner event source),
 * TestEventPattern, and delivery of an event to the targets of the rules it
 * matches, with Input / InputPath / InputTransformer. A bus's customer
 * managed key is taken as usable: AWS sends an event to the bus's
 * dead-letter queue only when that key is disabled or missing, and gureum,
 * without a KMS, cannot tell a user's real key from a missing one.
 *
 * Delivery runs on the caller's thread (a PutEvents request or the
 * scheduler) through the target service's public interface, so a message is
 * in its queue when PutEvents answers. A failed delivery goes to the
 * target's dead-letter queue, else is logged and dropped, as AWS counts a
 * FailedInvocation without failing PutEvents.
 * Targets: SQS queues, SNS topics, Lambda functions and CloudWatch Logs log
 * groups, and API destinations (queued for invoke.c's threads, which may
 * wait on an HTTP endpoint); an archive's managed
 * rule has the target "arn:aws:events:REGION:::", which stores the event
 * (archive.c). */
#define _GNU_SOURCE /* memmem */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "events_int.h"
#include "events_model.h"
#include "services/app.h"
#include "services/lambda/lambda.h"
#include "services/logs/logs.h"
#include "services/sns/sns.h"
#include "services/sqs/sqs.h"

/* ==== JSON helpers ==== */

static str_t json_text(arena_t *a, const json_t *j)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_value(&w, j);
    return buf_str(&b);
}

/* A JSONPath as targets use it: $, .name, ['name'], [index]. NULL if absent. */
static const json_t *json_path(const json_t *j, str_t path)
{
    if (!path.len || path.p[0] != '$') return NULL;
    size_t i = 1;
    while (j && i < path.len) {
        if (path.p[i] == '.') {
            size_t b = ++i;
            while (i < path.len && path.p[i] != '.' && path.p[i] != '[') i++;
            str_t k = str_sub(path, b, i - b);
            const json_t *hit = NULL;
            if (j->type == JSON_OBJECT)
                for (size_t x = 0; x < j->u.obj.n; x++)
                    if (str_eq(j->u.obj.k[x], k)) hit = j->u.obj.v[x];
            j = hit;
        } else if (path.p[i] == '[') {
            size_t b = ++i;
            while (i < path.len && path.p[i] != ']') i++;
            if (i >= path.len) return NULL;
            str_t in = str_sub(path, b, i - b);
            i++;
            if (in.len >= 2 && (in.p[0] == '\'' || in.p[0] == '"')) {
                str_t k = str_sub(in, 1, in.len - 2);
                const json_t *hit = NULL;
                if (j->type == JSON_OBJECT)
                    for (size_t x = 0; x < j->u.obj.n; x++)
                        if (str_eq(j->u.obj.k[x], k)) hit = j->u.obj.v[x];
                j = hit;
            } else {
                long long idx;
                if (!str_to_i64(in, &idx) || j->type != JSON_ARRAY || idx < 0 || (size_t)idx >= j->u.arr.n) return NULL;
                j = j->u.arr.v[idx];
            }
        } else
            return NULL;
    }
    return j;
}

/* ==== Input transformer ==== */

/* Escapes s as the inside of a JSON string (no quotes). */
static void put_escaped(buf_t *b, str_t s)
{
    buf_t t;
    buf_init(&t, b->a);
    json_write_string(&t, s);
    str_t q = buf_str(&t);
    if (q.len >= 2) buf_append(b, q.p + 1, q.len - 2);
}

/* AWS (EventBridge user guide, "Transforming target input"): <var> is
 * replaced by the value its InputPathsMap path selects; inside a quoted
 * string a string value goes in without its quotes, elsewhere as JSON; the
 * predefined aws.events.* variables are always available. */
static str_t transform(arena_t *a, str_t tmpl, const json_t *map, const json_t *event, str_t event_text,
                       str_t rule_name, str_t rule_arn, str_t ingest_time)
{
    buf_t b;
    buf_init(&b, a);
    bool in_str = false;
    for (size_t i = 0; i < tmpl.len; i++) {
        char c = tmpl.p[i];
        if (c == '\\' && in_str && i + 1 < tmpl.len) {
            buf_append(&b, tmpl.p + i, 2);
            i++;
            continue;
        }
        if (c == '"') in_str = !in_str;
        if (c != '<') {
            buf_putc(&b, c);
            continue;
        }
        size_t e = i + 1;
        while (e < tmpl.len && tmpl.p[e] != '>' && tmpl.p[e] != '<' && tmpl.p[e] != '"') e++;
        if (e >= tmpl.len || tmpl.p[e] != '>') {
            buf_putc(&b, c);
            continue;
        }
        str_t name = str_sub(tmpl, i + 1, e - i - 1);
        const json_t *v = NULL;
        str_t raw = STR_NULL; /* a predefined variable's text */
        bool raw_is_json = false;
        if (str_eq_c(name, "aws.events.rule-name"))
            raw = rule_name;
        else if (str_eq_c(name, "aws.events.rule-arn"))
            raw = rule_arn;
        else if (str_eq_c(name, "aws.events.event.ingestion-time"))
            raw = ingest_time;
        else if (str_eq_c(name, "aws.events.event.json") || str_eq_c(name, "aws.events.event")) {
            raw = event_text;
            raw_is_json = true;
        } else {
            const json_t *path = NULL;
            if (map && map->type == JSON_OBJECT)
                for (size_t x = 0; x < map->u.obj.n; x++)
                    if (str_eq(map->u.obj.k[x], name)) path = map->u.obj.v[x];
            if (!path) { /* not a variable: keep the text */
                buf_append(&b, tmpl.p + i, e - i + 1);
                i = e;
                continue;
            }
            v = path->type == JSON_STRING ? json_path(event, path->u.s) : NULL;
        }
        if (raw.p) {
            if (in_str)
                put_escaped(&b, raw);
            else if (raw_is_json)
                buf_put_str(&b, raw);
            else
                json_write_string(&b, raw);
        } else if (!v) {
            if (!in_str) buf_puts(&b, "null");
        } else if (v->type == JSON_STRING) {
            if (in_str)
                put_escaped(&b, v->u.s);
            else
                json_write_string(&b, v->u.s);
        } else {
            str_t t = json_text(a, v);
            if (in_str)
                put_escaped(&b, t);
            else
                buf_put_str(&b, t);
        }
        i = e;
    }
    return buf_str(&b);
}

/* ==== Delivery ==== */

/* Why a delivery failed, as the dead-letter queue's ERROR_CODE says it. */
typedef struct {
    const char *code;
    const char *msg;
} fail_t;

/* "arn:aws:logs:REGION:ACCOUNT:log-group:NAME" (a trailing ":*" allowed). */
static bool logs_target(str_t arn, str_t *region, str_t *account, str_t *group)
{
    str_t rest = str_cut(str_sub(arn, 13, arn.len - 13), ':', region);
    if (rest.p) rest = str_cut(rest, ':', account);
    if (!rest.p || !str_starts_with(rest, STR("log-group:"))) return false;
    *group = str_sub(rest, 10, rest.len - 10);
    if (str_ends_with(*group, STR(":*"))) group->len -= 2;
    return group->len > 0;
}

static bool deliver_one(app_t *app, arena_t *a, str_t target_arn, str_t body, str_t group, str_t event_id,
                        str_t rule_arn, fail_t *f)
{
    const char *err = NULL;
    if (str_starts_with(target_arn, STR("arn:aws:sqs:"))) {
        /* AWS: EventBridge needs the queue's policy to allow events.amazonaws.com sqs:SendMessage. */
        if (!sqs_allows(app, a, target_arn, STR("events.amazonaws.com"), "sqs:SendMessage", rule_arn)) {
            *f = (fail_t){"NO_PERMISSIONS",
                          arena_printf(a, "EventBridge is not authorized to send to %.*s", STR_FMT(target_arn))};
            return false;
        }
        str_t mid;
        /* AWS: for a FIFO queue the event id is the deduplication id. */
        if (sqs_deliver(app, a, target_arn, body, NULL, group, group.p ? event_id : STR_NULL, &mid, &err) == GR_OK)
            return true;
    } else if (str_starts_with(target_arn, STR("arn:aws:sns:"))) {
        /* AWS: the topic's access policy must allow events.amazonaws.com sns:Publish. */
        if (!sns_allows(app, a, target_arn, STR("events.amazonaws.com"), "sns:Publish", rule_arn)) {
            *f = (fail_t){"NO_PERMISSIONS",
                          arena_printf(a, "EventBridge is not authorized to publish to %.*s", STR_FMT(target_arn))};
            return false;
        }
        str_t mid;
        if (sns_publish_internal(app, a, target_arn, STR_NULL, body, NULL, group, group.p ? event_id : STR_NULL, &mid,
                                 &err) == GR_OK)
            return true;
    } else if (str_starts_with(target_arn, STR("arn:aws:lambda:"))) {
        /* AWS: asynchronous invocation, allowed by the function's resource policy for events.amazonaws.com. */
        if (lambda_invoke_event(app, a, target_arn, body, STR("events.amazonaws.com"), rule_arn, &err) == GR_OK)
            return true;
    } else if (str_starts_with(target_arn, STR("arn:aws:logs:"))) {
        /* AWS (EventBridge user guide, "CloudWatch Logs permissions"): the
         * account's logs resource policy must allow events.amazonaws.com
         * logs:CreateLogStream and logs:PutLogEvents on the group; each event
         * is one log event, at the event's time, in a stream named by its id. */
        str_t region, account, group;
        if (!logs_target(target_arn, &region, &account, &group)) {
            *f = (fail_t){"SDK_CLIENT_ERROR", "not a log group ARN"};
            return false;
        }
        const json_t *ev = json_parse(a, body, NULL);
        const json_t *t = ev && ev->type == JSON_OBJECT ? json_get(ev, "time") : NULL;
        int64_t us = 0;
        logs_event_t le = {t && t->type == JSON_STRING && time_parse(t->u.s, &us) ? us / 1000 : time_now_us() / 1000,
                           body};
        if (logs_put_from_service(app, a, account, region, group, event_id.p ? event_id : STR("events"),
                                  STR("events.amazonaws.com"), rule_arn, &le, 1, &err) == GR_OK)
            return true;
    } else {
        *f = (fail_t){"UNSUPPORTED_TARGET", "This kind of target is not supported by gureum."};
        return false;
    }
    *f = (fail_t){"SDK_CLIENT_ERROR", err ? err : "delivery failed"};
    return false;
}

/* AWS (EventBridge user guide, "Using dead-letter queues to process
 * undelivered events"): the event goes to the target's DLQ with message
 * attributes RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE; errors such
 * as missing permissions or resources are not retried. */
typedef struct {
    const char *k;
    str_t v;
} attr_t;

/* Sends body to queue dlq with String message attributes kv, when the
 * queue's policy lets EventBridge send for source_arn; whether it went. */
static bool send_dead_letter(struct app *app, arena_t *a, str_t dlq, str_t body, str_t source_arn, const attr_t *kv,
                             size_t n)
{
    if (!dlq.p || !sqs_allows(app, a, dlq, STR("events.amazonaws.com"), "sqs:SendMessage", source_arn)) return false;
    val_t *attrs = val_new(a, VAL_MAP);
    for (size_t i = 0; i < n; i++) {
        val_t *m = val_new(a, VAL_STRUCT);
        val_set_c(a, m, "DataType", val_cstr(a, "String"));
        val_set_c(a, m, "StringValue", val_str(a, kv[i].v));
        val_set_c(a, attrs, kv[i].k, m);
    }
    str_t mid;
    const char *err = NULL;
    return sqs_deliver(app, a, dlq, body, attrs, STR_NULL, STR_NULL, &mid, &err) == GR_OK;
}

void events__dead_letter(struct app *app, arena_t *a, str_t dlq, str_t body, str_t rule_arn, str_t target_arn,
                         const char *code, const char *msg)
{
    const attr_t kv[] = {
        {"RULE_ARN", rule_arn}, {"TARGET_ARN", target_arn}, {"ERROR_CODE", str_c(code)}, {"ERROR_MESSAGE", str_c(msg)}};
    if (send_dead_letter(app, a, dlq, body, rule_arn, kv, 4)) return;
    log_warn("events: delivery of rule %.*s to %.*s failed (%s: %s)%s", STR_FMT(rule_arn), STR_FMT(target_arn), code,
             msg, dlq.p ? "; the dead-letter queue refused it too" : "");
}

void events__deliver_rule(struct app *app, arena_t *a, int64_t rule_id, str_t account, str_t region, str_t bus,
                          str_t rule_name, str_t event_text, const json_t *event)
{
    sqlite3 *db = events__db(app);
    if (!db) return;
    sqlite3_stmt *st = store_stmt(db, "SELECT arn, input, input_path, paths_map, template, sqs_group, dlq_arn, "
                                      "http_params, coalesce(retry_max, -1), coalesce(retry_age, -1) "
                                      "FROM target WHERE rule_id = ?1 ORDER BY pos");
    if (!st) return;
    sqlite3_bind_int64(st, 1, rule_id);
    typedef struct {
        str_t arn, input, path, map, tmpl, group, dlq, http;
        int64_t retry_max, retry_age;
    } tgt_t;
    tgt_t t[16];
    size_t n = 0;
    while (n < 16 && sqlite3_step(st) == SQLITE_ROW) {
        t[n] = (tgt_t){store_col_str(a, st, 0),    store_col_str(a, st, 1), store_col_str(a, st, 2),
                       store_col_str(a, st, 3),    store_col_str(a, st, 4), store_col_str(a, st, 5),
                       store_col_str(a, st, 6),    store_col_str(a, st, 7), sqlite3_column_int64(st, 8),
                       sqlite3_column_int64(st, 9)};
        n++;
    }
    store_release(st); /* before delivering: a target may be on this thread's other connections */
    str_t rule_arn = events__rule_arn(a, account, region, bus, rule_name);
    const json_t *idj = json_path(event, STR("$.id"));
    str_t event_id = idj && idj->type == JSON_STRING ? idj->u.s : STR_NULL;
    char now[32];
    time_fmt_iso8601(now, time_now_us(), true);
    str_t archive = events__archive_target(a, region);
    for (size_t i = 0; i < n; i++) {
        if (str_eq(t[i].arn, archive)) {
            events__archive_store(app, a, rule_id, event_text, event);
            continue;
        }
        str_t body = event_text;
        if (t[i].input.p)
            body = t[i].input;
        else if (t[i].path.p) {
            const json_t *v = json_path(event, t[i].path);
            body = v ? json_text(a, v) : STR("null");
        } else if (t[i].tmpl.p) {
            const json_t *map = t[i].map.p ? json_parse(a, t[i].map, NULL) : NULL;
            body = transform(a, t[i].tmpl, map, event, event_text, rule_name, rule_arn, str_c(now));
        }
        if (memmem(t[i].arn.p, t[i].arn.len, ":api-destination/", 17)) {
            /* Sent by the invoker threads (invoke.c), never on this one. */
            events__api_invoke(app, t[i].arn, body, t[i].http, rule_arn, t[i].dlq, t[i].retry_max, t[i].retry_age);
            continue;
        }
        fail_t f;
        if (!deliver_one(app, a, t[i].arn, body, t[i].group, event_id, rule_arn, &f))
            events__dead_letter(app, a, t[i].dlq, body, rule_arn, t[i].arn, f.code, f.msg);
    }
}

void events__route(struct app *app, arena_t *a, str_t account, str_t region, str_t bus, str_t event_text,
                   const json_t *event)
{
    events__route_only(app, a, account, region, bus, event_text, event, NULL);
}

static bool listed(const json_t *arns, str_t arn)
{
    for (size_t i = 0; i < arns->u.arr.n; i++)
        if (arns->u.arr.v[i]->type == JSON_STRING && str_eq(arns->u.arr.v[i]->u.s, arn)) return true;
    return false;
}

void events__route_only(struct app *app, arena_t *a, str_t account, str_t region, str_t bus, str_t event_text,
                        const json_t *event, const json_t *only_rules)
{
    if (only_rules && only_rules->type != JSON_ARRAY) only_rules = NULL;
    sqlite3 *db = events__db(app);
    if (!db) return;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name, pattern FROM rule WHERE account = ?1 AND region = ?2 "
                                      "AND bus = ?3 AND state = 'ENABLED' AND pattern IS NOT NULL ORDER BY name");
    if (!st) return;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, bus);
    typedef struct {
        int64_t id;
        str_t name;
    } hit_t;
    size_t cap = 64, n = 0;
    hit_t *hits = ARENA_NEWN(a, hit_t, cap);
    while (hits && sqlite3_step(st) == SQLITE_ROW) {
        const json_t *p = NULL;
        if (only_rules && !listed(only_rules, events__rule_arn(a, account, region, bus, store_col_str(a, st, 1))))
            continue;
        if (events__pattern_check(a, store_col_str(a, st, 2), &p) || !events__pattern_match(p, event)) continue;
        if (n == cap) {
            hits = arena_realloc(a, hits, cap * sizeof *hits, 2 * cap * sizeof *hits);
            cap *= 2;
            if (!hits) break;
        }
        hits[n++] = (hit_t){sqlite3_column_int64(st, 0), store_col_str(a, st, 1)};
    }
    store_release(st);
    for (size_t i = 0; i < n; i++)
        events__deliver_rule(app, a, hits[i].id, account, region, bus, hits[i].name, event_text, event);
}

/* ==== PutEvents ==== */

#define MAX_ENTRIES 10
#define MAX_PARTNER_ENTRIES 20
#define MAX_REQUEST_BYTES 262144

/* AWS (PutEvents, "Calculating PutEvents event entry size"): 14 bytes for
 * Time, plus the UTF-8 sizes of Source, DetailType, Detail and each Resource. */
static size_t entry_size(const val_t *e)
{
    size_t n = val_get(e, "Time") ? 14 : 0;
    n += val_get_str(e, "Source").len + val_get_str(e, "DetailType").len + val_get_str(e, "Detail").len;
    const val_t *res = val_get(e, "Resources");
    for (size_t i = 0; res && res->kind == VAL_LIST && i < res->u.list.n; i++) n += res->u.list.v[i]->u.s.len;
    return n;
}

/* The request fails only for too few or too many entries, or too many
 * bytes in all; *n is the number of entries. */
static int entries_or_fail(req_t *r, const val_t *es, size_t max, size_t *n)
{
    *n = es && es->kind == VAL_LIST ? es->u.list.n : 0;
    if (*n < 1 || *n > max)
        return req_fail(r, &ERR_ValidationException,
                        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must "
                        "have length %s %zu",
                        *n ? "less than or equal to" : "greater than or equal to", *n ? max : (size_t)1);
    size_t total = 0;
    for (size_t i = 0; i < *n; i++) total += entry_size(es->u.list.v[i]);
    if (total > MAX_REQUEST_BYTES)
        return req_fail(r, &ERR_ValidationException, "Total size of the entries in the request is over the limit.");
    return GR_OK;
}

static val_t *entry_error(arena_t *a, const char *code, const char *msg)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "ErrorCode", val_cstr(a, code));
    val_set_c(a, v, "ErrorMessage", val_cstr(a, msg));
    return v;
}

str_t events__envelope(arena_t *a, str_t account, str_t region, str_t source, str_t dtype, const str_t *resources,
                       size_t nres, const json_t *detail, int64_t t_us, char id[37])
{
    char when[32];
    id_uuid(id);
    time_fmt_iso8601(when, t_us / 1000000 * 1000000, false);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("version"));
    json_w_str(&w, STR("0"));
    json_w_key(&w, STR("id"));
    json_w_str(&w, str_c(id));
    json_w_key(&w, STR("detail-type"));
    json_w_str(&w, dtype);
    json_w_key(&w, STR("source"));
    json_w_str(&w, source);
    json_w_key(&w, STR("account"));
    json_w_str(&w, account);
    json_w_key(&w, STR("time"));
    json_w_str(&w, str_c(when));
    json_w_key(&w, STR("region"));
    json_w_str(&w, region);
    json_w_key(&w, STR("resources"));
    json_w_arr_begin(&w);
    for (size_t k = 0; k < nres; k++) json_w_str(&w, resources[k]);
    json_w_arr_end(&w);
    json_w_key(&w, STR("detail"));
    json_w_value(&w, detail);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* An AWS service's event (S3's, for one): to the default bus, which always
 * exists, like a PutEvents entry of the account. */
void events_put_service_event(struct app *app, arena_t *a, str_t account, str_t region, str_t source, str_t dtype,
                              const str_t *resources, size_t nres, const json_t *detail)
{
    char id[37];
    str_t text = events__envelope(a, account, region, source, dtype, resources, nres, detail, time_now_us(), id);
    const json_t *ev = json_parse(a, text, NULL);
    if (ev) events__route(app, a, account, region, STR("default"), text, ev);
}

/* The entry's Resources as an array (NULL only when out of memory). */
static str_t *entry_resources(arena_t *a, const val_t *e, size_t *n)
{
    const val_t *rs = val_get(e, "Resources");
    *n = rs && rs->kind == VAL_LIST ? rs->u.list.n : 0;
    str_t *v = ARENA_NEWN(a, str_t, *n + 1);
    for (size_t k = 0; v && k < *n; k++) v[k] = rs->u.list.v[k]->u.s;
    return v;
}

/* AWS (PutEvents, PutPartnerEvents): an entry's Source, DetailType and
 * Detail are required (an empty one is missing), Detail a JSON object; the
 * failure as a result entry, or NULL with the parsed Detail in *dj and the
 * Resources in *res (*nres of them). */
static val_t *entry_check(arena_t *a, const val_t *e, const json_t **dj, str_t **res, size_t *nres)
{
    str_t detail = val_get_str(e, "Detail");
    *dj = detail.p ? json_parse(a, detail, NULL) : NULL;
    *res = entry_resources(a, e, nres);
    if (!*res) return entry_error(a, "InternalException", "out of memory");
    if (!val_get_str(e, "Source").len)
        return entry_error(a, "InvalidArgument",
                           "Parameter Source is not valid. Reason: Source is a required argument.");
    if (!val_get_str(e, "DetailType").len)
        return entry_error(a, "InvalidArgument",
                           "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
    if (!detail.len)
        return entry_error(a, "InvalidArgument",
                           "Parameter Detail is not valid. Reason: Detail is a required argument.");
    if (!*dj || (*dj)->type != JSON_OBJECT) return entry_error(a, "MalformedDetail", "Detail is malformed.");
    return NULL;
}

/* An ARN "arn:aws:events:REGION:ACCOUNT:event-bus/NAME" of another account in
 * the caller's region (what events__bus_name leaves whole). */
static bool other_account_bus(req_t *r, str_t arn, str_t *owner, str_t *bus)
{
    str_t pre = str_c(arena_printf(r->arena, "arn:aws:events:%.*s:", STR_FMT(r->region)));
    if (!str_starts_with(arn, pre)) return false;
    str_t rest = str_cut(str_sub(arn, pre.len, arn.len - pre.len), ':', owner);
    if (!rest.p || owner->len != 12 || str_eq(*owner, r->who.account) || !str_starts_with(rest, STR("event-bus/")))
        return false;
    *bus = str_sub(rest, 10, rest.len - 10);
    return bus->len > 0;
}

/* AWS (PutEvents): per-entry failures in Entries with FailedEntryCount —
 * ErrorCode InvalidArgument, "Parameter Source is not valid. Reason: Source
 * is a required argument.", "Parameter Detail is not valid. Reason: Detail is
 * malformed." and the like; the request itself fails only for more than 10
 * entries or more than 256 KB. */
int events_put_events(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    const val_t *es = val_get(in, "Entries");
    size_t n;
    if (entries_or_fail(r, es, MAX_ENTRIES, &n) != GR_OK) return GR_ERR;
    /* A global endpoint's events (EndpointId) go to its buses (endpoint.c),
     * from the endpoint's home region. */
    events_endpoint_t ep = {0};
    str_t ep_id = val_get_str(in, "EndpointId");
    if (ep_id.p && events__endpoint_by_id(db, a, r->who.account, ep_id, &ep) != GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Endpoint %.*s does not exist.", STR_FMT(ep_id));
    str_t ev_region = ep.name.p ? ep.region : r->region;
    val_t *results = val_new(a, VAL_LIST);
    int64_t failed = 0;
    str_t owner, obus;
    for (size_t i = 0; i < n; i++) {
        const val_t *e = es->u.list.v[i];
        str_t source = val_get_str(e, "Source"), dtype = val_get_str(e, "DetailType");
        str_t bus = events__bus_name(r, val_get_str(e, "EventBusName"));
        const json_t *dj;
        str_t *res_arns;
        size_t nres;
        val_t *res = entry_check(a, e, &dj, &res_arns, &nres);
        if (!res && ep.name.p && !events__endpoint_bus_ok(a, &ep, val_get_str(e, "EventBusName")))
            res = entry_error(a, "InvalidArgument",
                              arena_printf(a,
                                           "Parameter EventBusName is not valid. Reason: it names no event bus "
                                           "of endpoint %.*s.",
                                           STR_FMT(ep.name)));
        if (res) {
            failed++;
            val_push(a, results, res);
            continue;
        }
        const val_t *tv = val_get(e, "Time");
        char id[37];
        str_t text = events__envelope(a, r->who.account, ev_region, source, dtype, res_arns, nres, dj,
                                      tv && tv->kind == VAL_TIME ? tv->u.t : time_now_us(), id);
        const json_t *ev = json_parse(a, text, NULL);
        /* AWS: an event for a bus that does not exist is accepted with an EventId
         * and goes nowhere (aws/aws-cli#9186, "Putting an event on an nonexistent
         * EventBridge event bus returns a success"). */
        if (ev && ep.name.p)
            events__endpoint_put(r->app, a, &ep, text, ev);
        else if (ev && events__bus_exists(db, r->who.account, r->region, bus))
            events__route(r->app, a, r->who.account, r->region, bus, text, ev);
        else if (ev && other_account_bus(r, bus, &owner, &obus)) {
            /* AWS (cross-account delivery): another account's bus takes the
             * event when its policy allows the sender; the event keeps the
             * sender's account. */
            if (!events__bus_allows_put(r, db, owner, obus)) {
                failed++;
                val_push(a, results,
                         entry_error(a, "AccessDeniedException",
                                     arena_printf(a,
                                                  "User: %.*s is not authorized to perform: events:PutEvents on "
                                                  "resource: %.*s because no resource-based policy allows the "
                                                  "events:PutEvents action",
                                                  STR_FMT(r->who.arn), STR_FMT(bus))));
                continue;
            }
            events__route(r->app, a, owner, r->region, obus, text, ev);
        }
        res = val_new(a, VAL_STRUCT);
        val_set_c(a, res, "EventId", val_strdup(a, str_c(id)));
        val_push(a, results, res);
    }
    val_set_c(a, out, "FailedEntryCount", val_int(a, failed));
    return val_set_c(a, out, "Entries", results);
}

/* ==== PutPartnerEvents ==== */

/* AWS (PutPartnerEvents, "for SaaS partners only"): each entry's Source is
 * one of the caller's partner event sources; the event goes, as that
 * account's, to the partner bus of every account the source is ACTIVE for
 * (partner.c); a source the caller did not make fails the entry. Up to 20
 * entries, 256 KB in all. */
int events_put_partner_events(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    const val_t *es = val_get(in, "Entries");
    size_t n;
    if (entries_or_fail(r, es, MAX_PARTNER_ENTRIES, &n) != GR_OK) return GR_ERR;
    val_t *results = val_new(a, VAL_LIST);
    int64_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *e = es->u.list.v[i];
        str_t source = val_get_str(e, "Source");
        const json_t *dj;
        str_t *res_arns, *accounts = NULL;
        size_t nres;
        val_t *res = entry_check(a, e, &dj, &res_arns, &nres);
        size_t nacc = 0;
        if (!res && events__source_receivers(db, a, r->who.account, r->region, source, &accounts, &nacc) != GR_OK)
            res =
                entry_error(a, "InvalidArgument",
                            arena_printf(a, "Parameter Source is not valid. Reason: Event source %.*s does not exist.",
                                         STR_FMT(source)));
        if (res) {
            failed++;
            val_push(a, results, res);
            continue;
        }
        const val_t *tv = val_get(e, "Time");
        int64_t t_us = tv && tv->kind == VAL_TIME ? tv->u.t : time_now_us();
        char id[37] = "";
        for (size_t k = 0; k < nacc; k++) {
            str_t text = events__envelope(a, accounts[k], r->region, source, val_get_str(e, "DetailType"), res_arns,
                                          nres, dj, t_us, id);
            const json_t *ev = json_parse(a, text, NULL);
            if (ev && events__bus_exists(db, accounts[k], r->region, source))
                events__route(r->app, a, accounts[k], r->region, source, text, ev);
        }
        if (!nacc) id_uuid(id); /* accepted; no account receives it yet */
        res = val_new(a, VAL_STRUCT);
        val_set_c(a, res, "EventId", val_strdup(a, str_c(id)));
        val_push(a, results, res);
    }
    val_set_c(a, out, "FailedEntryCount", val_int(a, failed));
    return val_set_c(a, out, "Entries", results);
}

/* ==== TestEventPattern ==== */

/* AWS (TestEventPattern): the event must carry the envelope's fields
 * (id, account, source, time, region, detail-type), else "Parameter Event is
 * not valid."; an invalid pattern is InvalidEventPatternException. */
int events_test_event_pattern(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const json_t *p = NULL;
    const char *why = events__pattern_check(a, val_get_str(in, "EventPattern"), &p);
    if (why) return req_fail(r, &EVENTS_ERR_InvalidEventPatternException, "%s", why);
    const json_t *ev = json_parse(a, val_get_str(in, "Event"), NULL);
    static const char *const need[] = {"id", "account", "source", "time", "region", "detail-type"};
    bool ok = ev && ev->type == JSON_OBJECT;
    for (size_t i = 0; ok && i < sizeof need / sizeof need[0]; i++) ok = json_get(ev, need[i]) != NULL;
    if (!ok) return req_fail(r, &ERR_ValidationException, "Parameter Event is not valid.");
    return val_set_c(a, out, "Result", val_bool(a, events__pattern_match(p, ev)));
}
