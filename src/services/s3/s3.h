/* s3.h — S3's calls for the dispatcher: requests that are no S3 operation
 * of the model (OPTIONS preflight, the website endpoint) and the CORS headers
 * added to every S3 answer. Each fills r->resp itself; GR_ERR leaves an S3
 * error in r for the dispatcher to write. */
#ifndef GR_SERVICES_S3_H
#define GR_SERVICES_S3_H

#include "core/req.h"

/* OPTIONS /bucket[/key]: answered from the bucket's CORS configuration. */
int s3_cors_preflight(req_t *r);
/* Access-Control-* headers for a request with an Origin, after r->resp is written. */
void s3_cors_decorate(req_t *r);
/* A GET/HEAD at the website endpoint of bucket (always anonymous). */
int s3_website_serve(req_t *r, str_t bucket);
/* POST /bucket with a multipart/form-data body: a browser-based upload. */
int s3_post_object(req_t *r);

struct app;
/* Start hook (registry): collects blob files no S3 row names (gc.c), before
 * the first request is accepted. */
int s3_start(struct app *app);

#endif
