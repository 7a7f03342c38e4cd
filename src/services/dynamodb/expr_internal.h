/* expr_internal.h — the expression ASTs shared by the DynamoDB expression
 * parser (expr_parse.c), its evaluator (expr_eval.c) and the legacy
 * parameter converter (legacy.c). Operation files see only the opaque types
 * of ddb.h. Invariant: a tree that left a parser has every name and value
 * resolved (paths hold attribute names, operands hold AttributeValues), so
 * evaluation never consults the ExpressionAttribute maps. */
#ifndef GR_SERVICES_DYNAMODB_EXPR_INTERNAL_H
#define GR_SERVICES_DYNAMODB_EXPR_INTERNAL_H

#include "services/dynamodb/ddb.h"

typedef enum {
    DDB__OPD_PATH,
    DDB__OPD_VALUE,
    DDB__OPD_SIZE,          /* size(arg[0]) */
    DDB__OPD_PLUS,          /* arg[0] + arg[1] (update) */
    DDB__OPD_MINUS,         /* arg[0] - arg[1] (update) */
    DDB__OPD_IF_NOT_EXISTS, /* if_not_exists(path arg[0], arg[1]) */
    DDB__OPD_LIST_APPEND,   /* list_append(arg[0], arg[1]) */
    DDB__OPD_FUNC,          /* a condition function seen as an operand (parse time only) */
} ddb__opd_kind_t;

typedef struct ddb__opd {
    ddb__opd_kind_t kind;
    ddb_path_t path;    /* PATH */
    const val_t *value; /* VALUE: the AttributeValue */
    str_t name;         /* VALUE: ":v"; FUNC: the function name */
    struct ddb__opd *arg[2];
    ddb_cond_t *func; /* FUNC: the function as a condition */
} ddb__opd_t;

typedef enum {
    DDB__C_AND,
    DDB__C_OR,
    DDB__C_NOT,
    DDB__C_EQ,
    DDB__C_NE,
    DDB__C_LT,
    DDB__C_LE,
    DDB__C_GT,
    DDB__C_GE,
    DDB__C_BETWEEN,      /* opd[0] BETWEEN opd[1] AND opd[2] */
    DDB__C_IN,           /* opd[0] IN (opd[1..n)) */
    DDB__C_EXISTS,       /* attribute_exists(opd[0]) */
    DDB__C_NOT_EXISTS,   /* attribute_not_exists(opd[0]) */
    DDB__C_TYPE,         /* attribute_type(opd[0], opd[1]) */
    DDB__C_BEGINS,       /* begins_with(opd[0], opd[1]) */
    DDB__C_CONTAINS,     /* contains(opd[0], opd[1]) */
    DDB__C_NOT_CONTAINS, /* legacy NOT_CONTAINS: true when absent */
    DDB__C_TRUE,         /* an empty legacy condition */
} ddb__cond_kind_t;

struct ddb_cond {
    ddb__cond_kind_t kind;
    ddb_cond_t *l, *r; /* AND/OR: both, NOT: l */
    ddb__opd_t **opd;
    size_t n;
};

typedef enum { DDB__U_SET, DDB__U_REMOVE, DDB__U_ADD, DDB__U_DELETE } ddb__act_kind_t;

typedef struct {
    ddb__act_kind_t kind;
    ddb_path_t path;
    ddb__opd_t *val; /* SET: the value expression; ADD/DELETE: a VALUE operand */
    bool legacy;     /* AttributeUpdates: ADD appends lists; AWS's legacy type message */
} ddb__act_t;

struct ddb_update {
    ddb__act_t *act;
    size_t n;
    ddb_path_t *paths; /* act[i].path, for ddb_update_paths */
};

/* One key condition by attribute; the key schema check both key condition
 * forms share. */
typedef ddb_kcpart_t ddb__kc_t;
bool ddb__keycond_resolve(arena_t *a, const ddb__kc_t *kc, size_t n, str_t pk, str_t sk, ddb_keycond_t *out,
                          const char **err);

/* Builders used by legacy.c. */
ddb__opd_t *ddb__opd_path1(arena_t *a, str_t name);
ddb__opd_t *ddb__opd_value(arena_t *a, const val_t *av);
ddb_cond_t *ddb__cond_new(arena_t *a, ddb__cond_kind_t kind, size_t nopd);
ddb_cond_t *ddb__cond_bin(arena_t *a, ddb__cond_kind_t kind, ddb_cond_t *l, ddb_cond_t *r);

#endif
