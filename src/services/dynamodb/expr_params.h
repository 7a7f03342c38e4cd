/* expr_params.h — the expression parameters of DynamoDB requests
 * (ExpressionAttributeNames/Values, condition, update, projection, and their
 * legacy forms) checked as AWS checks them and parsed with ddb.h, shared by
 * item.c, query.c and batch.c. Each function fails the request itself. */
#ifndef GR_SERVICES_DYNAMODB_EXPR_PARAMS_H
#define GR_SERVICES_DYNAMODB_EXPR_PARAMS_H

#include "core/req.h"
#include "services/dynamodb/ddb.h"
#include "services/dynamodb/tbl.h"

/* Which expression and legacy parameters a request has. */
typedef enum { DDB_XP_COND, DDB_XP_UPDATE, DDB_XP_PROJ, DDB_XP_QUERY, DDB_XP_SCAN } ddb_xp_t;
/* AWS's first check, before any value is validated: expression and legacy
 * parameters not mixed, the attribute maps only with expressions. */
int ddb__expr_mix_or_fail(req_t *r, const val_t *in, ddb_xp_t kind);
/* Sets up c from in and checks the two maps (ddb_ctx_validate). */
int ddb__ctx_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c);
/* After every expression is parsed: unused names/values are an error. */
int ddb__ctx_finish_or_fail(req_t *r, ddb_ctx_t *c);

/* The three below set up c themselves and expect ddb__expr_mix_or_fail done.
 * PutItem/DeleteItem: ConditionExpression or Expected (*cond NULL if none). */
int ddb__cond_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond);
/* GetItem: ProjectionExpression or AttributesToGet. */
int ddb__proj_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_proj_t *p, bool *has);
/* UpdateItem: UpdateExpression or AttributeUpdates, and the condition. */
int ddb__update_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond, ddb_update_t **u);

/* After the table is looked up: no projection, filter or update path may go
 * below a key attribute of the table or an index (any may be NULL). */
int ddb__key_paths_or_fail(req_t *r, const ddb_table_t *t, const ddb_proj_t *p, const ddb_cond_t *cond,
                           const ddb_update_t *u);

#endif
