/* registry.h — the one table of the AWS services gureum serves.
 *
 * One row per service: its generated model (operations, shapes, errors), the
 * error code its protocol uses for input validation failures, and optional
 * start, stop and tick hooks (tick: periodic work on the ticker thread,
 * services/ticker.h). Route finds a service here by signing name, target
 * prefix or host; the dispatcher by row. Adding a service is one row here,
 * its folder under src/services/, and its .ops list. */
#ifndef GR_SERVICES_REGISTRY_H
#define GR_SERVICES_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/policy.h"
#include "core/err.h"
#include "core/str.h"
#include "protocol/model.h"

struct app;
struct req;

/* Where a service answers at the HTTP and signature level in a way of its
 * own rather than its protocol's. AWS: DynamoDB and its Streams answer with
 * Coral's texts (dynalite's suite, written against DynamoDB): 52-character
 * request ids, a 400 MissingAuthenticationTokenException for a request that
 * offers no credentials (also a half-signed one), and an unknown operation
 * named before authentication. */
typedef struct svc_edge {
    int id_len; /* request ids: this many characters drawn from id_chars; 0: a UUID */
    const char *id_chars;
    const aws_errdef_t *missing_auth; /* NULL: the protocol's missing-authentication error */
    const char *missing_auth_msg;
    bool op_first;                  /* an unknown operation is answered before authenticating */
    void (*headers)(struct req *r); /* a last look at the answer's headers; may be NULL */
    const char *server;             /* the Server header the service answers with; NULL: none */
    size_t max_body;                /* a larger request body (also once inflated) is 413; 0: the server's limit */
    /* Content codings (protocol/coding.c): request bodies sent gzip'd or
     * deflated are inflated, and answers of at least this many bytes are
     * compressed for an Accept-Encoding that asks; 0: neither. */
    size_t compress_min;
    /* Request bodies sent gzip'd or deflated are inflated even when answers
     * are never compressed (compress_min 0): CloudWatch, whose SDKs gzip
     * PutMetricData. */
    bool inflate;
} svc_edge_t;

typedef struct svc_entry {
    const char *name;              /* "sts": the health report and the access log say this */
    const svc_model_t *model;      /* build/gen/<name>_model.c */
    const aws_errdef_t *invalid;   /* what a malformed or invalid input is answered with */
    const aws_errdef_t *missing;   /* a missing required member (ec2: MissingParameter), else = invalid */
    bool global;                   /* one endpoint for all regions (IAM, STS global, S3 ListBuckets) */
    int (*start)(struct app *app); /* background work, started after the first answer; may be NULL */
    void (*stop)(struct app *app); /* ends start's background work before the store closes; may be NULL */
    /* Periodic work that must happen while nobody calls the service (TTL,
     * retention, lifecycle), run on the ticker thread (services/ticker.h)
     * with that thread's own store connection; a bounded batch per call.
     * Returns the ms it wants until its next call, 0 for the ticker's period.
     * May be NULL. */
    unsigned (*tick)(struct app *app);
    /* What an identity policy's denial is answered with, when the service has
     * its own error for it (SNS: AuthorizationError, naming the action with the
     * service prefix upper-cased, "SNS:Publish"); NULL: the protocol's default. */
    const aws_errdef_t *denied;
    /* Checks the service makes on the parsed input before the model's
     * validation and authorization are answered (AWS: DynamoDB's table
     * operations refuse a missing TableName with their own text, its tag
     * operations a missing or malformed ResourceArn, whatever else is wrong).
     * Runs whether or not the model's validation passed; GR_ERR with the
     * request failed wins over the validation error. May be NULL. */
    int (*precheck)(struct req *r, const val_t *in);
    const svc_edge_t *edge; /* NULL: the protocol's HTTP- and signature-level answers */
    /* Called once for every answered request of the service, its response
     * final and not yet sent, on the loop that answers it (S3: its server
     * access logs). Must not block. May be NULL. */
    void (*answered)(struct req *r);
    /* AWS: within one account a resource's own policy that names the caller
     * allows on its own, without any identity policy ("Policy evaluation
     * logic"). When the caller's identity policies do not allow, authz asks
     * the service (S3: the bucket policy) for the verdict of such a policy of
     * the resource the request names, through policy_evaluate with no
     * identity policies (session and boundary as policy_evaluate_bounded
     * takes them); IMPLICIT_DENY when the resource has none or belongs to
     * another account. May be NULL. */
    policy_result_t (*resource_grant)(struct req *r, str_t action, str_t resource, const policy_t *session,
                                      const policy_t *boundary);
    /* AWS: an API endpoint answers a browser (a request with Origin) with
     * Access-Control-Allow-Origin: * and these Access-Control-Expose-Headers;
     * NULL: the list most services give (dispatch.c). S3 answers by its
     * buckets' CORS configurations instead. */
    const char *cors_expose;
    /* The tags of the resource an identity policy is evaluated for, as the
     * service keeps them (a list of {Key, Value} or a map, in r's arena;
     * *tags NULL: untagged), for aws:ResourceTag/KEY (IAM User Guide,
     * "Controlling access to AWS resources using tags"). authz asks only when
     * the caller's policies name that key; a resource the service does not
     * find has no tags (the hook may fail r: authz keeps r's error as it was).
     * May be NULL: the service's resources are not tag-authorized. */
    int (*resource_tags)(struct req *r, str_t resource, const val_t **tags);
    /* A service's own name for aws:ResourceTag, given the same values (IAM:
     * iam:ResourceTag for users and roles); NULL, or the hook answering NULL
     * for the resource: none. */
    const char *(*resource_tag_alias)(str_t resource);
} svc_entry_t;

extern const svc_entry_t registry[];
extern const size_t registry_count;

const svc_entry_t *registry_find(const char *name);
const svc_entry_t *registry_by_signing_name(str_t name);
/* Whether another row of e's protocol signs with e's signing name
 * (Elastic Load Balancing's classic and v2 APIs). */
bool registry_signing_shared(const svc_entry_t *e);
/* A json service by its X-Amz-Target prefix ("DynamoDB_20120810"). */
const svc_entry_t *registry_by_target_prefix(str_t prefix);
/* A smithy-rpc-v2-cbor service by the Smithy service name its request paths
 * carry ("GraniteServiceVersion20100801"). */
const svc_entry_t *registry_by_rpcv2_service(str_t name);

#endif
