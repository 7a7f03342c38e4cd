/* batch.c — DynamoDB multi-item operations: BatchGetItem, BatchWriteItem,
 * TransactGetItems, TransactWriteItems.
 *
 * Request flow: dispatch → here → item.c's shared key checks and write path.
 * Every request is validated whole (tables, keys, expressions, duplicates)
 * before anything is written; then all writes run in one SQLite transaction,
 * so a transaction is all-or-nothing and never half-visible to a reader.
 * Batches are never throttled here: UnprocessedItems is always empty, and
 * UnprocessedKeys names only the keys past BatchGetItem's 16 MB response cap. */
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "core/req.h"
#include "dynamodb_model.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/expr_params.h"
#include "services/dynamodb/tbl.h"

#define MAX_ITEM_SIZE (400 * 1024)
/* AWS: "The aggregate size of the items in the transaction cannot exceed 4
 * MB" (API reference, TransactWriteItems and TransactGetItems). For a write
 * it is the request's own data that counts (ScyllaDB's suite, run against
 * DynamoDB: 50 Puts of 100 KB are refused, 50 Deletes of 100 KB items are
 * not; AWS's message speaks of the "transaction payload", and the suite
 * matches "size cannot exceed"; the rest of the wording is ours). */
#define MAX_TRANSACTION_SIZE (4 * 1024 * 1024)
#define TRANSACTION_TOO_BIG "Transaction request payload size cannot exceed 4 MB"
#define TOKEN_US (10LL * 60 * 1000000)

enum { W_PUT, W_DELETE, W_UPDATE, W_CHECK, W_GET };

typedef struct {
    int kind;
    ddb_table_t *t;
    ddb_keyenc_t k;
    const val_t *in; /* the entry's own members (Item/Key, expressions) */
    val_t *item;     /* W_PUT */
    ddb_ctx_t c;
    ddb_cond_t *cond;
    ddb_update_t *u;
    ddb_proj_t proj;
    bool has_proj;
    const char *cancel; /* TransactWriteItems, TransactGetItems: this action's ValidationError reason */
} wop_t;

typedef struct {
    ddb_table_t *t;
    str_t *asked; /* each table as the request names it: its name or its ARN */
    size_t n, cap;
    bool txn; /* for TransactGetItems or TransactWriteItems */
} tables_t;

static int table_or_fail(req_t *r, sqlite3 *db, tables_t *ts, str_t name, ddb_table_t **out)
{
    for (size_t i = 0; i < ts->n; i++)
        if (str_eq(ts->asked[i], name)) {
            *out = &ts->t[i];
            return GR_OK;
        }
    if (ts->n == ts->cap) {
        size_t nc = ts->cap ? ts->cap * 2 : 8;
        ddb_table_t *nt = arena_realloc(r->arena, ts->t, ts->cap * sizeof *nt, nc * sizeof *nt);
        str_t *na = arena_realloc(r->arena, ts->asked, ts->cap * sizeof *na, nc * sizeof *na);
        if (!nt || !na) return GR_ERR;
        ts->t = nt;
        ts->asked = na;
        ts->cap = nc;
    }
    ts->asked[ts->n] = name;
    if (ddb__table_or_fail(r, db, name, NULL, &ts->t[ts->n]) != GR_OK) return GR_ERR;
    /* AWS (developer guide, "Multi-Region strong consistency"): MRSC global
     * tables do not support transactions; the text is gureum's */
    int strong = ts->txn ? ddb__global_strong(r, db, &ts->t[ts->n]) : 0;
    if (strong < 0) return GR_ERR;
    if (strong)
        return ddb__fail_validation(r, "Transactions are not supported for global tables with "
                                       "MultiRegionConsistency set to STRONG.");
    /* the loaded table keeps pointing into the arena; its address must not
     * move once handed out, so pointers are taken after all loads */
    *out = &ts->t[ts->n++];
    return GR_OK;
}

