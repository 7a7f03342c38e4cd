/* job.c — the records of DynamoDB's exports to S3 (export.c, table
 * ddb_export) and imports from S3 (import.c, ddb_import): each job's
 * description (ExportDescription, ImportTableDescription) kept as JSON text
 * by ARN with its table's ARN and ClientToken, read back for Describe*, List*
 * and a retried request's token. Both tables have the same columns, so one
 * set of functions serves both, told apart by a ddb_job_kind_t. */
#include <string.h>

#include "core/gtime.h"
#include "dynamodb_model.h"
#include "services/dynamodb/tbl.h"

/* The statements of a job table T (ddb_export, ddb_import: the same columns). */
#define JOB_SQL(T)                                                                                                     \
    .insert = "INSERT INTO " T " (account, region, arn, table_arn, token, created_us, description) "                   \
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",                                                                   \
    .by_token = "SELECT description FROM " T " WHERE account = ?1 AND region = ?2 AND token = ?3 AND created_us > ?4", \
    .by_arn = "SELECT description FROM " T " WHERE account = ?1 AND region = ?2 AND arn = ?3",                         \
    .page = "SELECT description FROM " T " WHERE account = ?1 AND region = ?2 "                                        \
            "AND (?3 IS NULL OR table_arn = ?3) AND arn > coalesce(?4, '') ORDER BY arn"

static const char *const export_times[] = {"StartTime",
                                           "EndTime",
                                           "ExportTime",
                                           "IncrementalExportSpecification.ExportFromTime",
                                           "IncrementalExportSpecification.ExportToTime",
                                           NULL};
const ddb_job_kind_t ddb__exports = {
    JOB_SQL("ddb_export"),
    .arn = "ExportArn",
    .times = export_times,
    .description = "ExportDescription",
    .not_found = &DYNAMODB_ERR_ExportNotFoundException,
    .not_found_what = "Export",
    .segment = "/export/",
};

static const char *const import_times[] = {"StartTime", "EndTime", NULL};
const ddb_job_kind_t ddb__imports = {
    JOB_SQL("ddb_import"),
    .arn = "ImportArn",
    .times = import_times,
    .description = "ImportTableDescription",
    .not_found = &DYNAMODB_ERR_ImportNotFoundException,
    .not_found_what = "Import",
    .segment = "/import/",
};

int ddb__job_save(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, const val_t *d, str_t token)
{
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = ddb__stmt(db, k->insert);
    if (!st) {
        ddb__rollback(db);
        return GR_ERR;
    }
    ddb__bind_s(st, 1, r->who.account);
    ddb__bind_s(st, 2, r->region);
    ddb__bind_s(st, 3, val_get_str(d, k->arn));
    ddb__bind_s(st, 4, val_get_str(d, "TableArn"));
    ddb__bind_s(st, 5, token);
    sqlite3_bind_int64(st, 6, val_get(d, "StartTime")->u.t);
    ddb__bind_s(st, 7, ddb__def_text(r->arena, d));
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE || ddb__commit(db) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    return GR_OK;
}

/* A stored description from column 0 of st's row, its times made
 * timestamps again ("Parent.Member" names one in a nested structure). */
static val_t *loaded(req_t *r, const ddb_job_kind_t *k, sqlite3_stmt *st)
{
    val_t *d = ddb__json_val(r->arena, ddb__col_s(r->arena, st, 0));
    for (size_t i = 0; d && k->times[i]; i++) {
        str_t parent, member = str_cut(str_c(k->times[i]), '.', &parent), name = member.p ? member : parent;
        val_t *in = member.p ? val_get_s(d, parent) : d;
        const val_t *t = in ? val_get_s(in, name) : NULL;
        if (t && t->kind == VAL_INT) val_set(r->arena, in, name, val_time(r->arena, t->u.i));
    }
    return d;
}

/* The one description sql finds by key (?3), made since `since` (?4, when
 * the statement has it), or NULL. */
static int lookup(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, const char *sql, str_t key, int64_t since, val_t **d)
{
    sqlite3_stmt *st = ddb__stmt(db, sql);
    if (!st) return GR_ERR;
    ddb__bind_s(st, 1, r->who.account);
    ddb__bind_s(st, 2, r->region);
    ddb__bind_s(st, 3, key);
    if (sqlite3_bind_parameter_count(st) == 4) sqlite3_bind_int64(st, 4, since);
    int rc = sqlite3_step(st);
    *d = rc == SQLITE_ROW ? loaded(r, k, st) : NULL;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int ddb__job_by_token(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, str_t token, val_t **d)
{
    /* AWS: a ClientToken is valid for 8 hours */
    return lookup(r, db, k, k->by_token, token, time_now_us() - 8 * 3600 * 1000000LL, d);
}

int ddb__job_describe(req_t *r, const ddb_job_kind_t *k, const val_t *in, val_t *out)
{
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, k->arn);
    /* AWS (probed 2026-10, DDB-IMPORT-010): a table ARN, or one of the other
     * kind, is a ValidationException "Invalid Import ARN" ("Invalid Export
     * ARN" in DDB-TABLE-442's catalogue; the other kind's text is unrecorded) */
    size_t seg = strlen(k->segment);
    bool shaped = false;
    for (size_t i = 0; !shaped && i + seg <= arn.len; i++) shaped = !memcmp(arn.p + i, k->segment, seg);
    if (!shaped) return ddb__fail_validation(r, arena_printf(r->arena, "Invalid %s ARN", k->not_found_what));
    val_t *d;
    if (lookup(r, db, k, k->by_arn, arn, 0, &d) != GR_OK) return GR_ERR;
    if (!d) return req_fail(r, k->not_found, "%s not found: %.*s", k->not_found_what, STR_FMT(arn));
    return val_set_c(r->arena, out, k->description, d);
}

val_t *ddb__job_first(arena_t *a, const val_t *d)
{
    val_t *first = val_new(a, VAL_STRUCT);
    for (size_t i = 0; first && i < d->u.obj.n; i++) val_set(a, first, d->u.obj.e[i].key, d->u.obj.e[i].v);
    return first;
}

int ddb__job_page(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, str_t table_arn, str_t after, int64_t max,
                  val_t **list, bool *more)
{
    sqlite3_stmt *st = ddb__stmt(db, k->page);
    if (!st) return GR_ERR;
    ddb__bind_s(st, 1, r->who.account);
    ddb__bind_s(st, 2, r->region);
    if (table_arn.p) ddb__bind_s(st, 3, table_arn); /* unbound: NULL, every table */
    if (after.p) ddb__bind_s(st, 4, after);
    *list = val_new(r->arena, VAL_LIST);
    *more = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((int64_t)val_len(*list) == max) {
            *more = true;
            break;
        }
        val_t *d = loaded(r, k, st);
        if (d) val_push(r->arena, *list, d);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GR_OK : GR_ERR;
}
