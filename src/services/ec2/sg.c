/* sg.c — EC2 security groups: CreateSecurityGroup, DescribeSecurityGroups,
 * DeleteSecurityGroup, Authorize/RevokeSecurityGroupIngress/Egress,
 * DescribeSecurityGroupRules, ModifySecurityGroupRules,
 * UpdateSecurityGroupRuleDescriptionsIngress/Egress; and each VPC's "default" group (the hooks
 * vpc.c and core.c call when a VPC is made or deleted).
 *
 * A rule is stored one row per source (an IPv4 or IPv6 block, a group or a
 * prefix list), the way AWS's security group rules (sgr-) are; the
 * IpPermissions of DescribeSecurityGroups group them back by protocol and
 * ports. AWS: "Security group rules" and "Default security groups for your
 * VPCs", Amazon VPC User Guide: a new group allows all outbound IPv4
 * traffic; a VPC's default group also allows inbound from itself and
 * cannot be deleted. The refusal texts are AWS's as recorded by clients and
 * by moto, which copies them; "not on record" where not. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_GroupDup = {"InvalidGroup.Duplicate", 400, true};
static const aws_errdef_t E_GroupNF = {"InvalidGroup.NotFound", 400, true};
static const aws_errdef_t E_PermDup = {"InvalidPermission.Duplicate", 400, true};
static const aws_errdef_t E_PermNF = {"InvalidPermission.NotFound", 400, true};
static const aws_errdef_t E_CannotDelete = {"CannotDelete", 400, true};
static const aws_errdef_t E_Dependency = {"DependencyViolation", 400, true};
static const aws_errdef_t E_RuleNF = {"InvalidSecurityGroupRuleId.NotFound", 400, true};
static const aws_errdef_t E_Reserved = {"InvalidGroup.Reserved", 400, true};

/* One rule: exactly one source set. from/to -1 when AWS leaves ports out. */
typedef struct {
    const char *proto;
    int from, to;
    const char *cidr, *cidr6, *ref, *pl, *desc;
} rule_t;

/* ==== The default group ==== */

static bool add_rule(req_t *r, sqlite3 *db, const char *group, bool egress, const rule_t *u, const char **id_out)
{
    arena_t *a = r->arena;
    const char *id = ec2__new_id(a, "sgr");
    if (id_out) *id_out = id;
    return EXEC(db,
                "INSERT INTO sg_rule (account, region, id, group_id, egress, proto, from_port, to_port, cidr, cidr6, "
                "ref_group, prefix_list, description, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                "?13, ?14)",
                ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id, group, egress ? "1" : "0", u->proto,
                arena_printf(a, "%d", u->from), arena_printf(a, "%d", u->to), u->cidr, u->cidr6, u->ref, u->pl, u->desc,
                arena_printf(a, "%lld", (long long)ec2__seq()));
}

/* AWS: a new group's one outbound rule, all traffic to 0.0.0.0/0. */
static bool add_default_egress(req_t *r, sqlite3 *db, const char *group)
{
    rule_t all = {"-1", -1, -1, "0.0.0.0/0", NULL, NULL, NULL, NULL};
    return add_rule(r, db, group, true, &all, NULL);
}

static bool insert_group(req_t *r, sqlite3 *db, const char *id, const char *vpc, const char *name, const char *desc,
                         bool is_default)
{
    arena_t *a = r->arena;
    return EXEC(db,
                "INSERT INTO sg (account, region, id, vpc_id, name, description, is_default, seq) VALUES (?1, ?2, ?3, "
                "?4, ?5, ?6, ?7, ?8)",
                ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id, vpc, name, desc, is_default ? "1" : "0",
                arena_printf(a, "%lld", (long long)ec2__seq())) &&
           add_default_egress(r, db, id);
}

bool ec2__vpc_born(req_t *r, sqlite3 *db, const char *vpc_id)
{
    const char *id = ec2__new_id(r->arena, "sg");
    /* AWS: the default group's description and its inbound rule from
     * members of the group itself. */
    rule_t self = {"-1", -1, -1, NULL, NULL, id, NULL, NULL};
    return insert_group(r, db, id, vpc_id, "default", "default VPC security group", true) &&
           add_rule(r, db, id, false, &self, NULL) && ec2__nacl_vpc_born(r, db, vpc_id);
}

bool ec2__vpc_gone(req_t *r, sqlite3 *db, str_t vpc_id)
{
    arena_t *a = r->arena;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region), *vpc = ec2__cstr(a, vpc_id);
    return ec2__nacl_vpc_gone(r, db, vpc_id) &&
           EXEC(db,
                "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id IN (SELECT id FROM sg WHERE account = "
                "?1 AND region = ?2 AND vpc_id = ?3)",
                acct, reg, vpc) &&
           EXEC(db,
                "DELETE FROM sg_rule WHERE account = ?1 AND region = ?2 AND group_id IN (SELECT id FROM sg WHERE "
                "account = ?1 AND region = ?2 AND vpc_id = ?3)",
                acct, reg, vpc) &&
           EXEC(db, "DELETE FROM sg WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", acct, reg, vpc);
}

/* ==== Finding groups ==== */

