/* blob_test.c — unit tests for src/store/blob.c: write/commit/read back,
 * abort, garbage collection, id validation and injected I/O faults.
 * Each test works in its own fresh data directory under /tmp; after every
 * failure path the test checks that no file was left behind. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fault.h"
#include "store/store.h"

typedef struct {
    char dir[128];
    store_t *s;
} fx_t;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/gureum-blob-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->s = store_open(f->dir, DURABILITY_NORMAL);
    assert_non_null(f->s);
    fault_reset();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    fault_reset();
    store_close(f->s);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Regular files under DATA/<sub>, recursively. */
static int count_files_in(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0) continue;
        n += S_ISDIR(st.st_mode) ? count_files_in(p) : 1;
    }
    closedir(d);
    return n;
}

static int count_files(fx_t *f, const char *sub)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", f->dir, sub);
    return count_files_in(p);
}

static void put(fx_t *f, const char *data, char id[33])
{
    blob_writer_t *w = blob_begin(f->s);
    assert_non_null(w);
    assert_int_equal(blob_write(w, data, strlen(data)), GR_OK);
    assert_int_equal(blob_commit(w, id), GR_OK);
}

static void test_write_commit_read(void **state)
{
    fx_t *f = *state;
    /* Several writes, one of them larger than a pipe/page, make one blob. */
    size_t big = 300000;
    char *buf = malloc(big);
    for (size_t i = 0; i < big; i++) buf[i] = (char)(i * 31 + 7);
    blob_writer_t *w = blob_begin(f->s);
    assert_non_null(w);
    assert_int_equal(count_files(f, "tmp"), 1);
    assert_int_equal(blob_write(w, "hello ", 6), GR_OK);
    assert_int_equal(blob_write(w, buf, big), GR_OK);
    assert_int_equal(blob_write(w, "", 0), GR_OK);
    char id[33];
    assert_int_equal(blob_commit(w, id), GR_OK);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 1);

    char path[512];
    snprintf(path, sizeof path, "%s/blobs/%.2s/%s", f->dir, id, id);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    off_t size = -1;
    int fd = blob_open(f->s, id, &size);
    assert_true(fd >= 0);
    assert_int_equal(size, 6 + big);
    char *back = malloc(6 + big);
    size_t got = 0;
    for (ssize_t r; got < 6 + big && (r = read(fd, back + got, 6 + big - got)) > 0;) got += (size_t)r;
    close(fd);
    assert_int_equal(got, 6 + big);
    assert_memory_equal(back, "hello ", 6);
    assert_memory_equal(back + 6, buf, big);
    free(back);
    free(buf);

    /* Ids differ per blob; delete removes; a second delete is still fine. */
    char id2[33];
    put(f, "x", id2);
    assert_string_not_equal(id, id2);
    assert_int_equal(blob_delete(f->s, id), GR_OK);
    assert_int_equal(blob_open(f->s, id, &size), -1);
    assert_int_equal(blob_delete(f->s, id), GR_OK);
    assert_int_equal(count_files(f, "blobs"), 1);
}

static void test_empty_blob_and_strict(void **state)
{
    fx_t *f = *state;
    store_t *strict = store_open(f->dir, DURABILITY_STRICT);
    blob_writer_t *w = blob_begin(strict);
    assert_non_null(w);
    char id[33];
    assert_int_equal(blob_commit(w, id), GR_OK);
    off_t size = -1;
    int fd = blob_open(strict, id, &size);
    assert_true(fd >= 0);
    assert_int_equal(size, 0);
    close(fd);
    store_close(strict);
}

static void test_abort_leaves_nothing(void **state)
{
    fx_t *f = *state;
    blob_writer_t *w = blob_begin(f->s);
    assert_non_null(w);
    assert_int_equal(blob_write(w, "partial", 7), GR_OK);
    blob_abort(w);
    blob_abort(NULL);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 0);
}

static bool live_if_listed(const char *id, void *ud)
{
    for (char **l = ud; *l; l++)
        if (strcmp(*l, id) == 0) return true;
    return false;
}

