/* cert.c — X.509 certificates IAM keeps: users' signing certificates
 * (iam_signing_cert: Upload/Update/Delete/ListSigningCertificates) and
 * server certificates for load balancers (iam_server_cert:
 * Upload/Get/List/Update/DeleteServerCertificate).
 *
 * Every certificate is parsed (OpenSSL) before it is stored, as AWS refuses
 * what is not a PEM X.509 certificate with MalformedCertificate; a server
 * certificate's private key must parse and belong to it. The PEM text is
 * kept as uploaded and answered back unchanged. */
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

#include "core/id.h"
#include "services/iam/iam_int.h"

#define CERT_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define NO_CERT "The Certificate with id %.*s cannot be found."
#define NO_SERVER_CERT "The Server Certificate with name %.*s cannot be found."

/* ==== parsing ==== */

static X509 *parse_cert(str_t pem)
{
    if (!pem.len || pem.len > INT32_MAX) return NULL;
    BIO *b = BIO_new_mem_buf(pem.p, (int)pem.len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

/* GR_OK with *expires_us (notAfter) when pem is a certificate, else
 * MalformedCertificate recorded. */
static int cert_ok(req_t *r, str_t pem, int64_t *expires_us)
{
    X509 *x = parse_cert(pem);
    struct tm tm;
    bool ok = x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1;
    X509_free(x);
    if (!ok)
        return req_fail(r, &IAM_ERR_MalformedCertificateException,
                        "Unable to parse certificate. Please ensure the certificate is in PEM format.");
    if (expires_us) *expires_us = (int64_t)timegm(&tm) * 1000000;
    return GR_OK;
}

/* GR_OK when key is a PEM private key of the certificate body, else
 * MalformedCertificate recorded. */
static int key_matches(req_t *r, str_t body, str_t key)
{
    X509 *x = parse_cert(body);
    BIO *b = key.len && key.len < INT32_MAX ? BIO_new_mem_buf(key.p, (int)key.len) : NULL;
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    bool ok = x && k && X509_check_private_key(x, k) == 1;
    EVP_PKEY_free(k);
    BIO_free(b);
    X509_free(x);
    if (!ok) return req_fail(r, &IAM_ERR_MalformedCertificateException, "Unable to parse private key.");
    return GR_OK;
}

/* ==== signing certificates ==== */

static val_t *signing_value(req_t *r, str_t user, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "UserName", val_str(a, user));
    val_set_c(a, v, "CertificateId", val_str(a, iam__col(r, st, 0)));
    val_set_c(a, v, "CertificateBody", val_str(a, iam__col(r, st, 1)));
    val_set_c(a, v, "Status", val_cstr(a, sqlite3_column_int(st, 2) ? "Active" : "Inactive"));
    val_set_c(a, v, "UploadDate", val_time(a, sqlite3_column_int64(st, 3)));
    return v;
}

#define SIGNING_COLS "SELECT id, body, active, uploaded_us FROM iam_signing_cert WHERE account = ?1 AND user = ?2"

int iam_upload_signing_certificate(req_t *r, const val_t *in, val_t *out)
{
    str_t user, body = val_get_str(in, "CertificateBody");
    if (iam__key_user(r, in, &user) != GR_OK || cert_ok(r, body, NULL) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_signing_cert WHERE account = ?1 AND user = ?2", "s", user);
    if (n < 0) return GR_ERR;
    if (n >= IAM__SIGNING_QUOTA)
        return req_fail(r, &IAM_ERR_LimitExceededException, "Cannot exceed quota for CertificatesPerUser: %d",
                        IAM__SIGNING_QUOTA);
    n = iam__count(r, "SELECT COUNT(*) FROM iam_signing_cert WHERE account = ?1 AND body = ?2", "s", body);
    if (n < 0) return GR_ERR;
    if (n) return req_fail(r, &IAM_ERR_DuplicateCertificateException, "The certificate is already uploaded.");
    char id[33];
    id_random_chars(id, 32, CERT_ID_CHARS);
    id[32] = 0;
    if (iam__exec(r, "INSERT INTO iam_signing_cert (account, id, user, body, uploaded_us) VALUES (?1, ?2, ?3, ?4, ?5)",
                  "cssi", id, user, body, iam__now()) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r, SIGNING_COLS " AND id = ?3", "sc", user, id);
    if (!st || sqlite3_step(st) != SQLITE_ROW) return GR_ERR;
    return val_set_c(r->arena, out, "Certificate", signing_value(r, user, st));
}

static int signing_exists(req_t *r, str_t user, str_t id)
{
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_signing_cert WHERE account = ?1 AND user = ?2 AND id = ?3",
                           "ss", user, id);
    if (n < 0) return GR_ERR;
    return n ? GR_OK : req_fail(r, &IAM_ERR_NoSuchEntityException, NO_CERT, STR_FMT(id));
}

int iam_update_signing_certificate(req_t *r, const val_t *in, val_t *out)
{
    str_t user, id = val_get_str(in, "CertificateId");
    if (iam__key_user(r, in, &user) != GR_OK || signing_exists(r, user, id) != GR_OK) return GR_ERR;
    return iam__exec(r, "UPDATE iam_signing_cert SET active = ?4 WHERE account = ?1 AND user = ?2 AND id = ?3", "ssi",
                     user, id, (int64_t)str_eq_c(val_get_str(in, "Status"), "Active"));
}

int iam_delete_signing_certificate(req_t *r, const val_t *in, val_t *out)
{
    str_t user, id = val_get_str(in, "CertificateId");
    if (iam__key_user(r, in, &user) != GR_OK || signing_exists(r, user, id) != GR_OK) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_signing_cert WHERE account = ?1 AND user = ?2 AND id = ?3", "ss", user, id);
}

int iam_list_signing_certificates(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    if (iam__key_user(r, in, &user) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r, SIGNING_COLS " ORDER BY rowid", "s", user);
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, signing_value(r, user, st));
    return iam__paginate(r, in, out, "Certificates", all);
}

