/* address.c — EC2 Elastic IP addresses: AllocateAddress,
 * DescribeAddresses, ReleaseAddress, AssociateAddress, DisassociateAddress.
 *
 * The "public" addresses come from the two documentation networks of RFC
 * 5737, 198.51.100.0/24 (TEST-NET-2) then 203.0.113.0/24 (TEST-NET-3):
 * public-looking, routed nowhere, never anyone's real address, and unlike
 * 127.0.0.0/8 or the private blocks not mistaken for a local or VPC
 * address. An address is unique across every account of the server, as a
 * public IPv4 address is on AWS; the lowest free one is handed out.
 * AWS: at most 5 Elastic IP addresses per region by default ("Elastic IP
 * address quota", EC2 User Guide).
 *
 * There are no instances or network interfaces yet, so an association
 * names one that does not exist and is refused as AWS refuses it. */
#include <stdio.h>
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_Limit = {"AddressLimitExceeded", 400, true};
static const aws_errdef_t E_AddrNF = {"InvalidAddress.NotFound", 400, true};
static const aws_errdef_t E_AssocNF = {"InvalidAssociationID.NotFound", 400, true};
static const aws_errdef_t E_InUse = {"InvalidIPAddress.InUse", 400, true};

enum { EIP_QUOTA = 5 };

/* The k-th address of the pool (k < 508), the .0 and .255 of each network
 * left out. */
static const char *pool_ip(arena_t *a, int k)
{
    return k < 254 ? arena_printf(a, "198.51.100.%d", k + 1) : arena_printf(a, "203.0.113.%d", k - 254 + 1);
}

int ec2_allocate_address(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t domain = val_get_str(in, "Domain"), want = val_get_str(in, "Address");
    if (domain.p && !str_eq_c(domain, "vpc") && !str_eq_c(domain, "standard"))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value '%.*s' for domain.", STR_FMT(domain));
    /* Bring-your-own and customer-owned pools are not kept here. */
    if (want.p || val_get(in, "PublicIpv4Pool") || val_get(in, "CustomerOwnedIpv4Pool") || val_get(in, "IpamPoolId"))
        return req_fail(r, &ERR_InvalidParameterValue, "Address pools are not supported by this server.");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM address WHERE account = ?1 AND region = ?2");
    if (!st) return ec2__end(db, false);
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK || n < 0) return ec2__end(db, false);
    /* AWS (recorded): "The maximum number of addresses has been reached." */
    if (n >= EIP_QUOTA) {
        ec2__end(db, false);
        return req_fail(r, &E_Limit, "The maximum number of addresses has been reached.");
    }
    const char *ip = NULL;
    for (int k = 0; k < 508 && !ip; k++) {
        const char *c = pool_ip(a, k);
        st = store_stmt(db, "SELECT 1 FROM address WHERE public_ip = ?1");
        if (!st) return ec2__end(db, false);
        sqlite3_bind_text(st, 1, c, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (store_release(st) != SQLITE_OK) return ec2__end(db, false);
        if (rc != SQLITE_ROW) ip = c;
    }
    if (!ip) {
        ec2__end(db, false);
        return req_fail(r, &E_Limit, "The maximum number of addresses has been reached.");
    }
    const char *id = ec2__new_id(a, "eipalloc");
    bool ok = EXEC(db, "INSERT INTO address (account, region, id, public_ip, seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                   ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id, ip,
                   arena_printf(a, "%lld", (long long)ec2__seq()));
    ok = ok && ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "elastic-ip", id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    val_set_c(a, out, "PublicIp", val_cstr(a, ip));
    val_set_c(a, out, "AllocationId", val_cstr(a, id));
    val_set_c(a, out, "PublicIpv4Pool", val_cstr(a, "amazon"));
    val_set_c(a, out, "NetworkBorderGroup", val_str(a, r->region));
    return val_set_c(a, out, "Domain", val_cstr(a, "vpc"));
}

/* The allocation id of AllocationId or PublicIp: its id, or NULL with r
 * failed as AWS refuses an unknown one. */
