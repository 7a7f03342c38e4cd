/* md5.c — MD5 (see md5.h). Each of the 64 steps is a += F(b,c,d) + m + k;
 * a = b + (a <<< s), and the next step needs this a at once, so the speed is
 * the latency of that chain. Terms that do not depend on b (the newest word)
 * are added first, off the chain: m + k always; in round 2, G = (b&d)|(c&~d)
 * is the sum of two disjoint halves, so c&~d goes in early and only b&d is on
 * the chain; in round 3, c^d is ready before b. Rounds 1 and 4 need two
 * operations on b, the others one. */
#include "core/md5.h"

#include <string.h>

static const uint32_t K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

#define ROL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))
#define F(a, b, c, d, j, s, i)                                                                                         \
    a += m[j] + K[i] + (d ^ (b & (c ^ d)));                                                                            \
    a = ROL(a, s) + b;
#define G(a, b, c, d, j, s, i)                                                                                         \
    a += m[j] + K[i] + (c & ~d);                                                                                       \
    a += b & d;                                                                                                        \
    a = ROL(a, s) + b;
#define H(a, b, c, d, j, s, i)                                                                                         \
    a += m[j] + K[i] + (b ^ c ^ d);                                                                                    \
    a = ROL(a, s) + b;
#define I(a, b, c, d, j, s, i)                                                                                         \
    a += m[j] + K[i] + (c ^ (b | ~d));                                                                                 \
    a = ROL(a, s) + b;
/* Four steps of one round, the words rotating through a, b, c, d. */
#define R4(X, j0, j1, j2, j3, s0, s1, s2, s3, i)                                                                       \
    X(a, b, c, d, j0, s0, i) X(d, a, b, c, j1, s1, i + 1) X(c, d, a, b, j2, s2, i + 2) X(b, c, d, a, j3, s3, i + 3)

static void blocks(uint32_t h[4], const unsigned char *p, size_t n)
{
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (; n; n--, p += 64) {
        uint32_t m[16];
        memcpy(m, p, 64);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (int j = 0; j < 16; j++) m[j] = __builtin_bswap32(m[j]); /* MD5's words are little-endian */
#endif
        uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
        R4(F, 0, 1, 2, 3, 7, 12, 17, 22, 0) R4(F, 4, 5, 6, 7, 7, 12, 17, 22, 4);
        R4(F, 8, 9, 10, 11, 7, 12, 17, 22, 8) R4(F, 12, 13, 14, 15, 7, 12, 17, 22, 12);
        R4(G, 1, 6, 11, 0, 5, 9, 14, 20, 16) R4(G, 5, 10, 15, 4, 5, 9, 14, 20, 20);
        R4(G, 9, 14, 3, 8, 5, 9, 14, 20, 24) R4(G, 13, 2, 7, 12, 5, 9, 14, 20, 28);
        R4(H, 5, 8, 11, 14, 4, 11, 16, 23, 32) R4(H, 1, 4, 7, 10, 4, 11, 16, 23, 36);
        R4(H, 13, 0, 3, 6, 4, 11, 16, 23, 40) R4(H, 9, 12, 15, 2, 4, 11, 16, 23, 44);
        R4(I, 0, 7, 14, 5, 6, 10, 15, 21, 48) R4(I, 12, 3, 10, 1, 6, 10, 15, 21, 52);
        R4(I, 8, 15, 6, 13, 6, 10, 15, 21, 56) R4(I, 4, 11, 2, 9, 6, 10, 15, 21, 60);
        a += a0, b += b0, c += c0, d += d0;
    }
    h[0] = a, h[1] = b, h[2] = c, h[3] = d;
}

void md5_init(md5_ctx_t *c)
{
    c->h[0] = 0x67452301, c->h[1] = 0xefcdab89, c->h[2] = 0x98badcfe, c->h[3] = 0x10325476;
    c->len = 0;
}

void md5_update(md5_ctx_t *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t have = c->len % 64;
    c->len += n;
    if (have) { /* complete the partial block first */
        size_t k = 64 - have < n ? 64 - have : n;
        memcpy(c->tail + have, p, k);
        p += k, n -= k;
        if (have + k < 64) return;
        blocks(c->h, c->tail, 1);
    }
    blocks(c->h, p, n / 64);
    memcpy(c->tail, p + n / 64 * 64, n % 64);
}

void md5_final(md5_ctx_t *c, unsigned char out[16])
{
    uint64_t bits = c->len * 8;
    size_t have = c->len % 64;
    unsigned char pad[72] = {0x80};
    size_t padn = (have < 56 ? 56 : 120) - have;
    for (int i = 0; i < 8; i++) pad[padn + i] = (unsigned char)(bits >> (8 * i));
    md5_update(c, pad, padn + 8);
    for (int i = 0; i < 16; i++) out[i] = (unsigned char)(c->h[i / 4] >> (8 * (i % 4)));
}

void md5_of(const void *p, size_t n, unsigned char out[16])
{
    md5_ctx_t c;
    md5_init(&c);
    md5_update(&c, p, n);
    md5_final(&c, out);
}
