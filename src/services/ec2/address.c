/* address.c — EC2 Elastic IP addresses: AllocateAddress,
 * DescribeAddresses, ReleaseAddress, AssociateAddress, DisassociateAddress.
 *
 * The public addresses come from 127.202.0.0/16, a block of the host's
 * loopback: like instances' own public addresses (127.200.0.0/16) they are
 * reachable from the host, where the ports an instance's security groups
 * open are forwarded into it (boot.c), so an Elastic IP is a real address
 * the instance answers on. An address is unique across every account of
 * the server, as a public IPv4 address is on AWS; the lowest free one is
 * handed out.
 * AWS: at most 5 Elastic IP addresses per region by default ("Elastic IP
 * address quota", EC2 User Guide).
 *
 * Associated with an instance, the address becomes its public address (the
 * one it had goes back to the pool) and stays with it across stop and
 * start; disassociating gives the instance a new one where its subnet maps
 * public addresses, and terminating it disassociates the address (AWS). */
#include <stdio.h>
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_Limit = {"AddressLimitExceeded", 400, true};
static const aws_errdef_t E_AddrNF = {"InvalidAddress.NotFound", 400, true};
static const aws_errdef_t E_AssocNF = {"InvalidAssociationID.NotFound", 400, true};
static const aws_errdef_t E_InUse = {"InvalidIPAddress.InUse", 400, true};
static const aws_errdef_t E_Already = {"Resource.AlreadyAssociated", 400, true};

enum { EIP_QUOTA = 5 };

/* The k-th address of the pool (k < 508), the .0 and .255 of each /24
 * left out. */
static const char *pool_ip(arena_t *a, int k)
{
    return arena_printf(a, "127.202.%d.%d", k / 254, k % 254 + 1);
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
     * not). */
    if (assoc) return req_fail(r, &E_InUse, "The address with allocation id [%s] is in use.", id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db, "DELETE FROM address WHERE account = ?1 AND region = ?2 AND id = ?3",
                   ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id) &&
              ec2__tags_drop(r, db, str_c(id)) == GR_OK;
    return ec2__end(db, ok);
}

