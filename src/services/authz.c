/* authz.c — IAM authorization of every request from a non-root principal.
 *
 * After the input is parsed, the dispatcher asks authz_check whether the
 * caller may perform the operation's IAM action on its resource. The action
 * and resource template come from the service's op table (<svc>.ops); the
 * caller's identity policies from the IAM service's C interface; the verdict
 * from the policy evaluator (auth/policy.h). A caller's parsed policies are
 * cached until IAM changes anything, so a request costs a lookup, not SQL
 * and JSON parsing.
 * The root principal is never checked against identity policies, as on AWS. */
#include "services/authz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/log.h"
#include "services/iam/iam.h"
#include "protocol/model.h"
#include "services/app.h"
#include "services/registry.h"

/* ==== The cache ====
 * A caller's parsed identity policies, valid while IAM's generation is the
 * one they were read at: the hot path is then one hash lookup, with no SQL
 * and no parsing. An open-addressing table keyed by principal ARN; at its
 * bound it is emptied (callers are few; refilling is one IAM read each). */
#define PRINCIPAL_SLOTS 1024 /* power of two */
#define PRINCIPAL_MAX (PRINCIPAL_SLOTS / 2)

typedef struct {
    char *arn; /* NULL: free slot */
    uint64_t generation;
    policy_t **pols;
    size_t n;
    char *session_text; /* the session policy parsed below (temporary credentials) */
    policy_t *session;
    /* The session tags the tags below were read with (principal_t.session_tags):
     * sessions of one role with one name share an ARN, not their tags. */
    char *session_tags;
    char **tag_keys; /* "aws:PrincipalTag/team" */
    char **tag_vals;
    size_t ntags;
    policy_t *boundary; /* the user's or role's permissions boundary; NULL: none */
    bool boundary_bad;  /* it has one that does not parse (its policy is gone): nothing is allowed */
    bool resource_tags; /* a policy or the boundary names aws:ResourceTag: the resource's tags are needed */
} principal_slot_t;

struct authz {
    pthread_mutex_t mu;
    principal_slot_t principals[PRINCIPAL_SLOTS];
    size_t nprincipals;
};

authz_t *authz_new(void)
{
    authz_t *z = calloc(1, sizeof *z);
    if (z) pthread_mutex_init(&z->mu, NULL);
    return z;
}

