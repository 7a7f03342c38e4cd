/* cbor.h — a strict CBOR (RFC 8949) decoder into a tree, and an encoder.
 *
 * Generic (in core) like json.h: the smithy-rpc-v2-cbor protocol
 * (protocol/rpcv2.c) decodes request bodies with cbor_decode and converts the
 * tree to a val_t by the input shape, and writes responses with cbor_w_*.
 * The decoder is strict and bounded: well-formedness as RFC 8949 §3 defines
 * it (no reserved additional information, no stray break, indefinite strings
 * made of definite chunks of their own major type), valid UTF-8 in text
 * strings, depth <= CBOR_MAX_DEPTH, no length beyond the input and no bytes
 * after the one data item; so a hostile body fails cleanly. Every node lives
 * in the arena. */
#ifndef GR_CORE_CBOR_H
#define GR_CORE_CBOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

#define CBOR_MAX_DEPTH 128

typedef enum {
    CBOR_UINT,  /* major 0: u.u */
    CBOR_NINT,  /* major 1: the value is -1 - u.u */
    CBOR_BYTES, /* major 2: u.s (chunks of an indefinite string joined) */
    CBOR_TEXT,  /* major 3: u.s, valid UTF-8, NUL-terminated */
    CBOR_ARRAY, /* major 4 */
    CBOR_MAP,   /* major 5 */
    CBOR_TAG,   /* major 6: u.tag */
    CBOR_FALSE, /* major 7, simple values 20..23 */
    CBOR_TRUE,
    CBOR_NULL,
    CBOR_UNDEFINED,
    CBOR_FLOAT, /* major 7, half, single or double precision: u.f */
} cbor_type_t;

typedef struct cbor cbor_t;
struct cbor {
    cbor_type_t type;
    union {
        uint64_t u;
        double f;
        str_t s;
        struct {
            cbor_t **v;
            size_t n;
        } arr;
        struct {
            cbor_t **k, **v;
            size_t n;
        } map;
        struct {
            uint64_t num;
            cbor_t *item;
        } tag;
    } u;
};

/* Decodes the one data item `in` holds. NULL on error with *err (if given)
 * set to a message in the arena naming the byte offset. */
cbor_t *cbor_decode(arena_t *a, str_t in, const char **err);
/* The value of the map entry whose key is the text `key`, or NULL. */
const cbor_t *cbor_get(const cbor_t *map, const char *key);
/* "unsigned integer", "text string", "map", …, for messages. */
const char *cbor_type_name(cbor_type_t t);

/* ==== encoder: appends to a buffer (its failed flag reports memory) ==== */
/* The head of a data item: major type and argument in the shortest form
 * (RFC 8949 §4.2.1, preferred serialization). */
void cbor_w_head(buf_t *b, unsigned major, uint64_t arg);
void cbor_w_int(buf_t *b, int64_t i);
void cbor_w_text(buf_t *b, str_t s);
void cbor_w_bytes(buf_t *b, str_t s);
void cbor_w_array(buf_t *b, uint64_t n); /* n items follow */
void cbor_w_map(buf_t *b, uint64_t n);   /* n key/value pairs follow */
void cbor_w_tag(buf_t *b, uint64_t tag); /* one item follows */
void cbor_w_bool(buf_t *b, bool v);
void cbor_w_null(buf_t *b);
/* A double in the shortest of half, single or double precision that keeps
 * its value exactly (NaN as the half-precision quiet NaN 0xf97e00). */
void cbor_w_double(buf_t *b, double d);

#endif
