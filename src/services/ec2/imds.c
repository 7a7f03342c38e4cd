/* imds.c — the instance metadata service's thread (see imds.h): one
 * listening socket at 169.254.169.254:80 inside each machine's network
 * (runtime/machine.h mach_listen), polled together; each request is read,
 * answered and closed on this thread (requests are a line and a few
 * headers, from the machine itself).
 *
 * AWS (EC2 User Guide, "Instance metadata"): GET /latest/meta-data/… gives
 * one value as text, a directory path lists its entries one per line
 * (subdirectories with a trailing '/'); /latest/user-data the user data as
 * given (404 when there is none); IMDSv2's PUT /latest/api/token with
 * X-aws-ec2-metadata-token-ttl-seconds (1–21600) gives a token, which a
 * GET may send as X-aws-ec2-metadata-token (a wrong one is 401); tokens
 * are optional while the instance's HttpTokens is "optional" (gureum's
 * launch default, as AWS's was). A bare HTTP/1.x text exchange: the
 * service's own wire, as small as the metadata service's is. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "core/id.h"
#include "core/lazythread.h"
#include "core/log.h"
#include "runtime/machine.h"
#include "services/ec2/imds.h"

enum { MAX_MACHINES = 512, MAX_TOKENS = 8, TURN_MS = 200, READ_MS = 1000 };

typedef struct {
    char id[32];
    pid_t pid;
    int lfd;
    imds_entry_t *e;
    size_t n;
    char tokens[MAX_TOKENS][57];
    size_t ntok;
    bool dead;
} served_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static served_t *served[MAX_MACHINES];
static size_t nserved;
static lazythread_t worker;

static void served_free(served_t *s)
{
    if (s->lfd >= 0) close(s->lfd);
    for (size_t i = 0; i < s->n; i++) free((void *)s->e[i].path), free((void *)s->e[i].body);
    free(s->e);
    free(s);
}

/* ==== One request ==== */

static void reply(int fd, int status, const char *reason, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n"
                     "Server: EC2ws\r\n\r\n",
                     status, reason, len);
    if (write(fd, head, (size_t)n) != n) return;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, body + off, len - off);
        if (w <= 0) {
            if (w < 0 && errno == EAGAIN) {
                struct pollfd p = {fd, POLLOUT, 0};
                if (poll(&p, 1, READ_MS) == 1) continue;
            }
            return;
        }
        off += (size_t)w;
    }
}

static void reply_text(int fd, int status, const char *reason, const char *text)
{
    reply(fd, status, reason, text, strlen(text));
}

/* The value of header name in the request head, or NULL (in buf). */
static char *header(char *head, const char *name)
{
    size_t n = strlen(name);
    for (char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
        char *h = l + 2;
        if (!strncasecmp(h, name, n) && h[n] == ':') {
            h += n + 1;
            while (*h == ' ') h++;
            char *end = strstr(h, "\r\n");
            if (end) *end = 0;
            return h;
        }
    }
    return NULL;
}

/* A directory's listing: the next segment of every entry below dir. */
static char *listing(const served_t *s, const char *dir, size_t *len)
{
    size_t cap = 256, n = 0, dl = strlen(dir);
    char *out = malloc(cap);
    for (size_t i = 0; out && i < s->n; i++) {
        const char *p = s->e[i].path;
        if (strncmp(p, dir, dl) != 0 || !p[dl]) continue;
        const char *seg = p + dl, *slash = strchr(seg, '/');
        size_t sl = slash ? (size_t)(slash - seg) + 1 : strlen(seg);
        /* once per name: entries are grouped by directory */
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strncmp(s->e[k].path, dir, dl) && !strncmp(s->e[k].path + dl, seg, sl);
        if (seen) continue;
        if (n + sl + 2 > cap) {
            char *m = realloc(out, cap = (n + sl + 2) * 2);
            if (!m) return free(out), NULL;
            out = m;
        }
        if (n) out[n++] = '\n';
        memcpy(out + n, seg, sl);
        n += sl;
    }
    if (!out || !n) return free(out), NULL;
    *len = n;
    return out;
}

