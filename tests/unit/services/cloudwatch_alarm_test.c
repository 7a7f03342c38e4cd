/* cloudwatch_alarm_test.c — the pure parts of CloudWatch alarms: numbers as
 * AWS's reason texts print them (Java's Double.toString), AWS's time text,
 * and composite alarms' AlarmRule (alarm_rule.c): what parses, what is
 * refused, which alarms a rule names, and how it evaluates. Evaluation
 * against stored data and the actions are covered end to end
 * (tests/e2e/test_cloudwatch_alarms.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "services/cloudwatch/alarm.h"

static void test_put_num(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *want;
    } cases[] = {
        {5, "5.0"},
        {3.0, "3.0"},
        {0, "0.0"},
        {-2.5, "-2.5"},
        {0.1, "0.1"},
        {12.345, "12.345"},
        {6.046241709654764, "6.046241709654764"},
        {1e7, "1.0E7"},
        {1.5e-4, "1.5E-4"},
        {123456789.0, "1.23456789E8"},
        {9999999.0, "9999999.0"},
        {0.001, "0.001"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t *a = arena_new(0);
        buf_t b;
        buf_init(&b, a);
        cwa__put_num(&b, cases[i].d);
        buf_putc(&b, 0);
        assert_string_equal(b.p, cases[i].want);
        arena_free(a);
    }
}

static void test_fmt_time(void **state)
{
    (void)state;
    char t[32];
    cwa__fmt_time(t, 1795867205123LL); /* 2026-11-28T12:00:05.123Z */
    assert_string_equal(t, "2026-11-28T12:00:05.123+0000");
    cwa__fmt_time(t, 0);
    assert_string_equal(t, "1970-01-01T00:00:00.000+0000");
}

/* ==== AlarmRule ==== */

static const char *states[][2] = {{"a", "ALARM"}, {"b", "OK"}, {"c", "INSUFFICIENT_DATA"}, {"d e", "ALARM"}};

static const char *state_of(str_t name, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (str_eq_c(name, states[i][0])) return states[i][1];
    return NULL;
}

/* "T"/"F" for a rule that parses (and how it evaluates), else the refusal. */
static const char *eval(arena_t *a, const char *rule, size_t *nnames)
{
    str_t *names;
    const char *err;
    cwa_rule_t *r = cwa__rule_parse(a, str_c(rule), STR("000000000000"), STR("us-east-1"), &names, nnames, &err);
    if (!r) return err;
    return cwa__rule_eval(r, state_of, NULL) ? "T" : "F";
}

static void test_rule(void **state)
{
    (void)state;
    static const struct {
        const char *rule, *want;
        size_t names;
    } cases[] = {
        {"ALARM(a)", "T", 1},
        {"ALARM(\"a\")", "T", 1},
        {"OK(a)", "F", 1},
        {"INSUFFICIENT_DATA(c)", "T", 1},
        {"ALARM(missing)", "F", 1},
        {"TRUE", "T", 0},
        {"FALSE OR NOT FALSE", "T", 0},
        {"ALARM(a) AND OK(b)", "T", 2},
        {"ALARM(a) AND ALARM(b) OR OK(b)", "T", 2}, /* AND binds tighter */
        {"ALARM(a) AND (ALARM(b) OR INSUFFICIENT_DATA(b))", "F", 1 + 1},
        {"NOT ALARM(a) OR ALARM(\"d e\")", "T", 2},
        {"ALARM(a) OR ALARM(a)", "T", 1},
        {"ALARM(arn:aws:cloudwatch:us-east-1:000000000000:alarm:a)", "T", 1},
        {"  ( ALARM( a ) )  ", "T", 1},
        {"ALARM(arn:aws:cloudwatch:eu-west-1:000000000000:alarm:a)",
         "Invalid alarm reference 'arn:aws:cloudwatch:eu-west-1:000000000000:alarm:a' in ALARM: an alarm name or an "
         "alarm ARN of this account and region.",
         0},
        {"ALARM(a) AND", "Expected ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or '(' at position 12.", 0},
        {"ALARM a", "Expected '(' after ALARM at position 6.", 0},
        {"(TRUE", "Expected ')' at position 5.", 0},
        {"TRUE TRUE", "Unexpected text at position 5 of the AlarmRule.", 0},
        {"ALARMS(a)", "Expected ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or '(' at position 0.", 0},
        {"alarm(a)", "Expected ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or '(' at position 0.", 0},
        {"ALARM(\"a)", "Unterminated alarm name in ALARM at position 9.", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t *a = arena_new(0);
        size_t n = 0;
        const char *got = eval(a, cases[i].rule, &n);
        assert_string_equal(got, cases[i].want);
        if (strlen(cases[i].want) == 1) assert_int_equal(n, cases[i].names);
        arena_free(a);
    }
}

static void test_rule_depth_is_bounded(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    char rule[400];
    memset(rule, '(', 150);
    strcpy(rule + 150, "TRUE");
    size_t n;
    const char *got = eval(a, rule, &n);
    assert_string_equal(got, "The AlarmRule nests too deeply at position 100.");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_num),
        cmocka_unit_test(test_fmt_time),
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_rule_depth_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