int iam__signing_columns(req_t *r, buf_t *b, str_t user)
{
    sqlite3_stmt *st = iam__stmt(r, SIGNING_COLS " ORDER BY rowid LIMIT 2", "s", user);
    if (!st) return GR_ERR;
    int n = 0;
    for (; n < 2 && sqlite3_step(st) == SQLITE_ROW; n++) {
        buf_put_str(b, sqlite3_column_int(st, 2) ? STR(",true,") : STR(",false,"));
        iam__report_time(b, sqlite3_column_int64(st, 3));
    }
    for (; n < 2; n++) buf_put_str(b, STR(",false,N/A"));
    return GR_OK;
}

/* ==== server certificates ==== */

#define SERVER_COLS                                                                                                    \
    "SELECT name, path, id, uploaded_us, expires_us, body, chain FROM iam_server_cert WHERE account = ?1"

static val_t *server_metadata(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    str_t name = iam__col(r, st, 0), path = iam__col(r, st, 1);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Path", val_str(a, path));
    val_set_c(a, v, "ServerCertificateName", val_str(a, name));
    val_set_c(a, v, "ServerCertificateId", val_str(a, iam__col(r, st, 2)));
    val_set_c(a, v, "Arn", val_str(a, iam__arn(r, "server-certificate", path, name)));
    val_set_c(a, v, "UploadDate", val_time(a, sqlite3_column_int64(st, 3)));
    val_set_c(a, v, "Expiration", val_time(a, sqlite3_column_int64(st, 4)));
    return v;
}

/* The certificate's row, stepped onto; NULL with NoSuchEntity recorded (or internal). */
static sqlite3_stmt *server_row(req_t *r, str_t name)
{
    sqlite3_stmt *st = iam__stmt(r, SERVER_COLS " AND name = ?2", "s", name);
    if (!st) return NULL;
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    req_fail(r, &IAM_ERR_NoSuchEntityException, NO_SERVER_CERT, STR_FMT(name));
    return NULL;
}

int iam_upload_server_certificate(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "ServerCertificateName"), path = iam__path_in(in, "Path");
    str_t body = val_get_str(in, "CertificateBody"), chain = val_get_str(in, "CertificateChain");
    int64_t expires;
    if (iam__check_name(r, name, "serverCertificateName") != GR_OK || iam__check_path(r, path, "path") != GR_OK ||
        iam__check_tags(r, val_get(in, "Tags")) != GR_OK || cert_ok(r, body, &expires) != GR_OK ||
        key_matches(r, body, val_get_str(in, "PrivateKey")) != GR_OK)
        return GR_ERR;
    X509 *first = chain.p ? parse_cert(chain) : NULL; /* PEM certificates too */
    X509_free(first);
    if (chain.p && !first)
        return req_fail(r, &IAM_ERR_MalformedCertificateException,
                        "Unable to validate certificate chain. The certificate chain must start with the immediate "
                        "signing certificate, followed by any intermediaries in order. The index within the chain of "
                        "the invalid certificate is: -1");
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_server_cert WHERE account = ?1 AND name = ?2", "s", name);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_EntityAlreadyExistsException,
                        "The Server Certificate with name %.*s already exists.", STR_FMT(name));
    if (iam__exec(r,
                  "INSERT INTO iam_server_cert (account, name, path, id, body, chain, uploaded_us, expires_us) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  "sssssii", name, path, iam__new_id(r, "ASCA"), body, chain, iam__now(), expires) != GR_OK)
        return GR_ERR;
    const val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, "server-certificate", name, tags) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = server_row(r, name);
    if (!st) return GR_ERR;
    val_set_c(r->arena, out, "ServerCertificateMetadata", server_metadata(r, st));
    if (tags && val_len(tags)) val_set_c(r->arena, out, "Tags", iam__tags(r, "server-certificate", name));
    return GR_OK;
}

