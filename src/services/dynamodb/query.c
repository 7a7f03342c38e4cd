/* query.c — DynamoDB Query and Scan over tables and secondary indexes.
 *
 * Request flow: dispatch → here; key conditions, filters and projections are
 * parsed by ddb.h; rows come from ddb_item (tables) or ddb_index joined to
 * ddb_item (indexes) in key order, which ddb_key_encode makes memcmp order.
 * Invariant, as AWS: Limit and the 1 MB page bound count items *evaluated*
 * (before the filter), and LastEvaluatedKey is the last evaluated item's key
 * (table key plus index key for index reads), so the next page resumes right
 * after it. Scan segments are AWS's hash of the partition key (the index's
 * on an index), so one partition's items are in one segment. */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <string.h>

#include "core/req.h"
#include "dynamodb_model.h"
#include "services/dynamodb/capacity.h"
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
    ddb_type_t seg_type; /* of the partition key segments hash (the index's on an index) */
    const val_t *esk;    /* ExclusiveStartKey while its key attributes are checked */
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

/* Whether index x holds top-level attribute n: the table's and the
 * index's keys always, the NonKeyAttributes under INCLUDE, all under ALL. */
static bool index_projects(const ddb_table_t *t, const ddb_index_t *x, str_t n)
{
    if (x->proj == DDB_PROJ_ALL || str_eq(n, t->pk) || (t->sk.p && str_eq(n, t->sk))) return true;
    for (size_t j = 0; j < x->nkey; j++)
        if (str_eq(n, x->key[j])) return true;
    for (size_t j = 0; x->nonkey && j < x->nonkey->u.list.n; j++)
        if (str_eq(n, x->nonkey->u.list.v[j]->u.s)) return true;
    return false;
}

/* Attributes an index holds for an item (its projection). */
static val_t *index_projection(arena_t *a, const ddb_table_t *t, const ddb_index_t *x, const val_t *item)
{
    if (x->proj == DDB_PROJ_ALL) return (val_t *)item;
    val_t *o = val_new(a, VAL_MAP);
    for (size_t i = 0; i < item->u.obj.n; i++)
        if (index_projects(t, x, item->u.obj.e[i].key)) val_set(a, o, item->u.obj.e[i].key, item->u.obj.e[i].v);
    return o;
}

static val_t *last_key(arena_t *a, const rd_t *q, const val_t *item)
{
    val_t *k = ddb__key_of(a, q->t, item);
    /* AWS: an index read's key has every key attribute of the index too. */
    for (size_t j = 0; q->x && j < q->x->nkey; j++) {
        const val_t *v = val_get_s(item, q->x->key[j]);
        if (v && !val_get_s(k, q->x->key[j])) val_set(a, k, q->x->key[j], (val_t *)v);
    }
    return k;
}

static bool begins_with(const val_t *v, const val_t *prefix)
{
    if (!v || ddb_type(v) != ddb_type(prefix)) return false;
    str_t s = ddb_inner(v)->u.s, p = ddb_inner(prefix)->u.s;
    return s.len >= p.len && memcmp(s.p, p.p, p.len) == 0;
}

/* DynamoDB's bytes of a number key for hashing: base-100 digit pairs after
 * an exponent byte, each pair + 1 (negatives: 101 - pair, the exponent byte
 * inverted, closed by 102 when short), zero as 0x80 — the encoding DynamoDB
 * hashes partition keys with (reverse-engineered by dynalite, whose suite
 * checks Scan segments against DynamoDB). From gureum's key encoding of N
 * (value.c); returns the length written to out (>= 23 bytes). */
