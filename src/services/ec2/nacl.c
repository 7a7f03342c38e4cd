/* nacl.c — EC2 network ACLs: CreateNetworkAcl, DescribeNetworkAcls,
 * DeleteNetworkAcl, Create/Replace/DeleteNetworkAclEntry,
 * ReplaceNetworkAclAssociation; and each VPC's default ACL, which every
 * subnet is associated with until another is chosen (the hooks sg.c's
 * ec2__vpc_born and vpc.c's subnet operations call).
 *
 * AWS: "Control subnet traffic with network access control lists", Amazon
 * VPC User Guide: the default ACL allows all inbound and outbound IPv4
 * traffic (rule 100) before the closing "*" deny rule; a custom ACL starts
 * with the deny rules only; rule numbers 1..32766, evaluated lowest first;
 * every subnet is associated with exactly one ACL. Refusal texts are AWS's
 * as recorded by clients and by moto where marked; "not on record" else. */
#include <stdio.h>
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_EntryExists = {"NetworkAclEntryAlreadyExists", 400, true};
static const aws_errdef_t E_EntryNF = {"InvalidNetworkAclEntry.NotFound", 400, true};
static const aws_errdef_t E_AssocNF = {"InvalidAssociationID.NotFound", 400, true};
static const aws_errdef_t E_Dependency = {"DependencyViolation", 400, true};

enum { STAR_RULE = 32767 };

/* ==== The default ACL and the subnets' associations ==== */

/* The closing deny rules (ingress and egress) of a new ACL, and for the
 * default one also the allow-all rules 100. */
static bool insert_acl(req_t *r, sqlite3 *db, const char *id, const char *vpc, bool is_default)
{
    arena_t *a = r->arena;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region);
    bool ok =
        EXEC(db, "INSERT INTO nacl (account, region, id, vpc_id, is_default, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
             acct, reg, id, vpc, is_default ? "1" : "0", arena_printf(a, "%lld", (long long)ec2__seq()));
    for (int egress = 0; ok && egress < 2; egress++) {
        const char *eg = egress ? "1" : "0";
        ok = EXEC(db,
                  "INSERT INTO nacl_entry (account, region, acl_id, egress, number, proto, action, cidr) VALUES (?1, "
                  "?2, ?3, ?4, 32767, '-1', 'deny', '0.0.0.0/0')",
                  acct, reg, id, eg);
        if (ok && is_default)
            ok = EXEC(db,
                      "INSERT INTO nacl_entry (account, region, acl_id, egress, number, proto, action, cidr) VALUES "
                      "(?1, ?2, ?3, ?4, 100, '-1', 'allow', '0.0.0.0/0')",
                      acct, reg, id, eg);
    }
    return ok;
}

bool ec2__subnets_adopt(req_t *r, sqlite3 *db, const char *vpc_id)
{
    arena_t *a = r->arena;
    return EXEC(db,
                "INSERT INTO nacl_assoc (account, region, id, acl_id, subnet_id) SELECT s.account, s.region, "
                "'aclassoc-' || substr(lower(hex(randomblob(9))), 1, 17), n.id, s.id FROM subnet s JOIN nacl n ON "
                "n.account = s.account AND n.region = s.region AND n.vpc_id = s.vpc_id AND n.is_default = 1 WHERE "
                "s.account = ?1 AND s.region = ?2 AND s.vpc_id = ?3 AND s.id NOT IN (SELECT subnet_id FROM nacl_assoc "
                "WHERE account = ?1 AND region = ?2)",
                ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), vpc_id);
}

bool ec2__subnet_gone(req_t *r, sqlite3 *db, str_t subnet_id)
{
    arena_t *a = r->arena;
    return EXEC(db, "DELETE FROM nacl_assoc WHERE account = ?1 AND region = ?2 AND subnet_id = ?3",
                ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), ec2__cstr(a, subnet_id));
}

bool ec2__nacl_vpc_born(req_t *r, sqlite3 *db, const char *vpc_id)
{
    return insert_acl(r, db, ec2__new_id(r->arena, "acl"), vpc_id, true) && ec2__subnets_adopt(r, db, vpc_id);
}

