/* partiql.c — DynamoDB's PartiQL: ExecuteStatement and BatchExecuteStatement
 * for the simple forms
 *   SELECT * | path, ... FROM "T"[."Index"] [WHERE cond]
 *   INSERT INTO "T" VALUE {'k': v, ...}
 *   UPDATE "T" SET path = v [, ...] [REMOVE path, ...] WHERE key = v [AND ...]
 *   DELETE FROM "T" WHERE key = v [AND ...]
 * Request flow: a statement is translated into the equivalent item request
 * (Scan, PutItem, UpdateItem, DeleteItem) with names (#pN) and values (:pN)
 * for every identifier and literal, and that operation's handler runs it, so
 * PartiQL gets exactly the same validation, conditions and write path. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/req.h"
#include "dynamodb_model.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/dynamodb/tbl.h"

typedef enum { K_END, K_WORD, K_QID, K_STR, K_NUM, K_PARAM, K_PUNCT } kind_t;

typedef struct {
    kind_t k;
    str_t s;
} tok_t;

typedef struct {
    req_t *r;
    arena_t *a;
    tok_t *t;
    size_t n, i;
    const val_t *params;
    size_t next_param;
    val_t *names, *values;
    int nn, nv;
    const char *err;
} pq_t;

static int lex(pq_t *q, str_t s)
{
    size_t cap = 64;
    q->t = ARENA_NEWN(q->a, tok_t, cap);
    size_t i = 0;
    while (q->t) {
        while (i < s.len && isspace((unsigned char)s.p[i])) i++;
        if (q->n + 1 >= cap) {
            tok_t *nt = arena_realloc(q->a, q->t, cap * sizeof *nt, cap * 2 * sizeof *nt);
            if (!nt) return GR_ERR;
            q->t = nt;
            cap *= 2;
        }
        tok_t *t = &q->t[q->n];
        if (i >= s.len) {
            t->k = K_END;
            return GR_OK;
        }
        size_t st = i;
        char c = s.p[i];
        if (c == '\'' || c == '"') {
            buf_t b;
            buf_init(&b, q->a);
            i++;
            for (;;) {
                if (i >= s.len) {
                    q->err = "Statement wasn't well formed, can't be processed: unterminated quoted literal";
                    return GR_ERR;
                }
                if (s.p[i] == c) {
                    if (i + 1 < s.len && s.p[i + 1] == c) {
                        buf_putc(&b, c);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf_putc(&b, s.p[i++]);
            }
            t->k = c == '\'' ? K_STR : K_QID;
            t->s = buf_str(&b);
            if (!t->s.p) t->s = STR("");
        } else if (isdigit((unsigned char)c) || (c == '-' && i + 1 < s.len && isdigit((unsigned char)s.p[i + 1]))) {
            i++;
            while (i < s.len && (isdigit((unsigned char)s.p[i]) || s.p[i] == '.' || s.p[i] == 'e' || s.p[i] == 'E' ||
                                 ((s.p[i] == '-' || s.p[i] == '+') && (s.p[i - 1] == 'e' || s.p[i - 1] == 'E'))))
                i++;
            t->k = K_NUM;
            t->s = str_n(s.p + st, i - st);
        } else if (isalpha((unsigned char)c) || c == '_') {
            while (i < s.len && (isalnum((unsigned char)s.p[i]) || s.p[i] == '_')) i++;
            t->k = K_WORD;
            t->s = str_n(s.p + st, i - st);
        } else if (c == '?') {
            i++;
            t->k = K_PARAM;
            t->s = STR("?");
        } else {
            static const char *const two[] = {"<<", ">>", "<=", ">=", "<>", "!="};
            t->k = K_PUNCT;
            t->s = str_n(s.p + i, 1);
            for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
                if (i + 1 < s.len && s.p[i] == two[k][0] && s.p[i + 1] == two[k][1]) t->s = str_n(s.p + i, 2);
            i += t->s.len;
        }
        q->n++;
    }
    return GR_ERR;
}

static tok_t *peek(pq_t *q)
{
    return &q->t[q->i];
}

static bool is_word(const tok_t *t, const char *w)
{
    return t->k == K_WORD && str_eq_nocase(t->s, str_c(w));
}

static bool is_punct(const tok_t *t, const char *p)
{
    return t->k == K_PUNCT && str_eq_c(t->s, p);
}

static bool fail(pq_t *q, const char *msg)
{
    if (!q->err) q->err = msg;
    return false;
}

static bool expect_word(pq_t *q, const char *w)
{
    if (!is_word(peek(q), w))
        return fail(q, arena_printf(q->a, "Statement wasn't well formed, can't be processed: Expected %s", w));
    q->i++;
    return true;
}

/* A literal (or ? parameter) as an AttributeValue. */
static val_t *literal(pq_t *q)
{
    arena_t *a = q->a;
    tok_t *t = peek(q);
    q->i++;
    switch (t->k) {
    case K_STR: return ddb_av(a, DDB_S, val_str(a, t->s));
    case K_NUM: return ddb_av(a, DDB_N, val_str(a, t->s));
    case K_PARAM:
        if (!q->params || q->next_param >= q->params->u.list.n) {
            fail(q, "Number of parameters in request and statement don't match.");
            return NULL;
        }
        return q->params->u.list.v[q->next_param++];
    case K_WORD:
        if (is_word(t, "true") || is_word(t, "false")) return ddb_av(a, DDB_BOOL, val_bool(a, is_word(t, "true")));
        if (is_word(t, "null")) return ddb_av(a, DDB_NULL, val_bool(a, true));
        break;
    case K_PUNCT:
        if (is_punct(t, "{")) {
            val_t *m = val_new(a, VAL_MAP);
            while (!is_punct(peek(q), "}")) {
                tok_t *k = peek(q);
                if (k->k != K_STR && k->k != K_QID) break;
                q->i++;
                if (!is_punct(peek(q), ":")) break;
                q->i++;
                val_t *v = literal(q);
                if (!v) return NULL;
                val_set(a, m, k->s, v);
                if (is_punct(peek(q), ",")) q->i++;
            }
            if (!is_punct(peek(q), "}")) break;
            q->i++;
            return ddb_av(a, DDB_M, m);
        }
        if (is_punct(t, "[") || is_punct(t, "<<")) {
            bool set = is_punct(t, "<<");
            const char *close = set ? ">>" : "]";
            val_t *l = val_new(a, VAL_LIST);
            ddb_type_t et = DDB_BAD;
            while (!is_punct(peek(q), close) && peek(q)->k != K_END) {
                val_t *v = literal(q);
                if (!v) return NULL;
                if (set) {
                    et = ddb_type(v);
                    val_push(a, l, (val_t *)ddb_inner(v));
                } else
                    val_push(a, l, v);
                if (is_punct(peek(q), ",")) q->i++;
            }
            if (!is_punct(peek(q), close)) break;
            q->i++;
            if (!set) return ddb_av(a, DDB_L, l);
            return ddb_av(a, et == DDB_N ? DDB_NS : et == DDB_B ? DDB_BS : DDB_SS, l);
        }
        break;
    default: break;
    }
    fail(q, arena_printf(a, "Statement wasn't well formed, can't be processed: Unexpected token: %.*s", STR_FMT(t->s)));
    return NULL;
}

