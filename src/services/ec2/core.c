/* core.c — what every EC2 networking operation shares: the store
 * connection, the region's default VPC, resource ids, CIDR blocks, zones,
 * tags (CreateTags, DeleteTags, DescribeTags and TagSpecifications),
 * Describe* filters and paging, and DescribeAccountAttributes.
 *
 * AWS: every account has a default VPC in each region, 172.31.0.0/16 with a
 * default /20 subnet in each availability zone, an internet gateway and a
 * main route table sending 0.0.0.0/0 to it ("Default VPCs", Amazon VPC User
 * Guide). gureum makes it the first time an EC2 networking operation of the
 * account reaches the region. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/regions.h"
#include "ec2_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

const aws_errdef_t ec2__E_state = {"IncorrectInstanceState", 400, true};
const aws_errdef_t ec2__E_combination = {"InvalidParameterCombination", 400, true};

/* ==== Store ==== */

sqlite3 *ec2__db(struct app *app)
{
    return store_db(app->store, &schema_ec2);
}

int ec2__begin(sqlite3 *db)
{
    return store_exec(db, "BEGIN IMMEDIATE");
}

int ec2__end(sqlite3 *db, bool ok)
{
    if (ok && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    store_exec(db, "ROLLBACK");
    return GR_ERR;
}

const char *ec2__new_id(arena_t *a, const char *prefix)
{
    char hex[18];
    id_random_chars(hex, 17, "0123456789abcdef");
    return arena_printf(a, "%s-%s", prefix, hex);
}

int64_t ec2__seq(void)
{
    return time_now_us();
}

/* ==== The default VPC ==== */

static bool make_default_vpc(req_t *r, sqlite3 *db, const char *acct, const char *reg)
{
    arena_t *a = r->arena;
    const region_t *rg = region_find(str_c(reg));
    const char *vpc = ec2__new_id(a, "vpc"), *igw = ec2__new_id(a, "igw"), *rtb = ec2__new_id(a, "rtb");
    const char *dhcp = ec2__new_id(a, "dopt");
    const char *seq = arena_printf(a, "%lld", (long long)ec2__seq());
    bool ok = EXEC(db, "INSERT INTO region_init (account, region, dhcp_id) VALUES (?1, ?2, ?3)", acct, reg, dhcp);
    ok = ok && EXEC(db,
                    "INSERT INTO vpc (account, region, id, cidr, is_default, tenancy, dhcp_id, dns_support, "
                    "dns_hostnames) VALUES (?1, ?2, ?3, '172.31.0.0/16', 1, 'default', ?4, 1, 1)",
                    acct, reg, vpc, dhcp);
    ok = ok && EXEC(db,
                    "INSERT INTO vpc_cidr (account, region, assoc_id, vpc_id, cidr, seq) "
                    "VALUES (?1, ?2, ?3, ?4, '172.31.0.0/16', 0)",
                    acct, reg, ec2__new_id(a, "vpc-cidr-assoc"), vpc);
    size_t nz = rg ? strlen(rg->letters) : 0;
    /* AWS: a default subnet per zone, /20 blocks of 172.31.0.0/16 in order. */
    for (size_t k = 0; ok && k < nz && k < 16; k++) {
        const char *zone = arena_printf(a, "%s%c", reg, rg->letters[k]);
        const char *cidr = arena_printf(a, "172.31.%zu.0/20", k * 16);
        ok = EXEC(db,
                  "INSERT INTO subnet (account, region, id, vpc_id, cidr, zone, default_for_az, map_public, seq) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 1, ?7)",
                  acct, reg, ec2__new_id(a, "subnet"), vpc, cidr, zone, arena_printf(a, "%zu", k));
    }
    ok = ok && EXEC(db, "INSERT INTO igw (account, region, id, vpc_id, seq) VALUES (?1, ?2, ?3, ?4, ?5)", acct, reg,
                    igw, vpc, seq);
    ok = ok && EXEC(db, "INSERT INTO rtb (account, region, id, vpc_id, seq) VALUES (?1, ?2, ?3, ?4, ?5)", acct, reg,
                    rtb, vpc, seq);
    ok = ok && EXEC(db,
                    "INSERT INTO rtb_assoc (account, region, id, rtb_id, vpc_id, subnet_id, main) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, NULL, 1)",
                    acct, reg, ec2__new_id(a, "rtbassoc"), rtb, vpc);
    ok = ok && EXEC(db,
                    "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) "
                    "VALUES (?1, ?2, ?3, '172.31.0.0/16', 'local', 'CreateRouteTable', 0)",
                    acct, reg, rtb);
    ok = ok && EXEC(db,
                    "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) "
                    "VALUES (?1, ?2, ?3, '0.0.0.0/0', ?4, 'CreateRoute', 1)",
                    acct, reg, rtb, igw);
    return ok && ec2__vpc_born(r, db, vpc);
}

static int region_ready(req_t *r, sqlite3 *db)
{
    const char *acct = arena_strndup(r->arena, r->who.account.p, r->who.account.len);
    const char *reg = arena_strndup(r->arena, r->region.p, r->region.len);
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM region_init WHERE account = ?1 AND region = ?2");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return -1;
    if (rc == SQLITE_ROW) return 1;
    if (ec2__begin(db) != GR_OK) return -1;
    /* Another loop may have made it between the look and the lock. */
    st = store_stmt(db, "SELECT 1 FROM region_init WHERE account = ?1 AND region = ?2");
    if (!st) return ec2__end(db, false), -1;
    sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return ec2__end(db, false), -1;
    bool ok = rc == SQLITE_ROW || make_default_vpc(r, db, acct, reg);
    return ec2__end(db, ok) == GR_OK ? 1 : -1;
}

sqlite3 *ec2__ready(req_t *r)
{
    sqlite3 *db = ec2__db(r->app);
    if (!db || region_ready(r, db) < 0) return NULL;
    return db;
}

const char *ec2__cstr(arena_t *a, str_t s)
{
    return s.p ? arena_strndup(a, s.p, s.len) : NULL;
}

const char *ec2__protocol(arena_t *a, str_t p, bool name)
{
    /* AWS: "tcp", "udp", "icmp", "icmpv6" or a protocol number; "-1" (or
     * "all") for every protocol. Security groups keep the names of the
     * four, ACL entries numbers. */
    static const struct {
        const char *name, *num;
    } named[] = {{"tcp", "6"}, {"udp", "17"}, {"icmp", "1"}, {"icmpv6", "58"}, {"-1", "-1"}, {"all", "-1"}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (str_eq_c(p, named[i].name) || str_eq_c(p, named[i].num))
            return name && strcmp(named[i].name, "all") ? named[i].name : named[i].num;
    if (!p.len || p.len > 3) return NULL;
    int n = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.p[i] < '0' || p.p[i] > '9') return NULL;
        n = n * 10 + (p.p[i] - '0');
    }
    return n <= 255 ? arena_printf(a, "%d", n) : NULL;
}

