/* body.c — streamed request bodies (see body.h): raw HTTP body pieces →
 * aws-chunked decoder (when the payload is STREAMING-*) → digests → a blob
 * in DATA/tmp, made at the first write, so a body that fits its gathering
 * buffer stays in memory and may go into a row instead (body_bytes). Runs on
 * the request's loop thread, one piece at a time, so a large body never sits
 * in memory; writing is synchronous, which is the
 * back-pressure (the loop reads no more until the piece is on disk). A large
 * body's digests run on a helper thread of its own, a few buffers behind the
 * loop, so reading and writing on one core and hashing on another (MD5 is
 * slower than loopback TCP and the page cache) go on side by side. */
#include "services/body.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
/* xxHash (Debian's libxxhash-dev) compiled into this file: its functions
 * inline into the digest loop, and the binary needs no library for it. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/crc.h"
#include "core/md5.h"
#include "services/app.h"
#include "store/store.h"

typedef struct body_priv {
    req_t *r;
    blob_writer_t *w; /* made on the first write: a small body may never need one (body_bytes) */
    bool done;        /* committed or aborted: no writer may be made again */
    sigv4_chunked_t *chunked;
    md5_ctx_t md5;
    EVP_MD_CTX *sha256;
    body_cksum_t ck; /* the request's x-amz-checksum-* algorithm (ck.algo NULL: none) */
    bool want_sha256;
    str_t payload_hash;
    char *buf; /* decoded bytes gathered into large writes (malloc, cap bytes) */
    size_t cap;
    size_t nbuf;
    struct hasher *h; /* large bodies: digests on a thread */
} body_priv_t;

/* The helper thread of a large body digests full buffers in order, while
 * the loop thread goes on reading into the next free one (a ring of NBUF);
 * the loop thread itself writes each buffer to the blob as it fills, so
 * writing and hashing run side by side. */
#define NBUF 4
typedef struct hasher {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf[NBUF];
    size_t len[NBUF];
    unsigned head, tail; /* buffers [tail, head) await digesting; under mu */
    bool quit;           /* under mu */
} hasher_t;

/* Pieces arrive as the socket gives them (often a few KiB); gathering them
 * saves a write(2) per piece and bounds memory per upload at WBUF (NBUF of
 * them with a helper thread). */
#define WBUF (256u << 10)
#define THREADED_MIN (8ull << 20) /* bodies at least this large get a helper thread */

/* ==== digests ==== */

static void free_md(void *p)
{
    EVP_MD_CTX_free(p);
}

static EVP_MD_CTX *md_new(arena_t *a, const char *name)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c) return NULL;
    if (arena_defer(a, free_md, c) < 0) {
        EVP_MD_CTX_free(c);
        return NULL;
    }
    if (!EVP_DigestInit_ex(c, EVP_get_digestbyname(name), NULL)) return NULL;
    return c;
}

const body_cksum_algo_t body_cksum_algos[] = {
    {"CRC32", "x-amz-checksum-crc32", "ChecksumCRC32", 4, BODY_CK_CRC32},
    {"CRC32C", "x-amz-checksum-crc32c", "ChecksumCRC32C", 4, BODY_CK_CRC32C},
    {"CRC64NVME", "x-amz-checksum-crc64nvme", "ChecksumCRC64NVME", 8, BODY_CK_CRC64NVME},
    {"MD5", "x-amz-checksum-md5", "ChecksumMD5", 16, BODY_CK_DIGEST},
    {"SHA1", "x-amz-checksum-sha1", "ChecksumSHA1", 20, BODY_CK_DIGEST},
    {"SHA256", "x-amz-checksum-sha256", "ChecksumSHA256", 32, BODY_CK_DIGEST},
    {"SHA512", "x-amz-checksum-sha512", "ChecksumSHA512", 64, BODY_CK_DIGEST},
    {"XXHASH3", "x-amz-checksum-xxhash3", "ChecksumXXHASH3", 8, BODY_CK_XXH3},
    {"XXHASH64", "x-amz-checksum-xxhash64", "ChecksumXXHASH64", 8, BODY_CK_XXH64},
    {"XXHASH128", "x-amz-checksum-xxhash128", "ChecksumXXHASH128", 16, BODY_CK_XXH128},
};
const size_t body_cksum_nalgos = sizeof body_cksum_algos / sizeof body_cksum_algos[0];

const body_cksum_algo_t *body_cksum_algo(str_t name, bool nocase)
{
    for (size_t i = 0; name.p && i < body_cksum_nalgos; i++)
        if (nocase ? str_eq_nocase(name, str_c(body_cksum_algos[i].name)) : str_eq_c(name, body_cksum_algos[i].name))
            return &body_cksum_algos[i];
    return NULL;
}

