/* expr_eval.c — evaluates parsed DynamoDB expressions against items:
 * conditions and filters, update actions, and projections.
 *
 * Called by the operation files after expr_parse.c (or legacy.c) built the
 * trees. Comparisons between different types are false, never errors, as in
 * DynamoDB; update actions see the item as it was before the update (all
 * SET values are computed first), and never modify the caller's item: the
 * result is a fresh copy in the arena. */
#include <stdlib.h>
#include <string.h>

#include "services/dynamodb/expr_internal.h"

/* ---- conditions ---- */

static val_t *num_av(arena_t *a, size_t n)
{
    char *s = arena_printf(a, "%zu", n);
    return s ? ddb_av(a, DDB_N, val_cstr(a, s)) : NULL;
}

/* A string's size() counts UTF-16 code units, not the UTF-8 bytes it is
 * stored as: DynamoDB (Java) answers 3 for "ab" U+00FF (dynalite's scan
 * suite, recorded against DynamoDB) and 3 for U+00E9 U+1D11E, the second a
 * surrogate pair (ExtendDB issue #60, checked against DynamoDB). Each byte
 * that is not a continuation byte starts a code point; four-byte ones
 * (beyond the BMP) take two units. */
static size_t utf16_units(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

static const val_t *operand(arena_t *a, const ddb__opd_t *o, const val_t *item)
{
    if (!o) return NULL;
    switch (o->kind) {
    case DDB__OPD_PATH: return ddb_path_get(item, &o->path);
    case DDB__OPD_VALUE: return o->value;
    case DDB__OPD_SIZE: {
        const val_t *v = operand(a, o->arg[0], item);
        const val_t *in = ddb_inner(v);
        /* AWS: size() is the length of a string or binary, the number of
         * elements of a set, list or map; other types have no size and make
         * the comparison false. */
        switch (ddb_type(v)) {
        case DDB_S: return num_av(a, utf16_units(in->u.s.p, in->u.s.len));
        case DDB_B: return num_av(a, in->u.s.len);
        case DDB_SS:
        case DDB_NS:
        case DDB_BS:
        case DDB_L: return num_av(a, in->u.list.n);
        case DDB_M: return num_av(a, in->u.obj.n);
        default: return NULL;
        }
    }
    default: return NULL;
    }
}

static bool scalar(ddb_type_t t)
{
    return t == DDB_S || t == DDB_N || t == DDB_B;
}

static bool same_scalar(const val_t *x, const val_t *y)
{
    if (!x || !y) return false;
    ddb_type_t t = ddb_type(x);
    return scalar(t) && t == ddb_type(y);
}

static bool has_sub(str_t hay, str_t needle)
{
    if (needle.len == 0) return true;
    if (needle.len > hay.len) return false;
    for (size_t i = 0; i + needle.len <= hay.len; i++)
        if (memcmp(hay.p + i, needle.p, needle.len) == 0) return true;
    return false;
}

static bool contains(const val_t *x, const val_t *y)
{
    if (!x || !y) return false;
    ddb_type_t tx = ddb_type(x), ty = ddb_type(y);
    const val_t *ix = ddb_inner(x);
    switch (tx) {
    case DDB_S:
    case DDB_B: return tx == ty && has_sub(ix->u.s, ddb_inner(y)->u.s);
    case DDB_SS:
    case DDB_NS:
    case DDB_BS: {
        ddb_type_t et = tx == DDB_SS ? DDB_S : tx == DDB_NS ? DDB_N : DDB_B;
        if (ty != et) return false;
        for (size_t i = 0; i < ix->u.list.n; i++) {
            val_t e = {.kind = VAL_STRUCT};
            val_entry_t ent = {str_c(ddb_type_name(et)), ix->u.list.v[i]};
            e.u.obj.e = &ent;
            e.u.obj.n = 1;
            if (ddb_av_equal(&e, y)) return true;
        }
        return false;
    }
    case DDB_L:
        for (size_t i = 0; i < ix->u.list.n; i++)
            if (ddb_av_equal(ix->u.list.v[i], y)) return true;
        return false;
    default: return false;
    }
}

static int eval(arena_t *a, const ddb_cond_t *c, const val_t *item)
{
    const val_t *x = NULL, *y = NULL;
    if (c->n > 0 && c->kind != DDB__C_IN) x = operand(a, c->opd[0], item);
    if (c->n > 1 && c->kind != DDB__C_IN) y = operand(a, c->opd[1], item);
    switch (c->kind) {
    case DDB__C_AND: return eval(a, c->l, item) && eval(a, c->r, item);
    case DDB__C_OR: return eval(a, c->l, item) || eval(a, c->r, item);
    case DDB__C_NOT: return !eval(a, c->l, item);
    case DDB__C_TRUE: return 1;
    case DDB__C_EQ: return x && y && ddb_av_equal(x, y);
    case DDB__C_NE: return !(x && y && ddb_av_equal(x, y));
    case DDB__C_LT: return same_scalar(x, y) && ddb_av_cmp(x, y) < 0;
    case DDB__C_LE: return same_scalar(x, y) && ddb_av_cmp(x, y) <= 0;
    case DDB__C_GT: return same_scalar(x, y) && ddb_av_cmp(x, y) > 0;
    case DDB__C_GE: return same_scalar(x, y) && ddb_av_cmp(x, y) >= 0;
    case DDB__C_BETWEEN: {
        const val_t *z = operand(a, c->opd[2], item);
        return same_scalar(x, y) && same_scalar(x, z) && ddb_av_cmp(y, x) <= 0 && ddb_av_cmp(x, z) <= 0;
    }
    case DDB__C_IN: {
        x = operand(a, c->opd[0], item);
        if (!x) return 0;
        for (size_t i = 1; i < c->n; i++) {
            const val_t *v = operand(a, c->opd[i], item);
            if (v && ddb_av_equal(x, v)) return 1;
        }
        return 0;
    }
    case DDB__C_EXISTS: return x != NULL;
    case DDB__C_NOT_EXISTS: return x == NULL;
    case DDB__C_TYPE: return x && y && ddb_type(y) == DDB_S && str_eq_c(ddb_inner(y)->u.s, ddb_type_name(ddb_type(x)));
    case DDB__C_BEGINS: {
        if (!x || !y) return 0;
        ddb_type_t t = ddb_type(x);
        if ((t != DDB_S && t != DDB_B) || t != ddb_type(y)) return 0;
        return str_starts_with(ddb_inner(x)->u.s, ddb_inner(y)->u.s);
    }
    case DDB__C_CONTAINS: return contains(x, y);
    /* legacy NOT_CONTAINS only: false for a missing attribute, as AWS
     * answers (so NOT_CONTAINS is not the negation of CONTAINS there) */
    case DDB__C_NOT_CONTAINS: return x && !contains(x, y);
    }
    return 0;
}

int ddb_cond_eval(ddb_ctx_t *c, const ddb_cond_t *cond, const val_t *item, const char **err)
{
    (void)err;
    if (!cond) return 1;
    return eval(c->a, cond, item);
}

static bool opd_refers(const ddb__opd_t *o, str_t name, bool *nested)
{
    if (!o) return false;
    if (o->kind == DDB__OPD_PATH && o->path.n && str_eq(o->path.elem[0].name, name)) {
        if (o->path.n > 1 && nested) *nested = true;
        return true;
    }
    bool r = opd_refers(o->arg[0], name, nested);
    r = opd_refers(o->arg[1], name, nested) || r;
    if (o->func) r = ddb_cond_refers(o->func, name, nested) || r;
    return r;
}

bool ddb_cond_refers(const ddb_cond_t *c, str_t name, bool *nested)
{
    if (!c) return false;
    bool r = false;
    if (c->l) r = ddb_cond_refers(c->l, name, nested) || r;
    if (c->r) r = ddb_cond_refers(c->r, name, nested) || r;
    for (size_t i = 0; i < c->n; i++) r = opd_refers(c->opd[i], name, nested) || r;
    return r;
}

/* The type an update value is known to have before any item is read:
 * a literal's, N for + and -, L for list_append; DDB_BAD otherwise. */
static ddb_type_t written_type(const ddb__opd_t *o)
{
    if (!o) return DDB_BAD;
    switch (o->kind) {
    case DDB__OPD_VALUE: return o->value ? ddb_type(o->value) : DDB_BAD;
    case DDB__OPD_PLUS:
    case DDB__OPD_MINUS: return DDB_N;
    case DDB__OPD_LIST_APPEND: return DDB_L;
    default: return DDB_BAD;
    }
}

ddb_type_t ddb_update_type_of(const ddb_update_t *u, str_t name)
{
    for (size_t i = 0; u && i < u->n; i++) {
        const ddb__act_t *x = &u->act[i];
        if (x->path.n == 1 && str_eq(x->path.elem[0].name, name) && x->kind != DDB__U_REMOVE)
            return written_type(x->val);
    }
    return DDB_BAD;
}

bool ddb_update_nested(const ddb_update_t *u, str_t name)
{
    for (size_t i = 0; u && i < u->n; i++) {
        const ddb__act_t *x = &u->act[i];
        bool nested = x->path.n > 1 && !x->path.elem[0].is_index && str_eq(x->path.elem[0].name, name);
        if (!nested) opd_refers(x->val, name, &nested);
        if (nested) return true;
    }
    return false;
}

/* ---- updates ---- */

#define E_MISSING "The provided expression refers to an attribute that does not exist in the item"
#define E_TYPE "An operand in the update expression has an incorrect data type"
#define E_PATH "The document path provided in the update expression is invalid for update"
/* AWS: AttributeUpdates report a type clash differently (dynalite
 * test/updateItem.js "delete/add incorrect types"). */
#define E_LEGACY_TYPE "Type mismatch for attribute to update"

/* Deep copy of the containers (scalars are immutable and shared). */
static val_t *copy_av(arena_t *a, const val_t *av);

static val_t *copy_map(arena_t *a, const val_t *m)
{
    val_t *r = val_new(a, VAL_MAP);
    for (size_t i = 0; r && m && i < m->u.obj.n; i++)
        if (val_set(a, r, m->u.obj.e[i].key, copy_av(a, m->u.obj.e[i].v)) != 0) return NULL;
    return r;
}

static val_t *copy_list(arena_t *a, const val_t *l, bool avs)
{
    val_t *r = val_new(a, VAL_LIST);
    for (size_t i = 0; r && i < l->u.list.n; i++)
        if (val_push(a, r, avs ? copy_av(a, l->u.list.v[i]) : l->u.list.v[i]) != 0) return NULL;
    return r;
}

static val_t *copy_av(arena_t *a, const val_t *av)
{
    ddb_type_t t = ddb_type(av);
    const val_t *in = ddb_inner(av);
    switch (t) {
    case DDB_M: return ddb_av(a, t, copy_map(a, in));
    case DDB_L: return ddb_av(a, t, copy_list(a, in, true));
    case DDB_SS:
    case DDB_NS:
    case DDB_BS: return ddb_av(a, t, copy_list(a, in, false));
    default: return (val_t *)av;
    }
}

static void map_put(arena_t *a, val_t *m, str_t k, val_t *v)
{
    for (size_t i = 0; i < m->u.obj.n; i++)
        if (str_eq(m->u.obj.e[i].key, k)) {
            m->u.obj.e[i].v = v;
            return;
        }
    val_set(a, m, k, v);
}

static void map_del(val_t *m, str_t k)
{
    for (size_t i = 0; i < m->u.obj.n; i++)
        if (str_eq(m->u.obj.e[i].key, k)) {
            memmove(&m->u.obj.e[i], &m->u.obj.e[i + 1], (m->u.obj.n - i - 1) * sizeof *m->u.obj.e);
            m->u.obj.n--;
            return;
        }
}

/* The container (a VAL_MAP or VAL_LIST inner value) holding the last
 * element of path, or NULL when the path does not lead to one of the kind
 * the last element needs. */
static val_t *parent_of(val_t *root, const ddb_path_t *p)
{
    if (p->n == 1) return root;
    ddb_path_t up = {p->elem, p->n - 1};
    val_t *av = ddb_path_get(root, &up);
    ddb_type_t want = p->elem[p->n - 1].is_index ? DDB_L : DDB_M;
    if (!av || ddb_type(av) != want) return NULL;
    return (val_t *)ddb_inner(av);
}

static bool set_at(arena_t *a, val_t *root, const ddb_path_t *p, val_t *v, const char **err)
{
    val_t *par = parent_of(root, p);
    if (!par) {
        *err = E_PATH;
        return false;
    }
    const ddb_path_elem_t *last = &p->elem[p->n - 1];
    if (!last->is_index) {
        map_put(a, par, last->name, v);
    } else if (last->index >= 0 && (uint64_t)last->index < par->u.list.n) {
        par->u.list.v[last->index] = v;
    } else {
        /* AWS: an index past the end appends ("Adding elements to a list"). */
        val_push(a, par, v);
    }
    return true;
}

static bool remove_at(val_t *root, const ddb_path_t *p, const char **err)
{
    val_t *par = parent_of(root, p);
    if (!par) {
        /* AWS: a missing or mistyped parent is refused for REMOVE as for
         * SET; only the last element may be absent. */
        *err = E_PATH;
        return false;
    }
    const ddb_path_elem_t *last = &p->elem[p->n - 1];
    if (!last->is_index) {
        map_del(par, last->name);
    } else if (last->index >= 0 && (uint64_t)last->index < par->u.list.n) {
        size_t i = (size_t)last->index;
        memmove(&par->u.list.v[i], &par->u.list.v[i + 1], (par->u.list.n - i - 1) * sizeof *par->u.list.v);
        par->u.list.n--;
    }
    return true;
}

static val_t *u_eval(ddb_ctx_t *c, const ddb__opd_t *o, const val_t *item, const char **err)
{
    arena_t *a = c->a;
    switch (o->kind) {
    case DDB__OPD_PATH: {
        val_t *v = ddb_path_get(item, &o->path);
        if (!v) *err = E_MISSING;
        return v;
    }
    case DDB__OPD_VALUE:
        if (!o->value) *err = E_MISSING;
        return (val_t *)o->value;
    case DDB__OPD_IF_NOT_EXISTS: {
        val_t *v = ddb_path_get(item, &o->arg[0]->path);
        return v ? v : u_eval(c, o->arg[1], item, err);
    }
    case DDB__OPD_PLUS:
    case DDB__OPD_MINUS: {
        val_t *x = u_eval(c, o->arg[0], item, err), *y;
        if (!x || !(y = u_eval(c, o->arg[1], item, err))) return NULL;
        if (ddb_type(x) != DDB_N || ddb_type(y) != DDB_N) {
            *err = E_TYPE;
            return NULL;
        }
        ddb_num_t nx, ny, r;
        if (!ddb_num_parse(a, ddb_inner(x)->u.s, &nx, err) || !ddb_num_parse(a, ddb_inner(y)->u.s, &ny, err))
            return NULL;
        bool ok = o->kind == DDB__OPD_PLUS ? ddb_num_add(a, &nx, &ny, &r, err) : ddb_num_sub(a, &nx, &ny, &r, err);
        if (!ok) return NULL;
        str_t s = ddb_num_format(a, &r);
        return ddb_av(a, DDB_N, val_str(a, s));
    }
    case DDB__OPD_LIST_APPEND: {
        val_t *x = u_eval(c, o->arg[0], item, err), *y;
        if (!x || !(y = u_eval(c, o->arg[1], item, err))) return NULL;
        if (ddb_type(x) != DDB_L || ddb_type(y) != DDB_L) {
            *err = E_TYPE;
            return NULL;
        }
        val_t *l = copy_list(a, ddb_inner(x), true);
        const val_t *iy = ddb_inner(y);
        for (size_t i = 0; l && i < iy->u.list.n; i++) val_push(a, l, copy_av(a, iy->u.list.v[i]));
        return l ? ddb_av(a, DDB_L, l) : NULL;
    }
    default: *err = E_TYPE; return NULL;
    }
}

static bool set_member(const val_t *set_inner, ddb_type_t et, const val_t *m)
{
    val_entry_t ent = {str_c(ddb_type_name(et)), (val_t *)m};
    val_t probe = {.kind = VAL_STRUCT};
    probe.u.obj.e = &ent;
    probe.u.obj.n = 1;
    for (size_t i = 0; i < set_inner->u.list.n; i++) {
        val_entry_t e2 = {ent.key, set_inner->u.list.v[i]};
        val_t o = {.kind = VAL_STRUCT};
        o.u.obj.e = &e2;
        o.u.obj.n = 1;
        if (ddb_av_equal(&probe, &o)) return true;
    }
    return false;
}

static ddb_type_t elem_type(ddb_type_t set)
{
    return set == DDB_SS ? DDB_S : set == DDB_NS ? DDB_N : set == DDB_BS ? DDB_B : DDB_BAD;
}

static bool do_add(ddb_ctx_t *c, val_t *root, const ddb__act_t *act, const char **err)
{
    arena_t *a = c->a;
    const val_t *v = act->val->value;
    if (!v) {
        *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
        return false;
    }
    ddb_type_t tv = ddb_type(v);
    val_t *cur = ddb_path_get(root, &act->path);
    if (!cur) {
        if (tv != DDB_N && elem_type(tv) == DDB_BAD && !(act->legacy && tv == DDB_L)) {
            *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
            return false;
        }
        return set_at(a, root, &act->path, copy_av(a, v), err);
    }
    ddb_type_t tc = ddb_type(cur);
    if (tc != tv) {
        *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
        return false;
    }
    if (tc == DDB_N) {
        ddb_num_t x, y, r;
        if (!ddb_num_parse(a, ddb_inner(cur)->u.s, &x, err) || !ddb_num_parse(a, ddb_inner(v)->u.s, &y, err) ||
            !ddb_num_add(a, &x, &y, &r, err))
            return false;
        return set_at(a, root, &act->path, ddb_av(a, DDB_N, val_str(a, ddb_num_format(a, &r))), err);
    }
    if (elem_type(tc) != DDB_BAD) {
        val_t *l = copy_list(a, ddb_inner(cur), false);
        const val_t *iv = ddb_inner(v);
        for (size_t i = 0; l && i < iv->u.list.n; i++)
            if (!set_member(l, elem_type(tc), iv->u.list.v[i])) val_push(a, l, iv->u.list.v[i]);
        return set_at(a, root, &act->path, ddb_av(a, tc, l), err);
    }
    if (tc == DDB_L && act->legacy) {
        val_t *l = copy_list(a, ddb_inner(cur), true);
        const val_t *iv = ddb_inner(v);
        for (size_t i = 0; l && i < iv->u.list.n; i++) val_push(a, l, copy_av(a, iv->u.list.v[i]));
        return set_at(a, root, &act->path, ddb_av(a, DDB_L, l), err);
    }
    *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
    return false;
}

static bool do_delete(ddb_ctx_t *c, val_t *root, const ddb__act_t *act, const char **err)
{
    arena_t *a = c->a;
    const val_t *v = act->val->value;
    val_t *cur = ddb_path_get(root, &act->path);
    if (!v) {
        *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
        return false;
    }
    ddb_type_t tc = cur ? ddb_type(cur) : DDB_BAD, tv = ddb_type(v);
    if (elem_type(tv) == DDB_BAD) {
        *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
        return false;
    }
    if (!cur) {
        /* AWS: nothing to delete is fine, a path whose parent is missing or
         * not a container is not (dynalite test/updateItem.js). */
        if (!parent_of(root, &act->path)) {
            *err = E_PATH;
            return false;
        }
        return true;
    }
    if (tc != tv) {
        *err = act->legacy ? E_LEGACY_TYPE : E_TYPE;
        return false;
    }
    val_t *l = val_new(a, VAL_LIST);
    const val_t *ic = ddb_inner(cur);
    for (size_t i = 0; l && i < ic->u.list.n; i++)
        if (!set_member(ddb_inner(v), elem_type(tc), ic->u.list.v[i])) val_push(a, l, ic->u.list.v[i]);
    if (!l) return false;
    /* AWS: a set left empty disappears (sets cannot be empty). */
    if (l->u.list.n == 0) return remove_at(root, &act->path, err);
    return set_at(a, root, &act->path, ddb_av(a, tc, l), err);
}

static int cmp_remove(const void *x, const void *y)
{
    const ddb__act_t *a = *(const ddb__act_t *const *)x, *b = *(const ddb__act_t *const *)y;
    const ddb_path_elem_t *ea = &a->path.elem[a->path.n - 1], *eb = &b->path.elem[b->path.n - 1];
    int64_t ia = ea->is_index ? ea->index : -1, ib = eb->is_index ? eb->index : -1;
    return ia < ib ? 1 : ia > ib ? -1 : 0;
}

/* Whether x goes before y: actions ending in a list index after all others,
 * by ascending index among themselves (the sort is stable). */
static bool act_before(const ddb__act_t *x, const ddb__act_t *y)
{
    const ddb_path_elem_t *ex = &x->path.elem[x->path.n - 1], *ey = &y->path.elem[y->path.n - 1];
    return (ex->is_index ? ex->index : -1) < (ey->is_index ? ey->index : -1);
}

val_t *ddb_update_apply(ddb_ctx_t *c, const ddb_update_t *u, const val_t *item, const char **err)
{
    arena_t *a = c->a;
    val_t *root = copy_map(a, item && (item->kind == VAL_MAP || item->kind == VAL_STRUCT) ? item : NULL);
    if (!root) return NULL;
    const val_t *orig = item ? item : root;
    val_t **vals = ARENA_NEWN(a, val_t *, u->n ? u->n : 1);
    const ddb__act_t **rem = ARENA_NEWN(a, const ddb__act_t *, u->n ? u->n : 1);
    size_t nrem = 0;
    if (!vals || !rem) return NULL;
    /* AWS: every operand reads the item as it was before this update. */
    for (size_t i = 0; i < u->n; i++)
        if (u->act[i].kind == DDB__U_SET && !(vals[i] = u_eval(c, u->act[i].val, orig, err))) return NULL;
    /* AWS: elements set past the end of a list are appended in the order of
     * their indexes, whatever the order of the actions ("c[4] = x, c[2] =
     * y" on a list of two appends y, then x: dynalite test/updateItem.js).
     * Paths never overlap, so only index-ending actions need reordering. */
    size_t *order = ARENA_NEWN(a, size_t, u->n ? u->n : 1);
    if (!order) return NULL;
    for (size_t i = 0; i < u->n; i++) order[i] = i;
    for (size_t i = 1; i < u->n; i++) /* insertion sort: n is small */
        for (size_t j = i; j > 0 && act_before(&u->act[order[j]], &u->act[order[j - 1]]); j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t k = 0; k < u->n; k++) {
        size_t i = order[k];
        const ddb__act_t *act = &u->act[i];
        bool ok = true;
        switch (act->kind) {
        case DDB__U_SET: ok = set_at(a, root, &act->path, copy_av(a, vals[i]), err); break;
        case DDB__U_REMOVE: rem[nrem++] = act; break;
        case DDB__U_ADD: ok = do_add(c, root, act, err); break;
        case DDB__U_DELETE: ok = do_delete(c, root, act, err); break;
        }
        if (!ok) return NULL;
    }
    /* Removing list elements by their original indexes: highest first. */
    qsort(rem, nrem, sizeof *rem, cmp_remove);
    for (size_t i = 0; i < nrem; i++)
        if (!remove_at(root, &rem[i]->path, err)) return NULL;
    return root;
}

/* ---- projections ---- */

typedef struct pnode {
    bool is_index;
    str_t key;
    int64_t index;
    const val_t *leaf; /* a whole value taken */
    bool list;         /* children are list indexes */
    struct pnode **kid;
    size_t n, cap;
} pnode_t;

static pnode_t *kid(arena_t *a, pnode_t *n, const ddb_path_elem_t *e)
{
    for (size_t i = 0; i < n->n; i++) {
        pnode_t *k = n->kid[i];
        if (k->is_index == e->is_index && (e->is_index ? k->index == e->index : str_eq(k->key, e->name))) return k;
    }
    if (n->n == n->cap) {
        size_t nc = n->cap ? n->cap * 2 : 4;
        pnode_t **nk = arena_realloc(a, n->kid, n->n * sizeof *nk, nc * sizeof *nk);
        if (!nk) return NULL;
        n->kid = nk;
        n->cap = nc;
    }
    pnode_t *k = ARENA_NEW(a, pnode_t);
    if (!k) return NULL;
    k->is_index = e->is_index;
    k->key = e->name;
    k->index = e->index;
    n->kid[n->n++] = k;
    return k;
}

static int cmp_pnode(const void *x, const void *y)
{
    const pnode_t *a = *(pnode_t *const *)x, *b = *(pnode_t *const *)y;
    return a->index < b->index ? -1 : a->index > b->index;
}

static val_t *build(arena_t *a, pnode_t *n)
{
    if (n->leaf) return copy_av(a, n->leaf);
    if (n->list) {
        qsort(n->kid, n->n, sizeof *n->kid, cmp_pnode);
        val_t *l = val_new(a, VAL_LIST);
        for (size_t i = 0; l && i < n->n; i++) val_push(a, l, build(a, n->kid[i]));
        return ddb_av(a, DDB_L, l);
    }
    val_t *m = val_new(a, VAL_MAP);
    for (size_t i = 0; m && i < n->n; i++) val_set(a, m, n->kid[i]->key, build(a, n->kid[i]));
    return ddb_av(a, DDB_M, m);
}

val_t *ddb_proj_apply(arena_t *a, const ddb_proj_t *p, const val_t *item)
{
    pnode_t root = {0};
    for (size_t i = 0; i < p->n; i++) {
        const ddb_path_t *path = &p->path[i];
        const val_t *v = ddb_path_get(item, path);
        if (!v) continue;
        pnode_t *n = &root;
        for (size_t k = 0; n && k < path->n; k++) {
            n = kid(a, n, &path->elem[k]);
            if (n && k + 1 < path->n) n->list = path->elem[k + 1].is_index;
        }
        if (n) n->leaf = v;
    }
    val_t *out = val_new(a, VAL_MAP);
    for (size_t i = 0; out && i < root.n; i++) val_set(a, out, root.kid[i]->key, build(a, root.kid[i]));
    return out;
}
