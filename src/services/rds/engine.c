/* engine.c — where RDS DB instances run: placement and endpoint addresses
 * for CreateDBInstance, and, on the ticker thread (rds_tick), each
 * instance's machine (runtime/machine.h) with its engine's real server.
 *
 * A postgres instance's machine runs the host's PostgreSQL server (Debian's
 * postgresql package, /usr/lib/postgresql/<major>/bin) as the user
 * postgres, its data on the machine's disk (DATA/rds/ACCOUNT/REGION/ID):
 * initdb on the first boot with the master user as the superuser
 * (password logins over TCP, scram-sha-256; the machine's own local
 * socket trusted, as only gureum's boot script runs there), the database
 * DBName made, then the server listening on the instance's port; its port
 * is forwarded from the endpoint address on the host (runtime/forward.h).
 * A new master password is set by the boot script at the next boot. The
 * script writes /var/lib/rds/ready when the server is ready: then the
 * status becomes available.
 *
 * Statuses move as AWS's do: creating, starting, rebooting and
 * resetting-master-credentials → available once ready; stopping →
 * stopped; deleting → gone with its files. A server that dies is started
 * again (RDS recovers an instance): its boot script says so ($R/down), as
 * the machine's init outlives it; with Multi-AZ the instance fails over to
 * its ready standby instead.
 *
 * Multi-AZ: a second machine, the standby, at the instance's standby
 * address, replays the primary's changes as PostgreSQL's streaming
 * replication sends them (a base backup first), reaching the primary's
 * private address through its link (runtime/link.h). The two machines'
 * folders are the instance's "nodes"; a forced failover stops the primary
 * cleanly, promotes the standby and swaps them (failover_tick).
 *
 * Read replicas (replica.c): an instance whose machine follows its
 * source's server as a standby does (follower_script), reaching the
 * source's private address through its link, and serves reads at its own
 * endpoint; booted again when its source moves (a failover, a new port),
 * and as a primary once promoted.
 *
 * A mariadb or mysql instance's machine runs the host's MariaDB server
 * instead (maria_script), and its standby and read replicas replicate its
 * binary log (maria_follower_script), under the same orchestration.
 *
 * DB parameter groups (param.c): the instance's group is written into its
 * servers' configuration ($R/params.conf, included by postgresql.conf) at
 * each boot and again when the group changes, when the servers reload it
 * (params_tick): dynamic parameters apply then, static ones at the next
 * boot. */
#define _GNU_SOURCE
#include <ctype.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "rds_model.h"
#include "runtime/forward.h"
#include "runtime/machine.h"
#include "services/app.h"
#include "services/loopaddr.h"
#include "services/pubmetrics.h"
#include "services/ec2/ec2.h"
#include "services/rds/rds.h"

enum { MAX_RUNNING = 64, QUICK_TICK_MS = 100 };

/* A duration in ms: dflt, or in the test build the environment's name
 * when set (tests shorten or add waits). */
static int64_t test_ms(const char *name, int64_t dflt)
{
#ifdef GUREUM_TESTING
    const char *v = getenv(name);
    if (v && atoi(v) > 0) return atoi(v);
#else
    (void)name;
#endif
    return dflt;
}

/* How long a DB snapshot may wait for its instance's server, a deleted
 * instance's final snapshot included. */
#define SNAPSHOT_WAIT_MS test_ms("GUREUM_RDS_SNAPSHOT_WAIT_MS", 10 * 60 * 1000)
/* How long a DB snapshot's base backup waits before it is asked for: none,
 * but tests make it wait so that something can happen to the instance
 * while it is backing-up. */
#define SNAPSHOT_DELAY_MS test_ms("GUREUM_RDS_SNAPSHOT_DELAY_MS", 0)

/* ==== The engine on this host ==== */

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static char pg_bin[256], pg_version[32], pg_family[48];

static void probe(void)
{
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/postgres", 0, NULL, &g) != 0) return;
    /* the newest major: glob sorts, and majors have two digits */
    const char *bin = g.gl_pathv[g.gl_pathc - 1];
    char cmd[400], line[256] = "";
    snprintf(cmd, sizeof cmd, "%s --version", bin);
    FILE *p = popen(cmd, "r");
    if (p && fgets(line, sizeof line, p)) {
        /* "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" */
        const char *v = strstr(line, ") ");
        if (v && sscanf(v + 2, "%31[0-9.]", pg_version) == 1) {
            snprintf(pg_bin, sizeof pg_bin, "%.*s", (int)(strrchr(bin, '/') - bin), bin);
            snprintf(pg_family, sizeof pg_family, "postgres%.*s", (int)strcspn(pg_version, "."), pg_version);
        }
    }
    if (p) pclose(p);
    globfree(&g);
}

const char *rds__engine_version(void)
{
    pthread_once(&probe_once, probe);
    return pg_version[0] ? pg_version : NULL;
}

const char *rds__engine_bin(void)
{
    pthread_once(&probe_once, probe);
    return pg_bin[0] ? pg_bin : NULL;
}

const char *rds__family(void)
{
    pthread_once(&probe_once, probe);
    return pg_family[0] ? pg_family : NULL;
}

/* ==== Placement ==== */

static unsigned rnd(unsigned n)
{
    uint32_t v;
    id_random_bytes(&v, sizeof v);
    return v % n;
}

/* A free-looking address of subnet (AWS keeps the first four and the
 * last of each subnet); NULL on a store failure. */
static const char *address_in(req_t *r, const char *subnet)
{
    ec2_subnet_info_t si;
    int found = ec2_subnet_info(r->app, r->who.account, r->region, str_c(subnet), r->arena, &si);
    if (found < 0) return NULL;
    unsigned o[4], len;
    if (found && sscanf(si.cidr, "%u.%u.%u.%u/%u", &o[0], &o[1], &o[2], &o[3], &len) == 5 && len <= 28) {
        uint32_t net = o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3], size = 1u << (32 - len);
        uint32_t ip = net + 4 + rnd(size - 5);
        return arena_printf(r->arena, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    }
    return "10.0.0.10";
}

int rds__place(req_t *r, sqlite3 *db, str_t group, str_t zone, bool multi, rds__placement_t *pl)
{
    arena_t *a = r->arena;
    memset(pl, 0, sizeof *pl);
    const char *zone_c = zone.p ? arena_strndup(a, zone.p, zone.len) : NULL;
    if (!group.p) {
        /* AWS: the default VPC's "default" group; its subnets are EC2's */
        pl->zone = zone_c ? zone_c : arena_printf(a, "%.*sa", STR_FMT(r->region));
        pl->second =
            multi ? arena_printf(a, "%.*s%c", STR_FMT(r->region), pl->zone[strlen(pl->zone) - 1] == 'a' ? 'b' : 'a')
                  : NULL;
        pl->private_ip = arena_printf(a, "172.31.%d.%d", (int)(rnd(16)), 10 + (int)rnd(200));
        if (multi) pl->standby_ip = arena_printf(a, "172.31.%d.%d", 16 + (int)rnd(16), 10 + (int)rnd(200));
        return GR_OK;
    }
    char *low = arena_strndup(a, group.p, group.len);
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    sqlite3_stmt *st = store_stmt(db, "SELECT s.subnet_id, s.zone, g.vpc_id FROM subnet_group g JOIN "
                                      "subnet_group_subnet s ON s.account = g.account AND s.region = g.region AND "
                                      "s.name = g.name WHERE g.account = ?1 AND g.region = ?2 AND g.name = ?3 ORDER BY "
                                      "s.seq, s.subnet_id");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, low, -1, SQLITE_STATIC);
    const char *subnet = NULL, *second = NULL;
    bool any = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sid = arena_strdup(a, (const char *)sqlite3_column_text(st, 0)),
                   *z = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        any = true;
        pl->vpc = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
        if (!subnet && (!zone_c || !strcmp(zone_c, z))) {
            subnet = sid;
            pl->zone = z;
        } else if (multi && !pl->second && subnet && strcmp(z, pl->zone) != 0)
            pl->second = z, second = sid;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (as an RDS client records it) */
    if (!any) return req_fail(r, &RDS_ERR_DBSubnetGroupNotFoundFault, "DB subnet group '%s' does not exist.", low);
    if (!subnet)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The requested availability zone %s is not in DB subnet group "
                        "%s.",
                        zone_c, low);
    pl->group = low;
    if (!(pl->private_ip = address_in(r, subnet))) return GR_ERR;
    if (second && !(pl->standby_ip = address_in(r, second))) return GR_ERR;
    return GR_OK;
}

const char *rds__address_pick(req_t *r, sqlite3 *db)
{
    return loopaddr_pick(r->arena, db, "127.203", "SELECT 1 FROM db_instance WHERE address = ?1");
}

/* ==== Machines ==== */

/* A running machine: the primary's key is the resource id, the standby's
 * that with STANDBY after it. */
#define STANDBY "+standby"

typedef struct {
    char key[48];
    pid_t pid;
    char booted_for[32]; /* the status it was booted in */
    int link;            /* a standby's or replica's way to its source (runtime/link.h), -1 none */
    int port;            /* the port its server was started on */
    bool replica;        /* booted as a read replica, following up */
    char up[32];         /* a replica's source as booted for: "ADDRESS:PORT" */
    char params[300];    /* its DB parameter group as last written (param_key) */
    double cpu_s;        /* its processes' CPU seconds at the last metrics sample (cpu_us), -1 none */
    int64_t cpu_us;
} running_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static running_t running[MAX_RUNNING];
static size_t nrunning;
static uint64_t running_gen; /* moves whenever running changes (under mu) */