static bool same_key(const wop_t *x, const wop_t *y)
{
    return x->t->tid == y->t->tid && x->k.pk.len == y->k.pk.len && x->k.sk.len == y->k.sk.len &&
           (!x->k.pk.len || !memcmp(x->k.pk.p, y->k.pk.p, x->k.pk.len)) &&
           (!x->k.sk.len || !memcmp(x->k.sk.p, y->k.sk.p, x->k.sk.len));
}

/* Tables are loaded into a growing array, so wop_t keeps table names and
 * resolves pointers once all are loaded. */
typedef struct {
    wop_t *op;
    str_t *tname;
    size_t n, cap;
} ops_t;

static wop_t *push_op(arena_t *a, ops_t *o, str_t tname)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 32;
        wop_t *no = arena_realloc(a, o->op, o->cap * sizeof *no, nc * sizeof *no);
        str_t *nn = arena_realloc(a, o->tname, o->cap * sizeof *nn, nc * sizeof *nn);
        if (!no || !nn) return NULL;
        o->op = no;
        o->tname = nn;
        o->cap = nc;
    }
    memset(&o->op[o->n], 0, sizeof o->op[o->n]);
    o->tname[o->n] = tname;
    return &o->op[o->n++];
}

static int resolve_tables(req_t *r, sqlite3 *db, ops_t *o, tables_t *ts)
{
    for (size_t i = 0; i < o->n; i++) {
        ddb_table_t *t;
        if (table_or_fail(r, db, ts, o->tname[i], &t) != GR_OK) return GR_ERR;
    }
    for (size_t i = 0; i < o->n; i++)
        for (size_t j = 0; j < ts->n; j++)
            if (str_eq(ts->asked[j], o->tname[i])) o->op[i].t = &ts->t[j];
    return GR_OK;
}

static bool wants_capacity(const val_t *in)
{
    str_t m = val_get_str(in, "ReturnConsumedCapacity");
    return m.p && !str_eq_c(m, "NONE");
}

/* ==== BatchGetItem ==== */

/* AWS: "A single operation can retrieve up to 16 MB of data … BatchGetItem
 * returns a partial result if the response size limit is exceeded" and names
 * the rest in UnprocessedKeys (BatchGetItem API reference). */
#define BATCH_GET_MAX_BYTES (16u << 20)

/* Adds one key to UnprocessedKeys[table], copying the table's read
 * parameters (projection, names, ConsistentRead) the first time, so the
 * caller can send UnprocessedKeys back as it is. -1 when the arena is full. */
static int defer_key(arena_t *a, val_t *unproc, str_t tname, const val_t *ka, val_t *key)
{
    val_t *entry = val_get_s(unproc, tname);
    if (!entry) {
        entry = val_new(a, VAL_MAP);
        if (!entry) return -1;
        for (size_t i = 0; i < ka->u.obj.n; i++)
            if (!str_eq_c(ka->u.obj.e[i].key, "Keys")) val_set(a, entry, ka->u.obj.e[i].key, ka->u.obj.e[i].v);
        val_set_c(a, entry, "Keys", val_new(a, VAL_LIST));
        if (val_set(a, unproc, tname, entry) < 0) return -1;
    }
    return val_push(a, val_get(entry, "Keys"), key);
}

