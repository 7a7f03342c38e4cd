/* machine.h — machines: long-lived, confined process trees that EC2
 * instances are (and later database engines may be).
 *
 * Below the services, beside rt.h's function processes. A machine is an
 * init process (pid 1 of its own pid namespace) in its own mount, network,
 * UTS and IPC namespaces, that runs a boot script with /bin/sh as its root
 * and then reaps whatever the script left running, until it is killed. Its
 * file system is assembled from the host's programs (/usr and the /bin,
 * /lib… links, read-only) and the machine's own writable directories (etc,
 * var, home, root, opt, srv, from its "disk" on the host), with a private
 * /tmp, /run, /proc, /dev and a read-only /sys; the host's other files,
 * gureum's data directory among them, are not there. Its network namespace
 * has loopback with the machine's private address on it and, when asked,
 * the machine's link (link.h): no packet of a machine leaves it except
 * through gureum, which connects into it with mach_connect or answers it in
 * the link (DESIGN.md: the host never routes a VPC range). Capabilities
 * that reach outside a namespace (modules, raw I/O, mounting, tracing,
 * open_by_handle_at, clocks, reboot) are dropped.
 *
 * Machines need root (namespaces); mach_supported says whether this host
 * allows them. The module knows no AWS. Functions are safe from any
 * thread; the caller serializes starts and kills of one machine. */
#ifndef GR_RUNTIME_MACHINE_H
#define GR_RUNTIME_MACHINE_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    const char *disk;     /* host directory holding the writable trees (made if missing) */
    const char *mnt;      /* empty host directory where the root is assembled (made if missing) */
    const char *hostname; /* at most 63 bytes */
    const char *ipv4;     /* the machine's private address, dotted */
    const char *console;  /* host file the boot's output is appended to */
    const char *boot;     /* shell text run as root at each boot */
    const char *const *envp;
    /* When set: the machine's link (link.h) is made before the machine
     * brings its own network up (the two at once race in the kernel: the
     * link's routes can be refused), its fd here, -1 when it could not be. */
    int *link;
} mach_spec_t;

/* Makes dir a new machine disk: a copy of image (a disk made before) or,
 * when image is NULL, the host's /etc with empty var (tmp, log), home,
 * root, opt and srv. dir must not exist; the caller adds its own files and
 * renames it into place, so a disk is never seen half made. GR_OK / GR_ERR. */
int mach_disk_make(const char *dir, const char *image);
/* Runs a host program (argv[0] absolute) to its end: 0 when it exited 0. */
int mach_run(const char *const argv[]);
/* Removes a directory tree (a disk), not crossing mounts. */
void mach_tree_remove(const char *dir);

/* Whether machines can run here (probed once: root and the namespaces). */
bool mach_supported(void);

/* Boots a machine: its init's pid (as seen from gureum) in *pid. GR_OK /
 * GR_ERR. The machine dies with the thread that started it (PDEATHSIG), so
 * start machines from a thread that lives as long as the server. */
int mach_start(const mach_spec_t *s, pid_t *pid);

/* Whether the machine is still up; reaps its init once it has ended. */
bool mach_running(pid_t pid);

/* Ends the machine (every process in it dies with its init) and reaps it. */
void mach_kill(pid_t pid);

/* CPU time used so far by every process of the machine (the live ones and,
 * through their parents' and the init's child times, those that ended), in
 * seconds; -1 when the machine is gone. Reads /proc (no cgroup needed). */
double mach_cpu_seconds(pid_t pid);

/* The link-local address every machine also has on its loopback, where a
 * service may answer it (EC2's instance metadata). */
#define MACH_SERVICE_IP "169.254.169.254"

/* A non-blocking TCP socket listening inside the machine's network at
 * ipv4:port (MACH_SERVICE_IP or its own address); -1 with errno. */
int mach_listen(pid_t pid, const char *ipv4, int port);

/* The same in the network namespace nsfd names (a machine's link, link.h):
 * ipv4 need not be an address there yet. */
int mach_listen_in(int nsfd, const char *ipv4, int port);

/* A non-blocking AF_INET socket of type and proto made in the network
 * namespace nsfd names (it stays there whatever thread uses it); -1 with
 * errno. The calling thread enters it and returns. */
int mach_socket_in(int nsfd, int type, int proto);

/* A non-blocking TCP socket inside the machine's network, its connect to
 * ipv4:port started; -1 on failure (errno set). */
int mach_connect(pid_t pid, const char *ipv4, int port);

#endif
