/* querydef.c — CloudWatch Logs Insights saved queries: Put, Describe and
 * DeleteQueryDefinition, per account and region.
 *
 * A definition is a name, a query string and the log groups it is meant for,
 * under a UUID that PutQueryDefinition makes (or updates when given one that
 * exists). The groups are not checked, as AWS keeps names of groups that may
 * come later. */
#include <sqlite3.h>
#include <string.h>

#include "core/id.h"
#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

#define NOT_FOUND "The specified query definition does not exist."

int logs_put_query_definition(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t id = val_get_str(in, "queryDefinitionId");
    char fresh[37];
    if (!id.p) {
        id_uuid(fresh);
        id = str_c(fresh);
    }
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    const val_t *groups = val_get(in, "logGroupNames");
    for (size_t i = 0; i < val_len(groups); i++) json_w_str(&w, groups->u.list.v[i]->u.s);
    json_w_arr_end(&w);
    sqlite3_stmt *st =
        store_stmt(db, val_get_str(in, "queryDefinitionId").p
                           ? "UPDATE query_definition SET name = ?4, query = ?5, groups = ?6, modified_ms = ?7 "
                             "WHERE id = ?1 AND account = ?2 AND region = ?3"
                           : "INSERT INTO query_definition (id, account, region, name, query, groups, modified_ms) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, r->region);
    store_bind_str(st, 4, val_get_str(in, "name"));
    store_bind_str(st, 5, val_get_str(in, "queryString"));
    store_bind_str(st, 6, buf_str(&b));
    sqlite3_bind_int64(st, 7, logs__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!sqlite3_changes(db)) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, NOT_FOUND);
    return val_set_c(a, out, "queryDefinitionId", val_strdup(a, id));
}

/* A DescribeQueryDefinitions item from a row (id, name, query, groups, modified_ms). */
static val_t *querydef_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    arena_t *a = r->arena;
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "queryDefinitionId", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, d, "name", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, d, "queryString", val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, d, "lastModified", val_int(a, sqlite3_column_int64(st, 4)));
    const json_t *g = json_parse(a, store_col_str(a, st, 3), NULL);
    if (g && g->type == JSON_ARRAY && g->u.arr.n) {
        val_t *names = val_new(a, VAL_LIST);
        for (size_t i = 0; i < g->u.arr.n; i++) val_push(a, names, val_str(a, g->u.arr.v[i]->u.s));
        val_set_c(a, d, "logGroupNames", names);
    }
    return d;
}

/* In name order, by name prefix; maxResults 1..1000; our nextToken the offset. */
int logs_describe_query_definitions(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t prefix = val_get_str(in, "queryDefinitionNamePrefix");
    int64_t limit = val_get_int(in, "maxResults", 1000);
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = logs__page_stmt(r, db,
                                       "SELECT id, name, query, groups, modified_ms FROM query_definition "
                                       "WHERE account = ?1 AND region = ?2 AND substr(name, 1, ?4) = ?3 "
                                       "ORDER BY name, id LIMIT ?5 OFFSET ?6",
                                       prefix, limit, off);
    if (!st) return GR_ERR;
    int64_t n = page_rows(r, st, limit, out, "queryDefinitions", querydef_item, NULL);
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

int logs_delete_query_definition(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM query_definition WHERE id = ?1 AND account = ?2 AND region = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, val_get_str(in, "queryDefinitionId"));
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, r->region);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!sqlite3_changes(db)) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, NOT_FOUND);
    return val_set_c(r->arena, out, "success", val_bool(r->arena, true));
}
