/* crc.h — CRC-32 (IEEE, as zlib and x-amz-crc32), CRC-32C (Castagnoli, as
 * x-amz-checksum-crc32c) and CRC-64/NVME (as x-amz-checksum-crc64nvme),
 * table-driven, slicing by 8, and the combination of two CRCs from their
 * values and the second piece's length (a multipart upload's full-object
 * checksum from its parts' checksums, without reading the bytes again).
 * Used by the json protocol's x-amz-crc32 response header (every DynamoDB
 * answer) and by streamed S3 bodies' checksums, so it must cost little per
 * byte. The tables are built once per process, thread-safely, on first use. */
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
/* The checksum of A followed by B from crc_of(A), crc_of(B) and B's length. */
uint32_t crc_combine(crc_kind_t k, uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5, initial and final
 * value all ones): the same scheme on 64 bits. */
#define CRC64_INIT UINT64_MAX
uint64_t crc64_update(uint64_t c, const void *p, size_t n);
static inline uint64_t crc64_of(const void *p, size_t n)
{
    return ~crc64_update(CRC64_INIT, p, n);
}
uint64_t crc64_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

#endif
