/* blob.c — object bytes as files: DATA/tmp/<rand>.tmp → fsync → DATA/blobs/xx/<id>.
 *
 * S3 streams a body into a blob_writer, commits it (durable, then renamed
 * into place) and only then commits the metadata row naming the id, so a
 * crash anywhere leaves the old object or the new one; files nobody names are
 * removed by store_gc_blobs at start-up.
 *
 * Invariant: every path built here comes from an id this file generated or
 * one that passed id_ok (exactly 32 lowercase hex), never from a client. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fault.h"
#include "core/id.h"
#include "core/log.h"
#include "store/store.h"

#define BLOB_ID_LEN 32
#define PATH_LEN 4096

struct blob_writer {
    store_t *s;
    int fd;
    char tmp[PATH_LEN]; /* DATA/tmp/<32 hex>.tmp */
};

static bool hexc(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Exactly 32 lowercase hex digits: nothing else may reach a path. */
static bool id_ok(const char *id)
{
    if (!id) return false;
    for (int i = 0; i < BLOB_ID_LEN; i++)
        if (!hexc(id[i])) return false; /* also stops at the NUL of a short string */
    return id[BLOB_ID_LEN] == 0;
}

static void random_hex(char out[BLOB_ID_LEN + 1])
{
    unsigned char b[BLOB_ID_LEN / 2];
    id_random_bytes(b, sizeof b);
    str_hex(b, sizeof b, out);
}

/* DATA/blobs/xx (dir) or DATA/blobs/xx/<id>; false if it would not fit. */
static bool blob_path(store_t *s, const char *id, bool dir_only, char out[PATH_LEN])
{
    int n = dir_only ? snprintf(out, PATH_LEN, "%s/blobs/%.2s", store_datadir(s), id)
                     : snprintf(out, PATH_LEN, "%s/blobs/%.2s/%s", store_datadir(s), id, id);
    if (n < 0 || n >= PATH_LEN) {
        log_error("blob: path too long under %s", store_datadir(s));
        return false;
    }
    return true;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return GR_ERR;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? GR_OK : GR_ERR;
}

/* ==== Writing ==== */

blob_writer_t *blob_begin(store_t *s)
{
    blob_writer_t *w = calloc(1, sizeof *w);
    if (!w) {
        log_error("blob: out of memory");
        return NULL;
    }
    w->s = s;
    w->fd = -1;
    for (int attempt = 0; attempt < 4 && w->fd < 0; attempt++) {
        char name[BLOB_ID_LEN + 1];
        random_hex(name);
        int n = snprintf(w->tmp, sizeof w->tmp, "%s/tmp/%s.tmp", store_datadir(s), name);
        if (n < 0 || n >= (int)sizeof w->tmp) {
            log_error("blob: path too long under %s", store_datadir(s));
            break;
        }
        w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (w->fd < 0 && errno != EEXIST) {
            log_error("blob: cannot create %s: %s", w->tmp, strerror(errno));
            break;
        }
    }
    if (w->fd < 0) {
        free(w);
        return NULL;
    }
    return w;
}

/* On failure the writer stays valid; the caller aborts it. */
int blob_write(blob_writer_t *w, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t r;
        if (fault_hit("blob.write")) {
            r = -1;
            errno = EIO;
        } else {
            r = write(w->fd, c, n);
        }
        if (r < 0) {
            if (errno == EINTR) continue;
            log_error("blob: write to %s: %s", w->tmp, strerror(errno));
            return GR_ERR;
        }
        c += r; /* a short write (disk nearly full, signal) continues where it stopped */
        n -= (size_t)r;
    }
    return GR_OK;
}

void blob_abort(blob_writer_t *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    if (unlink(w->tmp) != 0 && errno != ENOENT) log_error("blob: cannot remove %s: %s", w->tmp, strerror(errno));
    free(w);
}

/* Renames without replacing: a clash with an existing blob (2^-128, or a bug)
 * must never overwrite bytes another row points at. */
static int rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    /* The filesystem cannot do it atomically; link+unlink also refuses to replace. */
    if (link(from, to) != 0) return -1;
    unlink(from);
    return 0;
}