static str_t name_ref(pq_t *q, str_t name)
{
    /* reuse the placeholder of a name seen before: AWS refuses unused ones */
    for (size_t i = 0; i < q->names->u.obj.n; i++)
        if (str_eq(q->names->u.obj.e[i].v->u.s, name)) return q->names->u.obj.e[i].key;
    str_t k = str_c(arena_printf(q->a, "#p%d", q->nn++));
    val_set(q->a, q->names, k, val_str(q->a, name));
    return k;
}

static str_t value_ref(pq_t *q, val_t *v)
{
    str_t k = str_c(arena_printf(q->a, ":p%d", q->nv++));
    val_set(q->a, q->values, k, v);
    return k;
}

static bool is_literal_start(const tok_t *t)
{
    return t->k == K_STR || t->k == K_NUM || t->k == K_PARAM || is_punct(t, "{") || is_punct(t, "[") ||
           is_punct(t, "<<") || is_word(t, "true") || is_word(t, "false") || is_word(t, "null");
}

/* A document path: identifier then .identifier / [n]. Appends to b. */
static bool path(pq_t *q, buf_t *b, str_t *first, val_t *steps)
{
    tok_t *t = peek(q);
    if (t->k != K_WORD && t->k != K_QID)
        return fail(q, "Statement wasn't well formed, can't be processed: Expected path");
    q->i++;
    if (first) *first = t->s;
    buf_put_str(b, name_ref(q, t->s));
    if (steps) val_push(q->a, steps, val_str(q->a, t->s));
    for (;;) {
        if (is_punct(peek(q), ".")) {
            q->i++;
            tok_t *n = peek(q);
            if (n->k != K_WORD && n->k != K_QID) return fail(q, "Statement wasn't well formed, can't be processed");
            q->i++;
            buf_putc(b, '.');
            buf_put_str(b, name_ref(q, n->s));
            if (steps) val_push(q->a, steps, val_str(q->a, n->s));
        } else if (is_punct(peek(q), "[") && q->t[q->i + 1].k == K_NUM) {
            buf_printf(b, "[%.*s]", STR_FMT(q->t[q->i + 1].s));
            if (steps) val_push(q->a, steps, val_int(q->a, strtoll(q->t[q->i + 1].s.p, NULL, 10)));
            q->i += 2;
            if (!is_punct(peek(q), "]")) return fail(q, "Statement wasn't well formed, can't be processed");
            q->i++;
        } else
            return true;
    }
}

/* One operand of an UPDATE's SET value: a literal, or a path of the item
 * (AWS: "SET n = n + 1"). */