static size_t num_hash_bytes(const unsigned char *p, size_t n, unsigned char *out)
{
    if (n == 0 || p[0] == 2) {
        out[0] = 0x80;
        return 1;
    }
    bool neg = p[0] == 1;
    int exp = neg ? 126 - (int)p[1] : (int)p[1] - 129;
    unsigned char m[40];
    size_t nm = 0;
    bool pad = exp % 2 != 0; /* odd exponents get a leading zero digit */
    if (pad) m[nm++] = 0;
    for (size_t i = 2; i < n && nm < sizeof m; i++) {
        if (p[i] == (neg ? 0xff : 0)) break;
        m[nm++] = (unsigned char)(neg ? 10 - p[i] : p[i] - 1);
    }
    size_t k = 0;
    int e = (exp + (pad ? 1 : 0)) / 2 - 64;
    out[k++] = (unsigned char)(neg ? ~e : e);
    for (size_t i = 0; i < nm; i += 2) {
        int pair = m[i] * 10 + (i + 1 < nm ? m[i + 1] : 0);
        out[k++] = (unsigned char)(neg ? 101 - pair : pair + 1);
    }
    if (neg && k - 1 < 20) out[k++] = 102;
    return k;
}

/* AWS: a Scan segment holds the items whose partition key falls in its
 * share of 4096 buckets, the first 12 bits of MD5("Outliers" + the key's
 * bytes): UTF-8 for S, the bytes for B, num_hash_bytes for N (dynalite
 * db/index.js hashPrefix; its suite asserts DynamoDB's segments). enc is
 * gureum's key encoding (value.c): S/B with 00 escaped as 00 FF, closed by
 * 00 01. */
static int64_t seg_of(const rd_t *q, const void *enc, size_t n)
{
    const unsigned char *p = enc ? enc : (const unsigned char *)"";
    unsigned char buf[8 + 2048 + 64]; /* partition keys are at most 2048 bytes */
    size_t k = 8;
    memcpy(buf, "Outliers", 8);
    if (q->seg_type == DDB_N) {
        k += num_hash_bytes(p, n, buf + 8);
    } else {
        for (size_t i = 0; i < n && k < sizeof buf; i++) {
            if (p[i] == 0) {
                if (i + 1 < n && p[i + 1] == 0xff) buf[k++] = 0;
                i++;
                if (i >= n || p[i] != 0xff) break;
                continue;
            }
            buf[k++] = p[i];
        }
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    if (!EVP_Digest(buf, k, d, &dn, EVP_md5(), NULL) || dn < 2) return -1;
    uint32_t h12 = ((uint32_t)d[0] << 4) | (d[1] >> 4);
    return (int64_t)((uint64_t)h12 * (uint64_t)q->total / 4096);
}

/* Steps the rows of st (columns: the partition key encoding segments hash,
 * sk, item) into out. */
static int run(rd_t *q, sqlite3_stmt *st, const val_t *in, val_t *out)
{
    req_t *r = q->r;
    arena_t *a = r->arena;
    val_t *items = val_new(a, VAL_LIST);
    int64_t scanned = 0, count = 0;
    size_t bytes = 0, fetched = 0;
    const val_t *last = NULL;
    bool more = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (q->total > 1 && seg_of(q, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)) != q->segment)
            continue;
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
        /* AWS: an index read is sized by the index's entry (its projection);
         * items fetched whole from the table are charged to the table. */
        val_t *entry = item;
        if (q->x && q->x->proj != DDB_PROJ_ALL) {
            entry = index_projection(a, q->t, q->x, item);
            if (q->all_attrs) fetched += ddb_item_size(item);
        }
        bytes += ddb_item_size(entry);
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
        val_t *o = q->all_attrs ? item : entry;
        if (q->has_proj) {
            o = ddb_proj_apply(a, &q->proj, o);
            /* AWS: asked of an LSI, attributes it does not project are
             * fetched from the table (and the fetch is charged to it); a
             * GSI answers only what it holds. */
            if (q->x && !q->x->global && entry != item && !q->all_attrs) {
                val_t *full = ddb_proj_apply(a, &q->proj, item);
                if (val_len(full) != val_len(o)) {
                    o = full;
                    fetched += ddb_item_size(item);
                }
            }
        }
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
    if (q->x)
        ddb__consumed_index(r, in, out, q->t, q->x, ddb__rcu(bytes, consistent),
                            fetched ? ddb__rcu(fetched, consistent) : 0);
    else
        ddb__consumed(r, in, out, q->t, ddb__rcu(bytes, consistent), false, NULL, NULL, NULL);
    return GR_OK;
}