static running_t *find(const char *key)
{
    for (size_t i = 0; i < nrunning; i++)
        if (!strcmp(running[i].key, key)) return &running[i];
    return NULL;
}

static pid_t pid_of(const char *key)
{
    pthread_mutex_lock(&mu);
    running_t *m = find(key);
    pid_t pid = m ? m->pid : -1;
    pthread_mutex_unlock(&mu);
    return pid;
}

static void forget(const char *key)
{
    pthread_mutex_lock(&mu);
    running_t *m = find(key);
    pid_t pid = m ? m->pid : 0;
    int link = m ? m->link : -1;
    if (m) *m = running[--nrunning];
    running_gen++;
    pthread_mutex_unlock(&mu);
    fwd_set(key, "", NULL, 0, 0, "");
    if (link >= 0) {
        fwd_link_set(key, -1, NULL, 0);
        close(link);
    }
    if (pid > 0) mach_kill(pid);
}

static bool write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "we");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok && chmod(path, mode) == 0;
}

typedef struct {
    const char *acct, *reg, *id, *rid, *status, *user, *password, *db_name, *address, *private_ip;
    bool maria;      /* engine mariadb or mysql: the host's MariaDB server (maria_script) */
    const char *cls; /* DBInstanceClass */
    int64_t storage; /* AllocatedStorage, GiB */
    int port;
    /* Multi-AZ: the standby's address (NULL: none), the replication role's
     * password, the primary's node (0 or 1) and a failover under way */
    const char *standby_ip, *secret;
    int node, failover;
    /* restored: the DB snapshot its data is copied from, and the account
     * that owns it (its own, or one that shared it) */
    const char *snapshot, *snapshot_acct;
    /* a read replica: its source's id, and the source's machine (resource
     * id), private address and port */
    const char *replica_of, *src_rid, *src_ip;
    int src_port;
    /* its DB parameter group (NULL: the default, which sets nothing) and
     * "GROUP@VERSION", which moves when the group's parameters change (""
     * for the default) */
    const char *param_group, *param_key;
} row_t;

/* The engine's log (logs.c reads it): PostgreSQL's logging collector
 * writing one file an hour into $R/log, off the data folder (so neither a
 * snapshot nor a standby's copy carries it), named and prefixed as RDS
 * names and prefixes its PostgreSQL logs. A printf format: %% is %. */
#define PG_LOGGING                                                                                                     \
    " -c logging_collector=on -c log_directory=$R/log -c log_filename=postgresql.log.%%Y-%%m-%%d-%%H"                  \
    " -c log_rotation_age=60 -c log_timezone=UTC -c 'log_line_prefix=%%t:%%r:%%u@%%d:[%%p]:'"

/* WAL kept for the servers that follow this one (a standby, read
 * replicas): 32 segments. A replica that follows a new primary after a
 * failover asks it for the segment where its timeline began, which the
 * checkpoint of the new standby's base backup would otherwise have let
 * go (seen: "requested WAL segment … has already been removed"). */
#define PG_WAL " -c wal_keep_size=512MB"

/* The server's configuration takes the instance's DB parameter group,
 * which gureum writes into $R/params.conf (write_params). */
#define PARAMS_INCLUDE                                                                                                 \
    "grep -q rds/params.conf $D/postgresql.conf || echo \"include_if_exists = '/var/lib/rds/params.conf'\" >> "        \
    "$D/postgresql.conf\n"

/* The folder of node 0 or 1 of an instance: 0 is the instance's own (as
 * before there were standbys), 1 a folder in it. */
static const char *dir_of(arena_t *a, struct app *app, const row_t *w, int node)
{
    const char *base = arena_printf(a, "%s/rds/%s/%s/%s", app->cfg->data_dir, w->acct, w->reg, w->id);
    return node ? arena_printf(a, "%s/b", base) : base;
}

/* The engine's data folder on node's disk: PostgreSQL's or MariaDB's. */
static const char *data_of(arena_t *a, struct app *app, const row_t *w, int node)
{
    return arena_printf(a, "%s/disk/var/lib/%s", dir_of(a, app, w, node), w->maria ? "mysql" : "postgresql/data");
}

/* A file of the machine of node on its disk (/var/lib/rds/NAME). */
static const char *rds_file(arena_t *a, struct app *app, const row_t *w, int node, const char *name)
{
    return arena_printf(a, "%s/disk/var/lib/rds/%s", dir_of(a, app, w, node), name);
}

const char *rds__log_dir(arena_t *a, struct app *app, str_t account, str_t region, str_t id, int node)
{
    row_t w = {.acct = arena_strndup(a, account.p, account.len),
               .reg = arena_strndup(a, region.p, region.len),
               .id = arena_strndup(a, id.p, id.len)};
    return rds_file(a, app, &w, node, "log");
}

/* Removes a node's machine files (node 0's folder holds node 1's). */
static void node_remove(arena_t *a, struct app *app, const row_t *w, int node)
{
    const char *dir = dir_of(a, app, w, node);
    if (node) {
        mach_tree_remove(dir);
        return;
    }
    mach_tree_remove(arena_printf(a, "%s/disk", dir));
    mach_tree_remove(arena_printf(a, "%s/disk.new", dir));
    unlink(arena_printf(a, "%s/console.log", dir));
}

/* The disk, made once: the host's /etc (with its postgres user) and the
 * first password, for initdb. */
static bool make_disk(arena_t *a, const char *dir, const row_t *w)
{
    const char *disk = arena_printf(a, "%s/disk", dir), *tmp = arena_printf(a, "%s/disk.new", dir);
    if (access(disk, F_OK) == 0) return true;
    mach_tree_remove(tmp);
    const char *rds = arena_printf(a, "%s/var/lib/rds", tmp);
    const char *md[] = {"/bin/mkdir", "-p", rds, NULL};
    bool ok = mach_disk_make(tmp, NULL) == GR_OK && mach_run(md) == 0;
    ok = ok && write_file(arena_printf(a, "%s/password", rds), w->password ? w->password : "", 0600);
    return ok && rename(tmp, disk) == 0;
}

static const char *sh_quote(arena_t *a, const char *s)
{
    buf_t b;
    buf_init(&b, a);
    buf_printf(&b, "'");
    for (const char *p = s; *p; p++) buf_printf(&b, *p == '\'' ? "'\\''" : "%c", *p);
    buf_printf(&b, "'");
    str_t t = buf_str(&b);
    return arena_strndup(a, t.p, t.len);
}

/* The replication role a standby connects as (RDS's own name for it). */
#define REPL_ROLE "rdsrepladmin"

/* The body of the loop both machines' boots end in while their server
 * runs, whichever they are now (a promoted standby is the primary): gureum
 * asks with files on the disk. $R/stop: a clean stop, which waits until
 * the standby has every change ($R/stopped once done); $R/promote: the
 * standby becomes the primary ($R/promoted); $R/snapshot: a base backup of
 * the server into $R/snap for a DB snapshot ($R/snapshot.done once done,
 * with $R/snapshot.failed if it could not be taken). */
#define SNAPSHOT_FILES "$R/snapshot $R/snapshot.done $R/snapshot.failed $R/snap $R/snap.new $R/down"
/* What both boots do when their server has ended by itself (a clean stop
 * for a failover exits before): $R/down tells gureum, as the machine's
 * init lives on without it. */
#define ENDED "rm -f $R/ready; : > $R/down; echo 'gureum: postgres ended'\n"
/* CONTROL's snapshot, whichever engine: take, a shell command, makes the
 * copy in $R/snap.new, its output in $R/snapshot.log */
#define SNAPSHOT_STEP(take)                                                                                            \
    "  if [ -e $R/snapshot ] && [ ! -e $R/snapshot.done ]; then\n"                                                     \
    "    rm -rf $R/snap $R/snap.new\n"                                                                                 \
    "    if " take "; then\n"                                                                                          \
    "      mv $R/snap.new $R/snap && echo 'gureum: snapshot taken'\n"                                                  \
    "    else cat $R/snapshot.log; : > $R/snapshot.failed; fi\n"                                                       \
    "    : > $R/snapshot.done\n"                                                                                       \
    "  fi\n"
#define PG_RELOAD                                                                                                      \
    "  if [ -e $R/reload ]; then\n"                                                                                    \
    "    rm -f $R/reload; runuser -u postgres -- pg_ctl reload -D $D >/dev/null && echo 'gureum: parameters "          \
    "reloaded'\n"                                                                                                      \
    "  fi\n"
#define PG_SNAPSHOT                                                                                                    \
    SNAPSHOT_STEP("runuser -u postgres -- pg_basebackup -h $S -p $P -U \"$U\" -D $R/snap.new -X stream -c fast > "     \
                  "$R/snapshot.log 2>&1")
#define PG_PROMOTE_STOP                                                                                                \
    "  if [ -e $R/promote ] && [ ! -e $R/promoted ]; then\n"                                                           \
    "    runuser -u postgres -- pg_ctl promote -D $D -w -t 120 >/dev/null && : > $R/promoted && echo 'gureum: "        \
    "promoted'\n"                                                                                                      \
    "  fi\n"                                                                                                           \
    "  if [ -e $R/stop ]; then\n"                                                                                      \
    "    runuser -u postgres -- pg_ctl stop -D $D -m fast -w -t 120 >/dev/null; wait $pg; : > $R/stopped\n"            \
    "    echo 'gureum: postgres stopped for a failover'; exit 0\n"                                                     \
    "  fi\n"                                                                                                           \
    "  sleep 0.2\n"
#define CONTROL PG_RELOAD PG_SNAPSHOT PG_PROMOTE_STOP

/* The boot of a postgres machine (see the file's comment). With Multi-AZ
 * its standby replicates as REPL_ROLE, whose password gureum leaves in
 * $R/repl (made here when it appears, so a standby can come later). */
