/* ddb.h — DynamoDB's data model, shared by the DynamoDB operation files:
 * numbers (38-digit decimals), AttributeValues, the compact item encoding,
 * the order-preserving key encoding, item sizes, and expressions
 * (condition, update, projection, key condition) with their legacy forms.
 *
 * An AttributeValue is the val_t the json protocol parses: a VAL_STRUCT with
 * exactly one member named by its type — "S" (VAL_STR), "N" (VAL_STR holding
 * the decimal text), "B" (VAL_BLOB), "SS"/"NS" (VAL_LIST of VAL_STR),
 * "BS" (VAL_LIST of VAL_BLOB), "M" (VAL_MAP of AttributeValues), "L"
 * (VAL_LIST of AttributeValues), "NULL" and "BOOL" (VAL_BOOL). An item is a
 * VAL_MAP of attribute name -> AttributeValue. Every function allocates from
 * the arena it is given; nothing here touches SQLite or a request. Errors are
 * returned as the message text of AWS's ValidationException (exact wording),
 * allocated in the arena. */
#ifndef GR_SERVICES_DYNAMODB_DDB_H
#define GR_SERVICES_DYNAMODB_DDB_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/policy.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/val.h"

/* ==== Numbers (number.c) ====
 * A DynamoDB number: up to 38 significant decimal digits, magnitude
 * 1E-130 .. 9.9999999999999999999999999999999999999E+125, or zero.
 * Normalized: no leading/trailing zero digits in `digits`, value =
 * (neg ? -1 : 1) * 0.d1d2d3... * 10^exp; zero has ndigits 0. */
typedef struct {
    bool neg;
    uint8_t ndigits;   /* 0..38 */
    int16_t exp;       /* decimal exponent of the leading 0.d1 form */
    uint8_t digit[38]; /* 0..9 each */
} ddb_num_t;

/* Parses AWS number text ("-1.5e3", "  12" is refused). On error returns
 * false and sets *err to AWS's message, e.g. "Attempting to store more than 38
 * significant digits in a Number", "Number overflow. Attempting to store a
 * number with magnitude larger than supported range", "Number underflow. ...". */
/* (a may be NULL; the not-a-number message then omits the text.) */
bool ddb_num_parse(arena_t *a, str_t text, ddb_num_t *out, const char **err);
/* Canonical text as DynamoDB returns it (e.g. "1.5E+3" is returned as "1500"). */
str_t ddb_num_format(arena_t *a, const ddb_num_t *n);
int ddb_num_cmp(const ddb_num_t *x, const ddb_num_t *y);
/* x + y and x - y, exact; false + *err on overflow/too many digits. */
bool ddb_num_add(arena_t *a, const ddb_num_t *x, const ddb_num_t *y, ddb_num_t *out, const char **err);
bool ddb_num_sub(arena_t *a, const ddb_num_t *x, const ddb_num_t *y, ddb_num_t *out, const char **err);

/* ==== AttributeValues and items (value.c) ==== */
typedef enum { DDB_S, DDB_N, DDB_B, DDB_SS, DDB_NS, DDB_BS, DDB_M, DDB_L, DDB_NULL, DDB_BOOL, DDB_BAD } ddb_type_t;
ddb_type_t ddb_type(const val_t *av);                  /* DDB_BAD when not exactly one known member */
const char *ddb_type_name(ddb_type_t t);               /* "S", "N", ... */
const val_t *ddb_inner(const val_t *av);               /* the single member's value */
val_t *ddb_av(arena_t *a, ddb_type_t t, val_t *inner); /* builds {"T": inner} */

/* Validates an AttributeValue as DynamoDB does on input (one type member,
 * numbers parse, sets non-empty and without duplicates, nesting <= 32, NULL
 * only true, ...) and canonicalizes numbers in place. NULL on success, else
 * AWS's message. `where` names the context for messages that need it. */
const char *ddb_validate_av(arena_t *a, val_t *av);
const char *ddb_validate_item(arena_t *a, val_t *item);
/* Deep equality with DynamoDB semantics (numbers by value, sets unordered). */
bool ddb_av_equal(const val_t *x, const val_t *y);
/* Two maps of attribute values (items, keys, an M's contents): the same
 * names, each value equal by ddb_av_equal. */
