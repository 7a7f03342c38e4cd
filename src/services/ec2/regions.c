/* regions.c — EC2 DescribeRegions and DescribeAvailabilityZones from AWS's
 * real partition (the table in core/regions.c): region names, endpoints,
 * opt-in status, and each region's zones with their zone ids.
 *
 * AWS: DescribeRegions lists only enabled regions (not the opt-in ones) unless
 * AllRegions is true — EC2 User Guide, "Regions and Zones". */
#include <stdio.h>
#include <string.h>

#include "core/regions.h"
#include "core/req.h"
#include "ec2_model.h"
#include "services/ec2/ec2.h"

/* ==== Filters ====
 * AWS: a resource passes when every filter has at least one matching value
 * (ec2__value_matches: '*' and '?' wildcards). */
typedef const char *(*field_fn)(const void *item, str_t filter_name, bool *known);

static int filters_pass(req_t *r, const val_t *filters, const void *item, field_fn field, bool *pass)
{
    *pass = true;
    for (size_t i = 0; i < val_len(filters); i++) {
        const val_t *f = filters->u.list.v[i];
        str_t name = val_get_str(f, "Name");
        bool known = false;
        const char *v = field(item, name, &known);
        if (!known) return req_fail(r, &ERR_InvalidParameterValue, "The filter '%.*s' is invalid", STR_FMT(name));
        if (!ec2__value_matches(val_get(f, "Values"), v)) *pass = false;
    }
    return GR_OK;
}

/* ==== DescribeRegions ==== */

typedef struct {
    const region_t *reg;
    char endpoint[64];
} region_item_t;

static const char *region_field(const void *item, str_t name, bool *known)
{
    const region_item_t *it = item;
    *known = true;
    if (str_eq_c(name, "region-name")) return it->reg->name;
    if (str_eq_c(name, "endpoint")) return it->endpoint;
    if (str_eq_c(name, "opt-in-status")) return it->reg->opt_in ? "not-opted-in" : "opt-in-not-required";
    *known = false;
    return "";
}

int ec2_describe_regions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *names = val_get(in, "RegionNames");
    bool all = val_get_bool(in, "AllRegions", false);
    for (size_t i = 0; i < val_len(names); i++)
        if (!region_find(names->u.list.v[i]->u.s))
            return req_fail(r, &ERR_InvalidParameterValue, "Invalid region: %.*s", STR_FMT(names->u.list.v[i]->u.s));
    val_t *list = val_new(a, VAL_LIST);
    size_t nregions;
    const region_t *regions = region_all(&nregions);
    for (size_t i = 0; i < nregions; i++) {
        region_item_t it = {.reg = &regions[i]};
        snprintf(it.endpoint, sizeof it.endpoint, "ec2.%s.amazonaws.com", it.reg->name);
        bool named = false;
        for (size_t k = 0; k < val_len(names); k++) named |= str_eq_c(names->u.list.v[k]->u.s, it.reg->name);
        if (val_len(names) ? !named : (it.reg->opt_in && !all)) continue;
        bool pass;
        if (filters_pass(r, val_get(in, "Filters"), &it, region_field, &pass) != GR_OK) return GR_ERR;
        if (!pass) continue;
        val_t *o = val_new(a, VAL_STRUCT);
        val_set_c(a, o, "Endpoint", val_cstr(a, arena_strdup(a, it.endpoint)));
        val_set_c(a, o, "RegionName", val_cstr(a, it.reg->name));
        val_set_c(a, o, "OptInStatus", val_cstr(a, region_field(&it, STR("opt-in-status"), &named)));
        if (val_push(a, list, o) != GR_OK) return GR_ERR;
    }
    return val_set_c(a, out, "Regions", list);
}

/* ==== DescribeAvailabilityZones ==== */

typedef struct {
    const region_t *reg;
    char zone[32], zone_id[32];
} zone_item_t;

static const char *zone_field(const void *item, str_t name, bool *known)
{
    const zone_item_t *z = item;
    *known = true;
    if (str_eq_c(name, "zone-name")) return z->zone;
    if (str_eq_c(name, "zone-id")) return z->zone_id;
    if (str_eq_c(name, "region-name") || str_eq_c(name, "group-name") || str_eq_c(name, "group-long-name") ||
        str_eq_c(name, "network-border-group") || str_eq_c(name, "parent-zone-name"))
        return z->reg->name;
    if (str_eq_c(name, "state")) return "available";
    if (str_eq_c(name, "opt-in-status")) return "opt-in-not-required";
    if (str_eq_c(name, "zone-type")) return "availability-zone";
    if (str_eq_c(name, "message")) return "";
    *known = false;
    return "";
}

static bool listed(const val_t *list, const char *s)
{
    for (size_t i = 0; i < val_len(list); i++)
        if (str_eq_c(list->u.list.v[i]->u.s, s)) return true;
    return false;
}

int ec2_describe_availability_zones(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const region_t *reg = region_find(r->region);
    const val_t *names = val_get(in, "ZoneNames"), *ids = val_get(in, "ZoneIds");
    val_t *list = val_new(a, VAL_LIST);
    size_t nz = reg ? strlen(reg->letters) : 0;
    /* AWS: a zone name or id that the region does not have is refused. */
    for (size_t i = 0; i < val_len(names) + val_len(ids); i++) {
        bool is_name = i < val_len(names);
        str_t want = is_name ? names->u.list.v[i]->u.s : ids->u.list.v[i - val_len(names)]->u.s;
        bool found = false;
        for (size_t k = 0; k < nz && !found; k++) {
            char buf[40];
            if (is_name)
                snprintf(buf, sizeof buf, "%s%c", reg->name, reg->letters[k]);
            else
                snprintf(buf, sizeof buf, "%s-az%zu", reg->code, k + 1);
            found = str_eq_c(want, buf);
        }
        if (!found) return req_fail(r, &ERR_InvalidParameterValue, "Invalid availability zone: [%.*s]", STR_FMT(want));
    }
    for (size_t k = 0; k < nz; k++) {
        zone_item_t z = {.reg = reg};
        snprintf(z.zone, sizeof z.zone, "%s%c", reg->name, reg->letters[k]);
        snprintf(z.zone_id, sizeof z.zone_id, "%s-az%zu", reg->code, k + 1);
        if ((val_len(names) || val_len(ids)) && !listed(names, z.zone) && !listed(ids, z.zone_id)) continue;
        bool pass;
        if (filters_pass(r, val_get(in, "Filters"), &z, zone_field, &pass) != GR_OK) return GR_ERR;
        if (!pass) continue;
        val_t *o = val_new(a, VAL_STRUCT);
        val_set_c(a, o, "OptInStatus", val_cstr(a, "opt-in-not-required"));
        val_set_c(a, o, "Messages", val_new(a, VAL_LIST));
        val_set_c(a, o, "RegionName", val_cstr(a, reg->name));
        val_set_c(a, o, "ZoneName", val_cstr(a, arena_strdup(a, z.zone)));
        val_set_c(a, o, "ZoneId", val_cstr(a, arena_strdup(a, z.zone_id)));
        val_set_c(a, o, "GroupName", val_cstr(a, reg->name));
        val_set_c(a, o, "NetworkBorderGroup", val_cstr(a, reg->name));
        val_set_c(a, o, "ZoneType", val_cstr(a, "availability-zone"));
        val_set_c(a, o, "State", val_cstr(a, "available"));
        if (val_push(a, list, o) != GR_OK) return GR_ERR;
    }
    return val_set_c(a, out, "AvailabilityZones", list);
}