static const char *boot_script(arena_t *a, const row_t *w)
{
    return arena_printf(
        a,
        "export PATH=%s:/usr/sbin:/usr/bin:/sbin:/bin\n"
        "cd /\n"
        "D=/var/lib/postgresql/data P=%d U=%s N=%s R=/var/lib/rds S=/run/postgresql\n"
        "echo \"gureum: RDS instance %s (postgres) booting at $(date -u)\"\n"
        "rm -rf $R/ready $R/stop $R/stopped $R/promote $R/promoted $R/repl.ok " SNAPSHOT_FILES "\n"
        "id postgres >/dev/null 2>&1 || { echo 'gureum: no postgres user in /etc/passwd'; exit 1; }\n"
        "mkdir -p /var/lib/postgresql $S && chown postgres: /var/lib/postgresql $S $R && chmod 700 $R\n"
        "[ -f $R/password ] && chown postgres: $R/password\n"
        "first=\n"
        "if [ ! -s $D/PG_VERSION ]; then\n"
        "  first=1\n"
        "  runuser -u postgres -- initdb -D $D -U \"$U\" --auth-host=scram-sha-256 --auth-local=trust "
        "--pwfile=$R/password -E UTF8 --locale=C.UTF-8 > $R/initdb.log 2>&1 || { cat $R/initdb.log; exit 1; }\n"
        "  rm -f $R/password\n"
        "  printf \"listen_addresses = '*'\\nport = %%s\\nunix_socket_directories = '%%s'\\n\" $P $S >> "
        "$D/postgresql.conf\n"
        "  echo 'host all all 0.0.0.0/0 scram-sha-256' >> $D/pg_hba.conf\n"
        "fi\n"
        "grep -q " REPL_ROLE " $D/pg_hba.conf || echo 'host replication " REPL_ROLE
        " 0.0.0.0/0 scram-sha-256' >> $D/pg_hba.conf\n"
        "# a promoted read replica's data (or a snapshot of one) starts as a primary\n"
        "rm -f $D/standby.signal\n" PARAMS_INCLUDE "runuser -u postgres -- postgres -D $D -p $P" PG_LOGGING PG_WAL
        " &\n"
        "pg=$!\n"
        "i=0; until pg_isready -q -h $S -p $P; do i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.1; done\n"
        "q() { psql -X -q -h $S -p $P -U \"$U\" -d postgres -v ON_ERROR_STOP=1 \"$@\"; }\n"
        "if [ -n \"$first\" ] && [ -n \"$N\" ]; then q -c \"CREATE DATABASE \\\"$N\\\"\"; fi\n"
        "if [ -s $R/new-password ]; then\n"
        "  q -v pw=\"$(cat $R/new-password)\" <<'EOF'\n"
        "ALTER ROLE :\"USER\" PASSWORD :'pw';\n"
        "EOF\n"
        "  rm -f $R/new-password\n"
        "fi\n"
        ": > $R/ready\n"
        "echo \"gureum: postgres ready on port $P\"\n"
        "while kill -0 $pg 2>/dev/null; do\n"
        "  if [ -s $R/repl ] && [ ! -e $R/repl.ok ]; then\n"
        "    q -v pw=\"$(cat $R/repl)\" <<'EOF' && : > $R/repl.ok\n"
        "SELECT 'CREATE ROLE " REPL_ROLE " REPLICATION LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname "
        "= '" REPL_ROLE "') \\gexec\n"
        "ALTER ROLE " REPL_ROLE " PASSWORD :'pw';\n"
        "EOF\n"
        "  fi\n" CONTROL "done\n" ENDED,
        pg_bin, w->port, sh_quote(a, w->user), sh_quote(a, w->db_name ? w->db_name : ""), w->id);
}

/* The boot of a machine that follows another's server: a Multi-AZ standby
 * (standby true) or a read replica. A base backup of its source (at
 * host:host_port, reached through the machine's link) on the first, then
 * the server replaying the source's changes as they stream, on port (a
 * hot standby: a replica serves reads), until promoted. */
static const char *follower_script(arena_t *a, const row_t *w, bool standby, const char *host, int host_port)
{
    return arena_printf(
        a,
        "export PATH=%s:/usr/sbin:/usr/bin:/sbin:/bin\n"
        "cd /\n"
        "D=/var/lib/postgresql/data P=%d H=%s HP=%d U=%s R=/var/lib/rds S=/run/postgresql\n"
        "echo \"gureum: RDS instance %s (postgres) %s booting at $(date -u)\"\n"
        "rm -rf $R/ready $R/stop $R/stopped $R/promote $R/promoted $R/password " SNAPSHOT_FILES "\n"
        "id postgres >/dev/null 2>&1 || { echo 'gureum: no postgres user in /etc/passwd'; exit 1; }\n"
        "mkdir -p /var/lib/postgresql $S && chown postgres: /var/lib/postgresql $S $R && chmod 700 $R\n"
        "# data that is no standby's (a primary's, left by a failover) is made again\n"
        "[ -s $D/PG_VERSION ] && [ ! -e $D/standby.signal ] && rm -rf $D\n"
        "if [ ! -s $D/PG_VERSION ]; then\n"
        "  until [ -s $R/repl ] && runuser -u postgres -- env PGPASSWORD=\"$(cat $R/repl)\" pg_basebackup -h $H -p $HP "
        "-U " REPL_ROLE " -D $D.new -X stream -c fast > $R/basebackup.log 2>&1; do\n"
        "    rm -rf $D.new; sleep 1\n"
        "  done\n"
        "  : > $D.new/standby.signal && chown postgres: $D.new/standby.signal && mv $D.new $D\n"
        "fi\n" PARAMS_INCLUDE "# where the source is, at every boot: its port may have changed\n"
        "sed -i '/^primary_conninfo/d' $D/postgresql.auto.conf\n"
        "echo \"primary_conninfo = 'host=$H port=$HP user=" REPL_ROLE
        " password=$(cat $R/repl)'\" >> $D/postgresql.auto.conf\n"
        "runuser -u postgres -- postgres -D $D -p $P" PG_LOGGING PG_WAL " &\n"
        "pg=$!\n"
        "until pg_isready -q -h $S -p $P; do kill -0 $pg 2>/dev/null || exit 1; sleep 0.1; done\n"
        ": > $R/ready\n"
        "echo \"gureum: postgres %s replaying from $H\"\n"
        "while kill -0 $pg 2>/dev/null; do\n" CONTROL "done\n" ENDED,
        pg_bin, w->port, host, host_port, sh_quote(a, w->user), w->id, standby ? "standby" : "read replica",
        standby ? "standby" : "read replica");
}

/* MariaDB's own SQL string literal of s: quotes and backslashes escaped
 * (a master password may hold either). */
static const char *sql_quote(arena_t *a, const char *s)
{
    buf_t b;
    buf_init(&b, a);
    buf_printf(&b, "'");
    for (const char *p = s; *p; p++) buf_printf(&b, *p == '\'' || *p == '\\' ? "\\%c" : "%c", *p);
    buf_printf(&b, "'");
    str_t t = buf_str(&b);
    return arena_strndup(a, t.p, t.len);
}

/* The boot of a mariadb or mysql machine: the host's MariaDB server
 * (Debian's mariadb-server) as the user mysql, its data in /var/lib/mysql;
 * on the first boot its system tables made (root logs in over the
 * machine's local socket only, as only gureum's boot runs there) and then
 * $R/first.sql run, which makes the master user (password logins from
 * anywhere, every privilege but writing to a read-only server, as RDS's
 * master user) and the database DBName. A new master password comes as
 * $R/new-password.sql. The host's my.cnf is not read (--no-defaults): the
 * server's settings are these. The error log is $R/log/mysql-error.log
 * (logs.c), which the server (as mysql) reaches through $R: root's, but
 * open to pass through (711), the files in it kept root's alone.
 *
 * Every server keeps a binary log with global transaction ids, and
 * followers (maria_follower_script) replicate from it as REPL_ROLE; the
 * primary waits for its Multi-AZ standby to have each transaction before
 * the commit returns (semi-synchronous replication; alone, it does not
 * wait), so the standby has every committed change when it is promoted.
 * MARIA_CONTROL serves both kinds of machine: $R/snapshot, a
 * mariadb-backup of the running server, prepared so that it is the data
 * folder of the instance restored from it; $R/stop, a clean shutdown
 * once its followers have every change, also one a standby was too slow
 * to acknowledge ($R/stopped); $R/promote, a follower applies what it has received and
 * becomes a writable primary ($R/promoted). */
#define MARIA_SOCK "/run/mysqld/mysqld.sock"
#define MARIA_SETUP                                                                                                    \
    "id mysql >/dev/null 2>&1 || { echo 'gureum: no mysql user in /etc/passwd'; exit 1; }\n"                           \
    "mkdir -p $D /run/mysqld $R/log && chown mysql: $D /run/mysqld $R/log && chmod 711 $R\n"                           \
    "if [ ! -d $D/mysql ]; then\n"                                                                                     \
    "  mariadb-install-db --no-defaults --user=mysql --datadir=$D --skip-test-db "                                     \
    "--auth-root-authentication-method=socket > $R/install.log 2>&1 || { cat $R/install.log; exit 1; }\n"              \
    "fi\n"                                                                                                             \
    "# a restored snapshot's files are root's, as mariadb-backup made them\n"                                          \
    "[ \"$(stat -c %%U $D/mysql)\" = mysql ] || chown -R mysql: $D\n"                                                  \
    "q() { mariadb --no-defaults --socket=$S -uroot \"$@\"; }\n"
