/* regions.h — AWS's commercial partition ("aws"): its region names, each with
 * the zone-id code and zone letters a new account sees, and whether it is
 * opt-in. One table for every service that must tell a real region from a
 * made-up one: EC2's DescribeRegions and DescribeAvailabilityZones, S3's
 * ListBuckets BucketRegion. Read-only data; no state. */
#ifndef GR_CORE_REGIONS_H
#define GR_CORE_REGIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

typedef struct {
    const char *name;    /* "ap-northeast-2" */
    const char *code;    /* zone id prefix: "apne2" → apne2-az1 */
    const char *letters; /* zone letters: "abcd" → ap-northeast-2a … 2d */
    bool opt_in;         /* launched after March 2019: not enabled until opted in */
} region_t;

/* Every region of the partition, sorted by name; *n is set to their number. */
const region_t *region_all(size_t *n);
/* The region called name, or NULL when AWS has none by that name. */
const region_t *region_find(str_t name);

#endif