static const char *default_vpc(req_t *r, sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM vpc WHERE account = ?1 AND region = ?2 AND is_default = 1");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    const char *id = sqlite3_step(st) == SQLITE_ROW ? ec2__cstr(r->arena, store_col_str(r->arena, st, 0)) : NULL;
    store_release(st);
    return id;
}

/* The group of GroupId, or of GroupName in the default VPC (AWS: names
 * identify groups only there): its id, or NULL with r failed. */
static const char *group_of(req_t *r, sqlite3 *db, str_t id, str_t name)
{
    arena_t *a = r->arena;
    if (id.p) return ec2__need(r, db, "sg", id) == GR_OK ? ec2__cstr(a, id) : NULL;
    if (!name.p)
        /* AWS (recorded): MissingParameter "The request must contain the
         * parameter groupName or groupId". */
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter groupName or groupId"), NULL;
    const char *vpc = default_vpc(r, db);
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM sg WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND "
                                      "name = ?4");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, vpc ? vpc : "", -1, SQLITE_STATIC);
    store_bind_str(st, 4, name);
    const char *gid = sqlite3_step(st) == SQLITE_ROW ? ec2__cstr(a, store_col_str(a, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) return NULL;
    /* AWS (recorded): "The security group 'web' does not exist in default
     * VPC 'vpc-1'". */
    if (!gid)
        req_fail(r, &E_GroupNF, "The security group '%.*s' does not exist in default VPC '%s'", STR_FMT(name),
                 vpc ? vpc : "");
    return gid;
}

/* ==== CreateSecurityGroup ==== */

static val_t *group_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f);
static const char SG_COLS[] = "SELECT id, vpc_id, name, description FROM sg ";

int ec2_create_security_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "GroupName"), desc = val_get_str(in, "Description"), vpc = val_get_str(in, "VpcId");
    /* AWS: GroupName and GroupDescription are required; up to 255
     * characters; a name may not start with "sg-" nor be "default". */
    if (!desc.p || !desc.len)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter GroupDescription");
    if (!name.p || !name.len)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter GroupName");
    if (name.len > 255 || desc.len > 255)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value for parameter %s is invalid. Character sets beyond ASCII are not supported or the "
                        "length exceeds 255 characters.",
                        name.len > 255 ? "GroupName" : "GroupDescription");
    if (str_starts_with(name, str_c("sg-"))) /* AWS (recorded): "Group names may not be in the format sg-*". */
        return req_fail(r, &ERR_InvalidParameterValue, "Group names may not be in the format sg-*");
    if (str_eq_c(name, "default")) /* Not on record as text; AWS refuses the reserved name. */
        return req_fail(r, &E_Reserved, "The security group 'default' is reserved");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *vid = vpc.p ? ec2__cstr(a, vpc) : default_vpc(r, db);
    if (!vid) return ec2__not_found(r, "VPCIdNotSpecified", "vpc", STR_NULL);
    if (ec2__need(r, db, "vpc", str_c(vid)) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM sg WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND "
                                      "name = ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, vid, -1, SQLITE_STATIC);
    store_bind_str(st, 4, name);
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "The security group 'web' already exists for VPC
     * 'vpc-1'". */
    if (rc == SQLITE_ROW)
        return req_fail(r, &E_GroupDup, "The security group '%.*s' already exists for VPC '%s'", STR_FMT(name), vid);
    const char *id = ec2__new_id(a, "sg");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = insert_group(r, db, id, vid, ec2__cstr(a, name), ec2__cstr(a, desc), false);
    rc = ok ? ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "security-group", id) : GR_ERR;
    if (ec2__end(db, ok && rc == GR_OK) != GR_OK) return GR_ERR;
    val_set_c(a, out, "GroupId", val_cstr(a, id));
    val_t *tags = ec2__tags_of(r, db, str_c(id));
    if (tags) val_set_c(a, out, "Tags", tags);
    return val_set_c(a, out, "SecurityGroupArn",
                     val_cstr(a, arena_printf(a, "arn:aws:ec2:%.*s:%.*s:security-group/%s", STR_FMT(r->region),
                                              STR_FMT(r->who.account), id)));
}

/* ==== Rules ==== */

static bool has_ports(const char *proto)
{
    return !strcmp(proto, "tcp") || !strcmp(proto, "udp") || !strcmp(proto, "icmp") || !strcmp(proto, "icmpv6");
}

/* Whether s is an IPv6 block "addr/n" (n 0..128). */
static bool cidr6_ok(arena_t *a, str_t s)
{
    const char *c = ec2__cstr(a, s), *slash = strchr(c, '/');
    if (!slash || !slash[1] || strlen(slash + 1) > 3) return false;
    for (const char *p = slash + 1; *p; p++)
        if (*p < '0' || *p > '9') return false;
    if (atoi(slash + 1) > 128) return false;
    char addr[64];
    size_t n = (size_t)(slash - c);
    if (n >= sizeof addr) return false;
    memcpy(addr, c, n);
    addr[n] = 0;
    unsigned char buf[16];
    return inet_pton(AF_INET6, addr, buf) == 1;
}

/* The rules of one IpPermission (or of the legacy flat form), appended to
 * *rules; GR_OK, or r failed as AWS refuses them. */
