/* code.c — a function's code: the uploaded zip, kept once per content hash
 * under DATA/lambda/code/<sha256 hex>.zip, and its extraction beside it in
 * DATA/lambda/code/<sha256 hex>/ (the runtime's task directory).
 *
 * Both are written under temporary names and renamed into place, so a crash
 * leaves either nothing or a complete file/tree; a tree that exists is never
 * changed again (functions sharing a zip share it). Extraction runs the
 * system's unzip, which refuses names that climb out of the target. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/id.h"
#include "core/log.h"
#include "lambda_model.h"
#include "services/lambda/lambda_int.h"

extern char **environ;

#define ZIP_MAX (50u << 20)      /* AWS: 50 MB zipped for a direct upload */
#define UNZIPPED_MAX 262144000LL /* AWS: 250 MB unzipped */

static const char *code_root(app_t *app, arena_t *a)
{
    char real[PATH_MAX];
    const char *d = store_datadir(app->store);
    if (realpath(d, real)) d = real;
    return arena_printf(a, "%s/lambda/code", d);
}

const char *lambda__code_dir(app_t *app, arena_t *a, str_t code_id)
{
    return arena_printf(a, "%s/%.*s", code_root(app, a), STR_FMT(code_id));
}

const char *lambda__code_zip(app_t *app, arena_t *a, str_t code_id)
{
    return arena_printf(a, "%s/%.*s.zip", code_root(app, a), STR_FMT(code_id));
}

static __thread long long tree_bytes; /* nftw has no user pointer */

/* Sums sizes and opens the tree to the sandbox's unprivileged user: zips
 * often carry 0600 modes (Python's zipfile writes them). */
static int walk(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type == FTW_D || type == FTW_DP)
        chmod(path, 0755);
    else if (type == FTW_F) {
        tree_bytes += sb->st_size;
        chmod(path, (sb->st_mode & 0100) ? 0755 : 0644);
    }
    return 0;
}

static int rm_walk(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb, (void)type, (void)ftw;
    remove(path);
    return 0;
}

static int run_unzip(const char *zip, const char *dir)
{
    char *argv[] = {"unzip", "-qq", "-o", (char *)zip, "-d", (char *)dir, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, "unzip", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int lambda__store_code(req_t *r, str_t zip, lambda__fn_t *f)
{
    arena_t *a = r->arena;
    app_t *app = r->app;
    if (zip.len > ZIP_MAX)
        return req_fail(r, &LAMBDA_ERR_RequestTooLargeException,
                        "Request must be smaller than 69905067 bytes for the CreateFunction operation");
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(zip.p, zip.len, md, &mdlen, EVP_sha256(), NULL)) return GR_ERR;
    char hex[65], b64[48];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    EVP_EncodeBlock((unsigned char *)b64, md, 32);
    f->code_id = str_c(arena_strdup(a, hex));
    f->code_sha256 = str_c(arena_strdup(a, b64));
    f->code_size = (int64_t)zip.len;
    const char *root = code_root(app, a), *dir = lambda__code_dir(app, a, f->code_id),
               *zpath = lambda__code_zip(app, a, f->code_id);
    struct stat sb;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) return GR_OK;
    char *lroot = arena_strdup(a, root);
    *strrchr(lroot, '/') = 0; /* DATA/lambda */
    mkdir(lroot, 0755);
    mkdir(root, 0755);
    char rnd[17];
    id_random_chars(rnd, 16, "0123456789abcdef");
    const char *tz = arena_printf(a, "%s/.tmp-%s.zip", root, rnd), *td = arena_printf(a, "%s/.tmp-%s", root, rnd);
    int fd = open(tz, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_error("lambda: cannot write %s: %s", tz, strerror(errno));
        return GR_ERR;
    }
    size_t off = 0;
    while (off < zip.len) {
        ssize_t n = write(fd, zip.p + off, zip.len - off);
        if (n <= 0) {
            close(fd);
            unlink(tz);
            return GR_ERR;
        }
        off += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        unlink(tz);
        return GR_ERR;
    }
    int rc = run_unzip(tz, td);
    if (rc < 0 || rc > 1) { /* 1 = warnings only */
        nftw(td, rm_walk, 16, FTW_DEPTH | FTW_PHYS);
        unlink(tz);
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Could not unzip uploaded file. Please check your file, then try to upload again.");
    }
    mkdir(td, 0755); /* an empty zip extracts to nothing */
    tree_bytes = 0;
    nftw(td, walk, 16, FTW_PHYS);
    if (tree_bytes > UNZIPPED_MAX) {
        nftw(td, rm_walk, 16, FTW_DEPTH | FTW_PHYS);
        unlink(tz);
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Unzipped size must be smaller than %lld bytes",
                        UNZIPPED_MAX);
    }
    if (rename(tz, zpath) < 0 || (rename(td, dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)) {
        nftw(td, rm_walk, 16, FTW_DEPTH | FTW_PHYS);
        unlink(tz);
        return GR_ERR;
    }
    nftw(td, rm_walk, 16, FTW_DEPTH | FTW_PHYS); /* lost a race with an identical upload */
    return GR_OK;
}
