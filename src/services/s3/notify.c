/* notify.c — S3 event notifications: Put/GetBucketNotificationConfiguration
 * (validated: events, prefix/suffix filters, and each destination must let
 * S3 send to it) and delivery of s3:ObjectCreated:* / s3:ObjectRemoved:*
 * events as AWS's event JSON (eventVersion 2.1) to SQS, SNS and Lambda
 * through their C interfaces, and, with EventBridgeConfiguration, of every
 * event to the default EventBridge bus (events.h). The object path calls s3_object_written /
 * s3_object_removed after its commit; delivery never fails the request
 * that caused it (AWS delivers asynchronously and at least once). */
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "services/app.h"
#include "services/events/events.h"
#include "services/lambda/lambda.h"
#include "services/sns/sns.h"
#include "services/sqs/sqs.h"

/* AWS: event records and inventory reports URL-encode a key as an HTML form
 * does: spaces as '+', '/' kept. */
str_t s3__form_encode(arena_t *a, str_t key)
{
    str_t enc = wire_url_encode(a, key, true);
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < enc.len; i++) {
        if (i + 2 < enc.len && enc.p[i] == '%' && enc.p[i + 1] == '2' && enc.p[i + 2] == '0') {
            buf_putc(&b, '+');
            i += 2;
        } else {
            buf_putc(&b, enc.p[i]);
        }
    }
    return buf_str(&b);
}

/* ==== the configuration ==== */

/* AWS: "Supported event types for SQS, SNS, and Lambda". */
static const char *const EVENTS[] = {
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
};

static bool known_event(str_t e)
{
    for (size_t i = 0; i < sizeof EVENTS / sizeof EVENTS[0]; i++)
        if (str_eq_c(e, EVENTS[i])) return true;
    return false;
}

static const struct {
    const char *list, *arn, *kind, *element; /* element: the ARN's XML name, as errors name it */
} KINDS[] = {
    {"QueueConfigurations", "QueueArn", "sqs", "Queue"},
    {"TopicConfigurations", "TopicArn", "sns", "Topic"},
    {"LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda", "CloudFunction"},
};

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, six fields at least */
static bool arn_parses(str_t arn)
{
    int colons = 0;
    for (size_t i = 0; i < arn.len; i++) colons += arn.p[i] == ':';
    return str_starts_with(arn, STR("arn:")) && colons >= 5;
}

static int bad_arg(req_t *r, const char *name, str_t value, const char *msg)
{
    return s3__bad_arg(r, &S3_E_InvalidArgument, name, value, msg);
}

static const val_t *filter_rules(const val_t *cfg)
{
    const val_t *f = val_get(cfg, "Filter");
    const val_t *k = f ? val_get(f, "Key") : NULL;
    return k ? val_get(k, "FilterRules") : NULL;
}

static bool destination_ok(req_t *r, const char *kind, str_t arn, str_t bucket_arn)
{
    app_t *app = r->app;
    if (!strcmp(kind, "sqs"))
        return sqs_allows(app, r->arena, arn, STR("s3.amazonaws.com"), "sqs:SendMessage", bucket_arn);
    if (!strcmp(kind, "sns")) return sns_allows(app, r->arena, arn, STR("s3.amazonaws.com"), "sns:Publish", bucket_arn);
    /* Lambda's permission is checked when it is invoked (lambda.h offers no
     * separate check); the ARN must at least name a function. */
    return str_starts_with(arn, STR("arn:aws:lambda:")) && strstr(arn.p, ":function:");
}

static void send_test_event(req_t *r, const char *kind, str_t arn, str_t bucket);

