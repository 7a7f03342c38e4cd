/* oidc.c — IAM OpenID Connect identity providers (iam_oidc_provider,
 * iam_oidc_item): the account's record of an IdP that roles may trust
 * (Principal {"Federated": "arn:aws:iam::ACCT:oidc-provider/HOST"}).
 *
 * A provider is named by its URL without "https://"; its ARN carries that
 * name, so every operation but Create and List starts from an ARN and
 * resolves it here (provider_of). The texts of the refusals are AWS's as
 * observed by other IAM implementations' suites (the API reference gives
 * only the codes). AWS fetches a thumbprint from the IdP when none is given;
 * gureum talks to no network, so such a provider simply has none, which is
 * also how AWS treats the IdPs it trusts through its own CA library. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <ctype.h>
#include <string.h>

#include "services/iam/iam_int.h"

#define ARN_PREFIX "arn:aws:iam::"
#define MAX_THUMBPRINTS 5
#define MAX_CLIENT_IDS 100
#define MAX_PROVIDERS 100

/* A DNS name of letters, digits and inner hyphens per label, or an IPv4
 * literal (which the same rule accepts). */
static bool host_ok(str_t h)
{
    if (!h.len || h.len > 253) return false;
    size_t label = 0;
    for (size_t i = 0; i <= h.len; i++) {
        char c = i < h.len ? h.p[i] : '.';
        if (c == '.') {
            if (!label || h.p[i - 1] == '-' || label > 63) return false;
            label = 0;
        } else if (isalnum((unsigned char)c) || (c == '-' && label)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* AWS: no scheme → ValidationError; a scheme but not https → InvalidInput
 * naming https; no host → ValidationError; user info, a port, a query, a
 * fragment or a bad host name → InvalidInput. On success *name is the URL
 * without its scheme. */
static int check_url(req_t *r, str_t url, str_t *name)
{
    static const char bad[] = "Invalid Open ID Connect Provider URL";
    const char *sep = memmem(url.p, url.len, "://", 3);
    if (!sep) return req_fail(r, &ERR_ValidationError, bad);
    if (!str_starts_with(url, STR("https://")))
        return req_fail(r, &IAM_ERR_InvalidInputException, "%s. The URL must begin with https://.", bad);
    str_t rest = str_n(url.p + 8, url.len - 8);
    size_t hl = 0;
    while (hl < rest.len && rest.p[hl] != '/' && rest.p[hl] != '?' && rest.p[hl] != '#') hl++;
    if (!hl) return req_fail(r, &ERR_ValidationError, bad);
    if (memchr(rest.p, '?', rest.len) || memchr(rest.p, '#', rest.len) || !host_ok(str_n(rest.p, hl)))
        return req_fail(r, &IAM_ERR_InvalidInputException, "%s.", bad); /* also '@' and ':port' in the host */
    *name = rest;
    return GR_OK;
}

static str_t provider_arn(req_t *r, str_t name)
{
    return str_c(arena_printf(r->arena, ARN_PREFIX "%.*s:oidc-provider/%.*s", STR_FMT(r->who.account), STR_FMT(name)));
}

/* The provider an ARN names, as its URL name: GR_OK, or GR_ERR with AWS's
 * refusal recorded (not_found: the NoSuchEntity text, with %.*s for the ARN). */
static int provider_of(req_t *r, str_t arn, str_t *name, const char *not_found)
{
    if (!str_starts_with(arn, STR(ARN_PREFIX)))
        return req_fail(r, &ERR_ValidationError, "Invalid ARN: %.*s", STR_FMT(arn));
    str_t rest = str_n(arn.p + strlen(ARN_PREFIX), arn.len - strlen(ARN_PREFIX));
    const char *colon = memchr(rest.p, ':', rest.len);
    if (!colon || colon == rest.p) return req_fail(r, &ERR_ValidationError, "Invalid ARN: %.*s", STR_FMT(arn));
    str_t acct = str_n(rest.p, (size_t)(colon - rest.p));
    str_t res = str_n(colon + 1, rest.len - acct.len - 1);
    const char *slash = memchr(res.p, '/', res.len);
    if (!slash || slash + 1 == res.p + res.len)
        return req_fail(r, &ERR_ValidationError, "Invalid ARN: %.*s", STR_FMT(arn));
    if (!str_eq(str_n(res.p, (size_t)(slash - res.p)), STR("oidc-provider")))
        return req_fail(r, &ERR_ValidationError, "Invalid resource type in ARN");
    *name = str_n(slash + 1, (size_t)(res.p + res.len - slash - 1));
    int64_t n = str_eq(acct, r->who.account) ? iam__count(r,
                                                          "SELECT COUNT(*) FROM iam_oidc_provider "
                                                          "WHERE account = ?1 AND url = ?2",
                                                          "s", *name)
                                             : 0;
    if (n < 0) return GR_ERR;
    if (!n) return req_fail(r, &IAM_ERR_NoSuchEntityException, not_found, STR_FMT(arn));
    return GR_OK;
}

static const char not_found_get[] = "OpenIDConnect Provider not found for arn %.*s";

/* AWS: at most five thumbprints ("fewer than 5" is AWS's own wording), each
 * exactly 40 characters (the model checks that), kept in lowercase. */
static int check_thumbprints(req_t *r, const val_t *list)
{
    if (val_len(list) > MAX_THUMBPRINTS)
        return req_fail(r, &IAM_ERR_InvalidInputException, "Thumbprint list must contain fewer than %d entries.",
                        MAX_THUMBPRINTS);
    return GR_OK;
}

static int add_item(req_t *r, str_t name, const char *kind, str_t value)
{
    char *v = arena_strndup(r->arena, value.p, value.len);
    if (!strcmp(kind, "thumbprint"))
        for (char *c = v; *c; c++) *c = (char)tolower((unsigned char)*c);
    return iam__exec(r,
                     "INSERT OR IGNORE INTO iam_oidc_item (account, url, kind, value, seq) VALUES (?1, ?2, ?3, ?4, "
                     "(SELECT COALESCE(MAX(seq), 0) + 1 FROM iam_oidc_item WHERE account = ?1 AND url = ?2))",
                     "scc", name, kind, v);
}

static int add_items(req_t *r, str_t name, const char *kind, const val_t *list)
{
    for (size_t i = 0; i < val_len(list); i++)
        if (add_item(r, name, kind, list->u.list.v[i]->u.s) != GR_OK) return GR_ERR;
    return GR_OK;
}

static val_t *items(req_t *r, str_t name, const char *kind)
{
    val_t *list = val_new(r->arena, VAL_LIST);
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT value FROM iam_oidc_item WHERE account = ?1 AND url = ?2 AND kind = ?3 "
                                 "ORDER BY seq",
                                 "sc", name, kind);
    if (!st) return NULL;
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, list, val_str(r->arena, iam__col(r, st, 0)));
    return list;
}

static int64_t client_count(req_t *r, str_t name)
{
    return iam__count(r, "SELECT COUNT(*) FROM iam_oidc_item WHERE account = ?1 AND url = ?2 AND kind = 'client'", "s",
                      name);
}

int iam_create_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    const val_t *clients = val_get(in, "ClientIDList"), *thumbs = val_get(in, "ThumbprintList");
    if (check_url(r, val_get_str(in, "Url"), &name) != GR_OK || check_thumbprints(r, thumbs) != GR_OK ||
        iam__check_tags(r, val_get(in, "Tags")) != GR_OK)
        return GR_ERR;
    if (val_len(clients) > MAX_CLIENT_IDS)
        return req_fail(r, &IAM_ERR_LimitExceededException,
                        "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", MAX_CLIENT_IDS);
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_oidc_provider WHERE account = ?1 AND url = ?2", "s", name);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, "Provider with url %.*s already exists.",
                        STR_FMT(val_get_str(in, "Url")));
    int64_t all = iam__count(r, "SELECT COUNT(*) FROM iam_oidc_provider WHERE account = ?1", "");
    if (all < 0) return GR_ERR;
    if (all >= MAX_PROVIDERS)
        return req_fail(r, &IAM_ERR_LimitExceededException,
                        "Cannot exceed quota for OpenIDConnectProvidersPerAccount: %d", MAX_PROVIDERS);
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r, "INSERT INTO iam_oidc_provider (account, url, created_us) VALUES (?1, ?2, ?3)", "si", name,
                  iam__now()) != GR_OK ||
        add_items(r, name, "client", clients) != GR_OK || add_items(r, name, "thumbprint", thumbs) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    if (iam__commit(r) != GR_OK) return GR_ERR;
    str_t arn = provider_arn(r, name);
    const val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, "oidc-provider", name, tags) != GR_OK) {
        iam__exec(r, "DELETE FROM iam_oidc_provider WHERE account = ?1 AND url = ?2", "s", name);
        iam__exec(r, "DELETE FROM iam_oidc_item WHERE account = ?1 AND url = ?2", "s", name);
        return GR_ERR;
    }
    val_set_c(r->arena, out, "OpenIDConnectProviderArn", val_str(r->arena, arn));
    if (tags && val_len(tags)) val_set_c(r->arena, out, "Tags", iam__tags(r, "oidc-provider", name));
    return GR_OK;
}