bool ec2__nacl_vpc_gone(req_t *r, sqlite3 *db, str_t vpc_id)
{
    arena_t *a = r->arena;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region), *vpc = ec2__cstr(a, vpc_id);
    const char *in = "(SELECT id FROM nacl WHERE account = ?1 AND region = ?2 AND vpc_id = ?3)";
    return EXEC(db, arena_printf(a, "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id IN %s", in), acct,
                reg, vpc) &&
           EXEC(db, arena_printf(a, "DELETE FROM nacl_entry WHERE account = ?1 AND region = ?2 AND acl_id IN %s", in),
                acct, reg, vpc) &&
           EXEC(db, arena_printf(a, "DELETE FROM nacl_assoc WHERE account = ?1 AND region = ?2 AND acl_id IN %s", in),
                acct, reg, vpc) &&
           EXEC(db, "DELETE FROM nacl WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", acct, reg, vpc);
}

/* ==== Describe ==== */

static const char ACL_COLS[] = "SELECT id, vpc_id, is_default FROM nacl ";

static val_t *acl_value(req_t *r, sqlite3 *db, sqlite3_stmt *row, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    str_t id = store_col_str(a, row, 0), vpc = store_col_str(a, row, 1);
    bool def = sqlite3_column_int(row, 2);
    ec2__fields_init(f, a);
    val_t *v = val_new(a, VAL_STRUCT), *assocs = val_new(a, VAL_LIST), *entries = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, "SELECT id, subnet_id FROM nacl_assoc WHERE account = ?1 AND region = ?2 AND "
                                      "acl_id = ?3 ORDER BY subnet_id");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t aid = store_col_str(a, st, 0), sid = store_col_str(a, st, 1);
        val_t *x = val_new(a, VAL_STRUCT);
        val_set_c(a, x, "NetworkAclAssociationId", val_str(a, aid));
        val_set_c(a, x, "NetworkAclId", val_str(a, id));
        val_set_c(a, x, "SubnetId", val_str(a, sid));
        val_push(a, assocs, x);
        ec2__field(f, "association.association-id", ec2__cstr(a, aid));
        ec2__field(f, "association.network-acl-id", ec2__cstr(a, id));
        ec2__field(f, "association.subnet-id", ec2__cstr(a, sid));
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    st = store_stmt(db, "SELECT egress, number, proto, action, cidr, cidr6, from_val, to_val FROM nacl_entry WHERE "
                        "account = ?1 AND region = ?2 AND acl_id = ?3 ORDER BY egress DESC, number");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        bool egress = sqlite3_column_int(st, 0);
        int num = sqlite3_column_int(st, 1);
        str_t proto = store_col_str(a, st, 2), action = store_col_str(a, st, 3);
        val_t *e = val_new(a, VAL_STRUCT);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            str_t c = store_col_str(a, st, 4);
            val_set_c(a, e, "CidrBlock", val_str(a, c));
            ec2__field(f, "entry.cidr", ec2__cstr(a, c));
        }
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
            str_t c = store_col_str(a, st, 5);
            val_set_c(a, e, "Ipv6CidrBlock", val_str(a, c));
            ec2__field(f, "entry.ipv6-cidr", ec2__cstr(a, c));
        }
        val_set_c(a, e, "Egress", val_bool(a, egress));
        if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
            int from = sqlite3_column_int(st, 6), to = sqlite3_column_int(st, 7);
            val_t *pr = val_new(a, VAL_STRUCT);
            bool icmp = str_eq_c(proto, "1") || str_eq_c(proto, "58");
            val_set_c(a, pr, icmp ? "Code" : "From", val_int(a, icmp ? to : from));
            val_set_c(a, pr, icmp ? "Type" : "To", val_int(a, icmp ? from : to));
            val_set_c(a, e, icmp ? "IcmpTypeCode" : "PortRange", pr);
            if (!icmp) {
                ec2__field(f, "entry.port-range.from", arena_printf(a, "%d", from));
                ec2__field(f, "entry.port-range.to", arena_printf(a, "%d", to));
            }
        }
        val_set_c(a, e, "Protocol", val_str(a, proto));
        val_set_c(a, e, "RuleAction", val_str(a, action));
        val_set_c(a, e, "RuleNumber", val_int(a, num));
        val_push(a, entries, e);
        ec2__field(f, "entry.egress", egress ? "true" : "false");
        ec2__field(f, "entry.protocol", ec2__cstr(a, proto));
        ec2__field(f, "entry.rule-action", ec2__cstr(a, action));
        ec2__field(f, "entry.rule-number", arena_printf(a, "%d", num));
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    val_set_c(a, v, "Associations", assocs);
    val_set_c(a, v, "Entries", entries);
    val_set_c(a, v, "IsDefault", val_bool(a, def));
    val_set_c(a, v, "NetworkAclId", val_str(a, id));
    val_t *tags = ec2__tags_of(r, db, id);
    val_set_c(a, v, "Tags", tags ? tags : val_new(a, VAL_LIST));
    val_set_c(a, v, "VpcId", val_str(a, vpc));
    val_set_c(a, v, "OwnerId", val_str(a, r->who.account));
    ec2__field(f, "network-acl-id", ec2__cstr(a, id));
    ec2__field(f, "vpc-id", ec2__cstr(a, vpc));
    ec2__field(f, "default", def ? "true" : "false");
    ec2__field(f, "owner-id", ec2__cstr(a, r->who.account));
    ec2__field_tags(f, tags);
    return v;
}

