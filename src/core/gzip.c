/* gzip.c — gzip files (RFC 1952) of stored, uncompressed deflate blocks
 * (RFC 1951), for the files gureum writes for others to read (DynamoDB
 * exports, S3 inventory reports): every gzip reader takes them, and making
 * them costs a copy and a CRC, no compressor. */
#include "core/gzip.h"

#include "core/buf.h"
#include "core/crc.h"

str_t gzip_stored(arena_t *a, str_t in)
{
    buf_t b;
    buf_init(&b, a);
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    buf_append(&b, head, sizeof head);
    size_t at = 0;
    do {
        size_t n = in.len - at > 65535 ? 65535 : in.len - at;
        unsigned char h[5] = {at + n == in.len, (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)~n,
                              (unsigned char)(~n >> 8)};
        buf_append(&b, h, sizeof h);
        buf_append(&b, in.p + at, n);
        at += n;
    } while (at < in.len);
    uint32_t crc = crc_of(CRC_32, in.p, in.len), size = (uint32_t)in.len;
    unsigned char t[8] = {(unsigned char)crc,          (unsigned char)(crc >> 8),  (unsigned char)(crc >> 16),
                          (unsigned char)(crc >> 24),  (unsigned char)size,        (unsigned char)(size >> 8),
                          (unsigned char)(size >> 16), (unsigned char)(size >> 24)};
    buf_append(&b, t, sizeof t);
    return buf_str(&b);
}