static bool set_operand(pq_t *q, buf_t *b)
{
    tok_t *t = peek(q);
    bool word = t->k == K_QID || (t->k == K_WORD && !is_word(t, "true") && !is_word(t, "false") && !is_word(t, "null"));
    if (word) return path(q, b, NULL, NULL);
    val_t *v = literal(q);
    if (!v) return false;
    buf_put_str(b, value_ref(q, v));
    return true;
}

/* Translates a WHERE condition up to `stop` (or the end) into expression
 * syntax. Collects top-level `key = literal` terms for keys. */
static bool condition(pq_t *q, buf_t *b, const ddb_table_t *t, val_t *key, bool *only_keys)
{
    int depth = 0;
    *only_keys = true;
    while (peek(q)->k != K_END) {
        tok_t *tk = peek(q);
        if (tk->k == K_WORD && q->t[q->i + 1].k == K_PUNCT && str_eq_c(q->t[q->i + 1].s, "(") && !is_word(tk, "in")) {
            /* a function: begins_with, attribute_exists, contains, size, ... */
            buf_put_str(b, tk->s);
            buf_putc(b, '(');
            q->i += 2;
            depth++;
            *only_keys = false;
            continue;
        }
        if (is_word(tk, "and") || is_word(tk, "or") || is_word(tk, "not") || is_word(tk, "between")) {
            if (!is_word(tk, "and")) *only_keys = false;
            buf_putc(b, ' ');
            buf_put_str(b, tk->s);
            buf_putc(b, ' ');
            q->i++;
            continue;
        }
        if (is_word(tk, "in")) {
            *only_keys = false;
            q->i++;
            buf_puts(b, " IN (");
            bool bracket = is_punct(peek(q), "[") || is_punct(peek(q), "(");
            if (!bracket) return fail(q, "Statement wasn't well formed, can't be processed: Expected a list after IN");
            const char *close = is_punct(peek(q), "[") ? "]" : ")";
            q->i++;
            bool firstv = true;
            while (!is_punct(peek(q), close) && peek(q)->k != K_END) {
                val_t *v = literal(q);
                if (!v) return false;
                if (!firstv) buf_puts(b, ", ");
                buf_put_str(b, value_ref(q, v));
                firstv = false;
                if (is_punct(peek(q), ",")) q->i++;
            }
            q->i++;
            buf_putc(b, ')');
            continue;
        }
        if ((tk->k == K_WORD && !is_literal_start(tk)) || tk->k == K_QID) {
            str_t first;
            size_t mark = q->i, at = b->len;
            if (!path(q, b, &first, NULL)) return false;
            bool simple = q->i == mark + 1;
            /* PartiQL's "x IS [NOT] MISSING" is an attribute_(not_)exists test
             * (AWS (recorded), LocalStack's test_dynamodb_partiql_missing). */
            if (is_word(peek(q), "is")) {
                bool negated = is_word(&q->t[q->i + 1], "not");
                if (!is_word(&q->t[q->i + 1 + negated], "missing"))
                    return fail(q, "Statement wasn't well formed, can't be processed: Expected MISSING after IS");
                q->i += 2 + negated;
                char *ref = arena_strndup(q->a, b->p + at, b->len - at);
                if (!ref) return false;
                b->len = at;
                buf_puts(b, negated ? "attribute_exists(" : "attribute_not_exists(");
                buf_puts(b, ref);
                buf_putc(b, ')');
                *only_keys = false;
                continue;
            }
            /* key = literal at the top level */
            if (depth == 0 && simple && is_punct(peek(q), "=") && is_literal_start(&q->t[q->i + 1]) &&
                (str_eq(first, t->pk) || (t->sk.p && str_eq(first, t->sk)))) {
                q->i++;
                val_t *v = literal(q);
                if (!v) return false;
                val_set(q->a, key, first, v);
                buf_puts(b, " = ");
                buf_put_str(b, value_ref(q, v));
            } else if (depth == 0 && !(str_eq(first, t->pk) || (t->sk.p && str_eq(first, t->sk))))
                *only_keys = false;
            continue;
        }
        if (is_literal_start(tk)) {
            val_t *v = literal(q);
            if (!v) return false;
            buf_put_str(b, value_ref(q, v));
            continue;
        }
        if (tk->k == K_PUNCT) {
            if (is_punct(tk, "(")) depth++;
            if (is_punct(tk, ")")) depth--;
            if (!is_punct(tk, "=") || depth) {
                if (!is_punct(tk, "(") && !is_punct(tk, ")") && !is_punct(tk, ",")) *only_keys = false;
            }
            buf_putc(b, ' ');
            buf_put_str(b, is_punct(tk, "!=") ? STR("<>") : tk->s);
            buf_putc(b, ' ');
            q->i++;
            continue;
        }
        return fail(q, arena_printf(q->a, "Statement wasn't well formed, can't be processed: Unexpected token: %.*s",
                                    STR_FMT(tk->s)));
    }
    return true;
}

