/* json.h — a strict JSON (RFC 8259) parser into a tree, and a streaming writer.
 *
 * Generic (in core) because more than the protocol layer reads JSON: the json
 * and rest-json protocols parse request bodies with json_parse and convert
 * the tree to a val_t by the input shape (protocol/jsonproto.c), and IAM
 * policy documents are JSON too. Responses are written with json_w_*. The parser is
 * strict (no trailing commas, comments, NaN literals, control characters or
 * invalid UTF-8) and bounded (depth <= JSON_MAX_DEPTH), so hostile bodies fail
 * cleanly; every node lives in the request arena. */
#ifndef GR_CORE_JSON_H
#define GR_CORE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/val.h"

#define JSON_MAX_DEPTH 128

typedef enum { JSON_NULL, JSON_BOOL, JSON_INT, JSON_DOUBLE, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type_t;

typedef struct json json_t;
struct json {
    json_type_t type;
    str_t raw; /* numbers: the literal as written */
    union {
        bool b;
        int64_t i; /* JSON_INT: an integral literal that fits int64 */
        double d;  /* JSON_DOUBLE: anything else (fraction, exponent, overflow) */
        str_t s;   /* JSON_STRING: unescaped UTF-8, NUL-terminated */
        struct {
            json_t **v;
            size_t n;
        } arr;
        struct {
            str_t *k;
            json_t **v;
            size_t n;
        } obj;
    } u;
};

/* Parses the whole text (surrounding whitespace allowed). NULL on error with
 * *err (if given) set to a message in the arena naming the byte offset. */
json_t *json_parse(arena_t *a, str_t text, const char **err);
/* The value of the last member named key (JSON leaves duplicates undefined;
 * the last one wins as in most parsers), or NULL. */
const json_t *json_get(const json_t *obj, const char *key);
const char *json_type_name(json_type_t t);

/* ==== writer ==== */
typedef struct {
    buf_t *b;
    int depth;
    uint8_t first[JSON_MAX_DEPTH * 4]; /* per open container: nothing written yet */
    bool after_key;
} json_w_t;

void json_w_init(json_w_t *w, buf_t *b);
void json_w_obj_begin(json_w_t *w);
void json_w_obj_end(json_w_t *w);
void json_w_arr_begin(json_w_t *w);
void json_w_arr_end(json_w_t *w);
void json_w_key(json_w_t *w, str_t key);
void json_w_str(json_w_t *w, str_t s);
void json_w_int(json_w_t *w, int64_t i);
void json_w_double(json_w_t *w, double d); /* NaN/Infinity as AWS strings */
void json_w_bool(json_w_t *w, bool b);
void json_w_null(json_w_t *w);
void json_w_raw(json_w_t *w, str_t text); /* an already-encoded JSON value */
/* Writes a parsed value back out, numbers exactly as they were written (policy
 * documents, event payloads and attributes are echoed as AWS received them). */
void json_w_value(json_w_t *w, const json_t *j);
/* Appends s as a quoted JSON string (escaping as RFC 8259 requires). */
void json_write_string(buf_t *b, str_t s);

/* A value tree as plain JSON and back, for a service that keeps a request's
 * structure as it came (structures and maps as objects, times as
 * microseconds, blobs as base64 strings, as DynamoDB JSON has them);
 * val_from_json makes objects structures (and a NULL j a null). Both
 * allocate in arena a; val_json_write appends to a writer. */
str_t val_json_text(arena_t *a, const val_t *v);
void val_json_write(json_w_t *w, const val_t *v);
val_t *val_from_json(arena_t *a, const json_t *j);

#endif
