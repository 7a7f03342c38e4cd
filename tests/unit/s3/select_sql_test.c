/* select_sql_test.c — S3 Select's SQL (services/s3/select_sql.h): statements
 * parsed and run over records given as JSON text (a CSV record is an object
 * of string fields), the output compared whole; parse and evaluation errors
 * by their AWS codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "services/s3/select_sql.h"

/* Runs sql over the records (NULL-terminated JSON texts); returns the output
 * or "ERR:<code>", in a static buffer. */
static const char *run(const char *sql, bool csv, bool json_out, const char *const *recs)
{
    static char res[4096];
    arena_t *a = arena_new(0), *scratch = arena_new(0);
    sel_err_t err = {0};
    sel_fmt_t f = {.json = json_out, .rec_delim = STR("\n"), .field_delim = STR(","), .quote = '"', .escape = '"'};
    buf_t out;
    buf_init(&out, a);
    sel_query_t *q = sel_parse(a, str_c(sql), csv, &err);
    int rc = q ? 0 : -1;
    for (size_t i = 0; q && recs && recs[i] && rc == 0; i++) {
        json_t *j = json_parse(scratch, str_c(recs[i]), NULL);
        assert_non_null(j);
        rc = sel_feed(q, scratch, j, &f, &out, &err);
    }
    if (rc >= 0 && q) rc = sel_finish(q, scratch, &f, &out, &err);
    if (rc < 0) {
        snprintf(res, sizeof res, "ERR:%s", err.code ? err.code : "?");
    } else {
        str_t s = buf_str(&out);
        snprintf(res, sizeof res, "%.*s", (int)s.len, s.p ? s.p : "");
    }
    arena_free(scratch);
    arena_free(a);
    return res;
}

static const char *const people[] = {
    "{\"name\":\"alice\",\"age\":\"30\",\"city\":\"Paris\"}",
    "{\"name\":\"bob\",\"age\":\"25\",\"city\":\"Berlin\"}",
    "{\"name\":\"carol\",\"age\":\"41\",\"city\":\"\"}",
    NULL,
};

static void csv_projection_where_limit(void **state)
{
    (void)state;
    assert_string_equal(run("SELECT * FROM S3Object", true, false, people),
                        "alice,30,Paris\nbob,25,Berlin\ncarol,41,\n");
    assert_string_equal(run("select s.name from s3object s where cast(s.age as int) >= 30", true, false, people),
                        "alice\ncarol\n");
    assert_string_equal(run("SELECT _1, _3 FROM S3Object LIMIT 1", true, false, people), "alice,Paris\n");
    assert_string_equal(run("SELECT name FROM S3Object WHERE age > 26 AND NOT city = 'Paris'", true, false, people),
                        "carol\n");
    assert_string_equal(run("SELECT name AS n, age FROM S3Object LIMIT 1", true, true, people),
                        "{\"n\":\"alice\",\"age\":\"30\"}\n");
    assert_string_equal(run("SELECT name FROM S3Object LIMIT 0", true, false, people), "");
}

static void operators(void **state)
{
    (void)state;
    static const char *const one[] = {"{\"a\":1,\"b\":2.5,\"s\":\"Hello\",\"n\":null}", NULL};
#define EQ(expr, want) assert_string_equal(run("SELECT " expr " FROM S3Object", false, false, one), want "\n")
    EQ("a + 2 * 3", "7");
    EQ("(a + 2) * 3", "9");
    EQ("7 / 2", "3");
    EQ("7 % 4", "3");
    EQ("b * 2", "5");
    EQ("-a", "-1");
    EQ("s || '!'", "Hello!");
    EQ("a BETWEEN 0 AND 1", "true");
    EQ("a NOT BETWEEN 0 AND 1", "false");
    EQ("a IN (3, 2, 1)", "true");
    EQ("s LIKE 'H_l%'", "true");
    EQ("s LIKE 'h%'", "false");
    EQ("'50%' LIKE '50!%' ESCAPE '!'", "true");
    EQ("n IS NULL", "true");
    EQ("zz IS MISSING", "true");
    EQ("zz IS NULL", "true");
    EQ("a IS NOT NULL", "true");
    EQ("n = 1", "");
    EQ("CASE WHEN a > 5 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END", "small");
    EQ("CASE a WHEN 1 THEN 'one' END", "one");
    EQ("a = 1 = true", "true");
    EQ("a < 2 = false", "false");
    EQ("COALESCE(n, zz, 'x')", "x");
    EQ("NULLIF(a, 1)", "");
    EQ("CAST('12' AS INT) + 1", "13");
    EQ("CAST(b AS INT)", "2");
    EQ("CAST(a AS STRING) || 'x'", "1x");
    EQ("CAST('true' AS BOOL)", "true");
    EQ("CAST(1.0 AS FLOAT)", "1");
#undef EQ
}

