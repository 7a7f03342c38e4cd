/* sse.c — S3 server-side encryption as the object path sees it: which
 * encryption a write asks for (x-amz-server-side-encryption*, SSE-C's
 * x-amz-server-side-encryption-customer-*, else the bucket's default), the
 * headers a response carries, and the SSE-C key a read must present.
 * Called by object.c and multipart.c; bytes are stored as written (gureum
 * holds no keys), but every answer and check is AWS's. Also
 * UpdateObjectEncryption, which changes an object's stored form in place.
 * Invariant: the stored form (s3_attrs_t.sse) never holds an SSE-C key,
 * only its MD5. */
#include <ctype.h>
#include <string.h>

#include "s3_bucket.h"
#include "core/gtime.h"
#include "core/md5.h"
#include "s3_internal.h"

/* Stored form, fields separated by '\n':
 *   "AES256"                          SSE-S3
 *   "aws:kms\nKEYID\nBK"              SSE-KMS (or aws:kms:dsse); BK "1" when bucket keys are on
 *   "C\nAES256\nKEYMD5"               SSE-C; KEYMD5 the base64 MD5 of the customer key
 * STR_NULL (rows from before it was kept) reads as "AES256". */

static const aws_errdef_t E_InvalidEncryptionAlgorithm = {"InvalidEncryptionAlgorithmError", 400, true};

static str_t field(str_t sse, int n)
{
    str_t rest = sse, item = STR_NULL;
    for (int i = 0; i <= n; i++) {
        if (!rest.p) return STR_NULL;
        rest = str_cut(rest, '\n', &item);
    }
    return item;
}

static bool is_c(str_t sse)
{
    return str_eq(field(sse, 0), STR("C"));
}

/* The SSE-C triple under prefix ("" or "CopySource"): 0 none given, 1 valid
 * (*md5 its base64 key MD5), -1 the request failed. */
static int customer_key(req_t *r, const val_t *in, const char *prefix, str_t *md5)
{
    arena_t *a = r->arena;
    bool src = *prefix != 0; /* "CopySource" */
    str_t alg = val_get_str(in, src ? "CopySourceSSECustomerAlgorithm" : "SSECustomerAlgorithm");
    str_t key = val_get_str(in, src ? "CopySourceSSECustomerKey" : "SSECustomerKey");
    str_t given = val_get_str(in, src ? "CopySourceSSECustomerKeyMD5" : "SSECustomerKeyMD5");
    if (!alg.p && !key.p && !given.p) return 0;
    /* AWS: S3 error codes for SSE-C ("Using server-side encryption with customer-provided keys") */
    if (!alg.p)
        return req_fail(r, &S3_E_InvalidArgument,
                        "Requests specifying Server Side Encryption with Customer provided "
                        "keys must provide a valid encryption algorithm."),
               -1;
    if (!str_eq_c(alg, "AES256"))
        return req_fail(r, &E_InvalidEncryptionAlgorithm,
                        "The Encryption request you specified is not valid. Supported value: AES256."),
               -1;
    if (!key.p)
        return req_fail(r, &S3_E_InvalidArgument,
                        "Requests specifying Server Side Encryption with Customer provided "
                        "keys must provide an appropriate secret key."),
               -1;
    str_t raw;
    if (!s3__unb64(a, key, &raw) || raw.len != 32)
        return req_fail(r, &S3_E_InvalidArgument, "The secret key was invalid for the specified algorithm."), -1;
    if (!given.p)
        return req_fail(r, &S3_E_InvalidArgument,
                        "Requests specifying Server Side Encryption with Customer provided "
                        "keys must provide the client calculated MD5 of the secret key."),
               -1;
    unsigned char d[16];
    md5_of(raw.p, raw.len, d);
    *md5 = arena_base64(a, d, 16);
    if (!str_eq(*md5, given))
        return req_fail(r, &S3_E_InvalidArgument,
                        "The calculated MD5 hash of the key did not match the hash that was provided."),
               -1;
    return 1;
}

static bool kms_alg(str_t alg)
{
    return str_eq_c(alg, "aws:kms") || str_eq_c(alg, "aws:kms:dsse");
}