static void test_gc(void **state)
{
    fx_t *f = *state;
    char keep1[33], keep2[33], drop1[33], drop2[33];
    put(f, "keep 1", keep1);
    put(f, "keep 2", keep2);
    put(f, "drop 1", drop1);
    put(f, "drop 2", drop2);
    /* An upload in progress at the crash, and a stray file in tmp. */
    blob_writer_t *w = blob_begin(f->s);
    assert_int_equal(blob_write(w, "half", 4), GR_OK);
    char stray[512];
    snprintf(stray, sizeof stray, "%s/tmp/stray", f->dir);
    fclose(fopen(stray, "w"));
    /* Something in blobs/ that is not an id is not ours to remove. */
    char foreign[512];
    snprintf(foreign, sizeof foreign, "%s/blobs/%.2s/README", f->dir, keep1);
    fclose(fopen(foreign, "w"));
    assert_int_equal(count_files(f, "tmp"), 2);
    assert_int_equal(count_files(f, "blobs"), 5);

    char *live[] = {keep1, keep2, NULL};
    assert_int_equal(store_gc_blobs(f->s, live_if_listed, live), 4);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 3);
    off_t size;
    int fd = blob_open(f->s, keep1, &size);
    assert_true(fd >= 0);
    close(fd);
    fd = blob_open(f->s, keep2, &size);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(blob_open(f->s, drop1, &size), -1);
    assert_int_equal(blob_open(f->s, drop2, &size), -1);
    assert_int_equal(access(foreign, F_OK), 0);
    /* Nothing left to collect. */
    assert_int_equal(store_gc_blobs(f->s, live_if_listed, live), 0);
    blob_abort(w); /* its file is already gone; abort must cope */
}

static void test_open_refuses_bad_ids(void **state)
{
    fx_t *f = *state;
    char id[33];
    put(f, "secret", id);
    /* A file an attacker would like to reach, placed where a naive path join would find it. */
    char upper[33];
    for (int i = 0; i < 33; i++) upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
    char idnl[40];
    snprintf(idnl, sizeof idnl, "%s\n", id);
    static const char *const bad[] = {
        "../../etc/passwd",
        "",
        "..",
        "/etc/passwd",
        "0123456789abcdef0123456789abcde",   /* 31 */
        "0123456789abcdef0123456789abcdef0", /* 33 */
        "0123456789abcdef0123456789abcdeg",
        "../0123456789abcdef0123456789ab",
        "00/../../../../../../etc/passwd_",
    };
    off_t size;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(blob_open(f->s, bad[i], &size), -1);
        assert_int_equal(blob_delete(f->s, bad[i]), GR_ERR);
    }
    assert_int_equal(blob_open(f->s, NULL, &size), -1);
    bool has_letter = strpbrk(id, "abcdef") != NULL;
    if (has_letter) assert_int_equal(blob_open(f->s, upper, &size), -1);
    assert_int_equal(blob_open(f->s, idnl, &size), -1);
    /* A well-formed id that does not exist is just missing. */
    assert_int_equal(blob_open(f->s, "00000000000000000000000000000000", &size), -1);
    int fd = blob_open(f->s, id, &size);
    assert_true(fd >= 0);
    close(fd);
}

/* Each fault site makes the commit fail and leaves no file anywhere. */
static void commit_with_fault(fx_t *f, const char *site, unsigned nth)
{
    blob_writer_t *w = blob_begin(f->s);
    assert_non_null(w);
    fault_arm(site, nth);
    if (blob_write(w, "data", 4) != GR_OK) {
        blob_abort(w);
    } else {
        char id[33] = "not-touched";
        assert_int_equal(blob_commit(w, id), GR_ERR);
        assert_string_equal(id, "");
    }
    assert_int_equal(fault_fired(), 1);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 0);
    fault_reset();
}

static void test_faults(void **state)
{
    fx_t *f = *state;
    commit_with_fault(f, "blob.write", 1);
    commit_with_fault(f, "blob.fsync", 1);
    commit_with_fault(f, "blob.rename", 1);
    /* "*" counts every site: hits are write(1), fsync(2), rename(3). */
    for (unsigned n = 1; n <= 3; n++) commit_with_fault(f, "*", n);
    /* Armed beyond the last hit: the commit succeeds and nothing fires. */
    fault_arm("*", 4);
    char id[33];
    put(f, "data", id);
    assert_int_equal(fault_fired(), 0);
    assert_int_equal(count_files(f, "blobs"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_commit_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_blob_and_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_bad_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
