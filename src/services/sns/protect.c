/* protect.c — message data protection: what a topic's data protection
 * policy (PutDataProtectionPolicy, CreateTopic's DataProtectionPolicy;
 * stored by topic.c) does to the messages that go through the topic.
 *
 * Request flow: topic.c validates a policy with sns__dp_reason before
 * storing it; publish_one (publish.c) compiles the topic's policy with
 * sns__dp_load, runs its Inbound statements on the published message with
 * sns__dp_inbound (Audit findings, Deny, Deidentify), and sns__fan_out runs
 * its Outbound statements per subscription with sns__dp_outbound before
 * each delivery. Detection is services/dataident.c's, shared with CloudWatch
 * Logs (AWS's whole catalogue of managed identifiers); a policy naming an
 * identifier outside it is refused when it is put, so what is stored is
 * always enforced.
 *
 * AWS (Amazon SNS Developer Guide, "Data protection policy operations" and
 * "Understanding data protection policies"): Audit samples inbound messages
 * (SampleRate 0–99) and logs findings to FindingsDestination (or that none
 * were found to NoFindingsDestination): a CloudWatch Logs group whose name
 * starts with /aws/vendedlogs/, an S3 bucket or a Firehose stream; Deny
 * blocks the Publish (inbound) or fails the delivery (outbound); Deidentify
 * masks (MaskConfig, MaskWithCharacter) or redacts (RedactConfig) the
 * sensitive data. */
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "services/app.h"
#include "services/dataident.h"
#include "services/dispatch.h"
#include "services/logs/logs.h"
#include "services/s3/s3.h"
#include "services/sns/sns_int.h"

typedef enum { DP_AUDIT, DP_DENY, DP_DEIDENTIFY } dp_op_t;

/* Where audit reports go: a log group and/or a bucket (STR_NULL: none). */
typedef struct {
    str_t group, bucket;
} dp_dest_t;

typedef struct {
    bool outbound;
    dp_op_t op;
    const json_t *principals; /* the statement's Principal list */
    dataident_t *ids;
    int sample_rate;                /* Audit: percent of messages audited */
    dp_dest_t findings, nofindings; /* Audit */
    int mask_char;                  /* Deidentify: the masking character, or -1 to redact */
} dp_stmt_t;

struct sns_dp {
    dp_stmt_t *st;
    size_t n;
};

/* ==== Reading a policy ==== */

/* The managed identifier an ARN names: AWS's documents write
 * arn:aws:dataprotection::aws:data-identifier/NAME, and AWS answers
 * arn:aws:dataprotection:REGION::data-identifier/NAME (LocalStack's
 * recording of test_data_protection_policy_crud); STR_NULL when ident is no
 * data identifier ARN. */
static str_t managed_name(str_t ident)
{
    if (!str_starts_with(ident, STR("arn:"))) return STR_NULL;
    size_t colons = 0, at[5];
    for (size_t i = 0; i < ident.len && colons < 5; i++)
        if (ident.p[i] == ':') at[colons++] = i;
    if (colons < 5) return STR_NULL;
    str_t service = str_sub(ident, at[1] + 1, at[2] - at[1] - 1);
    str_t resource = str_sub(ident, at[4] + 1, ident.len - at[4] - 1);
    if (!str_eq_c(service, "dataprotection") || !str_starts_with(resource, STR("data-identifier/"))) return STR_NULL;
    return str_sub(resource, strlen("data-identifier/"), resource.len - strlen("data-identifier/"));
}

/* Adds the identifier a statement names: a managed identifier's ARN, or the
 * Name of one of the policy's Configuration.CustomDataIdentifier. */
static const char *add_ident(arena_t *a, dataident_t *d, const json_t *doc, str_t ident)
{
    const char *why = NULL;
    str_t name = managed_name(ident);
    if (name.p) {
        if (dataident_add_managed(d, a, name, &why)) return NULL;
    } else {
        const json_t *conf = json_get(doc, "Configuration");
        const json_t *custom = conf && conf->type == JSON_OBJECT ? json_get(conf, "CustomDataIdentifier") : NULL;
        for (size_t i = 0; custom && custom->type == JSON_ARRAY && i < custom->u.arr.n; i++) {
            const json_t *c = custom->u.arr.v[i];
            const json_t *n = c->type == JSON_OBJECT ? json_get(c, "Name") : NULL;
            const json_t *x = c->type == JSON_OBJECT ? json_get(c, "Regex") : NULL;
            if (n && x && n->type == JSON_STRING && x->type == JSON_STRING && str_eq(n->u.s, ident))
                return dataident_add_custom(d, a, ident, x->u.s, &why) ? NULL : why;
        }
    }
    return arena_printf(a,
                        "DataIdentifier %.*s is neither a managed data identifier (see %s) nor a "
                        "CustomDataIdentifier of the policy's Configuration",
                        STR_FMT(ident), dataident_managed_names());
}