/* The checksum algorithm a request names: a value header, the trailer it
 * announces, or the SDK's algorithm header. */
static const char *named_algo(const wire_req_t *w)
{
    str_t tr = str_trim(wire_header(w, "x-amz-trailer"));
    str_t sdk = wire_header(w, "x-amz-sdk-checksum-algorithm");
    if (!sdk.p) sdk = wire_header(w, "x-amz-checksum-algorithm");
    for (size_t i = 0; i < body_cksum_nalgos; i++) {
        const body_cksum_algo_t *k = &body_cksum_algos[i];
        if (wire_header(w, k->header).p || str_eq_nocase(tr, str_c(k->header)) ||
            str_eq_nocase(str_trim(sdk), str_c(k->name)))
            return k->name;
    }
    return NULL;
}

/* Digests of decoded bytes, in order: on the loop thread, or on the helper. */
static void digest(body_priv_t *bp, const char *p, size_t n)
{
    md5_update(&bp->md5, p, n);
    body_cksum_update(&bp->ck, p, n);
}

static void *hasher_main(void *arg)
{
    body_priv_t *bp = arg;
    hasher_t *h = bp->h;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (h->tail == h->head && !h->quit) pthread_cond_wait(&h->cv, &h->mu);
        if (h->quit) break; /* finished (queue empty) or aborted: digests are not needed */
        unsigned i = h->tail % NBUF;
        pthread_mutex_unlock(&h->mu);
        digest(bp, h->buf[i], h->len[i]);
        pthread_mutex_lock(&h->mu);
        h->tail++;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Waits until at most `pending` buffers await the helper. */
static void hasher_wait(hasher_t *h, unsigned pending)
{
    pthread_mutex_lock(&h->mu);
    while (h->head - h->tail > pending) pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

/* Ends the helper and frees it with its buffers (bp->buf is one of them). */
static void hasher_stop(body_priv_t *bp)
{
    hasher_t *h = bp->h;
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->quit = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->th, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    for (int i = 0; i < NBUF; i++) free(h->buf[i]);
    free(h);
    bp->h = NULL;
    bp->buf = NULL;
}

static void hasher_start(body_priv_t *bp)
{
    hasher_t *h = calloc(1, sizeof *h);
    if (!h) return; /* the loop thread does it all */
    h->buf[0] = bp->buf;
    bool ok = true;
    for (int i = 1; i < NBUF && ok; i++) ok = (h->buf[i] = malloc(bp->cap)) != NULL;
    if (ok) {
        pthread_mutex_init(&h->mu, NULL);
        pthread_cond_init(&h->cv, NULL);
        bp->h = h;
        if (pthread_create(&h->th, NULL, hasher_main, bp) == 0) return;
        bp->h = NULL;
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
    }
    for (int i = 1; i < NBUF; i++) free(h->buf[i]); /* buf[0] stays bp->buf */
    free(h);
}

static void abort_writer(void *p)
{
    body_priv_t *bp = p;
    hasher_stop(bp);
    if (bp->w) blob_abort(bp->w);
    bp->w = NULL;
    bp->done = true;
    free(bp->buf);
    bp->buf = NULL;
}

/* Writes bytes to the blob, which the first write creates in DATA/tmp. */
static int put(body_stream_t *b, const char *p, size_t n)
{
    body_priv_t *bp = b->priv;
    if (!bp->w && !bp->done) bp->w = blob_begin(((app_t *)bp->r->app)->store);
    if (!bp->w || blob_write(bp->w, p, n) != GR_OK) {
        b->status = BODY_E_IO;
        return GR_ERR;
    }
    return GR_OK;
}

/* Writes the gathered bytes; with a helper, also queues them for digesting
 * and moves on to the next free buffer. */
static int flush(body_stream_t *b)
{
    body_priv_t *bp = b->priv;
    if (!bp->nbuf) return GR_OK;
    if (put(b, bp->buf, bp->nbuf) != GR_OK) return GR_ERR;
    hasher_t *h = bp->h;
    if (h) {
        pthread_mutex_lock(&h->mu);
        h->len[h->head % NBUF] = bp->nbuf;
        h->head++;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        hasher_wait(h, NBUF - 1);
        bp->buf = h->buf[h->head % NBUF];
    }
    bp->nbuf = 0;
    return GR_OK;
}

/* Decoded bytes: hash and gather for writing. */
static int sink(void *ud, const char *p, size_t n)
{
    body_stream_t *b = ud;
    body_priv_t *bp = b->priv;
    if (!n) return GR_OK;
    b->size += (int64_t)n;
    if (bp->h) {
        while (n) {
            size_t k = bp->cap - bp->nbuf < n ? bp->cap - bp->nbuf : n;
            memcpy(bp->buf + bp->nbuf, p, k);
            bp->nbuf += k, p += k, n -= k;
            if (bp->nbuf == bp->cap && flush(b) != GR_OK) return GR_ERR;
        }
        return GR_OK;
    }
    digest(bp, p, n);
    if (bp->nbuf + n > bp->cap && flush(b) != GR_OK) return GR_ERR;
    if (n > bp->cap - bp->nbuf) return put(b, p, n); /* larger than the whole buffer */
    memcpy(bp->buf + bp->nbuf, p, n);
    bp->nbuf += n;
    return GR_OK;
}

body_stream_t *body_begin(req_t *r, const sigv4_t *sig)
{
    arena_t *a = r->arena;
    body_stream_t *b = ARENA_NEW(a, body_stream_t);
    body_priv_t *bp = ARENA_NEW(a, body_priv_t);
    if (!b || !bp) return NULL;
    b->priv = bp;
    bp->r = r;
    md5_init(&bp->md5);
    b->algo = named_algo(&r->w);
    if (b->algo && !body_cksum_begin(a, &bp->ck, str_c(b->algo))) return NULL;
    bp->payload_hash = sig->payload_hash;
    if (str_starts_with(sig->payload_hash, STR("STREAMING-"))) {
        bp->chunked = sigv4_chunked_new(a, sig, sink, b);
        if (!bp->chunked) {
            b->status = BODY_E_CHUNK;
            b->msg = "Unsupported aws-chunked payload mode";
        }
    } else if (sig->payload_hash.len == 64) {
        bp->want_sha256 = true;
        if (!(bp->sha256 = md_new(a, "SHA256"))) return NULL;
    }
    /* A small body gets a buffer of its size: a fresh WBUF block per request
     * is an mmap and its page faults, most of a 4 KiB PUT's user time. */
    bp->cap = WBUF;
    long long len = 0;
    str_t cl = wire_header(&r->w, bp->chunked ? "x-amz-decoded-content-length" : "Content-Length");
    if (cl.p && str_to_i64(cl, &len) && len >= 0 && len < (long long)WBUF) bp->cap = len ? (size_t)len : 1;
    bp->buf = malloc(bp->cap);
    if (!bp->buf || arena_defer(a, abort_writer, bp) < 0) {
        free(bp->buf);
        return NULL;
    }
    if (cl.p && len >= (long long)THREADED_MIN) hasher_start(bp);
    return b;
}

int body_feed(body_stream_t *b, const char *p, size_t n)
{
    body_priv_t *bp = b->priv;
    if (b->status != BODY_OK) return GR_ERR; /* keep reading nothing more: the answer is an error */
    if (bp->chunked) {
        const char *msg = NULL;
        if (sigv4_chunked_feed(bp->chunked, p, n, &msg) != GR_OK) {
            if (b->status == BODY_OK) b->status = BODY_E_CHUNK, b->msg = msg;
            return GR_ERR;
        }
        return GR_OK;
    }
    if (bp->sha256) EVP_DigestUpdate(bp->sha256, p, n);
    return sink(b, p, n);
}

int body_finish(body_stream_t *b)
{
    body_priv_t *bp = b->priv;
    if (b->status != BODY_OK) return GR_ERR;
    if (bp->h) {
        /* The last partial buffer, then the helper is done with the digests. */
        if (flush(b) != GR_OK) {
            hasher_stop(bp);
            return GR_ERR;
        }
        hasher_wait(bp->h, 0);
        hasher_stop(bp);
    }
    md5_final(&bp->md5, b->md5);
    if (bp->chunked) {
        const char *msg = NULL;
        if (sigv4_chunked_finish(bp->chunked, &b->trailers, &b->ntrailers, &msg) != GR_OK) {
            b->status = BODY_E_CHUNK, b->msg = msg ? msg : "Incomplete aws-chunked body";
            return GR_ERR;
        }
    }
    if (bp->sha256) {
        unsigned char h[32];
        unsigned hn = 32;
        EVP_DigestFinal_ex(bp->sha256, h, &hn);
        char hex[65];
        str_hex(h, 32, hex);
        if (!str_eq_nocase(bp->payload_hash, str_n(hex, 64))) {
            /* AWS: XAmzContentSHA256Mismatch wording (S3). */
            b->status = BODY_E_HASH;
            b->msg = "The provided 'x-amz-content-sha256' header does not match what was computed.";
            return GR_ERR;
        }
    }
    b->sumlen = body_cksum_final(&bp->ck, b->sum);
    return GR_OK;
}

int body_commit(body_stream_t *b, char id[33])
{
    body_priv_t *bp = b->priv;
    if (b->status != BODY_OK || bp->done || flush(b) != GR_OK) return GR_ERR;
    if (!bp->w && put(b, "", 0) != GR_OK) return GR_ERR; /* an empty body is an empty blob */
    blob_writer_t *w = bp->w;
    bp->w = NULL;
    bp->done = true;
    return blob_commit(w, id);
}

bool body_bytes(const body_stream_t *b, str_t *out)
{
    const body_priv_t *bp = b->priv;
    if (b->status != BODY_OK || bp->done || bp->w || bp->h || (int64_t)bp->nbuf != b->size) return false;
    *out = str_n(bp->buf ? bp->buf : "", bp->nbuf);
    return true;
}

/* ==== One checksum, piecewise ==== */

/* xxHash's states, made by xxHash (XXH3's must be 64-byte aligned). */
static void free_xxh64(void *p)
{
    XXH64_freeState(p);
}

static void free_xxh3(void *p)
{
    XXH3_freeState(p);
}

/* A state from make, freed with the arena by drop; NULL when out of memory. */
static void *arena_state(arena_t *a, void *st, void (*drop)(void *))
{
    if (st && arena_defer(a, drop, st) == 0) return st;
    if (st) drop(st);
    return NULL;
}

bool body_cksum_begin(arena_t *a, body_cksum_t *c, str_t algo)
{
    *c = (body_cksum_t){0};
    const body_cksum_algo_t *k = body_cksum_algo(algo, false);
    if (!k) return false;
    c->kind = k->kind;
    switch (k->kind) {
    case BODY_CK_CRC32:
    case BODY_CK_CRC32C: c->c32 = CRC_INIT; break;
    case BODY_CK_CRC64NVME: c->c64 = CRC64_INIT; break;
    case BODY_CK_DIGEST: c->md = md_new(a, k->name); break;
    /* AWS's xxHash checksums use seed 0, as the SDKs' (aws-c-checksums) */
    case BODY_CK_XXH64:
        if ((c->md = arena_state(a, XXH64_createState(), free_xxh64))) XXH64_reset(c->md, 0);
        break;
    case BODY_CK_XXH3:
        if ((c->md = arena_state(a, XXH3_createState(), free_xxh3))) XXH3_64bits_reset(c->md);
        break;
    case BODY_CK_XXH128:
        if ((c->md = arena_state(a, XXH3_createState(), free_xxh3))) XXH3_128bits_reset(c->md);
        break;
    }
    bool crc = k->kind == BODY_CK_CRC32 || k->kind == BODY_CK_CRC32C || k->kind == BODY_CK_CRC64NVME;
    if (crc || c->md) c->algo = k->name; /* the others need their state */
    return c->algo != NULL;
}

void body_cksum_update(body_cksum_t *c, const void *p, size_t n)
{
    if (!c->algo) return;
    switch (c->kind) {
    case BODY_CK_CRC32: c->c32 = crc_update(CRC_32, c->c32, p, n); break;
    case BODY_CK_CRC32C: c->c32 = crc_update(CRC_32C, c->c32, p, n); break;
    case BODY_CK_CRC64NVME: c->c64 = crc64_update(c->c64, p, n); break;
    case BODY_CK_DIGEST: EVP_DigestUpdate(c->md, p, n); break;
    case BODY_CK_XXH64: XXH64_update(c->md, p, n); break;
    case BODY_CK_XXH3: XXH3_64bits_update(c->md, p, n); break;
    case BODY_CK_XXH128: XXH3_128bits_update(c->md, p, n); break;
    }
}

/* Big-endian bytes of v, n of them (the CRCs' and xxHash's canonical form). */
static unsigned be_bytes(uint64_t v, unsigned n, unsigned char *out)
{
    for (unsigned i = 0; i < n; i++) out[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    return n;
}

unsigned body_cksum_final(body_cksum_t *c, unsigned char out[BODY_CKSUM_MAX])
{
    if (!c->algo) return 0;
    unsigned n = BODY_CKSUM_MAX;
    switch (c->kind) {
    case BODY_CK_CRC32:
    case BODY_CK_CRC32C: return be_bytes((uint32_t)~c->c32, 4, out);
    case BODY_CK_CRC64NVME: return be_bytes(~c->c64, 8, out);
    case BODY_CK_DIGEST: return EVP_DigestFinal_ex(c->md, out, &n) ? n : 0;
    case BODY_CK_XXH64: return be_bytes(XXH64_digest(c->md), 8, out);
    case BODY_CK_XXH3: return be_bytes(XXH3_64bits_digest(c->md), 8, out);
    case BODY_CK_XXH128: {
        XXH128_hash_t h = XXH3_128bits_digest(c->md);
        be_bytes(h.high64, 8, out);
        return 8 + be_bytes(h.low64, 8, out + 8);
    }
    }
    return 0;
}