int s3_put_bucket_notification_configuration(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t b = val_get_str(in, "Bucket");
    if (s3_bucket_owned(r, b) != GR_OK) return GR_ERR;
    const val_t *c = val_get(in, "NotificationConfiguration");
    if (!c) c = val_new(r->arena, VAL_STRUCT);
    str_t bucket_arn = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s", STR_FMT(b)));
    bool skip = val_get_bool(in, "SkipDestinationValidation", false);
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
        const val_t *l = val_get(c, KINDS[k].list);
        for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) {
            const val_t *cfg = l->u.list.v[i], *ev = val_get(cfg, "Events");
            if (!ev || ev->kind != VAL_LIST || !ev->u.list.n) return s3__malformed(r, NULL);
            for (size_t e = 0; e < ev->u.list.n; e++) {
                const val_t *x = ev->u.list.v[e];
                if (x->kind != VAL_STR || !known_event(x->u.s))
                    return bad_arg(r, "Event", x->kind == VAL_STR ? x->u.s : STR(""),
                                   "The event is not supported for notifications");
            }
            const val_t *fr = filter_rules(cfg);
            bool seen_prefix = false, seen_suffix = false;
            for (size_t f = 0; fr && fr->kind == VAL_LIST && f < fr->u.list.n; f++) {
                str_t name = val_get_str(fr->u.list.v[f], "Name");
                bool pre = str_eq_nocase(name, STR("prefix")), suf = str_eq_nocase(name, STR("suffix"));
                if (!pre && !suf)
                    return bad_arg(r, "FilterRule.Name", name, "filter rule name must be either prefix or suffix");
                if ((pre && seen_prefix) || (suf && seen_suffix))
                    return bad_arg(r, "FilterRule.Name", name, "Cannot specify more than one prefix rule in a filter.");
                seen_prefix |= pre;
                seen_suffix |= suf;
            }
            str_t arn = val_get_str(cfg, KINDS[k].arn);
            if (!arn_parses(arn)) return bad_arg(r, KINDS[k].element, arn, "The ARN could not be parsed");
            /* AWS: "Unable to validate the following destination
             * configurations" — the destination is missing or its policy
             * does not let S3 send to it. */
            if (!skip && !destination_ok(r, KINDS[k].kind, arn, bucket_arn)) {
                r->err_extra = val_new(r->arena, VAL_STRUCT);
                val_set_c(r->arena, r->err_extra, "ArgumentName", val_str(r->arena, arn));
                val_set_c(r->arena, r->err_extra, "ArgumentValue",
                          val_cstr(r->arena, "Permissions on the destination "
                                             "queue do not allow S3 to "
                                             "publish notifications from "
                                             "this bucket"));
                return req_fail(r, &S3_E_InvalidArgument,
                                "Unable to validate the following destination configurations");
            }
        }
    }
    /* Ids: AWS names the configurations that have none. */
    val_t *doc = (val_t *)c;
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
        val_t *l = val_get(doc, KINDS[k].list);
        for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++)
            if (!val_get_str(l->u.list.v[i], "Id").len) {
                char id[37];
                id_uuid(id);
                val_set_c(r->arena, l->u.list.v[i], "Id", val_strdup(r->arena, str_c(id)));
            }
    }
    sqlite3 *db = s3__db(r);
    if (!db || s3_cfg_put(r, db, b, "notification", val_len(doc) ? doc : NULL) != GR_OK) return GR_ERR;
    /* AWS: configuring a destination sends it an s3:TestEvent. */
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
        const val_t *l = val_get(doc, KINDS[k].list);
        for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++)
            send_test_event(r, KINDS[k].kind, val_get_str(l->u.list.v[i], KINDS[k].arn), b);
    }
    return GR_OK;
}

