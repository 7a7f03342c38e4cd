/* mfa.c — IAM virtual MFA devices (iam_mfa) and the one-time codes that
 * prove them: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
 * DeactivateMFADevice, DeleteVirtualMFADevice, GetMFADevice, ListMFADevices,
 * ListVirtualMFADevices and the device tags; iam_mfa_verify (iam.h) for STS,
 * whose GetSessionToken and AssumeRole take a SerialNumber and TokenCode.
 *
 * A device is a TOTP secret (RFC 6238: HMAC-SHA1, 30-second steps, six
 * digits), what authenticator apps compute from the Base32StringSeed or the
 * QRCodePNG AWS hands out once, at creation. Enabling a device takes two
 * consecutive codes, as on AWS; a code is accepted once (last_step). The QR
 * code is drawn by libqrencode (Debian), loaded when first needed so the
 * server does not map it at start, into a PNG written here (stored deflate
 * blocks: a QR image is a few KiB). */
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <qrencode.h>
#include <string.h>

#include "core/crc.h"
#include "core/id.h"
#include "core/log.h"
#include "core/wire.h"
#include "services/iam/iam_int.h"

#define SEED_BYTES 20
#define STEP_S 30
#define ISSUER "Amazon Web Services"

static const char not_found[] = "VirtualMFADevice with serial number %.*s doesn't exist.";
static const char bad_code[] = "Authentication code for device is not valid.";

/* ==== TOTP ==== */

static unsigned totp(const unsigned char *seed, size_t n, int64_t step)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    for (int i = 7; i >= 0; i--, step >>= 8) msg[i] = (unsigned char)(step & 0xff);
    unsigned len = 0;
    if (!HMAC(EVP_sha1(), seed, (int)n, msg, sizeof msg, mac, &len) || len < 20) return 1000000; /* matches no code */
    unsigned o = mac[len - 1] & 0x0f;
    uint32_t v =
        ((uint32_t)(mac[o] & 0x7f) << 24) | ((uint32_t)mac[o + 1] << 16) | ((uint32_t)mac[o + 2] << 8) | mac[o + 3];
    return v % 1000000;
}

static bool code_is(str_t code, unsigned want)
{
    if (code.len != 6) return false;
    unsigned v = 0;
    for (size_t i = 0; i < 6; i++) {
        if (code.p[i] < '0' || code.p[i] > '9') return false;
        v = v * 10 + (unsigned)(code.p[i] - '0');
    }
    return v == want;
}

/* The step in [now - back, now + ahead] after `after` whose code is c1 (and
 * whose next step's code is c2, when c2 is given); 0 when none. */
static int64_t find_step(str_t seed, int64_t after, str_t c1, str_t c2, int back, int ahead)
{
    int64_t now = iam__now() / 1000000 / STEP_S;
    for (int64_t s = now - back; s <= now + ahead; s++)
        if (s > after && code_is(c1, totp((const unsigned char *)seed.p, seed.len, s)) &&
            (!c2.p || code_is(c2, totp((const unsigned char *)seed.p, seed.len, s + 1))))
            return c2.p ? s + 1 : s;
    return 0;
}

/* ==== the QR code's PNG ==== */

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8),
    p[3] = (unsigned char)v;
}

static void chunk(buf_t *b, const char *type, const unsigned char *data, size_t n)
{
    unsigned char h[8];
    be32(h, (uint32_t)n);
    memcpy(h + 4, type, 4);
    buf_append(b, h, 8);
    buf_append(b, data, n);
    uint32_t c = crc_update(CRC_32, CRC_INIT, type, 4);
    unsigned char t[4];
    be32(t, ~crc_update(CRC_32, c, data, n));
    buf_append(b, t, 4);
}

/* An 8-bit grey PNG of the modules (scale pixels each, a 4-module quiet
 * zone), its pixels in a zlib stream of stored blocks. */
