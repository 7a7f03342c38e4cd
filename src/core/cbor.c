/* cbor.c — strict RFC 8949 CBOR decoder (into a cbor_t tree) and encoder.
 *
 * Used by the smithy-rpc-v2-cbor protocol (protocol/rpcv2.c). The decoder is
 * recursive descent with an explicit depth bound; every length is checked
 * against the bytes left before anything is allocated for it (an array or
 * map of n items needs at least n, or 2n, more bytes), so a short hostile
 * body cannot make it allocate much. Invariant: every returned node and
 * string is in the arena; on error nothing is returned but an arena message. */
#include "core/cbor.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ==== decoder ==== */

typedef struct {
    arena_t *a;
    const unsigned char *p, *start, *end;
    const char *err;
} cd_t;

#define BREAK 0xff /* major 7, additional information 31 */

static cbor_t *cfail(cd_t *d, const char *msg)
{
    if (!d->err) d->err = arena_printf(d->a, "CBOR: %s at byte %zu", msg, (size_t)(d->p - d->start));
    return NULL;
}

static size_t left(const cd_t *d)
{
    return (size_t)(d->end - d->p);
}

/* The head of a data item (RFC 8949 §3): major type, additional information
 * and its argument. Additional information 31 (indefinite length, or break)
 * leaves *arg 0; the caller decides where it is allowed. */
static bool head(cd_t *d, unsigned *major, unsigned *ai, uint64_t *arg)
{
    if (d->p >= d->end) return cfail(d, "unexpected end of input"), false;
    unsigned ib = *d->p++;
    *major = ib >> 5;
    *ai = ib & 31;
    *arg = 0;
    if (*ai < 24) {
        *arg = *ai;
        return true;
    }
    if (*ai <= 27) {
        size_t n = (size_t)1 << (*ai - 24);
        if (left(d) < n) return cfail(d, "unexpected end of input"), false;
        for (size_t i = 0; i < n; i++) *arg = (*arg << 8) | *d->p++;
        return true;
    }
    if (*ai == 31) return true;
    d->p--;
    return cfail(d, "reserved additional information"), false;
}

static cbor_t *node(cd_t *d, cbor_type_t t)
{
    cbor_t *c = ARENA_NEWN(d->a, cbor_t, 1);
    if (!c) return cfail(d, "out of memory");
    c->type = t;
    return c;
}

/* RFC 8949 Appendix D: half precision to double. */
static double half_to_double(unsigned h)
{
    unsigned exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = ldexp(mant, -24);
    else if (exp != 31)
        v = ldexp(mant + 1024, (int)exp - 25);
    else
        v = mant == 0 ? INFINITY : NAN;
    return h & 0x8000 ? -v : v;
}

static bool text_ok(str_t s)
{
    for (size_t i = 0; i < s.len;) {
        size_t n = str_utf8_len(s.p + i, s.p + s.len);
        if (!n) return false;
        i += n;
    }
    return true;
}

/* A byte or text string (major 2 or 3) whose head was read. An indefinite
 * one is definite chunks of the same major type up to a break (§3.2.3); each
 * text chunk must be valid UTF-8 by itself. */
static cbor_t *string(cd_t *d, unsigned major, unsigned ai, uint64_t len)
{
    cbor_t *c = node(d, major == 2 ? CBOR_BYTES : CBOR_TEXT);
    if (!c) return NULL;
    if (ai != 31) {
        if (len > left(d)) return cfail(d, "string length beyond the input");
        c->u.s = str_n((const char *)d->p, (size_t)len);
        d->p += len;
        if (major == 3 && !text_ok(c->u.s)) return cfail(d, "invalid UTF-8 in a text string");
    } else {
        buf_t b;
        buf_init(&b, d->a);
        for (;;) {
            if (d->p >= d->end) return cfail(d, "unexpected end of input");
            if (*d->p == BREAK) {
                d->p++;
                break;
            }
            unsigned cm, cai;
            uint64_t clen;
            if (!head(d, &cm, &cai, &clen)) return NULL;
            if (cm != major || cai == 31) return cfail(d, "bad chunk in an indefinite-length string");
            if (clen > left(d)) return cfail(d, "string length beyond the input");
            str_t chunk = str_n((const char *)d->p, (size_t)clen);
            if (major == 3 && !text_ok(chunk)) return cfail(d, "invalid UTF-8 in a text string");
            buf_put_str(&b, chunk);
            d->p += clen;
        }
        if (b.failed) return cfail(d, "out of memory");
        c->u.s = b.len ? buf_str(&b) : STR("");
    }
    if (major == 3) { /* NUL-terminated, for messages and lookups */
        char *t = arena_strndup(d->a, c->u.s.p ? c->u.s.p : "", c->u.s.len);
        if (!t) return cfail(d, "out of memory");
        c->u.s.p = t;
    }
    return c;
}

static cbor_t *item(cd_t *d, int depth);

