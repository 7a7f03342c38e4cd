/* datasource.c — data sources: GetLogFields and
 * ListAggregateLogGroupSummaries. A data source categorizes a group's logs
 * by origin; AWS assigns its vended sources (VPC flow logs, CloudTrail, …)
 * itself and lets custom logs name theirs with the group tags
 * cw:datasource:name and cw:datasource:type. gureum vends no AWS source, so
 * a group's data source is what those tags say (LOGS_SOURCE_NAME_SQL), and
 * a group without them has none.
 *
 * GetLogFields discovers the fields of a data source from the stored events
 * of its groups (the newest FIELD_SAMPLE of each, masked text where
 * masked): every member of a JSON event, nested structures and arrays
 * typed as AWS's LogFieldType has them. Plain-text events have no fields. */
#include <sqlite3.h>
#include <string.h>

#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

#define FIELD_SAMPLE 1000
#define MAX_DEPTH 8 /* nested structures reported; deeper ones are "struct" without fields */

/* ==== GetLogFields ==== */

/* The LogFieldType of a JSON value (structures' and arrays' inner types
 * merged over their members), or NULL for a null (it says nothing). Types
 * are named as JSON's: string, long, double, boolean, struct, array. */
static val_t *type_of(arena_t *a, const json_t *j, int depth);

/* Merges what a JSON object's members are into fields (a list of
 * LogFieldsListItem). */
static void merge_fields(arena_t *a, val_t *fields, const json_t *obj, int depth);

static const char *type_name(const val_t *t)
{
    str_t s = val_get_str(t, "type");
    return s.p ? s.p : "";
}

/* t (a LogFieldType) merged with another value of the same field: long and
 * double make double, two structures their members' union, anything else
 * that differs string (AWS types a field by what it holds). */
static val_t *merge_type(arena_t *a, val_t *t, const json_t *j, int depth)
{
    val_t *u = type_of(a, j, depth);
    if (!u) return t;
    if (!t) return u;
    const char *x = type_name(t), *y = type_name(u);
    if (!strcmp(x, y)) {
        if (!strcmp(x, "struct") && j->type == JSON_OBJECT && depth < MAX_DEPTH) {
            val_t *f = val_get(t, "fields");
            if (!f) val_set_c(a, t, "fields", f = val_new(a, VAL_LIST));
            merge_fields(a, f, j, depth + 1);
        } else if (!strcmp(x, "array") && j->type == JSON_ARRAY) {
            val_t *e = val_get(t, "element");
            for (size_t i = 0; i < j->u.arr.n; i++) e = merge_type(a, e, j->u.arr.v[i], depth + 1);
            if (e) val_set_c(a, t, "element", e);
        }
        return t;
    }
    bool numbers = (!strcmp(x, "long") || !strcmp(x, "double")) && (!strcmp(y, "long") || !strcmp(y, "double"));
    val_t *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "type", val_cstr(a, numbers ? "double" : "string"));
    return s;
}

static val_t *type_of(arena_t *a, const json_t *j, int depth)
{
    const char *name = NULL;
    switch (j->type) {
    case JSON_NULL: return NULL;
    case JSON_BOOL: name = "boolean"; break;
    case JSON_STRING: name = "string"; break;
    case JSON_INT: name = "long"; break;
    case JSON_DOUBLE: name = "double"; break;
    case JSON_OBJECT: name = "struct"; break;
    case JSON_ARRAY: name = "array"; break;
    }
    val_t *t = val_new(a, VAL_STRUCT);
    val_set_c(a, t, "type", val_cstr(a, name));
    if (j->type == JSON_OBJECT && depth < MAX_DEPTH) {
        val_t *f = val_new(a, VAL_LIST);
        merge_fields(a, f, j, depth + 1);
        val_set_c(a, t, "fields", f);
    } else if (j->type == JSON_ARRAY) {
        val_t *e = NULL;
        for (size_t i = 0; i < j->u.arr.n; i++) e = merge_type(a, e, j->u.arr.v[i], depth + 1);
        if (e) val_set_c(a, t, "element", e);
    }
    return t;
}

