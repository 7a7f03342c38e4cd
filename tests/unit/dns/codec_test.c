/* codec_test.c — the DNS codec (src/dns/codec.c): queries decoded (EDNS,
 * compression pointers, malformed input) and answers encoded, every record
 * type's rdata checked byte for byte against its RFC wire form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"

/* A query for example.com (type qtype), with an OPT of payload size `edns`
 * when edns is nonzero. */
static size_t mkq(uint8_t *b, uint16_t qtype, uint16_t edns)
{
    static const uint8_t hdr[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    static const uint8_t name[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
    size_t n = 0;
    memcpy(b, hdr, sizeof hdr), n += sizeof hdr;
    memcpy(b + n, name, sizeof name), n += sizeof name;
    b[n++] = (uint8_t)(qtype >> 8), b[n++] = (uint8_t)qtype, b[n++] = 0, b[n++] = 1;
    if (edns) {
        b[11] = 1;
        const uint8_t opt[] = {0, 0, 41, (uint8_t)(edns >> 8), (uint8_t)edns, 0, 0, 0x80, 0, 0, 0};
        memcpy(b + n, opt, sizeof opt), n += sizeof opt;
    }
    return n;
}

static void decode_plain_and_edns(void **st)
{
    (void)st;
    uint8_t b[512];
    dns_query_t q;
    size_t n = mkq(b, DNS_AAAA, 0);
    assert_int_equal(dns_decode_query(b, n, &q), 0);
    assert_int_equal(q.id, 0x1234);
    assert_string_equal(q.qname, "example.com");
    assert_int_equal(q.qtype, DNS_AAAA);
    assert_int_equal(q.qclass, 1);
    assert_false(q.edns);
    assert_int_equal(q.udp_size, 512);
    n = mkq(b, DNS_A, 1232);
    assert_int_equal(dns_decode_query(b, n, &q), 0);
    assert_true(q.edns);
    assert_int_equal(q.udp_size, 1232);
    n = mkq(b, DNS_A, 65000); /* capped at 4096 */
    assert_int_equal(dns_decode_query(b, n, &q), 0);
    assert_int_equal(q.udp_size, 4096);
    n = mkq(b, DNS_A, 100); /* below 512 counts as 512 (RFC 6891 §6.2.5) */
    assert_int_equal(dns_decode_query(b, n, &q), 0);
    assert_int_equal(q.udp_size, 512);
}

static void decode_malformed(void **st)
{
    (void)st;
    uint8_t b[512];
    dns_query_t q;
    size_t n = mkq(b, DNS_A, 0);
    assert_int_equal(dns_decode_query(b, 11, &q), -1);    /* short header */
    assert_int_equal(dns_decode_query(b, n - 1, &q), -1); /* short question */
    b[n] = 0;
    assert_int_equal(dns_decode_query(b, n + 1, &q), -1); /* trailing byte */
    b[5] = 2;
    assert_int_equal(dns_decode_query(b, n, &q), -1); /* two questions */
    b[5] = 1;
    /* a pointer to itself (and one forward) must not loop */
    uint8_t loop[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
    assert_int_equal(dns_decode_query(loop, sizeof loop, &q), -1);
    loop[13] = 14;
    assert_int_equal(dns_decode_query(loop, sizeof loop, &q), -1);
    /* a label running past the end */
    uint8_t past[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 40, 'a', 0, 0, 1, 0, 1};
    assert_int_equal(dns_decode_query(past, sizeof past, &q), -1);
    /* OPT with a non-root owner, and two OPTs */
    n = mkq(b, DNS_A, 1232);
    b[n - 11] = 0xC0; /* owner becomes a pointer: not root */
    uint8_t c[600];
    memcpy(c, b, n);
    assert_int_equal(dns_decode_query(c, n, &q), -1);
    n = mkq(b, DNS_A, 1232);
    memcpy(b + n, b + n - 11, 11), b[11] = 2;
    assert_int_equal(dns_decode_query(b, n + 11, &q), -1);
}

static void decode_notimp_opcode_and_escapes(void **st)
{
    (void)st;
    uint8_t b[512];
    dns_query_t q;
    size_t n = mkq(b, DNS_A, 0);
    b[2] = 0x28; /* opcode 5, UPDATE */
    assert_int_equal(dns_decode_query(b, n, &q), 0);
    assert_int_equal((q.flags >> 11) & 0xF, 5);
    assert_false(q.question);
    /* "*.a.b" and a dot inside a label are kept in escaped presentation form */
    uint8_t w[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, '*', 3, 'a', '.', 'b', 0, 0, 1, 0, 1};
    assert_int_equal(dns_decode_query(w, sizeof w, &q), 0);
    assert_string_equal(q.qname, "*.a\\.b");
}

/* Encodes one answer record for the query of mkq and returns its rdata. */
static const uint8_t *rdata_of(uint16_t type, const char *value, uint8_t *out, size_t *rdlen)
{
    uint8_t b[512];
    dns_query_t q;
    dns_decode_query(b, mkq(b, type, 0), &q);
    dns_rr_t rr = {"example.com.", type, 300, value};
    dns_answer_t a = {.rcode = DNS_NOERROR, .authoritative = true, .answer = &rr, .nanswer = 1};
    size_t n;
    assert_int_equal(dns_encode_answer(&q, &a, out, 4096, &n), 0);
    if (out[7] == 0) return NULL; /* ANCOUNT 0: left out */
    /* header 12 + question 17, then the owner (a pointer to 12: 2 bytes) */
    assert_int_equal(out[29], 0xC0);
    assert_int_equal(out[30], 12);
    assert_int_equal(out[31] << 8 | out[32], type);
    assert_int_equal(out[37] << 8 | out[38], 300);
    *rdlen = (size_t)(out[39] << 8 | out[40]);
    assert_int_equal(n, 41 + *rdlen);
    return out + 41;
}

#define RD(type, value, ...)                                                                                           \
    do {                                                                                                               \
        static const uint8_t want[] = {__VA_ARGS__};                                                                   \
        size_t rl;                                                                                                     \
        const uint8_t *rd = rdata_of(type, value, out, &rl);                                                           \
        assert_non_null(rd);                                                                                           \
        assert_int_equal(rl, sizeof want);                                                                             \
        assert_memory_equal(rd, want, sizeof want);                                                                    \
    } while (0)

static void encode_every_type(void **st)
{
    (void)st;
    static uint8_t out[4096];
    RD(DNS_A, "192.0.2.1", 192, 0, 2, 1);
    RD(DNS_AAAA, "2001:db8::1", 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    /* names compressed against the question's example.com (offset 12) */
    RD(DNS_CNAME, "www.example.com", 3, 'w', 'w', 'w', 0xC0, 12);
    RD(DNS_NS, "ns1.example.com.", 3, 'n', 's', '1', 0xC0, 12);
    RD(DNS_PTR, "host.other.", 4, 'h', 'o', 's', 't', 5, 'o', 't', 'h', 'e', 'r', 0);
    RD(DNS_MX, "10 mail.example.com", 0, 10, 4, 'm', 'a', 'i', 'l', 0xC0, 12);
    RD(DNS_TXT, "\"a b\" \"q\\\"\\\\\\101\"", 3, 'a', ' ', 'b', 4, 'q', '"', '\\', 'A');
    RD(DNS_SPF, "\"v=spf1 -all\"", 11, 'v', '=', 's', 'p', 'f', '1', ' ', '-', 'a', 'l', 'l');
    RD(DNS_SOA, "ns.example.com. h.example.com. 1 7200 900 1209600 86400", 2, 'n', 's', 0xC0, 12, 1, 'h', 0xC0, 12, 0,
       0, 0, 1, 0, 0, 0x1c, 0x20, 0, 0, 0x03, 0x84, 0, 0x12, 0x75, 0, 0, 1, 0x51, 0x80);
    /* SRV and NAPTR targets are never compressed (RFC 2782, RFC 3403) */
    RD(DNS_SRV, "1 2 5060 sip.example.com", 0, 1, 0, 2, 0x13, 0xc4, 3, 's', 'i', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l',
       'e', 3, 'c', 'o', 'm', 0);
    RD(DNS_NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.", 0, 100, 0, 10, 1, 'S', 7, 'S', 'I', 'P', '+',
       'D', '2', 'U', 0, 4, '_', 's', 'i', 'p', 4, '_', 'u', 'd', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c',
       'o', 'm', 0);
    RD(DNS_CAA, "0 issue \"amazon.com\"", 0, 5, 'i', 's', 's', 'u', 'e', 'a', 'm', 'a', 'z', 'o', 'n', '.', 'c', 'o',
       'm');
    RD(DNS_DS, "60485 5 1 2BB183AF 5F22588179A53B0A98631FAD1A292118", 0xec, 0x45, 5, 1, 0x2b, 0xb1, 0x83, 0xaf, 0x5f,
       0x22, 0x58, 0x81, 0x79, 0xa5, 0x3b, 0x0a, 0x98, 0x63, 0x1f, 0xad, 0x1a, 0x29, 0x21, 0x18);
    /* Route 53 keeps '*' as \052 */
    RD(DNS_CNAME, "\\052.x.", 1, '*', 1, 'x', 0);
}

static void txt_pieces_of_255(void **st)
{
    (void)st;
    static uint8_t out[4096];
    char v[700];
    v[0] = '"';
    memset(v + 1, 'x', 600);
    strcpy(v + 601, "\"");
    size_t rl;
    const uint8_t *rd = rdata_of(DNS_TXT, v, out, &rl);
    assert_non_null(rd);
    assert_int_equal(rl, 603);
    assert_int_equal(rd[0], 255);
    assert_int_equal(rd[256], 255);
    assert_int_equal(rd[512], 90);
}

static void bad_values_left_out(void **st)
{
    (void)st;
    static uint8_t out[4096];
    size_t rl;
    const char *bad[][2] = {{"1", "300.1.1.1"}, {"28", "1.2.3.4"},    {"15", "mail.example.com"},
                            {"16", "\"open"},   {"6", "a. b. 1 2 3"}, {"33", "1 2 70000 x."},
                            {"5", "a..b"},      {"43", "1 2 3 abc"},  {"257", "0 is-sue \"x\""},
                            {"5", "\\400.x"},   {"99", ""},           {"35", "1 2 \"a\" \"b\""}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(rdata_of((uint16_t)atoi(bad[i][0]), bad[i][1], out, &rl));
}

static void flags_rcode_opt_and_truncation(void **st)
{
    (void)st;
    uint8_t b[512], out[4096];
    dns_query_t q;
    size_t n;
    /* NXDOMAIN with an SOA in authority, EDNS: OPT echoed last */
    dns_decode_query(b, mkq(b, DNS_A, 1232), &q);
    dns_rr_t soa = {"example.com", DNS_SOA, 900, "ns.example.com. h.example.com. 1 2 3 4 5"};
    dns_answer_t a = {.rcode = DNS_NXDOMAIN, .authoritative = true, .authority = &soa, .nauthority = 1};
    assert_int_equal(dns_encode_answer(&q, &a, out, 1232, &n), 0);
    assert_int_equal(out[2], 0x85); /* QR, AA, RD copied */
    assert_int_equal(out[3], 0x03); /* RA 0, NXDOMAIN */
    assert_int_equal(out[9], 1);    /* NSCOUNT */
    assert_int_equal(out[11], 1);   /* ARCOUNT: the OPT */
    assert_int_equal(out[n - 11], 0);
    assert_int_equal(out[n - 10] << 8 | out[n - 9], 41);
    assert_int_equal(out[n - 8] << 8 | out[n - 7], 4096);
    /* 40 A records do not fit in 512 bytes: TC, whole records only */
    dns_decode_query(b, mkq(b, DNS_A, 0), &q);
    dns_rr_t many[40];
    for (int i = 0; i < 40; i++) many[i] = (dns_rr_t){"example.com", DNS_A, 60, "10.0.0.1"};
    a = (dns_answer_t){.rcode = DNS_NOERROR, .answer = many, .nanswer = 40};
    assert_int_equal(dns_encode_answer(&q, &a, out, 512, &n), 0);
    assert_int_equal(out[2] & 0x02, 0x02);
    int an = out[6] << 8 | out[7];
    assert_int_equal(n, 29 + (size_t)an * 16);
    assert_true(n <= 512 && n + 16 > 512);
    /* with room for all: no TC, every record; all owners compressed */
    assert_int_equal(dns_encode_answer(&q, &a, out, 4096, &n), 0);
    assert_int_equal(out[2] & 0x02, 0);
    assert_int_equal(out[7], 40);
    assert_int_equal(n, 29 + 40 * 16);
    /* SERVFAIL with no answer at all; no room even for the header */
    assert_int_equal(dns_encode_answer(&q, NULL, out, 512, &n), 0);
    assert_int_equal(out[3] & 0xF, DNS_SERVFAIL);
    assert_int_equal(dns_encode_answer(&q, NULL, out, 11, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_plain_and_edns),
        cmocka_unit_test(decode_malformed),
        cmocka_unit_test(decode_notimp_opcode_and_escapes),
        cmocka_unit_test(encode_every_type),
        cmocka_unit_test(txt_pieces_of_255),
        cmocka_unit_test(bad_values_left_out),
        cmocka_unit_test(flags_rcode_opt_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
