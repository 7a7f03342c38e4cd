/* item.c — DynamoDB single-item operations: PutItem, GetItem, UpdateItem,
 * DeleteItem, and the write path every item write shares (item row, index
 * rows, stream record in one SQLite transaction).
 *
 * Request flow: dispatch → here; ddb.h validates values and evaluates
 * expressions; this file checks keys against the table's schema with AWS's
 * messages and reads/writes ddb_item and ddb_index. Invariant: a condition is
 * evaluated and the write applied inside one BEGIN IMMEDIATE transaction, so
 * no other writer slips in between. */
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "core/req.h"
#include "dynamodb_model.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/expr_params.h"
#include "services/dynamodb/tbl.h"

#define PVI "One or more parameter values were invalid: "
#define MAX_ITEM_SIZE (400 * 1024)

/* ==== keys ==== */

const char *ddb__empty_key_msg(arena_t *a, str_t name, const val_t *v)
{
    ddb_type_t t = v ? ddb_type(v) : DDB_NULL;
    if ((t != DDB_S && t != DDB_B) || ddb_inner(v)->u.s.len) return NULL;
    return arena_printf(a,
                        "One or more parameter values are not valid. The AttributeValue for a key attribute "
                        "cannot contain an empty %s value. Key: %.*s",
                        t == DDB_S ? "string" : "binary", STR_FMT(name));
}

static const char *key_value_check(arena_t *a, str_t name, const val_t *v, ddb_type_t want, bool hash)
{
    ddb_type_t got = ddb_type(v);
    if (got != want) return NULL; /* the caller words type errors per operation */
    str_t s = ddb_inner(v)->u.s;
    const char *empty = ddb__empty_key_msg(a, name, v);
    if (empty) return empty;
    /* AWS: partition keys up to 2048 bytes, sort keys up to 1024. */
    size_t size = want == DDB_N ? 0 : s.len;
    if (hash && size > 2048) return PVI "Size of hashkey has exceeded the maximum size limit of2048 bytes";
    if (!hash && size > 1024) return PVI "Aggregated size of all range keys has exceeded the size limit of 1024 bytes";
    return NULL;
}

static void encode_key(arena_t *a, const ddb_table_t *t, const val_t *pkv, const val_t *skv, ddb_keyenc_t *k)
{
    buf_init(&k->pk, a);
    buf_init(&k->sk, a);
    ddb_key_encode(a, pkv, &k->pk);
    if (skv) ddb_key_encode(a, skv, &k->sk);
    (void)t;
}

/* key's values were validated (ddb_validate_item) before the table was
 * looked up, as AWS orders its checks. */
bool ddb__key_matches(const ddb_table_t *t, const val_t *key)
{
    const val_t *pkv = val_get_s(key, t->pk), *skv = t->sk.p ? val_get_s(key, t->sk) : NULL;
    return key && val_len(key) == (t->sk.p ? 2u : 1u) && pkv && ddb_type(pkv) == t->pkt &&
           (!t->sk.p || (skv && ddb_type(skv) == t->skt));
}

int ddb__key_or_fail(req_t *r, const ddb_table_t *t, const val_t *key, ddb_keyenc_t *k)
{
    arena_t *a = r->arena;
    if (!ddb__key_matches(t, key)) return ddb__fail_validation(r, "The provided key element does not match the schema");
    const val_t *pkv = val_get_s(key, t->pk), *skv = t->sk.p ? val_get_s(key, t->sk) : NULL;
    const char *e = key_value_check(a, t->pk, pkv, t->pkt, true);
    if (!e && skv) e = key_value_check(a, t->sk, skv, t->skt, false);
    if (e) return ddb__fail_validation(r, e);
    encode_key(a, t, pkv, skv, k);
    return GR_OK;
}

