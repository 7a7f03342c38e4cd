/* website.c — the S3 website endpoint (Host b.s3-website.REGION.localhost or
 * b.s3-website-REGION.localhost; route.c recognizes it): anonymous GET/HEAD
 * answered from the bucket's website configuration — index documents,
 * routing rules, RedirectAllRequestsTo, the error document with 404 — and
 * HTML error pages as AWS's website endpoint writes them. Objects are served
 * only where the bucket policy or an ACL lets anonymous callers read them
 * (access.c), exactly as on AWS. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "s3.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "services/app.h"

/* AWS's website endpoint answers errors as an HTML page, not XML. */
static int html_error(req_t *r, int status, const char *title, const char *code, const char *msg, str_t key)
{
    arena_t *a = r->arena;
    wire_resp_init(&r->resp, a);
    r->resp.status = status;
    buf_t *b = &r->resp.body;
    buf_printf(b, "<html>\n<head><title>%d %s</title></head>\n<body>\n<h1>%d %s</h1>\n<ul>\n<li>Code: %s</li>\n",
               status, title, status, title, code);
    buf_printf(b, "<li>Message: %s</li>\n", msg);
    if (key.len) {
        buf_puts(b, "<li>Key: ");
        for (size_t i = 0; i < key.len; i++) {
            char c = key.p[i];
            if (c == '<')
                buf_puts(b, "&lt;");
            else if (c == '>')
                buf_puts(b, "&gt;");
            else if (c == '&')
                buf_puts(b, "&amp;");
            else
                buf_putc(b, c);
        }
        buf_puts(b, "</li>\n");
    }
    buf_printf(b, "<li>RequestId: %s</li>\n<li>HostId: %s</li>\n</ul>\n<hr/>\n</body>\n</html>\n", r->id, r->id);
    wire_resp_header(&r->resp, a, "Content-Type", STR("text/html; charset=utf-8"));
    return GR_OK;
}

static int redirect(req_t *r, int status, str_t location)
{
    wire_resp_init(&r->resp, r->arena);
    r->resp.status = status;
    wire_resp_header(&r->resp, r->arena, "Location", location);
    wire_resp_header(&r->resp, r->arena, "Content-Length", STR("0"));
    return GR_OK;
}

/* A routing rule's Redirect applied to key. */
static int apply_redirect(req_t *r, const val_t *rd, str_t key, str_t matched_prefix)
{
    arena_t *a = r->arena;
    str_t proto = val_get_str(rd, "Protocol"), host = val_get_str(rd, "HostName");
    str_t code = val_get_str(rd, "HttpRedirectCode");
    str_t with = val_get_str(rd, "ReplaceKeyWith"), prefix_with = val_get_str(rd, "ReplaceKeyPrefixWith");
    str_t nkey = key;
    if (with.p)
        nkey = with;
    else if (prefix_with.p)
        nkey = str_c(arena_printf(a, "%.*s%.*s", STR_FMT(prefix_with), (int)(key.len - matched_prefix.len),
                                  key.p + matched_prefix.len));
    str_t hosthdr = wire_header(&r->w, "host");
    str_t loc = str_c(arena_printf(a, "%.*s://%.*s/%.*s", proto.len ? (int)proto.len : 4, proto.len ? proto.p : "http",
                                   host.len ? (int)host.len : (int)hosthdr.len, host.len ? host.p : hosthdr.p,
                                   STR_FMT(wire_url_encode(a, nkey, true))));
    long long st = 301;
    if (code.len && !str_to_i64(code, &st)) st = 301;
    return redirect(r, (int)st, loc);
}

