/* policy.c — DynamoDB's resource-based policies: PutResourcePolicy,
 * GetResourcePolicy and DeleteResourcePolicy on a table or its stream,
 * CreateTable's ResourcePolicy, and their enforcement.
 *
 * Request flow: the dispatcher has checked the caller's identity policies;
 * when they do not allow, it asks ddb_resource_grant whether the table's own
 * policy names the caller (AWS's same-account rule). Every table a request
 * loads then passes ddb__policy_check_or_fail (table.c's ddb__table_or_fail):
 * an explicit Deny in the table's policy refuses even the owner's root, and a
 * table of another account is reached only when its policy allows the caller.
 * A policy lives in its table's stored definition (members ResourcePolicy and
 * StreamPolicy), so it goes with the table and costs a request that has none
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/json.h"
#include "dynamodb_model.h"
#include "protocol/model.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/dynamodb/tbl.h"
#include "services/registry.h"

/* AWS: "The maximum size supported for a resource-based policy document is
 * 20 KB. DynamoDB counts whitespaces" (PutResourcePolicy, Policy). */
#define POLICY_MAX 20480

#define NOT_FOUND "Resource-based policy not found for the provided ResourceArn: "
#define PVI "One or more parameter values were invalid: "

/* ==== where a policy is kept ==== */

/* What a ResourceArn names: a table of the caller's account and region, and
 * for a stream ARN the stream's label (STR_NULL for the table itself). */
typedef struct {
    str_t arn, table, label;
} target_t;

/* The stored policy of the target ({"Policy", "RevisionId"}), or NULL. A
 * stream's policy is its current stream's only: a stream enabled again has a
 * new label, and no policy. */
static const val_t *stored(const ddb_table_t *t, str_t label)
{
    const val_t *p = val_get(t->def, label.p ? "StreamPolicy" : "ResourcePolicy");
    if (!p || p->kind != VAL_STRUCT) return NULL;
    if (label.p && !str_eq(val_get_str(p, "Label"), label)) return NULL;
    return p;
}

/* ==== refusals ==== */

int ddb__deny(req_t *r, str_t action, str_t resource, const char *why)
{
    static const aws_errdef_t E_AccessDenied = {"AccessDeniedException", 400, true};
    /* AWS: "User: ARN is not authorized to perform: dynamodb:GetItem on
     * resource: TABLE-ARN because no resource-based policy allows the
     * dynamodb:GetItem action" (IAM User Guide, "Access denied error
     * messages": also "with an explicit deny in a resource-based policy"). */
    return req_fail(
        r, &E_AccessDenied, "User: %.*s is not authorized to perform: %.*s on resource: %.*s %s", STR_FMT(r->who.arn),
        STR_FMT(action), STR_FMT(resource),
        why ? why : arena_printf(r->arena, "because no resource-based policy allows the %.*s action", STR_FMT(action)));
}

static str_t action_of(req_t *r)
{
    return str_c(r->op && r->op->iam_action ? r->op->iam_action : "dynamodb:*");
}

/* ==== evaluation ==== */

/* The parsed policy of table t (arena-owned), or NULL when it has none. */
static policy_t *parsed(req_t *r, const val_t *p)
{
    if (!p) return NULL;
    char err[256];
    return policy_parse_in(r->arena, val_get_str(p, "Policy"), POLICY_RESOURCE, err, sizeof err);
}

/* The request as the policy sees it: the caller, the action, the resource
 * and the global condition keys. */
static policy_result_t verdict(req_t *r, const policy_t *pol, str_t action, str_t resource, const policy_t *session,
                               const policy_t *boundary, bool alone)
{
    policy_ctx_t ctx[AUTHZ_GLOBAL_KEYS];
    size_t n = authz_global_ctx(r, ctx);
    policy_req_t pr = {.action = action, .resource = resource, .who = &r->who, .ctx = ctx, .nctx = n};
    /* alone: the verdict of the policy by AWS's same-account rule (it may
     * allow on its own, within the session policy and boundary) */
    if (alone) return policy_evaluate_bounded(&pr, NULL, 0, session, boundary, pol, true);
    return policy_eval_one(pol, &pr);
}

