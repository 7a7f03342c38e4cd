/* machine.c — booting, watching, killing and reaching a machine (see
 * machine.h). Used by services (EC2 instances) on their ticker thread and,
 * for mach_connect, on the threads that forward connections into machines.
 *
 * The init is created with clone() into new namespaces and, until it
 * becomes the machine's reaper, runs only system calls: no malloc, no
 * stdio, no locks (other threads of the server may have held them at the
 * moment of the clone), on its own stack, uninstrumented (as sandbox.c's
 * function processes). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "runtime/link.h"
#include "runtime/machine.h"

#define CHILD_CODE __attribute__((no_sanitize_address, no_sanitize("undefined")))
#define STACK_SIZE (256 << 10)

/* The writable trees of a machine's disk, and the host trees it shares
 * read-only (the links of a merged /usr are copied as links). */
static const char *const DISK_DIRS[] = {"etc", "var", "home", "root", "opt", "srv", NULL};
static const char *const HOST_DIRS[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL};
/* /proc entries that reach the host kernel: read-only, or hidden (the
 * choices of container runtimes). */
static const char *const PROC_RO[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs", NULL};
static const char *const PROC_HIDE[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", NULL};
/* Capabilities that act outside the machine's namespaces. */
static const int CAPS_DROPPED[] = {CAP_DAC_READ_SEARCH,
                                   CAP_LINUX_IMMUTABLE,
                                   CAP_SYS_MODULE,
                                   CAP_SYS_RAWIO,
                                   CAP_SYS_PTRACE,
                                   CAP_SYS_PACCT,
                                   CAP_SYS_ADMIN,
                                   CAP_SYS_BOOT,
                                   CAP_SYS_RESOURCE,
                                   CAP_SYS_TIME,
                                   CAP_SYS_TTY_CONFIG,
                                   CAP_MKNOD,
                                   CAP_AUDIT_CONTROL,
                                   CAP_SETFCAP,
                                   CAP_MAC_OVERRIDE,
                                   CAP_MAC_ADMIN,
                                   CAP_SYSLOG,
                                   CAP_WAKE_ALARM,
                                   CAP_BLOCK_SUSPEND,
                                   CAP_AUDIT_READ,
                                   38 /* PERFMON */,
                                   39 /* BPF */,
                                   40 /* CHECKPOINT */};

typedef struct {
    const mach_spec_t *s;
    int console;
    int gate; /* with a link: read end of the pipe that opens once it is made, else -1 */
    struct in_addr ip;
} init_args_t;

CHILD_CODE static void say(const char *a, const char *b)
{
    if (write(2, a, strlen(a)) < 0 || (b && write(2, b, strlen(b)) < 0) || write(2, "\n", 1) < 0) _exit(127);
}

CHILD_CODE static void fail(const char *what, const char *arg)
{
    say(what, arg);
    _exit(127);
}

/* a "/" b without allocating; fails on overflow. */
CHILD_CODE static const char *join(char *buf, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 2 > n) fail("machine: path too long: ", b);
    memcpy(buf, a, la);
    buf[la] = '/';
    memcpy(buf + la + 1, b, lb + 1);
    return buf;
}

CHILD_CODE static void bind_ro(const char *src, const char *dst)
{
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ||
        mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NODEV, NULL) < 0)
        fail("machine: cannot bind ", dst);
}

CHILD_CODE static void on_child(int sig)
{
    (void)sig; /* wakes the reaper's pause() */
}

/* The machine's root under mnt: host trees read-only, the disk's trees
 * writable, private pseudo file systems; then pivot into it. */
