/* route.h — which AWS service a request is for, decided the way AWS's own
 * endpoints tell them apart, in this order:
 *   0. a Lambda function URL's Host (URLID.lambda-url.REGION.localhost):
 *      the whole request is the function's, whatever its path or headers;
 *      a CloudFront distribution's (dXXXX.cloudfront.localhost, or its id
 *      in place of dXXXX): the whole request is the edge's
 *   1. the inspection paths under /_gureum/
 *   2. smithy-protocol: rpc-v2-cbor with a path /service/{Service}/operation/
 *      {Op}, {Service} a cbor service's name ("GraniteServiceVersion20100801");
 *      then X-Amz-Target ("DynamoDB_20120810.ListTables") — json services
 *   3. the SigV4 credential scope's service ("…/us-east-1/sts/aws4_request")
 *   4. Action= with a Version= that names a query/ec2 API (unsigned calls)
 *   5. the Host: virtual-hosted S3 (bucket.s3.localhost, bucket.localhost),
 *      website endpoints (bucket.s3-website.REGION.localhost); anything left
 *      is S3 path-style, as at s3.amazonaws.com.
 * For virtual-hosted S3 the bucket moves from the Host into the path, so the
 * rest of the pipeline sees path-style requests only. */
#ifndef GR_ROUTE_ROUTE_H
#define GR_ROUTE_ROUTE_H

#include <stdbool.h>

#include "auth/sigv4.h"
#include "core/arena.h"
#include "core/wire.h"
#include "services/registry.h"

typedef enum { ROUTE_SERVICE, ROUTE_INSPECT, ROUTE_LAMBDA_URL, ROUTE_CLOUDFRONT, ROUTE_NONE } route_kind_t;

typedef struct {
    route_kind_t kind;
    const svc_entry_t *svc; /* ROUTE_SERVICE */
    str_t region;           /* credential scope region, or the default */
    str_t bucket;           /* virtual-hosted S3: the bucket from the Host */
    bool website;           /* S3 website endpoint */
    str_t url_id;           /* ROUTE_LAMBDA_URL: the Host's first label (region: the Host's);
                               ROUTE_CLOUDFRONT: the distribution's domain label or id */
} route_t;

/* Decides the route; may rewrite w->path (virtual-hosted S3). */
void route_request(wire_req_t *w, const sigv4_t *sig, const char *default_region, arena_t *a, route_t *out);

#endif