int blob_commit(blob_writer_t *w, char id[33])
{
    bool strict = store_durability(w->s) == DURABILITY_STRICT;
    char dir[PATH_LEN], path[PATH_LEN];
    /* Complete before it is visible: after the rename the metadata row may
     * commit. The bytes written are in the page cache, which outlives a
     * kill -9 of the process (the default durability); strict also survives
     * power loss, so it makes them reach the disk first. */
    if (fault_hit("blob.fsync")) {
        errno = EIO;
        goto fail_io;
    }
    if (strict && fsync(w->fd) != 0) goto fail_io;
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0) goto fail_io;

    for (int attempt = 0;; attempt++) {
        random_hex(id);
        if (!blob_path(w->s, id, true, dir) || !blob_path(w->s, id, false, path)) goto fail;
        bool made_dir = mkdir(dir, 0700) == 0;
        if (!made_dir && errno != EEXIST) goto fail_io;
        if (made_dir && strict) {
            char parent[PATH_LEN];
            snprintf(parent, sizeof parent, "%s/blobs", store_datadir(w->s));
            if (fsync_dir(parent) != GR_OK) goto fail_io;
        }
        fault_crash_point("blob.before_rename");
        int rc;
        if (fault_hit("blob.rename")) {
            rc = -1;
            errno = EIO;
        } else {
            rc = rename_noreplace(w->tmp, path);
        }
        if (rc == 0) break;
        if (errno != EEXIST || attempt >= 3) goto fail_io;
    }
    fault_crash_point("blob.after_rename");
    /* Strict: the directory entry itself must reach the disk (power loss). */
    if (strict && fsync_dir(dir) != GR_OK) {
        log_error("blob: fsync of %s: %s", dir, strerror(errno));
        unlink(path);
        id[0] = 0;
        free(w);
        return GR_ERR;
    }
    free(w);
    return GR_OK;
fail_io:
    log_error("blob: committing %s: %s", w->tmp, strerror(errno));
fail:
    id[0] = 0;
    blob_abort(w);
    return GR_ERR;
}

/* ==== Open small blobs, kept per thread ====
 * A committed blob never changes, so an open descriptor of one stays right
 * for as long as its metadata names it; handing out a dup of a kept
 * descriptor spares the path walk, open and fstat that were a tenth of a
 * small GET. Only small blobs are kept (an unlinked blob's space comes back
 * when its descriptor is closed), a few per thread, evicted in turn; a thread
 * that deletes a blob drops its own copy, and a thread's copies close when
 * it ends. The caller still owns (and closes) what blob_open returns. */
#define FDC_N 16
#define FDC_MAX_SIZE (1 << 20)
typedef struct {
    const store_t *s;
    char id[BLOB_ID_LEN + 1];
    int fd; /* -1: empty */
    off_t size;
} fdc_ent_t;
typedef struct {
    fdc_ent_t e[FDC_N];
    unsigned next;
} fdc_t;
static pthread_key_t g_fdc_key;
static pthread_once_t g_fdc_once = PTHREAD_ONCE_INIT;
static bool g_fdc_ok;

static void fdc_free(void *v)
{
    fdc_t *c = v;
    for (int i = 0; i < FDC_N; i++)
        if (c->e[i].fd >= 0) close(c->e[i].fd);
    free(c);
}
static void fdc_init(void)
{
    g_fdc_ok = pthread_key_create(&g_fdc_key, fdc_free) == 0;
}
static fdc_t *fdc_get(void)
{
    pthread_once(&g_fdc_once, fdc_init);
    if (!g_fdc_ok) return NULL;
    fdc_t *c = pthread_getspecific(g_fdc_key);
    if (c) return c;
    if (!(c = malloc(sizeof *c))) return NULL;
    for (int i = 0; i < FDC_N; i++) c->e[i].fd = -1;
    c->next = 0;
    if (pthread_setspecific(g_fdc_key, c) != 0) {
        free(c);
        return NULL;
    }
    return c;
}
static fdc_ent_t *fdc_find(fdc_t *c, const store_t *s, const char *id)
{
    for (int i = 0; c && i < FDC_N; i++)
        if (c->e[i].fd >= 0 && c->e[i].s == s && memcmp(c->e[i].id, id, BLOB_ID_LEN) == 0) return &c->e[i];
    return NULL;
}
static void fdc_drop(const store_t *s, const char *id)
{
    fdc_ent_t *e = fdc_find(g_fdc_ok ? pthread_getspecific(g_fdc_key) : NULL, s, id);
    if (e) close(e->fd), e->fd = -1;
}

