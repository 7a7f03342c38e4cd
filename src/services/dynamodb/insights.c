/* insights.c — CloudWatch Contributor Insights for DynamoDB
 * (UpdateContributorInsights, DescribeContributorInsights,
 * ListContributorInsights): whether it is on for a table or one of its
 * global secondary indexes, kept in the table's stored definition as
 * "ContributorInsights": {RESOURCE: {"Since": µs on, "Updated": µs, "Mode":
 * ContributorInsightsMode}}, RESOURCE the index name or "" for the table.
 * The mode (2025) says whether every access or only throttled ones are
 * tracked: ACCESSED_AND_THROTTLED_KEYS unless asked otherwise, and only the
 * throttled-key rules in THROTTLED_KEYS. gureum keeps no CloudWatch rules or
 * reports: it names the rules AWS creates. As AWS, an update that changes
 * the state answers ENABLING or DISABLING; gureum is done at once, so
 * Describe then says ENABLED or DISABLED. */
#include <stdlib.h>

#include "core/gtime.h"
#include "dynamodb_model.h"
#include "services/dynamodb/tbl.h"

/* The table of in.TableName, and its global secondary index in.IndexName
 * (*x NULL without one), or ResourceNotFoundException. */
static int target_or_fail(req_t *r, sqlite3 *db, const val_t *in, ddb_table_t *t, const ddb_index_t **x)
{
    /* AWS (probed 2026-10, DDB-TABLE-098): "Requested resource not found:
     * Table: NAME not found" for Describe/Update/ListContributorInsights */
    str_t name = val_get_str(in, "TableName");
    if (ddb__table_or_fail(r, db, name, ddb__table_not_found(r, name), t) != GR_OK) return GR_ERR;
    str_t index = val_get_str(in, "IndexName");
    *x = index.p ? ddb__index(t, index) : NULL;
    /* AWS (probed 2026-10, DDB-TABLE-446) */
    if (index.p && (!*x || !(*x)->global))
        return req_fail(r, &DYNAMODB_ERR_ResourceNotFoundException,
                        "Requested resource not found: Index: %.*s not found for table: %.*s", STR_FMT(index),
                        STR_FMT(t->name));
    return GR_OK;
}

/* The state of x (NULL: the table) in t's definition; NULL when off. */
static val_t *state_of(const ddb_table_t *t, const ddb_index_t *x)
{
    val_t *all = val_get(t->def, "ContributorInsights");
    val_t *s = all ? val_get_s(all, x ? x->name : STR("")) : NULL;
    return s && val_get(s, "Since") ? s : NULL;
}

#define DEFAULT_MODE "ACCESSED_AND_THROTTLED_KEYS"

static str_t mode_of(const val_t *state)
{
    str_t m = val_get_str(state, "Mode");
    return m.p ? m : STR(DEFAULT_MODE);
}

/* AWS: DynamoDBContributorInsights-{PKC,PKT}-RESOURCE-MILLIS, and SKC/SKT
 * when the key has a sort key; RESOURCE is TABLE or TABLE-INDEX. The
 * accessed-key rules (..C) only in ACCESSED_AND_THROTTLED_KEYS. */
static val_t *rules(arena_t *a, const ddb_table_t *t, const ddb_index_t *x, const val_t *state)
{
    static const char *const kinds[] = {"PKC", "PKT", "SKC", "SKT"};
    bool sk = x ? x->sk.p != NULL : t->sk.p != NULL, throttled_only = str_eq_c(mode_of(state), "THROTTLED_KEYS");
    int64_t since_us = val_get_int(state, "Since", 0);
    val_t *l = val_new(a, VAL_LIST);
    for (size_t i = 0; i < (sk ? 4u : 2u); i++)
        if (!throttled_only || kinds[i][2] == 'T')
            val_push(a, l,
                     val_cstr(a, arena_printf(a, "DynamoDBContributorInsights-%s-%.*s%s%.*s-%lld", kinds[i],
                                              STR_FMT(t->name), x ? "-" : "", STR_FMT(x ? x->name : STR("")),
                                              (long long)(since_us / 1000))));
    return l;
}

static val_t *summary(arena_t *a, const ddb_table_t *t, const ddb_index_t *x)
{
    val_t *s = val_new(a, VAL_STRUCT), *on = state_of(t, x);
    val_set_c(a, s, "TableName", val_str(a, t->name));
    if (x) val_set_c(a, s, "IndexName", val_str(a, x->name));
    val_set_c(a, s, "ContributorInsightsStatus", val_cstr(a, on ? "ENABLED" : "DISABLED"));
    if (on) val_set_c(a, s, "ContributorInsightsMode", val_str(a, mode_of(on)));
    return s;
}