/* An Audit destination object: NULL when it is one gureum writes to. */
static const char *read_dest(arena_t *a, const json_t *o, const char *which, dp_dest_t *d)
{
    *d = (dp_dest_t){0};
    if (!o) return NULL;
    if (o->type != JSON_OBJECT) return arena_printf(a, "%s must be an object", which);
    if (json_get(o, "Firehose"))
        return arena_printf(a,
                            "%s.Firehose: gureum serves no Amazon Data Firehose; audit findings go to CloudWatch "
                            "Logs or S3 only",
                            which);
    const json_t *cwl = json_get(o, "CloudWatchLogs"), *s3 = json_get(o, "S3");
    if (cwl) {
        const json_t *g = cwl->type == JSON_OBJECT ? json_get(cwl, "LogGroup") : NULL;
        /* AWS: "The LogGroup must be in the topic region and the name must
         * start with /aws/vendedlogs/." */
        if (!g || g->type != JSON_STRING || !str_starts_with(g->u.s, STR("/aws/vendedlogs/")))
            return arena_printf(a,
                                "%s.CloudWatchLogs.LogGroup must be a log group name that starts with "
                                "/aws/vendedlogs/",
                                which);
        d->group = g->u.s;
    }
    if (s3) {
        const json_t *b = s3->type == JSON_OBJECT ? json_get(s3, "Bucket") : NULL;
        if (!b || b->type != JSON_STRING || !b->u.s.len)
            return arena_printf(a, "%s.S3.Bucket must be a bucket name", which);
        d->bucket = b->u.s;
    }
    if (!d->group.p && !d->bucket.p) return arena_printf(a, "%s must name CloudWatchLogs or S3", which);
    return NULL;
}

/* A statement's Operation body; NULL when valid. */
static const char *read_op(arena_t *a, str_t kind, const json_t *body, dp_stmt_t *s)
{
    if (body->type != JSON_OBJECT) return arena_printf(a, "Operation.%.*s must be an object", STR_FMT(kind));
    if (str_eq_c(kind, "Deny")) {
        s->op = DP_DENY;
        return NULL;
    }
    if (str_eq_c(kind, "Deidentify")) {
        s->op = DP_DEIDENTIFY;
        const json_t *mask = json_get(body, "MaskConfig"), *redact = json_get(body, "RedactConfig");
        if (!mask == !redact) return "Deidentify must have exactly one of MaskConfig or RedactConfig";
        if (redact) {
            if (redact->type != JSON_OBJECT) return "RedactConfig must be an object";
            s->mask_char = -1;
            return NULL;
        }
        if (mask->type != JSON_OBJECT) return "MaskConfig must be an object";
        s->mask_char = '*'; /* AWS: MaskConfig {} masks with asterisks */
        const json_t *c = json_get(mask, "MaskWithCharacter");
        if (!c) return NULL;
        /* one printable character; a quote or backslash would break the JSON a
         * notification carries the message in */
        if (c->type != JSON_STRING || c->u.s.len != 1 || c->u.s.p[0] < 0x20 || c->u.s.p[0] > 0x7e ||
            c->u.s.p[0] == '"' || c->u.s.p[0] == '\\')
            return "MaskWithCharacter must be one printable character";
        s->mask_char = (unsigned char)c->u.s.p[0];
        return NULL;
    }
    s->op = DP_AUDIT;
    if (s->outbound) return "The Audit operation samples inbound messages: its DataDirection must be Inbound";
    const json_t *rate = json_get(body, "SampleRate");
    s->sample_rate = 100; /* no SampleRate: every message */
    if (rate) {
        /* AWS: "The sample rate can be an integer between 0–99" (the
         * documents write it as a string, "99") */
        long long v = -1;
        if (rate->type == JSON_INT)
            v = rate->u.i;
        else if (rate->type != JSON_STRING || !str_to_i64(rate->u.s, &v))
            v = -1;
        if (v < 0 || v > 99) return "SampleRate must be an integer between 0 and 99";
        s->sample_rate = (int)v;
    }
    const json_t *f = json_get(body, "FindingsDestination"), *nf = json_get(body, "NoFindingsDestination");
    if (!f && !nf) return "Audit needs a FindingsDestination or a NoFindingsDestination";
    const char *why = read_dest(a, f, "FindingsDestination", &s->findings);
    return why ? why : read_dest(a, nf, "NoFindingsDestination", &s->nofindings);
}

