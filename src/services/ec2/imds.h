/* imds.h — the instance metadata service: what an instance reads at
 * http://169.254.169.254/latest/… (its id, type, addresses, zone, key,
 * user data, identity document), answered from inside each machine's own
 * network by one thread of gureum (imds.c). boot.c gives each booted
 * machine its table. */
#ifndef GR_SERVICES_EC2_IMDS_H
#define GR_SERVICES_EC2_IMDS_H

#include <stddef.h>
#include <sys/types.h>

/* One answer: the path under /latest/ ("meta-data/instance-id") and its
 * body. */
typedef struct {
    const char *path, *body;
    size_t len;
} imds_entry_t;

/* Serves entries (copied) to machine pid as instance id, replacing what it
 * had; n == 0 stops serving it. GR_OK / GR_ERR. */
int imds_set(const char *id, pid_t pid, const imds_entry_t *entries, size_t n);

/* Ends the thread (shutdown). */
void imds_stop(void);

#endif
