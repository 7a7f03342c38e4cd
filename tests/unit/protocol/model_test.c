/* model_test.c — lookups in generated model tables (src/protocol/model.c):
 * binary search over counted names (prefixes, misses), error codes shared by
 * several shapes, and member lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/model.h"

static const aws_errdef_t E_A = {"AccessDenied", 403, true};
static const aws_errdef_t E_N1 = {"NoSuchThing", 404, true};
static const aws_errdef_t E_N2 = {"NoSuchThing", 404, true};
static const aws_errdef_t E_Z = {"Zzz", 500, false};
static const shape_t S_A = {.name = "AccessDeniedException", .type = SH_STRUCTURE, .err = &E_A};
static const shape_t S_N1 = {.name = "NoSuchThing1", .type = SH_STRUCTURE, .err = &E_N1};
static const shape_t S_N2 = {.name = "NoSuchThing2", .type = SH_STRUCTURE, .err = &E_N2};
static const shape_t S_Z = {.name = "ZzzFault", .type = SH_STRUCTURE, .err = &E_Z};
static const shape_t *const ERRS[] = {&S_A, &S_N1, &S_N2, &S_Z};
static const shape_t S_STR = {.name = "S", .type = SH_STRING};
static const member_t M[] = {{.name = "A", .shape = &S_STR}, {.name = "Bb", .shape = &S_STR}};
static const shape_t S_ST = {.name = "St", .type = SH_STRUCTURE, .nmembers = 2, .members = M};
static const op_t OPS[] = {
    {.name = "List"}, {.name = "ListTables"}, {.name = "ListTags"}, {.name = "Put"}, {.name = "PutItem"},
};
static const svc_model_t MODEL = {.id = "t", .ops = OPS, .nops = 5, .errors = ERRS, .nerrors = 4};

static void test_find_op(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) assert_ptr_equal(model_find_op(&MODEL, str_c(OPS[i].name)), &OPS[i]);
    assert_null(model_find_op(&MODEL, STR("Lis")));
    assert_null(model_find_op(&MODEL, STR("ListTablesX")));
    assert_null(model_find_op(&MODEL, STR("")));
    assert_null(model_find_op(&MODEL, STR_NULL));
    assert_null(model_find_op(&MODEL, STR("A")));
    assert_null(model_find_op(&MODEL, STR("Zed")));
    /* counted: a longer buffer is not read past len */
    assert_ptr_equal(model_find_op(&MODEL, str_n("PutItemXYZ", 7)), &OPS[4]);
}

static void test_find_error(void **state)
{
    (void)state;
    assert_ptr_equal(model_find_error(&MODEL, STR("AccessDenied")), &S_A);
    assert_ptr_equal(model_find_error(&MODEL, STR("NoSuchThing")), &S_N1); /* the first of equal codes */
    assert_ptr_equal(model_find_error(&MODEL, STR("Zzz")), &S_Z);
    assert_null(model_find_error(&MODEL, STR("NoSuch")));
    assert_null(model_find_error(&MODEL, STR("ZzzFault")));
}

static void test_member(void **state)
{
    (void)state;
    assert_ptr_equal(model_member(&S_ST, "Bb"), &M[1]);
    assert_null(model_member(&S_ST, "B"));
    assert_null(model_member(&S_STR, "A"));
    assert_null(model_member(NULL, "A"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_op),
        cmocka_unit_test(test_find_error),
        cmocka_unit_test(test_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