static str_t png_of(arena_t *a, const unsigned char *mods, int width, int scale)
{
    int side = (width + 8) * scale;
    size_t row = (size_t)side + 1, raw_len = row * (size_t)side;
    unsigned char *raw = arena_alloc(a, raw_len);
    if (!raw) return STR_NULL;
    for (int y = 0; y < side; y++) {
        unsigned char *p = raw + (size_t)y * row;
        *p++ = 0; /* filter: none */
        for (int x = 0; x < side; x++) {
            int mx = x / scale - 4, my = y / scale - 4;
            bool dark = mx >= 0 && my >= 0 && mx < width && my < width && (mods[my * width + mx] & 1);
            *p++ = dark ? 0 : 255;
        }
    }
    buf_t z, png;
    buf_init(&z, a);
    buf_init(&png, a);
    buf_append(&z, "\x78\x01", 2);
    uint32_t s1 = 1, s2 = 0; /* Adler-32 */
    for (size_t off = 0; off < raw_len;) {
        size_t n = raw_len - off > 65535 ? 65535 : raw_len - off;
        unsigned char h[5] = {off + n == raw_len, (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)~n,
                              (unsigned char)(~n >> 8)};
        buf_append(&z, h, 5);
        buf_append(&z, raw + off, n);
        for (size_t i = 0; i < n; i++) s1 = (s1 + raw[off + i]) % 65521, s2 = (s2 + s1) % 65521;
        off += n;
    }
    unsigned char ad[4];
    be32(ad, (s2 << 16) | s1);
    buf_append(&z, ad, 4);
    unsigned char ihdr[13] = {0};
    be32(ihdr, (uint32_t)side);
    be32(ihdr + 4, (uint32_t)side);
    ihdr[8] = 8; /* bit depth; colour type 0 (grey), no interlace */
    buf_append(&png, "\x89PNG\r\n\x1a\n", 8);
    chunk(&png, "IHDR", ihdr, sizeof ihdr);
    chunk(&png, "IDAT", (const unsigned char *)z.p, z.len);
    chunk(&png, "IEND", NULL, 0);
    return z.failed || png.failed ? STR_NULL : str_n(png.p, png.len);
}

static pthread_once_t qr_once = PTHREAD_ONCE_INIT;
static QRcode *(*qr_encode)(const char *, int, QRecLevel, QRencodeMode, int);
static void (*qr_free)(QRcode *);

static void qr_load(void)
{
    void *h = dlopen("libqrencode.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        log_error("iam: cannot load libqrencode (Debian package libqrencode4): %s", dlerror());
        return;
    }
    *(void **)&qr_encode = dlsym(h, "QRcode_encodeString");
    *(void **)&qr_free = dlsym(h, "QRcode_free");
}

static str_t qr_png(arena_t *a, const char *text)
{
    pthread_once(&qr_once, qr_load);
    if (!qr_encode || !qr_free) return STR_NULL;
    QRcode *q = qr_encode(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return STR_NULL;
    str_t png = png_of(a, q->data, q->width, 4);
    qr_free(q);
    return png;
}

/* ==== devices ==== */

static str_t base32(arena_t *a, const unsigned char *p, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    char *out = arena_alloc(a, (n * 8 + 4) / 5 + 1);
    if (!out) return STR_NULL;
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | p[i], bits += 8;
        while (bits >= 5) out[o++] = al[(acc >> (bits -= 5)) & 31];
    }
    if (bits) out[o++] = al[(acc << (5 - bits)) & 31];
    out[o] = 0;
    return str_n(out, o);
}

typedef struct {
    str_t serial, path, name, seed, user;
    int64_t enabled_us, last_step;
} mfa_t;

#define MFA_COLS "serial, path, name, seed, user, enabled_us, last_step"

static void from_row(req_t *r, sqlite3_stmt *st, mfa_t *m)
{
    *m = (mfa_t){.serial = iam__col(r, st, 0),
                 .path = iam__col(r, st, 1),
                 .name = iam__col(r, st, 2),
                 .seed = str_n(arena_strndup(r->arena, sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3)),
                               (size_t)sqlite3_column_bytes(st, 3)),
                 .user = iam__col(r, st, 4),
                 .enabled_us = sqlite3_column_int64(st, 5),
                 .last_step = sqlite3_column_int64(st, 6)};
}

/* The device a serial number names in the caller's account: 1, 0 (absent:
 * NoSuchEntity recorded when fail), -1. */