/* Reads and compiles a policy; NULL and *why when AWS (or gureum, for an
 * identifier or destination it cannot serve) refuses it. */
static sns_dp_t *compile(arena_t *a, str_t text, const char **why)
{
    /* AWS ("Data protection policy JSON properties"): Name, Version
     * "2021-06-01" and a non-empty Statement list; each statement has a
     * DataDirection (Inbound or Outbound), DataIdentifier and Principal
     * lists, and an Operation that is one of Audit, Deidentify or Deny; a
     * policy has at most one Audit statement. */
    const json_t *j = json_parse(a, text, NULL), *v;
    *why = NULL;
    if (!j || j->type != JSON_OBJECT) return *why = "Policy is not valid JSON", NULL;
    if (!(v = json_get(j, "Name")) || v->type != JSON_STRING || !v->u.s.len) return *why = "Name is required", NULL;
    if (!(v = json_get(j, "Version")) || v->type != JSON_STRING || !str_eq_c(v->u.s, "2021-06-01"))
        return *why = "Version must be 2021-06-01", NULL;
    const json_t *sts = json_get(j, "Statement");
    if (!sts || sts->type != JSON_ARRAY || !sts->u.arr.n) return *why = "Statement must be a non-empty list", NULL;
    sns_dp_t *dp = ARENA_NEW(a, sns_dp_t);
    if (!dp || !(dp->st = ARENA_NEWN(a, dp_stmt_t, sts->u.arr.n))) return *why = "Out of memory", NULL;
    int audits = 0;
    for (size_t i = 0; i < sts->u.arr.n; i++) {
        const json_t *st = sts->u.arr.v[i];
        dp_stmt_t *s = &dp->st[dp->n++];
        if (st->type != JSON_OBJECT) return *why = "Statement must be a list of objects", NULL;
        v = json_get(st, "DataDirection");
        if (!v || v->type != JSON_STRING || !(str_eq_c(v->u.s, "Inbound") || str_eq_c(v->u.s, "Outbound")))
            return *why = "DataDirection must be Inbound or Outbound", NULL;
        s->outbound = str_eq_c(v->u.s, "Outbound");
        static const char *const lists[] = {"DataIdentifier", "Principal"};
        for (size_t k = 0; k < 2; k++) {
            if (!(v = json_get(st, lists[k])) || v->type != JSON_ARRAY || !v->u.arr.n)
                return *why = arena_printf(a, "%s must be a non-empty list", lists[k]), NULL;
            for (size_t e = 0; e < v->u.arr.n; e++)
                if (v->u.arr.v[e]->type != JSON_STRING)
                    return *why = arena_printf(a, "%s must be a list of strings", lists[k]), NULL;
        }
        s->principals = json_get(st, "Principal");
        if (!(s->ids = dataident_new(a))) return *why = "Out of memory", NULL;
        const json_t *ids = json_get(st, "DataIdentifier");
        for (size_t e = 0; e < ids->u.arr.n; e++)
            if ((*why = add_ident(a, s->ids, j, ids->u.arr.v[e]->u.s))) return NULL;
        const json_t *op = json_get(st, "Operation");
        if (!op || op->type != JSON_OBJECT || op->u.obj.n != 1)
            return *why = "Operation must have exactly one of Audit, Deidentify or Deny", NULL;
        str_t kind = op->u.obj.k[0];
        if (!str_eq_c(kind, "Audit") && !str_eq_c(kind, "Deidentify") && !str_eq_c(kind, "Deny"))
            return *why = "Operation must have exactly one of Audit, Deidentify or Deny", NULL;
        if (str_eq_c(kind, "Audit") && ++audits > 1) return *why = "A policy may have only one Audit statement", NULL;
        if ((*why = read_op(a, kind, op->u.obj.v[0], s))) return NULL;
    }
    return dp;
}

const char *sns__dp_reason(arena_t *a, str_t text)
{
    const char *why;
    return compile(a, text, &why) ? NULL : why;
}

sns_dp_t *sns__dp_load(arena_t *a, str_t text)
{
    const char *why;
    return text.len ? compile(a, text, &why) : NULL;
}

/* ==== Enforcing it ==== */

