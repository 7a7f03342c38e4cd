/* protect.c — data protection policies (Put/Get/DeleteDataProtectionPolicy,
 * and PutAccountPolicy's DATA_PROTECTION_POLICY) and the masking they cause
 * at ingestion. event.c asks logs__mask_for which identifiers govern a
 * group, then logs__mask for each event: the masked text is stored beside
 * the original, GetLogEvents and FilterLogEvents show it, and only a caller
 * with logs:Unmask who asks (unmask=true) sees the original.
 *
 * AWS: "Sensitive data is detected and masked when it is ingested into the
 * log group ... log events ingested into the log group before that time are
 * not masked"; a group's own policy and the account's are cumulative. The
 * managed identifiers detected here are a subset of AWS's, matched by
 * pattern (and the Luhn check for card numbers); a policy naming one gureum
 * does not detect is refused rather than silently not masking. */
#include <ctype.h>
#include <regex.h>
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/authz.h"

#define DP_TYPE "DATA_PROTECTION_POLICY"
#define IDENT_PREFIX "arn:aws:dataprotection::aws:data-identifier/"
#define MAX_DETECTORS 64

/* The managed identifiers gureum detects, as POSIX extended expressions. */
static const struct {
    const char *name, *re;
    bool luhn; /* a match must also pass the Luhn check */
} managed[] = {
    {"EmailAddress", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}", false},
    {"IpAddress", "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}",
     false},
    {"CreditCardNumber", "[0-9]{4}([ -]?[0-9]{4}){2}[ -]?[0-9]{1,7}", true},
    {"Ssn-US", "[0-9]{3}-[0-9]{2}-[0-9]{4}", false},
    {"PhoneNumber-US", "(\\+1[ .-]?)?\\(?[2-9][0-9]{2}\\)?[ .-][0-9]{3}[ .-][0-9]{4}", false},
    {"AwsSecretKey", "(aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey)[\"' :=]+[A-Za-z0-9/+]{40}", false},
};

typedef struct {
    regex_t re;
    bool luhn;
    str_t name; /* as audit findings name it: EmailAddress, or the custom identifier's name */
} detector_t;

struct logs_mask {
    detector_t d[MAX_DETECTORS];
    size_t n;
    str_t audit[2]; /* the log groups audit findings go to (one per policy), or STR_NULL */
};