/* Select, projection and index checks shared by Query and Scan. The GSI
 * ALL_ATTRIBUTES refusal comes later (gsi_select_or_fail), as AWS orders it. */
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
    q->all_attrs = str_eq_c(sel, "ALL_ATTRIBUTES") && q->x;
    q->count_only = str_eq_c(sel, "COUNT");
    return GR_OK;
}

/* Query's and Scan's table (TableName, into *t, which q then reads) and
 * their Select checked against it. */
static int table_select_or_fail(rd_t *q, const val_t *in, sqlite3 **db, ddb_table_t *t)
{
    if (!(*db = ddb__db(q->r))) return GR_ERR;
    if (ddb__table_or_fail(q->r, *db, val_get_str(in, "TableName"), NULL, t) != GR_OK) return GR_ERR;
    q->t = t;
    return select_or_fail(q, in);
}

static int gsi_select_or_fail(rd_t *q)
{
    if (!q->x || !q->x->global || q->x->proj == DDB_PROJ_ALL) return GR_OK;
    if (q->all_attrs)
        return ddb__fail_validation(q->r, arena_printf(q->r->arena,
                                                       PVI "Select type ALL_ATTRIBUTES is not supported for global "
                                                           "secondary index %.*s because its projection type is not "
                                                           "ALL",
                                                       STR_FMT(q->x->name)));
    /* A GSI cannot fetch from the table, so asking it for an attribute it
     * does not hold (ProjectionExpression or AttributesToGet) is refused
     * rather than answered without it. AWS's text as a user quoted it
     * (localstack/localstack#478): "... Global secondary index my_index
     * does not project [table_column]"; several are listed as AWS lists
     * names elsewhere ("[a, b]"). */
    if (!q->has_proj) return GR_OK;
    buf_t b;
    buf_init(&b, q->r->arena);
    for (size_t i = 0; i < q->proj.n; i++) {
        const ddb_path_t *p = &q->proj.path[i];
        bool seen = !p->n || index_projects(q->t, q->x, p->elem[0].name);
        for (size_t j = 0; !seen && j < i; j++) /* a.b, a.c: a once */
            seen = q->proj.path[j].n && str_eq(q->proj.path[j].elem[0].name, p->elem[0].name);
        if (seen) continue;
        buf_puts(&b, b.len ? ", " : "");
        buf_put_str(&b, p->elem[0].name);
    }
    if (!b.len) return GR_OK;
    return ddb__fail_validation(q->r,
                                arena_printf(q->r->arena, PVI "Global secondary index %.*s does not project [%.*s]",
                                             STR_FMT(q->x->name), STR_FMT(buf_str(&b))));
}

/* ExclusiveStartKey values, before the table is looked up. AWS: "The
 * provided starting key is invalid: " goes before most value messages, not
 * before those about numbers and duplicates (dynalite validations/query.js,
 * checked against DynamoDB). */
static int start_values_or_fail(req_t *r, const val_t *esk)
{
    const char *e = ddb_validate_item(r->arena, (val_t *)esk);
    if (!e) return GR_OK;
    static const char *const bare[] = {"contains duplicates", "number set", "numeric value", "significant digits",
                                       "number with magnitude"};
    for (size_t i = 0; i < sizeof bare / sizeof *bare; i++)
        if (strstr(e, bare[i])) return ddb__fail_validation(r, e);
    return ddb__fail_validation(r, arena_printf(r->arena, "The provided starting key is invalid: %s", e));
}

/* One key attribute of ExclusiveStartKey against a key schema element: NULL
 * or AWS's message (dynalite db/index.js validateKeyPiece). */
static const char *start_piece(arena_t *a, const val_t *esk, str_t name, ddb_type_t want)
{
    const val_t *v = val_get_s(esk, name);
    if (!v) return "The provided starting key is invalid";
    if (ddb_type(v) != want) return "The provided key element does not match the schema";
    return ddb__empty_key_msg(a, name, v);
}