int s3_get_bucket_notification_configuration(req_t *r, const val_t *in, val_t *out)
{
    str_t b = val_get_str(in, "Bucket");
    if (s3_bucket_owned(r, b) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    val_t *doc = NULL;
    if (!db || s3_cfg_get(r, db, b, "notification", &doc) < 0) return GR_ERR;
    for (size_t i = 0; doc && doc->kind == VAL_STRUCT && i < doc->u.obj.n; i++)
        val_set(r->arena, out, doc->u.obj.e[i].key, doc->u.obj.e[i].v);
    return GR_OK;
}

/* ==== delivery ==== */

static void deliver(req_t *r, const char *kind, str_t arn, str_t body, str_t bucket)
{
    app_t *app = r->app;
    const char *err = NULL;
    int rc = GR_ERR;
    str_t bucket_arn = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s", STR_FMT(bucket)));
    if (!strcmp(kind, "sqs")) {
        str_t mid;
        rc = sqs_deliver(app, r->arena, arn, body, NULL, STR_NULL, STR_NULL, &mid, &err);
    } else if (!strcmp(kind, "sns")) {
        str_t mid;
        rc = sns_publish_internal(app, r->arena, arn, STR("Amazon S3 Notification"), body, NULL, STR_NULL, STR_NULL,
                                  &mid, &err);
    } else {
        rc = lambda_invoke_event(app, r->arena, arn, body, STR("s3.amazonaws.com"), bucket_arn, &err);
    }
    if (rc != GR_OK)
        log_warn("s3: event notification of bucket %.*s to %.*s not delivered: %s", STR_FMT(bucket), STR_FMT(arn),
                 err ? err : "the destination's service is not available");
}

static void send_test_event(req_t *r, const char *kind, str_t arn, str_t bucket)
{
    buf_t b;
    buf_init(&b, r->arena);
    json_w_t w;
    json_w_init(&w, &b);
    char now[40];
    time_fmt_iso8601(now, time_now_us(), true);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Service"));
    json_w_str(&w, STR("Amazon S3"));
    json_w_key(&w, STR("Event"));
    json_w_str(&w, STR("s3:TestEvent"));
    json_w_key(&w, STR("Time"));
    json_w_str(&w, str_c(now));
    json_w_key(&w, STR("Bucket"));
    json_w_str(&w, bucket);
    json_w_key(&w, STR("RequestId"));
    json_w_str(&w, str_c(r->id));
    json_w_key(&w, STR("HostId"));
    json_w_str(&w, str_c(r->id));
    json_w_obj_end(&w);
    deliver(r, kind, arn, buf_str(&b), bucket);
}

/* Does "s3:ObjectCreated:*" or "s3:ObjectCreated:Put" cover "ObjectCreated:Put"? */
static bool event_matches(const val_t *events, const char *event)
{
    str_t ev = str_c(event);
    long colon = str_index(ev, ':');
    str_t family = colon < 0 ? ev : str_sub(ev, 0, (size_t)colon);
    for (size_t i = 0; events && events->kind == VAL_LIST && i < events->u.list.n; i++) {
        const val_t *x = events->u.list.v[i];
        if (x->kind != VAL_STR || !str_starts_with(x->u.s, STR("s3:"))) continue;
        str_t e = str_sub(x->u.s, 3, x->u.s.len - 3);
        if (str_eq(e, ev)) return true;
        if (str_ends_with(e, STR(":*")) && str_eq(str_sub(e, 0, e.len - 2), family)) return true;
    }
    return false;
}

static bool filter_matches(const val_t *cfg, str_t key)
{
    const val_t *fr = filter_rules(cfg);
    for (size_t i = 0; fr && fr->kind == VAL_LIST && i < fr->u.list.n; i++) {
        str_t name = val_get_str(fr->u.list.v[i], "Name"), v = val_get_str(fr->u.list.v[i], "Value");
        if (str_eq_nocase(name, STR("prefix")) && !str_starts_with(key, v)) return false;
        if (str_eq_nocase(name, STR("suffix")) && !str_ends_with(key, v)) return false;
    }
    return true;
}

static void wstr(json_w_t *w, const char *k, str_t v)
{
    json_w_key(w, str_c(k));
    json_w_str(w, v);
}

/* AWS: "Event message structure" (S3 User Guide), eventVersion 2.1. */
static str_t event_json(req_t *r, str_t bucket, str_t owner, str_t key, const char *event, int64_t size, str_t etag,
                        str_t version_id, str_t config_id)
{
    arena_t *a = r->arena;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    char now[40];
    int64_t t = time_now_us();
    time_fmt_iso8601(now, t, true);
    str_t principal = r->who.anonymous ? STR("Anonymous") : str_c(arena_printf(a, "AWS:%.*s", STR_FMT(r->who.user_id)));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Records"));
    json_w_arr_begin(&w);
    json_w_obj_begin(&w);
    wstr(&w, "eventVersion", STR("2.1"));
    wstr(&w, "eventSource", STR("aws:s3"));
    wstr(&w, "awsRegion", r->region.len ? r->region : STR("us-east-1"));
    wstr(&w, "eventTime", str_c(now));
    wstr(&w, "eventName", str_c(event));
    json_w_key(&w, STR("userIdentity"));
    json_w_obj_begin(&w);
    wstr(&w, "principalId", principal);
    json_w_obj_end(&w);
    json_w_key(&w, STR("requestParameters"));
    json_w_obj_begin(&w);
    wstr(&w, "sourceIPAddress", str_c(r->w.peer_ip ? r->w.peer_ip : "127.0.0.1"));
    json_w_obj_end(&w);
    json_w_key(&w, STR("responseElements"));
    json_w_obj_begin(&w);
    wstr(&w, "x-amz-request-id", str_c(r->id));
    wstr(&w, "x-amz-id-2", str_c(r->id));
    json_w_obj_end(&w);
    json_w_key(&w, STR("s3"));
    json_w_obj_begin(&w);
    wstr(&w, "s3SchemaVersion", STR("1.0"));
    wstr(&w, "configurationId", config_id);
    json_w_key(&w, STR("bucket"));
    json_w_obj_begin(&w);
    wstr(&w, "name", bucket);
    json_w_key(&w, STR("ownerIdentity"));
    json_w_obj_begin(&w);
    wstr(&w, "principalId", owner);
    json_w_obj_end(&w);
    wstr(&w, "arn", str_c(arena_printf(a, "arn:aws:s3:::%.*s", STR_FMT(bucket))));
    json_w_obj_end(&w);
    json_w_key(&w, STR("object"));
    json_w_obj_begin(&w);
    wstr(&w, "key", s3__form_encode(a, key));
    if (size >= 0) {
        json_w_key(&w, STR("size"));
        json_w_int(&w, size);
    }
    if (etag.len) {
        wstr(&w, "eTag", s3__etag_bare(etag));
    }
    if (version_id.len) wstr(&w, "versionId", version_id);
    wstr(&w, "sequencer", str_c(arena_printf(a, "%016llX", (unsigned long long)t)));
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* ==== to EventBridge ==== */

/* AWS: "Using EventBridge" (S3 User Guide), "EventBridge event message
 * structure", and LocalStack's recorded answers: the detail-type of each S3
 * event, the reason it names when there is one, and which object fields it
 * carries (an ACL or tag change has no size or sequencer; a deletion no size
 * or etag, but a deletion-type). */
enum { EB_SIZE = 1, EB_ETAG = 2, EB_SEQ = 4, EB_DELETION = 8 };
#define EB_CREATED (EB_SIZE | EB_ETAG | EB_SEQ)
#define EB_REMOVED (EB_SEQ | EB_DELETION)
static const struct {
    const char *event, *dtype, *reason;
    unsigned fields;
} EB_TYPES[] = {
    {"ObjectCreated:Put", "Object Created", "PutObject", EB_CREATED},
    {"ObjectCreated:Post", "Object Created", "PostObject", EB_CREATED},
    {"ObjectCreated:Copy", "Object Created", "CopyObject", EB_CREATED},
    {"ObjectCreated:CompleteMultipartUpload", "Object Created", "CompleteMultipartUpload", EB_CREATED},
    {"ObjectRemoved:Delete", "Object Deleted", "DeleteObject", EB_REMOVED},
    {"ObjectRemoved:DeleteMarkerCreated", "Object Deleted", "DeleteObject", EB_REMOVED},
    {"LifecycleExpiration:Delete", "Object Deleted", "Lifecycle Expiration", EB_REMOVED},
    {"LifecycleExpiration:DeleteMarkerCreated", "Object Deleted", "Lifecycle Expiration", EB_REMOVED},
    {"ObjectRestore:Post", "Object Restore Initiated", NULL, EB_SIZE | EB_ETAG},
    {"ObjectRestore:Completed", "Object Restore Completed", NULL, EB_SIZE | EB_ETAG},
    {"ObjectRestore:Delete", "Object Restore Expired", NULL, EB_SIZE | EB_ETAG},
    {"ObjectTagging:Put", "Object Tags Added", NULL, EB_ETAG},
    {"ObjectTagging:Delete", "Object Tags Deleted", NULL, EB_ETAG},
    {"ObjectAcl:Put", "Object ACL Updated", NULL, EB_ETAG},
    {"LifecycleTransition", "Object Storage Class Changed", NULL, EB_SIZE | EB_ETAG},
    {"IntelligentTiering", "Object Access Tier Changed", NULL, EB_SIZE | EB_ETAG},
};

/* Puts the event on the default bus of the bucket's account and region
 * (AWS: EventBridgeConfiguration sends every event, with no filter). */
static void to_eventbridge(req_t *r, str_t bucket, str_t account, str_t region, str_t key, const char *event,
                           int64_t size, str_t etag, str_t version_id)
{
    size_t i = 0;
    while (i < sizeof EB_TYPES / sizeof EB_TYPES[0] && strcmp(EB_TYPES[i].event, event)) i++;
    if (i == sizeof EB_TYPES / sizeof EB_TYPES[0]) return;
    arena_t *a = r->arena;
    const char *reason = EB_TYPES[i].reason;
    unsigned fields = EB_TYPES[i].fields;
    /* one delete_one serves DeleteObject and each key of DeleteObjects */
    if (reason && !strcmp(reason, "DeleteObject") && str_eq(r->op_name, STR("DeleteObjects"))) reason = "DeleteObjects";
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    wstr(&w, "version", STR("0"));
    json_w_key(&w, STR("bucket"));
    json_w_obj_begin(&w);
    wstr(&w, "name", bucket);
    json_w_obj_end(&w);
    json_w_key(&w, STR("object"));
    json_w_obj_begin(&w);
    wstr(&w, "key", key);
    if (size >= 0 && (fields & EB_SIZE)) {
        json_w_key(&w, STR("size"));
        json_w_int(&w, size);
    }
    if (etag.len && (fields & EB_ETAG)) wstr(&w, "etag", s3__etag_bare(etag));
    if (version_id.len && !str_eq(version_id, STR("null"))) wstr(&w, "version-id", version_id);
    if (fields & EB_SEQ) wstr(&w, "sequencer", str_c(arena_printf(a, "%016llX", (unsigned long long)time_now_us())));
    json_w_obj_end(&w);
    wstr(&w, "request-id", str_c(r->id));
    wstr(&w, "requester", r->who.anonymous ? STR("anonymous") : r->who.account);
    wstr(&w, "source-ip-address", str_c(r->w.peer_ip ? r->w.peer_ip : "127.0.0.1"));
    if (reason) wstr(&w, "reason", str_c(reason));
    if (fields & EB_DELETION)
        wstr(&w, "deletion-type",
             str_ends_with(str_c(event), STR("DeleteMarkerCreated")) ? STR("Delete Marker Created")
                                                                     : STR("Permanently Deleted"));
    json_w_obj_end(&w);
    const json_t *detail = json_parse(a, buf_str(&b), NULL);
    str_t arn = str_c(arena_printf(a, "arn:aws:s3:::%.*s", STR_FMT(bucket)));
    if (detail)
        events_put_service_event(r->app, a, account, region, STR("aws.s3"), str_c(EB_TYPES[i].dtype), &arn, 1, detail);
}

/* The event to the bucket's SQS / SNS / Lambda configurations that want it,
 * and as eb_event (eb_version) to EventBridge when that is on: a deletion
 * tells EventBridge whether it made a marker, which the older path never
 * said. */
static void notify(req_t *r, str_t bucket, str_t key, const char *event, int64_t size, str_t etag, str_t version_id,
                   const char *eb_event, str_t eb_version)
{
    sqlite3 *db = s3__db(r);
    val_t *doc;
    if (!db || s3_cfg_get(r, db, bucket, "notification", &doc) != 1) return;
    str_t owner, region;
    if (s3_bucket_owner(r, db, bucket, &owner, &region) != 1) return;
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
        const val_t *l = val_get(doc, KINDS[k].list);
        for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) {
            const val_t *cfg = l->u.list.v[i];
            if (!event_matches(val_get(cfg, "Events"), event) || !filter_matches(cfg, key)) continue;
            str_t body = event_json(r, bucket, owner, key, event, size, etag, version_id, val_get_str(cfg, "Id"));
            deliver(r, KINDS[k].kind, val_get_str(cfg, KINDS[k].arn), body, bucket);
        }
    }
    if (val_get(doc, "EventBridgeConfiguration"))
        to_eventbridge(r, bucket, owner, region.len ? region : STR("us-east-1"), key, eb_event, size, etag, eb_version);
}

void s3_notify(req_t *r, str_t bucket, str_t key, const char *event, int64_t size, str_t etag, str_t version_id)
{
    notify(r, bucket, key, event, size, etag, version_id, event, version_id);
}

void s3_object_written(req_t *r, str_t bucket, str_t key, const val_t *in, const char *event, int64_t size, str_t etag)
{
    if (s3_object_acl_from_put(r, bucket, key, in) != GR_OK) {
        log_warn("s3: the ACL of %.*s/%.*s was not stored", STR_FMT(bucket), STR_FMT(key));
        r->err = NULL;
    }
    s3_notify(r, bucket, key, event, size, etag, val_get_str(r->out, "VersionId"));
}

void s3_object_removed(req_t *r, str_t bucket, str_t key, const char *event, str_t version_id, bool marker)
{
    sqlite3 *db = s3__db(r);
    if (db) s3_obj_acl_put(r, db, bucket, key, NULL);
    notify(r, bucket, key, event, -1, STR_NULL, STR_NULL, marker ? "ObjectRemoved:DeleteMarkerCreated" : event,
           version_id);
}
