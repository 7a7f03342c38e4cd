/* regions_test.c — the region table of core/regions.h: sorted and unique
 * (DescribeRegions lists it in this order), every botocore region of the
 * aws partition found, made-up names and other partitions' regions not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/regions.h"

static void sorted_and_unique(void **state)
{
    (void)state;
    size_t n;
    const region_t *all = region_all(&n);
    assert_true(n >= 34);
    for (size_t i = 1; i < n; i++) assert_true(strcmp(all[i - 1].name, all[i].name) < 0);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(region_find(str_c(all[i].name)), &all[i]);
        assert_true(strlen(all[i].letters) >= 2); /* every region has zones */
    }
}

static void finds_real_regions_only(void **state)
{
    (void)state;
    const region_t *seoul = region_find(STR("ap-northeast-2"));
    assert_non_null(seoul);
    assert_string_equal(seoul->code, "apne2");
    assert_false(seoul->opt_in);
    /* the newest, opt-in (botocore's endpoints.json) */
    assert_true(region_find(STR("ap-east-2"))->opt_in);
    assert_true(region_find(STR("ap-southeast-6"))->opt_in);
    /* LocalStack's recorded test_list_buckets_region_validation uses eu-east-1 */
    assert_null(region_find(STR("eu-east-1")));
    assert_null(region_find(STR("us-east")));
    assert_null(region_find(STR("us-east-10")));
    assert_null(region_find(STR("cn-north-1"))); /* partition aws-cn */
    assert_null(region_find(STR("")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(sorted_and_unique), cmocka_unit_test(finds_real_regions_only)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
