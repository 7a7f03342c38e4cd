/* lookup.c — lookup tables (Create/Update/Get/Describe/DeleteLookupTable,
 * schema/015_lookup_tables.sql): CSV data a Logs Insights query joins its
 * events against. A table is named by its ARN "…:lookup-table:NAME"; the
 * CSV's first line names the fields, every further line is a record.
 *
 * AWS: "The first row of the CSV must be a header row with column names"
 * and a table body is at most 10 MB (the model's limit). */
#include <sqlite3.h>
#include <string.h>

#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

#define MAX_TABLES 100

static str_t table_arn(req_t *r, str_t name)
{
    return str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:lookup-table:%.*s", STR_FMT(r->region),
                              STR_FMT(r->who.account), STR_FMT(name)));
}

/* The name an ARN of the caller's account and region gives, or STR_NULL. */
static str_t name_of(req_t *r, str_t arn)
{
    str_t own = table_arn(r, STR(""));
    return str_starts_with(arn, own) && arn.len > own.len ? str_n(arn.p + own.len, arn.len - own.len) : STR_NULL;
}

/* The header's fields and the number of records of a CSV body; false when
 * the header is empty. Lines end in \n (a \r before it is dropped). */
static bool csv_shape(arena_t *a, str_t body, val_t **fields, int64_t *records)
{
    const char *nl = memchr(body.p, '\n', body.len);
    str_t head = nl ? str_n(body.p, (size_t)(nl - body.p)) : body;
    if (head.len && head.p[head.len - 1] == '\r') head.len--;
    *fields = val_new(a, VAL_LIST);
    size_t b = 0;
    for (size_t i = 0; i <= head.len; i++)
        if (i == head.len || head.p[i] == ',') {
            str_t f = str_n(head.p + b, i - b);
            if (f.len >= 2 && f.p[0] == '"' && f.p[f.len - 1] == '"') f = str_n(f.p + 1, f.len - 2);
            if (!f.len) return false;
            val_push(a, *fields, val_str(a, f));
            b = i + 1;
        }
    *records = 0;
    for (const char *p = nl; p && p < body.p + body.len;) {
        const char *next = memchr(p + 1, '\n', (size_t)(body.p + body.len - p - 1));
        size_t len = (size_t)((next ? next : body.p + body.len) - (p + 1));
        if (len && !(len == 1 && p[1] == '\r')) (*records)++;
        p = next;
    }
    return true;
}

/* One CSV line's fields (quoted fields may hold commas and "" for a quote). */
static size_t csv_fields(arena_t *a, str_t line, str_t *out, size_t max)
{
    size_t n = 0, i = 0;
    while (i <= line.len && n < max) {
        buf_t b;
        buf_init(&b, a);
        bool quoted = i < line.len && line.p[i] == '"';
        if (quoted) i++;
        for (; i < line.len; i++) {
            if (quoted && line.p[i] == '"') {
                if (i + 1 < line.len && line.p[i + 1] == '"') {
                    buf_putc(&b, line.p[++i]);
                    continue;
                }
                quoted = false;
                continue;
            }
            if (!quoted && line.p[i] == ',') break;
            buf_putc(&b, line.p[i]);
        }
        str_t f = buf_str(&b);
        out[n++] = f.p ? f : STR("");
        i++;
    }
    return n;
}

