/* json.c — strict RFC 8259 JSON parser (into a json_t tree) and writer.
 *
 * Used by the json and rest-json protocols and by IAM policy documents.
 * The parser is recursive descent with an explicit depth bound, validates
 * UTF-8 and escapes (surrogate pairs combined, lone surrogates rejected), and
 * keeps integral numbers exact as int64. Invariant: every returned node and
 * string is in the arena; on error nothing is returned but an arena message. */
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== parser ==== */

typedef struct {
    arena_t *a;
    const unsigned char *p, *end, *start;
    const char *err;
} jp_t;

static json_t *parse_value(jp_t *j, int depth);

static json_t *jfail(jp_t *j, const char *what)
{
    if (!j->err) j->err = arena_printf(j->a, "%s at offset %zu", what, (size_t)(j->p - j->start));
    return NULL;
}

static void skip_ws(jp_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static json_t *node(jp_t *j, json_type_t t)
{
    json_t *n = ARENA_NEW(j->a, json_t);
    if (!n) return jfail(j, "out of memory");
    n->type = t;
    return n;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* At the opening quote; the unescaped string goes to *out (NUL-terminated). */
static bool parse_string(jp_t *j, str_t *out)
{
    j->p++; /* '"' */
    const unsigned char *s = j->p;
    bool esc = false;
    /* first pass: validate and find the end, so one allocation suffices */
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = *j->p;
        if (c < 0x20) {
            jfail(j, "control character in string");
            return false;
        }
        if (c == '\\') {
            esc = true;
            j->p++;
            if (j->p >= j->end) break;
            if (*j->p == 'u') {
                if (j->end - j->p < 5 || hex4(j->p + 1) < 0) {
                    jfail(j, "bad \\u escape");
                    return false;
                }
                j->p += 5;
            } else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
                j->p++;
            } else {
                jfail(j, "bad escape");
                return false;
            }
            continue;
        }
        size_t n = str_utf8_len((const char *)j->p, (const char *)j->end);
        if (!n) {
            jfail(j, "invalid UTF-8");
            return false;
        }
        j->p += n;
    }
    if (j->p >= j->end) {
        jfail(j, "unterminated string");
        return false;
    }
    size_t rawlen = (size_t)(j->p - s);
    j->p++; /* closing quote */
    if (!esc) {
        char *o = arena_strndup(j->a, (const char *)s, rawlen);
        if (!o) {
            jfail(j, "out of memory");
            return false;
        }
        *out = str_n(o, rawlen);
        return true;
    }
    char *o = arena_alloc(j->a, rawlen + 1);
    if (!o) {
        jfail(j, "out of memory");
        return false;
    }
    size_t k = 0;
    for (const unsigned char *p = s; p < s + rawlen;) {
        if (*p != '\\') {
            o[k++] = (char)*p++;
            continue;
        }
        p++;
        char c = (char)*p++;
        switch (c) {
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned cp = (unsigned)hex4(p);
            p += 4;
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                j->p = p;
                jfail(j, "lone low surrogate");
                return false;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                int lo = (s + rawlen - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2) : -1;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    j->p = p;
                    jfail(j, "lone high surrogate");
                    return false;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
                p += 6;
            }
            /* \uXXXX (6 bytes) or a pair (12) always outlasts its UTF-8 (<= 4) */
            k += put_utf8(o + k, cp);
            break;
        }
        default: /* '"', '\\', '/' */ o[k++] = c; break;
        }
    }
    o[k] = 0;
    *out = str_n(o, k);
    return true;
}

