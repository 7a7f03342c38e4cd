/* sandbox.c — starting one function process, confined as far as the machine
 * allows (see rt.h): namespaces, tmpfs mounts, a memory cgroup, rlimits,
 * dropping to nobody. Called on the runtime thread by rt.c.
 *
 * The child is created with clone() (no shared memory) and, until execve,
 * runs only system calls: no malloc, no stdio, no locks, since other threads
 * of the server may have held them at the moment of the clone. It waits on a
 * pipe until the parent has put it into its cgroup, so no byte of the
 * function runs outside its memory limit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "runtime/rt_int.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#define NOBODY 65534
#define STACK_SIZE (256 << 10)

typedef struct {
    const rt__spec_t *spec;
    const rt__sandbox_t *sb;
    char *const *envp;
    int sync_r, sync_w, out_w;
    bool ns, cg;
} child_args_t;

static void say(const char *a, const char *b)
{
    if (write(2, a, strlen(a)) < 0 || (b && write(2, b, strlen(b)) < 0) || write(2, "\n", 1) < 0) _exit(127);
}

/* mkdir -p without allocating. */
static void mkdirs(const char *path)
{
    char p[4200];
    size_t n = strlen(path);
    if (n >= sizeof p) return;
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++)
        if (p[i] == '/' || p[i] == 0) {
            char c = p[i];
            p[i] = 0;
            mkdir(p, 0755);
            p[i] = c;
        }
}

static int child_main(void *arg)
{
    child_args_t *a = arg;
    char b;
    close(a->sync_w);
    if (read(a->sync_r, &b, 1) != 1) _exit(126); /* the parent gave up on us */
    setsid();
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int s = 1; s < 32; s++) sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int nul = open("/dev/null", O_RDONLY);
    if (nul < 0 || dup2(nul, 0) < 0 || dup2(a->out_w, 1) < 0 || dup2(a->out_w, 2) < 0) _exit(127);
    close_range(3, ~0U, 0);
    const char *cwd = a->spec->task_dir;
    if (a->ns) {
        const char *data = a->sb->data_dir, *task = a->sb->task_path;
        int tfd = open(a->spec->task_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char self[64];
        if (tfd < 0) say("sandbox: no code directory ", a->spec->task_dir), _exit(127);
        snprintf(self, sizeof self, "/proc/self/fd/%d", tfd);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            say("sandbox: cannot mount /proc", NULL), _exit(127);
        snprintf(self, sizeof self, "/proc/self/fd/%d", tfd);
        /* AWS: /tmp is the function's own (512 MB by default) */
        if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=512m") < 0)
            say("sandbox: cannot mount /tmp", NULL), _exit(127);
        /* The data directory becomes an empty read-only tmpfs with the code
         * bound at DATA/task; if DATA was under /tmp it is recreated first. */
        mkdirs(data);
        if (mount("tmpfs", data, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k") < 0 || mkdir(task, 0755) < 0 ||
            mount(self, task, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, task, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0 ||
            mount(NULL, data, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=755") < 0)
            say("sandbox: cannot hide the data directory", NULL), _exit(127);
        close(tfd);
        cwd = task;
    }
    if (chdir(cwd) < 0) say("cannot enter the code directory", NULL), _exit(127);
    struct rlimit nofile = {1024, 1024}; /* AWS: 1,024 file descriptors */
    setrlimit(RLIMIT_NOFILE, &nofile);
    if (!a->cg && a->spec->rlimit_as && a->spec->memory_mb > 0) {
        rlim_t m = (rlim_t)a->spec->memory_mb << 20;
        struct rlimit as = {m, m};
        setrlimit(RLIMIT_AS, &as);
    }
    if (a->ns && a->sb->drop_to_nobody) {
        if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
            say("sandbox: cannot drop privileges", NULL), _exit(127);
    }
    execve(a->spec->argv[0], a->spec->argv, a->envp);
    say("cannot run ", a->spec->argv[0]);
    _exit(127);
}

/* ==== cgroups (v1 memory controller) ==== */

static int write_file(const char *dir, const char *file, const char *val)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, val, strlen(val));
    close(fd);
    return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void cg_root_init(rt__sandbox_t *s)
{
    s->cg_root[0] = 0;
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return;
    char line[4096], rel[4096] = "";
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, ":memory:");
        if (!p) continue;
        snprintf(rel, sizeof rel, "%s", p + 8);
        rel[strcspn(rel, "\n")] = 0;
        break;
    }
    fclose(f);
    if (!rel[0]) return;
    char root[8400];
    snprintf(root, sizeof root, "/sys/fs/cgroup/memory%s/gureum-%d", strcmp(rel, "/") ? rel : "", (int)getpid());
    if (mkdir(root, 0755) < 0 && errno != EEXIST) return;
    if (strlen(root) >= sizeof s->cg_root) return;
    memcpy(s->cg_root, root, strlen(root) + 1);
}

static bool cg_make(const rt__sandbox_t *s, const char *id, int64_t mb, rt__cgroup_t *cg)
{
    cg->ok = false;
    if (!s->cg_root[0] || mb <= 0) return false;
    snprintf(cg->path, sizeof cg->path, "%s/%s", s->cg_root, id);
    if (mkdir(cg->path, 0755) < 0) return false;
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)mb << 20);
    if (write_file(cg->path, "memory.limit_in_bytes", v) < 0) {
        rmdir(cg->path);
        return false;
    }
    write_file(cg->path, "memory.memsw.limit_in_bytes", v); /* absent without swap accounting */
    cg->ok = true;
    return true;
}

