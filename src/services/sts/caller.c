/* caller.c — STS GetCallerIdentity: who signed this request; and
 * GetAccessKeyInfo: whose a key is.
 *
 * The smallest complete service operation, and the model for a new one: the
 * dispatcher has already verified the signature and parsed the (empty)
 * input; the handler only reads the principal and fills the output. */
#include <stdint.h>
#include <string.h>

#include "auth/creds.h"
#include "core/req.h"
#include "services/app.h"
#include "sts_model.h"

/* AWS: root → UserId = account id, Arn = arn:aws:iam::ACCOUNT:root;
 * IAM user → UserId = AIDA…, Arn = …:user/PATH/NAME (STS API reference). */
int sts_get_caller_identity(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    arena_t *a = r->arena;
    if (val_set_c(a, out, "UserId", val_str(a, r->who.user_id)) != GR_OK ||
        val_set_c(a, out, "Account", val_str(a, r->who.account)) != GR_OK ||
        val_set_c(a, out, "Arn", val_str(a, r->who.arn)) != GR_OK)
        return GR_ERR;
    return GR_OK;
}

/* AWS: the account an access key belongs to. A key gureum knows (a root key,
 * an IAM user's, a session's) answers its account; any other is read as AWS
 * writes account ids into the key ids it has issued since 2019 (the bits
 * 39..1 of the first six bytes of the base32 tail), which is what AWS answers
 * for a key of an account it will not name. */
int sts_get_access_key_info(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t key = val_get_str(in, "AccessKeyId");
    cred_t c;
    if (creds_lookup(((app_t *)r->app)->creds, key, a, &c) == GR_OK)
        return val_set_c(a, out, "Account", val_str(a, c.who.account));
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint64_t bits = 0;
    int nbits = 0;
    unsigned char raw[6];
    size_t got = 0;
    for (size_t i = 4; i < key.len && got < sizeof raw; i++) {
        const char *p = strchr(b32, key.p[i]);
        if (!key.p[i] || !p) return req_fail(r, &ERR_ValidationError, "Invalid AccessKeyId");
        bits = (bits << 5) | (uint64_t)(p - b32);
        nbits += 5;
        if (nbits >= 8) raw[got++] = (unsigned char)(bits >> (nbits -= 8));
    }
    if (got < sizeof raw) return req_fail(r, &ERR_ValidationError, "Invalid AccessKeyId");
    uint64_t z = 0;
    for (size_t i = 0; i < sizeof raw; i++) z = z << 8 | raw[i];
    uint64_t account = (z & 0x7fffffffff80ull) >> 7;
    return val_set_c(a, out, "Account", val_str(a, str_c(arena_printf(a, "%012llu", (unsigned long long)account))));
}
