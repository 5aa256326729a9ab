/*
 * test_price.c — the price of the next slot (DESIGN.md §3) and the
 * operator's fee, in exact satoshis: the minimum with no sale or after the
 * last slot ended, 2·P at the sale falling in a straight line to the minimum
 * at the end of the last slot (rounded down), the original's doubling
 * example, a clock behind the sale, the 21 million BTC cap, 128-bit
 * intermediates, and the fee rounded up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "core/price.h"
#include "util/money.h"

#define DAY INT64_C(86400)
#define T0  INT64_C(1700000000)

static bs_price_last
sale(int64_t price, int64_t time, int64_t end)
{
    bs_price_last last = {.exists = true, .price = price, .time = time, .end = end};

    return last;
}

static void
test_price_no_sale_is_min(void **state)
{
    bs_price_last none = {.exists = false, .price = 5000, .time = T0, .end = T0 + DAY};

    (void)state;
    assert_int_equal(bs_price_next(1000, &none, T0), 1000);
    assert_int_equal(bs_price_next(1000, &none, T0 + 10), 1000);
    assert_int_equal(bs_price_next(1, &none, 0), 1);
}

static void
test_price_after_last_slot_ended_is_min(void **state)
{
    bs_price_last last = sale(5000, T0, T0 + DAY);

    (void)state;
    /* now == end: the slot [start, end) is over. */
    assert_int_equal(bs_price_next(1000, &last, T0 + DAY), 1000);
    assert_int_equal(bs_price_next(1000, &last, T0 + DAY + 1), 1000);
    assert_int_equal(bs_price_next(1000, &last, T0 + 365 * DAY), 1000);
    /* One second before the end the line is still above the minimum:
     * 1000 + 9000 * 1 / 86400 = 1000 (rounded down). */
    assert_int_equal(bs_price_next(1000, &last, T0 + DAY - 1), 1000);
    assert_int_equal(bs_price_next(1000, &last, T0 + DAY - 10), 1001);
}

/* The original's example: 30 sales of 24 h slots, each at the same second
 * t0; every slot starts where the previous one ends, so x2 grows by a day
 * each time and every sale pays 2·P. The 31st slot costs 2^30 × min. */
static void
check_doubling(int64_t min)
{
    bs_price_last last = {.exists = false};
    int64_t end = T0, price = 0;

    for (int n = 1; n <= 30; n++) {
        price = bs_price_next(min, &last, T0);
        assert_int_equal(price, min << (n - 1));
        end += DAY;
        last = sale(price, T0, end);
    }
    assert_int_equal(price, min << 29);
    assert_int_equal(end, T0 + 30 * DAY);
    assert_int_equal(bs_price_next(min, &last, T0), (INT64_C(1) << 30) * min);
}

static void
test_price_thirty_sales_at_once_double_each_time(void **state)
{
    (void)state;
    check_doubling(1000);
    check_doubling(1);
    assert_int_equal((INT64_C(1) << 30) * 1000, INT64_C(1073741824000));
}

static void
test_price_halfway_is_exact(void **state)
{
    bs_price_last last = sale(1000, T0, T0 + 100);
    bs_price_last day = sale(5000, T0, T0 + DAY);

    (void)state;
    /* min + (2P - min) / 2 = 1000 + 1000 / 2. */
    assert_int_equal(bs_price_next(1000, &last, T0 + 50), 1500);
    /* 1000 + 9000 * 43200 / 86400 = 5500. */
    assert_int_equal(bs_price_next(1000, &day, T0 + DAY / 2), 5500);
}

static void
test_price_halfway_rounds_down(void **state)
{
    bs_price_last one = sale(1, T0, T0 + 100);
    bs_price_last thousand = sale(1000, T0, T0 + 100);
    bs_price_last thirds = sale(1000, T0, T0 + 3);

    (void)state;
    /* min 1, P 1: 1 + (2 - 1) * 50 / 100 = 1.5, floor 1. */
    assert_int_equal(bs_price_next(1, &one, T0 + 50), 1);
    /* min 1001, P 1000: 1001 + (2000 - 1001) * 50 / 100 = 1500.5, floor
     * 1500. */
    assert_int_equal(bs_price_next(1001, &thousand, T0 + 50), 1500);
    /* 1000 + 1000 * 2 / 3 = 1666.67, floor 1666; 1000 + 1000 / 3 = 1333. */
    assert_int_equal(bs_price_next(1000, &thirds, T0 + 1), 1666);
    assert_int_equal(bs_price_next(1000, &thirds, T0 + 2), 1333);
}

