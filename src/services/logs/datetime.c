/* datetime.c — the transformer's dateTimeConverter (transform.c calls it):
 * a date-time string read by one of up to five Java DateTimeFormatter
 * patterns and written in the target format (AWS's default
 * "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"), between time zones.
 *
 * The pattern letters read and written: y/u (year; yy two digits), M (MM,
 * MMM Jan, MMMM January), d, H, h with a (AM/PM), m, s, S (fraction), E
 * (day name), X/x/Z (offset) and 'quoted' text; other letters are refused
 * when the processor is put. Time zones are UTC and fixed offsets
 * ("+05:30", "UTC-3"); a named zone is refused, not guessed. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/gtime.h"
#include "logs_int.h"

static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

typedef struct {
    int64_t y;
    int mo, d, h, mi, s, ns, off_s;
    bool pm, has_ampm, has_off;
} dt_t;

/* The run of the same letter at p[i]: its letter and length (0 for '\''). */
static size_t run_of(str_t p, size_t i)
{
    size_t n = 1;
    while (i + n < p.len && p.p[i + n] == p.p[i]) n++;
    return n;
}

static bool letter_ok(char c)
{
    return strchr("yuMdHhamsSEXxZ", c) != NULL;
}

bool logs__datetime_pattern_ok(str_t pat)
{
    for (size_t i = 0; i < pat.len; i++) {
        if (pat.p[i] == '\'') {
            const char *q = memchr(pat.p + i + 1, '\'', pat.len - i - 1);
            if (!q) return false;
            i = (size_t)(q - pat.p);
        } else if (isalpha((unsigned char)pat.p[i]) && !letter_ok(pat.p[i])) {
            return false;
        }
    }
    return true;
}

bool logs__timezone_offset(str_t tz, int *off_s)
{
    *off_s = 0;
    if (!tz.p || str_eq(tz, STR("UTC")) || str_eq(tz, STR("Z")) || str_eq(tz, STR("GMT"))) return true;
    if (str_starts_with(tz, STR("UTC")) || str_starts_with(tz, STR("GMT"))) tz = str_n(tz.p + 3, tz.len - 3);
    int hh = 0, mm = 0;
    char sign = tz.len ? tz.p[0] : 0, buf[16];
    if ((sign != '+' && sign != '-') || tz.len >= sizeof buf) return false;
    memcpy(buf, tz.p + 1, tz.len - 1);
    buf[tz.len - 1] = 0;
    if (sscanf(buf, "%2d:%2d", &hh, &mm) < 1 && sscanf(buf, "%2d%2d", &hh, &mm) < 1) return false;
    if (hh > 18 || mm > 59) return false;
    *off_s = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return true;
}

/* Reads up to max digits (at least min) at t[*i]. */
static bool digits(str_t t, size_t *i, size_t min, size_t max, int64_t *v)
{
    size_t n = 0;
    *v = 0;
    while (n < max && *i < t.len && isdigit((unsigned char)t.p[*i])) *v = *v * 10 + (t.p[(*i)++] - '0'), n++;
    return n >= min;
}

/* A name of names (its first three letters when abbreviated) at t[*i]: its index or -1. */
static int name_at(str_t t, size_t *i, const char *const *names, size_t n, bool full)
{
    for (size_t k = 0; k < n; k++) {
        size_t len = full ? strlen(names[k]) : 3;
        if (*i + len <= t.len && strncasecmp(t.p + *i, names[k], len) == 0) {
            *i += len;
            return (int)k;
        }
    }
    return -1;
}

static bool parse(str_t pat, str_t t, dt_t *d)
{
    *d = (dt_t){.y = 1970, .mo = 1, .d = 1};
    size_t i = 0;
    for (size_t k = 0; k < pat.len;) {
        char c = pat.p[k];
        if (c == '\'') {
            const char *q = memchr(pat.p + k + 1, '\'', pat.len - k - 1);
            size_t n = (size_t)(q - pat.p) - k - 1;
            /* '' is a quote itself (Java) */
            const char *lit = n ? pat.p + k + 1 : "'";
            if (!n) n = 1;
            if (i + n > t.len || memcmp(t.p + i, lit, n) != 0) return false;
            i += n;
            k = (size_t)(q - pat.p) + 1;
            continue;
        }
        if (!isalpha((unsigned char)c)) {
            if (i >= t.len || t.p[i] != c) return false;
            i++, k++;
            continue;
        }
        size_t n = run_of(pat, k);
        int64_t v = 0;
        switch (c) {
        case 'y':
        case 'u':
            if (!digits(t, &i, n == 2 ? 2 : 1, n == 2 ? 2 : 9, &v)) return false;
            d->y = n == 2 ? 2000 + v : v;
            break;
        case 'M':
            if (n >= 3) {
                int m = name_at(t, &i, months, 12, n >= 4);
                if (m < 0) return false;
                d->mo = m + 1;
            } else {
                if (!digits(t, &i, n, 2, &v) || v < 1 || v > 12) return false;
                d->mo = (int)v;
            }
            break;
        case 'E':
            if (name_at(t, &i, days, 7, n >= 4) < 0) return false;
            break;
        case 'a':
            if (i + 2 > t.len) return false;
            d->has_ampm = true;
            d->pm = strncasecmp(t.p + i, "PM", 2) == 0;
            if (!d->pm && strncasecmp(t.p + i, "AM", 2) != 0) return false;
            i += 2;
            break;
        case 'S': {
            size_t b = i;
            if (!digits(t, &i, n, 9, &v)) return false;
            for (size_t z = i - b; z < 9; z++) v *= 10;
            d->ns = (int)v;
            break;
        }
        case 'X':
        case 'x':
        case 'Z': {
            if (c == 'X' && i < t.len && t.p[i] == 'Z') {
                i++;
                d->has_off = true;
                break;
            }
            size_t b = i;
            while (i < t.len && (t.p[i] == '+' || t.p[i] == '-' || t.p[i] == ':' || isdigit((unsigned char)t.p[i])))
                i++;
            if (!logs__timezone_offset(str_n(t.p + b, i - b), &d->off_s) || i == b) return false;
            d->has_off = true;
            break;
        }
        default: { /* d H h m s */
            if (!digits(t, &i, n, 2, &v)) return false;
            int *f = c == 'd' ? &d->d : c == 'm' ? &d->mi : c == 's' ? &d->s : &d->h;
            *f = (int)v;
        }
        }
        k += n;
    }
    if (d->has_ampm) d->h = d->h % 12 + (d->pm ? 12 : 0);
    return i == t.len && d->d >= 1 && d->d <= 31 && d->h < 24 && d->mi < 60 && d->s < 61;
}

