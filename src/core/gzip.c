/* gzip.c — a gzip member (RFC 1952) of bytes, deflated with zlib, for the
 * files gureum writes for others to read: DynamoDB exports' data files and
 * S3 inventory reports. */
#include "core/gzip.h"

#include <zlib.h>

str_t gzip_of(arena_t *a, str_t in)
{
    z_stream z = {.next_in = (Bytef *)in.p, .avail_in = (uInt)in.len};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return STR_NULL;
    size_t cap = deflateBound(&z, (uLong)in.len);
    char *out = arena_alloc(a, cap);
    z.next_out = (Bytef *)out, z.avail_out = (uInt)cap;
    int rc = out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? str_n(out, cap - z.avail_out) : STR_NULL;
}
