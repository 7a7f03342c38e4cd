/* instance.c — EC2 instances and images: RunInstances, DescribeInstances,
 * DescribeInstanceStatus, Stop/Start/Terminate/RebootInstances,
 * GetConsoleOutput.
 *
 * These handlers only keep the rows and their states; boot.c, on the
 * ticker thread, makes the states true: an instance in "pending" is booted
 * as a real machine (runtime/machine.h) and then "running", one "stopping"
 * or "shutting-down" is killed and then "stopped" or "terminated".
 *
 * Images are image.c's. Addresses: a private address from
 * the subnet (its first four and last are AWS's own), and, where the subnet
 * maps public addresses or the request asks, a public one from 127.200.0.0/16
 * — a loopback address of the host, so that what the instance's security
 * groups open is reachable at PublicIpAddress:port from the host (boot.c
 * forwards it into the machine), as on AWS from the internet. Texts are
 * AWS's where said "recorded"; the others are not on record. */
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_KeyNF = {"InvalidKeyPair.NotFound", 400, true};
static const aws_errdef_t E_GroupNF = {"InvalidGroup.NotFound", 400, true};
static const aws_errdef_t E_NoDefaultVpc = {"VPCIdNotSpecified", 400, true};
static const aws_errdef_t E_Limit = {"InstanceLimitExceeded", 400, true};
static const aws_errdef_t E_NotPermitted = {"OperationNotPermitted", 400, true};
static const aws_errdef_t E_IpInUse = {"InvalidIPAddress.InUse", 400, true};
static const aws_errdef_t E_NoAddr = {"InsufficientFreeAddressesInSubnet", 400, true};

enum { INSTANCE_QUOTA = 20, USER_DATA_MAX = 16384 };

/* ==== Reading instances ==== */

/* The columns inst_value reads, in this order. */
#define INST_COLS                                                                                                      \
    "SELECT id, reservation, image_id, type, key_name, subnet_id, vpc_id, zone, private_ip, public_ip, eni_id, mac, "  \
    "state, reason, state_code, state_message, launched, client_token, launch_index, monitoring, ebs_optimized, "      \
    "source_dest FROM instance "

int ec2__state_code(const char *state)
{
    static const struct {
        const char *name;
        int code;
    } codes[] = {{"pending", 0},     {"running", 16},  {"shutting-down", 32},
                 {"terminated", 48}, {"stopping", 64}, {"stopped", 80}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (!strcmp(state, codes[i].name)) return codes[i].code;
    return 0;
}

static val_t *state_value(arena_t *a, const char *state)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Code", val_int(a, ec2__state_code(state)));
    val_set_c(a, v, "Name", val_cstr(a, state));
    return v;
}

/* AWS's host names: ip-10-0-1-5.ec2.internal in us-east-1, else
 * ip-10-0-1-5.REGION.compute.internal; public ones ec2-1-2-3-4.compute-1
 * .amazonaws.com and ec2-1-2-3-4.REGION.compute.amazonaws.com. */
const char *ec2__dns_name(arena_t *a, str_t region, const char *ip, bool public)
{
    char dashed[16];
    snprintf(dashed, sizeof dashed, "%s", ip);
    for (char *p = dashed; *p; p++)
        if (*p == '.') *p = '-';
    bool use1 = str_eq_c(region, "us-east-1");
    if (!public)
        return use1 ? arena_printf(a, "ip-%s.ec2.internal", dashed)
                    : arena_printf(a, "ip-%s.%.*s.compute.internal", dashed, STR_FMT(region));
    return use1 ? arena_printf(a, "ec2-%s.compute-1.amazonaws.com", dashed)
                : arena_printf(a, "ec2-%s.%.*s.compute.amazonaws.com", dashed, STR_FMT(region));
}

/* The instance's security groups as GroupIdentifiers (in f too). */
static val_t *groups_of(req_t *r, sqlite3 *db, str_t id, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, "SELECT s.id, s.name FROM instance_sg i JOIN sg s ON s.account = i.account AND "
                                      "s.region = i.region AND s.id = i.group_id WHERE i.account = ?1 AND "
                                      "i.region = ?2 AND i.instance_id = ?3 ORDER BY i.seq");
    if (!st) return list;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *gid = (const char *)sqlite3_column_text(st, 0), *gname = (const char *)sqlite3_column_text(st, 1);
        val_t *g = val_new(a, VAL_STRUCT);
        val_set_c(a, g, "GroupName", val_cstr(a, arena_strdup(a, gname)));
        val_set_c(a, g, "GroupId", val_cstr(a, arena_strdup(a, gid)));
        val_push(a, list, g);
        const char *names[] = {"instance.group-id", "group-id", "network-interface.group-id"};
        for (size_t k = 0; k < 3; k++) ec2__field(f, names[k], arena_strdup(a, gid));
        ec2__field(f, "instance.group-name", arena_strdup(a, gname));
        ec2__field(f, "group-name", arena_strdup(a, gname));
    }
    store_release(st);
    return list;
}

static bool vpc_dns_hostnames(req_t *r, sqlite3 *db, str_t vpc)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT dns_hostnames FROM vpc WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    bool on = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    store_release(st);
    return on;
}

static bool elastic(req_t *r, sqlite3 *db, const char *ip)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM address WHERE account = ?1 AND region = ?2 AND public_ip = ?3");
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, ip, -1, SQLITE_STATIC);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return yes;
}