/* The server's command line (what follows it is added to it) */
#define MARIA_SERVER                                                                                                   \
    "mariadbd --no-defaults --user=mysql --datadir=$D --port=$P --bind-address=0.0.0.0 --socket=$S "                   \
    "--pid-file=/run/mysqld/mysqld.pid --log-error=$R/log/mysql-error.log --skip-name-resolve "                        \
    "--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci --server-id=$ID --log-bin=binlog "           \
    "--binlog-format=ROW --log-slave-updates --skip-slave-start --expire-logs-days=1 "                                 \
    "--rpl-semi-sync-master-enabled=ON --rpl-semi-sync-master-wait-no-slave=OFF --rpl-semi-sync-master-timeout=1000"
#define MARIA_UP                                                                                                       \
    "m=$!\n"                                                                                                           \
    "i=0; until q -e 'SELECT 1' >/dev/null 2>&1; do\n"                                                                 \
    "  i=$((i+1)); if [ $i -gt 1200 ] || ! kill -0 $m 2>/dev/null; then tail -20 $R/log/mysql-error.log; "             \
    "exit 1; fi; sleep 0.1\n"                                                                                          \
    "done\n"
#define MARIA_CONTROL                                                                                                  \
    SNAPSHOT_STEP("mariadb-backup --no-defaults --backup --datadir=$D --socket=$S --user=root "                        \
                  "--target-dir=$R/snap.new > $R/snapshot.log 2>&1 && mariadb-backup --no-defaults --prepare "         \
                  "--target-dir=$R/snap.new >> $R/snapshot.log 2>&1")                                                  \
    "  if [ -e $R/promote ] && [ ! -e $R/promoted ]; then\n"                                                           \
    "    io=$(q -e 'SHOW SLAVE STATUS\\G' | sed -n 's/^ *Gtid_IO_Pos: //p')\n"                                         \
    "    q -N -e \"SELECT MASTER_GTID_WAIT('$io', 120)\" >/dev/null\n"                                                 \
    "    q -e 'STOP ALL SLAVES; RESET SLAVE ALL; SET GLOBAL read_only = 0; SET GLOBAL rpl_semi_sync_slave_enabled = "  \
    "0' && rm -f $R/follows && : > $R/promoted && echo 'gureum: promoted'\n"                                           \
    "  fi\n"                                                                                                           \
    "  if [ -e $R/stop ]; then\n"                                                                                      \
    "    q -e 'SHUTDOWN WAIT FOR ALL SLAVES'; wait $m; : > $R/stopped\n"                                               \
    "    echo 'gureum: mariadb stopped for a failover'; exit 0\n"                                                      \
    "  fi\n"                                                                                                           \
    "  sleep 0.2\n"
#define MARIA_ENDED "rm -f $R/ready; : > $R/down; echo 'gureum: mariadb ended'\n"

/* A MariaDB server's id among those replicating from one another: the
 * machine's private address, unique in its VPC, as a number. */
static unsigned server_id(const char *ip)
{
    unsigned b[4] = {0};
    if (!ip || sscanf(ip, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4) return 1;
    unsigned id = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    return id ? id : 1;
}

static const char *maria_script(arena_t *a, const row_t *w)
{
    return arena_printf(
        a,
        "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
        "cd /\n"
        "D=/var/lib/mysql P=%d R=/var/lib/rds S=" MARIA_SOCK " ID=%u\n"
        "echo \"gureum: RDS instance %s (mariadb) booting at $(date -u)\"\n"
        "rm -rf $R/ready $R/password $R/stop $R/stopped $R/promote $R/promoted $R/repl.ok " SNAPSHOT_FILES
        "\n" MARIA_SETUP MARIA_SERVER " &\n" MARIA_UP
        "# a promoted read replica, or one whose source was deleted, replicates no more\n"
        "if [ -e $R/follows ]; then q -e 'STOP ALL SLAVES; RESET SLAVE ALL' && rm -f $R/follows; fi\n"
        "for f in first new-password; do\n"
        "  if [ -s $R/$f.sql ]; then q < $R/$f.sql || exit 1; fi; rm -f $R/$f.sql\n"
        "done\n"
        ": > $R/ready\n"
        "echo \"gureum: mariadb ready on port $P\"\n"
        "while kill -0 $m 2>/dev/null; do\n"
        "  if [ -s $R/repl ] && [ ! -e $R/repl.ok ]; then\n"
        "    pw=$(cat $R/repl)\n"
        "    q -e \"CREATE USER IF NOT EXISTS " REPL_ROLE "@'%%' IDENTIFIED BY '$pw'; ALTER USER " REPL_ROLE
        "@'%%' IDENTIFIED BY '$pw'; GRANT REPLICATION SLAVE, SLAVE MONITOR, BINLOG MONITOR, SELECT, RELOAD, LOCK "
        "TABLES, SHOW VIEW, EVENT, TRIGGER ON *.* TO " REPL_ROLE "@'%%'\" && : > $R/repl.ok\n"
        "  fi\n" MARIA_CONTROL "done\n" MARIA_ENDED,
        w->port, server_id(w->private_ip), w->id);
}

/* The boot of a MariaDB machine that follows another's server (see
 * follower_script): on the first, its own server made and then a dump of
 * its source's (every database, the users included, at one global
 * transaction id) loaded into it; then, at every boot, replicating from
 * the source (its address and port may have changed) as REPL_ROLE from
 * where it is, read-only. A standby acknowledges each transaction it has
 * (semi-synchronous). Data that is no follower's ($R/follows missing: a
 * primary's, left by a crash in a failover) is made again. */
static const char *maria_follower_script(arena_t *a, const row_t *w, bool standby, const char *host, int host_port)
{
    return arena_printf(
        a,
        "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
        "cd /\n"
        "D=/var/lib/mysql P=%d H=%s HP=%d R=/var/lib/rds S=" MARIA_SOCK " ID=%u\n"
        "echo \"gureum: RDS instance %s (mariadb) %s booting at $(date -u)\"\n"
        "rm -rf $R/ready $R/password $R/first.sql $R/new-password.sql $R/stop $R/stopped $R/promote "
        "$R/promoted " SNAPSHOT_FILES "\n"
        "[ -d $D/mysql ] && [ ! -e $R/follows ] && rm -rf $D\n" MARIA_SETUP MARIA_SERVER " --read-only%s &\n" MARIA_UP
        "if [ ! -e $R/follows ]; then\n"
        "  until [ -s $R/repl ] && mariadb-dump --no-defaults -h $H -P $HP -u " REPL_ROLE " -p\"$(cat $R/repl)\" "
        "--all-databases --single-transaction --gtid --master-data=1 --routines --events --triggers > $R/dump.sql "
        "2> $R/dump.log && q < $R/dump.sql; do\n"
        "    sleep 1\n"
        "  done\n"
        "  rm -f $R/dump.sql; q -e 'FLUSH PRIVILEGES' && : > $R/follows\n"
        "fi\n"
        "q -e \"STOP ALL SLAVES; CHANGE MASTER TO MASTER_HOST='$H', MASTER_PORT=$HP, MASTER_USER='" REPL_ROLE
        "', MASTER_PASSWORD='$(cat $R/repl)', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE\" || "
        "exit 1\n"
        ": > $R/ready\n"
        "echo \"gureum: mariadb %s replicating from $H\"\n"
        "while kill -0 $m 2>/dev/null; do\n" MARIA_CONTROL "done\n" MARIA_ENDED,
        w->port, host, host_port, server_id(standby ? w->standby_ip : w->private_ip), w->id,
        standby ? "standby" : "read replica", standby ? " --rpl-semi-sync-slave-enabled=ON" : "",
        standby ? "standby" : "read replica");
}

/* The SQL a MariaDB server runs at its next boot (maria_script): on the
 * first, the master user and database; later, a new master password. */
static bool maria_sql(arena_t *a, struct app *app, const row_t *w, int node, bool first)
{
    const char *user = arena_printf(a, "'%s'@'%%'", w->user), *pw = sql_quote(a, w->password ? w->password : "");
    const char *sql =
        first ? arena_printf(a,
                             "CREATE USER %s IDENTIFIED BY %s;\nGRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT "
                             "OPTION;\nREVOKE READ_ONLY ADMIN ON *.* FROM %s;\n%s",
                             user, pw, user, user,
                             w->db_name && *w->db_name ? arena_printf(a, "CREATE DATABASE `%s`;\n", w->db_name) : "")
              : arena_printf(a, "ALTER USER %s IDENTIFIED BY %s;\n", user, pw);
    return write_file(rds_file(a, app, w, node, first ? "first.sql" : "new-password.sql"), sql, 0600);
}

/* The instance's DB parameter group written for the server of node
 * ($R/params.conf, which its configuration includes): one line a
 * parameter, its value quoted as PostgreSQL quotes; empty for the default
 * group. */
static bool write_params(arena_t *a, struct app *app, const row_t *w, int node)
{
    buf_t b;
    buf_init(&b, a);
    buf_printf(&b, "# the DB parameter group %s, written by gureum\n", w->param_group ? w->param_group : "(default)");
    sqlite3 *db = rds__db(app);
    sqlite3_stmt *st = db && w->param_group ? store_stmt(db, "SELECT name, value FROM db_param WHERE account = ?1 AND "
                                                             "region = ?2 AND grp = ?3 ORDER BY name")
                                            : NULL;
    if (st) {
        sqlite3_bind_text(st, 1, w->acct, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->reg, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, w->param_group, -1, SQLITE_STATIC);
    }
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        buf_printf(&b, "%s = '", (const char *)sqlite3_column_text(st, 0));
        for (const char *v = (const char *)sqlite3_column_text(st, 1); *v; v++) {
            if (*v == '\n' || *v == '\r') continue;
            buf_printf(&b, *v == '\'' ? "''" : *v == '\\' ? "\\\\" : "%c", *v);
        }
        buf_printf(&b, "'\n");
    }
    if (st) store_release(st);
    str_t t = buf_str(&b);
    const char *path = rds_file(a, app, w, node, "params.conf"), *tmp = arena_printf(a, "%s.new", path);
    /* whole or not at all: the server may read it at any time */
    return write_file(tmp, arena_strndup(a, t.p, t.len), 0644) && rename(tmp, path) == 0;
}