/* ExclusiveStartKey against the schema, first part: the number of
 * attributes, and on a Scan of an index the index key; a Query checks its
 * key attributes one by one with its key conditions (start_piece_hook), as
 * AWS does (dynalite actions/query.js and scan.js). */
static int start_check_or_fail(rd_t *q, const val_t *esk, bool query)
{
    req_t *r = q->r;
    const ddb_table_t *t = q->t;
    const ddb_index_t *x = q->x;
    size_t want = t->sk.p ? 2 : 1;
    for (size_t j = 0; x && j < x->nkey; j++)
        if (!str_eq(x->key[j], t->pk) && !str_eq(x->key[j], t->sk)) want++;
    if (val_len(esk) != want)
        return ddb__fail_validation(r, x || query ? "The provided starting key is invalid"
                                                  : "The provided starting key is invalid: The provided key element "
                                                    "does not match the schema");
    for (size_t j = 0; !query && x && j < x->nkey; j++) {
        const char *e = start_piece(r->arena, esk, x->key[j], x->keyt[j]);
        if (e) return ddb__fail_validation(r, e);
    }
    return GR_OK;
}

static const char *start_piece_hook(void *arg, str_t name, ddb_type_t want)
{
    rd_t *q = arg;
    return start_piece(q->r->arena, q->esk, name, want);
}

/* Second part: the table's own key in it, encoded for the resume point. */
static int start_encode_or_fail(rd_t *q, const val_t *esk, ddb_keyenc_t *k, buf_t *ik)
{
    req_t *r = q->r;
    const ddb_table_t *t = q->t;
    const ddb_index_t *x = q->x;
    const val_t *pv = val_get_s(esk, t->pk), *sv = t->sk.p ? val_get_s(esk, t->sk) : NULL;
    if (!pv || ddb_type(pv) != t->pkt || (t->sk.p && (!sv || ddb_type(sv) != t->skt)))
        return ddb__fail_validation(
            r, "The provided starting key is invalid: The provided key element does not match the schema");
    buf_init(&k->pk, r->arena);
    buf_init(&k->sk, r->arena);
    ddb_key_encode(r->arena, pv, &k->pk);
    if (sv) ddb_key_encode(r->arena, sv, &k->sk);
    if (x) {
        /* the index row's ipk and isk: each part's encodings concatenated */
        buf_init(&ik[0], r->arena);
        buf_init(&ik[1], r->arena);
        for (size_t j = 0; j < x->nkey; j++) {
            const val_t *v = val_get_s(esk, x->key[j]);
            if (v) ddb_key_encode(r->arena, v, j < x->nhash ? &ik[0] : &ik[1]);
        }
    }
    return GR_OK;
}

/* Whether v satisfies the sort key condition of kc. */
static bool sk_matches(const ddb_keycond_t *kc, const val_t *v)
{
    int c = ddb_av_cmp(v, kc->sk_v1);
    switch (kc->sk_op) {
    case DDB_KC_EQ: return c == 0;
    case DDB_KC_LT: return c < 0;
    case DDB_KC_LE: return c <= 0;
    case DDB_KC_GT: return c > 0;
    case DDB_KC_GE: return c >= 0;
    case DDB_KC_BETWEEN: return c >= 0 && ddb_av_cmp(v, kc->sk_v2) <= 0;
    case DDB_KC_BEGINS: return begins_with(v, kc->sk_v1);
    default: return true;
    }
}

/* AWS: a Query's ExclusiveStartKey must lie inside its key condition
 * (dynalite actions/query.js, asserted against DynamoDB). */
static int start_bounds_or_fail(rd_t *q, const val_t *esk, const ddb_keycond_t *kc, const str_t *key, size_t nhash)
{
    bool same_hash = true;
    for (size_t j = 0; j < nhash; j++) same_hash = same_hash && ddb_av_equal(val_get_s(esk, key[j]), kc->hash_v[j]);
    if (kc->sk_op == DDB_KC_NONE) {
        if (!same_hash)
            return ddb__fail_validation(q->r, "The provided starting key is outside query boundaries based on provided "
                                              "conditions");
        return GR_OK;
    }
    bool in_range = sk_matches(kc, val_get_s(esk, kc->sk_attr));
    for (size_t j = 0; j < kc->nsort_eq; j++)
        in_range = in_range && ddb_av_equal(val_get_s(esk, key[nhash + j]), kc->sort_eq[j]);
    if (!in_range)
        return ddb__fail_validation(q->r, "The provided starting key does not match the range key predicate");
    if (!same_hash) return ddb__fail_validation(q->r, "The query can return at most one row and cannot be restarted");
    return GR_OK;
}