static const char *address_of(req_t *r, sqlite3 *db, str_t id, str_t ip)
{
    arena_t *a = r->arena;
    if (!id.p && !ip.p)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter AllocationId"), NULL;
    if (id.p) return ec2__need(r, db, "address", id) == GR_OK ? ec2__cstr(a, id) : NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM address WHERE account = ?1 AND region = ?2 AND public_ip = ?3");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, ip);
    const char *got = sqlite3_step(st) == SQLITE_ROW ? ec2__cstr(a, store_col_str(a, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) return NULL;
    /* AWS (recorded): InvalidAddress.NotFound "Address '198.51.100.1' not
     * found." */
    if (!got) req_fail(r, &E_AddrNF, "Address '%.*s' not found.", STR_FMT(ip));
    return got;
}

int ec2_describe_addresses(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"allocation-id",
                                        "association-id",
                                        "domain",
                                        "instance-id",
                                        "network-border-group",
                                        "network-interface-id",
                                        "network-interface-owner-id",
                                        "private-ip-address",
                                        "public-ip",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "AllocationIds"), *ips = val_get(in, "PublicIps");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "address", ids) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(ips); i++)
        if (!address_of(r, db, STR_NULL, ips->u.list.v[i]->u.s)) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, public_ip, assoc_id, instance_id, eni_id, private_ip FROM address "
                                      "WHERE account = ?1 AND region = ?2 ORDER BY seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0), ip = store_col_str(a, st, 1);
        if (!ec2__named(ids, id) || !ec2__named(ips, ip)) continue;
        ec2__fields_t f;
        ec2__fields_init(&f, a);
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "PublicIp", val_str(a, ip));
        val_set_c(a, v, "AllocationId", val_str(a, id));
        val_set_c(a, v, "Domain", val_cstr(a, "vpc"));
        val_set_c(a, v, "PublicIpv4Pool", val_cstr(a, "amazon"));
        val_set_c(a, v, "NetworkBorderGroup", val_str(a, r->region));
        static const struct {
            const char *member, *filter;
        } assoc[] = {{"AssociationId", "association-id"},
                     {"InstanceId", "instance-id"},
                     {"NetworkInterfaceId", "network-interface-id"},
                     {"PrivateIpAddress", "private-ip-address"}};
        for (int i = 0; i < 4; i++) {
            if (sqlite3_column_type(st, 2 + i) == SQLITE_NULL) continue;
            str_t s = store_col_str(a, st, 2 + i);
            val_set_c(a, v, assoc[i].member, val_str(a, s));
            ec2__field(&f, assoc[i].filter, ec2__cstr(a, s));
        }
        val_t *tags = ec2__tags_of(r, db, id);
        if (tags) val_set_c(a, v, "Tags", tags);
        ec2__field(&f, "allocation-id", ec2__cstr(a, id));
        ec2__field(&f, "public-ip", ec2__cstr(a, ip));
        ec2__field(&f, "domain", "vpc");
        ec2__field(&f, "network-border-group", ec2__cstr(a, r->region));
        ec2__field_tags(&f, tags);
        if (ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return val_set_c(a, out, "Addresses", list);
}

int ec2_release_address(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    const char *id = address_of(r, db, val_get_str(in, "AllocationId"), val_get_str(in, "PublicIp"));
    if (!id) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT assoc_id FROM address WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    bool assoc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: InvalidIPAddress.InUse (the code is on record, this text is
     * not). Unreachable until instances exist. */
    if (assoc) return req_fail(r, &E_InUse, "The address with allocation id [%s] is in use.", id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db, "DELETE FROM address WHERE account = ?1 AND region = ?2 AND id = ?3",
                   ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id) &&
              ec2__tags_drop(r, db, str_c(id)) == GR_OK;
    return ec2__end(db, ok);
}

int ec2_associate_address(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t inst = val_get_str(in, "InstanceId"), eni = val_get_str(in, "NetworkInterfaceId");
    if (!inst.p && !eni.p)
        /* AWS (recorded): MissingParameter "Either instance ID or network
         * interface id must be specified". */
        return req_fail(r, &ERR_MissingParameter, "Either instance ID or network interface id must be specified");
    if (!address_of(r, db, val_get_str(in, "AllocationId"), val_get_str(in, "PublicIp"))) return GR_ERR;
    /* No instances or network interfaces exist yet: every one named is
     * unknown. AWS (recorded): "The instance ID 'i-1' does not exist",
     * "The networkInterface ID 'eni-1' does not exist". */
    if (inst.p) return ec2__not_found(r, "InvalidInstanceID.NotFound", "instance", inst);
    return ec2__not_found(r, "InvalidNetworkInterfaceID.NotFound", "networkInterface", eni);
}

int ec2_disassociate_address(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t assoc = val_get_str(in, "AssociationId"), ip = val_get_str(in, "PublicIp");
    if (!assoc.p && !ip.p)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter AssociationId");
    if (ip.p) {
        const char *id = address_of(r, db, STR_NULL, ip);
        if (!id) return GR_ERR;
        /* Not associated: AWS (recorded) answers InvalidAssociationID.NotFound. */
        return req_fail(r, &E_AssocNF, "The association ID for address '%.*s' does not exist", STR_FMT(ip));
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM address WHERE account = ?1 AND region = ?2 AND assoc_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, assoc);
    const char *id = sqlite3_step(st) == SQLITE_ROW ? ec2__cstr(a, store_col_str(a, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "The association ID 'eipassoc-1' does not exist". */
    if (!id) return req_fail(r, &E_AssocNF, "The association ID '%.*s' does not exist", STR_FMT(assoc));
    return EXEC(db,
                "UPDATE address SET assoc_id = NULL, instance_id = NULL, eni_id = NULL, private_ip = NULL WHERE "
                "account = ?1 AND region = ?2 AND id = ?3",
                ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id)
               ? GR_OK
               : GR_ERR;
}