int dynamodb_update_contributor_insights(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db || ddb__begin(db) != GR_OK) return GR_ERR;
    ddb_table_t t;
    const ddb_index_t *x;
    if (target_or_fail(r, db, in, &t, &x) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    bool on = str_eq_c(val_get_str(in, "ContributorInsightsAction"), "ENABLE");
    int64_t now = time_now_us();
    val_t *all = val_get(t.def, "ContributorInsights"), *s = val_new(a, VAL_STRUCT), *was = state_of(&t, x);
    str_t mode = val_get_str(in, "ContributorInsightsMode");
    if (!mode.p) mode = was ? mode_of(was) : STR(DEFAULT_MODE);
    /* AWS (probed 2026-10, DDB-TABLE-091): asking
     * for the state the resource has settled in (DISABLE of one never
     * configured too) is a no-op answering that state; enabling one that
     * is on in another mode changes the mode */
    if (on == (was != NULL) && (!on || str_eq(mode, mode_of(was)))) {
        ddb__rollback(db);
        val_set_c(a, out, "TableName", val_str(a, t.name));
        if (x) val_set_c(a, out, "IndexName", val_str(a, x->name));
        val_set_c(a, out, "ContributorInsightsStatus", val_cstr(a, on ? "ENABLED" : "DISABLED"));
        if (on) val_set_c(a, out, "ContributorInsightsMode", val_str(a, mode));
        return GR_OK;
    }
    if (!all) val_set_c(a, t.def, "ContributorInsights", all = val_new(a, VAL_STRUCT));
    /* enabling again keeps the rules it has (their names carry their creation time) */
    if (on) val_set_c(a, s, "Since", was ? val_get(was, "Since") : val_int(a, now));
    if (on) val_set_c(a, s, "Mode", val_str(a, mode));
    val_set_c(a, s, "Updated", val_int(a, now));
    val_set(a, all, x ? x->name : STR(""), s);
    if (ddb__save_def(r, db, &t, t.def) != GR_OK || ddb__commit(db) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    val_set_c(a, out, "TableName", val_str(a, t.name));
    if (x) val_set_c(a, out, "IndexName", val_str(a, x->name));
    val_set_c(a, out, "ContributorInsightsStatus", val_cstr(a, on ? "ENABLING" : "DISABLING"));
    if (on) val_set_c(a, out, "ContributorInsightsMode", val_str(a, mode));
    return GR_OK;
}

int dynamodb_describe_contributor_insights(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    ddb_table_t t;
    const ddb_index_t *x;
    if (target_or_fail(r, db, in, &t, &x) != GR_OK) return GR_ERR;
    val_t *s = summary(a, &t, x), *on = state_of(&t, x);
    for (size_t i = 0; i < s->u.obj.n; i++) val_set(a, out, s->u.obj.e[i].key, s->u.obj.e[i].v);
    if (on) val_set_c(a, out, "ContributorInsightsRuleList", rules(a, &t, x, on));
    val_t *all = val_get(t.def, "ContributorInsights");
    val_t *last = all ? val_get_s(all, x ? x->name : STR("")) : NULL;
    if (last) val_set_c(a, out, "LastUpdateDateTime", val_time(a, val_get_int(last, "Updated", 0)));
    return GR_OK;
}

/* Every table of the caller's (or in.TableName alone) with its global
 * secondary indexes, in name order; the NextToken is the position of the
 * page's first entry. */
int dynamodb_list_contributor_insights(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    val_t *all = val_new(a, VAL_LIST);
    str_t name = val_get_str(in, "TableName");
    ddb_table_t one;
    if (name.p && ddb__table_or_fail(r, db, name, ddb__table_not_found(r, name), &one) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = name.p ? NULL
                              : ddb__stmt(db, "SELECT name, tid, table_id, created_us, def FROM ddb_table "
                                              "WHERE account = ?1 AND region = ?2 ORDER BY name");
    if (st) {
        ddb__bind_s(st, 1, r->who.account);
        ddb__bind_s(st, 2, r->region);
    } else if (!name.p) {
        return GR_ERR;
    }
    for (;;) {
        ddb_table_t t = one;
        if (st) {
            int rc = sqlite3_step(st);
            if (rc != SQLITE_ROW || ddb__table_from_row(r, st, &t) != GR_OK) {
                sqlite3_reset(st);
                if (rc != SQLITE_DONE) return GR_ERR;
                break;
            }
        }
        /* AWS (probed 2026-10, DDB-TABLE-095, -343): only
         * what is not DISABLED is listed (a fresh table: an empty page) */
        if (state_of(&t, NULL)) val_push(a, all, summary(a, &t, NULL));
        for (size_t i = 0; i < t.nidx; i++)
            if (t.idx[i].global && state_of(&t, &t.idx[i])) val_push(a, all, summary(a, &t, &t.idx[i]));
        if (!st) break;
    }
    int64_t max = val_get_int(in, "MaxResults", 0), from = 0;
    if (max <= 0) max = 100; /* AWS: at most 100 a page */
    str_t token = val_get_str(in, "NextToken");
    if (token.p) from = atoll(arena_strndup(a, token.p, token.len));
    val_t *page = val_new(a, VAL_LIST);
    for (int64_t i = from; i >= 0 && i < (int64_t)all->u.list.n && i < from + max; i++)
        val_push(a, page, all->u.list.v[i]);
    val_set_c(a, out, "ContributorInsightsSummaries", page);
    if (from >= 0 && from + max < (int64_t)all->u.list.n)
        val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", (long long)(from + max))));
    return GR_OK;
}
