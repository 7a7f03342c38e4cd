/* wire.c — helpers over wire_req_t / wire_resp_t; see wire.h. */
#include "core/wire.h"

#include <strings.h>

str_t wire_header(const wire_req_t *w, const char *name)
{
    str_t n = str_c(name);
    for (size_t i = 0; i < w->nheaders; i++)
        if (str_eq_nocase(w->headers[i].name, n)) return w->headers[i].value;
    return STR_NULL;
}

str_t wire_query_param(const wire_req_t *w, arena_t *a, const char *name)
{
    str_t rest = w->query, part;
    while (rest.p) {
        rest = str_cut(rest, '&', &part);
        str_t k, v = str_cut(part, '=', &k);
        str_t dk = wire_url_decode(a, k, true);
        if (dk.p && str_eq_c(dk, name)) return v.p ? wire_url_decode(a, v, true) : STR("");
    }
    return STR_NULL;
}

void wire_resp_init(wire_resp_t *r, arena_t *a)
{
    *r = (wire_resp_t){.status = 200, .fd = -1};
    buf_init(&r->body, a);
}

void wire_resp_header(wire_resp_t *r, arena_t *a, const char *name, str_t value)
{
    if (r->nheaders == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        kv_t *h = arena_realloc(a, r->headers, r->nheaders * sizeof *h, cap * sizeof *h);
        if (!h) return;
        r->headers = h;
        r->cap = cap;
    }
    r->headers[r->nheaders++] = (kv_t){str_c(name), value};
}

str_t wire_resp_get_header(const wire_resp_t *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (str_eq_nocase(r->headers[i].name, str_c(name))) return r->headers[i].value;
    return STR_NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

str_t wire_url_decode(arena_t *a, str_t s, bool plus_space)
{
    if (!s.p) return STR_NULL;
    if (str_index(s, '%') < 0 && (!plus_space || str_index(s, '+') < 0)) return s;
    char *o = arena_alloc(a, s.len + 1);
    if (!o) return STR_NULL;
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '%') {
            if (i + 2 >= s.len) return STR_NULL;
            int h = hexval(s.p[i + 1]), l = hexval(s.p[i + 2]);
            if (h < 0 || l < 0) return STR_NULL;
            o[n++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_space) {
            o[n++] = ' ';
        } else {
            o[n++] = c;
        }
    }
    o[n] = 0;
    return (str_t){o, n};
}

str_t wire_url_encode(arena_t *a, str_t s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = arena_alloc(a, s.len * 3 + 1);
    if (!o) return STR_NULL;
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~' || (c == '/' && keep_slash)) {
            o[n++] = (char)c;
        } else {
            o[n++] = '%';
            o[n++] = hex[c >> 4];
            o[n++] = hex[c & 15];
        }
    }
    o[n] = 0;
    return (str_t){o, n};
}
