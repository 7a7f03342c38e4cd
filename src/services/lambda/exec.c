/* exec.c — how a function runs: which program for its runtime, AWS's
 * environment variables, its role's temporary credentials, its limits — the
 * rt_spec_t handed to the runtime layer (src/runtime/rt.h) for each call.
 *
 * Credentials are minted through STS once per (account, role, function) and
 * reused until an hour before they expire, so a warm invoke costs no write.
 * The spec key names the function's revision: an update retires its warm
 * processes (rt_retire with lambda__key_prefix). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/gtime.h"
#include "core/json.h"
#include "core/log.h"
#include "services/dispatch.h"
#include "services/iam/iam.h"
#include "services/lambda/lambda_int.h"
#include "services/sts/sts.h"

#define CRED_SECONDS 43200                 /* 12 h, as Lambda's role sessions */
#define CRED_REFRESH_US (3600LL * 1000000) /* mint anew an hour before expiry */
#define DEFAULT_CONCURRENCY 16             /* environments per function without reserved concurrency */

/* AWS's current runtimes that gureum runs with the host's interpreters
 * (/usr/bin/python3, /usr/bin/node), whichever minor version a function names. */
static const char *const SUPPORTED[] = {"nodejs16.x", "nodejs18.x",   "nodejs20.x",      "nodejs22.x", "python3.9",
                                        "python3.10", "python3.11",   "python3.12",      "python3.13", "python3.14",
                                        "provided",   "provided.al2", "provided.al2023", NULL};
/* AWS: runtimes past their deprecation date refuse create and update. */
static const char *const DEPRECATED[] = {
    "nodejs",        "nodejs4.3",      "nodejs6.10", "nodejs8.10", "nodejs10.x",    "nodejs12.x",    "nodejs14.x",
    "python2.7",     "python3.6",      "python3.7",  "python3.8",  "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
    "dotnetcore3.1", "nodejs4.3-edge", "ruby2.5",    "ruby2.7",    "java8",         "go1.x",         NULL};

bool lambda__runtime_supported(str_t rt)
{
    for (const char *const *p = SUPPORTED; *p; p++)
        if (str_eq_c(rt, *p)) return true;
    return false;
}

bool lambda__runtime_deprecated(str_t rt)
{
    for (const char *const *p = DEPRECATED; *p; p++)
        if (str_eq_c(rt, *p)) return true;
    return false;
}

const char *lambda__key_prefix(arena_t *a, str_t account, str_t region, str_t name)
{
    return arena_printf(a, "%.*s/%.*s/%.*s/", STR_FMT(account), STR_FMT(region), STR_FMT(name));
}

/* ==== Role credentials ==== */

typedef struct cred {
    struct cred *next;
    char *key; /* account/role-arn/function */
    char *id, *secret, *token;
    int64_t expires_us;
} cred_t_;

static pthread_mutex_t cred_mu = PTHREAD_MUTEX_INITIALIZER;
static cred_t_ *creds;

static int role_creds(app_t *app, arena_t *a, const lambda__fn_t *f, str_t *id, str_t *secret, str_t *token)
{
    const char *key = arena_printf(a, "%.*s|%.*s|%.*s", STR_FMT(f->account), STR_FMT(f->role), STR_FMT(f->name));
    int64_t now = time_now_us();
    pthread_mutex_lock(&cred_mu);
    for (cred_t_ *c = creds; c; c = c->next)
        if (strcmp(c->key, key) == 0 && c->expires_us - CRED_REFRESH_US > now) {
            *id = str_c(arena_strdup(a, c->id));
            *secret = str_c(arena_strdup(a, c->secret));
            *token = str_c(arena_strdup(a, c->token));
            pthread_mutex_unlock(&cred_mu);
            return GR_OK;
        }
    pthread_mutex_unlock(&cred_mu);
    /* AWS: the function acts as arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION */
    size_t slash = 0;
    for (size_t i = f->role.len; i > 0; i--)
        if (f->role.p[i - 1] == '/') {
            slash = i;
            break;
        }
    str_t rname = str_n(f->role.p + slash, f->role.len - slash);
    iam_role_info_t info;
    if (iam_role_for_assume(app, f->account, rname, a, &info) != 1) return GR_ERR;
    req_t *r = dispatch_req_new(app, 1u << 20);
    if (!r) return GR_ERR;
    principal_t who = {
        .account = f->account,
        .arn = str_c(arena_printf(r->arena, "arn:aws:sts::%.*s:assumed-role/%.*s/%.*s", STR_FMT(f->account),
                                  STR_FMT(info.name), STR_FMT(f->name))),
        .user_id = str_c(arena_printf(r->arena, "%.*s:%.*s", STR_FMT(info.id), STR_FMT(f->name))),
        .user_name = STR(""),
    };
    sts__creds_t c;
    int rc = sts__issue(r, &who, STR_NULL, "AssumeRole", CRED_SECONDS, &c);
    if (rc == GR_OK) {
        *id = arena_str(a, c.key_id);
        *secret = arena_str(a, c.secret);
        *token = arena_str(a, c.token);
        cred_t_ *n = calloc(1, sizeof *n);
        if (n) {
            n->key = strdup(key);
            n->id = strndup(c.key_id.p, c.key_id.len);
            n->secret = strndup(c.secret.p, c.secret.len);
            n->token = strndup(c.token.p, c.token.len);
            n->expires_us = c.expires_us;
            pthread_mutex_lock(&cred_mu);
            n->next = creds;
            creds = n;
            pthread_mutex_unlock(&cred_mu);
        }
    }
    arena_free(r->arena);
    return rc;
}