static int parse_perm(req_t *r, sqlite3 *db, const val_t *p, rule_t **rules, size_t *n, size_t *cap)
{
    arena_t *a = r->arena;
    str_t ps = val_get_str(p, "IpProtocol");
    if (!ps.p) return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter ipProtocol");
    const char *proto = ec2__protocol(a, ps, true);
    /* AWS (recorded): "Invalid value 'foo' for IP protocol. Unknown
     * protocol." */
    if (!proto)
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value '%.*s' for IP protocol. Unknown protocol.",
                        STR_FMT(ps));
    const val_t *fv = val_get(p, "FromPort"), *tv = val_get(p, "ToPort");
    int from = -1, to = -1;
    if (has_ports(proto)) {
        bool icmp = !strncmp(proto, "icmp", 4);
        if (!fv || !tv)
            /* AWS (recorded): "Invalid value 'Must specify both from and to
             * ports with TCP/UDP.' for portRange." */
            return icmp ? req_fail(r, &ERR_InvalidParameterValue,
                                   "Invalid value 'Must specify both ICMP type and code.' for icmpTypeCode.")
                        : req_fail(r, &ERR_InvalidParameterValue,
                                   "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
        from = (int)val_get_int(p, "FromPort", -1);
        to = (int)val_get_int(p, "ToPort", -1);
        if (!icmp && (from < 0 || to > 65535 || from > to))
            /* AWS (recorded): "Invalid TCP/UDP port range" family; text
             * "Invalid value 'x' for portRange" not exactly on record. */
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Invalid port range %d-%d. The from port must be less than or equal to the to port and "
                            "both must be between 0 and 65535.",
                            from, to);
        if (icmp && (from < -1 || from > 255 || to < -1 || to > 255))
            return req_fail(r, &ERR_InvalidParameterValue, "ICMP type and code must be between -1 and 255.");
    }
    size_t before = *n;
#define PUSH(field, value, d)                                                                                          \
    do {                                                                                                               \
        if (*n == *cap) {                                                                                              \
            size_t nc = *cap ? *cap * 2 : 8;                                                                           \
            rule_t *nr = ARENA_NEWN(a, rule_t, nc);                                                                    \
            if (*n) memcpy(nr, *rules, *n * sizeof *nr);                                                               \
            *rules = nr, *cap = nc;                                                                                    \
        }                                                                                                              \
        (*rules)[*n] = (rule_t){proto, from, to, NULL, NULL, NULL, NULL, (d)};                                         \
        (*rules)[(*n)++].field = (value);                                                                              \
    } while (0)
    const val_t *l = val_get(p, "IpRanges");
    for (size_t i = 0; i < val_len(l); i++) {
        str_t c = val_get_str(l->u.list.v[i], "CidrIp");
        ec2__cidr_t cc;
        /* AWS (recorded): "CIDR block 10.0.0.0/33 is malformed". */
        if (!c.p || !ec2__cidr_parse(c, &cc))
            return req_fail(r, &ERR_InvalidParameterValue, "CIDR block %.*s is malformed", STR_FMT(c));
        PUSH(cidr, ec2__cstr(a, c), ec2__cstr(a, val_get_str(l->u.list.v[i], "Description")));
    }
    l = val_get(p, "Ipv6Ranges");
    for (size_t i = 0; i < val_len(l); i++) {
        str_t c = val_get_str(l->u.list.v[i], "CidrIpv6");
        if (!c.p || !cidr6_ok(a, c))
            return req_fail(r, &ERR_InvalidParameterValue, "CIDR block %.*s is malformed", STR_FMT(c));
        PUSH(cidr6, ec2__cstr(a, c), ec2__cstr(a, val_get_str(l->u.list.v[i], "Description")));
    }
    l = val_get(p, "UserIdGroupPairs");
    for (size_t i = 0; i < val_len(l); i++) {
        const val_t *g = l->u.list.v[i];
        const char *gid = group_of(r, db, val_get_str(g, "GroupId"), val_get_str(g, "GroupName"));
        if (!gid) return GR_ERR;
        PUSH(ref, gid, ec2__cstr(a, val_get_str(g, "Description")));
    }
    l = val_get(p, "PrefixListIds");
    for (size_t i = 0; i < val_len(l); i++) {
        str_t pl = val_get_str(l->u.list.v[i], "PrefixListId");
        /* No managed prefix lists are kept yet: every one is unknown.
         * AWS (recorded): InvalidPrefixListId.NotFound. */
        aws_errdef_t *d = ARENA_NEW(a, aws_errdef_t);
        *d = (aws_errdef_t){"InvalidPrefixListId.NotFound", 400, true};
        return req_fail(r, d, "The prefix list ID '%.*s' does not exist", STR_FMT(pl));
    }
#undef PUSH
    /* AWS: a permission without a source is refused (not on record as
     * text). */
    if (*n == before)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Invalid value for IpPermissions. At least one of IpRanges, Ipv6Ranges, UserIdGroupPairs or "
                        "PrefixListIds must be given.");
    return GR_OK;
}