CHILD_CODE static void assemble_root(const mach_spec_t *s)
{
    char p[4400], link[256];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("machine: cannot make mounts private", NULL);
    if (mount("tmpfs", s->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m") < 0)
        fail("machine: cannot mount the root at ", s->mnt);
    if (chdir(s->mnt) < 0) fail("machine: cannot enter ", s->mnt);
    for (const char *const *d = HOST_DIRS; *d; d++) {
        struct stat st;
        join(p, sizeof p, "", *d);
        if (lstat(p, &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(p, link, sizeof link - 1);
            if (n <= 0) continue;
            link[n] = 0;
            if (symlink(link, *d) < 0) fail("machine: cannot link ", *d);
        } else if (S_ISDIR(st.st_mode)) {
            if (mkdir(*d, 0755) < 0) fail("machine: cannot make ", *d);
            bind_ro(p, *d);
        }
    }
    for (const char *const *d = DISK_DIRS; *d; d++) {
        if (mkdir(*d, 0755) < 0 || mount(join(p, sizeof p, s->disk, *d), *d, NULL, MS_BIND, NULL) < 0)
            fail("machine: cannot bind the disk's ", *d);
    }
    if (mkdir("tmp", 01777) < 0 || mount("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m") < 0 ||
        mkdir("run", 0755) < 0 || mount("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m") < 0)
        fail("machine: cannot mount /tmp and /run", NULL);
    if (mkdir("proc", 0555) < 0 || mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        fail("machine: cannot mount /proc", NULL);
    if (mkdir("sys", 0555) < 0) fail("machine: cannot make /sys", NULL);
    /* sysfs of the machine's own network namespace; without it (some
     * hosts refuse) programs that look there find it empty */
    mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    if (mkdir("dev", 0755) < 0 || mount("tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=755,size=64k") < 0)
        fail("machine: cannot mount /dev", NULL);
    static const struct {
        const char *name;
        unsigned maj, min;
    } nodes[] = {{"dev/null", 1, 3},   {"dev/zero", 1, 5},    {"dev/full", 1, 7},
                 {"dev/random", 1, 8}, {"dev/urandom", 1, 9}, {"dev/tty", 5, 0}};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) /* chmod: mknod's mode passes through the umask */
        if (mknod(nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0 ||
            chmod(nodes[i].name, 0666) < 0)
            fail("machine: cannot make ", nodes[i].name);
    /* terminals of its own (ssh sessions, script(1)) */
    if (mkdir("dev/pts", 0755) < 0 ||
        mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
        symlink("pts/ptmx", "dev/ptmx") < 0)
        fail("machine: cannot mount /dev/pts", NULL);
    if (mkdir("dev/shm", 01777) < 0 ||
        mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") < 0)
        fail("machine: cannot mount /dev/shm", NULL);
    if (symlink("/proc/self/fd", "dev/fd") < 0 || symlink("/proc/self/fd/0", "dev/stdin") < 0 ||
        symlink("/proc/self/fd/1", "dev/stdout") < 0 || symlink("/proc/self/fd/2", "dev/stderr") < 0)
        fail("machine: cannot link /dev/fd", NULL);
    if (mkdir(".old", 0700) < 0 || syscall(SYS_pivot_root, ".", ".old") < 0 || chdir("/") < 0 ||
        umount2("/.old", MNT_DETACH) < 0 || rmdir("/.old") < 0)
        fail("machine: cannot enter its root", NULL);
    for (const char *const *d = PROC_RO; *d; d++)
        if (access(*d, F_OK) == 0) bind_ro(*d, *d);
    for (const char *const *d = PROC_HIDE; *d; d++)
        if (access(*d, F_OK) == 0) mount("/dev/null", *d, NULL, MS_BIND, NULL);
}

CHILD_CODE static void address(int fd, const char *alias, struct in_addr ip)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, alias, strlen(alias) + 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr = ip;
    if (ioctl(fd, SIOCSIFADDR, &ifr) < 0) fail("machine: cannot take the address of ", alias);
    sin->sin_addr.s_addr = htonl(0xffffffffu);
    if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0) fail("machine: cannot set the netmask of ", alias);
}

/* Loopback up, the private address and the link-local service address
 * (MACH_SERVICE_IP) on it. */
CHILD_CODE static void network(struct in_addr ip)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) fail("machine: no loopback", NULL);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) fail("machine: cannot bring loopback up", NULL);
    address(fd, "lo:0", ip);
    struct in_addr svc = {htonl(0xa9fea9feu)}; /* 169.254.169.254 */
    address(fd, "lo:1", svc);
    close(fd);
}

CHILD_CODE static void drop_caps(void)
{
    uint64_t drop = 0;
    for (size_t i = 0; i < sizeof CAPS_DROPPED / sizeof CAPS_DROPPED[0]; i++) {
        prctl(PR_CAPBSET_DROP, CAPS_DROPPED[i], 0, 0, 0); /* unknown to an older kernel: nothing to drop */
        drop |= 1ull << CAPS_DROPPED[i];
    }
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0) fail("machine: cannot read capabilities", NULL);
    for (int i = 0; i < 2; i++) {
        uint32_t keep = ~(uint32_t)(drop >> (32 * i));
        d[i].effective &= keep;
        d[i].permitted &= keep;
        d[i].inheritable &= keep;
    }
    if (syscall(SYS_capset, &h, d) < 0) fail("machine: cannot drop capabilities", NULL);
}