/* Makes the folder that holds path (mkdir -p of its parent). */
static bool make_parent(arena_t *a, const char *path)
{
    const char *md[] = {"/bin/mkdir", "-p", arena_printf(a, "%.*s", (int)(strrchr(path, '/') - path), path), NULL};
    return mach_run(md) == 0;
}

/* Folder to becomes a copy of folder from (cp -a), whole or not at all:
 * copied beside it as to.new, then renamed; what a crash left of either
 * is removed first. */
static bool copy_tree(arena_t *a, const char *from, const char *to)
{
    const char *tmp = arena_printf(a, "%s.new", to);
    mach_tree_remove(tmp);
    mach_tree_remove(to);
    const char *cp[] = {"/bin/cp", "-a", from, tmp, NULL};
    return make_parent(a, to) && mach_run(cp) == 0 && rename(tmp, to) == 0;
}

/* A restored instance's data, made once: a copy of its DB snapshot's. */
static bool restore(arena_t *a, struct app *app, const row_t *w, int node)
{
    const char *data = data_of(a, app, w, node);
    if (access(arena_printf(a, "%s/%s", data, w->maria ? "mysql" : "PG_VERSION"), F_OK) == 0) return true;
    return copy_tree(a, rds__snapshot_dir(a, app, w->snapshot_acct, w->reg, w->snapshot), data);
}

/* The source a read replica follows, as its machine is booted for it. */
static const char *upstream(arena_t *a, const row_t *w)
{
    return arena_printf(a, "%s:%d", w->src_ip ? w->src_ip : "", w->src_port);
}

/* Boots the primary (standby false; a read replica's is its server) or the
 * standby of w, on its node. */
static pid_t boot(arena_t *a, struct app *app, const row_t *w, bool standby)
{
    int node = standby ? 1 - w->node : w->node;
    const char *dir = dir_of(a, app, w, node);
    if (!standby && !strcmp(w->status, "resetting-master-credentials") && w->password) {
        if (access(arena_printf(a, "%s/disk", dir), F_OK) == 0 &&
            !(w->maria ? maria_sql(a, app, w, node, false)
                       : write_file(rds_file(a, app, w, node, "new-password"), w->password, 0600)))
            return -1;
    }
    const char *md[] = {"/bin/mkdir", "-p", dir, NULL};
    if (mach_run(md) != 0) return -1;
    const char *console = arena_printf(a, "%s/console.log", dir);
    if (!mach_supported() || !rds__engine(str_c(w->maria ? "mariadb" : "postgres"))) {
        log_error("rds: %s cannot run: %s", w->id,
                  !mach_supported() ? "this host runs no machines (root and namespaces)"
                  : w->maria        ? "no MariaDB server"
                                    : "no PostgreSQL server");
        return 0;
    }
    if (!make_disk(a, dir, w)) {
        log_error("rds: cannot make the disk of %s", w->id);
        return -1;
    }
    if (!standby && w->snapshot && !restore(a, app, w, node)) {
        log_error("rds: cannot copy DB snapshot %s for %s", w->snapshot, w->id);
        return -1;
    }
    /* a new MariaDB server's master user and database */
    if (w->maria && !w->snapshot && !strcmp(w->status, "creating") &&
        access(arena_printf(a, "%s/mysql", data_of(a, app, w, node)), F_OK) != 0 && !maria_sql(a, app, w, node, true))
        return -1;
    unlink(rds_file(a, app, w, node, "ready"));
    unlink(rds_file(a, app, w, node, "down"));
    if (!write_params(a, app, w, node)) return -1;
    if (w->secret && !write_file(rds_file(a, app, w, node, "repl"), w->secret, 0600)) return -1;
    const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", NULL};
    int link = -1;
    bool replica = !standby && w->replica_of;
    const char *src_ip = w->src_ip ? w->src_ip : "";
    const char *script = w->maria  ? (standby   ? maria_follower_script(a, w, true, w->private_ip, w->port)
                                      : replica ? maria_follower_script(a, w, false, src_ip, w->src_port)
                                                : maria_script(a, w))
                         : standby ? follower_script(a, w, true, w->private_ip, w->port)
                         : replica ? follower_script(a, w, false, src_ip, w->src_port)
                                   : boot_script(a, w);
    mach_spec_t s = {.disk = arena_printf(a, "%s/disk", dir),
                     .mnt = arena_printf(a, "%s/mnt", dir),
                     .hostname = w->rid,
                     .ipv4 = standby ? w->standby_ip : w->private_ip,
                     .console = console,
                     .boot = script,
                     .envp = envp,
                     .link = standby || replica ? &link : NULL};
    pid_t pid = 0;
    if (mach_start(&s, &pid) != GR_OK) return -1;
    const char *key = standby ? arena_printf(a, "%s" STANDBY, w->rid) : w->rid;
    pthread_mutex_lock(&mu);
    running_t *m = find(key);
    if (!m && nrunning < MAX_RUNNING) {
        m = &running[nrunning++];
        snprintf(m->key, sizeof m->key, "%s", key);
        m->link = -1;
    }
    running_gen++;
    if (m) {
        m->pid = pid;
        m->cpu_s = -1;
        m->port = w->port;
        m->replica = replica;
        snprintf(m->up, sizeof m->up, "%s", replica ? upstream(a, w) : "");
        snprintf(m->params, sizeof m->params, "%s", w->param_key);
        snprintf(m->booted_for, sizeof m->booted_for, "%s", w->status);
        if (m->link >= 0) close(m->link);
        m->link = link;
    } else if (link >= 0)
        close(link);
    pthread_mutex_unlock(&mu);
    if (standby) {
        log_info("rds: %s standby booted (machine %d, %s)", w->id, (int)pid, w->standby_ip);
        return pid;
    }
    int port = w->port;
    fwd_set(w->rid, w->address, &port, 1, pid, w->private_ip);
    log_info("rds: %s booted (machine %d, endpoint %s:%d)", w->id, (int)pid, w->address, w->port);
    return pid;
}

static bool ready(arena_t *a, struct app *app, const row_t *w)
{
    return access(rds_file(a, app, w, w->node, "ready"), F_OK) == 0;
}

/* Whether the machine of node (pid) still runs its server: the machine is
 * up and its boot has not seen the server end (ENDED). */
static bool serving(arena_t *a, struct app *app, const row_t *w, int node, pid_t pid)
{
    return pid > 0 && mach_running(pid) && access(rds_file(a, app, w, node, "down"), F_OK) != 0;
}

/* Runs sql with ?1..?4 the instance's account, region, id and status and
 * ?5 and ?6 the strings a5 and a6 (NULL: none): whether it ran. */
static bool set_with(sqlite3 *db, const row_t *w, const char *sql, const char *a5, const char *a6)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return false;
    const char *v[] = {w->acct, w->reg, w->id, w->status, a5, a6};
    for (int i = 0; i < 6; i++)
        if (v[i] && i < sqlite3_bind_parameter_count(st)) sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}

static bool set(sqlite3 *db, const row_t *w, const char *sql)
{
    return set_with(db, w, sql, NULL, NULL);
}

const char *rds__secret(arena_t *a)
{
    unsigned char raw[16];
    id_random_bytes(raw, sizeof raw);
    char *hex = arena_alloc(a, 33);
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return hex;
}

/* The link of machine key (a standby or a replica) kept to the server of
 * machine pid (none: -1) at ip:port, which it reaches at ip. */
static void link_to(const char *key, const char *ip, pid_t pid, int port)
{
    pthread_mutex_lock(&mu);
    running_t *m = find(key);
    int link = m ? m->link : -1;
    pthread_mutex_unlock(&mu);
    if (link < 0) return;
    fwd_link_t l = {.to = {.pid = pid, .port = port}};
    snprintf(l.at, sizeof l.at, "%s", ip);
    snprintf(l.to.ip, sizeof l.to.ip, "%s", ip);
    fwd_link_set(key, link, &l, pid > 0 ? 1 : 0);
}

/* A DB parameter group changed since the running server's boot (or its
 * last change): written again for the primary and the standby, whose
 * servers reload it (CONTROL): dynamic parameters apply now, static ones
 * at the next boot. */
static void params_tick(arena_t *a, struct app *app, const row_t *w)
{
    const char *key = w->param_key;
    pthread_mutex_lock(&mu);
    running_t *m = find(w->rid);
    bool moved = m && strcmp(m->params, key) != 0;
    if (moved) snprintf(m->params, sizeof m->params, "%s", key);
    pthread_mutex_unlock(&mu);
    if (!moved) return;
    for (int node = 0; node < 2; node++) {
        if (node != w->node && !w->standby_ip) continue;
        if (access(arena_printf(a, "%s/disk", dir_of(a, app, w, node)), F_OK) != 0) continue;
        if (write_params(a, app, w, node)) write_file(rds_file(a, app, w, node, "reload"), "", 0600);
    }
    log_info("rds: %s: DB parameter group %s written again", w->id, w->param_group ? w->param_group : "(default)");
}

/* The standby of a Multi-AZ instance (w->standby_ip set) that runs: booted
 * when it is not, its link kept to the primary's machine as that
 * changes; the replication password made the first time and given to the
 * primary. Without standby_ip, a standby that ran is ended and its node
 * removed. */