int logs__lookup_load(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, logs_lookup_t *t)
{
    *t = (logs_lookup_t){0};
    sqlite3_stmt *st = store_stmt(db, "SELECT body FROM lookup_table WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    str_t body = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
    store_release(st);
    if (!body.p) return 0;
    size_t cap = 64;
    t->rows = ARENA_NEWN(a, str_t *, cap);
    for (size_t b = 0, i = 0; t->rows && i <= body.len; i++) {
        if (i < body.len && body.p[i] != '\n') continue;
        str_t line = str_n(body.p + b, i - b);
        b = i + 1;
        if (line.len && line.p[line.len - 1] == '\r') line.len--;
        if (!line.len) continue;
        str_t *f = ARENA_NEWN(a, str_t, LOGS_LOOKUP_MAX_FIELDS);
        if (!f) return -1;
        size_t nf = csv_fields(a, line, f, LOGS_LOOKUP_MAX_FIELDS);
        if (!t->fields) {
            t->fields = f;
            t->nfields = nf;
            continue;
        }
        if (t->nrows == cap) {
            t->rows = arena_realloc(a, t->rows, cap * sizeof *t->rows, 2 * cap * sizeof *t->rows);
            cap *= 2;
            if (!t->rows) return -1;
        }
        t->rows[t->nrows++] = f;
    }
    return t->fields ? 1 : 0;
}

int logs__lookup_field(const logs_lookup_t *t, str_t name)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (str_eq(t->fields[i], name)) return (int)i;
    return -1;
}

static int body_ok(req_t *r, str_t body)
{
    val_t *fields;
    int64_t n;
    if (!csv_shape(r->arena, body, &fields, &n))
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "The table body must be CSV whose first row names the columns.");
    return GR_OK;
}

int logs_create_lookup_table(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "lookupTableName"), body = val_get_str(in, "tableBody");
    if (body_ok(r, body) != GR_OK) return GR_ERR;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    /* AWS: "You can create as many as 100 lookup tables per account per Region." */
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM lookup_table WHERE account = ?1 AND region = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    if (have >= MAX_TABLES)
        return req_fail(r, &LOGS_ERR_LimitExceededException, "The account already has %d lookup tables.", MAX_TABLES);
    const val_t *tags = val_get(in, "tags");
    int64_t now = logs__now_ms();
    st = store_stmt(db, "INSERT INTO lookup_table (account, region, name, description, body, kms_key, "
                        "tags, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, val_get_str(in, "description"));
    store_bind_str(st, 5, body);
    store_bind_str(st, 6, val_get_str(in, "kmsKeyId"));
    store_bind_str(st, 7, tags ? val_json_text(r->arena, tags) : STR("{}"));
    sqlite3_bind_int64(st, 8, now);
    int s = sqlite3_step(st);
    store_release(st);
    if ((s & 0xff) == SQLITE_CONSTRAINT)
        return req_fail(r, &LOGS_ERR_ResourceAlreadyExistsException, "Lookup table %.*s already exists.",
                        STR_FMT(name));
    if (s != SQLITE_DONE) return GR_ERR;
    val_set_c(r->arena, out, "lookupTableArn", val_str(r->arena, table_arn(r, name)));
    return val_set_c(r->arena, out, "createdAt", val_int(r->arena, now));
}

/* Runs sql (?1 account, ?2 region, ?3 name) on the table in.lookupTableArn
 * names, stepping it to its first row; NULL (r failed with
 * ResourceNotFoundException) when no table has that ARN. */
static sqlite3_stmt *table_or_fail(req_t *r, sqlite3 *db, const val_t *in, const char *sql, str_t *name)
{
    *name = name_of(r, val_get_str(in, "lookupTableArn"));
    sqlite3_stmt *st = name->p ? store_stmt(db, sql) : NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, *name);
        if (sqlite3_step(st) == SQLITE_ROW) return st;
        store_release(st);
    }
    req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Lookup table %.*s does not exist.",
             STR_FMT(val_get_str(in, "lookupTableArn")));
    return NULL;
}

