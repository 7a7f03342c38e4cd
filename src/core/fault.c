/* fault.c — the fault-injection table behind fault.h (test build only).
 *
 * A small fixed table of armed sites, each counting down to the hit that
 * fails; a mutex guards it because event-loop threads hit sites
 * concurrently. GUREUM_FAULT and GUREUM_CRASH_AT are read once, on the first
 * hit, so a server started by an e2e test needs no code to opt in. */
#include "core/fault.h"

#ifdef GUREUM_TESTING

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#define FAULT_MAX 16
#define FAULT_SITE_MAX 64

typedef struct {
    char site[FAULT_SITE_MAX]; /* "" marks a free slot */
    unsigned left;             /* hits still to pass before the failing one */
} armed_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static armed_t armed[FAULT_MAX];
static unsigned fired;
static bool env_loaded;
static const char *crash_at; /* from GUREUM_CRASH_AT; NULL when unset */

static void arm_locked(const char *site, size_t len, unsigned n)
{
    if (n == 0 || len == 0 || len >= FAULT_SITE_MAX) return;
    armed_t *slot = NULL;
    for (size_t i = 0; i < FAULT_MAX; i++) {
        if (strlen(armed[i].site) == len && memcmp(armed[i].site, site, len) == 0) {
            slot = &armed[i];
            break;
        }
        if (!slot && armed[i].site[0] == 0) slot = &armed[i];
    }
    if (!slot) return; /* a test arming more than FAULT_MAX sites is a test bug; the extra site never fires */
    memcpy(slot->site, site, len);
    slot->site[len] = 0;
    slot->left = n;
}

/* GUREUM_FAULT=site:N[,site:N…]; malformed entries are logged and skipped. */
static void load_env_locked(void)
{
    if (env_loaded) return;
    env_loaded = true;
    crash_at = getenv("GUREUM_CRASH_AT");
    if (crash_at && !*crash_at) crash_at = NULL;
    const char *spec = getenv("GUREUM_FAULT");
    if (!spec) return;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        char *num_end = NULL;
        unsigned long n = colon ? strtoul(colon + 1, &num_end, 10) : 0;
        if (!colon || num_end != end || n == 0 || n > 1000000000UL)
            log_error("GUREUM_FAULT: ignoring malformed entry '%.*s' (want site:N)", (int)(end - p), p);
        else
            arm_locked(p, (size_t)(colon - p), (unsigned)n);
        p = *end ? end + 1 : end;
    }
}

/* Counts one hit on the slot; true if this is the failing one (then frees it). */
static bool count_locked(armed_t *a)
{
    if (--a->left > 0) return false;
    a->site[0] = 0;
    fired++;
    return true;
}

bool fault_hit(const char *site)
{
    pthread_mutex_lock(&mu);
    load_env_locked();
    bool fail = false;
    for (size_t i = 0; i < FAULT_MAX; i++) {
        if (!armed[i].site[0]) continue;
        if (strcmp(armed[i].site, site) == 0 || strcmp(armed[i].site, "*") == 0) fail |= count_locked(&armed[i]);
    }
    pthread_mutex_unlock(&mu);
    if (fail) log_info("fault: injected failure at %s", site);
    return fail;
}

void fault_crash_point(const char *name)
{
    pthread_mutex_lock(&mu);
    load_env_locked();
    bool crash = crash_at && strcmp(crash_at, name) == 0;
    pthread_mutex_unlock(&mu);
    if (crash) {
        log_info("fault: crash point %s, exiting with 137", name);
        _exit(137); /* as kill -9 would: no atexit handlers, no stdio flush */
    }
}

void fault_arm(const char *site, unsigned n)
{
    pthread_mutex_lock(&mu);
    load_env_locked(); /* so a later first hit does not re-arm from the env over this */
    arm_locked(site, strlen(site), n);
    pthread_mutex_unlock(&mu);
}

void fault_reset(void)
{
    pthread_mutex_lock(&mu);
    load_env_locked();
    memset(armed, 0, sizeof armed);
    fired = 0;
    pthread_mutex_unlock(&mu);
}

unsigned fault_fired(void)
{
    pthread_mutex_lock(&mu);
    unsigned n = fired;
    pthread_mutex_unlock(&mu);
    return n;
}

#endif
