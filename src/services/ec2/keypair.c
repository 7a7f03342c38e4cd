/* keypair.c — EC2 key pairs: CreateKeyPair, ImportKeyPair,
 * DescribeKeyPairs, DeleteKeyPair.
 *
 * Created keys are really generated (OpenSSL): RSA 2048 handed out as a PEM
 * "RSA PRIVATE KEY", ED25519 in OpenSSH's own private key format, as AWS
 * hands them out; only the OpenSSH public key line is kept (instances put
 * it in ec2-user's authorized_keys). Fingerprints as AWS computes them
 * (AWS: "Verify your key pair's fingerprint", EC2 User Guide): a created RSA
 * key's is the SHA-1 of its PKCS#8 DER private key, an imported RSA key's
 * the MD5 of its DER public key, both as colon-separated hex; an ED25519
 * key's the base64 SHA-256 of its OpenSSH public key blob, as ssh-keygen. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_Dup = {"InvalidKeyPair.Duplicate", 400, true};
static const aws_errdef_t E_NF = {"InvalidKeyPair.NotFound", 400, true};
static const aws_errdef_t E_Format = {"InvalidKeyPair.Format", 400, true};

/* ==== OpenSSH wire strings ==== */

static void put_u32(buf_t *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    buf_append(b, x, 4);
}

static void put_string(buf_t *b, const void *p, size_t n)
{
    put_u32(b, (uint32_t)n);
    buf_append(b, p, n);
}

/* An mpint: big-endian, a leading zero when the top bit is set. */
static void put_mpint(buf_t *b, const BIGNUM *bn)
{
    unsigned char tmp[1024];
    int n = BN_num_bytes(bn);
    if (n <= 0 || n > (int)sizeof tmp - 1) return put_u32(b, 0);
    tmp[0] = 0;
    BN_bn2bin(bn, tmp + 1);
    bool pad = tmp[1] & 0x80;
    put_string(b, pad ? tmp : tmp + 1, (size_t)n + pad);
}

static bool get_string(const unsigned char **p, size_t *left, const unsigned char **s, size_t *n)
{
    if (*left < 4) return false;
    uint32_t len = ((uint32_t)(*p)[0] << 24) | ((uint32_t)(*p)[1] << 16) | ((uint32_t)(*p)[2] << 8) | (*p)[3];
    if (len > *left - 4) return false;
    *s = *p + 4, *n = len;
    *p += 4 + len, *left -= 4 + len;
    return true;
}

/* The OpenSSH public key blob of pkey (RSA or ED25519). */
static str_t pub_blob(arena_t *a, EVP_PKEY *pkey, bool ed)
{
    buf_t b;
    buf_init(&b, a);
    if (ed) {
        unsigned char pk[32];
        size_t n = sizeof pk;
        EVP_PKEY_get_raw_public_key(pkey, pk, &n);
        put_string(&b, "ssh-ed25519", 11);
        put_string(&b, pk, n);
    } else {
        BIGNUM *nn = NULL, *e = NULL;
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &nn);
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
        put_string(&b, "ssh-rsa", 7);
        if (e && nn) put_mpint(&b, e), put_mpint(&b, nn);
        BN_free(nn);
        BN_free(e);
    }
    return buf_str(&b);
}

static const char *hex_colons(arena_t *a, const unsigned char *d, size_t n)
{
    char *out = arena_alloc(a, n * 3 + 1);
    for (size_t i = 0; i < n; i++) snprintf(out + i * 3, 4, "%02x%s", d[i], i + 1 < n ? ":" : "");
    return out;
}

static const char *sha256_b64(arena_t *a, str_t blob)
{
    unsigned char d[32];
    EVP_Digest(blob.p, blob.len, d, NULL, EVP_sha256(), NULL);
    str_t s = arena_base64(a, d, sizeof d);
    return arena_strndup(a, s.p, s.len);
}

/* The OpenSSH line of a blob: "<type> <base64> <comment>". */
static const char *ssh_line(arena_t *a, bool ed, str_t blob, const char *comment)
{
    str_t s = arena_base64(a, blob.p, blob.len);
    return arena_printf(a, "%s %.*s %s", ed ? "ssh-ed25519" : "ssh-rsa", STR_FMT(s), comment);
}

/* The openssh-key-v1 private key file of an ED25519 key (unencrypted, as
 * ssh-keygen writes it), lines of 70 base64 characters. */
