/* model.h — AWS service models as compact C tables.
 *
 * tools/gen_models.py turns each served service's botocore service-2.json
 * into build/gen/<svc>_model.c: one shape_t per shape reachable from the
 * service's operations, one op_t per operation (all of them, implemented or
 * not), and one svc_model_t. The protocol engine interprets these tables to
 * parse requests and write responses, so no service formats XML or JSON and
 * every wire detail (locations, flattening, timestamp formats, namespaces)
 * comes from AWS's own description. Nothing here is needed from Python at
 * run time. */
#ifndef GR_PROTOCOL_MODEL_H
#define GR_PROTOCOL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/val.h"

struct req;

typedef enum {
    SH_STRUCTURE,
    SH_LIST,
    SH_MAP,
    SH_STRING,
    SH_INTEGER,
    SH_LONG,
    SH_FLOAT,
    SH_DOUBLE,
    SH_BOOLEAN,
    SH_TIMESTAMP,
    SH_BLOB,
} shape_type_t;

typedef enum { LOC_BODY, LOC_HEADER, LOC_HEADERS, LOC_URI, LOC_QUERYSTRING, LOC_STATUSCODE } member_loc_t;

typedef enum { TS_DEFAULT, TS_ISO8601, TS_RFC822, TS_UNIX } ts_format_t;

/* member_t.flags */
#define MF_REQUIRED 0x01
#define MF_FLATTENED 0x02    /* xml: list/map members without a wrapper */
#define MF_XMLATTRIBUTE 0x04 /* xml: written as an attribute */
#define MF_IDEMPOTENCY 0x08  /* idempotencyToken: filled when absent */
#define MF_HOSTLABEL 0x10
#define MF_JSONVALUE 0x20 /* header holds base64 JSON */
#define MF_STREAMING 0x40 /* payload member whose shape streams */
#define MF_DEPRECATED 0x80
#define MF_EVENTPAYLOAD 0x100 /* event member that is the event message's payload */

/* shape_t.flags */
#define SF_FLATTENED 0x01
#define SF_STREAMING 0x02
#define SF_EXCEPTION 0x04
#define SF_UNION 0x08
#define SF_DOCUMENT 0x10
#define SF_SENSITIVE 0x20
#define SF_EVENTSTREAM 0x40
#define SF_HAS_MIN 0x80
#define SF_HAS_MAX 0x100
#define SF_ARN_OK 0x200 /* string: an ARN value skips pattern and length (DynamoDB TableName) */

typedef struct shape shape_t;

typedef struct {
    const char *name;       /* member name, the key in val_t structs */
    const char *loc_name;   /* locationName (header/query/label/xml/query-protocol name) or NULL */
    const char *query_name; /* ec2 queryName or NULL */
    const shape_t *shape;
    const char *xmlns_uri;    /* xmlNamespace.uri or NULL */
    const char *xmlns_prefix; /* xmlNamespace.prefix or NULL */
    uint8_t location;         /* member_loc_t */
    uint8_t ts_format;        /* member-level timestampFormat or TS_DEFAULT */
    uint16_t flags;           /* MF_* */
} member_t;

struct shape {
    const char *name;
    uint8_t type;      /* shape_type_t */
    uint8_t ts_format; /* ts_format_t */
    uint16_t flags;    /* SF_* */
    uint16_t nmembers;
    /* structure: its members; list: [0] the element (loc_name = the list's
     * member locationName); map: [0] key, [1] value (loc_name = their
     * locationName, "key"/"value" by default) */
    const member_t *members;
    const char *payload; /* structure: the member named by "payload", or NULL */
    const char *xmlns_uri;
    const char *loc_name; /* shape-level locationName (xml root element names) */
    int64_t min, max;     /* length or range, when SF_HAS_MIN / SF_HAS_MAX */
    const char *const *enums;
    uint16_t nenums;
    /* exceptions: the wire code and HTTP status */
    const aws_errdef_t *err;
    const char *pattern; /* string: the model's "pattern" (a Java regex matched whole), or NULL */
};

