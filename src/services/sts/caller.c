/* caller.c — STS GetCallerIdentity: who signed this request.
 *
 * The smallest complete service operation, and the model for a new one: the
 * dispatcher has already verified the signature and parsed the (empty)
 * input; the handler only reads the principal and fills the output. */
#include "core/req.h"
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
