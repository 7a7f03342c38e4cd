/* boot.c — making EC2 instances' states true, on the ticker thread
 * (ec2_tick): an instance "pending" gets its disk (on first boot) and is
 * booted as a machine (runtime/machine.h), then is "running"; "stopping"
 * and "shutting-down" ones are killed, then "stopped" or "terminated" (the
 * disk of a terminated one is deleted, as its root volume is on AWS); a
 * running instance whose machine is not up (gureum restarted) is booted
 * again; terminated ones are forgotten after an hour, as AWS stops listing
 * them. It also keeps each running instance's forwards (runtime/forward.h):
 * the TCP ports that its security groups open to the host (a rule whose
 * IPv4 range holds 127.0.0.1: 0.0.0.0/0 among them) are listened on at its
 * public address (its Elastic IP while it has one, kept across stop and
 * start; a new address from the pool otherwise, at every start); and each
 * running instance's link (runtime/link.h), where the connections it may
 * open to the other instances of its VPC (peer.c) are listened on.
 *
 * An instance's files: DATA/ec2/ACCOUNT/REGION/ID/{disk,mnt,console.log}.
 * The disk starts as the image does: a copy of the host's /etc with the
 * user ec2-user (the key pair's public key in its authorized_keys), empty
 * /var, /home, /root, /opt, /srv; /usr is the host's, read-only. Each boot
 * starts sshd when the host has it (host keys of the instance's own), then
 * runs, as cloud-init does, the scripts in /var/lib/cloud/scripts/per-boot, /etc/rc.local
 * and, on an instance's first boot only, its user data when it is a script
 * (#!); the output is the console (GetConsoleOutput). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/log.h"
#include "runtime/echo.h"
#include "runtime/forward.h"
#include "runtime/machine.h"
#include "services/app.h"
#include "services/loopaddr.h"
#include "services/pubmetrics.h"
#include "services/ec2/ec2.h"
#include "services/ec2/imds.h"
#include "services/rds/rds.h"
#include "store/store.h"

enum { MAX_MACHINES = 512, KEEP_TERMINATED_US = 3600LL * 1000000, QUICK_TICK_MS = 100 };
#define REFRESH_US (5LL * 1000000)

typedef struct {
    char id[32];
    pid_t pid;
    bool reboot;
    double cpu_s;   /* CPU seconds at the last sample, < 0 before the first */
    int64_t cpu_us; /* when that was */
    char pub[16];   /* the public address its metadata gives */
    int link;       /* its way to the other instances (runtime/link.h), -1 none */
} machine_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static machine_t machines[MAX_MACHINES];
static size_t nmachines;
static uint64_t machines_gen; /* moves at each remember and forget (under mu) */

static machine_t *find(const char *id)
{
    for (size_t i = 0; i < nmachines; i++)
        if (!strcmp(machines[i].id, id)) return &machines[i];
    return NULL;
}

bool ec2__reboot(const char *id)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(id);
    if (m) m->reboot = true;
    pthread_mutex_unlock(&mu);
    return true;
}

bool ec2__machine_up(const char *id)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(id);
    bool up = m && m->pid > 0 && kill(m->pid, 0) == 0;
    pthread_mutex_unlock(&mu);
    return up || !mach_supported();
}

int ec2_instance_target(struct app *app, str_t account, str_t region, str_t id, arena_t *a, ec2_target_t *out)
{
    sqlite3 *db = ec2__db(app);
    if (!db) return -1;
    sqlite3_stmt *st = store_stmt(db, "SELECT state, private_ip, vpc_id, zone FROM instance WHERE account = ?1 AND "
                                      "region = ?2 AND id = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, id);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        out->state = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        out->private_ip = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        out->vpc_id = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
        out->zone = arena_strdup(a, (const char *)sqlite3_column_text(st, 3));
    }
    if (store_release(st) != SQLITE_OK) return -1;
    if (!found) return 0;
    char key[32];
    snprintf(key, sizeof key, "%.*s", STR_FMT(id));
    pthread_mutex_lock(&mu);
    machine_t *m = find(key);
    out->pid = m && m->pid > 0 && kill(m->pid, 0) == 0 ? m->pid : 0;
    pthread_mutex_unlock(&mu);
    return 1;
}

/* ==== Files ==== */

static const char *inst_dir(arena_t *a, struct app *app, const char *acct, const char *reg, const char *id)
{
    return arena_printf(a, "%s/ec2/%s/%s/%s", app->cfg->data_dir, acct, reg, id);
}

str_t ec2__console(struct app *app, arena_t *a, str_t acct, str_t reg, str_t id, size_t max)
{
    str_t out = {0};
    const char *path = arena_printf(a, "%s/ec2/%.*s/%.*s/%.*s/console.log", app->cfg->data_dir, STR_FMT(acct),
                                    STR_FMT(reg), STR_FMT(id));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        size_t n = (size_t)st.st_size > max ? max : (size_t)st.st_size;
        char *buf = arena_alloc(a, n + 1);
        ssize_t got = pread(fd, buf, n, st.st_size - (off_t)n);
        if (got > 0) out = (str_t){buf, (size_t)got};
    }
    close(fd);
    return out;
}

