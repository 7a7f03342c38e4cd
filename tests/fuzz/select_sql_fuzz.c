/* select_sql_fuzz.c — libFuzzer target for S3 Select's SQL
 * (src/services/s3/select_sql.c): the lexer, parser and evaluator.
 *
 * Input: a statement, then optionally "\n--\n" and records, one JSON text a
 * line (lines that are not JSON are skipped). The first byte's low bits pick
 * CSV mode (positional _N names, strings read as numbers) and JSON or CSV
 * output. Any input: no crash, leak or sanitizer report; a statement or
 * record that fails carries an AWS error code and a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/s3/select_sql.h"

static void must_explain(const sel_err_t *e)
{
    if (!e->code || !*e->code || !e->msg || !*e->msg) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    uint8_t mode = data[0];
    str_t in = str_n((const char *)data + 1, size - 1), sql = in, recs = STR("");
    for (size_t i = 0; i + 4 <= in.len; i++)
        if (memcmp(in.p + i, "\n--\n", 4) == 0) {
            sql = str_n(in.p, i);
            recs = str_n(in.p + i + 4, in.len - i - 4);
            break;
        }
    arena_t *a = arena_new(1 << 24), *scratch = arena_new(1 << 24);
    sel_fmt_t f = {.json = mode & 2,
                   .rec_delim = STR("\n"),
                   .field_delim = STR(","),
                   .quote = '"',
                   .escape = '"',
                   .quote_always = mode & 4};
    buf_t out;
    buf_init(&out, a);
    sel_err_t err = {0};
    sel_query_t *q = sel_parse(a, sql, mode & 1, &err);
    if (!q) {
        if (!arena_failed(a)) must_explain(&err);
        goto done;
    }
    int rc = 0;
    while (recs.len && rc == 0) {
        str_t line;
        recs = str_cut(recs, '\n', &line);
        json_t *j = json_parse(scratch, line, NULL);
        if (j) rc = sel_feed(q, scratch, j, &f, &out, &err);
    }
    if (rc >= 0) rc = sel_finish(q, scratch, &f, &out, &err);
    if (rc < 0 && !arena_failed(a) && !arena_failed(scratch)) must_explain(&err);
done:
    arena_free(scratch);
    arena_free(a);
    return 0;
}
