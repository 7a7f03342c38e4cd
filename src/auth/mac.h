/* mac.h — the digests and HMACs the request signers share (SigV4's
 * HMAC-SHA256, SigV2's HMAC-SHA1), on algorithms fetched from OpenSSL's
 * provider once per process.
 *
 * OpenSSL 3 looks an algorithm up by name on every EVP_sha256()/HMAC() call;
 * on a small request that lookup cost more than the hashing. */
#ifndef GUREUM_AUTH_MAC_H
#define GUREUM_AUTH_MAC_H

#include <openssl/evp.h>
#include <stddef.h>

const EVP_MD *mac_sha256(void);
const EVP_MD *mac_sha1(void);

/* The digest of a then b into out (all zeroes when out of memory: a digest
 * that matches nothing). Returns the digest's size. */
unsigned mac_digest2(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn, unsigned char *out);

/* HMAC (RFC 2104) for a digest of 64-byte blocks (SHA-1, SHA-256); out holds
 * EVP_MAX_MD_SIZE. Returns the MAC's size. */
unsigned mac_hmac(const EVP_MD *md, const void *key, size_t keylen, const void *msg, size_t n, unsigned char *out);

#endif
