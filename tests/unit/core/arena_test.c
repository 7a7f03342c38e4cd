/* arena_test.c — the request arena: alignment, budget, cleanups, realloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"

static void test_alloc_aligned_and_zeroed(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    for (int i = 1; i < 100; i++) {
        char *p = arena_zalloc(a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (int k = 0; k < i; k++) assert_int_equal(p[k], 0);
        memset(p, 'x', (size_t)i);
    }
    char *big = arena_alloc(a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    arena_free(a);
}

static void test_budget_is_sticky(void **state)
{
    (void)state;
    arena_t *a = arena_new(1000);
    assert_non_null(arena_alloc(a, 600));
    assert_false(arena_failed(a));
    assert_null(arena_alloc(a, 600));
    assert_true(arena_failed(a));
    assert_null(arena_alloc(a, 1)); /* sticky: even a small one fails now */
    arena_free(a);
}

static int cleanup_order[4], ncleanup;
static void note(void *arg) { cleanup_order[ncleanup++] = (int)(intptr_t)arg; }

static void test_defer_runs_last_first(void **state)
{
    (void)state;
    ncleanup = 0;
    arena_t *a = arena_new(0);
    arena_defer(a, note, (void *)1);
    arena_defer(a, note, (void *)2);
    arena_defer(a, note, (void *)3);
    arena_free(a);
    assert_int_equal(ncleanup, 3);
    assert_int_equal(cleanup_order[0], 3);
    assert_int_equal(cleanup_order[2], 1);
}

static void test_printf_and_strdup(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    assert_string_equal(arena_printf(a, "%s-%d", "x", 42), "x-42");
    str_t s = arena_str(a, STR("abc"));
    assert_int_equal(s.len, 3);
    assert_string_equal(s.p, "abc");
    char *r = arena_realloc(a, arena_strdup(a, "hello"), 6, 100);
    assert_string_equal(r, "hello");
    arena_free(a);
}

static void test_buf_grows_and_fails_cleanly(void **state)
{
    (void)state;
    arena_t *a = arena_new(4096);
    buf_t b;
    buf_init(&b, a);
    for (int i = 0; i < 100; i++) buf_printf(&b, "%02d", i);
    assert_int_equal(b.len, 200);
    assert_memory_equal(b.p, "000102", 6);
    for (int i = 0; i < 1000; i++) buf_puts(&b, "0123456789");
    assert_true(b.failed); /* over the arena budget: appends stop, flag set */
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_and_zeroed), cmocka_unit_test(test_budget_is_sticky),
        cmocka_unit_test(test_defer_runs_last_first),    cmocka_unit_test(test_printf_and_strdup),
        cmocka_unit_test(test_buf_grows_and_fails_cleanly),
    };
    return cmocka_run_group_tests_name("core/arena", tests, NULL, NULL);
}