static const char *openssh_private(arena_t *a, EVP_PKEY *pkey, str_t pub, const char *comment)
{
    unsigned char sk[64];
    size_t n = 32, m = 32;
    EVP_PKEY_get_raw_private_key(pkey, sk, &n);
    EVP_PKEY_get_raw_public_key(pkey, sk + 32, &m);
    uint32_t check;
    RAND_bytes((unsigned char *)&check, sizeof check);
    buf_t priv;
    buf_init(&priv, a);
    put_u32(&priv, check);
    put_u32(&priv, check);
    put_string(&priv, "ssh-ed25519", 11);
    put_string(&priv, sk + 32, 32);
    put_string(&priv, sk, 64);
    put_string(&priv, comment, strlen(comment));
    for (unsigned char pad = 1; buf_str(&priv).len % 8; pad++) buf_append(&priv, &pad, 1);
    buf_t b;
    buf_init(&b, a);
    buf_append(&b, "openssh-key-v1", 15);
    put_string(&b, "none", 4);
    put_string(&b, "none", 4);
    put_string(&b, "", 0);
    put_u32(&b, 1);
    put_string(&b, pub.p, pub.len);
    str_t ps = buf_str(&priv);
    put_string(&b, ps.p, ps.len);
    OPENSSL_cleanse(sk, sizeof sk);
    str_t all = buf_str(&b), s = arena_base64(a, all.p, all.len);
    buf_t out;
    buf_init(&out, a);
    buf_printf(&out, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (size_t i = 0; i < s.len; i += 70) buf_printf(&out, "%.*s\n", (int)(s.len - i < 70 ? s.len - i : 70), s.p + i);
    buf_printf(&out, "-----END OPENSSH PRIVATE KEY-----");
    str_t o = buf_str(&out);
    return arena_strndup(a, o.p, o.len);
}

/* ==== Store ==== */

static int name_taken(req_t *r, sqlite3 *db, str_t name)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM keypair WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return -1;
    return rc == SQLITE_ROW;
}

/* Checks the name and stores the key: its id, or NULL with r failed. */
static const char *store_key(req_t *r, const val_t *in, str_t name, const char *type, const char *fp, const char *pub)
{
    arena_t *a = r->arena;
    /* AWS: "Constraints: Up to 255 ASCII characters". */
    if (!name.p || !name.len)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter KeyName"), NULL;
    if (name.len > 255)
        return req_fail(r, &ERR_InvalidParameterValue, "Value (%.*s) for parameter keyName is invalid.", STR_FMT(name)),
               NULL;
    sqlite3 *db = ec2__ready(r);
    if (!db) return NULL;
    int t = name_taken(r, db, name);
    if (t < 0) return NULL;
    /* AWS (recorded, moto): "The keypair 'web' already exists." */
    if (t) return req_fail(r, &E_Dup, "The keypair '%.*s' already exists.", STR_FMT(name)), NULL;
    const char *id = ec2__new_id(a, "key");
    if (ec2__begin(db) != GR_OK) return NULL;
    bool ok =
        EXEC(db,
             "INSERT INTO keypair (account, region, name, id, type, fingerprint, public, created) VALUES (?1, "
             "?2, ?3, ?4, ?5, ?6, ?7, ?8)",
             arena_strndup(a, r->who.account.p, r->who.account.len), arena_strndup(a, r->region.p, r->region.len),
             arena_strndup(a, name.p, name.len), id, type, fp, pub, arena_printf(a, "%lld", (long long)ec2__seq()));
    ok = ok && ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "key-pair", id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return NULL;
    return id;
}

static void answer_key(req_t *r, val_t *out, str_t name, const char *id, const char *fp)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    val_set_c(a, out, "KeyFingerprint", val_cstr(a, fp));
    val_set_c(a, out, "KeyName", val_str(a, name));
    val_set_c(a, out, "KeyPairId", val_cstr(a, id));
    val_t *tags = db ? ec2__tags_of(r, db, str_c(id)) : NULL;
    if (tags) val_set_c(a, out, "Tags", tags);
}

/* ==== Operations ==== */

