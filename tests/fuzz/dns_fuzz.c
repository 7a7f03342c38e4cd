/* dns_fuzz.c — libFuzzer target for the DNS codec (src/dns/codec.c).
 *
 * 1. The bytes as a DNS query: dns_decode_query never crashes or reads past
 *    the message (compression pointers, labels, OPT); a query it accepts is
 *    answered, and the answer decodes again to the same question
 *    (decode -> encode -> decode keeps qname, qtype and qclass).
 * 2. The bytes as records in presentation form, "TYPE NAME VALUE" per line
 *    (TYPE a decimal number): dns_encode_answer turns any value into rdata or
 *    leaves the record out, never overrunning the cap it is given (a random
 *    cap from 12 to 4096). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dns/dns.h"

static uint8_t out[4096];

static void as_query(const uint8_t *data, size_t size)
{
    dns_query_t q, back;
    if (dns_decode_query(data, size, &q) < 0 || !q.question) return;
    dns_answer_t a = {.rcode = DNS_NOERROR};
    size_t n;
    if (dns_encode_answer(&q, &a, out, sizeof out, &n) < 0) return;
    if (n > sizeof out) abort();
    if (dns_decode_query(out, n, &back) < 0) abort();
    if (strcmp(q.qname, back.qname) != 0 || q.qtype != back.qtype || q.qclass != back.qclass) abort();
}

static void as_records(const uint8_t *data, size_t size)
{
    if (size < 2) return;
    size_t cap = 12 + ((size_t)data[0] << 8 | data[1]) % (sizeof out - 11);
    char *text = malloc(size - 1);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = 0;
    dns_rr_t rr[16];
    size_t nrr = 0;
    for (char *line = text, *next; line && nrr < 16; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        char *name = strchr(line, ' ');
        if (!name) continue;
        *name++ = 0;
        char *value = strchr(name, ' ');
        if (!value) continue;
        *value++ = 0;
        rr[nrr++] = (dns_rr_t){name, (uint16_t)atoi(line), 300, value};
    }
    static const uint8_t query[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1};
    dns_query_t q;
    dns_decode_query(query, sizeof query, &q);
    dns_answer_t a = {.rcode = DNS_NOERROR,
                      .answer = rr,
                      .nanswer = nrr / 2,
                      .additional = rr + nrr / 2,
                      .nadditional = nrr - nrr / 2};
    size_t n;
    if (dns_encode_answer(&q, &a, out, cap, &n) == 0 && n > cap) abort();
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) once = 1, log_set_level(LOG_ERROR);
    as_query(data, size);
    as_records(data, size);
    return 0;
}