static bool table_ref(pq_t *q, str_t *table, str_t *index)
{
    tok_t *t = peek(q);
    if (t->k != K_QID && t->k != K_WORD)
        return fail(q, "Statement wasn't well formed, can't be processed: Expected table name");
    *table = t->s;
    q->i++;
    *index = STR_NULL;
    if (is_punct(peek(q), ".") && (q->t[q->i + 1].k == K_QID || q->t[q->i + 1].k == K_WORD)) {
        *index = q->t[q->i + 1].s;
        q->i += 2;
    }
    return true;
}

static void set_exprs(pq_t *q, val_t *in)
{
    if (q->names->u.obj.n) val_set_c(q->a, in, "ExpressionAttributeNames", q->names);
    if (q->values->u.obj.n) val_set_c(q->a, in, "ExpressionAttributeValues", q->values);
}

/* NextToken: the page's LastEvaluatedKey in the storage encoding, as hex. */
static str_t token_encode(arena_t *a, const val_t *key)
{
    buf_t b, h;
    buf_init(&b, a);
    buf_init(&h, a);
    ddb_item_encode(a, key, &b);
    for (size_t i = 0; i < b.len; i++) buf_printf(&h, "%02x", (unsigned char)b.p[i]);
    return buf_str(&h);
}

static val_t *token_decode(arena_t *a, str_t t)
{
    if (t.len % 2) return NULL;
    char *p = arena_alloc(a, t.len / 2 + 1);
    if (!p) return NULL;
    for (size_t i = 0; i < t.len / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = t.p[2 * i + k];
            unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                                : 16;
            if (d == 16) return NULL;
            v = v * 16 + d;
        }
        p[i] = (char)v;
    }
    return ddb_item_decode(a, str_n(p, t.len / 2));
}

/* AWS: a PartiQL statement is authorized as what it does —
 * dynamodb:PartiQLSelect, PartiQLInsert, PartiQLUpdate or PartiQLDelete — on
 * its table, or on the index a SELECT reads; the operations that carry
 * statements are OPF_NO_AUTHZ in dynamodb.ops. */
static int authorize(req_t *r, const char *what, str_t table, str_t index)
{
    str_t arn = ddb__table_arn(r, table);
    if (index.p) arn = str_c(arena_printf(r->arena, "%.*s/index/%.*s", STR_FMT(arn), STR_FMT(index)));
    /* with the table's own policy (policy.c): its Allow or Deny counts too */
    ddb_table_t t;
    sqlite3 *db = ddb__db(r);
    policy_t *pol = db && ddb__table_load(r, db, table, &t) == GR_OK ? ddb__table_policy(r, &t) : NULL;
    return authz_check_resource(r, ((app_t *)r->app)->authz, str_c(arena_printf(r->arena, "dynamodb:PartiQL%s", what)),
                                arn, r->who.account, pol);
}

static const aws_errdef_t E_Duplicate = {"DuplicateItemException", 400, true};

/* What a statement would do, for ExecuteTransaction: its kind, and the
 * input it makes — a SELECT's Scan, or a write's PutItem / UpdateItem /
 * DeleteItem (a transaction item's body as it is). */
typedef enum { PQ_SELECT, PQ_INSERT, PQ_UPDATE, PQ_DELETE } pq_kind_t;
typedef struct {
    pq_kind_t kind;
    val_t *in;
    bool full_key; /* SELECT: equalities on the whole primary key */
    val_t *sel;    /* SELECT: its paths, each a list of names and indexes */
} pq_plan_t;

/* The value at path steps (names, list indexes) of item, or NULL. */
static const val_t *value_at(const val_t *item, const val_t *steps)
{
    const val_t *cur = val_get_s(item, steps->u.list.v[0]->u.s);
    for (size_t i = 1; cur && i < steps->u.list.n; i++) {
        const val_t *st = steps->u.list.v[i];
        if (st->kind == VAL_STR) {
            const val_t *m = val_get(cur, "M");
            cur = m ? val_get_s(m, st->u.s) : NULL;
        } else {
            const val_t *l = val_get(cur, "L");
            cur =
                l && l->kind == VAL_LIST && st->u.i >= 0 && (size_t)st->u.i < l->u.list.n ? l->u.list.v[st->u.i] : NULL;
        }
    }
    return cur;
}

/* AWS (nubo-db's conformance suite, 2026): a SELECT of a nested path
 * "m.a.b" answers the value under its last name, {"b": ...}, not inside
 * the maps that lead to it as a ProjectionExpression would. Other paths
 * (a top-level name, one ending in an index) keep the projection's shape. */
