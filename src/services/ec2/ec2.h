/* ec2.h — what the EC2 files share, and EC2's C interface for other
 * services.
 *
 * EC2 is served from its `ec2` protocol model; its handlers (ec2_* in
 * regions.c, vpc.c, gateway.c, dhcp.c, sg.c, nacl.c, keypair.c, address.c,
 * core.c) read and write parsed values only. core.c holds the store
 * connection, the region's default VPC (made on first use, as every AWS
 * account has one in each region), resource ids, tags and Describe* filters;
 * vpc.c VPCs and subnets; gateway.c internet gateways and route tables;
 * dhcp.c DHCP options sets; sg.c security groups; nacl.c network ACLs;
 * keypair.c key pairs; address.c Elastic IPs.
 *
 * Other services ask about subnets (RDS's DB subnet groups) and instances
 * (load balancers) and launch instances (Auto Scaling) through the
 * functions below, and never read EC2's tables. */
#ifndef GR_SERVICES_EC2_EC2_H
#define GR_SERVICES_EC2_EC2_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/req.h"
#include "runtime/forward.h"
#include "store/store.h"

struct app;

/* ==== For other services ==== */

typedef struct {
    const char *vpc_id; /* in the arena given */
    const char *zone;   /* "us-east-1a" */
    const char *cidr;
} ec2_subnet_info_t;

/* The subnet subnet_id of account and region: 1 with *out filled, 0 when
 * there is none, -1 on a store failure. */
int ec2_subnet_info(struct app *app, str_t account, str_t region, str_t subnet_id, arena_t *a, ec2_subnet_info_t *out);

/* An instance as a load balancer sees it: 1 with *out filled (strings in
 * a), 0 when the account has no such instance, -1 on a store failure.
 * pid: its machine's, > 0 while the machine is up. */
typedef struct {
    const char *state, *private_ip, *vpc_id, *zone;
    pid_t pid;
} ec2_target_t;
int ec2_instance_target(struct app *app, str_t account, str_t region, str_t id, arena_t *a, ec2_target_t *out);

/* api.c's, for services that run instances for an account (Auto
 * Scaling): launch runs one instance as RunInstances does with run as its
 * input (MinCount and MaxCount set to 1): 1 with *out filled (strings in
 * a), 0 when EC2 refused (*err: "Code: message", in a), -1 on a failure.
 * terminate: TerminateInstances of one instance; 1 done, 0 refused (logged),
 * -1 failure. */
typedef struct {
    const char *id, *type, *zone;
} ec2_launched_t;
int ec2_launch(struct app *app, str_t account, str_t region, const val_t *run, arena_t *a, ec2_launched_t *out,
               const char **err);
int ec2_terminate(struct app *app, str_t account, str_t region, str_t id);
/* CPUUtilization of a machine of instance type whose processes had used
 * prev_s CPU seconds at prev_us and cpu_s at now_us: the share of its vCPUs
 * used between (0 to 100), or -1 without two samples. RDS's DB instance
 * classes are instance types with "db." before them. */
double ec2_cpu_percent(const char *type, double cpu_s, double prev_s, int64_t now_us, int64_t prev_us);

/* template.c's, for Auto Scaling: the launch template of id or name (one
 * of them) with version ("$Latest", "$Default", a number; STR_NULL:
 * "$Default"): 1 with its id, name and the version as asked (in a), 0 when
 * the template or version does not exist, -1 on a failure. */
int ec2_template_resolve(struct app *app, str_t account, str_t region, str_t id, str_t name, str_t version, arena_t *a,
                         const char **id_out, const char **name_out, const char **version_out);

/* ==== Inside EC2 ==== */

/* The connection, with the request's region's default VPC made if it was
 * not yet; NULL (r failed or internal) on a store failure. */
sqlite3 *ec2__ready(req_t *r);
int ec2__begin(sqlite3 *db);
int ec2__end(sqlite3 *db, bool ok);
/* A new resource id: prefix, '-', 17 lowercase hex digits (AWS's long ids). */
const char *ec2__new_id(arena_t *a, const char *prefix);
/* Errors several EC2 files answer (EC2's model names none of its errors):
 * IncorrectInstanceState and InvalidParameterCombination, 400. */
extern const aws_errdef_t ec2__E_state, ec2__E_combination;