/* The rules asked for: IpPermissions, or the legacy flat members. */
static int parse_rules(req_t *r, sqlite3 *db, const val_t *in, rule_t **rules, size_t *n)
{
    arena_t *a = r->arena;
    size_t cap = 0;
    *rules = NULL, *n = 0;
    const val_t *perms = val_get(in, "IpPermissions");
    for (size_t i = 0; i < val_len(perms); i++)
        if (parse_perm(r, db, perms->u.list.v[i], rules, n, &cap) != GR_OK) return GR_ERR;
    str_t proto = val_get_str(in, "IpProtocol"), cidr = val_get_str(in, "CidrIp"),
          src = val_get_str(in, "SourceSecurityGroupName");
    if (proto.p || cidr.p || src.p) {
        val_t *p = val_new(a, VAL_STRUCT);
        val_set_c(a, p, "IpProtocol", val_str(a, proto.p ? proto : str_c("-1")));
        if (val_get(in, "FromPort")) val_set_c(a, p, "FromPort", val_get(in, "FromPort"));
        if (val_get(in, "ToPort")) val_set_c(a, p, "ToPort", val_get(in, "ToPort"));
        if (cidr.p) {
            val_t *l = val_new(a, VAL_LIST), *e = val_new(a, VAL_STRUCT);
            val_set_c(a, e, "CidrIp", val_str(a, cidr));
            val_push(a, l, e);
            val_set_c(a, p, "IpRanges", l);
        }
        if (src.p) {
            val_t *l = val_new(a, VAL_LIST), *e = val_new(a, VAL_STRUCT);
            val_set_c(a, e, "GroupName", val_str(a, src));
            val_push(a, l, e);
            val_set_c(a, p, "UserIdGroupPairs", l);
        }
        if (parse_perm(r, db, p, rules, n, &cap) != GR_OK) return GR_ERR;
    }
    if (!*n) /* Not on record as text. */
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter ipPermissions");
    return GR_OK;
}

/* The id of the stored rule equal to u (same direction, protocol, ports and
 * source), NULL when none (or on a store failure, *fail set). */
static const char *rule_find(req_t *r, sqlite3 *db, const char *group, bool egress, const rule_t *u, bool *fail)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM sg_rule WHERE account = ?1 AND region = ?2 AND group_id = ?3 "
                                      "AND egress = ?4 AND proto = ?5 AND from_port = ?6 AND to_port = ?7 AND cidr IS "
                                      "?8 AND cidr6 IS ?9 AND ref_group IS ?10 AND prefix_list IS ?11");
    if (!st) return *fail = true, NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, group, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, egress);
    sqlite3_bind_text(st, 5, u->proto, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, u->from);
    sqlite3_bind_int(st, 7, u->to);
    const char *src[] = {u->cidr, u->cidr6, u->ref, u->pl};
    for (int i = 0; i < 4; i++)
        if (src[i])
            sqlite3_bind_text(st, 8 + i, src[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8 + i);
    const char *id = sqlite3_step(st) == SQLITE_ROW ? ec2__cstr(a, store_col_str(a, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) *fail = true;
    return id;
}

static const char *peer_of(const rule_t *u)
{
    return u->cidr ? u->cidr : u->cidr6 ? u->cidr6 : u->ref ? u->ref : u->pl;
}

/* The SecurityGroupRule of row st (id, group_id, egress, proto, from_port,
 * to_port, cidr, cidr6, ref_group, prefix_list, description). */
static const char RULE_COLS[] = "SELECT id, group_id, egress, proto, from_port, to_port, cidr, cidr6, ref_group, "
                                "prefix_list, description FROM sg_rule ";

static val_t *rule_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t id = store_col_str(a, st, 0), group = store_col_str(a, st, 1);
    val_set_c(a, v, "SecurityGroupRuleId", val_str(a, id));
    val_set_c(a, v, "GroupId", val_str(a, group));
    val_set_c(a, v, "GroupOwnerId", val_str(a, r->who.account));
    val_set_c(a, v, "IsEgress", val_bool(a, sqlite3_column_int(st, 2)));
    val_set_c(a, v, "IpProtocol", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, v, "FromPort", val_int(a, sqlite3_column_int(st, 4)));
    val_set_c(a, v, "ToPort", val_int(a, sqlite3_column_int(st, 5)));
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) val_set_c(a, v, "CidrIpv4", val_str(a, store_col_str(a, st, 6)));
    if (sqlite3_column_type(st, 7) != SQLITE_NULL) val_set_c(a, v, "CidrIpv6", val_str(a, store_col_str(a, st, 7)));
    if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
        val_t *ref = val_new(a, VAL_STRUCT);
        val_set_c(a, ref, "GroupId", val_str(a, store_col_str(a, st, 8)));
        val_set_c(a, ref, "UserId", val_str(a, r->who.account));
        val_set_c(a, v, "ReferencedGroupInfo", ref);
    }
    if (sqlite3_column_type(st, 9) != SQLITE_NULL) val_set_c(a, v, "PrefixListId", val_str(a, store_col_str(a, st, 9)));
    if (sqlite3_column_type(st, 10) != SQLITE_NULL)
        val_set_c(a, v, "Description", val_str(a, store_col_str(a, st, 10)));
    val_t *tags = ec2__tags_of(r, db, id);
    val_set_c(a, v, "Tags", tags ? tags : val_new(a, VAL_LIST));
    val_set_c(a, v, "SecurityGroupRuleArn",
              val_cstr(a, arena_printf(a, "arn:aws:ec2:%.*s:%.*s:security-group-rule/%.*s", STR_FMT(r->region),
                                       STR_FMT(r->who.account), STR_FMT(id))));
    if (f) {
        ec2__fields_init(f, a);
        ec2__field(f, "security-group-rule-id", ec2__cstr(a, id));
        ec2__field(f, "group-id", ec2__cstr(a, group));
        ec2__field_tags(f, tags);
    }
    return v;
}