static void answer(served_t *s, int fd)
{
    char buf[8192];
    size_t got = 0;
    while (got < sizeof buf - 1 && !memmem(buf, got, "\r\n\r\n", 4)) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, READ_MS) != 1) return;
        ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
        if (r <= 0) return;
        got += (size_t)r;
        buf[got] = 0;
    }
    char method[8], target[2048];
    if (sscanf(buf, "%7s %2047s", method, target) != 2) return reply_text(fd, 400, "Bad Request", "");
    char *q = strchr(target, '?');
    if (q) *q = 0;
    if (!strcmp(method, "PUT") && !strcmp(target, "/latest/api/token")) {
        const char *ttl = header(buf, "X-aws-ec2-metadata-token-ttl-seconds");
        long t = ttl ? strtol(ttl, NULL, 10) : 0;
        if (t < 1 || t > 21600) return reply_text(fd, 400, "Bad Request", "");
        char tok[57];
        id_random_chars(tok, 56, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
        tok[56] = 0;
        memcpy(s->tokens[s->ntok++ % MAX_TOKENS], tok, sizeof tok);
        return reply_text(fd, 200, "OK", tok);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) return reply_text(fd, 405, "Method Not Allowed", "");
    const char *tok = header(buf, "X-aws-ec2-metadata-token");
    if (tok) {
        bool ok = false;
        for (size_t i = 0; i < MAX_TOKENS && !ok; i++) ok = s->tokens[i][0] && !strcmp(s->tokens[i], tok);
        if (!ok) return reply_text(fd, 401, "Unauthorized", "");
    }
    if (strncmp(target, "/latest/", 8) != 0) {
        if (!strcmp(target, "/") || !strcmp(target, "/latest")) return reply_text(fd, 200, "OK", "latest");
        return reply_text(fd, 404, "Not Found", "");
    }
    const char *path = target + 8;
    if (!*path) return reply_text(fd, 200, "OK", "dynamic\nmeta-data\nuser-data");
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].path, path)) return reply(fd, 200, "OK", s->e[i].body, s->e[i].len);
    char dir[2100];
    snprintf(dir, sizeof dir, "%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/");
    size_t len = 0;
    char *list = listing(s, dir, &len);
    if (!list) return reply_text(fd, 404, "Not Found", "");
    reply(fd, 200, "OK", list, len);
    free(list);
}

/* ==== The thread ==== */

static void *imds_main(void *arg)
{
    (void)arg;
    struct pollfd pf[MAX_MACHINES];
    for (;;) {
        pthread_mutex_lock(&mu);
        if (worker.stopping) {
            for (size_t i = 0; i < nserved; i++) served_free(served[i]);
            nserved = 0;
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        for (size_t i = 0; i < nserved;) {
            if (served[i]->dead) {
                served_free(served[i]);
                served[i] = served[--nserved];
                continue;
            }
            i++;
        }
        size_t n = nserved;
        for (size_t i = 0; i < n; i++) pf[i] = (struct pollfd){served[i]->lfd, POLLIN, 0};
        pthread_mutex_unlock(&mu);
        if (poll(pf, n, TURN_MS) <= 0) continue;
        /* only this thread frees entries, so served[i] stays valid here */
        for (size_t i = 0; i < n; i++) {
            if (!(pf[i].revents & POLLIN)) continue;
            int c = accept4(pf[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (c < 0) continue;
            pthread_mutex_lock(&mu);
            answer(served[i], c);
            pthread_mutex_unlock(&mu);
            close(c);
        }
    }
}

int imds_set(const char *id, pid_t pid, const imds_entry_t *entries, size_t n)
{
    served_t *s = NULL;
    if (n) {
        s = calloc(1, sizeof *s);
        if (!s) return GR_ERR;
        s->lfd = -1;
        if (!(s->e = calloc(n, sizeof *s->e))) return free(s), GR_ERR;
        snprintf(s->id, sizeof s->id, "%s", id);
        s->pid = pid;
        s->n = n;
        for (size_t i = 0; i < n; i++) {
            char *b = malloc(entries[i].len + 1);
            s->e[i].path = strdup(entries[i].path);
            if (b) memcpy(b, entries[i].body, entries[i].len), b[entries[i].len] = 0;
            s->e[i].body = b;
            s->e[i].len = entries[i].len;
            if (!b || !s->e[i].path) return served_free(s), GR_ERR;
        }
    }
    pthread_mutex_lock(&mu);
    int rc = GR_OK;
    served_t *old = NULL;
    for (size_t i = 0; i < nserved; i++)
        if (!served[i]->dead && !strcmp(served[i]->id, id)) old = served[i];
    if (s) {
        /* the same machine keeps its socket and tokens */
        if (old && old->pid == pid) {
            s->lfd = old->lfd, old->lfd = -1;
            memcpy(s->tokens, old->tokens, sizeof s->tokens);
            s->ntok = old->ntok;
        } else if ((s->lfd = mach_listen(pid, MACH_SERVICE_IP, 80)) < 0) {
            log_warn("ec2: no instance metadata for %s: %s", id, strerror(errno));
            rc = GR_ERR;
        }
    }
    if (old) old->dead = true;
    if (rc == GR_OK && s && nserved < MAX_MACHINES) {
        served[nserved++] = s;
        s = NULL;
    }
    if (rc == GR_OK && nserved) lazythread_start(&worker, imds_main);
    pthread_mutex_unlock(&mu);
    if (s) served_free(s);
    return rc;
}

void imds_stop(void)
{
    lazythread_stop(&worker, &mu);
}
