/* dhcp.c — EC2 DHCP options sets: CreateDhcpOptions, DescribeDhcpOptions,
 * DeleteDhcpOptions, AssociateDhcpOptions.
 *
 * A set is a list of keys with their values (schema/003_dhcp.sql); each
 * region's VPCs start with the set made with its default VPC. AWS: "DHCP
 * option sets", Amazon VPC User Guide; "default" associates no set with a
 * VPC. Refusal texts are AWS's where said "recorded", else not on record. */
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_Dependency = {"DependencyViolation", 400, true};

/* AWS's documented keys (CreateDhcpOptions, EC2 API Reference). */
static const char *const KEYS[] = {"domain-name-servers",
                                   "domain-name",
                                   "ntp-servers",
                                   "netbios-name-servers",
                                   "netbios-node-type",
                                   "ipv6-address-preferred-lease-time",
                                   NULL};

static bool known_key(str_t k)
{
    for (size_t i = 0; KEYS[i]; i++)
        if (str_eq_c(k, KEYS[i])) return true;
    return false;
}

/* The DhcpOptions structure of set id. */
static val_t *dopt_value(req_t *r, sqlite3 *db, str_t id, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT), *confs = val_new(a, VAL_LIST);
    ec2__fields_init(f, a);
    ec2__field(f, "dhcp-options-id", arena_strndup(a, id.p, id.len));
    ec2__field(f, "owner-id", arena_strndup(a, r->who.account.p, r->who.account.len));
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM dopt_conf WHERE account = ?1 AND region = ?2 AND "
                                      "dopt_id = ?3 ORDER BY seq");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    val_t *conf = NULL, *values = NULL;
    str_t last = STR_NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t key = store_col_str(a, st, 0), value = store_col_str(a, st, 1);
        if (!conf || !str_eq(key, last)) {
            conf = val_new(a, VAL_STRUCT), values = val_new(a, VAL_LIST);
            val_set_c(a, conf, "Key", val_str(a, key));
            val_set_c(a, conf, "Values", values);
            val_push(a, confs, conf);
            last = key;
        }
        val_t *av = val_new(a, VAL_STRUCT);
        val_set_c(a, av, "Value", val_str(a, value));
        val_push(a, values, av);
        ec2__field(f, "key", arena_strndup(a, key.p, key.len));
        ec2__field(f, "value", arena_strndup(a, value.p, value.len));
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    val_set_c(a, v, "DhcpConfigurations", confs);
    val_set_c(a, v, "DhcpOptionsId", val_str(a, id));
    val_set_c(a, v, "OwnerId", val_str(a, r->who.account));
    val_t *tags = ec2__tags_of(r, db, id);
    if (tags) val_set_c(a, v, "Tags", tags);
    ec2__field_tags(f, tags);
    return v;
}

static bool put_row(req_t *r, sqlite3 *db, const char *sql, const char *id, int64_t seq, str_t key, str_t value)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, seq);
    if (key.p) store_bind_str(st, 5, key);
    if (value.p) store_bind_str(st, 6, value);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}

int ec2_create_dhcp_options(req_t *r, const val_t *in, val_t *out)
{
    const val_t *confs = val_get(in, "DhcpConfigurations");
    for (size_t i = 0; i < val_len(confs); i++) {
        str_t key = val_get_str(confs->u.list.v[i], "Key");
        /* Not on record: AWS's text for a key it does not know. */
        if (!key.p || !known_key(key))
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Value (%.*s) for parameter name is invalid. Unknown DHCP option", STR_FMT(key));
        if (!val_len(val_get(confs->u.list.v[i], "Values")))
            return req_fail(r, &ERR_InvalidParameterValue, "Value for parameter %.*s is missing.", STR_FMT(key));
    }
    sqlite3 *db = ec2__ready(r);
    if (!db || ec2__begin(db) != GR_OK) return GR_ERR;
    const char *id = ec2__new_id(r->arena, "dopt");
    bool ok = put_row(r, db, "INSERT INTO dopt (account, region, id, seq) VALUES (?1, ?2, ?3, ?4)", id, ec2__seq(),
                      STR_NULL, STR_NULL);
    int64_t seq = 0;
    for (size_t i = 0; ok && i < val_len(confs); i++) {
        const val_t *c = confs->u.list.v[i], *values = val_get(c, "Values");
        for (size_t j = 0; ok && j < val_len(values); j++)
            ok = put_row(r, db,
                         "INSERT INTO dopt_conf (account, region, dopt_id, seq, key, value) VALUES (?1, ?2, ?3, ?4, "
                         "?5, ?6)",
                         id, seq++, val_get_str(c, "Key"), values->u.list.v[j]->u.s);
    }
    int rc = ok ? ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "dhcp-options", id) : GR_ERR;
    if (ec2__end(db, ok && rc == GR_OK) != GR_OK) return GR_ERR;
    ec2__fields_t f;
    val_t *v = dopt_value(r, db, str_c(id), &f);
    return v ? val_set_c(r->arena, out, "DhcpOptions", v) : GR_ERR;
}

int ec2_describe_dhcp_options(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"dhcp-options-id", "key", "value", "owner-id", NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "DhcpOptionsIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "dopt", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM dopt WHERE account = ?1 AND region = ?2 ORDER BY seq, id");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0);
        if (!ec2__named(ids, id)) continue;
        ec2__fields_t f;
        val_t *v = dopt_value(r, db, id, &f);
        if (v && ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "DhcpOptions", list, 5);
}

int ec2_delete_dhcp_options(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "DhcpOptionsId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "dopt", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM vpc WHERE account = ?1 AND region = ?2 AND dhcp_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int used = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: a set associated with a VPC cannot be deleted (the text in
     * the form of the other DependencyViolation texts; not on record). */
    if (used == SQLITE_ROW)
        return req_fail(r, &E_Dependency, "The dhcpOptions '%.*s' has dependencies and cannot be deleted.",
                        STR_FMT(id));
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    const char *cid = arena_strndup(r->arena, id.p, id.len);
    bool ok = put_row(r, db, "DELETE FROM dopt WHERE account = ?1 AND region = ?2 AND id = ?3 AND ?4 = ?4", cid, 0,
                      STR_NULL, STR_NULL);
    ok = ok && put_row(r, db, "DELETE FROM dopt_conf WHERE account = ?1 AND region = ?2 AND dopt_id = ?3 AND ?4 = ?4",
                       cid, 0, STR_NULL, STR_NULL);
    ok = ok && ec2__tags_drop(r, db, id) == GR_OK;
    return ec2__end(db, ok);
}

int ec2_associate_dhcp_options(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "DhcpOptionsId"), vpc = val_get_str(in, "VpcId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", vpc) != GR_OK) return GR_ERR;
    /* AWS: "Specify default to associate no DHCP options with the VPC." */
    if (!str_eq_c(id, "default") && ec2__need(r, db, "dopt", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE vpc SET dhcp_id = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    store_bind_str(st, 4, id);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}