static void standby_tick(arena_t *a, struct app *app, sqlite3 *db, row_t *w)
{
    const char *key = arena_printf(a, "%s" STANDBY, w->rid);
    pid_t pid = pid_of(key);
    if (w->standby_ip && !w->secret) {
        w->secret = rds__secret(a);
        if (!set_with(db, w, "UPDATE db_instance SET repl_secret = ?5 WHERE account = ?1 AND region = ?2 AND id = ?3",
                      w->secret, NULL))
            return;
    }
    /* the running primary takes the role when the file appears, for its
     * standby or its read replicas (a replica's server has it already, as
     * it has all its source's data) */
    const char *repl = rds_file(a, app, w, w->node, "repl");
    if (w->secret && !w->replica_of && access(arena_printf(a, "%s/disk", dir_of(a, app, w, w->node)), F_OK) == 0 &&
        access(repl, F_OK) != 0)
        write_file(repl, w->secret, 0600);
    if (!w->standby_ip) {
        if (pid >= 0) forget(key);
        if (access(arena_printf(a, "%s/disk", dir_of(a, app, w, 1 - w->node)), F_OK) == 0)
            node_remove(a, app, w, 1 - w->node);
        return;
    }
    /* a new port: the standby's server is started again on it */
    pthread_mutex_lock(&mu);
    running_t *was = find(key);
    bool moved = was && was->port != w->port;
    pthread_mutex_unlock(&mu);
    if (moved) {
        forget(key);
        pid = -1;
    }
    if (!serving(a, app, w, 1 - w->node, pid)) {
        if (pid > 0) forget(key);
        pid = boot(a, app, w, true);
        if (pid <= 0) return;
    }
    link_to(key, w->private_ip, pid_of(w->rid), w->port);
}

/* A read replica's link kept to its source's machine as that changes (a
 * source rebooted); one whose source moved is booted again (rds_tick). */
static void replica_tick(const row_t *w)
{
    if (w->replica_of && w->src_rid && w->src_ip) link_to(w->rid, w->src_ip, pid_of(w->src_rid), w->src_port);
}

/* Records an event of w (events.c): of the instance, or of its DB
 * snapshot snap when snap is set. */
static void event(struct app *app, sqlite3 *db, arena_t *a, const row_t *w, const char *snap, const char *category,
                  const char *event_id, const char *message)
{
    rds__event_t e = {w->acct, w->reg, snap ? "db-snapshot" : "db-instance", snap ? snap : w->id, category, event_id};
    rds__event(app, db, a, &e, "%s", message);
}

/* Whether w's standby has its server ready (the machine may have ended
 * since). */
static bool standby_up(arena_t *a, struct app *app, const row_t *w)
{
    return access(rds_file(a, app, w, 1 - w->node, "ready"), F_OK) == 0;
}

/* Whether w's standby runs with its server ready. */
static bool standby_ready(arena_t *a, struct app *app, const row_t *w)
{
    pid_t pid = pid_of(arena_printf(a, "%s" STANDBY, w->rid));
    return serving(a, app, w, 1 - w->node, pid) && standby_up(a, app, w);
}

/* A forced failover, over ticks: the primary stops cleanly (its standby
 * then has every committed change), the standby is promoted, and the two
 * swap: the instance's zone, address and node are the standby's, the old
 * primary's node is removed to come back as the new standby. Without a
 * standby it is a plain reboot; one still making its copy is waited for.
 * True while under way. */
static bool failover_tick(arena_t *a, struct app *app, sqlite3 *db, row_t *w)
{
    const char *key = arena_printf(a, "%s" STANDBY, w->rid);
    int other = 1 - w->node;
    pid_t primary = pid_of(w->rid), standby = pid_of(key);
    bool copy_ready = standby > 0 && standby_up(a, app, w);
    const char *stop = rds_file(a, app, w, w->node, "stop"), *promote = rds_file(a, app, w, other, "promote");
    if (!copy_ready && access(promote, F_OK) != 0) {
        if (serving(a, app, w, other, standby)) return true; /* still making its copy */
        log_warn("rds: %s has no ready standby: rebooting without a failover", w->id);
        set(db, w,
            "UPDATE db_instance SET failover = 0 WHERE account = ?1 AND region = ?2 AND id = ?3 AND ?4 IS NOT NULL");
        return false;
    }
    if (access(rds_file(a, app, w, other, "promoted"), F_OK) == 0) {
        forget(w->rid);
        /* after the swap: a crash between the two leaves a data folder
         * the standby's boot makes again (see follower_script) */
        if (set(db, w,
                "UPDATE db_instance SET node = 1 - node, failover = 0, private_ip = standby_ip, standby_ip = "
                "private_ip, zone = second_zone, second_zone = zone WHERE account = ?1 AND region = ?2 AND id = ?3 "
                "AND status = ?4"))
            node_remove(a, app, w, w->node);
        /* the standby's machine is the primary now: its entry, its link
         * no longer needed, the endpoint forwarded to it */
        pthread_mutex_lock(&mu);
        running_t *m = find(key);
        int link = -1;
        if (m) {
            snprintf(m->key, sizeof m->key, "%s", w->rid);
            snprintf(m->booted_for, sizeof m->booted_for, "%s", w->status);
            link = m->link;
            m->link = -1;
        }
        running_gen++;
        pthread_mutex_unlock(&mu);
        if (link >= 0) {
            fwd_link_set(key, -1, NULL, 0);
            close(link);
        }
        int port = w->port;
        fwd_set(w->rid, w->address, &port, 1, standby, w->standby_ip);
        log_info("rds: %s failed over to %s (machine %d)", w->id, w->standby_ip, (int)standby);
        event(app, db, a, w, NULL, "failover", "RDS-EVENT-0015",
              "A Multi-AZ failover that resulted in the promotion of a standby instance is complete. It may take "
              "several minutes for the DNS to transfer to the new primary DB instance.");
        return true;
    }
    if (access(stop, F_OK) != 0) {
        write_file(stop, "", 0600);
        event(app, db, a, w, NULL, "failover", "RDS-EVENT-0013",
              "A Multi-AZ failover that resulted in the promotion of a standby instance has started.");
    } else if (access(rds_file(a, app, w, w->node, "stopped"), F_OK) == 0 || !serving(a, app, w, w->node, primary)) {
        if (access(promote, F_OK) != 0) write_file(promote, "", 0600);
    }
    return true;
}

/* ==== DB snapshots ==== */

enum { COLLECT_MAX = 16, COLLECT_COLS = 5 };

/* Up to COLLECT_MAX rows of st's first ncols text columns, copied into c,
 * st released; their number. Collected before the caller changes the
 * table: SQLite leaves a SELECT's results undefined when its connection
 * changes the table meanwhile. The rest waits for the next tick. */
static size_t collect(arena_t *a, sqlite3_stmt *st, const char *c[][COLLECT_COLS], int ncols)
{
    size_t n = 0;
    while (st && n < COLLECT_MAX && sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < ncols; i++) c[n][i] = arena_strdup(a, (const char *)sqlite3_column_text(st, i));
        n++;
    }
    if (st) store_release(st);
    return n;
}

/* Sets DB snapshot snap of w's account and region to status. */
static void snap_set(sqlite3 *db, const row_t *w, const char *snap, const char *status)
{
    set_with(db, w, "UPDATE db_snapshot SET status = ?6 WHERE account = ?1 AND region = ?2 AND id = ?5", snap, status);
}

/* An instance backing up (CreateDBSnapshot) is available again once no
 * snapshot of it is still being taken. */
static void backed_up(sqlite3 *db, const row_t *w)
{
    set(db, w,
        "UPDATE db_instance SET status = 'available' WHERE account = ?1 AND region = ?2 AND id = ?3 AND status = "
        "'backing-up' AND NOT EXISTS (SELECT 1 FROM db_snapshot WHERE account = ?1 AND region = ?2 AND instance_id = "
        "?3 AND status = 'creating')");
}

/* The oldest DB snapshot of w still being taken, taken over ticks: the
 * running primary (machine pid) asked for a base backup (the boot script's
 * CONTROL), which then becomes the snapshot's copy; a primary not
 * running (an instance being deleted) is booted for it. True while one is
 * under way, the machine still booting included. */