static val_t *inst_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    ec2__fields_init(f, a);
    const char *c[22];
    for (int i = 0; i < 22; i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
    }
    const char *id = c[0], *res = c[1], *image = c[2], *type = c[3], *key = c[4], *subnet = c[5], *vpc = c[6],
               *zone = c[7], *pip = c[8], *pub = c[9], *eni = c[10], *mac = c[11], *state = c[12], *reason = c[13];
    int64_t launched = sqlite3_column_int64(st, 16);
    bool mon = sqlite3_column_int(st, 19), ebsopt = sqlite3_column_int(st, 20), sdc = sqlite3_column_int(st, 21);
    bool live = strcmp(state, "terminated") != 0;
    const char *pdns = live ? ec2__dns_name(a, r->region, pip, false) : "";
    const char *pubdns = pub && vpc_dns_hostnames(r, db, str_c(vpc)) ? ec2__dns_name(a, r->region, pub, true) : "";
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "AmiLaunchIndex", val_int(a, sqlite3_column_int(st, 18)));
    val_set_c(a, v, "ImageId", val_cstr(a, image));
    val_set_c(a, v, "InstanceId", val_cstr(a, id));
    val_set_c(a, v, "InstanceType", val_cstr(a, type));
    if (key) val_set_c(a, v, "KeyName", val_cstr(a, key));
    val_set_c(a, v, "LaunchTime", val_time(a, launched));
    val_t *m = val_new(a, VAL_STRUCT);
    val_set_c(a, m, "State", val_cstr(a, mon ? "enabled" : "disabled"));
    val_set_c(a, v, "Monitoring", m);
    val_t *pl = val_new(a, VAL_STRUCT);
    val_set_c(a, pl, "AvailabilityZone", val_cstr(a, zone));
    val_set_c(a, pl, "GroupName", val_cstr(a, ""));
    val_set_c(a, pl, "Tenancy", val_cstr(a, "default"));
    val_set_c(a, v, "Placement", pl);
    val_set_c(a, v, "PrivateDnsName", val_cstr(a, pdns));
    if (live) val_set_c(a, v, "PrivateIpAddress", val_cstr(a, pip));
    val_set_c(a, v, "ProductCodes", val_new(a, VAL_LIST));
    val_set_c(a, v, "PublicDnsName", val_cstr(a, pubdns));
    if (pub) val_set_c(a, v, "PublicIpAddress", val_cstr(a, pub));
    val_set_c(a, v, "State", state_value(a, state));
    val_set_c(a, v, "StateTransitionReason", val_cstr(a, reason));
    if (live) {
        val_set_c(a, v, "SubnetId", val_cstr(a, subnet));
        val_set_c(a, v, "VpcId", val_cstr(a, vpc));
    }
    val_set_c(a, v, "Architecture", val_cstr(a, "x86_64"));
    val_set_c(a, v, "BlockDeviceMappings", val_new(a, VAL_LIST));
    val_set_c(a, v, "ClientToken", val_cstr(a, c[17] ? c[17] : ""));
    val_set_c(a, v, "EbsOptimized", val_bool(a, ebsopt));
    val_set_c(a, v, "EnaSupport", val_bool(a, true));
    val_set_c(a, v, "Hypervisor", val_cstr(a, "xen"));
    val_t *groups = groups_of(r, db, str_c(id), f);
    val_t *nis = val_new(a, VAL_LIST);
    if (live) {
        val_t *ni = val_new(a, VAL_STRUCT), *at = val_new(a, VAL_STRUCT), *addrs = val_new(a, VAL_LIST),
              *ad = val_new(a, VAL_STRUCT), *assoc = NULL;
        if (pub) {
            assoc = val_new(a, VAL_STRUCT);
            /* AWS: an Elastic IP is the account's, the others Amazon's */
            val_set_c(a, assoc, "IpOwnerId", elastic(r, db, pub) ? val_str(a, r->who.account) : val_cstr(a, "amazon"));
            val_set_c(a, assoc, "PublicDnsName", val_cstr(a, pubdns));
            val_set_c(a, assoc, "PublicIp", val_cstr(a, pub));
            val_set_c(a, ni, "Association", assoc);
            val_set_c(a, ad, "Association", assoc);
        }
        val_set_c(a, at, "AttachTime", val_time(a, launched));
        val_set_c(a, at, "AttachmentId", val_cstr(a, arena_printf(a, "eni-attach-%s", eni + 4)));
        val_set_c(a, at, "DeleteOnTermination", val_bool(a, true));
        val_set_c(a, at, "DeviceIndex", val_int(a, 0));
        val_set_c(a, at, "Status", val_cstr(a, "attached"));
        val_set_c(a, at, "NetworkCardIndex", val_int(a, 0));
        val_set_c(a, ni, "Attachment", at);
        val_set_c(a, ni, "Description", val_cstr(a, ""));
        val_set_c(a, ni, "Groups", groups);
        val_set_c(a, ni, "Ipv6Addresses", val_new(a, VAL_LIST));
        val_set_c(a, ni, "MacAddress", val_cstr(a, mac));
        val_set_c(a, ni, "NetworkInterfaceId", val_cstr(a, eni));
        val_set_c(a, ni, "OwnerId", val_str(a, r->who.account));
        val_set_c(a, ni, "PrivateDnsName", val_cstr(a, pdns));
        val_set_c(a, ni, "PrivateIpAddress", val_cstr(a, pip));
        val_set_c(a, ad, "Primary", val_bool(a, true));
        val_set_c(a, ad, "PrivateDnsName", val_cstr(a, pdns));
        val_set_c(a, ad, "PrivateIpAddress", val_cstr(a, pip));
        val_push(a, addrs, ad);
        val_set_c(a, ni, "PrivateIpAddresses", addrs);
        val_set_c(a, ni, "SourceDestCheck", val_bool(a, sdc));
        val_set_c(a, ni, "Status", val_cstr(a, "in-use"));
        val_set_c(a, ni, "SubnetId", val_cstr(a, subnet));
        val_set_c(a, ni, "VpcId", val_cstr(a, vpc));
        val_set_c(a, ni, "InterfaceType", val_cstr(a, "interface"));
        val_push(a, nis, ni);
    }
    val_set_c(a, v, "NetworkInterfaces", nis);
    val_set_c(a, v, "RootDeviceName", val_cstr(a, "/dev/xvda"));
    val_set_c(a, v, "RootDeviceType", val_cstr(a, "ebs"));
    val_set_c(a, v, "SecurityGroups", live ? groups : val_new(a, VAL_LIST));
    if (live) val_set_c(a, v, "SourceDestCheck", val_bool(a, sdc));
    if (c[14]) {
        val_t *sr = val_new(a, VAL_STRUCT);
        val_set_c(a, sr, "Code", val_cstr(a, c[14]));
        val_set_c(a, sr, "Message", val_cstr(a, c[15] ? c[15] : ""));
        val_set_c(a, v, "StateReason", sr);
    }
    val_t *tags = ec2__tags_of(r, db, str_c(id));
    if (tags) val_set_c(a, v, "Tags", tags);
    val_set_c(a, v, "VirtualizationType", val_cstr(a, "hvm"));
    val_t *cpu = val_new(a, VAL_STRUCT);
    val_set_c(a, cpu, "CoreCount", val_int(a, 1));
    val_set_c(a, cpu, "ThreadsPerCore", val_int(a, 2));
    val_set_c(a, v, "CpuOptions", cpu);
    val_t *crs = val_new(a, VAL_STRUCT);
    val_set_c(a, crs, "CapacityReservationPreference", val_cstr(a, "open"));
    val_set_c(a, v, "CapacityReservationSpecification", crs);
    val_t *hib = val_new(a, VAL_STRUCT);
    val_set_c(a, hib, "Configured", val_bool(a, false));
    val_set_c(a, v, "HibernationOptions", hib);
    val_t *md = val_new(a, VAL_STRUCT);
    val_set_c(a, md, "State", val_cstr(a, "applied"));
    val_set_c(a, md, "HttpTokens", val_cstr(a, "optional"));
    val_set_c(a, md, "HttpPutResponseHopLimit", val_int(a, 1));
    val_set_c(a, md, "HttpEndpoint", val_cstr(a, "enabled"));
    val_set_c(a, md, "HttpProtocolIpv6", val_cstr(a, "disabled"));
    val_set_c(a, md, "InstanceMetadataTags", val_cstr(a, "disabled"));
    val_set_c(a, v, "MetadataOptions", md);
    val_t *enc = val_new(a, VAL_STRUCT);
    val_set_c(a, enc, "Enabled", val_bool(a, false));
    val_set_c(a, v, "EnclaveOptions", enc);
    val_set_c(a, v, "PlatformDetails", val_cstr(a, "Linux/UNIX"));
    val_set_c(a, v, "UsageOperation", val_cstr(a, "RunInstances"));
    val_set_c(a, v, "UsageOperationUpdateTime", val_time(a, launched));
    val_t *pdo = val_new(a, VAL_STRUCT);
    val_set_c(a, pdo, "HostnameType", val_cstr(a, "ip-name"));
    val_set_c(a, pdo, "EnableResourceNameDnsARecord", val_bool(a, false));
    val_set_c(a, pdo, "EnableResourceNameDnsAAAARecord", val_bool(a, false));
    val_set_c(a, v, "PrivateDnsNameOptions", pdo);
    val_t *mo = val_new(a, VAL_STRUCT);
    val_set_c(a, mo, "AutoRecovery", val_cstr(a, "default"));
    val_set_c(a, v, "MaintenanceOptions", mo);
    if (val_get(v, "Tags")) ec2__field_tags(f, val_get(v, "Tags"));
    const char *pairs[][2] = {{"instance-id", id},
                              {"reservation-id", res},
                              {"image-id", image},
                              {"instance-type", type},
                              {"key-name", key},
                              {"subnet-id", live ? subnet : NULL},
                              {"vpc-id", live ? vpc : NULL},
                              {"availability-zone", zone},
                              {"private-ip-address", live ? pip : NULL},
                              {"ip-address", pub},
                              {"private-dns-name", pdns},
                              {"dns-name", pubdns},
                              {"instance-state-name", state},
                              {"instance-state-code", arena_printf(a, "%d", ec2__state_code(state))},
                              {"network-interface.network-interface-id", live ? eni : NULL},
                              {"launch-index", arena_printf(a, "%d", sqlite3_column_int(st, 18))},
                              {"owner-id", arena_strndup(a, r->who.account.p, r->who.account.len)},
                              {"architecture", "x86_64"},
                              {"root-device-type", "ebs"},
                              {"monitoring-state", mon ? "enabled" : "disabled"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][1]) ec2__field(f, pairs[i][0], pairs[i][1]);
    return v;
}

