/* number.c — DynamoDB's Number type: 38-digit decimals, parsed, formatted,
 * compared and added exactly (there is no libmpdec on Debian; 38 digits fit
 * a small digit array).
 *
 * Called from value.c (validation, sizes, key encoding) and expr.c (SET a = b
 * + c, ADD). Invariant: every ddb_num_t leaving this file is normalized — no
 * leading or trailing zero digits, zero has ndigits 0 and is never negative,
 * and its magnitude lies in 1E-130 .. 9.99..9E+125. */
#include <stdio.h>
#include <string.h>

#include "services/dynamodb/ddb.h"

/* AWS: messages as DynamoDB returns them (dynalite test/putItem.js and
 * DynamoDB Local's error codes assert the same texts). */
#define ERR_DIGITS "Attempting to store more than 38 significant digits in a Number"
#define ERR_OVERFLOW "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define ERR_UNDERFLOW "Number underflow. Attempting to store a number with magnitude smaller than supported range"
#define ERR_NAN "The parameter cannot be converted to a numeric value"

/* value = 0.d1d2.. * 10^exp, so the leading digit's power is exp - 1:
 * AWS's 1E-130 .. 9.9E+125 means exp in -129 .. 126. */
#define EXP_MAX 126
#define EXP_MIN (-129)

/* Normalizes digits d[0..n) (any leading/trailing zeros) with the leading
 * digit d[0] having power `top` (value = sum d[i] * 10^(top - i)). */
static bool normalize(const uint8_t *d, size_t n, long top, bool neg, ddb_num_t *out, const char **err)
{
    size_t i = 0;
    while (i < n && d[i] == 0) i++;
    size_t j = n;
    while (j > i && d[j - 1] == 0) j--;
    memset(out, 0, sizeof *out);
    if (i == j) return true; /* zero, never negative */
    /* AWS: the magnitude is checked before the digit count (dynalite
     * validations/index.js checkNum, tuned against DynamoDB). */
    long exp = top - (long)i + 1;
    if (exp > EXP_MAX) {
        if (err) *err = ERR_OVERFLOW;
        return false;
    }
    if (exp < EXP_MIN) {
        if (err) *err = ERR_UNDERFLOW;
        return false;
    }
    if (j - i > 38) {
        if (err) *err = ERR_DIGITS;
        return false;
    }
    out->neg = neg;
    out->ndigits = (uint8_t)(j - i);
    out->exp = (int16_t)exp;
    memcpy(out->digit, d + i, j - i);
    return true;
}

bool ddb_num_parse(arena_t *a, str_t text, ddb_num_t *out, const char **err)
{
    /* AWS: DynamoDB reads numbers like Java's BigDecimal: optional sign,
     * digits with an optional point (".5" and "5." both parse), optional
     * exponent; leading zeros are fine, whitespace is not. */
    const char *p = text.p, *end = text.p + text.len;
    bool neg = false;
    if (text.len == 0) {
        *err = ERR_NAN;
        return false;
    }
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    /* Digits are gathered after leading zeros; more than 38 significant
     * ones may still end in zeros, so keep a bounded window and count. */
    uint8_t d[80];
    size_t n = 0, sig_end = 0; /* sig_end: digits kept up to the last non-zero */
    long int_digits = 0;       /* significant digits before the point */
    long lead_frac_zeros = 0;  /* zeros after the point before any significant digit */
    bool any = false, point = false, started = false, too_many = false;
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            any = true;
            int v = *p - '0';
            if (!started && v == 0) {
                if (point) lead_frac_zeros++;
                continue;
            }
            started = true;
            if (!point) int_digits++;
            if (n < sizeof d)
                d[n++] = (uint8_t)v;
            else if (v != 0)
                too_many = true;
            if (v != 0) sig_end = n;
        } else if (*p == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    long e = 0;
    if (any && p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '-' || *p == '+')) eneg = *p++ == '-';
        if (p == end) any = false;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (e < 100000) e = e * 10 + (*p - '0');
        if (eneg) e = -e;
    }
    if (!any || p != end) {
        *err = a ? arena_printf(a, ERR_NAN ": %.*s", STR_FMT(text)) : ERR_NAN;
        return false;
    }
    if (!started) {
        memset(out, 0, sizeof *out);
        return true;
    }
    /* Leading digit's power: int_digits - 1 if there are integer digits,
     * else -(lead_frac_zeros + 1). */
    long top = int_digits > 0 ? int_digits - 1 : -(lead_frac_zeros + 1);
    /* More digits than the window holds: out of range wins (normalize sees
     * the leading digit), else it is the digit count. */
    if (too_many && top + e <= EXP_MAX - 1 && top + e >= EXP_MIN - 1) {
        *err = ERR_DIGITS;
        return false;
    }
    return normalize(d, sig_end, top + e, neg, out, err);
}

