/* assume.c — STS AssumeRole: temporary credentials acting as an IAM role.
 *
 * The dispatcher does not authorize AssumeRole from the op table (OPF_NO_AUTHZ):
 * the decision needs the role's trust policy as the resource policy, which
 * only this handler can fetch (through IAM's C interface, iam.h). The policy
 * evaluator applies AWS's rule: in the role's own account a trust policy that
 * names the caller suffices, one that names the account delegates to the
 * caller's identity policies; across accounts both must allow. The role's
 * existence is never revealed to a caller who may not assume it. */
#include <string.h>

#include "auth/policy.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"
#include "sts_model.h"

#define PACKED_CAPACITY 2048 /* gureum's stand-in for AWS's undocumented packed limit */
#define MAX_CTX 128

/* AWS: roleSessionNameType pattern [\w+=,.@-]* (the STS model). */
static bool session_name_ok(str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  strchr("+=,.@-", c);
        if (!ok || c == 0) return false;
    }
    return true;
}

static bool digits12(str_t s)
{
    if (s.len != 12) return false;
    for (size_t i = 0; i < 12; i++)
        if (s.p[i] < '0' || s.p[i] > '9') return false;
    return true;
}

principal_t sts__assumed_role(arena_t *a, str_t account, str_t role_name, str_t role_id, str_t session)
{
    return (principal_t){
        .account = account,
        .arn = str_c(arena_printf(a, "arn:aws:sts::%.*s:assumed-role/%.*s/%.*s", STR_FMT(account), STR_FMT(role_name),
                                  STR_FMT(session))),
        .user_id = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(role_id), STR_FMT(session))),
        .user_name = STR(""),
    };
}

int sts__parse_role_arn(str_t arn, str_t *account, str_t *path, str_t *name)
{
    str_t f[5], rest = arn;
    for (int i = 0; i < 5; i++) {
        long k = str_index(rest, ':');
        if (k < 0) return -1;
        f[i] = str_sub(rest, 0, (size_t)k);
        rest = str_sub(rest, (size_t)k + 1, rest.len - (size_t)k - 1);
    }
    if (!str_eq_c(f[0], "arn") || f[1].len == 0 || f[2].len == 0) return -1;
    if (!str_eq_c(f[2], "iam") || f[3].len || !digits12(f[4]) || !str_starts_with(rest, STR("role/"))) return 0;
    str_t res = str_sub(rest, 4, rest.len - 4); /* "/PATH/NAME" */
    size_t last = 0;
    for (size_t i = 0; i < res.len; i++)
        if (res.p[i] == '/') last = i;
    *account = f[4];
    *path = str_sub(res, 0, last + 1);
    *name = str_sub(res, last + 1, res.len - last - 1);
    return name->len ? 1 : 0;
}

static int refuse(req_t *r, const char *action, str_t role_arn)
{
    /* AWS: "User: arn:aws:iam::123456789012:user/alice is not authorized to
     * perform: sts:AssumeRole on resource: arn:aws:iam::…:role/R" */
    return req_fail(r, &ERR_AccessDenied, "User: %.*s is not authorized to perform: %s on resource: %.*s",
                    STR_FMT(r->who.arn), action, STR_FMT(role_arn));
}

/* Parsed and freed with the request arena; NULL when the text does not parse. */
static const policy_t *parse(req_t *r, str_t text, policy_kind_t kind)
{
    char err[256];
    policy_t *p = policy_parse_in(r->arena, text, kind, err, sizeof err);
    if (!p && err[0]) log_warn("sts: a stored policy does not parse: %s", err);
    return p;
}

typedef struct {
    policy_ctx_t v[MAX_CTX];
    size_t n;
} ctx_t;

static void ctx_add(req_t *r, ctx_t *c, const char *key, str_t val)
{
    if (!val.len || c->n == MAX_CTX) return;
    str_t *one = ARENA_NEW(r->arena, str_t);
    if (!one) return;
    *one = val;
    c->v[c->n++] = (policy_ctx_t){str_c(key), one, 1};
}

