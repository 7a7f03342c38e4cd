/* gtime.c — time sources and AWS timestamp formats; see gtime.h. */
#define _GNU_SOURCE
#include "core/gtime.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int64_t fake_now;

void time_set_fake_now_us(int64_t us)
{
    fake_now = us;
}

int64_t time_now_us(void)
{
    if (fake_now) return fake_now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct timespec time_deadline(clockid_t clock, int64_t after_us)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    int64_t ns = ts.tv_nsec + (after_us % 1000000) * 1000;
    ts.tv_sec += (time_t)(after_us / 1000000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

/* The calendar by arithmetic (H. Hinnant's days_from_civil and
 * civil_from_days), not gmtime_r and timegm: glibc's take a process-wide
 * lock for the time zone on every call, and each request formats or parses
 * a few dates on every event loop at once. Proleptic Gregorian, UTC. */
int64_t time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d -
                  1; /* linear in d: a day past the month's end is the next month's */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void time_split(int64_t sec, struct tm *tm)
{
    int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    int64_t rem = sec - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    *tm = (struct tm){.tm_year = (int)(y - 1900),
                      .tm_mon = m - 1,
                      .tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1),
                      .tm_hour = (int)(rem / 3600),
                      .tm_min = (int)(rem % 3600 / 60),
                      .tm_sec = (int)(rem % 60),
                      .tm_wday = (int)(((days % 7) + 11) % 7), /* 1970-01-01 was a Thursday */
                      .tm_yday = (int)(days - time_days_from_civil(y, 1, 1))};
}

static void split(int64_t us, struct tm *tm, int *ms)
{
    int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    time_split(s, tm);
    *ms = (int)((us - s * 1000000) / 1000);
}

static void copy_out(char *out, const char *tmp, size_t max)
{
    size_t n = strlen(tmp);
    if (n > max) n = max;
    memcpy(out, tmp, n);
    out[n] = 0;
}

/* Digits by hand: every response formats a date or two, and vsnprintf was a
 * visible share of a 4 KiB GET's CPU. Years outside 0-9999 (never AWS's)
 * take snprintf's path, which writes them whole. */
static char *put_n(char *o, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10) o[i] = (char)('0' + v % 10);
    return o + width;
}

static bool year_ok(const struct tm *tm)
{
    return tm->tm_year >= -1900 && tm->tm_year <= 9999 - 1900;
}

void time_fmt_iso8601(char *out, int64_t us, bool frac)
{
    struct tm tm;
    int ms;
    split(us, &tm, &ms);
    if (year_ok(&tm)) {
        char *o = put_n(out, tm.tm_year + 1900, 4);
        *o++ = '-';
        o = put_n(o, tm.tm_mon + 1, 2);
        *o++ = '-';
        o = put_n(o, tm.tm_mday, 2);
        *o++ = 'T';
        o = put_n(o, tm.tm_hour, 2);
        *o++ = ':';
        o = put_n(o, tm.tm_min, 2);
        *o++ = ':';
        o = put_n(o, tm.tm_sec, 2);
        if (frac) {
            *o++ = '.';
            o = put_n(o, ms, 3);
        }
        *o++ = 'Z';
        *o = 0;
        return;
    }
    char tmp[96]; /* room for any int the compiler imagines; real dates fit in 32 */
    if (frac)
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    else
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    copy_out(out, tmp, 31);
}