static bool write_text(const char *path, const char *text, mode_t mode, bool append)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), mode);
    if (fd < 0) return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    close(fd);
    return ok;
}

/* The first id from 1000 up that no line of a passwd or group file has in
 * its third field. */
static unsigned free_id(const char *path)
{
    bool used[1000] = {false};
    FILE *f = fopen(path, "re");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        char *p = strchr(line, ':');
        p = p ? strchr(p + 1, ':') : NULL;
        unsigned id = p ? (unsigned)strtoul(p + 1, NULL, 10) : 0;
        if (id >= 1000 && id < 2000) used[id - 1000] = true;
    }
    if (f) fclose(f);
    unsigned k = 0;
    while (k < 999 && used[k]) k++;
    return 1000 + k;
}

static bool has_line(const char *path, const char *prefix)
{
    FILE *f = fopen(path, "re");
    if (!f) return false;
    char line[1024];
    bool hit = false;
    while (!hit && fgets(line, sizeof line, f)) hit = !strncmp(line, prefix, strlen(prefix));
    fclose(f);
    return hit;
}

typedef struct {
    const char *acct, *reg, *id, *pip, *key_name, *user_data, *image;
} inst_t;

static const char *image_dir(arena_t *a, struct app *app, const char *acct, const char *reg, const char *id)
{
    return arena_printf(a, "%s/ec2/%s/%s/images/%s", app->cfg->data_dir, acct, reg, id);
}

void ec2__image_files_drop(struct app *app, const char *acct, const char *reg, const char *id)
{
    arena_t *a = arena_new(0);
    mach_tree_remove(image_dir(a, app, acct, reg, id));
    arena_free(a);
}

/* The disk as the image makes it (once, before the first boot): a copy of
 * an account's image, or of the host's /etc for a public one. */
