/* forward.c — the forwarding thread (see forward.h): it keeps one listening
 * socket per wanted (host address, port), accepts, connects into the
 * machine (mach_connect) and hands the pair to a copying thread.
 *
 * Listeners are on the host, or in a machine's link (link.h) for the
 * connections machines open to each other.
 *
 * The wanted set is changed under a lock by fwd_set and read by the thread
 * at each turn of its poll loop (at most 200 ms later). A listener that
 * cannot be opened is tried again every second: the address may be held
 * for a moment, e.g. by a machine just cloned (machine.c), which holds
 * copies of the server's sockets until its init closes them. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/gtime.h"
#include "core/lazythread.h"
#include "core/log.h"
#include "runtime/forward.h"
#include "runtime/machine.h"

/* every instance's link holds a listener per port it may reach on each
 * other instance of its VPC (a default group's all-traffic rule: 14 ports
 * a pair), so the host's own forwards need room beside them */
enum { MAX_FWD = 8192, TURN_MS = 200, CONNECT_MS = 3000, RETRY_MS = 1000 };

typedef struct {
    char owner[64], host_ip[16], inner_ip[16];
    int port;
    pid_t pid;
    /* a pool (fwd_pool): connections go to its targets in turn instead */
    fwd_target_t *pool;
    size_t npool, next;
    int pool_port; /* the listener's port; pool targets have their own */
    int nsfd;      /* listening in this link (link.h; the caller's fd, valid while the entry lives), -1: on the host */
    int lfd;       /* the thread's: -1 until listening, -2 failed until retry_us */
    int64_t retry_us;
    bool warned; /* its failure to listen was logged (once) */
    bool dead;   /* removed: the thread closes lfd */
} fwd_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static fwd_t fwds[MAX_FWD];
static size_t nfwd;
static lazythread_t worker;

static int listen_fd(const fwd_t *f)
{
    if (f->nsfd >= 0) return mach_listen_in(f->nsfd, f->host_ip, f->port);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};
    if (inet_pton(AF_INET, f->host_ip, &sa.sin_addr) != 1) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* f's listener opened (lfd), or its failure noted for a retry: logged the
 * first time, and once when a retry succeeds. */
static void listen_on(fwd_t *f, int64_t now)
{
    f->lfd = listen_fd(f);
    const char *where = f->nsfd >= 0 ? " in a link" : "";
    if (f->lfd >= 0) {
        if (f->warned) log_info("forward: listening on %s:%d%s after all", f->host_ip, f->port, where);
        f->warned = false;
        return;
    }
    if (!f->warned) log_warn("forward: cannot listen on %s:%d%s: %s", f->host_ip, f->port, where, strerror(errno));
    f->warned = true;
    f->lfd = -2;
    f->retry_us = now + RETRY_MS * 1000;
}

typedef struct {
    int a, b;
} pair_t;

/* Copies both ways until both directions have ended (a half-close is
 * passed on with shutdown). */
