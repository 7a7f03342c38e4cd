/* id.h — identifiers AWS hands out: request ids (UUID v4), and random
 * upper-case/hex tails for access keys, ARNs and resource ids. Uses the
 * kernel's CSPRNG (getrandom, pooled per thread) because access keys and secrets
 * come from here. */
#ifndef GR_CORE_ID_H
#define GR_CORE_ID_H

#include <stddef.h>

void id_random_bytes(void *out, size_t n);
void id_uuid(char out[37]); /* "8b7f1c2e-…", NUL-terminated */
/* n random characters from alphabet, NUL-terminated (out has n+1 bytes). */
void id_random_chars(char *out, size_t n, const char *alphabet);

#endif
