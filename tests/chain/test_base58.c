/*
 * test_base58.c — base58 against Bitcoin Core's base58_encode_decode.json
 * vectors, base58check against known P2PKH/P2SH addresses of main, test,
 * signet and regtest (Core's key_io_valid.json), and the refusals: bad
 * characters, bad checksums (every single-character substitution), sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "chain/base58.h"
#include "chain_test.h"

struct hex_text {
    const char *hex;
    const char *text;
};

/* Bitcoin Core src/test/data/base58_encode_decode.json. */
static const struct hex_text core_vectors[] = {
    {"", ""},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
    {"00000000000000000000000000000000000000000000000000000000000000000000000000000000",
     "1111111111111111111111111111111111111111"},
    {"00000000000000000000000000000000000000000000000000000000000000000000000000000001",
     "1111111111111111111111111111111111111112"},
    {"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000ec39d04c"
     "37e71e5d591881f6",
     "111111111111111111111111111111111111111111111111111111111111111111111111111111111111115TYz"
     "LYH1udmLdzCLM"},
    {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
     "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c"
     "2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50515253545556575859"
     "5a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283848586"
     "8788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
     "b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0"
     "e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     "1cWB5HCBdLjAuqGGReWE3R3CguuwSjw6RHn39s2yuDRTS5NsBgNiFpWgAnEx6VQi8csexkgYw3mdYrMHr8x9i7aEwP8kZ"
     "7vccXWqKDvGv3u1GxFKPuAkn8JCPPGDMf3vMMnbzm6Nh9zh1gcNsMvH3ZNLmP5fSG6DGbbi2tuwMWPthr4boWwCxf7ew"
     "SgNQeacyozhKDDQQ1qL5fQFUW52QKUZDZ5fw3KXNQJMcNTcaB723LchjeKun7MuGW5qyCBZYzA1KjofN1gYBV3NqyhQJ3"
     "Ns746GNuf9N2pQPmHz4xpnSrrfCvy6TVVz5d4PdrjeshsWQwpZsZGzvbdAdN8MKV5QsBDY"},
    {"271F359E", "zzzzy"},
    {"271F359F", "zzzzz"},
    {"271F35A0", "211111"},
    {"271F35A1", "211112"},
};

/* base58check addresses and their payload (version byte || hash160):
 * Core key_io_valid.json, the notes' regtest check, and the key 1 address. */
