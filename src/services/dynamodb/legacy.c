/* legacy.c — DynamoDB's pre-expression parameters turned into expression
 * trees: Expected (+ConditionalOperator), QueryFilter/ScanFilter,
 * AttributeUpdates, AttributesToGet and KeyConditions.
 *
 * Operation files call these instead of the expression parsers when a
 * request uses the old form, then evaluate with expr_eval.c, so both forms
 * share one evaluator. Invariant: every AttributeValue in a legacy parameter
 * is validated (and its numbers canonicalized) before it enters a tree, and
 * each refusal carries AWS's message for the legacy form. */
#include <stdio.h>
#include <string.h>

#include "services/dynamodb/expr_internal.h"

#define PFX "One or more parameter values were invalid: "
/* AWS refuses an attribute named "" wherever one is named (the Alternator
 * suite, run against DynamoDB, matches "Empty attribute name"; the prefix is
 * the legacy parameters' usual one). */
#define EMPTY_NAME PFX "Empty attribute name"

typedef struct {
    const char *op;
    ddb__cond_kind_t kind;
    int min, max;      /* values in AttributeValueList */
    const char *types; /* allowed value types, ' '-separated, NULL = any */
} legacy_op_t;

/* AWS: ComparisonOperator (API reference "Condition"); argument counts and
 * types as DynamoDB checks them (dynalite validations/index.js). EQ and NE
 * take a value of any type: the reference says "EQ is supported for all data
 * types, including lists and maps", and ScyllaDB's suite, run against AWS,
 * compares lists, maps and BOOLs with them. */
static const legacy_op_t ops[] = {
    {"EQ", DDB__C_EQ, 1, 1, NULL},
    {"NE", DDB__C_NE, 1, 1, NULL},
    {"LE", DDB__C_LE, 1, 1, " S N B "},
    {"LT", DDB__C_LT, 1, 1, " S N B "},
    {"GE", DDB__C_GE, 1, 1, " S N B "},
    {"GT", DDB__C_GT, 1, 1, " S N B "},
    {"NOT_NULL", DDB__C_EXISTS, 0, 0, NULL},
    {"NULL", DDB__C_NOT_EXISTS, 0, 0, NULL},
    {"CONTAINS", DDB__C_CONTAINS, 1, 1, " S N B "},
    {"NOT_CONTAINS", DDB__C_NOT_CONTAINS, 1, 1, " S N B "},
    {"BEGINS_WITH", DDB__C_BEGINS, 1, 1, " S B "},
    {"IN", DDB__C_IN, 1, 1 << 30, " S N B "},
    {"BETWEEN", DDB__C_BETWEEN, 2, 2, " S N B "},
};

static const legacy_op_t *find_op(str_t name)
{
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (str_eq_c(name, ops[i].op)) return &ops[i];
    return NULL;
}

static bool type_allowed(const char *types, ddb_type_t t)
{
    if (!types) return true;
    char w[8];
    snprintf(w, sizeof w, " %s ", ddb_type_name(t));
    return strstr(types, w) != NULL;
}

static bool is_obj(const val_t *v)
{
    return v && (v->kind == VAL_MAP || v->kind == VAL_STRUCT);
}

/* One attribute's condition from its operator and values. */
static ddb_cond_t *one(ddb_ctx_t *c, str_t attr, str_t opname, val_t **vals, size_t n, const char **err)
{
    arena_t *a = c->a;
    if (!attr.len) {
        *err = EMPTY_NAME;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if ((*err = ddb_validate_av(a, vals[i]))) return NULL;
    const legacy_op_t *op = find_op(opname);
    if (!op) {
        *err = arena_printf(a, PFX "Unsupported ComparisonOperator: %.*s", STR_FMT(opname));
        return NULL;
    }
    if ((int)n < op->min || (int)n > op->max) {
        *err = arena_printf(a, PFX "Invalid number of argument(s) for the %s ComparisonOperator", op->op);
        return NULL;
    }
    for (size_t i = 1; i < n; i++)
        if (ddb_type(vals[i]) != ddb_type(vals[0])) {
            *err = PFX "AttributeValues inside AttributeValueList must be of same type";
            return NULL;
        }
    for (size_t i = 0; i < n; i++)
        if (!type_allowed(op->types, ddb_type(vals[i]))) {
            *err = arena_printf(a, PFX "ComparisonOperator %s is not valid for %s AttributeValue type", op->op,
                                ddb_type_name(ddb_type(vals[i])));
            return NULL;
        }
    if (op->kind == DDB__C_BETWEEN && ddb_av_cmp(vals[0], vals[1]) > 0) {
        *err = "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound";
        return NULL;
    }
    ddb_cond_t *cond = ddb__cond_new(a, op->kind, n + 1);
    if (!cond || !(cond->opd[0] = ddb__opd_path1(a, attr))) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(cond->opd[i + 1] = ddb__opd_value(a, vals[i]))) return NULL;
    return cond;
}