static const char *const INSTANCE_FILTERS[] = {"instance-id",
                                               "reservation-id",
                                               "image-id",
                                               "instance-type",
                                               "key-name",
                                               "subnet-id",
                                               "vpc-id",
                                               "availability-zone",
                                               "private-ip-address",
                                               "ip-address",
                                               "private-dns-name",
                                               "dns-name",
                                               "instance-state-name",
                                               "instance-state-code",
                                               "network-interface.network-interface-id",
                                               "launch-index",
                                               "owner-id",
                                               "architecture",
                                               "root-device-type",
                                               "monitoring-state",
                                               "instance.group-id",
                                               "instance.group-name",
                                               "group-id",
                                               "group-name",
                                               "network-interface.group-id",
                                               NULL};

/* Reservations of the instances that where (a clause with ?1 account, ?2
 * region, ?3 arg) selects, in launch order, filtered. */
static val_t *reservations(req_t *r, sqlite3 *db, const char *where, str_t arg, const val_t *ids, const val_t *filters)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, arena_printf(a,
                                                   "%sWHERE account = ?1 AND region = ?2%s ORDER BY seq, "
                                                   "launch_index",
                                                   INST_COLS, where));
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    if (arg.p) store_bind_str(st, 3, arg);
    val_t *list = val_new(a, VAL_LIST), *cur = NULL;
    str_t cur_id = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!ec2__named(ids, store_col_str(a, st, 0))) continue;
        ec2__fields_t f;
        val_t *v = inst_value(r, db, st, &f);
        if (!ec2__filters_pass(filters, &f)) continue;
        str_t res = store_col_str(a, st, 1);
        if (!cur || !str_eq(res, cur_id)) {
            cur = val_new(a, VAL_STRUCT);
            cur_id = res;
            val_set_c(a, cur, "ReservationId", val_str(a, res));
            val_set_c(a, cur, "OwnerId", val_str(a, r->who.account));
            val_set_c(a, cur, "Groups", val_new(a, VAL_LIST));
            val_set_c(a, cur, "Instances", val_new(a, VAL_LIST));
            val_push(a, list, cur);
        }
        val_push(a, val_get(cur, "Instances"), v);
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    return list;
}

/* Every id names an instance of the account: GR_OK, or r failed (AWS,
 * recorded: "The instance ID 'i-1' does not exist"; several: "The
 * instance IDs 'i-1, i-2' do not exist"). */
static int need_instances(req_t *r, sqlite3 *db, const val_t *ids)
{
    buf_t b;
    buf_init(&b, r->arena);
    size_t missing = 0;
    for (size_t i = 0; i < val_len(ids); i++) {
        str_t id = ids->u.list.v[i]->u.s;
        int e = ec2__exists(r, db, "instance", id);
        if (e < 0) return GR_ERR;
        if (!e) buf_printf(&b, "%s%.*s", missing++ ? ", " : "", STR_FMT(id));
    }
    if (!missing) return GR_OK;
    aws_errdef_t *d = ARENA_NEW(r->arena, aws_errdef_t);
    *d = (aws_errdef_t){"InvalidInstanceID.NotFound", 400, true};
    str_t s = buf_str(&b);
    if (missing == 1) return req_fail(r, d, "The instance ID '%.*s' does not exist", STR_FMT(s));
    return req_fail(r, d, "The instance IDs '%.*s' do not exist", STR_FMT(s));
}

int ec2_describe_instances(req_t *r, const val_t *in, val_t *out)
{
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "InstanceIds");
    if (ec2__filters_check(r, filters, INSTANCE_FILTERS) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db || need_instances(r, db, ids) != GR_OK) return GR_ERR;
    val_t *list = reservations(r, db, "", (str_t){0}, ids, filters);
    if (!list) return GR_ERR;
    return ec2__page(r, in, out, "Reservations", list, 5);
}