bool ddb_item_equal(const val_t *x, const val_t *y);
/* Ordering for key types S, N, B (strings and binaries by bytes); <0, 0, >0. */
int ddb_av_cmp(const val_t *x, const val_t *y);
/* Item size in bytes as DynamoDB computes it (names + values). */
size_t ddb_item_size(const val_t *item);
size_t ddb_av_size(const val_t *av);

/* Compact binary encoding of an item for storage, and back. decode returns
 * NULL on corrupt input. */
void ddb_item_encode(arena_t *a, const val_t *item, buf_t *out);
val_t *ddb_item_decode(arena_t *a, str_t bytes);
/* Order-preserving encoding of a key attribute (S, N or B): memcmp order of
 * the encodings equals ddb_av_cmp order of the values. */
void ddb_key_encode(arena_t *a, const val_t *av, buf_t *out);
/* Additive: the encoding of an S or B value without its closing bytes, a byte
 * prefix of the encoding of every value that begins with it (begins_with
 * ranges); for N the same as ddb_key_encode. */
void ddb_key_encode_prefix(arena_t *a, const val_t *av, buf_t *out);

/* ==== Expressions (expr.c) ====
 * Parsed once per request. names/values are ExpressionAttributeNames (VAL_MAP
 * "#n" -> VAL_STR) and ExpressionAttributeValues (VAL_MAP ":v" -> AV); either
 * may be NULL. The parse functions record which names and values they used in
 * the ddb_ctx_t so the caller can report unused ones with AWS's message
 * ("Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"). */
typedef struct ddb_ctx {
    arena_t *a;
    const val_t *names, *values;
    const char **used_names;
    size_t n_used_names, cap_used_names;
    const char **used_values;
    size_t n_used_values, cap_used_values;
} ddb_ctx_t;
void ddb_ctx_init(ddb_ctx_t *c, arena_t *a, const val_t *names, const val_t *values);
/* After all expressions of a request are parsed: AWS's message about unused
 * names or values, or NULL. */
const char *ddb_ctx_unused(ddb_ctx_t *c);
/* Additive: checks the two maps themselves as AWS does before parsing
 * ("ExpressionAttributeNames must not be empty", "... contains invalid key:
 * Syntax error; key: \"a\"", "ExpressionAttributeValues contains invalid
 * value: <reason> for key :v"), validating and canonicalizing every value. */
const char *ddb_ctx_validate(ddb_ctx_t *c);

/* A document path: attribute name, then map keys and list indexes. */
typedef struct ddb_path_elem {
    bool is_index;
    str_t name;
    int64_t index;
} ddb_path_elem_t;
typedef struct ddb_path {
    ddb_path_elem_t *elem;
    size_t n;
} ddb_path_t;
/* The value at path in item, or NULL when absent. */
val_t *ddb_path_get(const val_t *item, const ddb_path_t *p);
str_t ddb_path_str(arena_t *a, const ddb_path_t *p); /* "a.b[1]" for messages */

typedef struct ddb_cond ddb_cond_t;     /* condition / filter expression AST */
typedef struct ddb_update ddb_update_t; /* update expression */
typedef struct ddb_proj {
    ddb_path_t *path;
    size_t n;
} ddb_proj_t;

/* `which` names the parameter in messages ("ConditionExpression",
 * "FilterExpression", "KeyConditionExpression"). NULL + *err on a syntax or
 * semantic error with AWS's message, e.g. "Invalid ConditionExpression:
 * Syntax error; token: \"=\", near: \"a = =\"". */
ddb_cond_t *ddb_cond_parse(ddb_ctx_t *c, str_t text, const char *which, const char **err);
/* Evaluates against item (NULL = no item). 1 true, 0 false, -1 with *err
 * for a runtime error that AWS reports as ValidationException. */
int ddb_cond_eval(ddb_ctx_t *c, const ddb_cond_t *cond, const val_t *item, const char **err);
/* Additive: whether cond uses top-level attribute `name`; *nested (may be
 * NULL) tells whether some use goes below it (a.b, a[0]) — for AWS's key
 * attribute checks on filters. */
