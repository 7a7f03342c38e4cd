/* expr_params.h — the expression parameters of DynamoDB requests
 * (ExpressionAttributeNames/Values, condition, update, projection, and their
 * legacy forms) checked as AWS checks them and parsed with ddb.h, shared by
 * item.c, query.c and batch.c. Each function fails the request itself. */
#ifndef GR_SERVICES_DYNAMODB_EXPR_PARAMS_H
#define GR_SERVICES_DYNAMODB_EXPR_PARAMS_H

#include "core/req.h"
#include "services/dynamodb/ddb.h"

/* Sets up c from in. exprs/legacy: NULL-terminated lists of the expression
 * and legacy parameter names the operation has. */
int ddb__ctx_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, const char *const *exprs, const char *const *legacy);
/* After every expression is parsed: unused names/values are an error. */
int ddb__ctx_finish_or_fail(req_t *r, ddb_ctx_t *c);

/* PutItem/DeleteItem: ConditionExpression or Expected (*cond NULL if none). */
int ddb__cond_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond);
/* GetItem: ProjectionExpression or AttributesToGet. */
int ddb__proj_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_proj_t *p, bool *has);
/* UpdateItem: UpdateExpression or AttributeUpdates, and the condition. */
int ddb__update_params_or_fail(req_t *r, const val_t *in, ddb_ctx_t *c, ddb_cond_t **cond, ddb_update_t **u);

#endif