int dynamodb_batch_get_item(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *ri = val_get(in, "RequestItems");
    ops_t o = {0};
    size_t total = 0;
    for (size_t i = 0; i < ri->u.obj.n; i++) total += val_len(val_get(ri->u.obj.e[i].v, "Keys"));
    if (total > 100) return ddb__fail_validation(r, "Too many items requested for the BatchGetItem call");
    /* AWS checks each table's parameters and key values before looking
     * any table up (dynalite validations/batchGetItem.js). */
    for (size_t i = 0; i < ri->u.obj.n; i++) {
        const val_t *ka = ri->u.obj.e[i].v;
        const val_t *keys = val_get(ka, "Keys");
        ddb_ctx_t c;
        ddb_proj_t proj;
        bool has_proj = false;
        if (ddb__expr_mix_or_fail(r, ka, DDB_XP_PROJ) != GR_OK) return GR_ERR;
        if (ddb__proj_params_or_fail(r, ka, &c, &proj, &has_proj) != GR_OK) return GR_ERR;
        for (size_t j = 0; keys && j < keys->u.list.n; j++) {
            const char *e = ddb_validate_item(a, keys->u.list.v[j]);
            if (e) return ddb__fail_validation(r, e);
            for (size_t k = 0; k < j; k++) /* AWS refuses repeated keys in a BatchGetItem before looking tables up */
                if (ddb_item_equal(keys->u.list.v[k], keys->u.list.v[j]))
                    return ddb__fail_validation(r, "Provided list of item keys contains duplicates");
            wop_t *w = push_op(a, &o, ri->u.obj.e[i].key);
            if (!w) return GR_ERR;
            w->kind = W_GET;
            w->in = ka;
            w->item = keys->u.list.v[j];
            w->proj = proj;
            w->has_proj = has_proj;
        }
    }
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    tables_t ts = {0};
    if (resolve_tables(r, db, &o, &ts) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        if (ddb__key_or_fail(r, w->t, w->item, &w->k) != GR_OK) return GR_ERR;
    }
    val_t *resp = val_new(a, VAL_MAP), *caps = val_new(a, VAL_LIST), *unproc = val_new(a, VAL_MAP);
    for (size_t i = 0; i < ri->u.obj.n; i++) val_set(a, resp, ri->u.obj.e[i].key, val_new(a, VAL_LIST));
    size_t sent = 0;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        if (sent > BATCH_GET_MAX_BYTES) {
            if (defer_key(a, unproc, o.tname[i], w->in, w->item) < 0) return GR_ERR;
            continue;
        }
        val_t *item = NULL;
        if (ddb__item_get(r, db, w->t, &w->k, &item) != GR_OK) return GR_ERR;
        size_t size = item ? ddb_item_size(item) : 0;
        if (item) {
            val_t *shown = w->has_proj ? ddb_proj_apply(a, &w->proj, item) : item;
            size_t shown_size = w->has_proj ? ddb_item_size(shown) : size;
            if (sent + shown_size > BATCH_GET_MAX_BYTES) {
                sent = BATCH_GET_MAX_BYTES + 1; /* full: this key and all after it wait for the next call */
                if (defer_key(a, unproc, o.tname[i], w->in, w->item) < 0) return GR_ERR;
                continue;
            }
            sent += shown_size;
            val_push(a, val_get_s(resp, o.tname[i]), shown);
        }
        ddb__consumed_add(r, in, caps, w->t, ddb__rcu(size, val_get_bool(w->in, "ConsistentRead", false)), false, false,
                          NULL, NULL);
    }
    val_set_c(a, out, "Responses", resp);
    val_set_c(a, out, "UnprocessedKeys", unproc);
    if (wants_capacity(in)) val_set_c(a, out, "ConsumedCapacity", caps);
    return GR_OK;
}

/* ==== BatchWriteItem ==== */

/* batch: BatchWriteItem's wording for a key attribute missing or of the
 * wrong type; TransactWriteItems keeps PutItem's. */
static int prepare_write(req_t *r, wop_t *w, bool batch)
{
    const ddb_table_t *t = w->t;
    switch (w->kind) {
    case W_PUT:
        /* AWS: in a batch a missing or mistyped key attribute is "The
         * provided key element does not match the schema", not PutItem's
         * "Missing the key" (observed against DynamoDB, other emulators'
         * issue trackers). */
        for (int i = 0; batch && i < (t->sk.p ? 2 : 1); i++) {
            const val_t *v = val_get_s(w->item, i ? t->sk : t->pk);
            if (!v || ddb_type(v) != (i ? t->skt : t->pkt))
                return ddb__fail_validation(r, "The provided key element does not match the schema");
        }
        if (ddb__item_key_or_fail(r, t, w->item, &w->k) != GR_OK) return GR_ERR;
        return ddb__index_keys_or_fail(r, t, w->item);
    default: return ddb__key_or_fail(r, t, val_get(w->in, "Key"), &w->k);
    }
}

