/* gzip.c — zlib's deflate and inflate over arena bytes (see gzip.h): gzip
 * members for DynamoDB exports, Logs exports and subscriptions, S3
 * inventory reports; the gzip and deflate content codings of HTTP bodies. */
#include "core/gzip.h"

#include <zlib.h>

#include "core/buf.h"

str_t deflate_of(arena_t *a, str_t in, bool gzip)
{
    z_stream z = {.next_in = (Bytef *)in.p, .avail_in = (uInt)in.len};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return STR_NULL;
    size_t cap = deflateBound(&z, (uLong)in.len);
    char *out = arena_alloc(a, cap);
    z.next_out = (Bytef *)out, z.avail_out = (uInt)cap;
    int rc = out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? str_n(out, cap - z.avail_out) : STR_NULL;
}

str_t gzip_of(arena_t *a, str_t in)
{
    return deflate_of(a, in, true);
}

inflate_rc_t inflate_body(arena_t *a, str_t in, bool gzip, size_t limit, str_t *out)
{
    if (!in.len) return INFLATE_BAD;
    z_stream z = {.next_in = (Bytef *)in.p, .avail_in = (uInt)in.len};
    if (inflateInit2(&z, gzip ? 15 + 16 : 15) != Z_OK) return INFLATE_BAD;
    buf_t b;
    buf_init(&b, a);
    char chunk[16384];
    inflate_rc_t rc = INFLATE_BAD;
    for (;;) {
        z.next_out = (Bytef *)chunk, z.avail_out = sizeof chunk;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof chunk - z.avail_out;
        if (b.len + got > limit) {
            rc = INFLATE_TOO_BIG;
            break;
        }
        buf_append(&b, chunk, got);
        if (zr == Z_STREAM_END) {
            /* gzip: another member may follow (RFC 1952 §2.2); anything else ends the body */
            if (gzip && z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b && inflateReset(&z) == Z_OK)
                continue;
            rc = INFLATE_OK;
            break;
        }
        if (zr != Z_OK) break; /* corrupt, or the input ended inside the stream */
    }
    inflateEnd(&z);
    if (rc == INFLATE_OK) *out = buf_str(&b);
    return rc == INFLATE_OK && b.failed ? INFLATE_BAD : rc;
}