/* ==== RunInstances ==== */

static bool is_type(str_t t)
{
    /* family.size, as every instance type is named: t3.micro, m5d.2xlarge,
     * u-6tb1.metal. */
    size_t dot = 0;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.p[i];
        if (c == '.') {
            if (dot) return false;
            dot = i;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return dot > 0 && dot + 1 < t.len && t.len <= 32;
}

typedef struct {
    str_t subnet, vpc, zone, cidr;
    bool map_public;
} net_t;

static int subnet_of(req_t *r, sqlite3 *db, str_t subnet, str_t zone, net_t *n)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    if (subnet.p) {
        if (ec2__need(r, db, "subnet", subnet) != GR_OK) return GR_ERR;
        st = store_stmt(db, "SELECT id, vpc_id, zone, cidr, map_public FROM subnet WHERE account = ?1 AND region = ?2 "
                            "AND id = ?3");
        if (!st) return GR_ERR;
        store_bind_str(st, 3, subnet);
    } else {
        /* AWS: without a subnet, the default subnet of the zone asked, or of
         * a zone it chooses, in the default VPC. */
        st = store_stmt(db, "SELECT s.id, s.vpc_id, s.zone, s.cidr, s.map_public FROM subnet s JOIN vpc v ON "
                            "v.account = s.account AND v.region = s.region AND v.id = s.vpc_id AND v.is_default = 1 "
                            "WHERE s.account = ?1 AND s.region = ?2 AND s.default_for_az = 1 AND (?3 IS NULL OR "
                            "s.zone = ?3) ORDER BY s.zone");
        if (!st) return GR_ERR;
        if (zone.p) store_bind_str(st, 3, zone);
    }
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        n->subnet = store_col_str(a, st, 0);
        n->vpc = store_col_str(a, st, 1);
        n->zone = store_col_str(a, st, 2);
        n->cidr = store_col_str(a, st, 3);
        n->map_public = sqlite3_column_int(st, 4);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (found) return GR_OK;
    /* AWS (recorded): VPCIdNotSpecified "No default VPC for this user". */
    return req_fail(r, &E_NoDefaultVpc, "No default VPC for this user");
}

/* The security groups of a launch, in vpc: ids, or names, or the VPC's
 * default group. */
static val_t *launch_groups(req_t *r, sqlite3 *db, const val_t *ids, const val_t *names, str_t vpc)
{
    arena_t *a = r->arena;
    val_t *out = val_new(a, VAL_LIST);
    bool by_name = !val_len(ids) && val_len(names);
    size_t n = val_len(ids) ? val_len(ids) : val_len(names);
    for (size_t i = 0; i < (n ? n : 1); i++) {
        str_t key = n ? (by_name ? names : ids)->u.list.v[i]->u.s : str_c("default");
        sqlite3_stmt *st = store_stmt(db, by_name || !n ? "SELECT id FROM sg WHERE account = ?1 AND region = ?2 AND "
                                                          "vpc_id = ?3 AND name = ?4"
                                                        : "SELECT id FROM sg WHERE account = ?1 AND region = ?2 AND "
                                                          "vpc_id = ?3 AND id = ?4");
        if (!st) return NULL;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, vpc);
        store_bind_str(st, 4, key);
        str_t gid = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : (str_t){0};
        if (store_release(st) != SQLITE_OK) return NULL;
        if (!gid.p) {
            /* AWS (recorded): "The security group 'sg-1' does not exist in
             * VPC 'vpc-1'". */
            req_fail(r, &E_GroupNF, "The security group '%.*s' does not exist in VPC '%.*s'", STR_FMT(key),
                     STR_FMT(vpc));
            return NULL;
        }
        bool dup = false;
        for (size_t k = 0; k < val_len(out) && !dup; k++) dup = str_eq(out->u.list.v[k]->u.s, gid);
        if (!dup) val_push(a, out, val_str(a, gid));
    }
    return out;
}

static uint32_t ip_of(const char *s)
{
    unsigned o[4];
    if (sscanf(s, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]) != 4) return 0;
    return o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3];
}

static const char *ip_text(arena_t *a, uint32_t ip)
{
    return arena_printf(a, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* Whether ip is taken by a live instance (of any account when public). */
static int ip_taken(req_t *r, sqlite3 *db, const char *ip, bool public, str_t subnet)
{
    sqlite3_stmt *st = store_stmt(
        db, public ? "SELECT 1 FROM instance WHERE public_ip = ?4 AND state != 'terminated'"
                   : "SELECT 1 FROM instance WHERE account = ?1 AND region = ?2 AND subnet_id = ?3 AND private_ip = ?4 "
                     "AND state != 'terminated'");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, subnet);
    sqlite3_bind_text(st, 4, ip, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return -1;
    return rc == SQLITE_ROW;
}

/* The lowest free address of the subnet (AWS keeps the first four and the
 * last), or of the public pool; NULL when none is left (r failed) or on a
 * store failure. */
static const char *ip_pick(req_t *r, sqlite3 *db, const net_t *n, bool public)
{
    ec2__cidr_t c;
    uint32_t first, last;
    if (public) {
        first = ip_of("127.200.0.1");
        last = ip_of("127.200.255.254");
    } else {
        if (!ec2__cidr_parse(n->cidr, &c)) return NULL;
        first = c.net + 4;
        last = c.net + (uint32_t)((1ull << (32 - c.len)) - 2);
    }
    for (uint32_t ip = first; ip <= last; ip++) {
        const char *t = ip_text(r->arena, ip);
        int taken = ip_taken(r, db, t, public, n->subnet);
        if (taken < 0) return NULL;
        if (!taken) return t;
    }
    /* AWS (recorded): InsufficientFreeAddressesInSubnet. */
    if (public)
        req_fail(r, &E_NoAddr, "There are no free public addresses left");
    else
        req_fail(r, &E_NoAddr,
                 "There are not enough free addresses in subnet '%.*s' to satisfy the requested number of instances.",
                 STR_FMT(n->subnet));
    return NULL;
}

/* The instance ids of an earlier launch with this ClientToken (AWS: a
 * retried RunInstances returns the first one's reservation), or NULL. */
static str_t launched_with(req_t *r, sqlite3 *db, str_t token)
{
    str_t res = {0};
    if (!token.p) return res;
    sqlite3_stmt *st = store_stmt(db, "SELECT reservation FROM instance WHERE account = ?1 AND region = ?2 AND "
                                      "client_token = ?3 LIMIT 1");
    if (!st) return res;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, token);
    if (sqlite3_step(st) == SQLITE_ROW) res = store_col_str(r->arena, st, 0);
    store_release(st);
    return res;
}

static int64_t live_count(req_t *r, sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM instance WHERE account = ?1 AND region = ?2 AND state NOT "
                                      "IN ('terminated', 'shutting-down')");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return n;
}

