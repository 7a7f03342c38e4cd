/* authz.c — IAM authorization of every request from a non-root principal.
 *
 * After the input is parsed, the dispatcher asks authz_check whether the
 * caller may perform the operation's IAM action on its resource. The action
 * and resource template come from the service's op table (<svc>.ops); the
 * caller's identity policies from the IAM service's C interface; the verdict
 * from the policy evaluator (auth/policy.h). Parsed policies are cached by
 * their text, so a request costs a lookup per policy, not a JSON parse.
 * The root principal is never checked against identity policies, as on AWS. */
#include "services/authz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/log.h"
#include "services/iam/iam.h"
#include "protocol/model.h"
#include "services/app.h"
#include "services/registry.h"

/* ==== The parsed-policy cache ====
 * An open-addressing table keyed by the policy text (FNV-1a). Entries are
 * never evicted below the bound; at the bound the table is cleared — policies
 * change rarely and re-parsing is cheap next to a miss storm's bookkeeping. */
#define CACHE_SLOTS 4096 /* power of two */
#define CACHE_MAX (CACHE_SLOTS / 2)

typedef struct {
    uint64_t hash;
    char *text;
    size_t len;
    policy_kind_t kind;
    policy_t *policy;
} slot_t;

struct authz {
    pthread_mutex_t mu;
    slot_t slots[CACHE_SLOTS];
    size_t used;
};

authz_t *authz_new(void)
{
    authz_t *z = calloc(1, sizeof *z);
    if (z) pthread_mutex_init(&z->mu, NULL);
    return z;
}

static void clear(authz_t *z)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(z->slots[i].text);
        policy_free(z->slots[i].policy);
        z->slots[i] = (slot_t){0};
    }
    z->used = 0;
}

void authz_free(authz_t *z)
{
    if (!z) return;
    clear(z);
    pthread_mutex_destroy(&z->mu);
    free(z);
}

