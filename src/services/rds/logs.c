/* logs.c — DescribeDBLogFiles and DownloadDBLogFilePortion: a DB
 * instance's engine log files. The engine (engine.c) starts PostgreSQL with
 * its logging collector writing to the primary's machine disk
 * (/var/lib/rds/log, outside the data folder, so snapshots do not carry
 * them): one file an hour, postgresql.log.YYYY-MM-DD-HH as RDS names
 * them, with RDS's line prefix, listed as RDS lists them, under error/;
 * a MariaDB server (mariadb and mysql instances) writes its error log
 * there, error/mysql-error.log as RDS names it.
 * These handlers read that folder; a name must be one plain file name of
 * it, and neither it nor the folder is followed as a symbolic link, so a
 * request never reads outside it, nor more of a file than its answer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rds_model.h"
#include "services/rds/rds.h"

#define PREFIX "error/"
/* AWS (DownloadDBLogFilePortion): "If neither Marker or NumberOfLines are
 * specified, the entire log file is returned up to a maximum of 10000
 * lines"; "If the number of lines specified results in a file over 1 MB in
 * size, the file is truncated at 1 MB in size." */
enum { MAX_LINES = 10000, MAX_BYTES = 1 << 20 };

/* The log folder of the request's DBInstanceIdentifier (the caller's
 * account and region), or NULL with r failed (DBInstanceNotFound). */
static const char *log_dir(req_t *r, const val_t *in)
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return NULL;
    str_t want = val_get_str(in, "DBInstanceIdentifier"), id = rds__identifier(r, want, "DBInstanceIdentifier", 63);
    if (!id.p) return NULL;
    const char *node = rds__instance_column(r, db, id, "node");
    if (!node) {
        rds__instance_not_found(r, want);
        return NULL;
    }
    return rds__log_dir(r->arena, r->app, r->who.account, r->region, id, atoi(node));
}

/* Whether name is an engine log's file name: PostgreSQL's hourly files, or
 * the MariaDB server's error log (mysql-error.log, as RDS names MySQL's and
 * MariaDB's), which engine.c's maria_script writes. */
static bool log_name(const char *name, size_t len)
{
    return (len > 15 && !strncmp(name, "postgresql.log.", 15)) ||
           (len == strlen("mysql-error.log") && !strncmp(name, "mysql-error.log", len));
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int rds_describe_db_log_files(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const char *dir = log_dir(r, in);
    if (!dir) return GR_ERR;
    int64_t max = val_get_int(in, "MaxRecords", 0); /* paged only when asked */
    str_t contains = val_get_str(in, "FilenameContains"), marker = val_get_str(in, "Marker");
    const char *after = marker.p ? arena_strndup(a, marker.p, marker.len) : NULL, *last = NULL,
               *part = contains.p ? arena_strndup(a, contains.p, contains.len) : NULL;
    int64_t since = val_get_int(in, "FileLastWritten", 0), larger = val_get_int(in, "FileSize", 0);
    /* the folder's files, by name: an hour's file sorts after the hour before */
    const char **names = NULL;
    size_t n = 0, cap = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); /* none yet: no log written */
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (dfd >= 0 && !d) close(dfd);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!log_name(e->d_name, strlen(e->d_name))) continue;
        if (n == cap) {
            const char **more = arena_alloc(a, (cap = cap ? cap * 2 : 32) * sizeof *more);
            if (!more) break;
            if (n) memcpy(more, names, n * sizeof *more);
            names = more;
        }
        names[n++] = arena_strdup(a, e->d_name);
    }
    if (n) qsort(names, n, sizeof *names, by_name);
    val_t *list = val_new(a, VAL_LIST);
    const char *next = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *shown = arena_printf(a, PREFIX "%s", names[i]);
        if (after && strcmp(shown, after) <= 0) continue; /* the marker is the last name of the page before */
        if (part && !strstr(shown, part)) continue;
        struct stat st;
        if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
        int64_t written = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (written < since || (int64_t)st.st_size <= larger) continue;
        if (max > 0 && (int64_t)val_len(list) == max) {
            next = last;
            break;
        }
        last = shown;
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "LogFileName", val_cstr(a, shown));
        val_set_c(a, v, "LastWritten", val_int(a, written));
        val_set_c(a, v, "Size", val_int(a, (int64_t)st.st_size));
        val_push(a, list, v);
    }
    if (d) closedir(d);
    val_set_c(a, out, "DescribeDBLogFiles", list);
    if (next) val_set_c(a, out, "Marker", val_cstr(a, next));
    return GR_OK;
}