static int reservation_out(req_t *r, sqlite3 *db, str_t res, val_t *out)
{
    val_t *list = reservations(r, db, " AND reservation = ?3", res, NULL, NULL);
    if (!list || !val_len(list)) return GR_ERR;
    const val_t *v = list->u.list.v[0];
    for (size_t i = 0; i < v->u.obj.n; i++) val_set(r->arena, out, v->u.obj.e[i].key, v->u.obj.e[i].v);
    return GR_OK;
}

int ec2_run_instances(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const char *tpl_id, *tpl_version;
    if (!(in = ec2__template_merge(r, in, &tpl_id, &tpl_version))) return GR_ERR;
    int64_t minc = val_get_int(in, "MinCount", 0), maxc = val_get_int(in, "MaxCount", 0);
    if (minc < 1)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%lld) for parameter minCount is invalid. Expected a "
                        "positive value.",
                        (long long)minc);
    if (maxc < minc)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%lld) for parameter maxCount is invalid. Expected a value greater than or equal to "
                        "minCount.",
                        (long long)maxc);
    str_t image = val_get_str(in, "ImageId");
    /* AWS (recorded): "The request must contain the parameter ImageId". */
    if (!image.p) return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter ImageId");
    sqlite3 *db = ec2__ready(r);
    if (!db || ec2__image_usable(r, db, image) != GR_OK) return GR_ERR;
    str_t type = val_get_str(in, "InstanceType");
    if (!type.p) type = str_c("m1.small"); /* AWS: the default when none is given */
    if (!is_type(type))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value '%.*s' for InstanceType.", STR_FMT(type));
    str_t behaviour = val_get_str(in, "InstanceInitiatedShutdownBehavior");
    if (behaviour.p && !str_eq_c(behaviour, "stop") && !str_eq_c(behaviour, "terminate"))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%.*s) for parameter instanceInitiatedShutdownBehavior is invalid.", STR_FMT(behaviour));
    str_t ud = val_get_str(in, "UserData"), raw;
    if (ud.p && !arena_unbase64(a, ud, &raw))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid BASE64 encoding of user data.");
    if (ud.p && raw.len > USER_DATA_MAX)
        return req_fail(r, &ERR_InvalidParameterValue, "User data is limited to %d bytes", USER_DATA_MAX);
    /* The primary network interface, when given, carries the subnet, the
     * groups, the address and whether it is public (the CLI's
     * --associate-public-ip-address builds one). */
    const val_t *nis = val_get(in, "NetworkInterfaces"), *ni = val_len(nis) ? nis->u.list.v[0] : NULL;
    str_t subnet = val_get_str(in, "SubnetId"), want_ip = val_get_str(in, "PrivateIpAddress");
    const val_t *gids = val_get(in, "SecurityGroupIds"), *pubflag = NULL;
    if (ni) {
        if (val_get_str(ni, "SubnetId").p) subnet = val_get_str(ni, "SubnetId");
        if (val_get_str(ni, "PrivateIpAddress").p) want_ip = val_get_str(ni, "PrivateIpAddress");
        if (val_len(val_get(ni, "Groups"))) gids = val_get(ni, "Groups");
        pubflag = val_get(ni, "AssociatePublicIpAddress");
        if ((subnet.p && val_get_str(in, "SubnetId").p && val_get_str(ni, "SubnetId").p) ||
            (val_len(val_get(in, "SecurityGroupIds")) && val_len(val_get(ni, "Groups"))))
            return req_fail(r, &ec2__E_combination,
                            "Network interfaces and an instance-level security groups may not be specified on the "
                            "same request");
    }
    if (want_ip.p && maxc > 1)
        return req_fail(r, &ec2__E_combination,
                        "Cannot specify a private IP address when launching more than one instance");
    str_t token = val_get_str(in, "ClientToken"), earlier = launched_with(r, db, token);
    if (earlier.p) return reservation_out(r, db, earlier, out);
    const val_t *placement = val_get(in, "Placement");
    str_t zone = val_get_str(placement, "AvailabilityZone");
    net_t net;
    if (subnet_of(r, db, subnet, subnet.p ? (str_t){0} : zone, &net) != GR_OK) return GR_ERR;
    if (zone.p && !str_eq(zone, net.zone))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The specified Availability Zone '%.*s' does not match the subnet's zone '%.*s'.",
                        STR_FMT(zone), STR_FMT(net.zone));
    val_t *groups = launch_groups(r, db, gids, val_get(in, "SecurityGroups"), net.vpc);
    if (!groups) return GR_ERR;
    str_t key = val_get_str(in, "KeyName");
    if (key.p) {
        sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM keypair WHERE account = ?1 AND region = ?2 AND name = ?3");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, key);
        bool have = sqlite3_step(st) == SQLITE_ROW;
        if (store_release(st) != SQLITE_OK) return GR_ERR;
        /* AWS (recorded): "The key pair 'x' does not exist". */
        if (!have) return req_fail(r, &E_KeyNF, "The key pair '%.*s' does not exist", STR_FMT(key));
    }
    if (want_ip.p) {
        ec2__cidr_t c, one;
        char buf[40];
        snprintf(buf, sizeof buf, "%.*s/32", STR_FMT(want_ip));
        if (!ec2__cidr_parse(net.cidr, &c) || !ec2__cidr_parse(str_c(buf), &one) || !ec2__cidr_within(one, c) ||
            one.net < c.net + 4 || one.net == (c.net | ((uint32_t)((1ull << (32 - c.len)) - 1))))
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Address %.*s does not fall within the subnet's address "
                            "range",
                            STR_FMT(want_ip));
        int taken = ip_taken(r, db, arena_strndup(a, want_ip.p, want_ip.len), false, net.subnet);
        if (taken < 0) return GR_ERR;
        if (taken) return req_fail(r, &E_IpInUse, "Address %.*s is in use.", STR_FMT(want_ip));
    }
    int64_t live = live_count(r, db);
    if (live < 0) return GR_ERR;
    /* AWS: MaxCount is launched if it fits the quota, else as many as fit
     * when that is at least MinCount (recorded text). */
    int64_t count = maxc;
    if (live + count > INSTANCE_QUOTA) count = INSTANCE_QUOTA - live;
    if (count < minc)
        return req_fail(r, &E_Limit,
                        "You have requested more instances (%lld) than your current instance limit of %d allows for "
                        "the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to "
                        "request an adjustment to this limit.",
                        (long long)minc, INSTANCE_QUOTA);
    bool public = pubflag ? val_get_bool(ni, "AssociatePublicIpAddress", false) : net.map_public;
    const val_t *specs = val_get(in, "TagSpecifications");
    val_t *inst_specs = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(specs); i++) {
        str_t rt = val_get_str(specs->u.list.v[i], "ResourceType");
        /* tags of the volume and interface have no resource to go on yet */
        if (!str_eq_c(rt, "volume") && !str_eq_c(rt, "network-interface")) val_push(a, inst_specs, specs->u.list.v[i]);
    }
    const char *res = ec2__new_id(a, "r"), *now = arena_printf(a, "%lld", (long long)time_now_us());
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (int64_t i = 0; ok && i < count; i++) {
        const char *id = ec2__new_id(a, "i"), *eni = ec2__new_id(a, "eni");
        const char *pip = want_ip.p ? arena_strndup(a, want_ip.p, want_ip.len) : ip_pick(r, db, &net, false);
        const char *pub = public && pip ? ip_pick(r, db, &net, true) : NULL;
        if (!pip || (public && !pub)) {
            ok = false;
            break;
        }
        char mac[18];
        id_random_chars(mac, 17, "0123456789abcdef");
        for (int k = 2; k < 17; k += 3) mac[k] = ':';
        mac[0] = '0', mac[1] = '2';
        mac[17] = 0;
        ok = EXEC(db,
                  "INSERT INTO instance (account, region, id, reservation, image_id, type, key_name, subnet_id, "
                  "vpc_id, zone, private_ip, public_ip, eni_id, mac, state, launched, user_data, client_token, "
                  "launch_index, shutdown_terminates, no_termination, monitoring, ebs_optimized, public_wanted, "
                  "no_stop, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'pending', ?15, "
                  "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?15)",
                  arena_strndup(a, r->who.account.p, r->who.account.len), arena_strndup(a, r->region.p, r->region.len),
                  id, res, ec2__cstr(a, image), ec2__cstr(a, type), ec2__cstr(a, key), ec2__cstr(a, net.subnet),
                  ec2__cstr(a, net.vpc), ec2__cstr(a, net.zone), pip, pub, eni, arena_strdup(a, mac), now,
                  ec2__cstr(a, ud), ec2__cstr(a, token), arena_printf(a, "%lld", (long long)i),
                  str_eq_c(behaviour, "terminate") ? "1" : "0",
                  val_get_bool(in, "DisableApiTermination", false) ? "1" : "0",
                  val_get_bool(val_get(in, "Monitoring"), "Enabled", false) ? "1" : "0",
                  val_get_bool(in, "EbsOptimized", false) ? "1" : "0", public ? "1" : "0",
                  val_get_bool(in, "DisableApiStop", false) ? "1" : "0");
        for (size_t g = 0; ok && g < val_len(groups); g++)
            ok = EXEC(db,
                      "INSERT INTO instance_sg (account, region, instance_id, group_id, seq) VALUES (?1, ?2, ?3, ?4, "
                      "?5)",
                      arena_strndup(a, r->who.account.p, r->who.account.len),
                      arena_strndup(a, r->region.p, r->region.len), id, ec2__cstr(a, groups->u.list.v[g]->u.s),
                      arena_printf(a, "%zu", g));
        ok = ok && ec2__tags_apply(r, db, inst_specs, "instance", id) == GR_OK;
        /* AWS: an instance launched from a template carries its id and version */
        ok = ok && (!tpl_id || (ec2__tag_aws(r, db, id, "aws:ec2launchtemplate:id", tpl_id) &&
                                ec2__tag_aws(r, db, id, "aws:ec2launchtemplate:version", tpl_version)));
    }
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return reservation_out(r, db, str_c(res), out);
}