static void free_pols(policy_t **pols, size_t n)
{
    for (size_t i = 0; i < n; i++) policy_free(pols[i]);
    free(pols);
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

static void free_slot_data(principal_slot_t *e)
{
    free_pols(e->pols, e->n);
    free(e->session_text);
    policy_free(e->session);
    free(e->session_tags);
    free_strs(e->tag_keys, e->ntags);
    free_strs(e->tag_vals, e->ntags);
    policy_free(e->boundary);
}

static void clear_principals(authz_t *z)
{
    for (size_t i = 0; i < PRINCIPAL_SLOTS; i++) {
        free(z->principals[i].arn);
        free_slot_data(&z->principals[i]);
        z->principals[i] = (principal_slot_t){0};
    }
    z->nprincipals = 0;
}

void authz_free(authz_t *z)
{
    if (!z) return;
    clear_principals(z);
    pthread_mutex_destroy(&z->mu);
    free(z);
}

static uint64_t fnv(str_t s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.p[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* ==== Action and resource ==== */

const char *authz_iam_prefix(const char *signing)
{
    return strcmp(signing, "monitoring") == 0 ? "cloudwatch" : signing;
}

static str_t action_of(req_t *r)
{
    if (r->op->iam_action) return str_c(r->op->iam_action);
    return str_c(arena_printf(r->arena, "%s:%s", authz_iam_prefix(r->svc->model->signing_name), r->op->name));
}

/* The input member at a dotted path ("TableCreationParameters.TableName"), or NULL. */
static val_t *member_at(const val_t *in, str_t path)
{
    val_t *v = (val_t *)in;
    while (v && path.len) {
        str_t head;
        path = str_cut(path, '.', &head);
        v = val_get_s(v, head);
    }
    return v;
}

/* Expands "arn:aws:s3:::{Bucket}/{Key}": {account}, {region} from the
 * request, {Member} from the input's string member, a dotted path for a
 * nested one ("*" if absent;
 * {Member:self}: the caller's own user name, as IAM's GetUser without a name
 * acts on the caller; {Member:arn}: the member's value when it is an ARN;
 * {Member:arn?}: the same, and nothing when the member is absent, so a
 * template can begin with the ARN that replaces it: Kinesis names a stream by
 * StreamARN or by StreamName; {Member:dir}: the member's last path segment
 * and a slash, nothing when absent or "default": EventBridge names a custom
 * bus's rules rule/BUS/NAME and the default bus's rule/NAME). */
static str_t resource_of(req_t *r)
{
    const char *t = r->op->iam_resource;
    if (!t) return STR("*");
    buf_t b;
    buf_init(&b, r->arena);
    while (*t) {
        const char *open = strchr(t, '{');
        if (!open) {
            buf_puts(&b, t);
            break;
        }
        buf_append(&b, t, (size_t)(open - t));
        const char *close = strchr(open, '}');
        if (!close) break;
        str_t name = {open + 1, (size_t)(close - open - 1)};
        bool self = str_ends_with(name, STR(":self")), arn = str_ends_with(name, STR(":arn"));
        bool opt = str_ends_with(name, STR(":arn?")), dir = str_ends_with(name, STR(":dir"));
        if (self) name.len -= 5;
        if (dir) name.len -= 4;
        if (arn || opt) name.len -= opt ? 5 : 4;
        arn = arn || opt;
        if (str_eq_c(name, "account"))
            buf_put_str(&b, r->who.account);
        else if (str_eq_c(name, "region"))
            buf_put_str(&b, r->region);
        else {
            val_t *v = r->in ? member_at(r->in, name) : NULL;
            /* {Member:arn}: the member may hold the resource's whole ARN
             * (DynamoDB takes a table's ARN as TableName); then it is the
             * resource. Only where a service declares it: an S3 key that
             * looks like an ARN must stay a key. */
            if (arn && v && v->kind == VAL_STR && str_starts_with(v->u.s, STR("arn:"))) return v->u.s;
            if (dir) {
                str_t seg = v && v->kind == VAL_STR ? v->u.s : STR_NULL;
                for (long slash; seg.p && (slash = str_index(seg, '/')) >= 0;)
                    seg = str_sub(seg, (size_t)slash + 1, seg.len - (size_t)slash - 1);
                if (seg.len && !str_eq_c(seg, "default")) {
                    buf_put_str(&b, seg);
                    buf_putc(&b, '/');
                }
            } else if (v && v->kind == VAL_STR)
                buf_put_str(&b, v->u.s);
            else if (opt)
                ;
            else if (self && r->who.user_name.len)
                buf_put_str(&b, r->who.user_name);
            else
                buf_putc(&b, '*');
        }
        t = close + 1;
    }
    return buf_str(&b);
}

static int deny(req_t *r, str_t action, str_t resource)
{
    static const aws_errdef_t E_AccessDeniedException403 = {"AccessDeniedException", 403, true};
    static const aws_errdef_t E_UnauthorizedOperation = {"UnauthorizedOperation", 403, true};
    /* AWS: "User: arn:aws:iam::123456789012:user/alice is not authorized to
     * perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/" —
     * the IAM User Guide, "Troubleshoot access denied error messages". */
    const char *who = r->who.arn.p ? arena_printf(r->arena, "%.*s", STR_FMT(r->who.arn)) : "anonymous";
    if (r->svc->denied) {
        /* AWS (SNS): "User: arn:aws:iam::…:user/x is not authorized to perform:
         * SNS:Publish on resource: arn:aws:sns:…" — AuthorizationError, 403. */
        char *act = arena_strndup(r->arena, action.p ? action.p : "", action.len);
        for (char *c = act; c && *c && *c != ':'; c++)
            if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
        return req_fail(r, r->svc->denied, "User: %s is not authorized to perform: %s on resource: %.*s", who,
                        act ? act : "", STR_FMT(resource));
    }
    /* AWS: SQS over json keeps its query code (x-amzn-query-error:
     * AccessDenied;Sender), which newer botocore reports. */
    if (r->svc->model->query_compat)
        return req_fail(r, &ERR_AccessDenied, "User: %s is not authorized to perform: %.*s on resource: %.*s", who,
                        STR_FMT(action), STR_FMT(resource));
    switch (r->svc->model->protocol) {
    case PROTO_REST_XML:
        if (!strcmp(r->svc->name, "s3")) return req_fail(r, &ERR_AccessDenied, "Access Denied");
        /* AWS (recorded, CloudFront and Route 53): AccessDenied naming the
         * caller, the action and the resource, the resource left out for
         * an action on none ("… perform: route53:ListHostedZones because …";
         * the "because" clause is not written here, as for the others) */
        if (str_eq_c(resource, "*"))
            return req_fail(r, &ERR_AccessDenied, "User: %s is not authorized to perform: %.*s", who, STR_FMT(action));
        return req_fail(r, &ERR_AccessDenied, "User: %s is not authorized to perform: %.*s on resource: %.*s", who,
                        STR_FMT(action), STR_FMT(resource));
    case PROTO_EC2: return req_fail(r, &E_UnauthorizedOperation, "You are not authorized to perform this operation.");
    case PROTO_JSON:
    case PROTO_RPCV2_CBOR:
        return req_fail(r, &ERR_AccessDeniedException, "User: %s is not authorized to perform: %.*s on resource: %.*s",
                        who, STR_FMT(action), STR_FMT(resource));
    case PROTO_REST_JSON:
        return req_fail(r, &E_AccessDeniedException403, "User: %s is not authorized to perform: %.*s on resource: %.*s",
                        who, STR_FMT(action), STR_FMT(resource));
    default:
        return req_fail(r, &ERR_AccessDenied, "User: %s is not authorized to perform: %.*s on resource: %.*s", who,
                        STR_FMT(action), STR_FMT(resource));
    }
}

/* ==== The principal cache ==== */

static size_t principal_hash(str_t arn)
{
    return (size_t)fnv(arn) & (PRINCIPAL_SLOTS - 1);
}

static principal_slot_t *find_principal(authz_t *z, str_t arn)
{
    for (size_t i = principal_hash(arn);; i = (i + 1) & (PRINCIPAL_SLOTS - 1)) {
        principal_slot_t *e = &z->principals[i];
        if (!e->arn) return NULL;
        if (strlen(e->arn) == arn.len && memcmp(e->arn, arn.p, arn.len) == 0) return e;
    }
}

/* Takes ownership of what *fresh holds; returns the entry. */
static principal_slot_t *store_principal(authz_t *z, str_t arn, uint64_t gen, principal_slot_t *fresh)
{
    principal_slot_t *e = find_principal(z, arn);
    if (!e) {
        if (z->nprincipals >= PRINCIPAL_MAX) clear_principals(z);
        size_t i = principal_hash(arn);
        while (z->principals[i].arn) i = (i + 1) & (PRINCIPAL_SLOTS - 1);
        e = &z->principals[i];
        e->arn = strndup(arn.p, arn.len);
        z->nprincipals++;
    } else {
        free_slot_data(e);
    }
    char *keep = e->arn;
    *e = *fresh;
    e->arn = keep;
    e->generation = gen;
    return e;
}

/* Whether a policy's text names aws:ResourceTag or a service's own name for
 * it (iam:ResourceTag; condition keys are case-insensitive): then its
 * evaluation needs the resource's tags. */
static bool names_resource_tag(str_t doc)
{
    static const char key[] = ":resourcetag/"; /* aws:…, and a service's own name (registry.h, resource_tag_alias) */
    for (size_t i = 0; i + sizeof key - 1 <= doc.len; i++)
        if (strncasecmp(doc.p + i, key, sizeof key - 1) == 0) return true;
    return false;
}

/* Reads and parses the caller's identity policies and reads its tags
 * (outside the lock) into *e's data fields. */
static int load_principal(req_t *r, principal_slot_t *e)
{
    *e = (principal_slot_t){0};
    kv_t *tags;
    size_t ntags;
    if (iam_principal_tags(r->app, &r->who, r->arena, &tags, &ntags) != GR_OK) return GR_ERR;
    str_t st = r->who.session_tags;
    if (st.len && !(e->session_tags = strndup(st.p, st.len))) return GR_ERR;
    e->tag_keys = calloc(ntags ? ntags : 1, sizeof *e->tag_keys);
    e->tag_vals = calloc(ntags ? ntags : 1, sizeof *e->tag_vals);
    if (!e->tag_keys || !e->tag_vals) {
        free_slot_data(e);
        return GR_ERR;
    }
    for (size_t i = 0; i < ntags; i++) {
        size_t kl = strlen("aws:PrincipalTag/") + tags[i].name.len + 1;
        e->tag_keys[i] = malloc(kl);
        e->tag_vals[i] = strndup(tags[i].value.p ? tags[i].value.p : "", tags[i].value.len);
        e->ntags = i + 1;
        if (!e->tag_keys[i] || !e->tag_vals[i]) {
            free_slot_data(e);
            return GR_ERR;
        }
        snprintf(e->tag_keys[i], kl, "aws:PrincipalTag/%.*s", STR_FMT(tags[i].name));
    }
    str_t *docs = NULL;
    size_t ndocs = 0;
    if (iam_identity_policies(r->app, &r->who, r->arena, &docs, &ndocs) != GR_OK) {
        free_slot_data(e);
        return GR_ERR;
    }
    policy_t **pols = calloc(ndocs ? ndocs : 1, sizeof *pols);
    if (!pols) {
        free_slot_data(e);
        return GR_ERR;
    }
    size_t n = 0;
    for (size_t i = 0; i < ndocs; i++) {
        char err[256];
        e->resource_tags = e->resource_tags || names_resource_tag(docs[i]);
        policy_t *p = policy_parse(docs[i], POLICY_IDENTITY, err, sizeof err);
        if (p)
            pols[n++] = p;
        else
            log_warn("authz: a stored identity policy does not parse: %s", err);
    }
    e->pols = pols;
    e->n = n;
    str_t bdoc;
    if (iam_permissions_boundary(r->app, &r->who, r->arena, &bdoc) != GR_OK) {
        free_slot_data(e);
        return GR_ERR;
    }
    if (bdoc.p) {
        char err[256];
        e->resource_tags = e->resource_tags || names_resource_tag(bdoc);
        e->boundary = policy_parse(bdoc, POLICY_IDENTITY, err, sizeof err);
        e->boundary_bad = !e->boundary;
    }
    return GR_OK;
}

/* AWS: aws:PrincipalArn of a role session is the role's ARN, not the
 * session's (IAM User Guide, "AWS global condition context keys"). The
 * session ARN carries no path, so neither does this. */
static str_t principal_arn(req_t *r)
{
    str_t role = principal_session_role(r->who.arn);
    if (!role.p) return r->who.arn;
    return str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:role/%.*s", STR_FMT(r->who.account), STR_FMT(role)));
}

/* Whether text (NULL: none) is s (empty: none). */
static bool same_text(const char *text, str_t s)
{
    if (!text) return s.len == 0;
    return strlen(text) == s.len && memcmp(text, s.p, s.len) == 0;
}

/* ==== The check ==== */

/* AWS (IAM User Guide, aws:PrincipalType): Account for the root user, User
 * for an IAM user, FederatedUser, AssumedRole, Anonymous. */
static str_t principal_type(const principal_t *who)
{
    if (who->anonymous) return STR("Anonymous");
    if (who->root) return STR("Account");
    if (who->user_name.len) return STR("User");
    /* arn:aws:sts::ACCOUNT:federated-user/NAME (sts/session.c) */
    long colon = str_index(who->arn, ':');
    for (int i = 0; i < 4 && colon >= 0; i++) {
        str_t rest = str_sub(who->arn, (size_t)colon + 1, who->arn.len - (size_t)colon - 1);
        long next = str_index(rest, ':');
        colon = next < 0 ? -1 : colon + 1 + next;
    }
    if (colon >= 0 &&
        str_starts_with(str_sub(who->arn, (size_t)colon + 1, who->arn.len - (size_t)colon - 1), STR("federated-user/")))
        return STR("FederatedUser");
    return STR("AssumedRole");
}

size_t authz_global_ctx(req_t *r, policy_ctx_t out[AUTHZ_GLOBAL_KEYS])
{
    static const char *keys[AUTHZ_GLOBAL_KEYS] = {"aws:username",
                                                  "aws:userid",
                                                  "aws:PrincipalArn",
                                                  "aws:PrincipalAccount",
                                                  "aws:PrincipalType",
                                                  "aws:SourceIp",
                                                  "aws:CurrentTime",
                                                  "aws:EpochTime",
                                                  "aws:SecureTransport",
                                                  "aws:RequestedRegion",
                                                  "aws:MultiFactorAuthPresent",
                                                  "aws:MultiFactorAuthAge",
                                                  "aws:Referer",
                                                  "aws:UserAgent"};
    char *now_iso = arena_zalloc(r->arena, 32), *epoch = arena_zalloc(r->arena, 24);
    char *mfa = arena_zalloc(r->arena, 8), *mfa_age = arena_zalloc(r->arena, 24);
    str_t *vals = ARENA_NEWN(r->arena, str_t, AUTHZ_GLOBAL_KEYS);
    if (!now_iso || !epoch || !mfa || !mfa_age || !vals) return 0;
    int64_t now = time_now_us();
    time_fmt_iso8601(now_iso, now, false);
    snprintf(epoch, 24, "%lld", (long long)(now / 1000000));
    principal_mfa_keys(&r->who, now, mfa, mfa_age);
    str_t v[AUTHZ_GLOBAL_KEYS] = {
        r->who.user_name,
        r->who.user_id,
        principal_arn(r),
        r->who.account,
        principal_type(&r->who),
        str_c(r->w.peer_ip ? r->w.peer_ip : "127.0.0.1"),
        str_c(now_iso),
        str_c(epoch),
        STR("false"),
        r->region,
        str_c(mfa),
        str_c(mfa_age),
        wire_header(&r->w, "referer"),
        wire_header(&r->w, "user-agent"),
    };
    size_t n = 0;
    for (int i = 0; i < AUTHZ_GLOBAL_KEYS; i++)
        if (v[i].len) {
            vals[i] = v[i];
            out[n++] = (policy_ctx_t){str_c(keys[i]), &vals[i], 1};
        }
    return n;
}

/* ==== Tag condition keys ====
 * AWS (IAM User Guide, "Controlling access to AWS resources using tags"):
 * aws:RequestTag/KEY is each tag the request carries (its Tags member, a
 * list of {Key, Value} or a map, in whatever case the service spells it),
 * aws:TagKeys the keys of those tags or the ones an untag request names
 * (TagKeys; Logs' UntagLogGroup names them in a list called tags), and
 * aws:ResourceTag/KEY each tag of the resource acted on, which the service
 * gives (registry.h, resource_tags). */

typedef struct {
    policy_ctx_t *v;
    size_t n, cap;
} ctxs_t;

static bool ctx_add(arena_t *a, ctxs_t *l, str_t key, const str_t *vals, size_t nvals)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        policy_ctx_t *v = ARENA_NEWN(a, policy_ctx_t, cap);
        if (!v) return false;
        if (l->n) memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (policy_ctx_t){key, vals, nvals};
    return true;
}

/* PREFIX/KEY = VALUE for each tag of tags (a list of {Key, Value} or a map);
 * each key also into keys (when not NULL). */
static void add_tags(arena_t *a, ctxs_t *l, const char *prefix, const val_t *tags, ctxs_t *keys)
{
    bool map = tags->kind == VAL_MAP || tags->kind == VAL_STRUCT;
    size_t n = map ? tags->u.obj.n : tags->kind == VAL_LIST ? tags->u.list.n : 0;
    for (size_t i = 0; i < n; i++) {
        str_t k, *v = ARENA_NEW(a, str_t);
        if (!v) return;
        if (map) {
            k = tags->u.obj.e[i].key;
            *v = tags->u.obj.e[i].v->kind == VAL_STR ? tags->u.obj.e[i].v->u.s : STR("");
        } else {
            const val_t *t = tags->u.list.v[i];
            if (t->kind != VAL_STRUCT) continue;
            k = val_get_str(t, "Key");
            *v = val_get_str(t, "Value");
            if (!k.p) continue;
            if (!v->p) *v = STR("");
        }
        ctx_add(a, l, str_c(arena_printf(a, "%s/%.*s", prefix, STR_FMT(k))), v, 1);
        if (keys) {
            str_t *kk = ARENA_NEW(a, str_t);
            if (kk) *kk = k;
            if (kk) ctx_add(a, keys, k, kk, 1);
        }
    }
}

/* aws:RequestTag/KEY and aws:TagKeys of r's input, into l. */
static void request_tags(req_t *r, ctxs_t *l)
{
    arena_t *a = r->arena;
    const val_t *in = r->in;
    if (!in || in->kind != VAL_STRUCT) return;
    ctxs_t keys = {0};
    for (size_t i = 0; i < in->u.obj.n; i++) {
        str_t m = in->u.obj.e[i].key;
        const val_t *v = in->u.obj.e[i].v;
        bool names = v->kind == VAL_LIST && v->u.list.n && v->u.list.v[0]->kind == VAL_STR;
        if ((m.len == 4 && strncasecmp(m.p, "tags", 4) == 0 && !names))
            add_tags(a, l, "aws:RequestTag", v, &keys);
        else if ((m.len == 4 && strncasecmp(m.p, "tags", 4) == 0) ||
                 (m.len == 7 && strncasecmp(m.p, "tagkeys", 7) == 0))
            for (size_t j = 0; v->kind == VAL_LIST && j < v->u.list.n; j++) {
                str_t *k = ARENA_NEW(a, str_t);
                if (k && v->u.list.v[j]->kind == VAL_STR) *k = v->u.list.v[j]->u.s;
                if (k && v->u.list.v[j]->kind == VAL_STR) ctx_add(a, &keys, *k, k, 1);
            }
    }
    if (!keys.n) return;
    str_t *vals = ARENA_NEWN(a, str_t, keys.n);
    if (!vals) return;
    for (size_t i = 0; i < keys.n; i++) vals[i] = keys.v[i].key;
    ctx_add(a, l, STR("aws:TagKeys"), vals, keys.n);
}

/* aws:ResourceTag/KEY of the resource, from its service, into l; r's error
 * (the service's lookup may fail r for a resource it does not find) is kept
 * as it was. */
static void resource_tags(req_t *r, str_t resource, ctxs_t *l)
{
    const aws_errdef_t *err = r->err;
    const char *msg = r->err_msg;
    val_t *extra = r->err_extra;
    const val_t *tags = NULL;
    if (r->svc->resource_tags(r, resource, &tags) == GR_OK && tags) {
        add_tags(r->arena, l, "aws:ResourceTag", tags, NULL);
        const char *alias = r->svc->resource_tag_alias ? r->svc->resource_tag_alias(resource) : NULL;
        if (alias) add_tags(r->arena, l, alias, tags, NULL);
    }
    r->err = err;
    r->err_msg = msg;
    r->err_extra = extra;
}

/* The caller's identity policies (none for a root principal, which IAM
 * policies do not bind) with the resource's policy res (may be NULL), by
 * AWS's same- or cross-account logic. extra: the service's own keys and,
 * once tagged (tagged), the tag keys; until then they are added here. */
static int check_tagged(req_t *r, authz_t *z, str_t action, str_t resource, const policy_t *res, bool same_account,
                        bool ask_service, const policy_ctx_t *extra, size_t nextra, bool tagged);

static int check(req_t *r, authz_t *z, str_t action, str_t resource, const policy_t *res, bool same_account,
                 bool ask_service, const policy_ctx_t *extra, size_t nextra)
{
    ctxs_t l = {0};
    for (size_t i = 0; i < nextra; i++) ctx_add(r->arena, &l, extra[i].key, extra[i].values, extra[i].nvalues);
    request_tags(r, &l);
    return check_tagged(r, z, action, resource, res, same_account, ask_service, l.v, l.n, false);
}

static int check_tagged(req_t *r, authz_t *z, str_t action, str_t resource, const policy_t *res, bool same_account,
                        bool ask_service, const policy_ctx_t *extra, size_t nextra, bool tagged)
{
    if (!tagged) iam_note_access(r->app, &r->who, action, r->region); /* access advisor: every attempt, once */
    uint64_t gen = iam_generation();                                  /* before reading IAM, see iam.h */
    policy_ctx_t ctx[AUTHZ_GLOBAL_KEYS];
    size_t nctx = authz_global_ctx(r, ctx);
    policy_req_t pr = {.action = action, .resource = resource, .who = &r->who, .ctx = ctx, .nctx = nctx};

    pthread_mutex_lock(&z->mu);
    principal_slot_t *e = find_principal(z, r->who.arn);
    str_t st = r->who.session_tags;
    if (!e || e->generation != gen || !same_text(e->session_tags, st)) {
        pthread_mutex_unlock(&z->mu);
        principal_slot_t fresh;
        if (load_principal(r, &fresh) != GR_OK) return GR_ERR;
        pthread_mutex_lock(&z->mu);
        e = store_principal(z, r->who.arn, gen, &fresh);
    }
    /* The resource's tags, when a policy asks about them: read with the
     * lock released, then evaluated again with them (the principal's entry
     * is looked up afresh). */
    str_t sp = r->who.session_policy;
    if (!tagged && r->svc && r->svc->resource_tags && !str_eq_c(resource, "*") &&
        (e->resource_tags || (sp.len && names_resource_tag(sp)))) {
        pthread_mutex_unlock(&z->mu);
        ctxs_t l = {0};
        for (size_t i = 0; i < nextra; i++) ctx_add(r->arena, &l, extra[i].key, extra[i].values, extra[i].nvalues);
        resource_tags(r, resource, &l);
        return check_tagged(r, z, action, resource, res, same_account, ask_service, l.v, l.n, true);
    }
    /* aws:PrincipalTag/KEY, one per tag of the caller. */
    policy_ctx_t *all = ARENA_NEWN(r->arena, policy_ctx_t, nctx + e->ntags + nextra);
    str_t *tagv = ARENA_NEWN(r->arena, str_t, e->ntags ? e->ntags : 1);
    if (!all || !tagv) {
        pthread_mutex_unlock(&z->mu);
        return GR_ERR;
    }
    memcpy(all, ctx, nctx * sizeof *ctx);
    for (size_t i = 0; i < e->ntags; i++) {
        tagv[i] = str_c(e->tag_vals[i]);
        all[nctx + i] = (policy_ctx_t){str_c(e->tag_keys[i]), &tagv[i], 1};
    }
    if (nextra) memcpy(all + nctx + e->ntags, extra, nextra * sizeof *extra); /* the service's own keys */
    pr.ctx = all;
    pr.nctx = nctx + e->ntags + nextra;
    /* Temporary credentials with a session policy (AssumeRole's Policy and
     * PolicyArns): it must allow too. Parsed once per session and text. */
    const policy_t *session = NULL;
    if (sp.len) {
        if (!e->session_text || strlen(e->session_text) != sp.len || memcmp(e->session_text, sp.p, sp.len) != 0) {
            char err[256];
            free(e->session_text);
            policy_free(e->session);
            e->session_text = strndup(sp.p, sp.len);
            e->session = policy_parse(sp, POLICY_SESSION, err, sizeof err);
            if (!e->session) log_warn("authz: a session policy does not parse: %s", err);
        }
        session = e->session;
        if (!session) { /* unreadable: allows nothing */
            pthread_mutex_unlock(&z->mu);
            return deny(r, action, resource);
        }
    }
    if (e->boundary_bad) {
        pthread_mutex_unlock(&z->mu);
        return deny(r, action, resource);
    }
    policy_result_t verdict =
        policy_evaluate_bounded(&pr, (const policy_t *const *)e->pols, e->n, session, e->boundary, res, same_account);
    /* The resource's own policy, when the service keeps one it did not pass
     * (see registry.h); under the lock, as the session policy and the
     * boundary are e's. */
    if (verdict == POLICY_IMPLICIT_DENY && ask_service && r->svc && r->svc->resource_grant)
        verdict = r->svc->resource_grant(r, action, resource, session, e->boundary);
    pthread_mutex_unlock(&z->mu);
    if (verdict == POLICY_ALLOW) return GR_OK;
    return deny(r, action, resource);
}

/* AWS (STS API reference, GetFederationToken): a federated user's session
 * "cannot call any IAM operations" nor any STS operation "except
 * GetCallerIdentity", whatever its policies allow. Checked before the
 * operations that need no permission (AssumeRole, GetSessionToken). The
 * caller's ARN is looked at first: every request comes through here, and
 * only a federated user's needs its action named. */
static bool federated_forbidden(req_t *r)
{
    /* arn:aws:sts::ACCOUNT:federated-user/NAME (sts/session.c) */
    static const str_t sts = {"arn:aws:sts::", 13};
    str_t arn = r->who.arn;
    if (!str_starts_with(arn, sts)) return false;
    str_t rest = str_sub(arn, sts.len, arn.len - sts.len);
    long colon = str_index(rest, ':');
    if (colon < 0 ||
        !str_starts_with(str_sub(rest, (size_t)colon + 1, rest.len - (size_t)colon - 1), STR("federated-user/")))
        return false;
    str_t action = action_of(r);
    return str_starts_with(action, STR("iam:")) ||
           (str_starts_with(action, STR("sts:")) && !str_eq_c(action, "sts:GetCallerIdentity"));
}

int authz_check(req_t *r, authz_t *z)
{
    if (!r->who.anonymous && federated_forbidden(r)) return deny(r, action_of(r), resource_of(r));
    /* Anonymous callers have no identity policies; only S3 admits them, and
     * it checks the bucket policy and ACLs itself (services/s3/access.c). */
    if (r->who.root || r->who.anonymous || (r->op->flags & OPF_NO_AUTHZ)) return GR_OK;
    return check(r, z, action_of(r), resource_of(r), NULL, true, true, NULL, 0);
}

int authz_check_resource(req_t *r, authz_t *z, str_t action, str_t resource, str_t resource_account,
                         const policy_t *res)
{
    bool same = str_eq(resource_account, r->who.account);
    if (r->who.root && same) return GR_OK; /* AWS: an account's root may do anything with its own resources */
    return check(r, z, action, resource, res, same, false, NULL, 0);
}

int authz_check_resource_ctx(req_t *r, authz_t *z, str_t action, str_t resource, str_t resource_account,
                             const policy_t *res, const policy_ctx_t *ctx, size_t nctx)
{
    bool same = str_eq(resource_account, r->who.account);
    if (r->who.root && same) return GR_OK;
    return check(r, z, action, resource, res, same, false, ctx, nctx);
}