str_t ddb_num_format(arena_t *a, const ddb_num_t *n)
{
    /* AWS: DynamoDB answers numbers in plain notation without exponent or
     * trailing zeros ("1.5E+3" comes back as "1500", "1e-5" as "0.00001"). */
    if (n->ndigits == 0) return STR("0");
    size_t cap = 4 + (size_t)n->ndigits + 140;
    char *s = arena_alloc(a, cap);
    if (!s) return STR("0");
    size_t k = 0;
    if (n->neg) s[k++] = '-';
    int exp = n->exp, nd = n->ndigits;
    if (exp <= 0) {
        s[k++] = '0';
        s[k++] = '.';
        for (int i = 0; i < -exp; i++) s[k++] = '0';
        for (int i = 0; i < nd; i++) s[k++] = (char)('0' + n->digit[i]);
    } else if (exp >= nd) {
        for (int i = 0; i < nd; i++) s[k++] = (char)('0' + n->digit[i]);
        for (int i = nd; i < exp; i++) s[k++] = '0';
    } else {
        for (int i = 0; i < exp; i++) s[k++] = (char)('0' + n->digit[i]);
        s[k++] = '.';
        for (int i = exp; i < nd; i++) s[k++] = (char)('0' + n->digit[i]);
    }
    s[k] = 0;
    return (str_t){s, k};
}

static int cmp_mag(const ddb_num_t *x, const ddb_num_t *y)
{
    if (x->ndigits == 0 || y->ndigits == 0) return (x->ndigits != 0) - (y->ndigits != 0);
    if (x->exp != y->exp) return x->exp < y->exp ? -1 : 1;
    int n = x->ndigits < y->ndigits ? x->ndigits : y->ndigits;
    for (int i = 0; i < n; i++)
        if (x->digit[i] != y->digit[i]) return x->digit[i] < y->digit[i] ? -1 : 1;
    return (x->ndigits > y->ndigits) - (x->ndigits < y->ndigits);
}

int ddb_num_cmp(const ddb_num_t *x, const ddb_num_t *y)
{
    int sx = x->ndigits == 0 ? 0 : x->neg ? -1 : 1;
    int sy = y->ndigits == 0 ? 0 : y->neg ? -1 : 1;
    if (sx != sy) return sx < sy ? -1 : 1;
    int m = cmp_mag(x, y);
    return sx < 0 ? -m : m;
}

/* Exact |x| +/- |y| over a digit window wide enough for any two in-range
 * numbers (powers 125 .. -130-37, plus a carry). */
#define WIN 300
#define WIN_TOP 127 /* power of w[0] */

static void place(uint8_t *w, const ddb_num_t *x)
{
    for (int i = 0; i < x->ndigits; i++) w[WIN_TOP - (x->exp - 1 - i)] = x->digit[i];
}

static bool addsub(const ddb_num_t *x, const ddb_num_t *y, bool negate_y, ddb_num_t *out, const char **err)
{
    bool yneg = y->ndigits ? (y->neg != negate_y) : false;
    if (y->ndigits == 0) {
        *out = *x;
        return true;
    }
    if (x->ndigits == 0) {
        *out = *y;
        out->neg = yneg;
        return true;
    }
    uint8_t wx[WIN] = {0}, wy[WIN] = {0}, r[WIN] = {0};
    place(wx, x);
    place(wy, y);
    bool neg;
    if (x->neg == yneg) {
        int carry = 0;
        for (int i = WIN - 1; i >= 0; i--) {
            int v = wx[i] + wy[i] + carry;
            r[i] = (uint8_t)(v % 10);
            carry = v / 10;
        }
        neg = x->neg;
    } else {
        const uint8_t *big = wx, *small = wy;
        neg = x->neg;
        if (cmp_mag(x, y) < 0) {
            big = wy;
            small = wx;
            neg = yneg;
        }
        int borrow = 0;
        for (int i = WIN - 1; i >= 0; i--) {
            int v = big[i] - small[i] - borrow;
            borrow = v < 0;
            r[i] = (uint8_t)(v < 0 ? v + 10 : v);
        }
    }
    bool ok = normalize(r, WIN, WIN_TOP, neg, out, err);
    /* AWS (quoted in ScyllaDB's suite, run against DynamoDB): a sum or
     * difference that needs more than 38 digits (1e50 + 1) is reported as an
     * overflow, not with the digits message a stored number gets */
    if (!ok && err && *err && !strcmp(*err, ERR_DIGITS)) *err = ERR_OVERFLOW;
    return ok;
}

bool ddb_num_add(arena_t *a, const ddb_num_t *x, const ddb_num_t *y, ddb_num_t *out, const char **err)
{
    (void)a;
    return addsub(x, y, false, out, err);
}

bool ddb_num_sub(arena_t *a, const ddb_num_t *x, const ddb_num_t *y, ddb_num_t *out, const char **err)
{
    (void)a;
    return addsub(x, y, true, out, err);
}