/* ==== State changes ==== */

typedef enum { OP_STOP, OP_START, OP_TERMINATE, OP_REBOOT } change_t;

/* The state op moves an instance in state from to, NULL when it is refused
 * (AWS: IncorrectInstanceState), from itself when nothing changes. */
static const char *next_state(change_t op, const char *from)
{
    bool ended = !strcmp(from, "terminated") || !strcmp(from, "shutting-down");
    switch (op) {
    case OP_STOP:
        if (ended) return NULL;
        return !strcmp(from, "stopped") ? from : "stopping";
    case OP_START:
        if (!strcmp(from, "stopped")) return "pending";
        return !strcmp(from, "running") || !strcmp(from, "pending") ? from : NULL;
    case OP_TERMINATE: return !strcmp(from, "terminated") ? from : "shutting-down";
    case OP_REBOOT: return ended ? NULL : from;
    }
    return NULL;
}

static int change_states(req_t *r, const val_t *in, val_t *out, change_t op, const char *member)
{
    arena_t *a = r->arena;
    const val_t *ids = val_get(in, "InstanceIds");
    sqlite3 *db = ec2__ready(r);
    if (!db || need_instances(r, db, ids) != GR_OK) return GR_ERR;
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    int rc = GR_OK;
    char when[64];
    int64_t now = time_now_us();
    time_t secs = (time_t)(now / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S GMT", &tm);
    for (size_t i = 0; rc == GR_OK && i < val_len(ids); i++) {
        str_t id = ids->u.list.v[i]->u.s;
        sqlite3_stmt *st = store_stmt(db, "SELECT state, no_termination, no_stop FROM instance WHERE account = ?1 "
                                          "AND region = ?2 AND id = ?3");
        if (!st) {
            rc = GR_ERR;
            break;
        }
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, id);
        const char *from = NULL;
        bool locked = false, no_stop = false;
        if (sqlite3_step(st) == SQLITE_ROW) {
            from = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
            locked = sqlite3_column_int(st, 1);
            no_stop = sqlite3_column_int(st, 2);
        }
        if (store_release(st) != SQLITE_OK || !from) {
            rc = GR_ERR;
            break;
        }
        const char *to = next_state(op, from);
        if (!to) {
            /* AWS (recorded): "This instance 'i-1' is not in a state from
             * which it can be stopped." / "The instance 'i-1' is not in a
             * state from which it can be started." */
            rc = op == OP_START
                     ? req_fail(r, &ec2__E_state, "The instance '%.*s' is not in a state from which it can be started.",
                                STR_FMT(id))
                     : req_fail(r, &ec2__E_state, "This instance '%.*s' is not in a state from which it can be %s.",
                                STR_FMT(id), op == OP_STOP ? "stopped" : "rebooted");
            break;
        }
        if (op == OP_STOP && no_stop && strcmp(to, from) != 0) {
            /* AWS (recorded). */
            rc = req_fail(r, &E_NotPermitted,
                          "The instance '%.*s' may not be stopped. Modify its 'disableApiStop' instance attribute "
                          "and try again.",
                          STR_FMT(id));
            break;
        }
        if (op == OP_TERMINATE && locked) {
            /* AWS (recorded). */
            rc = req_fail(r, &E_NotPermitted,
                          "The instance '%.*s' may not be terminated. Modify its 'disableApiTermination' instance "
                          "attribute and try again.",
                          STR_FMT(id));
            break;
        }
        const char *idc = arena_strndup(a, id.p, id.len), *acct = ec2__cstr(a, r->who.account),
                   *reg = ec2__cstr(a, r->region);
        bool ok = true;
        if (op == OP_REBOOT)
            ok = ec2__reboot(idc);
        else if (strcmp(to, from) != 0) {
            const char *reason = op == OP_START ? "" : arena_printf(a, "User initiated (%s)", when);
            const char *code = op == OP_STOP ? "Client.UserInitiatedShutdown" : NULL;
            const char *msg = op == OP_STOP ? "Client.UserInitiatedShutdown: User initiated shutdown" : NULL;
            if (op == OP_TERMINATE) {
                code = "Client.UserInitiatedShutdown";
                msg = "Client.UserInitiatedShutdown: User initiated shutdown";
            }
            ok = EXEC(db,
                      "UPDATE instance SET state = ?4, reason = ?5, state_code = ?6, state_message = ?7 WHERE "
                      "account = ?1 AND region = ?2 AND id = ?3",
                      acct, reg, idc, to, reason, code, msg);
        }
        if (!ok) {
            rc = GR_ERR;
            break;
        }
        if (op == OP_REBOOT) continue;
        val_t *ch = val_new(a, VAL_STRUCT);
        val_set_c(a, ch, "CurrentState", state_value(a, to));
        val_set_c(a, ch, "InstanceId", val_str(a, id));
        val_set_c(a, ch, "PreviousState", state_value(a, from));
        val_push(a, list, ch);
    }
    if (ec2__end(db, rc == GR_OK) != GR_OK) return GR_ERR;
    return op == OP_REBOOT ? GR_OK : val_set_c(a, out, member, list);
}

