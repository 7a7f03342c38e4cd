/* xmldsig_fuzz.c — libFuzzer target for STS's XML tree reader and Exclusive
 * XML Canonicalization (src/services/sts/xmldsig.c).
 *
 * The input is an XML document. It is parsed under a small arena budget;
 * when it parses, the root is canonicalized, the canonical form parsed again
 * and canonicalized again, and the two forms must be equal (canonicalizing
 * is idempotent), and the signature check runs on the root with no
 * certificates (it must refuse, saying why). Invariant checked: no crash, no
 * leak, no undefined behaviour, every refusal has a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "services/sts/xmldsig.h"

#define BUDGET (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(BUDGET);
    if (!a) return 0;
    const char *err = NULL;
    dsig_node_t *root = dsig_parse(a, str_n((const char *)data, size), &err);
    if (root) {
        buf_t once;
        buf_init(&once, a);
        dsig_exc_c14n(&once, root, NULL, STR("#default xs"));
        if (!once.failed && !arena_failed(a)) {
            dsig_node_t *again = dsig_parse(a, buf_str(&once), &err);
            if (!again && !arena_failed(a)) abort();
            if (again) {
                buf_t twice;
                buf_init(&twice, a);
                dsig_exc_c14n(&twice, again, NULL, STR("#default xs"));
                if (!twice.failed && (twice.len != once.len || memcmp(twice.p, once.p, once.len))) abort();
            }
        }
        const char *why = NULL;
        if (dsig_verify(a, root, NULL, 0, &why) || !why) abort();
    } else if (!err) {
        abort(); /* a refusal always says why */
    }
    arena_free(a);
    return 0;
}