/* The request context for the trust and identity policies: the global keys
 * the dispatcher's authorization knows, the caller's aws:PrincipalTag/KEY
 * (its user's or role's tags and its session tags), and AssumeRole's own
 * (IAM User Guide, "AWS STS condition context keys": sts:ExternalId,
 * sts:RoleSessionName; aws:RequestTag/…, aws:TagKeys for session tags). */
static int build_ctx(req_t *r, ctx_t *c, const val_t *in)
{
    policy_ctx_t global[AUTHZ_GLOBAL_KEYS];
    size_t ng = authz_global_ctx(r, global);
    for (size_t i = 0; i < ng && c->n < MAX_CTX; i++) c->v[c->n++] = global[i];
    kv_t *ptags;
    size_t nptags;
    if (iam_principal_tags(r->app, &r->who, r->arena, &ptags, &nptags) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < nptags; i++)
        ctx_add(r, c, arena_printf(r->arena, "aws:PrincipalTag/%.*s", STR_FMT(ptags[i].name)), ptags[i].value);
    ctx_add(r, c, "sts:ExternalId", val_get_str(in, "ExternalId"));
    ctx_add(r, c, "sts:RoleSessionName", val_get_str(in, "RoleSessionName"));
    const val_t *tags = val_get(in, "Tags");
    size_t nt = tags && tags->kind == VAL_LIST ? tags->u.list.n : 0;
    if (!nt) return GR_OK;
    str_t *keys = ARENA_NEWN(r->arena, str_t, nt);
    if (!keys) return GR_ERR;
    for (size_t i = 0; i < nt; i++) {
        keys[i] = val_get_str(tags->u.list.v[i], "Key");
        ctx_add(r, c, arena_printf(r->arena, "aws:RequestTag/%.*s", STR_FMT(keys[i])),
                val_get_str(tags->u.list.v[i], "Value"));
    }
    if (c->n < MAX_CTX) c->v[c->n++] = (policy_ctx_t){STR("aws:TagKeys"), keys, nt};
    return GR_OK;
}

/* Whole-document size with the whitespace between tokens taken out. */
static size_t compact_len(str_t json)
{
    size_t n = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < json.len; i++) {
        char c = json.p[i];
        if (in_str) {
            n++;
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            n++;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            n++;
        }
    }
    return n;
}

/* The session policies (inline and managed) as the one document the
 * credentials carry: all their statements together, since a session policy
 * allows what any of them allows and denies what any denies. A single
 * policy is kept byte for byte. Each document has parsed already. (A 2008
 * document merged under 2012-10-17 would gain policy variables; AWS managed
 * policies are all 2012-10-17.) STR_NULL for none, or on failure. */
static str_t merge_session_policies(req_t *r, const str_t *docs, size_t n)
{
    if (n == 0) return STR_NULL;
    if (n == 1) return docs[0];
    buf_t b;
    buf_init(&b, r->arena);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("Version"));
    json_w_str(&w, STR("2012-10-17"));
    json_w_key(&w, STR("Statement"));
    json_w_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const json_t *root = json_parse(r->arena, docs[i], NULL);
        const json_t *st = root && root->type == JSON_OBJECT ? json_get(root, "Statement") : NULL;
        if (!st) return STR_NULL;
        if (st->type == JSON_ARRAY)
            for (size_t k = 0; k < st->u.arr.n; k++) json_w_value(&w, st->u.arr.v[k]);
        else
            json_w_value(&w, st);
    }
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    if (b.failed) return STR_NULL;
    return buf_str(&b);
}

