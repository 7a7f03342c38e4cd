/* orgroot.c — IAM's centralized root access for AWS Organizations
 * (EnableOrganizationsRootCredentialsManagement, EnableOrganizationsRootSessions,
 * their Disable twins, ListOrganizationsFeatures; 2024-11).
 *
 * AWS (IAM User Guide, "Centrally manage root access for member accounts"):
 * these act on the organization the caller's account manages. gureum serves
 * no AWS Organizations: every account of it is a standalone account, which
 * no organization is associated with, so each answers what AWS answers such
 * an account — OrganizationNotFoundException, in the words of the model's
 * documentation of that error (AWS's own message is not on record). The
 * request is authorized first, as any IAM call. */
#include "services/iam/iam_int.h"

static int no_organization(req_t *r)
{
    return req_fail(r, &IAM_ERR_OrganizationNotFoundException,
                    "The request was rejected because no organization is associated with your account.");
}

int iam_enable_organizations_root_credentials_management(req_t *r, const val_t *in, val_t *out)
{
    return no_organization(r);
}

int iam_disable_organizations_root_credentials_management(req_t *r, const val_t *in, val_t *out)
{
    return no_organization(r);
}

int iam_enable_organizations_root_sessions(req_t *r, const val_t *in, val_t *out)
{
    return no_organization(r);
}

int iam_disable_organizations_root_sessions(req_t *r, const val_t *in, val_t *out)
{
    return no_organization(r);
}

int iam_list_organizations_features(req_t *r, const val_t *in, val_t *out)
{
    return no_organization(r);
}
