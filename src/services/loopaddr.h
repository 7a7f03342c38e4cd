/* loopaddr.h — the host loopback addresses gureum hands to the things it
 * runs, so that the host reaches them without routing anything
 * (DESIGN.md): EC2 instances' public addresses (127.200.0.0/16), load
 * balancers (classic 127.201.0.0/16, v2 127.204.0.0/16), Elastic IPs
 * (127.202.0.0/16), RDS endpoints (127.203.0.0/16). Linux answers every address of 127.0.0.0/8 on its
 * loopback, so a listener there needs no setup. */
#ifndef GR_SERVICES_LOOPADDR_H
#define GR_SERVICES_LOOPADDR_H

#include <sqlite3.h>

#include "core/arena.h"

/* The lowest address of block ("127.201": its /16, each /24's .0 and .255
 * left out) that taken_sql (one parameter ?1, the address) finds no row
 * for, in a; NULL when the block is full or on a store failure. */
const char *loopaddr_pick(arena_t *a, sqlite3 *db, const char *block, const char *taken_sql);

/* The address a one-parameter query (?1: a DNS name) finds for name, a
 * final dot of name left out; in a, NULL when none (load balancers'
 * DNSNames, for Route 53's resolver). */
const char *loopaddr_by_name(arena_t *a, sqlite3 *db, const char *sql, const char *name);

#endif
