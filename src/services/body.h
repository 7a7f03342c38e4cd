/* body.h — a request body streamed into a temporary blob as it arrives, for
 * the operations whose .ops row says OPF_STREAM_BODY (S3 PutObject,
 * UploadPart). The dispatcher authenticates such a request on its headers,
 * then feeds each piece here: aws-chunked framing is decoded (chunk
 * signatures checked), the bytes are hashed (MD5 always, the x-amz-checksum
 * algorithm the request names, SHA-256 when x-amz-content-sha256 is a hash)
 * and written to the blob, so memory stays bounded whatever the size; a body
 * that fits its gathering buffer is not written until body_commit, so a
 * handler may take it from memory instead (body_bytes). The handler verifies
 * the digests and commits the blob before any row points at it; an
 * uncommitted blob is removed with the request's arena. */
#ifndef GR_SERVICES_BODY_H
#define GR_SERVICES_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/sigv4.h"
#include "core/req.h"

typedef enum {
    BODY_OK,
    BODY_E_IO,    /* the blob could not be written: internal error */
    BODY_E_CHUNK, /* malformed aws-chunked framing or a chunk signature mismatch */
    BODY_E_HASH,  /* x-amz-content-sha256 differs from the bytes received */
    BODY_E_SHORT, /* the client sent fewer bytes than it announced */
} body_status_t;

/* The checksum algorithms of x-amz-checksum-* (AWS: "Checking object
 * integrity"), in the order S3 lists them: AWS's name, the request header,
 * the model's member, and the raw value's size in bytes. */
#define BODY_CKSUM_MAX 64 /* SHA-512 */
typedef enum {
    BODY_CK_CRC32,
    BODY_CK_CRC32C,
    BODY_CK_CRC64NVME,
    BODY_CK_DIGEST, /* an OpenSSL digest of the same name (MD5, SHA1, SHA256, SHA512) */
    BODY_CK_XXH64,
    BODY_CK_XXH3,
    BODY_CK_XXH128,
} body_cksum_kind_t;
typedef struct {
    const char *name, *header, *member;
    unsigned size;
    body_cksum_kind_t kind;
} body_cksum_algo_t;
extern const body_cksum_algo_t body_cksum_algos[];
extern const size_t body_cksum_nalgos;
/* The algorithm of that name (exactly, or ignoring case when nocase), or NULL. */
const body_cksum_algo_t *body_cksum_algo(str_t name, bool nocase);

typedef struct body_stream {
    body_status_t status;
    const char *msg;                   /* AWS's message for a failure */
    int64_t size;                      /* decoded bytes */
    unsigned char md5[16];             /* after body_finish */
    const char *algo;                  /* a body_cksum_algos name computed besides MD5, or NULL */
    unsigned char sum[BODY_CKSUM_MAX]; /* its raw value, after body_finish */
    unsigned sumlen;
    const kv_t *trailers; /* aws-chunked trailer headers, after body_finish */
    size_t ntrailers;
    struct body_priv *priv; /* hashing state, decoder, blob writer */
} body_stream_t;

/* Starts the stream for r (whose w.headers are set). sig: the verified
 * signature. NULL on failure (out of memory, no temp file). */
body_stream_t *body_begin(req_t *r, const sigv4_t *sig);
/* One raw piece of the HTTP body. GR_ERR once the stream failed (status). */
int body_feed(body_stream_t *b, const char *p, size_t n);
/* After the last piece: final digests and trailers; GR_ERR with status set. */
int body_finish(body_stream_t *b);
/* Makes the received bytes a committed blob (id: 32 hex chars + NUL). From
 * then on the caller owns the blob and deletes it if no row comes to name it. */
int body_commit(body_stream_t *b, char id[33]);

/* After body_finish: the whole body when it is still in memory (a body no
 * larger than its gathering buffer never touches the disk until
 * body_commit), valid until the request ends; false otherwise. */
bool body_bytes(const body_stream_t *b, str_t *out);

/* A checksum of one algorithm over bytes given piecewise: a streamed body's
 * x-amz-checksum-* algorithm, and copies that compute one (S3 UploadPartCopy). */
typedef struct {
    const char *algo; /* a body_cksum_algos name; NULL: none */
    body_cksum_kind_t kind;
    uint32_t c32;
    uint64_t c64;
    void *md; /* SHA-*, MD5: an EVP_MD_CTX; XXHASH*: xxHash's state; freed with the arena */
} body_cksum_t;
/* false for an algorithm it does not know, or no memory (c then does nothing) */
bool body_cksum_begin(arena_t *a, body_cksum_t *c, str_t algo);
void body_cksum_update(body_cksum_t *c, const void *p, size_t n);
/* The raw value (big-endian for the CRCs) into out; its length, 0 for none. */
unsigned body_cksum_final(body_cksum_t *c, unsigned char out[BODY_CKSUM_MAX]);

#endif
