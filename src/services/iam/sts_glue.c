/* sts_glue.c — what STS asks of IAM's tables (see iam.h): the role an
 * AssumeRole names, the managed policies it may pass as session policies,
 * the metadata of the SAML provider an AssumeRoleWithSAML names, and the
 * client IDs and thumbprints of the OIDC provider an AssumeRoleWithWebIdentity
 * token's issuer names; and the outbound federation state GetWebIdentityToken
 * needs (whether the account enabled it, and its issuer id).
 *
 * STS never reads IAM's tables itself. The role may live in another account
 * than the caller's (cross-account AssumeRole), so the lookups run on a
 * private request whose principal account is the role's: iam__stmt binds
 * ?1 to it, and no statement here looks beyond that account but the one
 * that finds an account by its issuer id. */
#include <string.h>

#include "services/iam/iam_int.h"

static req_t *private_req(struct app *app, str_t account, arena_t *a)
{
    req_t *r = ARENA_NEW(a, req_t);
    if (!r) return NULL;
    r->arena = a;
    r->app = app;
    r->who.account = account;
    return r;
}

int iam_role_for_assume(struct app *app, str_t account, str_t role_name, arena_t *a, iam_role_info_t *out)
{
    *out = (iam_role_info_t){0};
    req_t *r = private_req(app, account, a);
    if (!r) return -1;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT name, path, id, trust, max_session FROM iam_role WHERE account = ?1 AND "
                                 "name = ?2",
                                 "s", role_name);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return -1;
    out->name = iam__col(r, st, 0);
    out->path = iam__col(r, st, 1);
    out->id = iam__col(r, st, 2);
    out->trust = iam__col(r, st, 3);
    out->max_session_s = sqlite3_column_int64(st, 4);
    return arena_failed(a) ? -1 : 1;
}

str_t iam_policy_document(struct app *app, str_t account, str_t policy_arn, arena_t *a)
{
    req_t *r = private_req(app, account, a);
    if (!r) return STR_NULL;
    return iam__policy_doc(r, policy_arn);
}

int iam_saml_metadata(struct app *app, str_t account, str_t name, arena_t *a, str_t *metadata)
{
    *metadata = STR_NULL;
    req_t *r = private_req(app, account, a);
    if (!r) return -1;
    sqlite3_stmt *st =
        iam__stmt(r, "SELECT metadata FROM iam_saml_provider WHERE account = ?1 AND name = ?2", "s", name);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return -1;
    *metadata = iam__col(r, st, 0);
    return arena_failed(a) ? -1 : 1;
}

int iam_oidc_provider(struct app *app, str_t account, str_t url, arena_t *a, str_t *clients, size_t *nclients,
                      str_t *thumbs, size_t *nthumbs, size_t max)
{
    *nclients = *nthumbs = 0;
    req_t *r = private_req(app, account, a);
    if (!r) return -1;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_oidc_provider WHERE account = ?1 AND url = ?2", "s", url);
    if (n < 0) return -1;
    if (n == 0) return 0;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT kind, value FROM iam_oidc_item WHERE account = ?1 AND url = ?2 AND kind IN "
                                 "('client', 'thumbprint') ORDER BY seq",
                                 "s", url);
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool client = strcmp((const char *)sqlite3_column_text(st, 0), "client") == 0;
        size_t *k = client ? nclients : nthumbs;
        if (*k < max) (client ? clients : thumbs)[(*k)++] = iam__col(r, st, 1);
    }
    return rc == SQLITE_DONE && !arena_failed(a) ? 1 : -1;
}

int iam_outbound_issuer(struct app *app, str_t account, arena_t *a, str_t *issuer_id, bool *enabled)
{
    *issuer_id = STR_NULL;
    *enabled = false;
    req_t *r = private_req(app, account, a);
    if (!r) return -1;
    sqlite3_stmt *st = iam__stmt(r, "SELECT issuer_id, enabled FROM iam_outbound_federation WHERE account = ?1", "");
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return -1;
    *issuer_id = iam__col(r, st, 0);
    *enabled = sqlite3_column_int(st, 1) != 0;
    return arena_failed(a) ? -1 : 1;
}

int iam_outbound_account(struct app *app, str_t issuer_id, arena_t *a, str_t *account)
{
    *account = STR_NULL;
    req_t *r = private_req(app, STR(""), a);
    if (!r) return -1;
    /* the issuer names the account: the one statement here that looks beyond ?1 */
    sqlite3_stmt *st = iam__stmt(r, "SELECT account FROM iam_outbound_federation WHERE issuer_id = ?2", "s", issuer_id);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return -1;
    *account = iam__col(r, st, 0);
    return arena_failed(a) ? -1 : 1;
}