/* The resource a table operation acts on: the index a Query or Scan reads
 * (AWS authorizes TABLE-ARN/index/NAME), else the table. */
static str_t resource_of(req_t *r, const ddb_table_t *t)
{
    str_t index = r->in ? val_get_str(r->in, "IndexName") : STR_NULL;
    if (!index.p) return t->arn;
    return str_c(arena_printf(r->arena, "%.*s/index/%.*s", STR_FMT(t->arn), STR_FMT(index)));
}

/* The stored policy p's part in the verdict on the request's action on
 * resource: an explicit Deny refuses, and across accounts (foreign) only an
 * Allow admits. */
static int check_stored(req_t *r, const val_t *p, str_t resource, bool foreign)
{
    str_t action = action_of(r);
    /* AWS: the account's root may always delete the policy, so a Deny can
     * be undone (DeleteResourcePolicy). */
    if (r->who.root && !foreign && str_eq_c(action, "dynamodb:DeleteResourcePolicy")) return GR_OK;
    policy_t *pol = parsed(r, p);
    policy_result_t v = pol ? verdict(r, pol, action, resource, NULL, NULL, false) : POLICY_IMPLICIT_DENY;
    if (v == POLICY_EXPLICIT_DENY)
        return ddb__deny(r, action, resource, "with an explicit deny in a resource-based policy");
    /* AWS: across accounts the table's policy must allow too; the caller's
     * identity policies were the dispatcher's half. */
    if (foreign && v != POLICY_ALLOW) return ddb__deny(r, action, resource, NULL);
    return GR_OK;
}

int ddb__policy_check_or_fail(req_t *r, const ddb_table_t *t, bool foreign)
{
    const val_t *p = stored(t, STR_NULL);
    /* the common case, root's too: no policy, the caller's own table */
    if (!p && !foreign) return GR_OK;
    /* work of the service itself (no operation), the streams service (a
     * stream has a policy of its own), and PartiQL, which authorizes each
     * statement itself (partiql.c) */
    if (!r->op || !r->svc || strcmp(r->svc->name, "dynamodb") != 0 || (r->op->flags & OPF_NO_AUTHZ)) return GR_OK;
    return check_stored(r, p, resource_of(r, t), foreign);
}

int ddb__stream_policy_check_or_fail(req_t *r, const ddb_table_t *t, str_t label, str_t arn)
{
    const val_t *p = stored(t, label);
    return p ? check_stored(r, p, arn, false) : GR_OK;
}

policy_t *ddb__table_policy(req_t *r, const ddb_table_t *t)
{
    return parsed(r, stored(t, STR_NULL));
}

/* ==== validation ==== */

static int invalid(req_t *r, const char *fmt, str_t what)
{
    return req_fail(r, &ERR_ValidationException, fmt, STR_FMT(what));
}

static bool wild(str_t s)
{
    return memchr(s.p, '*', s.len) || memchr(s.p, '?', s.len);
}

/* Whether name is one of the n names of list, as IAM compares actions:
 * without regard to case. */
static bool named(str_t name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (name.len == strlen(list[i]) && !strncasecmp(name.p, list[i], name.len)) return true;
    return false;
}

#define NAMED(name, list) named(name, list, sizeof list / sizeof list[0])

/* Whether a policy of a table (stream false) or a stream may name action.
 * AWS refuses actions a table's policy cannot govern, with their names:
 * 'Invalid policy document: The following action names are invalid:
 * "dynamodb:GetRecords", "dynamodb:ListStreams"' (seen in aws-cdk #32230):
 * the stream's own actions and the account-wide ones; a table's are its
 * operations' (the model's) and the PartiQL ones. */
