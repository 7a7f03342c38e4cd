/* group.c — CloudWatch Logs log groups (schema/002_streams.sql): create,
 * delete, describe, retention and tags, plus the helpers every logs file
 * uses to find a group. A group's streams, events and tags go with it
 * (ON DELETE CASCADE), so deleting a group is one statement. Retention is
 * carried out by logs_tick on the background ticker (services/ticker.h), so
 * expired events go while nobody calls; reads and writes of a group also
 * expire its events first, so nobody ever sees one past its retention. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "core/log.h"
#include "logs_int.h"
#include "logs_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/page.h"
#include "services/logs/logs.h"

/* ==== Helpers shared by the logs files ==== */

sqlite3 *logs__db(struct app *app)
{
    return store_db(app->store, &schema_logs);
}

int64_t logs__now_ms(void)
{
    return time_now_us() / 1000;
}

int logs__offset_token(req_t *r, const val_t *in, long long *off)
{
    *off = 0;
    str_t tok = val_get_str(in, "nextToken");
    if (tok.p && (!str_to_i64(tok, off) || *off < 0))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "The specified nextToken is invalid.");
    return GR_OK;
}

sqlite3_stmt *logs__page_stmt(req_t *r, sqlite3 *db, const char *sql, str_t prefix, int64_t limit, long long off)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 4, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    return st;
}

int logs__group(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, logs_group_t *g)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id, created_ms, retention_days FROM log_group "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        g->id = sqlite3_column_int64(st, 0);
        g->name = arena_str(a, name);
        g->created_ms = sqlite3_column_int64(st, 1);
        g->retention_days = sqlite3_column_int64(st, 2);
        rc = GR_OK;
    }
    store_release(st);
    return rc;
}

/* A group identifier is a name or an ARN "arn:aws:logs:R:A:log-group:NAME[:*]".
 * Only an ARN of the caller's account and region names a group here; another
 * comes back whole, which no group name can be (names hold no ':'), so it is
 * not found (it used to reach the caller's own group of that name). */
static str_t group_name_of(req_t *r, str_t ident)
{
    if (!str_starts_with(ident, STR("arn:"))) return ident;
    const char *m = memmem(ident.p, ident.len, ":log-group:", 11);
    if (!m) return ident;
    str_t own =
        str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:log-group:", STR_FMT(r->region), STR_FMT(r->who.account)));
    if (!str_starts_with(ident, own) || (size_t)(m + 11 - ident.p) != own.len) return ident;
    str_t name = str_n(m + 11, ident.len - (size_t)(m + 11 - ident.p));
    if (str_ends_with(name, STR(":*"))) name.len -= 2;
    return name;
}

int logs__group_or_fail(req_t *r, sqlite3 *db, const val_t *in, logs_group_t *g)
{
    str_t name = val_get_str(in, "logGroupName");
    str_t ident = val_get_str(in, "logGroupIdentifier");
    /* AWS: "If you specify both logGroupName and logGroupIdentifier, the action returns an InvalidParameterException".
     */
    if (name.p && ident.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    if (!name.p) name = group_name_of(r, ident);
    if (!name.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "Either LogGroupName or LogGroupIdentifier must be provided.");
    if (logs__group(db, r->arena, r->who.account, r->region, name, g) != GR_OK)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified log group does not exist.");
    return GR_OK;
}

int logs__expire(sqlite3 *db, const logs_group_t *g)
{
    if (g->retention_days <= 0) return GR_OK;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM log_event WHERE gid = ?1 AND ts < ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g->id);
    sqlite3_bind_int64(st, 2, logs__now_ms() - g->retention_days * 86400000LL);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

#define TICK_BATCH 1000 /* events deleted per group and tick: one short statement on the (gid, ts) index */

unsigned logs_tick(struct app *app)
{
    sqlite3 *db = logs__db(app);
    if (!db) return 0;
    /* 256 groups a tick, resuming after the last one (only the ticker thread
     * reads or writes next_gid) */
    static int64_t next_gid;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, retention_days FROM log_group WHERE retention_days > 0 AND id > ?1 "
                                      "ORDER BY id LIMIT 256");
    if (!st) return 0;
    sqlite3_bind_int64(st, 1, next_gid);
    int64_t ids[256], days[256];
    size_t n = 0;
    while (n < 256 && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        days[n++] = sqlite3_column_int64(st, 1);
    }
    store_release(st);
    next_gid = n == 256 ? ids[255] : 0;
    bool more = n == 256;
    int64_t now = logs__now_ms();
    for (size_t i = 0; i < n; i++) {
        st = store_stmt(db, "DELETE FROM log_event WHERE id IN (SELECT id FROM log_event WHERE gid = ?1 AND ts < ?2 "
                            "ORDER BY ts LIMIT ?3)");
        if (!st) break;
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, now - days[i] * 86400000LL);
        sqlite3_bind_int(st, 3, TICK_BATCH);
        if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == TICK_BATCH) more = true;
        store_release(st);
    }
    logs__scheduled_tick(app);
    return more ? 100 : 0; /* a backlog: again soon, in batches */
}