static int device(req_t *r, str_t serial, mfa_t *m, bool fail)
{
    sqlite3_stmt *st = iam__stmt(r, "SELECT " MFA_COLS " FROM iam_mfa WHERE account = ?1 AND serial = ?2", "s", serial);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        from_row(r, st, m);
        return 1;
    }
    if (rc != SQLITE_DONE) return -1;
    if (fail) req_fail(r, &IAM_ERR_NoSuchEntityException, not_found, STR_FMT(serial));
    return 0;
}

/* Moves device m (as read) to last_step `step`, assigned to user (STR_NULL:
 * nobody) since enabled_us, only if no other request changed it since it was
 * read: two uses of one code, or two Enables of one device, cannot both win.
 * 1 done, 0 lost to another request, -1 failure. */
static int set_step(req_t *r, const mfa_t *m, int64_t step, str_t user, int64_t enabled_us)
{
    if (iam__exec(r,
                  "UPDATE iam_mfa SET last_step = ?3, user = ?4, enabled_us = ?5 WHERE account = ?1 AND "
                  "serial = ?2 AND last_step = ?6 AND user IS ?7",
                  "sicIic", m->serial, step, user.p ? arena_strndup(r->arena, user.p, user.len) : NULL,
                  enabled_us ? enabled_us : IAM__NULL_INT, m->last_step, m->user.p) != GR_OK)
        return -1;
    return sqlite3_changes(iam__db(r)) == 1;
}

int iam_create_virtual_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "VirtualMFADeviceName"), path = iam__path_in(in, "Path");
    if (iam__check_name(r, name, "virtualMFADeviceName") != GR_OK || iam__check_path(r, path, "path") != GR_OK ||
        iam__check_tags(r, val_get(in, "Tags")) != GR_OK)
        return GR_ERR;
    str_t serial = iam__arn(r, "mfa", path, name);
    mfa_t m;
    int have = device(r, serial, &m, false);
    if (have < 0) return GR_ERR;
    /* AWS: one name per account, whatever the path */
    int64_t same = iam__count(r, "SELECT COUNT(*) FROM iam_mfa WHERE account = ?1 AND name = ?2", "s", name);
    if (same < 0) return GR_ERR;
    if (have || same)
        return req_fail(r, &IAM_ERR_EntityAlreadyExistsException,
                        "MFADevice entity at the same path and name already exists.");
    unsigned char seed[SEED_BYTES];
    id_random_bytes(seed, sizeof seed);
    str_t b32 = base32(a, seed, sizeof seed);
    str_t label = wire_url_encode(a, name, false), acct = wire_url_encode(a, r->who.account, false),
          iss = wire_url_encode(a, STR(ISSUER), false);
    if (!b32.p || !label.p || !acct.p || !iss.p) return GR_ERR;
    const char *uri = arena_printf(a, "otpauth://totp/%.*s:%.*s@%.*s?secret=%.*s&issuer=%.*s", STR_FMT(iss),
                                   STR_FMT(label), STR_FMT(acct), STR_FMT(b32), STR_FMT(iss));
    str_t png = uri ? qr_png(a, uri) : STR_NULL;
    if (!png.p) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r,
                                 "INSERT INTO iam_mfa (account, serial, path, name, seed, created_us) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                 "sss", serial, path, name);
    if (!st) return GR_ERR;
    sqlite3_bind_blob(st, 5, seed, sizeof seed, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, iam__now());
    if (sqlite3_step(st) != SQLITE_DONE) return GR_ERR;
    const val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, "mfa", serial, tags) != GR_OK) {
        iam__exec(r, "DELETE FROM iam_mfa WHERE account = ?1 AND serial = ?2", "s", serial);
        return GR_ERR;
    }
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "SerialNumber", val_str(a, serial));
    val_set_c(a, d, "Base32StringSeed", val_blob(a, b32));
    val_set_c(a, d, "QRCodePNG", val_blob(a, png));
    if (tags && val_len(tags)) val_set_c(a, d, "Tags", iam__tags(r, "mfa", serial));
    return val_set_c(a, out, "VirtualMFADevice", d);
}