static int answer_acl(req_t *r, sqlite3 *db, const char *id, val_t *out)
{
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(r->arena, "%sWHERE account = ?1 AND region = ?2 AND id = ?3", ACL_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    ec2__fields_t f;
    val_t *v = sqlite3_step(st) == SQLITE_ROW ? acl_value(r, db, st, &f) : NULL;
    if (store_release(st) != SQLITE_OK || !v) return GR_ERR;
    return val_set_c(r->arena, out, "NetworkAcl", v);
}

int ec2_describe_network_acls(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"association.association-id",
                                        "association.network-acl-id",
                                        "association.subnet-id",
                                        "default",
                                        "entry.cidr",
                                        "entry.ipv6-cidr",
                                        "entry.egress",
                                        "entry.port-range.from",
                                        "entry.port-range.to",
                                        "entry.protocol",
                                        "entry.rule-action",
                                        "entry.rule-number",
                                        "network-acl-id",
                                        "owner-id",
                                        "vpc-id",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "NetworkAclIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "nacl", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, arena_printf(a, "%sWHERE account = ?1 AND region = ?2 ORDER BY seq", ACL_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        if (!ec2__named(ids, store_col_str(a, st, 0))) continue;
        ec2__fields_t f;
        val_t *v = acl_value(r, db, st, &f);
        ok = v != NULL;
        if (v && ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    return ec2__page(r, in, out, "NetworkAcls", list, 5);
}

/* ==== ACLs ==== */

int ec2_create_network_acl(req_t *r, const val_t *in, val_t *out)
{
    str_t vpc = val_get_str(in, "VpcId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", vpc) != GR_OK) return GR_ERR;
    const char *id = ec2__new_id(r->arena, "acl");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = insert_acl(r, db, id, ec2__cstr(r->arena, vpc), false) &&
              ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "network-acl", id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return answer_acl(r, db, id, out);
}

/* Whether ACL id is its VPC's default one, and how many subnets it has:
 * GR_OK, or r failed (unknown id, store failure). */
static int acl_state(req_t *r, sqlite3 *db, str_t id, bool *def, int64_t *subnets)
{
    if (ec2__need(r, db, "nacl", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT is_default, (SELECT count(*) FROM nacl_assoc WHERE account = ?1 AND "
                                      "region = ?2 AND acl_id = ?3) FROM nacl WHERE account = ?1 AND region = ?2 AND "
                                      "id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    bool row = sqlite3_step(st) == SQLITE_ROW;
    *def = row && sqlite3_column_int(st, 0);
    *subnets = row ? sqlite3_column_int64(st, 1) : 0;
    return store_release(st) == SQLITE_OK && row ? GR_OK : GR_ERR;
}

int ec2_delete_network_acl(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "NetworkAclId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    bool def;
    int64_t subnets;
    if (acl_state(r, db, id, &def, &subnets) != GR_OK) return GR_ERR;
    /* AWS (recorded): InvalidParameterValue "cannot delete default network
     * ACL acl-1". */
    if (def) return req_fail(r, &ERR_InvalidParameterValue, "cannot delete default network ACL %.*s", STR_FMT(id));
    /* AWS: "The networkAcl 'acl-1' has dependencies and cannot be deleted."
     * (the form of the other kinds' texts; not on record for ACLs). */
    if (subnets)
        return req_fail(r, &E_Dependency, "The networkAcl '%.*s' has dependencies and cannot be deleted.", STR_FMT(id));
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region), *cid = ec2__cstr(a, id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db, "DELETE FROM nacl_entry WHERE account = ?1 AND region = ?2 AND acl_id = ?3", acct, reg, cid) &&
              EXEC(db, "DELETE FROM nacl WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg, cid) &&
              ec2__tags_drop(r, db, id) == GR_OK;
    return ec2__end(db, ok);
}

int ec2_replace_network_acl_association(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t assoc = val_get_str(in, "AssociationId"), acl = val_get_str(in, "NetworkAclId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT s.vpc_id, x.subnet_id FROM nacl_assoc x JOIN subnet s ON s.account = "
                                      "x.account AND s.region = x.region AND s.id = x.subnet_id WHERE x.account = ?1 "
                                      "AND x.region = ?2 AND x.id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, assoc);
    bool row = sqlite3_step(st) == SQLITE_ROW;
    const char *vpc = row ? ec2__cstr(a, store_col_str(a, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "The association ID 'aclassoc-1' does not exist". */
    if (!vpc) return req_fail(r, &E_AssocNF, "The association ID '%.*s' does not exist", STR_FMT(assoc));
    if (ec2__need(r, db, "nacl", acl) != GR_OK) return GR_ERR;
    st = store_stmt(db, "SELECT vpc_id FROM nacl WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, acl);
    bool same = sqlite3_step(st) == SQLITE_ROW && str_eq_c(store_col_str(a, st, 0), vpc);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: the ACL must be of the subnet's VPC (text not on record). */
    if (!same)
        return req_fail(r, &ERR_InvalidParameterValue, "Network ACL %.*s and association %.*s belong to different VPCs",
                        STR_FMT(acl), STR_FMT(assoc));
    const char *nid = ec2__new_id(a, "aclassoc");
    bool ok = EXEC(db, "UPDATE nacl_assoc SET id = ?4, acl_id = ?5 WHERE account = ?1 AND region = ?2 AND id = ?3",
                   ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), ec2__cstr(a, assoc), nid, ec2__cstr(a, acl));
    if (!ok) return GR_ERR;
    return val_set_c(a, out, "NewAssociationId", val_cstr(a, nid));
}

/* ==== Entries ==== */

/* Create (replace false) or Replace (true) an entry. */
static int put_entry(req_t *r, const val_t *in, bool replace)
{
    arena_t *a = r->arena;
    str_t acl = val_get_str(in, "NetworkAclId"), ps = val_get_str(in, "Protocol"),
          action = val_get_str(in, "RuleAction"), cidr = val_get_str(in, "CidrBlock"),
          cidr6 = val_get_str(in, "Ipv6CidrBlock");
    int64_t num = val_get_int(in, "RuleNumber", 0);
    bool egress = val_get_bool(in, "Egress", false);
    /* AWS: rule numbers 1..32766 (32767 is the "*" rule); text not on
     * record. */
    if (num < 1 || num > 32766)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%lld) for parameter ruleNumber is invalid. Rule numbers must be between 1 and 32766.",
                        (long long)num);
    const char *proto = ec2__protocol(a, ps, false);
    if (!proto)
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value '%.*s' for IP protocol. Unknown protocol.",
                        STR_FMT(ps));
    if (!str_eq_c(action, "allow") && !str_eq_c(action, "deny"))
        return req_fail(r, &ERR_InvalidParameterValue, "Value (%.*s) for parameter ruleAction is invalid.",
                        STR_FMT(action));
    ec2__cidr_t c;
    if (!cidr.p == !cidr6.p)
        return req_fail(r, &ERR_MissingParameter, "The request must contain exactly one of cidrBlock or ipv6CidrBlock");
    if (cidr.p && !ec2__cidr_parse(cidr, &c))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%.*s) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
                        STR_FMT(cidr));
    const val_t *range = val_get(in, "PortRange"), *icmp = val_get(in, "IcmpTypeCode");
    const char *from = NULL, *to = NULL;
    bool is_icmp = !strcmp(proto, "1") || !strcmp(proto, "58");
    if ((!strcmp(proto, "6") || !strcmp(proto, "17"))) {
        /* AWS: TCP and UDP entries need a port range (text not on record). */
        if (!range || !val_get(range, "From") || !val_get(range, "To"))
            return req_fail(r, &ERR_InvalidParameterValue, "TCP and UDP entries require a PortRange (From and To).");
        int64_t f = val_get_int(range, "From", -1), t = val_get_int(range, "To", -1);
        if (f < 0 || t > 65535 || f > t)
            return req_fail(r, &ERR_InvalidParameterValue, "Invalid port range %lld-%lld.", (long long)f, (long long)t);
        from = arena_printf(a, "%lld", (long long)f), to = arena_printf(a, "%lld", (long long)t);
    } else if (is_icmp) {
        if (!icmp)
            return req_fail(r, &ERR_InvalidParameterValue, "ICMP entries require an IcmpTypeCode (Type and Code).");
        from = arena_printf(a, "%lld", (long long)val_get_int(icmp, "Type", -1));
        to = arena_printf(a, "%lld", (long long)val_get_int(icmp, "Code", -1));
    }
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "nacl", acl) != GR_OK) return GR_ERR;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region), *cacl = ec2__cstr(a, acl),
               *eg = egress ? "1" : "0", *cnum = arena_printf(a, "%lld", (long long)num);
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM nacl_entry WHERE account = ?1 AND region = ?2 AND acl_id = ?3 "
                                      "AND egress = ?4 AND number = ?5");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, acl);
    sqlite3_bind_int(st, 4, egress);
    sqlite3_bind_int64(st, 5, num);
    bool exists = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): NetworkAclEntryAlreadyExists "The network acl entry
     * identified by 100 already exists."; InvalidNetworkAclEntry.NotFound
     * "no ingress entry with number 120". */
    if (exists && !replace)
        return req_fail(r, &E_EntryExists, "The network acl entry identified by %lld already exists.", (long long)num);
    if (!exists && replace)
        return req_fail(r, &E_EntryNF, "no %s entry with number %lld", egress ? "egress" : "ingress", (long long)num);
    bool ok =
        EXEC(db,
             "INSERT OR REPLACE INTO nacl_entry (account, region, acl_id, egress, number, proto, action, cidr, "
             "cidr6, from_val, to_val) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
             acct, reg, cacl, eg, cnum, proto, ec2__cstr(a, action), ec2__cstr(a, cidr), ec2__cstr(a, cidr6), from, to);
    return ok ? GR_OK : GR_ERR;
}

int ec2_create_network_acl_entry(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return put_entry(r, in, false);
}

int ec2_replace_network_acl_entry(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return put_entry(r, in, true);
}

int ec2_delete_network_acl_entry(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t acl = val_get_str(in, "NetworkAclId");
    int64_t num = val_get_int(in, "RuleNumber", 0);
    bool egress = val_get_bool(in, "Egress", false);
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "nacl", acl) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM nacl_entry WHERE account = ?1 AND region = ?2 AND acl_id = ?3 AND "
                                      "egress = ?4 AND number = ?5 AND number != 32767");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, acl);
    sqlite3_bind_int(st, 4, egress);
    sqlite3_bind_int64(st, 5, num);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    int n = sqlite3_changes(db);
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    if (!n)
        return req_fail(r, &E_EntryNF, "no %s entry with number %lld", egress ? "egress" : "ingress", (long long)num);
    return GR_OK;
}