static int authorize(req_t *r, const val_t *in, val_t *out, bool egress)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *group = group_of(r, db, val_get_str(in, "GroupId"), egress ? STR_NULL : val_get_str(in, "GroupName"));
    if (!group) return GR_ERR;
    rule_t *rules;
    size_t n;
    if (parse_rules(r, db, in, &rules, &n) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        bool fail = false;
        const char *dup = rule_find(r, db, group, egress, &rules[i], &fail);
        if (fail) return GR_ERR;
        for (size_t j = 0; j < i && !dup; j++)
            if (!strcmp(rules[j].proto, rules[i].proto) && rules[j].from == rules[i].from &&
                rules[j].to == rules[i].to && !strcmp(peer_of(&rules[j]), peer_of(&rules[i])))
                dup = "";
        /* AWS (recorded): 'the specified rule "peer: 10.0.2.0/24, TCP, from
         * port: 22, to port: 22, ALLOW" already exists'. */
        if (dup) {
            const rule_t *u = &rules[i];
            char up[16];
            size_t k = 0;
            for (; u->proto[k] && k < sizeof up - 1; k++)
                up[k] = (char)(u->proto[k] >= 'a' && u->proto[k] <= 'z' ? u->proto[k] - 32 : u->proto[k]);
            up[k] = 0;
            if (!strcmp(u->proto, "-1")) strcpy(up, "ALL");
            const char *ports = u->from == -1 && u->to == -1 && !has_ports(u->proto)
                                    ? ""
                                    : arena_printf(a, ", from port: %d, to port: %d", u->from, u->to);
            return req_fail(r, &E_PermDup, "the specified rule \"peer: %s, %s%s, ALLOW\" already exists", peer_of(u),
                            up, ports);
        }
    }
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    const char **ids = ARENA_NEWN(a, const char *, n);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) ok = add_rule(r, db, group, egress, &rules[i], &ids[i]);
    for (size_t i = 0; ok && i < n; i++)
        ok = ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "security-group-rule", ids[i]) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st =
            store_stmt(db, arena_printf(a, "%sWHERE account = ?1 AND region = ?2 AND id = ?3", RULE_COLS));
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        sqlite3_bind_text(st, 3, ids[i], -1, SQLITE_STATIC);
        val_t *v = sqlite3_step(st) == SQLITE_ROW ? rule_value(r, db, st, NULL) : NULL;
        if (store_release(st) != SQLITE_OK || !v) return GR_ERR;
        val_push(a, list, v);
    }
    val_set_c(a, out, "Return", val_bool(a, true));
    return val_set_c(a, out, "SecurityGroupRules", list);
}

int ec2_authorize_security_group_ingress(req_t *r, const val_t *in, val_t *out)
{
    return authorize(r, in, out, false);
}

int ec2_authorize_security_group_egress(req_t *r, const val_t *in, val_t *out)
{
    return authorize(r, in, out, true);
}

static int revoke(req_t *r, const val_t *in, val_t *out, bool egress)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *group = group_of(r, db, val_get_str(in, "GroupId"), egress ? STR_NULL : val_get_str(in, "GroupName"));
    if (!group) return GR_ERR;
    const val_t *rids = val_get(in, "SecurityGroupRuleIds");
    const char **ids;
    size_t n = 0;
    if (val_len(rids)) {
        ids = ARENA_NEWN(a, const char *, val_len(rids));
        for (size_t i = 0; i < val_len(rids); i++) {
            str_t id = rids->u.list.v[i]->u.s;
            sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM sg_rule WHERE account = ?1 AND region = ?2 AND id = ?3 "
                                              "AND group_id = ?4 AND egress = ?5");
            if (!st) return GR_ERR;
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            store_bind_str(st, 3, id);
            sqlite3_bind_text(st, 4, group, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 5, egress);
            int rc = sqlite3_step(st);
            if (store_release(st) != SQLITE_OK) return GR_ERR;
            /* Not on record as text. */
            if (rc != SQLITE_ROW)
                return req_fail(r, &E_PermNF, "The security group rule ID '%.*s' does not exist in this group",
                                STR_FMT(id));
            ids[n++] = ec2__cstr(a, id);
        }
    } else {
        rule_t *rules;
        size_t k;
        if (parse_rules(r, db, in, &rules, &k) != GR_OK) return GR_ERR;
        ids = ARENA_NEWN(a, const char *, k);
        for (size_t i = 0; i < k; i++) {
            bool fail = false;
            const char *id = rule_find(r, db, group, egress, &rules[i], &fail);
            if (fail) return GR_ERR;
            /* AWS (recorded): "The specified rule does not exist in this
             * security group." */
            if (!id) return req_fail(r, &E_PermNF, "The specified rule does not exist in this security group.");
            ids[n++] = id;
        }
    }
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region);
    for (size_t i = 0; ok && i < n; i++)
        ok = EXEC(db, "DELETE FROM sg_rule WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg, ids[i]) &&
             ec2__tags_drop(r, db, str_c(ids[i])) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "Return", val_bool(a, true));
}