static ddb_cond_t *join(ddb_ctx_t *c, ddb_cond_t *all, ddb_cond_t *x, str_t op)
{
    if (!all) return x;
    return ddb__cond_bin(c->a, str_eq_c(op, "OR") ? DDB__C_OR : DDB__C_AND, all, x);
}

static val_t **list_of(const val_t *l, size_t *n)
{
    if (!l || l->kind != VAL_LIST) {
        *n = 0;
        return NULL;
    }
    *n = l->u.list.n;
    return l->u.list.v;
}

ddb_cond_t *ddb_legacy_expected(ddb_ctx_t *c, const val_t *expected, str_t op, const char **err)
{
    arena_t *a = c->a;
    ddb_cond_t *all = NULL;
    *err = NULL;
    for (size_t i = 0; is_obj(expected) && i < expected->u.obj.n; i++) {
        str_t name = expected->u.obj.e[i].key;
        const val_t *e = expected->u.obj.e[i].v;
        val_t *value = val_get(e, "Value"), *list = val_get(e, "AttributeValueList"), *exists = val_get(e, "Exists");
        str_t cmp = val_get_str(e, "ComparisonOperator");
        if (!name.len) {
            *err = EMPTY_NAME;
            return NULL;
        }
        if (value && value->kind == VAL_NULL) value = NULL;
        if (list && list->kind == VAL_NULL) list = NULL;
        if (exists && exists->kind != VAL_BOOL) exists = NULL;
        /* AWS: dynalite validations/index.js validateAttributeConditions. */
        if (list && value) {
            *err = arena_printf(a, PFX "Value and AttributeValueList cannot be used together for Attribute: %.*s",
                                STR_FMT(name));
            return NULL;
        }
        ddb_cond_t *x;
        if (!str_is_null(cmp)) {
            if (exists) {
                *err = arena_printf(a, PFX "Exists and ComparisonOperator cannot be used together for Attribute: %.*s",
                                    STR_FMT(name));
                return NULL;
            }
            if (!list && !value && !str_eq_c(cmp, "NULL") && !str_eq_c(cmp, "NOT_NULL")) {
                *err = arena_printf(a,
                                    PFX "Value or AttributeValueList must be used with ComparisonOperator: %.*s for "
                                        "Attribute: %.*s",
                                    STR_FMT(cmp), STR_FMT(name));
                return NULL;
            }
            size_t n;
            val_t **vals = list_of(list, &n);
            if (value) {
                vals = &value;
                n = 1;
            }
            if (!(x = one(c, name, cmp, vals, n, err))) return NULL;
        } else if (list) {
            *err =
                arena_printf(a, PFX "AttributeValueList can only be used with a ComparisonOperator for Attribute: %.*s",
                             STR_FMT(name));
            return NULL;
        } else {
            bool ex = !exists || exists->u.b;
            if (ex && !value) {
                *err = arena_printf(a, PFX "Value must be provided when Exists is %s for Attribute: %.*s",
                                    exists ? "true" : "null", STR_FMT(name));
                return NULL;
            }
            if (!ex && value) {
                *err =
                    arena_printf(a, PFX "Value cannot be used when Exists is false for Attribute: %.*s", STR_FMT(name));
                return NULL;
            }
            if (ex) {
                /* Exists true with a Value is an equality test of any type. */
                if ((*err = ddb_validate_av(a, value))) return NULL;
                x = ddb__cond_new(a, DDB__C_EQ, 2);
                if (!x || !(x->opd[0] = ddb__opd_path1(a, name)) || !(x->opd[1] = ddb__opd_value(a, value)))
                    return NULL;
            } else {
                x = ddb__cond_new(a, DDB__C_NOT_EXISTS, 1);
                if (!x || !(x->opd[0] = ddb__opd_path1(a, name))) return NULL;
            }
        }
        if (!(all = join(c, all, x, op))) return NULL;
    }
    return all ? all : ddb__cond_new(a, DDB__C_TRUE, 0);
}

