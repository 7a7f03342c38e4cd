/* logging.c — S3 server access logging configuration: PutBucketLogging
 * checks the target bucket as AWS does and stores the BucketLoggingStatus
 * (as kind "logging" in s3_bucket_config, bucket_config.c); GetBucketLogging
 * answers it back exactly. The records themselves are written and delivered
 * by serverlog.c, which this file tells when a configuration changes, and
 * which asks here whether the log-delivery service may write into a target.
 * Invariant: a stored configuration names an existing target bucket of the
 * source's owner in the source's region when it is put; a target deleted
 * later only makes deliveries fail (serverlog.c drops them). */
#include "auth/policy.h"
#include "core/json.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

#define LOG_DELIVERY_GROUP "http://acs.amazonaws.com/groups/s3/LogDelivery"
#define LOGGING_SERVICE "logging.s3.amazonaws.com"

/* AWS: GET ?logging of a bucket without logging answers an empty
 * <BucketLoggingStatus/> (no LoggingEnabled element); with logging, what
 * PutBucketLogging stored, member for member (LocalStack recorded: no
 * TargetObjectKeyFormat is added when none was put). */
int s3_get_bucket_logging(req_t *r, const val_t *in, val_t *out)
{
    str_t bucket = val_get_str(in, "Bucket");
    if (s3_bucket_owned(r, bucket) != GR_OK) return GR_ERR;
    val_t *doc;
    int found = s3_cfg_get(r, s3__db(r), bucket, "logging", &doc);
    if (found < 0) return GR_ERR;
    const val_t *enabled = found ? val_get(doc, "LoggingEnabled") : NULL;
    if (enabled) val_set_c(r->arena, out, "LoggingEnabled", (val_t *)enabled);
    return GR_OK;
}

static void extra(req_t *r, const char *name, str_t value)
{
    if (!r->err_extra) r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, name, val_strdup(r->arena, value));
}

/* Whether principal p (a policy's "Principal") names the log-delivery
 * service: {"Service": "logging.s3.amazonaws.com"} or a list holding it. */
static bool names_logging_service(const json_t *p)
{
    const json_t *s = p && p->type == JSON_OBJECT ? json_get(p, "Service") : NULL;
    if (s && s->type == JSON_STRING) return str_eq_c(s->u.s, LOGGING_SERVICE);
    for (size_t i = 0; s && s->type == JSON_ARRAY && i < s->u.arr.n; i++)
        if (s->u.arr.v[i]->type == JSON_STRING && str_eq_c(s->u.arr.v[i]->u.s, LOGGING_SERVICE)) return true;
    return false;
}

/* Whether the target's bucket policy has an Allow statement for the
 * log-delivery service principal; its resource and conditions are checked
 * at each delivery (s3__log_delivery_allowed), as AWS checks them when it
 * writes. */
static bool policy_names_service(req_t *r, sqlite3 *db, str_t target)
{
    val_t *doc;
    if (s3_cfg_get(r, db, target, "policy", &doc) != 1) return false;
    json_t *j = json_parse(r->arena, val_get_str(doc, "Policy"), NULL);
    const json_t *st = j && j->type == JSON_OBJECT ? json_get(j, "Statement") : NULL;
    size_t n = st && st->type == JSON_ARRAY ? st->u.arr.n : st ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = st->type == JSON_ARRAY ? st->u.arr.v[i] : st;
        const json_t *effect = s->type == JSON_OBJECT ? json_get(s, "Effect") : NULL;
        if (effect && effect->type == JSON_STRING && str_eq_c(effect->u.s, "Allow") &&
            names_logging_service(json_get(s, "Principal")))
            return true;
    }
    return false;
}

/* Whether acl grants the LogDelivery group perm (FULL_CONTROL counts). */
static bool acl_grants_log_delivery(const val_t *acl, const char *perm)
{
    const val_t *g = acl ? val_get(acl, "Grants") : NULL;
    for (size_t i = 0; g && g->kind == VAL_LIST && i < g->u.list.n; i++) {
        const val_t *ge = val_get(g->u.list.v[i], "Grantee");
        str_t p = val_get_str(g->u.list.v[i], "Permission");
        if (str_eq_c(val_get_str(ge, "URI"), LOG_DELIVERY_GROUP) && (str_eq_c(p, perm) || str_eq_c(p, "FULL_CONTROL")))
            return true;
    }
    return false;
}

/* AWS ("Permissions for log delivery"): the logging service writes key into
 * target when the target's bucket policy allows the service principal
 * s3:PutObject there (aws:SourceArn, aws:SourceAccount: the source bucket
 * and its owner), or, with ACLs enabled, when its ACL grants the LogDelivery
 * group WRITE. An explicit Deny wins. */
bool s3__log_delivery_allowed(req_t *r, sqlite3 *db, str_t target, str_t key, str_t source, str_t source_account)
{
    val_t *doc;
    if (s3_cfg_get(r, db, target, "policy", &doc) == 1) {
        policy_t *p = policy_parse(val_get_str(doc, "Policy"), POLICY_RESOURCE, NULL, 0);
        if (p) {
            principal_t svc = {.arn = STR(LOGGING_SERVICE), .user_id = STR(LOGGING_SERVICE)};
            str_t src_arn = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s", STR_FMT(source)));
            policy_ctx_t ctx[2] = {{STR("aws:SourceArn"), &src_arn, 1}, {STR("aws:SourceAccount"), &source_account, 1}};
            policy_req_t pr = {
                .action = STR("s3:PutObject"),
                .resource = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(target), STR_FMT(key))),
                .who = &svc,
                .ctx = ctx,
                .nctx = 2};
            policy_result_t v = policy_eval_one(p, &pr);
            policy_free(p);
            if (v != POLICY_IMPLICIT_DENY) return v == POLICY_ALLOW;
        }
    }
    val_t *acl = NULL;
    return !s3__acls_disabled(r, db, target) && s3_cfg_get(r, db, target, "acl", &acl) == 1 &&
           acl_grants_log_delivery(acl, "WRITE");
}