/* ==== CIDR blocks and zones ==== */

bool ec2__cidr_parse(str_t s, ec2__cidr_t *c)
{
    char buf[32];
    if (!s.p || s.len == 0 || s.len >= sizeof buf) return false;
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    unsigned o[4], len;
    char tail;
    if (sscanf(buf, "%3u.%3u.%3u.%3u/%2u%c", &o[0], &o[1], &o[2], &o[3], &len, &tail) != 5) return false;
    for (int i = 0; i < 4; i++)
        if (o[i] > 255) return false;
    /* digits only: sscanf would take "+1" or " 1" */
    for (size_t i = 0; i < s.len; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == '/')) return false;
    if (len > 32) return false;
    uint32_t net = o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3];
    uint32_t mask = len ? ~0u << (32 - len) : 0;
    if (net & ~mask) return false;
    c->net = net;
    c->len = (int)len;
    return true;
}

static uint32_t mask_of(int len)
{
    return len ? ~0u << (32 - len) : 0;
}

bool ec2__cidr_overlap(ec2__cidr_t a, ec2__cidr_t b)
{
    uint32_t m = mask_of(a.len < b.len ? a.len : b.len);
    return (a.net & m) == (b.net & m);
}

bool ec2__cidr_within(ec2__cidr_t inner, ec2__cidr_t outer)
{
    return inner.len >= outer.len && (inner.net & mask_of(outer.len)) == outer.net;
}