int iam_get_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name;
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    int64_t created =
        iam__count(r, "SELECT created_us FROM iam_oidc_provider WHERE account = ?1 AND url = ?2", "s", name);
    val_t *clients = items(r, name, "client"), *thumbs = items(r, name, "thumbprint");
    val_t *tags = iam__tags(r, "oidc-provider", name);
    if (created < 0 || !clients || !thumbs || !tags) return GR_ERR;
    val_set_c(a, out, "Url", val_str(a, name));
    val_set_c(a, out, "ClientIDList", clients);
    val_set_c(a, out, "ThumbprintList", thumbs);
    val_set_c(a, out, "CreateDate", val_time(a, created));
    return val_set_c(a, out, "Tags", tags);
}

int iam_list_open_id_connect_providers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = iam__stmt(r, "SELECT url FROM iam_oidc_provider WHERE account = ?1 ORDER BY url", "");
    if (!st) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *p = val_new(a, VAL_STRUCT);
        val_set_c(a, p, "Arn", val_str(a, provider_arn(r, iam__col(r, st, 0))));
        val_push(a, list, p);
    }
    return val_set_c(a, out, "OpenIDConnectProviderList", list);
}

/* AWS answers a second delete with NoSuchEntity, whatever the API
 * reference says of idempotence, and in words of its own. */
