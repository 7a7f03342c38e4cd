/* saml.c — IAM SAML 2.0 identity providers (iam_saml_provider): the
 * account's record of an IdP that roles may trust
 * (Principal {"Federated": "arn:aws:iam::ACCT:saml-provider/NAME"}).
 *
 * The metadata document is parsed before it is stored, as AWS refuses what
 * it cannot read ("Could not parse metadata."): an EntityDescriptor of the
 * SAML 2.0 metadata namespace holding at least one X.509 certificate that
 * OpenSSL reads (the keys AWS checks assertions with). The document is kept
 * as uploaded and answered back unchanged; its validUntil becomes the
 * provider's ValidUntil. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <openssl/x509.h>
#include <string.h>

#include "core/gtime.h"
#include "protocol/xml.h"
#include "services/iam/iam_int.h"

#define ARN_PREFIX "arn:aws:iam::"
#define MD_NS "urn:oasis:names:tc:SAML:2.0:metadata"
#define MAX_PROVIDERS 100 /* AWS: SAMLProvidersPerAccount */
/* AWS: a document without validUntil gives a provider valid for 100 years. */
#define DEFAULT_VALIDITY_US ((int64_t)100 * 365 * 86400 * 1000000)

/* Does the subtree hold a ds:X509Certificate whose base64 is a DER certificate? */
static bool has_cert(arena_t *a, const xml_node_t *n)
{
    for (const xml_node_t *c = n->child; c; c = c->next) {
        if (str_eq_c(xml_local(c->name), "X509Certificate")) {
            /* base64 in metadata is commonly wrapped and indented */
            buf_t b;
            buf_init(&b, a);
            for (size_t i = 0; i < c->text.len; i++)
                if (!strchr(" \t\r\n", c->text.p[i])) buf_putc(&b, c->text.p[i]);
            str_t der;
            if (arena_unbase64(a, buf_str(&b), &der) && der.len) {
                const unsigned char *p = (const unsigned char *)der.p;
                X509 *x = d2i_X509(NULL, &p, (long)der.len);
                X509_free(x);
                if (x) return true;
            }
        } else if (has_cert(a, c)) {
            return true;
        }
    }
    return false;
}

/* GR_OK with *valid_until_us, or InvalidInput recorded. */
static int check_metadata(req_t *r, str_t doc, int64_t *valid_until_us)
{
    xml_node_t *root;
    const char *err;
    if (xml_parse(r->arena, doc, &root, &err) != GR_OK || !str_eq_c(xml_local(root->name), "EntityDescriptor") ||
        !has_cert(r->arena, root))
        return req_fail(r, &IAM_ERR_InvalidInputException, "Could not parse metadata.");
    /* the root's namespace: its prefix's declaration, or the default one */
    str_t pfx = STR("xmlns");
    const char *colon = memchr(root->name.p, ':', root->name.len);
    if (colon) pfx = str_c(arena_printf(r->arena, "xmlns:%.*s", (int)(colon - root->name.p), root->name.p));
    if (!str_eq_c(xml_attr(root, pfx), MD_NS))
        return req_fail(r, &IAM_ERR_InvalidInputException, "Could not parse metadata.");
    str_t until = xml_attr(root, STR("validUntil"));
    if (!until.p) {
        *valid_until_us = iam__now() + DEFAULT_VALIDITY_US;
    } else if (!time_parse(until, valid_until_us)) {
        return req_fail(r, &IAM_ERR_InvalidInputException, "Could not parse metadata.");
    }
    *valid_until_us -= *valid_until_us % 1000000; /* IAM's dates carry no fraction */
    return GR_OK;
}

static str_t provider_arn(req_t *r, str_t name)
{
    return str_c(arena_printf(r->arena, ARN_PREFIX "%.*s:saml-provider/%.*s", STR_FMT(r->who.account), STR_FMT(name)));
}

/* The provider an ARN names: GR_OK with *name, or GR_ERR with
 * ValidationError (not an ARN of a SAML provider) or NoSuchEntity recorded. */
static int provider_of(req_t *r, str_t arn, str_t *name)
{
    str_t want = str_c(arena_printf(r->arena, ARN_PREFIX "%.*s:saml-provider/", STR_FMT(r->who.account)));
    if (!str_starts_with(arn, STR(ARN_PREFIX)) || !memmem(arn.p, arn.len, ":saml-provider/", 15))
        return req_fail(r, &ERR_ValidationError, "Invalid ARN: %.*s", STR_FMT(arn));
    int64_t n = 0;
    if (str_starts_with(arn, want)) {
        *name = str_n(arn.p + want.len, arn.len - want.len);
        n = iam__count(r, "SELECT COUNT(*) FROM iam_saml_provider WHERE account = ?1 AND name = ?2", "s", *name);
    }
    if (n < 0) return GR_ERR;
    if (!n) return req_fail(r, &IAM_ERR_NoSuchEntityException, "Manifest not found for arn %.*s", STR_FMT(arn));
    return GR_OK;
}