int ec2_stop_instances(req_t *r, const val_t *in, val_t *out)
{
    return change_states(r, in, out, OP_STOP, "StoppingInstances");
}

int ec2_start_instances(req_t *r, const val_t *in, val_t *out)
{
    return change_states(r, in, out, OP_START, "StartingInstances");
}

int ec2_terminate_instances(req_t *r, const val_t *in, val_t *out)
{
    return change_states(r, in, out, OP_TERMINATE, "TerminatingInstances");
}

int ec2_reboot_instances(req_t *r, const val_t *in, val_t *out)
{
    return change_states(r, in, out, OP_REBOOT, NULL);
}

/* ==== What the machine says ==== */

int ec2_get_console_output(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "InstanceId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "instance", id) != GR_OK) return GR_ERR;
    /* AWS: the last 64 KB of the console (the most recent output). */
    str_t text = ec2__console(r->app, a, r->who.account, r->region, id, 64 << 10);
    val_set_c(a, out, "InstanceId", val_str(a, id));
    val_set_c(a, out, "Timestamp", val_time(a, time_now_us()));
    if (text.len) val_set_c(a, out, "Output", val_str(a, arena_base64(a, text.p, text.len)));
    return GR_OK;
}

int ec2_describe_instance_status(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {
        "availability-zone",    "instance-state-name",          "instance-state-code",        "instance-status.status",
        "system-status.status", "instance-status.reachability", "system-status.reachability", NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "InstanceIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    bool all = val_get_bool(in, "IncludeAllInstances", false);
    sqlite3 *db = ec2__ready(r);
    if (!db || need_instances(r, db, ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, zone, state FROM instance WHERE account = ?1 AND region = ?2 AND "
                                      "state != 'terminated' ORDER BY seq, launch_index");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0);
        const char *zone = arena_strdup(a, (const char *)sqlite3_column_text(st, 1)),
                   *state = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
        bool running = !strcmp(state, "running");
        if (!ec2__named(ids, id) || (!all && !running)) continue;
        /* The checks are real: passed while the machine is up. */
        const char *health = running ? (ec2__machine_up(ec2__cstr(a, id)) ? "ok" : "impaired") : "not-applicable";
        const char *reach = !strcmp(health, "ok") ? "passed" : !strcmp(health, "impaired") ? "failed" : NULL;
        ec2__fields_t f;
        ec2__fields_init(&f, a);
        ec2__field(&f, "availability-zone", zone);
        ec2__field(&f, "instance-state-name", state);
        ec2__field(&f, "instance-state-code", arena_printf(a, "%d", ec2__state_code(state)));
        ec2__field(&f, "instance-status.status", health);
        ec2__field(&f, "system-status.status", health);
        if (reach) ec2__field(&f, "instance-status.reachability", reach);
        if (reach) ec2__field(&f, "system-status.reachability", reach);
        if (!ec2__filters_pass(filters, &f)) continue;
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "AvailabilityZone", val_cstr(a, zone));
        val_set_c(a, v, "InstanceId", val_str(a, id));
        val_set_c(a, v, "InstanceState", state_value(a, state));
        const char *names[] = {"InstanceStatus", "SystemStatus"};
        for (int k = 0; k < 2; k++) {
            val_t *s = val_new(a, VAL_STRUCT), *det = val_new(a, VAL_LIST);
            if (reach) {
                val_t *d = val_new(a, VAL_STRUCT);
                val_set_c(a, d, "Name", val_cstr(a, "reachability"));
                val_set_c(a, d, "Status", val_cstr(a, reach));
                val_push(a, det, d);
            }
            val_set_c(a, s, "Details", det);
            val_set_c(a, s, "Status", val_cstr(a, health));
            val_set_c(a, v, names[k], s);
        }
        val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "InstanceStatuses", list, 5);
}

/* ==== Attributes ==== */

