/* server.c — gureum's DNS server: UDP and (when asked) TCP sockets on their
 * own thread and libevent base. Each query is decoded (codec.c), handed to the
 * resolver callback with a fresh arena, and its answer encoded and sent back;
 * TCP carries several length-prefixed messages per connection (RFC 1035
 * §4.2.2, RFC 7766) until the client closes or goes idle. */
#define _GNU_SOURCE /* pipe2 */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/log.h"

#define ARENA_BUDGET (1u << 20) /* what one query's resolution may allocate */
#define MAX_TCP_CONNS 128
#define TCP_IDLE_SECONDS 10 /* RFC 7766 §6.2.3 suggests seconds, not minutes */

struct dns_server {
    struct event_base *base;
    int udp_fd, port, wake[2];
    struct event *udp_ev, *wake_ev;
    struct evconnlistener *listener;
    pthread_t thread;
    dns_resolve_fn fn;
    void *ud;
    int nconns;
    struct tcp_conn *conns; /* every open connection, freed at stop */
};

typedef struct tcp_conn {
    dns_server_t *s;
    struct bufferevent *bev;
    char client[INET6_ADDRSTRLEN];
    struct tcp_conn *prev, *next;
} tcp_conn_t;

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
    out[0] = 0;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

/* One message in, one answer out (0 bytes: no answer, for a message too short
 * to carry an id or one that is itself a response). */
static size_t answer(dns_server_t *s, const uint8_t *msg, size_t len, const char *client, bool tcp, uint8_t *out,
                     size_t cap)
{
    dns_query_t q;
    int rc = dns_decode_query(msg, len, &q);
    if (len < 12 || (q.flags & 0x8000)) return 0;
    dns_answer_t ans = {.rcode = DNS_NOERROR};
    arena_t *a = NULL;
    if (rc < 0) {
        /* FORMERR echoes the id and nothing of a question it could not read */
        q.question = false, q.edns = false;
        q.flags &= 0x7900;
        ans.rcode = DNS_FORMERR;
    } else if (((q.flags >> 11) & 0xF) != 0)
        ans.rcode = DNS_NOTIMP;
    else if (q.edns && q.edns_version > 0)
        ans.rcode = 16; /* BADVERS (RFC 6891 §6.1.3) */
    else if (q.qclass != 1 && q.qclass != 255)
        ans.rcode = DNS_REFUSED; /* only IN is served (CHAOS version.bind etc. are not) */
    else if (q.qtype == 251 || q.qtype == 252)
        ans.rcode = DNS_REFUSED; /* IXFR/AXFR: Route 53 does not transfer zones */
    else {
        a = arena_new(ARENA_BUDGET);
        if (!a || s->fn(s->ud, a, q.qname, q.qtype, client, &ans) < 0 || arena_failed(a)) {
            memset(&ans, 0, sizeof ans);
            ans.rcode = DNS_SERVFAIL;
        }
    }
    size_t limit = tcp ? 65535 : q.udp_size;
    if (limit > cap) limit = cap;
    size_t n = 0;
    if (dns_encode_answer(&q, &ans, out, limit, &n) < 0) n = 0;
    arena_free(a);
    return n;
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    dns_server_t *s = arg;
    static _Thread_local uint8_t in[65536], out[4096];
    /* a bounded batch per wake-up so TCP clients are not starved */
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        ssize_t n = recvfrom(fd, in, sizeof in, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
        if (n < 0) return;
        char client[INET6_ADDRSTRLEN];
        addr_text((struct sockaddr *)&ss, client, sizeof client);
        size_t m = answer(s, in, (size_t)n, client, false, out, sizeof out);
        if (m) sendto(fd, out, m, MSG_DONTWAIT, (struct sockaddr *)&ss, sl);
    }
}

static void conn_free(tcp_conn_t *c)
{
    dns_server_t *s = c->s;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    bufferevent_free(c->bev);
    s->nconns--;
    free(c);
}