static const struct hex_text check_vectors[] = {
    {"00751e76e8199196d454941c45d1b3a323f1433bd6", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"},
    {"00a31c06bd463e3923bc1aadbde48b16976c080717", "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo"},
    {"05373b819a068f32b7a6b38b6b38729647cfde01c2", "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm"},
    {"6fce28b26c57472737f5c3561a1761185bd8589a43", "mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ"},
    {"c4ce0bba75891ff9ec60148d4bd4a09ee2dc5c9331", "2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK"},
    {"6ffdeca3b08e38af53d7c4c60e3ad208ce50664410", "n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ"},
    {"c436e9f191e0b75036a77f65e2eaa4752443233fbe", "2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA"},
    {"6f751e76e8199196d454941c45d1b3a323f1433bd6", "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
    {"", "3QJmnh"}, /* the empty payload */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_base58_core_vectors(void **state)
{
    uint8_t want[BS_BASE58_MAX_BYTES], got[BS_BASE58_MAX_BYTES];
    char text[BS_BASE58_MAX_CHARS + 1];
    size_t i, want_len, got_len;

    (void)state;
    for (i = 0; i < N(core_vectors); i++) {
        want_len = chain_test_unhex(core_vectors[i].hex, want, sizeof(want));
        assert_true(want_len != (size_t)-1);
        assert_int_equal(bs_base58_encode(want, want_len, text, sizeof(text)), BS_OK);
        assert_string_equal(text, core_vectors[i].text);
        assert_int_equal(bs_base58_decode(core_vectors[i].text, got, sizeof(got), &got_len), BS_OK);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
    }
}

static void
test_base58_rejects_characters_outside_the_alphabet(void **state)
{
    static const char *const bad[] = {"0",   "O",    "I",   "l",        "3SEo3LWLoPntC0", " 2g",
                                      "2g ", "2g\n", "2-g", "\xc3\xa9", "zzzz+"};
    uint8_t out[64];
    size_t i, len = 99;

    (void)state;
    for (i = 0; i < N(bad); i++) {
        assert_int_equal(bs_base58_decode(bad[i], out, sizeof(out), &len), BS_INVALID);
        assert_int_equal(len, 0);
    }
}

static void
test_base58_size_limits(void **state)
{
    uint8_t data[BS_BASE58_MAX_BYTES + 1];
    char text[BS_BASE58_MAX_CHARS + 2];
    uint8_t out[BS_BASE58_MAX_BYTES];
    size_t len;

    (void)state;
    /* The largest value fits exactly in BS_BASE58_MAX_CHARS. */
    memset(data, 0xff, sizeof(data));
    assert_int_equal(bs_base58_encode(data, BS_BASE58_MAX_BYTES, text, sizeof(text)), BS_OK);
    assert_int_equal(strlen(text), BS_BASE58_MAX_CHARS);
    assert_int_equal(bs_base58_decode(text, out, sizeof(out), &len), BS_OK);
    assert_int_equal(len, BS_BASE58_MAX_BYTES);
    assert_memory_equal(out, data, len);
    /* One byte more, one character more: refused. */
    assert_int_equal(bs_base58_encode(data, sizeof(data), text, sizeof(text)), BS_TOOLARGE);
    memset(text, 'z', BS_BASE58_MAX_CHARS + 1);
    text[BS_BASE58_MAX_CHARS + 1] = '\0';
    assert_int_equal(bs_base58_decode(text, out, sizeof(out), &len), BS_TOOLARGE);
    /* The output buffers are checked to the byte. */
    assert_int_equal(bs_base58_encode((const uint8_t *)"abc", 3, text, 5), BS_OK);
    assert_string_equal(text, "ZiCa");
    assert_int_equal(bs_base58_encode((const uint8_t *)"abc", 3, text, 4), BS_TOOLARGE);
    assert_string_equal(text, "");
    assert_int_equal(bs_base58_decode("ZiCa", out, 3, &len), BS_OK);
    assert_int_equal(bs_base58_decode("ZiCa", out, 2, &len), BS_TOOLARGE);
    assert_int_equal(bs_base58_decode("11ZiCa", out, 4, &len), BS_TOOLARGE);
}

static void
test_base58_check_vectors(void **state)
{
    uint8_t want[64], got[64];
    char text[128];
    size_t i, want_len, got_len;

    (void)state;
    for (i = 0; i < N(check_vectors); i++) {
        want_len = chain_test_unhex(check_vectors[i].hex, want, sizeof(want));
        assert_true(want_len != (size_t)-1);
        assert_int_equal(bs_base58check_encode(want, want_len, text, sizeof(text)), BS_OK);
        assert_string_equal(text, check_vectors[i].text);
        assert_int_equal(bs_base58check_decode(text, got, sizeof(got), &got_len), BS_OK);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
    }
}

static void
test_base58_check_every_substitution_is_caught(void **state)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t out[64];
    size_t v, pos, a, len;
    char text[64];

    (void)state;
    for (v = 0; v < N(check_vectors); v++) {
        size_t n = strlen(check_vectors[v].text);

        for (pos = 0; pos < n; pos++) {
            for (a = 0; a < sizeof(alphabet) - 1; a++) {
                bs_status st;

                if (alphabet[a] == check_vectors[v].text[pos])
                    continue;
                memcpy(text, check_vectors[v].text, n + 1);
                text[pos] = alphabet[a];
                st = bs_base58check_decode(text, out, sizeof(out), &len);
                /* A changed leading '1' can change the length; the rest can
                 * only fail the checksum. */
                assert_true(st == BS_CORRUPT || st == BS_INVALID);
                assert_int_equal(len, 0);
            }
        }
    }
}

static void
test_base58_check_refusals(void **state)
{
    uint8_t out[64], big[BS_BASE58_MAX_BYTES];
    char text[BS_BASE58_MAX_CHARS + 1];
    size_t len;

    (void)state;
    /* A typo in the last character. */
    assert_int_equal(
        bs_base58check_decode("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ", out, sizeof(out), &len),
        BS_CORRUPT);
    /* Fewer than 4 bytes cannot hold a checksum; 4 zero bytes are a wrong one. */
    assert_int_equal(bs_base58check_decode("", out, sizeof(out), &len), BS_INVALID);
    assert_int_equal(bs_base58check_decode("111", out, sizeof(out), &len), BS_INVALID);
    assert_int_equal(bs_base58check_decode("1111", out, sizeof(out), &len), BS_CORRUPT);
    /* Not base58 at all. */
    assert_int_equal(
        bs_base58check_decode("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", out, sizeof(out), &len),
        BS_INVALID);
    /* The payload must fit the caller's buffer. */
    assert_int_equal(bs_base58check_decode("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", out, 20, &len),
                     BS_TOOLARGE);
    assert_int_equal(len, 0);
    /* The largest payload, and one byte more. */
    memset(big, 0x5a, sizeof(big));
    assert_int_equal(
        bs_base58check_encode(big, sizeof(big) - BS_BASE58_CHECK_LEN, text, sizeof(text)), BS_OK);
    assert_int_equal(
        bs_base58check_encode(big, sizeof(big) - BS_BASE58_CHECK_LEN + 1, text, sizeof(text)),
        BS_TOOLARGE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base58_core_vectors),
        cmocka_unit_test(test_base58_rejects_characters_outside_the_alphabet),
        cmocka_unit_test(test_base58_size_limits),
        cmocka_unit_test(test_base58_check_vectors),
        cmocka_unit_test(test_base58_check_every_substitution_is_caught),
        cmocka_unit_test(test_base58_check_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
