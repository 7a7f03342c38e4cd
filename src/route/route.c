/* route.c — request → service; see route.h for the order of the rules. */
#include "route/route.h"

#include <string.h>

#include "protocol/proto.h"

/* Host without the port, lower-cased in the arena. */
static str_t host_name(arena_t *a, str_t host)
{
    if (host.len && host.p[0] == '[') { /* [::1]:4566 */
        long e = str_index(host, ']');
        return e > 0 ? str_sub(host, 0, (size_t)e + 1) : host;
    }
    str_t h;
    str_cut(host, ':', &h);
    char *p = arena_strndup(a, h.p ? h.p : "", h.len);
    if (!p) return STR_NULL;
    for (size_t i = 0; i < h.len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z') p[i] = (char)(p[i] - 'A' + 'a');
    return (str_t){p, h.len};
}

/* "b.s3.localhost", "b.s3.REGION.localhost", "b.localhost", website forms.
 * Returns true with *bucket (and *website) when the Host names a bucket. */
static bool s3_virtual_host(str_t host, str_t *bucket, bool *website, str_t *region)
{
    static const str_t suffix = {".localhost", 10};
    if (!str_ends_with(host, suffix) || host.len == suffix.len) return false;
    str_t rest = str_sub(host, 0, host.len - suffix.len); /* "b.s3.REGION" or "b" or "s3" */
    str_t ends[] = {STR(".s3"), STR(".s3-website")};
    for (int i = 0; i < 2; i++)
        if (str_ends_with(rest, ends[i])) {
            *bucket = str_sub(rest, 0, rest.len - ends[i].len);
            *website = i == 1;
            return bucket->len > 0;
        }
    /* Find the service label: ".s3", ".s3.REGION", ".s3-website.REGION", ".s3-website-REGION" */
    const char *labels[] = {".s3-website.", ".s3-website-", ".s3.", NULL};
    for (int i = 0; labels[i]; i++) {
        const char *at = NULL;
        for (size_t k = 0; k + strlen(labels[i]) <= rest.len; k++)
            if (memcmp(rest.p + k, labels[i], strlen(labels[i])) == 0) at = rest.p + k;
        if (at) {
            *bucket = (str_t){rest.p, (size_t)(at - rest.p)};
            *website = i < 2;
            size_t off = (size_t)(at - rest.p) + strlen(labels[i]);
            *region = str_sub(rest, off, rest.len - off);
            return bucket->len > 0;
        }
    }
    /* "s3.localhost" and "s3.REGION.localhost" are path-style endpoints. */
    if (str_eq_c(rest, "s3") || str_starts_with(rest, STR("s3."))) return false;
    *bucket = rest; /* "b.localhost" */
    *website = false;
    return true;
}

/* AWS: a function URL is https://URLID.lambda-url.REGION.on.aws/; gureum's
 * is http://URLID.lambda-url.REGION.localhost:PORT/. true with the id and
 * region when the Host is one. */
static bool lambda_url_host(str_t host, str_t *id, str_t *region)
{
    static const str_t suffix = {".localhost", 10}, label = {".lambda-url.", 12};
    if (!str_ends_with(host, suffix)) return false;
    str_t rest = str_sub(host, 0, host.len - suffix.len); /* "URLID.lambda-url.REGION" */
    long dot = str_index(rest, '.');
    if (dot <= 0) return false;
    str_t tail = str_sub(rest, (size_t)dot, rest.len - (size_t)dot);
    if (!str_starts_with(tail, label) || tail.len == label.len) return false;
    *id = str_sub(rest, 0, (size_t)dot);
    *region = str_sub(tail, label.len, tail.len - label.len);
    return str_index(*region, '.') < 0;
}

/* AWS: a distribution answers at dXXXX.cloudfront.net; gureum's edge at
 * dXXXX.cloudfront.localhost (or ID.cloudfront.localhost). true with the
 * first label when the Host is one. */
static bool cloudfront_host(str_t host, str_t *name)
{
    static const str_t suffix = {".cloudfront.localhost", 21};
    if (!str_ends_with(host, suffix) || host.len == suffix.len) return false;
    *name = str_sub(host, 0, host.len - suffix.len);
    return str_index(*name, '.') < 0;
}

static const svc_entry_t *by_action_version(const wire_req_t *w, arena_t *a)
{
    str_t version = wire_query_param(w, a, "Version");
    if (!version.p) {
        wire_req_t body = {.query = w->body};
        version = wire_query_param(&body, a, "Version");
    }
    if (!version.p) return NULL;
    for (size_t i = 0; i < registry_count; i++) {
        const svc_model_t *m = registry[i].model;
        if ((m->protocol == PROTO_QUERY || m->protocol == PROTO_EC2) && str_eq_c(version, m->api_version))
            return &registry[i];
    }
    return NULL;
}

/* Content-Type application/json or application/x-amz-json-*, parameters aside. */
static bool json_content(const wire_req_t *w)
{
    str_t ct = wire_header(w, "content-type"), mime;
    if (!ct.p) return false;
    str_cut(ct, ';', &mime);
    mime = str_trim(mime);
    return str_eq_nocase(mime, STR("application/json")) || str_starts_with(mime, STR("application/x-amz-json-"));
}

void route_request(wire_req_t *w, const sigv4_t *sig, const char *default_region, arena_t *a, route_t *out)
{
    *out = (route_t){.kind = ROUTE_NONE, .region = str_c(default_region)};
    str_t host = host_name(a, w->host), bucket = STR_NULL, vregion = STR_NULL;
    if (host.p && lambda_url_host(host, &out->url_id, &out->region)) {
        out->kind = ROUTE_LAMBDA_URL;
        return;
    }
    if (host.p && cloudfront_host(host, &out->url_id)) {
        out->kind = ROUTE_CLOUDFRONT;
        return;
    }
    if (str_starts_with(w->path, STR("/_gureum/")) || str_eq_c(w->path, "/_gureum")) {
        out->kind = ROUTE_INSPECT;
        return;
    }
    bool signed_ok = sig->status == SIGV4_OK;
    if (signed_ok && sig->region.len) out->region = sig->region;

    bool website = false;
    bool vhost = host.p && s3_virtual_host(host, &bucket, &website, &vregion);

    str_t target = wire_header(w, "x-amz-target"), rpc_svc, rpc_op;
    const svc_entry_t *svc = NULL;
    /* AWS (Smithy, botocore 1.43): smithy-rpc-v2-cbor names the service in
     * the path, /service/{Service}/operation/{Operation}, and says so in
     * smithy-protocol: rpc-v2-cbor; its signing name is the service's other
     * protocols' too, so it is looked at first. */
    if (!vhost && str_eq_c(w->method, "POST") && str_eq_c(wire_header(w, "smithy-protocol"), "rpc-v2-cbor") &&
        proto_rpcv2_path(w->path, &rpc_svc, &rpc_op))
        svc = registry_by_rpcv2_service(rpc_svc);
    if (!svc && target.p) {
        str_t prefix;
        str_cut(target, '.', &prefix);
        svc = registry_by_target_prefix(prefix);
    }
    if (!svc && signed_ok && !vhost) {
        svc = registry_by_signing_name(sig->service);
        /* Classic and v2 Elastic Load Balancing sign alike and both speak
         * query: the request's Version tells them apart. */
        if (svc && svc->model->protocol == PROTO_QUERY && registry_signing_shared(svc)) {
            const svc_entry_t *v = by_action_version(w, a);
            if (v && str_eq_c(sig->service, v->model->signing_name)) svc = v;
        }
    }
    if (!svc && !vhost && (str_index(w->query, '=') >= 0 || w->body.len) &&
        (str_eq_c(w->method, "POST") || str_eq_c(w->method, "GET")))
        svc = by_action_version(w, a);
    /* A POST to the root that names no service gureum serves but speaks
     * JSON (or says nothing at all) is a JSON service's, never S3's (S3
     * takes no POST at "/"): on
     * gureum's one port it is answered as DynamoDB's endpoint answers it,
     * UnknownOperationException or SerializationException (dynalite's suite,
     * recorded against DynamoDB). */
    if (!svc && !vhost && str_eq_c(w->method, "POST") && (!w->path.len || str_eq_c(w->path, "/")) &&
        (target.p || json_content(w) || (!w->body.len && !wire_header(w, "content-type").p)))
        svc = registry_find("dynamodb");
    if (!svc) svc = registry_find("s3");
    if (!svc) return;
    out->kind = ROUTE_SERVICE;
    out->svc = svc;
    if (vhost && strcmp(svc->name, "s3") == 0) {
        out->bucket = bucket;
        out->website = website;
        if (!signed_ok && vregion.len) out->region = vregion;
        /* Path-style from here on: "/bucket" + original path. */
        char *p = arena_alloc(a, bucket.len + w->path.len + 2);
        if (!p) return;
        p[0] = '/';
        memcpy(p + 1, bucket.p, bucket.len);
        size_t n = 1 + bucket.len;
        if (w->path.len > 1 || (w->path.len == 1 && w->path.p[0] != '/')) {
            memcpy(p + n, w->path.p, w->path.len);
            n += w->path.len;
        }
        p[n] = 0;
        w->path = (str_t){p, n};
    }
}