const char *ec2__zone_id(req_t *r, const char *zone)
{
    const region_t *rg = region_find(r->region);
    if (!rg) return NULL;
    size_t n = strlen(rg->name);
    if (strncmp(zone, rg->name, n) != 0 || strlen(zone) != n + 1) return NULL;
    const char *at = strchr(rg->letters, zone[n]);
    if (!at || !*at) return NULL;
    return arena_printf(r->arena, "%s-az%zu", rg->code, (size_t)(at - rg->letters) + 1);
}

const char *ec2__zone_list(req_t *r)
{
    const region_t *rg = region_find(r->region);
    buf_t b;
    buf_init(&b, r->arena);
    for (size_t k = 0; rg && rg->letters[k]; k++) buf_printf(&b, "%s%s%c", k ? ", " : "", rg->name, rg->letters[k]);
    str_t s = buf_str(&b);
    return arena_strndup(r->arena, s.p ? s.p : "", s.len);
}

/* ==== Existence and refusals ==== */

int ec2__not_found(req_t *r, const char *code, const char *kind, str_t id)
{
    /* AWS's Invalid<Kind>ID.NotFound codes are not in the model: made here,
     * 400 and the sender's fault, as AWS answers them. */
    aws_errdef_t *d = ARENA_NEW(r->arena, aws_errdef_t);
    *d = (aws_errdef_t){code, 400, true};
    return req_fail(r, d, "The %s ID '%.*s' does not exist", kind, STR_FMT(id));
}

int ec2__exists(req_t *r, sqlite3 *db, const char *table, str_t id)
{
    const char *sql = arena_printf(r->arena, "SELECT 1 FROM %s WHERE account = ?1 AND region = ?2 AND id = ?3", table);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return -1;
    return rc == SQLITE_ROW;
}

int ec2_subnet_info(struct app *app, str_t account, str_t region, str_t subnet_id, arena_t *a, ec2_subnet_info_t *out)
{
    sqlite3 *db = ec2__db(app);
    if (!db) return -1;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT vpc_id, zone, cidr FROM subnet WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, subnet_id);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        out->vpc_id = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        out->zone = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        out->cidr = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
    }
    return store_release(st) == SQLITE_OK ? found : -1;
}

/* ==== Tags ==== */

static const aws_errdef_t E_TagLimit = {"TagLimitExceeded", 400, true};
static const aws_errdef_t E_InvalidID = {"InvalidID", 400, true};

bool ec2__tag_aws(req_t *r, sqlite3 *db, const char *id, const char *key, const char *value)
{
    return EXEC(db,
                "INSERT INTO tag (account, region, res_id, key, value, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON "
                "CONFLICT (account, region, res_id, key) DO UPDATE SET value = excluded.value",
                ec2__cstr(r->arena, r->who.account), ec2__cstr(r->arena, r->region), id, key, value,
                arena_printf(r->arena, "%lld", (long long)ec2__seq()));
}