CHILD_CODE static int init_main(void *arg)
{
    init_args_t *a = arg;
    const mach_spec_t *s = a->s;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setsid();
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < 32; sig++) sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int nul = open("/dev/null", O_RDONLY);
    if (nul < 0 || dup2(nul, 0) < 0 || dup2(a->console, 1) < 0 || dup2(a->console, 2) < 0) _exit(127);
    /* the gate stays as fd 3 (the write end, among the rest, is closed) */
    if (a->gate >= 0 && dup2(a->gate, 3) < 0) _exit(127);
    close_range(a->gate >= 0 ? 4 : 3, ~0U, 0);
    assemble_root(s);
    if (sethostname(s->hostname, strlen(s->hostname)) < 0) fail("machine: cannot set its host name", NULL);
    if (a->gate >= 0) { /* gureum writes a byte once the link is made, or could not be */
        char c;
        while (read(3, &c, 1) < 0 && errno == EINTR) {
        }
        close(3);
    }
    network(a->ip);
    drop_caps();
    if (chdir("/root") < 0) fail("machine: no /root", NULL);
    /* pid 1: the boot script runs as a child; this process reaps every
     * orphan for the machine's life, as an init does. */
    struct sigaction chld = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};
    sigaction(SIGCHLD, &chld, NULL);
    pid_t boot = (pid_t)syscall(SYS_fork);
    if (boot < 0) fail("machine: cannot fork its boot", NULL);
    if (boot == 0) {
        sigaction(SIGCHLD, &dfl, NULL);
        const char *argv[] = {"/bin/sh", "-c", s->boot, NULL};
        execve(argv[0], (char *const *)argv, (char *const *)s->envp);
        fail("machine: cannot run /bin/sh", NULL);
    }
    for (;;)
        if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD) pause();
}

/* ==== The host's side ==== */

int mach_run(const char *const argv[])
{
    pid_t pid;
    extern char **environ;
    if (posix_spawn(&pid, argv[0], NULL, NULL, (char *const *)argv, environ) != 0) return -1;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)f;
    if (flag == FTW_DP)
        rmdir(p);
    else
        unlink(p);
    return 0;
}

void mach_tree_remove(const char *dir)
{
    nftw(dir, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int mach_disk_make(const char *dir, const char *image)
{
    char p[4400], src[4400];
    snprintf(p, sizeof p, "%s/etc", dir);
    const char *mk[] = {"/bin/mkdir", "-p", p, NULL};
    if (image) snprintf(src, sizeof src, "%s/.", image);
    const char *cp[] = {"/bin/cp", "-a", image ? src : "/etc/.", image ? dir : p, NULL};
    if (mach_run(mk) < 0 || mach_run(cp) < 0) return GR_ERR;
    static const char *const dirs[] = {"var/tmp", "var/log", "home", "root", "opt", "srv"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, dirs[i]);
        const char *md[] = {"/bin/mkdir", "-p", p, NULL};
        if (mach_run(md) < 0) return GR_ERR;
    }
    snprintf(p, sizeof p, "%s/var/tmp", dir);
    chmod(p, 01777);
    snprintf(p, sizeof p, "%s/root", dir);
    chmod(p, 0700);
    return GR_OK;
}

static int probed = -1; /* -1 not yet, else 0/1 */

CHILD_CODE static int probe_main(void *arg)
{
    (void)arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) _exit(1);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) _exit(2);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) _exit(3);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) _exit(4);
    _exit(0);
}

static const int NS_FLAGS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;

bool mach_supported(void)
{
    if (__atomic_load_n(&probed, __ATOMIC_ACQUIRE) >= 0) return probed == 1;
    int ok = 0;
    char *stack = malloc(STACK_SIZE);
    if (stack && geteuid() == 0 && access("/bin/sh", X_OK) == 0) {
        pid_t pid = clone(probe_main, stack + STACK_SIZE, NS_FLAGS | SIGCHLD, NULL);
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) ok = 1;
    }
    free(stack);
    __atomic_store_n(&probed, ok, __ATOMIC_RELEASE);
    if (!ok) log_warn("machines: this host cannot run them (needs root and mount, pid and network namespaces)");
    return ok;
}

static int mkdirs(const char *path)
{
    char p[4200];
    size_t n = strlen(path);
    if (n >= sizeof p) return -1;
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++)
        if (p[i] == '/' || p[i] == 0) {
            char c = p[i];
            p[i] = 0;
            if (mkdir(p, 0755) < 0 && errno != EEXIST) return -1;
            p[i] = c;
        }
    return 0;
}

/* fd moved to 3 or above (the init sets 0, 1 and 2 up before it uses the
 * console and the gate: a server started with one of them closed would
 * get it back from open or pipe); -1 stays -1. */