static bool snapshot_tick(arena_t *a, struct app *app, sqlite3 *db, const row_t *w, pid_t pid)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id, created_ms FROM db_snapshot WHERE account = ?1 AND region = ?2 AND "
                                      "instance_id = ?3 AND status = 'creating' ORDER BY created_ms, id LIMIT 1");
    if (!st) return false;
    sqlite3_bind_text(st, 1, w->acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, w->reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->id, -1, SQLITE_STATIC);
    bool row = sqlite3_step(st) == SQLITE_ROW;
    const char *snap = row ? arena_strdup(a, (const char *)sqlite3_column_text(st, 0)) : NULL;
    int64_t asked_ms = row ? sqlite3_column_int64(st, 1) : 0;
    store_release(st);
    if (!snap) {
        backed_up(db, w);
        return false;
    }
    /* A snapshot waits for its server, but not forever: one whose server
     * never comes up fails, and the instance goes on without it (a deleted
     * one is deleted rather than left deleting, one backing up is
     * available again rather than left backing-up). */
    int64_t waited = time_now_us() / 1000 - asked_ms;
    if (waited > SNAPSHOT_WAIT_MS && !(serving(a, app, w, w->node, pid) && ready(a, app, w))) {
        snap_set(db, w, snap, "failed");
        backed_up(db, w);
        log_error("rds: DB snapshot %s of %s failed: its server did not come up", snap, w->id);
        return false;
    }
    if (!serving(a, app, w, w->node, pid)) {
        /* a primary that ended while backing up is failed over or booted
         * again by rds_tick's next turn (had it ended since this turn
         * looked, booting it here would forgo the failover to its standby) */
        if (strcmp(w->status, "deleting") != 0) return true;
        /* a stopped instance deleted with a final snapshot */
        if (pid > 0) forget(w->rid);
        if (boot(a, app, w, false) == 0) { /* this host runs no machines: nothing to copy */
            snap_set(db, w, snap, "failed");
            return false;
        }
        return true;
    }
    if (!ready(a, app, w) || waited < SNAPSHOT_DELAY_MS) return true;
    const char *ask = rds_file(a, app, w, w->node, "snapshot"), *done = rds_file(a, app, w, w->node, "snapshot.done");
    if (access(done, F_OK) != 0) {
        if (access(ask, F_OK) != 0) write_file(ask, snap, 0600);
        return true;
    }
    const char *failed = rds_file(a, app, w, w->node, "snapshot.failed");
    const char *to = rds__snapshot_dir(a, app, w->acct, w->reg, snap);
    mach_tree_remove(to);
    bool ok = access(failed, F_OK) != 0 && make_parent(a, to) && rename(rds_file(a, app, w, w->node, "snap"), to) == 0;
    snap_set(db, w, snap, ok ? "available" : "failed");
    backed_up(db, w);
    /* the ask first, so the machine does not see it without its answer */
    unlink(ask);
    unlink(failed);
    unlink(done);
    if (ok) {
        log_info("rds: DB snapshot %s of %s taken", snap, w->id);
        event(app, db, a, w, snap, "creation", NULL, "Manual snapshot created");
    } else
        log_error("rds: DB snapshot %s of %s could not be taken (see its console)", snap, w->id);
    return true;
}

/* DB snapshots DeleteDBSnapshot took: their copies removed, once no
 * instance being restored from one, nor a copy being made, still reads
 * it; and snapshots (not copies) whose instance is gone (taken by none)
 * failed. */
static void snapshot_sweep(arena_t *a, struct app *app, sqlite3 *db)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT account, region, id FROM db_snapshot s WHERE status = 'deleted' AND NOT "
                       "EXISTS (SELECT 1 FROM db_instance i WHERE coalesce(i.snapshot_account, i.account) = "
                       "s.account AND i.region = s.region AND i.snapshot = s.id AND i.status = 'creating') AND "
                       "NOT EXISTS (SELECT 1 FROM db_snapshot c WHERE coalesce(c.source_account, c.account) = "
                       "s.account AND c.status = 'creating' AND c.source = s.region || '/' || s.id)");
    const char *c[COLLECT_MAX][COLLECT_COLS];
    size_t n = collect(a, st, c, 3);
    for (size_t k = 0; k < n; k++) {
        mach_tree_remove(rds__snapshot_dir(a, app, c[k][0], c[k][1], c[k][2]));
        row_t w = {.acct = c[k][0], .reg = c[k][1]};
        set_with(db, &w, "DELETE FROM db_snapshot WHERE account = ?1 AND region = ?2 AND id = ?5", c[k][2], NULL);
    }
    store_exec(db, "UPDATE db_snapshot SET status = 'failed' WHERE status = 'creating' AND source IS NULL AND NOT "
                   "EXISTS (SELECT 1 FROM db_instance i WHERE i.account = db_snapshot.account AND i.region = "
                   "db_snapshot.region AND i.id = db_snapshot.instance_id)");
}

/* Copies of DB snapshots (CopyDBSnapshot) being made: the source's copy
 * copied into the new snapshot's folder, which is then available. True
 * when one was made. */
static bool snapshot_copies(arena_t *a, struct app *app, sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, id, source, coalesce(source_account, account) FROM "
                                      "db_snapshot WHERE status = 'creating' AND source IS NOT NULL");
    const char *c[COLLECT_MAX][COLLECT_COLS];
    size_t n = collect(a, st, c, 5);
    for (size_t k = 0; k < n; k++) {
        const char *acct = c[k][0], *reg = c[k][1], *id = c[k][2], *src = c[k][3], *slash = strchr(src, '/');
        if (!slash) continue;
        const char *from = rds__snapshot_dir(a, app, c[k][4], arena_strndup(a, src, (size_t)(slash - src)), slash + 1);
        bool ok = copy_tree(a, from, rds__snapshot_dir(a, app, acct, reg, id));
        row_t w = {.acct = acct, .reg = reg};
        snap_set(db, &w, id, ok ? "available" : "failed");
        if (ok) {
            log_info("rds: DB snapshot %s copied from %s", id, src);
            rds__event_t e = {acct, reg, "db-snapshot", id, "creation", NULL};
            rds__event(app, db, a, &e, "%s", "Manual snapshot created");
        } else
            log_error("rds: DB snapshot %s could not be copied from %s", id, src);
    }
    return n > 0;
}

/* The event of an instance becoming available, by the status it left. */
static void became_available(struct app *app, sqlite3 *db, arena_t *a, const row_t *w)
{
    const char *s = w->status;
    if (!strcmp(s, "creating") && w->snapshot)
        event(app, db, a, w, NULL, "notification", "RDS-EVENT-0043",
              arena_printf(a, "Restored from snapshot %s", w->snapshot));
    else if (!strcmp(s, "creating"))
        event(app, db, a, w, NULL, "creation", "RDS-EVENT-0005", "DB instance created");
    else if (!strcmp(s, "starting"))
        event(app, db, a, w, NULL, "notification", "RDS-EVENT-0088", "DB instance started");
    else if (!strcmp(s, "rebooting"))
        event(app, db, a, w, NULL, "availability", "RDS-EVENT-0006", "DB instance restarted");
    else if (!strcmp(s, "resetting-master-credentials"))
        event(app, db, a, w, NULL, "configuration change", "RDS-EVENT-0016", "Reset master credentials");
}

/* ==== CloudWatch metrics ==== */

static _Thread_local int64_t du_bytes;
static int du_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path, (void)ftw;
    if (flag == FTW_F) du_bytes += (int64_t)sb->st_blocks * 512;
    return 0;
}

/* The established TCP connections to port in the network of machine pid
 * (its /proc/PID/net/tcp and tcp6), -1 when unreadable. */
static int connections(pid_t pid, int port)
{
    int n = -1;
    for (int v6 = 0; v6 < 2; v6++) {
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%d/net/tcp%s", (int)pid, v6 ? "6" : "");
        FILE *f = fopen(path, "re");
        if (!f) continue;
        if (n < 0) n = 0;
        while (fgets(line, sizeof line, f)) {
            /* "  0: 0A006407:0CEA 0A006401:D2C4 01 ..." local, remote, state */
            char local[64];
            unsigned state;
            const char *colon;
            if (sscanf(line, " %*d: %63s %*s %x", local, &state) != 2 || !(colon = strrchr(local, ':'))) continue;
            if (state == 1 && strtol(colon + 1, NULL, 16) == port) n++;
        }
        fclose(f);
    }
    return n;
}

/* AWS/RDS metrics of each running instance, per DBInstanceIdentifier,
 * once a flush period: CPUUtilization, the share of its class's vCPUs its
 * machine's processes used since the last sample; FreeStorageSpace, its
 * AllocatedStorage less what its data takes on disk; DatabaseConnections,
 * the connections its server has (its standby's and replicas' included). */
static void sample_metrics(arena_t *a, struct app *app, const row_t *rows, size_t n)
{
    static int64_t last_us;
    int64_t now = time_now_us();
    if (now - last_us < (int64_t)pubm_period_ms() * 1000) return;
    last_us = now;
    for (size_t i = 0; i < n; i++) {
        const row_t *w = &rows[i];
        pid_t pid = pid_of(w->rid);
        if (pid <= 0 || !ready(a, app, w)) continue;
        pubm_dim_t dims[] = {{"DBInstanceIdentifier", str_c(w->id)}};
        double cpu = mach_cpu_seconds(pid);
        pthread_mutex_lock(&mu);
        running_t *m = find(w->rid);
        double prev = m ? m->cpu_s : -1;
        int64_t prev_us = m ? m->cpu_us : 0;
        if (m) m->cpu_s = cpu, m->cpu_us = now;
        pthread_mutex_unlock(&mu);
        const char *cls = w->cls && !strncmp(w->cls, "db.", 3) ? w->cls + 3 : "";
        double pct = ec2_cpu_percent(cls, cpu, prev, now, prev_us);
        if (pct >= 0)
            pubm_add(app, str_c(w->acct), str_c(w->reg), "AWS/RDS", "CPUUtilization", dims, 1, "Percent", pct, false);
        int conns = connections(pid, w->port);
        if (conns >= 0)
            pubm_add(app, str_c(w->acct), str_c(w->reg), "AWS/RDS", "DatabaseConnections", dims, 1, "Count", conns,
                     false);
        du_bytes = 0;
        if (nftw(data_of(a, app, w, w->node), du_one, 16, FTW_PHYS) == 0) {
            double free_bytes = (double)w->storage * 1073741824.0 - (double)du_bytes;
            pubm_add(app, str_c(w->acct), str_c(w->reg), "AWS/RDS", "FreeStorageSpace", dims, 1, "Bytes",
                     free_bytes < 0 ? 0 : free_bytes, false);
        }
    }
}