int ec2__tags_put(req_t *r, sqlite3 *db, str_t id, const val_t *tags)
{
    for (size_t i = 0; i < val_len(tags); i++) {
        str_t k = val_get_str(tags->u.list.v[i], "Key");
        /* AWS (EC2 User Guide, "Tag restrictions"): keys up to 128
         * characters, values up to 256, "aws:" reserved. */
        if (!k.p || k.len == 0 || k.len > 128)
            return req_fail(r, &ERR_InvalidParameterValue, "Tag key exceeds the maximum length of 128 characters");
        /* gureum's own runners add AWS's tags (aws:autoscaling:groupName) */
        if (!r->internal && k.len >= 4 && strncasecmp(k.p, "aws:", 4) == 0)
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Tag keys starting with 'aws:' are reserved for internal use");
        if (val_get_str(tags->u.list.v[i], "Value").len > 256)
            return req_fail(r, &ERR_InvalidParameterValue, "Tag value exceeds the maximum length of 256 characters");
    }
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO tag (account, region, res_id, key, value, seq) VALUES (?1, ?2, ?3, "
                                      "?4, ?5, ?6) ON CONFLICT (account, region, res_id, key) DO UPDATE SET value = "
                                      "excluded.value");
    if (!st) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(tags); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, id);
        store_bind_str(st, 4, val_get_str(tags->u.list.v[i], "Key"));
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        store_bind_str(st, 5, v.p ? v : str_c(""));
        sqlite3_bind_int64(st, 6, ec2__seq());
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    st = store_stmt(db, "SELECT count(*) FROM tag WHERE account = ?1 AND region = ?2 AND res_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK || n < 0) return GR_ERR;
    /* AWS: at most 50 tags per resource. */
    if (n > 50) return req_fail(r, &E_TagLimit, "The maximum number of tags for a resource (50) has been reached.");
    return GR_OK;
}

int ec2__tags_apply(req_t *r, sqlite3 *db, const val_t *specs, const char *type, const char *id)
{
    for (size_t i = 0; i < val_len(specs); i++) {
        const val_t *s = specs->u.list.v[i];
        str_t t = val_get_str(s, "ResourceType");
        /* AWS: a TagSpecification of another resource type is refused. */
        if (!str_eq_c(t, type))
            return req_fail(r, &ERR_InvalidParameterValue,
                            "'%.*s' is not a valid taggable resource type for this operation.", STR_FMT(t));
        if (ec2__tags_put(r, db, str_c(id), val_get(s, "Tags")) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

val_t *ec2__tags_of(req_t *r, sqlite3 *db, str_t id)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT key, value FROM tag WHERE account = ?1 AND region = ?2 AND res_id = ?3 ORDER BY seq");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    val_t *list = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!list) list = val_new(a, VAL_LIST);
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, list, t);
    }
    store_release(st);
    return list;
}

int ec2__tags_drop(req_t *r, sqlite3 *db, str_t id)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int rc = sqlite3_step(st);
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* The kind of a taggable id, by its prefix: the table it lives in and the
 * resource type AWS names it with. */
static const struct {
    const char *prefix, *table, *type, *code, *kind;
    const char *text; /* the NotFound text when not "The <kind> ID '<id>' does not exist" */
} kinds[] = {
    {"vpc-", "vpc", "vpc", "InvalidVpcID.NotFound", "vpc"},
    {"subnet-", "subnet", "subnet", "InvalidSubnetID.NotFound", "subnet"},
    {"igw-", "igw", "internet-gateway", "InvalidInternetGatewayID.NotFound", "internetGateway"},
    {"rtb-", "rtb", "route-table", "InvalidRouteTableID.NotFound", "routeTable"},
    /* AWS (recorded): "The security group 'sg-1' does not exist". */
    {"sg-", "sg", "security-group", "InvalidGroup.NotFound", NULL, "The security group '%.*s' does not exist"},
    {"sgr-", "sg_rule", "security-group-rule", "InvalidSecurityGroupRuleId.NotFound", NULL,
     "The security group rule ID '%.*s' does not exist"},
    /* AWS (recorded): "The key pair ID 'key-1' does not exist". */
    {"key-", "keypair", "key-pair", "InvalidKeyPair.NotFound", NULL, "The key pair ID '%.*s' does not exist"},
    /* AWS (recorded): "The networkAcl ID 'acl-1' does not exist". */
    {"acl-", "nacl", "network-acl", "InvalidNetworkAclID.NotFound", "networkAcl", NULL},
    /* AWS (recorded): "The allocation ID 'eipalloc-1' does not exist". */
    {"eipalloc-", "address", "elastic-ip", "InvalidAllocationID.NotFound", NULL,
     "The allocation ID '%.*s' does not exist"},
    /* AWS (recorded by clients): InvalidDhcpOptionID.NotFound. */
    {"dopt-", "dopt", "dhcp-options", "InvalidDhcpOptionID.NotFound", "dhcpOption", NULL},
    /* AWS (recorded): "The instance ID 'i-1' does not exist". */
    {"i-", "instance", "instance", "InvalidInstanceID.NotFound", "instance", NULL},
    /* AWS (recorded): "The image id '[ami-1]' does not exist" (an
     * account's own images; the public ones are not rows). */
    {"ami-", "image", "image", "InvalidAMIID.NotFound", NULL, "The image id '[%.*s]' does not exist"},
    /* AWS (recorded) */
    {"lt-", "launch_template", "launch-template", "InvalidLaunchTemplateId.NotFound", NULL,
     "The specified launch template, with template ID %.*s, does not exist."},
};