static uint64_t fnv(str_t s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.p[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* The parsed policy for this text and kind (identity, or the session policy
 * of temporary credentials), parsing it on a miss. NULL when the text
 * does not parse (IAM validated it on the way in, so this is not expected).
 * Entries are dropped only by clear(), which authz_check runs before its
 * lookups when they might fill the table; a request holds the lock from its
 * lookups through evaluation (microseconds, no allocation), so no entry it
 * uses can go away under it. */
static const policy_t *lookup_locked(authz_t *z, str_t text, policy_kind_t kind)
{
    uint64_t h = fnv(text) ^ (uint64_t)kind;
    if (!h) h = 1;
    size_t i = h & (CACHE_SLOTS - 1);
    for (;;) {
        slot_t *s = &z->slots[i];
        if (!s->hash) break;
        if (s->hash == h && s->kind == kind && s->len == text.len && memcmp(s->text, text.p, text.len) == 0)
            return s->policy;
        i = (i + 1) & (CACHE_SLOTS - 1);
    }
    char err[256];
    policy_t *p = policy_parse(text, kind, err, sizeof err);
    if (!p) {
        log_warn("authz: a stored %s policy does not parse: %s", kind == POLICY_SESSION ? "session" : "identity",
                 err);
        return NULL;
    }
    char *copy = malloc(text.len + 1);
    if (!copy) {
        policy_free(p);
        return NULL;
    }
    memcpy(copy, text.p, text.len);
    copy[text.len] = 0;
    while (z->slots[i].hash) i = (i + 1) & (CACHE_SLOTS - 1);
    z->slots[i] = (slot_t){h, copy, text.len, kind, p};
    z->used++;
    return p;
}

/* ==== Action and resource ==== */

static str_t action_of(req_t *r)
{
    if (r->op->iam_action) return str_c(r->op->iam_action);
    return str_c(arena_printf(r->arena, "%s:%s", r->svc->model->signing_name, r->op->name));
}

/* Expands "arn:aws:s3:::{Bucket}/{Key}": {account}, {region} from the
 * request, {Member} from the input's top-level string member ("*" if absent). */
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
        if (str_eq_c(name, "account"))
            buf_put_str(&b, r->who.account);
        else if (str_eq_c(name, "region"))
            buf_put_str(&b, r->region);
        else {
            val_t *v = r->in ? val_get_s(r->in, name) : NULL;
            if (v && v->kind == VAL_STR)
                buf_put_str(&b, v->u.s);
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
    switch (r->svc->model->protocol) {
    case PROTO_REST_XML: return req_fail(r, &ERR_AccessDenied, "Access Denied");
    case PROTO_EC2: return req_fail(r, &E_UnauthorizedOperation, "You are not authorized to perform this operation.");
    case PROTO_JSON:
        return req_fail(r, &ERR_AccessDeniedException, "User: %s is not authorized to perform: %.*s on resource: %.*s",
                        who, STR_FMT(action), STR_FMT(resource));
    case PROTO_REST_JSON:
        return req_fail(r, &E_AccessDeniedException403,
                        "User: %s is not authorized to perform: %.*s on resource: %.*s", who, STR_FMT(action),
                        STR_FMT(resource));
    default:
        return req_fail(r, &ERR_AccessDenied, "User: %s is not authorized to perform: %.*s on resource: %.*s", who,
                        STR_FMT(action), STR_FMT(resource));
    }
}

/* ==== The check ==== */

#define NCTX 10

int authz_check(req_t *r, authz_t *z)
{
    if (r->who.root || (r->op->flags & OPF_NO_AUTHZ)) return GR_OK;
    app_t *app = r->app;
    str_t action = action_of(r), resource = resource_of(r);
    str_t *docs = NULL;
    size_t ndocs = 0;
    if (iam_identity_policies(app, &r->who, r->arena, &docs, &ndocs) != GR_OK) return GR_ERR;

    /* The global condition keys gureum knows (IAM User Guide, "AWS global
     * condition context keys"). */
    char now_iso[32], epoch[24];
    int64_t now = time_now_us();
    time_fmt_iso8601(now_iso, now, false);
    snprintf(epoch, sizeof epoch, "%lld", (long long)(now / 1000000));
    str_t vals[NCTX] = {
        r->who.user_name, r->who.user_id, r->who.arn, r->who.account,
        str_c(r->who.user_name.len ? "User" : "AssumedRole"),
        str_c(r->w.peer_ip ? r->w.peer_ip : "127.0.0.1"), str_c(now_iso), str_c(epoch), STR("false"), r->region,
    };
    static const char *keys[NCTX] = {"aws:username",     "aws:userid",      "aws:PrincipalArn",
                                     "aws:PrincipalAccount", "aws:PrincipalType", "aws:SourceIp",
                                     "aws:CurrentTime",  "aws:EpochTime",   "aws:SecureTransport",
                                     "aws:RequestedRegion"};
    policy_ctx_t ctx[NCTX];
    size_t nctx = 0;
    for (int i = 0; i < NCTX; i++)
        if (vals[i].len) ctx[nctx++] = (policy_ctx_t){str_c(keys[i]), &vals[i], 1};
    policy_req_t pr = {.action = action, .resource = resource, .who = &r->who, .ctx = ctx, .nctx = nctx};

    const policy_t **pols = ARENA_NEWN(r->arena, const policy_t *, ndocs ? ndocs : 1);
    if (!pols) return GR_ERR;
    pthread_mutex_lock(&z->mu);
    if (z->used + ndocs + 1 >= CACHE_MAX) clear(z);
    size_t n = 0;
    for (size_t i = 0; i < ndocs; i++) {
        const policy_t *p = lookup_locked(z, docs[i], POLICY_IDENTITY);
        if (p) pols[n++] = p;
    }
    /* Temporary credentials from AssumeRole with a Policy: the session policy
     * limits what the role's policies allow (AWS: "Session policies"). One
     * that does not parse allows nothing. */
    policy_result_t res = POLICY_IMPLICIT_DENY;
    const policy_t *session = NULL;
    if (r->who.session_policy.len) session = lookup_locked(z, r->who.session_policy, POLICY_SESSION);
    if (session || !r->who.session_policy.len) res = policy_evaluate(&pr, pols, n, session, NULL, true);
    pthread_mutex_unlock(&z->mu);
    if (res == POLICY_ALLOW) return GR_OK;
    return deny(r, action, resource);
}