/* Whether principal pattern p names who, as a resource policy's Principal
 * would: "*", the ARN itself, the account (its id or its root ARN) for any
 * principal of it, a role (arn:aws:iam::ACCOUNT:role/[path/]NAME) for its
 * sessions. */
static bool principal_is(str_t p, str_t who)
{
    if (str_eq_c(p, "*") || (who.len && str_eq(p, who))) return true;
    str_t acct = sns__arn_account(who);
    if (!acct.len) return false;
    if (str_eq(p, acct)) return true;
    if (!str_eq(sns__arn_account(p), acct)) return false;
    if (str_ends_with(p, STR(":root"))) return true;
    str_t role = principal_session_role(who);
    str_t prefix = str_c(":role/");
    size_t at = 0;
    while (at + prefix.len <= p.len && !str_eq(str_sub(p, at, prefix.len), prefix)) at++;
    if (!role.len || at + prefix.len > p.len) return false;
    size_t name = p.len;
    while (name > at && p.p[name - 1] != '/') name--;
    return str_eq(str_sub(p, name, p.len - name), role);
}

/* Whether statement s applies to who (or, outbound, to one of the names of
 * the subscription: its ARN and its endpoint). */
static bool applies(const dp_stmt_t *s, str_t who, str_t sub_arn, str_t endpoint)
{
    for (size_t i = 0; i < s->principals->u.arr.n; i++) {
        str_t p = s->principals->u.arr.v[i]->u.s;
        if (principal_is(p, who) || (sub_arn.len && str_eq(p, sub_arn)) || (endpoint.len && str_eq(p, endpoint)))
            return true;
    }
    return false;
}

/* The names of the identifiers found, for a refusal's message. */
static str_t found_names(arena_t *a, const dataident_t *d, const dataident_hit_t *hits, size_t n)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        if (i && hits[i].ident == hits[i - 1].ident) continue;
        if (i) buf_puts(&b, ", ");
        buf_put_str(&b, dataident_name(d, hits[i].ident));
    }
    return buf_str(&b);
}

/* gureum names the log stream and the S3 keys of audit reports (AWS
 * documents the report, not where in the destination it lands): one stream
 * per topic in the group, one object per report under this prefix. */
#define AUDIT_KEY_PREFIX "AWSLogs/%.*s/SNSDataProtection/%.*s/%.*s/%s/%.*s.json"

/* Writes one audit report to the log group and/or bucket of d, as the topic
 * owner's delivery would: the group is created when absent, the bucket
 * written by its owner (the topic's account) or, in another account, when
 * its policy lets delivery.logs.amazonaws.com put objects. A write that
 * fails is logged, never fails the Publish. */
static void write_report(struct app *app, const sns_topic_t *t, const dp_dest_t *d, str_t msg_id, str_t report)
{
    if (d->group.p) {
        logs_event_t ev = {time_now_us() / 1000, report};
        if (logs_append(app, t->account, t->region, d->group, t->name, &ev, 1) != GR_OK)
            log_warn("sns: audit findings of %.*s not written to log group %.*s", STR_FMT(t->arn), STR_FMT(d->group));
    }
    if (!d->bucket.p) return;
    req_t *r = dispatch_req_new(app, 4u << 20);
    if (!r) return;
    arena_t *ra = r->arena;
    r->who = (principal_t){.account = arena_str(ra, t->account),
                           .arn = str_c(arena_printf(ra, "arn:aws:iam::%.*s:root", STR_FMT(t->account))),
                           .user_id = arena_str(ra, t->account),
                           .root = true};
    r->region = arena_str(ra, t->region);
    char day[40];
    time_fmt_iso8601(day, time_now_us(), false);
    day[10] = 0; /* YYYY-MM-DD */
    for (char *c = day; *c; c++)
        if (*c == '-') *c = '/';
    str_t key = str_c(arena_printf(ra, AUDIT_KEY_PREFIX, STR_FMT(t->account), STR_FMT(t->region), STR_FMT(t->name), day,
                                   STR_FMT(msg_id)));
    const char *code = NULL, *msg = NULL;
    int rc = s3_write_object(r, d->bucket, key, report, "application/json", &code, &msg);
    if (rc != GR_OK && code && strcmp(code, "NoSuchBucket") != 0) {
        str_t names[1] = {STR("delivery.logs.amazonaws.com")};
        s3_service_t svc = {names, 1, t->arn, t->account};
        rc = s3_service_write_object(r, d->bucket, key, report, "application/json", &svc, &code, &msg);
    }
    if (rc != GR_OK)
        log_warn("sns: audit findings of %.*s not written to bucket %.*s: %s", STR_FMT(t->arn), STR_FMT(d->bucket),
                 code ? code : "internal error");
    arena_free(ra);
}