int iam_create_saml_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "Name"), doc = val_get_str(in, "SAMLMetadataDocument");
    const val_t *tags = val_get(in, "Tags");
    int64_t until;
    if (iam__check_tags(r, tags) != GR_OK || check_metadata(r, doc, &until) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_saml_provider WHERE account = ?1 AND name = ?2", "s", name);
    int64_t all = iam__count(r, "SELECT COUNT(*) FROM iam_saml_provider WHERE account = ?1", "");
    if (n < 0 || all < 0) return GR_ERR;
    if (n) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, "SAMLProvider %.*s already exists", STR_FMT(name));
    if (all >= MAX_PROVIDERS)
        return req_fail(r, &IAM_ERR_LimitExceededException, "Cannot exceed quota for SAMLProvidersPerAccount: %d",
                        MAX_PROVIDERS);
    if (iam__exec(r,
                  "INSERT INTO iam_saml_provider (account, name, metadata, valid_until_us, created_us) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)",
                  "ssii", name, doc, until, iam__now()) != GR_OK)
        return GR_ERR;
    if (tags && val_len(tags) && iam__tag(r, "saml-provider", name, tags) != GR_OK) {
        iam__exec(r, "DELETE FROM iam_saml_provider WHERE account = ?1 AND name = ?2", "s", name);
        return GR_ERR;
    }
    val_set_c(r->arena, out, "SAMLProviderArn", val_str(r->arena, provider_arn(r, name)));
    if (tags && val_len(tags)) val_set_c(r->arena, out, "Tags", iam__tags(r, "saml-provider", name));
    return GR_OK;
}

int iam_get_saml_provider(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name;
    if (provider_of(r, val_get_str(in, "SAMLProviderArn"), &name) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT metadata, valid_until_us, created_us FROM iam_saml_provider "
                                 "WHERE account = ?1 AND name = ?2",
                                 "s", name);
    val_t *tags = iam__tags(r, "saml-provider", name);
    if (!st || !tags || sqlite3_step(st) != SQLITE_ROW) return GR_ERR;
    val_set_c(a, out, "SAMLMetadataDocument", val_str(a, iam__col(r, st, 0)));
    val_set_c(a, out, "ValidUntil", val_time(a, sqlite3_column_int64(st, 1)));
    val_set_c(a, out, "CreateDate", val_time(a, sqlite3_column_int64(st, 2)));
    if (val_len(tags)) val_set_c(a, out, "Tags", tags);
    return GR_OK;
}

int iam_list_saml_providers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = iam__stmt(
        r, "SELECT name, valid_until_us, created_us FROM iam_saml_provider WHERE account = ?1 ORDER BY name", "");
    if (!st) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *p = val_new(a, VAL_STRUCT);
        val_set_c(a, p, "Arn", val_str(a, provider_arn(r, iam__col(r, st, 0))));
        val_set_c(a, p, "ValidUntil", val_time(a, sqlite3_column_int64(st, 1)));
        val_set_c(a, p, "CreateDate", val_time(a, sqlite3_column_int64(st, 2)));
        val_push(a, list, p);
    }
    return val_set_c(a, out, "SAMLProviderList", list);
}

int iam_update_saml_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name, arn = val_get_str(in, "SAMLProviderArn");
    int64_t until;
    if (provider_of(r, arn, &name) != GR_OK ||
        check_metadata(r, val_get_str(in, "SAMLMetadataDocument"), &until) != GR_OK)
        return GR_ERR;
    if (iam__exec(r, "UPDATE iam_saml_provider SET metadata = ?3, valid_until_us = ?4 WHERE account = ?1 AND name = ?2",
                  "ssi", name, val_get_str(in, "SAMLMetadataDocument"), until) != GR_OK)
        return GR_ERR;
    return val_set_c(r->arena, out, "SAMLProviderArn", val_str(r->arena, arn));
}

int iam_delete_saml_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "SAMLProviderArn"), &name) != GR_OK || iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_saml_provider WHERE account = ?1 AND name = ?2", "s", name) != GR_OK ||
        iam__delete_tags(r, "saml-provider", name) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    return iam__commit(r);
}

int iam_tag_saml_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "SAMLProviderArn"), &name) != GR_OK) return GR_ERR;
    return iam__tag(r, "saml-provider", name, val_get(in, "Tags"));
}

int iam_untag_saml_provider(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "SAMLProviderArn"), &name) != GR_OK) return GR_ERR;
    return iam__untag(r, "saml-provider", name, val_get(in, "TagKeys"));
}

int iam_list_saml_provider_tags(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (provider_of(r, val_get_str(in, "SAMLProviderArn"), &name) != GR_OK) return GR_ERR;
    val_t *t = iam__tags(r, "saml-provider", name);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}
