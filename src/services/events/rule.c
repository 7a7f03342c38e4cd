/* rule.c — EventBridge rules and targets: PutRule (pattern or schedule,
 * validated as AWS does), Describe/List/Delete/Enable/Disable, and
 * PutTargets/RemoveTargets/ListTargetsByRule/ListRuleNamesByTarget. A rule
 * is (account, region, bus, name); its targets go with it. A schedule rule's
 * next firing time is (re)computed whenever its schedule or state changes. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "events_int.h"
#include "events_model.h"
#include "services/app.h"
#include "services/page.h"

typedef struct {
    int64_t id;
    str_t bus, name, pattern, schedule, state, description, role_arn, managed_by;
    int64_t next_fire_ms;
} rule_t;

static const char RULE_COLS[] =
    "id, bus, name, pattern, schedule, state, description, role_arn, next_fire_ms, managed_by";

static void rule_from_row(arena_t *a, sqlite3_stmt *st, rule_t *q)
{
    q->id = sqlite3_column_int64(st, 0);
    q->bus = store_col_str(a, st, 1);
    q->name = store_col_str(a, st, 2);
    q->pattern = store_col_str(a, st, 3);
    q->schedule = store_col_str(a, st, 4);
    q->state = store_col_str(a, st, 5);
    q->description = store_col_str(a, st, 6);
    q->role_arn = store_col_str(a, st, 7);
    q->next_fire_ms = sqlite3_column_int64(st, 8);
    q->managed_by = store_col_str(a, st, 9);
}

/* GR_OK with *q, GR_ERR (not failing r) when absent. */
static int load_rule(req_t *r, sqlite3 *db, str_t bus, str_t name, rule_t *q)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM rule WHERE account = ?1 AND region = ?2 AND bus = ?3 AND name = ?4",
             RULE_COLS);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, bus);
    store_bind_str(st, 4, name);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        rule_from_row(r->arena, st, q);
        rc = GR_OK;
    }
    store_release(st);
    return rc;
}

static int rule_or_fail(req_t *r, sqlite3 *db, const val_t *in, const char *member, rule_t *q)
{
    str_t bus = events__bus_name(r, val_get_str(in, "EventBusName"));
    str_t name = val_get_str(in, member);
    if (load_rule(r, db, bus, name, q) == GR_OK) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Rule %.*s does not exist on EventBus %.*s.",
                    STR_FMT(name), STR_FMT(bus));
}

static val_t *rule_val(req_t *r, const rule_t *q)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Name", val_str(a, q->name));
    val_set_c(a, v, "Arn", val_str(a, events__rule_arn(a, r->who.account, r->region, q->bus, q->name)));
    if (q->pattern.p) val_set_c(a, v, "EventPattern", val_str(a, q->pattern));
    if (q->schedule.p) val_set_c(a, v, "ScheduleExpression", val_str(a, q->schedule));
    val_set_c(a, v, "State", val_str(a, q->state));
    if (q->description.p) val_set_c(a, v, "Description", val_str(a, q->description));
    if (q->role_arn.p) val_set_c(a, v, "RoleArn", val_str(a, q->role_arn));
    if (q->managed_by.p) val_set_c(a, v, "ManagedBy", val_str(a, q->managed_by));
    val_set_c(a, v, "EventBusName", val_str(a, q->bus));
    return v;
}

/* ==== PutRule ==== */

/* AWS (PutRule): "If you are updating an existing rule, the rule is replaced
 * with what you specify … If you omit arguments in PutRule, the old values
 * for those arguments are not kept." Schedules only on the default bus. */
