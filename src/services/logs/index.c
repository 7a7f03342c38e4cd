/* index.c — field index policies (Put/Delete/DescribeIndexPolicies) and
 * DescribeFieldIndexes. A policy names the JSON fields of a group's events
 * that Logs Insights indexes; the document is kept per group
 * (account.c's log_group_policy) or per account (PutAccountPolicy type
 * FIELD_INDEX_POLICY). DescribeFieldIndexes reports, for each field of the
 * policy in force, the first and last event time of the events ingested
 * since the policy that carry the field, read from the stored events. */
#include <sqlite3.h>

#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"

#define INDEX_TYPE "FIELD_INDEX_POLICY"

/* AWS (PutIndexPolicy): {"Fields": ["RequestId", …]}, at most 20 fields. */
int logs__index_document_ok(req_t *r, const json_t *doc)
{
    const json_t *f = json_get(doc, "Fields");
    if (!f || f->type != JSON_ARRAY || f->u.arr.n == 0 || f->u.arr.n > 20)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "Invalid policy document: Fields must be an array of 1 to 20 field names.");
    for (size_t i = 0; i < f->u.arr.n; i++)
        if (f->u.arr.v[i]->type != JSON_STRING || f->u.arr.v[i]->u.s.len == 0)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Invalid policy document: each field name must be a non-empty string.");
    return GR_OK;
}

static val_t *index_policy_val(req_t *r, const logs_group_t *g, const logs_policy_t *p)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "logGroupIdentifier", val_str(a, logs__group_arn(r, g->name, false)));
    val_set_c(a, v, "lastUpdateTime", val_int(a, p->updated_ms));
    val_set_c(a, v, "policyDocument", val_str(a, p->document));
    /* AWS: "Responses about log group-level field index policies don't have
     * this field, because those policies don't have names." */
    if (p->account) val_set_c(a, v, "policyName", val_str(a, p->name));
    val_set_c(a, v, "source", val_cstr(a, p->account ? "ACCOUNT" : "LOG_GROUP"));
    return v;
}

int logs_put_index_policy(req_t *r, const val_t *in, val_t *out)
{
    logs_group_t g;
    int64_t now;
    str_t doc = val_get_str(in, "policyDocument");
    if (logs__group_policy_put_or_fail(r, in, INDEX_TYPE, doc, &g, &now) != GR_OK) return GR_ERR;
    logs_policy_t p = {.document = doc, .updated_ms = now};
    return val_set_c(r->arena, out, "indexPolicy", index_policy_val(r, &g, &p));
}

int logs_delete_index_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return logs__group_policy_delete_or_fail(r, in, INDEX_TYPE, "No index policy found for the log group.");
}

/* The groups of in.logGroupIdentifiers, each loaded or r failed
 * (ResourceNotFoundException). *n of them. */
static logs_group_t *groups_or_fail(req_t *r, sqlite3 *db, const val_t *in, size_t *n)
{
    const val_t *ids = val_get(in, "logGroupIdentifiers");
    *n = val_len(ids);
    logs_group_t *gs = ARENA_NEWN(r->arena, logs_group_t, *n ? *n : 1);
    if (!gs) return NULL;
    for (size_t i = 0; i < *n; i++) {
        val_t *one = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, one, "logGroupIdentifier", ids->u.list.v[i]);
        if (logs__group_or_fail(r, db, one, &gs[i]) != GR_OK) return NULL;
    }
    return gs;
}

/* Calls each(r, group, policy in force, list) for every group of
 * in.logGroupIdentifiers that a policy governs; the list goes to out.member. */
typedef int (*each_fn)(req_t *r, sqlite3 *db, const logs_group_t *g, const logs_policy_t *p, val_t *list);
static int each_policy(req_t *r, const val_t *in, val_t *out, const char *member, each_fn each)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    size_t n;
    logs_group_t *gs = groups_or_fail(r, db, in, &n);
    if (!gs) return GR_ERR;
    val_t *list = val_new(r->arena, VAL_LIST);
    for (size_t i = 0; i < n; i++) {
        logs_policy_t p;
        int found = logs__policy_effective(db, r->arena, r->who.account, r->region, &gs[i], INDEX_TYPE, &p);
        if (found < 0 || (found && each(r, db, &gs[i], &p, list) != GR_OK)) return GR_ERR;
    }
    return val_set_c(r->arena, out, member, list);
}

static int policy_item(req_t *r, sqlite3 *db, const logs_group_t *g, const logs_policy_t *p, val_t *list)
{
    (void)db;
    return val_push(r->arena, list, index_policy_val(r, g, p));
}

/* AWS: a group's own policy, else the account policy that applies to it. */
int logs_describe_index_policies(req_t *r, const val_t *in, val_t *out)
{
    return each_policy(r, in, out, "indexPolicies", policy_item);
}

/* One field's index: the times of the events since the policy that carry
 * it (a JSON event with that member; dotted names reach into objects). */
static int field_index(req_t *r, sqlite3 *db, const logs_group_t *g, const logs_policy_t *p, str_t field, val_t *list)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT min(ts), max(ts) FROM log_event WHERE gid = ?1 AND ingest_ms >= ?2 "
                                      "AND json_valid(message) AND json_type(message, ?3) IS NOT NULL");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g->id);
    sqlite3_bind_int64(st, 2, p->created_ms);
    store_bind_str(st, 3, str_c(arena_printf(a, "$.%.*s", STR_FMT(field))));
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "logGroupIdentifier", val_str(a, logs__group_arn(r, g->name, false)));
    val_set_c(a, v, "fieldIndexName", val_str(a, field));
    val_set_c(a, v, "lastScanTime", val_int(a, logs__now_ms()));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        val_set_c(a, v, "firstEventTime", val_int(a, sqlite3_column_int64(st, 0)));
        val_set_c(a, v, "lastEventTime", val_int(a, sqlite3_column_int64(st, 1)));
    }
    store_release(st);
    val_set_c(a, v, "type", val_cstr(a, "FIELD_INDEX"));
    return val_push(a, list, v);
}

static int field_items(req_t *r, sqlite3 *db, const logs_group_t *g, const logs_policy_t *p, val_t *list)
{
    const json_t *doc = json_parse(r->arena, p->document, NULL);
    const json_t *fields = doc ? json_get(doc, "Fields") : NULL;
    for (size_t k = 0; fields && fields->type == JSON_ARRAY && k < fields->u.arr.n; k++)
        if (field_index(r, db, g, p, fields->u.arr.v[k]->u.s, list) != GR_OK) return GR_ERR;
    return GR_OK;
}

int logs_describe_field_indexes(req_t *r, const val_t *in, val_t *out)
{
    return each_policy(r, in, out, "fieldIndexes", field_items);
}
