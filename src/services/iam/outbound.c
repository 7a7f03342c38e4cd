/* outbound.c — IAM outbound web identity federation: the per-account switch
 * that lets the account's principals call STS GetWebIdentityToken
 * (EnableOutboundWebIdentityFederation, DisableOutboundWebIdentityFederation,
 * GetOutboundWebIdentityFederationInfo), and what STS asks of it
 * (iam_outbound_issuer, iam_outbound_account: sts_glue.c).
 *
 * IAM owns the switch and the issuer's id (iam_outbound_federation); STS owns
 * the signing keys and serves the issuer's discovery document and JWKS
 * (sts/outbound.c), which is also where the issuer URL is spelled. */
#include <string.h>

#include "core/id.h"
#include "services/iam/iam_int.h"
#include "services/sts/sts.h"

/* No source gives AWS's messages for these two errors; these say what the
 * model's documentation of each error says. */
static const char msg_enabled[] = "Outbound identity federation is already enabled for your account.";
static const char msg_disabled[] = "Outbound identity federation is disabled for your account.";

static int state(req_t *r, str_t *issuer_id, bool *enabled)
{
    return iam_outbound_issuer(r->app, r->who.account, r->arena, issuer_id, enabled);
}

/* AWS: "This operation also generates a unique issuer URL for your AWS
 * account"; enabling twice is FeatureEnabled (409). */
int iam_enable_outbound_web_identity_federation(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    str_t id = STR_NULL;
    bool enabled = false;
    int have = state(r, &id, &enabled);
    if (have < 0) return GR_ERR;
    if (have && enabled) return req_fail(r, &IAM_ERR_FeatureEnabledException, msg_enabled);
    if (!have) {
        char uuid[37];
        id_uuid(uuid);
        id = arena_str(r->arena, str_c(uuid));
    }
    /* the row is written only where it is still as read: of two Enables at
     * once, one wins and the other is answered FeatureEnabled */
    if (iam__exec(r,
                  "INSERT INTO iam_outbound_federation (account, issuer_id, enabled, updated_us) "
                  "VALUES (?1, ?2, 1, ?3) ON CONFLICT (account) DO UPDATE SET enabled = 1, updated_us = ?3 "
                  "WHERE enabled = 0",
                  "si", id, iam__now()) != GR_OK)
        return GR_ERR;
    if (sqlite3_changes(iam__db(r)) != 1) return req_fail(r, &IAM_ERR_FeatureEnabledException, msg_enabled);
    return val_set_c(r->arena, out, "IssuerIdentifier", val_str(r->arena, sts_issuer_url(r->app, r->arena, id)));
}

/* AWS: disabling a disabled feature is FeatureDisabled (404); tokens issued
 * before stay valid, so the issuer (and its keys) stay published. */
int iam_disable_outbound_web_identity_federation(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    if (iam__exec(r,
                  "UPDATE iam_outbound_federation SET enabled = 0, updated_us = ?2 WHERE account = ?1 AND "
                  "enabled = 1",
                  "i", iam__now()) != GR_OK)
        return GR_ERR;
    if (sqlite3_changes(iam__db(r)) != 1) return req_fail(r, &IAM_ERR_FeatureDisabledException, msg_disabled);
    return GR_OK;
}

/* AWS lists FeatureDisabled for this read: an account whose feature is off
 * is answered so (Terraform's provider reads that error as "not enabled"),
 * which leaves JwtVendingEnabled true whenever there is an answer. */
int iam_get_outbound_web_identity_federation_info(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    str_t id = STR_NULL;
    bool enabled = false;
    int have = state(r, &id, &enabled);
    if (have < 0) return GR_ERR;
    if (!have || !enabled) return req_fail(r, &IAM_ERR_FeatureDisabledException, msg_disabled);
    arena_t *a = r->arena;
    if (val_set_c(a, out, "IssuerIdentifier", val_str(a, sts_issuer_url(r->app, a, id))) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "JwtVendingEnabled", val_bool(a, true));
}
