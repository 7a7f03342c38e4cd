/* crc.h — CRC-32 (IEEE, as zlib and x-amz-crc32) and CRC-32C (Castagnoli, as
 * x-amz-checksum-crc32c), table-driven, slicing by 8. Used by the json
 * protocol's x-amz-crc32 response header (every DynamoDB answer) and by
 * streamed S3 bodies' checksums, so it must cost little per byte. The tables
 * are built once per process, thread-safely, on first use. */
#ifndef GR_CORE_CRC_H
#define GR_CORE_CRC_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CRC_32 = 0, CRC_32C = 1 } crc_kind_t;

/* Running value c: start at CRC_INIT; the checksum is ~c at the end. */
#define CRC_INIT 0xFFFFFFFFu
uint32_t crc_update(crc_kind_t k, uint32_t c, const void *p, size_t n);
/* The whole checksum of p[0..n). */
static inline uint32_t crc_of(crc_kind_t k, const void *p, size_t n)
{
    return ~crc_update(k, CRC_INIT, p, n);
}

#endif
