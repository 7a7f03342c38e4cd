/* gtime_test.c — the calendar arithmetic of core/gtime.h against the C
 * library it replaces (gmtime_r, timegm) over 1600–2400 and around the
 * epoch, and the formats and parses built on it: AWS's own examples, leap
 * days, and timegm's rolling over of a day past the month's end. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/gtime.h"

static void split_matches_gmtime(void **state)
{
    (void)state;
    /* every 7,777,777 s from 1600 to 2400 (all weekdays, leap rules, both
     * signs), and each second of the days around the epoch */
    int64_t from = -11676096000LL, to = 13569465600LL;
    for (int64_t t = from; t < to; t += 7777777) {
        for (int k = 0; k < 2; k++) {
            int64_t s = t + k * 86399;
            struct tm mine, libc;
            time_t tt = (time_t)s;
            time_split(s, &mine);
            assert_non_null(gmtime_r(&tt, &libc));
            assert_int_equal(mine.tm_year, libc.tm_year);
            assert_int_equal(mine.tm_mon, libc.tm_mon);
            assert_int_equal(mine.tm_mday, libc.tm_mday);
            assert_int_equal(mine.tm_hour, libc.tm_hour);
            assert_int_equal(mine.tm_min, libc.tm_min);
            assert_int_equal(mine.tm_sec, libc.tm_sec);
            assert_int_equal(mine.tm_wday, libc.tm_wday);
            assert_int_equal(mine.tm_yday, libc.tm_yday);
            struct tm back = libc;
            assert_int_equal(time_days_from_civil(libc.tm_year + 1900, libc.tm_mon + 1, libc.tm_mday) * 86400 +
                                 libc.tm_hour * 3600 + libc.tm_min * 60 + libc.tm_sec,
                             (int64_t)timegm(&back));
        }
    }
    for (int64_t s = -2 * 86400; s < 2 * 86400; s += 37) {
        struct tm mine, libc;
        time_t tt = (time_t)s;
        time_split(s, &mine);
        gmtime_r(&tt, &libc);
        assert_int_equal(mine.tm_mday, libc.tm_mday);
        assert_int_equal(mine.tm_sec + 60 * mine.tm_min + 3600 * mine.tm_hour,
                         libc.tm_sec + 60 * libc.tm_min + 3600 * libc.tm_hour);
    }
}

static void formats_and_parses(void **state)
{
    (void)state;
    char out[32];
    int64_t us;
    assert_true(time_parse(STR("20150830T123600Z"), &us));
    assert_int_equal(us, 1440938160LL * 1000000);
    time_fmt_rfc822(out, us);
    assert_string_equal(out, "Sun, 30 Aug 2015 12:36:00 GMT");
    time_fmt_iso8601(out, us + 123000, true);
    assert_string_equal(out, "2015-08-30T12:36:00.123Z");
    time_fmt_amz(out, us);
    assert_string_equal(out, "20150830T123600Z");
    assert_true(time_parse(STR("Sun, 30 Aug 2015 12:36:00 GMT"), &us));
    assert_int_equal(us, 1440938160LL * 1000000);
    assert_true(time_parse(STR("2024-02-29T23:59:59+01:00"), &us));
    time_fmt_rfc822(out, us);
    assert_string_equal(out, "Thu, 29 Feb 2024 22:59:59 GMT");
    assert_true(time_parse(STR("2023-04-31T00:00:00Z"), &us)); /* as timegm: April 31 is May 1 */
    time_fmt_iso8601(out, us, false);
    assert_string_equal(out, "2023-05-01T00:00:00Z");
    time_fmt_rfc822(out, -1000000);
    assert_string_equal(out, "Wed, 31 Dec 1969 23:59:59 GMT");
}

/* The hand-written digits against strftime over 1600-2400, and years past
 * 9999, which take snprintf's path and keep all their digits. */
static void formats_match_strftime(void **state)
{
    (void)state;
    for (int64_t t = -11676096000LL; t < 13569465600LL; t += 7777777) {
        time_t tt = (time_t)t;
        struct tm libc;
        assert_non_null(gmtime_r(&tt, &libc));
        char want[64], got[64];
        strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &libc);
        time_fmt_rfc822(got, t * 1000000);
        assert_string_equal(got, want);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.007Z", &libc);
        time_fmt_iso8601(got, t * 1000000 + 7999, true);
        assert_string_equal(got, want);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &libc);
        time_fmt_iso8601(got, t * 1000000, false);
        assert_string_equal(got, want);
    }
    char out[64];
    time_fmt_iso8601(out, 253402300800LL * 1000000, false); /* 10000-01-01 */
    assert_string_equal(out, "10000-01-01T00:00:00Z");
    time_fmt_rfc822(out, 253402300800LL * 1000000);
    assert_string_equal(out, "Sat, 01 Jan 10000 00:00:00 GMT");
}

/* A deadline carries whole seconds out of the nanoseconds and is after_us
 * ahead of the clock it was read from. */
static void deadline_is_ahead_and_normalised(void **state)
{
    (void)state;
    static const int64_t afters[] = {0, 1, 999999, 1000000, 1500000, 2999999999LL};
    for (size_t i = 0; i < sizeof afters / sizeof *afters; i++) {
        struct timespec before, after;
        clock_gettime(CLOCK_MONOTONIC, &before);
        struct timespec d = time_deadline(CLOCK_MONOTONIC, afters[i]);
        clock_gettime(CLOCK_MONOTONIC, &after);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        int64_t dn = (int64_t)d.tv_sec * 1000000000 + d.tv_nsec;
        assert_true(dn >= (int64_t)before.tv_sec * 1000000000 + before.tv_nsec + afters[i] * 1000);
        assert_true(dn <= (int64_t)after.tv_sec * 1000000000 + after.tv_nsec + afters[i] * 1000);
    }
}

/* A monotonic wait with a deadline returns once it passes (not before), and
 * a signal ends a wait without one. */
static pthread_mutex_t wmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wcv;

static void *signal_soon(void *arg)
{
    (void)arg;
    struct timespec ms = {0, 20 * 1000000};
    nanosleep(&ms, NULL);
    pthread_mutex_lock(&wmu);
    pthread_cond_signal(&wcv);
    pthread_mutex_unlock(&wmu);
    return NULL;
}

static void mono_wait_until_and_signal(void **state)
{
    (void)state;
    assert_int_equal(time_cond_init_mono(&wcv), 0);
    pthread_mutex_lock(&wmu);
    int64_t t0 = time_mono_us();
    time_cond_wait_mono(&wcv, &wmu, t0 + 30000);
    int64_t waited = time_mono_us() - t0;
    /* a spurious wake-up may end it early, but never a wrong clock by hours */
    assert_true(waited < 5000000);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, signal_soon, NULL), 0);
    time_cond_wait_mono(&wcv, &wmu, 0);
    pthread_mutex_unlock(&wmu);
    pthread_join(t, NULL);
    pthread_cond_destroy(&wcv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(split_matches_gmtime), cmocka_unit_test(formats_and_parses),
                                       cmocka_unit_test(formats_match_strftime),
                                       cmocka_unit_test(deadline_is_ahead_and_normalised),
                                       cmocka_unit_test(mono_wait_until_and_signal)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
