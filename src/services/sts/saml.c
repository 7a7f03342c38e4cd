/* saml.c — STS AssumeRoleWithSAML: temporary credentials for a role, in
 * exchange for a SAML 2.0 response an identity provider signed.
 *
 * AWS serves this operation without credentials (OPF_UNSIGNED): the caller
 * is proven by the response's XML signature, checked (xmldsig.c) against the
 * certificates in the metadata of the IAM SAML provider that PrincipalArn
 * names. Then as AWS documents ("Configuring SAML assertions for the
 * authentication response", the AssumeRoleWithSAML reference): the
 * assertion's Issuer is the provider's entityID, its conditions and subject
 * confirmation have not expired, the Role attribute holds the pair
 * "RoleArn,PrincipalArn" (either order), RoleSessionName is present and
 * valid, SessionDuration (if any) caps DurationSeconds, and the role's trust
 * policy allows sts:AssumeRoleWithSAML to the provider (Principal
 * {"Federated": ARN}) with the SAML:aud, SAML:iss, SAML:sub, SAML:sub_type
 * and SAML:namequalifier keys. PrincipalTag:KEY and TransitiveTagKeys
 * attributes are the session's tags, which need sts:TagSession too.
 * Encrypted assertions are not supported (refused). */
#include <openssl/evp.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "services/app.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"
#include "services/sts/xmldsig.h"
#include "sts_model.h"

#define NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define NS_P "urn:oasis:names:tc:SAML:2.0:protocol"
#define NS_A "urn:oasis:names:tc:SAML:2.0:assertion"
#define ATTR_ROLE "https://aws.amazon.com/SAML/Attributes/Role"
#define ATTR_SESSION "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
#define ATTR_DURATION "https://aws.amazon.com/SAML/Attributes/SessionDuration"
#define ATTR_TAG "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
#define ATTR_TRANSITIVE "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
#define MAX_TAGS 50                      /* AWS: at most 50 session tags */
#define SKEW_US ((int64_t)300 * 1000000) /* clock skew allowed on NotBefore */

static int invalid(req_t *r, const char *msg)
{
    return req_fail(r, &STS_ERR_InvalidIdentityTokenException, "%s", msg);
}

/* The signing certificates (base64 DER) of the provider's metadata. */
static size_t metadata_certs(req_t *r, str_t doc, str_t *entity_id, str_t *certs, size_t max)
{
    const char *err;
    dsig_node_t *root = dsig_parse(r->arena, doc, &err);
    if (!root || !str_eq_c(dsig_local(root), "EntityDescriptor")) return 0;
    *entity_id = dsig_attr(root, "entityID");
    size_t n = 0;
    for (dsig_node_t *d = root->first; d; d = d->next) {
        if (d->kind != DSIG_ELEM || !str_eq_c(dsig_local(d), "IDPSSODescriptor")) continue;
        for (dsig_node_t *k = d->first; k; k = k->next) {
            if (k->kind != DSIG_ELEM || !str_eq_c(dsig_local(k), "KeyDescriptor") ||
                str_eq_c(dsig_attr(k, "use"), "encryption"))
                continue;
            dsig_node_t *ki = dsig_child(k, DSIG_NS, "KeyInfo");
            dsig_node_t *xd = ki ? dsig_child(ki, DSIG_NS, "X509Data") : NULL;
            for (dsig_node_t *c = xd ? xd->first : NULL; c && n < max; c = c->next)
                if (c->kind == DSIG_ELEM && str_eq_c(dsig_local(c), "X509Certificate"))
                    certs[n++] = dsig_text(r->arena, c);
        }
    }
    return n;
}

/* The one saml:Assertion child of the response, or NULL. */
static dsig_node_t *only_assertion(dsig_node_t *resp)
{
    dsig_node_t *found = NULL;
    for (dsig_node_t *c = resp->first; c; c = c->next)
        if (c->kind == DSIG_ELEM && str_eq_c(dsig_local(c), "Assertion")) {
            if (found || !str_eq_c(dsig_ns(c), NS_A)) return NULL;
            found = c;
        }
    return found;
}

/* A time attribute at or past which (ge) or before which the assertion is
 * not valid: false when it says so, or does not parse. */
static bool time_ok(const dsig_node_t *e, const char *attr, int64_t now, bool not_before)
{
    str_t v = e ? dsig_attr(e, attr) : STR_NULL;
    int64_t t;
    if (!v.p) return true;
    if (!time_parse(v, &t)) return false;
    return not_before ? now + SKEW_US >= t : now < t;
}

