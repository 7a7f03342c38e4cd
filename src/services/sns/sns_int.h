/* sns_int.h — what the SNS files share (sns__*): the topic and subscription
 * records handlers load, the filter policy language (filter.c), message
 * data protection (protect.c), fan-out of a published message (publish.c),
 * the HTTP delivery threads and message signing (delivery.c), and the
 * outboxes (sms.c).
 *
 * Topics and subscriptions live in this thread's SNS database (schema/). A
 * topic is identified by its ARN; a subscription by its ARN (topic ARN + ":"
 * + uuid). Times are wall-clock milliseconds (time_now_us, fakeable). */
#ifndef GR_SERVICES_SNS_SNS_INT_H
#define GR_SERVICES_SNS_SNS_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/json.h"
#include "core/req.h"
#include "services/sns/sns.h"

struct app;

typedef struct {
    int64_t id;
    str_t account, region, name, arn;
    bool fifo, content_dedup;
    bool group_dedup;      /* FifoThroughputScope MessageGroup: deduplication per message group */
    str_t policy;          /* Policy attribute, or STR_NULL for the default document */
    str_t delivery_policy; /* DeliveryPolicy, or STR_NULL */
    str_t data_protection; /* the message data protection policy, or STR_NULL */
    int sig_version;       /* SignatureVersion: 1 (SHA1withRSA) or 2 (SHA256withRSA) */
    int64_t created_ms;
} sns_topic_t;

typedef struct {
    int64_t id;
    str_t arn, owner, protocol, endpoint, token;
    bool confirmed, raw;
    str_t filter_policy; /* FilterPolicy, or STR_NULL */
    bool body_scope;     /* FilterPolicyScope MessageBody */
    str_t dlq_arn;       /* RedrivePolicy.deadLetterTargetArn, or STR_NULL */
    str_t delivery_policy;
    str_t principal; /* SubscriptionPrincipal: who subscribed */
} sns_sub_t;

sqlite3 *sns__db(struct app *app);
int64_t sns__now_ms(void);
void sns__bind(sqlite3_stmt *st, int i, str_t s);
/* The same for an optional value: SQL NULL when s is empty. */
void sns__bind_opt(sqlite3_stmt *st, int i, str_t s);
/* Ends the transaction a handler opened with BEGIN IMMEDIATE: commits when
 * rc is GR_OK, rolls back otherwise or when the commit fails. Returns rc,
 * or GR_ERR when the commit failed. */
int sns__end(sqlite3 *db, int rc);
/* Runs each of the n statements with ?1 bound to id, stopping at the first
 * that fails (GR_ERR). */
int sns__exec_each(sqlite3 *db, const char *const *sql, size_t n, int64_t id);
/* List pages. AWS: a list answers 100 entries a page (SNS_PAGE; the SMS
 * sandbox numbers take MaxResults). Ours are the rows after the key in the
 * token (the last key shown: a row id, or a phone number), in key order; the
 * queries ask for one row more, which says that another page follows. */
#define SNS_PAGE 100
/* Adds the entry of the current row of st to list. */
typedef void sns_row_fn(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list);
/* The id the request's page starts after (0 without a NextToken); fails r
 * with "Invalid parameter: NextToken" when the token is no id. */
int sns__page_after_or_fail(req_t *r, int64_t *after);
/* Steps st (the key in column 0) through row() for up to max rows into the
 * list out.<member>, and sets out.<token> to the last key shown when a row
 * is left. Releases st. */
void sns__page(arena_t *a, sqlite3 *db, sqlite3_stmt *st, int64_t max, val_t *out, const char *member,
               const char *token, sns_row_fn *row);
/* "arn:aws:sns:REGION:ACCOUNT:NAME" split; false when s is not a topic ARN. */
bool sns__parse_topic_arn(str_t s, str_t *region, str_t *account, str_t *name);
/* Fails r with AWS's "An ARN must have at least 6 elements" when arn has
 * fewer than six ':'-separated elements; GR_OK otherwise. */
int sns__arn_or_fail(req_t *r, str_t arn, const char *param);
/* The account of an ARN ("arn:aws:iam::ACCOUNT:...", an STS or service
 * ARN alike), else STR_NULL. */
str_t sns__arn_account(str_t arn);
/* Loads a topic by ARN: GR_OK, or GR_ERR when absent (or on a database error). */
int sns__topic_load(sqlite3 *db, arena_t *a, str_t arn, sns_topic_t *t);
/* The same for a request: fails r with InvalidParameter (bad ARN, other
 * region) or NotFound "Topic does not exist". */