int64_t rt__cgroup_max_kb(const rt__cgroup_t *cg)
{
    char p[4400], buf[64];
    snprintf(p, sizeof p, "%s/memory.max_usage_in_bytes", cg->path);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    return strtoll(buf, NULL, 10) / 1024;
}

void rt__cgroup_remove(rt__cgroup_t *cg)
{
    if (cg->ok) rmdir(cg->path); /* fails while a process is still inside: harmless */
    cg->ok = false;
}

/* ==== Live processes ==== */

static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t tracked[4096];
static size_t ntracked;
static char cg_root_copy[4096];

void rt__track(pid_t pid)
{
    pthread_mutex_lock(&track_mu);
    if (ntracked < sizeof tracked / sizeof tracked[0]) tracked[ntracked++] = pid;
    pthread_mutex_unlock(&track_mu);
}

void rt__untrack(pid_t pid)
{
    pthread_mutex_lock(&track_mu);
    for (size_t i = 0; i < ntracked; i++)
        if (tracked[i] == pid) {
            tracked[i] = tracked[--ntracked];
            break;
        }
    pthread_mutex_unlock(&track_mu);
}

static void kill_all(void)
{
    pthread_mutex_lock(&track_mu);
    for (size_t i = 0; i < ntracked; i++) {
        kill(-tracked[i], SIGKILL);
        kill(tracked[i], SIGKILL);
    }
    for (size_t i = 0; i < ntracked; i++) waitpid(tracked[i], NULL, 0);
    ntracked = 0;
    pthread_mutex_unlock(&track_mu);
    if (cg_root_copy[0]) rmdir(cg_root_copy); /* the environments' groups go with their processes */
}

/* ==== Probe and spawn ==== */

static int probe_main(void *arg)
{
    (void)arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) _exit(1);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) _exit(2);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") < 0) _exit(3);
    _exit(0);
}

void rt__sandbox_init(rt__sandbox_t *s, const char *data_dir)
{
    memset(s, 0, sizeof *s);
    if (!realpath(data_dir, s->data_dir)) snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
    snprintf(s->task_path, sizeof s->task_path, "%s/task", s->data_dir);
    char *stack = malloc(STACK_SIZE);
    if (stack && geteuid() == 0) {
        pid_t pid = clone(probe_main, stack + STACK_SIZE, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL);
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) s->mount_ns = true;
    }
    free(stack);
    s->drop_to_nobody = s->mount_ns && geteuid() == 0;
    cg_root_init(s);
    snprintf(cg_root_copy, sizeof cg_root_copy, "%s", s->cg_root);
    atexit(kill_all);
    log_info("lambda runtime: %s; memory limits by %s",
             s->mount_ns ? "functions run in mount+pid namespaces as nobody, data directory hidden, private /tmp"
                         : "no namespaces on this machine (functions run unconfined)",
             s->cg_root[0] ? "cgroup v1" : "RLIMIT_AS");
}

int rt__spawn(rt__child_t *c, rt__cgroup_t *cg)
{
    const rt__spec_t *sp = c->spec;
    const rt__sandbox_t *sb = c->sandbox;
    int out[2] = {-1, -1}, sync[2] = {-1, -1};
    char *stack = NULL, **envp = NULL;
    int rc = GR_ERR;
    size_t n = 0;
    while (sp->envp[n]) n++;
    envp = calloc(n + 3, sizeof *envp);
    if (!envp) return GR_ERR;
    memcpy(envp, sp->envp, n * sizeof *envp);
    char *e1 = NULL, *e2 = NULL;
    if (sp->api_var && asprintf(&e1, "%s=%s", sp->api_var, c->api) >= 0) envp[n++] = e1;
    if (sp->id_var && asprintf(&e2, "%s=%s", sp->id_var, c->env_name) >= 0) envp[n++] = e2;
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(sync, O_CLOEXEC) < 0 || !(stack = malloc(STACK_SIZE))) goto done;
    bool have_cg = cg_make(sb, c->env_id, sp->memory_mb, cg);
    child_args_t a = {.spec = sp,
                      .sb = sb,
                      .envp = envp,
                      .sync_r = sync[0],
                      .sync_w = sync[1],
                      .out_w = out[1],
                      .ns = sb->mount_ns,
                      .cg = have_cg};
    int flags = SIGCHLD | (sb->mount_ns ? CLONE_NEWNS | CLONE_NEWPID : 0);
    pid_t pid = clone(child_main, stack + STACK_SIZE, flags, &a);
    if (pid < 0) {
        rt__cgroup_remove(cg);
        goto done;
    }
    close(sync[0]);
    sync[0] = -1;
    if (have_cg) {
        char v[32];
        snprintf(v, sizeof v, "%d", (int)pid);
        if (write_file(cg->path, "cgroup.procs", v) < 0) log_warn("lambda runtime: cannot limit memory of %d", pid);
    }
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0 || write(sync[1], "g", 1) != 1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        if (pfd >= 0) close(pfd);
        rt__cgroup_remove(cg);
        goto done;
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    c->pid = pid;
    c->pidfd = pfd;
    c->outfd = out[0];
    out[0] = -1;
    rc = GR_OK;
done:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) close(out[i]);
        if (sync[i] >= 0) close(sync[i]);
    }
    free(stack);
    free(e1);
    free(e2);
    free(envp);
    return rc;
}
