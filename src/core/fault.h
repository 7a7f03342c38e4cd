/* fault.h — fault injection and crash points for tests.
 *
 * I/O code marks the places where the outside world can fail with
 * `if (fault_hit("blob.fsync")) { errno = EIO; goto fail; }` and the places
 * where a crash must leave old-or-new state with fault_crash_point("name").
 * A test arms a site (fault_arm, or env GUREUM_FAULT=site:N[,site:N…]) so
 * that its Nth hit fails, or names a crash point (env GUREUM_CRASH_AT) at
 * which the process _exit(137)s, as kill -9 would leave it.
 *
 * Only the test build (GUREUM_TESTING) has sites; elsewhere both calls are
 * constant no-ops the compiler removes, so production code pays nothing. */
#ifndef GR_CORE_FAULT_H
#define GR_CORE_FAULT_H

#include <stdbool.h>

#ifdef GUREUM_TESTING

/* True when this hit of site is the one a test asked to fail. Thread-safe. */
bool fault_hit(const char *site);
/* _exit(137) right here when env GUREUM_CRASH_AT equals name. */
void fault_crash_point(const char *name);

/* Makes the nth next hit of site fail (n >= 1), once. site "*" counts hits
 * of every site together, which is how a fault loop walks call 1, 2, … of an
 * operation without knowing its sites. Replaces any earlier arming of site. */
void fault_arm(const char *site, unsigned n);
/* Disarms everything (env arming too) and zeroes the counters. */
void fault_reset(void);
/* How many armed faults have fired since the last fault_reset. A fault loop
 * stops when an armed run completes with fault_fired() == 0. */
unsigned fault_fired(void);

#else

static inline bool fault_hit(const char *site)
{
    (void)site;
    return false;
}
static inline void fault_crash_point(const char *name)
{
    (void)name;
}

#endif

#endif