int events_put_rule(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    str_t bus = events__bus_name(r, val_get_str(in, "EventBusName"));
    str_t pattern = val_get_str(in, "EventPattern");
    str_t sched = val_get_str(in, "ScheduleExpression");
    str_t state = val_get_str(in, "State");
    if (!state.p) state = STR("ENABLED");
    if (!pattern.p && !sched.p)
        return req_fail(r, &ERR_ValidationException,
                        "Parameter(s) EventPattern or ScheduleExpression must be specified.");
    if (!events__bus_exists(db, r->who.account, r->region, bus))
        return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event bus %.*s does not exist.", STR_FMT(bus));
    if (sched.p && !str_eq_c(bus, "default"))
        return req_fail(r, &ERR_ValidationException, "ScheduleExpression is supported only on the default event bus.");
    if (sched.p && !events_schedule_valid(sched))
        return req_fail(r, &ERR_ValidationException, "Parameter ScheduleExpression is not valid.");
    if (pattern.p) {
        const char *why = events__pattern_check(a, pattern, NULL);
        if (why) return req_fail(r, &EVENTS_ERR_InvalidEventPatternException, "%s", why);
    }
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    rule_t old;
    bool had = load_rule(r, db, bus, name, &old) == GR_OK;
    int64_t now = events__now_ms(), next = -1;
    if (sched.p && str_eq_c(state, "ENABLED"))
        next =
            had && old.schedule.p && str_eq(old.schedule, sched) && str_eq_c(old.state, "ENABLED") && old.next_fire_ms
                ? old.next_fire_ms
                : events_schedule_next(sched, now, now);
    sqlite3_stmt *st = store_stmt(
        db,
        "INSERT INTO rule (account, region, bus, name, pattern, schedule, state, description, role_arn, created_ms, "
        "next_fire_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "ON CONFLICT (account, region, bus, name) DO UPDATE SET pattern = ?5, schedule = ?6, state = ?7, "
        "description = ?8, role_arn = ?9, next_fire_ms = ?11");
    int rc = GR_ERR;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, bus);
        store_bind_str(st, 4, name);
        store_bind_str(st, 5, pattern);
        store_bind_str(st, 6, sched);
        store_bind_str(st, 7, state);
        store_bind_str(st, 8, val_get_str(in, "Description"));
        store_bind_str(st, 9, val_get_str(in, "RoleArn"));
        sqlite3_bind_int64(st, 10, now);
        if (next > 0)
            sqlite3_bind_int64(st, 11, next);
        else
            sqlite3_bind_null(st, 11);
        rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
    }
    str_t arn = events__rule_arn(a, r->who.account, r->region, bus, name);
    if (rc == GR_OK) events__put_tags(db, arn, val_get(in, "Tags"));
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    return val_set_c(a, out, "RuleArn", val_str(a, arn));
}

int events_describe_rule(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    rule_t q;
    if (rule_or_fail(r, db, in, "Name", &q) != GR_OK) return GR_ERR;
    val_t *v = rule_val(r, &q);
    for (size_t i = 0; i < v->u.obj.n; i++) val_set(r->arena, out, v->u.obj.e[i].key, v->u.obj.e[i].v);
    return val_set_c(r->arena, out, "CreatedBy", val_str(r->arena, r->who.account));
}

static val_t *rule_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    rule_t q;
    rule_from_row(r->arena, st, &q);
    return rule_val(r, &q);
}

/* AWS: rules in name order; Limit 1..100; our NextToken is the row offset. */
int events_list_rules(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t bus = events__bus_name(r, val_get_str(in, "EventBusName"));
    if (!events__bus_exists(db, r->who.account, r->region, bus))
        return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event bus %.*s does not exist.", STR_FMT(bus));
    str_t prefix = val_get_str(in, "NamePrefix");
    int64_t limit;
    long long off;
    if (events__page_or_fail(r, in, &off, &limit) != GR_OK) return GR_ERR;
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM rule WHERE account = ?1 AND region = ?2 AND bus = ?3 AND substr(name, 1, ?5) = ?4 "
             "ORDER BY name LIMIT ?6 OFFSET ?7",
             RULE_COLS);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, bus);
    store_bind_str(st, 4, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 5, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 6, limit + 1);
    sqlite3_bind_int64(st, 7, off);
    int64_t n = page_rows(r, st, limit, out, "Rules", rule_item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

static int64_t target_count(sqlite3 *db, int64_t rule_id)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM target WHERE rule_id = ?1");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, rule_id);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return n;
}

/* AWS: "Before you can delete the rule, you must remove all targets"
 * (ValidationException "Rule can't be deleted since it has targets.");
 * Force deletes a managed rule's targets too. Deleting an absent rule succeeds. */