static bool action_ok(req_t *r, str_t a, bool stream)
{
    if (str_eq_c(a, "*")) return true;
    if (a.len < 9 || strncasecmp(a.p, "dynamodb:", 9) != 0) return false;
    str_t name = str_sub(a, 9, a.len - 9);
    if (wild(name)) return true;
    static const char *const stream_ops[] = {"DescribeStream", "GetRecords", "GetShardIterator"};
    static const char *const table_extra[] = {"PartiQLSelect",
                                              "PartiQLInsert",
                                              "PartiQLUpdate",
                                              "PartiQLDelete",
                                              "ConditionCheckItem",
                                              "DescribeTableReplicaAutoScaling",
                                              "UpdateTableReplicaAutoScaling"};
    static const char *const account_ops[] = {"ListTables",     "ListStreams",       "ListBackups",
                                              "ListExports",    "ListImports",       "ListGlobalTables",
                                              "DescribeLimits", "DescribeEndpoints", "ListContributorInsights",
                                              "CreateTable",    "ImportTable"};
    if (NAMED(name, stream_ops)) return stream;
    if (stream || NAMED(name, account_ops)) return false;
    if (NAMED(name, table_extra)) return true;
    const svc_model_t *m = r->svc ? r->svc->model : NULL;
    for (uint32_t i = 0; m && i < m->nops; i++)
        if (name.len == strlen(m->ops[i].name) && !strncasecmp(name.p, m->ops[i].name, name.len)) return true;
    return false;
}

/* Whether a Resource entry names what the policy is attached to: the table
 * or one of its indexes, or the stream; "*" and patterns that may match it
 * are accepted. */
static bool resource_ok(str_t res, const target_t *tg)
{
    if (str_eq_c(res, "*") || str_eq(res, tg->arn)) return true;
    size_t stop = res.len;
    for (size_t i = 0; i < res.len; i++)
        if (res.p[i] == '*' || res.p[i] == '?') {
            stop = i;
            break;
        }
    if (stop < res.len) /* a pattern: its fixed head must lead to the resource */
        return str_starts_with(tg->arn, str_sub(res, 0, stop)) || str_starts_with(str_sub(res, 0, stop), tg->arn);
    if (tg->label.p) return false;
    return res.len > tg->arn.len + 7 && str_starts_with(res, tg->arn) && !memcmp(res.p + tg->arn.len, "/index/", 7);
}

/* Each string of a member that may be one string or a list of them. */
static size_t strings(const json_t *j, str_t *out, size_t max)
{
    if (!j) return 0;
    if (j->type == JSON_STRING) {
        out[0] = j->u.s;
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; j->type == JSON_ARRAY && i < j->u.arr.n && n < max; i++)
        if (j->u.arr.v[i]->type == JSON_STRING) out[n++] = j->u.arr.v[i]->u.s;
    return n;
}

/* Checks a policy document for the target as AWS does, or fails r with
 * ValidationException. The grammar is auth/policy's; DynamoDB adds its size
 * limit, its actions and its resources. */
