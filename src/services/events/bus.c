/* bus.c — EventBridge event buses and tags, and the helpers every events
 * file uses. The default bus exists in every account and region without a
 * row until it is first described or given a policy; custom buses are rows
 * of event_bus. Tags are kept by resource ARN (a bus or a rule). A bus's
 * policy (PutPermission) lets other accounts put events on it. A bus also
 * keeps a customer managed key, a dead-letter queue and a log configuration
 * (CreateEventBus / UpdateEventBus; put.c uses the key and the queue). A
 * partner bus is made from a partner event source (partner.c) of the same
 * name, which it activates. */
#define _GNU_SOURCE /* memmem */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/log.h"
#include "events_int.h"
#include "events_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/page.h"

/* ==== Helpers shared by the events files ==== */

sqlite3 *events__db(struct app *app)
{
    return store_db(app->store, &schema_events);
}

int64_t events__now_ms(void)
{
    return time_now_us() / 1000;
}

static str_t bus_arn(req_t *r, str_t name);

int events__page_or_fail(req_t *r, const val_t *in, long long *off, int64_t *limit)
{
    *off = 0;
    *limit = val_get_int(in, "Limit", 100);
    str_t tok = val_get_str(in, "NextToken");
    if (tok.p && (!str_to_i64(tok, off) || *off < 0))
        return req_fail(r, &ERR_ValidationException, "The provided NextToken is not valid.");
    return GR_OK;
}

str_t events__bus_name(req_t *r, str_t s)
{
    if (!s.len) return STR("default");
    if (str_starts_with(s, STR("arn:"))) {
        str_t name = events__arn_bus(s);
        /* Only this account's and region's ARN names a bus here; another's
         * stays whole, a name no bus has, so it is not found (it used to
         * reach the caller's own bus of that name). */
        if (name.len && str_eq(bus_arn(r, name), s)) return name;
    }
    return s;
}

bool events__bus_exists(sqlite3 *db, str_t account, str_t region, str_t bus)
{
    if (str_eq_c(bus, "default")) return true;
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM event_bus WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return false;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, bus);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return ok;
}

/* AWS: rules on the default bus are "rule/NAME", on a custom bus "rule/BUS/NAME". */
str_t events__rule_arn(arena_t *a, str_t account, str_t region, str_t bus, str_t rule)
{
    if (str_eq_c(bus, "default"))
        return str_c(
            arena_printf(a, "arn:aws:events:%.*s:%.*s:rule/%.*s", STR_FMT(region), STR_FMT(account), STR_FMT(rule)));
    return str_c(arena_printf(a, "arn:aws:events:%.*s:%.*s:rule/%.*s/%.*s", STR_FMT(region), STR_FMT(account),
                              STR_FMT(bus), STR_FMT(rule)));
}

str_t events__bus_arn(arena_t *a, str_t account, str_t region, str_t bus)
{
    return str_c(
        arena_printf(a, "arn:aws:events:%.*s:%.*s:event-bus/%.*s", STR_FMT(region), STR_FMT(account), STR_FMT(bus)));
}

str_t events__arn_bus(str_t arn)
{
    const char *m = arn.p ? memmem(arn.p, arn.len, ":event-bus/", 11) : NULL;
    return m ? str_n(m + 11, arn.len - (size_t)(m + 11 - arn.p)) : STR_NULL;
}

/* The ARN of the caller's bus name. */
static str_t bus_arn(req_t *r, str_t name)
{
    return events__bus_arn(r->arena, r->who.account, r->region, name);
}

int events__put_tags(sqlite3 *db, str_t arn, const val_t *tags)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT OR REPLACE INTO tag (arn, key, value) VALUES (?1, ?2, ?3)");
    if (!st) return GR_ERR;
    for (size_t i = 0; tags && tags->kind == VAL_LIST && i < tags->u.list.n; i++) {
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, val_get_str(tags->u.list.v[i], "Key"));
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        store_bind_str(st, 3, v.p ? v : STR(""));
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    store_release(st);
    return GR_OK;
}