static bool make_disk(arena_t *a, struct app *app, sqlite3 *db, const char *dir, const inst_t *in, const char *host)
{
    const char *disk = arena_printf(a, "%s/disk", dir), *tmp = arena_printf(a, "%s/disk.new", dir);
    if (access(disk, F_OK) == 0) return true;
    mach_tree_remove(tmp);
    const char *own = arena_printf(a, "%s/disk", image_dir(a, app, in->acct, in->reg, in->image));
    bool from_image = access(own, F_OK) == 0;
    if (mach_disk_make(tmp, from_image ? own : NULL) != GR_OK) return false;
    const char *dirs[] = {"var/lib/cloud/scripts/per-boot", "home/ec2-user/.ssh"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        const char *md[] = {"/bin/mkdir", "-p", arena_printf(a, "%s/%s", tmp, dirs[i]), NULL};
        if (mach_run(md) < 0) return false;
    }
    /* AWS's Amazon Linux images log in as ec2-user (uid 1000, or the next
     * free one where the host's files already give 1000 to someone). */
    const char *passwd = arena_printf(a, "%s/etc/passwd", tmp), *group = arena_printf(a, "%s/etc/group", tmp);
    bool ok = true;
    unsigned uid = free_id(passwd), gid = free_id(group);
    if (!has_line(passwd, "ec2-user:"))
        ok = write_text(passwd,
                        arena_printf(a, "ec2-user:x:%u:%u:EC2 Default User:/home/ec2-user:/bin/bash\n", uid, gid), 0644,
                        true);
    else
        uid = 0; /* an image's ec2-user keeps its ids: chown by name */
    if (ok && !has_line(group, "ec2-user:"))
        ok = write_text(group, arena_printf(a, "ec2-user:x:%u:\n", gid), 0644, true);
    /* a shadow entry without a password: key logins only, as AWS's images */
    const char *shadow = arena_printf(a, "%s/etc/shadow", tmp);
    if (ok && !has_line(shadow, "ec2-user:")) ok = write_text(shadow, "ec2-user:*:19000:0:99999:7:::\n", 0640, true);
    /* AWS's images take keys only; PAM's login bookkeeping needs
     * capabilities a machine does not have */
    const char *sshd_d = arena_printf(a, "%s/etc/ssh/sshd_config.d", tmp);
    if (ok && access(arena_printf(a, "%s/etc/ssh/sshd_config", tmp), F_OK) == 0) {
        const char *md[] = {"/bin/mkdir", "-p", sshd_d, NULL};
        ok = mach_run(md) == 0 &&
             write_text(arena_printf(a, "%s/50-gureum.conf", sshd_d),
                        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n", 0644, false);
    }
    ok = ok && write_text(arena_printf(a, "%s/etc/hostname", tmp), arena_printf(a, "%s\n", host), 0644, false);
    ok = ok && write_text(arena_printf(a, "%s/etc/hosts", tmp),
                          arena_printf(a, "127.0.0.1 localhost\n%s %s\n", in->pip, host), 0644, false);
    if (in->key_name) {
        sqlite3_stmt *st =
            store_stmt(db, "SELECT public FROM keypair WHERE account = ?1 AND region = ?2 AND name = ?3");
        if (st) {
            sqlite3_bind_text(st, 1, in->acct, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, in->reg, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, in->key_name, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW) {
                const char *keys = arena_printf(a, "%s/home/ec2-user/.ssh/authorized_keys", tmp);
                ok = ok && write_text(keys, arena_printf(a, "%s %s\n", sqlite3_column_text(st, 0), in->key_name), 0600,
                                      false);
            }
            store_release(st);
        }
    }
    const char *owner = uid ? arena_printf(a, "%u:%u", uid, gid) : NULL;
    if (!owner) { /* from an image: ec2-user's ids in its passwd */
        FILE *f = fopen(passwd, "re");
        char line[1024];
        while (f && !owner && fgets(line, sizeof line, f)) {
            unsigned u, g;
            if (sscanf(line, "ec2-user:%*[^:]:%u:%u:", &u, &g) == 2) owner = arena_printf(a, "%u:%u", u, g);
        }
        if (f) fclose(f);
    }
    const char *home[] = {"/bin/chown", "-R", owner ? owner : "0:0", arena_printf(a, "%s/home/ec2-user", tmp), NULL};
    chmod(arena_printf(a, "%s/home/ec2-user/.ssh", tmp), 0700);
    ok = ok && mach_run(home) == 0;
    if (ok && in->user_data) {
        str_t raw;
        const char *cloud = arena_printf(a, "%s/var/lib/cloud/instances/%s", tmp, in->id);
        const char *md[] = {"/bin/mkdir", "-p", cloud, NULL};
        if (arena_unbase64(a, str_c(in->user_data), &raw) && mach_run(md) == 0) {
            int fd = open(arena_printf(a, "%s/user-data.txt", cloud), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
            ok = fd >= 0 && write(fd, raw.p, raw.len) == (ssize_t)raw.len;
            if (fd >= 0) close(fd);
        }
    }
    return ok && rename(tmp, disk) == 0;
}

/* cloud-init's order, in sh: sshd, per-boot scripts, rc.local, then the user
 * data once per instance. */
static const char *boot_script(arena_t *a, const char *id)
{
    return arena_printf(a,
                        "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root\n"
                        "echo \"gureum: instance %s booting as $(hostname) at $(date -u)\"\n"
                        "d=/var/lib/cloud/instances/%s\n"
                        "mkdir -p $d/sem\n"
                        /* sshd, with host keys of the instance's own made on its first boot
                         * and their fingerprints on the console, as cloud-init does */
                        "if [ -x /usr/sbin/sshd ]; then\n"
                        "  if [ ! -e $d/sem/ssh-keys ]; then\n"
                        "    rm -f /etc/ssh/ssh_host_*; ssh-keygen -A >/dev/null && : > $d/sem/ssh-keys\n"
                        "    echo '-----BEGIN SSH HOST KEY FINGERPRINTS-----'\n"
                        "    for k in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf $k; done\n"
                        "    echo '-----END SSH HOST KEY FINGERPRINTS-----'\n"
                        "  fi\n"
                        "  mkdir -p /run/sshd && /usr/sbin/sshd\n"
                        "fi\n"
                        "for f in /var/lib/cloud/scripts/per-boot/*; do [ -x \"$f\" ] && \"$f\"; done\n"
                        "[ -x /etc/rc.local ] && /etc/rc.local\n"
                        "if [ -s $d/user-data.txt ] && [ ! -e $d/sem/user-data ]; then\n"
                        "  : > $d/sem/user-data\n"
                        "  if [ \"$(head -c 2 $d/user-data.txt)\" = '#!' ]; then \"$d/user-data.txt\"\n"
                        "  else echo 'gureum: the user data is not a script (#!): not run'; fi\n"
                        "fi\n"
                        "echo \"Cloud-init v. gureum finished at $(date -u)\"\n",
                        id, id);
}

/* Boots the instance's machine with its link (-1 in *link when it has
 * none): its pid, 0 when this host runs none, -1 on failure. */
static pid_t boot(arena_t *a, struct app *app, sqlite3 *db, const inst_t *in, str_t region, int *link)
{
    const char *dir = inst_dir(a, app, in->acct, in->reg, in->id);
    const char *host = ec2__dns_name(a, region, in->pip, false);
    const char *console = arena_printf(a, "%s/console.log", dir);
    const char *md[] = {"/bin/mkdir", "-p", dir, NULL};
    if (mach_run(md) < 0) return -1;
    if (!mach_supported()) {
        write_text(console,
                   "gureum: this host cannot run machines (root and namespaces are needed): nothing runs "
                   "in this instance\n",
                   0600, true);
        return 0;
    }
    if (!make_disk(a, app, db, dir, in, host)) {
        log_error("ec2: cannot make the disk of %s", in->id);
        return -1;
    }
    const char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                          "TERM=dumb", NULL};
    /* the host name AWS gives: the private DNS name, at most 63 bytes */
    char hn[64];
    snprintf(hn, sizeof hn, "%s", host);
    mach_spec_t s = {.disk = arena_printf(a, "%s/disk", dir),
                     .mnt = arena_printf(a, "%s/mnt", dir),
                     .hostname = hn,
                     .ipv4 = in->pip,
                     .console = console,
                     .boot = boot_script(a, in->id),
                     .envp = envp,
                     .link = link};
    pid_t pid = 0;
    if (mach_start(&s, &pid) != GR_OK) {
        log_error("ec2: cannot boot %s", in->id);
        return -1;
    }
    log_info("ec2: %s booted (machine %d, %s)", in->id, (int)pid, in->pip);
    return pid;
}

static void remember(const char *id, pid_t pid, int link)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(id);
    if (!m && nmachines < MAX_MACHINES) {
        m = &machines[nmachines++];
        snprintf(m->id, sizeof m->id, "%s", id);
    } else if (m && m->link >= 0)
        close(m->link);
    if (m) m->pid = pid, m->reboot = false, m->cpu_s = -1, m->link = link;
    machines_gen++;
    pthread_mutex_unlock(&mu);
    if (!m && link >= 0) close(link);
}

