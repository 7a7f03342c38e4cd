/* registry.c — the services gureum serves, one row each (see registry.h).
 * The validation error codes are each service's own (its API reference's
 * "Common Errors" and the errors its model lists). */
#include "services/registry.h"

#include <string.h>

#include "autoscaling_model.h"
#include "cloudfront_model.h"
#include "cloudwatch_model.h"
#include "cloudwatchcbor_model.h"
#include "cloudwatchjson_model.h"
#include "dynamodb_model.h"
#include "dynamodbstreams_model.h"
#include "ec2_model.h"
#include "elb_model.h"
#include "elbv2_model.h"
#include "events_model.h"
#include "iam_model.h"
#include "kinesis_model.h"
#include "lambda_model.h"
#include "logs_model.h"
#include "rds_model.h"
#include "route53_model.h"
#include "s3_model.h"
#include "services/autoscaling/autoscaling.h"
#include "services/cloudfront/cloudfront.h"
#include "services/cloudwatch/metrics.h"
#include "services/events/events.h"
#include "services/sns/sns.h"
#include "sns_model.h"
#include "services/iam/iam.h"
#include "services/kinesis/kinesis.h"
#include "services/lambda/lambda.h"
#include "services/logs/logs.h"
#include "services/dynamodb/ddb.h"
#include "services/sqs/sqs.h"
#include "services/ec2/ec2.h"
#include "services/elb/elb.h"
#include "services/elbv2/elbv2.h"
#include "services/rds/rds.h"
#include "services/route53/route53.h"
#include "services/s3/s3.h"
#include "services/sts/sts.h"
#include "sqs_model.h"
#include "sqsjson_model.h"
#include "sts_model.h"

static const aws_errdef_t E_LambdaValidation = {"ValidationException", 400, true};

/* AWS: DynamoDB's request ids are 52 characters of [0-9A-Z]
 * ("NT2MFOD2O99GE1H05NSVBP2UUVVV4KQNSO5AEMVJF66Q9ASUAAJG"); a request without
 * credentials is 400 MissingAuthenticationTokenException "Request is missing
 * Authentication Token" (dynalite's suite; the AWS SDK for Java reports the
 * same); an unknown operation is named before authentication, in a body
 * with no message (dynalite's suite). */
static const aws_errdef_t E_MissingAuthenticationTokenException400 = {"MissingAuthenticationTokenException", 400, true};
/* It answers with "Server: Server"; refuses a request over 16 MB with 413
 * before reading it; inflates gzip and deflate request bodies, compresses
 * answers of 4 KB or more for an Accept-Encoding that asks (ScyllaDB's
 * Alternator suite, run against DynamoDB). */
static const svc_edge_t ddb_edge = {.id_len = 52,
                                    .id_chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                    .missing_auth = &E_MissingAuthenticationTokenException400,
                                    .missing_auth_msg = "Request is missing Authentication Token",
                                    .op_first = true,
                                    .headers = ddb_http_headers,
                                    .server = "Server",
                                    .max_body = 16u << 20,
                                    .compress_min = 4096};

/* AWS: S3 answers with "Server: AmazonS3" (every response its docs show). */
static const svc_edge_t s3_edge = {.server = "AmazonS3"};

/* AWS: Lambda answers a synchronous Invoke's payload as application/json. */
static const svc_edge_t lambda_edge = {.headers = lambda_http_headers};

/* AWS: "Each PutMetricData request is limited to 1 MB in size for HTTP POST
 * requests"; the SDKs gzip PutMetricData bodies (botocore's
 * requestcompression: Content-Encoding gzip from 10 KB), which CloudWatch
 * inflates. */
static const svc_edge_t cw_edge = {.max_body = 1u << 20, .inflate = true};

