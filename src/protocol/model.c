/* model.c — lookups in the generated service tables (model.h).
 *
 * The tables come from tools/gen_models.py; the protocol engine and the
 * dispatcher call these to find an operation by name, a member of a shape, or
 * an error shape by its wire code. Invariant: op_t arrays are sorted by name
 * and error arrays by code (strcmp order), so both lookups are binary
 * searches over a counted (not NUL-terminated) key. */
#include "protocol/model.h"

#include <string.h>

/* strcmp order between a counted key and a C string. */
static int cmp_key(str_t k, const char *s)
{
    size_t n = strlen(s);
    size_t m = k.len < n ? k.len : n;
    int c = m ? memcmp(k.p, s, m) : 0;
    if (c) return c;
    return k.len < n ? -1 : k.len > n ? 1 : 0;
}

const op_t *model_find_op(const svc_model_t *m, str_t name)
{
    if (!m || !name.p) return NULL;
    size_t lo = 0, hi = m->nops;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(name, m->ops[mid].name);
        if (c == 0) return &m->ops[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const member_t *model_member(const shape_t *s, const char *name)
{
    if (!s || s->type != SH_STRUCTURE || !name) return NULL;
    for (uint16_t i = 0; i < s->nmembers; i++)
        if (strcmp(s->members[i].name, name) == 0) return &s->members[i];
    return NULL;
}

const shape_t *model_find_error(const svc_model_t *m, str_t code)
{
    if (!m || !code.p) return NULL;
    size_t lo = 0, hi = m->nerrors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(code, m->errors[mid]->err->code);
        if (c == 0) {
            /* several shapes may share a code: return the first */
            while (mid > 0 && cmp_key(code, m->errors[mid - 1]->err->code) == 0) mid--;
            return m->errors[mid];
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