/* ==== Buses ==== */

typedef struct {
    str_t description;
    int64_t created_ms, modified_ms;
    str_t policy;
    str_t kms_key, dlq_arn, log_level, log_detail;
} bus_row_t;

/* Loads a bus's row; GR_ERR (not failing r) when there is none. The default
 * bus gets its row the first time it is described, so that it has the
 * CreationTime AWS gives it. */
static int load_bus_of(req_t *r, sqlite3 *db, str_t account, str_t name, bus_row_t *b)
{
    if (str_eq_c(name, "default")) {
        sqlite3_stmt *st = store_stmt(db, "INSERT OR IGNORE INTO event_bus (account, region, name, created_ms, "
                                          "modified_ms) VALUES (?1, ?2, 'default', ?3, ?3)");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, account);
        store_bind_str(st, 2, r->region);
        sqlite3_bind_int64(st, 3, events__now_ms());
        sqlite3_step(st);
        store_release(st);
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT description, created_ms, coalesce(modified_ms, created_ms), policy, "
                                      "kms_key, dlq_arn, log_level, log_detail "
                                      "FROM event_bus WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        b->description = store_col_str(r->arena, st, 0);
        b->created_ms = sqlite3_column_int64(st, 1);
        b->modified_ms = sqlite3_column_int64(st, 2);
        b->policy = store_col_str(r->arena, st, 3);
        b->kms_key = store_col_str(r->arena, st, 4);
        b->dlq_arn = store_col_str(r->arena, st, 5);
        b->log_level = store_col_str(r->arena, st, 6);
        b->log_detail = store_col_str(r->arena, st, 7);
        rc = GR_OK;
    }
    store_release(st);
    return rc;
}

static int load_bus(req_t *r, sqlite3 *db, str_t name, bus_row_t *b)
{
    return load_bus_of(r, db, r->who.account, name, b);
}

static int load_bus_or_fail(req_t *r, sqlite3 *db, str_t name, bus_row_t *b)
{
    if (load_bus(r, db, name, b) == GR_OK) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event bus %.*s does not exist.", STR_FMT(name));
}

static void bus_fields(arena_t *a, val_t *v, const bus_row_t *b)
{
    if (b->description.p) val_set_c(a, v, "Description", val_str(a, b->description));
    val_set_c(a, v, "CreationTime", val_time(a, b->created_ms * 1000));
    val_set_c(a, v, "LastModifiedTime", val_time(a, b->modified_ms * 1000));
}

/* KmsKeyIdentifier, DeadLetterConfig and LogConfig, those that are set. */
static void bus_settings(arena_t *a, val_t *v, const bus_row_t *b)
{
    if (b->kms_key.p) val_set_c(a, v, "KmsKeyIdentifier", val_str(a, b->kms_key));
    if (b->dlq_arn.p) {
        val_t *d = val_new(a, VAL_STRUCT);
        val_set_c(a, d, "Arn", val_str(a, b->dlq_arn));
        val_set_c(a, v, "DeadLetterConfig", d);
    }
    if (b->log_level.p || b->log_detail.p) {
        val_t *l = val_new(a, VAL_STRUCT);
        if (b->log_detail.p) val_set_c(a, l, "IncludeDetail", val_str(a, b->log_detail));
        if (b->log_level.p) val_set_c(a, l, "Level", val_str(a, b->log_level));
        val_set_c(a, v, "LogConfig", l);
    }
}

/* Reads the settings CreateEventBus / UpdateEventBus give into b (a member
 * left out leaves b's as it is); fails r for a dead-letter queue that is not
 * an SQS queue's ARN (AWS: the DLQ "must be an Amazon SQS queue"). */
