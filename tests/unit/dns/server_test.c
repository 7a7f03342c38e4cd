/* server_test.c — the DNS server (src/dns/server.c) on a real socket: a
 * test resolver answers, queries go over UDP and TCP (two on one
 * connection), and REFUSED, NOTIMP, FORMERR, BADVERS and truncation come
 * back as a client sees them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dns/dns.h"

/* example.com: 60 A records (too many for 512 bytes); anything else REFUSED. */
static int resolve(void *ud, arena_t *a, const char *qname, uint16_t qtype, const char *client, dns_answer_t *out)
{
    (void)ud;
    assert_string_equal(client, "127.0.0.1");
    memset(out, 0, sizeof *out);
    if (strcmp(qname, "fail.example.com") == 0) return -1;
    if (strcasecmp(qname, "example.com") != 0) return out->rcode = DNS_REFUSED, 0;
    out->authoritative = true;
    size_t n = qtype == DNS_A ? 60 : 1;
    out->answer = ARENA_NEWN(a, dns_rr_t, n);
    static const struct {
        uint16_t type;
        const char *value;
    } other[] = {{DNS_MX, "10 mail.example.com"},
                 {DNS_SRV, "1 2 5060 sip.example.com."},
                 {DNS_CAA, "0 issue \"amazon.com\""},
                 {DNS_SOA, "ns.example.com. h.example.com. 1 7200 900 1209600 86400"},
                 {DNS_NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com."},
                 {DNS_DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"}};
    for (size_t i = 0; i < n; i++)
        out->answer[i] = (dns_rr_t){"example.com", qtype == DNS_A ? DNS_A : DNS_TXT, 60,
                                    qtype == DNS_A ? arena_printf(a, "10.0.0.%zu", i) : "\"hi\" \"a\\\"b\""};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (other[i].type == qtype) out->answer[0] = (dns_rr_t){"example.com", qtype, 60, other[i].value};
    out->nanswer = n;
    return 0;
}

static size_t mkq(uint8_t *b, const char *label, uint16_t qtype, uint16_t edns, uint8_t opcode)
{
    size_t n = 0, l = strlen(label);
    const uint8_t hdr[] = {0xab, 0xcd, (uint8_t)(0x01 | opcode << 3), 0, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0};
    memcpy(b, hdr, sizeof hdr), n = sizeof hdr;
    if (l) b[n++] = (uint8_t)l, memcpy(b + n, label, l), n += l;
    static const uint8_t tail[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
    memcpy(b + n, tail, sizeof tail), n += sizeof tail;
    b[n++] = (uint8_t)(qtype >> 8), b[n++] = (uint8_t)qtype, b[n++] = 0, b[n++] = 1;
    if (edns) {
        const uint8_t opt[] = {0, 0, 41, (uint8_t)(edns >> 8), (uint8_t)edns, 0, 0, 0, 0, 0, 0};
        memcpy(b + n, opt, sizeof opt), n += sizeof opt;
    }
    return n;
}

static struct sockaddr_in addr(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    return sa;
}

static ssize_t udp(int port, const uint8_t *q, size_t n, uint8_t *r, size_t cap)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = addr(port);
    sendto(fd, q, n, 0, (struct sockaddr *)&sa, sizeof sa);
    ssize_t m = recv(fd, r, cap, 0);
    close(fd);
    return m;
}

static bool read_full(int fd, uint8_t *b, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t m = recv(fd, b + got, n - got, 0);
        if (m <= 0) return false;
        got += (size_t)m;
    }
    return true;
}

static void udp_answers_and_errors(void **st)
{
    (void)st;
    dns_server_t *s = dns_server_start("127.0.0.1", 0, false, resolve, NULL);
    assert_non_null(s);
    int port = dns_server_port(s);
    assert_true(port > 0);
    uint8_t q[512], r[4096];
    /* TXT: one answer, AA, id echoed */
    ssize_t m = udp(port, q, mkq(q, "", DNS_TXT, 0, 0), r, sizeof r);
    assert_true(m > 12);
    assert_int_equal(r[0] << 8 | r[1], 0xabcd);
    assert_int_equal(r[2], 0x85);
    assert_int_equal(r[3], 0);
    assert_int_equal(r[7], 1);
    /* 60 A records over plain UDP: TC within 512 bytes; with EDNS 4096 all */
    m = udp(port, q, mkq(q, "", DNS_A, 0, 0), r, sizeof r);
    assert_true(m > 12 && m <= 512);
    assert_int_equal(r[2] & 0x02, 0x02);
    m = udp(port, q, mkq(q, "", DNS_A, 4096, 0), r, sizeof r);
    assert_int_equal(r[2] & 0x02, 0);
    assert_int_equal(r[7], 60);
    assert_int_equal(r[11], 1); /* OPT */
    /* outside the zones: REFUSED; resolver failure: SERVFAIL */
    udp(port, q, mkq(q, "other", DNS_A, 0, 0), r, sizeof r);
    assert_int_equal(r[3] & 0xF, DNS_REFUSED);
    assert_int_equal(r[7], 0);
    udp(port, q, mkq(q, "fail", DNS_A, 0, 0), r, sizeof r);
    assert_int_equal(r[3] & 0xF, DNS_SERVFAIL);
    size_t n;
    /* opcode STATUS (2): NOTIMP */
    udp(port, q, mkq(q, "", DNS_A, 0, 2), r, sizeof r);
    assert_int_equal(r[3] & 0xF, DNS_NOTIMP);
    assert_int_equal((r[2] >> 3) & 0xF, 2);
    /* a truncated question: FORMERR with the id and no question */
    n = mkq(q, "", DNS_A, 0, 0);
    m = udp(port, q, n - 3, r, sizeof r);
    assert_int_equal(m, 12);
    assert_int_equal(r[0] << 8 | r[1], 0xabcd);
    assert_int_equal(r[3] & 0xF, DNS_FORMERR);
    /* EDNS version 1: BADVERS, its upper bits in the OPT */
    n = mkq(q, "", DNS_A, 1232, 0);
    q[n - 5] = 1;
    m = udp(port, q, n, r, sizeof r);
    assert_int_equal(r[3] & 0xF, 0);
    assert_int_equal(r[m - 6], 1); /* extended rcode 1 << 4 = 16 */
    dns_server_stop(s);
}

static void tcp_two_queries_one_connection(void **st)
{
    (void)st;
    dns_server_t *s = dns_server_start("127.0.0.1", 0, true, resolve, NULL);
    assert_non_null(s);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = addr(dns_server_port(s));
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    uint8_t q[2 + 512], r[65536];
    /* both queries in one write: the server must split them */
    size_t n1 = mkq(q + 2, "", DNS_A, 0, 0);
    q[0] = 0, q[1] = (uint8_t)n1;
    uint8_t both[1100];
    memcpy(both, q, n1 + 2);
    size_t n2 = mkq(q + 2, "", DNS_TXT, 0, 0);
    q[1] = (uint8_t)n2;
    memcpy(both + n1 + 2, q, n2 + 2);
    assert_int_equal(send(fd, both, n1 + n2 + 4, 0), (ssize_t)(n1 + n2 + 4));
    for (int i = 0; i < 2; i++) {
        assert_true(read_full(fd, r, 2));
        size_t len = (size_t)(r[0] << 8 | r[1]);
        assert_true(read_full(fd, r, len));
        assert_int_equal(r[2] & 0x02, 0); /* no TC over TCP */
        assert_int_equal(r[7], i == 0 ? 60 : 1);
    }
    close(fd);
    /* a connection left open is closed by stop, without leaks */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    send(fd, "\0", 1, 0);
    usleep(50000);
    dns_server_stop(s);
    close(fd);
}

/* dig (bind9-dnsutils, scripts/install-deps.sh) reads our answers as any
 * resolver would: over UDP and over TCP, every type printed back in its
 * presentation form. */
static void dig_reads_answers(void **st)
{
    (void)st;
    dns_server_t *s = dns_server_start("127.0.0.1", 0, true, resolve, NULL);
    assert_non_null(s);
    static const char *const cases[][3] = {
        {"TXT", "", "\"hi\" \"a\\\"b\"\n"},
        {"MX", "+tcp", "10 mail.example.com.\n"},
        {"SRV", "", "1 2 5060 sip.example.com.\n"},
        {"CAA", "+tcp", "0 issue \"amazon.com\"\n"},
        {"SOA", "", "ns.example.com. h.example.com. 1 7200 900 1209600 86400\n"},
        {"NAPTR", "", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.\n"},
        {"DS", "+tcp", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[256], got[512] = {0};
        snprintf(cmd, sizeof cmd, "dig +short +tries=1 +time=3 %s @127.0.0.1 -p %d example.com %s", cases[i][1],
                 dns_server_port(s), cases[i][0]);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        size_t n = fread(got, 1, sizeof got - 1, f);
        assert_int_equal(pclose(f), 0);
        got[n] = 0;
        assert_string_equal(got, cases[i][2]);
    }
    /* all 60 A records over UDP with dig's default EDNS 1232 */
    char cmd[256], got[2048] = {0};
    snprintf(cmd, sizeof cmd, "dig +short +tries=1 +time=3 @127.0.0.1 -p %d example.com A | wc -l", dns_server_port(s));
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(got, sizeof got, f));
    pclose(f);
    assert_int_equal(atoi(got), 60);
    dns_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_answers_and_errors),
        cmocka_unit_test(tcp_two_queries_one_connection),
        cmocka_unit_test(dig_reads_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