/* The owner of an instance's listeners in its link (forward.h). */
static const char *link_owner(char buf[40], const char *id)
{
    snprintf(buf, 40, "link:%s", id);
    return buf;
}

static void forget(const char *id)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(id);
    pid_t pid = m ? m->pid : 0;
    int link = m ? m->link : -1;
    if (m) *m = machines[--nmachines];
    machines_gen++;
    pthread_mutex_unlock(&mu);
    char owner[40];
    fwd_set(id, "", NULL, 0, 0, "");
    fwd_link_set(link_owner(owner, id), -1, NULL, 0);
    echo_set(owner, -1, NULL, 0);
    if (link >= 0) close(link);
    imds_set(id, 0, NULL, 0);
    if (pid > 0) mach_kill(pid);
}

/* ==== Instance metadata ==== */

typedef struct {
    imds_entry_t *e;
    size_t n, cap;
    arena_t *a;
} entries_t;

static void put(entries_t *t, const char *path, const char *body)
{
    if (!body) return;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        imds_entry_t *e = arena_alloc(t->a, cap * sizeof *e);
        if (t->n) memcpy(e, t->e, t->n * sizeof *e);
        t->e = e, t->cap = cap;
    }
    t->e[t->n++] = (imds_entry_t){path, body, strlen(body)};
}

static const char *col(arena_t *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? arena_strdup(a, (const char *)t) : NULL;
}

/* What the instance reads at 169.254.169.254 (AWS's paths), served from
 * its boot on; pub: its public address now. */