/* The Audit statement on one published message: sampled at its rate, the
 * report (AWS's shape: messageId, auditTimestamp, callerPrincipal,
 * resourceArn, dataIdentifiers) goes to FindingsDestination when something
 * was found, else to NoFindingsDestination. */
static void audit(struct app *app, arena_t *a, const sns_topic_t *t, const dp_stmt_t *s, str_t caller,
                  const sns_msg_t *m)
{
    /* A report written to a bucket whose notifications publish to this
     * topic would be audited again, without end. */
    static _Thread_local bool writing;
    if (writing) return;
    if (s->sample_rate < 100) {
        uint32_t roll;
        id_random_bytes(&roll, sizeof roll);
        if ((int)(roll % 100) >= s->sample_rate) return;
    }
    size_t n;
    const dataident_hit_t *hits = dataident_scan(s->ids, a, m->message, &n);
    const dp_dest_t *d = n ? &s->findings : &s->nofindings;
    if (!d->group.p && !d->bucket.p) return;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("messageId"));
    json_w_str(&w, m->msg_id);
    json_w_key(&w, STR("auditTimestamp"));
    char ts[40];
    time_fmt_iso8601(ts, time_now_us(), false);
    json_w_str(&w, str_c(ts));
    json_w_key(&w, STR("callerPrincipal"));
    json_w_str(&w, caller);
    json_w_key(&w, STR("resourceArn"));
    json_w_str(&w, t->arn);
    json_w_key(&w, STR("dataIdentifiers"));
    dataident_findings_write(&w, s->ids, hits, n);
    json_w_obj_end(&w);
    writing = true;
    write_report(app, t, d, m->msg_id, buf_str(&b));
    writing = false;
}

/* Runs the Deidentify statements that apply on text, in the policy's order. */
static str_t deidentify(arena_t *a, const sns_dp_t *dp, bool outbound, str_t who, str_t sub_arn, str_t endpoint,
                        str_t text)
{
    for (size_t i = 0; i < dp->n; i++) {
        const dp_stmt_t *s = &dp->st[i];
        if (s->op != DP_DEIDENTIFY || s->outbound != outbound || !applies(s, who, sub_arn, endpoint)) continue;
        size_t n;
        const dataident_hit_t *hits = dataident_scan(s->ids, a, text, &n);
        str_t out = dataident_deidentify(a, text, hits, n, s->mask_char);
        if (out.p) text = out;
    }
    return text;
}

/* The names a Deny statement that applies finds in text, or STR_NULL. */
static str_t denied(arena_t *a, const sns_dp_t *dp, bool outbound, str_t who, str_t sub_arn, str_t endpoint, str_t text)
{
    for (size_t i = 0; i < dp->n; i++) {
        const dp_stmt_t *s = &dp->st[i];
        if (s->op != DP_DENY || s->outbound != outbound || !applies(s, who, sub_arn, endpoint)) continue;
        size_t n;
        const dataident_hit_t *hits = dataident_scan(s->ids, a, text, &n);
        if (n) return found_names(a, s->ids, hits, n);
    }
    return STR_NULL;
}

bool sns__dp_inbound(struct app *app, arena_t *a, const sns_dp_t *dp, const sns_topic_t *t, str_t publisher,
                     sns_msg_t *m, str_t *found)
{
    *found = STR_NULL;
    if (!dp) return true;
    /* the report covers the message as published, denied or not */
    for (size_t i = 0; i < dp->n; i++)
        if (dp->st[i].op == DP_AUDIT && applies(&dp->st[i], publisher, STR_NULL, STR_NULL))
            audit(app, a, t, &dp->st[i], publisher, m);
    if ((*found = denied(a, dp, false, publisher, STR_NULL, STR_NULL, m->message)).p) return false;
    m->message = deidentify(a, dp, false, publisher, STR_NULL, STR_NULL, m->message);
    return true;
}

bool sns__dp_outbound(arena_t *a, const sns_dp_t *dp, const sns_sub_t *s, sns_msg_t *m)
{
    if (!dp) return true;
    if (denied(a, dp, true, s->principal, s->arn, s->endpoint, m->message).p) return false;
    m->message = deidentify(a, dp, true, s->principal, s->arn, s->endpoint, m->message);
    return true;
}