static int settings_or_fail(req_t *r, const val_t *in, bus_row_t *b)
{
    const val_t *d = val_get(in, "DeadLetterConfig"), *l = val_get(in, "LogConfig");
    str_t v = val_get_str(in, "Description");
    if (v.p) b->description = v;
    if ((v = val_get_str(in, "KmsKeyIdentifier")).p) b->kms_key = v.len ? v : STR_NULL;
    if (d) {
        str_t arn = val_get_str(d, "Arn");
        if (arn.len && !str_starts_with(arn, STR("arn:aws:sqs:")))
            return req_fail(r, &ERR_ValidationException, "Parameter DeadLetterConfig.Arn is not valid.");
        b->dlq_arn = arn.len ? arn : STR_NULL;
    }
    if (l) {
        b->log_level = val_get_str(l, "Level");
        b->log_detail = val_get_str(l, "IncludeDetail");
    }
    return GR_OK;
}

static int save_settings(req_t *r, sqlite3 *db, str_t name, const bus_row_t *b)
{
    sqlite3_stmt *st = store_stmt(db, "UPDATE event_bus SET description = ?4, kms_key = ?5, dlq_arn = ?6, "
                                      "log_level = ?7, log_detail = ?8, modified_ms = ?9 "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, b->description);
    store_bind_str(st, 5, b->kms_key);
    store_bind_str(st, 6, b->dlq_arn);
    store_bind_str(st, 7, b->log_level);
    store_bind_str(st, 8, b->log_detail);
    sqlite3_bind_int64(st, 9, events__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int events_create_event_bus(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    if (str_eq_c(name, "default") || events__bus_exists(db, r->who.account, r->region, name))
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException, "Event bus %.*s already exists.", STR_FMT(name));
    /* AWS: a custom bus name may not contain '/'; a partner bus has its
     * partner event source's name, given again as EventSourceName, and the
     * source must have been made for this account (partner.c). */
    str_t source = val_get_str(in, "EventSourceName");
    if (source.p && !str_eq(source, name))
        return req_fail(r, &ERR_ValidationException, "Event source %.*s does not match event bus name %.*s.",
                        STR_FMT(source), STR_FMT(name));
    if (str_index(name, '/') >= 0 && !source.p)
        return req_fail(r, &ERR_ValidationException, "Event bus name must not contain '/'.");
    if (source.p && events__source_bind(db, r->who.account, r->region, source) != GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event source %.*s does not exist.", STR_FMT(source));
    bus_row_t b = {0};
    if (settings_or_fail(r, in, &b) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO event_bus (account, region, name, created_ms, modified_ms) "
                                      "VALUES (?1, ?2, ?3, ?4, ?4)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    sqlite3_bind_int64(st, 4, events__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK || save_settings(r, db, name, &b) != GR_OK) return GR_ERR;
    str_t arn = bus_arn(r, name);
    events__put_tags(db, arn, val_get(in, "Tags"));
    if (b.description.p) val_set_c(r->arena, out, "Description", val_str(r->arena, b.description));
    bus_settings(r->arena, out, &b);
    return val_set_c(r->arena, out, "EventBusArn", val_str(r->arena, arn));
}

/* AWS (UpdateEventBus): Name defaults to the default bus; "If you do not
 * specify a customer managed key identifier, EventBridge uses an AWS owned
 * key", so a call without KmsKeyIdentifier drops the bus's key; the other
 * settings change only when given. */
int events_update_event_bus(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = events__bus_name(r, val_get_str(in, "Name"));
    bus_row_t b;
    if (load_bus_or_fail(r, db, name, &b) != GR_OK) return GR_ERR;
    b.kms_key = STR_NULL;
    if (settings_or_fail(r, in, &b) != GR_OK || save_settings(r, db, name, &b) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Arn", val_str(r->arena, bus_arn(r, name)));
    val_set_c(r->arena, out, "Name", val_str(r->arena, name));
    if (b.description.p) val_set_c(r->arena, out, "Description", val_str(r->arena, b.description));
    bus_settings(r->arena, out, &b);
    return GR_OK;
}

int events_describe_event_bus(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = events__bus_name(r, val_get_str(in, "Name"));
    bus_row_t b;
    if (load_bus_or_fail(r, db, name, &b) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Name", val_str(r->arena, name));
    val_set_c(r->arena, out, "Arn", val_str(r->arena, bus_arn(r, name)));
    bus_fields(r->arena, out, &b);
    bus_settings(r->arena, out, &b);
    if (b.policy.p) val_set_c(r->arena, out, "Policy", val_str(r->arena, b.policy));
    return GR_OK;
}

/* A ListEventBuses item from a row (name, description, created_ms, modified_ms). */
static val_t *bus_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0);
    val_t *b = val_new(a, VAL_STRUCT);
    val_set_c(a, b, "Name", val_str(a, name));
    val_set_c(a, b, "Arn", val_str(a, bus_arn(r, name)));
    bus_row_t row = {store_col_str(a, st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
    bus_fields(a, b, &row);
    return b;
}

/* AWS: the default bus first, then the others by name; Limit 1..100. Our
 * NextToken is the row offset. */
int events_list_event_buses(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t prefix = val_get_str(in, "NamePrefix");
    int64_t limit;
    long long off;
    if (events__page_or_fail(r, in, &off, &limit) != GR_OK) return GR_ERR;
    bus_row_t def;
    if (load_bus(r, db, STR("default"), &def) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT name, description, created_ms, coalesce(modified_ms, created_ms) "
                                      "FROM (SELECT *, name <> 'default' AS o FROM event_bus "
                                      "WHERE account = ?1 AND region = ?2) "
                                      "WHERE substr(name, 1, ?4) = ?3 ORDER BY o, name LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 4, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, limit, out, "EventBuses", bus_item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

/* AWS: the default bus cannot be deleted; deleting an absent bus succeeds;
 * "Deleting an event bus deletes the rules associated with that event bus"
 * (EventBridge user guide, Deleting an event bus). */
int events_delete_event_bus(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    if (str_eq_c(name, "default")) return req_fail(r, &ERR_ValidationException, "Cannot delete event bus default.");
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    const char *sql[] = {"DELETE FROM rule WHERE account = ?1 AND region = ?2 AND bus = ?3",
                         "DELETE FROM event_bus WHERE account = ?1 AND region = ?2 AND name = ?3"};
    int rc = GR_OK;
    for (int i = 0; i < 2 && rc == GR_OK; i++) {
        sqlite3_stmt *st = store_stmt(db, sql[i]);
        if (!st) {
            rc = GR_ERR;
            break;
        }
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
    }
    /* AWS: a partner bus deleted leaves its event source waiting for a new one. */
    if (rc == GR_OK) rc = events__source_unbind(db, r->who.account, r->region, name);
    if (rc == GR_OK && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return GR_ERR;
}

/* ==== Tags ==== */

/* Whether arn names an existing bus or rule of the caller. */
static int resource_or_fail(req_t *r, sqlite3 *db, str_t arn)
{
    str_t pre = str_c(arena_printf(r->arena, "arn:aws:events:%.*s:%.*s:", STR_FMT(r->region), STR_FMT(r->who.account)));
    if (str_starts_with(arn, pre)) {
        str_t rest = str_sub(arn, pre.len, arn.len - pre.len);
        if (str_starts_with(rest, STR("event-bus/"))) {
            str_t bus = str_sub(rest, 10, rest.len - 10);
            if (events__bus_exists(db, r->who.account, r->region, bus)) return GR_OK;
            return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event bus %.*s does not exist.", STR_FMT(bus));
        }
        if (str_starts_with(rest, STR("rule/"))) {
            str_t path = str_sub(rest, 5, rest.len - 5), bus = STR("default"), name = path;
            long slash = str_index(path, '/');
            if (slash >= 0) {
                bus = str_sub(path, 0, (size_t)slash);
                name = str_sub(path, (size_t)slash + 1, path.len - (size_t)slash - 1);
            }
            sqlite3_stmt *st =
                store_stmt(db, "SELECT 1 FROM rule WHERE account = ?1 AND region = ?2 AND bus = ?3 AND name = ?4");
            if (!st) return GR_ERR;
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            store_bind_str(st, 3, bus);
            store_bind_str(st, 4, name);
            bool ok = sqlite3_step(st) == SQLITE_ROW;
            store_release(st);
            if (ok) return GR_OK;
            return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Rule %.*s does not exist on EventBus %.*s.",
                            STR_FMT(name), STR_FMT(bus));
        }
    }
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Resource %.*s does not exist.", STR_FMT(arn));
}

int events_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "ResourceARN");
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    return events__put_tags(db, arn, val_get(in, "Tags"));
}

int events_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "ResourceARN");
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    const val_t *keys = val_get(in, "TagKeys");
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1 AND key = ?2");
    if (!st) return GR_ERR;
    for (size_t i = 0; keys && keys->kind == VAL_LIST && i < keys->u.list.n; i++) {
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, keys->u.list.v[i]->u.s);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    store_release(st);
    return GR_OK;
}

int events_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "ResourceARN");
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM tag WHERE arn = ?1 ORDER BY key");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, list, t);
    }
    store_release(st);
    return val_set_c(a, out, "Tags", list);
}

