/* pattern.c — the `pattern` constraint of botocore string shapes, for
 * proto__validate (engine.c).
 *
 * The models' patterns are Java regular expressions, which AWS (Coral)
 * applies to the whole value (Pattern.matches). Each is translated once to a
 * POSIX extended regex anchored at both ends, compiled and kept for the life
 * of the process. Invariant: a pattern we cannot translate faithfully
 * (lookarounds, \p{..} classes, code points above ASCII, possessive
 * quantifiers) is never enforced — a request AWS would accept is never
 * refused here; at worst one it would refuse gets through to the service. */
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "protocol/internal.h"

/* ==== Java regex -> POSIX ERE ==== */

typedef struct {
    const char *p; /* the Java pattern, advanced while translating */
    char *out;     /* malloc'd ERE */
    size_t len, cap;
    bool bad; /* a construct we do not translate */
} xlat_t;

static void put(xlat_t *x, const char *s, size_t n)
{
    if (x->bad) return;
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        while (cap < x->len + n + 1) cap *= 2;
        char *o = realloc(x->out, cap);
        if (!o) {
            x->bad = true;
            return;
        }
        x->out = o;
        x->cap = cap;
    }
    memcpy(x->out + x->len, s, n);
    x->len += n;
    x->out[x->len] = 0;
}

static void puts_(xlat_t *x, const char *s)
{
    put(x, s, strlen(s));
}

static bool is_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* \xHH or \uHHHH after the backslash and letter; -1 when malformed. */
static int hex_escape(xlat_t *x, int digits)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        int h = hexval((unsigned char)x->p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    x->p += digits;
    return v;
}

typedef struct {
    bool in[128];
} cset_t;

static void set_range(cset_t *s, int lo, int hi)
{
    for (int c = lo; c <= hi; c++) s->in[c] = true;
}

/* The predefined classes \d \w \s (negated: \D \W \S). */
static bool class_escape(int e, cset_t *s, bool *neg)
{
    memset(s, 0, sizeof *s);
    *neg = e >= 'A' && e <= 'Z';
    switch (e | 0x20) {
    case 'd': set_range(s, '0', '9'); return true;
    case 'w':
        set_range(s, '0', '9');
        set_range(s, 'a', 'z');
        set_range(s, 'A', 'Z');
        s->in['_'] = true;
        return true;
    case 's': s->in[' '] = s->in['\t'] = s->in['\n'] = s->in['\v'] = s->in['\f'] = s->in['\r'] = true; return true;
    default: return false;
    }
}

/* One literal character after a backslash (x->p at the letter); -1 if the
 * escape is not a literal one we know. */
static int literal_escape(xlat_t *x)
{
    int e = (unsigned char)*x->p++;
    switch (e) {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'x': return hex_escape(x, 2);
    case 'u': return hex_escape(x, 4);
    default:
        /* Java: a backslash before a non-letter is that character */
        if (e && !is_alnum(e) && e < 128) return e;
        return -1;
    }
}

/* Writes a set of ASCII characters as a POSIX bracket expression, placing
 * the characters special inside brackets where POSIX reads them literally. */
static void put_set(xlat_t *x, const cset_t *s, bool neg)
{
    char b[140];
    size_t n = 0;
    b[n++] = '[';
    if (neg) b[n++] = '^';
    size_t first = n;
    if (s->in[']']) b[n++] = ']';
    for (int c = 1; c < 128; c++)
        if (s->in[c] && c != ']' && c != '[' && c != '^' && c != '-') b[n++] = (char)c;
    if (s->in['[']) b[n++] = '[';
    if (s->in['^']) {
        if (n == first) { /* '^' first would negate: '-' may lead instead */
            if (!s->in['-']) {
                if (neg) {
                    b[n++] = '^'; /* "[^^]" */
                } else {
                    puts_(x, "\\^");
                    return;
                }
            } else {
                b[n++] = '-';
                b[n++] = '^';
                b[n++] = ']';
                put(x, b, n);
                return;
            }
        } else {
            b[n++] = '^';
        }
    }
    if (s->in['-']) b[n++] = '-';
    if (n == first) { /* empty set: matches nothing (or anything, negated) */
        if (neg)
            puts_(x, ".");
        else
            x->bad = true;
        return;
    }
    b[n++] = ']';
    put(x, b, n);
}

static void put_literal(xlat_t *x, int c)
{
    if (c <= 0 || c >= 128) {
        x->bad = true;
        return;
    }
    cset_t s = {0};
    s.in[c] = true;
    if (is_alnum(c)) {
        char ch = (char)c;
        put(x, &ch, 1);
    } else {
        put_set(x, &s, false);
    }
}