ddb_cond_t *ddb_legacy_filter(ddb_ctx_t *c, const val_t *filter, str_t op, const char *which, const char **err)
{
    (void)which;
    ddb_cond_t *all = NULL;
    *err = NULL;
    for (size_t i = 0; is_obj(filter) && i < filter->u.obj.n; i++) {
        const val_t *f = filter->u.obj.e[i].v;
        size_t n;
        val_t **vals = list_of(val_get(f, "AttributeValueList"), &n);
        ddb_cond_t *x = one(c, filter->u.obj.e[i].key, val_get_str(f, "ComparisonOperator"), vals, n, err);
        if (!x || !(all = join(c, all, x, op))) return NULL;
    }
    return all ? all : ddb__cond_new(c->a, DDB__C_TRUE, 0);
}

ddb_update_t *ddb_legacy_updates(ddb_ctx_t *c, const val_t *attribute_updates, const char **err)
{
    arena_t *a = c->a;
    ddb_update_t *u = ARENA_NEW(a, ddb_update_t);
    size_t n = is_obj(attribute_updates) ? attribute_updates->u.obj.n : 0;
    *err = NULL;
    if (!u || !(u->act = ARENA_NEWN(a, ddb__act_t, n ? n : 1)) || !(u->paths = ARENA_NEWN(a, ddb_path_t, n ? n : 1)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        str_t name = attribute_updates->u.obj.e[i].key;
        const val_t *e = attribute_updates->u.obj.e[i].v;
        val_t *value = val_get(e, "Value");
        str_t action = val_get_str(e, "Action");
        if (value && value->kind == VAL_NULL) value = NULL;
        if (str_is_null(action)) action = STR("PUT");
        if (!name.len) {
            *err = EMPTY_NAME;
            return NULL;
        }
        if (value && (*err = ddb_validate_av(a, value))) return NULL;
        /* AWS: dynalite validations/updateItem.js. */
        if (!value && !str_eq_c(action, "DELETE")) {
            *err = PFX "Only DELETE action is allowed when no attribute value is specified";
            return NULL;
        }
        ddb_type_t t = value ? ddb_type(value) : DDB_BAD;
        bool set = t == DDB_SS || t == DDB_NS || t == DDB_BS;
        if (value && str_eq_c(action, "DELETE") && !set) {
            *err = arena_printf(a, PFX "DELETE action with value is not supported for the type %s", ddb_type_name(t));
            return NULL;
        }
        if (value && str_eq_c(action, "ADD") && !set && t != DDB_N && t != DDB_L) {
            *err = arena_printf(a, PFX "ADD action is not supported for the type %s", ddb_type_name(t));
            return NULL;
        }
        ddb__act_t *act = &u->act[u->n];
        ddb__opd_t *path = ddb__opd_path1(a, name);
        if (!path) return NULL;
        act->path = path->path;
        act->legacy = true;
        if (str_eq_c(action, "PUT"))
            act->kind = DDB__U_SET;
        else if (str_eq_c(action, "ADD"))
            act->kind = DDB__U_ADD;
        else if (str_eq_c(action, "DELETE"))
            act->kind = value ? DDB__U_DELETE : DDB__U_REMOVE;
        else {
            *err = arena_printf(a, PFX "Unsupported AttributeAction: %.*s", STR_FMT(action));
            return NULL;
        }
        if (value && !(act->val = ddb__opd_value(a, value))) return NULL;
        u->paths[u->n] = act->path;
        u->n++;
    }
    return u;
}

const char *ddb_legacy_attrs_check(ddb_ctx_t *c, const val_t *attrs)
{
    size_t n;
    val_t **v = list_of(attrs, &n);
    for (size_t i = 0; i < n; i++)
        if (v[i]->kind == VAL_STR && !v[i]->u.s.len) return EMPTY_NAME;
    /* AWS: dynalite validations/getItem.js "Duplicate value in attribute name". */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (v[i]->kind == VAL_STR && v[j]->kind == VAL_STR && str_eq(v[i]->u.s, v[j]->u.s))
                return arena_printf(c->a, PFX "Duplicate value in attribute name: %.*s", STR_FMT(v[i]->u.s));
    return NULL;
}

bool ddb_legacy_attrs_to_get(ddb_ctx_t *c, const val_t *attrs, ddb_proj_t *out)
{
    size_t n;
    val_t **v = list_of(attrs, &n);
    memset(out, 0, sizeof *out);
    if (ddb_legacy_attrs_check(c, attrs)) return false;
    out->path = ARENA_NEWN(c->a, ddb_path_t, n ? n : 1);
    if (!out->path) return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->kind != VAL_STR) continue;
        ddb__opd_t *p = ddb__opd_path1(c->a, v[i]->u.s);
        if (!p) return false;
        out->path[out->n++] = p->path;
    }
    return true;
}

