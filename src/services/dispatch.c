/* dispatch.c — route → authenticate → parse → call → serialize → log, once
 * for every service (see dispatch.h). The only service-aware thing here is
 * which AWS error code a failure gets in each protocol family, because AWS
 * itself answers the same failure differently per service. */
#include "services/dispatch.h"

#include <stdio.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/creds.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "protocol/proto.h"
#include "route/route.h"
#include "services/authz.h"
#include "services/lambda/lambda.h"
#include "services/body.h"
#include "services/cloudfront/cloudfront.h"
#include "services/registry.h"
#include "services/sns/sns.h"
#include "services/s3/s3.h"
#include "services/sts/sts.h"

#define REQ_BUDGET (64u << 20) /* per-request arena: parsed input + response */

/* ==== Errors by protocol family ====
 * AWS: the same SigV4 failure is InvalidClientTokenId on query services,
 * UnrecognizedClientException on JSON ones, InvalidAccessKeyId on S3 and
 * AuthFailure on EC2 (each service's "Common Errors" page). */
static const aws_errdef_t E_AuthFailure = {"AuthFailure", 401, true};
static const aws_errdef_t E_DryRun = {"DryRunOperation", 412, true};
static const aws_errdef_t E_UnrecognizedClient403 = {"UnrecognizedClientException", 403, true};
static const aws_errdef_t E_InvalidSignature403 = {"InvalidSignatureException", 403, true};
static const aws_errdef_t E_IncompleteSignatureException = {"IncompleteSignatureException", 400, true};
static const aws_errdef_t E_XAmzContentSHA256Mismatch = {"XAmzContentSHA256Mismatch", 400, true};
static const aws_errdef_t E_MalformedXML = {"MalformedXML", 400, true};
static const aws_errdef_t E_UnknownOperation404 = {"UnknownOperationException", 404, true};
static const aws_errdef_t E_InternalServerError = {"InternalServerError", 500, false};

static const char MSG_BAD_TOKEN[] = "The security token included in the request is invalid.";
static const char MSG_SIG[] = "The request signature we calculated does not match the signature you provided. "
                              "Check your AWS Secret Access Key and signing method. Consult the service "
                              "documentation for details.";
static const char MSG_S3_SIG[] =
    "The request signature we calculated does not match the signature you provided. Check your key and signing "
    "method.";

/* The protocol family whose errors a request gets. smithy-rpc-v2-cbor is
 * Coral's like json 1.0/1.1: AWS's texts for its authentication failures are
 * not on record, so it answers as the json protocols do. */
static int proto_of(const req_t *r)
{
    int p = r->svc ? r->svc->model->protocol : PROTO_JSON;
    return p == PROTO_RPCV2_CBOR ? PROTO_JSON : p;
}

/* The row's HTTP- and signature-level answers of its own, or NULL. */
static const svc_edge_t *edge_of(const req_t *r)
{
    return r->svc ? r->svc->edge : NULL;
}

static int fail_missing_auth(req_t *r)
{
    const svc_edge_t *e = edge_of(r);
    if (e && e->missing_auth) return req_fail(r, e->missing_auth, "%s", e->missing_auth_msg);
    switch (proto_of(r)) {
    case PROTO_REST_XML: return req_fail(r, &ERR_AccessDenied, "Access Denied");
    case PROTO_JSON:
    case PROTO_REST_JSON: return req_fail(r, &ERR_MissingAuthenticationTokenException, "Missing Authentication Token");
    default: return req_fail(r, &ERR_MissingAuthenticationToken, "Request is missing Authentication Token");
    }
}

/* The credentials of an access key that exists and is active. */
static bool active_key(req_t *r, str_t access_key, cred_t *cred)
{
    return creds_lookup(((app_t *)r->app)->creds, access_key, r->arena, cred) == GR_OK && cred->active;
}

static int fail_unknown_key(req_t *r)
{
    switch (proto_of(r)) {
    case PROTO_REST_XML:
        return req_fail(r, &ERR_InvalidAccessKeyId,
                        "The AWS Access Key Id you provided does not exist in our records.");
    case PROTO_JSON: return req_fail(r, &ERR_UnrecognizedClientException, MSG_BAD_TOKEN);
    case PROTO_REST_JSON: return req_fail(r, &E_UnrecognizedClient403, MSG_BAD_TOKEN);
    case PROTO_EC2: return req_fail(r, &E_AuthFailure, "AWS was not able to validate the provided access credentials");
    default: return req_fail(r, &ERR_InvalidClientTokenId, MSG_BAD_TOKEN);
    }
}