int ec2_revoke_security_group_ingress(req_t *r, const val_t *in, val_t *out)
{
    return revoke(r, in, out, false);
}

int ec2_revoke_security_group_egress(req_t *r, const val_t *in, val_t *out)
{
    return revoke(r, in, out, true);
}

/* ==== Describe ==== */

/* The IpPermissions of a group's ingress or egress rules: one per protocol
 * and port range, in the order first authorized, with its sources. */
static val_t *perms_of(req_t *r, sqlite3 *db, str_t group, bool egress, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    const char *pre = egress ? "egress.ip-permission." : "ip-permission.";
    sqlite3_stmt *st = store_stmt(db, "SELECT proto, from_port, to_port, cidr, cidr6, ref_group, prefix_list, "
                                      "description FROM sg_rule WHERE account = ?1 AND region = ?2 AND group_id = ?3 "
                                      "AND egress = ?4 ORDER BY seq, id");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, group);
    sqlite3_bind_int(st, 4, egress);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t proto = store_col_str(a, st, 0);
        int from = sqlite3_column_int(st, 1), to = sqlite3_column_int(st, 2);
        val_t *p = NULL;
        for (size_t i = 0; i < val_len(list) && !p; i++) {
            val_t *q = list->u.list.v[i];
            if (str_eq(val_get_str(q, "IpProtocol"), proto) && val_get_int(q, "FromPort", -1) == from &&
                val_get_int(q, "ToPort", -1) == to)
                p = q;
        }
        if (!p) {
            p = val_new(a, VAL_STRUCT);
            const char *pc = ec2__cstr(a, proto);
            /* AWS leaves the ports out for all protocols and for protocols
             * without ports. */
            if (has_ports(pc)) {
                val_set_c(a, p, "FromPort", val_int(a, from));
                val_set_c(a, p, "ToPort", val_int(a, to));
                ec2__field(f, arena_printf(a, "%sfrom-port", pre), arena_printf(a, "%d", from));
                ec2__field(f, arena_printf(a, "%sto-port", pre), arena_printf(a, "%d", to));
            }
            val_set_c(a, p, "IpProtocol", val_str(a, proto));
            ec2__field(f, arena_printf(a, "%sprotocol", pre), pc);
            const char *members[] = {"IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"};
            for (size_t i = 0; i < 4; i++) val_set_c(a, p, members[i], val_new(a, VAL_LIST));
            val_push(a, list, p);
        }
        str_t desc = sqlite3_column_type(st, 7) != SQLITE_NULL ? store_col_str(a, st, 7) : STR_NULL;
        static const struct {
            const char *member, *key, *filter;
        } src[] = {{"IpRanges", "CidrIp", "cidr"},
                   {"Ipv6Ranges", "CidrIpv6", "ipv6-cidr"},
                   {"UserIdGroupPairs", "GroupId", "group-id"},
                   {"PrefixListIds", "PrefixListId", "prefix-list-id"}};
        for (int i = 0; i < 4; i++) {
            if (sqlite3_column_type(st, 3 + i) == SQLITE_NULL) continue;
            str_t s = store_col_str(a, st, 3 + i);
            val_t *e = val_new(a, VAL_STRUCT);
            if (desc.p) val_set_c(a, e, "Description", val_str(a, desc));
            val_set_c(a, e, src[i].key, val_str(a, s));
            if (i == 2) val_set_c(a, e, "UserId", val_str(a, r->who.account));
            val_push(a, val_get(p, src[i].member), e);
            ec2__field(f, arena_printf(a, "%s%s", pre, src[i].filter), ec2__cstr(a, s));
        }
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    return list;
}

static val_t *group_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    str_t id = store_col_str(a, st, 0), vpc = store_col_str(a, st, 1), name = store_col_str(a, st, 2),
          desc = store_col_str(a, st, 3);
    ec2__fields_init(f, a);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Description", val_str(a, desc));
    val_set_c(a, v, "GroupName", val_str(a, name));
    val_t *in = perms_of(r, db, id, false, f), *eg = perms_of(r, db, id, true, f);
    if (!in || !eg) return NULL;
    val_set_c(a, v, "IpPermissions", in);
    val_set_c(a, v, "OwnerId", val_str(a, r->who.account));
    val_set_c(a, v, "GroupId", val_str(a, id));
    val_set_c(a, v, "IpPermissionsEgress", eg);
    val_t *tags = ec2__tags_of(r, db, id);
    if (tags) val_set_c(a, v, "Tags", tags);
    val_set_c(a, v, "VpcId", val_str(a, vpc));
    val_set_c(a, v, "SecurityGroupArn",
              val_cstr(a, arena_printf(a, "arn:aws:ec2:%.*s:%.*s:security-group/%.*s", STR_FMT(r->region),
                                       STR_FMT(r->who.account), STR_FMT(id))));
    ec2__field(f, "group-id", ec2__cstr(a, id));
    ec2__field(f, "group-name", ec2__cstr(a, name));
    ec2__field(f, "description", ec2__cstr(a, desc));
    ec2__field(f, "vpc-id", ec2__cstr(a, vpc));
    ec2__field(f, "owner-id", ec2__cstr(a, r->who.account));
    ec2__field_tags(f, tags);
    return v;
}