int ec2_describe_instance_attribute(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "InstanceId"), attr = val_get_str(in, "Attribute");
    sqlite3 *db = ec2__ready(r);
    if (!db || ec2__need(r, db, "instance", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT type, user_data, no_termination, shutdown_terminates, source_dest, "
                                      "ebs_optimized, no_stop FROM instance WHERE account = ?1 AND region = ?2 AND "
                                      "id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    if (sqlite3_step(st) != SQLITE_ROW) return store_release(st), GR_ERR;
    const char *type = ec2__cstr(a, store_col_str(a, st, 0));
    const char *ud = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : ec2__cstr(a, store_col_str(a, st, 1));
    bool flags[5];
    for (int i = 0; i < 5; i++) flags[i] = sqlite3_column_int(st, 2 + i);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    val_set_c(a, out, "InstanceId", val_str(a, id));
    /* AttributeValue / AttributeBooleanValue wrappers, as AWS answers */
    val_t *v = val_new(a, VAL_STRUCT);
    const char *member = NULL;
    if (str_eq_c(attr, "instanceType")) {
        member = "InstanceType", val_set_c(a, v, "Value", val_cstr(a, type));
    } else if (str_eq_c(attr, "userData")) {
        member = "UserData";
        if (ud) val_set_c(a, v, "Value", val_cstr(a, ud));
    } else if (str_eq_c(attr, "instanceInitiatedShutdownBehavior")) {
        member = "InstanceInitiatedShutdownBehavior",
        val_set_c(a, v, "Value", val_cstr(a, flags[1] ? "terminate" : "stop"));
    } else if (str_eq_c(attr, "rootDeviceName")) {
        member = "RootDeviceName", val_set_c(a, v, "Value", val_cstr(a, "/dev/xvda"));
    } else if (str_eq_c(attr, "groupSet")) {
        ec2__fields_t f;
        ec2__fields_init(&f, a);
        return val_set_c(a, out, "Groups", groups_of(r, db, id, &f));
    } else if (str_eq_c(attr, "blockDeviceMapping") || str_eq_c(attr, "productCodes")) {
        return val_set_c(a, out, str_eq_c(attr, "productCodes") ? "ProductCodes" : "BlockDeviceMappings",
                         val_new(a, VAL_LIST));
    } else {
        static const struct {
            const char *attr, *member;
            int flag; /* index in flags, -1: always this value */
            bool value;
        } bools[] = {{"disableApiTermination", "DisableApiTermination", 0, false},
                     {"sourceDestCheck", "SourceDestCheck", 2, false},
                     {"ebsOptimized", "EbsOptimized", 3, false},
                     {"disableApiStop", "DisableApiStop", 4, false},
                     {"enaSupport", "EnaSupport", -1, true}};
        for (size_t i = 0; !member && i < sizeof bools / sizeof bools[0]; i++)
            if (str_eq_c(attr, bools[i].attr)) {
                member = bools[i].member;
                val_set_c(a, v, "Value", val_bool(a, bools[i].flag < 0 ? bools[i].value : flags[bools[i].flag]));
            }
    }
    /* AWS: an attribute that does not exist (kernel, ramdisk, sriovNetSupport
     * and enclaveOptions have nothing to report for these images). */
    if (!member)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%.*s) for parameter attribute is invalid. Unknown "
                        "attribute.",
                        STR_FMT(attr));
    return val_set_c(a, out, member, v);
}

int ec2_modify_instance_attribute(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "InstanceId");
    sqlite3 *db = ec2__ready(r);
    if (!db || ec2__need(r, db, "instance", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT state, vpc_id FROM instance WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    const char *state = NULL;
    str_t vpc = {0};
    if (sqlite3_step(st) == SQLITE_ROW) state = ec2__cstr(a, store_col_str(a, st, 0)), vpc = store_col_str(a, st, 1);
    if (store_release(st) != SQLITE_OK || !state) return GR_ERR;
    /* The legacy form names one attribute and its Value. */
    str_t attr = val_get_str(in, "Attribute"), value = val_get_str(in, "Value");
    str_t type = val_get_str(val_get(in, "InstanceType"), "Value");
    const val_t *ud = val_get(val_get(in, "UserData"), "Value");
    if (attr.p && str_eq_c(attr, "instanceType")) type = value;
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region), *idc = ec2__cstr(a, id);
    bool stopped = !strcmp(state, "stopped");
    /* AWS (recorded): "The instance 'i-1' is not in the 'stopped' state." */
    if ((type.p || ud || (attr.p && str_eq_c(attr, "userData"))) && !stopped)
        return req_fail(r, &ec2__E_state, "The instance '%s' is not in the 'stopped' state.", idc);
    if (type.p && !is_type(type))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value '%.*s' for InstanceType.", STR_FMT(type));
    const val_t *gids = val_get(in, "Groups");
    val_t *groups = val_len(gids) ? launch_groups(r, db, gids, NULL, vpc) : NULL;
    if (val_len(gids) && !groups) return GR_ERR;
    static const struct {
        const char *member, *attr, *column;
    } bools[] = {{"DisableApiTermination", "disableApiTermination", "no_termination"},
                 {"SourceDestCheck", "sourceDestCheck", "source_dest"},
                 {"EbsOptimized", "ebsOptimized", "ebs_optimized"},
                 {"DisableApiStop", "disableApiStop", "no_stop"}};
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof bools / sizeof bools[0]; i++) {
        const val_t *w = val_get(in, bools[i].member);
        bool set = w != NULL, on = val_get_bool(w, "Value", false);
        if (attr.p && str_eq_c(attr, bools[i].attr)) set = true, on = str_eq_c(value, "true");
        if (set)
            ok = EXEC(db,
                      arena_printf(a, "UPDATE instance SET %s = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3",
                                   bools[i].column),
                      acct, reg, idc, on ? "1" : "0");
    }
    str_t sdb = val_get_str(val_get(in, "InstanceInitiatedShutdownBehavior"), "Value");
    if (attr.p && str_eq_c(attr, "instanceInitiatedShutdownBehavior")) sdb = value;
    if (ok && sdb.p)
        ok = EXEC(db, "UPDATE instance SET shutdown_terminates = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3",
                  acct, reg, idc, str_eq_c(sdb, "terminate") ? "1" : "0");
    if (ok && type.p)
        ok = EXEC(db, "UPDATE instance SET type = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg, idc,
                  ec2__cstr(a, type));
    if (ok && (ud || (attr.p && str_eq_c(attr, "userData")))) {
        str_t raw = ud ? ud->u.s : value;
        ok = EXEC(db, "UPDATE instance SET user_data = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg,
                  idc, ec2__cstr(a, arena_base64(a, raw.p, raw.len)));
    }
    if (ok && groups) {
        ok =
            EXEC(db, "DELETE FROM instance_sg WHERE account = ?1 AND region = ?2 AND instance_id = ?3", acct, reg, idc);
        for (size_t g = 0; ok && g < val_len(groups); g++)
            ok = EXEC(db,
                      "INSERT INTO instance_sg (account, region, instance_id, group_id, seq) VALUES (?1, ?2, ?3, ?4, "
                      "?5)",
                      acct, reg, idc, ec2__cstr(a, groups->u.list.v[g]->u.s), arena_printf(a, "%zu", g));
    }
    return ec2__end(db, ok);
}
