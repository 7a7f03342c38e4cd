/* ssh.c — IAM users' SSH public keys (iam_ssh_key:
 * Upload/Get/Update/Delete/ListSSHPublicKeys), the keys AWS CodeCommit
 * authenticates Git over SSH with.
 *
 * AWS takes RSA keys only, in OpenSSH's one-line form ("ssh-rsa AAAA…") or
 * PEM, of 2048 to 16384 bits. Each is parsed (OpenSSL) into its OpenSSH key
 * blob: the Fingerprint is the blob's MD5 as colon-separated hex (OpenSSH's
 * MD5 fingerprint), duplicates are found by blob, and GetSSHPublicKey answers
 * either encoding from it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "core/id.h"
#include "services/iam/iam_int.h"

#define MAX_KEYS 5 /* AWS: SSHPublicKeysPerUser */
#define MIN_BITS 2048
#define MAX_BITS 16384
#define NO_KEY "The Public Key with id %.*s cannot be found."

/* ==== OpenSSH's wire form: uint32 length + bytes ==== */

static bool ssh_string(str_t *blob, str_t *out)
{
    if (blob->len < 4) return false;
    const unsigned char *p = (const unsigned char *)blob->p;
    size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (n > blob->len - 4) return false;
    *out = str_n(blob->p + 4, n);
    *blob = str_n(blob->p + 4 + n, blob->len - 4 - n);
    return true;
}

static void put_string(buf_t *b, const void *p, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                            (unsigned char)n};
    buf_append(b, len, 4);
    buf_append(b, p, n);
}

/* An mpint: big-endian, a leading zero byte when the top bit is set. */
static void put_mpint(buf_t *b, arena_t *a, const BIGNUM *bn)
{
    size_t n = (size_t)BN_num_bytes(bn);
    unsigned char *p = arena_alloc(a, n + 1);
    p[0] = 0;
    BN_bn2bin(bn, p + 1);
    bool pad = n && (p[1] & 0x80);
    put_string(b, pad ? p : p + 1, pad ? n + 1 : n);
}

/* ==== parsing ==== */

/* The RSA key of an "ssh-rsa BASE64 [comment]" line, or NULL. *recognized
 * is false when the text is not in that form at all. */