static void on_tcp_read(struct bufferevent *bev, void *arg)
{
    tcp_conn_t *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    static _Thread_local uint8_t out[2 + 65535];
    for (;;) {
        size_t have = evbuffer_get_length(in);
        uint8_t pfx[2];
        if (have < 2 || evbuffer_copyout(in, pfx, 2) != 2) return;
        size_t len = (size_t)pfx[0] << 8 | pfx[1];
        if (have < 2 + len) return;
        uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(2 + len));
        if (!msg) return conn_free(c);
        size_t m = answer(c->s, msg + 2, len, c->client, true, out + 2, sizeof out - 2);
        evbuffer_drain(in, 2 + len);
        if (!m) return conn_free(c); /* a response or a runt: not a DNS client */
        out[0] = (uint8_t)(m >> 8), out[1] = (uint8_t)m;
        bufferevent_write(bev, out, m + 2);
    }
}

static void on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what; /* EOF, error or the idle timeout: the connection ends */
    conn_free(arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl, void *arg)
{
    (void)l;
    (void)sl;
    dns_server_t *s = arg;
    tcp_conn_t *c = s->nconns < MAX_TCP_CONNS ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        evutil_closesocket(fd);
        return;
    }
    c->s = s;
    addr_text(sa, c->client, sizeof c->client);
    c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        evutil_closesocket(fd);
        free(c);
        return;
    }
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    struct timeval idle = {TCP_IDLE_SECONDS, 0};
    bufferevent_set_timeouts(c->bev, &idle, &idle);
    /* one message at most is buffered ahead: 2 + 65535 bytes */
    bufferevent_setwatermark(c->bev, EV_READ, 0, 2 + 65535);
    bufferevent_setcb(c->bev, on_tcp_read, NULL, on_tcp_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(((dns_server_t *)arg)->base);
}

static void *run(void *arg)
{
    dns_server_t *s = arg;
    event_base_dispatch(s->base);
    return NULL;
}

static int bind_socket(const char *host, int port, int type, int *bound)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = type, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char ps[8];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host && *host ? host : NULL, ps, &hints, &res) != 0) return errno = EADDRNOTAVAIL, -1;
    int fd = socket(res->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0 && type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return errno = e, -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

dns_server_t *dns_server_start(const char *host, int port, bool tcp, dns_resolve_fn fn, void *ud)
{
    dns_server_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->fn = fn, s->ud = ud, s->udp_fd = -1, s->wake[0] = s->wake[1] = -1;
    int e = 0;
    s->udp_fd = bind_socket(host, port, SOCK_DGRAM, &s->port);
    if (s->udp_fd < 0) goto fail;
    s->base = event_base_new();
    if (!s->base || pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) goto fail;
    s->udp_ev = event_new(s->base, s->udp_fd, EV_READ | EV_PERSIST, on_udp, s);
    s->wake_ev = event_new(s->base, s->wake[0], EV_READ, on_wake, s);
    if (!s->udp_ev || !s->wake_ev || event_add(s->udp_ev, NULL) < 0 || event_add(s->wake_ev, NULL) < 0) goto fail;
    if (tcp) {
        int tport;
        /* TCP on the same port UDP got (port 0 picks the UDP one first) */
        int tfd = bind_socket(host, s->port, SOCK_STREAM, &tport);
        if (tfd < 0) goto fail;
        s->listener = evconnlistener_new(s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE, 64, tfd);
        if (!s->listener) {
            close(tfd);
            goto fail;
        }
    }
    if (pthread_create(&s->thread, NULL, run, s) != 0) goto fail;
    return s;
fail:
    e = errno;
    if (s->listener) evconnlistener_free(s->listener);
    if (s->udp_ev) event_free(s->udp_ev);
    if (s->wake_ev) event_free(s->wake_ev);
    if (s->base) event_base_free(s->base);
    if (s->udp_fd >= 0) close(s->udp_fd);
    if (s->wake[0] >= 0) close(s->wake[0]), close(s->wake[1]);
    free(s);
    errno = e;
    return NULL;
}

int dns_server_port(const dns_server_t *s)
{
    return s ? s->port : 0;
}

void dns_server_stop(dns_server_t *s)
{
    if (!s) return;
    ssize_t w = write(s->wake[1], "x", 1);
    (void)w;
    pthread_join(s->thread, NULL);
    while (s->conns) conn_free(s->conns);
    if (s->listener) evconnlistener_free(s->listener);
    event_free(s->udp_ev);
    event_free(s->wake_ev);
    event_base_free(s->base);
    close(s->udp_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s);
}
