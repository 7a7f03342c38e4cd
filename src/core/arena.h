/* arena.h — the per-request memory arena.
 *
 * Every request owns one arena: the parsed input, the output value, error
 * messages and response buffers all come from it, and arena_free() releases
 * them in one call when the response has been sent. arena_defer() registers
 * cleanups (close an fd, finalize a statement) that run at that moment, last
 * registered first.
 *
 * An arena has a byte budget. Going over it sets the sticky `failed` flag and
 * every later allocation returns NULL, so hostile input cannot exhaust the
 * server; the dispatcher checks the flag once and answers an error.
 *
 * Built with GUREUM_ARENA_DEBUG (the test build), every allocation is its own
 * malloc so AddressSanitizer sees overflows between objects. */
#ifndef GR_CORE_ARENA_H
#define GR_CORE_ARENA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

typedef struct arena arena_t;

/* budget 0 means unlimited. Returns NULL only if malloc fails. */
arena_t *arena_new(size_t budget);
void arena_free(arena_t *a);
/* Memory aligned for any type, or NULL once the budget is exceeded. */
void *arena_alloc(arena_t *a, size_t n);
void *arena_zalloc(arena_t *a, size_t n);
/* Grows an allocation (copying); old memory is reclaimed with the arena. */
void *arena_realloc(arena_t *a, void *old, size_t oldn, size_t n);
char *arena_strndup(arena_t *a, const char *s, size_t n); /* NUL-terminated copy */
char *arena_strdup(arena_t *a, const char *s);
str_t arena_str(arena_t *a, str_t s);     /* copy, NUL-terminated */
char *arena_cstr(arena_t *a, str_t s);    /* s as a C string; NULL for a NULL s (an absent member) */
char *arena_lld(arena_t *a, long long n); /* n in decimal: a number as SQL parameters take it */
/* The n parts one after another, NUL-terminated (STR_NULL when out of
 * memory): the hot paths' ARNs and names without a printf. */
str_t arena_concat(arena_t *a, const str_t *parts, size_t n);
#define ARENA_CAT(a, ...)                                                                                              \
    arena_concat((a), (const str_t[]){__VA_ARGS__}, sizeof((str_t[]){__VA_ARGS__}) / sizeof(str_t))
/* Base64 (RFC 4648, standard alphabet, padded) of n bytes, NUL-terminated. */
str_t arena_base64(arena_t *a, const void *p, size_t n);
/* And back: padded or unpadded input, the URL-safe '-' and '_' accepted too;
 * false on a stray character or bad padding. *out is NUL-terminated. */
bool arena_unbase64(arena_t *a, str_t text, str_t *out);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena_t *a, const char *fmt, va_list ap);
/* Runs fn(arg) when the arena is freed; returns -1 if out of memory. */
int arena_defer(arena_t *a, void (*fn)(void *), void *arg);
bool arena_failed(const arena_t *a);
size_t arena_used(const arena_t *a);

#define ARENA_NEW(a, T) ((T *)arena_zalloc((a), sizeof(T)))
#define ARENA_NEWN(a, T, n) ((T *)arena_zalloc((a), sizeof(T) * (n)))

#endif
