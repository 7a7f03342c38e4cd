/* scalar.c — the text forms of scalar values shared by every protocol.
 *
 * Query strings, XML text, HTTP headers and URI labels all carry scalars as
 * text; JSON uses them for blobs (base64) and timestamps in strings. Parsing
 * and formatting live here once so a float or a timestamp looks the same in
 * every protocol. Invariant: proto__scalar_text(proto__scalar_parse(x)) reads
 * back as the same value in botocore (floats round-trip exactly). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gtime.h"
#include "protocol/internal.h"

/* ==== base64: core/arena.h's, by the name the protocol files use ==== */

bool proto__base64_decode(arena_t *a, str_t text, str_t *out)
{
    return arena_unbase64(a, text, out);
}

/* ==== numbers ==== */

/* Shortest text that strtod reads back as exactly f; integral values get
 * ".0" as Python's str() writes them (botocore's query serializer). */
static str_t fmt_double(arena_t *a, double f, bool single)
{
    char tmp[40];
    if (isnan(f)) return STR("NaN");
    if (isinf(f)) return f > 0 ? STR("Infinity") : STR("-Infinity");
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, f);
        if (single ? (float)strtod(tmp, NULL) == (float)f : strtod(tmp, NULL) == f) break;
    }
    if (!strpbrk(tmp, ".eEni")) strcat(tmp, ".0");
    return str_c(arena_strdup(a, tmp));
}

static bool parse_double(str_t t, double *out)
{
    if (t.len == 0 || t.len > 64) return false;
    if (str_eq_c(t, "NaN")) {
        *out = NAN;
        return true;
    }
    if (str_eq_c(t, "Infinity")) {
        *out = INFINITY;
        return true;
    }
    if (str_eq_c(t, "-Infinity")) {
        *out = -INFINITY;
        return true;
    }
    char tmp[72];
    memcpy(tmp, t.p, t.len);
    tmp[t.len] = 0;
    /* strtod also takes hex, "inf", leading spaces: AWS takes plain decimals only */
    for (size_t i = 0; i < t.len; i++)
        if (!strchr("0123456789+-.eE", tmp[i])) return false;
    char *end;
    errno = 0;
    double d = strtod(tmp, &end);
    if (*end || end == tmp) return false;
    *out = d;
    return true;
}

/* ==== timestamps ==== */

static str_t fmt_time(arena_t *a, int64_t us, ts_format_t fmt)
{
    char tmp[64];
    int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - sec * 1000000;
    if (fmt == TS_UNIX) {
        /* sign apart, so -1.5 s is "-1.500" and not seconds -2 plus a fraction */
        uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
        const char *sign = us < 0 ? "-" : "";
        unsigned long long s = mag / 1000000, f = mag % 1000000;
        if (f == 0)
            snprintf(tmp, sizeof tmp, "%s%llu", sign, s);
        else if (f % 1000 == 0)
            snprintf(tmp, sizeof tmp, "%s%llu.%03llu", sign, s, f / 1000);
        else
            snprintf(tmp, sizeof tmp, "%s%llu.%06llu", sign, s, f);
        return str_c(arena_strdup(a, tmp));
    }
    if (fmt == TS_RFC822) {
        time_fmt_rfc822(tmp, sec * 1000000);
        return str_c(arena_strdup(a, tmp));
    }
    /* AWS: ISO 8601 UTC with 'Z'; milliseconds when the value has them
     * (botocore's own serializer writes microseconds when non-zero). */
    struct tm tm;
    time_split(sec, &tm);
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac == 0)
        snprintf(tmp + n, sizeof tmp - (size_t)n, "Z");
    else if (frac % 1000 == 0)
        snprintf(tmp + n, sizeof tmp - (size_t)n, ".%03lldZ", (long long)(frac / 1000));
    else
        snprintf(tmp + n, sizeof tmp - (size_t)n, ".%06lldZ", (long long)frac);
    return str_c(arena_strdup(a, tmp));
}

/* Epoch seconds with an optional fraction, to microseconds (rounded). */
static bool parse_epoch(str_t t, int64_t *us)
{
    double d;
    if (!parse_double(t, &d) || !isfinite(d) || d > 253402300800.0 || d < -62135596800.0) return false;
    *us = (int64_t)llround(d * 1e6);
    return true;
}

/* ==== the text of any scalar ==== */

str_t proto__scalar_text(const shape_t *s, const val_t *v, ts_format_t fmt, arena_t *a)
{
    char tmp[40];
    if (!v) return STR_NULL;
    switch (v->kind) {
    case VAL_STR: return v->u.s;
    case VAL_INT:
        if (s && (s->type == SH_FLOAT || s->type == SH_DOUBLE)) return fmt_double(a, (double)v->u.i, false);
        snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
        return str_c(arena_strdup(a, tmp));
    case VAL_FLOAT: return fmt_double(a, v->u.f, false); /* clients read floats as doubles */
    case VAL_BOOL: return v->u.b ? STR("true") : STR("false");
    case VAL_BLOB: return arena_base64(a, v->u.s.p, v->u.s.len);
    case VAL_TIME: return fmt_time(a, v->u.t, fmt == TS_DEFAULT ? TS_ISO8601 : fmt);
    default: return STR_NULL;
    }
}

static const char *type_word(const shape_t *s)
{
    switch (s->type) {
    case SH_INTEGER: return "integer";
    case SH_LONG: return "long";
    case SH_FLOAT: return "float";
    case SH_DOUBLE: return "double";
    case SH_BOOLEAN: return "boolean";
    case SH_TIMESTAMP: return "timestamp";
    case SH_BLOB: return "blob";
    default: return "string";
    }
}

val_t *proto__scalar_parse(const shape_t *s, str_t text, ts_format_t fmt, arena_t *a, proto_fail_t *fail,
                           const char *member)
{
    val_t *v = NULL;
    switch (s->type) {
    case SH_STRING: return val_str(a, text);
    case SH_INTEGER:
    case SH_LONG: {
        long long i;
        if (!str_to_i64(text, &i) || (s->type == SH_INTEGER && (i > INT32_MAX || i < INT32_MIN))) break;
        return val_int(a, i);
    }
    case SH_FLOAT:
    case SH_DOUBLE: {
        double d;
        if (!parse_double(text, &d)) break;
        return val_float(a, d);
    }
    case SH_BOOLEAN:
        /* AWS: query APIs take "true"/"false" in any case */
        if (text.len == 4 && strncasecmp(text.p, "true", 4) == 0) return val_bool(a, true);
        if (text.len == 5 && strncasecmp(text.p, "false", 5) == 0) return val_bool(a, false);
        break;
    case SH_TIMESTAMP: {
        int64_t us;
        /* Clients do not always use the declared format: take any of the three. */
        if (fmt == TS_UNIX ? (parse_epoch(text, &us) || time_parse(text, &us))
                           : (time_parse(text, &us) || parse_epoch(text, &us)))
            return val_time(a, us);
        break;
    }
    case SH_BLOB: {
        str_t bytes;
        if (!proto__base64_decode(a, text, &bytes)) break;
        return val_blob(a, bytes);
    }
    default: break;
    }
    if (fail && !fail->kind)
        proto__fail(fail, a, PROTO_E_TYPE, "Value '%.*s' at '%s' failed to satisfy constraint: Member must be a %s",
                    STR_FMT(text), member ? member : "?", type_word(s));
    if (fail && !fail->member && member) fail->member = member;
    return v;
}
