/* account.c — policy documents kept for one log group (index, data
 * protection, transformer: schema/010_policies.sql) or for the whole
 * account (Put/Describe/DeleteAccountPolicy), and which of them governs a
 * group. Handlers of the group-level operations (index.c, protect.c,
 * transform.c) store and read their documents through these helpers; the
 * ingest and read paths ask logs__policy_effective what applies.
 *
 * AWS: a group's own policy wins over the account's of the same type; among
 * account policies the one whose selection criteria name the longest prefix
 * of the group's name applies, then one without criteria. */
#include <sqlite3.h>
#include <string.h>

#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

/* ==== A group's own policy documents ==== */

int logs__group_policy_put(sqlite3 *db, int64_t gid, const char *type, str_t doc, int64_t now)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO log_group_policy (gid, type, document, updated_ms, created_ms) "
                                      "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (gid, type) DO UPDATE SET "
                                      "document = ?3, updated_ms = ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    store_bind_str(st, 3, doc);
    sqlite3_bind_int64(st, 4, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int logs__group_policy_get(sqlite3 *db, arena_t *a, int64_t gid, const char *type, logs_policy_t *p)
{
    *p = (logs_policy_t){0};
    sqlite3_stmt *st = store_stmt(db, "SELECT document, updated_ms, created_ms FROM log_group_policy "
                                      "WHERE gid = ?1 AND type = ?2");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        p->document = store_col_str(a, st, 0);
        p->updated_ms = sqlite3_column_int64(st, 1);
        p->created_ms = sqlite3_column_int64(st, 2);
        found = 1;
    }
    store_release(st);
    return found;
}

int logs__group_policy_delete(sqlite3 *db, int64_t gid, const char *type)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM log_group_policy WHERE gid = ?1 AND type = ?2");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db) : -1;
    store_release(st);
    return rc;
}

int logs__group_policy_put_or_fail(req_t *r, const val_t *in, const char *type, str_t doc, logs_group_t *g,
                                   int64_t *now)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    if (logs__group_or_fail(r, db, in, g) != GR_OK) return GR_ERR;
    if (logs__policy_document_ok(r, str_c(type), doc) != GR_OK) return GR_ERR;
    *now = logs__now_ms();
    return logs__group_policy_put(db, g->id, type, doc, *now);
}

int logs__group_policy_delete_or_fail(req_t *r, const val_t *in, const char *type, const char *missing)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    int n = logs__group_policy_delete(db, g.id, type);
    if (n < 0) return GR_ERR;
    if (n == 0) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "%s", missing);
    return GR_OK;
}

/* ==== Selection criteria ==== */

/* AWS (PutAccountPolicy, selectionCriteria): `LogGroupName NOT IN ["a",
 * "b"]` (subscription filter policies) or `LogGroupNamePrefix IN ["p"]`
 * (field index and transformer policies). The list as parsed JSON, *not_in
 * for the first form; NULL when the text is neither. */
static const json_t *selection_parse(arena_t *a, str_t sel, bool *not_in)
{
    static const struct {
        const char *head;
        bool not_in;
    } forms[] = {{"LogGroupName NOT IN", true}, {"LogGroupNamePrefix IN", false}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        str_t head = str_c(forms[i].head);
        if (!str_starts_with(sel, head)) continue;
        const json_t *j = json_parse(a, str_n(sel.p + head.len, sel.len - head.len), NULL);
        if (!j || j->type != JSON_ARRAY) return NULL;
        for (size_t k = 0; k < j->u.arr.n; k++)
            if (j->u.arr.v[k]->type != JSON_STRING) return NULL;
        *not_in = forms[i].not_in;
        return j;
    }
    return NULL;
}

/* How specifically sel selects group: -1 not at all, 0 every group (no
 * criteria, or a NOT IN list without it), else 1 + the matching prefix's length. */
static long selection_rank(arena_t *a, str_t sel, str_t group)
{
    if (!sel.p) return 0;
    bool not_in = false;
    const json_t *list = selection_parse(a, sel, &not_in);
    if (!list) return -1;
    long best = -1;
    for (size_t k = 0; k < list->u.arr.n; k++) {
        str_t v = list->u.arr.v[k]->u.s;
        if (not_in && str_eq(v, group)) return -1;
        if (!not_in && str_starts_with(group, v) && (long)v.len + 1 > best) best = (long)v.len + 1;
    }
    return not_in ? 0 : best;
}

int logs__policy_effective(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g,
                           const char *type, logs_policy_t *p)
{
    int found = logs__group_policy_get(db, a, g->id, type, p);
    if (found) return found;
    return logs__account_policy_for(db, a, account, region, g, type, p);
}

int logs__account_policy_for(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g,
                             const char *type, logs_policy_t *p)
{
    *p = (logs_policy_t){0};
    sqlite3_stmt *st = store_stmt(db, "SELECT name, document, selection, updated_ms FROM account_policy "
                                      "WHERE account = ?1 AND region = ?2 AND type = ?3 ORDER BY name");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    long best = -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long rank = selection_rank(a, store_col_str(a, st, 2), g->name);
        if (rank <= best) continue;
        best = rank;
        p->name = store_col_str(a, st, 0);
        p->document = store_col_str(a, st, 1);
        p->updated_ms = p->created_ms = sqlite3_column_int64(st, 3);
        p->account = true;
    }
    store_release(st);
    return best >= 0;
}

/* ==== Account policies ==== */

/* AWS quotas: one data protection and one subscription filter policy per
 * account; 40 field index, 20 transformer and 20 metric extraction policies. */
