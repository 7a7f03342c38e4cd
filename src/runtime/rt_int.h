/* rt_int.h — what the runtime's files share (internal: rt__ prefix): the
 * copied spec, the sandbox's probe result, memory cgroups and the spawn of
 * one environment's process (sandbox.c), used by rt.c's runtime thread. */
#ifndef GR_RUNTIME_RT_INT_H
#define GR_RUNTIME_RT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "runtime/rt.h"

typedef struct {
    char *key;
    char **argv, **envp;
    char *task_dir, *task_mount, *id_var, *id_prefix, *api_var;
    int64_t memory_mb, timeout_ms;
    int max_envs;
    bool rlimit_as;
} rt__spec_t;

typedef struct {
    bool mount_ns; /* mount + pid namespaces work here */
    bool drop_to_nobody;
    char data_dir[4096];  /* realpath */
    char task_path[4200]; /* where code is bound inside: data_dir/task */
    char cg_root[4096];   /* memory cgroup made for us, or "" */
} rt__sandbox_t;

typedef struct {
    char path[4200];
    bool ok;
} rt__cgroup_t;

typedef struct {
    const rt__spec_t *spec;
    const rt__sandbox_t *sandbox;
    const char *api, *env_name, *env_id;
    pid_t pid;        /* out */
    int pidfd, outfd; /* out: process fd, read end of stdout+stderr */
} rt__child_t;

void rt__sandbox_init(rt__sandbox_t *s, const char *data_dir);
/* Starts the process (in its cgroup, sandboxed as s allows). GR_OK / GR_ERR. */
int rt__spawn(rt__child_t *c, rt__cgroup_t *cg);
int64_t rt__cgroup_max_kb(const rt__cgroup_t *cg);
void rt__cgroup_remove(rt__cgroup_t *cg);
/* Live pids, killed at exit so no function outlives the server. */
void rt__track(pid_t pid);
void rt__untrack(pid_t pid);

#endif
