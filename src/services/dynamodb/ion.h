/* ion.h — the Amazon Ion text subset DynamoDB's exports write and its
 * imports read (Developer Guide, "DynamoDB table export output format" →
 * Amazon Ion; "Import format quotas and validation" → Ion). export.c writes
 * items with ddb_ion_write_item; import.c reads an object's text value by
 * value with ddb_ion_read and turns a record into an item with
 * ddb_ion_item. The mapping is AWS's: S ↔ string, N ↔ decimal (an Ion int
 * or float is read as a number too), B ↔ blob, BOOL ↔ bool, NULL ↔ null,
 * SS/NS/BS ↔ a list annotated $dynamodb_SS / $dynamodb_NS / $dynamodb_BS,
 * M ↔ struct, L ↔ list. Nothing here touches a request or SQLite; all
 * memory comes from the arena given. */
#ifndef GR_SERVICES_DYNAMODB_ION_H
#define GR_SERVICES_DYNAMODB_ION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/val.h"

typedef enum {
    ION_NULL,    /* text: the type of a typed null ("null.string"), empty for null / null.null */
    ION_BOOL,    /* b */
    ION_INT,     /* text: as written ("1_000", "0x1f") */
    ION_DECIMAL, /* text: as written ("103.", "6d2", "1.5") */
    ION_FLOAT,   /* text: as written ("1.5e3", "nan", "+inf") */
    ION_STRING,  /* text: the string, unescaped (long strings joined) */
    ION_SYMBOL,  /* text: the symbol, unescaped */
    ION_BLOB,    /* text: the bytes, decoded */
    ION_LIST,    /* v[n] */
    ION_STRUCT,  /* k[n] field names, v[n] values */
    ION_OTHER    /* a timestamp or clob: valid Ion, but no DynamoDB type */
} ion_type_t;

typedef struct ion {
    ion_type_t type;
    str_t annot; /* the first annotation ("$dynamodb_SS"), STR_NULL when none */
    size_t nannot;
    str_t text;
    bool b;
    str_t *k;
    struct ion **v;
    size_t n;
} ion_t;

/* The next top-level value of s from *at (whitespace, comments and the
 * $ion_1_0 version marker skipped), *at moved past it: 1 and *out, 0 at the
 * end of the text, -1 with *err when the text is not Ion there (*at then
 * points past the rest of the text: what follows cannot be trusted). */
int ddb_ion_read(arena_t *a, str_t s, size_t *at, ion_t **out, const char **err);

/* A record {Item: {...}} as an item (a VAL_MAP of AttributeValues), or NULL
 * and *err when it is not one. Values are checked after, by
 * ddb_validate_item, as a PutItem's are. */
val_t *ddb_ion_item(arena_t *a, const ion_t *rec, const char **err);

/* An AttributeValue / an item (a map of them) as Ion text, appended to b. */
void ddb_ion_write_av(buf_t *b, const val_t *av);
void ddb_ion_write_item(buf_t *b, const val_t *item);
/* A DynamoDB number's text as AWS's exports write it as an Ion decimal:
 * "103.", "6d2", "1.5", "0.001", "1d-10". */
void ddb_ion_write_number(buf_t *b, str_t n);

#endif