int ec2_associate_address(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t inst = val_get_str(in, "InstanceId"), eni = val_get_str(in, "NetworkInterfaceId");
    if (!inst.p && !eni.p)
        /* AWS (recorded): MissingParameter "Either instance ID or network
         * interface id must be specified". */
        return req_fail(r, &ERR_MissingParameter, "Either instance ID or network interface id must be specified");
    const char *id = address_of(r, db, val_get_str(in, "AllocationId"), val_get_str(in, "PublicIp"));
    if (!id) return GR_ERR;
    /* An instance's primary interface stands for the instance. */
    sqlite3_stmt *st = store_stmt(db, inst.p ? "SELECT id, eni_id, private_ip, state FROM instance WHERE account = ?1 "
                                               "AND region = ?2 AND id = ?3"
                                             : "SELECT id, eni_id, private_ip, state FROM instance WHERE account = ?1 "
                                               "AND region = ?2 AND eni_id = ?3 AND state != 'terminated'");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, inst.p ? inst : eni);
    const char *iid = NULL, *ieni = NULL, *pip = NULL, *state = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        iid = ec2__cstr(a, store_col_str(a, st, 0));
        ieni = ec2__cstr(a, store_col_str(a, st, 1));
        pip = ec2__cstr(a, store_col_str(a, st, 2));
        state = ec2__cstr(a, store_col_str(a, st, 3));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "The instance ID 'i-1' does not exist", "The
     * networkInterface ID 'eni-1' does not exist". */
    if (!iid && inst.p) return ec2__not_found(r, "InvalidInstanceID.NotFound", "instance", inst);
    if (!iid) return ec2__not_found(r, "InvalidNetworkInterfaceID.NotFound", "networkInterface", eni);
    if (!strcmp(state, "terminated") || !strcmp(state, "shutting-down"))
        return req_fail(r, &ec2__E_state, "The instance '%s' is not in a valid state for this operation.", iid);
    str_t want_pip = val_get_str(in, "PrivateIpAddress");
    if (want_pip.p && !str_eq_c(want_pip, pip))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The private IP address %.*s is not associated with the "
                        "network interface.",
                        STR_FMT(want_pip));
    st = store_stmt(db, "SELECT instance_id, public_ip FROM address WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    const char *held = NULL, *ip = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        held = sqlite3_column_type(st, 0) == SQLITE_NULL ? NULL : ec2__cstr(a, store_col_str(a, st, 0));
        ip = ec2__cstr(a, store_col_str(a, st, 1));
    }
    if (store_release(st) != SQLITE_OK || !ip) return GR_ERR;
    /* AWS: an address held by another instance moves only with
     * AllowReassociation (Resource.AlreadyAssociated is the recorded
     * code; the text is not on record). */
    if (held && strcmp(held, iid) != 0 && !val_get_bool(in, "AllowReassociation", false))
        return req_fail(r, &E_Already, "resource %s is already associated with associate-id %s", id, held);
    const char *assoc = ec2__new_id(a, "eipassoc"), *acct = ec2__cstr(a, r->who.account),
               *reg = ec2__cstr(a, r->region);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    /* the instance it leaves has no public address until the ticker gives
     * it one; the address it had before goes back */
    bool ok = !held || EXEC(db,
                            "UPDATE instance SET public_ip = NULL WHERE account = ?1 AND region = ?2 AND id = ?3 AND "
                            "public_ip = ?4",
                            acct, reg, held, ip);
    ok = ok && EXEC(db,
                    "UPDATE address SET assoc_id = NULL, instance_id = NULL, eni_id = NULL, private_ip = NULL WHERE "
                    "account = ?1 AND region = ?2 AND instance_id = ?3",
                    acct, reg, iid);
    ok = ok && EXEC(db,
                    "UPDATE address SET assoc_id = ?4, instance_id = ?5, eni_id = ?6, private_ip = ?7 WHERE account = "
                    "?1 AND region = ?2 AND id = ?3",
                    acct, reg, id, assoc, iid, ieni, pip);
    ok = ok && EXEC(db, "UPDATE instance SET public_ip = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg,
                    iid, ip);
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "AssociationId", val_cstr(a, assoc));
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
    if (ip.p && !address_of(r, db, STR_NULL, ip)) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, assoc.p ? "SELECT id, instance_id, public_ip FROM address WHERE account = ?1 AND "
                                                "region = ?2 AND assoc_id = ?3"
                                              : "SELECT id, instance_id, public_ip FROM address WHERE account = ?1 AND "
                                                "region = ?2 AND public_ip = ?3 AND assoc_id IS NOT NULL");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, assoc.p ? assoc : ip);
    const char *id = NULL, *iid = NULL, *pub = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = ec2__cstr(a, store_col_str(a, st, 0));
        iid = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : ec2__cstr(a, store_col_str(a, st, 1));
        pub = ec2__cstr(a, store_col_str(a, st, 2));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "The association ID 'eipassoc-1' does not exist";
     * an address not associated: InvalidAssociationID.NotFound too. */
    if (!id && ip.p)
        return req_fail(r, &E_AssocNF, "The association ID for address '%.*s' does not exist", STR_FMT(ip));
    if (!id) return req_fail(r, &E_AssocNF, "The association ID '%.*s' does not exist", STR_FMT(assoc));
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db,
                   "UPDATE address SET assoc_id = NULL, instance_id = NULL, eni_id = NULL, private_ip = NULL WHERE "
                   "account = ?1 AND region = ?2 AND id = ?3",
                   acct, reg, id);
    /* the ticker gives the instance a new public address if its subnet
     * maps them */
    ok = ok && (!iid || EXEC(db,
                             "UPDATE instance SET public_ip = NULL WHERE account = ?1 AND region = ?2 AND id = ?3 AND "
                             "public_ip = ?4",
                             acct, reg, iid, pub));
    return ec2__end(db, ok);
}
