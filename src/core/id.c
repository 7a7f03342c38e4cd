/* id.c — random identifiers; see id.h. */
#include "core/id.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void id_random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r <= 0) continue; /* EINTR; getrandom never fails otherwise once seeded */
        p += r;
        n -= (size_t)r;
    }
}

void id_uuid(char out[37])
{
    unsigned char b[16];
    id_random_bytes(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void id_random_chars(char *out, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet);
    unsigned char b[64];
    size_t have = 0, used = 0;
    for (size_t i = 0; i < n;) {
        if (used == have) {
            id_random_bytes(b, sizeof b);
            have = sizeof b;
            used = 0;
        }
        unsigned char c = b[used++];
        if (c >= 256 - 256 % k) continue; /* rejection keeps the choice uniform */
        out[i++] = alphabet[c % k];
    }
    out[n] = 0;
}