int s3__sse_for_write(req_t *r, sqlite3 *db, str_t bucket, const val_t *in, str_t *sse)
{
    arena_t *a = r->arena;
    str_t alg = val_get_str(in, "ServerSideEncryption"), kid = val_get_str(in, "SSEKMSKeyId");
    const val_t *bk = val_get(in, "BucketKeyEnabled");
    str_t md5;
    int c = customer_key(r, in, "", &md5);
    if (c < 0) return GR_ERR;
    if (c) {
        /* AWS: SSE-C excludes x-amz-server-side-encryption and the KMS key */
        if (alg.p || kid.p)
            return req_fail(r, &S3_E_InvalidArgument,
                            "Server Side Encryption with Customer provided key is incompatible with the encryption "
                            "method specified");
        *sse = str_c(arena_printf(a, "C\nAES256\n%.*s", STR_FMT(md5)));
        return GR_OK;
    }
    if (alg.p && !str_eq_c(alg, "AES256") && !kms_alg(alg))
        return req_fail(r, &S3_E_InvalidArgument, "The encryption method specified is not supported");
    /* AWS: a KMS key id or encryption context only with aws:kms */
    if ((kid.p || val_get_str(in, "SSEKMSEncryptionContext").p) && !kms_alg(alg))
        return req_fail(r, &S3_E_InvalidArgument,
                        "Server Side Encryption with AWS KMS managed key requires HTTP header "
                        "x-amz-server-side-encryption : aws:kms");
    bool bucket_key = bk && val_get_bool(in, "BucketKeyEnabled", false);
    if (!alg.p) {
        /* AWS: the bucket's default encryption applies when the request names none
         * (and every bucket defaults to SSE-S3 since January 2023) */
        val_t *doc = NULL;
        if (db && s3_cfg_get(r, db, bucket, "encryption", &doc) < 0) return GR_ERR;
        const val_t *rules = doc ? val_get(doc, "Rules") : NULL;
        const val_t *rule = rules && rules->kind == VAL_LIST && rules->u.list.n ? rules->u.list.v[0] : NULL;
        const val_t *d = rule ? val_get(rule, "ApplyServerSideEncryptionByDefault") : NULL;
        alg = d ? val_get_str(d, "SSEAlgorithm") : STR_NULL;
        if (kms_alg(alg)) kid = val_get_str(d, "KMSMasterKeyID");
        if (!bk && rule) bucket_key = val_get_bool(rule, "BucketKeyEnabled", false);
    }
    if (!kms_alg(alg)) {
        *sse = STR("AES256");
        return GR_OK;
    }
    /* AWS: without a key id S3 uses the account's AWS managed key, aws/s3 */
    if (!kid.len)
        kid = str_c(arena_printf(a, "arn:aws:kms:%.*s:%.*s:alias/aws/s3", STR_FMT(r->region), STR_FMT(r->who.account)));
    *sse = str_c(arena_printf(a, "%.*s\n%.*s\n%d", STR_FMT(alg), STR_FMT(kid), bucket_key));
    return GR_OK;
}

int s3__sse_for_read(req_t *r, const val_t *in, str_t sse, bool copy_source)
{
    str_t md5;
    int c = customer_key(r, in, copy_source ? "CopySource" : "", &md5);
    if (c < 0) return GR_ERR;
    /* GetObject and HeadObject have no such member: the header itself */
    if (!copy_source && wire_header(&r->w, "x-amz-server-side-encryption").p)
        /* AWS: x-amz-server-side-encryption belongs to writes; a GET or HEAD naming it is refused */
        return req_fail(r, &S3_E_InvalidArgument,
                        "x-amz-server-side-encryption header is not supported for this operation.");
    if (is_c(sse)) {
        /* AWS: an SSE-C object is read only with its key: none is 400, another is 403 */
        if (!c)
            return req_fail(r, &ERR_InvalidRequest,
                            "The object was stored using a form of Server Side Encryption. "
                            "The correct parameters must be provided to retrieve the object.");
        if (!str_eq(md5, field(sse, 2))) return req_fail(r, &ERR_AccessDenied, "Access Denied");
        return GR_OK;
    }
    if (c) return req_fail(r, &ERR_InvalidRequest, "The encryption parameters are not applicable to this object.");
    return GR_OK;
}

int s3__sse_same_key(req_t *r, const val_t *in, str_t sse)
{
    str_t md5;
    int c = customer_key(r, in, "", &md5);
    if (c < 0) return GR_ERR;
    if (!is_c(sse)) /* a part's x-amz-server-side-encryption headers repeat the upload's and are not judged */
        return c ? req_fail(r, &ERR_InvalidRequest, "The encryption parameters are not applicable to this object.")
                 : GR_OK;
    /* AWS: each part of an SSE-C upload carries the key the upload was created with */
    if (!c || !str_eq(md5, field(sse, 2)))
        return req_fail(r, &ERR_InvalidRequest,
                        "The provided encryption parameters did not match the ones used originally.");
    return GR_OK;
}

void s3__sse_out(req_t *r, str_t sse, val_t *out)
{
    arena_t *a = r->arena;
    if (is_c(sse)) {
        val_set_c(a, out, "SSECustomerAlgorithm", val_str(a, field(sse, 1)));
        val_set_c(a, out, "SSECustomerKeyMD5", val_str(a, field(sse, 2)));
        return;
    }
    str_t alg = field(sse, 0);
    if (!kms_alg(alg)) {
        val_set_c(a, out, "ServerSideEncryption", val_cstr(a, "AES256"));
        return;
    }
    val_set_c(a, out, "ServerSideEncryption", val_str(a, alg));
    val_set_c(a, out, "SSEKMSKeyId", val_str(a, field(sse, 1)));
    if (str_eq_c(field(sse, 2), "1")) val_set_c(a, out, "BucketKeyEnabled", val_bool(a, true));
}

