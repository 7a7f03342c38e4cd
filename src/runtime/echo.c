/* echo.c — the echo thread (see echo.h): one raw ICMP socket per owner,
 * made in the owner's link, polled; an echo request (type 8) to an allowed
 * address gets an echo reply (type 0) with the same identifier, sequence
 * and data, from that address to the sender, through IP_HDRINCL so the
 * source is the pinged address and not the link's own.
 *
 * The sets change under a lock by echo_set; the thread reads them at each
 * turn of its poll loop (at most 200 ms later). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/lazythread.h"
#include "core/log.h"
#include "runtime/echo.h"
#include "runtime/link.h"

enum { MAX_OWNERS = 512, MAX_IPS = 256, TURN_MS = 200 };

typedef struct {
    char owner[32];
    int fd; /* the raw socket in the owner's link */
    ino_t ns_ino;
    dev_t ns_dev;
    uint32_t ips[MAX_IPS];
    size_t n;
} echo_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static echo_t owners[MAX_OWNERS];
static size_t nowners;
static lazythread_t worker;

static uint16_t checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (len & 1) sum += (uint32_t)(b[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

/* Answers one packet read from e's socket when it is an echo request to
 * an allowed address. */
static void answer(int fd, const uint32_t *ips, size_t nips, uint8_t *pkt, size_t len)
{
    struct iphdr *ip = (struct iphdr *)pkt;
    size_t hl = (size_t)ip->ihl * 4;
    if (len < sizeof *ip || hl < sizeof *ip || len < hl + 8 || ip->protocol != IPPROTO_ICMP) return;
    struct icmphdr *ic = (struct icmphdr *)(pkt + hl);
    if (ic->type != ICMP_ECHO || ic->code != 0) return;
    bool allowed = false;
    for (size_t i = 0; i < nips && !allowed; i++) allowed = ips[i] == ip->daddr;
    if (!allowed) return;
    uint8_t out[1600];
    size_t icmp_len = len - hl;
    if (sizeof(struct iphdr) + icmp_len > sizeof out) return;
    struct iphdr *o = (struct iphdr *)out;
    memset(o, 0, sizeof *o);
    o->version = 4;
    o->ihl = 5;
    o->ttl = 64;
    o->protocol = IPPROTO_ICMP;
    o->saddr = ip->daddr;
    o->daddr = ip->saddr;
    o->tot_len = htons((uint16_t)(sizeof *o + icmp_len)); /* the kernel fills it in too, and the checksum */
    struct icmphdr *r = (struct icmphdr *)(out + sizeof *o);
    memcpy(r, ic, icmp_len);
    r->type = ICMP_ECHOREPLY;
    r->checksum = 0;
    r->checksum = checksum(r, icmp_len);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = ip->saddr};
    if (sendto(fd, out, sizeof *o + icmp_len, 0, (struct sockaddr *)&to, sizeof to) < 0)
        log_warn("echo: cannot answer a ping: %s", strerror(errno));
}

static void *echo_main(void *arg)
{
    (void)arg;
    struct pollfd pf[MAX_OWNERS];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&mu);
        if (worker.stopping) {
            for (size_t i = 0; i < nowners; i++) close(owners[i].fd);
            nowners = 0;
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        for (size_t i = 0; i < nowners; i++) pf[n++] = (struct pollfd){owners[i].fd, POLLIN, 0};
        pthread_mutex_unlock(&mu);
        if (poll(pf, n, TURN_MS) <= 0) continue;
        for (size_t k = 0; k < n; k++) {
            if (!(pf[k].revents & POLLIN)) continue;
            /* read under the lock, and only from a socket an owner still
             * has: echo_set may have closed this one and its number may
             * now be any other socket's */
            pthread_mutex_lock(&mu);
            for (size_t i = 0; i < nowners; i++) {
                if (owners[i].fd != pf[k].fd) continue;
                uint8_t pkt[1600];
                ssize_t got = recv(owners[i].fd, pkt, sizeof pkt, MSG_DONTWAIT);
                if (got > 0) answer(owners[i].fd, owners[i].ips, owners[i].n, pkt, (size_t)got);
                break;
            }
            pthread_mutex_unlock(&mu);
        }
    }
}

int echo_set(const char *owner, int nsfd, const char (*ips)[16], size_t n)
{
    pthread_mutex_lock(&mu);
    echo_t *e = NULL;
    for (size_t i = 0; i < nowners && !e; i++)
        if (!strcmp(owners[i].owner, owner)) e = &owners[i];
    int rc = GR_OK;
    struct stat ns;
    bool same = e && fstat(nsfd, &ns) == 0 && ns.st_ino == e->ns_ino && ns.st_dev == e->ns_dev;
    if (!n || (e && !same)) { /* ended, or the owner's machine has a new link */
        if (e) {
            close(e->fd);
            *e = owners[--nowners];
            e = NULL;
        }
        if (!n) {
            pthread_mutex_unlock(&mu);
            return GR_OK;
        }
    }
    if (!e && nowners < MAX_OWNERS && !worker.stopping) {
        int fd = link_raw_icmp(nsfd);
        if (fd >= 0) {
            e = &owners[nowners++];
            memset(e, 0, sizeof *e);
            snprintf(e->owner, sizeof e->owner, "%s", owner);
            e->fd = fd;
            if (fstat(nsfd, &ns) == 0) e->ns_ino = ns.st_ino, e->ns_dev = ns.st_dev;
        }
    }
    if (!e) rc = GR_ERR;
    for (size_t k = 0; e && k < n && k < MAX_IPS; k++) {
        struct in_addr a;
        e->ips[k] = inet_pton(AF_INET, ips[k], &a) == 1 ? a.s_addr : 0;
    }
    if (e) e->n = n < MAX_IPS ? n : MAX_IPS;
    if (e && lazythread_start(&worker, echo_main) != GR_OK) rc = GR_ERR;
    pthread_mutex_unlock(&mu);
    return rc;
}

void echo_stop(void)
{
    lazythread_stop(&worker, &mu);
}
