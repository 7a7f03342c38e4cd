/* meta.c — user metadata values (x-amz-meta-*) and RFC 2047, as S3 treats
 * them (AWS: "Working with object metadata": values with non-US-ASCII
 * characters "are character decoded as per RFC 2047 before storing and
 * encoded as per RFC 2047 to make them mail-safe before returning").
 * s3__attrs_from_input (s3_db.c) decodes what a request's headers carry;
 * s3__attrs_to_output encodes what a value needs on the way out. The
 * details follow AWS's answers as LocalStack recorded them (2026-02):
 * =?UTF-8?B?YWJj?= is stored as "abc"; a value of printable characters
 * comes back Q-encoded ("ÄMÄZÕÑ S3" as =?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=,
 * with _ = ? and space escaped), one with control characters or U+FFFD
 * B-encoded; a browser POST's fields are stored as sent, not decoded. */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "s3_internal.h"

/* ==== decoding, on the way in ==== */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f') return (c | 32) - 'a' + 10;
    return -1;
}

/* One encoded word "=?charset?X?text?=" at the start of s: its decoded
 * bytes (UTF-8) into b (unless b is NULL) and its length, or 0 when s
 * starts with none that can be decoded (then it is ordinary text). */
static size_t encoded_word(arena_t *a, str_t s, buf_t *b)
{
    if (s.len < 8 || s.p[0] != '=' || s.p[1] != '?') return 0;
    size_t i = 2;
    while (i < s.len && s.p[i] != '?') i++;
    str_t cs = str_sub(s, 2, i - 2);
    if (i + 3 > s.len || s.p[i + 2] != '?') return 0;
    char enc = (char)(s.p[i + 1] | 32);
    size_t t0 = i + 3, t1 = t0;
    while (t1 + 1 < s.len && !(s.p[t1] == '?' && s.p[t1 + 1] == '=')) t1++;
    if (t1 + 1 >= s.len) return 0;
    bool latin1 = str_eq_nocase(cs, STR("iso-8859-1")) || str_eq_nocase(cs, STR("latin1"));
    if (!latin1 && !str_eq_nocase(cs, STR("utf-8")) && !str_eq_nocase(cs, STR("us-ascii"))) return 0;
    str_t text = str_sub(s, t0, t1 - t0), raw;
    if (enc == 'b') {
        if (!arena_unbase64(a, text, &raw)) return 0;
    } else if (enc == 'q') {
        char *o = arena_alloc(a, text.len + 1);
        size_t n = 0;
        if (!o) return 0;
        for (size_t k = 0; k < text.len; k++) {
            if (text.p[k] == '_') {
                o[n++] = ' ';
            } else if (text.p[k] == '=') {
                if (k + 2 >= text.len) return 0;
                int hi = hexval(text.p[k + 1]), lo = hexval(text.p[k + 2]);
                if (hi < 0 || lo < 0) return 0;
                o[n++] = (char)(hi << 4 | lo);
                k += 2;
            } else {
                o[n++] = text.p[k];
            }
        }
        raw = (str_t){o, n};
    } else {
        return 0;
    }
    for (size_t k = 0; b && k < raw.len; k++) {
        unsigned char c = (unsigned char)raw.p[k];
        if (latin1 && c >= 0x80) {
            buf_putc(b, (char)(0xc0 | c >> 6));
            buf_putc(b, (char)(0x80 | (c & 0x3f)));
        } else {
            buf_putc(b, (char)c);
        }
    }
    return t1 + 2;
}

str_t s3__meta_decode(arena_t *a, str_t v)
{
    if (str_index(v, '?') < 0) return v; /* no encoded word: the common case */
    buf_t b;
    buf_init(&b, a);
    bool any = false, after_word = false;
    size_t i = 0;
    while (i < v.len) {
        size_t n = v.p[i] == '=' ? encoded_word(a, str_sub(v, i, v.len - i), &b) : 0;
        if (n) {
            any = after_word = true;
            i += n;
            continue;
        }
        if (after_word && (v.p[i] == ' ' || v.p[i] == '\t')) {
            /* RFC 2047 6.2: white space between two encoded words is not text */
            size_t j = i;
            while (j < v.len && (v.p[j] == ' ' || v.p[j] == '\t')) j++;
            if (j < v.len && v.p[j] == '=' && encoded_word(a, str_sub(v, j, v.len - j), NULL) > 0) {
                i = j;
                continue;
            }
        }
        after_word = false;
        buf_putc(&b, v.p[i++]);
    }
    return any && !b.failed ? buf_str(&b) : v;
}

/* ==== encoding, on the way out ==== */

/* The next code point of s at *i (advanced), or -1 for a byte that starts
 * no valid UTF-8 sequence (one byte consumed). */
static int32_t next_cp(str_t s, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s.p + *i;
    size_t left = s.len - *i;
    unsigned char c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!n || (size_t)n > left) {
        (*i)++;
        return -1;
    }
    int32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (int k = 1; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            (*i)++;
            return -1;
        }
        cp = cp << 6 | (p[k] & 0x3f);
    }
    *i += (size_t)n;
    return cp;
}

/* Unicode's "Other" categories that can be told without tables: controls
 * (Cc), the common format characters (Cf), private use (Co); and U+FFFD. */
static bool unprintable(int32_t cp)
{
    return cp < 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad || (cp >= 0x600 && cp <= 0x605) ||
           cp == 0x61c || cp == 0x6dd || cp == 0x70f || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
           (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000;
}

/* Bytes that stand for themselves in a Q-encoded word: printable ASCII
 * but for space (written _), =, ? and _; and tab. */
static bool q_safe(unsigned char c)
{
    return (c > 0x20 && c < 0x7f && c != '=' && c != '?' && c != '_') || c == '\t';
}

str_t s3__meta_encode(arena_t *a, str_t v)
{
    bool plain = true, b64 = false;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (!(q_safe(c) || c == ' ' || c == '_' || c == '=' || c == '?')) plain = false;
    }
    if (plain) return v;
    for (size_t i = 0; i < v.len && !b64;) b64 = unprintable(next_cp(v, &i));
    if (b64) return str_c(arena_printf(a, "=?UTF-8?B?%.*s?=", STR_FMT(arena_base64(a, v.p, v.len))));
    static const char hex[] = "0123456789ABCDEF";
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "=?UTF-8?Q?");
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c == ' ') {
            buf_putc(&b, '_');
        } else if (q_safe(c)) {
            buf_putc(&b, (char)c);
        } else {
            buf_putc(&b, '=');
            buf_putc(&b, hex[c >> 4]);
            buf_putc(&b, hex[c & 15]);
        }
    }
    buf_puts(&b, "?=");
    return b.failed ? v : buf_str(&b);
}