/* Enable and Resync: two consecutive codes of the device. */
static int two_codes(req_t *r, const val_t *in, const mfa_t *m, int64_t *step)
{
    str_t c1 = val_get_str(in, "AuthenticationCode1"), c2 = val_get_str(in, "AuthenticationCode2");
    *step = find_step(m->seed, m->last_step, c1, c2, 10, 2);
    if (!*step) return req_fail(r, &IAM_ERR_InvalidAuthenticationCodeException, bad_code);
    return GR_OK;
}

int iam_enable_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    str_t user = val_get_str(in, "UserName"), serial = val_get_str(in, "SerialNumber");
    mfa_t m;
    int64_t step;
    if (iam__exists(r, &iam__user, user, true) != 1 || device(r, serial, &m, true) != 1) return GR_ERR;
    if (m.user.p) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, "MFA Device is already in use.");
    if (two_codes(r, in, &m, &step) != GR_OK) return GR_ERR;
    int rc = set_step(r, &m, step, user, iam__now());
    if (rc < 0) return GR_ERR;
    if (!rc) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, "MFA Device is already in use.");
    iam_creds_invalidate();
    return GR_OK;
}

/* Resync and Deactivate: the device SerialNumber names, assigned to the
 * user UserName names (NoSuchEntity for either missing, or another's). */
static int users_device(req_t *r, const val_t *in, str_t *user, mfa_t *m)
{
    str_t serial = val_get_str(in, "SerialNumber");
    *user = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__user, *user, true) != 1 || device(r, serial, m, true) != 1) return GR_ERR;
    if (!str_eq(m->user, *user)) return req_fail(r, &IAM_ERR_NoSuchEntityException, not_found, STR_FMT(serial));
    return GR_OK;
}

int iam_resync_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    mfa_t m;
    int64_t step;
    if (users_device(r, in, &user, &m) != GR_OK || two_codes(r, in, &m, &step) != GR_OK) return GR_ERR;
    int rc = set_step(r, &m, step, user, m.enabled_us);
    if (!rc) return req_fail(r, &IAM_ERR_InvalidAuthenticationCodeException, bad_code);
    return rc > 0 ? GR_OK : GR_ERR;
}

int iam_deactivate_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    mfa_t m;
    if (users_device(r, in, &user, &m) != GR_OK) return GR_ERR;
    int rc = set_step(r, &m, m.last_step, STR_NULL, 0);
    if (rc < 0) return GR_ERR;
    if (!rc) return req_fail(r, &IAM_ERR_NoSuchEntityException, not_found, STR_FMT(m.serial));
    iam_creds_invalidate();
    return GR_OK;
}

int iam_delete_virtual_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    str_t serial = val_get_str(in, "SerialNumber");
    mfa_t m;
    if (device(r, serial, &m, true) != 1) return GR_ERR;
    if (m.user.p) return req_fail(r, &IAM_ERR_DeleteConflictException, "MFA Device is still in use.");
    if (iam__delete_tags(r, "mfa", serial) != GR_OK) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_mfa WHERE account = ?1 AND serial = ?2", "s", serial);
}

/* AWS: without UserName, the caller's own devices (none for a root or role caller). */
int iam_list_mfa_devices(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t user = val_get_str(in, "UserName");
    if (!user.p) user = r->who.user_name;
    if (user.len && iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    val_t *all = val_new(a, VAL_LIST);
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT " MFA_COLS " FROM iam_mfa WHERE account = ?1 AND user = ?2 "
                                 "ORDER BY enabled_us, serial",
                                 "s", user.len ? user : STR(""));
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW) {
        mfa_t m;
        from_row(r, st, &m);
        val_t *d = val_new(a, VAL_STRUCT);
        val_set_c(a, d, "UserName", val_str(a, m.user));
        val_set_c(a, d, "SerialNumber", val_str(a, m.serial));
        val_set_c(a, d, "EnableDate", val_time(a, m.enabled_us));
        val_push(a, all, d);
    }
    return iam__paginate(r, in, out, "MFADevices", all);
}