int sts__session_policy(req_t *r, const val_t *in, str_t account, str_t *text, size_t *n, int64_t *percent)
{
    arena_t *a = r->arena;
    str_t policy_text = val_get_str(in, "Policy");
    size_t packed = 0;
    *text = STR_NULL;
    *n = 0;
    *percent = 0;
    if (policy_text.p) {
        char err[256];
        policy_t *sp = policy_parse(policy_text, POLICY_SESSION, err, sizeof err);
        if (!sp) return req_fail(r, &STS_ERR_MalformedPolicyDocumentException, "%s", err);
        policy_free(sp);
        packed += compact_len(policy_text);
    }
    /* AWS: PolicyArns, up to 10 managed policies "in the same account as the
     * role" (or AWS's), are session policies too; the ARNs, not the
     * documents, count toward the packed size. */
    const val_t *arns = val_get(in, "PolicyArns");
    size_t narns = arns && arns->kind == VAL_LIST ? arns->u.list.n : 0;
    if (narns > 10)
        return req_fail(r, &ERR_ValidationError,
                        "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member "
                        "must have length less than or equal to 10");
    str_t *sdocs = ARENA_NEWN(a, str_t, narns + 1);
    if (!sdocs) return GR_ERR;
    size_t nsdocs = 0;
    if (policy_text.p) sdocs[nsdocs++] = policy_text;
    for (size_t i = 0; i < narns; i++) {
        str_t parn = val_get_str(arns->u.list.v[i], "arn");
        str_t doc = parn.len ? iam_policy_document(r->app, account, parn, a) : STR_NULL;
        /* gureum's wording, after IAM's for an unknown policy ARN */
        if (!doc.p)
            return req_fail(r, &ERR_ValidationError, "Policy %.*s does not exist or is not attachable.", STR_FMT(parn));
        sdocs[nsdocs++] = doc;
        packed += parn.len;
    }
    *text = merge_session_policies(r, sdocs, nsdocs);
    if (nsdocs && !text->p) return GR_ERR;
    *n = nsdocs;
    const val_t *tags = val_get(in, "Tags");
    for (size_t i = 0; tags && tags->kind == VAL_LIST && i < tags->u.list.n; i++)
        packed += val_get_str(tags->u.list.v[i], "Key").len + val_get_str(tags->u.list.v[i], "Value").len;
    *percent = (int64_t)((packed * 100 + PACKED_CAPACITY - 1) / PACKED_CAPACITY);
    if (*percent <= 100) return GR_OK;
    /* AWS: "Packed policy consumes 112% of allotted space, please use smaller
     * policy." / "Packed size of session tags consumes 112% of allotted space." */
    if (nsdocs)
        return req_fail(r, &STS_ERR_PackedPolicyTooLargeException,
                        "Packed policy consumes %lld%% of allotted space, please use smaller policy.",
                        (long long)*percent);
    return req_fail(r, &STS_ERR_PackedPolicyTooLargeException,
                    "Packed size of session tags consumes %lld%% of allotted space.", (long long)*percent);
}

