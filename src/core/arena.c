/* arena.c — block arena with a budget and deferred cleanups; see arena.h. */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192
#define ALIGN 16

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(ALIGN) unsigned char data[];
} block_t;

typedef struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
} cleanup_t;

struct arena {
    block_t *head;
    cleanup_t *cleanups;
    size_t used, budget;
    bool failed;
};

arena_t *arena_new(size_t budget)
{
    arena_t *a = calloc(1, sizeof *a);
    if (a) a->budget = budget;
    return a;
}

void arena_free(arena_t *a)
{
    if (!a) return;
    cleanup_t *c = a->cleanups;
    while (c) {
        cleanup_t *n = c->next;
        c->fn(c->arg);
        free(c);
        c = n;
    }
    block_t *b = a->head;
    while (b) {
        block_t *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

static bool charge(arena_t *a, size_t n)
{
    if (a->failed) return false;
    if (a->budget && (n > a->budget || a->used > a->budget - n)) {
        a->failed = true;
        return false;
    }
    a->used += n;
    return true;
}

void *arena_alloc(arena_t *a, size_t n)
{
    if (n == 0) n = 1;
    if (!charge(a, n)) return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    block_t *b;
#ifndef GUREUM_ARENA_DEBUG
    b = a->head;
    if (b && b->cap - b->used >= need) {
        void *p = b->data + b->used;
        b->used += need;
        return p;
    }
    size_t cap = need > ARENA_BLOCK / 2 ? need : ARENA_BLOCK;
#else
    size_t cap = n; /* exact size: ASan catches the first byte past it */
#endif
    b = malloc(sizeof(block_t) + cap);
    if (!b) {
        a->failed = true;
        return NULL;
    }
    b->cap = cap;
    b->used = need > cap ? cap : need;
#ifndef GUREUM_ARENA_DEBUG
    /* A big allocation gets its own block behind the head, so the head's
     * free space stays usable for the small ones that follow. */
    if (cap != ARENA_BLOCK && a->head) {
        b->next = a->head->next;
        a->head->next = b;
        return b->data;
    }
#endif
    b->next = a->head;
    a->head = b;
    return b->data;
}

void *arena_zalloc(arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p) memset(p, 0, n ? n : 1);
    return p;
}

void *arena_realloc(arena_t *a, void *old, size_t oldn, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p && old) memcpy(p, old, oldn < n ? oldn : n);
    return p;
}

char *arena_cstr(arena_t *a, str_t s)
{
    return s.p ? arena_strndup(a, s.p, s.len) : NULL;
}

char *arena_lld(arena_t *a, long long n)
{
    return arena_printf(a, "%lld", n);
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

str_t arena_concat(arena_t *a, const str_t *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len += parts[i].len;
    char *p = arena_alloc(a, len + 1);
    if (!p) return STR_NULL;
    char *o = p;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len) memcpy(o, parts[i].p, parts[i].len);
        o += parts[i].len;
    }
    *o = 0;
    return str_n(p, len);
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

str_t arena_str(arena_t *a, str_t s)
{
    char *p = arena_strndup(a, s.p ? s.p : "", s.len);
    return p ? (str_t){p, s.len} : STR_NULL;
}

char *arena_vprintf(arena_t *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p) vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

str_t arena_base64(arena_t *a, const void *bytes, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = bytes;
    char *o = arena_alloc(a, (n + 2) / 3 * 4 + 1);
    if (!o) return STR_NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        o[j++] = b64[v >> 18 & 63];
        o[j++] = b64[v >> 12 & 63];
        o[j++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        o[j++] = i + 2 < n ? b64[v & 63] : '=';
    }
    o[j] = 0;
    return (str_t){o, j};
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') /* '-' and '_': the URL-safe alphabet, accepted too */
        return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool arena_unbase64(arena_t *a, str_t text, str_t *out)
{
    size_t len = text.len;
    while (len > 0 && text.p[len - 1] == '=' && text.len - len < 2) len--;
    if (len % 4 == 1 || (len != text.len && (len + (text.len - len)) % 4 != 0)) return false;
    char *o = arena_alloc(a, len / 4 * 3 + 3 + 1);
    if (!o) return false;
    size_t j = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)text.p[i]);
        if (v < 0) return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[j++] = (char)((acc >> bits) & 0xff);
        }
    }
    o[j] = 0;
    *out = str_n(o, j);
    return true;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

int arena_defer(arena_t *a, void (*fn)(void *), void *arg)
{
    /* Cleanups are not charged to the budget: they must always register,
     * or a resource opened before the budget ran out would leak. */
    cleanup_t *c = malloc(sizeof *c);
    if (!c) return -1;
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return 0;
}

bool arena_failed(const arena_t *a)
{
    return a->failed;
}
size_t arena_used(const arena_t *a)
{
    return a->used;
}