/* A Java character class, x->p just past '['. */
static void xlat_class(xlat_t *x)
{
    cset_t s = {0};
    bool neg = false;
    if (*x->p == '^') {
        neg = true;
        x->p++;
    }
    bool first = true;
    for (;;) {
        int c = (unsigned char)*x->p;
        if (!c) {
            x->bad = true;
            return;
        }
        if (c == ']' && !first) {
            x->p++;
            break;
        }
        first = false;
        if (c == '[' || (c == '&' && x->p[1] == '&')) { /* nested classes, intersections */
            x->bad = true;
            return;
        }
        int lo;
        x->p++;
        if (c == '\\') {
            cset_t cs;
            bool cneg;
            if (class_escape((unsigned char)*x->p, &cs, &cneg)) {
                if (cneg) { /* \S inside a class: a union with a complement */
                    x->bad = true;
                    return;
                }
                x->p++;
                for (int k = 0; k < 128; k++) s.in[k] |= cs.in[k];
                continue; /* Java: a '-' after \d is literal */
            }
            lo = literal_escape(x);
        } else {
            lo = c;
        }
        if (lo < 0 || lo >= 128) { /* NUL may bound a range; it is dropped below */
            x->bad = true;
            return;
        }
        int hi = lo;
        if (*x->p == '-' && x->p[1] && x->p[1] != ']') {
            x->p++;
            int d = (unsigned char)*x->p++;
            if (d == '\\') {
                if (class_escape((unsigned char)*x->p, &(cset_t){0}, &(bool){0})) {
                    x->bad = true;
                    return;
                }
                hi = literal_escape(x);
            } else if (d == '[') {
                x->bad = true;
                return;
            } else {
                hi = d;
            }
            if (hi < 0 || hi >= 128 || hi < lo) {
                x->bad = true;
                return;
            }
        }
        set_range(&s, lo, hi);
    }
    s.in[0] = false;
    put_set(x, &s, neg);
}

/* {m}, {m,} or {m,n}: copied when well formed. */
static void xlat_interval(xlat_t *x)
{
    const char *q = x->p + 1;
    size_t digits = 0;
    while (*q >= '0' && *q <= '9') q++, digits++;
    if (!digits) {
        x->bad = true;
        return;
    }
    if (*q == ',') {
        q++;
        while (*q >= '0' && *q <= '9') q++;
    }
    if (*q != '}') {
        x->bad = true;
        return;
    }
    q++;
    put(x, x->p, (size_t)(q - x->p));
    x->p = q;
}

static void xlat(xlat_t *x)
{
    bool after_quant = false; /* a '?' or '+' now would make the quantifier lazy or possessive */
    while (*x->p && !x->bad) {
        int c = (unsigned char)*x->p;
        bool quant = false;
        if (after_quant && c == '?') { /* lazy: the same language as greedy */
            x->p++;
            after_quant = false;
            continue;
        }
        if (after_quant && c == '+') { /* possessive: not the same language */
            x->bad = true;
            break;
        }
        switch (c) {
        case '[':
            x->p++;
            xlat_class(x);
            break;
        case '(':
            x->p++;
            if (*x->p == '?') {
                if (x->p[1] != ':') { /* lookarounds, flags, named groups */
                    x->bad = true;
                    break;
                }
                x->p += 2;
            }
            puts_(x, "(");
            break;
        case ')':
        case '|':
        case '.':
        case '^':
        case '$': put(x, x->p++, 1); break;
        case '*':
        case '+':
        case '?':
            put(x, x->p++, 1);
            quant = true;
            break;
        case '{':
            xlat_interval(x);
            quant = true;
            break;
        case '\\': {
            x->p++;
            cset_t cs;
            bool neg;
            if (class_escape((unsigned char)*x->p, &cs, &neg)) {
                x->p++;
                put_set(x, &cs, neg);
                break;
            }
            int l = literal_escape(x);
            if (l < 0)
                x->bad = true; /* \b \p{..} \Q \1 \A \z … */
            else
                put_literal(x, l);
            break;
        }
        default:
            if (c >= 128) { /* a literal code point beyond ASCII */
                x->bad = true;
                break;
            }
            x->p++;
            put_literal(x, c);
        }
        after_quant = quant;
    }
}

/* ==== the cache ==== */

#define PCACHE 1024 /* distinct patterns of every served model: ~130 today */

typedef struct {
    const char *pat; /* the model's string (compared by address, then by text) */
    bool usable;
    regex_t re;
} pentry_t;

static pentry_t pcache[PCACHE];
static pthread_mutex_t pmu = PTHREAD_MUTEX_INITIALIZER;

/* The compiled pattern, or NULL when it is not enforced. Entries live as long
 * as the process: the set of patterns is fixed by the models. */
static const regex_t *compiled(const char *pat)
{
    size_t h = ((uintptr_t)pat >> 3) % PCACHE;
    const regex_t *re = NULL;
    pthread_mutex_lock(&pmu);
    for (size_t i = 0; i < PCACHE; i++) {
        pentry_t *e = &pcache[(h + i) % PCACHE];
        if (e->pat == pat) {
            re = e->usable ? &e->re : NULL;
            break;
        }
        if (!e->pat) {
            xlat_t x = {.p = pat};
            puts_(&x, "^(");
            xlat(&x);
            puts_(&x, ")$");
            e->usable = !x.bad && regcomp(&e->re, x.out, REG_EXTENDED | REG_NOSUB) == 0;
            free(x.out);
            e->pat = pat;
            re = e->usable ? &e->re : NULL;
            break;
        }
    }
    pthread_mutex_unlock(&pmu);
    return re;
}

bool proto__pattern_match(const char *pattern, str_t value)
{
    const regex_t *re = compiled(pattern);
    if (!re) return true;
    /* The value is counted, not NUL-terminated. REG_STARTEND alone would do
     * for glibc, but sanitizers' regexec interceptor reads up to a NUL (the
     * fuzz targets found it reading past a request buffer), so the value is
     * matched from a NUL-terminated copy. */
    char stack[256], *copy = value.len < sizeof stack ? stack : malloc(value.len + 1);
    if (!copy) return false;
    if (value.len) memcpy(copy, value.p, value.len);
    copy[value.len] = 0;
    regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)value.len};
    bool ok = regexec(re, copy, 1, &m, REG_STARTEND) == 0;
    if (copy != stack) free(copy);
    return ok;
}