int dynamodb_batch_write_item(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *ri = val_get(in, "RequestItems");
    ops_t o = {0};
    size_t total = 0;
    for (size_t i = 0; i < ri->u.obj.n; i++) total += val_len(ri->u.obj.e[i].v);
    if (total > 25) return ddb__fail_validation(r, "Too many items requested for the BatchWriteItem call");
    for (size_t i = 0; i < ri->u.obj.n; i++) {
        const val_t *reqs = ri->u.obj.e[i].v;
        for (size_t j = 0; j < reqs->u.list.n; j++) {
            const val_t *wr = reqs->u.list.v[j];
            const val_t *put = val_get(wr, "PutRequest"), *del = val_get(wr, "DeleteRequest");
            if ((put != NULL) == (del != NULL))
                return ddb__fail_validation(r, "Supplied AttributeValue has more than one datatypes set, must contain "
                                               "exactly one of the supported datatypes");
            wop_t *w = push_op(a, &o, ri->u.obj.e[i].key);
            if (!w) return GR_ERR;
            w->kind = put ? W_PUT : W_DELETE;
            w->in = put ? put : del;
            w->item = put ? val_get(put, "Item") : NULL;
            /* AWS: values and item sizes are checked before any table is
             * looked up (dynalite validations/batchWriteItem.js). */
            const char *e = ddb_validate_item(a, put ? w->item : val_get(del, "Key"));
            if (e) return ddb__fail_validation(r, e);
            if (put && ddb_item_size(w->item) > MAX_ITEM_SIZE)
                return ddb__fail_validation(r, "Item size has exceeded the maximum allowed size");
        }
    }
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    tables_t ts = {0};
    if (resolve_tables(r, db, &o, &ts) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < o.n; i++) {
        if (prepare_write(r, &o.op[i], true) != GR_OK) return GR_ERR;
        for (size_t j = 0; j < i; j++)
            if (same_key(&o.op[i], &o.op[j]))
                return ddb__fail_validation(r, "Provided list of item keys contains duplicates");
    }
    val_t *caps = val_new(a, VAL_LIST);
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        val_t *old = NULL;
        bool need = ddb__needs_old(w->t, in, false, false) || w->kind == W_DELETE;
        if (need && ddb__item_get(r, db, w->t, &w->k, &old) != GR_OK) goto fail;
        if ((old || w->item) && ddb__item_write(r, db, w->t, &w->k, old, w->item) != GR_OK) goto fail;
        size_t os = old ? ddb_item_size(old) : 0, ns = w->item ? ddb_item_size(w->item) : 0;
        ddb__consumed_add(r, in, caps, w->t, ddb__wcu(os > ns ? os : ns), true, false, old, w->item);
    }
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    val_set_c(a, out, "UnprocessedItems", val_new(a, VAL_MAP));
    if (wants_capacity(in)) val_set_c(a, out, "ConsumedCapacity", caps);
    return GR_OK;
fail:
    ddb__rollback(db);
    return GR_ERR;
}

/* ==== TransactGetItems ==== */

/* AWS (nubo-db's conformance suite, 2026): a Get whose Key does not match
 * the table's key schema (an attribute missing, extra or of another type,
 * e.g. Key {}) cancels the transaction with a ValidationError reason rather
 * than failing the request; empty key values stay request errors. NULL when
 * the key has the schema's attributes and types. */
static const char *get_key_mismatch(const wop_t *w)
{
    return ddb__key_matches(w->t, val_get(w->in, "Key")) ? NULL : "The provided key element does not match the schema";
}