/* Appends x to a growing pointer array (indefinite-length containers). */
static bool push(cd_t *d, cbor_t ***v, size_t *n, size_t *cap, cbor_t *x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        cbor_t **nv = ARENA_NEWN(d->a, cbor_t *, nc);
        if (!nv) return cfail(d, "out of memory"), false;
        if (*n) memcpy(nv, *v, *n * sizeof *nv);
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return true;
}

/* Whether an indefinite container ends here (and steps over the break). */
static bool at_break(cd_t *d)
{
    if (d->p < d->end && *d->p == BREAK) {
        d->p++;
        return true;
    }
    return false;
}

static cbor_t *array(cd_t *d, unsigned ai, uint64_t n, int depth)
{
    cbor_t *c = node(d, CBOR_ARRAY);
    if (!c) return NULL;
    if (ai == 31) {
        size_t cap = 0;
        while (!at_break(d)) {
            cbor_t *x = item(d, depth + 1);
            if (!x || !push(d, &c->u.arr.v, &c->u.arr.n, &cap, x)) return NULL;
        }
        return c;
    }
    if (n > left(d)) return cfail(d, "array length beyond the input");
    if (n && !(c->u.arr.v = ARENA_NEWN(d->a, cbor_t *, (size_t)n))) return cfail(d, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(c->u.arr.v[i] = item(d, depth + 1))) return NULL;
    c->u.arr.n = (size_t)n;
    return c;
}

static cbor_t *map(cd_t *d, unsigned ai, uint64_t n, int depth)
{
    cbor_t *c = node(d, CBOR_MAP);
    if (!c) return NULL;
    if (ai == 31) {
        size_t kcap = 0, vcap = 0, nv = 0;
        while (!at_break(d)) {
            cbor_t *k = item(d, depth + 1);
            if (!k || !push(d, &c->u.map.k, &c->u.map.n, &kcap, k)) return NULL;
            cbor_t *v = item(d, depth + 1);
            if (!v || !push(d, &c->u.map.v, &nv, &vcap, v)) return NULL;
        }
        return c;
    }
    if (n > left(d) / 2) return cfail(d, "map length beyond the input");
    if (n && (!(c->u.map.k = ARENA_NEWN(d->a, cbor_t *, (size_t)n)) ||
              !(c->u.map.v = ARENA_NEWN(d->a, cbor_t *, (size_t)n))))
        return cfail(d, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(c->u.map.k[i] = item(d, depth + 1)) || !(c->u.map.v[i] = item(d, depth + 1))) return NULL;
    c->u.map.n = (size_t)n;
    return c;
}

/* Major type 7: the simple values false, true, null and undefined, and
 * floats. Other simple values are unassigned (§3.3) and refused, as are
 * the two-byte forms of values below 32, which are not well-formed. */
static cbor_t *simple(cd_t *d, unsigned ai, uint64_t arg)
{
    cbor_t *c;
    switch (ai) {
    case 20: return node(d, CBOR_FALSE);
    case 21: return node(d, CBOR_TRUE);
    case 22: return node(d, CBOR_NULL);
    case 23: return node(d, CBOR_UNDEFINED);
    case 24: d->p--; return cfail(d, arg < 32 ? "simple value in a two-byte form" : "unsupported simple value");
    case 25:
    case 26:
    case 27:
        if (!(c = node(d, CBOR_FLOAT))) return NULL;
        if (ai == 25) {
            c->u.f = half_to_double((unsigned)arg);
        } else if (ai == 26) {
            uint32_t bits = (uint32_t)arg;
            float f;
            memcpy(&f, &bits, sizeof f);
            c->u.f = f;
        } else {
            memcpy(&c->u.f, &arg, sizeof c->u.f);
        }
        return c;
    case 31: d->p--; return cfail(d, "unexpected break");
    default: d->p--; return cfail(d, "unsupported simple value");
    }
}

static cbor_t *item(cd_t *d, int depth)
{
    if (depth >= CBOR_MAX_DEPTH) return cfail(d, "nesting too deep");
    unsigned major, ai;
    uint64_t arg;
    if (!head(d, &major, &ai, &arg)) return NULL;
    if (ai == 31 && (major == 0 || major == 1 || major == 6)) {
        d->p--;
        return cfail(d, "indefinite length for an integer or tag");
    }
    cbor_t *c;
    switch (major) {
    case 0:
    case 1:
        if (!(c = node(d, major ? CBOR_NINT : CBOR_UINT))) return NULL;
        c->u.u = arg;
        return c;
    case 2:
    case 3: return string(d, major, ai, arg);
    case 4: return array(d, ai, arg, depth);
    case 5: return map(d, ai, arg, depth);
    case 6:
        if (!(c = node(d, CBOR_TAG))) return NULL;
        c->u.tag.num = arg;
        return (c->u.tag.item = item(d, depth + 1)) ? c : NULL;
    default: return simple(d, ai, arg);
    }
}

