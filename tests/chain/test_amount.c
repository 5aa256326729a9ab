/*
 * test_amount.c — exact BTC text <-> satoshis (src/chain/amount.c): the forms
 * nodes print (fixed 8 decimals, shortest JavaScript numbers, exponents),
 * the JSON grammar's edges, sub-satoshi precision and the 21M BTC limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chain/amount.h"

static int64_t
parse_ok(const char *text)
{
    int64_t sats = -12345;

    assert_int_equal(bs_amount_parse_str(text, false, &sats), BS_OK);
    return sats;
}

static void
parse_bad(const char *text)
{
    int64_t sats = -12345;

    assert_int_equal(bs_amount_parse_str(text, false, &sats), BS_INVALID);
    assert_int_equal(sats, -12345); /* untouched */
}

static void
test_amount_node_forms(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0.5"), 50000000);
    assert_int_equal(parse_ok("0.50000000"), 50000000);
    assert_int_equal(parse_ok("50"), 5000000000);
    assert_int_equal(parse_ok("50.00000000"), 5000000000);
    assert_int_equal(parse_ok("1e-8"), 1);
    assert_int_equal(parse_ok("0.00000001"), 1);
    assert_int_equal(parse_ok("9.9e-7"), 99);
    assert_int_equal(parse_ok("5.46e-6"), 546);
    assert_int_equal(parse_ok("0.00000546"), 546);
    assert_int_equal(parse_ok("1234.56789012"), 123456789012);
    assert_int_equal(parse_ok("21000000"), 2100000000000000);
    assert_int_equal(parse_ok("21000000.00000000"), 2100000000000000);
    assert_int_equal(parse_ok("0.125"), 12500000);
    assert_int_equal(parse_ok("5050"), 505000000000);
}

static void
test_amount_zero_and_exponents(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("0.0"), 0);
    assert_int_equal(parse_ok("0.00000000"), 0);
    assert_int_equal(parse_ok("0e0"), 0);
    assert_int_equal(parse_ok("0e-999999999999999999999"), 0); /* zero at any scale */
    assert_int_equal(parse_ok("0.000000000000000000000e5"), 0);
    assert_int_equal(parse_ok("0.000000000000000000001e13"), 1);
    assert_int_equal(parse_ok("0.00000000000000000000100e21"), 100000000);
    assert_int_equal(parse_ok("1E-8"), 1);
    assert_int_equal(parse_ok("1e+0"), 100000000);
    assert_int_equal(parse_ok("1.00000000e+0"), 100000000);
    assert_int_equal(parse_ok("1.00000000E0"), 100000000);
    assert_int_equal(parse_ok("2.1e7"), 2100000000000000);
    assert_int_equal(parse_ok("0.021e9"), 2100000000000000);
    assert_int_equal(parse_ok("123456789012e-8"), 123456789012);
    assert_int_equal(parse_ok("1e0007"), 1000000000000000); /* exponent digits may lead with 0 */
}

static void
test_amount_trailing_zeros_are_not_precision(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0.100000000000"), 10000000);
    assert_int_equal(parse_ok("0.00000001000000000000"), 1);
    assert_int_equal(parse_ok("10e-9"), 1);
    assert_int_equal(parse_ok("100e-10"), 1);
}

static void
test_amount_sub_satoshi_refused(void **state)
{
    (void)state;
    parse_bad("1e-9");
    parse_bad("0.000000001");
    parse_bad("0.123456789");
    parse_bad("1.000000001");
    parse_bad("5.461e-6");
    parse_bad("1e-999999999999999999999999");
}

static void
test_amount_above_max_refused(void **state)
{
    (void)state;
    parse_bad("21000000.00000001");
    parse_bad("21000001");
    parse_bad("2.1e8");
    parse_bad("1e16");
    parse_bad("99999999999999999999");
    parse_bad("1e999999999999999999999999");
    parse_bad("123456789012345678901234567890");
}

static void
test_amount_grammar_refused(void **state)
{
    (void)state;
    parse_bad("");
    parse_bad("abc");
    parse_bad("1.");
    parse_bad(".5");
    parse_bad("00");
    parse_bad("01");
    parse_bad("00.5");
    parse_bad("+1");
    parse_bad(" 1");
    parse_bad("1 ");
    parse_bad("1e");
    parse_bad("1e+");
    parse_bad("1.5.5");
    parse_bad("0x10");
    parse_bad("1,5");
    parse_bad("NaN");
    parse_bad("Infinity");
    parse_bad("-");
    parse_bad("e5");
    parse_bad("\"0.5\"");
}

