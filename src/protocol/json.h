/* json.h — a strict JSON (RFC 8259) parser into a tree, and a streaming writer.
 *
 * The json and rest-json protocols parse request bodies with json_parse and
 * convert the tree to a val_t by the input shape (jsonproto.c); responses are
 * written with json_w_* straight into the response buffer. The parser is
 * strict (no trailing commas, comments, NaN literals, control characters or
 * invalid UTF-8) and bounded (depth <= JSON_MAX_DEPTH), so hostile bodies fail
 * cleanly; every node lives in the request arena. */
#ifndef GR_PROTOCOL_JSON_H
#define GR_PROTOCOL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/val.h"
#include "protocol/proto.h"

#define JSON_MAX_DEPTH 64

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
/* Appends s as a quoted JSON string (escaping as RFC 8259 requires). */
void json_write_string(buf_t *b, str_t s);

/* ==== protocol glue shared by jsonproto.c and restjson.c ==== */
/* Converts a parsed JSON value to a val_t by shape; GR_ERR fills fail with a
 * SerializationException-style message. path names the member for messages. */
int proto__json_to_val(const shape_t *s, const member_t *mb, const json_t *j, arena_t *a, val_t **out,
                       proto_fail_t *fail, const char *path);
/* Reads the members of structure s present in JSON object j into `in` (only
 * body members when body_only). */
int proto__json_read_struct(const shape_t *s, const json_t *j, arena_t *a, val_t *in, bool body_only,
                            proto_fail_t *fail, const char *path);
/* Writes v by shape s (NULL s: by v's own kinds). body_only: skip members
 * bound to headers, URI or status code (rest-json). */
void proto__json_write_val(json_w_t *w, const shape_t *s, const member_t *mb, const val_t *v, bool body_only);
/* The error body and headers shared by json and rest-json. */
str_t proto__crc32_text(arena_t *a, str_t body);

#endif