static json_t *parse_number(jp_t *j)
{
    const unsigned char *s = j->p;
    bool integral = true;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end) return jfail(j, "bad number");
    if (*j->p == '0') {
        j->p++;
    } else if (*j->p >= '1' && *j->p <= '9') {
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    } else {
        return jfail(j, "bad number");
    }
    if (j->p < j->end && *j->p == '.') {
        integral = false;
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jfail(j, "bad number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        integral = false;
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jfail(j, "bad number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    size_t len = (size_t)(j->p - s);
    char *txt = arena_strndup(j->a, (const char *)s, len);
    json_t *n = node(j, JSON_INT);
    if (!txt || !n) return jfail(j, "out of memory");
    n->raw = str_n(txt, len);
    if (integral) {
        long long v;
        if (str_to_i64(n->raw, &v)) {
            n->u.i = v;
            return n;
        }
    }
    n->type = JSON_DOUBLE;
    n->u.d = strtod(txt, NULL); /* +-HUGE_VAL on overflow: still a number */
    return n;
}

static bool lit(jp_t *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return false;
    j->p += n;
    return true;
}

static json_t *parse_container(jp_t *j, int depth, bool obj)
{
    if (depth >= JSON_MAX_DEPTH) return jfail(j, "nesting too deep");
    json_t *n = node(j, obj ? JSON_OBJECT : JSON_ARRAY);
    if (!n) return NULL;
    j->p++;
    size_t cap = 0, cnt = 0;
    json_t **vals = NULL;
    str_t *keys = NULL;
    skip_ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        return n;
    }
    for (;;) {
        str_t k = STR_NULL;
        skip_ws(j);
        if (obj) {
            if (j->p >= j->end || *j->p != '"') return jfail(j, "expected member name");
            if (!parse_string(j, &k)) return NULL;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':') return jfail(j, "expected ':'");
            j->p++;
        }
        json_t *v = parse_value(j, depth + 1);
        if (!v) return NULL;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 8;
            vals = arena_realloc(j->a, vals, cap * sizeof *vals, nc * sizeof *vals);
            if (obj) keys = arena_realloc(j->a, keys, cap * sizeof *keys, nc * sizeof *keys);
            if (!vals || (obj && !keys)) return jfail(j, "out of memory");
            cap = nc;
        }
        if (obj) keys[cnt] = k;
        vals[cnt++] = v;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
            j->p++;
            break;
        }
        return jfail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    if (obj) {
        n->u.obj.k = keys;
        n->u.obj.v = vals;
        n->u.obj.n = cnt;
    } else {
        n->u.arr.v = vals;
        n->u.arr.n = cnt;
    }
    return n;
}

static json_t *parse_value(jp_t *j, int depth)
{
    skip_ws(j);
    if (j->p >= j->end) return jfail(j, "unexpected end of input");
    json_t *n;
    switch (*j->p) {
    case '{': return parse_container(j, depth, true);
    case '[': return parse_container(j, depth, false);
    case '"':
        if (!(n = node(j, JSON_STRING))) return NULL;
        return parse_string(j, &n->u.s) ? n : NULL;
    case 't':
    case 'f':
        if (!(n = node(j, JSON_BOOL))) return NULL;
        if (lit(j, "true"))
            n->u.b = true;
        else if (!lit(j, "false"))
            return jfail(j, "invalid literal");
        return n;
    case 'n':
        if (!lit(j, "null")) return jfail(j, "invalid literal");
        return node(j, JSON_NULL);
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) return parse_number(j);
        return jfail(j, "unexpected character");
    }
}

json_t *json_parse(arena_t *a, str_t text, const char **err)
{
    jp_t j = {a, (const unsigned char *)text.p, (const unsigned char *)text.p + text.len, (const unsigned char *)text.p,
              NULL};
    if (!text.p) {
        j.p = j.end = j.start = (const unsigned char *)"";
    }
    json_t *v = parse_value(&j, 0);
    if (v) {
        skip_ws(&j);
        if (j.p != j.end) v = jfail(&j, "trailing characters");
    }
    if (!v && err) *err = j.err ? j.err : "invalid JSON";
    return v;
}

const json_t *json_get(const json_t *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = obj->u.obj.n; i-- > 0;)
        if (str_eq_c(obj->u.obj.k[i], key)) return obj->u.obj.v[i];
    return NULL;
}

const char *json_type_name(json_type_t t)
{
    static const char *const names[] = {"null", "boolean", "number", "number", "string", "array", "object"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* ==== writer ==== */

void json_write_string(buf_t *b, str_t s)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
        buf_append(b, s.p + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\b': buf_puts(b, "\\b"); break;
        case '\f': buf_puts(b, "\\f"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            buf_puts(b, u);
        }
        }
    }
    buf_append(b, s.p + run, s.len - run);
    buf_putc(b, '"');
}

void json_w_init(json_w_t *w, buf_t *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/* Comma before a value or key, unless first in its container or after a key. */
static void sep(json_w_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0 && w->depth <= (int)sizeof w->first) {
        if (!w->first[w->depth - 1]) buf_putc(w->b, ',');
        w->first[w->depth - 1] = 0;
    }
}

static void open_c(json_w_t *w, char c)
{
    sep(w);
    buf_putc(w->b, c);
    w->depth++;
    if (w->depth <= (int)sizeof w->first) w->first[w->depth - 1] = 1;
}