static int fail_sigv4(req_t *r, const sigv4_t *s)
{
    int p = proto_of(r);
    switch (s->status) {
    case SIGV4_NONE: return fail_missing_auth(r);
    case SIGV4_MISMATCH:
        if (p == PROTO_REST_XML) {
            r->err_extra = val_new(r->arena, VAL_STRUCT);
            val_set_c(r->arena, r->err_extra, "AWSAccessKeyId", val_str(r->arena, s->access_key));
            val_set_c(r->arena, r->err_extra, "StringToSign", val_str(r->arena, s->string_to_sign));
            val_set_c(r->arena, r->err_extra, "SignatureProvided", val_str(r->arena, s->signature));
            val_set_c(r->arena, r->err_extra, "CanonicalRequest", val_str(r->arena, s->canonical_request));
            return req_fail(r, &ERR_SignatureDoesNotMatch, MSG_S3_SIG);
        }
        if (p == PROTO_JSON) return req_fail(r, &ERR_InvalidSignatureException, MSG_SIG);
        if (p == PROTO_REST_JSON) return req_fail(r, &E_InvalidSignature403, MSG_SIG);
        return req_fail(r, &ERR_SignatureDoesNotMatch, MSG_SIG);
    case SIGV4_SKEWED:
        if (p == PROTO_REST_XML)
            return req_fail(r, &ERR_RequestTimeTooSkewed,
                            "The difference between the request time and the current time is too large.");
        if (p == PROTO_JSON)
            return req_fail(r, &ERR_InvalidSignatureException, "%s", s->msg ? s->msg : "Signature expired");
        if (p == PROTO_REST_JSON)
            return req_fail(r, &E_InvalidSignature403, "%s", s->msg ? s->msg : "Signature expired");
        return req_fail(r, &ERR_RequestExpired, "%s", s->msg ? s->msg : "Request has expired.");
    case SIGV4_EXPIRED: return req_fail(r, &ERR_AccessDenied, "Request has expired");
    case SIGV4_BOTH:
        /* AWS (coral, dynalite's suite): both mechanisms at once is InvalidSignatureException */
        if (p == PROTO_JSON) return req_fail(r, &ERR_InvalidSignatureException, "%s", s->msg);
        goto malformed;
    case SIGV4_BAD_HASH:
        if (p == PROTO_REST_XML)
            return req_fail(r, &E_XAmzContentSHA256Mismatch,
                            "The provided 'x-amz-content-sha256' header does not match what was computed.");
        return req_fail(r, p == PROTO_JSON ? &ERR_InvalidSignatureException : &ERR_SignatureDoesNotMatch, MSG_SIG);
    case SIGV4_UNSIGNED:
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "HeadersNotSigned", val_cstr(r->arena, s->msg));
        return req_fail(r, &ERR_AccessDenied, "There were headers present in the request which were not signed");
    case SIGV4_EXP_RANGE:
        if (p == PROTO_REST_XML) {
            static const aws_errdef_t query_params = {"AuthorizationQueryParametersError", 403, true};
            return req_fail(r, &query_params, "%s", s->msg ? s->msg : "Query-string authentication is invalid.");
        }
        /* fall through */
    case SIGV4_INCOMPLETE:
        /* AWS (recorded): a presigned S3 URL missing one of its parameters */
        if (p == PROTO_REST_XML && s->presigned) {
            static const aws_errdef_t query_params = {"AuthorizationQueryParametersError", 400, true};
            return req_fail(r, &query_params, "%s", s->msg ? s->msg : "Query-string authentication is invalid.");
        }
        /* fall through */
    case SIGV4_MALFORMED:
    default:
    malformed:
        if (p == PROTO_REST_XML && s->expected_region.p) {
            r->err_extra = val_new(r->arena, VAL_STRUCT);
            val_set_c(r->arena, r->err_extra, "Region", val_str(r->arena, s->expected_region));
        }
        if (p == PROTO_REST_XML)
            return req_fail(r, &ERR_AuthorizationHeaderMalformed, "%s",
                            s->msg ? s->msg : "The authorization header is malformed.");
        if (p == PROTO_JSON || p == PROTO_REST_JSON)
            return req_fail(r, &E_IncompleteSignatureException, "%s", s->msg ? s->msg : "Incomplete signature");
        return req_fail(r, &ERR_IncompleteSignature, "%s", s->msg ? s->msg : "Incomplete signature");
    }
}

static int fail_unknown_op(req_t *r)
{
    switch (proto_of(r)) {
    case PROTO_QUERY:
    case PROTO_EC2:
        return req_fail(r, &ERR_InvalidAction, "The action %.*s is not valid for this web service.",
                        STR_FMT(r->op_name));
    case PROTO_REST_XML:
        return req_fail(r, &ERR_MethodNotAllowed, "The specified method is not allowed against this resource.");
    case PROTO_REST_JSON: return req_fail(r, &E_UnknownOperation404, "Unknown operation %.*s", STR_FMT(r->op_name));
    default: return req_fail(r, &ERR_UnknownOperationException, "%s", "");
    }
}

static int fail_parse(req_t *r, const proto_fail_t *f)
{
    const aws_errdef_t *e = r->svc->invalid;
    if (f->kind == PROTO_E_REQUIRED && r->svc->missing) e = r->svc->missing;
    /* AWS: JSON services answer a body they cannot read, or a value of the
     * wrong type ("NUMBER_VALUE cannot be converted to String"), with
     * SerializationException; constraint failures get the service's own code. */
    if ((f->kind == PROTO_E_SYNTAX || f->kind == PROTO_E_TYPE) && proto_of(r) == PROTO_JSON)
        e = &ERR_SerializationException;
    if (f->kind == PROTO_E_SYNTAX && proto_of(r) == PROTO_REST_XML) e = &E_MalformedXML;
    /* AWS: a JSON service answers a body that is no JSON, or none, with a
     * bare {"__type":"com.amazon.coral.service#SerializationException"}
     * (dynalite's and kinesalite's suites; ScyllaDB's Alternator suite saw
     * the same). */
    /* Not on record for smithy-rpc-v2-cbor: its SerializationException
     * keeps the decoder's message ("CBOR: unexpected end of input at byte 9"). */
    if (f->kind == PROTO_E_SYNTAX && r->svc->model->protocol == PROTO_JSON) return req_fail(r, e, "%s", "");
    /* AWS (moto's aws_verified tests, LocalStack's recordings): a required
     * element missing inside an XML body (Delete without Object, CORSConfiguration
     * without CORSRule, a Tag without Key) breaks S3's schema; it is not a
     * parameter validation error. The member path is dotted below the payload. */
    if (f->kind == PROTO_E_REQUIRED && proto_of(r) == PROTO_REST_XML && f->member && strchr(f->member, '.'))
        return req_fail(r, &E_MalformedXML, "%s",
                        "The XML you provided was not well-formed or did not validate against our published schema");
    return req_fail(r, e, "%s", f->msg ? f->msg : "Invalid request");
}

/* ==== The pipeline ==== */

/* S3's Signature Version 2 (header or presigned query), which older S3
 * clients and boto3's default presigned URLs send. */