str_t logs__group_arn(req_t *r, str_t name, bool star)
{
    return str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:log-group:%.*s%s", STR_FMT(r->region),
                              STR_FMT(r->who.account), STR_FMT(name), star ? ":*" : ""));
}

/* ==== Tags ==== */

/* A resource's tag table: log groups' (log_group_tag, by gid) or
 * destinations' (log_destination_tag, by did). */
const logs_tags_t logs__group_tags = {"log_group_tag", "gid"};
const logs_tags_t logs__destination_tags = {"log_destination_tag", "did"};

int logs__put_tags(req_t *r, sqlite3 *db, const logs_tags_t *t, int64_t id, const val_t *tags)
{
    if (!tags) return GR_OK;
    if (tags->kind == VAL_MAP && tags->u.obj.n > 50)
        return req_fail(r, &LOGS_ERR_TooManyTagsException, "A resource can have no more than 50 tags.");
    sqlite3_stmt *st = store_stmt(
        db, arena_printf(r->arena, "INSERT OR REPLACE INTO %s (%s, key, value) VALUES (?1, ?2, ?3)", t->table, t->col));
    if (!st) return GR_ERR;
    for (size_t i = 0; tags->kind == VAL_MAP && i < tags->u.obj.n; i++) {
        const val_t *v = tags->u.obj.e[i].v;
        sqlite3_bind_int64(st, 1, id);
        store_bind_str(st, 2, tags->u.obj.e[i].key);
        store_bind_str(st, 3, v->kind == VAL_STR ? v->u.s : STR(""));
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_release(st);
            return GR_ERR;
        }
        sqlite3_reset(st);
    }
    store_release(st);
    sqlite3_stmt *c = store_stmt(db, arena_printf(r->arena, "SELECT count(*) FROM %s WHERE %s = ?1", t->table, t->col));
    if (!c) return GR_ERR;
    sqlite3_bind_int64(c, 1, id);
    int64_t n = sqlite3_step(c) == SQLITE_ROW ? sqlite3_column_int64(c, 0) : 0;
    store_release(c);
    if (n > 50) return req_fail(r, &LOGS_ERR_TooManyTagsException, "A resource can have no more than 50 tags.");
    return GR_OK;
}

static int drop_tags(req_t *r, sqlite3 *db, const logs_tags_t *t, int64_t id, const val_t *keys)
{
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(r->arena, "DELETE FROM %s WHERE %s = ?1 AND key = ?2", t->table, t->col));
    if (!st) return GR_ERR;
    for (size_t i = 0; keys && keys->kind == VAL_LIST && i < keys->u.list.n; i++) {
        sqlite3_bind_int64(st, 1, id);
        store_bind_str(st, 2, keys->u.list.v[i]->u.s);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    store_release(st);
    return GR_OK;
}

static val_t *list_tags(req_t *r, sqlite3 *db, const logs_tags_t *t, int64_t id)
{
    val_t *m = val_new(r->arena, VAL_MAP);
    sqlite3_stmt *st = store_stmt(
        db, arena_printf(r->arena, "SELECT key, value FROM %s WHERE %s = ?1 ORDER BY key", t->table, t->col));
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
        val_set(r->arena, m, store_col_str(r->arena, st, 0), val_str(r->arena, store_col_str(r->arena, st, 1)));
    store_release(st);
    return m;
}