int sts_assume_role(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    app_t *app = r->app;
    str_t role_arn = val_get_str(in, "RoleArn"), session = val_get_str(in, "RoleSessionName");
    const val_t *tags = val_get(in, "Tags");
    size_t ntags = tags && tags->kind == VAL_LIST ? tags->u.list.n : 0;

    if (!session_name_ok(session))
        return req_fail(r, &ERR_ValidationError,
                        "1 validation error detected: Value '%.*s' at 'roleSessionName' failed to satisfy "
                        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
                        STR_FMT(session));
    /* AWS: "Roles may not be assumed by root accounts." (AccessDenied; the
     * AssumeRole reference: "You cannot use AWS account root user credentials
     * to call AssumeRole.") */
    if (r->who.root) return req_fail(r, &ERR_AccessDenied, "Roles may not be assumed by root accounts.");

    str_t account, path, name;
    int k = sts__parse_role_arn(role_arn, &account, &path, &name);
    /* AWS: a RoleArn that is no ARN is ValidationError "Request ARN is invalid" */
    if (k < 0) return req_fail(r, &ERR_ValidationError, "Request ARN is invalid");
    if (k == 0) return refuse(r, "sts:AssumeRole", role_arn);

    /* The session policies are checked before the role, as a malformed request. */
    str_t session_policy;
    size_t nsdocs;
    int64_t percent;
    if (sts__session_policy(r, in, account, &session_policy, &nsdocs, &percent) != GR_OK) return GR_ERR;

    iam_role_info_t role;
    int found = iam_role_for_assume(app, account, name, a, &role);
    if (found < 0) return GR_ERR;
    /* AWS: role names are case sensitive to AssumeRole, and the path must match. */
    if (!found || !str_eq(role.name, name) || !str_eq(role.path, path)) return refuse(r, "sts:AssumeRole", role_arn);

    const policy_t *trust = parse(r, role.trust, POLICY_TRUST);
    if (!trust) return refuse(r, "sts:AssumeRole", role_arn);
    str_t *docs = NULL;
    size_t ndocs = 0;
    if (iam_identity_policies(app, &r->who, a, &docs, &ndocs) != GR_OK) return GR_ERR;
    const policy_t **ids = ARENA_NEWN(a, const policy_t *, ndocs ? ndocs : 1);
    if (!ids) return GR_ERR;
    size_t nids = 0;
    for (size_t i = 0; i < ndocs; i++) {
        const policy_t *p = parse(r, docs[i], POLICY_IDENTITY);
        if (p) ids[nids++] = p;
    }
    const policy_t *caller_session = r->who.session_policy.len ? parse(r, r->who.session_policy, POLICY_SESSION) : NULL;
    if (r->who.session_policy.len && !caller_session) return refuse(r, "sts:AssumeRole", role_arn);
    str_t bdoc;
    if (iam_permissions_boundary(app, &r->who, a, &bdoc) != GR_OK) return GR_ERR;
    const policy_t *boundary = bdoc.p ? parse(r, bdoc, POLICY_IDENTITY) : NULL;
    if (bdoc.p && !boundary) return refuse(r, "sts:AssumeRole", role_arn); /* its policy is gone */

    /* An MFA code given here authenticates this request (the trust policy's
     * aws:MultiFactorAuthPresent) and the session it makes, as does the
     * caller's own MFA session (GetSessionToken with a code). */
    if (sts__mfa(r, in) != GR_OK) return GR_ERR;
    ctx_t ctx = {.n = 0};
    if (build_ctx(r, &ctx, in) != GR_OK) return GR_ERR;
    str_t canon = str_c(
        arena_printf(a, "arn:aws:iam::%.*s:role%.*s%.*s", STR_FMT(account), STR_FMT(role.path), STR_FMT(role.name)));
    bool same = str_eq(account, r->who.account);
    policy_req_t pr = {.action = STR("sts:AssumeRole"), .resource = canon, .who = &r->who, .ctx = ctx.v, .nctx = ctx.n};
    if (policy_evaluate_bounded(&pr, ids, nids, caller_session, boundary, trust, same) != POLICY_ALLOW)
        return refuse(r, "sts:AssumeRole", role_arn);
    /* AWS: passing session tags also needs sts:TagSession, from the trust
     * policy (and the caller's policies as for sts:AssumeRole). */
    if (ntags) {
        pr.action = STR("sts:TagSession");
        if (policy_evaluate_bounded(&pr, ids, nids, caller_session, boundary, trust, same) != POLICY_ALLOW)
            return refuse(r, "sts:TagSession", role_arn);
    }

    /* AWS: DurationSeconds from 900 to the role's MaxSessionDuration (default
     * 3600); role chaining is limited to one hour (AssumeRole reference). */
    int64_t d = val_get_int(in, "DurationSeconds", 3600);
    if (d > role.max_session_s)
        return req_fail(r, &ERR_ValidationError,
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    if (d > 3600 && (principal_session_role(r->who.arn).p != NULL))
        return req_fail(r, &ERR_ValidationError,
                        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
                        "chaining.");
    d = sts__granted_seconds(d);

    principal_t who = sts__assumed_role(a, account, role.name, role.id, session);
    who.mfa_us = r->who.mfa_us;
    if (sts__session_tags(r, in, true, &who.session_tags) != GR_OK || arena_failed(a)) return GR_ERR;
    return sts__issue_out(r, &who, session_policy, "AssumeRole", d, out, "AssumedRoleUser", "AssumedRoleId",
                          nsdocs || ntags ? percent : -1);
}