static int policy_valid_or_fail(req_t *r, str_t text, const target_t *tg)
{
    /* AWS's text for the size is not documented: this one is ours */
    if (text.len > POLICY_MAX)
        return req_fail(r, &ERR_ValidationException,
                        PVI "Invalid policy document: Policy size %zu exceeds the maximum of %d bytes", text.len,
                        POLICY_MAX);
    char err[256];
    if (!policy_parse_in(r->arena, text, POLICY_RESOURCE, err, sizeof err)) {
        /* AWS: "One or more parameter values were invalid: Invalid principal
         * in policy document." (terraform-provider-aws #42933) */
        if (strstr(err, "principal") || strstr(err, "Principal"))
            return req_fail(r, &ERR_ValidationException, PVI "Invalid principal in policy document.");
        return req_fail(r, &ERR_ValidationException, PVI "Invalid policy document: %s", err);
    }
    json_t *doc = json_parse(r->arena, text, NULL);
    const json_t *sts = doc ? json_get(doc, "Statement") : NULL;
    size_t nst = sts && sts->type == JSON_ARRAY ? sts->u.arr.n : sts ? 1 : 0;
    buf_t bad;
    buf_init(&bad, r->arena);
    for (size_t s = 0; s < nst; s++) {
        const json_t *st = sts->type == JSON_ARRAY ? sts->u.arr.v[s] : sts;
        str_t v[256];
        size_t n = strings(json_get(st, "Action"), v, 256);
        n += strings(json_get(st, "NotAction"), v + n, 256 - n);
        for (size_t i = 0; i < n; i++)
            if (!action_ok(r, v[i], tg->label.p != NULL))
                buf_printf(&bad, "%s\"%.*s\"", bad.len ? ", " : "", STR_FMT(v[i]));
        n = strings(json_get(st, "Resource"), v, 256);
        for (size_t i = 0; i < n; i++)
            if (!resource_ok(v[i], tg)) /* AWS's text is not documented: this one is ours */
                return invalid(r,
                               PVI "Invalid policy document: The resource %.*s is not the resource the policy is "
                                   "attached to",
                               v[i]);
    }
    if (bad.len)
        return invalid(r, PVI "Invalid policy document: The following action names are invalid: %.*s", buf_str(&bad));
    return GR_OK;
}

/* ==== the operations ==== */

/* Splits a ResourceArn of this account and region into its table and, for a
 * stream's ARN, the stream's label. false when it names no such thing. */
static bool parse_target(req_t *r, str_t arn, target_t *tg)
{
    str_t prefix = ddb__table_arn(r, STR(""));
    *tg = (target_t){.arn = arn, .label = STR_NULL};
    if (!str_starts_with(arn, prefix)) return false;
    str_t rest = str_sub(arn, prefix.len, arn.len - prefix.len);
    const char *slash = memchr(rest.p, '/', rest.len);
    tg->table = slash ? str_n(rest.p, (size_t)(slash - rest.p)) : rest;
    if (slash) {
        str_t tail = str_sub(rest, tg->table.len, rest.len - tg->table.len);
        if (!str_starts_with(tail, STR("/stream/")) || tail.len == 8) return false;
        tg->label = str_sub(tail, 8, tail.len - 8);
    }
    return tg->table.len > 0;
}

/* The table (and stream) a ResourceArn names, loaded inside the caller's
 * transaction, or r failed: AWS (moto's suite, checked against AWS): a
 * missing table is ResourceNotFoundException "Requested resource not found:
 * Table: NAME not found". Another account's resource is refused as AWS
 * refuses it without a policy; the stream's texts are ours. */
