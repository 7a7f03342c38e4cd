/* str.h — counted, binary-safe strings (str_t) used by every layer.
 *
 * A str_t never owns its bytes: it points into a request arena, a parsed
 * buffer or a literal. It is not NUL-terminated unless the producer says so,
 * because S3 keys and DynamoDB values may contain any byte. */
#ifndef GR_CORE_STR_H
#define GR_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    const char *p;
    size_t len;
} str_t;

#define STR(lit) ((str_t){(lit), sizeof(lit) - 1})
#define STR_NULL ((str_t){NULL, 0})
#define STR_FMT(s) (int)(s).len, (s).p /* for printf("%.*s", STR_FMT(s)) */

static inline str_t str_c(const char *s)
{
    return (str_t){s, s ? strlen(s) : 0};
}
static inline str_t str_n(const char *s, size_t n)
{
    return (str_t){s, n};
}
static inline bool str_is_null(str_t s)
{
    return s.p == NULL;
}
static inline bool str_eq(str_t a, str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}
static inline bool str_eq_c(str_t a, const char *b)
{
    return str_eq(a, str_c(b));
}
bool str_eq_nocase(str_t a, str_t b);
bool str_starts_with(str_t s, str_t prefix);
bool str_ends_with(str_t s, str_t suffix);
/* Byte offset of the first c in s, or -1. */
long str_index(str_t s, char c);
str_t str_sub(str_t s, size_t from, size_t len);
/* Strips ASCII spaces and tabs at both ends. */
str_t str_trim(str_t s);
/* Splits at the first c: *head before it, return value after it; no c gives head = s, STR_NULL. */
str_t str_cut(str_t s, char c, str_t *head);
/* Parses a decimal integer; false if s is not one entirely or overflows. */
bool str_to_i64(str_t s, long long *out);
int str_cmp(str_t a, str_t b); /* byte order, shorter first on a tie */
/* Whether s matches pat, where '*' stands for any run of bytes and, with
 * STR_GLOB_QMARK, '?' for any one byte; STR_GLOB_NOCASE folds ASCII case. */
#define STR_GLOB_QMARK 1u
#define STR_GLOB_NOCASE 2u
bool str_glob(str_t pat, str_t s, unsigned flags);
/* A malloc'd, NUL-terminated copy of s ("" for STR_NULL), NULL without
 * memory: for what outlives the request's arena (queued jobs, caches). */
char *str_dup(str_t s);
/* Writes n bytes as 2n lowercase hex digits and a NUL into out (2n+1). */
void str_hex(const void *in, size_t n, char *out);
/* Length of the valid UTF-8 sequence at p (p < end; RFC 3629: no overlongs,
 * no surrogates, <= U+10FFFF), or 0 when none starts there. Shared by the
 * JSON and CBOR decoders, which both refuse text that is not UTF-8. */
size_t str_utf8_len(const char *p, const char *end);

#endif