static bool luhn_ok(const char *p, size_t len)
{
    int sum = 0, digits = 0;
    for (size_t i = len; i-- > 0;) {
        if (!isdigit((unsigned char)p[i])) continue;
        int d = p[i] - '0';
        if (digits++ % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

const char *logs__posix_regex(arena_t *a, str_t re)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < re.len; i++) {
        if (re.p[i] == '\\' && i + 1 < re.len && strchr("dwsDWS", re.p[i + 1])) {
            static const char *const cls[] = {"[0-9]",  "[A-Za-z0-9_]",  "[[:space:]]",
                                              "[^0-9]", "[^A-Za-z0-9_]", "[^[:space:]]"};
            buf_puts(&b, cls[strchr("dwsDWS", re.p[++i]) - "dwsDWS"]);
        } else {
            buf_putc(&b, re.p[i]);
        }
    }
    return buf_str(&b).p ? arena_strndup(a, buf_str(&b).p, buf_str(&b).len) : NULL;
}

static void regex_free(void *re)
{
    regfree(re);
}

/* Adds the detector of identifier `ident` (a managed identifier's ARN or a
 * custom identifier's name from the document's Configuration) to m. false
 * (and *why) when gureum cannot detect it. */
static bool add_detector(arena_t *a, logs_mask_t *m, const json_t *doc, str_t ident, const char **why)
{
    const char *re = NULL;
    bool luhn = false;
    str_t name = ident;
    if (str_starts_with(ident, STR(IDENT_PREFIX))) {
        name = str_n(ident.p + strlen(IDENT_PREFIX), ident.len - strlen(IDENT_PREFIX));
        for (size_t i = 0; i < sizeof managed / sizeof managed[0]; i++)
            if (str_eq(name, str_c(managed[i].name))) re = managed[i].re, luhn = managed[i].luhn;
    } else {
        const json_t *conf = json_get(doc, "Configuration");
        const json_t *custom = conf ? json_get(conf, "CustomDataIdentifier") : NULL;
        for (size_t i = 0; custom && custom->type == JSON_ARRAY && i < custom->u.arr.n; i++) {
            const json_t *c = custom->u.arr.v[i], *n = json_get(c, "Name"), *x = json_get(c, "Regex");
            if (n && x && n->type == JSON_STRING && x->type == JSON_STRING && str_eq(n->u.s, ident))
                re = logs__posix_regex(a, x->u.s);
        }
    }
    if (!re) {
        *why = arena_printf(a,
                            "DataIdentifier %.*s is not one gureum detects (managed: EmailAddress, IpAddress, "
                            "CreditCardNumber, Ssn-US, PhoneNumber-US, AwsSecretKey; or a CustomDataIdentifier "
                            "of the policy's Configuration).",
                            STR_FMT(ident));
        return false;
    }
    /* the Audit and Deidentify statements name the same identifiers */
    for (size_t i = 0; i < m->n; i++)
        if (str_eq(m->d[i].name, name)) return true;
    if (m->n == MAX_DETECTORS) return true;
    detector_t *d = &m->d[m->n];
    if (regcomp(&d->re, re, REG_EXTENDED) != 0) {
        *why = arena_printf(a, "The regular expression of custom data identifier %.*s is not valid.", STR_FMT(ident));
        return false;
    }
    arena_defer(a, regex_free, &d->re);
    d->luhn = luhn;
    d->name = name;
    m->n++;
    return true;
}

/* The log group a document's Audit statement sends findings to, or STR_NULL. */
static str_t audit_group(const json_t *doc)
{
    const json_t *sts = json_get(doc, "Statement");
    for (size_t i = 0; sts && sts->type == JSON_ARRAY && i < sts->u.arr.n; i++) {
        const json_t *op = json_get(sts->u.arr.v[i], "Operation");
        const json_t *audit = op && op->type == JSON_OBJECT ? json_get(op, "Audit") : NULL;
        const json_t *dest = audit && audit->type == JSON_OBJECT ? json_get(audit, "FindingsDestination") : NULL;
        const json_t *cwl = dest && dest->type == JSON_OBJECT ? json_get(dest, "CloudWatchLogs") : NULL;
        const json_t *g = cwl && cwl->type == JSON_OBJECT ? json_get(cwl, "LogGroup") : NULL;
        if (g && g->type == JSON_STRING) return g->u.s;
    }
    return STR_NULL;
}

/* Reads a document's identifiers into m. */
static bool compile_doc(arena_t *a, logs_mask_t *m, const json_t *doc, const char **why)
{
    const json_t *sts = json_get(doc, "Statement");
    for (size_t i = 0; sts && sts->type == JSON_ARRAY && i < sts->u.arr.n; i++) {
        const json_t *ids = json_get(sts->u.arr.v[i], "DataIdentifier");
        for (size_t k = 0; ids && ids->type == JSON_ARRAY && k < ids->u.arr.n; k++)
            if (ids->u.arr.v[k]->type != JSON_STRING || !add_detector(a, m, doc, ids->u.arr.v[k]->u.s, why))
                return false;
    }
    return true;
}

/* AWS (PutDataProtectionPolicy): "This policy must include two JSON blocks":
 * an Audit operation with a FindingsDestination object, then a Deidentify
 * operation with "MaskConfig": {}, whose DataIdentifier array "must exactly
 * match" the first block's. */
int logs__data_protection_ok(req_t *r, const json_t *doc)
{
    const json_t *sts = json_get(doc, "Statement");
    const char *why = NULL;
    if (!sts || sts->type != JSON_ARRAY || sts->u.arr.n != 2)
        why = "The policy must contain exactly two statements: an Audit and a Deidentify operation.";
    const json_t *ops[2] = {0}, *ids[2] = {0};
    for (size_t i = 0; !why && i < 2; i++) {
        ops[i] = json_get(sts->u.arr.v[i], "Operation");
        ids[i] = json_get(sts->u.arr.v[i], "DataIdentifier");
        if (!ops[i] || ops[i]->type != JSON_OBJECT || !ids[i] || ids[i]->type != JSON_ARRAY || ids[i]->u.arr.n == 0)
            why = "Each statement must have a DataIdentifier array and an Operation.";
    }
    if (!why) {
        const json_t *audit = json_get(ops[0], "Audit"), *deid = json_get(ops[1], "Deidentify");
        const json_t *dest = audit ? json_get(audit, "FindingsDestination") : NULL;
        const json_t *mask = deid ? json_get(deid, "MaskConfig") : NULL;
        if (!dest || dest->type != JSON_OBJECT)
            why = "The first statement must be an Audit operation with a FindingsDestination object.";
        else if (json_get(dest, "S3") || json_get(dest, "Firehose"))
            why = "gureum sends audit findings to a CloudWatch Logs group only (FindingsDestination.CloudWatchLogs); "
                  "it serves no Firehose, and S3 findings are not written.";
        else if (audit_group(doc).p) {
            /* AWS: "If you specify destinations such as log groups ... they must already exist." */
            logs_group_t g;
            sqlite3 *db = logs__db(r->app);
            if (!db) return GR_ERR;
            if (logs__group(db, r->arena, r->who.account, r->region, audit_group(doc), &g) != GR_OK)
                why = arena_printf(r->arena, "The audit findings log group %.*s does not exist.",
                                   STR_FMT(audit_group(doc)));
        } else if (!mask || mask->type != JSON_OBJECT)
            why = "The second statement must be a Deidentify operation with a MaskConfig object.";
        else if (!str_eq(val_json_text(r->arena, val_from_json(r->arena, ids[0])),
                         val_json_text(r->arena, val_from_json(r->arena, ids[1]))))
            why = "The DataIdentifier arrays of the Audit and Deidentify statements must match.";
    }
    if (!why) {
        logs_mask_t *m = ARENA_NEW(r->arena, logs_mask_t);
        if (!m) return GR_ERR;
        compile_doc(r->arena, m, doc, &why);
    }
    if (why) return req_fail(r, &LOGS_ERR_InvalidParameterException, "Invalid data protection policy: %s", why);
    return GR_OK;
}

logs_mask_t *logs__mask_for(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g)
{
    logs_mask_t *m = NULL;
    logs_policy_t own = {0};
    if (logs__group_policy_get(db, a, g->id, DP_TYPE, &own) < 0) return NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT document FROM account_policy WHERE account = ?1 AND region = ?2 "
                                      "AND type = '" DP_TYPE "'");
    if (!st) return NULL;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    str_t docs[2] = {own.document, STR_NULL};
    if (sqlite3_step(st) == SQLITE_ROW) docs[1] = store_col_str(a, st, 0);
    store_release(st);
    for (size_t i = 0; i < 2; i++) {
        const json_t *doc = docs[i].p ? json_parse(a, docs[i], NULL) : NULL;
        if (!doc) continue;
        if (!m && !(m = ARENA_NEW(a, logs_mask_t))) return NULL;
        const char *why;
        compile_doc(a, m, doc, &why);
        m->audit[i] = audit_group(doc);
    }
    return m && m->n ? m : NULL;
}

