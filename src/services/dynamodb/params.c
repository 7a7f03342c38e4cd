/* params.c — expression parameters of DynamoDB requests (expr_params.h):
 * AWS's rules about ExpressionAttributeNames/Values and about mixing legacy
 * parameters with expressions, then parsing through ddb.h. Runs before any
 * table access, so a malformed request costs no SQLite work. */
#include "services/dynamodb/expr_params.h"

#include "core/buf.h"

static int fail(req_t *r, const char *msg)
{
    return req_fail(r, &ERR_ValidationException, "%s", msg);
}

static str_t present(arena_t *a, const val_t *in, const char *const *names)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; names && names[i]; i++) {
        if (!val_get(in, names[i])) continue;
        if (b.len) buf_puts(&b, ", ");
        buf_puts(&b, names[i]);
    }
    return b.len ? buf_str(&b) : STR_NULL;
}

int ddb__ctx_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, const char *const *exprs, const char *const *legacy)
{
    arena_t *a = r->arena;
    const val_t *names = val_get(in, "ExpressionAttributeNames"), *values = val_get(in, "ExpressionAttributeValues");
    ddb_ctx_init(c, a, names, values);
    str_t ex = present(a, in, exprs), lg = present(a, in, legacy);
    /* AWS: "Can not use both expression and non-expression parameters in the
     * same request: Non-expression parameters: {Expected} Expression
     * parameters: {ConditionExpression}" (dynalite's tests). */
    if (ex.p && lg.p)
        return fail(r, arena_printf(a,
                                    "Can not use both expression and non-expression parameters in the same request: "
                                    "Non-expression parameters: {%.*s} Expression parameters: {%.*s}",
                                    STR_FMT(lg), STR_FMT(ex)));
    if (names && !ex.p) return fail(r, "ExpressionAttributeNames can only be specified when using expressions");
    if (values && !ex.p) return fail(r, "ExpressionAttributeValues can only be specified when using expressions");
    if (names && val_len(names) == 0) return fail(r, "ExpressionAttributeNames must not be empty");
    if (values && val_len(values) == 0) return fail(r, "ExpressionAttributeValues must not be empty");
    for (size_t i = 0; values && i < values->u.obj.n; i++) {
        const char *e = ddb_validate_av(a, values->u.obj.e[i].v);
        if (e)
            return fail(r, arena_printf(a, "ExpressionAttributeValues contains invalid value: %s for key %.*s", e,
                                        STR_FMT(values->u.obj.e[i].key)));
    }
    return GR_OK;
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
    if (ce.p) {
        if (!(*cond = ddb_cond_parse(c, ce, "ConditionExpression", &e))) return fail(r, e);
    } else if (expected) {
        if (!(*cond = ddb_legacy_expected(c, expected, opstr(in), &e)) && e) return fail(r, e);
    }
    return GR_OK;
}

int ddb__cond_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond)
{
    static const char *const EX[] = {"ConditionExpression", NULL};
    static const char *const LG[] = {"Expected", "ConditionalOperator", NULL};
    if (ddb__ctx_or_fail(r, in, c, EX, LG) != GR_OK) return GR_ERR;
    if (parse_cond(r, in, c, cond) != GR_OK) return GR_ERR;
    return ddb__ctx_finish_or_fail(r, c);
}

int ddb__proj_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_proj_t *p, bool *has)
{
    static const char *const EX[] = {"ProjectionExpression", NULL};
    static const char *const LG[] = {"AttributesToGet", NULL};
    if (ddb__ctx_or_fail(r, in, c, EX, LG) != GR_OK) return GR_ERR;
    const char *e = NULL;
    str_t pe = val_get_str(in, "ProjectionExpression");
    const val_t *atg = val_get(in, "AttributesToGet");
    *has = false;
    if (pe.p) {
        if (!ddb_proj_parse(c, pe, p, &e)) return fail(r, e);
        *has = true;
    } else if (atg) {
        const char *dup = ddb_legacy_attrs_dup(c, atg);
        if (dup) return fail(r, dup);
        if (!ddb_legacy_attrs_to_get(c, atg, p)) return GR_ERR; /* out of memory */
        *has = true;
    }
    return ddb__ctx_finish_or_fail(r, c);
}

int ddb__update_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond, ddb_update_t **u)
{
    static const char *const EX[] = {"UpdateExpression", "ConditionExpression", NULL};
    static const char *const LG[] = {"AttributeUpdates", "Expected", "ConditionalOperator", NULL};
    if (ddb__ctx_or_fail(r, in, c, EX, LG) != GR_OK) return GR_ERR;
    str_t rv = val_get_str(in, "ReturnValues");
    (void)rv;
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
