/* firstreply.c — time from exec to the first HTTP 200 of a server.
 *
 * Used by bench/startup/run.sh. Records a monotonic time, fork+execs the
 * server command (in its own session, so helper processes such as nginx
 * workers can be stopped together), then connects and sends GET PATH in a
 * tight loop until a 200 arrives. Prints the milliseconds, then sends a few
 * more requests and reads the idle resident set from /proc before stopping
 * the server. "{PORT}" in the command is replaced by the port.
 *
 *   firstreply [-P port] [-u path] [-n requests] [-i poll_us] [-t timeout_s] [-l log] -- cmd args...
 *   firstreply -f        (prints a free loopback port and exits)
 * Output: "ms=12.345 rss_kib=4321 tree_rss_kib=4321 port=40123" */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("firstreply: free port");
        exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* One GET on a fresh connection: the HTTP status, 0 if nothing listens yet,
 * -1 if the connection failed after connecting (server still starting). */
static int get_status(int port, const char *path, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return 0; /* ECONNREFUSED: not listening yet (loopback answers at once) */
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path, port);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    /* The status line is all we need: "HTTP/1.1 200 …". */
    char buf[64];
    size_t got = 0;
    while (got < 12) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0) break;
        ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got < 12 || memcmp(buf, "HTTP/1.", 7) != 0) return -1;
    buf[got] = 0;
    return atoi(buf + 9);
}

static long vmrss_kib(int pid)
{
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    long kib = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static int ppid_of(int pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", pid);
    int fd = open(p, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *rp = strrchr(buf, ')'); /* the command name may contain spaces and parens */
    int ppid = -1;
    if (rp) sscanf(rp + 1, " %*c %d", &ppid);
    return ppid;
}

/* RSS of pid and all its descendants (nginx: master + workers). */
static long tree_rss_kib(int root)
{
    int pids[4096], n = 0;
    pids[n++] = root;
    for (int i = 0; i < n; i++) {
        DIR *d = opendir("/proc");
        if (!d) break;
        for (struct dirent *e; (e = readdir(d)) && n < 4096;) {
            if (!isdigit((unsigned char)e->d_name[0])) continue;
            int pid = atoi(e->d_name);
            if (ppid_of(pid) == pids[i]) pids[n++] = pid;
        }
        closedir(d);
    }
    long sum = 0;
    for (int i = 0; i < n; i++) sum += vmrss_kib(pids[i]);
    return sum;
}

static void stop(pid_t pid)
{
    kill(-pid, SIGTERM); /* the whole session: nginx workers, moto's reloader */
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            kill(-pid, SIGKILL);
            return;
        }
        usleep(10000);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void usage(void)
{
    fprintf(stderr, "usage: firstreply [-P port] [-u path] [-n requests] [-i poll_us] [-t timeout_s] [-l log] -- cmd "
                    "args...\n       firstreply -f\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int port = 0, nreq = 10, poll_us = 100, timeout_s = 30, opt;
    const char *path = "/_gureum/health", *log = "/dev/null";
    while ((opt = getopt(argc, argv, "+P:u:n:i:t:l:f")) != -1) {
        switch (opt) {
        case 'P': port = atoi(optarg); break;
        case 'u': path = optarg; break;
        case 'n': nreq = atoi(optarg); break;
        case 'i': poll_us = atoi(optarg); break;
        case 't': timeout_s = atoi(optarg); break;
        case 'l': log = optarg; break;
        case 'f': printf("%d\n", free_port()); return 0;
        default: usage();
        }
    }
    if (optind >= argc) usage();
    if (!port) port = free_port();
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    char **cmd = &argv[optind];
    for (char **a = cmd; *a; a++) {
        char *at = strstr(*a, "{PORT}");
        if (!at) continue;
        size_t len = strlen(*a) + strlen(portstr);
        char *s = malloc(len + 1);
        snprintf(s, len + 1, "%.*s%s%s", (int)(at - *a), *a, portstr, at + 6);
        *a = s;
    }
    signal(SIGPIPE, SIG_IGN);

    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        perror("firstreply: fork");
        return 2;
    }
    if (pid == 0) {
        setsid();
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (null >= 0) dup2(null, 0);
        execvp(cmd[0], cmd);
        perror("firstreply: exec");
        _exit(127);
    }
    double ms = -1;
    struct timespec nap = {0, (long)poll_us * 1000};
    while (now_ms() - t0 < timeout_s * 1e3) {
        int st = get_status(port, path, 2000);
        if (st == 200) {
            ms = now_ms() - t0;
            break;
        }
        if (st >= 400 && st < 500) { /* a misconfigured run, not a slow start: 503 would mean "not yet" */
            fprintf(stderr, "firstreply: %s answered %d\n", path, st);
            stop(pid);
            return 1;
        }
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            fprintf(stderr, "firstreply: %s exited (status %d) before answering 200\n", cmd[0], ws);
            return 1;
        }
        if (poll_us > 0) nanosleep(&nap, NULL);
    }
    if (ms < 0) {
        fprintf(stderr, "firstreply: no 200 from %s on port %d within %d s\n", path, port, timeout_s);
        stop(pid);
        return 1;
    }
    for (int i = 0; i < nreq; i++) get_status(port, path, 2000);
    usleep(100000); /* let the requests' buffers settle before reading "idle" RSS */
    long rss = vmrss_kib(pid), tree = tree_rss_kib(pid);
    stop(pid);
    printf("ms=%.3f rss_kib=%ld tree_rss_kib=%ld port=%d\n", ms, rss, tree, port);
    return 0;
}