static void metadata(arena_t *a, sqlite3 *db, const inst_t *in, const char *pub, pid_t pid)
{
    sqlite3_stmt *st = store_stmt(
        db, "SELECT i.type, i.image_id, i.zone, i.reservation, i.mac, i.launch_index, i.launched, i.subnet_id, "
            "i.vpc_id, i.eni_id, s.cidr, v.cidr, (SELECT public FROM keypair k WHERE k.account = i.account AND "
            "k.region = i.region AND k.name = i.key_name) FROM instance i JOIN subnet s ON s.account = i.account AND "
            "s.region = i.region AND s.id = i.subnet_id JOIN vpc v ON v.account = i.account AND v.region = i.region "
            "AND v.id = i.vpc_id WHERE i.account = ?1 AND i.region = ?2 AND i.id = ?3");
    if (!st) return;
    sqlite3_bind_text(st, 1, in->acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, in->reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, in->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_release(st);
        return;
    }
    const char *type = col(a, st, 0), *ami = col(a, st, 1), *zone = col(a, st, 2), *res = col(a, st, 3),
               *mac = col(a, st, 4), *idx = col(a, st, 5), *subnet = col(a, st, 7), *vpc = col(a, st, 8),
               *eni = col(a, st, 9), *scidr = col(a, st, 10), *vcidr = col(a, st, 11), *key = col(a, st, 12);
    int64_t launched = sqlite3_column_int64(st, 6);
    store_release(st);
    entries_t t = {.a = a};
    str_t region = str_c(in->reg);
    const char *host = ec2__dns_name(a, region, in->pip, false);
    const char *pubhost = pub ? ec2__dns_name(a, region, pub, true) : NULL;
    buf_t names, ids;
    buf_init(&names, a);
    buf_init(&ids, a);
    st = store_stmt(db, "SELECT g.name, g.id FROM instance_sg s JOIN sg g ON g.account = s.account AND g.region = "
                        "s.region AND g.id = s.group_id WHERE s.account = ?1 AND s.region = ?2 AND s.instance_id = ?3 "
                        "ORDER BY s.seq");
    if (st) {
        sqlite3_bind_text(st, 1, in->acct, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, in->reg, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, in->id, -1, SQLITE_STATIC);
    }
    for (int k = 0; st && sqlite3_step(st) == SQLITE_ROW; k++) {
        buf_printf(&names, "%s%s", k ? "\n" : "", sqlite3_column_text(st, 0));
        buf_printf(&ids, "%s%s", k ? "\n" : "", sqlite3_column_text(st, 1));
    }
    if (st) store_release(st);
    str_t gn = buf_str(&names), gi = buf_str(&ids);
    const char *m = arena_printf(a, "meta-data/network/interfaces/macs/%s/", mac);
    put(&t, "meta-data/ami-id", ami);
    put(&t, "meta-data/ami-launch-index", idx);
    put(&t, "meta-data/ami-manifest-path", "(unknown)");
    put(&t, "meta-data/hostname", host);
    put(&t, "meta-data/instance-action", "none");
    put(&t, "meta-data/instance-id", in->id);
    put(&t, "meta-data/instance-life-cycle", "on-demand");
    put(&t, "meta-data/instance-type", type);
    put(&t, "meta-data/local-hostname", host);
    put(&t, "meta-data/local-ipv4", in->pip);
    put(&t, "meta-data/mac", mac);
    put(&t, arena_printf(a, "%sdevice-number", m), "0");
    put(&t, arena_printf(a, "%sinterface-id", m), eni);
    put(&t, arena_printf(a, "%slocal-hostname", m), host);
    put(&t, arena_printf(a, "%slocal-ipv4s", m), in->pip);
    put(&t, arena_printf(a, "%smac", m), mac);
    put(&t, arena_printf(a, "%sowner-id", m), in->acct);
    put(&t, arena_printf(a, "%spublic-ipv4s", m), pub);
    put(&t, arena_printf(a, "%ssecurity-group-ids", m), arena_strndup(a, gi.p ? gi.p : "", gi.len));
    put(&t, arena_printf(a, "%ssecurity-groups", m), arena_strndup(a, gn.p ? gn.p : "", gn.len));
    put(&t, arena_printf(a, "%ssubnet-id", m), subnet);
    put(&t, arena_printf(a, "%ssubnet-ipv4-cidr-block", m), scidr);
    put(&t, arena_printf(a, "%svpc-id", m), vpc);
    put(&t, arena_printf(a, "%svpc-ipv4-cidr-block", m), vcidr);
    put(&t, "meta-data/placement/availability-zone", zone);
    put(&t, "meta-data/placement/region", in->reg);
    put(&t, "meta-data/public-hostname", pubhost);
    put(&t, "meta-data/public-ipv4", pub);
    put(&t, "meta-data/public-keys/0/openssh-key", key ? arena_printf(a, "%s %s\n", key, in->key_name) : NULL);
    put(&t, "meta-data/reservation-id", res);
    put(&t, "meta-data/security-groups", arena_strndup(a, gn.p ? gn.p : "", gn.len));
    put(&t, "meta-data/services/domain", "amazonaws.com");
    put(&t, "meta-data/services/partition", "aws");
    char when[32];
    time_t secs = (time_t)(launched / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* AWS's identity document, its members in AWS's order */
    put(&t, "dynamic/instance-identity/document",
        arena_printf(a,
                     "{\n  \"accountId\" : \"%s\",\n  \"architecture\" : \"x86_64\",\n  \"availabilityZone\" : "
                     "\"%s\",\n  \"billingProducts\" : null,\n  \"devpayProductCodes\" : null,\n  "
                     "\"marketplaceProductCodes\" : null,\n  \"imageId\" : \"%s\",\n  \"instanceId\" : \"%s\",\n  "
                     "\"instanceType\" : \"%s\",\n  \"kernelId\" : null,\n  \"pendingTime\" : \"%s\",\n  "
                     "\"privateIp\" : \"%s\",\n  \"ramdiskId\" : null,\n  \"region\" : \"%s\",\n  \"version\" : "
                     "\"2017-09-30\"\n}",
                     in->acct, zone, ami, in->id, type, when, in->pip, in->reg));
    str_t raw;
    if (in->user_data && arena_unbase64(a, str_c(in->user_data), &raw)) {
        char *body = arena_strndup(a, raw.p, raw.len);
        if (t.n == t.cap)
            put(&t, "user-data", body);
        else
            t.e[t.n++] = (imds_entry_t){"user-data", body, raw.len};
    }
    if (imds_set(in->id, pid, t.e, t.n) != GR_OK) return;
    pthread_mutex_lock(&mu);
    machine_t *mm = find(in->id);
    if (mm) snprintf(mm->pub, sizeof mm->pub, "%s", pub ? pub : "");
    pthread_mutex_unlock(&mu);
}

/* Whether the metadata's public address is no longer pub. */
static bool pub_changed(const char *id, const char *pub)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(id);
    bool changed = m && strcmp(m->pub, pub ? pub : "") != 0;
    pthread_mutex_unlock(&mu);
    return changed;
}