static void merge_fields(arena_t *a, val_t *fields, const json_t *obj, int depth)
{
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        str_t name = obj->u.obj.k[i];
        if (!name.len) continue;
        val_t *item = NULL;
        for (size_t k = 0; !item && k < val_len(fields); k++)
            if (str_eq(val_get_str(fields->u.list.v[k], "logFieldName"), name)) item = fields->u.list.v[k];
        val_t *t = merge_type(a, item ? val_get(item, "logFieldType") : NULL, obj->u.obj.v[i], depth);
        if (!t) continue;
        if (!item) {
            item = val_new(a, VAL_STRUCT);
            val_set_c(a, item, "logFieldName", val_str(a, name));
            val_push(a, fields, item);
        }
        val_set_c(a, item, "logFieldType", t);
    }
}

/* AWS: "Discovers available fields for a specific data source and type";
 * ResourceNotFoundException when no group of the caller's is of it. */
int logs_get_log_fields(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "dataSourceName"), type = val_get_str(in, "dataSourceType");
    sqlite3_stmt *st =
        store_stmt(db, "SELECT g.id FROM log_group g WHERE g.account = ?1 AND g.region = ?2 AND " LOGS_SOURCE_NAME_SQL
                       " = ?3 AND " LOGS_SOURCE_TYPE_SQL " = ?4 ORDER BY g.name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, type);
    val_t *gids = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(a, gids, val_int(a, sqlite3_column_int64(st, 0)));
    store_release(st);
    if (!val_len(gids))
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Data source %.*s of type %.*s does not exist.",
                        STR_FMT(name), STR_FMT(type));
    val_t *fields = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(gids); i++) {
        st = store_stmt(db, "SELECT coalesce(masked, message) FROM log_event WHERE gid = ?1 "
                            "AND json_valid(coalesce(masked, message)) ORDER BY id DESC LIMIT ?2");
        if (!st) return GR_ERR;
        sqlite3_bind_int64(st, 1, gids->u.list.v[i]->u.i);
        sqlite3_bind_int64(st, 2, FIELD_SAMPLE);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const json_t *j = json_parse(a, store_col_str(a, st, 0), NULL);
            if (j && j->type == JSON_OBJECT) merge_fields(a, fields, j, 0);
        }
        store_release(st);
    }
    return val_set_c(a, out, "logFields", fields);
}

/* ==== ListAggregateLogGroupSummaries ==== */

static val_t *identifier(arena_t *a, const char *key, str_t value)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "key", val_cstr(a, key));
    val_set_c(a, v, "value", val_str(a, value));
    return v;
}

static val_t *summary_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT), *ids = val_new(a, VAL_LIST);
    val_set_c(a, v, "logGroupCount", val_int(a, sqlite3_column_int64(st, 2)));
    /* AWS (GroupingIdentifier): keys in dot notation, "dataSource.Name,
     * dataSource.Type, and dataSource.Format". A custom source has no
     * format, so DATA_SOURCE_NAME_TYPE_AND_FORMAT groups alike here. */
    val_push(a, ids, identifier(a, "dataSource.Name", store_col_str(a, st, 0)));
    str_t type = store_col_str(a, st, 1);
    if (type.p) val_push(a, ids, identifier(a, "dataSource.Type", type));
    val_set_c(a, v, "groupingIdentifiers", ids);
    return v;
}

/* The caller's groups that have a data source, counted by its name and
 * type, narrowed by class, name pattern and data sources as ListLogGroups
 * narrows; a group without a data source is in no summary. No linked
 * accounts: accountIdentifiers and includeLinkedAccounts change nothing.
 * nextToken is the offset of the next page. */
int logs_list_aggregate_log_group_summaries(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "limit", 50);
    sqlite3_stmt *st = store_stmt(
        db, "SELECT name, type, count(*) FROM (SELECT " LOGS_SOURCE_NAME_SQL " AS name, " LOGS_SOURCE_TYPE_SQL
            " AS type FROM log_group g WHERE g.account = ?1 AND g.region = ?2 AND (?3 IS NULL OR g.class = ?3) "
            "AND " LOGS_PATTERN_SQL
            " AND " LOGS_DATA_SOURCE_SQL("4") ") WHERE name IS NOT NULL "
                                              "GROUP BY name, type ORDER BY name, type LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "logGroupClass"));
    const val_t *sources = val_get(in, "dataSources");
    store_bind_str(st, 4, val_len(sources) ? val_json_text(r->arena, sources) : STR_NULL);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    store_bind_str(st, 9, logs__pattern_json(r, val_get_str(in, "logGroupNamePattern")));
    int64_t n = page_rows(r, st, limit, out, "aggregateLogGroupSummaries", summary_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}