static EVP_PKEY *from_openssh(arena_t *a, str_t body, bool *recognized)
{
    str_t t = str_trim(body), type, b64;
    t = str_cut(t, ' ', &type);
    *recognized = str_eq_c(type, "ssh-rsa");
    if (!*recognized) return NULL;
    str_cut(str_trim(t), ' ', &b64);
    str_t blob, field, e, n;
    if (!arena_unbase64(a, b64, &blob) || !ssh_string(&blob, &field) || !str_eq_c(field, "ssh-rsa") ||
        !ssh_string(&blob, &e) || !ssh_string(&blob, &n) || blob.len)
        return NULL;
    BIGNUM *bn_e = BN_bin2bn((const unsigned char *)e.p, (int)e.len, NULL);
    BIGNUM *bn_n = BN_bin2bn((const unsigned char *)n.p, (int)n.len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    if (bn_e && bn_n && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
        EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_e);
    BN_free(bn_n);
    return k;
}

/* A PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or "RSA PUBLIC KEY" (PKCS#1), or NULL. */
static EVP_PKEY *from_pem(str_t body, bool *recognized)
{
    *recognized = memmem(body.p, body.len, "-----BEGIN ", 11) != NULL;
    if (!*recognized || body.len > INT32_MAX) return NULL;
    BIO *b = BIO_new_mem_buf(body.p, (int)body.len);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    EVP_PKEY *k = NULL;
    if (b && PEM_read_bio(b, &name, &header, &data, &len) == 1) {
        const unsigned char *p = data;
        if (!strcmp(name, "PUBLIC KEY"))
            k = d2i_PUBKEY(NULL, &p, len);
        else if (!strcmp(name, "RSA PUBLIC KEY"))
            k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
        else
            *recognized = false; /* a certificate, a private key … */
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(b);
    return k;
}

/* The key's OpenSSH blob ("ssh-rsa", e, n); STR_NULL when it is not RSA. */
static str_t key_blob(arena_t *a, EVP_PKEY *k)
{
    BIGNUM *n = NULL, *e = NULL;
    str_t out = STR_NULL;
    if (EVP_PKEY_is_a(k, "RSA") && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
        buf_t b;
        buf_init(&b, a);
        put_string(&b, "ssh-rsa", 7);
        put_mpint(&b, a, e);
        put_mpint(&b, a, n);
        out = buf_str(&b);
    }
    BN_free(n);
    BN_free(e);
    return out;
}

/* GR_OK with the key's blob (base64) and fingerprint, else AWS's refusal recorded. */
static int parse_key(req_t *r, str_t body, str_t *blob, str_t *fingerprint)
{
    bool recognized = false;
    EVP_PKEY *k = from_openssh(r->arena, body, &recognized);
    if (!recognized) k = from_pem(body, &recognized);
    if (!recognized)
        return req_fail(r, &IAM_ERR_UnrecognizedPublicKeyEncodingException,
                        "The request was rejected because the public key encoding format is unsupported or "
                        "unrecognized.");
    int bits = k ? EVP_PKEY_get_bits(k) : 0;
    *blob = k ? key_blob(r->arena, k) : STR_NULL;
    EVP_PKEY_free(k);
    if (!blob->p || bits < MIN_BITS || bits > MAX_BITS)
        return req_fail(r, &IAM_ERR_InvalidPublicKeyException,
                        "The request was rejected because the public key is malformed or otherwise invalid.");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(blob->p, blob->len, md, &mdlen, EVP_md5(), NULL) != 1) return GR_ERR;
    buf_t f;
    buf_init(&f, r->arena);
    for (unsigned i = 0; i < mdlen; i++) buf_printf(&f, i ? ":%02x" : "%02x", md[i]);
    *fingerprint = buf_str(&f);
    *blob = arena_base64(r->arena, blob->p, blob->len); /* as stored */
    return GR_OK;
}

/* The key in the encoding asked for: as uploaded when it came that way,
 * else converted from its blob. */
static str_t encode(req_t *r, str_t body, str_t blob, str_t encoding)
{
    bool pem_in = memmem(body.p, body.len, "-----BEGIN ", 11) != NULL;
    if (str_eq_c(encoding, "PEM") == pem_in) return body;
    if (str_eq_c(encoding, "SSH"))
        return str_c(arena_printf(r->arena, "ssh-rsa %s", arena_base64(r->arena, blob.p, blob.len).p));
    bool rec;
    EVP_PKEY *k = from_openssh(r->arena, body, &rec);
    BIO *b = BIO_new(BIO_s_mem());
    str_t out = STR_NULL;
    char *p;
    long n;
    if (k && b && PEM_write_bio_PUBKEY(b, k) == 1 && (n = BIO_get_mem_data(b, &p)) > 0)
        out = arena_str(r->arena, str_n(p, (size_t)n));
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

/* ==== operations ==== */

#define KEY_COLS                                                                                                       \
    "SELECT id, body, blob, fingerprint, active, uploaded_us FROM iam_ssh_key WHERE account = ?1 AND user = ?2"

static val_t *key_value(req_t *r, str_t user, sqlite3_stmt *st, bool full, str_t encoding)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "UserName", val_str(a, user));
    val_set_c(a, v, "SSHPublicKeyId", val_str(a, iam__col(r, st, 0)));
    if (full) {
        str_t blob;
        if (!arena_unbase64(a, iam__col(r, st, 2), &blob)) blob = STR("");
        val_set_c(a, v, "Fingerprint", val_str(a, iam__col(r, st, 3)));
        val_set_c(a, v, "SSHPublicKeyBody", val_str(a, encode(r, iam__col(r, st, 1), blob, encoding)));
    }
    val_set_c(a, v, "Status", val_cstr(a, sqlite3_column_int(st, 4) ? "Active" : "Inactive"));
    val_set_c(a, v, "UploadDate", val_time(a, sqlite3_column_int64(st, 5)));
    return v;
}