str_t logs__mask(const logs_mask_t *m, arena_t *a, str_t msg, str_t resource_arn, str_t *finding)
{
    if (finding) *finding = STR_NULL;
    if (!m || !msg.len) return STR_NULL;
    char *out = NULL;
    /* regexec reads a C string: a NUL inside the message (JSON's \u0000)
     * becomes a byte no identifier matches, so nothing after it escapes */
    char *text = arena_strndup(a, msg.p, msg.len);
    if (!text) return STR_NULL;
    for (size_t i = 0; i < msg.len; i++)
        if (!text[i]) text[i] = '\n';
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    size_t found_kinds = 0;
    for (size_t i = 0; i < m->n; i++) {
        size_t off = 0, count = 0;
        regmatch_t rm;
        buf_t det;
        buf_init(&det, a);
        json_w_t dw;
        json_w_init(&dw, &det);
        json_w_arr_begin(&dw);
        while (off < msg.len && regexec(&m->d[i].re, text + off, 1, &rm, off ? REG_NOTBOL : 0) == 0) {
            size_t s = off + (size_t)rm.rm_so, e = off + (size_t)rm.rm_eo;
            if (e == s) break;
            if (!m->d[i].luhn || luhn_ok(msg.p + s, e - s)) {
                if (!out && !(out = arena_strndup(a, msg.p, msg.len))) return STR_NULL;
                memset(out + s, '*', e - s);
                json_w_obj_begin(&dw);
                json_w_key(&dw, STR("start"));
                json_w_int(&dw, (int64_t)s);
                json_w_key(&dw, STR("end"));
                json_w_int(&dw, (int64_t)e);
                json_w_obj_end(&dw);
                count++;
            }
            off = e;
        }
        json_w_arr_end(&dw);
        if (!count) continue;
        if (!found_kinds++) { /* AWS ("Audit findings reports"): one report per event with findings */
            json_w_obj_begin(&w);
            json_w_key(&w, STR("auditTimestamp"));
            char ts[40];
            time_fmt_iso8601(ts, time_now_us(), false);
            json_w_str(&w, str_c(ts));
            json_w_key(&w, STR("resourceArn"));
            json_w_str(&w, resource_arn);
            json_w_key(&w, STR("dataIdentifiers"));
            json_w_arr_begin(&w);
        }
        json_w_obj_begin(&w);
        json_w_key(&w, STR("name"));
        json_w_str(&w, m->d[i].name);
        json_w_key(&w, STR("count"));
        json_w_int(&w, (int64_t)count);
        json_w_key(&w, STR("detections"));
        json_w_raw(&w, buf_str(&det));
        json_w_obj_end(&w);
    }
    if (found_kinds && finding) {
        json_w_arr_end(&w);
        json_w_obj_end(&w);
        *finding = buf_str(&b);
    }
    return out ? str_n(out, msg.len) : STR_NULL;
}