/* EC2's name for the store's one-statement helper (store/store.h). */
#define EXEC STORE_RUN
/* Hooks of sg.c for vpc.c and core.c, inside their transaction: a new VPC
 * (the default one too) gets its "default" security group and its default
 * network ACL; a deleted one loses them. */
bool ec2__vpc_born(req_t *r, sqlite3 *db, const char *vpc_id);
bool ec2__vpc_gone(req_t *r, sqlite3 *db, str_t vpc_id);
/* nacl.c's, through those: the VPC's default network ACL, made and
 * deleted. Subnets: adopt associates every subnet of the VPC that has no
 * ACL with the VPC's default one (vpc.c calls it after making subnets);
 * gone drops a deleted subnet's association. */
bool ec2__nacl_vpc_born(req_t *r, sqlite3 *db, const char *vpc_id);
bool ec2__nacl_vpc_gone(req_t *r, sqlite3 *db, str_t vpc_id);
bool ec2__subnets_adopt(req_t *r, sqlite3 *db, const char *vpc_id);
bool ec2__subnet_gone(req_t *r, sqlite3 *db, str_t subnet_id);
/* The connection (without the region's default VPC made). */
sqlite3 *ec2__db(struct app *app);

/* ==== Instances (instance.c, boot.c) ==== */

/* The public images each region offers, NULL-terminated; their ids are
 * ec2__image_id(region, index). Owner: Amazon's account for its images. */
typedef struct {
    const char *name, *description, *created;
} ec2__image_t;
extern const ec2__image_t ec2__images[];
#define EC2_AMAZON_OWNER "137112412989"
const char *ec2__image_id(arena_t *a, str_t region, size_t k);
/* image.c's: GR_OK when id is an image the request's account may launch
 * (public, or its own and available), else r failed as AWS refuses; the
 * files of a deregistered image removed (boot.c). */
int ec2__image_usable(req_t *r, sqlite3 *db, str_t id);
void ec2__image_files_drop(struct app *app, const char *acct, const char *reg, const char *id);
/* template.c's, first thing in RunInstances: in with its LaunchTemplate's
 * version's data as the defaults of what in does not give (in itself when
 * it names none; NULL with r failed); *id and *version: the template's, for
 * the instance's aws:ec2launchtemplate:* tags (NULL without one). */
const val_t *ec2__template_merge(req_t *r, const val_t *in, const char **id, const char **version);
/* A tag of AWS's own (aws:…), which requests may not set, on resource id. */
bool ec2__tag_aws(req_t *r, sqlite3 *db, const char *id, const char *key, const char *value);
/* AWS's state code of a state name (running: 16). */
int ec2__state_code(const char *state);
/* AWS's private (public: true) DNS name of an address in region. */
const char *ec2__dns_name(arena_t *a, str_t region, const char *ip, bool public);
/* boot.c's, for the handlers: a reboot asked for (done at the next tick);
 * whether the instance's machine is up; the last max bytes of its
 * console. */
bool ec2__reboot(const char *id);
bool ec2__machine_up(const char *id);
str_t ec2__console(struct app *app, arena_t *a, str_t acct, str_t reg, str_t id, size_t max);
/* The registry's hooks: the tick makes states true; stop kills every
 * machine and forward. */
unsigned ec2_tick(struct app *app);
void ec2_stop(struct app *app);

/* A sequence number for listing in creation order. */
int64_t ec2__seq(void);

/* s as a C string in a, NULL for a NULL s. */
const char *ec2__cstr(arena_t *a, str_t s);
/* An IP protocol of a security group rule or ACL entry: a name (tcp, udp,
 * icmp, icmpv6, all), a number 0..255 or -1; NULL when none of these.
 * name: security groups' form ("tcp", "-1", "50"), else ACL entries'
 * number ("6"). */
const char *ec2__protocol(arena_t *a, str_t p, bool name);

/* IPv4 CIDR blocks. parse: "a.b.c.d/n", the address's host bits zero. */
typedef struct {
    uint32_t net;
    int len;
} ec2__cidr_t;
bool ec2__cidr_parse(str_t s, ec2__cidr_t *c);
bool ec2__cidr_overlap(ec2__cidr_t a, ec2__cidr_t b);
bool ec2__cidr_within(ec2__cidr_t inner, ec2__cidr_t outer);

/* Whether IPv4 address ip lies in block cidr (false for a NULL cidr). */
bool ec2__cidr_holds(const char *cidr, const char *ip);

/* ==== Between instances (peer.c) ==== */