const svc_entry_t registry[] = {
    /* name       model                invalid                              missing                  global */
    /* Amazon EC2 Auto Scaling (API 2011-01-01); its tick keeps every group
     * at its desired capacity with real instances. */
    {"autoscaling", &gen_model_autoscaling, &ERR_ValidationError, &ERR_ValidationError, false, NULL,
     .tick = autoscaling_tick},
    /* CloudFront is global and signs for us-east-1; its edge (edge.c) is
     * reached by Host, not by an operation, and its cache freed at stop. */
    {"cloudfront", &gen_model_cloudfront, &CLOUDFRONT_ERR_InvalidArgument, NULL, true, cloudfront_start,
     cloudfront_stop},
    /* CloudWatch twice, same handlers: query (Action=…) and json 1.0 (X-Amz-Target:
     * GraniteServiceVersion20100801.*), as SQS; both sign as "monitoring". */
    {"cloudwatch", &gen_model_cloudwatch, &CLOUDWATCH_ERR_InvalidParameterValueException,
     &CLOUDWATCH_ERR_MissingRequiredParameterException, false, NULL, .tick = cloudwatch_tick, .edge = &cw_edge,
     .resource_tags = cloudwatch_resource_tags},
    {"cloudwatch-json", &gen_model_cloudwatchjson, &CLOUDWATCHJSON_ERR_InvalidParameterValueException,
     &CLOUDWATCHJSON_ERR_MissingRequiredParameterException, false, NULL, .edge = &cw_edge,
     .resource_tags = cloudwatch_resource_tags,
     /* The alarms' evaluation ticks on the twin's row: the rows are one service,
      * and this keeps it a hook apart from the metrics' roll-up. */
     .tick = cloudwatch_alarm_tick},
    /* and a third time as smithy-rpc-v2-cbor, which clients that rank it first send (the AWS
     * CLI v2; botocore 1.43.11 itself ranks json first): found by the service name in its path,
     * POST /service/GraniteServiceVersion20100801/operation/<Op> */
    {"cloudwatch-cbor", &gen_model_cloudwatchcbor, &CLOUDWATCHCBOR_ERR_InvalidParameterValueException,
     &CLOUDWATCHCBOR_ERR_MissingRequiredParameterException, false, NULL, .edge = &cw_edge,
     .resource_tags = cloudwatch_resource_tags},
    {"dynamodb", &gen_model_dynamodb, &ERR_ValidationException, NULL, false, NULL, .tick = ddb_tick,
     .precheck = ddb_precheck, .edge = &ddb_edge, .resource_grant = ddb_resource_grant,
     .resource_tags = ddb_resource_tags, .answered = ddb_answered},
    /* found by target prefix DynamoDBStreams_20120810; signs as "dynamodb", which finds the row above */
    {"dynamodbstreams", &gen_model_dynamodbstreams, &ERR_ValidationException, NULL, false, NULL, .edge = &ddb_edge,
     .resource_grant = ddb_resource_grant, .answered = ddb_answered},
    /* EC2's tick boots and stops instances' machines; stop ends them. */
    {"ec2", &gen_model_ec2, &ERR_InvalidParameterValue, &ERR_MissingParameter, false, NULL, ec2_stop, .tick = ec2_tick},
    /* Classic Load Balancing (signing name elasticloadbalancing, API
     * 2012-06-01); its tick checks health and keeps the listeners. */
    {"elasticloadbalancing", &gen_model_elb, &ERR_ValidationError, &ERR_MissingParameter, false, NULL, elb_stop,
     .tick = elb_tick},
    /* Elastic Load Balancing v2 (application and network load balancers,
     * API 2015-12-01): signs as elasticloadbalancing too, told from the
     * classic API by the query's Version (route.c). */
    {"elasticloadbalancingv2", &gen_model_elbv2, &ERR_ValidationError, &ERR_ValidationError, false, NULL, elbv2_stop,
     .tick = elbv2_tick},
    {"events", &gen_model_events, &ERR_ValidationException, NULL, false, events_start, events_stop,
     .resource_tags = events_resource_tags},
    {"iam", &gen_model_iam, &ERR_ValidationError, NULL, true, iam_start, .resource_tags = iam_resource_tags,
     .resource_tag_alias = iam_resource_tag_alias},
    {"kinesis", &gen_model_kinesis, &ERR_ValidationException, NULL, false, NULL, .tick = kinesis_tick,
     .resource_grant = kinesis_resource_grant, .resource_tags = kinesis_resource_tags,
     .cors_expose = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"},
    {"lambda", &gen_model_lambda, &E_LambdaValidation, NULL, false, lambda_start, lambda_stop, .edge = &lambda_edge,
     .cors_expose = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,x-amz-log-result,x-amz-function-error",
     .resource_tags = lambda_resource_tags},
    {"logs", &gen_model_logs, &LOGS_ERR_InvalidParameterException, NULL, false, NULL, .tick = logs_tick,
     .resource_tags = logs_resource_tags},
    /* RDS's tick runs DB instances' machines; stop ends them. */
    {"rds", &gen_model_rds, &ERR_InvalidParameterValue, &ERR_MissingParameter, false, NULL, rds_stop, .tick = rds_tick},
    /* Route 53 is global and signs for us-east-1; its start hook serves DNS. */
    {"route53", &gen_model_route53, &ROUTE53_ERR_InvalidInput, NULL, true, route53_start, route53_stop,
     .tick = route53_tick},
    {"s3", &gen_model_s3, &ERR_InvalidArgument, NULL, true, s3_start, s3_stop, .tick = s3_tick, .precheck = s3_precheck,
     .resource_grant = s3_resource_grant, .answered = s3_access_logged, .edge = &s3_edge,
     .resource_tags = s3_resource_tags},
    /* AWS (recorded): SNS answers a missing required member with ValidationError. */
    {"sns", &gen_model_sns, &SNS_ERR_InvalidParameterException, &ERR_ValidationError, false, sns_start, sns_stop,
     .denied = &SNS_ERR_AuthorizationErrorException, .precheck = sns_precheck, .resource_tags = sns_resource_tags},
    /* SQS twice, same handlers: query (Action=…) and json 1.0 (X-Amz-Target: AmazonSQS.*),
     * the latter found by target prefix; both sign as "sqs", which finds the query row. */
    {"sqs", &gen_model_sqs, &ERR_InvalidParameterValue, &ERR_MissingParameter, false, NULL, .tick = sqs_tick,
     .resource_tags = sqs_resource_tags},
    {"sqs-json", &gen_model_sqsjson, &ERR_InvalidParameterValue, &ERR_MissingParameter, false, NULL,
     .resource_tags = sqs_resource_tags},
    {"sts", &gen_model_sts, &ERR_ValidationError, NULL, false, sts_start, sts_stop},
};
const size_t registry_count = sizeof registry / sizeof registry[0];

const svc_entry_t *registry_find(const char *name)
{
    for (size_t i = 0; i < registry_count; i++)
        if (strcmp(registry[i].name, name) == 0) return &registry[i];
    return NULL;
}

const svc_entry_t *registry_by_signing_name(str_t name)
{
    for (size_t i = 0; i < registry_count; i++)
        if (str_eq_c(name, registry[i].model->signing_name)) return &registry[i];
    return NULL;
}

bool registry_signing_shared(const svc_entry_t *e)
{
    for (size_t i = 0; i < registry_count; i++)
        if (&registry[i] != e && registry[i].model->protocol == e->model->protocol &&
            strcmp(registry[i].model->signing_name, e->model->signing_name) == 0)
            return true;
    return false;
}

/* A service's rows of several protocols may share the prefix (CloudWatch's
 * json and cbor twins): each lookup sees only its own protocol's rows. */
static const svc_entry_t *by_prefix(str_t prefix, bool rpcv2)
{
    for (size_t i = 0; i < registry_count; i++) {
        const svc_model_t *m = registry[i].model;
        if (m->target_prefix && (m->protocol == PROTO_RPCV2_CBOR) == rpcv2 && str_eq_c(prefix, m->target_prefix))
            return &registry[i];
    }
    return NULL;
}

const svc_entry_t *registry_by_target_prefix(str_t prefix)
{
    return by_prefix(prefix, false);
}

const svc_entry_t *registry_by_rpcv2_service(str_t name)
{
    return by_prefix(name, true);
}
