/* params.c — expression parameters of DynamoDB requests (expr_params.h):
 * AWS's rules about ExpressionAttributeNames/Values and about mixing legacy
 * parameters with expressions, then parsing through ddb.h. All but the key
 * path check run before any table access, in AWS's order, so a malformed
 * request is refused as AWS refuses it and costs no SQLite work. */
#include "services/dynamodb/expr_params.h"

#include <string.h>

#include "core/buf.h"

static int fail(req_t *r, const char *msg)
{
    return req_fail(r, &ERR_ValidationException, "%s", msg);
}

/* The parameters of each request kind, in the order AWS's messages list
 * them (dynalite's suite, checked against DynamoDB). */
static const char *const EXPRS[][4] = {
    [DDB_XP_COND] = {"ConditionExpression"},
    [DDB_XP_UPDATE] = {"UpdateExpression", "ConditionExpression"},
    [DDB_XP_PROJ] = {"ProjectionExpression"},
    [DDB_XP_QUERY] = {"ProjectionExpression", "FilterExpression", "KeyConditionExpression"},
    [DDB_XP_SCAN] = {"ProjectionExpression", "FilterExpression"},
};
static const char *const LEGACY[][5] = {
    [DDB_XP_COND] = {"Expected", "ConditionalOperator"},
    [DDB_XP_UPDATE] = {"AttributeUpdates", "Expected", "ConditionalOperator"},
    [DDB_XP_PROJ] = {"AttributesToGet"},
    [DDB_XP_QUERY] = {"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"},
    [DDB_XP_SCAN] = {"AttributesToGet", "ScanFilter", "ConditionalOperator"},
};

/* Whether a name of the list counts as present: KeyConditions go with a
 * FilterExpression when no KeyConditionExpression is given (AWS, per
 * dynalite validations/index.js). */
static bool counts(const val_t *in, const char *name, bool all, bool skip_proj)
{
    if (skip_proj && !strcmp(name, "ProjectionExpression")) return false;
    if (!strcmp(name, "KeyConditions") && !val_get(in, "KeyConditionExpression")) return false;
    return all || val_get(in, name);
}

static bool any_of(const val_t *in, const char *const *names, size_t max, bool skip_proj)
{
    for (size_t i = 0; i < max && names[i]; i++)
        if (counts(in, names[i], false, skip_proj)) return true;
    return false;
}

/* "A, B" of the names present (all: also the absent ones), joined by sep;
 * only for messages, so the common path allocates nothing. */
static str_t names_of(arena_t *a, const val_t *in, const char *const *names, size_t max, bool all, bool skip_proj,
                      const char *sep)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < max && names[i]; i++) {
        if (!counts(in, names[i], all, skip_proj)) continue;
        if (b.len) buf_puts(&b, sep);
        buf_puts(&b, names[i]);
    }
    return b.len ? buf_str(&b) : STR_NULL;
}

int ddb__expr_mix_or_fail(req_t *r, const val_t *in, ddb_xp_t kind)
{
    arena_t *a = r->arena;
    const char *const *ex = EXPRS[kind], *const *lg = LEGACY[kind];
    bool has_ex = any_of(in, ex, 4, false);
    /* AWS: "Can not use both expression and non-expression parameters in the
     * same request: Non-expression parameters: {Expected} Expression
     * parameters: {ConditionExpression}" (dynalite's tests). */
    if (has_ex && any_of(in, lg, 5, false)) {
        str_t lgs = names_of(a, in, lg, 5, false, false, ", "), exs = names_of(a, in, ex, 4, false, false, ", ");
        return fail(r, arena_printf(a,
                                    "Can not use both expression and non-expression parameters in the same request: "
                                    "Non-expression parameters: {%.*s} Expression parameters: {%.*s}",
                                    STR_FMT(lgs), STR_FMT(exs)));
    }
    if (!has_ex && val_get(in, "ExpressionAttributeNames"))
        return fail(r, "ExpressionAttributeNames can only be specified when using expressions");
    /* AWS: "ExpressionAttributeValues can only be specified when using
     * expressions: UpdateExpression and ConditionExpression are null" —
     * values need an expression that takes values (not a projection). */
    if (val_get(in, "ExpressionAttributeValues") && !any_of(in, ex, 4, true)) {
        str_t want = names_of(a, in, ex, 4, true, true, " and ");
        if (want.p)
            return fail(r, arena_printf(a,
                                        "ExpressionAttributeValues can only be specified when using expressions: "
                                        "%.*s %s null",
                                        STR_FMT(want), memchr(want.p, ' ', want.len) ? "are" : "is"));
    }
    return GR_OK;
}

