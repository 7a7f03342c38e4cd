/* checksum.c — a multipart upload's checksum type and the checksum its
 * completion gives the object. CreateMultipartUpload settles the type
 * (x-amz-checksum-type, COMPOSITE or FULL_OBJECT, by AWS's rules per
 * algorithm); CompleteMultipartUpload makes a FULL_OBJECT upload's CRC from
 * its parts' CRCs and sizes alone (core/crc.h combination, no byte read
 * again). Invariant: a stored object checksum is "base64" for a whole-object
 * value and "base64-N" for a composite, so its form alone gives its type. */
#include <ctype.h>
#include <string.h>

#include "core/crc.h"
#include "s3_internal.h"

const char *s3__checksum_type(str_t whole)
{
    return whole.len > 2 && memchr(whole.p, '-', whole.len) ? "COMPOSITE" : "FULL_OBJECT";
}

void s3__listed_checksum(req_t *r, val_t *item, str_t algo, str_t whole)
{
    if (!algo.p || !whole.p) return;
    val_t *algos = val_new(r->arena, VAL_LIST);
    val_push(r->arena, algos, val_str(r->arena, algo));
    val_set_c(r->arena, item, "ChecksumAlgorithm", algos);
    val_set_c(r->arena, item, "ChecksumType", val_cstr(r->arena, s3__checksum_type(whole)));
}

const char *s3__lower(arena_t *a, str_t algo)
{
    char *s = arena_strndup(a, algo.p ? algo.p : "", algo.len);
    for (char *c = s; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    return s ? s : "";
}

static bool is_crc(str_t algo)
{
    return str_eq_c(algo, "CRC32") || str_eq_c(algo, "CRC32C") || str_eq_c(algo, "CRC64NVME");
}

/* AWS: "Checking object integrity" — multipart checksum types: CRC64NVME
 * supports only FULL_OBJECT (its default), CRC32 and CRC32C both (COMPOSITE
 * by default), SHA1 and SHA256 only COMPOSITE. The algorithms of 2026 (MD5,
 * SHA512, the xxHashes) cannot be combined from their parts' values either,
 * so they are COMPOSITE only, as SHA1 and SHA256. Messages as S3 answers
 * them (InvalidRequest). */
int s3__checksum_upload_type(req_t *r, str_t algo, str_t type, str_t *out)
{
    *out = STR_NULL;
    if (type.p && !str_eq_c(type, "COMPOSITE") && !str_eq_c(type, "FULL_OBJECT"))
        return req_fail(r, &ERR_InvalidRequest, "Value for x-amz-checksum-type header is invalid.");
    if (!algo.p) {
        if (type.p)
            return req_fail(r, &ERR_InvalidRequest,
                            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm "
                            "header.");
        return GR_OK;
    }
    /* The list is the five of AWS's recorded answer (2026-02), from before
     * S3 took MD5, SHA512 and the xxHashes; how S3 words it since is not
     * on record. */
    if (!body_cksum_algo(algo, false))
        return req_fail(r, &ERR_InvalidRequest,
                        "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
                        "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    bool crc64 = str_eq_c(algo, "CRC64NVME");
    if (!type.p) type = crc64 ? STR("FULL_OBJECT") : STR("COMPOSITE");
    if ((str_eq_c(type, "COMPOSITE") && crc64) || (str_eq_c(type, "FULL_OBJECT") && !is_crc(algo)))
        return req_fail(r, &ERR_InvalidRequest, "The %.*s checksum type cannot be used with the %s checksum algorithm.",
                        STR_FMT(type), s3__lower(r->arena, algo));
    *out = type;
    return GR_OK;
}

/* AWS: a part of an upload created with a ChecksumAlgorithm carries a
 * checksum of that algorithm ("Checksum Type mismatch occurred, expected
 * checksum Type: sha1, actual checksum Type: crc32c." in the API reference;
 * "null" when the part has none). */
int s3__checksum_part_matches(req_t *r, str_t upload_algo, str_t part_algo)
{
    if (!upload_algo.p || (part_algo.p && str_eq_nocase(upload_algo, part_algo))) return GR_OK;
    return req_fail(r, &ERR_InvalidRequest,
                    "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
                    s3__lower(r->arena, upload_algo), part_algo.p ? s3__lower(r->arena, part_algo) : "null");
}

/* A CRC's base64 value as a number; false when it is not one of width n bytes. */
static bool crc_value(arena_t *a, str_t b64, size_t n, uint64_t *v)
{
    str_t raw;
    if (!s3__unb64(a, b64, &raw) || raw.len != n) return false;
    *v = 0;
    for (size_t i = 0; i < n; i++) *v = *v << 8 | (unsigned char)raw.p[i];
    return true;
}

str_t s3__checksum_full_object(arena_t *a, str_t algo, const str_t *cks, const int64_t *sizes, size_t n)
{
    bool c64 = str_eq_c(algo, "CRC64NVME");
    if (!n || (!c64 && !str_eq_c(algo, "CRC32") && !str_eq_c(algo, "CRC32C"))) return STR_NULL;
    size_t w = c64 ? 8 : 4;
    crc_kind_t k = str_eq_c(algo, "CRC32C") ? CRC_32C : CRC_32;
    uint64_t whole = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (!cks[i].p || !crc_value(a, cks[i], w, &v)) return STR_NULL;
        if (!i)
            whole = v;
        else if (c64)
            whole = crc64_combine(whole, v, (uint64_t)sizes[i]);
        else
            whole = crc_combine(k, (uint32_t)whole, (uint32_t)v, (uint64_t)sizes[i]);
    }
    unsigned char d[8];
    for (size_t i = 0; i < w; i++) d[i] = (unsigned char)(whole >> (8 * (w - 1 - i)));
    return arena_base64(a, d, w);
}