/* ==== Forwards ==== */

static void forwards(sqlite3 *db, const inst_t *in, const char *pub, pid_t pid)
{
    if (!pub || !*pub || pid <= 0) { /* nothing to listen at, or nothing to reach */
        fwd_set(in->id, "", NULL, 0, 0, "");
        return;
    }
    int ports[128];
    size_t n = 0;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT r.proto, r.from_port, r.to_port, r.cidr FROM instance_sg i JOIN sg_rule r "
                       "ON r.account = i.account AND r.region = i.region AND r.group_id = i.group_id "
                       "WHERE i.account = ?1 AND i.region = ?2 AND i.instance_id = ?3 AND r.egress = 0");
    if (!st) return;
    sqlite3_bind_text(st, 1, in->acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, in->reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, in->id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (ec2__cidr_holds((const char *)sqlite3_column_text(st, 3), "127.0.0.1"))
            ec2__rule_ports((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
                            sqlite3_column_int(st, 2), ports, &n, 128);
    }
    store_release(st);
    fwd_set(in->id, pub, ports, n, pid, in->pip);
}

static pid_t pid_of(const char *id)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(id);
    pid_t pid = m ? m->pid : 0;
    pthread_mutex_unlock(&mu);
    return pid;
}

/* The connections a running instance may open to the others of its VPC
 * (peer.c), listened on in its link; forget() ends them. The link is only
 * closed on this thread, so it is used here outside the lock. */
static void peers(arena_t *a, struct app *app, sqlite3 *db, const inst_t *in)
{
    pthread_mutex_lock(&mu);
    machine_t *m = find(in->id);
    int link = m ? m->link : -1;
    pthread_mutex_unlock(&mu);
    if (link < 0) return;
    enum { MAX_TARGETS = 256, MAX_PINGS = 256 };
    fwd_link_t t[MAX_TARGETS];
    char pings[MAX_PINGS][16];
    ec2__reach_t r = {.links = t, .cap = MAX_TARGETS, .pings = pings, .pings_cap = MAX_PINGS};
    ec2__peers(app, a, db, in->acct, in->reg, in->id, &r, pid_of);
    char owner[40];
    fwd_link_set(link_owner(owner, in->id), link, t, r.n);
    echo_set(owner, link, (const char(*)[16])pings, r.npings);
}

/* ==== CPUUtilization ==== */

/* The vCPUs of an instance type, from its size as AWS names sizes (t2's
 * small ones have one; nano to large two elsewhere; xlarge four, Nxlarge
 * 4N). */
static double vcpus(const char *type)
{
    const char *size = strchr(type, '.');
    if (!size++) return 1;
    if (!strncmp(type, "t2.", 3) && (!strcmp(size, "nano") || !strcmp(size, "micro") || !strcmp(size, "small")))
        return 1;
    if (!strcmp(type, "m1.small")) return 1;
    if (!strcmp(size, "metal")) return 96;
    if (!strcmp(size, "xlarge")) return 4;
    int n = atoi(size);
    if (n > 0 && strstr(size, "xlarge")) return 4.0 * n;
    return 2;
}

double ec2_cpu_percent(const char *type, double cpu_s, double prev_s, int64_t now_us, int64_t prev_us)
{
    if (cpu_s < 0 || prev_s < 0 || now_us <= prev_us) return -1;
    double pct = 100.0 * (cpu_s - prev_s) / ((double)(now_us - prev_us) / 1e6) / vcpus(type);
    if (pct > 100) pct = 100; /* the machine is not held to its vCPUs */
    return pct < 0 ? 0 : pct;
}

/* AWS/EC2 CPUUtilization of every running machine: the share of its vCPUs
 * its processes used since the last sample, once a flush period (AWS's
 * detailed monitoring is a minute), per InstanceId and, for an Auto
 * Scaling group's instance, per AutoScalingGroupName too. */