int ec2_describe_security_groups(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"group-id",
                                        "group-name",
                                        "description",
                                        "vpc-id",
                                        "owner-id",
                                        "ip-permission.cidr",
                                        "ip-permission.ipv6-cidr",
                                        "ip-permission.from-port",
                                        "ip-permission.to-port",
                                        "ip-permission.protocol",
                                        "ip-permission.group-id",
                                        "ip-permission.prefix-list-id",
                                        "egress.ip-permission.cidr",
                                        "egress.ip-permission.ipv6-cidr",
                                        "egress.ip-permission.from-port",
                                        "egress.ip-permission.to-port",
                                        "egress.ip-permission.protocol",
                                        "egress.ip-permission.group-id",
                                        "egress.ip-permission.prefix-list-id",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "GroupIds"), *names = val_get(in, "GroupNames");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "sg", ids) != GR_OK) return GR_ERR;
    /* GroupNames name groups of the default VPC only, as on AWS. */
    val_t *named = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(names); i++) {
        const char *gid = group_of(r, db, STR_NULL, names->u.list.v[i]->u.s);
        if (!gid) return GR_ERR;
        val_push(a, named, val_cstr(a, gid));
    }
    sqlite3_stmt *st = store_stmt(db, arena_printf(a, "%sWHERE account = ?1 AND region = ?2 ORDER BY seq", SG_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0);
        if (!ec2__named(ids, id) || !ec2__named(named, id)) continue;
        ec2__fields_t f;
        val_t *v = group_value(r, db, st, &f);
        ok = v != NULL;
        if (v && ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    return ec2__page(r, in, out, "SecurityGroups", list, 5);
}

int ec2_describe_security_group_rules(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"group-id", "security-group-rule-id", NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "SecurityGroupRuleIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "sg_rule", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(a, "%sWHERE account = ?1 AND region = ?2 ORDER BY group_id, seq", RULE_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!ec2__named(ids, store_col_str(a, st, 0))) continue;
        ec2__fields_t f;
        val_t *v = rule_value(r, db, st, &f);
        if (v && ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "SecurityGroupRules", list, 5);
}

/* ==== Delete ==== */

int ec2_delete_security_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *id = group_of(r, db, val_get_str(in, "GroupId"), val_get_str(in, "GroupName"));
    if (!id) return GR_ERR;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region);
    sqlite3_stmt *st = store_stmt(db, "SELECT name, is_default, (SELECT count(*) FROM sg_rule WHERE account = ?1 AND "
                                      "region = ?2 AND ref_group = ?3 AND group_id != ?3) + (SELECT count(*) FROM "
                                      "instance_sg s JOIN instance i ON i.account = s.account AND i.region = s.region "
                                      "AND i.id = s.instance_id WHERE s.account = ?1 AND s.region = ?2 AND s.group_id "
                                      "= ?3 AND i.state != 'terminated') FROM sg WHERE account = ?1 AND region = ?2 "
                                      "AND id = ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    bool row = sqlite3_step(st) == SQLITE_ROW;
    const char *name = row ? ec2__cstr(a, store_col_str(a, st, 0)) : "";
    bool def = row && sqlite3_column_int(st, 1);
    int64_t refs = row ? sqlite3_column_int64(st, 2) : 0;
    if (store_release(st) != SQLITE_OK || !row) return GR_ERR;
    /* AWS (recorded): CannotDelete 'the specified group: "sg-1" name:
     * "default" cannot be deleted by a user'. */
    if (def)
        return req_fail(r, &E_CannotDelete, "the specified group: \"%s\" name: \"%s\" cannot be deleted by a user", id,
                        name);
    /* AWS (recorded): DependencyViolation "resource sg-1 has a dependent
     * object" (another group's rule or an instance that is not
     * terminated). */
    if (refs) return req_fail(r, &E_Dependency, "resource %s has a dependent object", id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db,
                   "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id IN (SELECT id FROM sg_rule WHERE "
                   "account = ?1 AND region = ?2 AND group_id = ?3)",
                   acct, reg, id) &&
              EXEC(db, "DELETE FROM sg_rule WHERE account = ?1 AND region = ?2 AND group_id = ?3", acct, reg, id) &&
              EXEC(db, "DELETE FROM sg WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg, id) &&
              ec2__tags_drop(r, db, str_c(id)) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Return", val_bool(a, true));
    return val_set_c(a, out, "GroupId", val_cstr(a, id));
}

/* ==== Changing rules in place ==== */

/* The rule row of id in group (and direction, egress -1 for either): 1,
 * 0 when none, -1 on failure; *egress_out its direction. */
static int rule_in_group(req_t *r, sqlite3 *db, str_t id, const char *group, int egress, bool *egress_out)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT egress FROM sg_rule WHERE account = ?1 AND region = ?2 AND id = ?3 AND "
                                      "group_id = ?4 AND (?5 < 0 OR egress = ?5)");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    sqlite3_bind_text(st, 4, group, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, egress);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && egress_out) *egress_out = sqlite3_column_int(st, 0);
    if (store_release(st) != SQLITE_OK) return -1;
    return rc == SQLITE_ROW;
}