str_t logs__mask_audit_group(const logs_mask_t *m, size_t i)
{
    return m && i < 2 ? m->audit[i] : STR_NULL;
}

int logs__unmask_or_fail(req_t *r, const val_t *in, str_t group)
{
    if (!val_get_bool(in, "unmask", false)) return 0;
    /* AWS: unmasked data needs the logs:Unmask permission on the group. */
    if (r->who.root) return 1;
    return authz_check_resource(r, ((app_t *)r->app)->authz, STR("logs:Unmask"), logs__group_arn(r, group, true),
                                r->who.account, NULL) == GR_OK
               ? 1
               : -1;
}

/* ==== The operations ==== */

static int dp_answer(req_t *r, val_t *out, const logs_group_t *g, str_t doc, int64_t ms)
{
    arena_t *a = r->arena;
    val_set_c(a, out, "logGroupIdentifier", val_str(a, logs__group_arn(r, g->name, false)));
    val_set_c(a, out, "policyDocument", val_str(a, doc));
    return val_set_c(a, out, "lastUpdatedTime", val_int(a, ms));
}

int logs_put_data_protection_policy(req_t *r, const val_t *in, val_t *out)
{
    logs_group_t g;
    int64_t now;
    str_t doc = val_get_str(in, "policyDocument");
    if (logs__group_policy_put_or_fail(r, in, DP_TYPE, doc, &g, &now) != GR_OK) return GR_ERR;
    return dp_answer(r, out, &g, doc, now);
}

/* AWS: a group without a policy answers with its identifier alone. */
int logs_get_data_protection_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    logs_policy_t p;
    int found = logs__group_policy_get(db, r->arena, g.id, DP_TYPE, &p);
    if (found < 0) return GR_ERR;
    if (!found)
        return val_set_c(r->arena, out, "logGroupIdentifier", val_str(r->arena, logs__group_arn(r, g.name, false)));
    return dp_answer(r, out, &g, p.document, p.updated_ms);
}

int logs_delete_data_protection_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return logs__group_policy_delete_or_fail(r, in, DP_TYPE, "No data protection policy found for the log group.");
}