static int64_t account_quota(str_t type)
{
    if (str_eq(type, STR("FIELD_INDEX_POLICY"))) return 40;
    if (str_eq(type, STR("TRANSFORMER_POLICY")) || str_eq(type, STR("METRIC_EXTRACTION_POLICY"))) return 20;
    return 1;
}

static val_t *account_policy_val(req_t *r, str_t type, str_t name, str_t doc, str_t scope, str_t sel, int64_t ms)
{
    arena_t *a = r->arena;
    val_t *p = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "policyName", val_str(a, name));
    val_set_c(a, p, "policyDocument", val_str(a, doc));
    val_set_c(a, p, "lastUpdatedTime", val_int(a, ms));
    val_set_c(a, p, "policyType", val_str(a, type));
    val_set_c(a, p, "scope", val_str(a, scope));
    if (sel.p) val_set_c(a, p, "selectionCriteria", val_str(a, sel));
    val_set_c(a, p, "accountId", val_str(a, r->who.account));
    return p;
}

/* The document's own checks, by type (the group-level operations share them). */
int logs__policy_document_ok(req_t *r, str_t type, str_t doc)
{
    const json_t *j = json_parse(r->arena, doc, NULL);
    if (!j || j->type != JSON_OBJECT)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Policy document is not a valid JSON object.");
    if (str_eq(type, STR("DATA_PROTECTION_POLICY"))) return logs__data_protection_ok(r, j);
    if (str_eq(type, STR("FIELD_INDEX_POLICY"))) return logs__index_document_ok(r, j);
    if (str_eq(type, STR("TRANSFORMER_POLICY"))) return logs__transformer_document_ok(r, j);
    if (str_eq(type, STR("SUBSCRIPTION_FILTER_POLICY"))) return logs__subscription_policy_ok(r, j);
    return GR_OK;
}

int logs_put_account_policy(req_t *r, const val_t *in, val_t *out)
{
    str_t type = val_get_str(in, "policyType"), name = val_get_str(in, "policyName");
    str_t doc = val_get_str(in, "policyDocument"), sel = val_get_str(in, "selectionCriteria");
    str_t scope = val_get_str(in, "scope");
    if (!scope.p) scope = STR("ALL");
    bool not_in = false;
    if (sel.p) {
        /* AWS: selection criteria are for subscription filter (NOT IN),
         * field index and transformer (prefix IN) policies only. */
        bool prefix_type = str_eq(type, STR("FIELD_INDEX_POLICY")) || str_eq(type, STR("TRANSFORMER_POLICY"));
        if (!selection_parse(r->arena, sel, &not_in) ||
            !(not_in ? str_eq(type, STR("SUBSCRIPTION_FILTER_POLICY")) : prefix_type))
            return req_fail(r, &LOGS_ERR_InvalidParameterException, "Invalid selection criteria: %.*s", STR_FMT(sel));
    }
    if (logs__policy_document_ok(r, type, doc) != GR_OK) return GR_ERR;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*), coalesce(sum(name = ?4), 0) FROM account_policy "
                                      "WHERE account = ?1 AND region = ?2 AND type = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, type);
    store_bind_str(st, 4, name);
    bool full = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= account_quota(type) &&
                sqlite3_column_int64(st, 1) == 0;
    store_release(st);
    if (full)
        return req_fail(r, &LOGS_ERR_LimitExceededException, "The account already has the maximum of %lld %.*s.",
                        (long long)account_quota(type), STR_FMT(type));
    int64_t now = logs__now_ms();
    st = store_stmt(db, "INSERT INTO account_policy (account, region, type, name, document, scope, selection, "
                        "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (account, region, type, "
                        "name) DO UPDATE SET document = ?5, scope = ?6, selection = ?7, updated_ms = ?8");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, type);
    store_bind_str(st, 4, name);
    store_bind_str(st, 5, doc);
    store_bind_str(st, 6, scope);
    store_bind_str(st, 7, sel);
    sqlite3_bind_int64(st, 8, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "accountPolicy", account_policy_val(r, type, name, doc, scope, sel, now));
}

static val_t *account_policy_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    return account_policy_val(r, store_col_str(a, st, 0), store_col_str(a, st, 1), store_col_str(a, st, 2),
                              store_col_str(a, st, 3), store_col_str(a, st, 4), sqlite3_column_int64(st, 5));
}

/* AWS: the account's policies of one type (one name when given), in name
 * order; a name that is not there → ResourceNotFoundException. */
int logs_describe_account_policies(req_t *r, const val_t *in, val_t *out)
{
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "policyName");
    sqlite3_stmt *st = store_stmt(db, "SELECT type, name, document, scope, selection, updated_ms FROM account_policy "
                                      "WHERE account = ?1 AND region = ?2 AND type = ?3 AND (?4 IS NULL OR name = ?4) "
                                      "ORDER BY name LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "policyType"));
    store_bind_str(st, 4, name);
    sqlite3_bind_int64(st, 5, 51);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, 50, out, "accountPolicies", account_policy_item, NULL);
    if (n < 0) return GR_ERR;
    if (n == 0 && name.p && off == 0)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Policy with name [%.*s] does not exist",
                        STR_FMT(name));
    page_offset_token(r, out, "nextToken", n, 50, off);
    return GR_OK;
}

int logs_delete_account_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "policyName");
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM account_policy WHERE account = ?1 AND region = ?2 AND type = ?3 "
                                      "AND name = ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "policyType"));
    store_bind_str(st, 4, name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK && sqlite3_changes(db) == 0)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Policy with name [%.*s] does not exist",
                        STR_FMT(name));
    return rc;
}