static void
test_price_twice_below_min_is_min(void **state)
{
    bs_price_last one = sale(1, T0, T0 + 100);

    (void)state;
    /* A minimum raised above 2P after the sale: the line never goes below
     * the minimum. */
    assert_int_equal(bs_price_next(1001, &one, T0), 1001);
    assert_int_equal(bs_price_next(1001, &one, T0 + 50), 1001);
}

static void
test_price_one_second_after_sale(void **state)
{
    bs_price_last last = sale(5000, T0, T0 + DAY);

    (void)state;
    assert_int_equal(bs_price_next(1000, &last, T0), 10000);
    /* 1000 + 9000 * 86399 / 86400 = 9999.896, floor 9999. */
    assert_int_equal(bs_price_next(1000, &last, T0 + 1), 9999);
}

static void
test_price_clock_before_sale_counts_as_sale_time(void **state)
{
    bs_price_last last = sale(5000, T0, T0 + DAY);

    (void)state;
    assert_int_equal(bs_price_next(1000, &last, T0 - 1), 10000);
    assert_int_equal(bs_price_next(1000, &last, T0 - DAY), 10000);
    assert_int_equal(bs_price_next(1000, &last, INT64_MIN), 10000);
}

static void
test_price_capped_at_max_money(void **state)
{
    bs_price_last last = sale(INT64_C(1500000000000000), T0, T0 + DAY);

    (void)state;
    assert_int_equal(BS_MAX_MONEY, INT64_C(2100000000000000));
    /* 2P = 3e15 at the sale: the cap, not 3e15. */
    assert_int_equal(bs_price_next(1000, &last, T0), BS_MAX_MONEY);
    /* Three quarters of the way down the line is below the cap:
     * 1000 + (3e15 - 1000) * 21600 / 86400 = 750000000000750. */
    assert_int_equal(bs_price_next(1000, &last, T0 + 3 * DAY / 4), INT64_C(750000000000750));
}

static void
test_price_wide_intermediates_do_not_overflow(void **state)
{
    bs_price_last decade = sale(BS_MAX_MONEY, 0, INT64_C(1000000000000));
    bs_price_last all_time = sale(BS_MAX_MONEY, INT64_MIN, INT64_MAX);

    (void)state;
    /* (2P - min) * left = 4.2e15 * 2.5e11 ≈ 1e27 needs 128 bits:
     * 1000 + (4.2e15 - 1000) * 250000000000 / 1e12. */
    assert_int_equal(bs_price_next(1000, &decade, INT64_C(750000000000)),
                     INT64_C(1050000000000750));
    /* span 2^64 - 1 does not fit in int64: with left 2^62 the price is
     * 1000 + floor((4.2e15 - 1000) * 2^62 / (2^64 - 1)). */
    assert_int_equal(bs_price_next(1000, &all_time, INT64_MAX - (INT64_C(1) << 62)),
                     INT64_C(1050000000000750));
    assert_int_equal(bs_price_next(1000, &all_time, 0), BS_MAX_MONEY);
    assert_int_equal(bs_price_next(1000, &all_time, INT64_MAX), 1000);
}

static void
test_price_fee_rounds_up(void **state)
{
    (void)state;
    assert_int_equal(bs_price_fee(1000, 150), 15);
    assert_int_equal(bs_price_fee(1001, 150), 16);
    assert_int_equal(bs_price_fee(1, 150), 1);
    assert_int_equal(bs_price_fee(0, 150), 0);
    assert_int_equal(bs_price_fee(1000, 0), 0);
    assert_int_equal(bs_price_fee(1000, 10000), 1000);
    assert_int_equal(bs_price_fee(1001, 10000), 1001);
    assert_int_equal(bs_price_fee(BS_MAX_MONEY, 10000), BS_MAX_MONEY);
    assert_int_equal(bs_price_fee(BS_MAX_MONEY, 150), INT64_C(31500000000000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price_no_sale_is_min),
        cmocka_unit_test(test_price_after_last_slot_ended_is_min),
        cmocka_unit_test(test_price_thirty_sales_at_once_double_each_time),
        cmocka_unit_test(test_price_halfway_is_exact),
        cmocka_unit_test(test_price_halfway_rounds_down),
        cmocka_unit_test(test_price_twice_below_min_is_min),
        cmocka_unit_test(test_price_one_second_after_sale),
        cmocka_unit_test(test_price_clock_before_sale_counts_as_sale_time),
        cmocka_unit_test(test_price_capped_at_max_money),
        cmocka_unit_test(test_price_wide_intermediates_do_not_overflow),
        cmocka_unit_test(test_price_fee_rounds_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
