/* val.h — the protocol-neutral value tree that flows between layers.
 *
 * The protocol layer parses a request into a val_t shaped by the operation's
 * input shape (structures keyed by AWS member names, lists, maps, scalars),
 * the service reads it and fills an output val_t, and the protocol layer
 * serializes that by the output shape. A service therefore never sees XML,
 * JSON or query strings, and the wire details live in one place.
 *
 * All values live in a request arena; nothing here frees. Struct members keep
 * insertion order; val_set replaces a member of the same name. */
#ifndef GR_CORE_VAL_H
#define GR_CORE_VAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

typedef enum {
    VAL_NULL,   /* JSON null / absent-but-present */
    VAL_STRUCT, /* members by AWS member name */
    VAL_MAP,    /* string keys */
    VAL_LIST,
    VAL_STR,   /* string and enum */
    VAL_INT,   /* integer and long */
    VAL_FLOAT, /* float and double */
    VAL_BOOL,
    VAL_BLOB, /* raw bytes (already base64-decoded) */
    VAL_TIME, /* microseconds since the Unix epoch, UTC */
} val_kind_t;

typedef struct val val_t;
typedef struct {
    str_t key;
    val_t *v;
} val_entry_t;

struct val {
    val_kind_t kind;
    union {
        str_t s;   /* STR, BLOB */
        int64_t i; /* INT */
        double f;  /* FLOAT */
        bool b;    /* BOOL */
        int64_t t; /* TIME, microseconds */
        struct {
            val_entry_t *e;
            size_t n, cap;
        } obj; /* STRUCT, MAP */
        struct {
            val_t **v;
            size_t n, cap;
        } list; /* LIST */
    } u;
};

val_t *val_new(arena_t *a, val_kind_t kind);
val_t *val_str(arena_t *a, str_t s); /* copies nothing: s must outlive the value */
val_t *val_cstr(arena_t *a, const char *s);
val_t *val_strdup(arena_t *a, str_t s); /* copies s into the arena */
val_t *val_int(arena_t *a, int64_t i);
val_t *val_float(arena_t *a, double f);
val_t *val_bool(arena_t *a, bool b);
val_t *val_blob(arena_t *a, str_t bytes);
val_t *val_time(arena_t *a, int64_t us);

/* Struct/map member access. val_set replaces an existing key (struct) or
 * appends (both); returns GR_ERR when out of memory. */
int val_set(arena_t *a, val_t *obj, str_t key, val_t *v);
int val_set_c(arena_t *a, val_t *obj, const char *key, val_t *v);
val_t *val_get(const val_t *obj, const char *key);
val_t *val_get_s(const val_t *obj, str_t key);
/* Typed getters: STR_NULL / def when absent or of another kind. */
str_t val_get_str(const val_t *obj, const char *key);
int64_t val_get_int(const val_t *obj, const char *key, int64_t def);
bool val_get_bool(const val_t *obj, const char *key, bool def);
int val_push(arena_t *a, val_t *list, val_t *v);
size_t val_len(const val_t *v); /* members, entries or elements */

/* A deep copy of v in a, strings and bytes included (NULL when out of
 * memory): a tree kept across requests handed to one of them. */
val_t *val_copy(arena_t *a, const val_t *v);

/* Deep equality, used by tests and the fuzz replay. Floats compare exactly. */
bool val_equal(const val_t *x, const val_t *y);

#endif