static int in_tx(sqlite3 *db, int rc)
{
    if (rc == GR_OK && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return GR_ERR;
}

/* ==== Groups ==== */

/* AWS: CreateLogGroup on an existing name → ResourceAlreadyExistsException
 * "The specified log group already exists". */
int logs_create_log_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    str_t name = val_get_str(in, "logGroupName");
    /* AWS: logGroupName must match [\.\-_/#A-Za-z0-9]+ */
    for (size_t i = 0; i < name.len; i++)
        if (!isalnum((unsigned char)name.p[i]) && !strchr("._-/#", name.p[i])) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "1 validation error detected: Value '%.*s' at 'logGroupName' failed to satisfy "
                            "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
                            STR_FMT(name));
        }
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO log_group (account, region, name, created_ms, kms_key, deletion_protection, class) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, 'STANDARD'))");
    int rc = GR_ERR;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        sqlite3_bind_int64(st, 4, logs__now_ms());
        store_bind_str(st, 5, val_get_str(in, "kmsKeyId"));
        sqlite3_bind_int(st, 6, val_get_bool(in, "deletionProtectionEnabled", false));
        store_bind_str(st, 7, val_get_str(in, "logGroupClass"));
        int s = sqlite3_step(st);
        store_release(st);
        if ((s & 0xff) == SQLITE_CONSTRAINT)
            rc = req_fail(r, &LOGS_ERR_ResourceAlreadyExistsException, "The specified log group already exists");
        else if (s == SQLITE_DONE)
            rc = logs__put_tags(r, db, &logs__group_tags, sqlite3_last_insert_rowid(db), val_get(in, "tags"));
    }
    return in_tx(db, rc);
}

int logs_delete_log_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    /* AWS (docs, "Protecting log groups from deletion"): ValidationException
     * "Cannot delete log group with deletion protection enabled. Disable
     * deletion protection first." The check and the delete are one statement,
     * so a concurrent PutLogGroupDeletionProtection cannot slip between. */
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM log_group WHERE id = ?1 AND NOT deletion_protection");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK && sqlite3_changes(db) == 0)
        return req_fail(r, &LOGS_ERR_ValidationException,
                        "Cannot delete log group with deletion protection enabled. Disable deletion protection first.");
    return rc;
}

/* Sets a group's switch (column) to the request's boolean member. */
static int set_group_switch(req_t *r, const val_t *in, const char *column, const char *member)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, arena_printf(r->arena, "UPDATE log_group SET %s = ?2 WHERE id = ?1", column));
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    sqlite3_bind_int(st, 2, val_get_bool(in, member, false));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int logs_put_log_group_deletion_protection(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_group_switch(r, in, "deletion_protection", "deletionProtectionEnabled");
}

/* AWS: "Enables or disables bearer token authentication for the specified
 * log group", reported by DescribeLogGroups. It lets AWS's HTTP ingestion
 * endpoints take the group's events with a bearer token (an API key);
 * gureum serves no such endpoint, so the switch is kept and reported and
 * every write still goes through SigV4. */
int logs_put_bearer_token_authentication(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_group_switch(r, in, "bearer_token", "bearerTokenAuthenticationEnabled");
}

/* Expires the events of every group of the caller's account and region that
 * has a retention, so storedBytes never counts what is already gone. */
static void expire_all(req_t *r, sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id, retention_days FROM log_group WHERE account = ?1 AND region = ?2 "
                                      "AND retention_days IS NOT NULL");
    if (!st) return;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    size_t n = 0, cap = 16;
    logs_group_t *gs = ARENA_NEWN(r->arena, logs_group_t, cap);
    while (gs && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            gs = arena_realloc(r->arena, gs, cap * sizeof *gs, 2 * cap * sizeof *gs);
            cap *= 2;
            if (!gs) break;
        }
        gs[n++] = (logs_group_t){.id = sqlite3_column_int64(st, 0), .retention_days = sqlite3_column_int64(st, 1)};
    }
    store_release(st);
    for (size_t i = 0; gs && i < n; i++) logs__expire(db, &gs[i]);
}

/* A DescribeLogGroups item from a row (name, created_ms, retention_days,
 * kms_key, stored bytes, metric filters, class, deletion protection, bearer
 * token authentication); its name goes to *last. */
