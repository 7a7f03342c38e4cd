/* grants.c — ListPoliciesGrantingServiceAccess: for each service namespace
 * asked about, the permissions policies of a user (with its groups'), group
 * or role that grant access to that service.
 *
 * A policy grants a service when one of its Allow statements admits some
 * action of it: an Action whose service part matches the namespace ("s3:*",
 * "s3:Get*", "S3:GetObject", "*", "s*:List*"), or a NotAction that does not
 * exclude the whole service ("iam:*" excludes only IAM). Resources and
 * conditions do not matter here: the policy can grant the service, which is
 * what the operation reports (AWS: "policies ... that grant the identity
 * permissions to access the specified service"). Read from the policies as
 * stored, in the handler's request; nothing is kept. */

#include "core/json.h"
#include "services/iam/iam_int.h"

/* Whether the action pattern p ("svc:Action", either part with wildcards,
 * or "*") can match an action of namespace ns; with whole_service, whether
 * it matches every action of it ("s3:*", "*"). */
static bool pattern_covers(str_t p, str_t ns, bool whole_service)
{
    long colon = str_index(p, ':');
    if (colon < 0) return str_glob(p, ns, STR_GLOB_QMARK | STR_GLOB_NOCASE) && (!whole_service || str_eq_c(p, "*"));
    str_t svc = str_sub(p, 0, (size_t)colon), act = str_sub(p, (size_t)colon + 1, p.len - (size_t)colon - 1);
    if (!str_glob(svc, ns, STR_GLOB_QMARK | STR_GLOB_NOCASE)) return false;
    return !whole_service || str_eq_c(act, "*");
}

/* Each string of an Action / NotAction value (a string or a list of them). */
static bool any_covers(const json_t *v, str_t ns, bool whole_service)
{
    if (v && v->type == JSON_STRING) return pattern_covers(v->u.s, ns, whole_service);
    for (size_t i = 0; v && v->type == JSON_ARRAY && i < v->u.arr.n; i++)
        if (v->u.arr.v[i]->type == JSON_STRING && pattern_covers(v->u.arr.v[i]->u.s, ns, whole_service)) return true;
    return false;
}

static bool stmt_grants(const json_t *st, str_t ns)
{
    const json_t *effect = json_get(st, "Effect");
    if (!effect || effect->type != JSON_STRING || !str_eq_c(effect->u.s, "Allow")) return false;
    const json_t *na = json_get(st, "NotAction");
    if (na) return !any_covers(na, ns, true);
    return any_covers(json_get(st, "Action"), ns, false);
}

bool iam__doc_grants(req_t *r, str_t doc, str_t ns)
{
    const json_t *j = json_parse(r->arena, doc, NULL);
    const json_t *sts = j && j->type == JSON_OBJECT ? json_get(j, "Statement") : NULL;
    if (sts && sts->type == JSON_OBJECT) return stmt_grants(sts, ns);
    for (size_t i = 0; sts && sts->type == JSON_ARRAY && i < sts->u.arr.n; i++)
        if (sts->u.arr.v[i]->type == JSON_OBJECT && stmt_grants(sts->u.arr.v[i], ns)) return true;
    return false;
}

/* One policy of the identity: name, ARN (managed only), whose inline policy
 * it is (EntityType / EntityName; inline only) and its document. */
typedef struct {
    str_t name, arn, entity_type, entity, doc;
} held_t;

typedef struct {
    held_t *v;
    size_t n, cap;
} helds_t;

static int hold(req_t *r, helds_t *h, held_t x)
{
    for (size_t i = 0; x.arn.p && i < h->n; i++) /* a managed policy the user and its group both have: once */
        if (h->v[i].arn.p && str_eq(h->v[i].arn, x.arn)) return GR_OK;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 8;
        held_t *nv = arena_realloc(r->arena, h->v, h->cap * sizeof *nv, cap * sizeof *nv);
        if (!nv) return GR_ERR;
        h->v = nv;
        h->cap = cap;
    }
    h->v[h->n++] = x;
    return GR_OK;
}

/* The inline and attached policies of one owner (kind "user", "group" or
 * "role"), inline ones first, each group by name. */
static int owner_policies(req_t *r, const iam__kind_t *k, str_t owner, helds_t *h)
{
    const char *type = k == &iam__group ? "GROUP" : k == &iam__role ? "ROLE" : "USER";
    sqlite3_stmt *st = iam__stmt(
        r, "SELECT name, document FROM iam_inline_policy WHERE account = ?1 AND kind = ?2 AND owner = ?3 ORDER BY name",
        "cs", k->kind, owner);
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (hold(r, h,
                 (held_t){.name = iam__col(r, st, 0),
                          .entity_type = str_c(type),
                          .entity = owner,
                          .doc = iam__col(r, st, 1)}) != GR_OK)
            return GR_ERR;
    const val_t *managed = iam__attached_list(r, k, owner); /* PolicyName and PolicyArn, by ARN */
    if (!managed) return GR_ERR;
    for (size_t i = 0; i < val_len(managed); i++) {
        str_t arn = val_get_str(managed->u.list.v[i], "PolicyArn");
        held_t x = {
            .name = val_get_str(managed->u.list.v[i], "PolicyName"), .arn = arn, .doc = iam__policy_doc(r, arn)};
        if (hold(r, h, x) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

int iam_list_policies_granting_service_access(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const iam__kind_t *k;
    str_t name;
    if (iam__identity_of_arn(r, val_get_str(in, "Arn"), &k, &name) != GR_OK) return GR_ERR;
    helds_t h = {0};
    if (owner_policies(r, k, name, &h) != GR_OK) return GR_ERR;
    if (k == &iam__user) { /* and the policies of its groups */
        sqlite3_stmt *gs =
            iam__stmt(r, "SELECT grp FROM iam_group_member WHERE account = ?1 AND user = ?2 ORDER BY grp", "s", name);
        if (!gs) return GR_ERR;
        while (sqlite3_step(gs) == SQLITE_ROW)
            if (owner_policies(r, &iam__group, iam__col(r, gs, 0), &h) != GR_OK) return GR_ERR;
    }
    const val_t *nss = val_get(in, "ServiceNamespaces");
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(nss); i++) {
        str_t ns = nss->u.list.v[i]->u.s;
        val_t *pols = val_new(a, VAL_LIST);
        for (size_t j = 0; j < h.n; j++) {
            if (!iam__doc_grants(r, h.v[j].doc, ns)) continue;
            val_t *p = val_new(a, VAL_STRUCT);
            val_set_c(a, p, "PolicyName", val_str(a, h.v[j].name));
            val_set_c(a, p, "PolicyType", val_cstr(a, h.v[j].arn.p ? "MANAGED" : "INLINE"));
            if (h.v[j].arn.p) val_set_c(a, p, "PolicyArn", val_str(a, h.v[j].arn));
            if (h.v[j].entity.p) {
                val_set_c(a, p, "EntityType", val_str(a, h.v[j].entity_type));
                val_set_c(a, p, "EntityName", val_str(a, h.v[j].entity));
            }
            val_push(a, pols, p);
        }
        val_t *e = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "ServiceNamespace", val_str(a, ns));
        val_set_c(a, e, "Policies", pols);
        val_push(a, list, e);
    }
    val_set_c(a, out, "PoliciesGrantingServiceAccess", list);
    val_set_c(a, out, "IsTruncated", val_bool(a, false));
    return arena_failed(a) ? GR_ERR : GR_OK;
}
