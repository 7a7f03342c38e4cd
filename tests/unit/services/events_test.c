/* events_test.c — EventBridge's schedule expressions and pattern matcher in
 * isolation: next firing times of rate() and cron() (with ? L W # and
 * names), invalid expressions, and pattern edge cases that are awkward to
 * reach through TestEventPattern (arrays of objects, numbers compared as
 * numbers, exists on null and on empty arrays). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "services/events/events_int.h"

static int64_t at(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static void next_is(const char *expr, int64_t after, int64_t want)
{
    int64_t got = events_schedule_next(str_c(expr), after, after);
    if (got != want)
        fail_msg("%s after %lld: got %lld, want %lld", expr, (long long)after, (long long)got, (long long)want);
}

static void rate_counts_from_base(void **state)
{
    (void)state;
    int64_t base = at(2026, 1, 1, 0, 0);
    assert_int_equal(base + 60000, events_schedule_next(STR("rate(1 minute)"), base, base));
    assert_int_equal(base + 5 * 60000, events_schedule_next(STR("rate(5 minutes)"), base, base));
    /* missed firings are skipped: the next one after `after`, on the base's grid */
    assert_int_equal(base + 3 * 3600000, events_schedule_next(STR("rate(1 hour)"), base, base + 2 * 3600000 + 5));
    assert_int_equal(base + 2 * 86400000LL, events_schedule_next(STR("rate(2 days)"), base, base + 1));
}

static void cron_next_times(void **state)
{
    (void)state;
    int64_t t = at(2026, 11, 26, 12, 7); /* a Thursday */
    next_is("cron(0 10 * * ? *)", t, at(2026, 11, 27, 10, 0));
    next_is("cron(15 12 * * ? *)", t, at(2026, 11, 26, 12, 15));
    next_is("cron(0/15 * * * ? *)", t, at(2026, 11, 26, 12, 15));
    next_is("cron(* * * * ? *)", t, at(2026, 11, 26, 12, 8));
    next_is("cron(0 18 ? * MON-FRI *)", t, at(2026, 11, 26, 18, 0));
    next_is("cron(0 8 ? * SAT,SUN *)", t, at(2026, 11, 28, 8, 0));
    next_is("cron(0 0 L * ? *)", t, at(2026, 11, 30, 0, 0));
    next_is("cron(0 0 LW * ? *)", at(2026, 5, 1, 0, 0), at(2026, 5, 29, 0, 0)); /* May 31 2026 is a Sunday */
    next_is("cron(0 9 1W * ? *)", at(2026, 7, 30, 0, 0), at(2026, 8, 3, 9, 0)); /* Aug 1 is a Saturday → Monday 3rd */
    next_is("cron(0 9 15W * ? *)", at(2026, 11, 1, 0, 0), at(2026, 11, 16, 9, 0)); /* Nov 15 is a Sunday */
    next_is("cron(0 12 ? * 6L *)", t, at(2026, 11, 27, 12, 0));                    /* last Friday of November */
    next_is("cron(0 12 ? * 2#1 *)", t, at(2026, 12, 7, 12, 0));                    /* first Monday of December */
    next_is("cron(30 6 1 JAN ? *)", t, at(2027, 1, 1, 6, 30));
    next_is("cron(0 0 29 2 ? *)", t, at(2028, 2, 29, 0, 0));
    next_is("cron(0 0 1 1 ? 2030)", t, at(2030, 1, 1, 0, 0));
    next_is("cron(0 0 1 1 ? 2020)", t, -1);
}