int iam_get_server_certificate(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = server_row(r, val_get_str(in, "ServerCertificateName"));
    if (!st) return GR_ERR;
    val_t *c = val_new(a, VAL_STRUCT), *tags = iam__tags(r, "server-certificate", iam__col(r, st, 0));
    if (!c || !tags) return GR_ERR;
    val_set_c(a, c, "ServerCertificateMetadata", server_metadata(r, st));
    val_set_c(a, c, "CertificateBody", val_str(a, iam__col(r, st, 5)));
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) val_set_c(a, c, "CertificateChain", val_str(a, iam__col(r, st, 6)));
    if (val_len(tags)) val_set_c(a, c, "Tags", tags);
    return val_set_c(a, out, "ServerCertificate", c);
}

int iam_list_server_certificates(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = iam__stmt(r, SERVER_COLS " AND substr(path, 1, length(?2)) = ?2 ORDER BY name", "s",
                                 iam__path_in(in, "PathPrefix"));
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, server_metadata(r, st));
    return iam__paginate(r, in, out, "ServerCertificateMetadataList", all);
}

int iam_update_server_certificate(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "ServerCertificateName"), new_name = val_get_str(in, "NewServerCertificateName");
    str_t new_path = val_get_str(in, "NewPath");
    if ((new_name.p && iam__check_name(r, new_name, "newServerCertificateName") != GR_OK) ||
        (new_path.p && iam__check_path(r, new_path, "newPath") != GR_OK))
        return GR_ERR;
    sqlite3_stmt *st = server_row(r, name);
    if (!st) return GR_ERR;
    name = iam__col(r, st, 0);
    if (new_name.p && !str_eq_nocase(new_name, name)) {
        int64_t n =
            iam__count(r, "SELECT COUNT(*) FROM iam_server_cert WHERE account = ?1 AND name = ?2", "s", new_name);
        if (n < 0) return GR_ERR;
        if (n)
            return req_fail(r, &IAM_ERR_EntityAlreadyExistsException,
                            "The Server Certificate with name %.*s already exists.", STR_FMT(new_name));
    }
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r, "UPDATE iam_server_cert SET path = COALESCE(?3, path) WHERE account = ?1 AND name = ?2", "sc",
                  name, new_path.p ? arena_strndup(r->arena, new_path.p, new_path.len) : NULL) != GR_OK ||
        (new_name.p &&
         (iam__exec(r, "UPDATE iam_server_cert SET name = ?3 WHERE account = ?1 AND name = ?2", "ss", name, new_name) !=
              GR_OK ||
          iam__exec(r,
                    "UPDATE iam_tag SET owner = ?3 WHERE account = ?1 AND kind = 'server-certificate' AND owner = ?2",
                    "ss", name, new_name) != GR_OK))) {
        iam__rollback(r);
        return GR_ERR;
    }
    return iam__commit(r);
}

int iam_delete_server_certificate(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = server_row(r, val_get_str(in, "ServerCertificateName"));
    if (!st) return GR_ERR;
    str_t name = iam__col(r, st, 0);
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__delete_tags(r, "server-certificate", name) != GR_OK ||
        iam__exec(r, "DELETE FROM iam_server_cert WHERE account = ?1 AND name = ?2", "s", name) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    return iam__commit(r);
}

int iam_tag_server_certificate(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = server_row(r, val_get_str(in, "ServerCertificateName"));
    return st ? iam__tag(r, "server-certificate", iam__col(r, st, 0), val_get(in, "Tags")) : GR_ERR;
}

int iam_untag_server_certificate(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = server_row(r, val_get_str(in, "ServerCertificateName"));
    return st ? iam__untag(r, "server-certificate", iam__col(r, st, 0), val_get(in, "TagKeys")) : GR_ERR;
}

int iam_list_server_certificate_tags(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = server_row(r, val_get_str(in, "ServerCertificateName"));
    val_t *t = st ? iam__tags(r, "server-certificate", iam__col(r, st, 0)) : NULL;
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}