static int authenticate_v2(req_t *r, sigv2_t *v2)
{
    static const aws_errdef_t E_InvalidArgument = {"InvalidArgument", 400, true};
    if (v2->malformed)
        return req_fail(r, &E_InvalidArgument,
                        "Authorization header is invalid -- one and only one ' ' (space) required");
    if (v2->incomplete)
        return req_fail(r, &ERR_AccessDenied,
                        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
    cred_t cred;
    if (!active_key(r, v2->access_key, &cred)) return fail_unknown_key(r);
    if (cred.session_token.len && !str_eq(cred.session_token, v2->security_token)) return fail_unknown_key(r);
    if (cred.expires_us && cred.expires_us < time_now_us())
        return req_fail(r, &ERR_ExpiredToken, "The provided token has expired.");
    switch (sigv2_verify(&r->w, r->arena, cred.secret, time_now_us(), v2)) {
    case SIGV2_OK: break;
    case SIGV2_EXPIRED: return req_fail(r, &ERR_AccessDenied, "Request has expired");
    case SIGV2_SKEWED:
        return req_fail(r, &ERR_RequestTimeTooSkewed,
                        "The difference between the request time and the current time is too large.");
    case SIGV2_NO_DATE:
        return req_fail(r, &ERR_AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
    default:
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "AWSAccessKeyId", val_str(r->arena, v2->access_key));
        val_set_c(r->arena, r->err_extra, "StringToSign", val_str(r->arena, v2->string_to_sign));
        val_set_c(r->arena, r->err_extra, "SignatureProvided", val_str(r->arena, v2->signature));
        return req_fail(r, &ERR_SignatureDoesNotMatch, MSG_S3_SIG);
    }
    r->who = cred.who;
    return GR_OK;
}

/* Appends aws-chunked trailer headers (x-amz-checksum-crc32 after the last
 * chunk) to the request headers, so the model parses them as the input
 * members they are. */
static int add_trailers(req_t *r, const kv_t *tr, size_t ntr)
{
    if (!ntr) return GR_OK;
    kv_t *hs = ARENA_NEWN(r->arena, kv_t, r->w.nheaders + ntr);
    if (!hs) return GR_ERR;
    memcpy(hs, r->w.headers, r->w.nheaders * sizeof *hs);
    memcpy(hs + r->w.nheaders, tr, ntr * sizeof *hs);
    r->w.headers = hs;
    r->w.nheaders += ntr;
    return GR_OK;
}

/* AWS (coral, dynalite's suite): an Authorization header that does not start
 * "AWS4-" ("AWS4", "X") and query parameters without X-Amz-Algorithm are no
 * credentials at all: MissingAuthenticationToken, not a malformed signature. */
static bool no_credentials_offered(req_t *r)
{
    str_t auth = wire_header(&r->w, "Authorization");
    if (auth.p) return !str_starts_with(str_trim(auth), STR("AWS4-"));
    return !wire_query_param(&r->w, r->arena, "X-Amz-Algorithm").p;
}

/* streamed: the body has not arrived (OPF_STREAM_BODY, authenticated on its
 * headers); body.c decodes aws-chunked framing piece by piece instead. */
static int authenticate(req_t *r, sigv4_t *sig, bool streamed)
{
    bool is_s3 = r->svc && !strcmp(r->svc->name, "s3");
    sigv2_t v2;
    if (is_s3 && sig->status != SIGV4_OK && sigv2_parse(&r->w, r->arena, &v2)) return authenticate_v2(r, &v2);
    if (sig->status == SIGV4_NONE) {
        /* Anonymous requests: S3 admits those a bucket policy or ACL allows
         * (services/s3/access.c decides); elsewhere only the operations AWS
         * serves without credentials (OPF_UNSIGNED) take them. */
        if (is_s3 || (r->op && (r->op->flags & OPF_UNSIGNED))) {
            r->who.anonymous = true;
            return GR_OK;
        }
        return fail_missing_auth(r);
    }
    if (sig->status != SIGV4_OK && sig->status != SIGV4_BOTH && edge_of(r) && edge_of(r)->missing_auth &&
        no_credentials_offered(r))
        return fail_missing_auth(r);
    sigv4_opts_t o = {.s3 = proto_of(r) == PROTO_REST_XML, .now_us = time_now_us(), .max_skew_s = 900};
    if (proto_of(r) == PROTO_JSON && !sigv4_date_first(&r->w, r->arena, &o, sig)) return fail_sigv4(r, sig);
    if (sig->status != SIGV4_OK) return fail_sigv4(r, sig);
    cred_t cred;
    if (!active_key(r, sig->access_key, &cred)) return fail_unknown_key(r);
    if (cred.session_token.len && !str_eq(cred.session_token, sig->security_token)) return fail_unknown_key(r);
    if (cred.expires_us && cred.expires_us < time_now_us()) {
        if (proto_of(r) == PROTO_REST_XML) return req_fail(r, &ERR_ExpiredToken, "The provided token has expired.");
        return req_fail(r, &ERR_ExpiredToken, "The security token included in the request is expired");
    }
    if (sigv4_verify(&r->w, r->arena, &o, cred.secret, sig) != SIGV4_OK) return fail_sigv4(r, sig);
    r->who = cred.who;
    /* aws-chunked bodies are decoded (and each chunk's signature checked)
     * before parsing; streaming S3 object bodies will do this piecewise. */
    if (!streamed && str_starts_with(sig->payload_hash, STR("STREAMING-"))) {
        const kv_t *tr;
        size_t ntr;
        const char *msg = NULL;
        str_t body;
        if (sigv4_chunked_decode(r->arena, sig, r->w.body, &body, &tr, &ntr, &msg) != GR_OK) {
            if (proto_of(r) == PROTO_REST_XML)
                return req_fail(r, &ERR_SignatureDoesNotMatch, "%s", msg ? msg : MSG_S3_SIG);
            return req_fail(r, &ERR_IncompleteSignature, "%s", msg ? msg : "Invalid chunked body");
        }
        r->w.body = body;
        if (add_trailers(r, tr, ntr) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

static void inspect(req_t *r)
{
    app_t *app = r->app;
    wire_resp_init(&r->resp, r->arena);
    if (str_starts_with(r->w.path, STR("/_gureum/sns/"))) { /* outboxes, signing cert, SubscribeURL */
        sns_inspect(r);
        return;
    }
    if (str_starts_with(r->w.path, STR("/_gureum/sts/"))) { /* the outbound token issuer's documents */
        sts_inspect(r);
        return;
    }
    if (str_starts_with(r->w.path, STR("/_gureum/lambda/"))) { /* Code.Location of GetFunction */
        lambda_inspect(r);
        return;
    }
    if (!str_eq_c(r->w.path, "/_gureum/health") && !str_eq_c(r->w.path, "/_gureum/health/")) {
        r->resp.status = 404;
        wire_resp_header(&r->resp, r->arena, "Content-Type", STR("application/json"));
        buf_puts(&r->resp.body, "{\"error\":\"no such inspection path\"}\n");
        return;
    }
    /* Inspection output, not an AWS document: fixed identifiers only. */
    buf_t *b = &r->resp.body;
    buf_printf(b, "{\"version\":\"%s\",\"edition\":\"gureum\",\"uptime_seconds\":%lld,\"services\":{", GUREUM_VERSION,
               (long long)((time_now_us() - app->started_us) / 1000000));
    for (size_t i = 0; i < registry_count; i++) {
        size_t impl = 0;
        for (uint32_t k = 0; k < registry[i].model->nops; k++) impl += registry[i].model->ops[k].handler != NULL;
        buf_printf(b, "%s\"%s\":{\"state\":\"running\",\"protocol\":\"%s\",\"operations\":%u,\"implemented\":%zu}",
                   i ? "," : "", registry[i].name,
                   (const char *[]){"query", "ec2", "json", "rest-json", "rest-xml",
                                    "smithy-rpc-v2-cbor"}[registry[i].model->protocol],
                   registry[i].model->nops, impl);
    }
    buf_puts(b, "}}\n");
    wire_resp_header(&r->resp, r->arena, "Content-Type", STR("application/json"));
}

/* S3 headers a handler sets on r->resp itself because its model cannot
 * carry them there (AWS: a 304 carries ETag and Last-Modified; a 404/405 for
 * a delete marker carries x-amz-delete-marker and x-amz-version-id;
 * HeadObject answers x-amz-tagging-count, which botocore's HeadObject output
 * lacks; a request charged to its requester by a Requester Pays bucket
 * answers x-amz-request-charged, set by the bucket check before any handler
 * output exists). Only these survive serialization; copies them into saved. */
static const char *const carried[] = {
    "ETag", "Last-Modified", "x-amz-delete-marker", "x-amz-version-id", "x-amz-tagging-count", "x-amz-request-charged"};
#define N_CARRIED (sizeof carried / sizeof carried[0])
static size_t carried_headers(const req_t *r, kv_t *saved)
{
    size_t n = 0;
    for (size_t i = 0; i < r->resp.nheaders && n < N_CARRIED; i++)
        for (size_t k = 0; k < N_CARRIED; k++)
            if (str_eq_nocase(r->resp.headers[i].name, str_c(carried[k]))) {
                saved[n++] = r->resp.headers[i];
                break;
            }
    return n;
}

static void finish_error(req_t *r)
{
    if (!r->err) {
        log_error("request %s: internal failure in %s.%.*s", r->id, r->svc ? r->svc->name : "-", STR_FMT(r->op_name));
        r->err = proto_of(r) == PROTO_REST_XML || proto_of(r) == PROTO_QUERY || proto_of(r) == PROTO_EC2
                     ? &ERR_InternalError
                     : &ERR_InternalFailure;
        r->err_msg = "We encountered an internal error. Please try again.";
    }
    kv_t saved[N_CARRIED];
    size_t nsaved = carried_headers(r, saved);
    wire_resp_init(&r->resp, r->arena);
    const char *msg = r->err_msg ? r->err_msg : "";
    /* AWS (Coral's JSON services, dynalite's and kinesalite's suites): an
     * error without a message has no message member,
     * {"__type":"...#UnknownOperationException"} */
    if (!*msg && proto_of(r) == PROTO_JSON) msg = NULL;
    if (proto_write_error(r->svc ? r->svc->model : NULL, r->err, msg, r->err_extra, r->id, r->arena, &r->resp) !=
        GR_OK) {
        wire_resp_init(&r->resp, r->arena);
        r->resp.status = 500;
    }
    for (size_t i = 0; i < nsaved; i++) wire_resp_header(&r->resp, r->arena, saved[i].name.p, saved[i].value);
}

static int finish(req_t *r, int rc)
{
    /* S3: a handler may answer with a file body (GetObject sets resp.fd/off/
     * len; the http layer sendfiles and closes it) and a status its output
     * shape cannot carry (206 Partial Content). Both survive serialization;
     * the fd is closed here if the request fails after all. */
    int fd = r->resp.fd, status = r->resp.status;
    off_t off = r->resp.off;
    size_t len = r->resp.len;
    wire_body_src_t *src = r->resp.src; /* or a body of several files (an object stored as its parts) */
    if (rc == GR_OK) {
        kv_t saved[N_CARRIED];
        size_t nsaved = carried_headers(r, saved);
        wire_resp_init(&r->resp, r->arena);
        if (proto_serialize(r->svc->model, r->op, r->out, r->id, r->arena, &r->resp) != GR_OK || r->resp.body.failed ||
            arena_failed(r->arena)) {
            r->err = NULL;
            rc = GR_ERR;
            wire_resp_init(&r->resp, r->arena);
        } else {
            for (size_t i = 0; i < nsaved; i++) wire_resp_header(&r->resp, r->arena, saved[i].name.p, saved[i].value);
            if (fd >= 0) r->resp.fd = fd, r->resp.off = off, r->resp.len = len, fd = -1;
            if (src) r->resp.src = src, r->resp.len = len, src = NULL;
            if (status > 200) r->resp.status = status;
        }
    }
    if (fd >= 0) close(fd);
    if (src) {
        if (src->free) src->free(src->ud);
        free(src);
    }
    if (rc == GR_ERR) finish_error(r);
    return rc;
}

/* A query request whose form body came gzip'd or deflated (botocore 1.31+
 * compresses CloudWatch's PutMetricData even in the query protocol): its
 * Action is read from an inflated copy, kept in r->inflated; the body is
 * parsed from it only after authentication (decode_body), since the
 * signature covers the bytes sent. NULL if none is found. */
static const op_t *find_op_inflated(req_t *r, const svc_edge_t *e)
{
    str_t coding = wire_header(&r->w, "Content-Encoding");
    if (!coding.p || !r->w.body.len) return NULL;
    wire_req_t w = r->w;
    if (proto_decode_body(r->arena, coding, r->w.body, e->max_body ? e->max_body : SIZE_MAX, &w.body) !=
        PROTO_DECODE_OK)
        return NULL;
    r->inflated = w.body;
    return proto_find_op(r->svc->model, &w, r->arena, &r->op_name);
}

/* Route, find the operation, authenticate: everything that needs only the
 * request's headers. GR_OK to go on; otherwise finished with an error, or
 * answered already (*answered: inspection, S3 website or preflight). */
static void api_preflight(req_t *r);
static int prepare(req_t *r, sigv4_t *sig, bool streamed, bool *answered)
{
    sigv4_parse(&r->w, r->arena, sig);
    route_t rt;
    route_request(&r->w, sig, ((app_t *)r->app)->cfg->region, r->arena, &rt);
    if (rt.kind == ROUTE_INSPECT) {
        inspect(r);
        *answered = true;
        return GR_ERR;
    }
    if (rt.kind == ROUTE_LAMBDA_URL) { /* an HTTP request for a function, no AWS operation */
        r->svc = registry_find("lambda");
        r->region = rt.region;
        r->op_name = STR("InvokeFunctionUrl");
        *answered = true;
        return lambda_url_serve(r, rt.url_id) == GR_AGAIN ? GR_AGAIN : GR_ERR;
    }
    if (rt.kind == ROUTE_CLOUDFRONT) { /* a distribution's edge: no AWS operation, unsigned */
        r->svc = registry_find("cloudfront");
        r->region = rt.region;
        r->op_name = STR("Edge");
        *answered = true;
        int rc = cloudfront_edge_serve(r, rt.url_id);
        if (rc == GR_AGAIN) return GR_AGAIN; /* a custom origin's fetch: dispatch_answer sends it */
        if (rc != GR_OK) finish_error(r);
        return GR_ERR;
    }
    r->svc = rt.svc;
    r->region = rt.region;
    if (str_eq_c(r->w.method, "OPTIONS") && !rt.bucket.len && (!r->w.path.len || str_eq_c(r->w.path, "/")) &&
        wire_header(&r->w, "Origin").p) {
        r->svc = NULL;
        api_preflight(r);
        *answered = true;
        return GR_ERR;
    }
    if (!r->svc) return finish(r, req_fail(r, &ERR_InvalidAction, "No service serves this request."));
    /* S3 requests that are no operation of its model: the website endpoint
     * and CORS preflight (both unsigned, as on AWS). */
    bool is_s3 = !strcmp(r->svc->name, "s3");
    if (is_s3 && (rt.website || str_eq_c(r->w.method, "OPTIONS"))) {
        r->op_name = str_c(rt.website ? "Website" : "Preflight");
        if ((rt.website ? s3_website_serve(r, rt.bucket) : s3_cors_preflight(r)) != GR_OK) finish_error(r);
        *answered = true;
        return GR_ERR;
    }
    if (is_s3 && str_eq_c(r->w.method, "POST") && !r->w.query.len &&
        str_starts_with(wire_header(&r->w, "content-type"), STR("multipart/form-data"))) {
        r->op_name = STR("PostObject");
        if (s3_post_object(r) != GR_OK) finish_error(r);
        s3_cors_decorate(r);
        *answered = true;
        return GR_ERR;
    }
    /* The operation is found before authenticating so the access log names it
     * even for refused requests; nothing of the input is trusted yet. */
    r->op = proto_find_op(r->svc->model, &r->w, r->arena, &r->op_name);
    const svc_edge_t *e = edge_of(r);
    if (!r->op && e && (e->compress_min || e->inflate)) r->op = find_op_inflated(r, e);
    if (e && e->id_len) id_random_chars(r->id, (size_t)e->id_len, e->id_chars);
    if (!r->op && e && e->op_first) {
        /* AWS: DynamoDB reads the body before it looks for the operation: a
         * body that is no JSON is a bare SerializationException, whatever
         * the target (dynalite's suite) */
        const char *jerr = NULL;
        if (r->w.body.len && !json_parse(r->arena, r->w.body, &jerr))
            return finish(r, req_fail(r, &ERR_SerializationException, "%s", ""));
        return finish(r, fail_unknown_op(r));
    }
    if (authenticate(r, sig, streamed) != GR_OK) return finish(r, GR_ERR);
    if (!r->op) return finish(r, fail_unknown_op(r));
    if (!r->op->handler)
        return finish(
            r, req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name));
    return GR_OK;
}

/* Parse and authorize: once on the headers for a streamed body
 * (headers_checked), else when the request has arrived whole. */
static int parse_authorize(req_t *r)
{
    proto_fail_t pf = {0};
    int prc = proto_parse(r->svc->model, r->op, &r->w, r->arena, &r->in, &pf);
    /* A body that could not be read has no input to check; a value tree that
     * failed the model's validation still goes to the service's precheck. */
    bool invalid = prc != GR_OK && (pf.kind == PROTO_E_REQUIRED || pf.kind == PROTO_E_CONSTRAINT) && r->in;
    if (prc != GR_OK && !invalid) return fail_parse(r, &pf);
    if (r->svc->precheck && r->svc->precheck(r, r->in) != GR_OK) return GR_ERR;
    if (invalid) return fail_parse(r, &pf);
    /* Authorized after parsing: the resource ARN is built from the input. */
    if (authz_check(r, ((app_t *)r->app)->authz) != GR_OK) return GR_ERR;
    /* AWS (EC2 API Reference, every operation's DryRun): "Checks whether you
     * have the required permissions for the action, without actually making
     * the request ... If you have the required permissions, the error
     * response is DryRunOperation. Otherwise, it is UnauthorizedOperation." */
    if (proto_of(r) == PROTO_EC2 && val_get_bool(r->in, "DryRun", false))
        return req_fail(r, &E_DryRun, "Request would have succeeded, but DryRun flag is set.");
    return GR_OK;
}

/* A body sent with a content coding, for a service that takes them (AWS:
 * DynamoDB answers an unknown coding, and bytes that are no stream of the
 * coding, with 500 InternalServerError — ScyllaDB's Alternator suite, run
 * against it); after authentication, since the signature covers the bytes
 * sent. */
static int decode_body(req_t *r)
{
    const svc_edge_t *e = edge_of(r);
    str_t coding = wire_header(&r->w, "Content-Encoding");
    if (!e || !(e->compress_min || e->inflate) || !coding.p) return GR_OK;
    if (r->inflated.p) { /* inflated already, to find the operation */
        r->w.body = r->inflated;
        return GR_OK;
    }
    switch (proto_decode_body(r->arena, coding, r->w.body, e->max_body ? e->max_body : SIZE_MAX, &r->w.body)) {
    case PROTO_DECODE_OK: return GR_OK;
    case PROTO_DECODE_UNSUPPORTED:
        return req_fail(r, &E_InternalServerError, "Unsupported Content-Encoding: %.*s", STR_FMT(coding));
    case PROTO_DECODE_TOO_BIG:
        return req_fail(r, &E_InternalServerError, "The request body is too large once decompressed.");
    default: return req_fail(r, &E_InternalServerError, "The request body is not valid %.*s data.", STR_FMT(coding));
    }
}

/* Parse, authorize, call, serialize: the request has arrived whole.
 * reparse: a request checked on its headers got aws-chunked trailers
 * (x-amz-checksum-*) as headers since, so its input is read again with
 * their members; its authorization does not change. */
static int run(req_t *r, bool reparse)
{
    proto_fail_t pf = {0};
    if (!r->headers_checked) {
        if (decode_body(r) != GR_OK || parse_authorize(r) != GR_OK) return finish(r, GR_ERR);
    } else if (reparse && proto_parse(r->svc->model, r->op, &r->w, r->arena, &r->in, &pf) != GR_OK) {
        return finish(r, fail_parse(r, &pf));
    }
    r->out = val_new(r->arena, VAL_STRUCT);
    if (!r->out) return finish(r, GR_ERR);
    int rc = r->op->handler(r, r->in, r->out);
    if (rc == GR_AGAIN) return GR_AGAIN;
    rc = finish(r, rc);
    if (!strcmp(r->svc->name, "s3")) s3_cors_decorate(r);
    return rc;
}

int dispatch_handle(req_t *r)
{
    sigv4_t sig;
    bool answered = false;
    int rc = prepare(r, &sig, false, &answered);
    if (rc == GR_AGAIN) return GR_AGAIN; /* a function URL's call: dispatch_answer sends it */
    if (rc != GR_OK) return answered ? GR_OK : GR_ERR;
    return run(r, false);
}

int dispatch_authenticate(req_t *r)
{
    sigv4_t sig;
    sigv4_parse(&r->w, r->arena, &sig);
    return authenticate(r, &sig, false);
}

static void send_response(req_t *r);
void dispatch_answer(req_t *r)
{
    if (r->transport) send_response(r);
}

req_t *dispatch_req_new(app_t *app, size_t budget)
{
    arena_t *a = arena_new(budget);
    if (!a) return NULL;
    req_t *r = ARENA_NEW(a, req_t);
    if (!r) {
        arena_free(a);
        return NULL;
    }
    r->arena = a;
    r->app = app;
    r->start_us = time_mono_us();
    id_uuid(r->id);
    wire_resp_init(&r->resp, a);
    return r;
}

/* ==== http glue ==== */

/* The access-log line and the service's look at an answer going out. An
 * event loop writes its lines after the round of events that produced them
 * (log_batch), so the line follows the answer by at most that round. */
static void log_answer(req_t *r)
{
    app_t *app = r->app;
    if (!app->cfg->quiet) {
        const char *op = r->op ? r->op->name : r->op_name.len ? r->op_name.p : "-";
        size_t oplen = r->op ? strlen(r->op->name) : r->op_name.len ? r->op_name.len : 1;
        log_access(r->svc ? r->svc->name : "gureum", op, oplen, r->resp.status, time_mono_us() - r->start_us, r->id);
    }
    if (r->svc && r->svc->answered) r->svc->answered(r);
}

/* AWS: every API endpoint answers browsers (the AWS SDK for JavaScript
 * team's survey of the endpoints' CORS answers, 2020-2021: DynamoDB, its
 * Streams, SQS, SNS, STS, IAM, Kinesis, Logs, EventBridge, Lambda alike):
 * a preflight to the endpoint gets 200 with the asked method and headers
 * allowed for two days, and an answer to a request with Origin carries
 * Access-Control-Allow-Origin: * and the headers a page may read. */
static const char CORS_EXPOSE[] = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

static void api_cors(req_t *r)
{
    if (!r->svc || !strcmp(r->svc->name, "s3") || str_eq_c(r->op_name, "InvokeFunctionUrl")) return;
    if (!wire_header(&r->w, "Origin").p || wire_resp_get_header(&r->resp, "Access-Control-Allow-Origin").p) return;
    wire_resp_header(&r->resp, r->arena, "Access-Control-Allow-Origin", STR("*"));
    wire_resp_header(&r->resp, r->arena, "Access-Control-Expose-Headers",
                     str_c(r->svc->cors_expose ? r->svc->cors_expose : CORS_EXPOSE));
}

/* A preflight OPTIONS to the API endpoint itself ("/", no bucket): no
 * service is named (browsers send no credentials), and every endpoint
 * answers it alike. */
static void api_preflight(req_t *r)
{
    str_t method = wire_header(&r->w, "Access-Control-Request-Method");
    str_t headers = wire_header(&r->w, "Access-Control-Request-Headers");
    r->op_name = STR("Preflight");
    wire_resp_init(&r->resp, r->arena);
    r->resp.status = 200;
    wire_resp_header(&r->resp, r->arena, "x-amzn-RequestId", str_c(r->id));
    wire_resp_header(&r->resp, r->arena, "Access-Control-Allow-Origin", STR("*"));
    if (headers.p) wire_resp_header(&r->resp, r->arena, "Access-Control-Allow-Headers", headers);
    if (method.p) wire_resp_header(&r->resp, r->arena, "Access-Control-Allow-Methods", method);
    wire_resp_header(&r->resp, r->arena, "Access-Control-Expose-Headers", STR(CORS_EXPOSE));
    wire_resp_header(&r->resp, r->arena, "Access-Control-Max-Age", STR("172800"));
}

/* What a service's edge adds to an answer going out: its Server header, a
 * compressed body for a client that asks (coding.c), its own last look;
 * and the CORS headers of a browser's request. */
static void edge_finish(req_t *r)
{
    api_cors(r);
    const svc_edge_t *e = edge_of(r);
    if (!e) return;
    if (e->server) wire_resp_header(&r->resp, r->arena, "Server", str_c(e->server));
    if (e->compress_min && r->resp.fd < 0 && !r->resp.src && r->resp.body.len >= e->compress_min) {
        str_t accept = wire_header(&r->w, "Accept-Encoding");
        if (accept.p) proto_encode_response(&r->resp, r->arena, proto_accepted_coding(accept));
    }
    if (e->headers) e->headers(r);
}

static void send_response(req_t *r)
{
    http_req_t *h = r->transport;
    edge_finish(r);
    log_answer(r);
    http_req_set_data(h, NULL); /* answered: an abort from now on is not ours */
    if (r->resp.src)
        http_respond_src(h, r->resp.status, r->resp.headers, r->resp.nheaders, r->resp.src, r->resp.len);
    else if (r->resp.fd >= 0)
        http_respond_fd(h, r->resp.status, r->resp.headers, r->resp.nheaders, r->resp.fd, r->resp.off, r->resp.len);
    else
        http_respond(h, r->resp.status, r->resp.headers, r->resp.nheaders, r->resp.body.p, r->resp.body.len);
    arena_free(r->arena);
}

/* ==== Answers sent as they are produced ==== */

int dispatch_stream_begin(req_t *r)
{
    http_req_t *h = r->transport;
    if (!h) return GR_ERR;
    int rc = GR_OK;
    if (r->op) { /* an operation's output: its head by the model, the stream's events to follow */
        wire_resp_init(&r->resp, r->arena);
        if (proto_serialize(r->svc->model, r->op, r->out, r->id, r->arena, &r->resp) != GR_OK) {
            /* the head still goes, so that dispatch_stream_end finishes the answer */
            wire_resp_init(&r->resp, r->arena);
            r->resp.status = 500;
            rc = GR_ERR;
        }
    }
    api_cors(r);
    if (edge_of(r) && edge_of(r)->headers) edge_of(r)->headers(r);
    http_respond_begin(h, r->resp.status, r->resp.headers, r->resp.nheaders);
    /* what the head's serializer wrote ahead of the events: json's
     * "initial-response" (rest-json writes none; a function URL's r->resp
     * is a head only) */
    if (r->op && rc == GR_OK && r->resp.body.len) http_respond_chunk(h, r->resp.body.p, r->resp.body.len);
    return rc;
}

int dispatch_stream_event(req_t *r, const val_t *event)
{
    /* each event in an arena of its own: a long stream does not grow the request's */
    arena_t *a = arena_new(64u << 20);
    if (!a) return GR_ERR;
    buf_t b;
    buf_init(&b, a);
    int rc = proto_serialize_event(r->svc->model, r->op, event, a, &b);
    if (rc == GR_OK && !b.failed) http_respond_chunk(r->transport, b.p, b.len);
    arena_free(a);
    return rc == GR_OK && !b.failed ? GR_OK : GR_ERR;
}

void dispatch_stream_write(req_t *r, str_t bytes)
{
    http_respond_chunk(r->transport, bytes.p, bytes.len);
}

long dispatch_stream_backlog(req_t *r)
{
    return http_respond_backlog(r->transport);
}

void dispatch_stream_end(req_t *r)
{
    http_req_t *h = r->transport;
    log_answer(r);
    http_req_set_data(h, NULL); /* answered: an abort from now on is not ours */
    http_respond_end(h);
    arena_free(r->arena);
}

/* The request's line and headers into r->w (body not yet). */
static int read_wire(req_t *r, http_req_t *h)
{
    r->transport = h;
    size_t n = http_req_nheaders(h);
    r->w.headers = ARENA_NEWN(r->arena, kv_t, n ? n : 1);
    if (!r->w.headers) return GR_ERR;
    for (size_t i = 0; i < n; i++) http_req_header_at(h, i, &r->w.headers[i].name, &r->w.headers[i].value);
    r->w.nheaders = n;
    r->w.method = http_req_method(h);
    r->w.path = http_req_path(h);
    r->w.query = http_req_query(h);
    r->w.host = wire_header(&r->w, "host");
    r->w.peer_ip = http_req_peer(h);
    return GR_OK;
}

/* A buffered request whose client waits for 100 Continue (curl sends Expect
 * with large bodies): refused now, with its final status instead of 100, when
 * its credentials fail on the headers alone (no or a malformed signature, an
 * unknown or inactive key, a signature whose payload hash the headers give).
 * A signature over a body not yet read, and what needs the parsed input,
 * wait for the body as before. true: r was answered. */
static bool refused_on_headers(req_t *r, sigv4_t *sig, const route_t *rt, const struct op *op, str_t name)
{
    if (rt->kind == ROUTE_INSPECT || !rt->svc || rt->website) return false;
    bool is_s3 = !strcmp(rt->svc->name, "s3");
    r->svc = rt->svc;
    r->region = rt->region;
    r->op = op;
    r->op_name = name;
    if (sig->status != SIGV4_OK || sig->payload_hash.p || (is_s3 && sig->presigned)) {
        if (authenticate(r, sig, true) == GR_OK) return false;
    } else { /* the signature covers the body: only its key can be checked now */
        cred_t cred;
        if (active_key(r, sig->access_key, &cred)) return false;
        fail_unknown_key(r);
    }
    finish(r, GR_ERR);
    if (is_s3) s3_cors_decorate(r);
    return true;
}

/* The smallest body limit of any service's edge (registry.h): a body no
 * longer than it needs no routing on its headers to learn its service's. */
static uint64_t smallest_edge_limit(void)
{
    static _Atomic uint64_t smallest; /* computed once; every thread computes the same */
    uint64_t m = atomic_load_explicit(&smallest, memory_order_relaxed);
    if (!m) {
        m = UINT64_MAX;
        for (size_t i = 0; i < registry_count; i++)
            if (registry[i].edge && registry[i].edge->max_body && registry[i].edge->max_body < m)
                m = registry[i].edge->max_body;
        atomic_store_explicit(&smallest, m, memory_order_relaxed);
    }
    return m;
}

/* Streamed bodies: an operation flagged OPF_STREAM_BODY (S3 PutObject,
 * UploadPart) is routed and authenticated on its headers, so a refused
 * upload is answered before its body is read and an accepted one goes to a
 * blob piece by piece (body.c). Everything else is buffered whole. */
http_body_mode_t dispatch_on_headers(http_req_t *h, void *ud)
{
    app_t *app = ud;
    bool expect = http_req_expects_continue(h);
    bool large = http_req_chunked(h) || http_req_content_length(h) > smallest_edge_limit();
    if (!expect && !large && !str_eq_c(http_req_method(h), "PUT")) return HTTP_BODY_BUFFER;
    req_t *r = dispatch_req_new(app, REQ_BUDGET);
    if (!r) return HTTP_BODY_BUFFER;
    if (read_wire(r, h) != GR_OK) {
        arena_free(r->arena);
        return HTTP_BODY_BUFFER;
    }
    sigv4_t sig;
    sigv4_parse(&r->w, r->arena, &sig);
    route_t rt;
    route_request(&r->w, &sig, app->cfg->region, r->arena, &rt);
    /* AWS: DynamoDB answers a request over 16 MB with 413, whether its
     * length is declared or it comes chunked (ScyllaDB's Alternator suite) */
    if (large && rt.kind != ROUTE_INSPECT && rt.svc && rt.svc->edge && rt.svc->edge->max_body)
        http_req_limit_body(h, rt.svc->edge->max_body);
    str_t name = STR_NULL;
    const struct op *op =
        rt.kind != ROUTE_INSPECT && rt.svc ? proto_find_op(rt.svc->model, &r->w, r->arena, &name) : NULL;
    if (!op || !(op->flags & OPF_STREAM_BODY) || !op->handler) {
        if (expect) {
            http_req_set_data(h, r);
            if (refused_on_headers(r, &sig, &rt, op, name)) {
                send_response(r);
                return HTTP_BODY_REJECT;
            }
            http_req_set_data(h, NULL);
        }
        arena_free(r->arena);
        return HTTP_BODY_BUFFER;
    }
    http_req_set_data(h, r);
    bool answered = false;
    int rc = prepare(r, &sig, true, &answered);
    /* Refused on its headers (authorization, a missing bucket): answered
     * before the body is asked for, so Expect: 100-continue gets this final
     * status instead of 100 (AWS; ceph/s3-tests test_100_continue). The
     * handler does not repeat these checks (headers_checked). */
    if (rc == GR_OK) {
        bool is_s3 = !strcmp(r->svc->name, "s3");
        r->w.body = STR("");
        if (parse_authorize(r) != GR_OK || (is_s3 && s3_on_headers(r) != GR_OK)) {
            rc = finish(r, GR_ERR);
            if (is_s3) s3_cors_decorate(r);
        } else {
            r->headers_checked = true;
        }
    }
    if (rc == GR_OK && !(r->body = body_begin(r, &sig))) rc = finish(r, GR_ERR);
    if (rc != GR_OK) {
        send_response(r);
        return HTTP_BODY_REJECT;
    }
    return HTTP_BODY_STREAM;
}

int dispatch_on_body(http_req_t *h, const char *p, size_t n, void *ud)
{
    req_t *r = http_req_data(h);
    if (!r || !r->body) return 0;
    /* A failed body is answered when it has all arrived (on_request), so
     * the client reads the error instead of a reset connection. */
    body_feed(r->body, p, n);
    return 0;
}

/* The streamed body has arrived: its trailers become headers, its failures
 * the request's error. */
static int end_body(req_t *r)
{
    body_stream_t *b = r->body;
    if (body_finish(b) == GR_OK) return add_trailers(r, b->trailers, b->ntrailers);
    switch (b->status) {
    case BODY_E_CHUNK: return req_fail(r, &ERR_SignatureDoesNotMatch, "%s", b->msg ? b->msg : MSG_S3_SIG);
    case BODY_E_HASH: return req_fail(r, &E_XAmzContentSHA256Mismatch, "%s", b->msg);
    default: return GR_ERR;
    }
}

void dispatch_on_request(http_req_t *h, void *ud)
{
    app_t *app = ud;
    req_t *r = http_req_data(h);
    if (r) { /* streamed (dispatch_on_headers) */
        r->w.body = STR("");
        int rc = end_body(r) == GR_OK ? run(r, r->body->ntrailers > 0) : finish(r, GR_ERR);
        if (rc == GR_AGAIN) return;
        send_response(r);
        return;
    }
    r = dispatch_req_new(app, REQ_BUDGET);
    if (!r) {
        http_respond(h, 503, NULL, 0, NULL, 0);
        return;
    }
    http_req_set_data(h, r);
    if (read_wire(r, h) != GR_OK) {
        http_req_set_data(h, NULL);
        arena_free(r->arena);
        http_respond(h, 503, NULL, 0, NULL, 0);
        return;
    }
    r->w.body = http_req_body(h);
    if (dispatch_handle(r) == GR_AGAIN) return;
    send_response(r);
}

void dispatch_resume(req_t *r, int rc)
{
    finish(r, rc);
    if (r->transport) send_response(r);
}

void dispatch_on_abort(http_req_t *h, void *ud)
{
    /* A suspended request whose client left: nothing will send it, free it.
     * (The suspending service must drop its reference first; with no
     * suspending service yet, only the arena remains.) */
    req_t *r = http_req_data(h);
    if (!r) return;
    if (r->on_abort) r->on_abort(r, r->on_abort_arg); /* the suspending service lets go of r */
    arena_free(r->arena);
}