static void sample_cpu(arena_t *a, struct app *app, sqlite3 *db, int64_t now)
{
    static int64_t last_us;
    if (now - last_us < (int64_t)pubm_period_ms() * 1000) return;
    last_us = now;
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, id, type, (SELECT value FROM tag t WHERE t.account = "
                                      "i.account AND t.region = i.region AND t.res_id = i.id AND t.key = "
                                      "'aws:autoscaling:groupName') FROM instance i WHERE state = 'running'");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *acct = arena_strdup(a, (const char *)sqlite3_column_text(st, 0)),
                   *reg = arena_strdup(a, (const char *)sqlite3_column_text(st, 1)),
                   *id = arena_strdup(a, (const char *)sqlite3_column_text(st, 2)),
                   *type = arena_strdup(a, (const char *)sqlite3_column_text(st, 3));
        const unsigned char *group = sqlite3_column_text(st, 4);
        pthread_mutex_lock(&mu);
        machine_t *m = find(id);
        pid_t pid = m ? m->pid : 0;
        pthread_mutex_unlock(&mu);
        double cpu = pid > 0 ? mach_cpu_seconds(pid) : -1;
        if (cpu < 0) continue;
        pthread_mutex_lock(&mu);
        m = find(id);
        double prev = m ? m->cpu_s : -1;
        int64_t prev_us = m ? m->cpu_us : 0;
        if (m) m->cpu_s = cpu, m->cpu_us = now;
        pthread_mutex_unlock(&mu);
        double pct = ec2_cpu_percent(type, cpu, prev, now, prev_us);
        if (pct < 0) continue;
        pubm_dim_t dims[] = {{"InstanceId", str_c(id)}};
        pubm_add(app, str_c(acct), str_c(reg), "AWS/EC2", "CPUUtilization", dims, 1, "Percent", pct, false);
        if (group) {
            pubm_dim_t g[] = {{"AutoScalingGroupName", str_c(arena_strdup(a, (const char *)group))}};
            pubm_add(app, str_c(acct), str_c(reg), "AWS/EC2", "CPUUtilization", g, 1, "Percent", pct, false);
        }
    }
    if (st) store_release(st);
}

/* ==== The tick ==== */

static const char *public_pick(arena_t *a, sqlite3 *db)
{
    return loopaddr_pick(a, db, "127.200", "SELECT 1 FROM instance WHERE public_ip = ?1 AND state != 'terminated'");
}

/* Images being made: the source instance's disk copied (a running
 * instance is copied as it is: AWS would reboot it unless NoReboot). */
static void images(arena_t *a, struct app *app, sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, id, source FROM image WHERE state = 'pending'");
    const char *rows[16][4];
    size_t n = 0;
    while (st && n < 16 && sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 4; i++) rows[n][i] = arena_strdup(a, (const char *)sqlite3_column_text(st, i));
        n++;
    }
    if (st) store_release(st);
    for (size_t k = 0; k < n; k++) {
        const char *dir = image_dir(a, app, rows[k][0], rows[k][1], rows[k][2]);
        const char *src = arena_printf(a, "%s/disk", inst_dir(a, app, rows[k][0], rows[k][1], rows[k][3]));
        const char *tmp = arena_printf(a, "%s/disk.new", dir), *dst = arena_printf(a, "%s/disk", dir);
        mach_tree_remove(tmp);
        const char *mk[] = {"/bin/mkdir", "-p", tmp, NULL};
        const char *cp[] = {"/bin/cp", "-a", arena_printf(a, "%s/.", src), arena_printf(a, "%s/", tmp), NULL};
        /* an instance that never ran here (no machines) has no disk: its
         * image is the public one's */
        bool ok = mach_run(mk) == 0 && (access(src, F_OK) != 0 || mach_run(cp) == 0) && rename(tmp, dst) == 0;
        if (!ok) {
            log_error("ec2: cannot copy the disk of %s into %s", rows[k][3], rows[k][2]);
            continue;
        }
        if (access(src, F_OK) != 0) mach_tree_remove(dst);
        EXEC(db, "UPDATE image SET state = 'available' WHERE account = ?1 AND region = ?2 AND id = ?3", rows[k][0],
             rows[k][1], rows[k][2]);
    }
}