/* ==== The spec ==== */

static const char *sdk_dir(void)
{
    const char *d = getenv("GUREUM_LAMBDA_SDK_DIR");
    return d && *d ? d : "/usr/local/lib/gureum/lambda";
}

int lambda__spec(app_t *app, arena_t *a, const lambda__fn_t *f, rt_spec_t *spec)
{
    const char *task = rt_task_path();
    const char *code = lambda__code_dir(app, a, f->code_id);
    if (!task) task = code;
    str_t kid, secret, token;
    if (role_creds(app, a, f, &kid, &secret, &token) != GR_OK) {
        log_warn("lambda: no credentials for role %.*s of %.*s", STR_FMT(f->role), STR_FMT(f->name));
        kid = secret = token = STR("");
    }
    const char **env = ARENA_NEWN(a, const char *, 64 + 64);
    const char **argv = ARENA_NEWN(a, const char *, 8);
    if (!env || !argv) return GR_ERR;
    size_t n = 0;
#define ENV(...) env[n++] = arena_printf(a, __VA_ARGS__)
    /* the user's variables first: ours (reserved names) cannot be overridden */
    if (f->env_json.len) {
        const json_t *j = json_parse(a, f->env_json, NULL);
        for (size_t i = 0; j && j->type == JSON_OBJECT && i < j->u.obj.n && n < 64; i++)
            if (j->u.obj.v[i]->type == JSON_STRING)
                ENV("%.*s=%.*s", STR_FMT(j->u.obj.k[i]), STR_FMT(j->u.obj.v[i]->u.s));
    }
    ENV("AWS_LAMBDA_FUNCTION_NAME=%.*s", STR_FMT(f->name));
    ENV("AWS_LAMBDA_FUNCTION_VERSION=%.*s", STR_FMT(f->version));
    ENV("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%lld", (long long)f->memory_mb);
    ENV("AWS_REGION=%.*s", STR_FMT(f->region));
    ENV("AWS_DEFAULT_REGION=%.*s", STR_FMT(f->region));
    ENV("AWS_EXECUTION_ENV=AWS_Lambda_%.*s", STR_FMT(f->runtime));
    ENV("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand");
    lambda__log_t lg = lambda__logging(a, f);
    ENV("AWS_LAMBDA_LOG_GROUP_NAME=%.*s", STR_FMT(lg.group));
    /* AWS: the managed runtimes read the format and the application level
     * from these (set only for the JSON format) */
    if (lg.json) {
        ENV("AWS_LAMBDA_LOG_FORMAT=JSON");
        ENV("AWS_LAMBDA_LOG_LEVEL=%.*s", STR_FMT(lg.app_level));
    }
    ENV("_HANDLER=%.*s", STR_FMT(f->handler));
    ENV("LAMBDA_TASK_ROOT=%s", task);
    ENV("LAMBDA_RUNTIME_DIR=/var/runtime");
    ENV("TZ=:UTC");
    ENV("LANG=en_US.UTF-8");
    ENV("PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    ENV("AWS_ACCESS_KEY_ID=%.*s", STR_FMT(kid));
    ENV("AWS_SECRET_ACCESS_KEY=%.*s", STR_FMT(secret));
    ENV("AWS_SESSION_TOKEN=%.*s", STR_FMT(token));
    /* AWS_ENDPOINT_URL: the v3 JS SDK and newer botocore read it; our
     * bootstraps point the v2 JS SDK and Debian's boto3 at it themselves. */
    ENV("AWS_ENDPOINT_URL=http://127.0.0.1:%d", app->cfg->port);
    size_t na = 0, nb = 0;
    const char **binds = ARENA_NEWN(a, const char *, 5);
    if (!binds) return GR_ERR;
    /* AWS: layers are extracted, in order, under /opt */
    const char *opt = NULL;
    const json_t *lj = f->layers.len ? json_parse(a, f->layers, NULL) : NULL;
    if (lj && lj->type == JSON_ARRAY && lj->u.arr.n) {
        str_t *ids = ARENA_NEWN(a, str_t, lj->u.arr.n);
        if (!ids) return GR_ERR;
        for (size_t i = 0; i < lj->u.arr.n; i++) {
            const json_t *id = json_get(lj->u.arr.v[i], "CodeId");
            ids[i] = id && id->type == JSON_STRING ? id->u.s : STR("");
        }
        opt = lambda__layers_dir(app, a, ids, lj->u.arr.n);
        if (opt && rt_task_path()) {
            binds[nb++] = opt;
            binds[nb++] = "/opt";
        }
    }
    if (str_starts_with(f->runtime, STR("nodejs"))) {
        const char *sdk = str_eq_c(f->runtime, "nodejs16.x") ? "nodejs16" : "nodejs18";
        ENV("NODE_PATH=/opt/nodejs/node_modules:%s/%s/node_modules:%s", sdk_dir(), sdk, task);
        /* ES modules ignore NODE_PATH and look in node_modules beside the
         * code's parents: the SDK is bound at DATA/node_modules, the task's
         * parent, as AWS makes it importable from /var/task. */
        if (rt_task_path()) {
            char *parent = arena_strdup(a, task);
            *strrchr(parent, '/') = 0;
            binds[nb++] = arena_printf(a, "%s/%s/node_modules", sdk_dir(), sdk);
            binds[nb++] = arena_printf(a, "%s/node_modules", parent);
        }
        argv[na++] = "/usr/bin/node";
        argv[na++] = "-e";
        argv[na++] = rt_bootstrap_node;
    } else if (str_starts_with(f->runtime, STR("python"))) {
        ENV("PYTHONUNBUFFERED=1"); /* output reaches the log before the response */
        ENV("PYTHONDONTWRITEBYTECODE=1");
        argv[na++] = "/usr/bin/python3";
        argv[na++] = "-c";
        argv[na++] = rt_bootstrap_python;
    } else {
        /* AWS: /var/task/bootstrap, else a layer's /opt/bootstrap */
        struct stat sb;
        bool own = stat(arena_printf(a, "%s/bootstrap", code), &sb) == 0;
        bool layer = !own && opt && stat(arena_printf(a, "%s/bootstrap", opt), &sb) == 0 && rt_task_path();
        argv[na++] = layer ? "/opt/bootstrap" : arena_printf(a, "%s/bootstrap", task);
    }
    binds[nb] = NULL;
#undef ENV
    env[n] = NULL;
    argv[na] = NULL;
    *spec = (rt_spec_t){
        .key = arena_printf(a, "%s%.*s/%.*s", lambda__key_prefix(a, f->account, f->region, f->name),
                            STR_FMT(f->version), STR_FMT(f->revision)),
        .argv = argv,
        .envp = env,
        .task_dir = code,
        .task_mount = task,
        .binds = binds,
        .id_var = "AWS_LAMBDA_LOG_STREAM_NAME",
        .api_var = "AWS_LAMBDA_RUNTIME_API",
        .memory_mb = f->memory_mb,
        .timeout_ms = f->timeout_s * 1000,
        .max_envs = f->reserved >= 0 ? (int)f->reserved : DEFAULT_CONCURRENCY,
        .rlimit_as = !str_starts_with(f->runtime, STR("nodejs")), /* V8 reserves far more than it uses */
    };
    /* AWS: stream names are YYYY/MM/DD/[VERSION]id (the day the environment started) */
    char day[40];
    time_fmt_iso8601(day, time_now_us(), false);
    spec->id_prefix = arena_printf(a, "%.4s/%.2s/%.2s/[%.*s]", day, day + 5, day + 8, STR_FMT(f->version));
    return arena_failed(a) ? GR_ERR : GR_OK;
}