/* ==== UpdateObjectEncryption ==== */

/* arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+ (the
 * model's pattern, which S3's XML is not checked against elsewhere); the
 * key's account into *account. */
static bool kms_key_arn(str_t arn, str_t *account)
{
    str_t part[6], rest = arn;
    for (int i = 0; i < 6; i++) {
        if (!rest.p) return false;
        rest = i < 5 ? str_cut(rest, ':', &part[i]) : (part[i] = rest, STR_NULL);
    }
    if (!str_eq_c(part[0], "arn") || !str_starts_with(part[1], STR("aws")) || !str_eq_c(part[2], "kms") ||
        !part[3].len || part[4].len != 12 || !str_starts_with(part[5], STR("key/")) || part[5].len == 4)
        return false;
    for (size_t i = 3; i < part[1].len; i++)
        if (!isalnum((unsigned char)part[1].p[i]) && part[1].p[i] != '-') return false;
    for (size_t i = 0; i < part[3].len; i++)
        if (!islower((unsigned char)part[3].p[i]) && !isdigit((unsigned char)part[3].p[i]) && part[3].p[i] != '-')
            return false;
    for (size_t i = 0; i < 12; i++)
        if (!isdigit((unsigned char)part[4].p[i])) return false;
    for (size_t i = 4; i < part[5].len; i++)
        if (!isalnum((unsigned char)part[5].p[i]) && part[5].p[i] != '-') return false;
    *account = part[4];
    return true;
}

/* AWS: changes an object's SSE-S3 or SSE-KMS encryption to SSE-KMS with the
 * given key (or another key, or bucket keys on) without moving its data:
 * ETag, checksums, dates and metadata stay. Refusals and their texts are the
 * API reference's; gureum, which stores bytes as written, changes what every
 * later answer reports about the object's encryption. */
int s3_update_object_encryption(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t owner;
    if (s3__bucket_owned(r, val_get_str(in, "Bucket"), NULL, &owner) != GR_OK) return GR_ERR;
    const val_t *enc = val_get(in, "ObjectEncryption");
    const val_t *kms = enc ? val_get(enc, "SSEKMS") : NULL;
    if (!kms)
        return req_fail(r, &ERR_InvalidRequest,
                        "Requests that modify an object encryption configuration require a valid new encryption "
                        "type. Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated "
                        "encryption type, and then try again.");
    str_t arn = val_get_str(kms, "KMSKeyArn"), key_account;
    if (!arn.len)
        return req_fail(r, &ERR_InvalidRequest,
                        "Requests that modify an object's encryption type to SSE-KMS require an Amazon Web Services "
                        "KMS key Amazon Resource Name (ARN). Modify the request to specify a KMS key ARN, and then "
                        "try again.");
    if (!kms_key_arn(arn, &key_account))
        return req_fail(r, &ERR_InvalidRequest,
                        "Requests that modify an object's encryption type to SSE-KMS require a valid Amazon Web "
                        "Services KMS key Amazon Resource Name (ARN). Confirm that you have a correctly formatted KMS "
                        "key ARN in your request, and then try again.");
    if (!str_eq(key_account, owner))
        return req_fail(r, &ERR_AccessDenied,
                        "The Amazon Web Services KMS key in the request must be owned by the same account as the "
                        "bucket. Modify the request to specify a KMS key from the same account, and then try again.");
    sqlite3 *db;
    s3_obj_t o;
    if (s3__object_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    str_t alg = field(o.at.sse, 0);
    if (is_c(o.at.sse) || str_eq_c(alg, "aws:kms:dsse"))
        return req_fail(r, &ERR_InvalidRequest,
                        "The UpdateObjectEncryption operation doesn't support source objects with the encryption "
                        "type DSSE-KMS or SSE-C. Only source objects encrypted with SSE-S3 or SSE-KMS are supported.");
    if (o.legal_hold || (o.lock_mode.p && o.lock_until_us > time_now_us()))
        return req_fail(r, &ERR_AccessDenied,
                        "The encryption type for the specified object can\u2019t be updated because that object is "
                        "protected by S3 Object Lock. If the object has a governance-mode retention period or a legal "
                        "hold, you must first remove the Object Lock status on the object before you issue your "
                        "UpdateObjectEncryption request. You can't use the UpdateObjectEncryption operation with "
                        "objects that have an Object Lock compliance mode retention period applied to them.");
    bool bk = val_get_bool(kms, "BucketKeyEnabled", false);
    o.at.sse = str_c(arena_printf(r->arena, "aws:kms\n%.*s\n%s", STR_FMT(arn), bk ? "1" : "0"));
    return s3__version_update(r, db, val_get_str(in, "Bucket"), val_get_str(in, "Key"), &o);
}