int ddb__item_key_or_fail(req_t *r, const ddb_table_t *t, const val_t *item, ddb_keyenc_t *k)
{
    arena_t *a = r->arena;
    for (int i = 0; i < (t->sk.p ? 2 : 1); i++) {
        str_t n = i ? t->sk : t->pk;
        ddb_type_t want = i ? t->skt : t->pkt;
        const val_t *v = val_get_s(item, n);
        if (!v) return ddb__fail_validation(r, arena_printf(a, PVI "Missing the key %.*s in the item", STR_FMT(n)));
        if (ddb_type(v) != want)
            return ddb__fail_validation(r, arena_printf(a, PVI "Type mismatch for key %.*s expected: %s actual: %s",
                                                        STR_FMT(n), ddb_type_name(want), ddb_type_name(ddb_type(v))));
        const char *e = key_value_check(a, n, v, want, i == 0);
        if (e) return ddb__fail_validation(r, e);
    }
    encode_key(a, t, val_get_s(item, t->pk), t->sk.p ? val_get_s(item, t->sk) : NULL, k);
    return GR_OK;
}

val_t *ddb__key_of(arena_t *a, const ddb_table_t *t, const val_t *item)
{
    val_t *k = val_new(a, VAL_MAP);
    const val_t *v = val_get_s(item, t->pk);
    if (v) val_set(a, k, t->pk, (val_t *)v);
    if (t->sk.p && (v = val_get_s(item, t->sk))) val_set(a, k, t->sk, (val_t *)v);
    return k;
}

int ddb__index_keys_or_fail(req_t *r, const ddb_table_t *t, const val_t *item)
{
    arena_t *a = r->arena;
    for (size_t i = 0; i < t->nidx; i++) {
        const ddb_index_t *x = &t->idx[i];
        for (size_t j = 0; j < x->nkey; j++) {
            str_t n = x->key[j];
            ddb_type_t want = x->keyt[j];
            const val_t *v = val_get_s(item, n);
            if (!v) continue;
            if (ddb_type(v) != want)
                return ddb__fail_validation(
                    r, arena_printf(a, PVI "Type mismatch for Index Key %.*s Expected: %s Actual: %s IndexName: %.*s",
                                    STR_FMT(n), ddb_type_name(want), ddb_type_name(ddb_type(v)), STR_FMT(x->name)));
            if ((want == DDB_S || want == DDB_B) && ddb_inner(v)->u.s.len == 0)
                return ddb__fail_validation(
                    r, arena_printf(a,
                                    "One or more parameter values are not valid. A value specified for a secondary "
                                    "index key is not supported. The AttributeValue for a key attribute cannot "
                                    "contain an empty %s value. IndexName: %.*s, IndexKey: %.*s",
                                    want == DDB_S ? "string" : "binary", STR_FMT(x->name), STR_FMT(n)));
            /* AWS: an index key has the table's key size limits too (2048
             * bytes for a partition key, 1024 for a sort key), with the
             * same messages */
            const char *e = key_value_check(a, n, v, want, j < x->nhash);
            if (e) return ddb__fail_validation(r, e);
        }
    }
    return GR_OK;
}

bool ddb__index_keys_ok(arena_t *a, const ddb_index_t *x, const val_t *item)
{
    for (size_t j = 0; j < x->nkey; j++) {
        const val_t *v = val_get_s(item, x->key[j]);
        if (!v) continue;
        if (ddb_type(v) != x->keyt[j]) return false;
        if ((x->keyt[j] == DDB_S || x->keyt[j] == DDB_B) && ddb_inner(v)->u.s.len == 0) return false;
        if (key_value_check(a, x->key[j], v, x->keyt[j], j < x->nhash)) return false;
    }
    return true;
}

/* ==== storage ==== */