int ec2_create_key_pair(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "KeyName"), type = val_get_str(in, "KeyType"), fmt = val_get_str(in, "KeyFormat");
    bool ed = str_eq_c(type, "ed25519");
    if (type.p && !ed && !str_eq_c(type, "rsa"))
        return req_fail(r, &ERR_InvalidParameterValue, "Value (%.*s) for parameter keyType is invalid.", STR_FMT(type));
    /* PuTTY's ppk format is not made (not implemented here). */
    if (fmt.p && !str_eq_c(fmt, "pem"))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%.*s) for parameter keyFormat is not supported by this server; use pem.", STR_FMT(fmt));
    if (name.p && name.len) {
        sqlite3 *db = ec2__ready(r);
        int t = db ? name_taken(r, db, name) : -1;
        if (t < 0) return GR_ERR;
        if (t) return req_fail(r, &E_Dup, "The keypair '%.*s' already exists.", STR_FMT(name));
    }
    EVP_PKEY *pkey = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!pkey) return req_fail(r, &ERR_InternalError, "key generation failed");
    const char *cname = name.p ? arena_strndup(a, name.p, name.len) : "";
    str_t blob = pub_blob(a, pkey, ed);
    const char *material = NULL, *fp = NULL;
    if (ed) {
        material = openssh_private(a, pkey, blob, cname);
        fp = sha256_b64(a, blob);
    } else {
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio && PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
            char *p;
            long n = BIO_get_mem_data(bio, &p);
            while (n > 0 && p[n - 1] == '\n') n--;
            material = arena_strndup(a, p, (size_t)n);
        }
        BIO_free(bio);
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
        unsigned char *der = NULL;
        int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
        if (n > 0) {
            unsigned char d[20];
            EVP_Digest(der, (size_t)n, d, NULL, EVP_sha1(), NULL);
            fp = hex_colons(a, d, sizeof d);
            OPENSSL_clear_free(der, (size_t)n);
        }
        PKCS8_PRIV_KEY_INFO_free(p8);
    }
    EVP_PKEY_free(pkey);
    if (!material || !fp) return req_fail(r, &ERR_InternalError, "key encoding failed");
    const char *id = store_key(r, in, name, ed ? "ed25519" : "rsa", fp, ssh_line(a, ed, blob, cname));
    if (!id) return GR_ERR;
    answer_key(r, out, name, id, fp);
    return val_set_c(a, out, "KeyMaterial", val_cstr(a, material));
}

/* The RSA key of an ssh-rsa blob, NULL when it is not one. */
static EVP_PKEY *rsa_of_blob(const unsigned char *p, size_t left)
{
    const unsigned char *t, *e, *n;
    size_t tl, el, nl;
    if (!get_string(&p, &left, &t, &tl) || tl != 7 || memcmp(t, "ssh-rsa", 7) || !get_string(&p, &left, &e, &el) ||
        !get_string(&p, &left, &n, &nl) || left)
        return NULL;
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (bn && be && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
        EVP_PKEY_fromdata_init(ctx) > 0)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(bn);
    BN_free(be);
    /* AWS: imported RSA keys are 1024, 2048 or 4096 bits (2048 and up
     * accepted here, as AWS accepts them). */
    if (pkey && EVP_PKEY_get_bits(pkey) < 1024) EVP_PKEY_free(pkey), pkey = NULL;
    return pkey;
}

int ec2_import_key_pair(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "KeyName");
    const val_t *mv = val_get(in, "PublicKeyMaterial");
    str_t mat = mv ? mv->u.s : STR_NULL;
    /* The material: an OpenSSH line "<type> <base64> [comment]". AWS also
     * accepts it base64-encoded once more (clients that encode it
     * themselves). */
    const char *line = mat.p ? arena_strndup(a, mat.p, mat.len) : "";
    str_t dec;
    if (strncmp(line, "ssh-", 4) && arena_unbase64(a, mat, &dec)) line = arena_strndup(a, dec.p, dec.len);
    const char *sp = strchr(line, ' ');
    str_t blob = STR_NULL;
    bool ed = !strncmp(line, "ssh-ed25519 ", 12);
    if (sp && (ed || !strncmp(line, "ssh-rsa ", 8))) {
        const char *b64 = sp + 1, *end = b64;
        while (*end && *end != ' ' && *end != '\n' && *end != '\r') end++;
        if (!arena_unbase64(a, str_n(b64, (size_t)(end - b64)), &blob)) blob = STR_NULL;
    }
    const char *fp = NULL;
    if (blob.p && ed) {
        const unsigned char *p = (const unsigned char *)blob.p, *t, *k;
        size_t left = blob.len, tl, kl;
        if (get_string(&p, &left, &t, &tl) && tl == 11 && !memcmp(t, "ssh-ed25519", 11) &&
            get_string(&p, &left, &k, &kl) && kl == 32 && !left)
            fp = sha256_b64(a, blob);
    } else if (blob.p) {
        EVP_PKEY *pkey = rsa_of_blob((const unsigned char *)blob.p, blob.len);
        unsigned char *der = NULL;
        int n = pkey ? i2d_PUBKEY(pkey, &der) : -1;
        if (n > 0) {
            unsigned char d[16];
            EVP_Digest(der, (size_t)n, d, NULL, EVP_md5(), NULL);
            fp = hex_colons(a, d, sizeof d);
        }
        OPENSSL_free(der);
        EVP_PKEY_free(pkey);
    }
    /* AWS (recorded, moto): "Key is not in valid OpenSSH public key
     * format". */
    if (!fp) return req_fail(r, &E_Format, "Key is not in valid OpenSSH public key format");
    const char *cname = name.p ? arena_strndup(a, name.p, name.len) : "";
    const char *id = store_key(r, in, name, ed ? "ed25519" : "rsa", fp, ssh_line(a, ed, blob, cname));
    if (!id) return GR_ERR;
    answer_key(r, out, name, id, fp);
    return GR_OK;
}

