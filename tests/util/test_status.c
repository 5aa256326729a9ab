/*
 * test_status.c — the status table: names and messages exist for every
 * status, are distinct, follow the message style, and out-of-range values
 * are handled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ctype.h>
#include <string.h>

#include "util/status.h"

static void
test_status_ok_is_zero(void **state)
{
    (void)state;
    assert_int_equal(BS_OK, 0);
    assert_string_equal(bs_status_name(BS_OK), "OK");
    assert_string_equal(bs_status_name(BS_CONFLICT), "CONFLICT");
    assert_string_equal(bs_strerror(BS_NOTFOUND), "not found");
}

static void
test_status_every_message_is_lowercase_without_full_stop(void **state)
{
    (void)state;
    for (int i = 0; i < BS__STATUS_COUNT; i++) {
        const char *msg = bs_strerror((bs_status)i);
        size_t n = strlen(msg);
        assert_true(n > 0);
        assert_false(isupper((unsigned char)msg[0]));
        assert_int_not_equal(msg[n - 1], '.');
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(bs_status_name((bs_status)i), bs_status_name((bs_status)j));
            assert_string_not_equal(msg, bs_strerror((bs_status)j));
        }
    }
}

static void
test_status_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(bs_strerror(BS__STATUS_COUNT), "unknown status");
    assert_string_equal(bs_status_name((bs_status)-1), "UNKNOWN");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_ok_is_zero),
        cmocka_unit_test(test_status_every_message_is_lowercase_without_full_stop),
        cmocka_unit_test(test_status_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
