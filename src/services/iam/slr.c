/* slr.c — IAM service-linked roles: CreateServiceLinkedRole,
 * DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus, and the
 * protection of such roles from the ordinary role operations
 * (iam__role_protected).
 *
 * A service-linked role is a role at /aws-service-role/SERVICE/ whose trust
 * policy names the service and whose name AWS chooses per service
 * (AWSServiceRoleForElasticLoadBalancing for elasticloadbalancing.amazonaws.com).
 * Workshops and Terraform modules create the ones for load balancing, Auto
 * Scaling, RDS or ECS before using those services. AWS also attaches the
 * service's own managed policy (under /aws-service-role/); gureum does not
 * carry those policies, so the role is created without it. */
#include <ctype.h>
#include <string.h>

#include "core/id.h"
#include "services/iam/iam_int.h"

#define SLR_PATH "/aws-service-role/"

/* AWS's role names for the services users most often link; another
 * *.amazonaws.com service gets AWSServiceRoleFor + its first label,
 * capitalized (AWS's rule for most services without a name of their own). */
static const struct {
    const char *service, *role;
} names[] = {
    {"autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"},
    {"elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"},
    {"rds.amazonaws.com", "AWSServiceRoleForRDS"},
    {"ecs.amazonaws.com", "AWSServiceRoleForECS"},
    {"eks.amazonaws.com", "AWSServiceRoleForAmazonEKS"},
    {"eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup"},
    {"es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService"},
    {"opensearchservice.amazonaws.com", "AWSServiceRoleForAmazonOpenSearchService"},
    {"spot.amazonaws.com", "AWSServiceRoleForEC2Spot"},
    {"spotfleet.amazonaws.com", "AWSServiceRoleForEC2SpotFleet"},
    {"elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk"},
    {"elasticache.amazonaws.com", "AWSServiceRoleForElastiCache"},
    {"replicator.lambda.amazonaws.com", "AWSServiceRoleForLambdaReplicator"},
    {"dynamodb.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"},
    {"ecs.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ECSService"},
    {"organizations.amazonaws.com", "AWSServiceRoleForOrganizations"},
    {"config.amazonaws.com", "AWSServiceRoleForConfig"},
    {"guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty"},
    {"cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail"},
    {"ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM"},
    {"backup.amazonaws.com", "AWSServiceRoleForBackup"},
    {"redshift.amazonaws.com", "AWSServiceRoleForRedshift"},
    {"globalaccelerator.amazonaws.com", "AWSServiceRoleForGlobalAccelerator"},
    {"transitgateway.amazonaws.com", "AWSServiceRoleForVPCTransitGateway"},
    {"delivery.logs.amazonaws.com", "AWSServiceRoleForLogDelivery"},
};

static const char *role_name_of(arena_t *a, str_t service)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (str_eq_c(service, names[i].service)) return names[i].role;
    const char *dot = memchr(service.p, '.', service.len);
    if (!dot || dot == service.p || !str_ends_with(service, STR(".amazonaws.com"))) return NULL;
    char *n = arena_printf(a, "AWSServiceRoleFor%.*s", (int)(dot - service.p), service.p);
    if (n) n[17] = (char)toupper((unsigned char)n[17]);
    return n;
}

/* The service a service-linked role's path names (/aws-service-role/SVC/), or STR_NULL. */
static str_t service_of(str_t path)
{
    if (!str_starts_with(path, STR(SLR_PATH)) || path.len <= strlen(SLR_PATH) + 1) return STR_NULL;
    return str_n(path.p + strlen(SLR_PATH), path.len - strlen(SLR_PATH) - 1);
}

int iam__role_protected(req_t *r, str_t name)
{
    str_t path;
    if (iam__entity(r, &iam__role, name, &name, &path, NULL, NULL) != GR_OK) return GR_ERR;
    if (!service_of(path).p) return GR_OK;
    return req_fail(r, &IAM_ERR_UnmodifiableEntityException,
                    "Cannot perform the operation on the protected role '%.*s' - this role is only modifiable by AWS",
                    STR_FMT(name));
}

int iam_create_service_linked_role(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t service = val_get_str(in, "AWSServiceName"), suffix = val_get_str(in, "CustomSuffix");
    const char *base = role_name_of(a, service);
    if (!base) return req_fail(r, &IAM_ERR_InvalidInputException, "Invalid service name: %.*s", STR_FMT(service));
    str_t name = str_c(suffix.len ? arena_printf(a, "%s_%.*s", base, STR_FMT(suffix)) : base);
    int e = iam__exists(r, &iam__role, name, false);
    if (e < 0) return GR_ERR;
    if (e)
        return req_fail(r, &IAM_ERR_InvalidInputException,
                        "Service role name %.*s has been taken in this account, please try a different suffix.",
                        STR_FMT(name));
    str_t path = str_c(arena_printf(a, SLR_PATH "%.*s/", STR_FMT(service)));
    str_t trust = str_c(arena_printf(a,
                                     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                     "\"Principal\":{\"Service\":[\"%.*s\"]},\"Action\":[\"sts:AssumeRole\"]}]}",
                                     STR_FMT(service)));
    val_t *role = val_new(a, VAL_STRUCT);
    val_set_c(a, role, "RoleName", val_str(a, name));
    val_set_c(a, role, "Path", val_str(a, path));
    val_set_c(a, role, "AssumeRolePolicyDocument", val_str(a, trust));
    const val_t *desc = val_get(in, "Description");
    if (desc) val_set_c(a, role, "Description", (val_t *)desc);
    return iam__create_role(r, role, out);
}

/* AWS: arn-less task ids, task/aws-service-role/SERVICE/ROLE/UUID. */
int iam_delete_service_linked_role(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "RoleName"), path;
    if (iam__entity(r, &iam__role, name, &name, &path, NULL, NULL) != GR_OK) return GR_ERR;
    str_t service = service_of(path);
    if (!service.p)
        return req_fail(r, &IAM_ERR_InvalidInputException, "Role %.*s is not a service-linked role.", STR_FMT(name));
    char uuid[37];
    id_uuid(uuid);
    str_t task = str_c(arena_printf(a, "task/aws-service-role/%.*s/%.*s/%s", STR_FMT(service), STR_FMT(name), uuid));
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__delete_tags(r, "role", name) != GR_OK ||
        iam__exec(r, "DELETE FROM iam_inline_policy WHERE account = ?1 AND kind = 'role' AND owner = ?2", "s", name) !=
            GR_OK ||
        iam__exec(r, "DELETE FROM iam_attached WHERE account = ?1 AND kind = 'role' AND owner = ?2", "s", name) !=
            GR_OK ||
        iam__exec(r, "DELETE FROM iam_role WHERE account = ?1 AND name = ?2", "s", name) != GR_OK ||
        iam__exec(r, "INSERT INTO iam_slr_deletion (account, task_id, created_us) VALUES (?1, ?2, ?3)", "si", task,
                  iam__now()) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    if (iam__commit(r) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "DeletionTaskId", val_str(a, task));
}

int iam_get_service_linked_role_deletion_status(req_t *r, const val_t *in, val_t *out)
{
    str_t task = val_get_str(in, "DeletionTaskId");
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_slr_deletion WHERE account = ?1 AND task_id = ?2", "s", task);
    if (n < 0) return GR_ERR;
    if (!n) return req_fail(r, &IAM_ERR_NoSuchEntityException, "Deletion task %.*s cannot be found.", STR_FMT(task));
    return val_set_c(r->arena, out, "Status", val_cstr(r->arena, "SUCCEEDED"));
}