static val_t *group_item(req_t *r, sqlite3_stmt *st, void *last)
{
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0);
    *(str_t *)last = name;
    val_t *g = val_new(a, VAL_STRUCT);
    val_set_c(a, g, "logGroupName", val_str(a, name));
    val_set_c(a, g, "creationTime", val_int(a, sqlite3_column_int64(st, 1)));
    if (sqlite3_column_type(st, 2) != SQLITE_NULL)
        val_set_c(a, g, "retentionInDays", val_int(a, sqlite3_column_int64(st, 2)));
    val_set_c(a, g, "metricFilterCount", val_int(a, sqlite3_column_int64(st, 5)));
    val_set_c(a, g, "arn", val_str(a, logs__group_arn(r, name, true)));
    val_set_c(a, g, "storedBytes", val_int(a, sqlite3_column_int64(st, 4)));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) val_set_c(a, g, "kmsKeyId", val_str(a, store_col_str(a, st, 3)));
    /* AWS (recorded DescribeLogGroups answers): the ARN without ":*" too,
     * the class and deletion protection. */
    val_set_c(a, g, "logGroupArn", val_str(a, logs__group_arn(r, name, false)));
    val_set_c(a, g, "logGroupClass", val_str(a, store_col_str(a, st, 6)));
    val_set_c(a, g, "deletionProtectionEnabled", val_bool(a, sqlite3_column_int(st, 7) != 0));
    val_set_c(a, g, "bearerTokenAuthenticationEnabled", val_bool(a, sqlite3_column_int(st, 8) != 0));
    return g;
}

/* The names of a list of group identifiers (names or ARNs) as a JSON array,
 * for json_each. */
static str_t names_json(req_t *r, const val_t *idents)
{
    buf_t b;
    buf_init(&b, r->arena);
    buf_putc(&b, '[');
    for (size_t i = 0; i < val_len(idents); i++) {
        const val_t *v = idents->u.list.v[i];
        if (i) buf_putc(&b, ',');
        json_write_string(&b, group_name_of(r, v->kind == VAL_STR ? v->u.s : STR("")));
    }
    buf_putc(&b, ']');
    return buf_str(&b);
}

str_t logs__pattern_json(req_t *r, str_t pat)
{
    if (!pat.p) return STR_NULL;
    buf_t b;
    buf_init(&b, r->arena);
    buf_puts(&b, "[\"");
    for (size_t i = 0; i < pat.len; i++)
        if (pat.p[i] == '|')
            buf_puts(&b, "\",\"");
        else
            buf_putc(&b, pat.p[i]);
    buf_puts(&b, "\"]");
    return buf_str(&b);
}

/* AWS: log groups come in name order, `limit` 1..50 (default 50); nextToken
 * is opaque — ours is the last name returned, so a page continues after it.
 * logGroupClass and logGroupIdentifiers (newer clients) narrow the list;
 * AWS refuses identifiers together with a name prefix. */
int logs_describe_log_groups(req_t *r, const val_t *in, val_t *out)
{
    int64_t limit = val_get_int(in, "limit", 50);
    str_t prefix = val_get_str(in, "logGroupNamePrefix");
    str_t after = val_get_str(in, "nextToken");
    const val_t *idents = val_get(in, "logGroupIdentifiers");
    if (idents && (prefix.p || val_get(in, "logGroupNamePattern")))
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "LogGroupIdentifiers and LogGroupNamePrefix/LogGroupNamePattern are mutually exclusive.");
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    expire_all(r, db);
    sqlite3_stmt *st = store_stmt(
        db, "SELECT name, created_ms, retention_days, kms_key, "
            "(SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM log_event e WHERE e.gid = g.id), "
            "(SELECT count(*) FROM metric_filter f WHERE f.gid = g.id), class, deletion_protection, bearer_token "
            "FROM log_group g WHERE account = ?1 AND region = ?2 AND name > ?3 AND substr(name, 1, ?5) = ?4 "
            "AND (?7 IS NULL OR class = ?7) "
            "AND (?8 IS NULL OR name IN (SELECT value FROM json_each(?8))) AND " LOGS_PATTERN_SQL
            " ORDER BY name LIMIT ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 7, val_get_str(in, "logGroupClass"));
    store_bind_str(st, 8, idents ? names_json(r, idents) : STR_NULL);
    store_bind_str(st, 9, logs__pattern_json(r, val_get_str(in, "logGroupNamePattern")));
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, after.p ? after : STR(""));
    store_bind_str(st, 4, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 5, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 6, limit + 1);
    str_t last = STR_NULL;
    int64_t n = page_rows(r, st, limit, out, "logGroups", group_item, &last);
    if (n < 0) return GR_ERR;
    if (n > limit) val_set_c(r->arena, out, "nextToken", val_str(r->arena, last));
    return GR_OK;
}