/* Adds to ports (once each, at most cap) the TCP ports a security group
 * rule of protocol proto opens from..to: all of them, or for a range wider
 * than 64 ports AWS's well-known ones only (a rule of every port would be
 * 65,535 listeners); false for a protocol that carries no TCP. */
bool ec2__rule_ports(const char *proto, int from, int to, int *ports, size_t *n, size_t cap);
/* What instance id may reach: the TCP connections (links) to the other
 * running instances of its VPC at their private addresses, to the VPC's
 * DB instances (RDS) at their private addresses and endpoints, and from a
 * public address in a public subnet to the public addresses of instances
 * in public subnets (itself too), each with
 * its machine (pid_of gives an instance's, 0 when it has none); and the
 * instances' addresses its pings reach (pings). At most cap and pings_cap
 * of each; n and npings are set. */
typedef struct {
    fwd_link_t *links;
    size_t n, cap;
    char (*pings)[16];
    size_t npings, pings_cap;
} ec2__reach_t;
void ec2__peers(struct app *app, arena_t *a, sqlite3 *db, const char *acct, const char *reg, const char *id,
                ec2__reach_t *out, pid_t (*pid_of)(const char *id));

/* The zone id of a zone of the request's region ("use1-az1"), NULL if the
 * region has no such zone; the region's zone names joined by ", " (for
 * refusals). */
const char *ec2__zone_id(req_t *r, const char *zone);
const char *ec2__zone_list(req_t *r);

/* Tags. apply: the TagSpecifications of a Create* whose ResourceType is
 * type (others are refused as AWS does); put: Tags given to CreateTags;
 * of: the resource's TagList, NULL when it has none (Describe* leaves Tags
 * out then); drop: with the resource. */
int ec2__tags_apply(req_t *r, sqlite3 *db, const val_t *specs, const char *type, const char *id);
int ec2__tags_put(req_t *r, sqlite3 *db, str_t id, const val_t *tags);
val_t *ec2__tags_of(req_t *r, sqlite3 *db, str_t id);
int ec2__tags_drop(req_t *r, sqlite3 *db, str_t id);

/* Describe* filters. A resource's fields are (name, value) pairs, several
 * per name for multi-valued ones; its tags add tag:KEY, tag-key and
 * tag-value. check refuses a filter name not in known (NULL-terminated;
 * tag:* names always pass) as AWS does; pass: every filter has a value that
 * matches ('*' and '?' wildcards) one of the fields of its name. */
typedef struct {
    arena_t *a;
    const char **name, **value;
    size_t n, cap;
} ec2__fields_t;
void ec2__fields_init(ec2__fields_t *f, arena_t *a);
void ec2__field(ec2__fields_t *f, const char *name, const char *value);
void ec2__field_tags(ec2__fields_t *f, const val_t *tags);
int ec2__filters_check(req_t *r, const val_t *filters, const char *const *known);
bool ec2__filters_pass(const val_t *filters, const ec2__fields_t *f);
/* '*' and '?' wildcards of one filter value against a field. */
bool ec2__value_matches(const val_t *values, const char *field);

/* Describe* answers: the items of list from NextToken's offset, at most
 * MaxResults (min..1000; 0 min: no paging asked), with NextToken when more
 * remain. GR_OK with out's member set, or r failed. */
int ec2__page(req_t *r, const val_t *in, val_t *out, const char *member, val_t *list, int64_t min);

/* Refusals every resource kind shares: Invalid<Kind>ID.NotFound
 * "The <kind> ID '<id>' does not exist" (kind as AWS spells it: "vpc",
 * "subnet", "internetGateway", "routeTable"). */
int ec2__not_found(req_t *r, const char *code, const char *kind, str_t id);
/* 1 when the resource exists in the request's account and region, 0 when
 * not, -1 on failure. table: "vpc", "subnet", "igw", "rtb", "sg", "sg_rule",
 * "keypair", "address", "nacl" (each keyed by an id column). */
int ec2__exists(req_t *r, sqlite3 *db, const char *table, str_t id);
/* GR_OK when it exists, else r failed with its kind's NotFound (or a store
 * failure); _all: every id of a list (Describe*'s ids); named: whether id is
 * in ids, an empty list naming every one. */
int ec2__need(req_t *r, sqlite3 *db, const char *table, str_t id);
int ec2__need_all(req_t *r, sqlite3 *db, const char *table, const val_t *ids);
bool ec2__named(const val_t *ids, str_t id);

#endif