/* ==== Reading, deleting, collecting ==== */

int blob_open(store_t *s, const char *id, off_t *size)
{
    char path[PATH_LEN];
    if (!id_ok(id)) return -1;
    fdc_t *c = fdc_get();
    fdc_ent_t *e = fdc_find(c, s, id);
    if (e) {
        int fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
        if (fd >= 0) {
            if (size) *size = e->size;
            return fd;
        }
    }
    if (!blob_path(s, id, false, path)) return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) log_error("blob: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    if (size) *size = st.st_size;
    if (c && st.st_size <= FDC_MAX_SIZE) {
        int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (keep >= 0) {
            fdc_ent_t *v = &c->e[c->next++ % FDC_N];
            if (v->fd >= 0) close(v->fd);
            *v = (fdc_ent_t){.s = s, .fd = keep, .size = st.st_size};
            memcpy(v->id, id, BLOB_ID_LEN + 1);
        }
    }
    return fd;
}

/* Deleting a blob that is already gone succeeds: the caller's goal (no file)
 * holds, and a retried delete after a crash must not fail. */
int blob_delete(store_t *s, const char *id)
{
    char path[PATH_LEN];
    if (!id_ok(id) || !blob_path(s, id, false, path)) return GR_ERR;
    fdc_drop(s, id);
    if (unlink(path) == 0 || errno == ENOENT) return GR_OK;
    log_error("blob: cannot remove %s: %s", path, strerror(errno));
    return GR_ERR;
}

/* Removes every entry of DATA/tmp; returns how many. */
static int gc_tmp(store_t *s)
{
    char dir[PATH_LEN];
    snprintf(dir, sizeof dir, "%s/tmp", store_datadir(s));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0) close(dfd);
        log_error("blob: cannot read %s: %s", dir, strerror(errno));
        return 0;
    }
    int removed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (unlinkat(dfd, e->d_name, 0) == 0)
            removed++;
        else
            log_warn("blob: cannot remove %s/%s: %s", dir, e->d_name, strerror(errno));
    }
    closedir(d);
    return removed;
}

int store_gc_blobs(store_t *s, bool (*live)(const char *id, void *ud), void *ud)
{
    int removed = gc_tmp(s);
    char root[PATH_LEN];
    snprintf(root, sizeof root, "%s/blobs", store_datadir(s));
    DIR *top = opendir(root);
    if (!top) {
        log_error("blob: cannot read %s: %s", root, strerror(errno));
        return removed;
    }
    for (struct dirent *te; (te = readdir(top));) {
        const char *xx = te->d_name;
        bool hex2 = hexc(xx[0]) && hexc(xx[1]) && xx[2] == 0;
        if (!hex2) continue; /* ".", "..", or something we did not make: leave it */
        int dfd = openat(dirfd(top), xx, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
            if (dfd >= 0) close(dfd);
            continue;
        }
        for (struct dirent *e; (e = readdir(d));) {
            /* Only names that are ids and sit in their own xx folder are ours to judge. */
            if (!id_ok(e->d_name) || memcmp(e->d_name, xx, 2) != 0) continue;
            if (live(e->d_name, ud)) continue;
            if (unlinkat(dfd, e->d_name, 0) == 0)
                removed++;
            else
                log_warn("blob: cannot remove %s/%s/%s: %s", root, xx, e->d_name, strerror(errno));
        }
        closedir(d);
    }
    closedir(top);
    if (removed) log_info("blob: collected %d unreferenced or temporary files", removed);
    return removed;
}