bool ddb_cond_refers(const ddb_cond_t *cond, str_t name, bool *nested);

ddb_update_t *ddb_update_parse(ddb_ctx_t *c, str_t text, const char **err);
/* Applies to a copy of item (NULL = new item) and returns the new item, or
 * NULL + *err (e.g. "The provided expression refers to an attribute that does
 * not exist in the item", "An operand in the update expression has an
 * incorrect data type"). Key attributes are checked by the caller using
 * ddb_update_touches(). */
val_t *ddb_update_apply(ddb_ctx_t *c, const ddb_update_t *u, const val_t *item, const char **err);
/* Whether the update sets or removes top-level attribute `name`. */
bool ddb_update_touches(const ddb_update_t *u, str_t name);
/* Additive: the type the update writes to top-level attribute `name` when
 * known before reading the item (a literal, + or -, list_append), else
 * DDB_BAD; and whether any path it writes or reads goes below `name` (AWS's
 * checks of index keys before an UpdateItem reads its item). */
ddb_type_t ddb_update_type_of(const ddb_update_t *u, str_t name);
bool ddb_update_nested(const ddb_update_t *u, str_t name);
/* "AttributeValue: {N:2}" as AWS prints a scalar in its messages (BETWEEN
 * bounds, exclusive start keys). */
const char *ddb__av_brief(arena_t *a, const val_t *av);
/* Whether the update has actions and each only takes away (REMOVE, DELETE):
 * AWS does not create a missing item for such an update. */
bool ddb_update_only_removes(const ddb_update_t *u);
/* The top-level attribute names the update changes (for ReturnValues UPDATED_*). */
size_t ddb_update_paths(const ddb_update_t *u, const ddb_path_t **out);

bool ddb_proj_parse(ddb_ctx_t *c, str_t text, ddb_proj_t *out, const char **err);
/* The projection of item (a new item with only those paths). */
val_t *ddb_proj_apply(arena_t *a, const ddb_proj_t *p, const val_t *item);

/* A key condition, resolved against the key schema: partition key equality
 * and an optional sort key condition. */
typedef enum {
    DDB_KC_NONE,
    DDB_KC_EQ,
    DDB_KC_LT,
    DDB_KC_LE,
    DDB_KC_GT,
    DDB_KC_GE,
    DDB_KC_BETWEEN,
    DDB_KC_BEGINS
} ddb_kc_op_t;
typedef struct {
    const val_t *pk_value;
    ddb_kc_op_t sk_op;
    const val_t *sk_v1, *sk_v2;
    /* Additive, for multi-attribute keys (ddb_kcs_resolve_keys): every
     * partition key attribute's value in schema order (pk_value is the
     * first), the equality values of the sort key attributes before the one
     * sk_op constrains, and that attribute's name. */
    const val_t *hash_v[4], *sort_eq[4];
    size_t nhash_v, nsort_eq;
    str_t sk_attr;
} ddb_keycond_t;
/* pk/sk are the key schema's attribute names (sk STR_NULL for hash-only). */
bool ddb_keycond_parse(ddb_ctx_t *c, str_t text, str_t pk, str_t sk, ddb_keycond_t *out, const char **err);

/* Additive: key conditions in AWS's two steps. Before the table is looked
 * up: a KeyConditionExpression parsed (ddb_kcs_parse, names and values
 * marked used), then split into one condition per attribute with the checks
 * that need no key schema (ddb_kcs_split: "Invalid operator used in
 * KeyConditionExpression: OR", ...); legacy KeyConditions likewise
 * (ddb_legacy_kcs). After: ddb_kcs_resolve against the key schema of the
 * table or index ("Query condition missed key schema element: a", "One or
 * more parameter values were invalid: Condition parameter type does not
 * match schema type", ...); `each` (may be NULL) is called first for each
 * key attribute, hash key first, and its message, if any, is the answer. */