bool ddb_legacy_kcs(ddb_ctx_t *c, const val_t *kc, ddb_kcs_t *out, const char **err)
{
    size_t n = is_obj(kc) ? kc->u.obj.n : 0;
    *err = NULL;
    out->cond = NULL;
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *f = kc->u.obj.e[i].v;
        size_t nv;
        val_t **vals = list_of(val_get(f, "AttributeValueList"), &nv);
        ddb_cond_t *x = one(c, kc->u.obj.e[i].key, val_get_str(f, "ComparisonOperator"), vals, nv, err);
        if (!x) return false;
        if (i >= 8) continue; /* refused below */
        ddb_kcpart_t *k = &out->part[out->n++];
        *k = (ddb_kcpart_t){.attr = kc->u.obj.e[i].key, .v1 = nv > 0 ? vals[0] : NULL, .v2 = nv > 1 ? vals[1] : NULL};
        switch (x->kind) {
        case DDB__C_EQ: k->op = DDB_KC_EQ; break;
        case DDB__C_LT: k->op = DDB_KC_LT; break;
        case DDB__C_LE: k->op = DDB_KC_LE; break;
        case DDB__C_GT: k->op = DDB_KC_GT; break;
        case DDB__C_GE: k->op = DDB_KC_GE; break;
        case DDB__C_BETWEEN: k->op = DDB_KC_BETWEEN; break;
        case DDB__C_BEGINS: k->op = DDB_KC_BEGINS; break;
        default: k->op = DDB_KC_NONE; break;
        }
    }
    /* AWS: dynalite validations/query.js, before the table is looked up (up
     * to eight since multi-attribute keys, as ddb_kcs_split). */
    if (n < 1 || n > 8) {
        *err = "Conditions can be of length 1 or 2 only";
        return false;
    }
    return true;
}

bool ddb_legacy_key_conditions(ddb_ctx_t *c, const val_t *kc, str_t pk, str_t sk, ddb_keycond_t *out, const char **err)
{
    arena_t *a = c->a;
    size_t n = is_obj(kc) ? kc->u.obj.n : 0;
    ddb__kc_t k[8];
    *err = NULL;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n && i < 8; i++) {
        const val_t *f = kc->u.obj.e[i].v;
        size_t nv;
        val_t **vals = list_of(val_get(f, "AttributeValueList"), &nv);
        str_t opname = val_get_str(f, "ComparisonOperator");
        ddb_cond_t *x = one(c, kc->u.obj.e[i].key, opname, vals, nv, err);
        if (!x) return false;
        k[i] = (ddb__kc_t){.attr = kc->u.obj.e[i].key, .v1 = nv > 0 ? vals[0] : NULL, .v2 = nv > 1 ? vals[1] : NULL};
        switch (x->kind) {
        case DDB__C_EQ: k[i].op = DDB_KC_EQ; break;
        case DDB__C_LT: k[i].op = DDB_KC_LT; break;
        case DDB__C_LE: k[i].op = DDB_KC_LE; break;
        case DDB__C_GT: k[i].op = DDB_KC_GT; break;
        case DDB__C_GE: k[i].op = DDB_KC_GE; break;
        case DDB__C_BETWEEN: k[i].op = DDB_KC_BETWEEN; break;
        case DDB__C_BEGINS: k[i].op = DDB_KC_BEGINS; break;
        default: k[i].op = DDB_KC_NONE; break;
        }
    }
    /* AWS: dynalite validations/query.js and actions/query.js, in order. */
    if (n != 1 && n != 2) {
        *err = "Conditions can be of length 1 or 2 only";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool key = str_eq(k[i].attr, pk) || (!str_is_null(sk) && str_eq(k[i].attr, sk));
        if (key && k[i].op == DDB_KC_NONE) {
            *err = "Attempted conditional constraint is not an indexable operation";
            return false;
        }
    }
    return ddb__keycond_resolve(a, k, n, pk, sk, out, err);
}
