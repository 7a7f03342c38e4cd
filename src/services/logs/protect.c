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
 * detection itself is services/dataident.c's, shared with SNS: AWS's whole
 * catalogue of managed identifiers (format, nearby keyword, checksum); a
 * policy naming a name outside it is refused. */
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/dataident.h"

#define DP_TYPE "DATA_PROTECTION_POLICY"
#define IDENT_PREFIX "arn:aws:dataprotection::aws:data-identifier/"

struct logs_mask {
    dataident_t *d;
    str_t audit[2]; /* the log groups audit findings go to (one per policy), or STR_NULL */
};

/* Adds the detector of identifier `ident` (a managed identifier's ARN or a
 * custom identifier's name from the document's Configuration) to m. false
 * (and *why) when it is neither. */
static bool add_detector(arena_t *a, logs_mask_t *m, const json_t *doc, str_t ident, const char **why)
{
    if (str_starts_with(ident, STR(IDENT_PREFIX))) {
        str_t name = str_n(ident.p + strlen(IDENT_PREFIX), ident.len - strlen(IDENT_PREFIX));
        if (dataident_add_managed(m->d, a, name, why)) return true;
    } else {
        const json_t *conf = json_get(doc, "Configuration");
        const json_t *custom = conf ? json_get(conf, "CustomDataIdentifier") : NULL;
        for (size_t i = 0; custom && custom->type == JSON_ARRAY && i < custom->u.arr.n; i++) {
            const json_t *c = custom->u.arr.v[i], *n = json_get(c, "Name"), *x = json_get(c, "Regex");
            if (n && x && n->type == JSON_STRING && x->type == JSON_STRING && str_eq(n->u.s, ident))
                return dataident_add_custom(m->d, a, ident, x->u.s, why);
        }
    }
    *why = arena_printf(a,
                        "DataIdentifier %.*s is neither a managed data identifier (see %s) nor a "
                        "CustomDataIdentifier of the policy's Configuration.",
                        STR_FMT(ident), dataident_managed_names());
    return false;
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
        if (!m || !(m->d = dataident_new(r->arena))) return GR_ERR;
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
        if (!m && (!(m = ARENA_NEW(a, logs_mask_t)) || !(m->d = dataident_new(a)))) return NULL;
        const char *why;
        compile_doc(a, m, doc, &why);
        m->audit[i] = audit_group(doc);
    }
    return m && dataident_count(m->d) ? m : NULL;
}

str_t logs__mask(const logs_mask_t *m, arena_t *a, str_t msg, str_t resource_arn, str_t *finding)
{
    if (finding) *finding = STR_NULL;
    if (!m || !msg.len) return STR_NULL;
    size_t n;
    const dataident_hit_t *hits = dataident_scan(m->d, a, msg, &n);
    if (!n) return STR_NULL;
    if (finding) { /* AWS ("Audit findings reports"): one report per event with findings */
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_obj_begin(&w);
        json_w_key(&w, STR("auditTimestamp"));
        char ts[40];
        time_fmt_iso8601(ts, time_now_us(), false);
        json_w_str(&w, str_c(ts));
        json_w_key(&w, STR("resourceArn"));
        json_w_str(&w, resource_arn);
        json_w_key(&w, STR("dataIdentifiers"));
        dataident_findings_write(&w, m->d, hits, n);
        json_w_obj_end(&w);
        *finding = buf_str(&b);
    }
    return dataident_deidentify(a, msg, hits, n, '*');
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
