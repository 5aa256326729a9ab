/*
 * test_grow.c — bs_grow: room for one more item, doubling from `first`;
 * nothing moves while there is room; a size that would overflow is refused
 * with the array and its capacity untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/grow.h"

static void
test_grow_doubles_from_first_and_keeps_items(void **state)
{
    int64_t *items = NULL;
    size_t cap = 0, count = 0;

    (void)state;
    for (int64_t i = 0; i < 100; i++) {
        assert_int_equal(bs_grow(&items, &cap, count, sizeof(*items), 4), BS_OK);
        assert_true(cap > count);
        items[count++] = i * 7;
    }
    assert_int_equal(cap, 128); /* 4, 8, ..., 128 */
    for (int64_t i = 0; i < 100; i++)
        assert_int_equal(items[i], i * 7);
    free(items);
}

static void
test_grow_with_room_changes_nothing(void **state)
{
    int *items = malloc(8 * sizeof(*items)), *before = items;
    size_t cap = 8;

    (void)state;
    assert_non_null(items);
    assert_int_equal(bs_grow(&items, &cap, 7, sizeof(*items), 4), BS_OK);
    assert_ptr_equal(items, before);
    assert_int_equal(cap, 8);
    free(items);
}

static void
test_grow_past_size_max_is_refused_untouched(void **state)
{
    char *items = malloc(16), *before = items;
    size_t cap = SIZE_MAX / 2 + 1;

    (void)state;
    assert_non_null(items);
    assert_int_equal(bs_grow(&items, &cap, cap, 1, 4), BS_NOMEM);
    assert_ptr_equal(items, before);
    assert_int_equal(cap, SIZE_MAX / 2 + 1);
    cap = SIZE_MAX / 64;
    assert_int_equal(bs_grow(&items, &cap, cap, 64, 4), BS_NOMEM);
    assert_ptr_equal(items, before);
    assert_int_equal(cap, SIZE_MAX / 64);
    free(items);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_doubles_from_first_and_keeps_items),
        cmocka_unit_test(test_grow_with_room_changes_nothing),
        cmocka_unit_test(test_grow_past_size_max_is_refused_untouched),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