/* AWS documents the call for FIDO security keys, which are registered in
 * the console and carry the FIDO Alliance's Certifications; gureum's devices
 * are virtual (TOTP) ones, so it answers for those: a device assigned to the
 * user (UserName, else the caller), without Certifications, which AWS has
 * only for FIDO keys. An unassigned device or another user's is
 * NoSuchEntity, as for ResyncMFADevice. */
int iam_get_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t serial = val_get_str(in, "SerialNumber"), user = val_get_str(in, "UserName");
    if (!user.p) user = r->who.user_name;
    mfa_t m;
    if (user.len && iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    if (device(r, serial, &m, true) != 1) return GR_ERR;
    if (!m.user.p || !user.len || !str_eq_nocase(m.user, user))
        return req_fail(r, &IAM_ERR_NoSuchEntityException, not_found, STR_FMT(serial));
    val_set_c(a, out, "UserName", val_str(a, m.user));
    val_set_c(a, out, "SerialNumber", val_str(a, m.serial));
    return val_set_c(a, out, "EnableDate", val_time(a, m.enabled_us));
}

int iam_list_virtual_mfa_devices(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t status = val_get_str(in, "AssignmentStatus");
    bool want_assigned = !status.p || !str_eq_c(status, "Unassigned"),
         want_free = !status.p || !str_eq_c(status, "Assigned");
    val_t *all = val_new(a, VAL_LIST);
    sqlite3_stmt *st = iam__stmt(r, "SELECT " MFA_COLS " FROM iam_mfa WHERE account = ?1 ORDER BY serial", "");
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW) {
        mfa_t m;
        from_row(r, st, &m);
        if (m.user.p ? !want_assigned : !want_free) continue;
        val_t *d = val_new(a, VAL_STRUCT);
        val_set_c(a, d, "SerialNumber", val_str(a, m.serial));
        if (m.user.p) {
            str_t path, id;
            int64_t created;
            val_t *u = val_new(a, VAL_STRUCT);
            if (iam__entity(r, &iam__user, m.user, NULL, &path, &id, &created) != GR_OK) return GR_ERR;
            iam__entity_members(r, u, &iam__user, m.user, path, id, created);
            val_set_c(a, d, "User", u);
            val_set_c(a, d, "EnableDate", val_time(a, m.enabled_us));
        }
        val_t *tags = iam__tags(r, "mfa", m.serial);
        if (tags && val_len(tags)) val_set_c(a, d, "Tags", tags);
        val_push(a, all, d);
    }
    return iam__paginate(r, in, out, "VirtualMFADevices", all);
}

int iam_tag_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    str_t serial = val_get_str(in, "SerialNumber");
    mfa_t m;
    if (device(r, serial, &m, true) != 1) return GR_ERR;
    return iam__tag(r, "mfa", serial, val_get(in, "Tags"));
}

int iam_untag_mfa_device(req_t *r, const val_t *in, val_t *out)
{
    str_t serial = val_get_str(in, "SerialNumber");
    mfa_t m;
    if (device(r, serial, &m, true) != 1) return GR_ERR;
    return iam__untag(r, "mfa", serial, val_get(in, "TagKeys"));
}

int iam_list_mfa_device_tags(req_t *r, const val_t *in, val_t *out)
{
    str_t serial = val_get_str(in, "SerialNumber");
    mfa_t m;
    if (device(r, serial, &m, true) != 1) return GR_ERR;
    val_t *t = iam__tags(r, "mfa", serial);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}

/* ==== for STS (iam.h) ==== */

int iam_mfa_verify(struct app *app, const principal_t *who, str_t serial, str_t code, arena_t *a)
{
    req_t *r;
    str_t owner;
    bool user;
    if (iam__caller_entity(app, who, a, &r, &owner, &user) != GR_OK) return -1;
    if (!r || !user) return 0; /* root's and roles' devices are not kept here */
    mfa_t m;
    int have = device(r, serial, &m, false);
    if (have <= 0 || !str_eq(m.user, owner)) return have < 0 ? -1 : 0;
    int64_t step = find_step(m.seed, m.last_step, code, STR_NULL, 1, 1);
    if (!step) return 0;
    return set_step(r, &m, step, m.user, m.enabled_us);
}