static val_t *selected(arena_t *a, const val_t *sel, val_t *items)
{
    bool nested = false;
    for (size_t i = 0; sel && i < sel->u.list.n && !nested; i++) {
        const val_t *st = sel->u.list.v[i];
        nested = st->u.list.n > 1 && st->u.list.v[st->u.list.n - 1]->kind == VAL_STR;
    }
    if (!nested || !items || items->kind != VAL_LIST) return items;
    val_t *outl = val_new(a, VAL_LIST);
    for (size_t k = 0; k < items->u.list.n; k++) {
        const val_t *item = items->u.list.v[k];
        val_t *o = val_new(a, VAL_MAP);
        for (size_t i = 0; i < sel->u.list.n; i++) {
            const val_t *st = sel->u.list.v[i], *last = st->u.list.v[st->u.list.n - 1];
            str_t name = st->u.list.v[0]->u.s;
            const val_t *v;
            if (st->u.list.n > 1 && last->kind == VAL_STR) {
                name = last->u.s;
                v = value_at(item, st);
            } else {
                v = val_get_s(item, name);
            }
            if (v && !val_get_s(o, name)) val_set(a, o, name, (val_t *)v);
        }
        val_push(a, outl, o);
    }
    return outl;
}

/* Runs one statement (out gets what ExecuteStatement answers), or with plan
 * only parses and checks it and says what it would do. */
