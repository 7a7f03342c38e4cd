/* cloudfront_cache_test.c — the CloudFront edge cache (services/cloudfront/
 * edge.c) on its own: what is put is got back with its age until its TTL
 * passes (a fake clock stands in for waiting), invalidation paths drop the
 * exact key or everything under a "*" prefix, for their distribution only,
 * a fresher copy replaces the old one, and the least recently used entries
 * go first when the byte bound is reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "services/cloudfront/cloudfront.h"

static req_t *new_req(void)
{
    arena_t *a = arena_new(0);
    req_t *r = ARENA_NEW(a, req_t);
    r->arena = a;
    return r;
}

static cf_hit_t object(const char *body)
{
    return (cf_hit_t){.body = str_c(body),
                      .content_type = STR("text/plain"),
                      .etag = STR("\"e\""),
                      .last_modified = STR(""),
                      .cache_control = STR(""),
                      .server = STR("AmazonS3")};
}

static bool has(req_t *r, const char *dist, const char *key, const char *want_body)
{
    cf_hit_t h;
    if (!cf__cache_get(r, dist, str_c(key), &h)) return false;
    if (want_body) assert_true(str_eq_c(h.body, want_body));
    return true;
}

static int teardown(void **state)
{
    (void)state;
    cloudfront_stop(NULL);
    time_set_fake_now_us(0);
    return 0;
}

static void test_put_get_and_ttl(void **state)
{
    (void)state;
    req_t *r = new_req();
    time_set_fake_now_us(1000000000000000LL);
    cf_hit_t o = object("v1");
    cf__cache_put("E1", STR("/a.txt"), &o, 60);
    cf_hit_t h;
    assert_true(cf__cache_get(r, "E1", STR("/a.txt"), &h));
    assert_true(str_eq_c(h.body, "v1"));
    assert_true(str_eq_c(h.content_type, "text/plain"));
    assert_int_equal(h.age_s, 0);
    assert_false(has(r, "E2", "/a.txt", NULL)); /* another distribution's */
    assert_false(has(r, "E1", "/a.txt?x=1", NULL));
    time_set_fake_now_us(1000000000000000LL + 59 * 1000000LL);
    assert_true(cf__cache_get(r, "E1", STR("/a.txt"), &h));
    assert_int_equal(h.age_s, 59);
    time_set_fake_now_us(1000000000000000LL + 60 * 1000000LL);
    assert_false(has(r, "E1", "/a.txt", NULL)); /* expired */
    cf_hit_t never = object("x");
    cf__cache_put("E1", STR("/b"), &never, 0); /* a TTL of 0 keeps nothing */
    assert_false(has(r, "E1", "/b", NULL));
    arena_free(r->arena);
}

static void test_invalidation_paths(void **state)
{
    (void)state;
    req_t *r = new_req();
    const char *keys[] = {"/img/a.png", "/img/b.png", "/img/b.png?w=10", "/index.html", "/imgx"};
    cf_hit_t o = object("o");
    for (size_t i = 0; i < 5; i++) {
        cf__cache_put("E1", str_c(keys[i]), &o, 3600);
        cf__cache_put("E2", str_c(keys[i]), &o, 3600);
    }
    cf__cache_invalidate("E1", STR("/img/b.png")); /* exact: its query string variant stays */
    assert_false(has(r, "E1", "/img/b.png", NULL));
    assert_true(has(r, "E1", "/img/b.png?w=10", NULL));
    cf__cache_invalidate("E1", STR("/img/*"));
    assert_false(has(r, "E1", "/img/a.png", NULL));
    assert_false(has(r, "E1", "/img/b.png?w=10", NULL));
    assert_true(has(r, "E1", "/imgx", NULL));
    assert_true(has(r, "E1", "/index.html", NULL));
    assert_true(has(r, "E2", "/img/a.png", NULL)); /* the other distribution keeps its own */
    cf__cache_drop("E1");
    assert_false(has(r, "E1", "/index.html", NULL));
    assert_true(has(r, "E2", "/index.html", NULL));
    arena_free(r->arena);
}

static void test_replace_and_evict(void **state)
{
    (void)state;
    req_t *r = new_req();
    cf_hit_t v1 = object("v1"), v2 = object("v2");
    cf__cache_put("E1", STR("/k"), &v1, 3600);
    cf__cache_put("E1", STR("/k"), &v2, 3600);
    assert_true(has(r, "E1", "/k", "v2"));
    /* 64 MB in all: four 20 MB objects cannot all stay; the least recently
     * used goes first (/big0 was read again, so /big1 goes) */
    size_t n = 20u << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = 0;
    cf_hit_t b = object(big);
    cf__cache_put("E1", STR("/big0"), &b, 3600);
    cf__cache_put("E1", STR("/big1"), &b, 3600);
    assert_true(has(r, "E1", "/big0", NULL));
    cf__cache_put("E1", STR("/big2"), &b, 3600);
    cf__cache_put("E1", STR("/big3"), &b, 3600);
    assert_true(has(r, "E1", "/big0", NULL));
    assert_false(has(r, "E1", "/big1", NULL));
    assert_true(has(r, "E1", "/big2", NULL));
    assert_true(has(r, "E1", "/big3", NULL));
    /* over 20 MB an object is not kept at all */
    big = realloc(big, n + 2);
    memset(big, 'y', n + 1);
    big[n + 1] = 0;
    cf_hit_t huge = object(big);
    cf__cache_put("E1", STR("/huge"), &huge, 3600);
    assert_false(has(r, "E1", "/huge", NULL));
    free(big);
    arena_free(r->arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_put_get_and_ttl, teardown),
        cmocka_unit_test_teardown(test_invalidation_paths, teardown),
        cmocka_unit_test_teardown(test_replace_and_evict, teardown),
    };
    return cmocka_run_group_tests_name("services/cloudfront_cache", tests, NULL, NULL);
}
