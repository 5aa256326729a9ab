/*
 * test_bech32.c — bech32/bech32m strings and segwit addresses against every
 * test vector of BIP173 and BIP350 (valid and invalid, with the
 * scriptPubKey each valid address stands for), plus the encoder's refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ctype.h>
#include <string.h>

#include "chain/bech32.h"
#include "chain_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* BIP173: valid bech32 strings. */
static const char *const bip173_valid[] = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};

/* BIP350: valid bech32m strings. */
static const char *const bip350_valid[] = {
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
};

/* BIP173 and BIP350: invalid strings (reasons as in the BIPs). */
static const char *const invalid_strings[] = {
    /* BIP173 */
    "\x20"
    "1nwldj5", /* HRP character out of range */
    "\x7f"
    "1axkwrx", /* HRP character out of range */
    "\x80"
    "1eym55h", /* HRP character out of range */
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",  /* no separator */
    "1pzry9x0s0muk", /* empty HRP */
    "x1b4n0q5v",     /* invalid data character */
    "li1dgmt3",      /* too short checksum */
    "de1lg7wt"
    "\xff",     /* invalid character in checksum */
    "A1G7SGD8", /* checksum calculated with uppercase form of HRP */
    "10a06t8",  /* empty HRP */
    "1qzzfhee", /* empty HRP */
    /* BIP350 */
    "\x20"
    "1xj0phk",
    "\x7f"
    "1g6xzxy",
    "\x80"
    "1vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
    /* Mixed case of a valid string. */
    "A12uEL5L",
    "a1LQFN3A",
};

struct segwit_vector {
    const char *addr;
    const char *script; /* scriptPubKey hex */
};

/* BIP350 (superseding BIP173's list): valid segwit addresses. */
static const struct segwit_vector segwit_valid[] = {
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"BC1SW50QGDZ25J", "6002751e"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
    {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
};

/* Invalid segwit addresses for the HRPs "bc" and "tb": BIP350's list, BIP173's
 * list, and BIP173's valid v1+ addresses, which BIP350 made invalid (they
 * carry a bech32 checksum). */
static const char *const segwit_invalid[] = {
    /* BIP350 */
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", /* HRP */
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", /* bech32 for v1 */
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", /* bech32 for v2 */
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", /* bech32 for v16 */
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",                     /* bech32m for v0 */
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", /* bech32m for v0 */
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", /* char in checksum */
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", /* version 17 */
    "bc1pw5dgrnzv",                                                   /* 1-byte program */
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", /* 41 */
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",                             /* v0 with 16 bytes */
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",   /* mixed case */
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", /* padding > 4 bits */
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",   /* non-zero padding */
    "bc1gmk9yu",                                                        /* empty data */
    /* BIP173 */
    "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
    "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",
    "bc1rw5uspcuh",
    "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
    /* BIP173's v1+ "valid" addresses, bech32-checksummed */
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    "BC1SW50QA3JX3S",
    "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
};

static void
lower(const char *in, char *out, size_t size)
{
    size_t i;

    for (i = 0; in[i] != '\0' && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

/* Decode s, expect encoding enc, and re-encode to its lower-case form. */
static void
check_valid_string(const char *s, bs_bech32_encoding want)
{
    char hrp[BS_BECH32_HRP_MAX + 1], again[BS_BECH32_MAX_LEN + 1], low[BS_BECH32_MAX_LEN + 1];
    uint8_t data[BS_BECH32_DATA_MAX];
    bs_bech32_encoding enc;
    size_t n;

    assert_int_equal(bs_bech32_decode(s, &enc, hrp, sizeof(hrp), data, sizeof(data), &n), BS_OK);
    assert_int_equal(enc, want);
    assert_int_equal(bs_bech32_encode(enc, hrp, data, n, again, sizeof(again)), BS_OK);
    lower(s, low, sizeof(low));
    assert_string_equal(again, low);
}

static void
test_bech32_bip173_valid_strings(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(bip173_valid); i++)
        check_valid_string(bip173_valid[i], BS_BECH32);
}

static void
test_bech32_bip350_valid_strings(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(bip350_valid); i++)
        check_valid_string(bip350_valid[i], BS_BECH32M);
}

static void
test_bech32_invalid_strings(void **state)
{
    char hrp[BS_BECH32_HRP_MAX + 1];
    uint8_t data[BS_BECH32_DATA_MAX];
    bs_bech32_encoding enc;
    size_t i, n;

    (void)state;
    for (i = 0; i < N(invalid_strings); i++) {
        bs_status st =
            bs_bech32_decode(invalid_strings[i], &enc, hrp, sizeof(hrp), data, sizeof(data), &n);

        if (st != BS_INVALID)
            fail_msg("accepted invalid string #%zu \"%s\"", i, invalid_strings[i]);
    }
}

static void
test_bech32_decode_buffers_are_checked(void **state)
{
    char hrp[BS_BECH32_HRP_MAX + 1];
    uint8_t data[BS_BECH32_DATA_MAX];
    bs_bech32_encoding enc;
    size_t n;

    (void)state;
    /* "abcdef" needs 7 bytes of HRP buffer; the data part holds 32 values. */
    assert_int_equal(bs_bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", &enc, hrp, 6,
                                      data, sizeof(data), &n),
                     BS_TOOLARGE);
    assert_int_equal(bs_bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", &enc, hrp,
                                      sizeof(hrp), data, 31, &n),
                     BS_TOOLARGE);
    assert_int_equal(bs_bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", &enc, hrp,
                                      sizeof(hrp), data, 32, &n),
                     BS_OK);
    assert_int_equal(n, 32);
    assert_string_equal(hrp, "abcdef");
}

