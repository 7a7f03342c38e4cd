/* rt_test.c — the runtime layer (src/runtime/rt.h) on its own, without any
 * AWS service: the embedded Python bootstrap run through rt_invoke against
 * the Runtime API, warm reuse, function errors with their type header,
 * the timeout kill, and (where the machine allows a sandbox) the data
 * directory hidden from the process. Results arrive on the runtime thread
 * and are handed to the test thread under a mutex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "runtime/rt.h"

static char root[64], data[128], task[256];

typedef struct {
    rt_status_t status;
    char body[512], error_type[64], env[128];
    int64_t init_us;
} got_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static got_t got[8];
static int ndone;

static void done(const rt_result_t *res, void *ud)
{
    (void)ud;
    pthread_mutex_lock(&mu);
    got_t *g = &got[ndone % 8];
    g->status = res->status;
    snprintf(g->body, sizeof g->body, "%.*s", (int)res->body.len, res->body.p);
    snprintf(g->error_type, sizeof g->error_type, "%.*s", (int)res->error_type.len, res->error_type.p);
    snprintf(g->env, sizeof g->env, "%.*s", (int)res->env_name.len, res->env_name.p);
    g->init_us = res->init_us;
    ndone++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits until n results have arrived in all (30 s at most). */
static void wait_for(int n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 30;
    pthread_mutex_lock(&mu);
    while (ndone < n)
        if (pthread_cond_timedwait(&cv, &mu, &ts) != 0) break;
    pthread_mutex_unlock(&mu);
    assert_int_equal(ndone, n);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0644);
}

static const char APP[] = "import os, time\n"
                          "def handler(event, context):\n"
                          "    if event.get('fail'): raise ValueError('no')\n"
                          "    if event.get('sleep'): time.sleep(event['sleep'])\n"
                          "    if event.get('peek'):\n"
                          "        try:\n"
                          "            open(event['peek']).read()\n"
                          "            return 'read'\n"
                          "        except OSError as e:\n"
                          "            return 'hidden'\n"
                          "    return event\n";

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/rt_test.XXXXXX");
    if (!mkdtemp(root)) return -1;
    chmod(root, 0755);
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(task, sizeof task, "%s/code", data);
    mkdir(data, 0755);
    mkdir(task, 0755);
    char p[300];
    snprintf(p, sizeof p, "%s/app.py", task);
    write_file(p, APP);
    snprintf(p, sizeof p, "%s/secret", data);
    write_file(p, "secret");
    rt_config_t c = {.data_dir = data};
    return rt_start(&c) == GR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rt_stop();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void invoke(const char *key, const char *payload, int64_t timeout_ms)
{
    const char *mount = rt_task_path() ? rt_task_path() : task;
    char root_env[300], *argv[] = {"/usr/bin/python3", "-c", (char *)rt_bootstrap_python, NULL};
    snprintf(root_env, sizeof root_env, "LAMBDA_TASK_ROOT=%s", mount);
    const char *envp[] = {"_HANDLER=app.handler", root_env, "PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=1", NULL};
    rt_spec_t spec = {.key = key,
                      .argv = (const char *const *)argv,
                      .envp = envp,
                      .task_dir = task,
                      .task_mount = mount,
                      .id_var = "AWS_LAMBDA_LOG_STREAM_NAME",
                      .id_prefix = "test/",
                      .api_var = "AWS_LAMBDA_RUNTIME_API",
                      .memory_mb = 256,
                      .timeout_ms = timeout_ms,
                      .max_envs = 2};
    char id[32];
    snprintf(id, sizeof id, "req-%d", ndone);
    rt_call_t call = {.request_id = id, .function_arn = "arn:test", .payload = str_c(payload)};
    assert_int_equal(rt_invoke(&spec, &call, done, NULL), GR_OK);
}

static void test_echo_then_warm(void **state)
{
    (void)state;
    int n = ndone;
    invoke("echo", "{\"a\": 1}", 20000);
    wait_for(n + 1);
    assert_int_equal(got[n % 8].status, RT_OK);
    assert_string_equal(got[n % 8].body, "{\"a\": 1}");
    assert_true(got[n % 8].init_us > 0);
    assert_true(strncmp(got[n % 8].env, "test/", 5) == 0);
    invoke("echo", "{\"b\": 2}", 20000);
    wait_for(n + 2);
    assert_int_equal(got[(n + 1) % 8].status, RT_OK);
    assert_string_equal(got[(n + 1) % 8].body, "{\"b\": 2}");
    assert_int_equal(got[(n + 1) % 8].init_us, 0);             /* warm */
    assert_string_equal(got[(n + 1) % 8].env, got[n % 8].env); /* the same process */
}

static void test_function_error(void **state)
{
    (void)state;
    int n = ndone;
    invoke("echo", "{\"fail\": true}", 20000);
    wait_for(n + 1);
    assert_int_equal(got[n % 8].status, RT_FN_ERROR);
    assert_string_equal(got[n % 8].error_type, "ValueError");
    assert_non_null(strstr(got[n % 8].body, "\"errorMessage\": \"no\""));
}

static void test_timeout(void **state)
{
    (void)state;
    int n = ndone;
    invoke("sleepy", "{\"sleep\": 30}", 1500);
    wait_for(n + 1);
    assert_int_equal(got[n % 8].status, RT_TIMEOUT);
}

static void test_data_dir_hidden(void **state)
{
    (void)state;
    if (!rt_sandboxed()) skip();
    int n = ndone;
    char payload[300];
    snprintf(payload, sizeof payload, "{\"peek\": \"%s/secret\"}", data);
    invoke("echo", payload, 20000);
    wait_for(n + 1);
    assert_int_equal(got[n % 8].status, RT_OK);
    assert_string_equal(got[n % 8].body, "\"hidden\"");
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        puts("rt_test: no /usr/bin/python3, skipped");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_then_warm),
        cmocka_unit_test(test_function_error),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_data_dir_hidden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