static int target_or_fail(req_t *r, sqlite3 *db, str_t arn, target_t *tg, ddb_table_t *t)
{
    if (!parse_target(r, arn, tg)) {
        /* arn:aws:dynamodb:REGION:ACCOUNT:…: the account is the fifth field */
        str_t rest = arn, field = STR_NULL, region = STR_NULL;
        for (int i = 0; i < 5 && rest.len; i++) {
            if (i == 4) region = field;
            rest = str_cut(rest, ':', &field);
        }
        if (str_starts_with(arn, STR("arn:aws:dynamodb:")) && str_eq(region, r->region) && field.len &&
            !str_eq(field, r->who.account))
            return ddb__deny(r, action_of(r), arn, NULL);
        /* AWS (probed 2026-10, DDB-TABLE-011 and DDB-TABLE-442's catalogue):
         * no ARN, another region's, an index's and a backup's each in its
         * own words; the rest keeps gureum's text */
        str_t own = ddb__table_arn(r, STR(""));
        str_t after = str_starts_with(arn, own) ? str_sub(arn, own.len, arn.len - own.len) : STR_NULL;
        if (!str_starts_with(arn, STR("arn:")))
            return ddb__fail_validation(r,
                                        arena_printf(r->arena, PVI "ARNs must start with 'arn:': %.*s", STR_FMT(arn)));
        if (str_starts_with(arn, STR("arn:aws:dynamodb:")) && !str_eq(region, r->region))
            return ddb__fail_validation(r, arena_printf(r->arena, PVI "Invalid resource Arn: %.*s", STR_FMT(arn)));
        if (after.p && ddb__arn_kind_or_fail(r, arn, str_cut(after, '/', &(str_t){0})) != GR_OK) return GR_ERR;
        return req_fail(r, &ERR_ValidationException, "Invalid ResourceArn provided as input %.*s", STR_FMT(arn));
    }
    int rc = ddb__table_load(r, db, tg->table, t);
    if (rc == 1)
        return req_fail(r, &DYNAMODB_ERR_ResourceNotFoundException,
                        "Requested resource not found: Table: %.*s not found", STR_FMT(tg->table));
    if (rc != GR_OK) return GR_ERR;
    /* AWS (probed 2026-10, DDB-TABLE-446) */
    if (tg->label.p && !str_eq(t->stream_label, tg->label))
        return req_fail(r, &DYNAMODB_ERR_ResourceNotFoundException,
                        "Requested resource not found: Stream: %.*s not found for Table: %.*s", STR_FMT(tg->label),
                        STR_FMT(tg->table));
    /* an explicit Deny in the policy itself binds the owner too */
    return ddb__stream_policy_check_or_fail(r, t, tg->label, arn);
}

/* AWS's PolicyNotFoundException texts for an ExpectedRevisionId that does
 * not hold (moto's suite, checked against AWS); "NO_POLICY" expects none. */
static int revision_or_fail(req_t *r, const target_t *tg, str_t expect, str_t have)
{
    if (!expect.p) return GR_OK;
    bool none = str_eq_c(expect, "NO_POLICY");
    if (none && !have.p) return GR_OK;
    if (str_eq(expect, have)) return GR_OK;
    const char *what = tg->label.p ? "stream" : "table";
    str_t name = tg->label.p ? tg->arn : tg->table;
    if (none)
        return req_fail(r, &DYNAMODB_ERR_PolicyNotFoundException,
                        NOT_FOUND "Requested policy update expecting none to be present for %s %.*s, but a policy "
                                  "exists with revision id %.*s.",
                        what, STR_FMT(name), STR_FMT(have));
    if (!have.p) return req_fail(r, &DYNAMODB_ERR_PolicyNotFoundException, NOT_FOUND "%.*s", STR_FMT(tg->arn));
    return req_fail(r, &DYNAMODB_ERR_PolicyNotFoundException,
                    NOT_FOUND "Requested update for policy with revision id %.*s, but the policy associated to target "
                              "%s %.*s has revision id %.*s.",
                    STR_FMT(expect), what, STR_FMT(name), STR_FMT(have));
}

/* A revision id as AWS's: the time in milliseconds (comparable, moto's suite
 * observed), later than the one it replaces. */
static val_t *new_policy(req_t *r, str_t text, str_t label, str_t prev)
{
    arena_t *a = r->arena;
    long long rev = (long long)(time_now_us() / 1000), before = prev.p ? atoll(arena_strndup(a, prev.p, prev.len)) : 0;
    if (rev <= before) rev = before + 1;
    val_t *p = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "Policy", val_strdup(a, text));
    val_set_c(a, p, "RevisionId", val_cstr(a, arena_printf(a, "%lld", rev)));
    if (label.p) val_set_c(a, p, "Label", val_strdup(a, label));
    return p;
}

/* AWS: a policy that would deny the caller further PutResourcePolicy calls
 * needs ConfirmRemoveSelfResourceAccess. The refusal's text is ours. */