static void string_and_date_functions(void **state)
{
    (void)state;
    static const char *const one[] = {"{\"s\":\"  héllo  \"}", NULL};
#define EQ(expr, want) assert_string_equal(run("SELECT " expr " FROM S3Object", false, false, one), want "\n")
    EQ("CHAR_LENGTH(s)", "9");
    EQ("CHARACTER_LENGTH('abc')", "3");
    EQ("UPPER('abC')", "ABC");
    EQ("LOWER('AbC')", "abc");
    EQ("TRIM(s)", "héllo");
    EQ("TRIM(LEADING FROM s)", "héllo  ");
    EQ("TRIM(TRAILING 'xy' FROM 'xxaxy')", "xxa");
    EQ("SUBSTRING('123456789', 0)", "123456789");
    EQ("SUBSTRING('123456789', 1)", "123456789");
    EQ("SUBSTRING('123456789', 2)", "23456789");
    EQ("SUBSTRING('123456789', -4)", "123456789");
    EQ("SUBSTRING('123456789', 0, 999)", "123456789");
    EQ("SUBSTRING('123456789', 1, 5)", "12345");
    EQ("SUBSTRING('123456789' FROM 3 FOR 2)", "34");
    EQ("SUBSTRING(TRIM(s), 2, 1)", "é");
    EQ("EXTRACT(YEAR FROM `2010-01-01T`)", "2010");
    EQ("EXTRACT(MONTH FROM `2010T`)", "1");
    EQ("EXTRACT(TIMEZONE_HOUR FROM `2017-01-02T03:04:05.006-08:30`)", "-8");
    EQ("DATE_ADD(year, 5, `2010-01-01T`)", "2015-01-01T");
    EQ("DATE_ADD(month, 1, `2010-01-31T`)", "2010-02-28T");
    EQ("DATE_ADD(hour, 1, `2017-01-02T03:04:05.006Z`)", "2017-01-02T04:04:05.006Z");
    EQ("DATE_ADD(minute, 1, `2010-01-01T`)", "2010-01-01T00:01Z");
    EQ("DATE_ADD(month, 1, `1233-01-31T`)", "1233-02-28T"); /* before 1900: months floor */
    EQ("DATE_ADD(month, -1, `1899-01-15T`)", "1898-12-15T");
    EQ("DATE_DIFF(year, `2010-01-01T`, `2011-01-01T`)", "1");
    EQ("DATE_DIFF(month, `2010-01-31T`, `2010-02-28T`)", "0");
    EQ("DATE_DIFF(day, `2010-01-01T23:00Z`, `2010-01-02T01:00Z`)", "0");
    EQ("TO_STRING(`1969-07-20T20:18Z`, 'MMMM d y')", "July 20 1969");
    EQ("TO_STRING(`1969-07-20T20:18Z`, 'MMM d yyyy')", "Jul 20 1969");
    EQ("TO_STRING(`1969-07-20T20:18Z`, 'M-d-yy')", "7-20-69");
    EQ("TO_STRING(`1969-07-20T20:18Z`, 'MM-d-y')", "07-20-1969");
    EQ("TO_STRING(`1969-07-20T20:18Z`, 'y-MM-dd''T''H:m:ssX')", "1969-07-20T20:18:00Z");
    EQ("TO_STRING(`1969-07-20T20:18+08:00`, 'y-MM-dd''T''H:m:ssXXXX')", "1969-07-20T20:18:00+08:00");
    EQ("TO_TIMESTAMP('2007T') = `2007T`", "true");
    EQ("TO_TIMESTAMP('2007-02-23T12:14:33.079-08:00') > `2007-02-23T12:14Z`", "true");
#undef EQ
}