/* Filter and projection parameters, before the table is looked up; the
 * legacy filter is also validated here, as AWS does first. */
static int legacy_attrs_or_fail(rd_t *q, const val_t *in)
{
    const val_t *atg = val_get(in, "AttributesToGet");
    if (!atg) return GR_OK;
    const char *dup = ddb_legacy_attrs_check(&q->c, atg);
    if (dup) return ddb__fail_validation(q->r, dup);
    if (!ddb_legacy_attrs_to_get(&q->c, atg, &q->proj)) return GR_ERR; /* out of memory */
    q->has_proj = true;
    return GR_OK;
}

/* AWS checks QueryFilter before AttributesToGet, ScanFilter after. */
static int legacy_filter_or_fail(rd_t *q, const val_t *in, const char *legacy_name)
{
    const char *e = NULL;
    bool scan = !strcmp(legacy_name, "ScanFilter");
    if (scan && legacy_attrs_or_fail(q, in) != GR_OK) return GR_ERR;
    const val_t *lf = val_get(in, legacy_name);
    if (lf && !(q->filter = ddb_legacy_filter(&q->c, lf, val_get_str(in, "ConditionalOperator"), legacy_name, &e)) && e)
        return ddb__fail_validation(q->r, e);
    return scan ? GR_OK : legacy_attrs_or_fail(q, in);
}

static int expr_filter_or_fail(rd_t *q, const val_t *in)
{
    const char *e = NULL;
    str_t fe = val_get_str(in, "FilterExpression"), pe = val_get_str(in, "ProjectionExpression");
    if (fe.p && !(q->filter = ddb_cond_parse(&q->c, fe, "FilterExpression", &e))) return ddb__fail_validation(q->r, e);
    if (pe.p) {
        if (!ddb_proj_parse(&q->c, pe, &q->proj, &e)) return ddb__fail_validation(q->r, e);
        q->has_proj = true;
    }
    return GR_OK;
}

/* AWS: "QueryFilter can only contain non-primary key attributes: Primary
 * key attribute: a" ("Filter Expression" for FilterExpression). */
static int filter_keys_or_fail(rd_t *q, const val_t *in, const str_t *key, size_t nkey)
{
    if (!q->filter) return GR_OK;
    for (size_t i = 0; i < nkey; i++) {
        str_t n = key[i];
        if (ddb_cond_refers(q->filter, n, NULL))
            return ddb__fail_validation(
                q->r,
                arena_printf(q->r->arena, "%s can only contain non-primary key attributes: Primary key attribute: %.*s",
                             val_get(in, "QueryFilter") ? "QueryFilter" : "Filter Expression", STR_FMT(n)));
    }
    return GR_OK;
}

/* The smallest byte string above every string that begins with b (in
 * place): b without its trailing 0xff bytes, its last byte plus one. Key
 * encodings always hold a byte below 0xff, so the result is never empty. */
static void after_prefix(buf_t *b)
{
    while (b->len && (unsigned char)b->p[b->len - 1] == 0xff) b->len--;
    if (b->len) b->p[b->len - 1] = (char)((unsigned char)b->p[b->len - 1] + 1);
}

/* A multi-attribute sort key condition as the half-open range [lo, hi) of
 * isk (hi->p NULL: unbounded above): isk is the concatenation of every sort
 * key attribute's encoding, so the rows whose leading attributes equal the
 * condition's equalities (prefix P) and whose next attribute satisfies sk_op
 * on encoding E lie in one range — EQ [P+E, after(P+E)), LT [P, P+E), LE
 * [P, after(P+E)), GT [after(P+E), after(P)), GE [P+E, after(P)), BETWEEN
 * [P+E1, after(P+E2)); begins_with's prefix is checked on the values, in
 * [P, after(P)). */