static void *copy_main(void *arg)
{
    pair_t p = *(pair_t *)arg;
    free(arg);
    enum { BUF = 65536 };
    char *buf = malloc(BUF);
    bool open_ab = buf != NULL, open_ba = buf != NULL;
    while (open_ab || open_ba) {
        struct pollfd pf[2] = {{p.a, open_ab ? POLLIN : 0, 0}, {p.b, open_ba ? POLLIN : 0, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int from = i ? p.b : p.a, to = i ? p.a : p.b;
            ssize_t n = read(from, buf, BUF);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            bool ok = n > 0;
            for (ssize_t off = 0; ok && off < n;) {
                ssize_t w = write(to, buf + off, (size_t)(n - off));
                if (w < 0 && errno == EAGAIN) {
                    struct pollfd wp = {to, POLLOUT, 0};
                    poll(&wp, 1, -1);
                    continue;
                }
                if (w <= 0) ok = false;
                off += w > 0 ? w : 0;
            }
            if (!ok) {
                shutdown(to, SHUT_WR);
                if (i)
                    open_ba = false;
                else
                    open_ab = false;
                if (n < 0) open_ab = open_ba = false;
            }
        }
    }
    free(buf);
    close(p.a);
    close(p.b);
    return NULL;
}

static void join_pair(int client, const fwd_t *f)
{
    int m = f->pid > 0 ? mach_connect(f->pid, f->inner_ip, f->port) : -1;
    if (m >= 0) {
        struct pollfd pf = {m, POLLOUT, 0};
        int err = 0;
        socklen_t len = sizeof err;
        if (poll(&pf, 1, CONNECT_MS) != 1 || getsockopt(m, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
            close(m);
            m = -1;
        }
    }
    if (m < 0) { /* nothing listens there: the client sees the refusal */
        struct linger lg = {1, 0};
        setsockopt(client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(client);
        return;
    }
    pair_t *p = malloc(sizeof *p);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (p) *p = (pair_t){client, m};
    if (!p || pthread_create(&t, &at, copy_main, p) != 0) {
        free(p);
        close(client);
        close(m);
    }
    pthread_attr_destroy(&at);
}

static void drop(fwd_t *f)
{
    if (f->lfd >= 0) close(f->lfd);
    free(f->pool);
}

static void *fwd_main(void *arg)
{
    (void)arg;
    struct pollfd pf[MAX_FWD];
    size_t idx[MAX_FWD];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&mu);
        if (worker.stopping) {
            for (size_t i = 0; i < nfwd; i++) {
                drop(&fwds[i]);
            }
            nfwd = 0;
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        /* close the removed, open the new, then poll the rest */
        for (size_t i = 0; i < nfwd;) {
            if (fwds[i].dead) {
                drop(&fwds[i]);
                fwds[i] = fwds[--nfwd];
                continue;
            }
            i++;
        }
        int64_t now = time_mono_us();
        for (size_t i = 0; i < nfwd; i++) {
            if (fwds[i].lfd == -1 || (fwds[i].lfd == -2 && now >= fwds[i].retry_us)) listen_on(&fwds[i], now);
            if (fwds[i].lfd >= 0) {
                pf[n] = (struct pollfd){fwds[i].lfd, POLLIN, 0};
                idx[n++] = i;
            }
        }
        pthread_mutex_unlock(&mu);
        if (poll(pf, n, TURN_MS) <= 0) continue;
        for (size_t k = 0; k < n; k++) {
            if (!(pf[k].revents & POLLIN)) continue;
            int c = accept4(pf[k].fd, NULL, NULL, SOCK_CLOEXEC);
            if (c < 0) continue;
            pthread_mutex_lock(&mu);
            fwd_t f = fwds[idx[k]];
            if (f.pool) {
                /* round robin over the pool's targets; none: refused */
                fwd_t *live = &fwds[idx[k]];
                f.pid = 0;
                if (live->npool) {
                    const fwd_target_t *t = &live->pool[live->next++ % live->npool];
                    f.pid = t->pid;
                    f.port = t->port;
                    snprintf(f.inner_ip, sizeof f.inner_ip, "%s", t->ip);
                }
            }
            pthread_mutex_unlock(&mu);
            join_pair(c, &f);
        }
    }
}

/* Starts the thread on first use, when there is something to listen on
 * (called under mu). */
static int start_locked(size_t wanted)
{
    return wanted ? lazythread_start(&worker, fwd_main) : GR_OK;
}

/* Whether two fds name the same namespace. */
static bool same_ns(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

/* Replaces owner's joined ports, on the host (!in_link) or in the link
 * nsfd, with l: what is unchanged is kept (its listener stays open; one
 * that could not listen is tried again), the rest dropped; in a link with
 * nsfd -1 (n 0), all the owner's link listeners are dropped. Under mu. */
static int replace_locked(const char *owner, bool in_link, int nsfd, const fwd_link_t *l, size_t n)
{
    int rc = start_locked(n);
    for (size_t i = 0; i < nfwd; i++) {
        fwd_t *f = &fwds[i];
        if (f->dead || f->pool || (f->nsfd >= 0) != in_link || strcmp(f->owner, owner) != 0) continue;
        bool same = false;
        for (size_t k = 0; k < n && !same; k++)
            same = l[k].to.port == f->port && l[k].to.pid == f->pid && !strcmp(l[k].at, f->host_ip) &&
                   !strcmp(l[k].to.ip, f->inner_ip) && (!in_link || same_ns(nsfd, f->nsfd));
        if (!same)
            f->dead = true;
        else if (f->lfd == -2)
            f->lfd = -1;
    }
    for (size_t k = 0; rc == GR_OK && k < n; k++) {
        bool have = false;
        for (size_t i = 0; i < nfwd && !have; i++) /* the integers first: a tick asks this for every instance */
            have = fwds[i].port == l[k].to.port && !fwds[i].dead && !fwds[i].pool && (fwds[i].nsfd >= 0) == in_link &&
                   !strcmp(fwds[i].host_ip, l[k].at) && !strcmp(fwds[i].owner, owner);
        if (have) continue;
        if (nfwd == MAX_FWD) {
            log_warn("forward: too many forwarded ports");
            break;
        }
        fwd_t *f = &fwds[nfwd++];
        memset(f, 0, sizeof *f);
        snprintf(f->owner, sizeof f->owner, "%s", owner);
        snprintf(f->host_ip, sizeof f->host_ip, "%s", l[k].at);
        snprintf(f->inner_ip, sizeof f->inner_ip, "%s", l[k].to.ip);
        f->port = l[k].to.port;
        f->pid = l[k].to.pid;
        f->nsfd = in_link ? nsfd : -1;
        f->lfd = -1;
    }
    return rc;
}

int fwd_set(const char *owner, const char *host_ip, const int *ports, size_t n, pid_t pid, const char *inner_ip)
{
    fwd_link_t *l = calloc(n ? n : 1, sizeof *l);
    if (!l) return GR_ERR;
    for (size_t k = 0; k < n; k++) {
        snprintf(l[k].at, sizeof l[k].at, "%s", host_ip);
        snprintf(l[k].to.ip, sizeof l[k].to.ip, "%s", inner_ip);
        l[k].to.pid = pid;
        l[k].to.port = ports[k];
    }
    pthread_mutex_lock(&mu);
    int rc = replace_locked(owner, false, -1, l, n);
    pthread_mutex_unlock(&mu);
    free(l);
    return rc;
}

int fwd_link_set(const char *owner, int nsfd, const fwd_link_t *l, size_t n)
{
    pthread_mutex_lock(&mu);
    int rc = replace_locked(owner, true, nsfd, l, nsfd >= 0 ? n : 0);
    pthread_mutex_unlock(&mu);
    return rc;
}

int fwd_pool(const char *owner, const char *host_ip, int port, const fwd_target_t *targets, size_t n)
{
    pthread_mutex_lock(&mu);
    int rc = start_locked(1);
    fwd_t *f = NULL;
    for (size_t i = 0; i < nfwd && !f; i++)
        if (!fwds[i].dead && !strcmp(fwds[i].owner, owner) && fwds[i].pool) f = &fwds[i];
    if (f && (strcmp(f->host_ip, host_ip) != 0 || f->pool_port != port)) {
        f->dead = true;
        f = NULL;
    }
    fwd_target_t *copy = calloc(n ? n : 1, sizeof *copy);
    if (!copy) rc = GR_ERR;
    if (rc == GR_OK && !f) {
        if (nfwd == MAX_FWD) {
            rc = GR_ERR;
        } else {
            f = &fwds[nfwd++];
            memset(f, 0, sizeof *f);
            snprintf(f->owner, sizeof f->owner, "%s", owner);
            snprintf(f->host_ip, sizeof f->host_ip, "%s", host_ip);
            f->port = f->pool_port = port;
            f->nsfd = f->lfd = -1;
        }
    }
    if (rc == GR_OK) {
        memcpy(copy, targets, n * sizeof *copy);
        free(f->pool);
        f->pool = copy;
        f->npool = n;
        copy = NULL;
        if (f->lfd == -2) f->lfd = -1;
    }
    free(copy);
    pthread_mutex_unlock(&mu);
    return rc;
}

void fwd_pool_close(const char *owner)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nfwd; i++)
        if (!fwds[i].dead && !strcmp(fwds[i].owner, owner) && fwds[i].pool) fwds[i].dead = true;
    pthread_mutex_unlock(&mu);
}

void fwd_stop(void)
{
    lazythread_stop(&worker, &mu);
}

void fwd_poolset_update(fwd_poolset_t *set, const fwd_poolset_t *seen)
{
    for (size_t i = 0; i < set->n; i++) {
        bool kept = false;
        for (size_t j = 0; j < seen->n && !kept; j++) kept = !strcmp(set->names[i], seen->names[j]);
        if (!kept) fwd_pool_close(set->names[i]);
    }
    memcpy(set->names, seen->names, seen->n * sizeof seen->names[0]);
    set->n = seen->n;
}

void fwd_poolset_close(fwd_poolset_t *set)
{
    for (size_t i = 0; i < set->n; i++) fwd_pool_close(set->names[i]);
    set->n = 0;
}
