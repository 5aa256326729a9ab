/*
 * test_money_text.c — strict parsing of satoshi amounts (whole digits, a
 * sign only when allowed, never above 21 million BTC, *out untouched on
 * refusal) and the checks on typed text: clean UTF-8 with its code point
 * count, http(s) URLs with a host, and lowercase hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/money.h"
#include "util/text.h"

#define UNTOUCHED INT64_C(-4242)

static bs_status
parse(const char *text, bool signed_ok, int64_t *out)
{
    *out = UNTOUCHED;
    return bs_money_parse(text, signed_ok, out);
}

static void
test_money_parse_accepts_whole_satoshis(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(parse("0", false, &v), BS_OK);
    assert_int_equal(v, 0);
    assert_int_equal(parse("1", false, &v), BS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(parse("2100000000000000", false, &v), BS_OK);
    assert_int_equal(v, BS_MAX_MONEY);
    assert_int_equal(parse("123456789", false, &v), BS_OK);
    assert_int_equal(v, 123456789);
}

/* One amount, one spelling (outside test: "0000000000000005" was taken and
 * "00000000000000005" refused: the rule was the number of characters). */
static void
test_money_parse_refuses_leading_zeros(void **state)
{
    static const char *const bad[] = {"0000000000000007", "07", "00", "-07", "+007", "-0"};
    int64_t v = UNTOUCHED;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], true, &v) != BS_INVALID)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(v, UNTOUCHED);
    }
    assert_true(bs_text_decimal("0", 1));
    assert_true(bs_text_decimal("10", 2));
    assert_false(bs_text_decimal("01", 2));
    assert_false(bs_text_decimal("", 0));
    assert_false(bs_text_decimal("+1", 2));
}