/* The kind of a well-formed id: its prefix, then 8 or 17 hexadecimal
 * digits (AWS's short and long ids); -1 for anything else ("ami-blah"). */
static int kind_of(str_t id)
{
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        str_t pre = str_c(kinds[k].prefix);
        if (!str_starts_with(id, pre)) continue;
        size_t n = id.len - pre.len;
        bool hex = n == 8 || n == 17;
        for (size_t i = pre.len; hex && i < id.len; i++)
            hex = (id.p[i] >= '0' && id.p[i] <= '9') || (id.p[i] >= 'a' && id.p[i] <= 'f');
        return hex ? (int)k : -1;
    }
    return -1;
}

/* Every resource named exists: GR_OK, or r failed as AWS answers. */
static int resources_exist(req_t *r, sqlite3 *db, const val_t *ids)
{
    for (size_t i = 0; i < val_len(ids); i++) {
        str_t id = ids->u.list.v[i]->u.s;
        int k = kind_of(id);
        /* AWS: InvalidID "The ID 'x' is not valid" for an id of no kind it knows. */
        if (k < 0) return req_fail(r, &E_InvalidID, "The ID '%.*s' is not valid", STR_FMT(id));
        if (ec2__need(r, db, kinds[k].table, id) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

static int kind_by_table(const char *table)
{
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (strcmp(kinds[k].table, table) == 0) return (int)k;
    return -1;
}

int ec2__need(req_t *r, sqlite3 *db, const char *table, str_t id)
{
    int e = ec2__exists(r, db, table, id);
    if (e < 0) return GR_ERR;
    if (e) return GR_OK;
    int k = kind_by_table(table);
    if (!kinds[k].text) return ec2__not_found(r, kinds[k].code, kinds[k].kind, id);
    aws_errdef_t *d = ARENA_NEW(r->arena, aws_errdef_t);
    *d = (aws_errdef_t){kinds[k].code, 400, true};
    return req_fail(r, d, kinds[k].text, STR_FMT(id));
}

int ec2__need_all(req_t *r, sqlite3 *db, const char *table, const val_t *ids)
{
    for (size_t i = 0; i < val_len(ids); i++)
        if (ec2__need(r, db, table, ids->u.list.v[i]->u.s) != GR_OK) return GR_ERR;
    return GR_OK;
}

bool ec2__named(const val_t *ids, str_t id)
{
    if (!val_len(ids)) return true;
    for (size_t i = 0; i < val_len(ids); i++)
        if (str_eq(ids->u.list.v[i]->u.s, id)) return true;
    return false;
}

int ec2_create_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const val_t *ids = val_get(in, "Resources");
    if (resources_exist(r, db, ids) != GR_OK) return GR_ERR;
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    int rc = GR_OK;
    for (size_t i = 0; rc == GR_OK && i < val_len(ids); i++)
        rc = ec2__tags_put(r, db, ids->u.list.v[i]->u.s, val_get(in, "Tags"));
    if (ec2__end(db, rc == GR_OK) != GR_OK) return GR_ERR;
    return GR_OK;
}

int ec2_delete_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const val_t *ids = val_get(in, "Resources"), *tags = val_get(in, "Tags");
    if (resources_exist(r, db, ids) != GR_OK) return GR_ERR;
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(ids); i++) {
        str_t id = ids->u.list.v[i]->u.s;
        /* AWS: no Tags deletes them all; a Tag with a Value deletes it only
         * when the value matches. */
        if (!tags) {
            ok = ec2__tags_drop(r, db, id) == GR_OK;
            continue;
        }
        sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id = ?3 AND "
                                          "key = ?4 AND (?5 IS NULL OR value = ?5)");
        ok = st != NULL;
        for (size_t k = 0; ok && k < val_len(tags); k++) {
            sqlite3_reset(st);
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            store_bind_str(st, 3, id);
            store_bind_str(st, 4, val_get_str(tags->u.list.v[k], "Key"));
            store_bind_str(st, 5, val_get_str(tags->u.list.v[k], "Value"));
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
        if (st) ok = store_release(st) == SQLITE_OK && ok;
    }
    return ec2__end(db, ok);
}

