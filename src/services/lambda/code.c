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

/* The directory for /opt of a function using layers ids[0..n) (code ids, in
 * order; a later layer's files win), extracted once into
 * DATA/lambda/opt/<sha256 of the ids>. NULL on failure. */
const char *lambda__layers_dir(app_t *app, arena_t *a, const str_t *ids, size_t n)
{
    buf_t key;
    buf_init(&key, a);
    for (size_t i = 0; i < n; i++) {
        buf_put_str(&key, ids[i]);
        buf_putc(&key, '/');
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    str_t k = buf_str(&key);
    if (!EVP_Digest(k.p, k.len, md, &mdlen, EVP_sha256(), NULL)) return NULL;
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    const char *root = code_root(app, a);
    char *optroot = arena_strdup(a, root);
    *strrchr(optroot, '/') = 0;
    optroot = arena_printf(a, "%s/opt", optroot);
    const char *dir = arena_printf(a, "%s/%s", optroot, hex);
    struct stat sb;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) return dir;
    mkdir(optroot, 0755);
    char rnd[17];
    id_random_chars(rnd, 16, "0123456789abcdef");
    const char *td = arena_printf(a, "%s/.tmp-%s", optroot, rnd);
    if (mkdir(td, 0755) < 0) return NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = run_unzip(lambda__code_zip(app, a, ids[i]), td);
        if (rc < 0 || rc > 1) {
            nftw(td, rm_walk, 16, FTW_DEPTH | FTW_PHYS);
            return NULL;
        }
    }
    tree_bytes = 0;
    nftw(td, walk, 16, FTW_PHYS);
    if (rename(td, dir) < 0) nftw(td, rm_walk, 16, FTW_DEPTH | FTW_PHYS); /* an identical set won the race */
    return dir;
}

void lambda_inspect(req_t *r)
{
    static const char pre[] = "/_gureum/lambda/code/";
    str_t p = r->w.path;
    bool ok = p.len == sizeof pre - 1 + 64 + 4 && str_starts_with(p, STR(pre)) && str_ends_with(p, STR(".zip"));
    for (size_t i = sizeof pre - 1; ok && i < sizeof pre - 1 + 64; i++)
        ok = (p.p[i] >= '0' && p.p[i] <= '9') || (p.p[i] >= 'a' && p.p[i] <= 'f');
    int fd = -1;
    struct stat sb;
    if (ok && str_eq_c(r->w.method, "GET")) {
        /* the id is 64 hex digits, checked above: never a path of the client's */
        const char *zpath = lambda__code_zip(r->app, r->arena, str_n(p.p + sizeof pre - 1, 64));
        fd = open(zpath, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, &sb) < 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        r->resp.status = 404;
        wire_resp_header(&r->resp, r->arena, "Content-Type", STR("application/json"));
        buf_puts(&r->resp.body, "{\"error\":\"no such code\"}\n");
        return;
    }
    r->resp.status = 200;
    wire_resp_header(&r->resp, r->arena, "Content-Type", STR("application/zip"));
    r->resp.fd = fd;
    r->resp.off = 0;
    r->resp.len = (size_t)sb.st_size;
}
