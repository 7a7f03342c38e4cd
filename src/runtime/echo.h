/* echo.h — pings answered inside machines' links (link.h): an ICMP echo
 * request a machine sends to an address of its allowed set is answered
 * from that address, as the machine there would answer it; any other goes
 * unanswered, as AWS drops what security groups do not let through.
 *
 * Beside link.c in the runtime layer; knows no AWS (the service says which
 * addresses answer). The link's own kernel answers no ping (every address
 * is local there); one thread, started on first use, reads each link's
 * ICMP through a raw socket and writes the replies. */
#ifndef GR_RUNTIME_ECHO_H
#define GR_RUNTIME_ECHO_H

#include <stddef.h>

/* Replaces owner's answering addresses (dotted IPv4) in the link named by
 * nsfd (the caller's fd stays the caller's); n == 0 ends them. GR_OK /
 * GR_ERR. */
int echo_set(const char *owner, int nsfd, const char (*ips)[16], size_t n);

/* Ends the thread and every owner's socket. Call once, at shutdown. */
void echo_stop(void);

#endif