static void
test_amount_negative(void **state)
{
    int64_t sats = 7;

    (void)state;
    parse_bad("-0.1");
    parse_bad("-0");
    parse_bad("-1e-8");
    assert_int_equal(bs_amount_parse_str("-0.1", true, &sats), BS_OK);
    assert_int_equal(sats, -10000000);
    assert_int_equal(bs_amount_parse_str("-0", true, &sats), BS_OK);
    assert_int_equal(sats, 0);
    assert_int_equal(bs_amount_parse_str("-21000000", true, &sats), BS_OK);
    assert_int_equal(sats, -2100000000000000);
    assert_int_equal(bs_amount_parse_str("-21000000.00000001", true, &sats), BS_INVALID);
    assert_int_equal(bs_amount_parse_str("--1", true, &sats), BS_INVALID);
    assert_int_equal(bs_amount_parse_str("-01", true, &sats), BS_INVALID);
}

static void
test_amount_length_bounded_text(void **state)
{
    static const char text[] = "0.5trailing";
    int64_t sats = 0;

    (void)state;
    /* Only text[0..len) counts; no NUL needed. */
    assert_int_equal(bs_amount_parse(text, 3, false, &sats), BS_OK);
    assert_int_equal(sats, 50000000);
    assert_int_equal(bs_amount_parse(text, 4, false, &sats), BS_INVALID);
    assert_int_equal(bs_amount_parse("0.5\0"
                                     "1",
                                     5, false, &sats),
                     BS_INVALID);
    assert_int_equal(bs_amount_parse(text, 0, false, &sats), BS_INVALID);
    assert_int_equal(bs_amount_parse(NULL, 0, false, &sats), BS_INVALID);
    assert_int_equal(bs_amount_parse_str(NULL, false, &sats), BS_INVALID);
}

static void
test_amount_format(void **state)
{
    char out[BS_AMOUNT_TEXT_SIZE];

    (void)state;
    assert_int_equal(bs_amount_format(50000000, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "0.50000000");
    assert_int_equal(bs_amount_format(0, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "0.00000000");
    assert_int_equal(bs_amount_format(1, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "0.00000001");
    assert_int_equal(bs_amount_format(546, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "0.00000546");
    assert_int_equal(bs_amount_format(123456789012, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "1234.56789012");
    assert_int_equal(bs_amount_format(BS_MAX_MONEY, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "21000000.00000000");
    assert_int_equal(bs_amount_format(-BS_MAX_MONEY, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "-21000000.00000000");
    assert_int_equal(bs_amount_format(-1, out, sizeof(out)), BS_OK);
    assert_string_equal(out, "-0.00000001");
    assert_int_equal(bs_amount_format(BS_MAX_MONEY + 1, out, sizeof(out)), BS_INVALID);
    assert_string_equal(out, "");
    assert_int_equal(bs_amount_format(INT64_MIN, out, sizeof(out)), BS_INVALID);
    assert_int_equal(bs_amount_format(50000000, out, 10), BS_TOOLARGE); /* needs 11 */
    assert_string_equal(out, "");
    assert_int_equal(bs_amount_format(50000000, out, 11), BS_OK);
}

static void
test_amount_format_parse_round_trip(void **state)
{
    static const int64_t values[] = {
        0, 1, 99, 546, 50000000, 100000000, 123456789012, BS_MAX_MONEY - 1, BS_MAX_MONEY};
    char out[BS_AMOUNT_TEXT_SIZE];
    int64_t back;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        assert_int_equal(bs_amount_format(values[i], out, sizeof(out)), BS_OK);
        assert_int_equal(bs_amount_parse_str(out, false, &back), BS_OK);
        assert_int_equal(back, values[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amount_node_forms),
        cmocka_unit_test(test_amount_zero_and_exponents),
        cmocka_unit_test(test_amount_trailing_zeros_are_not_precision),
        cmocka_unit_test(test_amount_sub_satoshi_refused),
        cmocka_unit_test(test_amount_above_max_refused),
        cmocka_unit_test(test_amount_grammar_refused),
        cmocka_unit_test(test_amount_negative),
        cmocka_unit_test(test_amount_length_bounded_text),
        cmocka_unit_test(test_amount_format),
        cmocka_unit_test(test_amount_format_parse_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
