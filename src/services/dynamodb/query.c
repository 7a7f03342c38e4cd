/* query.c — DynamoDB Query and Scan over tables and secondary indexes.
 *
 * Request flow: dispatch → here; key conditions, filters and projections are
 * parsed by ddb.h; rows come from ddb_item (tables) or ddb_index joined to
 * ddb_item (indexes) in key order, which ddb_key_encode makes memcmp order.
 * Invariant, as AWS: Limit and the 1 MB page bound count items *evaluated*
 * (before the filter), and LastEvaluatedKey is the last evaluated item's key
 * (table key plus index key for index reads), so the next page resumes right
 * after it. Scan segments are a hash of the partition key, so one
 * partition's items are in one segment. */
#include <sqlite3.h>
#include <string.h>

#include "core/req.h"
#include "dynamodb_model.h"
#include "services/dynamodb/expr_params.h"
#include "services/dynamodb/tbl.h"

#define PVI "One or more parameter values were invalid: "
#define PAGE_BYTES (1024 * 1024)

typedef struct {
    req_t *r;
    const ddb_table_t *t;
    const ddb_index_t *x; /* NULL: the table itself */
    ddb_ctx_t c;
    ddb_cond_t *filter;
    ddb_proj_t proj;
    bool has_proj;
    bool count_only;
    bool all_attrs; /* Select ALL_ATTRIBUTES on an index: the whole item */
    int64_t limit;
    /* begins_with on the sort key is checked on values, not encodings */
    const val_t *begins;
    str_t sk_name;
    /* Scan segments */
    int64_t segment, total;
} rd_t;

static void bind_buf(sqlite3_stmt *st, int i, const buf_t *b)
{
    sqlite3_bind_blob(st, i, b->p ? b->p : "", (int)b->len, SQLITE_TRANSIENT);
}

static buf_t enc(arena_t *a, const val_t *v)
{
    buf_t b;
    buf_init(&b, a);
    if (v) ddb_key_encode(a, v, &b);
    return b;
}

/* Attributes an index holds for an item (its projection). */
static val_t *index_projection(arena_t *a, const ddb_table_t *t, const ddb_index_t *x, const val_t *item)
{
    if (x->proj == DDB_PROJ_ALL) return (val_t *)item;
    val_t *o = val_new(a, VAL_MAP);
    for (size_t i = 0; i < item->u.obj.n; i++) {
        str_t n = item->u.obj.e[i].key;
        bool keep =
            str_eq(n, t->pk) || (t->sk.p && str_eq(n, t->sk)) || str_eq(n, x->pk) || (x->sk.p && str_eq(n, x->sk));
        for (size_t j = 0; !keep && x->nonkey && j < x->nonkey->u.list.n; j++)
            if (str_eq(n, x->nonkey->u.list.v[j]->u.s)) keep = true;
        if (keep) val_set(a, o, n, item->u.obj.e[i].v);
    }
    return o;
}

static val_t *last_key(arena_t *a, const rd_t *q, const val_t *item)
{
    val_t *k = ddb__key_of(a, q->t, item);
    if (q->x) {
        const val_t *v = val_get_s(item, q->x->pk);
        if (v && !val_get_s(k, q->x->pk)) val_set(a, k, q->x->pk, (val_t *)v);
        if (q->x->sk.p && (v = val_get_s(item, q->x->sk)) && !val_get_s(k, q->x->sk))
            val_set(a, k, q->x->sk, (val_t *)v);
    }
    return k;
}

static bool begins_with(const val_t *v, const val_t *prefix)
{
    if (!v || ddb_type(v) != ddb_type(prefix)) return false;
    str_t s = ddb_inner(v)->u.s, p = ddb_inner(prefix)->u.s;
    return s.len >= p.len && memcmp(s.p, p.p, p.len) == 0;
}

static uint32_t seg_hash(const void *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 16777619u;
    return h;
}

