/* link.h — a machine's one way out (machine.h): a network namespace of
 * gureum's own, the machine's "link", joined to the machine by a veth pair.
 *
 * Beside machine.c in the runtime layer; knows no AWS. Inside the machine
 * the pair's end is eth0 with the machine's private address, and its
 * default route goes through it, as does 127.200.0.0/13 (the host-side
 * addresses gureum's services give: endpoints reached from inside as from
 * the host). In the link every address but the machine's own is local, so
 * each TCP connection the machine opens to another address ends in the
 * link: at a listener gureum made there (machine.h's mach_listen_in,
 * through forward.h) or, with none, refused at once. No packet reaches the
 * host or another machine except through gureum, which decides per
 * listener (the service's security rules) what a machine may reach.
 * mach_start makes it (mach_spec_t.link) before the machine's own network
 * is up; the namespace lives while its fd or a socket in it is open, the
 * pair while the machine lives. */
#ifndef GR_RUNTIME_LINK_H
#define GR_RUNTIME_LINK_H

#include <sys/types.h>

/* Makes the link of machine pid, whose private address is ipv4: an fd
 * naming the link's namespace (close it once the machine has ended), or -1
 * (the host has no veth, or a step failed; logged). */
int link_make(pid_t pid, const char *ipv4);

/* A non-blocking raw ICMP socket (IP_HDRINCL: the caller writes the IP
 * header) in the link named by nsfd, for echo.c; -1 with errno. */
int link_raw_icmp(int nsfd);

#endif
