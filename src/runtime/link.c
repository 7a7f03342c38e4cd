/* link.c — a machine's link (see link.h), made with rtnetlink and
 * interface ioctls by the calling thread, which enters the link's new
 * namespace and the machine's in turn and always returns to its own.
 *
 * Why a namespace of its own and not listeners inside the machine: were
 * another machine's address on the machine's own loopback, the machine's
 * servers listening on 0.0.0.0 would answer connections meant for it. In
 * the link, the machine's address is the only one not local (a route to
 * it over the pair), so nothing in the machine answers its own way out. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
#include "runtime/link.h"
#include "runtime/machine.h"

/* The link's side of the pair: the machine's gateway (link-local, as
 * AWS's own service addresses are; not the metadata address). */
#define GATEWAY "169.254.0.1"
#define MACHINE_IF "eth0"
#define LINK_IF "m0"

/* The loopback block of gureum's host-side addresses (loopaddr.h's 127.200
 * to 127.207: public addresses, load balancers, database endpoints): in
 * the machine it goes through the link, more specific than its own
 * 127.0.0.0/8, so an endpoint a service gives is reached from inside too. */
#define LINK_LOOP_NET "127.200.0.0"
#define LINK_LOOP_LEN 13

enum { MSG_CAP = 1024 };

typedef struct {
    struct nlmsghdr h;
    char room[MSG_CAP];
} msg_t;

static void msg_init(msg_t *m, int type, int flags, const void *head, size_t len)
{
    memset(m, 0, sizeof *m);
    m->h.nlmsg_type = (uint16_t)type;
    m->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    m->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
    memcpy(NLMSG_DATA(&m->h), head, len);
}

/* Appends an attribute (data may be NULL for a nest, closed by nest_end);
 * NULL when the message is full. */
static struct rtattr *attr(msg_t *m, int type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(m->h.nlmsg_len), alen = RTA_LENGTH(len);
    if (off + RTA_ALIGN(alen) > sizeof *m) return NULL;
    struct rtattr *a = (struct rtattr *)((char *)&m->h + off);
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)alen;
    if (len) memcpy(RTA_DATA(a), data, len);
    m->h.nlmsg_len = (uint32_t)(off + RTA_ALIGN(alen));
    return a;
}

static void nest_end(msg_t *m, struct rtattr *a)
{
    if (a) a->rta_len = (unsigned short)((char *)&m->h + m->h.nlmsg_len - (char *)a);
}

/* Sends one request and waits for its acknowledgement: 0, or -1 with errno. */
static int talk(int nl, msg_t *m)
{
    static uint32_t seq;
    m->h.nlmsg_seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    struct sockaddr_nl to = {.nl_family = AF_NETLINK};
    if (sendto(nl, &m->h, m->h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof to) < 0) return -1;
    char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
    for (;;) {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errno = n < 0 ? errno : EPROTO, -1;
        int len = (int)n;
        for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
            if (r->nlmsg_seq != m->h.nlmsg_seq || r->nlmsg_type != NLMSG_ERROR) continue;
            const struct nlmsgerr *e = NLMSG_DATA(r);
            if (e->error) return errno = -e->error, -1;
            return 0;
        }
    }
}

/* A netlink socket of the calling thread's namespace. */
static int nl_open(void)
{
    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct timeval tv = {2, 0}; /* the kernel answers at once; never hang the ticker */
    if (nl >= 0) setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return nl;
}

/* The pair: LINK_IF here, MACHINE_IF in the namespace of process pid. */
static int make_pair(int nl, pid_t pid)
{
    msg_t m;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    attr(&m, IFLA_IFNAME, LINK_IF, sizeof LINK_IF);
    struct rtattr *info = attr(&m, IFLA_LINKINFO, NULL, 0);
    attr(&m, IFLA_INFO_KIND, "veth", sizeof "veth");
    struct rtattr *data = attr(&m, IFLA_INFO_DATA, NULL, 0);
    /* the peer's own ifinfomsg opens its nest, then its attributes */
    struct rtattr *peer = attr(&m, VETH_INFO_PEER, &ifi, sizeof ifi);
    attr(&m, IFLA_IFNAME, MACHINE_IF, sizeof MACHINE_IF);
    uint32_t p = (uint32_t)pid;
    struct rtattr *last = attr(&m, IFLA_NET_NS_PID, &p, sizeof p);
    nest_end(&m, peer);
    nest_end(&m, data);
    nest_end(&m, info);
    if (!last) return errno = EMSGSIZE, -1;
    return talk(nl, &m);
}

/* A route in table: to dst/len (0.0.0.0/0 when dst is NULL) out
 * of interface oif, through gw when given (on-link), from src when given. */