/* The values of the named attribute of the assertion's statements. */
static size_t attribute_values(req_t *r, const dsig_node_t *as, const char *name, str_t *out, size_t max)
{
    size_t n = 0;
    for (const dsig_node_t *st = as->first; st; st = st->next) {
        if (st->kind != DSIG_ELEM || !str_eq_c(dsig_local(st), "AttributeStatement")) continue;
        for (const dsig_node_t *at = st->first; at; at = at->next) {
            if (at->kind != DSIG_ELEM || !str_eq_c(dsig_local(at), "Attribute") ||
                !str_eq_c(dsig_attr(at, "Name"), name))
                continue;
            for (const dsig_node_t *v = at->first; v && n < max; v = v->next)
                if (v->kind == DSIG_ELEM && str_eq_c(dsig_local(v), "AttributeValue"))
                    out[n++] = str_trim(dsig_text(r->arena, v));
        }
    }
    return n;
}

/* AWS ("Passing session tags using AssumeRoleWithSAML"): each attribute
 * PrincipalTag:KEY names a session tag KEY of its value, TransitiveTagKeys
 * the transitive ones (sts__tags_in). */
static val_t *assertion_tags(req_t *r, const dsig_node_t *as, policy_ctx_t *ctx, size_t *nctx, size_t max)
{
    str_t keys[MAX_TAGS], vals[MAX_TAGS], transitive[MAX_TAGS];
    size_t n = 0;
    for (const dsig_node_t *st = as->first; st; st = st->next) {
        if (st->kind != DSIG_ELEM || !str_eq_c(dsig_local(st), "AttributeStatement")) continue;
        for (const dsig_node_t *at = st->first; at && n < MAX_TAGS; at = at->next) {
            str_t name = at->kind == DSIG_ELEM ? dsig_attr(at, "Name") : STR_NULL;
            if (!str_eq_c(dsig_local(at), "Attribute") || !name.p || !str_starts_with(name, STR(ATTR_TAG))) continue;
            for (const dsig_node_t *v = at->first; v; v = v->next)
                if (v->kind == DSIG_ELEM && str_eq_c(dsig_local(v), "AttributeValue")) {
                    keys[n] = str_sub(name, strlen(ATTR_TAG), name.len - strlen(ATTR_TAG));
                    vals[n++] = str_trim(dsig_text(r->arena, v));
                    break;
                }
        }
    }
    size_t nt = attribute_values(r, as, ATTR_TRANSITIVE, transitive, MAX_TAGS);
    return sts__tags_in(r->arena, keys, vals, n, transitive, nt, ctx, nctx, max);
}

/* Does one Role value pair role with provider ("role,provider" in either order)? */
static bool role_granted(const str_t *vals, size_t n, str_t role, str_t provider)
{
    for (size_t i = 0; i < n; i++) {
        str_t first, second = str_cut(vals[i], ',', &first);
        if (!second.p) continue;
        first = str_trim(first);
        second = str_trim(second);
        if ((str_eq(first, role) && str_eq(second, provider)) || (str_eq(first, provider) && str_eq(second, role)))
            return true;
    }
    return false;
}

/* AWS: RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}. */
static bool session_name_ok(str_t s)
{
    if (s.len < 2 || s.len > 64) return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr("_+=,.@-", c))))
            return false;
    }
    return true;
}

/* AWS: NameQualifier is BASE64(SHA1(Issuer + ACCOUNT + "/" + provider name)). */
static str_t name_qualifier(arena_t *a, str_t issuer, str_t account, str_t provider_name)
{
    const char *s = arena_printf(a, "%.*s%.*s/%.*s", STR_FMT(issuer), STR_FMT(account), STR_FMT(provider_name));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!s || EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL) != 1) return STR_NULL;
    return arena_base64(a, md, n);
}

