/* id.c — random identifiers; see id.h. */
#include "core/id.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static void fill(unsigned char *p, size_t n)
{
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r <= 0) continue; /* EINTR; getrandom never fails otherwise once seeded */
        p += r;
        n -= (size_t)r;
    }
}

/* Every request takes a request id, so bytes come from a per-thread pool that
 * one getrandom call refills, not one system call each. Bytes are handed out
 * once and wiped. A forked child (Lambda's sandbox) must not repeat its
 * parent's bytes: fork bumps the generation, and a pool of an older
 * generation is refilled before use. */
#define POOL 4096
static atomic_uint g_gen;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static _Thread_local struct {
    unsigned char b[POOL];
    size_t used;
    unsigned gen;
    bool ok;
} t_pool;

static void after_fork(void)
{
    atomic_fetch_add(&g_gen, 1);
}
static void init_once(void)
{
    pthread_atfork(NULL, NULL, after_fork);
}

void id_random_bytes(void *out, size_t n)
{
    if (n > POOL / 4) {
        fill(out, n);
        return;
    }
    pthread_once(&g_once, init_once);
    unsigned gen = atomic_load(&g_gen);
    if (!t_pool.ok || t_pool.gen != gen || POOL - t_pool.used < n) {
        fill(t_pool.b, POOL);
        t_pool.used = 0;
        t_pool.gen = gen;
        t_pool.ok = true;
    }
    memcpy(out, t_pool.b + t_pool.used, n);
    memset(t_pool.b + t_pool.used, 0, n);
    t_pool.used += n;
}

void id_uuid(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    id_random_bytes(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = 0;
}

void id_random_chars(char *out, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet);
    /* Lemire's multiply-and-shift: a byte c picks alphabet[c*k >> 8], and
     * the 256 % k low products that would favour some letters are rejected,
     * so the choice stays uniform with one division per call, not per letter. */
    unsigned reject_below = (unsigned)(256 % k);
    unsigned char b[64];
    size_t have = 0, used = 0;
    for (size_t i = 0; i < n;) {
        if (used == have) {
            id_random_bytes(b, sizeof b);
            have = sizeof b;
            used = 0;
        }
        unsigned m = (unsigned)b[used++] * (unsigned)k;
        if ((m & 255) < reject_below) continue;
        out[i++] = alphabet[m >> 8];
    }
    out[n] = 0;
}
