/* precheck.c — S3's checks of a parsed request's common members, made for
 * every S3 operation before it is authorized and handled (the registry's
 * precheck hook; the browser POST upload, which is not a model operation,
 * calls s3_precheck itself): a storage class S3 knows, an Object Lock mode, the governance bypass only
 * where Object Lock is, PutBucketPolicy's policy, a website redirect location. The model leaves these to S3
 * (rest-xml does not check enums), and S3 answers each with its own error. */
#include <string.h>

#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "services/s3/s3.h"

/* AWS: the classes an object may be written in (OUTPOSTS and EXPRESS_ONEZONE
 * belong to Outposts and directory buckets) */
static bool storage_class(str_t s)
{
    static const char *const known[] = {"STANDARD",     "REDUCED_REDUNDANCY",  "STANDARD_IA",
                                        "ONEZONE_IA",   "INTELLIGENT_TIERING", "GLACIER",
                                        "DEEP_ARCHIVE", "GLACIER_IR",          "SNOW"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (str_eq_c(s, known[i])) return true;
    return false;
}

/* AWS (recorded): a response-* override becomes a response header, which
 * must be ISO-8859-1; a value (UTF-8 once decoded from the query) with a
 * character past U+00FF — a UTF-8 lead byte of 0xC4 or more — is refused,
 * the first in the parameters' alphabetical order named. */
static int response_overrides_latin1(req_t *r, const val_t *in)
{
    static const char *const params[][2] = {{"ResponseCacheControl", "response-cache-control"},
                                            {"ResponseContentDisposition", "response-content-disposition"},
                                            {"ResponseContentEncoding", "response-content-encoding"},
                                            {"ResponseContentLanguage", "response-content-language"},
                                            {"ResponseContentType", "response-content-type"}};
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        str_t v = val_get_str(in, params[i][0]);
        for (size_t k = 0; k < v.len; k++)
            if ((unsigned char)v.p[k] >= 0xC4)
                return s3__bad_arg(r, &S3_E_InvalidArgument, params[i][1], v,
                                   "Header value cannot be represented using ISO-8859-1.");
    }
    return GR_OK;
}

/* AWS: an object's website redirect is a path on the website or an http(s)
 * URL (the message as AWS answers it, quoted in aws/aws-cli#1130), of at
 * most 2 KB (S3 user guide, object metadata; the code and message for a
 * longer one are our guess, not observed). */
static int website_redirect_ok(req_t *r, str_t loc)
{
    static const aws_errdef_t E_InvalidRedirectLocation = {"InvalidRedirectLocation", 400, true};
    if (!loc.p) return GR_OK;
    if (!str_starts_with(loc, STR("/")) && !str_starts_with(loc, STR("http://")) &&
        !str_starts_with(loc, STR("https://")))
        return req_fail(r, &E_InvalidRedirectLocation,
                        "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.");
    if (loc.len > 2048)
        return req_fail(r, &E_InvalidRedirectLocation,
                        "The length of website redirect location cannot exceed 2,048 characters.");
    return GR_OK;
}

int s3_precheck(req_t *r, const val_t *in)
{
    static const aws_errdef_t E_InvalidStorageClass = {"InvalidStorageClass", 400, true};
    static const aws_errdef_t E_MalformedPolicy = {"MalformedPolicy", 400, true};
    str_t sc = val_get_str(in, "StorageClass");
    if (sc.p && !storage_class(sc)) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "StorageClassRequested", val_strdup(r->arena, sc));
        return req_fail(r, &E_InvalidStorageClass, "The storage class you specified is not valid");
    }
    /* AWS: an empty PutBucketPolicy body is a malformed policy, not a
     * missing parameter */
    if (r->op && !strcmp(r->op->name, "PutBucketPolicy") && !val_get_str(in, "Policy").len)
        return req_fail(r, &E_MalformedPolicy, "Policies must be valid JSON and the first byte must be '{'");
    /* AWS: the bypass header, true or false, only where Object Lock is.
     * AWS refuses it on DeleteObjects too; gureum takes it there, as
     * ceph/s3-tests' cleanup sends it with every bucket's DeleteObjects. */
    if (val_get(in, "BypassGovernanceRetention") && r->op && !strcmp(r->op->name, "DeleteObject")) {
        bool lock = false;
        sqlite3 *db = s3__db(r);
        str_t b = val_get_str(in, "Bucket");
        if (db && s3_bucket_owner(r, db, b, NULL, NULL) == 1 && s3__versioning(r, db, b, &lock) >= 0 && !lock) {
            r->err_extra = val_new(r->arena, VAL_STRUCT);
            val_set_c(r->arena, r->err_extra, "ArgumentName", val_cstr(r->arena, "x-amz-bypass-governance-retention"));
            return req_fail(r, &S3_E_InvalidArgument,
                            "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.");
        }
    }
    if (website_redirect_ok(r, val_get_str(in, "WebsiteRedirectLocation")) != GR_OK) return GR_ERR;
    str_t mode = val_get_str(in, "ObjectLockMode");
    if (mode.p && !str_eq_c(mode, "GOVERNANCE") && !str_eq_c(mode, "COMPLIANCE"))
        return s3__bad_arg(r, &S3_E_InvalidArgument, "x-amz-object-lock-mode", mode, "Unknown wormMode directive.");
    return response_overrides_latin1(r, in);
}