static int above_stdio(int fd)
{
    if (fd < 0 || fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

int mach_start(const mach_spec_t *s, pid_t *pid)
{
    init_args_t a = {.s = s, .console = -1, .gate = -1};
    if (!mach_supported() || inet_pton(AF_INET, s->ipv4, &a.ip) != 1) return GR_ERR;
    if (mkdirs(s->mnt) < 0) return GR_ERR;
    char p[4400];
    for (const char *const *d = DISK_DIRS; *d; d++) {
        snprintf(p, sizeof p, "%s/%s", s->disk, *d);
        if (mkdirs(p) < 0) return GR_ERR;
    }
    if (s->link) *s->link = -1;
    int gate[2] = {-1, -1};
    if (s->link && pipe2(gate, O_CLOEXEC) < 0) return GR_ERR;
    a.gate = gate[0] = above_stdio(gate[0]);
    a.console = above_stdio(open(s->console, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    char *stack = malloc(STACK_SIZE);
    int rc = GR_ERR;
    if (a.console >= 0 && stack) {
        pid_t p1 = clone(init_main, stack + STACK_SIZE, NS_FLAGS | SIGCHLD, &a);
        if (p1 > 0) {
            *pid = p1;
            rc = GR_OK;
            if (s->link) {
                *s->link = link_make(p1, s->ipv4);
                /* a byte, not the end of file: a machine started meanwhile
                 * on another thread may hold a copy of the write end */
                if (write(gate[1], "", 1) != 1) log_warn("machines: cannot open the gate: %s", strerror(errno));
            }
        } else
            log_warn("machines: clone: %s", strerror(errno));
    }
    free(stack);
    if (a.console >= 0) close(a.console);
    for (int i = 0; i < 2; i++)
        if (gate[i] >= 0) close(gate[i]);
    return rc;
}

bool mach_running(pid_t pid)
{
    if (pid <= 0) return false;
    pid_t w = waitpid(pid, NULL, WNOHANG);
    return w == 0;
}

void mach_kill(pid_t pid)
{
    if (pid <= 0) return;
    kill(pid, SIGKILL); /* pid 1 of its namespace: every process in it dies too */
    waitpid(pid, NULL, 0);
}

/* utime + stime + cutime + cstime of /proc/p/stat, in clock ticks; -1. */
static long long proc_ticks(const char *p)
{
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    /* the command may hold spaces and parentheses: fields count from the
     * last ')' (field 3 is the state; 14-17 the times) */
    char *q = strrchr(buf, ')');
    if (!q) return -1;
    long long t[4];
    if (sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %lld %lld", &t[0], &t[1], &t[2], &t[3]) !=
        4)
        return -1;
    return t[0] + t[1] + t[2] + t[3];
}

double mach_cpu_seconds(pid_t pid)
{
    char path[300];
    struct stat ns;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
    if (stat(path, &ns) < 0) return -1;
    DIR *d = opendir("/proc");
    if (!d) return -1;
    long long total = 0;
    struct dirent *e;
    /* every process whose pid namespace is the machine's: a process's
     * child times hold its reaped descendants, so nothing is counted twice
     * and nothing that ended is lost (the init reaps the orphans) */
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s/ns/pid", e->d_name);
        if (stat(path, &st) < 0 || st.st_ino != ns.st_ino || st.st_dev != ns.st_dev) continue;
        long long t = proc_ticks(e->d_name);
        if (t > 0) total += t;
    }
    closedir(d);
    return (double)total / (double)sysconf(_SC_CLK_TCK);
}

int mach_socket_in(int nsfd, int type, int proto)
{
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;
    if (self >= 0 && setns(nsfd, CLONE_NEWNET) == 0) {
        /* the socket belongs to the namespace it was made in, whatever
         * thread uses it later */
        fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
        int e = errno;
        if (setns(self, CLONE_NEWNET) < 0)
            log_error("machines: cannot return to the host's network: %s", strerror(errno));
        errno = e;
    }
    if (self >= 0) close(self);
    return fd;
}

/* The network namespace of process pid, opened; -1 with errno. */
static int net_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* Closes fd, keeping errno. */
static void close_keep(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
}

int mach_listen_in(int nsfd, const char *ipv4, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, ipv4, &sa.sin_addr) != 1) return errno = EINVAL, -1;
    int fd = mach_socket_in(nsfd, SOCK_STREAM, 0), one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* the machine may not have put the address on its loopback yet */
    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
        close_keep(fd);
        return -1;
    }
    return fd;
}

int mach_listen(pid_t pid, const char *ipv4, int port)
{
    int ns = net_of(pid);
    if (ns < 0) return -1;
    int fd = mach_listen_in(ns, ipv4, port);
    close_keep(ns);
    return fd;
}

int mach_connect(pid_t pid, const char *ipv4, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, ipv4, &sa.sin_addr) != 1) return errno = EINVAL, -1;
    int ns = net_of(pid);
    if (ns < 0) return -1;
    int fd = mach_socket_in(ns, SOCK_STREAM, 0);
    close_keep(ns);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
        close_keep(fd);
        fd = -1;
    }
    return fd;
}
