/* image.c — EC2 images: DescribeImages, CreateImage, DeregisterImage, and
 * the image checks of RunInstances.
 *
 * Each region offers the public images of ec2__images; every one boots the
 * host's own userland (/usr read-only) with a fresh /etc, /var, /home… of
 * its own (boot.c). CreateImage makes an account's own image from an
 * instance: the ticker copies the instance's disk (everything it wrote:
 * /etc, /var, /home, /root, /opt, /srv) into the image's files and it is
 * then "available"; instances launched from it start from that copy (their
 * own user data, key and host name added), as an AMI is a snapshot of the
 * root volume. Texts are AWS's where said "recorded". */
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_AmiNF = {"InvalidAMIID.NotFound", 400, true};
static const aws_errdef_t E_AmiMalformed = {"InvalidAMIID.Malformed", 400, true};
static const aws_errdef_t E_AmiUnavailable = {"InvalidAMIID.Unavailable", 400, true};
static const aws_errdef_t E_NameDup = {"InvalidAMIName.Duplicate", 400, true};
static const aws_errdef_t E_NameBad = {"InvalidAMIName.Malformed", 400, true};
static const aws_errdef_t E_Auth = {"AuthFailure", 400, true};

/* The region's public images: their ids are the same in every data
 * directory (a hash of the region and the name), as an AMI id is fixed. */
const ec2__image_t ec2__images[] = {
    {"al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64",
     "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1 (gureum: the host's userland)",
     "2024-12-12T18:42:50.000Z"},
    {"amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2",
     "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2 (gureum: the host's userland)",
     "2024-12-17T23:01:12.000Z"},
    {NULL, NULL, NULL},
};

const char *ec2__image_id(arena_t *a, str_t region, size_t k)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < region.len; i++) h = (h ^ (uint8_t)region.p[i]) * 1099511628211ull;
    for (const char *p = ec2__images[k].name; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return arena_printf(a, "ami-0%016llx", (unsigned long long)h);
}

/* The index of id in ec2__images, or -1. */
static int public_find(req_t *r, str_t id)
{
    for (size_t k = 0; ec2__images[k].name; k++)
        if (str_eq_c(id, ec2__image_id(r->arena, r->region, k))) return (int)k;
    return -1;
}

/* The state of the account's own image id: "pending", "available", or
 * NULL when there is none (or on a store failure, with *failed set). */