unsigned rds_tick(struct app *app)
{
    sqlite3 *db = rds__db(app);
    if (!db) return 0;
    arena_t *a = arena_new(0);
    sqlite3_stmt *st =
        store_stmt(db, "SELECT i.account, i.region, i.id, i.resource_id, i.status, i.master_user, i.password, "
                       "i.db_name, i.address, i.private_ip, i.port, i.standby_ip, i.repl_secret, i.node, i.failover, "
                       "i.snapshot, coalesce(i.snapshot_account, i.account), i.replica_of, s.resource_id, "
                       "s.private_ip, s.port, i.param_group, i.param_group || '@' || (SELECT g.version FROM "
                       "db_param_group g WHERE g.account = i.account AND g.region = i.region AND g.name = "
                       "i.param_group), i.engine, i.class, i.storage FROM db_instance i LEFT JOIN db_instance s ON "
                       "s.account = i.account AND "
                       "s.region = i.region AND s.id = i.replica_of");
    row_t rows[MAX_RUNNING];
    size_t n = 0;
    while (st && n < MAX_RUNNING && sqlite3_step(st) == SQLITE_ROW) {
        const char *c[25];
        for (int i = 0; i < 25; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
        }
        rows[n++] = (row_t){.acct = c[0],
                            .reg = c[1],
                            .id = c[2],
                            .rid = c[3],
                            .status = c[4],
                            .user = c[5],
                            .password = c[6],
                            .db_name = c[7],
                            .address = c[8],
                            .private_ip = c[9],
                            .port = sqlite3_column_int(st, 10),
                            .standby_ip = c[11],
                            .secret = c[12],
                            .node = sqlite3_column_int(st, 13),
                            .failover = sqlite3_column_int(st, 14),
                            .snapshot = c[15],
                            .snapshot_acct = c[16],
                            .replica_of = c[17],
                            .src_rid = c[18],
                            .src_ip = c[19],
                            .src_port = sqlite3_column_int(st, 20),
                            .param_group = c[21],
                            .param_key = c[22] ? c[22] : "",
                            .maria = c[23] && strcmp(c[23], "postgres") != 0,
                            .cls = c[24],
                            .storage = sqlite3_column_int64(st, 25)};
    }
    if (st) store_release(st);
    snapshot_sweep(a, app, db);
    bool busy = snapshot_copies(a, app, db);
    for (size_t i = 0; i < n; i++) {
        row_t *w = &rows[i];
        const char *s = w->status;
        const char *skey = arena_printf(a, "%s" STANDBY, w->rid);
        pid_t pid = pid_of(w->rid);
        bool up = serving(a, app, w, w->node, pid);
        /* modifying: a read replica promoted (replica.c), booted again as a
         * primary */
        bool waking = !strcmp(s, "creating") || !strcmp(s, "starting") || !strcmp(s, "rebooting") ||
                      !strcmp(s, "resetting-master-credentials") || !strcmp(s, "modifying");
        /* an instance being deleted: its final snapshot first */
        if (!strcmp(s, "deleting") && snapshot_tick(a, app, db, w, pid)) {
            busy = true;
            continue;
        }
        if (!strcmp(s, "stopping") || !strcmp(s, "deleting")) {
            forget(w->rid);
            forget(skey);
            if (!strcmp(s, "stopping")) {
                if (set(db, w,
                        "UPDATE db_instance SET status = 'stopped' WHERE account = ?1 AND region = ?2 AND id = ?3 "
                        "AND status = ?4") &&
                    sqlite3_changes(db) > 0)
                    event(app, db, a, w, NULL, "notification", "RDS-EVENT-0087", "DB instance stopped");
            } else {
                mach_tree_remove(dir_of(a, app, w, 0));
                set(db, w,
                    "DELETE FROM db_instance_sg WHERE account = ?1 AND region = ?2 AND db_id = ?3 AND ?4 "
                    "IS NOT NULL");
                sqlite3_stmt *t = store_stmt(db, "DELETE FROM tag WHERE arn = ?1");
                if (t) {
                    sqlite3_bind_text(t, 1, rds__arn_of(a, str_c(w->reg), str_c(w->acct), "db", str_c(w->id)), -1,
                                      SQLITE_STATIC);
                    sqlite3_step(t);
                    store_release(t);
                }
                if (set(db, w,
                        "DELETE FROM db_instance WHERE account = ?1 AND region = ?2 AND id = ?3 AND status = ?4") &&
                    sqlite3_changes(db) > 0)
                    event(app, db, a, w, NULL, "deletion", "RDS-EVENT-0003", "DB instance deleted");
            }
            busy = true;
            continue;
        }
        if (!strcmp(s, "stopped")) continue;
        /* Multi-AZ: a primary whose machine ended by itself fails over to a
         * ready standby, as RDS fails over when the primary fails (the
         * instance stays available, or backing-up: its snapshot is then
         * taken from the new primary); without one it is booted again in
         * place, below */
        bool serves = !strcmp(s, "available") || !strcmp(s, "backing-up");
        if (serves && !w->failover && w->standby_ip && pid > 0 && !up && standby_ready(a, app, w)) {
            log_warn("rds: the primary of %s ended: failing over to its standby", w->id);
            w->failover = set(db, w,
                              "UPDATE db_instance SET failover = 1 WHERE account = ?1 AND region = ?2 AND id = ?3 AND "
                              "status = ?4");
        }
        if (w->failover && (!strcmp(s, "rebooting") || serves) && pid > 0) {
            if (failover_tick(a, app, db, w)) {
                busy = true;
                continue;
            }
            w->failover = 0;
        }
        /* a reboot or a new password: boot again, once for the change;
         * a server that died: boot again too */
        bool restart = !strcmp(s, "rebooting") || !strcmp(s, "resetting-master-credentials");
        pthread_mutex_lock(&mu);
        running_t *m = find(w->rid);
        bool done = m && !strcmp(m->booted_for, s);
        /* booted as what it no longer is: a read replica promoted, or one
         * whose source has moved (a new port, a failover) */
        bool stale =
            m && (m->replica != (w->replica_of != NULL) || (w->replica_of && strcmp(m->up, upstream(a, w)) != 0));
        pthread_mutex_unlock(&mu);
        if (((restart && !done) || stale) && up && pid > 0) {
            forget(w->rid);
            up = false;
            pid = -1;
            /* a standby booted before its group's last change boots again
             * with the primary, so that both run its static parameters
             * (PostgreSQL's standby needs some at least as high as its
             * primary's) */
            pthread_mutex_lock(&mu);
            running_t *sb = find(skey);
            bool behind = sb && strcmp(sb->params, w->param_key) != 0;
            pthread_mutex_unlock(&mu);
            if (behind) forget(skey);
        }
        if (!up || pid < 0) {
            if (pid > 0) forget(w->rid); /* a machine whose server ended */
            pid = boot(a, app, w, false);
            busy = true;
            if (pid <= 0) continue;
            /* booted with its parameter group as it is now */
            set(db, w, "UPDATE db_instance SET param_status = NULL WHERE account = ?1 AND region = ?2 AND id = ?3");
        } else if (waking && ready(a, app, w)) {
            if (set(db, w,
                    "UPDATE db_instance SET status = 'available', password = NULL WHERE account = ?1 AND region = "
                    "?2 AND id = ?3 AND status = ?4") &&
                sqlite3_changes(db) > 0)
                became_available(app, db, a, w);
            /* the next reboot or new password is a change of its own */
            pthread_mutex_lock(&mu);
            if ((m = find(w->rid))) snprintf(m->booted_for, sizeof m->booted_for, "available");
            pthread_mutex_unlock(&mu);
        }
        params_tick(a, app, w);
        standby_tick(a, app, db, w);
        replica_tick(w);
        if (waking) busy = true;
        if (serves && pid > 0 && snapshot_tick(a, app, db, w, pid)) busy = true;
    }
    sample_metrics(a, app, rows, n);
    arena_free(a);
    return busy ? QUICK_TICK_MS : 0;
}

uint64_t rds_network_version(struct app *app)
{
    sqlite3 *db = rds__db(app);
    pthread_mutex_lock(&mu);
    uint64_t gen = running_gen;
    pthread_mutex_unlock(&mu);
    return (db ? store_version(db) : 0) ^ gen << 20;
}

size_t rds_vpc_endpoints(struct app *app, arena_t *a, const char *account, const char *region, const char *vpc_id,
                         rds_endpoint_t *out, size_t cap)
{
    sqlite3 *db = rds__db(app);
    sqlite3_stmt *st =
        db ? store_stmt(db, "SELECT resource_id, private_ip, address, port, id FROM db_instance WHERE account = ?1 "
                            "AND region = ?2 AND vpc_id = ?3 AND status NOT IN ('stopping', 'stopped', 'deleting')")
           : NULL;
    if (!st) return 0;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, vpc_id, -1, SQLITE_STATIC);
    size_t n = 0;
    while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
        pthread_mutex_lock(&mu);
        running_t *m = find((const char *)sqlite3_column_text(st, 0));
        pid_t pid = m ? m->pid : 0;
        pthread_mutex_unlock(&mu);
        if (pid <= 0) continue;
        rds_endpoint_t *e = &out[n];
        memset(e, 0, sizeof *e);
        e->pid = pid;
        snprintf(e->private_ip, sizeof e->private_ip, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(e->address, sizeof e->address, "%s", (const char *)sqlite3_column_text(st, 2));
        e->port = sqlite3_column_int(st, 3);
        e->groups =
            rds__db_groups(a, db, str_c(account), str_c(region), (const char *)sqlite3_column_text(st, 4), &e->ngroups);
        n++;
    }
    store_release(st);
    return n;
}

void rds_stop(struct app *app)
{
    (void)app;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nrunning; i++) {
        if (running[i].pid > 0) mach_kill(running[i].pid);
        if (running[i].link >= 0) close(running[i].link);
    }
    nrunning = 0;
    pthread_mutex_unlock(&mu);
}
