/* buf.c — arena-backed growable buffer; see buf.h. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>

void buf_init(buf_t *b, arena_t *a)
{
    *b = (buf_t){.a = a};
}

static bool reserve(buf_t *b, size_t n)
{
    if (b->failed) return false;
    if (b->len + n + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = arena_realloc(b->a, b->p, b->len, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void buf_append(buf_t *b, const void *p, size_t n)
{
    if (!reserve(b, n)) return;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

void buf_reserve(buf_t *b, size_t n)
{
    if (b->failed || b->len + n + 1 <= b->cap) return;
    char *p = arena_realloc(b->a, b->p, b->len, b->len + n + 1);
    if (!p) {
        b->failed = true;
        return;
    }
    b->p = p;
    b->cap = b->len + n + 1;
}

void buf_putc(buf_t *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n >= 0 && reserve(b, (size_t)n)) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
    }
    va_end(ap);
}

str_t buf_str(buf_t *b)
{
    if (!b->p) {
        if (!reserve(b, 0)) return STR("");
        b->p[0] = 0; /* never written: the promised NUL is not there yet */
    }
    return (str_t){b->p, b->len};
}

void buf_put_utf8(buf_t *b, uint32_t cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, o, n);
}