static int self_lockout_or_fail(req_t *r, str_t text, str_t resource)
{
    if (val_get_bool(r->in, "ConfirmRemoveSelfResourceAccess", false)) return GR_OK;
    char err[256];
    policy_t *pol = policy_parse_in(r->arena, text, POLICY_RESOURCE, err, sizeof err);
    if (!pol || verdict(r, pol, STR("dynamodb:PutResourcePolicy"), resource, NULL, NULL, false) != POLICY_EXPLICIT_DENY)
        return GR_OK;
    return req_fail(r, &ERR_ValidationException,
                    PVI "The policy denies you dynamodb:PutResourcePolicy on %.*s; set ConfirmRemoveSelfResourceAccess "
                        "to remove your own access to the policy",
                    STR_FMT(resource));
}

int dynamodb_put_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    str_t text = val_get_str(in, "Policy");
    sqlite3 *db = ddb__db(r);
    if (!db || ddb__begin(db) != GR_OK) return GR_ERR;
    target_t tg;
    ddb_table_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceArn"), &tg, &t) != GR_OK ||
        policy_valid_or_fail(r, text, &tg) != GR_OK)
        goto fail;
    const val_t *cur = stored(&t, tg.label);
    str_t have = cur ? val_get_str(cur, "RevisionId") : STR_NULL;
    if (revision_or_fail(r, &tg, val_get_str(in, "ExpectedRevisionId"), have) != GR_OK) goto fail;
    /* AWS: the same document again keeps its revision (moto's suite) */
    if (cur && str_eq(val_get_str(cur, "Policy"), text)) {
        ddb__rollback(db);
        val_set_c(r->arena, out, "RevisionId", val_str(r->arena, have));
        return GR_OK;
    }
    if (self_lockout_or_fail(r, text, tg.arn) != GR_OK) goto fail;
    val_t *p = new_policy(r, text, tg.label, have);
    if (val_set_c(r->arena, t.def, tg.label.p ? "StreamPolicy" : "ResourcePolicy", p) != GR_OK ||
        ddb__save_def(r, db, &t, t.def) != GR_OK)
        goto fail;
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "RevisionId", val_get(p, "RevisionId"));
    return GR_OK;
fail:
    ddb__rollback(db);
    return GR_ERR;
}

int dynamodb_get_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    target_t tg;
    ddb_table_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceArn"), &tg, &t) != GR_OK) return GR_ERR;
    const val_t *cur = stored(&t, tg.label);
    /* AWS: "Resource-based policy not found for the provided ResourceArn:
     * TABLE-ARN" (moto's suite, checked against AWS) */
    if (!cur) return req_fail(r, &DYNAMODB_ERR_PolicyNotFoundException, NOT_FOUND "%.*s", STR_FMT(tg.arn));
    val_set_c(r->arena, out, "Policy", val_get(cur, "Policy"));
    val_set_c(r->arena, out, "RevisionId", val_get(cur, "RevisionId"));
    return GR_OK;
}

int dynamodb_delete_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = ddb__db(r);
    if (!db || ddb__begin(db) != GR_OK) return GR_ERR;
    target_t tg;
    ddb_table_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceArn"), &tg, &t) != GR_OK) goto fail;
    const val_t *cur = stored(&t, tg.label);
    str_t have = cur ? val_get_str(cur, "RevisionId") : STR_NULL, expect = val_get_str(in, "ExpectedRevisionId");
    if (revision_or_fail(r, &tg, expect, have) != GR_OK) goto fail;
    /* AWS: deleting no policy is no error, unless a revision was expected */
    if (!cur) {
        ddb__rollback(db);
        return GR_OK;
    }
    if (val_set_c(r->arena, t.def, tg.label.p ? "StreamPolicy" : "ResourcePolicy", val_new(r->arena, VAL_NULL)) !=
            GR_OK ||
        ddb__save_def(r, db, &t, t.def) != GR_OK)
        goto fail;
    if (ddb__commit(db) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "RevisionId", val_str(r->arena, have));
    return GR_OK;
