/*
 * test_dynlib.c — opening a system library at first use: a library and its
 * functions are found and work; a missing library, or a missing function
 * in one that is there, is BS_UNAVAILABLE with a sentence naming it, and the
 * first such sentence of the process is the one bs_dynlib_failure() keeps.
 * The cases run in order in one process: the first checks that nothing has
 * failed yet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "util/dynlib.h"

static char first_error[BS_DYNLIB_ERROR_SIZE], second_error[BS_DYNLIB_ERROR_SIZE];

static void
test_dynlib_opens_a_library_and_finds_its_functions(void **state)
{
    static char error[BS_DYNLIB_ERROR_SIZE];
    const char *const names[] = {"strlen", "strcmp"};
    void *addrs[2] = {NULL, NULL};
    size_t (*length)(const char *);
    int (*compare)(const char *, const char *);

    (void)state;
    assert_int_equal(bs_dynlib_open("libc.so.6", names, 2, addrs, error), BS_OK);
    memcpy(&length, &addrs[0], sizeof(length));
    memcpy(&compare, &addrs[1], sizeof(compare));
    assert_int_equal(length("bitslot"), 7);
    assert_true(compare("a", "b") < 0);
    assert_null(bs_dynlib_failure());
}

static void
test_dynlib_a_missing_library_is_unavailable_and_named(void **state)
{
    const char *const names[] = {"strlen"};
    void *addrs[1];

    (void)state;
    assert_int_equal(bs_dynlib_open("libbitslot-none.so.9", names, 1, addrs, first_error),
                     BS_UNAVAILABLE);
    assert_non_null(strstr(first_error, "cannot load libbitslot-none.so.9: "));
    assert_non_null(strstr(first_error, "cannot open shared object file"));
    assert_ptr_equal(bs_dynlib_failure(), first_error);
}

static void
test_dynlib_a_missing_function_is_named_and_the_first_failure_kept(void **state)
{
    const char *const names[] = {"strlen", "bs_no_such_function"};
    void *addrs[2];

    (void)state;
    assert_int_equal(bs_dynlib_open("libc.so.6", names, 2, addrs, second_error), BS_UNAVAILABLE);
    assert_non_null(strstr(second_error, "cannot load libc.so.6: no function bs_no_such_function"));
    assert_ptr_equal(bs_dynlib_failure(), first_error);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dynlib_opens_a_library_and_finds_its_functions),
        cmocka_unit_test(test_dynlib_a_missing_library_is_unavailable_and_named),
        cmocka_unit_test(test_dynlib_a_missing_function_is_named_and_the_first_failure_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