static const char *own_state(req_t *r, sqlite3 *db, str_t id, bool *failed)
{
    *failed = false;
    sqlite3_stmt *st = store_stmt(db, "SELECT state FROM image WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return *failed = true, NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    const char *s = sqlite3_step(st) == SQLITE_ROW ? ec2__cstr(r->arena, store_col_str(r->arena, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) *failed = true;
    return s;
}

static int refuse(req_t *r, str_t id)
{
    bool hex = id.len > 4 && id.len <= 21 && str_starts_with(id, str_c("ami-"));
    for (size_t i = 4; hex && i < id.len; i++)
        hex = (id.p[i] >= '0' && id.p[i] <= '9') || (id.p[i] >= 'a' && id.p[i] <= 'f');
    /* AWS (recorded): Invalid id: "x" (expecting "ami-..."); "The image id
     * '[ami-1]' does not exist". */
    if (!hex) return req_fail(r, &E_AmiMalformed, "Invalid id: \"%.*s\" (expecting \"ami-...\")", STR_FMT(id));
    return req_fail(r, &E_AmiNF, "The image id '[%.*s]' does not exist", STR_FMT(id));
}

int ec2__image_usable(req_t *r, sqlite3 *db, str_t id)
{
    if (public_find(r, id) >= 0) return GR_OK;
    bool failed;
    const char *s = own_state(r, db, id, &failed);
    if (failed) return GR_ERR;
    if (!s) return refuse(r, id);
    /* AWS (recorded code): an image still being made cannot be launched. */
    if (strcmp(s, "available") != 0)
        return req_fail(r, &E_AmiUnavailable, "Image %.*s is not available for launch.", STR_FMT(id));
    return GR_OK;
}

static val_t *image_value(req_t *r, const char *id, const char *name, const char *desc, const char *owner,
                          const char *created, const char *state, bool public, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    ec2__fields_init(f, a);
    const char *pairs[][2] = {{"image-id", id},
                              {"name", name},
                              {"owner-alias", public ? "amazon" : NULL},
                              {"owner-id", owner},
                              {"architecture", "x86_64"},
                              {"state", state},
                              {"root-device-type", "ebs"},
                              {"root-device-name", "/dev/xvda"},
                              {"virtualization-type", "hvm"},
                              {"image-type", "machine"},
                              {"is-public", public ? "true" : "false"},
                              {"platform-details", "Linux/UNIX"},
                              {"description", desc},
                              {"hypervisor", "xen"},
                              {"ena-support", "true"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][1]) ec2__field(f, pairs[i][0], pairs[i][1]);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Architecture", val_cstr(a, "x86_64"));
    val_set_c(a, v, "CreationDate", val_cstr(a, created));
    val_set_c(a, v, "ImageId", val_cstr(a, id));
    val_set_c(a, v, "ImageLocation", val_cstr(a, arena_printf(a, "%s/%s", public ? "amazon" : owner, name)));
    val_set_c(a, v, "ImageType", val_cstr(a, "machine"));
    val_set_c(a, v, "Public", val_bool(a, public));
    val_set_c(a, v, "OwnerId", val_cstr(a, owner));
    val_set_c(a, v, "PlatformDetails", val_cstr(a, "Linux/UNIX"));
    val_set_c(a, v, "UsageOperation", val_cstr(a, "RunInstances"));
    val_set_c(a, v, "State", val_cstr(a, state));
    val_t *bdm = val_new(a, VAL_LIST), *m = val_new(a, VAL_STRUCT), *ebs = val_new(a, VAL_STRUCT);
    val_set_c(a, ebs, "DeleteOnTermination", val_bool(a, true));
    val_set_c(a, ebs, "VolumeSize", val_int(a, 8));
    val_set_c(a, ebs, "VolumeType", val_cstr(a, "gp3"));
    val_set_c(a, ebs, "Encrypted", val_bool(a, false));
    val_set_c(a, m, "DeviceName", val_cstr(a, "/dev/xvda"));
    val_set_c(a, m, "Ebs", ebs);
    val_push(a, bdm, m);
    val_set_c(a, v, "BlockDeviceMappings", bdm);
    if (desc) val_set_c(a, v, "Description", val_cstr(a, desc));
    val_set_c(a, v, "EnaSupport", val_bool(a, true));
    val_set_c(a, v, "Hypervisor", val_cstr(a, "xen"));
    if (public) val_set_c(a, v, "ImageOwnerAlias", val_cstr(a, "amazon"));
    val_set_c(a, v, "Name", val_cstr(a, name));
    val_set_c(a, v, "RootDeviceName", val_cstr(a, "/dev/xvda"));
    val_set_c(a, v, "RootDeviceType", val_cstr(a, "ebs"));
    val_set_c(a, v, "SriovNetSupport", val_cstr(a, "simple"));
    val_set_c(a, v, "VirtualizationType", val_cstr(a, "hvm"));
    val_set_c(a, v, "BootMode", val_cstr(a, "uefi-preferred"));
    val_set_c(a, v, "ImdsSupport", val_cstr(a, "v2.0"));
    return v;
}

/* Whether Owners lets an image of owner (public: Amazon's) through. */
static bool owner_wanted(req_t *r, const val_t *owners, bool public)
{
    if (!val_len(owners)) return true;
    for (size_t i = 0; i < val_len(owners); i++) {
        str_t o = owners->u.list.v[i]->u.s;
        if (public ? str_eq_c(o, "amazon") || str_eq_c(o, EC2_AMAZON_OWNER)
                   : str_eq_c(o, "self") || str_eq(o, r->who.account))
            return true;
    }
    return false;
}

int ec2_describe_images(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"image-id",
                                        "name",
                                        "owner-alias",
                                        "owner-id",
                                        "architecture",
                                        "state",
                                        "root-device-type",
                                        "root-device-name",
                                        "virtualization-type",
                                        "image-type",
                                        "is-public",
                                        "platform-details",
                                        "description",
                                        "hypervisor",
                                        "ena-support",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "ImageIds"), *owners = val_get(in, "Owners");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    for (size_t i = 0; i < val_len(ids); i++) {
        str_t id = ids->u.list.v[i]->u.s;
        bool failed;
        if (public_find(r, id) < 0 && !own_state(r, db, id, &failed)) return failed ? GR_ERR : refuse(r, id);
    }
    val_t *list = val_new(a, VAL_LIST);
    ec2__fields_t f;
    for (size_t k = 0; ec2__images[k].name && owner_wanted(r, owners, true); k++) {
        const ec2__image_t *im = &ec2__images[k];
        const char *id = ec2__image_id(a, r->region, k);
        if (!ec2__named(ids, str_c(id))) continue;
        val_t *v = image_value(r, id, im->name, im->description, EC2_AMAZON_OWNER, im->created, "available", true, &f);
        if (ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name, description, state, created FROM image WHERE account = ?1 AND "
                                      "region = ?2 ORDER BY seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    while (owner_wanted(r, owners, false) && sqlite3_step(st) == SQLITE_ROW) {
        const char *c[4];
        for (int i = 0; i < 4; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
        }
        if (!ec2__named(ids, str_c(c[0]))) continue;
        char when[32];
        time_t secs = (time_t)(sqlite3_column_int64(st, 4) / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        val_t *v =
            image_value(r, c[0], c[1], c[2], ec2__cstr(a, r->who.account), arena_strdup(a, when), c[3], false, &f);
        val_t *tags = ec2__tags_of(r, db, str_c(c[0]));
        if (tags) val_set_c(a, v, "Tags", tags), ec2__field_tags(&f, tags);
        if (ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "Images", list, 5);
}

int ec2_create_image(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t inst = val_get_str(in, "InstanceId"), name = val_get_str(in, "Name"), desc = val_get_str(in, "Description");
    /* AWS: 3 to 128 characters: letters, digits, ( ) [ ] space . / - ' @ _ */
    bool ok_name = name.len >= 3 && name.len <= 128;
    for (size_t i = 0; ok_name && i < name.len; i++)
        ok_name = (name.p[i] >= 'a' && name.p[i] <= 'z') || (name.p[i] >= 'A' && name.p[i] <= 'Z') ||
                  (name.p[i] >= '0' && name.p[i] <= '9') || strchr("()[] ./-'@_", name.p[i]);
    if (!ok_name)
        return req_fail(r, &E_NameBad,
                        "AMI names must be between 3 and 128 characters long, and may contain letters, "
                        "numbers, '(', ')', '.', '-', '/' and '_'");
    if (desc.len > 255)
        return req_fail(r, &ERR_InvalidParameterValue, "The description must be at most 255 characters long.");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "instance", inst) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT (SELECT state FROM instance WHERE account = ?1 AND region = ?2 AND id = "
                                      "?3), (SELECT id FROM image WHERE account = ?1 AND region = ?2 AND name = ?4)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, inst);
    store_bind_str(st, 4, name);
    const char *state = NULL, *dup = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        state = sqlite3_column_text(st, 0) ? ec2__cstr(a, store_col_str(a, st, 0)) : NULL;
        dup = sqlite3_column_text(st, 1) ? ec2__cstr(a, store_col_str(a, st, 1)) : NULL;
    }
    if (store_release(st) != SQLITE_OK || !state) return GR_ERR;
    /* AWS (recorded): "AMI name x is already in use by AMI ami-1". */
    if (dup) return req_fail(r, &E_NameDup, "AMI name %.*s is already in use by AMI %s", STR_FMT(name), dup);
    if (strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0)
        return req_fail(r, &ec2__E_state, "The instance '%.*s' is not in a state from which it can be imaged.",
                        STR_FMT(inst));
    const char *id = ec2__new_id(a, "ami");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db,
                   "INSERT INTO image (account, region, id, name, description, source, state, created, seq) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)",
                   ec2__cstr(a, r->who.account), ec2__cstr(a, r->region), id, ec2__cstr(a, name), ec2__cstr(a, desc),
                   ec2__cstr(a, inst), arena_printf(a, "%lld", (long long)time_now_us()));
    ok = ok && ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "image", id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "ImageId", val_cstr(a, id));
}

int ec2_deregister_image(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "ImageId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    bool failed;
    if (!own_state(r, db, id, &failed)) {
        if (failed) return GR_ERR;
        /* AWS: a public image is not the caller's to deregister (the code
         * is on record, the text is not). */
        if (public_find(r, id) >= 0) return req_fail(r, &E_Auth, "Not authorized for image:%.*s", STR_FMT(id));
        return refuse(r, id);
    }
    const char *acct = ec2__cstr(a, r->who.account), *reg = ec2__cstr(a, r->region), *idc = ec2__cstr(a, id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = EXEC(db, "DELETE FROM image WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg, idc) &&
              ec2__tags_drop(r, db, id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    ec2__image_files_drop(r->app, acct, reg, idc);
    return GR_OK;
}
