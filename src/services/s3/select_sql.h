/* select_sql.h — S3 Select's SQL dialect: parse a SELECT statement, then
 * feed it records and collect the formatted output records.
 *
 * select.c (the SelectObjectContent operation) reads and splits the object;
 * this engine knows neither S3 nor the wire. A record is a json_t: a JSON
 * input's value as parsed, or a CSV record as an object of string fields
 * (keyed by the header names, or _1.._n). The query, its parse tree and its
 * aggregate state live in the arena given to sel_parse; per-record values
 * live in the scratch arena given to sel_feed, which the caller may free
 * between batches. Errors are AWS's SelectObjectContent codes with a message
 * (AWS: S3 API reference, "List of SELECT Object Content Error Codes"). */
#ifndef GR_SERVICES_S3_SELECT_SQL_H
#define GR_SERVICES_S3_SELECT_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"

typedef struct {
    const char *code; /* AWS error code, e.g. "ParseUnexpectedToken" */
    const char *msg;
} sel_err_t;

/* How output records are written. */
typedef struct {
    bool json;          /* JSON output; else CSV */
    str_t rec_delim;    /* default "\n" */
    str_t field_delim;  /* CSV: default "," */
    char quote, escape; /* CSV: default '"' and '"' */
    bool quote_always;  /* CSV: QuoteFields ALWAYS */
} sel_fmt_t;

typedef struct sel_query sel_query_t;

/* The statement parsed into a, or NULL with *err set. csv: the records will
 * be CSV records (positional _N names, strings compared as numbers where a
 * number is on the other side). */
sel_query_t *sel_parse(arena_t *a, str_t sql, bool csv, sel_err_t *err);
/* Evaluates one input record: the FROM path, WHERE and the projection (or
 * the aggregates' state). Output records are appended to out in fmt.
 * Returns 0 to go on, 1 once LIMIT is reached (feed no more), -1 on error. */
int sel_feed(sel_query_t *q, arena_t *scratch, const json_t *rec, const sel_fmt_t *fmt, buf_t *out, sel_err_t *err);
/* After the last record: an aggregate query's one output record. */
int sel_finish(sel_query_t *q, arena_t *scratch, const sel_fmt_t *fmt, buf_t *out, sel_err_t *err);

#endif