int ddb__ctx_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c)
{
    ddb_ctx_init(c, r->arena, val_get(in, "ExpressionAttributeNames"), val_get(in, "ExpressionAttributeValues"));
    const char *e = ddb_ctx_validate(c);
    return e ? fail(r, e) : GR_OK;
}

int ddb__ctx_finish_or_fail(req_t *r, ddb_ctx_t *c)
{
    const char *e = ddb_ctx_unused(c);
    return e ? fail(r, e) : GR_OK;
}

static str_t opstr(const val_t *in)
{
    return val_get_str(in, "ConditionalOperator");
}

static int parse_cond(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond)
{
    const char *e = NULL;
    *cond = NULL;
    str_t ce = val_get_str(in, "ConditionExpression");
    const val_t *expected = val_get(in, "Expected");
    /* AWS (ScyllaDB's suite, run against DynamoDB): ConditionalOperator
     * with no Expected, or an empty one, is refused; an empty Expected alone
     * is no condition. */
    if (!ce.p && opstr(in).p && (!expected || !val_len(expected)))
        return fail(r, "One or more parameter values were invalid: ConditionalOperator is given without conditions "
                       "in Expected");
    if (ce.p) {
        if (!(*cond = ddb_cond_parse(c, ce, "ConditionExpression", &e))) return fail(r, e);
    } else if (expected) {
        if (!(*cond = ddb_legacy_expected(c, expected, opstr(in), &e)) && e) return fail(r, e);
    }
    return GR_OK;
}

int ddb__cond_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond)
{
    if (ddb__ctx_or_fail(r, in, c) != GR_OK) return GR_ERR;
    if (parse_cond(r, in, c, cond) != GR_OK) return GR_ERR;
    return ddb__ctx_finish_or_fail(r, c);
}

int ddb__proj_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_proj_t *p, bool *has)
{
    if (ddb__ctx_or_fail(r, in, c) != GR_OK) return GR_ERR;
    const char *e = NULL;
    str_t pe = val_get_str(in, "ProjectionExpression");
    const val_t *atg = val_get(in, "AttributesToGet");
    *has = false;
    if (pe.p) {
        if (!ddb_proj_parse(c, pe, p, &e)) return fail(r, e);
        *has = true;
    } else if (atg) {
        const char *dup = ddb_legacy_attrs_check(c, atg);
        if (dup) return fail(r, dup);
        if (!ddb_legacy_attrs_to_get(c, atg, p)) return GR_ERR; /* out of memory */
        *has = true;
    }
    return ddb__ctx_finish_or_fail(r, c);
}

int ddb__update_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond, ddb_update_t **u)
{
    if (ddb__ctx_or_fail(r, in, c) != GR_OK) return GR_ERR;
    const char *e = NULL;
    *u = NULL;
    str_t ue = val_get_str(in, "UpdateExpression");
    const val_t *au = val_get(in, "AttributeUpdates");
    if (ue.p) {
        if (!(*u = ddb_update_parse(c, ue, &e))) return fail(r, e);
    } else if (au) {
        if (!(*u = ddb_legacy_updates(c, au, &e)) && e) return fail(r, e);
    }
    if (parse_cond(r, in, c, cond) != GR_OK) return GR_ERR;
    return ddb__ctx_finish_or_fail(r, c);
}

/* AWS: "Key attributes must be scalars; list random access '[]' and map
 * lookup '.' are not allowed: Key: a" ("IndexKey: d" for an index's key)
 * when a projection, filter or update goes below a key attribute (dynalite
 * db/index.js validateKeyPaths, asserted against DynamoDB). */
int ddb__key_paths_or_fail(req_t *r, const ddb_table_t *t, const ddb_proj_t *p, const ddb_cond_t *cond,
                           const ddb_update_t *u)
{
    if (!p && !cond && !u) return GR_OK;
    for (size_t i = 0; i < 2 + 2 * t->nidx; i++) {
        bool table = i < 2;
        const ddb_index_t *x = table ? NULL : &t->idx[(i - 2) / 2];
        str_t name = table ? (i ? t->sk : t->pk) : ((i - 2) % 2 ? x->sk : x->pk);
        if (!name.p) continue;
        bool nested = false;
        for (size_t j = 0; p && j < p->n && !nested; j++)
            nested = p->path[j].n > 1 && str_eq(p->path[j].elem[0].name, name);
        if (cond && !nested) ddb_cond_refers(cond, name, &nested);
        if (u && !nested) nested = ddb_update_nested(u, name);
        if (nested)
            return fail(r, arena_printf(r->arena,
                                        "Key attributes must be scalars; list random access '[]' and map lookup '.' "
                                        "are not allowed: %s: %.*s",
                                        table ? "Key" : "IndexKey", STR_FMT(name)));
    }
    return GR_OK;
}