/* The short form AWS answers SubjectType in for the common NameID formats. */
static str_t subject_type(str_t format)
{
    if (str_eq_c(format, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")) return STR("persistent");
    if (str_eq_c(format, "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")) return STR("transient");
    return format.p ? format : STR("unspecified");
}

/* The role account:path+name, if its trust policy lets the federated
 * provider (Principal {"Federated": ARN}) do action with the context keys
 * ctx; else AccessDenied "Not authorized to perform ACTION" (also for a role
 * that does not exist, or whose name differs in case or path). Shared with
 * AssumeRoleWithWebIdentity (webid.c). */
int sts__federated_role(req_t *r, str_t account, str_t path, str_t role_name, str_t provider, const char *action,
                        bool tag_session, const policy_ctx_t *ctx, size_t nctx, iam_role_info_t *role)
{
    arena_t *a = r->arena;
    int found = iam_role_for_assume(r->app, account, role_name, a, role);
    if (found < 0) return GR_ERR;
    if (!found || !str_eq(role->name, role_name) || !str_eq(role->path, path))
        return req_fail(r, &ERR_AccessDenied, "Not authorized to perform %s", action);
    principal_t fed = {.arn = provider, .user_id = provider};
    str_t canon = str_c(
        arena_printf(a, "arn:aws:iam::%.*s:role%.*s%.*s", STR_FMT(account), STR_FMT(role->path), STR_FMT(role->name)));
    policy_req_t pr = {.action = str_c(action), .resource = canon, .who = &fed, .ctx = ctx, .nctx = nctx};
    policy_t *trust = policy_parse_in(a, role->trust, POLICY_TRUST, NULL, 0);
    if (arena_failed(a)) return GR_ERR;
    if (!trust || policy_eval_one(trust, &pr) != POLICY_ALLOW)
        return req_fail(r, &ERR_AccessDenied, "Not authorized to perform %s", action);
    /* AWS: session tags need sts:TagSession from the trust policy too */
    pr.action = STR("sts:TagSession");
    if (tag_session && policy_eval_one(trust, &pr) != POLICY_ALLOW)
        return req_fail(r, &ERR_AccessDenied, "Not authorized to perform %s", "sts:TagSession");
    return GR_OK;
}

int sts_assume_role_with_saml(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t role_arn = val_get_str(in, "RoleArn"), provider = val_get_str(in, "PrincipalArn");
    str_t account, path, role_name;
    if (sts__parse_role_arn(role_arn, &account, &path, &role_name) != 1)
        return req_fail(r, &ERR_ValidationError, "Request ARN is invalid");
    /* the provider: arn:aws:iam::ACCOUNT:saml-provider/NAME of the role's account */
    str_t want = str_c(arena_printf(a, "arn:aws:iam::%.*s:saml-provider/", STR_FMT(account)));
    if (!str_starts_with(provider, want)) return invalid(r, "Specified provider doesn't exist");
    str_t provider_name = str_sub(provider, want.len, provider.len - want.len), metadata;
    int found = iam_saml_metadata(r->app, account, provider_name, a, &metadata);
    if (found < 0) return GR_ERR;
    if (!found) return invalid(r, "Specified provider doesn't exist");

    str_t xml;
    const char *err;
    if (!arena_unbase64(a, val_get_str(in, "SAMLAssertion"), &xml)) return invalid(r, "Invalid base64 SAMLResponse");
    dsig_node_t *resp = dsig_parse(a, xml, &err);
    if (!resp || !str_eq_c(dsig_local(resp), "Response") || !str_eq_c(dsig_ns(resp), NS_P))
        return invalid(r, "Invalid SAML response");
    const dsig_node_t *status = dsig_child(resp, NS_P, "Status");
    const dsig_node_t *code = status ? dsig_child(status, NS_P, "StatusCode") : NULL;
    if (!code || !str_eq_c(dsig_attr(code, "Value"), "urn:oasis:names:tc:SAML:2.0:status:Success"))
        return invalid(r, "The SAML response reports that authentication failed");
    if (dsig_child(resp, NS_A, "EncryptedAssertion"))
        return invalid(r, "gureum does not decrypt encrypted SAML assertions");
    dsig_node_t *as = only_assertion(resp);
    if (!as) return invalid(r, "Invalid SAML response: it must hold exactly one Assertion");

    /* The signature: the whole response's, else the assertion's. */
    str_t entity_id = STR_NULL, certs[8];
    size_t ncerts = metadata_certs(r, metadata, &entity_id, certs, 8);
    const char *why = NULL;
    bool ok = dsig_child(resp, DSIG_NS, "Signature") ? dsig_verify(a, resp, certs, ncerts, &why)
                                                     : dsig_verify(a, as, certs, ncerts, &why);
    if (!ok) return invalid(r, "Response signature invalid"); /* why: for a debugger, AWS says no more */

    const dsig_node_t *issuer = dsig_child(as, NS_A, "Issuer");
    str_t iss = issuer ? str_trim(dsig_text(a, issuer)) : STR_NULL;
    if (!iss.p || !entity_id.p || !str_eq(iss, entity_id))
        return invalid(r, "Issuer not present in specified provider");
    int64_t now = time_now_us();
    const dsig_node_t *cond = dsig_child(as, NS_A, "Conditions");
    const dsig_node_t *subject = dsig_child(as, NS_A, "Subject");
    const dsig_node_t *conf = subject ? dsig_child(subject, NS_A, "SubjectConfirmation") : NULL;
    const dsig_node_t *cdata = conf ? dsig_child(conf, NS_A, "SubjectConfirmationData") : NULL;
    if (!time_ok(cond, "NotBefore", now, true) || !time_ok(cond, "NotOnOrAfter", now, false) ||
        !time_ok(cdata, "NotBefore", now, true) || !time_ok(cdata, "NotOnOrAfter", now, false))
        return req_fail(r, &STS_ERR_ExpiredTokenException, "Token is expired");

    str_t vals[64];
    size_t nv = attribute_values(r, as, ATTR_ROLE, vals, 64);
    if (!role_granted(vals, nv, role_arn, provider))
        return req_fail(r, &ERR_AccessDenied, "Not authorized to perform sts:AssumeRoleWithSAML");
    str_t session;
    if (!attribute_values(r, as, ATTR_SESSION, &session, 1))
        return invalid(r, "RoleSessionName is required in AuthnResponse");
    if (!session_name_ok(session))
        return invalid(r, "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}");

    str_t session_policy;
    size_t nsdocs;
    int64_t percent;
    if (sts__session_policy(r, in, account, &session_policy, &nsdocs, &percent) != GR_OK) return GR_ERR;

    /* the trust policy decides, for the provider as principal */
    const dsig_node_t *nameid = subject ? dsig_child(subject, NS_A, "NameID") : NULL;
    str_t sub = nameid ? str_trim(dsig_text(a, nameid)) : STR("");
    str_t sub_type = subject_type(nameid ? dsig_attr(nameid, "Format") : STR_NULL);
    str_t aud = cdata ? dsig_attr(cdata, "Recipient") : STR_NULL;
    str_t nq = name_qualifier(a, iss, account, provider_name);
    policy_ctx_t ctx[5 + MAX_TAGS + 1] = {{STR("SAML:aud"), &aud, aud.p ? 1 : 0},
                                          {STR("SAML:iss"), &iss, 1},
                                          {STR("SAML:sub"), &sub, 1},
                                          {STR("SAML:sub_type"), &sub_type, 1},
                                          {STR("SAML:namequalifier"), &nq, 1}};
    size_t nctx = 5;
    val_t *tags = assertion_tags(r, as, ctx, &nctx, sizeof ctx / sizeof *ctx);
    if (!tags) return GR_ERR;
    iam_role_info_t role;
    if (sts__federated_role(r, account, path, role_name, provider, "sts:AssumeRoleWithSAML",
                            val_len(val_get(tags, "Tags")) > 0, ctx, nctx, &role) != GR_OK)
        return GR_ERR;

    /* AWS: DurationSeconds up to the role's maximum, and no longer than the
     * SessionDuration attribute or the response's SessionNotOnOrAfter. */
    int64_t d = val_get_int(in, "DurationSeconds", 3600);
    if (d > role.max_session_s)
        return req_fail(r, &ERR_ValidationError,
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    str_t dur;
    long long cap;
    if (attribute_values(r, as, ATTR_DURATION, &dur, 1) && str_to_i64(dur, &cap) && cap >= 900 && cap < d) d = cap;
    const dsig_node_t *authn = dsig_child(as, NS_A, "AuthnStatement");
    str_t until = authn ? dsig_attr(authn, "SessionNotOnOrAfter") : STR_NULL;
    int64_t until_us;
    if (until.p && time_parse(until, &until_us) && (until_us - now) / 1000000 < d) d = (until_us - now) / 1000000;
    if (d < 1) return req_fail(r, &STS_ERR_ExpiredTokenException, "Token is expired");
    d = sts__granted_seconds(d);

    principal_t who = sts__assumed_role(a, account, role.name, role.id, session);
    if (sts__session_tags(r, tags, false, &who.session_tags) != GR_OK) return GR_ERR;
    if (arena_failed(a) || sts__issue_out(r, &who, session_policy, "AssumeRoleWithSAML", d, out, "AssumedRoleUser",
                                          "AssumedRoleId", nsdocs ? percent : -1) != GR_OK)
        return GR_ERR;
    val_set_c(a, out, "Subject", val_str(a, sub));
    val_set_c(a, out, "SubjectType", val_str(a, sub_type));
    val_set_c(a, out, "Issuer", val_str(a, iss));
    if (aud.p) val_set_c(a, out, "Audience", val_str(a, aud));
    if (nq.p) val_set_c(a, out, "NameQualifier", val_str(a, nq));
    return GR_OK;
}