static void aggregates(void **state)
{
    (void)state;
    assert_string_equal(
        run("SELECT COUNT(*), SUM(CAST(age AS INT)), MIN(age), MAX(name) FROM S3Object", true, false, people),
        "3,96,25,carol\n");
    assert_string_equal(run("SELECT AVG(CAST(age AS INT)) FROM S3Object WHERE name <> 'bob'", true, false, people),
                        "35.5\n");
    assert_string_equal(run("SELECT SUM(CAST(age AS INT)) / COUNT(*) AS m FROM S3Object", true, true, people),
                        "{\"m\":32}\n");
    assert_string_equal(
        run("SELECT COUNT(*), SUM(CAST(age AS INT)) FROM S3Object WHERE name = 'x'", true, false, people), "0,\n");
}

static void json_paths(void **state)
{
    (void)state;
    static const char *const doc[] = {"{\"a\":{\"b\":[10,{\"c\":\"deep\"}]},\"items\":[{\"n\":1},{\"n\":2}]}", NULL};
    assert_string_equal(run("SELECT s.a.b[0], s.a.b[1].c, s.a['b'][1].\"c\" FROM S3Object s", false, false, doc),
                        "10,deep,deep\n");
    assert_string_equal(run("SELECT i.n FROM S3Object[*].items[*] i WHERE i.n > 1", false, false, doc), "2\n");
    assert_string_equal(run("SELECT n FROM S3Object[*].items[*].n", false, true, doc), "{\"n\":1}\n{\"n\":2}\n");
    assert_string_equal(run("SELECT _1.n FROM S3Object[*].items[*]", false, true, doc), "{\"n\":1}\n{\"n\":2}\n");
    assert_string_equal(run("SELECT s.a FROM S3Object s", false, true, doc), "{\"a\":{\"b\":[10,{\"c\":\"deep\"}]}}\n");
    assert_string_equal(run("SELECT s.a FROM S3Object s", false, false, doc),
                        "\"{\"\"b\"\":[10,{\"\"c\"\":\"\"deep\"\"}]}\"\n");
    /* quoted names are case-sensitive, plain ones are not; a path ending in
     * an index is named by its position */
    assert_string_equal(run("SELECT s.A.B[0], s.\"A\" FROM S3Object s", false, true, doc), "{\"_1\":10}\n");
}