typedef struct {
    str_t attr;
    ddb_kc_op_t op; /* DDB_KC_NONE: a legacy operator no index can serve */
    const val_t *v1, *v2;
} ddb_kcpart_t;
typedef struct {
    ddb_cond_t *cond; /* the parsed expression (ddb_kcs_parse) */
    ddb_kcpart_t part[8];
    size_t n;
} ddb_kcs_t;
bool ddb_kcs_parse(ddb_ctx_t *c, str_t text, ddb_kcs_t *out, const char **err);
bool ddb_kcs_split(ddb_ctx_t *c, ddb_kcs_t *k, const char **err);
bool ddb_legacy_kcs(ddb_ctx_t *c, const val_t *kc, ddb_kcs_t *out, const char **err);
bool ddb_kcs_resolve(arena_t *a, const ddb_kcs_t *k, str_t pk, ddb_type_t pkt, str_t sk, ddb_type_t skt,
                     const char *(*each)(void *arg, str_t name, ddb_type_t want), void *arg, ddb_keycond_t *out,
                     const char **err);
/* The same against a key of nkey attributes (up to four partition key ones,
 * nhash, then up to four sort key ones), as a multi-attribute GSI has. */
bool ddb_kcs_resolve_keys(arena_t *a, const ddb_kcs_t *k, const str_t *key, const ddb_type_t *keyt, size_t nkey,
                          size_t nhash, const char *(*each)(void *arg, str_t name, ddb_type_t want), void *arg,
                          ddb_keycond_t *out, const char **err);

/* ==== Legacy parameters (legacy.c) ====
 * Expected + ConditionalOperator, QueryFilter/ScanFilter, AttributeUpdates,
 * AttributesToGet and KeyConditions, turned into the same ASTs; `which` as
 * above. Mixing a legacy parameter with its expression form is refused by the
 * caller with AWS's message. */
ddb_cond_t *ddb_legacy_expected(ddb_ctx_t *c, const val_t *expected, str_t op, const char **err);
ddb_cond_t *ddb_legacy_filter(ddb_ctx_t *c, const val_t *filter, str_t op, const char *which, const char **err);
ddb_update_t *ddb_legacy_updates(ddb_ctx_t *c, const val_t *attribute_updates, const char **err);
bool ddb_legacy_attrs_to_get(ddb_ctx_t *c, const val_t *attrs, ddb_proj_t *out);
/* AWS's message for an empty name in AttributesToGet or a repeated one
 * ("One or more parameter values were invalid: Duplicate value in attribute
 * name: a"), or NULL; ddb_legacy_attrs_to_get returns false in that case. */
const char *ddb_legacy_attrs_check(ddb_ctx_t *c, const val_t *attrs);
bool ddb_legacy_key_conditions(ddb_ctx_t *c, const val_t *kc, str_t pk, str_t sk, ddb_keycond_t *out, const char **err);

/* ==== Background work (ttl.c) ====
 * The registry's tick hook: deletes expired TTL items of every table, a
 * bounded batch per table, and stream records past 24 hours, on the ticker
 * thread (services/ticker.h). */
struct app;
unsigned ddb_tick(struct app *app);

/* ==== Before validation (table.c) ====
 * The registry's precheck hook: what DynamoDB answers before the model's
 * validation and IAM (a missing TableName of a table operation, a missing or
 * malformed ResourceArn of the tag operations). GR_ERR fails the request. */
struct req;
/* The registry's resource_tags hook (table.c): the tags of a table, or of
 * the table of an index or stream ARN, for aws:ResourceTag. */
int ddb_resource_tags(struct req *r, str_t resource, const val_t **tags);
int ddb_precheck(struct req *r, const val_t *in);

/* The registry's resource_grant hook (policy.c): the verdict of the policies
 * of the tables a request names, on their own, by AWS's same-account rule;
 * every table must allow. */
policy_result_t ddb_resource_grant(struct req *r, str_t action, str_t resource, const policy_t *session,
                                   const policy_t *boundary);

/* The registry edge's headers hook (table.c): AWS (DynamoDB, dynalite's
 * suite) answers a request with an Origin header with
 * Access-Control-Allow-Origin: *, and with "application/json" unless the
 * request was "application/x-amz-json-1.0". */
void ddb_http_headers(struct req *r);
/* The registry's answered hook of DynamoDB and its Streams (metrics.c):
 * counts the answer in AWS/DynamoDB's request metrics. */
void ddb_answered(struct req *r);

#endif