int dynamodb_transact_get_items(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *tis = val_get(in, "TransactItems");
    bool cancelled = false;
    ops_t o = {0};
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    for (size_t i = 0; i < tis->u.list.n; i++) {
        const val_t *g = val_get(tis->u.list.v[i], "Get");
        wop_t *w = push_op(a, &o, val_get_str(g, "TableName"));
        if (!w) return GR_ERR;
        w->kind = W_GET;
        w->in = g;
        const char *e = ddb_validate_item(a, val_get(g, "Key"));
        if (e) return ddb__fail_validation(r, e);
    }
    tables_t ts = {.txn = true};
    if (resolve_tables(r, db, &o, &ts) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        if (ddb__expr_mix_or_fail(r, w->in, DDB_XP_PROJ) != GR_OK) return GR_ERR;
        if (ddb__proj_params_or_fail(r, w->in, &w->c, &w->proj, &w->has_proj) != GR_OK) return GR_ERR;
        if ((w->cancel = get_key_mismatch(w))) {
            cancelled = true;
            continue;
        }
        if (ddb__key_or_fail(r, w->t, val_get(w->in, "Key"), &w->k) != GR_OK) return GR_ERR;
        for (size_t j = 0; j < i; j++)
            if (!o.op[j].cancel && same_key(w, &o.op[j]))
                return ddb__fail_validation(r, "Transaction request cannot include multiple operations on one item");
    }
    if (cancelled) {
        val_t *reasons = val_new(a, VAL_LIST);
        for (size_t i = 0; i < o.n; i++) {
            val_t *reason = val_new(a, VAL_STRUCT);
            val_set_c(a, reason, "Code", val_cstr(a, o.op[i].cancel ? "ValidationError" : "None"));
            if (o.op[i].cancel) val_set_c(a, reason, "Message", val_cstr(a, o.op[i].cancel));
            val_push(a, reasons, reason);
        }
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "CancellationReasons", reasons);
        return req_fail(r, &DYNAMODB_ERR_TransactionCanceledException, "%s", ddb__cancelled_message(a, reasons));
    }
    /* One read transaction: every item from the same snapshot. */
    if (ddb__exec(db, "BEGIN") != GR_OK) return GR_ERR;
    val_t *resp = val_new(a, VAL_LIST), *caps = val_new(a, VAL_LIST);
    size_t total = 0;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        val_t *item = NULL;
        if (ddb__item_get(r, db, w->t, &w->k, &item) != GR_OK) {
            ddb__rollback(db);
            return GR_ERR;
        }
        /* A read's items are known only once read: the whole request is
         * rejected when they add up to more than 4 MB. */
        if (item && (total += ddb_item_size(item)) > MAX_TRANSACTION_SIZE) {
            ddb__rollback(db);
            return ddb__fail_validation(r, "The aggregate size of the items in the transaction cannot exceed 4 MB");
        }
        val_t *e = val_new(a, VAL_STRUCT);
        if (item) val_set_c(a, e, "Item", w->has_proj ? ddb_proj_apply(a, &w->proj, item) : item);
        val_push(a, resp, e);
        ddb__consumed_add(r, in, caps, w->t, 2 * ddb__rcu(item ? ddb_item_size(item) : 0, true), false, true, NULL,
                          NULL);
    }
    ddb__exec(db, "COMMIT");
    val_set_c(a, out, "Responses", resp);
    if (wants_capacity(in)) val_set_c(a, out, "ConsumedCapacity", caps);
    return GR_OK;
}

/* ==== TransactWriteItems ==== */

/* FNV-1a over bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* A hash of a parsed value in which the order of a map's or structure's
 * members does not count (their entry hashes are summed), a list's does. */