void time_fmt_rfc822(char *out, int64_t us)
{
    struct tm tm;
    int ms;
    split(us, &tm, &ms);
    static const char wd[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mo[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (year_ok(&tm)) {
        char *o = out;
        memcpy(o, wd[tm.tm_wday], 3);
        o += 3;
        *o++ = ',';
        *o++ = ' ';
        o = put_n(o, tm.tm_mday, 2);
        *o++ = ' ';
        memcpy(o, mo[tm.tm_mon], 3);
        o += 3;
        *o++ = ' ';
        o = put_n(o, tm.tm_year + 1900, 4);
        *o++ = ' ';
        o = put_n(o, tm.tm_hour, 2);
        *o++ = ':';
        o = put_n(o, tm.tm_min, 2);
        *o++ = ':';
        o = put_n(o, tm.tm_sec, 2);
        memcpy(o, " GMT", 5);
        return;
    }
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    copy_out(out, tmp, 31);
}

void time_fmt_amz(char *out, int64_t us)
{
    struct tm tm;
    int ms;
    split(us, &tm, &ms);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    copy_out(out, tmp, 16);
}

static bool finish(struct tm *tm, long frac_us, long off_s, int64_t *us)
{
    if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > 31 || tm->tm_hour > 23 ||
        tm->tm_min > 59 || tm->tm_sec > 60)
        return false;
    int64_t t = time_days_from_civil(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) * 86400 + tm->tm_hour * 3600 +
                tm->tm_min * 60 + tm->tm_sec;
    *us = (t - off_s) * 1000000 + frac_us;
    return true;
}

/* n digits at p as a number, or -1. */
static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

bool time_parse(str_t s, int64_t *us)
{
    char b[64];
    if (s.len == 0 || s.len >= sizeof b) return false;
    /* Basic, strictly (every SigV4 request's X-Amz-Date): 20150830T123600Z,
     * read without sscanf, which was a percent of a small S3 GET. */
    if (s.len == 16 && s.p[8] == 'T' && s.p[15] == 'Z') {
        int y = digits(s.p, 4), mo = digits(s.p + 4, 2), d = digits(s.p + 6, 2);
        int hh = digits(s.p + 9, 2), mi = digits(s.p + 11, 2), ss = digits(s.p + 13, 2);
        if (y >= 0 && mo >= 0 && d >= 0 && hh >= 0 && mi >= 0 && ss >= 0) {
            struct tm tm = {
                .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mi, .tm_sec = ss};
            return finish(&tm, 0, 0, us);
        }
    }
    memcpy(b, s.p, s.len);
    b[s.len] = 0;
    struct tm tm = {0};
    int n = 0;
    /* ISO 8601 extended: 2015-08-30T12:36:00[.fff][Z|±hh:mm] */
    if (sscanf(b, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &n) == 6 &&
        n == 19) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        const char *p = b + n;
        long frac = 0;
        if (*p == '.') {
            long scale = 100000;
            p++;
            if (*p < '0' || *p > '9') return false;
            while (*p >= '0' && *p <= '9') {
                frac += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
        }
        long off = 0;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int hh, mm;
            if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return false;
            off = (hh * 3600 + mm * 60) * (*p == '-' ? -1 : 1);
            p += 6;
        } else if (*p != 0) {
            return false;
        }
        if (*p) return false;
        return finish(&tm, frac, off, us);
    }
    /* Basic: 20150830T123600Z */
    if (s.len == 16 && sscanf(b, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                              &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return finish(&tm, 0, 0, us);
    }
    /* RFC 822: Sun, 30 Aug 2015 12:36:00 GMT */
    const char *end = strptime(b, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end && *end == 0) return finish(&tm, 0, 0, us);
    return false;
}

int64_t time_test_unit_ms(_Atomic int64_t *cache, const char *env, int64_t dflt)
{
#ifdef GUREUM_TESTING
    int64_t u = atomic_load(cache);
    if (!u) {
        const char *v = getenv(env);
        u = v && atoll(v) > 0 ? atoll(v) : dflt;
        atomic_store(cache, u);
    }
    return u;
#else
    (void)cache;
    (void)env;
    return dflt;
#endif
}

int time_cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
    return rc;
}

void time_cond_wait_mono(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t until_us)
{
    if (!until_us) {
        pthread_cond_wait(cv, mu);
        return;
    }
    int64_t left = until_us - time_mono_us();
    struct timespec ts = time_deadline(CLOCK_MONOTONIC, left > 0 ? left : 0);
    pthread_cond_timedwait(cv, mu, &ts);
}