static void
test_money_parse_refuses_above_max(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(parse("2100000000000001", false, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
    assert_int_equal(parse("9999999999999999", false, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
    assert_int_equal(parse("-2100000000000001", true, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
    assert_int_equal(parse("+2100000000000001", true, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
}

static void
test_money_parse_sign_only_when_allowed(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(parse("+5", false, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
    assert_int_equal(parse("-5", false, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);

    assert_int_equal(parse("+5", true, &v), BS_OK);
    assert_int_equal(v, 5);
    assert_int_equal(parse("-5", true, &v), BS_OK);
    assert_int_equal(v, -5);
    assert_int_equal(parse("5", true, &v), BS_OK);
    assert_int_equal(v, 5);
    assert_int_equal(parse("-2100000000000000", true, &v), BS_OK);
    assert_int_equal(v, -BS_MAX_MONEY);

    assert_int_equal(parse("--5", true, &v), BS_INVALID);
    assert_int_equal(parse("+-5", true, &v), BS_INVALID);
    assert_int_equal(parse("-", true, &v), BS_INVALID);
    assert_int_equal(parse("+", true, &v), BS_INVALID);
    assert_int_equal(parse("5-", true, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
}

static void
test_money_parse_refuses_malformed(void **state)
{
    static const char *const bad[] = {
        "--5", "5.0",  "5.",           ".5",    " 5",
        "5 ",  "0x10", "1e3",          "",      "00000000000000001",
        "a",   "5a",   "\xef\xbc\x95", "1,000", "1_000",
        "\t5", "5\n",  "1 0",          "NaN",
    };
    int64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int signed_ok = 0; signed_ok <= 1; signed_ok++) {
            if (parse(bad[i], signed_ok, &v) != BS_INVALID)
                fail_msg("\"%s\" accepted (signed_ok %d)", bad[i], signed_ok);
            assert_int_equal(v, UNTOUCHED);
        }
    }
    /* 17 digits, even of a small value. */
    assert_int_equal(parse("12345678901234567", false, &v), BS_INVALID);
    assert_int_equal(parse("-00000000000000001", true, &v), BS_INVALID);
    assert_int_equal(parse(NULL, true, &v), BS_INVALID);
    assert_int_equal(v, UNTOUCHED);
}

static void
test_money_valid(void **state)
{
    (void)state;
    assert_true(bs_money_valid(0));
    assert_true(bs_money_valid(BS_MAX_MONEY));
    assert_false(bs_money_valid(BS_MAX_MONEY + 1));
    assert_false(bs_money_valid(-1));
    assert_false(bs_money_valid(INT64_MIN));
}

/* bs_text_clean_utf8 on a NUL-terminated literal. */
static bool
clean(const char *s, size_t *chars)
{
    return bs_text_clean_utf8(s, strlen(s), chars);
}

static void
test_text_utf8_counts_code_points(void **state)
{
    size_t chars = 999;

    (void)state;
    assert_true(clean("hello", &chars));
    assert_int_equal(chars, 5);
    assert_true(clean("caf\xc3\xa9", &chars)); /* é: 2 bytes */
    assert_int_equal(chars, 4);
    assert_true(clean("5 \xe2\x82\xac", &chars)); /* €: 3 bytes */
    assert_int_equal(chars, 3);
    assert_true(clean("\xf0\x9f\x98\x80!", &chars)); /* 😀: 4 bytes */
    assert_int_equal(chars, 2);
    assert_true(clean("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", &chars));
    assert_int_equal(chars, 3);
    assert_true(clean("", &chars));
    assert_int_equal(chars, 0);
    /* The edges of the ranges: U+00A0, U+07FF, U+0800, U+FFFD, U+10000,
     * U+10FFFD, U+D7FF, U+E000. */
    assert_true(clean("\xc2\xa0\xdf\xbf\xe0\xa0\x80\xef\xbf\xbd", &chars));
    assert_int_equal(chars, 4);
    assert_true(clean("\xf0\x90\x80\x80\xf4\x8f\xbf\xbd\xed\x9f\xbf\xee\x80\x80", &chars));
    assert_int_equal(chars, 4);
    /* Joiners that emoji and some scripts need stay allowed. */
    assert_true(clean("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", &chars));
    assert_true(clean("a\xe2\x80\x8c"
                      "b",
                      &chars));
    assert_true(clean(" ~", NULL));
}

static void
test_text_utf8_refuses_malformed(void **state)
{
    static const char *const bad[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
        "\xed\xa0\x80",     /* U+D800, a surrogate */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf7\xbf\xbf\xbf", /* far above U+10FFFF */
        "\xf8\x88\x80\x80\x80",
        "\xff",
        "\x80", /* a lone continuation byte */
        "a\xbf",
        "\xc3",         /* truncated */
        "abc\xe2\x82",  /* truncated */
        "\xf0\x9f\x98", /* truncated */
        "\xe2\x82\x41", /* a non-continuation byte inside */
        "\xc3\xc3\xa9",
    };
    size_t chars = 999;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (clean(bad[i], &chars))
            fail_msg("bad UTF-8 #%zu accepted", i);
    assert_int_equal(chars, 999);
}

static void
test_text_utf8_refuses_control_characters(void **state)
{
    static const char *const bad[] = {
        "a\tb",  "a\nb",     "\r",       "\x01",     "\x1f",
        "x\x7f", "\xc2\x80", "\xc2\x85", "\xc2\x9f", "\x1b[0m",
    };
    const char with_nul[] = {'a', '\0', 'b'};
    size_t chars = 999;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (clean(bad[i], &chars))
            fail_msg("control character #%zu accepted", i);
    assert_false(bs_text_clean_utf8(with_nul, sizeof(with_nul), &chars));
    assert_int_equal(chars, 999);
    /* Only the given length is read. */
    assert_true(bs_text_clean_utf8("ab\ncd", 2, &chars));
    assert_int_equal(chars, 2);
    assert_false(bs_text_clean_utf8("\xe2\x82\xac", 2, &chars));
}

/* Text that would change how the text around it reads, or is not text at
 * all: refused wherever people type text (issue 7: a hover text with
 * U+202E was accepted). */
static void
test_text_utf8_refuses_direction_overrides_and_noncharacters(void **state)
{
    static const char *const bad[] = {
        "abc\xe2\x80\xae"
        "dcba",         /* U+202E RIGHT-TO-LEFT OVERRIDE */
        "\xe2\x80\xaa", /* U+202A */
        "\xe2\x80\xac", /* U+202C POP DIRECTIONAL FORMATTING */
        "\xe2\x81\xa6", /* U+2066 LEFT-TO-RIGHT ISOLATE */
        "\xe2\x81\xa9", /* U+2069 */
        "\xe2\x80\x8e", /* U+200E LEFT-TO-RIGHT MARK */
        "\xe2\x80\x8f", /* U+200F */
        "\xd8\x9c",     /* U+061C ARABIC LETTER MARK */
        "a\xe2\x80\xa8"
        "b", /* U+2028 LINE SEPARATOR */
        "a\xe2\x80\xa9"
        "b",                /* U+2029 PARAGRAPH SEPARATOR */
        "\xef\xbb\xbfx",    /* U+FEFF byte order mark */
        "\xef\xbf\xbe",     /* U+FFFE */
        "\xef\xbf\xbf",     /* U+FFFF */
        "\xef\xb7\x90",     /* U+FDD0 */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (clean(bad[i], NULL))
            fail_msg("unsafe text #%zu accepted", i);
}

static void
test_text_http_url_accepts(void **state)
{
    (void)state;
    assert_true(bs_text_http_url("http://example.com", 2048));
    assert_true(bs_text_http_url("https://example.com/a/b?c=d&e=%20#frag", 2048));
    assert_true(bs_text_http_url("HTTPS://EXAMPLE.COM/", 2048));
    assert_true(bs_text_http_url("HtTp://x", 2048));
    assert_true(bs_text_http_url("https://example.com:8443/", 2048));
    assert_true(bs_text_http_url("http://[::1]:80/", 2048));
    assert_true(bs_text_http_url("http://[2001:db8::7]/a", 2048));
    assert_true(bs_text_http_url("http://192.0.2.1/", 2048));
    assert_true(bs_text_http_url("https://a-b.example.co.uk/p?q=1;r=(2)&s=*,+!$'#f", 2048) ==
                false); /* a quote, even in a query */
    assert_true(bs_text_http_url("https://a-b.example.co.uk/p?q=1;r=(2)&s=*,+!$~@:/?#f/?", 2048));
    assert_true(bs_text_http_url("https://xn--caf-dma.example/%E2%82%AC", 2048));
    assert_true(bs_text_http_url("https://0x.example/", 2048)); /* a number inside: a name */
    assert_true(bs_text_http_url("https://a.0xg/", 2048));      /* not a number */
    assert_true(bs_text_http_url("https://123.example.com/", 2048));
    assert_true(bs_text_http_url("http://x", 8));
}

static void
test_text_http_url_refuses(void **state)
{
    static const char *const bad[] = {
        "ftp://example.com",
        "javascript:alert(1)",
        "https://",
        "http://",
        "https:///x",
        "http://?q",
        "http://#f",
        "http://:80/",
        "http://@x",
        "https:/example.com",
        "https:example.com",
        "//example.com",
        "example.com",
        "",
        "https://exa mple.com",
        "https://example.com/a b",
        " https://example.com",
        "https://example.com\t",
        "https://example.com/\n",
        "https://ex\x7f.com",
        "https://caf\xc3\xa9.com",
        "https://example.com/\xe2\x82\xac",
        "httpss://example.com",
        "http:\\\\example.com",
        /* Read differently by different parsers (issue 7). */
        "https://a.example/\"><script>alert(1)</script>",
        "https://a.example/'onmouseover='x",
        "https://a.example/<b>",
        "https://a.example/a\\b",
        "http://a\\@b",
        "https://user@example.com/",
        "https://user:pw@example.com/",
        "https://google.com@evil.example/",
        "https://a.example/{x}",
        "https://a.example/a|b",
        "https://a.example/a^b",
        "https://a.example/`x`",
        "https://a.example/%",
        "https://a.example/%4",
        "https://a.example/%zz",
        "https://a.example/#a#b",
        "https://a.example:/",
        "https://a.example:0/",
        "https://a.example:65536/",
        "https://a.example:80a/",
        "https://-a.example/",
        "https://a-.example/",
        "https://a..example/",
        "https://a.example./",
        "https://.a.example/",
        "https://a_b.example/",
        "https://1.2.3/",
        "https://0x7f.1/",
        "https://010.0.0.1/",
        "https://example.123/",
        /* Hosts that browsers read as IPv4 and others as names (outside test). */
        "https://0x7f000001/",
        "https://0x7f.0x0.0x0.0x1/",
        "https://a.0x/",
        "https://a.0X1F/",
        "https://a.b.0xff/",
        "https://2130706433/",
        "https://[::1/",
        "https://[::1]x/",
        "https://[fe80::1%25eth0]/",
        "https://[v1.x]/",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (bs_text_http_url(bad[i], 2048))
            fail_msg("URL \"%s\" accepted", bad[i]);
}

static void
test_text_http_url_max_length(void **state)
{
    const size_t max = 2048;
    char *url = malloc(max + 2);

    (void)state;
    assert_non_null(url);
    memcpy(url, "https://example.com/", 20);
    memset(url + 20, 'a', max + 1 - 20);
    url[max + 1] = '\0'; /* max + 1 bytes */
    assert_false(bs_text_http_url(url, max));
    url[max] = '\0'; /* max bytes */
    assert_true(bs_text_http_url(url, max));
    assert_false(bs_text_http_url("http://x", 7));
    free(url);
}

static void
test_text_lower_hex(void **state)
{
    (void)state;
    assert_true(bs_text_lower_hex("0123456789abcdef", 16));
    assert_true(bs_text_lower_hex("ab", 1)); /* only len bytes are read */
    assert_false(bs_text_lower_hex("", 0));
    assert_false(bs_text_lower_hex("0A", 2));
    assert_false(bs_text_lower_hex("0g", 2));
    assert_false(bs_text_lower_hex("0 ", 2));
    assert_false(bs_text_lower_hex("a\0", 2));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_parse_refuses_leading_zeros),
        cmocka_unit_test(test_money_parse_accepts_whole_satoshis),
        cmocka_unit_test(test_money_parse_refuses_above_max),
        cmocka_unit_test(test_money_parse_sign_only_when_allowed),
        cmocka_unit_test(test_money_parse_refuses_malformed),
        cmocka_unit_test(test_money_valid),
        cmocka_unit_test(test_text_utf8_counts_code_points),
        cmocka_unit_test(test_text_utf8_refuses_malformed),
        cmocka_unit_test(test_text_utf8_refuses_control_characters),
        cmocka_unit_test(test_text_utf8_refuses_direction_overrides_and_noncharacters),
        cmocka_unit_test(test_text_http_url_accepts),
        cmocka_unit_test(test_text_http_url_refuses),
        cmocka_unit_test(test_text_http_url_max_length),
        cmocka_unit_test(test_text_lower_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