static void
test_bech32_segwit_valid_addresses(void **state)
{
    char again[BS_BECH32_MAX_LEN + 1], low[BS_BECH32_MAX_LEN + 1];
    uint8_t script[64], got[64];
    bs_bech32_segwit sw;
    size_t i, script_len;

    (void)state;
    for (i = 0; i < N(segwit_valid); i++) {
        assert_int_equal(bs_bech32_segwit_decode(segwit_valid[i].addr, &sw), BS_OK);
        script_len = chain_test_unhex(segwit_valid[i].script, script, sizeof(script));
        assert_true(script_len != (size_t)-1);
        /* scriptPubKey = OP_n (0x00 or 0x50+n) || push(len) || program */
        got[0] = (uint8_t)(sw.version == 0 ? 0 : 0x50 + sw.version);
        got[1] = (uint8_t)sw.program_len;
        memcpy(got + 2, sw.program, sw.program_len);
        assert_int_equal(sw.program_len + 2, script_len);
        assert_memory_equal(got, script, script_len);
        assert_true(strcmp(sw.hrp, "bc") == 0 || strcmp(sw.hrp, "tb") == 0);
        /* Encoding gives back the address, in lower case. */
        assert_int_equal(bs_bech32_segwit_encode(sw.hrp, sw.version, sw.program, sw.program_len,
                                                 again, sizeof(again)),
                         BS_OK);
        lower(segwit_valid[i].addr, low, sizeof(low));
        assert_string_equal(again, low);
    }
}

static void
test_bech32_segwit_invalid_addresses(void **state)
{
    bs_bech32_segwit sw;
    size_t i;

    (void)state;
    for (i = 0; i < N(segwit_invalid); i++) {
        bs_status st = bs_bech32_segwit_decode(segwit_invalid[i], &sw);

        /* Invalid for "bc" and "tb": refused, or of another HRP. */
        if (st == BS_OK && (strcmp(sw.hrp, "bc") == 0 || strcmp(sw.hrp, "tb") == 0))
            fail_msg("accepted invalid address #%zu \"%s\"", i, segwit_invalid[i]);
        if (st != BS_OK)
            assert_int_equal(st, BS_INVALID);
    }
    /* The "tc" ones are well-formed but of an unknown HRP. */
    assert_int_equal(bs_bech32_segwit_decode("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", &sw),
                     BS_OK);
    assert_string_equal(sw.hrp, "tc");
}

