/* sns.h — what other services call in SNS (public: sns_*). EventBridge
 * targets and S3 event notifications publish to topics through this, never
 * through SNS's tables. Callable from any thread; delivery to subscriptions
 * happens as for a Publish request (fan-out, filter policies, retries). */
#ifndef GR_SERVICES_SNS_SNS_H
#define GR_SERVICES_SNS_SNS_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/str.h"
#include "core/val.h"

struct app;
/* Publishes as Publish would. msg_attrs: SNS MessageAttributes (VAL_MAP name ->
 * {DataType, StringValue|BinaryValue}) or NULL; subject, group_id, dedup_id may
 * be STR_NULL. GR_OK + *msg_id, or GR_ERR + *err (AWS's message). */
int sns_publish_internal(struct app *app, arena_t *a, str_t topic_arn, str_t subject, str_t message,
                         const val_t *msg_attrs, str_t group_id, str_t dedup_id, str_t *msg_id, const char **err);
/* Whether the topic's access policy lets `principal` (ARN or service
 * principal such as "events.amazonaws.com") do `action` with aws:SourceArn. */
bool sns_allows(struct app *app, arena_t *a, str_t topic_arn, str_t principal, const char *action, str_t source_arn);

/* SNS's start hook (registry row): makes the signing key and starts the
 * thread that POSTs to http/https subscriptions. */
int sns_start(struct app *app);
/* Its stop hook: ends and joins those threads before the store closes. */
void sns_stop(struct app *app);

struct req;
/* The registry's precheck: AWS's answers that come before the model's
 * required-member checks (Unsubscribe without SubscriptionArn, a malformed
 * PlatformApplicationArn). */
int sns_precheck(struct req *r, const val_t *in);
/* The registry's resource_tags hook (topic.c): a topic's tags by its ARN,
 * for aws:ResourceTag. */
int sns_resource_tags(struct req *r, str_t resource, const val_t **tags);
/* GET /_gureum/sns/... — the SMS outbox (sms), the email outbox (email), the
 * mobile push outbox (push), the
 * signing certificate (SimpleNotificationService.pem) and the targets of
 * SubscribeURL (confirm) and UnsubscribeURL (unsubscribe); POST
 * sms/opt-out?phoneNumber= opts a number out as a STOP reply would. Fills r->resp;
 * the dispatcher's inspection route calls it for paths under /_gureum/sns/. */
void sns_inspect(struct req *r);

#endif