static uint64_t val_hash(const val_t *v)
{
    uint64_t h = fnv(1469598103934665603ull, &v->kind, sizeof v->kind);
    switch (v->kind) {
    case VAL_STR:
    case VAL_BLOB: return fnv(h, v->u.s.p, v->u.s.len);
    case VAL_INT:
    case VAL_TIME: return fnv(h, &v->u.i, sizeof v->u.i);
    case VAL_FLOAT: return fnv(h, &v->u.f, sizeof v->u.f);
    case VAL_BOOL: return fnv(h, &v->u.b, sizeof v->u.b);
    case VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) {
            uint64_t e = val_hash(v->u.list.v[i]);
            h = fnv(h, &e, sizeof e);
        }
        return h;
    case VAL_STRUCT:
    case VAL_MAP: {
        uint64_t sum = 0;
        for (size_t i = 0; i < v->u.obj.n; i++) {
            uint64_t e = val_hash(v->u.obj.e[i].v);
            sum += fnv(fnv(1469598103934665603ull, v->u.obj.e[i].key.p, v->u.obj.e[i].key.len), &e, sizeof e);
        }
        return fnv(h, &sum, sizeof sum);
    }
    case VAL_NULL: break;
    }
    return h;
}

/* A digest of the request for ClientRequestToken: same token, same request.
 * AWS (recorded, LocalStack's test_dynamodb_idempotent_writing): an item
 * whose attributes come in another order is the same request, so the parsed
 * input is hashed, not the body's bytes. */
static str_t request_digest(req_t *r, const val_t *in)
{
    return str_c(arena_printf(r->arena, "%016llx", (unsigned long long)val_hash(in)));
}