/* A ListLogGroups item: a row's name, class; its name goes to *last. */
static val_t *summary_item(req_t *r, sqlite3_stmt *st, void *last)
{
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0);
    *(str_t *)last = name;
    val_t *g = val_new(a, VAL_STRUCT);
    val_set_c(a, g, "logGroupName", val_str(a, name));
    val_set_c(a, g, "logGroupArn", val_str(a, logs__group_arn(r, name, false)));
    val_set_c(a, g, "logGroupClass", val_str(a, store_col_str(a, st, 1)));
    return g;
}

/* The names of the caller's groups whose field index policy in force (their
 * own or the account's) names every field of fields, as a JSON array;
 * STR_NULL on error. */
static str_t indexed_names(req_t *r, sqlite3 *db, const val_t *fields)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name FROM log_group WHERE account = ?1 AND region = ?2");
    if (!st) return STR_NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *names = val_new(a, VAL_LIST), *ids = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_push(a, ids, val_int(a, sqlite3_column_int64(st, 0)));
        val_push(a, names, val_str(a, store_col_str(a, st, 1)));
    }
    store_release(st);
    val_t *hit = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(names); i++) {
        logs_group_t g = {.id = ids->u.list.v[i]->u.i, .name = names->u.list.v[i]->u.s};
        logs_policy_t p;
        int found = logs__policy_effective(db, a, r->who.account, r->region, &g, "FIELD_INDEX_POLICY", &p);
        if (found < 0) return STR_NULL;
        const json_t *doc = found ? json_parse(a, p.document, NULL) : NULL;
        const json_t *have = doc ? json_get(doc, "Fields") : NULL;
        bool all = have && have->type == JSON_ARRAY;
        for (size_t k = 0; all && k < val_len(fields); k++) {
            bool one = false;
            for (size_t j = 0; j < have->u.arr.n; j++)
                one |= have->u.arr.v[j]->type == JSON_STRING && str_eq(have->u.arr.v[j]->u.s, fields->u.list.v[k]->u.s);
            all = one;
        }
        if (all) val_push(a, hit, val_str(a, g.name));
    }
    return val_json_text(a, hit);
}

/* ListLogGroups, the newer listing: name order, limit 1..1000 (default 50),
 * the name pattern, class, tag and field-index filters. logGroupTags: a
 * group matches when it has every key, with one of its values if any are
 * given; fieldIndexNames: when the index policy in force (the group's or
 * the account's) names every field; dataSources: a group's data source is
 * the one its cw:datasource:name and cw:datasource:type tags name (AWS's
 * custom sources; gureum vends no AWS source). There are no linked
 * accounts, so accountIdentifiers and includeLinkedAccounts change nothing. */
int logs_list_log_groups(req_t *r, const val_t *in, val_t *out)
{
    int64_t limit = val_get_int(in, "limit", 50);
    str_t after = val_get_str(in, "nextToken");
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    const val_t *fields = val_get(in, "fieldIndexNames");
    static const char sql[] =
        "SELECT name, class FROM log_group g WHERE account = ?1 AND region = ?2 AND name > ?3 "
        "AND (?4 IS NULL OR class = ?4) AND " LOGS_PATTERN_SQL " AND (?6 IS NULL OR NOT EXISTS ("
        "SELECT 1 FROM json_each(?6) f WHERE NOT EXISTS (SELECT 1 FROM log_group_tag t WHERE t.gid = g.id "
        "AND t.key = json_extract(f.value, '$.key') AND (coalesce(json_array_length(f.value, '$.values'), 0) = 0 "
        "OR t.value IN (SELECT value FROM json_each(f.value, '$.values')))))) "
        "AND (?7 IS NULL OR name IN (SELECT value FROM json_each(?7))) AND " LOGS_DATA_SOURCE_SQL(
            "10") " ORDER BY name LIMIT ?8";
    str_t indexed = fields ? indexed_names(r, db, fields) : STR_NULL;
    if (fields && !indexed.p) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, after.p ? after : STR(""));
    store_bind_str(st, 4, val_get_str(in, "logGroupClass"));
    store_bind_str(st, 9, logs__pattern_json(r, val_get_str(in, "logGroupNamePattern")));
    const val_t *tags = val_get(in, "logGroupTags");
    store_bind_str(st, 6, tags ? val_json_text(r->arena, tags) : STR_NULL);
    store_bind_str(st, 7, indexed);
    const val_t *sources = val_get(in, "dataSources");
    store_bind_str(st, 10, val_len(sources) ? val_json_text(r->arena, sources) : STR_NULL);
    sqlite3_bind_int64(st, 8, limit + 1);
    str_t last = STR_NULL;
    int64_t n = page_rows(r, st, limit, out, "logGroups", summary_item, &last);
    if (n < 0) return GR_ERR;
    if (n > limit) val_set_c(r->arena, out, "nextToken", val_str(r->arena, last));
    return GR_OK;
}