static int route(int nl, unsigned char table, unsigned char type, unsigned char scope, const char *dst, int len,
                 unsigned oif, const char *gw, const char *src)
{
    msg_t m;
    struct rtmsg rt = {.rtm_family = AF_INET,
                       .rtm_dst_len = (unsigned char)len,
                       .rtm_table = table,
                       .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = scope,
                       .rtm_type = type,
                       .rtm_flags = gw ? RTNH_F_ONLINK : 0};
    msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
    struct in_addr a;
    if (dst && inet_pton(AF_INET, dst, &a) == 1) attr(&m, RTA_DST, &a, sizeof a);
    uint32_t o = oif;
    attr(&m, RTA_OIF, &o, sizeof o);
    if (gw && inet_pton(AF_INET, gw, &a) == 1) attr(&m, RTA_GATEWAY, &a, sizeof a);
    if (src && inet_pton(AF_INET, src, &a) == 1 && !attr(&m, RTA_PREFSRC, &a, sizeof a)) return errno = EMSGSIZE, -1;
    return talk(nl, &m);
}

/* Brings interface name up, first giving it ip/32 when ip is set. */
static int up(const char *name, const char *ip)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    int rc = fd < 0 ? -1 : 0;
    if (!rc && ip) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
        sin->sin_family = AF_INET;
        rc = inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? ioctl(fd, SIOCSIFADDR, &ifr) : -1;
        sin->sin_addr.s_addr = htonl(0xffffffffu);
        if (!rc) rc = ioctl(fd, SIOCSIFNETMASK, &ifr);
    }
    if (!rc) rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (!rc) rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    if (fd >= 0) close(fd);
    return rc;
}

/* Writes a sysctl of the calling thread's network namespace. */
static void sysctl_net(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, value, strlen(value)) < 0) log_warn("link: cannot write %s: %s", path, strerror(errno));
        close(fd);
    }
}

/* The link's half, in the new namespace: loopback up, the pair, every
 * address local but the machine's, which is reached over the pair. */
static int link_side(pid_t pid, const char *ipv4, const char **step)
{
    int nl = nl_open(), rc = -1;
    *step = "netlink";
    if (nl < 0) return -1;
    if ((*step = "loopback", up("lo", NULL) == 0) && (*step = "veth pair", make_pair(nl, pid) == 0) &&
        (*step = "its end", up(LINK_IF, GATEWAY) == 0) &&
        (*step = "local routes",
         route(nl, RT_TABLE_MAIN, RTN_LOCAL, RT_SCOPE_HOST, NULL, 0, if_nametoindex("lo"), NULL, NULL) == 0) &&
        (*step = "the machine's route",
         route(nl, RT_TABLE_MAIN, RTN_UNICAST, RT_SCOPE_LINK, ipv4, 32, if_nametoindex(LINK_IF), NULL, NULL) == 0))
        rc = 0;
    close(nl);
    /* every address answers here: pings of anything must not seem to */
    if (!rc) sysctl_net("/proc/sys/net/ipv4/icmp_echo_ignore_all", "1");
    if (!rc) sysctl_net("/proc/sys/net/ipv4/conf/" LINK_IF "/route_localnet", "1");
    return rc;
}

/* The machine's half: its end up with its address, its default route
 * through the link. */
static int machine_side(const char *ipv4, const char **step)
{
    int nl = nl_open(), rc = -1;
    *step = "netlink in the machine";
    if (nl < 0) return -1;
    /* the private address on eth0 too, as on an instance (the route's
     * source must be an address of the machine's, and its loopback may not
     * have it yet: the init sets it up at the same time) */
    if ((*step = MACHINE_IF, up(MACHINE_IF, ipv4) == 0) &&
        (*step = "the default route", route(nl, RT_TABLE_MAIN, RTN_UNICAST, RT_SCOPE_UNIVERSE, NULL, 0,
                                            if_nametoindex(MACHINE_IF), GATEWAY, ipv4) == 0) &&
        (*step = "the host's service addresses",
         route(nl, RT_TABLE_LOCAL, RTN_UNICAST, RT_SCOPE_UNIVERSE, LINK_LOOP_NET, LINK_LOOP_LEN,
               if_nametoindex(MACHINE_IF), GATEWAY, ipv4) == 0))
        rc = 0;
    close(nl);
    /* Linux refuses loopback destinations off the loopback device unless told */
    if (!rc) sysctl_net("/proc/sys/net/ipv4/conf/" MACHINE_IF "/route_localnet", "1");
    return rc;
}

int link_make(pid_t pid, const char *ipv4)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    int mach = open(path, O_RDONLY | O_CLOEXEC), self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int ns = -1;
    const char *step = "the namespaces";
    bool ok = false;
    if (mach >= 0 && self >= 0 && unshare(CLONE_NEWNET) == 0) {
        ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ok = ns >= 0 && link_side(pid, ipv4, &step) == 0 && setns(mach, CLONE_NEWNET) == 0 &&
             machine_side(ipv4, &step) == 0;
        int e = errno;
        if (setns(self, CLONE_NEWNET) < 0) log_error("link: cannot return to the host's network: %s", strerror(errno));
        errno = e;
    }
    if (!ok) {
        log_warn("link: machine %d has no way out (%s: %s)", (int)pid, step, strerror(errno));
        if (ns >= 0) close(ns);
        ns = -1;
    }
    if (mach >= 0) close(mach);
    if (self >= 0) close(self);
    return ns;
}

int link_raw_icmp(int nsfd)
{
    int fd = mach_socket_in(nsfd, SOCK_RAW, IPPROTO_ICMP), one = 1;
    if (fd >= 0 && setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
    }
    return fd;
}