int iam_upload_ssh_public_key(req_t *r, const val_t *in, val_t *out)
{
    str_t user, body = val_get_str(in, "SSHPublicKeyBody"), blob, fp;
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), &user, NULL, NULL, NULL) != GR_OK ||
        parse_key(r, body, &blob, &fp) != GR_OK)
        return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_ssh_key WHERE account = ?1 AND user = ?2", "s", user);
    int64_t dup = iam__count(r, "SELECT COUNT(*) FROM iam_ssh_key WHERE account = ?1 AND user = ?2 AND blob = ?3", "ss",
                             user, blob);
    if (n < 0 || dup < 0) return GR_ERR;
    if (dup)
        return req_fail(r, &IAM_ERR_DuplicateSSHPublicKeyException,
                        "The request was rejected because the SSH public key is already associated with the "
                        "specified IAM user.");
    if (n >= MAX_KEYS)
        return req_fail(r, &IAM_ERR_LimitExceededException, "Cannot exceed quota for SSHPublicKeysPerUser: %d",
                        MAX_KEYS);
    str_t id = iam__new_id(r, "APKA");
    if (iam__exec(r,
                  "INSERT INTO iam_ssh_key (account, id, user, body, blob, fingerprint, uploaded_us) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  "sssssi", id, user, body, blob, fp, iam__now()) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r, KEY_COLS " AND id = ?3", "ss", user, id);
    if (!st || sqlite3_step(st) != SQLITE_ROW) return GR_ERR;
    return val_set_c(r->arena, out, "SSHPublicKey", key_value(r, user, st, true, STR("SSH")));
}

/* The key's row, stepped onto; NULL with NoSuchEntity recorded (or internal). */
static sqlite3_stmt *key_row(req_t *r, const val_t *in, str_t *user)
{
    str_t id = val_get_str(in, "SSHPublicKeyId");
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), user, NULL, NULL, NULL) != GR_OK) return NULL;
    sqlite3_stmt *st = iam__stmt(r, KEY_COLS " AND id = ?3", "ss", *user, id);
    if (!st) return NULL;
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    req_fail(r, &IAM_ERR_NoSuchEntityException, NO_KEY, STR_FMT(id));
    return NULL;
}

int iam_get_ssh_public_key(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    sqlite3_stmt *st = key_row(r, in, &user);
    if (!st) return GR_ERR;
    return val_set_c(r->arena, out, "SSHPublicKey", key_value(r, user, st, true, val_get_str(in, "Encoding")));
}

int iam_update_ssh_public_key(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    sqlite3_stmt *st = key_row(r, in, &user);
    if (!st) return GR_ERR;
    return iam__exec(r, "UPDATE iam_ssh_key SET active = ?3 WHERE account = ?1 AND id = ?2", "si", iam__col(r, st, 0),
                     (int64_t)str_eq_c(val_get_str(in, "Status"), "Active"));
}

int iam_delete_ssh_public_key(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    sqlite3_stmt *st = key_row(r, in, &user);
    if (!st) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_ssh_key WHERE account = ?1 AND id = ?2", "s", iam__col(r, st, 0));
}

/* AWS: without UserName, the calling user's keys (none for other callers). */
int iam_list_ssh_public_keys(req_t *r, const val_t *in, val_t *out)
{
    str_t user = val_get_str(in, "UserName");
    if (!user.p) user = r->who.user_name;
    if (user.len && iam__entity(r, &iam__user, user, &user, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r, KEY_COLS " ORDER BY rowid", "s", user.p ? user : STR(""));
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, key_value(r, user, st, false, STR_NULL));
    return iam__paginate(r, in, out, "SSHPublicKeys", all);
}