unsigned ec2_tick(struct app *app)
{
    sqlite3 *db = ec2__db(app);
    if (!db) return 0;
    arena_t *a = arena_new(0);
    int64_t now = time_now_us();
    images(a, app, db);
    /* the running instances' forwards and reach are set again only when
     * what they derive from may have changed (EC2's tables, the machines
     * here, RDS's DB instances), and every REFRESH_US anyway (a listener
     * that failed is tried again then): with many instances, working out
     * every pair each tick would cost more than all else */
    static uint64_t last_key[3];
    static int64_t last_refresh;
    uint64_t key[3] = {store_version(db), rds_network_version(app), 0};
    pthread_mutex_lock(&mu);
    key[2] = machines_gen;
    pthread_mutex_unlock(&mu);
    bool refresh = memcmp(key, last_key, sizeof key) != 0 || now - last_refresh >= REFRESH_US;
    if (refresh) memcpy(last_key, key, sizeof key), last_refresh = now;
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, id, state, private_ip, public_ip, key_name, user_data, "
                                      "public_wanted, ended, image_id FROM instance ORDER BY seq");
    typedef struct {
        inst_t in;
        const char *state, *pub;
        bool wanted;
        int64_t ended;
    } row_t;
    row_t rows[MAX_MACHINES];
    size_t n = 0;
    while (st && n < MAX_MACHINES && sqlite3_step(st) == SQLITE_ROW) {
        row_t *w = &rows[n++];
        const char *c[8];
        for (int i = 0; i < 8; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
        }
        w->in =
            (inst_t){c[0], c[1], c[2], c[4], c[6], c[7], arena_strdup(a, (const char *)sqlite3_column_text(st, 10))};
        w->state = c[3];
        w->pub = c[5];
        w->wanted = sqlite3_column_int(st, 8);
        w->ended = sqlite3_column_int64(st, 9);
    }
    if (st) store_release(st);
    bool busy = false;
    for (size_t i = 0; i < n; i++) {
        row_t *w = &rows[i];
        const inst_t *in = &w->in;
        const char *s = w->state;
        str_t region = str_c(in->reg);
        pthread_mutex_lock(&mu);
        machine_t *m = find(in->id);
        pid_t pid = m ? m->pid : -1;
        bool reboot = m && m->reboot;
        pthread_mutex_unlock(&mu);
        bool up = pid == 0 || (pid > 0 && mach_running(pid));
        if (!strcmp(s, "pending") || (!strcmp(s, "running") && (!up || reboot))) {
            if (reboot || (m && !up)) forget(in->id);
            const char *pub = w->pub;
            if (!pub && w->wanted) pub = public_pick(a, db);
            int link = -1;
            pid_t p = boot(a, app, db, in, region, &link);
            if (p < 0) continue;
            remember(in->id, p, link);
            EXEC(db,
                 "UPDATE instance SET state = 'running', public_ip = ?4, reason = '', state_code = NULL, "
                 "state_message = NULL WHERE account = ?1 AND region = ?2 AND id = ?3 AND state IN ('pending', "
                 "'running')",
                 in->acct, in->reg, in->id, pub);
            if (pub) forwards(db, in, pub, p);
            if (p > 0) metadata(a, db, in, pub, p);
            busy = true;
        } else if (!strcmp(s, "running")) {
            const char *pub = w->pub;
            /* an Elastic IP was taken away: a new public address */
            if (!pub && w->wanted && (pub = public_pick(a, db)))
                EXEC(db,
                     "UPDATE instance SET public_ip = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3 AND "
                     "public_ip IS NULL",
                     in->acct, in->reg, in->id, pub);
            if (refresh) forwards(db, in, pub ? pub : "", pid);
            if (refresh) peers(a, app, db, in);
            if (pid > 0 && pub_changed(in->id, pub)) metadata(a, db, in, pub, pid);
        } else if (!strcmp(s, "stopping") || !strcmp(s, "shutting-down")) {
            forget(in->id);
            bool term = !strcmp(s, "shutting-down");
            /* AWS: a stopped instance gives its public address back (an
             * Elastic IP stays); a terminated one its disk too. */
            EXEC(db,
                 term ? "UPDATE instance SET state = 'terminated', public_ip = NULL, ended = ?5 WHERE account = ?1 "
                        "AND region = ?2 AND id = ?3 AND state = ?4"
                      : "UPDATE instance SET state = 'stopped', public_ip = (SELECT d.public_ip FROM address d WHERE "
                        "d.account = ?1 AND d.region = ?2 AND d.instance_id = ?3) WHERE account = ?1 AND region = ?2 "
                        "AND id = ?3 AND state = ?4 AND ?5 IS NOT NULL",
                 in->acct, in->reg, in->id, s, arena_printf(a, "%lld", (long long)now));
            if (term)
                EXEC(db,
                     "UPDATE address SET assoc_id = NULL, instance_id = NULL, eni_id = NULL, private_ip = NULL "
                     "WHERE account = ?1 AND region = ?2 AND instance_id = ?3",
                     in->acct, in->reg, in->id);
            if (term) mach_tree_remove(inst_dir(a, app, in->acct, in->reg, in->id));
            busy = true;
        } else if (!strcmp(s, "terminated") && w->ended && now - w->ended > KEEP_TERMINATED_US) {
            EXEC(db, "DELETE FROM instance_sg WHERE account = ?1 AND region = ?2 AND instance_id = ?3", in->acct,
                 in->reg, in->id);
            EXEC(db, "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id = ?3", in->acct, in->reg, in->id);
            EXEC(db, "DELETE FROM instance WHERE account = ?1 AND region = ?2 AND id = ?3", in->acct, in->reg, in->id);
        }
    }
    sample_cpu(a, app, db, now);
    arena_free(a);
    return busy ? QUICK_TICK_MS : 0;
}

void ec2_stop(struct app *app)
{
    (void)app;
    fwd_stop();
    echo_stop();
    imds_stop();
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nmachines; i++) {
        if (machines[i].pid > 0) mach_kill(machines[i].pid);
        if (machines[i].link >= 0) close(machines[i].link);
    }
    nmachines = 0;
    pthread_mutex_unlock(&mu);
}