static int token_check(req_t *r, sqlite3 *db, str_t token, str_t digest, bool *replay)
{
    *replay = false;
    sqlite3_stmt *st =
        ddb__stmt(db, "SELECT digest FROM ddb_txn_token WHERE account = ?1 AND region = ?2 AND token = ?3 AND "
                      "expires_us > ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->region.p, (int)r->region.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, token.p, (int)token.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, time_now_us());
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bool same = (size_t)sqlite3_column_bytes(st, 0) == digest.len &&
                    !memcmp(sqlite3_column_text(st, 0), digest.p, digest.len);
        sqlite3_reset(st);
        if (!same)
            return req_fail(r, &DYNAMODB_ERR_IdempotentParameterMismatchException,
                            "The request uses the same client token as a previous, but non-identical request.");
        *replay = true;
        return GR_OK;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

static int token_save(req_t *r, sqlite3 *db, str_t token, str_t digest)
{
    sqlite3_stmt *st = ddb__stmt(db, "INSERT OR REPLACE INTO ddb_txn_token (account, region, token, digest, "
                                     "expires_us) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->region.p, (int)r->region.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, token.p, (int)token.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, digest.p, (int)digest.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, time_now_us() + TOKEN_US);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    st = ddb__stmt(db, "DELETE FROM ddb_txn_token WHERE expires_us < ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, time_now_us());
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* AWS: in a transaction a key attribute present with the wrong type is
 * found while the transaction runs, so it cancels it with a ValidationError
 * reason instead of failing the request ("Type mismatch for key" for a Put's
 * item, "The provided key element does not match the schema" for a Key;
 * characterised against DynamoDB by other emulators' conformance suites).
 * Missing or empty key values stay request errors. NULL when the key types
 * are right. */
static const char *mistyped_key(arena_t *a, const wop_t *w)
{
    const ddb_table_t *t = w->t;
    const val_t *src = w->kind == W_PUT ? w->item : val_get(w->in, "Key");
    for (int i = 0; i < (t->sk.p ? 2 : 1); i++) {
        str_t n = i ? t->sk : t->pk;
        ddb_type_t want = i ? t->skt : t->pkt;
        const val_t *v = val_get_s(src, n);
        if (!v || ddb_type(v) == want) continue;
        if (w->kind != W_PUT) return "The provided key element does not match the schema";
        return arena_printf(a,
                            "One or more parameter values were invalid: Type mismatch for key %.*s expected: %s "
                            "actual: %s",
                            STR_FMT(n), ddb_type_name(want), ddb_type_name(ddb_type(v)));
    }
    return NULL;
}

/* AWS: "Transaction cancelled, please refer cancellation reasons for
 * specific reasons [ConditionalCheckFailed, None]". */
const char *ddb__cancelled_message(arena_t *a, const val_t *reasons)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < reasons->u.list.n; i++) {
        if (i) buf_puts(&b, ", ");
        buf_put_str(&b, val_get_str(reasons->u.list.v[i], "Code"));
    }
    return arena_printf(a, "Transaction cancelled, please refer cancellation reasons for specific reasons [%.*s]",
                        (int)b.len, b.p);
}

int dynamodb_transact_write_items(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *tis = val_get(in, "TransactItems");
    ops_t o = {0};
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    for (size_t i = 0; i < tis->u.list.n; i++) {
        const val_t *ti = tis->u.list.v[i];
        static const char *const KINDS[] = {"Put", "Delete", "Update", "ConditionCheck"};
        const val_t *body = NULL;
        int kind = -1, nset = 0;
        for (int k = 0; k < 4; k++)
            if (val_get(ti, KINDS[k])) {
                body = val_get(ti, KINDS[k]);
                kind = k;
                nset++;
            }
        if (nset != 1)
            return ddb__fail_validation(r, "TransactItems can only contain one of Check, Put, Update or Delete");
        wop_t *w = push_op(a, &o, val_get_str(body, "TableName"));
        if (!w) return GR_ERR;
        w->kind = kind;
        w->in = body;
        w->item = kind == W_PUT ? val_get(body, "Item") : NULL;
        const char *e = ddb_validate_item(a, w->item ? w->item : val_get(body, "Key"));
        if (e) return ddb__fail_validation(r, e);
        if (w->item && ddb_item_size(w->item) > MAX_ITEM_SIZE)
            return ddb__fail_validation(r, "Item size has exceeded the maximum allowed size");
    }
    /* The payload: each Put's item, each other action's key, and the values
     * its expressions carry. */
    size_t payload = 0;
    for (size_t i = 0; i < o.n; i++) {
        const val_t *eav = val_get(o.op[i].in, "ExpressionAttributeValues");
        payload += ddb_item_size(o.op[i].item ? o.op[i].item : val_get(o.op[i].in, "Key"));
        if (eav && eav->kind != VAL_NULL) payload += ddb_item_size(eav);
    }
    if (payload > MAX_TRANSACTION_SIZE) return ddb__fail_validation(r, TRANSACTION_TOO_BIG);
    tables_t ts = {.txn = true};
    if (resolve_tables(r, db, &o, &ts) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        if (ddb__expr_mix_or_fail(r, w->in, w->kind == W_UPDATE ? DDB_XP_UPDATE : DDB_XP_COND) != GR_OK) return GR_ERR;
        if (w->kind == W_UPDATE) {
            if (ddb__update_params_or_fail(r, w->in, &w->c, &w->cond, &w->u) != GR_OK) return GR_ERR;
            if (w->u) {
                const ddb_table_t *t = w->t;
                for (int k = 0; k < (t->sk.p ? 2 : 1); k++) {
                    str_t n = k ? t->sk : t->pk;
                    if (ddb_update_touches(w->u, n))
                        return ddb__fail_validation(
                            r, arena_printf(a,
                                            "One or more parameter values were invalid: Cannot update attribute "
                                            "%.*s. This attribute is part of the key",
                                            STR_FMT(n)));
                }
            }
        } else {
            if (ddb__cond_params_or_fail(r, w->in, &w->c, &w->cond) != GR_OK) return GR_ERR;
            if (w->kind == W_CHECK && !w->cond)
                return ddb__fail_validation(r, "The ConditionExpression of a ConditionCheck must be specified");
        }
        if ((w->cancel = mistyped_key(a, w))) continue;
        if (prepare_write(r, w, false) != GR_OK) return GR_ERR;
        for (size_t j = 0; j < i; j++)
            if (!o.op[j].cancel && same_key(w, &o.op[j]))
                return ddb__fail_validation(r, "Transaction request cannot include multiple operations on one item");
    }
    str_t token = val_get_str(in, "ClientRequestToken");
    str_t digest = token.p ? request_digest(r, in) : STR_NULL;
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    if (token.p) {
        bool replay;
        if (token_check(r, db, token, digest, &replay) != GR_OK) goto fail_keep;
        if (replay) {
            ddb__rollback(db);
            return GR_OK;
        }
    }
    val_t **olds = ARENA_NEWN(a, val_t *, o.n + 1), **news = ARENA_NEWN(a, val_t *, o.n + 1);
    val_t *reasons = val_new(a, VAL_LIST);
    bool cancelled = false;
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        val_t *reason = val_new(a, VAL_STRUCT);
        if (w->cancel) {
            cancelled = true;
            val_set_c(a, reason, "Code", val_cstr(a, "ValidationError"));
            val_set_c(a, reason, "Message", val_cstr(a, w->cancel));
            val_push(a, reasons, reason);
            continue;
        }
        if (ddb__item_get(r, db, w->t, &w->k, &olds[i]) != GR_OK) goto fail;
        bool ok = true;
        const char *e = NULL;
        if (w->cond) {
            int c = ddb_cond_eval(&w->c, w->cond, olds[i], &e);
            if (c < 0) {
                ddb__rollback(db);
                return ddb__fail_validation(r, e);
            }
            ok = c == 1;
        }
        if (!ok) {
            cancelled = true;
            val_set_c(a, reason, "Code", val_cstr(a, "ConditionalCheckFailed"));
            val_set_c(a, reason, "Message", val_cstr(a, "The conditional request failed"));
            if (olds[i] && str_eq_c(val_get_str(w->in, "ReturnValuesOnConditionCheckFailure"), "ALL_OLD"))
                val_set_c(a, reason, "Item", olds[i]);
        } else {
            val_set_c(a, reason, "Code", val_cstr(a, "None"));
            if (w->kind == W_PUT)
                news[i] = w->item;
            else if (w->kind == W_UPDATE) {
                val_t *base = olds[i];
                if (!base) {
                    const val_t *key = val_get(w->in, "Key");
                    base = val_new(a, VAL_MAP);
                    for (size_t k = 0; k < key->u.obj.n; k++) val_set(a, base, key->u.obj.e[k].key, key->u.obj.e[k].v);
                }
                news[i] = base;
                if (w->u && !(news[i] = ddb_update_apply(&w->c, w->u, base, &e))) {
                    ddb__rollback(db);
                    return ddb__fail_validation(r, e);
                }
                if (ddb_item_size(news[i]) > MAX_ITEM_SIZE) {
                    ddb__rollback(db);
                    return ddb__fail_validation(r, "Item size to update has exceeded the maximum allowed size");
                }
                if (ddb__index_keys_or_fail(r, w->t, news[i]) != GR_OK) goto fail_keep;
            }
        }
        val_push(a, reasons, reason);
    }
    if (cancelled) {
        ddb__rollback(db);
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "CancellationReasons", reasons);
        return req_fail(r, &DYNAMODB_ERR_TransactionCanceledException, "%s", ddb__cancelled_message(a, reasons));
    }
    val_t *caps = val_new(a, VAL_LIST);
    for (size_t i = 0; i < o.n; i++) {
        wop_t *w = &o.op[i];
        bool writes = w->kind == W_PUT || w->kind == W_UPDATE || (w->kind == W_DELETE && olds[i]);
        if (writes && ddb__item_write(r, db, w->t, &w->k, olds[i], news[i]) != GR_OK) goto fail;
        size_t os = olds[i] ? ddb_item_size(olds[i]) : 0, ns = news[i] ? ddb_item_size(news[i]) : 0;
        /* AWS: transactional writes cost two write units per KB. */
        ddb__consumed_add(r, in, caps, w->t, 2 * ddb__wcu(os > ns ? os : ns), true, true, olds[i], news[i]);
    }
    if (token.p && token_save(r, db, token, digest) != GR_OK) goto fail;
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    if (wants_capacity(in)) val_set_c(a, out, "ConsumedCapacity", caps);
    return GR_OK;
fail:
    ddb__rollback(db);
    return GR_ERR;
fail_keep:
    ddb__rollback(db);
    return GR_ERR;
}
