/* logs.c — DescribeDBLogFiles and DownloadDBLogFilePortion: a DB
 * instance's engine log files. The engine (engine.c) starts PostgreSQL with
 * its logging collector writing to the primary's machine disk
 * (/var/lib/rds/log, outside the data folder, so snapshots do not carry
 * them): one file an hour, postgresql.log.YYYY-MM-DD-HH as RDS names
 * them, with RDS's line prefix, listed as RDS lists them, under error/.
 * These handlers read that folder; a name must be one plain file name of
 * it, and neither it nor the folder is followed as a symbolic link, so a
 * request never reads outside it. A file is read whole into the request's
 * memory (an hour of a local database's log). */
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

/* The log folder of the caller's instance id, or NULL with r failed
 * (DBInstanceNotFound). */
static const char *log_dir(req_t *r, sqlite3 *db, str_t want)
{
    str_t id = rds__identifier(r, want, "DBInstanceIdentifier", 63);
    if (!id.p) return NULL;
    const char *node = rds__instance_column(r, db, id, "node");
    if (!node) {
        /* AWS (recorded, DescribeDBInstances): "DBInstance mydb not found." */
        req_fail(r, &RDS_ERR_DBInstanceNotFoundFault, "DBInstance %.*s not found.", STR_FMT(want));
        return NULL;
    }
    return rds__log_dir(r->arena, r->app, r->who.account, r->region, id, atoi(node));
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int rds_describe_db_log_files(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    const char *dir = log_dir(r, db, val_get_str(in, "DBInstanceIdentifier"));
    if (!dir) return GR_ERR;
    int64_t max = val_get_int(in, "MaxRecords", 0); /* paged only when asked */
    str_t contains = val_get_str(in, "FilenameContains"), marker = val_get_str(in, "Marker");
    const char *after = marker.p ? arena_strndup(a, marker.p, marker.len) : NULL, *last = NULL;
    int64_t since = val_get_int(in, "FileLastWritten", 0), larger = val_get_int(in, "FileSize", 0);
    /* the folder's files, by name: an hour's file sorts after the hour before */
    const char **names = NULL;
    size_t n = 0, cap = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); /* none yet: no log written */
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (dfd >= 0 && !d) close(dfd);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, "postgresql.log.", 15) != 0) continue;
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
        if (contains.p && !strstr(shown, arena_strndup(a, contains.p, contains.len))) continue;
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

/* Reads all of file name of folder dir into a's memory (*len bytes); NULL
 * when it cannot. Neither the folder nor the file is followed when a
 * symbolic link: the engine's own user, whose folder it is, could make
 * one, and it would lead off the instance's disk. */
static char *slurp(arena_t *a, const char *dir, const char *name, size_t *len)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return NULL;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dfd);
    if (fd < 0) return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (buf = arena_alloc(a, (size_t)st.st_size + 1))) {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            got += (size_t)k;
        }
        buf[got] = 0;
        *len = got;
    }
    close(fd);
    return buf;
}

int rds_download_db_log_file_portion(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    const char *dir = log_dir(r, db, val_get_str(in, "DBInstanceIdentifier"));
    if (!dir) return GR_ERR;
    str_t name = val_get_str(in, "LogFileName"), marker = val_get_str(in, "Marker");
    /* one file of the folder: error/postgresql.log.<no slash> */
    str_t base = str_starts_with(name, str_c(PREFIX)) ? str_sub(name, 6, name.len - 6) : STR_NULL;
    size_t len = 0;
    char *data = NULL;
    if (base.p && str_starts_with(base, str_c("postgresql.log.")) && !memchr(base.p, '/', base.len) &&
        !memchr(base.p, 0, base.len))
        data = slurp(a, dir, arena_strndup(a, base.p, base.len), &len);
    if (!data) return req_fail(r, &RDS_ERR_DBLogFileNotFoundFault, "DBLogFile not found: %.*s", STR_FMT(name));
    bool lines_given = val_get(in, "NumberOfLines") != NULL;
    int64_t want = val_get_int(in, "NumberOfLines", MAX_LINES);
    if (lines_given && want < 1)
        return req_fail(r, &ERR_InvalidParameterValue, "NumberOfLines must be greater than 0.");
    if (want > MAX_LINES) want = MAX_LINES;
    size_t from, to;
    if (marker.p) {
        /* gureum's marker is the byte offset to go on from ("0": the start) */
        long long at = 0;
        if (!str_to_i64(marker, &at) || at < 0)
            return req_fail(r, &ERR_InvalidParameterValue, "Invalid marker: %.*s", STR_FMT(marker));
        from = (size_t)at < len ? (size_t)at : len;
        to = from;
        for (int64_t k = 0; to < len && k < want; k++) {
            const char *nl = memchr(data + to, '\n', len - to);
            size_t end = nl ? (size_t)(nl - data) + 1 : len;
            if (end - from > MAX_BYTES && k > 0) break;
            to = end;
        }
    } else {
        /* the last lines of the file */
        to = len;
        from = len;
        for (int64_t k = 0; from > 0 && k < want; k++) {
            size_t start = from - 1; /* past the newline that ends the line before */
            while (start > 0 && data[start - 1] != '\n') start--;
            if (to - start > MAX_BYTES && k > 0) break;
            from = start;
        }
    }
    if (to - from > MAX_BYTES) to = from + MAX_BYTES;
    val_set_c(a, out, "LogFileData", val_str(a, str_n(data + from, to - from)));
    val_set_c(a, out, "Marker", val_cstr(a, arena_printf(a, "%zu", to)));
    val_set_c(a, out, "AdditionalDataPending", val_bool(a, marker.p && to < len));
    return GR_OK;
}
