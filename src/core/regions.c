/* regions.c — the region table of regions.h.
 *
 * AWS: regions launched after March 2019 are opt-in ("not-opted-in" until
 * enabled). A new account sees the zone letters listed here (e.g.
 * ap-northeast-1 has a, c, d; us-west-1 has a and c) — EC2 User Guide,
 * "Regions and Zones". The names are those of botocore's endpoints.json
 * (partition "aws"), ap-east-2 (Taipei) and ap-southeast-6 (New Zealand)
 * the newest, both opt-in. */
#include "core/regions.h"

static const region_t REGIONS[] = {
    {"af-south-1", "afs1", "abc", true},        {"ap-east-1", "ape1", "abc", true},
    {"ap-east-2", "ape2", "abc", true},         {"ap-northeast-1", "apne1", "acd", false},
    {"ap-northeast-2", "apne2", "abcd", false}, {"ap-northeast-3", "apne3", "abc", false},
    {"ap-south-1", "aps1", "abc", false},       {"ap-south-2", "aps2", "abc", true},
    {"ap-southeast-1", "apse1", "abc", false},  {"ap-southeast-2", "apse2", "abc", false},
    {"ap-southeast-3", "apse3", "abc", true},   {"ap-southeast-4", "apse4", "abc", true},
    {"ap-southeast-5", "apse5", "abc", true},   {"ap-southeast-6", "apse6", "abc", true},
    {"ap-southeast-7", "apse7", "abc", true},   {"ca-central-1", "cac1", "abd", false},
    {"ca-west-1", "caw1", "abc", true},         {"eu-central-1", "euc1", "abc", false},
    {"eu-central-2", "euc2", "abc", true},      {"eu-north-1", "eun1", "abc", false},
    {"eu-south-1", "eus1", "abc", true},        {"eu-south-2", "eus2", "abc", true},
    {"eu-west-1", "euw1", "abc", false},        {"eu-west-2", "euw2", "abc", false},
    {"eu-west-3", "euw3", "abc", false},        {"il-central-1", "ilc1", "abc", true},
    {"me-central-1", "mec1", "abc", true},      {"me-south-1", "mes1", "abc", true},
    {"mx-central-1", "mxc1", "abc", true},      {"sa-east-1", "sae1", "abc", false},
    {"us-east-1", "use1", "abcdef", false},     {"us-east-2", "use2", "abc", false},
    {"us-west-1", "usw1", "ac", false},         {"us-west-2", "usw2", "abcd", false},
};
#define NREGIONS (sizeof REGIONS / sizeof REGIONS[0])

const region_t *region_all(size_t *n)
{
    *n = NREGIONS;
    return REGIONS;
}

const region_t *region_find(str_t name)
{
    for (size_t i = 0; i < NREGIONS; i++)
        if (str_eq_c(name, REGIONS[i].name)) return &REGIONS[i];
    return NULL;
}