int ec2_describe_tags(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"key", "resource-id", "resource-type", "value", NULL};
    const val_t *filters = val_get(in, "Filters");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT res_id, key, value FROM tag WHERE account = ?1 AND region = ?2 "
                                      "ORDER BY res_id, key");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0), key = store_col_str(a, st, 1), value = store_col_str(a, st, 2);
        int k = kind_of(id);
        const char *type = k >= 0 ? kinds[k].type : "";
        ec2__fields_t f;
        ec2__fields_init(&f, a);
        ec2__field(&f, "key", arena_strndup(a, key.p, key.len));
        ec2__field(&f, "value", arena_strndup(a, value.p, value.len));
        ec2__field(&f, "resource-id", arena_strndup(a, id.p, id.len));
        ec2__field(&f, "resource-type", type);
        if (!ec2__filters_pass(filters, &f)) continue;
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, key));
        val_set_c(a, t, "ResourceId", val_str(a, id));
        val_set_c(a, t, "ResourceType", val_cstr(a, type));
        val_set_c(a, t, "Value", val_str(a, value));
        val_push(a, list, t);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "Tags", list, 5);
}

/* ==== Filters and paging ==== */

void ec2__fields_init(ec2__fields_t *f, arena_t *a)
{
    *f = (ec2__fields_t){.a = a};
}

void ec2__field(ec2__fields_t *f, const char *name, const char *value)
{
    if (!value) return;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        const char **nn = ARENA_NEWN(f->a, const char *, cap), **nv = ARENA_NEWN(f->a, const char *, cap);
        if (f->n) {
            memcpy(nn, f->name, f->n * sizeof *nn);
            memcpy(nv, f->value, f->n * sizeof *nv);
        }
        f->name = nn;
        f->value = nv;
        f->cap = cap;
    }
    f->name[f->n] = name;
    f->value[f->n++] = value;
}

void ec2__field_tags(ec2__fields_t *f, const val_t *tags)
{
    for (size_t i = 0; i < val_len(tags); i++) {
        str_t k = val_get_str(tags->u.list.v[i], "Key"), v = val_get_str(tags->u.list.v[i], "Value");
        const char *key = arena_strndup(f->a, k.p ? k.p : "", k.len),
                   *value = arena_strndup(f->a, v.p ? v.p : "", v.len);
        ec2__field(f, arena_printf(f->a, "tag:%s", key), value);
        ec2__field(f, "tag-key", key);
        ec2__field(f, "tag-value", value);
    }
}

bool ec2__value_matches(const val_t *values, const char *field)
{
    for (size_t i = 0; i < val_len(values); i++) {
        const val_t *v = values->u.list.v[i];
        if (v->kind != VAL_STR) continue;
        char pat[256];
        size_t n = v->u.s.len < sizeof pat - 1 ? v->u.s.len : sizeof pat - 1;
        memcpy(pat, v->u.s.p, n);
        pat[n] = 0;
        if (fnmatch(pat, field, 0) == 0) return true;
    }
    return false;
}