static int run_statement(req_t *r, str_t text, const val_t *params, bool consistent, const val_t *outer, val_t *out,
                         str_t *table_out, pq_plan_t *plan)
{
    arena_t *a = r->arena;
    pq_t q = {.r = r, .a = a, .params = params};
    q.names = val_new(a, VAL_MAP);
    q.values = val_new(a, VAL_MAP);
    if (lex(&q, text) != GR_OK) return ddb__fail_validation(r, q.err ? q.err : "Statement wasn't well formed");
    val_t *in = val_new(a, VAL_STRUCT);
    str_t rcc = val_get_str(outer, "ReturnConsumedCapacity");
    if (rcc.p) val_set_c(a, in, "ReturnConsumedCapacity", val_str(a, rcc));
    /* AWS (2023): a statement's ReturnValuesOnConditionCheckFailure ALL_OLD
     * puts the item in its ConditionalCheckFailedException (or batch error,
     * or cancellation reason), as for UpdateItem and DeleteItem */
    str_t rvf = val_get_str(outer, "ReturnValuesOnConditionCheckFailure");
    if (rvf.p) val_set_c(a, in, "ReturnValuesOnConditionCheckFailure", val_str(a, rvf));
    str_t table, index;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    ddb_table_t t;
    buf_t b;
    buf_init(&b, a);
    bool only_keys = false;
    val_t *key = val_new(a, VAL_MAP);
    int rc;
    if (is_word(peek(&q), "select")) {
        q.i++;
        buf_t proj;
        buf_init(&proj, a);
        val_t *sel = val_new(a, VAL_LIST);
        if (is_punct(peek(&q), "*"))
            q.i++;
        else
            for (;;) {
                if (proj.len) buf_puts(&proj, ", ");
                val_t *steps = val_new(a, VAL_LIST);
                if (!path(&q, &proj, NULL, steps)) goto bad;
                val_push(a, sel, steps);
                if (!is_punct(peek(&q), ",")) break;
                q.i++;
            }
        if (!expect_word(&q, "from") || !table_ref(&q, &table, &index)) goto bad;
        if (authorize(r, "Select", table, index) != GR_OK) return GR_ERR;
        if (ddb__table_or_fail(r, db, table, NULL, &t) != GR_OK) return GR_ERR;
        if (is_word(peek(&q), "where")) {
            q.i++;
            if (!condition(&q, &b, &t, key, &only_keys)) goto bad;
        }
        if (peek(&q)->k != K_END) goto trailing;
        val_set_c(a, in, "TableName", val_str(a, table));
        if (index.p) val_set_c(a, in, "IndexName", val_str(a, index));
        if (b.len) val_set_c(a, in, "FilterExpression", val_str(a, buf_str(&b)));
        if (proj.len) val_set_c(a, in, "ProjectionExpression", val_str(a, buf_str(&proj)));
        if (consistent) val_set_c(a, in, "ConsistentRead", val_bool(a, true));
        int64_t limit = val_get_int(outer, "Limit", -1);
        if (limit > 0) val_set_c(a, in, "Limit", val_int(a, limit));
        str_t token = val_get_str(outer, "NextToken");
        if (token.p) {
            val_t *esk = token_decode(a, token);
            if (!esk) return ddb__fail_validation(r, "Invalid NextToken");
            val_set_c(a, in, "ExclusiveStartKey", esk);
        }
        set_exprs(&q, in);
        if (plan) {
            *plan = (pq_plan_t){
                PQ_SELECT, in, !index.p && only_keys && val_get_s(key, t.pk) && (!t.sk.p || val_get_s(key, t.sk)), sel};
            return GR_OK;
        }
        val_t *so = val_new(a, VAL_STRUCT);
        if ((rc = dynamodb_scan(r, in, so)) != GR_OK) return rc;
        val_set_c(a, out, "Items", selected(a, sel, val_get(so, "Items")));
        const val_t *lek = val_get(so, "LastEvaluatedKey");
        if (lek) {
            val_set_c(a, out, "LastEvaluatedKey", (val_t *)lek);
            val_set_c(a, out, "NextToken", val_str(a, token_encode(a, lek)));
        }
        if (val_get(so, "ConsumedCapacity")) val_set_c(a, out, "ConsumedCapacity", val_get(so, "ConsumedCapacity"));
        *table_out = table;
        return GR_OK;
    }
    if (is_word(peek(&q), "insert")) {
        q.i++;
        if (!expect_word(&q, "into") || !table_ref(&q, &table, &index) || !expect_word(&q, "value")) goto bad;
        val_t *item = literal(&q);
        if (!item) goto bad;
        if (ddb_type(item) != DDB_M) {
            q.err = "Statement wasn't well formed, can't be processed: INSERT VALUE must be a tuple";
            goto bad;
        }
        if (peek(&q)->k != K_END) goto trailing;
        if (authorize(r, "Insert", table, STR_NULL) != GR_OK) return GR_ERR;
        if (ddb__table_or_fail(r, db, table, NULL, &t) != GR_OK) return GR_ERR;
        val_set_c(a, in, "TableName", val_str(a, table));
        val_set_c(a, in, "Item", (val_t *)ddb_inner(item));
        val_set_c(a, in, "ConditionExpression", val_cstr(a, "attribute_not_exists(#k)"));
        val_t *nm = val_new(a, VAL_MAP);
        val_set(a, nm, STR("#k"), val_str(a, t.pk));
        val_set_c(a, in, "ExpressionAttributeNames", nm);
        if (plan) {
            *plan = (pq_plan_t){PQ_INSERT, in, false, NULL};
            return GR_OK;
        }
        rc = dynamodb_put_item(r, in, val_new(a, VAL_STRUCT));
        if (rc != GR_OK && r->err == &DYNAMODB_ERR_ConditionalCheckFailedException) {
            r->err_extra = NULL;
            return req_fail(r, &E_Duplicate, "Duplicate primary key exists in table");
        }
        if (rc == GR_OK) val_set_c(a, out, "Items", val_new(a, VAL_LIST)); /* AWS: {"Items": []} for a write */
        *table_out = table;
        return rc;
    }
    bool is_update = is_word(peek(&q), "update");
    if (is_update || is_word(peek(&q), "delete")) {
        q.i++;
        buf_t upd;
        buf_init(&upd, a);
        if (!is_update && !expect_word(&q, "from")) goto bad;
        if (!table_ref(&q, &table, &index)) goto bad;
        if (authorize(r, is_update ? "Update" : "Delete", table, STR_NULL) != GR_OK) return GR_ERR;
        if (ddb__table_or_fail(r, db, table, NULL, &t) != GR_OK) return GR_ERR;
        if (is_update) {
            buf_t sets, removes;
            buf_init(&sets, a);
            buf_init(&removes, a);
            while (is_word(peek(&q), "set") || is_word(peek(&q), "remove")) {
                bool set = is_word(peek(&q), "set");
                q.i++;
                for (;;) {
                    buf_t *dst = set ? &sets : &removes;
                    if (dst->len) buf_puts(dst, ", ");
                    if (!path(&q, dst, NULL, NULL)) goto bad;
                    if (set) {
                        if (!is_punct(peek(&q), "=")) {
                            q.err = "Statement wasn't well formed, can't be processed: Expected =";
                            goto bad;
                        }
                        q.i++;
                        buf_puts(dst, " = ");
                        if (!set_operand(&q, dst)) goto bad;
                        tok_t *op = peek(&q);
                        if (op->k == K_NUM && op->s.p[0] == '-') { /* "n -1": the lexer made -1 a number */
                            op->s = str_sub(op->s, 1, op->s.len - 1);
                            buf_puts(dst, " - ");
                            if (!set_operand(&q, dst)) goto bad;
                        } else if (is_punct(op, "+") || is_punct(op, "-")) {
                            buf_printf(dst, " %.*s ", STR_FMT(op->s));
                            q.i++;
                            if (!set_operand(&q, dst)) goto bad;
                        }
                    }
                    if (!is_punct(peek(&q), ",")) break;
                    q.i++;
                }
            }
            if (sets.len) buf_printf(&upd, "SET %.*s", (int)sets.len, sets.p);
            if (removes.len) buf_printf(&upd, "%sREMOVE %.*s", upd.len ? " " : "", (int)removes.len, removes.p);
            if (!upd.len) {
                q.err = "Statement wasn't well formed, can't be processed: Expected SET or REMOVE";
                goto bad;
            }
        }
        if (!expect_word(&q, "where") || !condition(&q, &b, &t, key, &only_keys)) goto bad;
        if (peek(&q)->k != K_END) goto trailing;
        if (!val_get_s(key, t.pk) || (t.sk.p && !val_get_s(key, t.sk)))
            return ddb__fail_validation(r, "Where clause does not contain a mandatory equality on all key attributes");
        val_set_c(a, in, "TableName", val_str(a, table));
        val_set_c(a, in, "Key", key);
        /* AWS: UPDATE needs the item to exist; DELETE of a missing item with
         * only key terms is a no-op. */
        if (is_update || !only_keys) {
            str_t cond = buf_str(&b);
            if (is_update)
                cond = str_c(
                    arena_printf(a, "(%.*s) AND attribute_exists(%.*s)", STR_FMT(cond), STR_FMT(name_ref(&q, t.pk))));
            val_set_c(a, in, "ConditionExpression", val_str(a, cond));
        } else {
            /* the key values were only used for Key: drop them from the maps */
            q.names = val_new(a, VAL_MAP);
            q.values = val_new(a, VAL_MAP);
        }
        if (is_update) val_set_c(a, in, "UpdateExpression", val_str(a, buf_str(&upd)));
        set_exprs(&q, in);
        if (plan) {
            *plan = (pq_plan_t){is_update ? PQ_UPDATE : PQ_DELETE, in, false, NULL};
            return GR_OK;
        }
        val_t *o = val_new(a, VAL_STRUCT);
        rc = is_update ? dynamodb_update_item(r, in, o) : dynamodb_delete_item(r, in, o);
        if (rc != GR_OK && !(r->err == &DYNAMODB_ERR_ConditionalCheckFailedException && str_eq_c(rvf, "ALL_OLD")))
            r->err_extra = NULL;
        else
            val_set_c(a, out, "Items", val_new(a, VAL_LIST));
        *table_out = table;
        return rc;
    }
    q.err = "Statement wasn't well formed, can't be processed: Unsupported statement";
bad:
    return ddb__fail_validation(r, q.err ? q.err : "Statement wasn't well formed, can't be processed");
trailing:
    return ddb__fail_validation(
        r, arena_printf(a, "Statement wasn't well formed, can't be processed: Unexpected token: %.*s",
                        STR_FMT(peek(&q)->s)));
}

