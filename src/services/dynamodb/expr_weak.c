/* expr_weak.c — TEMPORARY: weak fallbacks for ddb.h's expression functions
 * until expr.c lands from the data-model branch; each refuses the request
 * with a clear message instead of pretending. Removed when expr.c arrives. */
#include "services/dynamodb/ddb.h"

#define W __attribute__((weak))
static const char *NA = "Expressions are not available in this build";

W void ddb_ctx_init(ddb_ctx_t *c, arena_t *a, const val_t *names, const val_t *values)
{
    *c = (ddb_ctx_t){.a = a, .names = names, .values = values};
}
W const char *ddb_ctx_unused(ddb_ctx_t *c)
{
    (void)c;
    return NULL;
}
W ddb_cond_t *ddb_cond_parse(ddb_ctx_t *c, str_t t, const char *w, const char **err)
{
    *err = NA;
    return NULL;
}
W int ddb_cond_eval(ddb_ctx_t *c, const ddb_cond_t *cond, const val_t *item, const char **err)
{
    *err = NA;
    return -1;
}
W ddb_update_t *ddb_update_parse(ddb_ctx_t *c, str_t t, const char **err)
{
    *err = NA;
    return NULL;
}
W val_t *ddb_update_apply(ddb_ctx_t *c, const ddb_update_t *u, const val_t *item, const char **err)
{
    *err = NA;
    return NULL;
}
W bool ddb_update_touches(const ddb_update_t *u, str_t name)
{
    return false;
}
W size_t ddb_update_paths(const ddb_update_t *u, const ddb_path_t **out)
{
    *out = NULL;
    return 0;
}
W bool ddb_proj_parse(ddb_ctx_t *c, str_t t, ddb_proj_t *out, const char **err)
{
    *err = NA;
    return false;
}
W val_t *ddb_proj_apply(arena_t *a, const ddb_proj_t *p, const val_t *item)
{
    return (val_t *)item;
}
W bool ddb_keycond_parse(ddb_ctx_t *c, str_t t, str_t pk, str_t sk, ddb_keycond_t *out, const char **err)
{
    *err = NA;
    return false;
}
W ddb_cond_t *ddb_legacy_expected(ddb_ctx_t *c, const val_t *e, str_t op, const char **err)
{
    *err = NA;
    return NULL;
}
W ddb_cond_t *ddb_legacy_filter(ddb_ctx_t *c, const val_t *f, str_t op, const char *w, const char **err)
{
    *err = NA;
    return NULL;
}
W ddb_update_t *ddb_legacy_updates(ddb_ctx_t *c, const val_t *au, const char **err)
{
    *err = NA;
    return NULL;
}
W bool ddb_legacy_attrs_to_get(ddb_ctx_t *c, const val_t *attrs, ddb_proj_t *out)
{
    return false;
}
W bool ddb_legacy_key_conditions(ddb_ctx_t *c, const val_t *kc, str_t pk, str_t sk, ddb_keycond_t *out,
                                 const char **err)
{
    *err = NA;
    return false;
}
