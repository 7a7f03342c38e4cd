/* coding.c — HTTP content codings on the wire: a request body sent with
 * Content-Encoding gzip or deflate is inflated before it is parsed, and a
 * response is compressed for a client whose Accept-Encoding asks for it.
 * The dispatcher calls these for the services that do so on AWS (a
 * registry edge's content codings); the checks and the parse see the
 * inflated bytes, the signature was checked over the sent ones. */
#include <stdlib.h>
#include <string.h>

#include "core/gzip.h"
#include "protocol/json.h"
#include "protocol/proto.h"

/* The number an Accept-Encoding entry's parameters give after their first
 * "q=" (AWS, as ScyllaDB's Alternator suite probed DynamoDB: "gzip;nq=0"
 * is q=0, "gzip;q =0;q=1" is q=1, "gzip;q= 0" is 0): 1 without one, or
 * when what follows is no number ("0.x"); above 1 counts as 1. */
static double qvalue(str_t params)
{
    const char *at = NULL;
    for (size_t i = 0; i + 1 < params.len && !at; i++)
        if (params.p[i] == 'q' && params.p[i + 1] == '=') at = params.p + i + 2;
    if (!at) return 1;
    const char *end = params.p + params.len, *p = at;
    while (p < end && *p == ' ') p++;
    const char *num = p;
    if (p < end && *p == '-') p++;
    const char *digits = p;
    while (p < end && *p >= '0' && *p <= '9') p++;
    if (p == digits) return 1;
    if (p < end && *p == '.')
        for (p++; p < end && *p >= '0' && *p <= '9';) p++;
    const char *stop = p;
    while (p < end && *p == ' ') p++;
    if (p < end && *p != ';') return 1;
    char tmp[32];
    size_t n = (size_t)(stop - num) < sizeof tmp - 1 ? (size_t)(stop - num) : sizeof tmp - 1;
    memcpy(tmp, num, n);
    tmp[n] = 0;
    double q = strtod(tmp, NULL);
    return q > 1 ? 1 : q;
}

proto_coding_t proto_accepted_coding(str_t accept)
{
    /* per coding: the best q an entry naming it gives, and where it first appears */
    double q[2] = {0, 0}, star = 0;
    int first[2] = {-1, -1};
    bool has_star = false;
    int pos = 0;
    for (str_t rest = accept, entry; rest.p; pos++) {
        rest = str_cut(rest, ',', &entry);
        str_t name, params = str_cut(entry, ';', &name);
        name = str_trim(name);
        double v = qvalue(params.p ? params : STR(""));
        if (str_eq_c(name, "*")) {
            has_star = true;
            if (v > star) star = v;
            continue;
        }
        int k = str_eq_nocase(name, STR("gzip")) ? 0 : str_eq_nocase(name, STR("deflate")) ? 1 : -1;
        if (k < 0) continue; /* identity and codings gureum does not write */
        if (first[k] < 0)
            first[k] = pos, q[k] = v;
        else if (v > q[k])
            q[k] = v;
    }
    for (int k = 0; k < 2; k++)
        if (first[k] < 0 && has_star) q[k] = star;
    if (q[0] <= 0 && q[1] <= 0) return PROTO_CODING_NONE;
    bool gzip;
    if (q[0] != q[1])
        gzip = q[0] > q[1];
    else if ((first[0] < 0) != (first[1] < 0)) /* one named, the other only through "*": the named one */
        gzip = first[0] >= 0;
    else /* both named: the first; both through "*": gzip */
        gzip = first[0] < 0 || first[0] < first[1];
    return gzip ? PROTO_CODING_GZIP : PROTO_CODING_DEFLATE;
}

/* resp's body becomes bytes. A checksum header covers the bytes sent:
 * botocore checks x-amz-crc32 against the body as it reads it, undecoded. */
static int set_body(wire_resp_t *resp, arena_t *a, str_t bytes)
{
    buf_init(&resp->body, a);
    buf_append(&resp->body, bytes.p, bytes.len);
    for (size_t i = 0; i < resp->nheaders; i++)
        if (str_eq_nocase(resp->headers[i].name, STR("x-amz-crc32")))
            resp->headers[i].value = proto__crc32_text(a, buf_str(&resp->body));
    return resp->body.failed ? GR_ERR : GR_OK;
}

int proto_encode_response(wire_resp_t *resp, arena_t *a, proto_coding_t c)
{
    if (c == PROTO_CODING_NONE) return GR_OK;
    str_t z = deflate_of(a, buf_str(&resp->body), c == PROTO_CODING_GZIP);
    if (!z.p) return GR_ERR;
    wire_resp_header(resp, a, "Content-Encoding", c == PROTO_CODING_GZIP ? STR("gzip") : STR("deflate"));
    return set_body(resp, a, z);
}

proto_decode_t proto_decode_body(arena_t *a, str_t coding, str_t body, size_t limit, str_t *out)
{
    coding = str_trim(coding);
    if (!coding.len || str_eq_nocase(coding, STR("identity"))) {
        *out = body;
        return body.len > limit ? PROTO_DECODE_TOO_BIG : PROTO_DECODE_OK;
    }
    bool gzip = str_eq_nocase(coding, STR("gzip"));
    if (!gzip && !str_eq_nocase(coding, STR("deflate"))) return PROTO_DECODE_UNSUPPORTED;
    switch (inflate_body(a, body, gzip, limit, out)) {
    case INFLATE_OK: return PROTO_DECODE_OK;
    case INFLATE_TOO_BIG: return PROTO_DECODE_TOO_BIG;
    default: return PROTO_DECODE_BAD;
    }
}