static void
test_bech32_encode_refusals(void **state)
{
    uint8_t prog[41] = {0}, data[90] = {0};
    char out[BS_BECH32_MAX_LEN + 1];

    (void)state;
    /* HRP: empty, upper case, out of range, 84 characters. */
    assert_int_equal(bs_bech32_encode(BS_BECH32, "", data, 1, out, sizeof(out)), BS_INVALID);
    assert_int_equal(bs_bech32_encode(BS_BECH32, "BC", data, 1, out, sizeof(out)), BS_INVALID);
    assert_int_equal(bs_bech32_encode(BS_BECH32, "b c", data, 1, out, sizeof(out)), BS_INVALID);
    assert_int_equal(
        bs_bech32_encode(BS_BECH32,
                         "an84characterslonghumanreadablepartthatcontainsthenumber1andt"
                         "heexcludedcharactersbio",
                         data, 0, out, sizeof(out)),
        BS_INVALID);
    /* A value of 32, an unknown encoding, more than 90 characters. */
    data[3] = 32;
    assert_int_equal(bs_bech32_encode(BS_BECH32, "bc", data, 4, out, sizeof(out)), BS_INVALID);
    assert_string_equal(out, "");
    data[3] = 0;
    assert_int_equal(bs_bech32_encode((bs_bech32_encoding)3, "bc", data, 4, out, sizeof(out)),
                     BS_INVALID);
    assert_int_equal(bs_bech32_encode(BS_BECH32, "bc", data, 81, out, sizeof(out)), BS_OK);
    assert_int_equal(strlen(out), 90);
    assert_int_equal(bs_bech32_encode(BS_BECH32, "bc", data, 82, out, sizeof(out)), BS_INVALID);
    /* The output buffer, to the byte: "bc" "1" 1 value 6 checksum + NUL. */
    assert_int_equal(bs_bech32_encode(BS_BECH32, "bc", data, 1, out, 11), BS_OK);
    assert_int_equal(bs_bech32_encode(BS_BECH32, "bc", data, 1, out, 10), BS_TOOLARGE);
    /* Segwit rules. */
    assert_int_equal(bs_bech32_segwit_encode("bc", 0, prog, 21, out, sizeof(out)), BS_INVALID);
    assert_int_equal(bs_bech32_segwit_encode("bc", 0, prog, 20, out, sizeof(out)), BS_OK);
    assert_int_equal(bs_bech32_segwit_encode("bc", 0, prog, 32, out, sizeof(out)), BS_OK);
    assert_int_equal(bs_bech32_segwit_encode("bc", 1, prog, 1, out, sizeof(out)), BS_INVALID);
    assert_int_equal(bs_bech32_segwit_encode("bc", 1, prog, 2, out, sizeof(out)), BS_OK);
    assert_int_equal(bs_bech32_segwit_encode("bc", 16, prog, 40, out, sizeof(out)), BS_OK);
    assert_int_equal(bs_bech32_segwit_encode("bc", 16, prog, 41, out, sizeof(out)), BS_INVALID);
    assert_int_equal(bs_bech32_segwit_encode("bc", 17, prog, 20, out, sizeof(out)), BS_INVALID);
    /* "bc1q" + 32 values + 6 = 42 characters, and the NUL. */
    assert_int_equal(bs_bech32_segwit_encode("bc", 0, prog, 20, out, 43), BS_OK);
    assert_int_equal(strlen(out), 42);
    assert_int_equal(bs_bech32_segwit_encode("bc", 0, prog, 20, out, 42), BS_TOOLARGE);
}

static void
test_bech32_segwit_version_picks_the_checksum(void **state)
{
    char addr[BS_BECH32_MAX_LEN + 1], hrp[BS_BECH32_HRP_MAX + 1];
    uint8_t prog[32], data[BS_BECH32_DATA_MAX];
    bs_bech32_encoding enc;
    bs_bech32_segwit sw;
    unsigned v;
    size_t n;

    (void)state;
    memset(prog, 0xa5, sizeof(prog));
    for (v = 0; v <= 16; v++) {
        assert_int_equal(bs_bech32_segwit_encode("bcrt", v, prog, 32, addr, sizeof(addr)), BS_OK);
        assert_int_equal(bs_bech32_decode(addr, &enc, hrp, sizeof(hrp), data, sizeof(data), &n),
                         BS_OK);
        assert_int_equal(enc, v == 0 ? BS_BECH32 : BS_BECH32M);
        assert_int_equal(bs_bech32_segwit_decode(addr, &sw), BS_OK);
        assert_string_equal(sw.hrp, "bcrt");
        assert_int_equal(sw.version, v);
        assert_int_equal(sw.program_len, 32);
        assert_memory_equal(sw.program, prog, 32);
        /* The same data under the other checksum is refused. */
        assert_int_equal(
            bs_bech32_encode(v == 0 ? BS_BECH32M : BS_BECH32, hrp, data, n, addr, sizeof(addr)),
            BS_OK);
        assert_int_equal(bs_bech32_segwit_decode(addr, &sw), BS_INVALID);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bech32_bip173_valid_strings),
        cmocka_unit_test(test_bech32_bip350_valid_strings),
        cmocka_unit_test(test_bech32_invalid_strings),
        cmocka_unit_test(test_bech32_decode_buffers_are_checked),
        cmocka_unit_test(test_bech32_segwit_valid_addresses),
        cmocka_unit_test(test_bech32_segwit_invalid_addresses),
        cmocka_unit_test(test_bech32_encode_refusals),
        cmocka_unit_test(test_bech32_segwit_version_picks_the_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