int ddb__item_get(req_t *r, sqlite3 *db, const ddb_table_t *t, const ddb_keyenc_t *k, val_t **out)
{
    *out = NULL;
    sqlite3_stmt *st = ddb__stmt(db, "SELECT item FROM ddb_item WHERE tid = ?1 AND pk = ?2 AND sk = ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_blob(st, 2, k->pk.p ? k->pk.p : "", (int)k->pk.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, k->sk.p ? k->sk.p : "", (int)k->sk.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = ddb_item_decode(r->arena, str_n(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)));
        sqlite3_reset(st);
        return *out ? GR_OK : GR_ERR;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

bool ddb__index_key(arena_t *a, const ddb_index_t *x, const val_t *item, buf_t *ip, buf_t *is)
{
    /* AWS: an item lacking any of the index's key attributes is not in it
     * (sparse indexes; for multi-attribute keys every attribute counts). */
    for (size_t j = 0; j < x->nkey; j++) {
        const val_t *v = val_get_s(item, x->key[j]);
        if (!v || ddb_type(v) != x->keyt[j]) return false;
    }
    buf_init(ip, a);
    buf_init(is, a);
    for (size_t j = 0; j < x->nkey; j++) ddb_key_encode(a, val_get_s(item, x->key[j]), j < x->nhash ? ip : is);
    return true;
}

static int index_row(sqlite3 *db, const char *sql, int64_t tid, const ddb_index_t *x, const buf_t *ip, const buf_t *is,
                     const ddb_keyenc_t *k)
{
    sqlite3_stmt *st = ddb__stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, tid);
    sqlite3_bind_int64(st, 2, x->num);
    sqlite3_bind_blob(st, 3, ip->p ? ip->p : "", (int)ip->len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, is->p ? is->p : "", (int)is->len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, k->pk.p ? k->pk.p : "", (int)k->pk.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, k->sk.p ? k->sk.p : "", (int)k->sk.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* Point-in-time recovery's log (schema/004_pitr.sql): the item this write
 * replaces, so a restore can undo the write. */
static int pitr_record(req_t *r, sqlite3 *db, const ddb_table_t *t, const ddb_keyenc_t *k, const val_t *old)
{
    buf_t enc;
    buf_init(&enc, r->arena);
    if (old) ddb_item_encode(r->arena, old, &enc);
    if (enc.failed) return GR_ERR;
    sqlite3_stmt *st =
        ddb__stmt(db, "INSERT INTO ddb_pitr (tid, at_us, pk, sk, old, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_int64(st, 2, ddb__txn_us()); /* one time per transaction: a restore never splits one */
    sqlite3_bind_blob(st, 3, k->pk.p ? k->pk.p : "", (int)k->pk.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, k->sk.p ? k->sk.p : "", (int)k->sk.len, SQLITE_STATIC);
    if (old)
        sqlite3_bind_blob(st, 5, enc.p ? enc.p : "", (int)enc.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, old ? (int64_t)ddb_item_size(old) : 0);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int ddb__item_write(req_t *r, sqlite3 *db, const ddb_table_t *t, const ddb_keyenc_t *k, const val_t *old,
                    const val_t *neu)
{
    arena_t *a = r->arena;
    if (t->global.p && neu) neu = ddb__rep_stamp(r, t, neu);
    for (size_t i = 0; i < t->nidx; i++) {
        const ddb_index_t *x = &t->idx[i];
        buf_t oip, ois, nip, nis;
        bool in_old = old && ddb__index_key(a, x, old, &oip, &ois);
        bool in_new = neu && ddb__index_key(a, x, neu, &nip, &nis);
        if (in_old && in_new && oip.len == nip.len && ois.len == nis.len && !memcmp(oip.p, nip.p, oip.len) &&
            (ois.len == 0 || !memcmp(ois.p, nis.p, ois.len)))
            continue;
        if (in_old && index_row(db,
                                "DELETE FROM ddb_index WHERE tid = ?1 AND idx = ?2 AND ipk = ?3 AND isk = ?4 AND "
                                "pk = ?5 AND sk = ?6",
                                t->tid, x, &oip, &ois, k) != GR_OK)
            return GR_ERR;
        if (in_new && index_row(db,
                                "INSERT OR REPLACE INTO ddb_index (tid, idx, ipk, isk, pk, sk) VALUES (?1, ?2, ?3, ?4, "
                                "?5, ?6)",
                                t->tid, x, &nip, &nis, k) != GR_OK)
            return GR_ERR;
    }
    sqlite3_stmt *st;
    if (neu) {
        buf_t enc;
        buf_init(&enc, a);
        ddb_item_encode(a, neu, &enc);
        if (enc.failed) return GR_ERR;
        st = ddb__stmt(db, "INSERT OR REPLACE INTO ddb_item (tid, pk, sk, item, size) VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!st) return GR_ERR;
        sqlite3_bind_blob(st, 4, enc.p ? enc.p : "", (int)enc.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (int64_t)ddb_item_size(neu));
    } else {
        st = ddb__stmt(db, "DELETE FROM ddb_item WHERE tid = ?1 AND pk = ?2 AND sk = ?3");
        if (!st) return GR_ERR;
    }
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_blob(st, 2, k->pk.p ? k->pk.p : "", (int)k->pk.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, k->sk.p ? k->sk.p : "", (int)k->sk.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    if (t->pitr_since_us && (old || neu) && pitr_record(r, db, t, k, old) != GR_OK) return GR_ERR;
    /* AWS (recorded, LocalStack's test_batch_write_items_streaming and
     * test_dynamodb_stream_stream_view_type; the Streams guide says so too):
     * a write that leaves the item as it was writes no stream record. */
    if (t->stream_view.p && (old || neu) && !(old && neu && ddb_item_equal(old, neu)) &&
        ddb__stream_record(r, db, t, ddb__key_of(a, t, neu ? neu : old), old, neu) != GR_OK)
        return GR_ERR;
    if (ddb__kinesis_on(t) && (old || neu) && !(old && neu && ddb_item_equal(old, neu)) &&
        ddb__kinesis_record(r, t, ddb__key_of(a, t, neu ? neu : old), old, neu) != GR_OK)
        return GR_ERR;
    return t->global.p ? ddb__replicate(r, db, t, k, neu) : GR_OK;
}

/* Whether a write must read the item it replaces: for a condition, old
 * values, index rows, a stream record, the PITR log or capacity by the larger
 * size. A plain PutItem on a table without indexes, streams or PITR skips the
 * read. */
bool ddb__needs_old(const ddb_table_t *t, const val_t *in, bool cond, bool return_old)
{
    str_t cap = val_get_str(in, "ReturnConsumedCapacity");
    return cond || return_old || t->nidx || t->stream_view.p || t->pitr_since_us || (cap.p && !str_eq_c(cap, "NONE")) ||
           ddb__kinesis_on(t);
}

/* ==== shared request checks ==== */

const char *ddb__unused_or_null(ddb_ctx_t *c)
{
    return ddb_ctx_unused(c);
}

/* ReturnValuesOnConditionCheckFailure (dynamodb.model.json adds it to the
 * single-item operations): ALL_OLD puts the stored item in the error. */
static bool wants_old_on_failure(const val_t *in)
{
    return str_eq_c(val_get_str(in, "ReturnValuesOnConditionCheckFailure"), "ALL_OLD");
}

static int cond_fail(req_t *r, const val_t *in, const val_t *old)
{
    if (old && wants_old_on_failure(in)) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Item", (val_t *)old);
    }
    return req_fail(r, &DYNAMODB_ERR_ConditionalCheckFailedException, "The conditional request failed");
}

/* The request's condition on the item as stored, inside the write
 * transaction: GR_OK to go on; otherwise the transaction is rolled back and
 * the answer is the validation error or ConditionalCheckFailedException. */
static int check_cond(req_t *r, sqlite3 *db, const val_t *in, ddb_ctx_t *c, const ddb_cond_t *cond, const val_t *old)
{
    const char *e;
    int ok = ddb_cond_eval(c, cond, old, &e);
    if (ok > 0) return GR_OK;
    ddb__rollback(db);
    return ok < 0 ? ddb__fail_validation(r, e) : cond_fail(r, in, old);
}

/* ==== item collection metrics ==== */

/* ReturnItemCollectionMetrics SIZE: AWS answers it only for a table with a
 * local secondary index (an item collection is the items of one partition
 * key, bounded at 10 GB because of those indexes; a table without one gets no
 * member). SizeEstimateRangeGB brackets the collection's size by whole
 * gigabytes, [0.0, 1.0] for a small one (AWS: "a two-element array containing
 * a lower bound and an upper bound"; the conformance suite asserts the two
 * elements). The size here is the bytes of the partition's stored items,
 * read after the write's commit. */
static int collection_metrics(req_t *r, sqlite3 *db, const val_t *in, val_t *out, const ddb_table_t *t,
                              const ddb_keyenc_t *k, const val_t *keyed)
{
    if (!str_eq_c(val_get_str(in, "ReturnItemCollectionMetrics"), "SIZE")) return GR_OK;
    bool lsi = false;
    for (size_t i = 0; i < t->nidx && !lsi; i++) lsi = !t->idx[i].global;
    const val_t *pk = keyed ? val_get_s(keyed, t->pk) : NULL;
    if (!lsi || !pk) return GR_OK;
    sqlite3_stmt *st = ddb__stmt(db, "SELECT coalesce(sum(size), 0) FROM ddb_item WHERE tid = ?1 AND pk = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_blob(st, 2, k->pk.p ? k->pk.p : "", (int)k->pk.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    double gb = rc == SQLITE_ROW ? (double)sqlite3_column_int64(st, 0) / (1024.0 * 1024.0 * 1024.0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return GR_ERR;
    arena_t *a = r->arena;
    val_t *m = val_new(a, VAL_STRUCT), *key = val_new(a, VAL_MAP), *range = val_new(a, VAL_LIST);
    val_set(a, key, t->pk, (val_t *)pk);
    double lo = (double)(int64_t)gb;
    val_push(a, range, val_float(a, lo));
    val_push(a, range, val_float(a, lo + 1));
    val_set_c(a, m, "ItemCollectionKey", key);
    val_set_c(a, m, "SizeEstimateRangeGB", range);
    val_set_c(a, out, "ItemCollectionMetrics", m);
    return GR_OK;
}

/* ==== PutItem ==== */

int dynamodb_put_item(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    /* AWS orders its checks (dynalite validations/putItem.js, checked against
     * DynamoDB): expression mix, item values, ReturnValues, item size, the
     * condition — all before the table is looked up. */
    if (ddb__expr_mix_or_fail(r, in, DDB_XP_COND) != GR_OK) return GR_ERR;
    val_t *item = val_get(in, "Item");
    const char *e = ddb_validate_item(a, item);
    if (e) return ddb__fail_validation(r, e);
    str_t rv = val_get_str(in, "ReturnValues");
    if (rv.p && !str_eq_c(rv, "NONE") && !str_eq_c(rv, "ALL_OLD"))
        return ddb__fail_validation(r, "ReturnValues can only be ALL_OLD or NONE");
    size_t size = ddb_item_size(item);
    if (size > MAX_ITEM_SIZE) return ddb__fail_validation(r, "Item size has exceeded the maximum allowed size");
    ddb_ctx_t c;
    ddb_cond_t *cond = NULL;
    if (ddb__cond_params_or_fail(r, in, &c, &cond) != GR_OK) return GR_ERR;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    ddb_table_t t;
    if (ddb__table_or_fail(r, db, val_get_str(in, "TableName"), NULL, &t) != GR_OK) return GR_ERR;
    ddb_keyenc_t k;
    if (ddb__item_key_or_fail(r, &t, item, &k) != GR_OK) return GR_ERR;
    if (ddb__index_keys_or_fail(r, &t, item) != GR_OK) return GR_ERR;
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    val_t *old = NULL;
    if (ddb__needs_old(&t, in, cond != NULL, str_eq_c(rv, "ALL_OLD")) && ddb__item_get(r, db, &t, &k, &old) != GR_OK)
        goto fail;
    if (cond && check_cond(r, db, in, &c, cond, old) != GR_OK) return GR_ERR;
    if (ddb__item_write(r, db, &t, &k, old, item) != GR_OK) goto fail;
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    if (old && str_eq_c(rv, "ALL_OLD")) val_set_c(a, out, "Attributes", old);
    size_t osize = old ? ddb_item_size(old) : 0;
    ddb__consumed(r, in, out, &t, ddb__wcu(osize > size ? osize : size), true, NULL, old, item);
    return collection_metrics(r, db, in, out, &t, &k, item);
fail:
    ddb__rollback(db);
    return GR_ERR;
}

/* ==== GetItem ==== */

/* GetItem's, DeleteItem's and UpdateItem's common start: the table named by
 * TableName and the encoded primary key of Key, or the error answered. */
static int keyed_item_or_fail(req_t *r, const val_t *in, sqlite3 **db, ddb_table_t *t, ddb_keyenc_t *k)
{
    if (!(*db = ddb__db(r))) return GR_ERR;
    if (ddb__table_or_fail(r, *db, val_get_str(in, "TableName"), NULL, t) != GR_OK) return GR_ERR;
    return ddb__key_or_fail(r, t, val_get(in, "Key"), k);
}

int dynamodb_get_item(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    ddb_ctx_t c;
    ddb_proj_t proj;
    bool has_proj = false;
    const char *e;
    if (ddb__expr_mix_or_fail(r, in, DDB_XP_PROJ) != GR_OK) return GR_ERR;
    if ((e = ddb_validate_item(a, val_get(in, "Key")))) return ddb__fail_validation(r, e);
    if (ddb__proj_params_or_fail(r, in, &c, &proj, &has_proj) != GR_OK) return GR_ERR;
    sqlite3 *db;
    ddb_table_t t;
    ddb_keyenc_t k;
    if (keyed_item_or_fail(r, in, &db, &t, &k) != GR_OK) return GR_ERR;
    if (has_proj && ddb__key_paths_or_fail(r, &t, &proj, NULL, NULL) != GR_OK) return GR_ERR;
    val_t *item = NULL;
    if (ddb__item_get(r, db, &t, &k, &item) != GR_OK) return GR_ERR;
    bool consistent = val_get_bool(in, "ConsistentRead", false);
    size_t size = item ? ddb_item_size(item) : 0;
    if (item) val_set_c(a, out, "Item", has_proj ? ddb_proj_apply(a, &proj, item) : item);
    ddb__consumed(r, in, out, &t, ddb__rcu(size, consistent), false, NULL, NULL, NULL);
    return GR_OK;
}

/* ==== DeleteItem ==== */

int dynamodb_delete_item(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t rv = val_get_str(in, "ReturnValues");
    if (rv.p && !str_eq_c(rv, "NONE") && !str_eq_c(rv, "ALL_OLD"))
        return ddb__fail_validation(r, "ReturnValues can only be ALL_OLD or NONE");
    ddb_ctx_t c;
    ddb_cond_t *cond = NULL;
    const char *e;
    if (ddb__expr_mix_or_fail(r, in, DDB_XP_COND) != GR_OK) return GR_ERR;
    if ((e = ddb_validate_item(a, val_get(in, "Key")))) return ddb__fail_validation(r, e);
    if (ddb__cond_params_or_fail(r, in, &c, &cond) != GR_OK) return GR_ERR;
    sqlite3 *db;
    ddb_table_t t;
    ddb_keyenc_t k;
    if (keyed_item_or_fail(r, in, &db, &t, &k) != GR_OK) return GR_ERR;
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    val_t *old = NULL;
    if (ddb__item_get(r, db, &t, &k, &old) != GR_OK) goto fail;
    if (cond && check_cond(r, db, in, &c, cond, old) != GR_OK) return GR_ERR;
    if (old && ddb__item_write(r, db, &t, &k, old, NULL) != GR_OK) goto fail;
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    if (old && str_eq_c(rv, "ALL_OLD")) val_set_c(a, out, "Attributes", old);
    ddb__consumed(r, in, out, &t, ddb__wcu(old ? ddb_item_size(old) : 0), true, NULL, old, NULL);
    return collection_metrics(r, db, in, out, &t, &k, val_get(in, "Key"));
fail:
    ddb__rollback(db);
    return GR_ERR;
}

/* ==== UpdateItem ==== */

/* The attributes UPDATED_OLD / UPDATED_NEW return: the changed paths'
 * values in item. */
static val_t *updated_attrs(arena_t *a, const ddb_update_t *u, const val_t *item)
{
    const ddb_path_t *paths = NULL;
    size_t n = ddb_update_paths(u, &paths);
    ddb_proj_t p = {(ddb_path_t *)paths, n};
    return ddb_proj_apply(a, &p, item);
}

int dynamodb_update_item(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t rv = val_get_str(in, "ReturnValues");
    ddb_ctx_t c;
    ddb_cond_t *cond = NULL;
    ddb_update_t *u = NULL;
    const char *e;
    if (ddb__expr_mix_or_fail(r, in, DDB_XP_UPDATE) != GR_OK) return GR_ERR;
    if ((e = ddb_validate_item(a, val_get(in, "Key")))) return ddb__fail_validation(r, e);
    if (ddb__update_params_or_fail(r, in, &c, &cond, &u) != GR_OK) return GR_ERR;
    const val_t *key = val_get(in, "Key");
    sqlite3 *db;
    ddb_table_t t;
    ddb_keyenc_t k;
    if (keyed_item_or_fail(r, in, &db, &t, &k) != GR_OK) return GR_ERR;
    if (u) {
        for (int i = 0; i < (t.sk.p ? 2 : 1); i++) {
            str_t n = i ? t.sk : t.pk;
            if (ddb_update_touches(u, n))
                return ddb__fail_validation(
                    r,
                    arena_printf(a, PVI "Cannot update attribute %.*s. This attribute is part of the key", STR_FMT(n)));
        }
        /* AWS: a value of the wrong type for an index key is refused before
         * the item is read when the update's own value shows it (dynalite
         * db/index.js validateUpdates, asserted against DynamoDB). */
        for (size_t i = 0; i < t.nidx; i++) {
            const ddb_index_t *x = &t.idx[i];
            for (size_t j = 0; j < x->nkey; j++) {
                str_t n = x->key[j];
                ddb_type_t want = x->keyt[j], got = ddb_update_type_of(u, n);
                if (got != DDB_BAD && got != want)
                    return ddb__fail_validation(
                        r,
                        arena_printf(a, PVI "Type mismatch for Index Key %.*s Expected: %s Actual: %s IndexName: %.*s",
                                     STR_FMT(n), ddb_type_name(want), ddb_type_name(got), STR_FMT(x->name)));
            }
        }
        if (ddb__key_paths_or_fail(r, &t, NULL, NULL, u) != GR_OK) return GR_ERR;
    }
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    val_t *old = NULL;
    if (ddb__item_get(r, db, &t, &k, &old) != GR_OK) goto fail;
    if (cond && check_cond(r, db, in, &c, cond, old) != GR_OK) return GR_ERR;
    val_t *base = old;
    if (!base) {
        base = val_new(a, VAL_MAP);
        for (size_t i = 0; i < key->u.obj.n; i++) val_set(a, base, key->u.obj.e[i].key, key->u.obj.e[i].v);
    }
    val_t *neu = base;
    /* AWS: an update that only removes attributes (REMOVE, or DELETE in
     * either syntax) does not create a missing item: nothing is written,
     * no stream record, no Attributes for ALL_NEW / UPDATED_NEW; nor is it
     * checked against the missing item (REMOVE x.y is no error then). */
    bool nothing = !old && ddb_update_only_removes(u);
    if (u && !nothing) {
        neu = ddb_update_apply(&c, u, base, &e);
        if (!neu) {
            ddb__rollback(db);
            return ddb__fail_validation(r, e);
        }
    }
    size_t size = ddb_item_size(neu);
    if (size > MAX_ITEM_SIZE) {
        ddb__rollback(db);
        return ddb__fail_validation(r, "Item size to update has exceeded the maximum allowed size");
    }
    /* AWS: an index key given a value of another type by the update. */
    for (size_t i = 0; u && i < t.nidx; i++) {
        const ddb_index_t *x = &t.idx[i];
        for (size_t j = 0; j < x->nkey; j++) {
            const val_t *v = val_get_s(neu, x->key[j]);
            if (v && ddb_type(v) != x->keyt[j]) {
                ddb__rollback(db);
                return ddb__fail_validation(
                    r, "The update expression attempted to update the secondary index key to unsupported type");
            }
        }
    }
    if (ddb__index_keys_or_fail(r, &t, neu) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    if (nothing)
        neu = NULL;
    else if (ddb__item_write(r, db, &t, &k, old, neu) != GR_OK)
        goto fail;
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    val_t *attrs = NULL;
    if (nothing)
        ;
    else if (str_eq_c(rv, "ALL_OLD"))
        attrs = old;
    else if (str_eq_c(rv, "ALL_NEW"))
        attrs = neu;
    else if (str_eq_c(rv, "UPDATED_OLD") && u)
        attrs = old ? updated_attrs(a, u, old) : NULL;
    else if (str_eq_c(rv, "UPDATED_NEW") && u)
        attrs = updated_attrs(a, u, neu);
    if (attrs && val_len(attrs)) val_set_c(a, out, "Attributes", attrs);
    size_t osize = old ? ddb_item_size(old) : 0;
    ddb__consumed(r, in, out, &t, ddb__wcu(osize > size ? osize : size), true, NULL, old, neu);
    return collection_metrics(r, db, in, out, &t, &k, key);
fail:
    ddb__rollback(db);
    return GR_ERR;
}