int logs_get_lookup_table(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name;
    sqlite3_stmt *st = table_or_fail(r, db, in,
                                     "SELECT description, body, updated_ms, kms_key FROM lookup_table "
                                     "WHERE account = ?1 AND region = ?2 AND name = ?3",
                                     &name);
    if (!st) return GR_ERR;
    str_t body = store_col_str(a, st, 1);
    val_set_c(a, out, "lookupTableArn", val_str(a, table_arn(r, name)));
    val_set_c(a, out, "lookupTableName", val_str(a, name));
    if (sqlite3_column_type(st, 0) != SQLITE_NULL)
        val_set_c(a, out, "description", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, out, "tableBody", val_str(a, body));
    val_set_c(a, out, "sizeBytes", val_int(a, (int64_t)body.len));
    val_set_c(a, out, "lastUpdatedTime", val_int(a, sqlite3_column_int64(st, 2)));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) val_set_c(a, out, "kmsKeyId", val_str(a, store_col_str(a, st, 3)));
    store_release(st);
    return GR_OK;
}

/* AWS: the body and description are replaced; the name stays. */
int logs_update_lookup_table(req_t *r, const val_t *in, val_t *out)
{
    str_t body = val_get_str(in, "tableBody");
    if (body_ok(r, body) != GR_OK) return GR_ERR;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    int64_t now = logs__now_ms();
    str_t name;
    sqlite3_stmt *st =
        table_or_fail(r, db, in, "SELECT 1 FROM lookup_table WHERE account = ?1 AND region = ?2 AND name = ?3", &name);
    if (!st) return GR_ERR;
    store_release(st);
    st = store_stmt(db, "UPDATE lookup_table SET body = ?4, description = coalesce(?5, description), "
                        "kms_key = coalesce(?6, kms_key), updated_ms = ?7 WHERE account = ?1 AND region = ?2 "
                        "AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, body);
    store_bind_str(st, 5, val_get_str(in, "description"));
    store_bind_str(st, 6, val_get_str(in, "kmsKeyId"));
    sqlite3_bind_int64(st, 7, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "lookupTableArn", val_str(r->arena, table_arn(r, name)));
    return val_set_c(r->arena, out, "lastUpdatedTime", val_int(r->arena, now));
}

int logs_delete_lookup_table(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name;
    sqlite3_stmt *st = table_or_fail(
        r, db, in, "DELETE FROM lookup_table WHERE account = ?1 AND region = ?2 AND name = ?3 RETURNING name", &name);
    if (!st) return GR_ERR;
    store_release(st);
    return GR_OK;
}

/* A LookupTable summary from a row (name, description, body, updated_ms, kms_key). */
static val_t *table_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0), body = store_col_str(a, st, 2);
    val_t *t = val_new(a, VAL_STRUCT), *fields = NULL;
    int64_t records = 0;
    csv_shape(a, body, &fields, &records);
    val_set_c(a, t, "lookupTableArn", val_str(a, table_arn(r, name)));
    val_set_c(a, t, "lookupTableName", val_str(a, name));
    if (sqlite3_column_type(st, 1) != SQLITE_NULL) val_set_c(a, t, "description", val_str(a, store_col_str(a, st, 1)));
    if (fields) val_set_c(a, t, "tableFields", fields);
    val_set_c(a, t, "recordsCount", val_int(a, records));
    val_set_c(a, t, "sizeBytes", val_int(a, (int64_t)body.len));
    val_set_c(a, t, "lastUpdatedTime", val_int(a, sqlite3_column_int64(st, 3)));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL) val_set_c(a, t, "kmsKeyId", val_str(a, store_col_str(a, st, 4)));
    return t;
}

/* AWS: name order, by prefix, maxResults 1..100 (default 50). */
int logs_describe_lookup_tables(req_t *r, const val_t *in, val_t *out)
{
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "maxResults", 50);
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = logs__page_stmt(r, db,
                                       "SELECT name, description, body, updated_ms, kms_key FROM lookup_table "
                                       "WHERE account = ?1 AND region = ?2 AND substr(name, 1, ?4) = ?3 "
                                       "ORDER BY name LIMIT ?5 OFFSET ?6",
                                       val_get_str(in, "lookupTableNamePrefix"), limit, off);
    if (!st) return GR_ERR;
    int64_t n = page_rows(r, st, limit, out, "lookupTables", table_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}