static void put_num(buf_t *b, int64_t v, size_t width)
{
    buf_printf(b, "%0*lld", (int)width, (long long)v);
}

static str_t format(arena_t *a, str_t pat, int64_t sec, int ns, int off_s)
{
    struct tm tm;
    time_split(sec + off_s, &tm);
    buf_t b;
    buf_init(&b, a);
    for (size_t k = 0; k < pat.len;) {
        char c = pat.p[k];
        if (c == '\'') {
            const char *q = memchr(pat.p + k + 1, '\'', pat.len - k - 1);
            if (q == pat.p + k + 1)
                buf_putc(&b, '\'');
            else
                buf_append(&b, pat.p + k + 1, (size_t)(q - pat.p) - k - 1);
            k = (size_t)(q - pat.p) + 1;
            continue;
        }
        if (!isalpha((unsigned char)c)) {
            buf_putc(&b, c);
            k++;
            continue;
        }
        size_t n = run_of(pat, k);
        switch (c) {
        case 'y':
        case 'u': put_num(&b, n == 2 ? (tm.tm_year + 1900) % 100 : tm.tm_year + 1900, n == 2 ? 2 : n); break;
        case 'M':
            if (n >= 3)
                buf_append(&b, months[tm.tm_mon], n >= 4 ? strlen(months[tm.tm_mon]) : 3);
            else
                put_num(&b, tm.tm_mon + 1, n);
            break;
        case 'E': buf_append(&b, days[tm.tm_wday], n >= 4 ? strlen(days[tm.tm_wday]) : 3); break;
        case 'd': put_num(&b, tm.tm_mday, n); break;
        case 'H': put_num(&b, tm.tm_hour, n); break;
        case 'h': put_num(&b, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12, n); break;
        case 'a': buf_puts(&b, tm.tm_hour < 12 ? "AM" : "PM"); break;
        case 'm': put_num(&b, tm.tm_min, n); break;
        case 's': put_num(&b, tm.tm_sec, n); break;
        case 'S': {
            int64_t f = ns;
            for (size_t z = n; z < 9; z++) f /= 10;
            put_num(&b, f, n);
            break;
        }
        default: /* X x Z */
            if (c == 'X' && off_s == 0) {
                buf_putc(&b, 'Z');
            } else {
                int o = off_s < 0 ? -off_s : off_s;
                buf_printf(&b, "%c%02d%s%02d", off_s < 0 ? '-' : '+', o / 3600, n >= 3 ? ":" : "", o % 3600 / 60);
            }
        }
        k += n;
    }
    return buf_str(&b);
}

str_t logs__datetime_convert(arena_t *a, const val_t *cfg, str_t text)
{
    const val_t *pats = val_get(cfg, "matchPatterns");
    int src_off = 0, dst_off = 0;
    logs__timezone_offset(val_get_str(cfg, "sourceTimezone"), &src_off);
    logs__timezone_offset(val_get_str(cfg, "targetTimezone"), &dst_off);
    str_t target = val_get_str(cfg, "targetFormat");
    if (!target.p) target = STR("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
    for (size_t i = 0; i < val_len(pats); i++) {
        dt_t d;
        if (!parse(pats->u.list.v[i]->u.s, text, &d)) continue;
        int64_t sec = time_days_from_civil(d.y, d.mo, d.d) * 86400 + d.h * 3600 + d.mi * 60 + d.s;
        sec -= d.has_off ? d.off_s : src_off;
        return format(a, target, sec, d.ns, dst_off);
    }
    return STR_NULL;
}