int dynamodb_execute_statement(req_t *r, const val_t *in, val_t *out)
{
    str_t table = STR_NULL;
    return run_statement(r, val_get_str(in, "Statement"), val_get(in, "Parameters"),
                         val_get_bool(in, "ConsistentRead", false), in, out, &table, NULL);
}

static const char *batch_code(const aws_errdef_t *e)
{
    if (!e) return "InternalServerError";
    if (e == &DYNAMODB_ERR_ConditionalCheckFailedException) return "ConditionalCheckFailed";
    if (e == &E_Duplicate) return "DuplicateItem";
    if (!strcmp(e->code, "ResourceNotFoundException")) return "ResourceNotFound";
    if (!strcmp(e->code, "AccessDeniedException")) return "AccessDenied";
    return "ValidationError";
}

/* What a statement of a batch or transaction runs with: the request's
 * ReturnConsumedCapacity and the statement's own
 * ReturnValuesOnConditionCheckFailure. */
static const val_t *stmt_outer(arena_t *a, const val_t *in, const val_t *s)
{
    val_t *o = val_new(a, VAL_STRUCT);
    if (val_get(in, "ReturnConsumedCapacity"))
        val_set_c(a, o, "ReturnConsumedCapacity", val_get(in, "ReturnConsumedCapacity"));
    if (val_get(s, "ReturnValuesOnConditionCheckFailure"))
        val_set_c(a, o, "ReturnValuesOnConditionCheckFailure", val_get(s, "ReturnValuesOnConditionCheckFailure"));
    return o;
}

int dynamodb_batch_execute_statement(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *stmts = val_get(in, "Statements");
    val_t *resp = val_new(a, VAL_LIST);
    for (size_t i = 0; i < stmts->u.list.n; i++) {
        const val_t *s = stmts->u.list.v[i];
        str_t text = val_get_str(s, "Statement");
        val_t *e = val_new(a, VAL_STRUCT);
        /* AWS: a batch holds only reads or only writes, and no SELECT that is a scan */
        val_t *o = val_new(a, VAL_STRUCT);
        str_t table = STR_NULL;
        r->err = NULL;
        r->err_msg = NULL;
        r->err_extra = NULL;
        int rc = run_statement(r, text, val_get(s, "Parameters"), val_get_bool(s, "ConsistentRead", false),
                               stmt_outer(a, in, s), o, &table, NULL);
        if (rc == GR_ERR && !r->err) return GR_ERR; /* internal failure */
        if (rc != GR_OK) {
            val_t *err = val_new(a, VAL_STRUCT);
            val_set_c(a, err, "Code", val_cstr(a, batch_code(r->err)));
            val_set_c(a, err, "Message", val_cstr(a, r->err_msg ? r->err_msg : ""));
            const val_t *old = r->err_extra ? val_get(r->err_extra, "Item") : NULL;
            if (old) val_set_c(a, err, "Item", (val_t *)old);
            val_set_c(a, e, "Error", err);
        } else {
            const val_t *items = val_get(o, "Items");
            if (items && items->u.list.n) val_set_c(a, e, "Item", items->u.list.v[0]);
        }
        if (table.p) val_set_c(a, e, "TableName", val_str(a, table));
        val_push(a, resp, e);
    }
    r->err = NULL;
    r->err_msg = NULL;
    r->err_extra = NULL;
    val_set_c(a, out, "Responses", resp);
    return GR_OK;
}