/* The registry's resource_tags hook: a bus's or rule's tags by its ARN. */
int events_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    val_t *in = val_new(r->arena, VAL_STRUCT), *out = val_new(r->arena, VAL_STRUCT);
    *tags = NULL;
    val_set_c(r->arena, in, "ResourceARN", val_str(r->arena, resource));
    if (events_list_tags_for_resource(r, in, out) != GR_OK) return GR_ERR;
    *tags = val_get(out, "Tags");
    return GR_OK;
}

/* ==== Permissions (the bus's resource policy) ==== */

static int set_policy(req_t *r, sqlite3 *db, str_t bus, str_t policy)
{
    sqlite3_stmt *st = store_stmt(db, "UPDATE event_bus SET policy = ?4, modified_ms = ?5 "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, bus);
    store_bind_str(st, 4, policy);
    sqlite3_bind_int64(st, 5, events__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* The policy with the statements of policy except Sid sid, then extra
 * (already-encoded JSON, or STR_NULL); STR_NULL when no statement is left.
 * *found says whether sid was there. */
static str_t rewrite(arena_t *a, str_t policy, str_t sid, str_t extra, bool *found)
{
    *found = false;
    const json_t *j = policy.p ? json_parse(a, policy, NULL) : NULL;
    const json_t *sts = j && j->type == JSON_OBJECT ? json_get(j, "Statement") : NULL;
    size_t n = sts && sts->type == JSON_ARRAY ? sts->u.arr.n : sts ? 1 : 0, kept = 0;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Version"));
    const json_t *v = j && j->type == JSON_OBJECT ? json_get(j, "Version") : NULL;
    json_w_str(&w, v && v->type == JSON_STRING ? v->u.s : STR("2012-10-17"));
    json_w_key(&w, STR("Statement"));
    json_w_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = sts->type == JSON_ARRAY ? sts->u.arr.v[i] : sts;
        const json_t *id = s->type == JSON_OBJECT ? json_get(s, "Sid") : NULL;
        if (id && id->type == JSON_STRING && str_eq(id->u.s, sid)) {
            *found = true;
            continue;
        }
        json_w_value(&w, s);
        kept++;
    }
    if (extra.p) {
        json_w_raw(&w, extra);
        kept++;
    }
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    return kept ? buf_str(&b) : STR_NULL;
}

/* AWS (PutPermission; recorded DescribeEventBus answers): a whole Policy
 * replaces the bus's; otherwise one statement per StatementId, replaced by
 * a second call with the same id, allowing Principal (an account as
 * "arn:aws:iam::ID:root", or "*") events:PutEvents on the bus, with the
 * Condition given. */
int events_put_permission(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t bus = events__bus_name(r, val_get_str(in, "EventBusName"));
    bus_row_t b;
    if (load_bus_or_fail(r, db, bus, &b) != GR_OK) return GR_ERR;
    str_t policy = val_get_str(in, "Policy");
    if (policy.p) {
        policy_t *p = policy_parse(policy, POLICY_RESOURCE, NULL, 0);
        if (!p) return req_fail(r, &ERR_ValidationException, "The policy is not valid.");
        policy_free(p);
        return set_policy(r, db, bus, policy);
    }
    if (!str_eq_c(val_get_str(in, "Action"), "events:PutEvents"))
        return req_fail(r, &ERR_ValidationException, "Provided value in parameter 'action' is not supported.");
    str_t principal = val_get_str(in, "Principal"), sid = val_get_str(in, "StatementId");
    if (!principal.p || !sid.p)
        return req_fail(r, &ERR_ValidationException,
                        "One of Policy or (Action, Principal, StatementId) must be provided.");
    buf_t sb;
    buf_init(&sb, a);
    json_w_t w;
    json_w_init(&w, &sb);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Sid"));
    json_w_str(&w, sid);
    json_w_key(&w, STR("Effect"));
    json_w_str(&w, STR("Allow"));
    json_w_key(&w, STR("Principal"));
    if (str_eq_c(principal, "*"))
        json_w_str(&w, principal);
    else {
        json_w_obj_begin(&w);
        json_w_key(&w, STR("AWS"));
        json_w_str(&w, str_c(arena_printf(a, "arn:aws:iam::%.*s:root", STR_FMT(principal))));
        json_w_obj_end(&w);
    }
    json_w_key(&w, STR("Action"));
    json_w_str(&w, STR("events:PutEvents"));
    json_w_key(&w, STR("Resource"));
    json_w_str(&w, bus_arn(r, bus));
    const val_t *c = val_get(in, "Condition");
    if (c) {
        json_w_key(&w, STR("Condition"));
        json_w_obj_begin(&w);
        json_w_key(&w, val_get_str(c, "Type"));
        json_w_obj_begin(&w);
        json_w_key(&w, val_get_str(c, "Key"));
        json_w_str(&w, val_get_str(c, "Value"));
        json_w_obj_end(&w);
        json_w_obj_end(&w);
    }
    json_w_obj_end(&w);
    bool found;
    return set_policy(r, db, bus, rewrite(a, b.policy, sid, buf_str(&sb), &found));
}

/* AWS (recorded): an unknown StatementId is ResourceNotFoundException
 * "Statement with the provided id does not exist.", with or without a
 * policy; the last statement removed leaves the bus without one. */
int events_remove_permission(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t bus = events__bus_name(r, val_get_str(in, "EventBusName"));
    bus_row_t b;
    if (load_bus_or_fail(r, db, bus, &b) != GR_OK) return GR_ERR;
    if (val_get_bool(in, "RemoveAllPermissions", false)) {
        if (!b.policy.p) return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "EventBus does not have a policy.");
        return set_policy(r, db, bus, STR_NULL);
    }
    bool found;
    str_t rest = rewrite(r->arena, b.policy, val_get_str(in, "StatementId"), STR_NULL, &found);
    if (!found)
        return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Statement with the provided id does not exist.");
    return set_policy(r, db, bus, rest);
}

/* Whether the bus of another account (same region) lets the caller put
 * events on it: its policy allows the caller events:PutEvents on its ARN. */
bool events__bus_allows_put(req_t *r, sqlite3 *db, str_t owner, str_t bus)
{
    bus_row_t b;
    if (!events__bus_exists(db, owner, r->region, bus) || load_bus_of(r, db, owner, bus, &b) != GR_OK || !b.policy.p)
        return false;
    policy_t *p = policy_parse(b.policy, POLICY_RESOURCE, NULL, 0);
    if (!p) return false;
    str_t arn = events__bus_arn(r->arena, owner, r->region, bus);
    policy_ctx_t ctx[1] = {{STR("aws:PrincipalAccount"), &r->who.account, 1}};
    policy_req_t pr = {.action = STR("events:PutEvents"), .resource = arn, .who = &r->who, .ctx = ctx, .nctx = 1};
    policy_result_t v = policy_eval_one(p, &pr);
    policy_free(p);
    return v == POLICY_ALLOW;
}
