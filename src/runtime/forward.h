/* forward.h — TCP ports of the host's loopback forwarded into machines
 * (machine.h): how the host reaches an instance's servers, since it never
 * routes a machine's private address (DESIGN.md).
 *
 * Beside machine.c in the runtime layer; knows no AWS. A service declares,
 * per owner (an instance id; at most 63 characters), the whole set of ports
 * to forward: each port p is listened on at host_ip:p and every connection
 * accepted there is joined to a connection to inner_ip:p inside machine
 * pid. One thread listens (started on first use); each joined pair is
 * copied both ways by a thread of its own until either side closes. */
#ifndef GR_RUNTIME_FORWARD_H
#define GR_RUNTIME_FORWARD_H

#include <stddef.h>
#include <sys/types.h>

/* Replaces owner's forwards with these (n == 0 removes them); a port that
 * cannot be listened on is logged and skipped. GR_OK / GR_ERR (no thread,
 * no memory). Listeners change within a fraction of a second. */
int fwd_set(const char *owner, const char *host_ip, const int *ports, size_t n, pid_t pid, const char *inner_ip);

/* A pool: one listener at host_ip:port whose connections are joined to the
 * targets in turn (round robin), each a port inside a machine; n == 0
 * keeps listening and refuses connections (a load balancer without a
 * healthy instance). The owner's pool is replaced; fwd_pool_close ends
 * it. GR_OK / GR_ERR. */
typedef struct {
    pid_t pid;
    char ip[16];
    int port;
} fwd_target_t;
int fwd_pool(const char *owner, const char *host_ip, int port, const fwd_target_t *targets, size_t n);
void fwd_pool_close(const char *owner);

/* The pools a balancer keeps, by owner name (at most 31 characters): each
 * tick it sets this tick's pools and lists their names in seen; update then
 * closes the ones of the last tick it no longer has and keeps seen as the
 * set; close ends them all (at stop). */
enum { FWD_POOLSET_MAX = 256, FWD_OWNER_LEN = 32 };
typedef struct {
    char names[FWD_POOLSET_MAX][FWD_OWNER_LEN];
    size_t n;
} fwd_poolset_t;
void fwd_poolset_update(fwd_poolset_t *set, const fwd_poolset_t *seen);
void fwd_poolset_close(fwd_poolset_t *set);

/* A machine's way to others (link.h): replaces owner's listeners in the
 * link named by nsfd (the caller's fd, which it keeps open until it has
 * removed them with n == 0; listeners are only made under the lock this
 * takes, so it may close the fd as soon as that returns) with one per
 * entry, at address `at` and the target's port, each connection joined to
 * the target (its address and port inside its machine). n == 0 removes
 * them; so does nsfd -1 (whatever link they are in), before the caller
 * closes the link. GR_OK / GR_ERR. */
typedef struct {
    char at[16];
    fwd_target_t to;
} fwd_link_t;
int fwd_link_set(const char *owner, int nsfd, const fwd_link_t *links, size_t n);

/* Closes every listener and ends the thread (connections already joined
 * run until they close). Call once, at shutdown. */
void fwd_stop(void);

#endif
