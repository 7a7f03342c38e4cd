/* abac.c — attribute-based access control for general purpose buckets
 * (2025): Put/GetBucketAbac, stored as the "abac" bucket configuration
 * (bucket_config.c's table), and its effects. While it is Enabled the
 * bucket's tags take part in authorization as aws:ResourceTag/KEY — in IAM
 * identity policies through the registry's resource_tags hook (authz.c asks
 * s3_resource_tags), in the bucket policy through access.c — and
 * PutBucketTagging / DeleteBucketTagging are refused (bucket_config.c).
 * Invariant: a bucket without a stored configuration is Disabled, and then
 * its tags are for cost allocation only and never authorize anything. */
#include <string.h>

#include "s3.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

static const char KIND[] = "abac";

int s3_put_bucket_abac(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t b = val_get_str(in, "Bucket");
    const val_t *cfg = val_get(in, "AbacStatus");
    str_t status = val_get_str(cfg, "Status");
    /* AWS: API_AbacStatus — Status is Enabled | Disabled; anything else does
     * not validate against the schema. */
    if (!str_eq_c(status, "Enabled") && !str_eq_c(status, "Disabled")) return s3__malformed(r, NULL);
    if (s3_bucket_owned(r, b) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    /* Disabled is the default: storing nothing keeps the authorization
     * path's read of it cheap */
    return s3_cfg_put(r, db, b, KIND, str_eq_c(status, "Enabled") ? cfg : NULL);
}

int s3_get_bucket_abac(req_t *r, const val_t *in, val_t *out)
{
    str_t b = val_get_str(in, "Bucket");
    if (s3_bucket_owned(r, b) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    bool on;
    if (s3__abac_enabled(r, db, b, &on) != GR_OK) return GR_ERR;
    /* AWS ("Enabling ABAC in general purpose buckets"): "By default, ABAC is
     * disabled for all Amazon S3 general purpose buckets" — a bucket that
     * never set it answers Disabled, not an error. */
    val_t *st = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, st, "Status", val_str(r->arena, on ? STR("Enabled") : STR("Disabled")));
    val_set_c(r->arena, out, "AbacStatus", st);
    return GR_OK;
}

int s3__abac_enabled(req_t *r, sqlite3 *db, str_t bucket, bool *on)
{
    val_t *doc = NULL;
    int rc = s3_cfg_get(r, db, bucket, KIND, &doc);
    *on = rc > 0 && str_eq_c(val_get_str(doc, "Status"), "Enabled");
    return rc < 0 ? GR_ERR : GR_OK;
}

const val_t *s3__abac_tags(req_t *r, sqlite3 *db, str_t bucket)
{
    bool on;
    if (s3__abac_enabled(r, db, bucket, &on) != GR_OK || !on) return NULL;
    val_t *doc = NULL;
    if (s3_cfg_get(r, db, bucket, "tagging", &doc) != 1) return NULL;
    const val_t *set = val_get(doc, "TagSet");
    return set && set->kind == VAL_LIST && set->u.list.n ? set : NULL;
}

/* The registry's resource_tags hook: a bucket ARN (arn:aws:s3:::B) or an
 * object ARN of it (arn:aws:s3:::B/KEY) has the bucket's tags, as a list of
 * {Key, Value}, while the bucket's ABAC is Enabled. AWS (API_AbacStatus):
 * "When ABAC is disabled for the general purpose buckets, you can only use
 * tags for cost tracking purposes" — then, as for a bucket gureum does not
 * hold, there are none. */
int s3_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    *tags = NULL;
    str_t prefix = STR("arn:aws:s3:::");
    if (!str_starts_with(resource, prefix)) return GR_OK;
    str_t rest = str_sub(resource, prefix.len, resource.len - prefix.len);
    long slash = str_index(rest, '/');
    str_t bucket = slash >= 0 ? str_sub(rest, 0, (size_t)slash) : rest;
    if (!bucket.len) return GR_OK;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    *tags = s3__abac_tags(r, db, bucket);
    return GR_OK;
}