cbor_t *cbor_decode(arena_t *a, str_t in, const char **err)
{
    const unsigned char *p = (const unsigned char *)(in.p ? in.p : "");
    cd_t d = {.a = a, .p = p, .start = p, .end = p + in.len};
    cbor_t *c = item(&d, 0);
    if (c && d.p != d.end) c = cfail(&d, "bytes after the data item");
    if (!c && err) *err = d.err ? d.err : "CBOR: invalid input";
    return c;
}

const cbor_t *cbor_get(const cbor_t *map, const char *key)
{
    if (!map || map->type != CBOR_MAP) return NULL;
    for (size_t i = 0; i < map->u.map.n; i++)
        if (map->u.map.k[i]->type == CBOR_TEXT && str_eq_c(map->u.map.k[i]->u.s, key)) return map->u.map.v[i];
    return NULL;
}

const char *cbor_type_name(cbor_type_t t)
{
    static const char *const names[] = {"unsigned integer",
                                        "negative integer",
                                        "byte string",
                                        "text string",
                                        "array",
                                        "map",
                                        "tag",
                                        "false",
                                        "true",
                                        "null",
                                        "undefined",
                                        "float"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* ==== encoder ==== */

void cbor_w_head(buf_t *b, unsigned major, uint64_t arg)
{
    unsigned char h[9];
    size_t n;
    major <<= 5;
    if (arg < 24) {
        h[0] = (unsigned char)(major | arg);
        n = 1;
    } else {
        unsigned ai = arg <= 0xff ? 24 : arg <= 0xffff ? 25 : arg <= 0xffffffffu ? 26 : 27;
        n = (size_t)1 << (ai - 24);
        h[0] = (unsigned char)(major | ai);
        for (size_t i = 0; i < n; i++) h[n - i] = (unsigned char)(arg >> (8 * i));
        n++;
    }
    buf_append(b, h, n);
}

void cbor_w_int(buf_t *b, int64_t i)
{
    if (i >= 0)
        cbor_w_head(b, 0, (uint64_t)i);
    else
        cbor_w_head(b, 1, (uint64_t)(-(i + 1))); /* -1 - i without overflow at INT64_MIN */
}

void cbor_w_text(buf_t *b, str_t s)
{
    cbor_w_head(b, 3, s.len);
    buf_put_str(b, s);
}

void cbor_w_bytes(buf_t *b, str_t s)
{
    cbor_w_head(b, 2, s.len);
    buf_put_str(b, s);
}

void cbor_w_array(buf_t *b, uint64_t n)
{
    cbor_w_head(b, 4, n);
}

void cbor_w_map(buf_t *b, uint64_t n)
{
    cbor_w_head(b, 5, n);
}

void cbor_w_tag(buf_t *b, uint64_t tag)
{
    cbor_w_head(b, 6, tag);
}

void cbor_w_bool(buf_t *b, bool v)
{
    buf_putc(b, (char)(v ? 0xf5 : 0xf4));
}

void cbor_w_null(buf_t *b)
{
    buf_putc(b, (char)0xf6);
}

/* The half-precision bits of d when d is one exactly, else -1. */
static long double_to_half(double d)
{
    unsigned sign = signbit(d) ? 0x8000 : 0;
    double m = fabs(d);
    long h;
    if (m == 0) return sign;
    if (isinf(m)) return sign | 0x7c00;
    if (m < ldexp(1, -14)) { /* subnormal: mant * 2^-24 */
        double mant = ldexp(m, 24);
        if (mant != floor(mant)) return -1;
        h = (long)mant;
    } else {
        int e;
        double f = frexp(m, &e); /* m = f * 2^e, f in [0.5, 1) */
        int exp = e - 1 + 15;
        double frac = (f * 2 - 1) * 1024;
        if (exp < 1 || exp > 30 || frac != floor(frac)) return -1;
        h = ((long)exp << 10) | (long)frac;
    }
    return half_to_double((unsigned)h) == m ? (long)sign | h : -1;
}

void cbor_w_double(buf_t *b, double d)
{
    unsigned char o[9];
    if (isnan(d)) {
        buf_append(b, "\xf9\x7e\x00", 3);
        return;
    }
    long h = double_to_half(d);
    if (h >= 0) {
        o[0] = 0xf9, o[1] = (unsigned char)(h >> 8), o[2] = (unsigned char)h;
        buf_append(b, o, 3);
        return;
    }
    float f = fabs(d) <= FLT_MAX ? (float)d : 0;
    if ((double)f == d) {
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        o[0] = 0xfa;
        for (int i = 0; i < 4; i++) o[4 - i] = (unsigned char)(bits >> (8 * i));
        buf_append(b, o, 5);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    o[0] = 0xfb;
    for (int i = 0; i < 8; i++) o[8 - i] = (unsigned char)(bits >> (8 * i));
    buf_append(b, o, 9);
}
