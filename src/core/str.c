/* str.c — counted string helpers; see str.h. */
#include "core/str.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>

bool str_eq_nocase(str_t a, str_t b)
{
    return a.len == b.len && (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0);
}

/* An empty prefix or suffix may have a NULL pointer (a lifecycle rule's Filter {} has no Prefix), and
   memcmp's pointers must not be NULL even for a length of 0. */
bool str_starts_with(str_t s, str_t prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.p, prefix.p, prefix.len) == 0);
}

bool str_ends_with(str_t s, str_t suffix)
{
    return s.len >= suffix.len && (suffix.len == 0 || memcmp(s.p + s.len - suffix.len, suffix.p, suffix.len) == 0);
}

long str_index(str_t s, char c)
{
    const char *q = s.len ? memchr(s.p, c, s.len) : NULL;
    return q ? (long)(q - s.p) : -1;
}

str_t str_sub(str_t s, size_t from, size_t len)
{
    if (from > s.len) from = s.len;
    if (len > s.len - from) len = s.len - from;
    return (str_t){s.p + from, len};
}

str_t str_trim(str_t s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t')) s.len--;
    return s;
}

str_t str_cut(str_t s, char c, str_t *head)
{
    long i = str_index(s, c);
    if (i < 0) {
        *head = s;
        return STR_NULL;
    }
    *head = (str_t){s.p, (size_t)i};
    return (str_t){s.p + i + 1, s.len - (size_t)i - 1};
}

bool str_to_i64(str_t s, long long *out)
{
    char tmp[32];
    if (s.len == 0 || s.len >= sizeof tmp) return false;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

int str_cmp(str_t a, str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

void str_hex(const void *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

char *str_dup(str_t s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        if (s.len) memcpy(p, s.p, s.len);
        p[s.len] = 0;
    }
    return p;
}

static inline char glob_fold(char c, unsigned flags)
{
    return (flags & STR_GLOB_NOCASE) && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Greedy with one backtrack point: on a mismatch after a '*', the star
 * takes one more byte and matching resumes (linear in practice). */
bool str_glob(str_t pat, str_t s, unsigned flags)
{
    size_t i = 0, j = 0, star = (size_t)-1, back = 0;
    while (j < s.len) {
        if (i < pat.len && pat.p[i] != '*' &&
            ((pat.p[i] == '?' && (flags & STR_GLOB_QMARK)) || glob_fold(pat.p[i], flags) == glob_fold(s.p[j], flags))) {
            i++, j++;
        } else if (i < pat.len && pat.p[i] == '*') {
            star = i++, back = j;
        } else if (star != (size_t)-1) {
            i = star + 1, j = ++back;
        } else {
            return false;
        }
    }
    while (i < pat.len && pat.p[i] == '*') i++;
    return i == pat.len;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, <= U+10FFFF), or 0. */
size_t str_utf8_len(const char *at, const char *end)
{
    const unsigned char *p = (const unsigned char *)at;
    unsigned c = p[0];
    size_t n;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if ((size_t)(end - at) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}