/* ==== Retention ==== */

/* AWS: PutRetentionPolicy, "Possible values are: 1, 3, 5, 7, 14, 30, 60, 90,
 * 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653". */
static const int64_t retention_days[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                         365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

static int set_retention(req_t *r, const val_t *in, int64_t days)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE log_group SET retention_days = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    if (days)
        sqlite3_bind_int64(st, 2, days);
    else
        sqlite3_bind_null(st, 2);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    g.retention_days = days;
    if (rc == GR_OK) rc = logs__expire(db, &g);
    return rc;
}

int logs_put_retention_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    int64_t days = val_get_int(in, "retentionInDays", 0);
    bool ok = false;
    for (size_t i = 0; i < sizeof retention_days / sizeof retention_days[0]; i++) ok |= retention_days[i] == days;
    if (!ok)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "1 validation error detected: Value '%lld' at 'retentionInDays' failed to satisfy "
                        "constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, "
                        "180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
                        (long long)days);
    return set_retention(r, in, days);
}

int logs_delete_retention_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_retention(r, in, 0);
}

/* ==== Tag operations: the old group-name forms and the ARN forms ==== */

static int group_by_arn_or_fail(req_t *r, sqlite3 *db, str_t arn, logs_group_t *g)
{
    if (!str_starts_with(arn, STR("arn:")) || !memmem(arn.p, arn.len, ":log-group:", 11))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Invalid resource ARN: %.*s", STR_FMT(arn));
    val_t *in = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, in, "logGroupIdentifier", val_str(r->arena, arn));
    return logs__group_or_fail(r, db, in, g);
}

/* Resources whose tags are a JSON object column of their own row, named
 * "arn:aws:logs:REGION:ACCOUNT:<kind>:NAME" (group names hold no ':'; an
 * anomaly detector's NAME is the UUID of its ARN). */
static const struct {
    const char *kind, *table;
} json_tagged[] = {{":delivery-destination:", "delivery_destination"},
                   {":lookup-table:", "lookup_table"},
                   {":scheduled-query:", "scheduled_query"},
                   {":anomaly-detector:", "anomaly_detector"}};

/* Tag (what 0), untag (1) or list (2) the tags of such a resource:
 * read, change and write back its object; ResourceNotFoundException when
 * the caller has no resource of that ARN. */
static int json_tags_op(req_t *r, sqlite3 *db, size_t kind, str_t arn, const val_t *in, val_t *out, int what)
{
    arena_t *a = r->arena;
    str_t own = str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s%s", STR_FMT(r->region), STR_FMT(r->who.account),
                                   json_tagged[kind].kind));
    str_t name = str_starts_with(arn, own) ? str_n(arn.p + own.len, arn.len - own.len) : STR_NULL;
    const char *where = "WHERE account = ?1 AND region = ?2 AND name = ?3";
    sqlite3_stmt *st =
        name.len ? store_stmt(db, arena_printf(a, "SELECT tags FROM %s %s", json_tagged[kind].table, where)) : NULL;
    str_t text = STR_NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        if (sqlite3_step(st) == SQLITE_ROW) text = store_col_str(a, st, 0);
        store_release(st);
    }
    if (!text.p) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Resource %.*s does not exist.", STR_FMT(arn));
    const json_t *j = json_parse(a, text, NULL);
    val_t *m = val_new(a, VAL_MAP);
    for (size_t i = 0; j && j->type == JSON_OBJECT && i < j->u.obj.n; i++)
        if (j->u.obj.v[i]->type == JSON_STRING) val_set(a, m, j->u.obj.k[i], val_str(a, j->u.obj.v[i]->u.s));
    if (what == 2) return val_set_c(a, out, "tags", m);
    val_t *next = val_new(a, VAL_MAP);
    const val_t *keys = val_get(in, "tagKeys"), *add = val_get(in, "tags");
    for (size_t i = 0; i < m->u.obj.n; i++) {
        bool drop = false;
        for (size_t k = 0; what == 1 && k < val_len(keys); k++)
            drop |= str_eq(keys->u.list.v[k]->u.s, m->u.obj.e[i].key);
        for (size_t k = 0; what == 0 && k < val_len(add); k++) drop |= str_eq(add->u.obj.e[k].key, m->u.obj.e[i].key);
        if (!drop) val_set(a, next, m->u.obj.e[i].key, m->u.obj.e[i].v);
    }
    for (size_t k = 0; what == 0 && k < val_len(add); k++) val_set(a, next, add->u.obj.e[k].key, add->u.obj.e[k].v);
    if (next->u.obj.n > 50)
        return req_fail(r, &LOGS_ERR_TooManyTagsException, "A resource can have no more than 50 tags.");
    st = store_stmt(db, arena_printf(a, "UPDATE %s SET tags = ?4 %s", json_tagged[kind].table, where));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, val_json_text(a, next));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* The ARN forms also reach destinations ("…:destination:NAME"), delivery
 * destinations and lookup tables. */