/* A service operation handler: reads the parsed input, fills `out` (an empty
 * structure) or fails with req_fail(). Returns GR_OK, GR_ERR or GR_AGAIN. */
typedef int (*op_handler_t)(struct req *r, const val_t *in, val_t *out);

typedef struct op {
    const char *name;           /* "GetCallerIdentity" */
    const char *method;         /* "POST" */
    const char *uri;            /* requestUri template: "/{Bucket}/{Key+}?tagging" */
    uint16_t status;            /* http.responseCode, 200 if absent */
    const shape_t *input;       /* NULL when the operation takes none */
    const shape_t *output;      /* NULL when it returns none */
    const char *result_wrapper; /* query: output resultWrapper */
    const shape_t *const *errors;
    uint16_t nerrors;
    op_handler_t handler; /* NULL: not implemented yet (answered NotImplemented) */
    uint32_t flags;       /* OPF_*, from the service's .ops row */
    /* Authorization, from the .ops row: the IAM action ("s3:ListAllMyBuckets";
     * NULL: "<prefix>:<Name>") and the resource ARN template, whose {Member}
     * placeholders are filled from the input and {account}, {region} from the
     * request (NULL: "*"). */
    const char *iam_action;
    const char *iam_resource;
} op_t;

/* op_t.flags */
#define OPF_NO_AUTHZ 0x1    /* AWS requires no permission (sts:GetCallerIdentity) */
#define OPF_STREAM_BODY 0x2 /* the body streams to a blob (r->body), never whole in memory (S3 PutObject) */
#define OPF_UNSIGNED 0x4    /* AWS serves it without credentials (sts:AssumeRoleWithSAML): anonymous allowed */
/* AWS serves it at another endpoint of the service, whose requests are signed
 * for a name other than the model's (S3's ListDirectoryBuckets: GET / at the
 * S3 Express control endpoint, signed for s3express, where S3's own endpoint
 * answers ListBuckets). On gureum's one port the credential scope alone tells
 * them apart: the operation is found only for a request so signed, and then
 * before one of the same method and path. */
#define OPF_OTHER_SCOPE 0x8

/* PROTO_RPCV2_CBOR: smithy-rpc-v2-cbor; target_prefix is then the Smithy
 * service name its request paths carry (/service/{Service}/operation/{Op}). */
typedef enum { PROTO_QUERY, PROTO_EC2, PROTO_JSON, PROTO_REST_JSON, PROTO_REST_XML, PROTO_RPCV2_CBOR } proto_kind_t;

typedef struct svc_model {
    const char *id;              /* our service name: "sts", "ec2", "dynamodb", "logs", "lambda", "s3" */
    uint8_t protocol;            /* proto_kind_t */
    const char *api_version;     /* "2011-06-15" */
    const char *endpoint_prefix; /* "sts" */
    const char *signing_name;    /* "sts", "s3", "logs" (botocore signingName or endpointPrefix) */
    const char *target_prefix;   /* json: "DynamoDB_20120810" */
    const char *json_version;    /* json: "1.0" / "1.1" */
    const char *xml_namespace;   /* query/ec2/rest-xml document namespace, or NULL */
    const char *botocore_version;
    const op_t *ops; /* sorted by name (strcmp) */
    uint32_t nops;
    const shape_t *const *errors; /* every exception shape of the service, sorted by code */
    uint32_t nerrors;
    /* json or cbor variant of a query service (SQS, CloudWatch:
     * awsQueryCompatible): errors also carry the query code in
     * x-amzn-query-error: CODE;Sender|Receiver */
    bool query_compat;
} svc_model_t;

/* Lookup by exact name; NULL if the service has no such operation. */
const op_t *model_find_op(const svc_model_t *m, str_t name);
const member_t *model_member(const shape_t *s, const char *name);
const shape_t *model_find_error(const svc_model_t *m, str_t code);

#endif