int sns__topic_or_fail(req_t *r, sqlite3 *db, str_t arn, const char *param, sns_topic_t *t);
/* The default access policy AWS gives a topic (arena text). */
str_t sns__default_policy(arena_t *a, str_t arn, str_t account);
/* The effective delivery policy: the topic's own merged over AWS's defaults. */
str_t sns__effective_delivery_policy(arena_t *a, str_t own);
/* An http/https subscription's EffectiveDeliveryPolicy as GetSubscriptionAttributes shows it. */
str_t sns__sub_effective_policy(arena_t *a, str_t sub_policy, str_t topic_policy);
/* The retry schedule of a subscription (numRetries, min/maxDelayTarget seconds). */
void sns__retry_policy(arena_t *a, str_t sub_policy, str_t topic_policy, int *retries, int *min_delay, int *max_delay);
/* The Content-Type of HTTP deliveries under a delivery policy (either form). */
str_t sns__content_type(arena_t *a, str_t policy);
/* The columns sns__sub_load reads, for "SELECT " SNS_SUB_COLS " FROM subscription ...". */
#define SNS_SUB_COLS "id, arn, owner, protocol, endpoint, confirmed, token"
/* Loads a subscription from a row of SNS_SUB_COLS, with its attributes. */
int sns__sub_load(sqlite3 *db, arena_t *a, sqlite3_stmt *row, sns_sub_t *s);
/* Confirms the pending subscription that has token, in topic_arn's region:
 * GR_OK and *sub_arn, or GR_ERR with AWS's message in *why (or a database
 * error). */
int sns__confirm(sqlite3 *db, arena_t *a, str_t topic_arn, str_t token, bool authenticated, str_t *sub_arn,
                 const char **why);
/* Deletes a subscription by ARN; GR_ERR when there is none. */
int sns__unsubscribe(sqlite3 *db, str_t sub_arn);
/* Where this server is reached (for SubscribeURL, UnsubscribeURL, SigningCertURL). */
str_t sns__base_url(struct app *app, arena_t *a);

/* ==== Filter policies (filter.c) ==== */
/* Validates a FilterPolicy document for the scope; GR_ERR with AWS's message
 * (after `prefix`, "Invalid parameter: " or "Invalid parameter: Attributes
 * Reason: ") in *err. */
int sns__filter_validate(arena_t *a, str_t policy, bool body_scope, const char *prefix, const char **err);
/* Whether a message passes the policy: against its MessageAttributes (VAL_MAP
 * name → {DataType, StringValue|BinaryValue}) or its body parsed as JSON. */
bool sns__filter_match(arena_t *a, str_t policy, bool body_scope, const val_t *attrs, str_t message);

/* ==== Message data protection (protect.c) ==== */
typedef struct sns_dp sns_dp_t;
/* Why AWS (or gureum: an identifier it does not detect, a Firehose
 * destination) refuses a data protection policy document, or NULL when it
 * is one gureum stores and enforces. */
const char *sns__dp_reason(arena_t *a, str_t text);
/* A topic's policy compiled for enforcing (in a); NULL without one. */
sns_dp_t *sns__dp_load(arena_t *a, str_t text);

/* A topic attribute kept in topic_attr (topic.c), STR_NULL when unset. */
str_t sns__topic_attr(sqlite3 *db, arena_t *a, int64_t tid, const char *name);

/* ==== Publishing (publish.c) ==== */
/* One observation of an AWS/SNS metric of the topic topic_arn (dimension
 * TopicName), counted in memory and published by the ticker
 * (services/pubmetrics.h). Any thread. */
void sns__metric(struct app *app, str_t topic_arn, const char *metric, const char *unit, double value);
typedef struct {
    str_t msg_id, subject, message, group_id, dedup_id, seq;
    str_t structure;    /* MessageStructure "json": message holds per-protocol texts */
    const val_t *attrs; /* MessageAttributes or NULL */
    int64_t time_us;
    str_t publisher; /* the publishing account */
} sns_msg_t;
/* Delivery status logging (status.c): records the delivery of m to s (ok,
 * the endpoint's status code and response) in the topic's CloudWatch Logs
 * groups when its <Protocol>Success/FailureFeedbackRoleArn ask for it. */