fail:
    ddb__rollback(db);
    return GR_ERR;
}

int ddb__create_policy_or_fail(req_t *r, const val_t *in, val_t *def)
{
    str_t text = val_get_str(in, "ResourcePolicy");
    if (!text.p) return GR_OK;
    target_t tg = {.arn = ddb__table_arn(r, val_get_str(in, "TableName")), .table = val_get_str(in, "TableName")};
    if (policy_valid_or_fail(r, text, &tg) != GR_OK) return GR_ERR;
    /* AWS: "You need to specify the CreateTable and PutResourcePolicy IAM
     * actions for authorizing a user to create a table with a resource-based
     * policy" (CreateTable, ResourcePolicy). */
    if (!r->who.root && authz_check_resource(r, ((app_t *)r->app)->authz, STR("dynamodb:PutResourcePolicy"), tg.arn,
                                             r->who.account, NULL) != GR_OK)
        return GR_ERR;
    return val_set_c(r->arena, def, "ResourcePolicy", new_policy(r, text, STR_NULL, STR_NULL));
}

/* ==== the dispatcher's question ==== */

/* The tables a request names: TableName, or the keys of a batch's
 * RequestItems, or the tables of a transaction's items. */
static size_t request_tables(req_t *r, str_t *out, size_t max)
{
    size_t n = 0;
    str_t one = val_get_str(r->in, "TableName");
    if (one.p) out[n++] = one;
    const val_t *items = val_get(r->in, "RequestItems");
    for (size_t i = 0; items && items->kind == VAL_MAP && i < items->u.obj.n && n < max; i++)
        out[n++] = items->u.obj.e[i].key;
    const val_t *tx = val_get(r->in, "TransactItems");
    static const char *const kinds[] = {"Get", "Put", "Update", "Delete", "ConditionCheck"};
    for (size_t i = 0; tx && tx->kind == VAL_LIST && i < tx->u.list.n; i++)
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && n < max; k++) {
            str_t name = val_get_str(val_get(tx->u.list.v[i], kinds[k]), "TableName");
            if (name.p) out[n++] = name;
        }
    return n;
}

policy_result_t ddb_resource_grant(req_t *r, str_t action, str_t resource, const policy_t *session,
                                   const policy_t *boundary)
{
    (void)resource;
    if (!r->in || r->who.anonymous) return POLICY_IMPLICIT_DENY;
    sqlite3 *db = ddb__db(r);
    /* a ResourceArn (the policy and tag operations) or a StreamArn (the
     * streams service): the table's or the stream's own policy */
    target_t tg;
    ddb_table_t t;
    str_t arn = val_get_str(r->in, "ResourceArn");
    if (!arn.p) arn = val_get_str(r->in, "StreamArn");
    if (arn.p) {
        if (!db || !parse_target(r, arn, &tg) || ddb__table_load(r, db, tg.table, &t) != GR_OK)
            return POLICY_IMPLICIT_DENY;
        policy_t *pol = parsed(r, stored(&t, tg.label));
        return pol ? verdict(r, pol, action, arn, session, boundary, true) : POLICY_IMPLICIT_DENY;
    }
    str_t names[100];
    size_t n = db ? request_tables(r, names, sizeof names / sizeof names[0]) : 0;
    /* every table the request names must grant it (a batch's too) */
    policy_result_t all = n ? POLICY_ALLOW : POLICY_IMPLICIT_DENY;
    for (size_t i = 0; i < n && all == POLICY_ALLOW; i++) {
        if (ddb__table_load(r, db, names[i], &t) != GR_OK)
            return POLICY_IMPLICIT_DENY; /* missing or another account's */
        policy_t *pol = parsed(r, stored(&t, STR_NULL));
        all = pol ? verdict(r, pol, action, resource_of(r, &t), session, boundary, true) : POLICY_IMPLICIT_DENY;
    }
    return all;
}
