/* rt.h — the runtime layer: function processes and the Runtime API they poll.
 *
 * Below the services, beside the store: Lambda asks rt_invoke() to run one
 * call of a "function spec" (program, environment, code directory, limits),
 * and gets one rt_result_t back, on the runtime's own thread. The runtime
 * keeps warm processes ("environments") per spec key, spawns more up to the
 * spec's concurrency, queues the rest, and serves each environment the
 * Lambda Runtime API (/2018-06-01/runtime/invocation/next, …/response,
 * …/error, /runtime/init/error) on its own loopback port, which identifies
 * the environment; a response may be streamed (chunked, its error in
 * trailers), and is then handed over piece by piece as it arrives. It knows no AWS protocol: payloads and error
 * documents pass through as bytes.
 *
 * Processes run in their own mount and pid namespaces when the machine
 * allows (root or user namespaces): the data directory is hidden behind a
 * tmpfs with only the code bound in read-only, /tmp is a private tmpfs, and
 * the process drops to nobody; memory is limited by a cgroup (v1 memory
 * controller) when one can be made, else by RLIMIT_AS when the spec allows.
 * One thread owns every environment; nothing here blocks a request thread. */
#ifndef GR_RUNTIME_RT_H
#define GR_RUNTIME_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

/* The embedded bootstraps (build/gen/bootstraps.c from src/runtime/bootstrap/). */
extern const char rt_bootstrap_node[];
extern const char rt_bootstrap_python[];

typedef struct {
    const char *data_dir; /* hidden from every function process */
} rt_config_t;

/* Starts the runtime thread once (later calls are no-ops). GR_OK / GR_ERR. */
int rt_start(const rt_config_t *cfg);

/* How to run one code revision. Everything is copied by rt_invoke. */
typedef struct {
    const char *key;         /* environments are reused only for calls with an equal key */
    const char *const *argv; /* argv[0] is an absolute path */
    const char *const *envp; /* without the two below */
    const char *task_dir;    /* host directory of the code: the working directory, read-only */
    const char *task_mount;  /* where the code appears inside the sandbox (env var value), or NULL */
    const char *id_var;      /* env var set to id_prefix + the environment's id (a log stream) */
    const char *id_prefix;
    const char *api_var; /* env var set to "127.0.0.1:PORT" of the Runtime API */
    /* Host directories bound read-only inside the sandbox: pairs (host path,
     * path inside), NULL-terminated; the inside path is created under the
     * hidden data directory or must exist. Ignored without a sandbox. */
    const char *const *binds;
    int64_t memory_mb;
    int64_t timeout_ms; /* per call, from delivery to the process */
    int max_envs;       /* concurrency for this key */
    bool rlimit_as;     /* without a cgroup, limit address space (not for V8) */
} rt_spec_t;

typedef struct {
    const char *request_id;
    const char *function_arn; /* Lambda-Runtime-Invoked-Function-Arn */
    str_t payload;
    int64_t deadline_ms; /* filled by the runtime when delivered */
    /* A response the function streams (it posts /response with
     * Lambda-Runtime-Function-Response-Mode: streaming, chunked): when set,
     * each piece is handed here as it arrives, on the runtime thread, with
     * the Content-Type the function gave, instead of being gathered into the
     * result's body. The call still ends with one rt_done_fn. */
    void (*stream)(void *ud, str_t content_type, str_t piece);
} rt_call_t;

typedef enum {
    RT_OK,         /* body = the response */
    RT_FN_ERROR,   /* body = the error document the runtime posted; error_type its header */
    RT_INIT_ERROR, /* body = the document posted to /init/error */
    RT_TIMEOUT,    /* killed after timeout_ms */
    RT_EXITED,     /* the process ended (exit_status, signal) before answering */
    RT_SPAWN_FAILED,
} rt_status_t;

typedef struct {
    rt_status_t status;
    str_t body, error_type; /* a streamed response's error: from its trailers */
    bool streamed;          /* the function streamed its response (pieces went to rt_call_t.stream) */
    str_t content_type;     /* of the function's /response (a streamed one's type) */
    str_t log;              /* the process's output while this call (and its init) ran */
    str_t env_name;         /* id_prefix + id of the environment that ran it */
    int64_t duration_us;
    int64_t init_us;    /* > 0 for the first call of a new environment */
    int64_t max_rss_kb; /* high-water mark of the process */
    int exit_code, exit_signal;
} rt_result_t;

/* Called once per rt_invoke, on the runtime thread; the result's strings
 * live only during the call. */
typedef void (*rt_done_fn)(const rt_result_t *res, void *ud);

/* Queues a call; safe from any thread; returns at once. GR_ERR when the
 * runtime is not started or out of memory (done is then never called). */
int rt_invoke(const rt_spec_t *spec, const rt_call_t *call, rt_done_fn done, void *ud);

/* Runs fn(ud) on the runtime thread after ms milliseconds (retries of
 * asynchronous invocations). GR_ERR when not started or out of memory. */
int rt_after(int64_t ms, void (*fn)(void *ud), void *ud);

/* Stops the idle environments whose key starts with prefix, and marks busy
 * ones to stop after their call (code or configuration changed). */
void rt_retire(const char *key_prefix);

/* Kills every function process and ends the runtime thread; no rt_done_fn
 * or rt_after callback runs after it returns (those pending are dropped).
 * Call once, at shutdown, from another thread. */
void rt_stop(void);

/* What the sandbox enforces on this machine (for logs and tests). */
bool rt_sandboxed(void);
/* Where the code directory appears inside the sandbox (LAMBDA_TASK_ROOT), or
 * NULL when functions run unconfined in their code directory. Valid after rt_start. */
const char *rt_task_path(void);

#endif