static void sort_range(arena_t *a, const ddb_keycond_t *kc, buf_t *lo, buf_t *hi)
{
    buf_t p;
    buf_init(&p, a);
    for (size_t j = 0; j < kc->nsort_eq; j++) ddb_key_encode(a, kc->sort_eq[j], &p);
    buf_init(lo, a);
    buf_init(hi, a);
    buf_append(lo, p.p, p.len);
    if (p.len) {
        buf_append(hi, p.p, p.len);
        after_prefix(hi);
    }
    buf_t v1, v2;
    buf_init(&v1, a);
    buf_init(&v2, a);
    buf_append(&v1, p.p, p.len);
    buf_append(&v2, p.p, p.len);
    if (kc->sk_v1) ddb_key_encode(a, kc->sk_v1, &v1);
    if (kc->sk_v2) ddb_key_encode(a, kc->sk_v2, &v2);
    switch (kc->sk_op) {
    case DDB_KC_EQ:
    case DDB_KC_LE:
    case DDB_KC_BETWEEN:
        if (kc->sk_op != DDB_KC_LE) *lo = v1;
        buf_init(hi, a);
        buf_append(hi, kc->sk_op == DDB_KC_BETWEEN ? v2.p : v1.p, kc->sk_op == DDB_KC_BETWEEN ? v2.len : v1.len);
        after_prefix(hi);
        break;
    case DDB_KC_LT: *hi = v1; break;
    case DDB_KC_GT:
        after_prefix(&v1);
        *lo = v1;
        break;
    case DDB_KC_GE: *lo = v1; break;
    default: break;
    }
}