/* Opens file name of folder dir for reading (its size in *size); -1 when
 * it cannot. Neither the folder nor the file is followed when a symbolic
 * link: the engine's own user, whose folder it is, could make one, and it
 * would lead off the instance's disk. */
static int open_log(const char *dir, const char *name, size_t *size)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return -1;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dfd);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0) *size = (size_t)st.st_size;
    return fd;
}

/* Bytes [off, off + n) of fd into a's memory; NULL when they cannot be
 * read (*got: how many were, fewer at the end of the file). */
static char *window(arena_t *a, int fd, size_t off, size_t n, size_t *got)
{
    char *buf = arena_alloc(a, n + 1);
    if (!buf) return NULL;
    *got = 0;
    while (*got < n) {
        ssize_t k = pread(fd, buf + *got, n - *got, (off_t)(off + *got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return NULL;
        if (k == 0) break;
        *got += (size_t)k;
    }
    return buf;
}

/* Only the answer's own bytes are read: 1 MB at most (MAX_BYTES, one
 * more before the last megabyte to see whether a line begins there). */
int rds_download_db_log_file_portion(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const char *dir = log_dir(r, in);
    if (!dir) return GR_ERR;
    str_t name = val_get_str(in, "LogFileName"), marker = val_get_str(in, "Marker");
    /* one file of the folder: error/postgresql.log.<no slash> or
     * error/mysql-error.log */
    str_t base = str_starts_with(name, str_c(PREFIX)) ? str_sub(name, 6, name.len - 6) : STR_NULL;
    size_t size = 0;
    int fd = -1;
    if (base.p && log_name(base.p, base.len) && !memchr(base.p, '/', base.len) && !memchr(base.p, 0, base.len))
        fd = open_log(dir, arena_strndup(a, base.p, base.len), &size);
    if (fd < 0) return req_fail(r, &RDS_ERR_DBLogFileNotFoundFault, "DBLogFile not found: %.*s", STR_FMT(name));
    bool lines_given = val_get(in, "NumberOfLines") != NULL;
    int64_t want = val_get_int(in, "NumberOfLines", MAX_LINES);
    long long at = 0;
    /* gureum's marker is the byte offset to go on from ("0": the start) */
    int rc = GR_OK;
    if (lines_given && want < 1)
        rc = req_fail(r, &ERR_InvalidParameterValue, "NumberOfLines must be greater than 0.");
    else if (marker.p && (!str_to_i64(marker, &at) || at < 0))
        rc = req_fail(r, &ERR_InvalidParameterValue, "Invalid marker: %.*s", STR_FMT(marker));
    if (want > MAX_LINES) want = MAX_LINES;
    char *buf = NULL;
    size_t from = 0, to = 0, end = size; /* the answer is buf[from, to); end: the file offset after it */
    if (rc == GR_OK && marker.p) {
        /* lines from the marker on: the first line alone may be cut at 1 MB */
        size_t off = (size_t)at < size ? (size_t)at : size, n = 0;
        size_t span = size - off < MAX_BYTES ? size - off : MAX_BYTES;
        if (!(buf = window(a, fd, off, span, &n))) rc = GR_ERR;
        for (int64_t k = 0; buf && to < n && k < want; k++) {
            const char *nl = memchr(buf + to, '\n', n - to);
            if (nl) {
                to = (size_t)(nl - buf) + 1;
                continue;
            }
            if (off + n == size || k == 0) to = n; /* the file's last line, or one longer than 1 MB */
            break;
        }
        end = off + to;
    } else if (rc == GR_OK) {
        /* the last lines: the window holds the byte before it, when there
         * is one, to tell whether its first line is whole */
        size_t lo = size > MAX_BYTES ? size - MAX_BYTES : 0, rd = lo ? lo - 1 : 0, first = lo ? 1 : 0, n = 0;
        if (!(buf = window(a, fd, rd, size - rd, &n))) rc = GR_ERR;
        from = to = n;
        for (int64_t k = 0; buf && from > first && k < want; k++) {
            size_t start = from - 1; /* past the newline that ends the line before */
            while (start > first && buf[start - 1] != '\n') start--;
            bool whole = start > first || !first || buf[0] == '\n';
            if (!whole && k > 0) break;
            from = start;
            if (!whole) break;
        }
        end = rd + n;
    }
    close(fd);
    if (rc != GR_OK) return rc;
    val_set_c(a, out, "LogFileData", val_str(a, str_n(buf + from, to - from)));
    val_set_c(a, out, "Marker", val_cstr(a, arena_printf(a, "%zu", end)));
    val_set_c(a, out, "AdditionalDataPending", val_bool(a, marker.p && end < size));
    return GR_OK;
}