static bool rule_update(req_t *r, sqlite3 *db, const char *id, const rule_t *u)
{
    arena_t *a = r->arena;
    return EXEC(db,
                "UPDATE sg_rule SET proto = ?4, from_port = ?5, to_port = ?6, cidr = ?7, cidr6 = ?8, ref_group = ?9, "
                "prefix_list = ?10, description = ?11 WHERE account = ?1 AND region = ?2 AND id = ?3",
                ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id, u->proto, arena_printf(a, "%d", u->from),
                arena_printf(a, "%d", u->to), u->cidr, u->cidr6, u->ref, u->pl, u->desc);
}

int ec2_modify_security_group_rules(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *group = group_of(r, db, val_get_str(in, "GroupId"), STR_NULL);
    if (!group) return GR_ERR;
    const val_t *ups = val_get(in, "SecurityGroupRules");
    size_t n = val_len(ups);
    const char **ids = ARENA_NEWN(a, const char *, n ? n : 1);
    rule_t *rules = NULL;
    size_t k = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        const val_t *u = ups->u.list.v[i], *q = val_get(u, "SecurityGroupRule");
        str_t id = val_get_str(u, "SecurityGroupRuleId");
        int e = rule_in_group(r, db, id, group, -1, NULL);
        if (e < 0) return GR_ERR;
        /* The code is AWS's; the text not on record. */
        if (!e) return req_fail(r, &E_RuleNF, "The security group rule ID '%.*s' does not exist", STR_FMT(id));
        ids[i] = ec2__cstr(a, id);
        /* The rule asked for, as an IpPermission with its one source. */
        val_t *p = val_new(a, VAL_STRUCT), *l = val_new(a, VAL_LIST), *s = val_new(a, VAL_STRUCT);
        val_set_c(a, p, "IpProtocol", val_str(a, val_get_str(q, "IpProtocol")));
        if (val_get(q, "FromPort")) val_set_c(a, p, "FromPort", val_get(q, "FromPort"));
        if (val_get(q, "ToPort")) val_set_c(a, p, "ToPort", val_get(q, "ToPort"));
        if (val_get(q, "Description")) val_set_c(a, s, "Description", val_get(q, "Description"));
        static const struct {
            const char *member, *list, *key;
        } src[] = {{"CidrIpv4", "IpRanges", "CidrIp"},
                   {"CidrIpv6", "Ipv6Ranges", "CidrIpv6"},
                   {"ReferencedGroupId", "UserIdGroupPairs", "GroupId"},
                   {"PrefixListId", "PrefixListIds", "PrefixListId"}};
        for (size_t j = 0; j < 4; j++)
            if (val_get(q, src[j].member)) {
                val_set_c(a, s, src[j].key, val_get(q, src[j].member));
                val_push(a, l, s);
                val_set_c(a, p, src[j].list, l);
                break;
            }
        size_t before = k;
        if (parse_perm(r, db, p, &rules, &k, &cap) != GR_OK) return GR_ERR;
        if (k != before + 1)
            return req_fail(r, &ERR_InvalidParameterValue, "Each security group rule must have exactly one source.");
    }
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) ok = rule_update(r, db, ids[i], &rules[i]);
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "Return", val_bool(a, true));
}

static int update_descriptions(req_t *r, const val_t *in, val_t *out, bool egress)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *group = group_of(r, db, val_get_str(in, "GroupId"), val_get_str(in, "GroupName"));
    if (!group) return GR_ERR;
    const val_t *descs = val_get(in, "SecurityGroupRuleDescriptions");
    const char **ids, **texts;
    size_t n = 0;
    if (val_len(descs)) {
        ids = ARENA_NEWN(a, const char *, val_len(descs));
        texts = ARENA_NEWN(a, const char *, val_len(descs));
        for (size_t i = 0; i < val_len(descs); i++) {
            str_t id = val_get_str(descs->u.list.v[i], "SecurityGroupRuleId");
            int e = rule_in_group(r, db, id, group, egress, NULL);
            if (e < 0) return GR_ERR;
            if (!e) return req_fail(r, &E_PermNF, "The specified rule does not exist in this security group.");
            ids[n] = ec2__cstr(a, id);
            texts[n++] = ec2__cstr(a, val_get_str(descs->u.list.v[i], "Description"));
        }
    } else {
        rule_t *rules;
        size_t k;
        if (parse_rules(r, db, in, &rules, &k) != GR_OK) return GR_ERR;
        ids = ARENA_NEWN(a, const char *, k);
        texts = ARENA_NEWN(a, const char *, k);
        for (size_t i = 0; i < k; i++) {
            bool fail = false;
            const char *id = rule_find(r, db, group, egress, &rules[i], &fail);
            if (fail) return GR_ERR;
            /* AWS (recorded): "The specified rule does not exist in this
             * security group." */
            if (!id) return req_fail(r, &E_PermNF, "The specified rule does not exist in this security group.");
            ids[n] = id;
            texts[n++] = rules[i].desc;
        }
    }
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = EXEC(db, "UPDATE sg_rule SET description = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3",
                  ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), ids[i], texts[i]);
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "Return", val_bool(a, true));
}

int ec2_update_security_group_rule_descriptions_ingress(req_t *r, const val_t *in, val_t *out)
{
    return update_descriptions(r, in, out, false);
}

int ec2_update_security_group_rule_descriptions_egress(req_t *r, const val_t *in, val_t *out)
{
    return update_descriptions(r, in, out, true);
}
