/* mac.c — digests and HMACs for the signers (sigv4.c, sigv4_chunked.c,
 * sigv2.c); see mac.h.
 *
 * SHA-256 and SHA-1 run on OpenSSL's low-level calls, which OpenSSL 3
 * deprecates in favour of EVP: an EVP digest allocates, initialises through
 * the provider and frees a context each time, which cost as much as the
 * hashing itself on a small request (a signed request takes five digests). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "auth/mac.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

static const EVP_MD *g_sha256, *g_sha1;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    g_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

const EVP_MD *mac_sha256(void)
{
    pthread_once(&g_once, fetch);
    return g_sha256 ? g_sha256 : EVP_sha256();
}

const EVP_MD *mac_sha1(void)
{
    pthread_once(&g_once, fetch);
    return g_sha1 ? g_sha1 : EVP_sha1();
}

unsigned mac_digest2(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn, unsigned char *out)
{
    if (md == g_sha256 && md) {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, a, an);
        SHA256_Update(&c, b, bn);
        SHA256_Final(out, &c);
        return SHA256_DIGEST_LENGTH;
    }
    if (md == g_sha1 && md) {
        SHA_CTX c;
        SHA1_Init(&c);
        SHA1_Update(&c, a, an);
        SHA1_Update(&c, b, bn);
        SHA1_Final(out, &c);
        return SHA_DIGEST_LENGTH;
    }
    unsigned size = (unsigned)EVP_MD_get_size(md), len = size;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, md, NULL) || !EVP_DigestUpdate(c, a, an) || !EVP_DigestUpdate(c, b, bn) ||
        !EVP_DigestFinal_ex(c, out, &len))
        memset(out, 0, size);
    EVP_MD_CTX_free(c);
    return size;
}

unsigned mac_hmac(const EVP_MD *md, const void *key, size_t keylen, const void *msg, size_t n, unsigned char *out)
{
    unsigned char k[64] = {0}, pad[64], inner[EVP_MAX_MD_SIZE];
    if (keylen > sizeof k)
        mac_digest2(md, key, keylen, "", 0, k);
    else if (keylen)
        memcpy(k, key, keylen);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    unsigned in = mac_digest2(md, pad, sizeof pad, msg, n, inner);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    return mac_digest2(md, pad, sizeof pad, inner, in, out);
}