int iam_delete_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name,
                    "OpenId connect Provider %.*s cannot be found.") != GR_OK)
        return GR_ERR;
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_oidc_provider WHERE account = ?1 AND url = ?2", "s", name) != GR_OK ||
        iam__exec(r, "DELETE FROM iam_oidc_item WHERE account = ?1 AND url = ?2", "s", name) != GR_OK ||
        iam__delete_tags(r, "oidc-provider", name) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    return iam__commit(r);
}

/* Adding a client id already there, or removing one that is not, succeeds
 * and changes nothing (AWS). */
int iam_add_client_id_to_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name, id = val_get_str(in, "ClientID");
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    int64_t n = client_count(r, name);
    int64_t has = iam__count(r,
                             "SELECT COUNT(*) FROM iam_oidc_item WHERE account = ?1 AND url = ?2 AND "
                             "kind = 'client' AND value = ?3",
                             "ss", name, id);
    if (n < 0 || has < 0) return GR_ERR;
    if (!has && n >= MAX_CLIENT_IDS)
        return req_fail(r, &IAM_ERR_LimitExceededException,
                        "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", MAX_CLIENT_IDS);
    return add_item(r, name, "client", id);
}

int iam_remove_client_id_from_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_oidc_item WHERE account = ?1 AND url = ?2 AND kind = 'client' AND value = ?3",
                     "ss", name, val_get_str(in, "ClientID"));
}

/* The list replaces the old one whole; it may not be empty. */
int iam_update_open_id_connect_provider_thumbprint(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    const val_t *thumbs = val_get(in, "ThumbprintList");
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    if (!val_len(thumbs))
        return req_fail(r, &IAM_ERR_InvalidInputException, "Thumbprint list must contain at least one entry.");
    if (check_thumbprints(r, thumbs) != GR_OK || iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_oidc_item WHERE account = ?1 AND url = ?2 AND kind = 'thumbprint'", "s", name) !=
            GR_OK ||
        add_items(r, name, "thumbprint", thumbs) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    return iam__commit(r);
}

int iam_tag_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    return iam__tag(r, "oidc-provider", name, val_get(in, "Tags"));
}

int iam_untag_open_id_connect_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    return iam__untag(r, "oidc-provider", name, val_get(in, "TagKeys"));
}

int iam_list_open_id_connect_provider_tags(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "OpenIDConnectProviderArn"), &name, not_found_get) != GR_OK) return GR_ERR;
    val_t *t = iam__tags(r, "oidc-provider", name);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}