int ec2_describe_key_pairs(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"key-pair-id", "key-name", "fingerprint", "key-type", NULL};
    const val_t *filters = val_get(in, "Filters"), *names = val_get(in, "KeyNames"), *ids = val_get(in, "KeyPairIds");
    bool pub = val_get_bool(in, "IncludePublicKey", false);
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "keypair", ids) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(names); i++) {
        int t = name_taken(r, db, names->u.list.v[i]->u.s);
        if (t < 0) return GR_ERR;
        /* AWS (recorded): "The key pair 'web' does not exist". */
        if (!t) return req_fail(r, &E_NF, "The key pair '%.*s' does not exist", STR_FMT(names->u.list.v[i]->u.s));
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT name, id, type, fingerprint, public, created FROM keypair WHERE "
                                      "account = ?1 AND region = ?2 ORDER BY name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t name = store_col_str(a, st, 0), id = store_col_str(a, st, 1), type = store_col_str(a, st, 2),
              fp = store_col_str(a, st, 3);
        if (!ec2__named(names, name) || !ec2__named(ids, id)) continue;
        val_t *v = val_new(a, VAL_STRUCT), *tags = ec2__tags_of(r, db, id);
        val_set_c(a, v, "KeyPairId", val_str(a, id));
        val_set_c(a, v, "KeyFingerprint", val_str(a, fp));
        val_set_c(a, v, "KeyName", val_str(a, name));
        val_set_c(a, v, "KeyType", val_str(a, type));
        val_set_c(a, v, "Tags", tags ? tags : val_new(a, VAL_LIST));
        if (pub) val_set_c(a, v, "PublicKey", val_str(a, store_col_str(a, st, 4)));
        val_set_c(a, v, "CreateTime", val_time(a, sqlite3_column_int64(st, 5)));
        ec2__fields_t f;
        ec2__fields_init(&f, a);
        ec2__field(&f, "key-pair-id", arena_strndup(a, id.p, id.len));
        ec2__field(&f, "key-name", arena_strndup(a, name.p, name.len));
        ec2__field(&f, "fingerprint", arena_strndup(a, fp.p, fp.len));
        ec2__field(&f, "key-type", arena_strndup(a, type.p, type.len));
        ec2__field_tags(&f, tags);
        if (ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return val_set_c(a, out, "KeyPairs", list);
}

int ec2_delete_key_pair(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "KeyName"), id = val_get_str(in, "KeyPairId");
    if (!name.p && !id.p)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter KeyName or KeyPairId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM keypair WHERE account = ?1 AND region = ?2 AND (name = ?3 OR "
                                      "id = ?4)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name.p ? name : str_c(""));
    store_bind_str(st, 4, id.p ? id : str_c(""));
    str_t found = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: deleting a key pair that does not exist succeeds. */
    if (found.p) {
        const char *fid = arena_strndup(a, found.p, found.len);
        if (ec2__begin(db) != GR_OK) return GR_ERR;
        bool ok = EXEC(db, "DELETE FROM keypair WHERE account = ?1 AND region = ?2 AND id = ?3",
                       arena_strndup(a, r->who.account.p, r->who.account.len),
                       arena_strndup(a, r->region.p, r->region.len), fid) &&
                  ec2__tags_drop(r, db, found) == GR_OK;
        if (ec2__end(db, ok) != GR_OK) return GR_ERR;
        val_set_c(a, out, "KeyPairId", val_str(a, found));
    }
    return val_set_c(a, out, "Return", val_bool(a, true));
}
