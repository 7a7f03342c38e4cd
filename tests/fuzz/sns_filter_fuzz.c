/* sns_filter_fuzz.c — libFuzzer target for SNS filter policies (filter.c).
 *
 * Input: "POLICY\n--\nMESSAGE" (no separator: the whole input is the policy
 * and the message is empty). The policy is validated for both scopes; a
 * policy that passes is matched against the message as a body and against
 * attributes made from the message's lines ("name=Type:value"). Any input
 * gives a verdict or AWS's message, never a crash, leak or sanitizer report;
 * a rejected policy always has a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/sns/sns_int.h"

static val_t *attrs_of(arena_t *a, str_t msg)
{
    val_t *m = val_new(a, VAL_MAP);
    while (m && msg.len) {
        str_t line;
        msg = str_cut(msg, '\n', &line);
        if (!msg.p) msg = STR_NULL;
        str_t name, type, value = str_cut(line, ':', &type);
        str_t t = str_cut(type, '=', &name);
        if (!value.p || !t.p) continue;
        val_t *v = val_new(a, VAL_STRUCT);
        if (!v) break;
        val_set_c(a, v, "DataType", val_str(a, t));
        val_set_c(a, v, "StringValue", val_str(a, value));
        val_set(a, m, name, v);
    }
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(1 << 24);
    str_t in = str_n((const char *)data, size), policy = in, msg = STR("");
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(data + i, "\n--\n", 4) == 0) {
            policy = str_n((const char *)data, i);
            msg = str_n((const char *)data + i + 4, size - i - 4);
            break;
        }
    for (int body = 0; body < 2; body++) {
        const char *err = NULL;
        if (sns__filter_validate(a, policy, body, "Invalid parameter: ", &err) != GR_OK) {
            if (!err || !*err) abort();
            continue;
        }
        sns__filter_match(a, policy, body, body ? NULL : attrs_of(a, msg), msg);
    }
    arena_free(a);
    return 0;
}