void json_w_obj_begin(json_w_t *w)
{
    open_c(w, '{');
}
void json_w_arr_begin(json_w_t *w)
{
    open_c(w, '[');
}
void json_w_obj_end(json_w_t *w)
{
    w->depth--;
    buf_putc(w->b, '}');
}
void json_w_arr_end(json_w_t *w)
{
    w->depth--;
    buf_putc(w->b, ']');
}
void json_w_key(json_w_t *w, str_t key)
{
    sep(w);
    json_write_string(w->b, key);
    buf_putc(w->b, ':');
    w->after_key = true;
}
void json_w_str(json_w_t *w, str_t s)
{
    sep(w);
    json_write_string(w->b, s);
}
void json_w_int(json_w_t *w, int64_t i)
{
    sep(w);
    buf_printf(w->b, "%lld", (long long)i);
}
void json_w_double(json_w_t *w, double d)
{
    sep(w);
    /* AWS: JSON protocols send non-finite doubles as the strings "NaN", "Infinity", "-Infinity" */
    if (isnan(d)) {
        buf_puts(w->b, "\"NaN\"");
        return;
    }
    if (isinf(d)) {
        buf_puts(w->b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    if (!strpbrk(tmp, ".e")) strcat(tmp, ".0"); /* keep it a float for typed readers */
    buf_puts(w->b, tmp);
}
void json_w_bool(json_w_t *w, bool b)
{
    sep(w);
    buf_puts(w->b, b ? "true" : "false");
}
void json_w_null(json_w_t *w)
{
    sep(w);
    buf_puts(w->b, "null");
}
void json_w_raw(json_w_t *w, str_t text)
{
    sep(w);
    buf_put_str(w->b, text);
}

void json_w_value(json_w_t *w, const json_t *j)
{
    switch (j->type) {
    case JSON_NULL: json_w_null(w); break;
    case JSON_BOOL: json_w_bool(w, j->u.b); break;
    case JSON_INT:
    case JSON_DOUBLE: json_w_raw(w, j->raw); break;
    case JSON_STRING: json_w_str(w, j->u.s); break;
    case JSON_ARRAY:
        json_w_arr_begin(w);
        for (size_t i = 0; i < j->u.arr.n; i++) json_w_value(w, j->u.arr.v[i]);
        json_w_arr_end(w);
        break;
    case JSON_OBJECT:
        json_w_obj_begin(w);
        for (size_t i = 0; i < j->u.obj.n; i++) {
            json_w_key(w, j->u.obj.k[i]);
            json_w_value(w, j->u.obj.v[i]);
        }
        json_w_obj_end(w);
        break;
    }
}

/* ==== Plain JSON of a value tree ==== */

void val_json_write(json_w_t *w, const val_t *v)
{
    switch (v->kind) {
    case VAL_STRUCT:
    case VAL_MAP:
        json_w_obj_begin(w);
        for (size_t i = 0; i < v->u.obj.n; i++) {
            json_w_key(w, v->u.obj.e[i].key);
            val_json_write(w, v->u.obj.e[i].v);
        }
        json_w_obj_end(w);
        break;
    case VAL_LIST:
        json_w_arr_begin(w);
        for (size_t i = 0; i < v->u.list.n; i++) val_json_write(w, v->u.list.v[i]);
        json_w_arr_end(w);
        break;
    case VAL_STR: json_w_str(w, v->u.s); break;
    case VAL_BLOB: json_w_str(w, arena_base64(w->b->a, v->u.s.p, v->u.s.len)); break;
    case VAL_INT: json_w_int(w, v->u.i); break;
    case VAL_TIME: json_w_int(w, v->u.t); break;
    case VAL_FLOAT: json_w_double(w, v->u.f); break;
    case VAL_BOOL: json_w_bool(w, v->u.b); break;
    default: json_w_null(w); break;
    }
}

str_t val_json_text(arena_t *a, const val_t *v)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    val_json_write(&w, v);
    return buf_str(&b);
}

val_t *val_from_json(arena_t *a, const json_t *j)
{
    if (!j) return val_new(a, VAL_NULL);
    switch (j->type) {
    case JSON_OBJECT: {
        val_t *v = val_new(a, VAL_STRUCT);
        for (size_t i = 0; i < j->u.obj.n; i++) val_set(a, v, j->u.obj.k[i], val_from_json(a, j->u.obj.v[i]));
        return v;
    }
    case JSON_ARRAY: {
        val_t *v = val_new(a, VAL_LIST);
        for (size_t i = 0; i < j->u.arr.n; i++) val_push(a, v, val_from_json(a, j->u.arr.v[i]));
        return v;
    }
    case JSON_STRING: return val_str(a, j->u.s);
    case JSON_INT: return val_int(a, j->u.i);
    case JSON_DOUBLE: return val_float(a, j->u.d);
    case JSON_BOOL: return val_bool(a, j->u.b);
    default: return val_new(a, VAL_NULL);
    }
}