static int tag_op(req_t *r, const val_t *in, val_t *out, bool by_arn, int what)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    const logs_tags_t *t = &logs__group_tags;
    str_t arn = val_get_str(in, "resourceArn");
    int rc;
    for (size_t k = 0; by_arn && arn.p && k < sizeof json_tagged / sizeof json_tagged[0]; k++)
        if (memmem(arn.p, arn.len, json_tagged[k].kind, strlen(json_tagged[k].kind)))
            return json_tags_op(r, db, k, arn, in, out, what);
    if (by_arn && arn.p && memmem(arn.p, arn.len, ":destination:", 13)) {
        t = &logs__destination_tags;
        rc = logs__destination_by_arn_or_fail(r, db, arn, &g.id);
    } else {
        rc = by_arn ? group_by_arn_or_fail(r, db, arn, &g) : logs__group_or_fail(r, db, in, &g);
    }
    if (rc != GR_OK) return GR_ERR;
    if (what == 0) {
        if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
        return in_tx(db, logs__put_tags(r, db, t, g.id, val_get(in, "tags")));
    }
    if (what == 1) return drop_tags(r, db, t, g.id, val_get(in, by_arn ? "tagKeys" : "tags"));
    val_t *m = list_tags(r, db, t, g.id);
    return m ? val_set_c(r->arena, out, "tags", m) : GR_ERR;
}

int logs_tag_log_group(req_t *r, const val_t *in, val_t *out)
{
    return tag_op(r, in, out, false, 0);
}
int logs_untag_log_group(req_t *r, const val_t *in, val_t *out)
{
    return tag_op(r, in, out, false, 1);
}
int logs_list_tags_log_group(req_t *r, const val_t *in, val_t *out)
{
    return tag_op(r, in, out, false, 2);
}
int logs_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    return tag_op(r, in, out, true, 0);
}
int logs_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    return tag_op(r, in, out, true, 1);
}
int logs_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    return tag_op(r, in, out, true, 2);
}

/* The registry's resource_tags hook: the tags of the resource an ARN names
 * (a log stream's, or "log-group:NAME:*", are its group's). */
int logs_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    arena_t *a = r->arena;
    *tags = NULL;
    const char *g = memmem(resource.p, resource.len, ":log-group:", 11);
    if (g) {
        size_t start = (size_t)(g - resource.p) + 11;
        long colon = str_index(str_sub(resource, start, resource.len - start), ':');
        if (colon >= 0) resource.len = start + (size_t)colon;
    }
    val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
    val_set_c(a, in, "resourceArn", val_str(a, resource));
    if (tag_op(r, in, out, true, 2) != GR_OK) return GR_ERR;
    *tags = val_get(out, "tags");
    return GR_OK;
}

/* ==== KMS keys ==== */

/* AWS: the key is named by its ARN; it is kept and shown by
 * DescribeLogGroups as kmsKeyId. gureum serves no KMS, so events are
 * stored as they always are (the data directory is the boundary), and the
 * key is not checked beyond its ARN form. */
static int set_kms(req_t *r, const val_t *in, str_t key)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    if (key.p && (!str_starts_with(key, STR("arn:aws:kms:")) || !memmem(key.p, key.len, ":key/", 5)))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Specified KMS key %.*s is not a valid key ARN.",
                        STR_FMT(key));
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE log_group SET kms_key = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, key);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int logs_associate_kms_key(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_kms(r, in, val_get_str(in, "kmsKeyId"));
}

int logs_disassociate_kms_key(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_kms(r, in, STR_NULL);
}
