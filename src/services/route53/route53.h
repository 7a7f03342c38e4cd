/* route53.h — what the Amazon Route 53 files share: the store connection,
 * DNS name normalization, the zone a request names, and the resolver the DNS
 * server asks (resolve.c).
 *
 * zone.c serves hosted zones and GetChange, rrset.c record sets, resolve.c
 * answers DNS questions from both as an authoritative Route 53 name server
 * does. Handlers read and write parsed values only. */
#ifndef GR_SERVICES_ROUTE53_ROUTE53_H
#define GR_SERVICES_ROUTE53_ROUTE53_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"
#include "dns/dns.h"

struct app;

sqlite3 *r53__db(struct app *app);
int r53__begin(sqlite3 *db);
int r53__end(sqlite3 *db, bool ok);
int64_t r53__now_ms(void);

/* A DNS name as Route 53 keeps it: lower-cased, absolute (final dot), with
 * "\052" written back as '*' and other \ooo escapes decoded; NULL when it is
 * not a name (empty labels, a label over 63 or a name over 255 octets). */
const char *r53__norm(arena_t *a, str_t name);
/* The same name as Route 53 answers it: '*' as "\052", other octets outside
 * letters, digits, '-', '_' and '.' as \ooo. */
const char *r53__shown(arena_t *a, const char *norm);
/* The listing key of a name: its labels in reverse order joined by '.'
 * ("com.example.www."), so record sets sort as ListResourceRecordSets lists them. */
const char *r53__rkey(arena_t *a, const char *norm);
/* The first octet of a name Route 53 refuses unescaped (controls, space),
 * -1 when there is none. */
int r53__bad_char(str_t name);
/* Whether name is zone or lies under it (both normalized). */
bool r53__in_zone(const char *name, const char *zone);

/* The hosted zone an Id names in the caller's account ("Z…" or
 * "/hostedzone/Z…"): its normalized name in *name; GR_OK, or r failed with
 * NoSuchHostedZone. */
int r53__zone(req_t *r, sqlite3 *db, str_t id, const char **zid, const char **name);
/* A new ChangeInfo (recorded for GetChange), Status PENDING as AWS answers a
 * change it has just accepted. */
val_t *r53__change(req_t *r, sqlite3 *db, str_t comment);

/* Drops the tags of a deleted resource ("hostedzone" / "healthcheck", bare id). */
int r53__tags_drop(sqlite3 *db, const char *type, const char *id);
/* The record sets AWS creates with a zone: its SOA and NS. */
int r53__rrset_defaults(req_t *r, sqlite3 *db, const char *zid, const char *zname);

/* Whether health check id (NULL or "" for none) counts as healthy now, as
 * the checker last decided (healthcheck.c); depth bounds CALCULATED nesting. */
bool r53__healthy(sqlite3 *db, const char *id, int depth);
/* The registry's tick: probes the health checks that are due. */
unsigned route53_tick(struct app *app);

/* The DNS server's resolver (dns_resolve_fn): ud is the app. */
/* The registry's hooks: the DNS server on the configured port (dns_port). */
int route53_start(struct app *app);
void route53_stop(struct app *app);
int r53_resolve(void *ud, arena_t *a, const char *qname, uint16_t qtype, const char *client, dns_answer_t *out);

#endif
