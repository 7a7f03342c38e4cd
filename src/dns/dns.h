/* dns.h — gureum's DNS server: the wire protocol of RFC 1035 (UDP, and TCP
 * with its two-byte length prefix), EDNS(0) and truncation, knowing nothing of
 * any AWS service. It sits beside src/http/: a query is decoded here, handed to
 * a resolver callback as a name and a type, and the callback's records (in
 * their presentation form, as Route 53 stores a record's Value) are encoded
 * back into the answer. Route 53 (services/route53) is the resolver: it knows
 * the hosted zones and their routing policies, never a DNS packet.
 *
 * The server runs on its own thread with its own event loop, so the resolver
 * is called on that thread only (a store connection taken there is that
 * thread's own, store.h). */
#ifndef GR_DNS_DNS_H
#define GR_DNS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

/* Record types by their RFC numbers. */
enum {
    DNS_A = 1,
    DNS_NS = 2,
    DNS_CNAME = 5,
    DNS_SOA = 6,
    DNS_PTR = 12,
    DNS_MX = 15,
    DNS_TXT = 16,
    DNS_AAAA = 28,
    DNS_SRV = 33,
    DNS_NAPTR = 35,
    DNS_DS = 43,
    DNS_SPF = 99,
    DNS_ANY = 255,
    DNS_CAA = 257,
};

/* Response codes (RFC 1035 §4.1.1). */
enum { DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3, DNS_NOTIMP = 4, DNS_REFUSED = 5 };

/* One resource record. name is absolute, lower or mixed case, with or without
 * the final dot; value is the record's presentation form as Route 53 keeps it
 * in ResourceRecords[].Value: "192.0.2.1", "10 mail.example.com",
 * "\"v=spf1 -all\"", "ns-1.example. hostmaster.example. 1 7200 900 1209600 86400". */
typedef struct {
    const char *name;
    uint16_t type;
    uint32_t ttl;
    const char *value;
} dns_rr_t;

/* What the resolver found. rcode DNS_REFUSED for a name in no zone it serves
 * (the server then answers REFUSED, as an authoritative server that is not
 * authoritative for the name does). The arrays are the resolver's, allocated
 * in the arena it was given. */
typedef struct {
    int rcode;
    bool authoritative;
    dns_rr_t *answer;
    size_t nanswer;
    dns_rr_t *authority; /* SOA for NXDOMAIN / no data; NS for a delegation */
    size_t nauthority;
    dns_rr_t *additional;
    size_t nadditional;
} dns_answer_t;

/* The question as asked: qname without the final dot, as received (case
 * kept); client is the asker's address ("127.0.0.1"), for routing policies
 * that depend on it. Returns 0, or -1 for SERVFAIL. */
typedef int (*dns_resolve_fn)(void *ud, arena_t *a, const char *qname, uint16_t qtype, const char *client,
                              dns_answer_t *out);

typedef struct dns_server dns_server_t;

/* Binds UDP (and TCP when tcp is true) on host:port and starts the server's
 * thread. NULL when it cannot bind (errno kept). */
dns_server_t *dns_server_start(const char *host, int port, bool tcp, dns_resolve_fn fn, void *ud);
/* The UDP port bound (for port 0). */
int dns_server_port(const dns_server_t *s);
/* Stops the thread and closes the sockets. NULL is allowed. */
void dns_server_stop(dns_server_t *s);

/* The codec, public for the unit tests and the fuzz target: a query decoded
 * (id, flags, the first question, the EDNS payload size it offers, 512
 * without OPT); an answer encoded into out (at most cap bytes: over cap, the
 * records that do not fit are dropped and TC set). Return 0 or -1 (FORMERR /
 * no room even for the header). */
typedef struct {
    uint16_t id, flags;
    char qname[256];
    uint16_t qtype, qclass;
    uint16_t udp_size; /* 512..4096: what the answer may fill over UDP */
    bool edns;
    uint8_t edns_version; /* only 0 is known; others get BADVERS */
    bool question;        /* qname/qtype/qclass were decoded (false for other opcodes) */
} dns_query_t;
int dns_decode_query(const uint8_t *msg, size_t len, dns_query_t *q);
/* ans NULL answers SERVFAIL with no records. dns_encode_answer keeps its
 * scratch state per thread. */
int dns_encode_answer(const dns_query_t *q, const dns_answer_t *ans, uint8_t *out, size_t cap, size_t *outlen);

#endif