static void invalid_expressions(void **state)
{
    (void)state;
    const char *bad[] = {"rate(1 minutes)",   "rate(2 minute)",      "rate(0 minutes)",    "rate(-1 minutes)",
                         "rate(1 second)",    "rate(minute)",        "cron(0 10 * * * *)", "cron(0 10 ? * ? *)",
                         "cron(0 10 * *)",    "cron(60 10 * * ? *)", "cron(0 24 * * ? *)", "cron(0 0 32 * ? *)",
                         "cron(0 0 ? * 8 *)", "cron(0 0 ? * 2#6 *)", "cron(0 0 * 13 ? *)", "cron(0 0 * * ? 1969)",
                         "every 5 minutes",   "cron(0 0 1 1 ? 2020)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (events_schedule_valid(str_c(bad[i]))) fail_msg("%s accepted", bad[i]);
    const char *good[] = {"rate(1 minute)",        "rate(10 days)",
                          "cron(0 10 * * ? *)",    "cron(0/5 8-17 ? * MON-FRI *)",
                          "cron(0 0 L * ? *)",     "cron(0 12 ? * 6L 2026-2030)",
                          "cron(0 12 ? * TUE#2 *)"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!events_schedule_valid(str_c(good[i]))) fail_msg("%s refused", good[i]);
}

static bool matches(arena_t *a, const char *pattern, const char *event)
{
    const json_t *p = NULL;
    const char *why = events__pattern_check(a, str_c(pattern), &p);
    if (why) fail_msg("%s: %s", pattern, why);
    return events__pattern_match(p, json_parse(a, str_c(event), NULL));
}

static void pattern_edges(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    const char *ev =
        "{\"detail\": {\"n\": 10, \"s\": \"10\", \"z\": null, \"e\": [], \"arr\": [{\"k\": \"a\"}, {\"k\": \"b\"}],"
        " \"deep\": [[1, 2], [3]]}}";
    assert_true(matches(a, "{\"detail\": {\"n\": [10.0]}}", ev));
    assert_false(matches(a, "{\"detail\": {\"s\": [10]}}", ev)); /* a string is not a number */
    assert_true(matches(a, "{\"detail\": {\"s\": [\"10\"]}}", ev));
    assert_true(matches(a, "{\"detail\": {\"z\": [{\"exists\": true}]}}", ev));
    assert_true(matches(a, "{\"detail\": {\"e\": [{\"exists\": false}]}}", ev));
    assert_true(matches(a, "{\"detail\": {\"arr\": {\"k\": [\"b\"]}}}", ev));
    assert_true(matches(a, "{\"detail\": {\"deep\": [3]}}", ev));
    assert_false(matches(a, "{\"detail\": {\"arr\": [{\"exists\": true}]}}", ev)); /* exists looks at leaves only */
    assert_true(matches(a, "{\"detail\": {\"n\": [{\"anything-but\": [1, 2]}]}}", ev));
    assert_false(matches(a, "{\"detail\": {\"s\": [{\"anything-but\": {\"prefix\": \"1\"}}]}}", ev));
    assert_true(matches(a, "{\"detail\": {\"s\": [{\"wildcard\": \"1*\"}]}}", ev));
    assert_true(matches(a, "{\"detail\": {\"$or\": [{\"n\": [1]}, {\"s\": [\"10\"]}]}}", ev));
    const json_t *p;
    assert_non_null(events__pattern_check(a, STR("[]"), &p));
    assert_non_null(events__pattern_check(a, STR("{\"a\": [{\"wildcard\": \"a**b\"}]}"), &p));
    assert_non_null(events__pattern_check(a, STR("{\"a\": [{\"cidr\": \"10.0.0.0/33\"}]}"), &p));
    assert_non_null(events__pattern_check(a, STR("{\"a\": [{\"numeric\": [\"<\", 1, \">\", 0]}]}"), &p));
    assert_null(events__pattern_check(a, STR("{\"a\": [{\"numeric\": [\">\", 0, \"<=\", 1]}]}"), &p));
    assert_string_equal("Event pattern is not valid. Reason: Empty arrays are not allowed",
                        events__pattern_check(a, STR("{\"a\": []}"), &p));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_counts_from_base),
        cmocka_unit_test(cron_next_times),
        cmocka_unit_test(invalid_expressions),
        cmocka_unit_test(pattern_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