void sns__delivery_status(struct app *app, arena_t *a, sqlite3 *db, const sns_topic_t *t, const sns_sub_t *s,
                          const sns_msg_t *m, bool ok, int status, str_t response);
/* Delivers m to every confirmed subscription of t whose filter lets it pass
 * and whose outbound data protection (dp, NULL for none) does not deny it. */
void sns__fan_out(struct app *app, arena_t *a, sqlite3 *db, const sns_topic_t *t, const sns_dp_t *dp,
                  const sns_msg_t *m);
/* The Inbound statements of dp (NULL: none) on m, published by publisher:
 * Audit reports written, then false with *found (the identifiers found)
 * when a Deny statement refuses it, else true with m->message
 * de-identified. */
bool sns__dp_inbound(struct app *app, arena_t *a, const sns_dp_t *dp, const sns_topic_t *t, str_t publisher,
                     sns_msg_t *m, str_t *found);
/* The Outbound statements of dp on m for subscription s: false when the
 * delivery is denied, else true with m->message de-identified for s. */
bool sns__dp_outbound(arena_t *a, const sns_dp_t *dp, const sns_sub_t *s, sns_msg_t *m);
/* The per-protocol text of m (MessageStructure json picks the protocol's member). */
str_t sns__message_for(arena_t *a, const sns_msg_t *m, str_t protocol);
/* The JSON notification document AWS posts or enqueues (signed). */
str_t sns__notification_json(struct app *app, arena_t *a, const sns_topic_t *t, const sns_sub_t *s, const sns_msg_t *m,
                             bool pretty);

/* ==== HTTP delivery and signing (delivery.c) ==== */
/* Queues one POST to url (retried per the delivery policy); copies everything. */
void sns__http_post(struct app *app, str_t url, str_t type, str_t msg_id, str_t topic_arn, str_t sub_arn, str_t body,
                    bool raw, str_t delivery_policy, str_t dlq_arn);
/* Base64 of the signature of text with the server's key: SHA1withRSA (v1) or
 * SHA256withRSA (v2). STR_NULL when there is no key. */
str_t sns__sign(arena_t *a, str_t text, int version);
/* The PEM certificate of the signing key (static, or NULL before start). */
const char *sns__cert_pem(void);
/* The signed SubscriptionConfirmation document (JSON) for a pending
 * subscription of t; *msg_id is its MessageId. */
str_t sns__confirmation_json(struct app *app, arena_t *a, const sns_topic_t *t, str_t token, str_t *msg_id);
/* Sends a SubscriptionConfirmation to a new http(s) subscription. */
void sns__send_confirmation(struct app *app, arena_t *a, const sns_topic_t *t, str_t sub_arn, str_t endpoint,
                            str_t token);

/* ==== Mobile push (platform.c) ==== */
typedef struct {
    int64_t id;
    str_t arn, token, platform, account, region;
    bool enabled;
    str_t enabled_text; /* the Enabled attribute as set */
    str_t custom_data;  /* CustomUserData, or STR_NULL */
} sns_endpoint_t;
/* Loads a platform endpoint by ARN: GR_OK, or GR_ERR when absent. */
int sns__endpoint_load(sqlite3 *db, arena_t *a, str_t arn, sns_endpoint_t *e);
/* Commits one push notification to the outbox (GET /_gureum/sns/push). */
int sns__push_send(sqlite3 *db, const sns_endpoint_t *e, str_t message, str_t msg_id, str_t topic_arn);

/* ==== Outboxes (sms.c) ==== */
/* Stores an SMS as sent; GR_ERR with *err when the number is opted out or invalid. */
int sns__sms_send(struct app *app, arena_t *a, sqlite3 *db, str_t account, str_t region, str_t phone, str_t message,
                  const val_t *attrs, str_t msg_id, str_t topic_arn, const char **err);
bool sns__e164(str_t phone);
/* Whether the account opted the number out (a STOP reply). */
bool sns__opted_out(sqlite3 *db, str_t account, str_t region, str_t phone);
/* The number an sms subscription endpoint names (digit groups joined), or
 * STR_NULL when AWS would refuse the endpoint. */
str_t sns__sms_number(arena_t *a, str_t endpoint);
int sns__email_send(sqlite3 *db, str_t account, str_t region, str_t address, str_t subject, str_t body, str_t kind,
                    str_t topic_arn, str_t msg_id);

#endif