int events_delete_rule(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    rule_t q;
    if (load_rule(r, db, events__bus_name(r, val_get_str(in, "EventBusName")), val_get_str(in, "Name"), &q) != GR_OK)
        return GR_OK;
    bool force = val_get_bool(in, "Force", false);
    /* AWS (DeleteRule): a managed rule is deleted only with Force. */
    if (q.managed_by.p && !force)
        return req_fail(r, &EVENTS_ERR_ManagedRuleException,
                        "Rule %.*s is managed by %.*s and can only be deleted "
                        "with Force.",
                        STR_FMT(q.name), STR_FMT(q.managed_by));
    if (!force && target_count(db, q.id) > 0)
        return req_fail(r, &ERR_ValidationException, "Rule can't be deleted since it has targets.");
    str_t arn = events__rule_arn(r->arena, r->who.account, r->region, q.bus, q.name);
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1");
    if (st) {
        store_bind_str(st, 1, arn);
        sqlite3_step(st);
        store_release(st);
    }
    st = store_stmt(db, "DELETE FROM rule WHERE id = ?1"); /* its targets go with it (ON DELETE CASCADE) */
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, q.id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static int set_state(req_t *r, const val_t *in, bool enable)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    rule_t q;
    if (rule_or_fail(r, db, in, "Name", &q) != GR_OK) return GR_ERR;
    int64_t now = events__now_ms();
    bool was = str_eq_c(q.state, "ENABLED");
    int64_t next = q.next_fire_ms;
    if (q.schedule.p && enable && !was) next = events_schedule_next(q.schedule, now, now);
    sqlite3_stmt *st = store_stmt(db, "UPDATE rule SET state = ?2, next_fire_ms = ?3 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, q.id);
    store_bind_str(st, 2, enable ? STR("ENABLED") : STR("DISABLED"));
    if (q.schedule.p && next > 0)
        sqlite3_bind_int64(st, 3, next);
    else
        sqlite3_bind_null(st, 3);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int events_enable_rule(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_state(r, in, true);
}

int events_disable_rule(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_state(r, in, false);
}

/* ==== Targets ==== */

#define MAX_TARGETS 5

static str_t paths_map_json(arena_t *a, const val_t *m)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    for (size_t i = 0; m && m->kind == VAL_MAP && i < m->u.obj.n; i++) {
        json_w_key(&w, m->u.obj.e[i].key);
        json_w_str(&w, m->u.obj.e[i].v->u.s);
    }
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* AWS: a JSONPath such as "$.detail.state" or "$.resources[0]". */
static bool valid_path(str_t p)
{
    return p.len >= 1 && p.p[0] == '$';
}

/* Checks one target as AWS does; NULL, or the message of the request's ValidationException. */
static const char *target_problem(arena_t *a, const val_t *t)
{
    /* AWS (observed ValidationException texts, e.g. hashicorp/terraform#20263). */
    str_t arn = val_get_str(t, "Arn");
    size_t colons = 0;
    for (size_t i = 0; i < arn.len; i++) colons += arn.p[i] == ':';
    if (!str_starts_with(arn, STR("arn:")) || colons < 5)
        return arena_printf(a, "Parameter %.*s is not valid. Reason: Provided Arn is not in correct format.",
                            STR_FMT(arn));
    if (str_starts_with(arn, STR("arn:aws:sqs:")) && str_ends_with(arn, STR(".fifo")) &&
        !val_get_str(val_get(t, "SqsParameters"), "MessageGroupId").p)
        return arena_printf(a, "Parameter(s) SqsParameters must be specified for target: %.*s.",
                            STR_FMT(val_get_str(t, "Id")));
    int forms = !!val_get(t, "Input") + !!val_get(t, "InputPath") + !!val_get(t, "InputTransformer");
    if (forms > 1) return "Only one of Input, InputPath, or InputTransformer must be provided.";
    str_t input = val_get_str(t, "Input");
    if (input.p && !json_parse(a, input, NULL)) return "Input is not valid JSON text.";
    str_t path = val_get_str(t, "InputPath");
    if (path.p && !valid_path(path)) return "InputPath is not a valid JSON path.";
    const val_t *tr = val_get(t, "InputTransformer");
    if (tr) {
        const val_t *m = val_get(tr, "InputPathsMap");
        if (m && m->kind == VAL_MAP) {
            if (m->u.obj.n > 100) return "InputPathsMap can have at most 100 entries.";
            for (size_t i = 0; i < m->u.obj.n; i++) {
                str_t k = m->u.obj.e[i].key;
                if (str_starts_with(k, STR("aws.")))
                    return arena_printf(a, "Input path key %.*s is reserved.", STR_FMT(k));
                if (!valid_path(m->u.obj.e[i].v->u.s))
                    return arena_printf(a, "Input path %.*s for key %.*s is not a valid JSON path.",
                                        STR_FMT(m->u.obj.e[i].v->u.s), STR_FMT(k));
            }
        }
    }
    return NULL;
}

int events_put_targets(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    const val_t *ts = val_get(in, "Targets");
    size_t n = ts && ts->kind == VAL_LIST ? ts->u.list.n : 0;
    for (size_t i = 0; i < n; i++) {
        const char *why = target_problem(a, ts->u.list.v[i]);
        if (why) return req_fail(r, &ERR_ValidationException, "%s", why);
    }
    rule_t q;
    if (rule_or_fail(r, db, in, "Rule", &q) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(
        db, "INSERT INTO target (rule_id, tid, arn, role_arn, input, input_path, paths_map, template, sqs_group, pos, "
            "dlq_arn, retry_max, retry_age, http_params) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, coalesce((SELECT pos FROM target WHERE rule_id = ?1 AND tid = "
            "?2), "
            "(SELECT coalesce(max(pos), 0) + 1 FROM target WHERE rule_id = ?1)), ?10, ?11, ?12, ?13) "
            "ON CONFLICT (rule_id, tid) DO UPDATE SET arn = ?3, role_arn = ?4, input = ?5, input_path = ?6, "
            "paths_map = ?7, template = ?8, sqs_group = ?9, dlq_arn = ?10, retry_max = ?11, retry_age = ?12, "
            "http_params = ?13");
    int rc = st ? GR_OK : GR_ERR;
    for (size_t i = 0; rc == GR_OK && i < n; i++) {
        const val_t *t = ts->u.list.v[i];
        const val_t *tr = val_get(t, "InputTransformer");
        sqlite3_bind_int64(st, 1, q.id);
        store_bind_str(st, 2, val_get_str(t, "Id"));
        store_bind_str(st, 3, val_get_str(t, "Arn"));
        store_bind_str(st, 4, val_get_str(t, "RoleArn"));
        store_bind_str(st, 5, val_get_str(t, "Input"));
        store_bind_str(st, 6, val_get_str(t, "InputPath"));
        const val_t *pm = tr ? val_get(tr, "InputPathsMap") : NULL;
        store_bind_str(st, 7, pm ? paths_map_json(a, pm) : STR_NULL);
        store_bind_str(st, 8, tr ? val_get_str(tr, "InputTemplate") : STR_NULL);
        store_bind_str(st, 9, val_get_str(val_get(t, "SqsParameters"), "MessageGroupId"));
        store_bind_str(st, 10, val_get_str(val_get(t, "DeadLetterConfig"), "Arn"));
        const val_t *rp = val_get(t, "RetryPolicy");
        if (rp && val_get(rp, "MaximumRetryAttempts"))
            sqlite3_bind_int64(st, 11, val_get_int(rp, "MaximumRetryAttempts", 185));
        else
            sqlite3_bind_null(st, 11);
        if (rp && val_get(rp, "MaximumEventAgeInSeconds"))
            sqlite3_bind_int64(st, 12, val_get_int(rp, "MaximumEventAgeInSeconds", 86400));
        else
            sqlite3_bind_null(st, 12);
        const val_t *hp = val_get(t, "HttpParameters");
        store_bind_str(st, 13, hp ? val_json_text(a, hp) : STR_NULL);
        if (sqlite3_step(st) != SQLITE_DONE) rc = GR_ERR;
        sqlite3_reset(st);
    }
    store_release(st);
    /* AWS quotas: 5 targets per rule (LimitExceededException). */
    if (rc == GR_OK && target_count(db, q.id) > MAX_TARGETS) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return req_fail(r, &EVENTS_ERR_LimitExceededException,
                        "The requested resource exceeds the maximum number allowed.");
    }
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    val_set_c(a, out, "FailedEntryCount", val_int(a, 0));
    return val_set_c(a, out, "FailedEntries", val_new(a, VAL_LIST));
}

int events_remove_targets(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    rule_t q;
    if (rule_or_fail(r, db, in, "Rule", &q) != GR_OK) return GR_ERR;
    const val_t *ids = val_get(in, "Ids");
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM target WHERE rule_id = ?1 AND tid = ?2");
    if (!st) return GR_ERR;
    for (size_t i = 0; ids && ids->kind == VAL_LIST && i < ids->u.list.n; i++) {
        sqlite3_bind_int64(st, 1, q.id);
        store_bind_str(st, 2, ids->u.list.v[i]->u.s);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    store_release(st);
    val_set_c(a, out, "FailedEntryCount", val_int(a, 0));
    return val_set_c(a, out, "FailedEntries", val_new(a, VAL_LIST));
}

int events_list_targets_by_rule(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    rule_t q;
    if (rule_or_fail(r, db, in, "Rule", &q) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT tid, arn, role_arn, input, input_path, paths_map, template, sqs_group, "
                                      "dlq_arn, retry_max, retry_age, http_params FROM target WHERE rule_id = ?1 "
                                      "ORDER BY pos");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, q.id);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Id", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Arn", val_str(a, store_col_str(a, st, 1)));
        str_t s;
        if ((s = store_col_str(a, st, 2)).p) val_set_c(a, t, "RoleArn", val_str(a, s));
        if ((s = store_col_str(a, st, 3)).p) val_set_c(a, t, "Input", val_str(a, s));
        if ((s = store_col_str(a, st, 4)).p) val_set_c(a, t, "InputPath", val_str(a, s));
        str_t tmpl = store_col_str(a, st, 6);
        if (tmpl.p || sqlite3_column_type(st, 5) != SQLITE_NULL) {
            val_t *tr = val_new(a, VAL_STRUCT);
            const json_t *m = json_parse(a, store_col_str(a, st, 5), NULL);
            if (m && m->type == JSON_OBJECT) {
                val_t *pm = val_new(a, VAL_MAP);
                for (size_t i = 0; i < m->u.obj.n; i++)
                    if (m->u.obj.v[i]->type == JSON_STRING)
                        val_set(a, pm, m->u.obj.k[i], val_str(a, m->u.obj.v[i]->u.s));
                val_set_c(a, tr, "InputPathsMap", pm);
            }
            val_set_c(a, tr, "InputTemplate", val_str(a, tmpl.p ? tmpl : STR("")));
            val_set_c(a, t, "InputTransformer", tr);
        }
        if ((s = store_col_str(a, st, 7)).p) {
            val_t *sp = val_new(a, VAL_STRUCT);
            val_set_c(a, sp, "MessageGroupId", val_str(a, s));
            val_set_c(a, t, "SqsParameters", sp);
        }
        if ((s = store_col_str(a, st, 8)).p) {
            val_t *dl = val_new(a, VAL_STRUCT);
            val_set_c(a, dl, "Arn", val_str(a, s));
            val_set_c(a, t, "DeadLetterConfig", dl);
        }
        if (sqlite3_column_type(st, 9) != SQLITE_NULL || sqlite3_column_type(st, 10) != SQLITE_NULL) {
            val_t *rp = val_new(a, VAL_STRUCT);
            if (sqlite3_column_type(st, 9) != SQLITE_NULL)
                val_set_c(a, rp, "MaximumRetryAttempts", val_int(a, sqlite3_column_int64(st, 9)));
            if (sqlite3_column_type(st, 10) != SQLITE_NULL)
                val_set_c(a, rp, "MaximumEventAgeInSeconds", val_int(a, sqlite3_column_int64(st, 10)));
            val_set_c(a, t, "RetryPolicy", rp);
        }
        if ((s = store_col_str(a, st, 11)).p)
            val_set_c(a, t, "HttpParameters", val_from_json(a, json_parse(a, s, NULL)));
        val_push(a, list, t);
    }
    store_release(st);
    return val_set_c(a, out, "Targets", list);
}

int events_list_rule_names_by_target(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t bus = events__bus_name(r, val_get_str(in, "EventBusName"));
    sqlite3_stmt *st =
        store_stmt(db, "SELECT DISTINCT r.name FROM rule r JOIN target t ON t.rule_id = r.id "
                       "WHERE r.account = ?1 AND r.region = ?2 AND r.bus = ?3 AND t.arn = ?4 ORDER BY r.name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, bus);
    store_bind_str(st, 4, val_get_str(in, "TargetArn"));
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(a, list, val_str(a, store_col_str(a, st, 0)));
    store_release(st);
    return val_set_c(a, out, "RuleNames", list);
}
