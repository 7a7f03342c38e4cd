/* lambda.h — what other services call in Lambda (public: lambda_*): SNS
 * subscriptions, EventBridge targets, S3 event notifications and CloudWatch
 * Logs subscription filters invoke functions through this. Callable from
 * any thread; returns at once. */
#ifndef GR_SERVICES_LAMBDA_LAMBDA_H
#define GR_SERVICES_LAMBDA_LAMBDA_H

#include "core/arena.h"
#include "core/str.h"

struct app;
/* Queues an asynchronous (InvocationType=Event) invocation of function_arn
 * (unqualified, version- or alias-qualified) with payload (JSON text),
 * checked against the function's resource policy for `principal` (a service
 * principal such as "sns.amazonaws.com") and source_arn, as AWS does.
 * Retries, destinations and DLQ as for Invoke with Event. GR_OK, or GR_ERR +
 * *err (no such function, denied by policy, payload too large). */
int lambda_invoke_event(struct app *app, arena_t *a, str_t function_arn, str_t payload, str_t principal,
                        str_t source_arn, const char **err);
/* Whether principal may invoke function_arn from source_arn (the function
 * exists and its resource policy allows it), without invoking it: a
 * subscription checks its destination when it is made. GR_OK, or GR_ERR +
 * *err as lambda_invoke_event's. */
int lambda_may_invoke(struct app *app, arena_t *a, str_t function_arn, str_t principal, str_t source_arn,
                      const char **err);

/* The registry's start hook: resumes polling SQS event source mappings
 * made before a restart. GR_OK. */
int lambda_start(struct app *app);
/* The registry's stop hook: ends the poller and the function runtime (every
 * function process is killed); nothing of Lambda touches the store after. */
void lambda_stop(struct app *app);

/* GET /_gureum/lambda/code/<sha256 hex>.zip: a function's zip (the URL
 * GetFunction answers as Code.Location). Fills r->resp; 404 when unknown. */
struct req;
void lambda_inspect(struct req *r);
/* A request to a function URL (Host URLID.lambda-url.REGION.localhost, see
 * route.h): authorizes it by the URL's AuthType and invokes the function
 * with it as AWS's payload format 2.0 event (url.c). GR_OK with r->resp the
 * answer (refusals, CORS preflight), or GR_AGAIN: the function runs, and
 * dispatch_answer sends its response. */
/* The registry's resource_tags hook (function.c): a function's tags by its
 * ARN (qualified or not), for aws:ResourceTag. */
int lambda_resource_tags(struct req *r, str_t resource, const val_t **tags);
int lambda_url_serve(struct req *r, str_t url_id);
/* The registry's edge hook: a last look at an answer's headers (Invoke's
 * Content-Type). */
void lambda_http_headers(struct req *r);

#endif