int dynamodb_query(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    rd_t q = {.r = r, .limit = val_get_int(in, "Limit", -1)};
    const char *e = NULL;
    /* AWS's order (dynalite validations/query.js, checked against
     * DynamoDB): all that needs no table first. */
    if (ddb__expr_mix_or_fail(r, in, DDB_XP_QUERY) != GR_OK) return GR_ERR;
    ddb_ctx_init(&q.c, a, NULL, NULL);
    if (legacy_filter_or_fail(&q, in, "QueryFilter") != GR_OK) return GR_ERR;
    const val_t *esk = val_get(in, "ExclusiveStartKey");
    if (esk && start_values_or_fail(r, esk) != GR_OK) return GR_ERR;
    str_t kce = val_get_str(in, "KeyConditionExpression");
    const val_t *kcs = val_get(in, "KeyConditions");
    if (!kce.p && !kcs)
        return ddb__fail_validation(
            r, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    if (ddb__ctx_or_fail(r, in, &q.c) != GR_OK) return GR_ERR;
    ddb_kcs_t kp;
    if (kce.p && !ddb_kcs_parse(&q.c, kce, &kp, &e)) return ddb__fail_validation(r, e);
    if (expr_filter_or_fail(&q, in) != GR_OK) return GR_ERR;
    if (ddb__ctx_finish_or_fail(r, &q.c) != GR_OK) return GR_ERR;
    if (kce.p ? !ddb_kcs_split(&q.c, &kp, &e) : !ddb_legacy_kcs(&q.c, kcs, &kp, &e)) return ddb__fail_validation(r, e);

    sqlite3 *db;
    ddb_table_t t;
    if (table_select_or_fail(&q, in, &db, &t) != GR_OK) return GR_ERR;
    /* the key attributes of the table or index: partition key ones first */
    str_t tkey[2] = {t.pk, t.sk};
    ddb_type_t tkeyt[2] = {t.pkt, t.skt};
    const str_t *key = q.x ? q.x->key : tkey;
    const ddb_type_t *keyt = q.x ? q.x->keyt : tkeyt;
    size_t nkey = q.x ? q.x->nkey : t.sk.p ? 2 : 1, nhash = q.x ? q.x->nhash : 1;
    ddb_keycond_t kc;
    ddb_keyenc_t sk0;
    buf_t ik[2];
    if (esk && start_check_or_fail(&q, esk, true) != GR_OK) return GR_ERR;
    q.esk = esk;
    if (!ddb_kcs_resolve_keys(a, &kp, key, keyt, nkey, nhash, esk ? start_piece_hook : NULL, &q, &kc, &e))
        return ddb__fail_validation(r, e);
    /* AWS: no item can have an empty string or binary key, and Query says so
     * rather than answering nothing (moto's test_query_empty_key_exception). */
    for (size_t j = 0; j < kc.nhash_v && !e; j++) e = ddb__empty_key_msg(a, key[j], kc.hash_v[j]);
    for (size_t j = 0; j < kc.nsort_eq && !e; j++) e = ddb__empty_key_msg(a, key[nhash + j], kc.sort_eq[j]);
    if (!e && kc.sk_op == DDB_KC_EQ) e = ddb__empty_key_msg(a, kc.sk_attr, kc.sk_v1);
    if (e) return ddb__fail_validation(r, e);
    if (esk && start_encode_or_fail(&q, esk, &sk0, ik) != GR_OK) return GR_ERR;
    /* AWS (quoted in ScyllaDB's suite, run against DynamoDB): a Query of a
     * table without a sort key reads one item, so an exclusive start in it
     * is refused */
    if (esk && !q.x && !t.sk.p)
        return ddb__fail_validation(
            r, arena_printf(a, "The provided exclusive start key is invalid: ExclusiveStartKey: {%.*s=%s}",
                            STR_FMT(t.pk), ddb__av_brief(a, val_get_s(esk, t.pk))));
    if (esk && start_bounds_or_fail(&q, esk, &kc, key, nhash) != GR_OK) return GR_ERR;
    if (ddb__key_paths_or_fail(r, &t, q.has_proj ? &q.proj : NULL, NULL, NULL) != GR_OK) return GR_ERR;
    if (filter_keys_or_fail(&q, in, key, nkey) != GR_OK) return GR_ERR;
    if (gsi_select_or_fail(&q) != GR_OK) return GR_ERR;
    if (ddb__key_paths_or_fail(r, &t, NULL, q.filter, NULL) != GR_OK) return GR_ERR;
    bool fwd = val_get_bool(in, "ScanIndexForward", true);

    buf_t bp = enc(a, kc.pk_value), b1 = enc(a, kc.sk_v1), b2 = enc(a, kc.sk_v2);
    const char *skc = q.x ? "x.isk" : "sk";
    buf_t cond;
    buf_init(&cond, a);
    bool multi = nkey - nhash > 1; /* index rows whose isk holds more than one sort key attribute */
    if (nhash > 1) {
        buf_init(&bp, a);
        for (size_t j = 0; j < nhash; j++) ddb_key_encode(a, kc.hash_v[j], &bp);
    }
    if (multi) {
        sort_range(a, &kc, &b1, &b2);
        if (b1.len) buf_puts(&cond, " AND x.isk >= ?3");
        if (b2.p) buf_puts(&cond, " AND x.isk < ?4");
        if (kc.sk_op == DDB_KC_BEGINS) {
            q.begins = kc.sk_v1;
            q.sk_name = kc.sk_attr;
        }
    } else
        switch (kc.sk_op) {
        case DDB_KC_EQ: buf_printf(&cond, " AND %s = ?3", skc); break;
        case DDB_KC_LT: buf_printf(&cond, " AND %s < ?3", skc); break;
        case DDB_KC_LE: buf_printf(&cond, " AND %s <= ?3", skc); break;
        case DDB_KC_GT: buf_printf(&cond, " AND %s > ?3", skc); break;
        case DDB_KC_GE: buf_printf(&cond, " AND %s >= ?3", skc); break;
        case DDB_KC_BETWEEN: buf_printf(&cond, " AND %s >= ?3 AND %s <= ?4", skc, skc); break;
        case DDB_KC_BEGINS:
            q.begins = kc.sk_v1;
            q.sk_name = kc.sk_attr;
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
    if (multi) {
        if (b1.len) bind_buf(st, 3, &b1);
        if (b2.p) bind_buf(st, 4, &b2);
    } else {
        if (kc.sk_op != DDB_KC_NONE && kc.sk_op != DDB_KC_BEGINS) bind_buf(st, 3, &b1);
        if (kc.sk_op == DDB_KC_BETWEEN) bind_buf(st, 4, &b2);
    }
    if (esk && !q.x) bind_buf(st, 5, &sk0.sk);
    if (esk && q.x) {
        bind_buf(st, 5, &ik[1]);
        bind_buf(st, 6, &sk0.pk);
        bind_buf(st, 7, &sk0.sk);
    }
    if (q.x) sqlite3_bind_int64(st, 8, q.x->num);
    return run(&q, st, in, out);
}

int dynamodb_scan(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    rd_t q = {.r = r, .limit = val_get_int(in, "Limit", -1)};
    /* AWS's order (dynalite validations/scan.js, checked against DynamoDB):
     * all that needs no table first. */
    if (ddb__expr_mix_or_fail(r, in, DDB_XP_SCAN) != GR_OK) return GR_ERR;
    ddb_ctx_init(&q.c, a, NULL, NULL);
    if (legacy_filter_or_fail(&q, in, "ScanFilter") != GR_OK) return GR_ERR;
    const val_t *esk = val_get(in, "ExclusiveStartKey");
    if (esk && start_values_or_fail(r, esk) != GR_OK) return GR_ERR;
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
    if (ddb__ctx_or_fail(r, in, &q.c) != GR_OK) return GR_ERR;
    if (expr_filter_or_fail(&q, in) != GR_OK) return GR_ERR;
    if (ddb__ctx_finish_or_fail(r, &q.c) != GR_OK) return GR_ERR;

    sqlite3 *db;
    ddb_table_t t;
    if (table_select_or_fail(&q, in, &db, &t) != GR_OK) return GR_ERR;
    ddb_keyenc_t sk0;
    buf_t ik[2];
    if (esk && start_check_or_fail(&q, esk, false) != GR_OK) return GR_ERR;
    if (gsi_select_or_fail(&q) != GR_OK) return GR_ERR;
    if (esk && start_encode_or_fail(&q, esk, &sk0, ik) != GR_OK) return GR_ERR;
    /* AWS: a start key must come from the segment it resumes. */
    q.seg_type = q.x ? q.x->pkt : t.pkt;
    const buf_t *seg_key = q.x ? &ik[0] : &sk0.pk;
    if (esk && q.total > 1 && seg_of(&q, seg_key->p, seg_key->len) != q.segment)
        return ddb__fail_validation(r, arena_printf(a,
                                                    "The provided starting key is invalid: Invalid ExclusiveStartKey. "
                                                    "Please use ExclusiveStartKey with correct Segment. TotalSegments: "
                                                    "%lld Segment: %lld",
                                                    (long long)q.total, (long long)q.segment));
    if (ddb__key_paths_or_fail(r, &t, q.has_proj ? &q.proj : NULL, NULL, NULL) != GR_OK) return GR_ERR;
    if (ddb__key_paths_or_fail(r, &t, NULL, q.filter, NULL) != GR_OK) return GR_ERR;
    const char *sql;
    if (!q.x)
        sql = esk ? "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 AND (pk, sk) > (?2, ?3) ORDER BY pk, sk"
                  : "SELECT pk, sk, item FROM ddb_item WHERE tid = ?1 ORDER BY pk, sk";
    else
        sql = esk ? "SELECT x.ipk, x.sk, i.item FROM ddb_index x JOIN ddb_item i ON i.tid = x.tid AND i.pk = x.pk AND "
                    "i.sk = x.sk WHERE x.tid = ?1 AND x.idx = ?4 AND (x.ipk, x.isk, x.pk, x.sk) > (?5, ?6, ?2, ?3) "
                    "ORDER BY x.ipk, x.isk, x.pk, x.sk"
                  : "SELECT x.ipk, x.sk, i.item FROM ddb_index x JOIN ddb_item i ON i.tid = x.tid AND i.pk = x.pk AND "
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