int ec2__filters_check(req_t *r, const val_t *filters, const char *const *known)
{
    for (size_t i = 0; i < val_len(filters); i++) {
        str_t name = val_get_str(filters->u.list.v[i], "Name");
        bool ok = str_starts_with(name, str_c("tag:")) || str_eq_c(name, "tag-key") || str_eq_c(name, "tag-value");
        for (size_t k = 0; !ok && known[k]; k++) ok = str_eq_c(name, known[k]);
        /* AWS: InvalidParameterValue "The filter 'x' is invalid" */
        if (!ok) return req_fail(r, &ERR_InvalidParameterValue, "The filter '%.*s' is invalid", STR_FMT(name));
    }
    return GR_OK;
}

bool ec2__filters_pass(const val_t *filters, const ec2__fields_t *f)
{
    for (size_t i = 0; i < val_len(filters); i++) {
        const val_t *flt = filters->u.list.v[i];
        str_t name = val_get_str(flt, "Name");
        const val_t *values = val_get(flt, "Values");
        bool hit = false;
        for (size_t k = 0; k < f->n && !hit; k++)
            if (str_eq_c(name, f->name[k])) hit = ec2__value_matches(values, f->value[k]);
        if (!hit) return false;
    }
    return true;
}

int ec2__page(req_t *r, const val_t *in, val_t *out, const char *member, val_t *list, int64_t min)
{
    arena_t *a = r->arena;
    long long off = 0;
    str_t tok = val_get_str(in, "NextToken");
    if (tok.p && (!str_to_i64(tok, &off) || off < 0))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value '%.*s' for nextToken.", STR_FMT(tok));
    int64_t max = val_get_int(in, "MaxResults", 0);
    if (val_get(in, "MaxResults") && (max < min || max > 1000))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value ( %lld ) for parameter maxResults is invalid. Expecting a value greater than %lld.",
                        (long long)max, (long long)(min - 1));
    size_t n = val_len(list);
    if (!max && !off) return val_set_c(a, out, member, list);
    val_t *page = val_new(a, VAL_LIST);
    size_t end = max ? (size_t)off + (size_t)max : n;
    for (size_t i = (size_t)off; i < n && i < end; i++) val_push(a, page, list->u.list.v[i]);
    if (end < n) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%zu", end)));
    return val_set_c(a, out, member, page);
}

/* ==== DescribeAccountAttributes ==== */

int ec2_describe_account_attributes(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM vpc WHERE account = ?1 AND region = ?2 AND is_default = 1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    str_t def = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : str_c("none");
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS's attributes and an account's default quotas (EC2 API Reference,
     * DescribeAccountAttributes). */
    const struct {
        const char *name, *values[2];
    } attrs[] = {
        {"supported-platforms", {"VPC", NULL}}, {"default-vpc", {arena_strndup(a, def.p, def.len), NULL}},
        {"max-instances", {"20", NULL}},        {"vpc-max-security-groups-per-interface", {"5", NULL}},
        {"max-elastic-ips", {"5", NULL}},       {"vpc-max-elastic-ips", {"5", NULL}},
    };
    const val_t *names = val_get(in, "AttributeNames");
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        bool want = !val_len(names);
        for (size_t k = 0; !want && k < val_len(names); k++) want = str_eq_c(names->u.list.v[k]->u.s, attrs[i].name);
        if (!want) continue;
        val_t *at = val_new(a, VAL_STRUCT), *vals = val_new(a, VAL_LIST);
        val_set_c(a, at, "AttributeName", val_cstr(a, attrs[i].name));
        for (size_t k = 0; k < 2 && attrs[i].values[k]; k++) {
            val_t *v = val_new(a, VAL_STRUCT);
            val_set_c(a, v, "AttributeValue", val_cstr(a, attrs[i].values[k]));
            val_push(a, vals, v);
        }
        val_set_c(a, at, "AttributeValues", vals);
        val_push(a, list, at);
    }
    return val_set_c(a, out, "AccountAttributes", list);
}
