/* ddbtest.h — helpers for the DynamoDB data model tests: build items and
 * AttributeValues from DynamoDB JSON text and print them back, so a test
 * reads like the wire ({"a": {"N": "1"}}). "B" strings are taken as raw
 * bytes, not base64, to keep cases short. */
#ifndef GR_TESTS_DDBTEST_H
#define GR_TESTS_DDBTEST_H

#include "core/json.h"
#include "services/dynamodb/ddb.h"

/* The arena a test file's cases build in: made by ddbt_setup and freed by
 * ddbt_teardown, the group fixtures of cmocka_run_group_tests. */
static arena_t *A;

static int ddbt_setup(void **s)
{
    (void)s;
    A = arena_new(0);
    return 0;
}

static int ddbt_teardown(void **s)
{
    (void)s;
    arena_free(A);
    return 0;
}

static val_t *ddbt_from_json(arena_t *a, const json_t *j, bool is_av);

static val_t *ddbt_av_json(arena_t *a, const json_t *j)
{
    if (j->type != JSON_OBJECT) return val_new(a, VAL_NULL);
    val_t *av = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < j->u.obj.n; i++) {
        str_t k = j->u.obj.k[i];
        const json_t *v = j->u.obj.v[i];
        val_t *in;
        if (str_eq_c(k, "M")) {
            in = ddbt_from_json(a, v, false);
        } else if (str_eq_c(k, "L")) {
            in = val_new(a, VAL_LIST);
            for (size_t e = 0; v->type == JSON_ARRAY && e < v->u.arr.n; e++)
                val_push(a, in, ddbt_av_json(a, v->u.arr.v[e]));
        } else if (v->type == JSON_ARRAY) {
            in = val_new(a, VAL_LIST);
            for (size_t e = 0; e < v->u.arr.n; e++) {
                str_t s = v->u.arr.v[e]->u.s;
                val_push(a, in, str_eq_c(k, "BS") ? val_blob(a, s) : val_str(a, s));
            }
        } else if (v->type == JSON_BOOL) {
            in = val_bool(a, v->u.b);
        } else if (v->type == JSON_STRING) {
            in = str_eq_c(k, "B") ? val_blob(a, v->u.s) : val_str(a, v->u.s);
        } else if (v->type == JSON_NULL) {
            in = val_new(a, VAL_NULL);
        } else {
            in = val_str(a, v->raw);
        }
        val_set(a, av, k, in);
    }
    return av;
}

static val_t *ddbt_from_json(arena_t *a, const json_t *j, bool is_av)
{
    if (is_av) return ddbt_av_json(a, j);
    val_t *m = val_new(a, VAL_MAP);
    for (size_t i = 0; j->type == JSON_OBJECT && i < j->u.obj.n; i++)
        val_set(a, m, j->u.obj.k[i], ddbt_av_json(a, j->u.obj.v[i]));
    return m;
}

/* An item (object of name -> AV) from JSON text. */
static inline val_t *ddbt_item(arena_t *a, const char *text)
{
    const char *err = NULL;
    json_t *j = json_parse(a, str_c(text), &err);
    if (!j) return NULL;
    return ddbt_from_json(a, j, false);
}

/* One AttributeValue from JSON text. */
static inline val_t *ddbt_av(arena_t *a, const char *text)
{
    const char *err = NULL;
    json_t *j = json_parse(a, str_c(text), &err);
    if (!j) return NULL;
    return ddbt_av_json(a, j);
}

static void ddbt_print_av(buf_t *b, const val_t *av);

static void ddbt_print_map(buf_t *b, const val_t *m)
{
    buf_putc(b, '{');
    for (size_t i = 0; m && i < m->u.obj.n; i++) {
        if (i) buf_puts(b, ", ");
        buf_printf(b, "\"%.*s\": ", STR_FMT(m->u.obj.e[i].key));
        ddbt_print_av(b, m->u.obj.e[i].v);
    }
    buf_putc(b, '}');
}

static void ddbt_print_av(buf_t *b, const val_t *av)
{
    ddb_type_t t = ddb_type(av);
    const val_t *in = ddb_inner(av);
    if (t == DDB_BAD) {
        buf_puts(b, "?");
        return;
    }
    buf_printf(b, "{\"%s\": ", ddb_type_name(t));
    switch (t) {
    case DDB_S:
    case DDB_N:
    case DDB_B: buf_printf(b, "\"%.*s\"", STR_FMT(in->u.s)); break;
    case DDB_NULL:
    case DDB_BOOL: buf_puts(b, in->u.b ? "true" : "false"); break;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
        buf_putc(b, '[');
        for (size_t i = 0; i < in->u.list.n; i++)
            buf_printf(b, "%s\"%.*s\"", i ? ", " : "", STR_FMT(in->u.list.v[i]->u.s));
        buf_putc(b, ']');
        break;
    case DDB_L:
        buf_putc(b, '[');
        for (size_t i = 0; i < in->u.list.n; i++) {
            if (i) buf_puts(b, ", ");
            ddbt_print_av(b, in->u.list.v[i]);
        }
        buf_putc(b, ']');
        break;
    case DDB_M: ddbt_print_map(b, in); break;
    default: break;
    }
    buf_putc(b, '}');
}

/* Text of an item (maps in member order, as built). */
static inline const char *ddbt_item_str(arena_t *a, const val_t *item)
{
    buf_t b;
    buf_init(&b, a);
    if (!item) return "(null)";
    ddbt_print_map(&b, item);
    return buf_str(&b).p;
}

static inline const char *ddbt_av_str(arena_t *a, const val_t *av)
{
    buf_t b;
    buf_init(&b, a);
    if (!av) return "(null)";
    ddbt_print_av(&b, av);
    return buf_str(&b).p;
}

#endif