static void parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *code;
    } cases[] = {
        {"", "ParseUnsupportedSelect"},
        {"UPDATE x", "ParseUnsupportedSelect"},
        {"SELECT", "ParseEmptySelect"},
        {"SELECT FROM S3Object", "ParseEmptySelect"},
        {"SELECT a", "ParseSelectMissingFrom"},
        {"SELECT a FROM t", "InvalidDataSource"},
        {"SELECT a FROM S3Object WHERE", "ParseExpectedExpression"},
        {"SELECT a FROM S3Object WHERE a = = 1", "ParseUnexpectedToken"},
        {"SELECT a FROM S3Object WHERE a # 1", "LexerInvalidChar"},
        {"SELECT 'abc FROM S3Object", "ParseUnexpectedToken"},
        {"SELECT *, a FROM S3Object", "ParseAsteriskIsNotAloneInSelectList"},
        {"SELECT a FROM S3Object GROUP BY a", "ParseUnsupportedSyntax"},
        {"SELECT DISTINCT a FROM S3Object", "ParseUnsupportedSyntax"},
        {"SELECT foo(a) FROM S3Object", "UnsupportedFunction"},
        {"SELECT upper(a, b) FROM S3Object", "EvaluatorInvalidArguments"},
        {"SELECT CAST a AS INT FROM S3Object", "ParseExpectedLeftParenAfterCast"},
        {"SELECT CAST(a AS BLOB) FROM S3Object", "ParseExpectedTypeName"},
        {"SELECT CASE END FROM S3Object", "ParseExpectedWhenClause"},
        {"SELECT EXTRACT(WEEK FROM a) FROM S3Object", "ParseExpectedDatePart"},
        {"SELECT a FROM S3Object LIMIT x", "ParseExpectedNumber"},
        {"SELECT a FROM S3Object WHERE COUNT(*) > 1", "ParseUnsupportedSyntax"},
        {"SELECT `2010-13-01T` FROM S3Object", "LexerInvalidLiteral"},
        {"SELECT a FROM S3Object s AS", "ParseUnexpectedToken"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = run(cases[i].sql, true, false, people);
        char want[128];
        snprintf(want, sizeof want, "ERR:%s", cases[i].code);
        if (strcmp(got, want)) print_error("%s: ", cases[i].sql);
        assert_string_equal(got, want);
    }
}

static void eval_errors(void **state)
{
    (void)state;
    assert_string_equal(run("SELECT CAST(name AS INT) FROM S3Object", true, false, people), "ERR:CastFailed");
    assert_string_equal(run("SELECT 1 / 0 FROM S3Object", true, false, people), "ERR:DivideByZero");
    assert_string_equal(run("SELECT 9223372036854775807 + 1 FROM S3Object", true, false, people),
                        "ERR:IntegerOverflow");
    assert_string_equal(run("SELECT DATE_ADD(year, 99999999999, `2010T`) FROM S3Object", true, false, people),
                        "ERR:IntegerOverflow");
    assert_string_equal(run("SELECT name FROM S3Object WHERE name LIKE 1", true, false, people),
                        "ERR:LikeInvalidInputs");
    assert_string_equal(run("SELECT TO_TIMESTAMP('19320508T112233Z') FROM S3Object", true, false, people),
                        "ERR:CastFailed");
    assert_string_equal(run("SELECT UPPER(1) FROM S3Object", true, false, people),
                        "ERR:IncorrectSqlFunctionArgumentType");
}

static void deep_nesting_is_refused(void **state)
{
    (void)state;
    char sql[4096] = "SELECT ";
    for (int i = 0; i < 1000; i++) strcat(sql, "(");
    strcat(sql, "1");
    assert_string_equal(run(sql, true, false, people), "ERR:ParseUnsupportedSyntax");
    /* chains the parser builds in a loop, and prefix operators, are bounded too */
    static char big[64 << 10];
    const char *const units[] = {"1 + ", "NOT ", "- ", "a || "};
    for (size_t u = 0; u < 4; u++) {
        size_t at = (size_t)sprintf(big, "SELECT ");
        for (int i = 0; i < 5000; i++) at += (size_t)sprintf(big + at, "%s", units[u]);
        strcpy(big + at, "1 FROM S3Object");
        assert_string_equal(run(big, true, false, people), "ERR:ParseUnsupportedSyntax");
    }
    size_t at = (size_t)sprintf(big, "SELECT ");
    for (int i = 0; i < 900; i++) at += (size_t)sprintf(big + at, "1 + ");
    strcpy(big + at, "1 FROM S3Object LIMIT 1");
    assert_string_equal(run(big, true, false, people), "901\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_projection_where_limit),
        cmocka_unit_test(operators),
        cmocka_unit_test(string_and_date_functions),
        cmocka_unit_test(aggregates),
        cmocka_unit_test(json_paths),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(eval_errors),
        cmocka_unit_test(deep_nesting_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