/* Steps the rows of st (columns: pk, sk, item) into out. */
static int run(rd_t *q, sqlite3_stmt *st, const val_t *in, val_t *out)
{
    req_t *r = q->r;
    arena_t *a = r->arena;
    val_t *items = val_new(a, VAL_LIST);
    int64_t scanned = 0, count = 0;
    size_t bytes = 0;
    const val_t *last = NULL;
    bool more = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (q->total > 1) {
            uint32_t h = seg_hash(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
            if ((int64_t)((uint64_t)h * (uint64_t)q->total >> 32) != q->segment) continue;
        }
        if (scanned == q->limit || bytes >= PAGE_BYTES) {
            more = true;
            break;
        }
        val_t *item = ddb_item_decode(a, str_n(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2)));
        if (!item) {
            sqlite3_reset(st);
            return GR_ERR;
        }
        if (q->begins && !begins_with(val_get_s(item, q->sk_name), q->begins)) {
            /* ascending order: past the prefix range nothing more matches */
            continue;
        }
        scanned++;
        bytes += ddb_item_size(item);
        last = item;
        if (q->filter) {
            const char *e = NULL;
            int ok = ddb_cond_eval(&q->c, q->filter, item, &e);
            if (ok < 0) {
                sqlite3_reset(st);
                return ddb__fail_validation(r, e);
            }
            if (!ok) continue;
        }
        count++;
        if (q->count_only) continue;
        val_t *o = item;
        if (q->x && !q->all_attrs) o = index_projection(a, q->t, q->x, item);
        if (q->has_proj) o = ddb_proj_apply(a, &q->proj, o);
        val_push(a, items, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    if (!q->count_only) val_set_c(a, out, "Items", items);
    val_set_c(a, out, "Count", val_int(a, count));
    val_set_c(a, out, "ScannedCount", val_int(a, scanned));
    /* AWS: LastEvaluatedKey whenever the page stopped at Limit or 1 MB. */
    if ((more || scanned == q->limit) && last) val_set_c(a, out, "LastEvaluatedKey", last_key(a, q, last));
    bool consistent = val_get_bool(in, "ConsistentRead", false);
    ddb__capacity_ex(r, in, out, q->t, ddb__rcu(bytes, consistent), false, q->x, NULL, NULL);
    return GR_OK;
}

/* Select, projection and index checks shared by Query and Scan. */
static int select_or_fail(rd_t *q, const val_t *in)
{
    req_t *r = q->r;
    str_t sel = val_get_str(in, "Select");
    str_t iname = val_get_str(in, "IndexName");
    if (iname.p) {
        q->x = ddb__index(q->t, iname);
        if (!q->x)
            return ddb__fail_validation(
                r, arena_printf(r->arena, "The table does not have the specified index: %.*s", STR_FMT(iname)));
        if (q->x->global && val_get_bool(in, "ConsistentRead", false))
            return ddb__fail_validation(r, "Consistent reads are not supported on global secondary indexes");
    }
    /* AWS (as other implementations' suites assert): */
    if (sel.p && q->has_proj && !str_eq_c(sel, "SPECIFIC_ATTRIBUTES"))
        return ddb__fail_validation(
            r, arena_printf(r->arena, "Cannot specify the %s when choosing to get %.*s",
                            val_get(in, "AttributesToGet") ? "AttributesToGet" : "ProjectionExpression",
                            str_eq_c(sel, "COUNT") ? 14 : (int)sel.len,
                            str_eq_c(sel, "COUNT") ? "only the Count" : sel.p));
    if (str_eq_c(sel, "SPECIFIC_ATTRIBUTES") && !q->has_proj)
        return ddb__fail_validation(
            r, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
    if (str_eq_c(sel, "ALL_PROJECTED_ATTRIBUTES") && !q->x)
        return ddb__fail_validation(r, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    if (str_eq_c(sel, "ALL_ATTRIBUTES") && q->x) {
        if (q->x->global && q->x->proj != DDB_PROJ_ALL)
            return ddb__fail_validation(
                r, arena_printf(r->arena,
                                PVI "Select type ALL_ATTRIBUTES is not supported for global secondary index %.*s "
                                    "because its projection type is not ALL",
                                STR_FMT(q->x->name)));
        q->all_attrs = true;
    }
    q->count_only = str_eq_c(sel, "COUNT");
    return GR_OK;
}

/* ExclusiveStartKey: the table key, plus the index key on an index. */
static int start_key_or_fail(rd_t *q, const val_t *esk, ddb_keyenc_t *k, buf_t *ik)
{
    req_t *r = q->r;
    const ddb_table_t *t = q->t;
    const char *bad = "The provided starting key is invalid: The provided key element does not match the schema";
    for (size_t i = 0; i < esk->u.obj.n; i++) {
        const char *e = ddb_validate_av(r->arena, esk->u.obj.e[i].v);
        if (e) return ddb__fail_validation(r, e);
    }
    const val_t *pv = val_get_s(esk, t->pk), *sv = t->sk.p ? val_get_s(esk, t->sk) : NULL;
    if (!pv || ddb_type(pv) != t->pkt || (t->sk.p && (!sv || ddb_type(sv) != t->skt)))
        return ddb__fail_validation(r, bad);
    size_t want = t->sk.p ? 2 : 1;
    buf_init(&k->pk, r->arena);
    buf_init(&k->sk, r->arena);
    ddb_key_encode(r->arena, pv, &k->pk);
    if (sv) ddb_key_encode(r->arena, sv, &k->sk);
    if (q->x) {
        const val_t *xp = val_get_s(esk, q->x->pk), *xs = q->x->sk.p ? val_get_s(esk, q->x->sk) : NULL;
        if (!xp || ddb_type(xp) != q->x->pkt || (q->x->sk.p && (!xs || ddb_type(xs) != q->x->skt)))
            return ddb__fail_validation(r, bad);
        if (!str_eq(q->x->pk, t->pk) && !str_eq(q->x->pk, t->sk)) want++;
        if (q->x->sk.p && !str_eq(q->x->sk, t->pk) && !str_eq(q->x->sk, t->sk)) want++;
        ik[0] = enc(r->arena, xp);
        ik[1] = enc(r->arena, xs);
    }
    if (val_len(esk) != want) return ddb__fail_validation(r, bad);
    return GR_OK;
}

static int filter_params_or_fail(rd_t *q, const val_t *in, const char *legacy_name, const char *which)
{
    req_t *r = q->r;
    const char *e = NULL;
    str_t fe = val_get_str(in, "FilterExpression");
    const val_t *lf = val_get(in, legacy_name);
    if (fe.p) {
        if (!(q->filter = ddb_cond_parse(&q->c, fe, "FilterExpression", &e))) return ddb__fail_validation(r, e);
    } else if (lf) {
        if (!(q->filter = ddb_legacy_filter(&q->c, lf, val_get_str(in, "ConditionalOperator"), which, &e)) && e)
            return ddb__fail_validation(r, e);
    }
    str_t pe = val_get_str(in, "ProjectionExpression");
    const val_t *atg = val_get(in, "AttributesToGet");
    if (pe.p) {
        if (!ddb_proj_parse(&q->c, pe, &q->proj, &e)) return ddb__fail_validation(r, e);
        q->has_proj = true;
    } else if (atg) {
        const char *dup = ddb_legacy_attrs_dup(&q->c, atg);
        if (dup) return ddb__fail_validation(r, dup);
        if (!ddb_legacy_attrs_to_get(&q->c, atg, &q->proj)) return GR_ERR; /* out of memory */
        q->has_proj = true;
    }
    return GR_OK;
}

int dynamodb_query(req_t *r, const val_t *in, val_t *out)
{
    static const char *const EX[] = {"KeyConditionExpression", "FilterExpression", "ProjectionExpression", NULL};
    static const char *const LG[] = {"KeyConditions", "QueryFilter", "ConditionalOperator", "AttributesToGet", NULL};
    arena_t *a = r->arena;
    rd_t q = {.r = r, .limit = val_get_int(in, "Limit", -1)};
    if (ddb__ctx_or_fail(r, in, &q.c, EX, LG) != GR_OK) return GR_ERR;
    str_t kce = val_get_str(in, "KeyConditionExpression");
    const val_t *kcs = val_get(in, "KeyConditions");
    if (!kce.p && !kcs)
        return ddb__fail_validation(
            r, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    ddb_table_t t;
    if (ddb__table_or_fail(r, db, val_get_str(in, "TableName"), NULL, &t) != GR_OK) return GR_ERR;
    q.t = &t;
    if (filter_params_or_fail(&q, in, "QueryFilter", "QueryFilter") != GR_OK) return GR_ERR;
    if (select_or_fail(&q, in) != GR_OK) return GR_ERR;
    str_t pk = q.x ? q.x->pk : t.pk, sk = q.x ? q.x->sk : t.sk;
    ddb_type_t pkt = q.x ? q.x->pkt : t.pkt, skt = q.x ? q.x->skt : t.skt;
    ddb_keycond_t kc;
    memset(&kc, 0, sizeof kc);
    const char *e = NULL;
    bool ok =
        kce.p ? ddb_keycond_parse(&q.c, kce, pk, sk, &kc, &e) : ddb_legacy_key_conditions(&q.c, kcs, pk, sk, &kc, &e);
    if (!ok) return ddb__fail_validation(r, e);
    if (ddb__ctx_finish_or_fail(r, &q.c) != GR_OK) return GR_ERR;
    if (ddb_type(kc.pk_value) != pkt || (kc.sk_op != DDB_KC_NONE && ddb_type(kc.sk_v1) != skt) ||
        (kc.sk_v2 && ddb_type(kc.sk_v2) != skt))
        return ddb__fail_validation(r, PVI "Condition parameter type does not match schema type");
    bool fwd = val_get_bool(in, "ScanIndexForward", true);
    const val_t *esk = val_get(in, "ExclusiveStartKey");
    ddb_keyenc_t sk0;
    buf_t ik[2];
    if (esk && start_key_or_fail(&q, esk, &sk0, ik) != GR_OK) return GR_ERR;

    buf_t bp = enc(a, kc.pk_value), b1 = enc(a, kc.sk_v1), b2 = enc(a, kc.sk_v2);
    const char *skc = q.x ? "x.isk" : "sk";
    buf_t cond;
    buf_init(&cond, a);
    switch (kc.sk_op) {
    case DDB_KC_EQ: buf_printf(&cond, " AND %s = ?3", skc); break;
    case DDB_KC_LT: buf_printf(&cond, " AND %s < ?3", skc); break;
    case DDB_KC_LE: buf_printf(&cond, " AND %s <= ?3", skc); break;
    case DDB_KC_GT: buf_printf(&cond, " AND %s > ?3", skc); break;
    case DDB_KC_GE: buf_printf(&cond, " AND %s >= ?3", skc); break;
    case DDB_KC_BETWEEN: buf_printf(&cond, " AND %s >= ?3 AND %s <= ?4", skc, skc); break;
    case DDB_KC_BEGINS:
        q.begins = kc.sk_v1;
        q.sk_name = sk;
        break;
    default: break;
    }
    const char *dir = fwd ? "" : " DESC";
    const char *sql;
    if (!q.x) {
        if (esk) buf_printf(&cond, " AND sk %s ?5", fwd ? ">" : "<");
        sql = arena_printf(a, "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 AND pk = ?2%.*s ORDER BY sk%s",
                           (int)cond.len, cond.p ? cond.p : "", dir);
    } else {
        if (esk) buf_printf(&cond, " AND (x.isk, x.pk, x.sk) %s (?5, ?6, ?7)", fwd ? ">" : "<");
        sql = arena_printf(a,
                           "SELECT x.pk, x.sk, i.item FROM ddb_index x JOIN ddb_item i ON i.tid = x.tid AND "
                           "i.pk = x.pk AND i.sk = x.sk WHERE x.tid = ?1 AND x.idx = ?8 AND x.ipk = ?2%.*s "
                           "ORDER BY x.isk%s, x.pk%s, x.sk%s",
                           (int)cond.len, cond.p ? cond.p : "", dir, dir, dir);
    }
    sqlite3_stmt *st = ddb__stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t.tid);
    bind_buf(st, 2, &bp);
    if (kc.sk_op != DDB_KC_NONE && kc.sk_op != DDB_KC_BEGINS) bind_buf(st, 3, &b1);
    if (kc.sk_op == DDB_KC_BETWEEN) bind_buf(st, 4, &b2);
    if (esk && !q.x) bind_buf(st, 5, &sk0.sk);
    if (esk && q.x) {
        bind_buf(st, 5, &ik[1]);
        bind_buf(st, 6, &sk0.pk);
        bind_buf(st, 7, &sk0.sk);
    }
    if (q.x) sqlite3_bind_int64(st, 8, q.x->num);
    (void)skt;
    return run(&q, st, in, out);
}

int dynamodb_scan(req_t *r, const val_t *in, val_t *out)
{
    static const char *const EX[] = {"FilterExpression", "ProjectionExpression", NULL};
    static const char *const LG[] = {"ScanFilter", "ConditionalOperator", "AttributesToGet", NULL};
    arena_t *a = r->arena;
    rd_t q = {.r = r, .limit = val_get_int(in, "Limit", -1)};
    const val_t *seg = val_get(in, "Segment"), *tot = val_get(in, "TotalSegments");
    if (seg && !tot)
        return ddb__fail_validation(r, "The TotalSegments parameter is required but was not present in the request "
                                       "when Segment parameter is present");
    if (tot && !seg)
        return ddb__fail_validation(r, "The Segment parameter is required but was not present in the request when "
                                       "parameter TotalSegments is present");
    if (seg) {
        q.segment = seg->u.i;
        q.total = tot->u.i;
        if (q.segment >= q.total)
            return ddb__fail_validation(
                r, arena_printf(a,
                                "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
                                "Segment: %lld is not less than TotalSegments: %lld",
                                (long long)q.segment, (long long)q.total));
    }
    if (ddb__ctx_or_fail(r, in, &q.c, EX, LG) != GR_OK) return GR_ERR;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    ddb_table_t t;
    if (ddb__table_or_fail(r, db, val_get_str(in, "TableName"), NULL, &t) != GR_OK) return GR_ERR;
    q.t = &t;
    if (filter_params_or_fail(&q, in, "ScanFilter", "ScanFilter") != GR_OK) return GR_ERR;
    if (ddb__ctx_finish_or_fail(r, &q.c) != GR_OK) return GR_ERR;
    if (select_or_fail(&q, in) != GR_OK) return GR_ERR;
    const val_t *esk = val_get(in, "ExclusiveStartKey");
    ddb_keyenc_t sk0;
    buf_t ik[2];
    if (esk && start_key_or_fail(&q, esk, &sk0, ik) != GR_OK) return GR_ERR;
    const char *sql;
    if (!q.x)
        sql = esk ? "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 AND (pk, sk) > (?2, ?3) ORDER BY pk, sk"
                  : "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 ORDER BY pk, sk";
    else
        sql = esk ? "SELECT x.pk, x.sk, i.item FROM ddb_index x JOIN ddb_item i ON i.tid = x.tid AND i.pk = x.pk AND "
                    "i.sk = x.sk WHERE x.tid = ?1 AND x.idx = ?4 AND (x.ipk, x.isk, x.pk, x.sk) > (?5, ?6, ?2, ?3) "
                    "ORDER BY x.ipk, x.isk, x.pk, x.sk"
                  : "SELECT x.pk, x.sk, i.item FROM ddb_index x JOIN ddb_item i ON i.tid = x.tid AND i.pk = x.pk AND "
                    "i.sk = x.sk WHERE x.tid = ?1 AND x.idx = ?4 ORDER BY x.ipk, x.isk, x.pk, x.sk";
    sqlite3_stmt *st = ddb__stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t.tid);
    if (esk) {
        bind_buf(st, 2, &sk0.pk);
        bind_buf(st, 3, &sk0.sk);
    }
    if (q.x) {
        sqlite3_bind_int64(st, 4, q.x->num);
        if (esk) {
            bind_buf(st, 5, &ik[0]);
            bind_buf(st, 6, &ik[1]);
        }
    }
    return run(&q, st, in, out);
}