/* Serves key's bytes with status; 1 served, 0 no such object, -1 error. */
static int serve_object(req_t *r, sqlite3 *db, str_t bucket, str_t key, int status, bool head)
{
    s3_obj_t o;
    int found = s3__obj_get(r, db, bucket, key, &o);
    if (found <= 0) return found;
    /* AWS: an object with a website redirect is answered with it, never its
     * bytes (the error document's too: LocalStack's
     * test_object_website_redirect_location follows it from there) */
    if (o.at.redirect.len) return redirect(r, 301, o.at.redirect) == GR_OK ? 1 : -1;
    arena_t *a = r->arena;
    wire_resp_init(&r->resp, a);
    r->resp.status = status;
    wire_resp_header(&r->resp, a, "Content-Type",
                     o.at.content_type.len ? o.at.content_type : STR("binary/octet-stream"));
    wire_resp_header(&r->resp, a, "ETag", o.etag);
    char lm[64];
    time_t t = (time_t)(o.modified_us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    wire_resp_header(&r->resp, a, "Last-Modified", str_c(arena_strdup(a, lm)));
    if (head || o.size == 0) {
        wire_resp_header(&r->resp, a, "Content-Length", str_c(arena_printf(a, "%lld", (long long)o.size)));
        return 1;
    }
    return s3__obj_body(r, &o, 0, o.size, NULL) == GR_OK ? 1 : -1;
}

static bool may_read(req_t *r, str_t bucket, str_t owner, str_t key)
{
    bool ok = s3_anonymous_may_get(r, bucket, owner, key);
    r->err = NULL;
    r->err_msg = NULL;
    r->err_extra = NULL;
    return ok;
}

static int not_found(req_t *r, sqlite3 *db, str_t bucket, str_t owner, const val_t *cfg, str_t key, bool head)
{
    /* AWS: routing rules with HttpErrorCodeReturnedEquals 404 redirect instead */
    const val_t *rules = val_get(cfg, "RoutingRules");
    for (size_t i = 0; rules && rules->kind == VAL_LIST && i < rules->u.list.n; i++) {
        const val_t *c = val_get(rules->u.list.v[i], "Condition");
        str_t code = c ? val_get_str(c, "HttpErrorCodeReturnedEquals") : STR_NULL;
        str_t pre = c ? val_get_str(c, "KeyPrefixEquals") : STR_NULL;
        if (str_eq_c(code, "404") && (!pre.p || str_starts_with(key, pre)))
            return apply_redirect(r, val_get(rules->u.list.v[i], "Redirect"), key, pre);
    }
    const val_t *ed = val_get(cfg, "ErrorDocument");
    str_t ek = ed ? val_get_str(ed, "Key") : STR_NULL;
    if (ek.len && may_read(r, bucket, owner, ek)) {
        int rc = serve_object(r, db, bucket, ek, 404, head);
        if (rc != 0) return rc < 0 ? GR_ERR : GR_OK;
    }
    return html_error(r, 404, "Not Found", "NoSuchKey", "The specified key does not exist.", key);
}

int s3_website_serve(req_t *r, str_t bucket)
{
    arena_t *a = r->arena;
    r->who = (principal_t){.anonymous = true};
    bool head = str_eq_c(r->w.method, "HEAD");
    if (!head && !str_eq_c(r->w.method, "GET"))
        return html_error(r, 405, "Method Not Allowed", "MethodNotAllowed",
                          "The specified method is not allowed against this resource.", STR_NULL);
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    str_t owner;
    int found = s3_bucket_owner(r, db, bucket, &owner, NULL);
    if (found < 0) return GR_ERR;
    if (!found) return html_error(r, 404, "Not Found", "NoSuchBucket", "The specified bucket does not exist", STR_NULL);
    val_t *cfg;
    if (s3_cfg_get(r, db, bucket, "website", &cfg) < 0) return GR_ERR;
    if (!cfg)
        return html_error(r, 404, "Not Found", "NoSuchWebsiteConfiguration",
                          "The specified bucket does not have a website configuration", STR_NULL);
    /* The path is "/bucket/key" (route.c moved the bucket from the Host). */
    str_t rest = str_sub(r->w.path, 1 + bucket.len, r->w.path.len - 1 - bucket.len);
    if (rest.len && rest.p[0] == '/') rest = str_sub(rest, 1, rest.len - 1);
    str_t key = wire_url_decode(a, rest, false);
    if (!key.p) return html_error(r, 400, "Bad Request", "InvalidURI", "Couldn't parse the specified URI.", STR_NULL);

    const val_t *all = val_get(cfg, "RedirectAllRequestsTo");
    if (all) {
        str_t proto = val_get_str(all, "Protocol");
        return redirect(
            r, 301,
            str_c(arena_printf(a, "%.*s://%.*s/%.*s", proto.len ? (int)proto.len : 4, proto.len ? proto.p : "http",
                               STR_FMT(val_get_str(all, "HostName")), STR_FMT(rest))));
    }
    /* Routing rules conditioned on the key prefix alone apply first. */
    const val_t *rules = val_get(cfg, "RoutingRules");
    for (size_t i = 0; rules && rules->kind == VAL_LIST && i < rules->u.list.n; i++) {
        const val_t *c = val_get(rules->u.list.v[i], "Condition");
        str_t pre = c ? val_get_str(c, "KeyPrefixEquals") : STR_NULL;
        if (c && val_get_str(c, "HttpErrorCodeReturnedEquals").p) continue;
        if (!pre.p || str_starts_with(key, pre))
            return apply_redirect(r, val_get(rules->u.list.v[i], "Redirect"), key, pre);
    }
    str_t suffix = val_get_str(val_get(cfg, "IndexDocument"), "Suffix");
    str_t want = key;
    if (!key.len || key.p[key.len - 1] == '/') want = str_c(arena_printf(a, "%.*s%.*s", STR_FMT(key), STR_FMT(suffix)));
    s3_obj_t o;
    int exists = s3__obj_get(r, db, bucket, want, &o);
    if (exists < 0) return GR_ERR;
    if (!exists && key.len && key.p[key.len - 1] != '/') {
        /* AWS: "photos" with photos/index.html present redirects to "photos/" */
        str_t dir = str_c(arena_printf(a, "%.*s/%.*s", STR_FMT(key), STR_FMT(suffix)));
        int d = s3__obj_get(r, db, bucket, dir, &o);
        if (d < 0) return GR_ERR;
        if (d) return redirect(r, 302, str_c(arena_printf(a, "/%.*s/", STR_FMT(rest))));
    }
    if (!may_read(r, bucket, owner, want))
        return html_error(r, 403, "Forbidden", "AccessDenied", "Access Denied", STR_NULL);
    if (!exists) return not_found(r, db, bucket, owner, cfg, want, head);
    int rc = serve_object(r, db, bucket, want, 200, head);
    if (rc == 0) return not_found(r, db, bucket, owner, cfg, want, head);
    return rc < 0 ? GR_ERR : GR_OK;
}