/* AWS: ExecuteTransaction runs its statements all or nothing: all reads
 * (SELECTs of one item each, by its whole key) from one snapshot, or all
 * writes as one TransactWriteItems, with its idempotency token and its
 * cancellation reasons (an INSERT of an existing key is DuplicateItem). */
int dynamodb_execute_transaction(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *stmts = val_get(in, "TransactStatements");
    size_t n = stmts->u.list.n, reads = 0;
    pq_plan_t *plans = ARENA_NEWN(a, pq_plan_t, n);
    if (!plans) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        const val_t *s = stmts->u.list.v[i];
        str_t table = STR_NULL;
        if (run_statement(r, val_get_str(s, "Statement"), val_get(s, "Parameters"), true, stmt_outer(a, in, s), NULL,
                          &table, &plans[i]) != GR_OK)
            return GR_ERR;
        reads += plans[i].kind == PQ_SELECT;
    }
    if (reads && reads != n) return ddb__fail_validation(r, "Transaction statements must be all reads or all writes");
    if (reads) {
        for (size_t i = 0; i < n; i++)
            if (!plans[i].full_key)
                return ddb__fail_validation(r,
                                            "Where clause does not contain a mandatory equality on all key attributes");
        sqlite3 *db = ddb__db(r);
        if (!db || ddb__exec(db, "BEGIN") != GR_OK) return GR_ERR; /* one snapshot for every read */
        val_t *resp = val_new(a, VAL_LIST);
        for (size_t i = 0; i < n; i++) {
            /* AWS (developer guide): MRSC global tables support no
             * transactions; writes are refused by TransactWriteItems */
            ddb_table_t t;
            int strong = 0;
            if (ddb__table_load(r, db, val_get_str(plans[i].in, "TableName"), &t) == GR_OK)
                strong = ddb__global_strong(r, db, &t);
            if (strong) {
                ddb__rollback(db);
                return strong < 0 ? GR_ERR
                                  : ddb__fail_validation(r, "Transactions are not supported for global tables with "
                                                            "MultiRegionConsistency set to STRONG.");
            }
            val_t *o = val_new(a, VAL_STRUCT), *e = val_new(a, VAL_STRUCT);
            if (dynamodb_scan(r, plans[i].in, o) != GR_OK) {
                ddb__rollback(db);
                return GR_ERR;
            }
            const val_t *items = selected(a, plans[i].sel, val_get(o, "Items"));
            if (items && items->u.list.n) val_set_c(a, e, "Item", items->u.list.v[0]);
            val_push(a, resp, e);
        }
        ddb__exec(db, "COMMIT");
        val_set_c(a, out, "Responses", resp);
        return GR_OK;
    }
    static const char *const BODY[] = {[PQ_INSERT] = "Put", [PQ_UPDATE] = "Update", [PQ_DELETE] = "Delete"};
    val_t *tin = val_new(a, VAL_STRUCT), *items = val_new(a, VAL_LIST);
    for (size_t i = 0; i < n; i++) {
        val_t *ti = val_new(a, VAL_STRUCT);
        val_set_c(a, ti, BODY[plans[i].kind], plans[i].in);
        val_push(a, items, ti);
    }
    val_set_c(a, tin, "TransactItems", items);
    static const char *const PASS[] = {"ClientRequestToken", "ReturnConsumedCapacity"};
    for (size_t k = 0; k < 2; k++)
        if (val_get(in, PASS[k])) val_set_c(a, tin, PASS[k], val_get(in, PASS[k]));
    int rc = dynamodb_transact_write_items(r, tin, out);
    /* AWS (recorded, LocalStack's test_dynamodb_execute_transaction): a
     * transaction of writes answers an empty Responses list. */
    if (rc == GR_OK) val_set_c(a, out, "Responses", val_new(a, VAL_LIST));
    const val_t *reasons = r->err_extra ? val_get(r->err_extra, "CancellationReasons") : NULL;
    if (rc == GR_OK || !reasons || reasons->kind != VAL_LIST || reasons->u.list.n != n) return rc;
    for (size_t i = 0; i < n; i++) {
        val_t *reason = reasons->u.list.v[i];
        if (plans[i].kind == PQ_INSERT && str_eq_c(val_get_str(reason, "Code"), "ConditionalCheckFailed")) {
            val_set_c(a, reason, "Code", val_cstr(a, "DuplicateItem"));
            val_set_c(a, reason, "Message", val_cstr(a, "Duplicate primary key exists in table"));
        }
    }
    r->err_msg = ddb__cancelled_message(a, reasons);
    return rc;
}
