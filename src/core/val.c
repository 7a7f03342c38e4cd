/* val.c — the value tree; see val.h. */
#include "core/val.h"

#include "core/err.h"

val_t *val_new(arena_t *a, val_kind_t kind)
{
    val_t *v = ARENA_NEW(a, val_t);
    if (v) v->kind = kind;
    return v;
}

val_t *val_str(arena_t *a, str_t s)
{
    val_t *v = val_new(a, VAL_STR);
    if (v) v->u.s = s.p ? s : STR("");
    return v;
}

val_t *val_cstr(arena_t *a, const char *s)
{
    return val_str(a, str_c(s));
}

val_t *val_strdup(arena_t *a, str_t s)
{
    str_t c = arena_str(a, s);
    return c.p ? val_str(a, c) : NULL;
}

val_t *val_int(arena_t *a, int64_t i)
{
    val_t *v = val_new(a, VAL_INT);
    if (v) v->u.i = i;
    return v;
}

val_t *val_float(arena_t *a, double f)
{
    val_t *v = val_new(a, VAL_FLOAT);
    if (v) v->u.f = f;
    return v;
}

val_t *val_bool(arena_t *a, bool b)
{
    val_t *v = val_new(a, VAL_BOOL);
    if (v) v->u.b = b;
    return v;
}

val_t *val_blob(arena_t *a, str_t bytes)
{
    val_t *v = val_new(a, VAL_BLOB);
    if (v) v->u.s = bytes.p ? bytes : STR("");
    return v;
}

val_t *val_time(arena_t *a, int64_t us)
{
    val_t *v = val_new(a, VAL_TIME);
    if (v) v->u.t = us;
    return v;
}

int val_set(arena_t *a, val_t *obj, str_t key, val_t *v)
{
    if (!obj || !v) return GR_ERR;
    if (obj->kind == VAL_STRUCT) {
        for (size_t i = 0; i < obj->u.obj.n; i++)
            if (str_eq(obj->u.obj.e[i].key, key)) {
                obj->u.obj.e[i].v = v;
                return GR_OK;
            }
    }
    if (obj->u.obj.n == obj->u.obj.cap) {
        size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
        val_entry_t *e = arena_realloc(a, obj->u.obj.e, obj->u.obj.n * sizeof *e, cap * sizeof *e);
        if (!e) return GR_ERR;
        obj->u.obj.e = e;
        obj->u.obj.cap = cap;
    }
    obj->u.obj.e[obj->u.obj.n++] = (val_entry_t){key, v};
    return GR_OK;
}

int val_set_c(arena_t *a, val_t *obj, const char *key, val_t *v)
{
    return val_set(a, obj, str_c(key), v);
}

val_t *val_get_s(const val_t *obj, str_t key)
{
    if (!obj || (obj->kind != VAL_STRUCT && obj->kind != VAL_MAP)) return NULL;
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (str_eq(obj->u.obj.e[i].key, key)) return obj->u.obj.e[i].v;
    return NULL;
}

val_t *val_get(const val_t *obj, const char *key)
{
    return val_get_s(obj, str_c(key));
}

str_t val_get_str(const val_t *obj, const char *key)
{
    val_t *v = val_get(obj, key);
    return v && v->kind == VAL_STR ? v->u.s : STR_NULL;
}

int64_t val_get_int(const val_t *obj, const char *key, int64_t def)
{
    val_t *v = val_get(obj, key);
    return v && v->kind == VAL_INT ? v->u.i : def;
}

bool val_get_bool(const val_t *obj, const char *key, bool def)
{
    val_t *v = val_get(obj, key);
    return v && v->kind == VAL_BOOL ? v->u.b : def;
}

int val_push(arena_t *a, val_t *list, val_t *v)
{
    if (!list || !v) return GR_ERR;
    if (list->u.list.n == list->u.list.cap) {
        size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
        val_t **n = arena_realloc(a, list->u.list.v, list->u.list.n * sizeof *n, cap * sizeof *n);
        if (!n) return GR_ERR;
        list->u.list.v = n;
        list->u.list.cap = cap;
    }
    list->u.list.v[list->u.list.n++] = v;
    return GR_OK;
}

size_t val_len(const val_t *v)
{
    if (!v) return 0;
    if (v->kind == VAL_LIST) return v->u.list.n;
    if (v->kind == VAL_STRUCT || v->kind == VAL_MAP) return v->u.obj.n;
    return 0;
}

bool val_equal(const val_t *x, const val_t *y)
{
    if (!x || !y) return x == y;
    if (x->kind != y->kind) return false;
    switch (x->kind) {
    case VAL_NULL: return true;
    case VAL_STR:
    case VAL_BLOB: return str_eq(x->u.s, y->u.s);
    case VAL_INT: return x->u.i == y->u.i;
    case VAL_FLOAT: return x->u.f == y->u.f;
    case VAL_BOOL: return x->u.b == y->u.b;
    case VAL_TIME: return x->u.t == y->u.t;
    case VAL_LIST:
        if (x->u.list.n != y->u.list.n) return false;
        for (size_t i = 0; i < x->u.list.n; i++)
            if (!val_equal(x->u.list.v[i], y->u.list.v[i])) return false;
        return true;
    case VAL_STRUCT:
    case VAL_MAP:
        if (x->u.obj.n != y->u.obj.n) return false;
        for (size_t i = 0; i < x->u.obj.n; i++)
            if (!val_equal(x->u.obj.e[i].v, val_get_s(y, x->u.obj.e[i].key))) return false;
        return true;
    }
    return false;
}

val_t *val_copy(arena_t *a, const val_t *v)
{
    if (!v) return NULL;
    val_t *c = val_new(a, v->kind);
    if (!c) return NULL;
    switch (v->kind) {
    case VAL_STR:
    case VAL_BLOB: c->u.s = arena_str(a, v->u.s); return c->u.s.p ? c : NULL;
    case VAL_STRUCT:
    case VAL_MAP: {
        size_t n = v->u.obj.n;
        if (!n) return c;
        if (!(c->u.obj.e = ARENA_NEWN(a, val_entry_t, n))) return NULL;
        for (size_t i = 0; i < n; i++) {
            c->u.obj.e[i].key = arena_str(a, v->u.obj.e[i].key);
            c->u.obj.e[i].v = val_copy(a, v->u.obj.e[i].v);
            if (!c->u.obj.e[i].key.p || !c->u.obj.e[i].v) return NULL;
        }
        c->u.obj.n = c->u.obj.cap = n;
        return c;
    }
    case VAL_LIST: {
        size_t n = v->u.list.n;
        if (!n) return c;
        if (!(c->u.list.v = ARENA_NEWN(a, val_t *, n))) return NULL;
        for (size_t i = 0; i < n; i++)
            if (!(c->u.list.v[i] = val_copy(a, v->u.list.v[i]))) return NULL;
        c->u.list.n = c->u.list.cap = n;
        return c;
    }
    default: c->u = v->u; return c;
    }
}