/* AWS (recorded): a target bucket that does not exist is
 * InvalidTargetBucketForLogging (400, naming it); one in another region is
 * CrossLocationLoggingProhibitted (403) with the target's region, and the
 * source's too unless the source is in us-east-1. The message ends in a
 * space on AWS. AWS ("PutBucketLogging", "Enabling server access logging"):
 * the target must be owned by the source's owner; TargetGrants are refused
 * for a target whose ACLs are disabled (BucketOwnerEnforced:
 * AccessControlListNotSupported, observed); a target with ACLs enabled must
 * let the log-delivery service write, by its ACL or its bucket policy
 * (InvalidTargetBucketForLogging). A BucketOwnerEnforced target without a
 * policy is accepted (LocalStack recorded): its deliveries need one. */
static int check_target(req_t *r, str_t source, const val_t *enabled)
{
    static const aws_errdef_t E_InvalidTarget = {"InvalidTargetBucketForLogging", 400, true};
    static const aws_errdef_t E_CrossLocation = {"CrossLocationLoggingProhibitted", 403, true};
    static const aws_errdef_t E_AclNotSupported = {"AccessControlListNotSupported", 400, true};
    str_t target = val_get_str(enabled, "TargetBucket");
    sqlite3 *db = s3__db(r);
    str_t src_owner = STR_NULL, src_region = STR_NULL, dst_owner = STR_NULL, dst_region = STR_NULL;
    if (!db || s3_bucket_owner(r, db, source, &src_owner, &src_region) != 1) return GR_ERR;
    int found = s3_bucket_owner(r, db, target, &dst_owner, &dst_region);
    if (found < 0) return GR_ERR;
    if (!found) {
        extra(r, "TargetBucket", target);
        return req_fail(r, &E_InvalidTarget, "The target bucket for logging does not exist");
    }
    if (!str_eq(src_region, dst_region)) {
        if (!str_eq_c(src_region, "us-east-1")) extra(r, "SourceBucketLocation", src_region);
        extra(r, "TargetBucketLocation", dst_region);
        return req_fail(r, &E_CrossLocation, "Cross S3 location logging not allowed. ");
    }
    if (!str_eq(src_owner, dst_owner)) {
        extra(r, "TargetBucket", target);
        return req_fail(r, &E_InvalidTarget,
                        "The owner for the bucket to be logged and the target bucket must be the same.");
    }
    const val_t *grants = val_get(enabled, "TargetGrants");
    bool enforced = s3__acls_disabled(r, db, target);
    if (enforced && grants && grants->kind == VAL_LIST && grants->u.list.n)
        return req_fail(r, &E_AclNotSupported, "Target grants not allowed for bucket owner enforced buckets");
    if (enforced || policy_names_service(r, db, target)) return GR_OK;
    val_t *acl = NULL;
    if (s3_cfg_get(r, db, target, "acl", &acl) < 0) return GR_ERR;
    if (acl_grants_log_delivery(acl, "WRITE") && acl_grants_log_delivery(acl, "READ_ACP")) return GR_OK;
    extra(r, "TargetBucket", target);
    return req_fail(r, &E_InvalidTarget,
                    "You must give the log-delivery group WRITE and READ_ACP permissions to the "
                    "target bucket");
}

int s3_put_bucket_logging(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t bucket = val_get_str(in, "Bucket"), owner;
    if (s3__bucket_owned(r, bucket, NULL, &owner) != GR_OK) return GR_ERR;
    /* AWS (PutBucketLogging): "To set the logging status of a bucket, you
     * must be the bucket owner" — a bucket policy cannot grant it to others */
    if (!str_eq(owner, r->who.account)) return req_fail(r, &ERR_AccessDenied, "Access Denied");
    const val_t *status = val_get(in, "BucketLoggingStatus");
    if (!status) return s3__malformed(r, NULL);
    /* AWS: an empty BucketLoggingStatus disables logging */
    const val_t *enabled = val_get(status, "LoggingEnabled");
    /* Only one key format, and a date source of the schema's enumeration */
    const val_t *fmt = val_get(enabled, "TargetObjectKeyFormat"), *pp = val_get(fmt, "PartitionedPrefix");
    str_t date_source = val_get_str(pp, "PartitionDateSource");
    if ((pp && val_get(fmt, "SimplePrefix")) ||
        (date_source.p && !str_eq_c(date_source, "EventTime") && !str_eq_c(date_source, "DeliveryTime")))
        return s3__malformed(r, NULL);
    if (enabled && check_target(r, bucket, enabled) != GR_OK) return GR_ERR;
    val_t *doc = NULL;
    if (enabled) {
        doc = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, doc, "LoggingEnabled", (val_t *)enabled);
    }
    if (s3_cfg_put(r, s3__db(r), bucket, "logging", doc) != GR_OK) return GR_ERR;
    s3__serverlog_changed();
    return GR_OK;
}
