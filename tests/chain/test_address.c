/*
 * test_address.c — the network table and addresses: parsing and validating
 * against Bitcoin Core's key_io_valid.json addresses and the BIP173/BIP350
 * segwit vectors, which networks an address belongs to, refusals (checksum,
 * mixed case, length, private keys, unknown prefixes, another network), and
 * encoding a public key as P2PKH, P2SH-P2WPKH and P2WPKH on every network
 * (BIP173 examples, BIP49 test vector, regtest notes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ctype.h>
#include <string.h>

#include "chain/address.h"
#include "chain/base58.h"
#include "chain/network.h"
#include "chain_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define MAIN    BS_NETWORK_BIT(BS_NETWORK_MAIN)
#define TEST    BS_NETWORK_BIT(BS_NETWORK_TEST)
#define SIGNET  BS_NETWORK_BIT(BS_NETWORK_SIGNET)
#define REGTEST BS_NETWORK_BIT(BS_NETWORK_REGTEST)

/* The compressed public key of private key 1 (the generator). */
static const char key1_pubkey[] =
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

struct address_vector {
    const char *addr;
    unsigned networks;
    bs_address_kind kind;
    int witness_version;
    const char *program; /* hex: the hash of base58 kinds, the witness program */
};

static const struct address_vector valid_addresses[] = {
    /* Bitcoin Core src/test/data/key_io_valid.json */
    {"1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", MAIN, BS_ADDRESS_P2PKH, -1,
     "a31c06bd463e3923bc1aadbde48b16976c080717"},
    {"36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm", MAIN, BS_ADDRESS_P2SH, -1,
     "373b819a068f32b7a6b38b6b38729647cfde01c2"},
    {"mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ", TEST | SIGNET | REGTEST, BS_ADDRESS_P2PKH, -1,
     "ce28b26c57472737f5c3561a1761185bd8589a43"},
    {"2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK", TEST | SIGNET | REGTEST, BS_ADDRESS_P2SH, -1,
     "ce0bba75891ff9ec60148d4bd4a09ee2dc5c9331"},
    {"n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ", TEST | SIGNET | REGTEST, BS_ADDRESS_P2PKH, -1,
     "fdeca3b08e38af53d7c4c60e3ad208ce50664410"},
    {"bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv", MAIN, BS_ADDRESS_P2WPKH, 0,
     "6100fc6343edc8c874496cb2f5bbfec88ea9b77c"},
    {"bc1qyucykdlhp62tezs0hagqury402qwhk589q80tqs5myh3rxq34nwqhkdhv7", MAIN, BS_ADDRESS_P2WSH, 0,
     "27304b37f70e94bc8a0fbf500e0c957a80ebda87280ef58214d92f119811acdc"},
    {"bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu", MAIN, BS_ADDRESS_P2TR, 1,
     "3c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75"},
    {"bc1z2rksukkjr8", MAIN, BS_ADDRESS_WITNESS_OTHER, 2, "50ed"},
    {"tb1qcrh3yqn4nlleplcez2yndq2ry8h9ncg3qh7n54", TEST | SIGNET, BS_ADDRESS_P2WPKH, 0,
     "c0ef1202759fff90ff19128936814321ee59e111"},
    {"tb1p35n52jy6xkm4wd905tdy8qtagrn73kqdz73xe4zxpvq9t3fp50aqk3s6gz", TEST | SIGNET,
     BS_ADDRESS_P2TR, 1, "8d2745489a35b75734afa2da43817d40e7e8d80d17a26cd4460b0055c521a3fa"},
    {"tb1rgv5m6uvdk3kc7qsuz0c79v88ycr5w4wa", TEST | SIGNET, BS_ADDRESS_WITNESS_OTHER, 3,
     "4329bd718db46d8f021c13f1e2b0e726"},
    {"bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9", REGTEST, BS_ADDRESS_P2WPKH, 0,
     "6f58bac9506f9bfb821d62e69330410bb56f0085"},
    {"bcrt1qan8gntac7z7me2ejt4hpru42ad2f759fmy0m3ejvs98656znv7eqga4uhv", REGTEST, BS_ADDRESS_P2WSH,
     0, "ecce89afb8f0bdbcab325d6e11f2aaeb549f50a9d91fb8e64c814faa685367b2"},
    {"bcrt1sx6p8njlx7h9mc2agz4yg82dzne23050ncq72cneeecez2pst8mahn8xecsf8g6hzx94420", REGTEST,
     BS_ADDRESS_WITNESS_OTHER, 16,
     "368279cbe6f5cbbc2ba8154883a9a29e5517d1f3c03cac4f39ce3225060b3efb799cd9c412746ae2"},
    /* BIP173 / BIP350 */
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", MAIN, BS_ADDRESS_P2WPKH, 0,
     "751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", TEST | SIGNET,
     BS_ADDRESS_P2WSH, 0, "1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", MAIN,
     BS_ADDRESS_WITNESS_OTHER, 1,
     "751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", MAIN, BS_ADDRESS_P2TR, 1,
     "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
    /* shared/notes/bitcoin-regtest.md, made independently of bcoin */
    {"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", REGTEST, BS_ADDRESS_P2WPKH, 0,
     "751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", MAIN, BS_ADDRESS_P2PKH, -1,
     "751e76e8199196d454941c45d1b3a323f1433bd6"},
};

/* Not an address of any network. */
static const char *const not_addresses[] = {
    "",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",                     /* checksum */
    "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ",                             /* checksum */
    "2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvk",                            /* checksum */
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", /* mixed case */
    "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",                     /* mixed case */
    "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",                     /* unknown HRP */
    "rb1q7t3ay69ktpp3rlewdft9jtrztm36rdruylruex",                     /* bcoin's own regtest */
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", /* BIP173 v1 */
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",                                       /* v0, 16 bytes */
    " 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH",                                        /* spaces */
    "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH ",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n",
    "5HsL2nZuEebU5nM3RxNVQD9GcAnvNMahqQskf4fkqHe54zwd14e",  /* WIF private key */
    "KwuVvu6hsuEMHrfFWJQV64tRrWX3QzqHH18JuAHYqYV6dqBvNKxd", /* WIF private key */
    "cNEnbfF2fcxmmCLWqMAaq6fxJvVkwMbyU3kCbpQznz4Z1j6TZDGb", /* WIF, testnet */
    "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7"
    "usUDFdp6W1EGMcet8", /* extended key */
    /* Over the 90-character limit of bech32. */
    "bc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
    "q"
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
};

static void
test_network_parse_and_name(void **state)
{
    static const char *const bad[] = {"",      "mainnet", "testnet",  "Main",
                                      "main ", "REGTEST", "testnet4", "invalid"};
    bs_network net;
    size_t i;

    (void)state;
    assert_int_equal(bs_network_parse("main", &net), BS_OK);
    assert_int_equal(net, BS_NETWORK_MAIN);
    assert_int_equal(bs_network_parse("test", &net), BS_OK);
    assert_int_equal(net, BS_NETWORK_TEST);
    assert_int_equal(bs_network_parse("signet", &net), BS_OK);
    assert_int_equal(net, BS_NETWORK_SIGNET);
    assert_int_equal(bs_network_parse("regtest", &net), BS_OK);
    assert_int_equal(net, BS_NETWORK_REGTEST);
    for (i = 0; i < N(bad); i++) {
        net = BS_NETWORK_MAIN;
        assert_int_equal(bs_network_parse(bad[i], &net), BS_INVALID);
        assert_int_equal(net, BS_NETWORK_INVALID);
    }
    for (net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++) {
        bs_network back;

        assert_int_equal(bs_network_parse(bs_network_name(net), &back), BS_OK);
        assert_int_equal(back, net);
    }
    assert_string_equal(bs_network_name(BS_NETWORK_INVALID), "invalid");
    assert_string_equal(bs_network_name(BS_NETWORK__END), "invalid");
    assert_null(bs_network_params_of(BS_NETWORK_INVALID));
    assert_null(bs_network_params_of(BS_NETWORK__END));
}

static void
test_network_prefixes(void **state)
{
    const bs_network_params *m = bs_network_params_of(BS_NETWORK_MAIN);
    const bs_network_params *t = bs_network_params_of(BS_NETWORK_TEST);
    const bs_network_params *s = bs_network_params_of(BS_NETWORK_SIGNET);
    const bs_network_params *r = bs_network_params_of(BS_NETWORK_REGTEST);

    (void)state;
    assert_int_equal(m->p2pkh_version, 0x00);
    assert_int_equal(m->p2sh_version, 0x05);
    assert_string_equal(m->hrp, "bc");
    assert_int_equal(m->xkey_public[BS_XKEY_XPUB], 0x0488B21E);
    assert_int_equal(m->xkey_private[BS_XKEY_XPUB], 0x0488ADE4);
    assert_int_equal(m->xkey_public[BS_XKEY_YPUB], 0x049D7CB2);
    assert_int_equal(m->xkey_public[BS_XKEY_ZPUB], 0x04B24746);
    assert_int_equal(m->xkey_private[BS_XKEY_ZPUB], 0x04B2430C);
    assert_string_equal(t->hrp, "tb");
    assert_string_equal(s->hrp, "tb");
    assert_string_equal(r->hrp, "bcrt");
    assert_int_equal(t->xkey_public[BS_XKEY_XPUB], 0x043587CF);
    assert_int_equal(t->xkey_private[BS_XKEY_XPUB], 0x04358394);
    assert_int_equal(t->xkey_public[BS_XKEY_YPUB], 0x044A5262);
    assert_int_equal(t->xkey_public[BS_XKEY_ZPUB], 0x045F1CF6);
    assert_int_equal(t->xkey_private[BS_XKEY_ZPUB], 0x045F18BC);
    /* The test networks share every base58 and extended-key prefix. */
    const bs_network_params *const tests[] = {t, s, r};
    for (size_t i = 0; i < N(tests); i++) {
        assert_int_equal(tests[i]->p2pkh_version, 0x6f);
        assert_int_equal(tests[i]->p2sh_version, 0xc4);
        assert_memory_equal(tests[i]->xkey_public, t->xkey_public, sizeof(t->xkey_public));
        assert_memory_equal(tests[i]->xkey_private, t->xkey_private, sizeof(t->xkey_private));
    }
}

static void
check_info(const struct address_vector *v, const bs_address_info *info)
{
    uint8_t program[BS_PROGRAM_MAX];
    size_t len = chain_test_unhex(v->program, program, sizeof(program));

    assert_true(len != (size_t)-1);
    assert_int_equal(info->kind, v->kind);
    assert_int_equal(info->networks, v->networks);
    assert_int_equal(info->witness_version, v->witness_version);
    assert_int_equal(info->program_len, len);
    assert_memory_equal(info->program, program, len);
}

static void
test_address_valid_addresses(void **state)
{
    bs_address_info info;
    bs_network net;
    size_t i;

    (void)state;
    for (i = 0; i < N(valid_addresses); i++) {
        const struct address_vector *v = &valid_addresses[i];

        assert_int_equal(bs_address_parse(v->addr, &info), BS_OK);
        check_info(v, &info);
        assert_int_equal(bs_address_parse(v->addr, NULL), BS_OK);
        /* Valid exactly on the networks of its prefix. */
        for (net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++) {
            bs_status want = (v->networks & BS_NETWORK_BIT(net)) ? BS_OK : BS_INVALID;

            memset(&info, 0xee, sizeof(info));
            assert_int_equal(bs_address_validate(net, v->addr, &info), want);
            check_info(v, &info); /* filled either way: tells where it belongs */
            assert_int_equal(bs_address_validate(net, v->addr, NULL), want);
        }
        assert_int_equal(bs_address_validate(BS_NETWORK_INVALID, v->addr, &info), BS_INVALID);
    }
}

static void
test_address_segwit_upper_case_is_valid(void **state)
{
    bs_address_info info;
    char upper[BS_ADDRESS_MAX];
    size_t i, j;

    (void)state;
    for (i = 0; i < N(valid_addresses); i++) {
        const struct address_vector *v = &valid_addresses[i];

        if (v->witness_version < 0)
            continue;
        for (j = 0; v->addr[j] != '\0'; j++)
            upper[j] = (char)toupper((unsigned char)v->addr[j]);
        upper[j] = '\0';
        assert_int_equal(bs_address_parse(upper, &info), BS_OK);
        check_info(v, &info);
    }
}

/* The one spelling: a segwit address in upper and in lower case is one
 * address, stored in lower case; a base58 address is stored as given; an
 * address whose coins nobody can spend safely (witness v1 that is not 32
 * bytes, v2..v16) is not taken at all (issue 7: "BCRT1Q..." and "bcrt1q..."
 * were two keys, and one payment was credited twice). */
static void
test_address_canonical_one_spelling(void **state)
{
    char upper[BS_ADDRESS_MAX], lower[BS_ADDRESS_MAX], out[BS_ADDRESS_MAX], again[BS_ADDRESS_MAX];
    bs_address_info info;

    (void)state;
    for (size_t i = 0; i < N(valid_addresses); i++) {
        const struct address_vector *v = &valid_addresses[i];
        bs_network net = BS_NETWORK_MAIN;
        size_t j;

        while ((v->networks & BS_NETWORK_BIT(net)) == 0)
            net++;
        for (j = 0; v->addr[j] != '\0'; j++) {
            upper[j] = (char)toupper((unsigned char)v->addr[j]);
            lower[j] = (char)tolower((unsigned char)v->addr[j]);
        }
        upper[j] = lower[j] = '\0';
        if (v->kind == BS_ADDRESS_WITNESS_OTHER) {
            assert_int_equal(bs_address_canonical(net, v->addr, out, &info), BS_UNSUPPORTED);
            assert_string_equal(out, "");
            assert_int_equal(bs_address_canonical(net, upper, out, NULL), BS_UNSUPPORTED);
            continue;
        }
        assert_int_equal(bs_address_canonical(net, v->addr, out, &info), BS_OK);
        check_info(v, &info);
        if (v->witness_version < 0) {
            assert_string_equal(out, v->addr);
            continue;
        }
        assert_string_equal(out, lower);
        assert_int_equal(bs_address_canonical(net, upper, again, NULL), BS_OK);
        assert_string_equal(again, lower);
        /* Another network's address is none of this one's. */
        for (bs_network other = BS_NETWORK_MAIN; other < BS_NETWORK__END; other++)
            if ((v->networks & BS_NETWORK_BIT(other)) == 0)
                assert_int_equal(bs_address_canonical(other, v->addr, out, NULL), BS_INVALID);
    }
    /* Mixed case is no address (BIP173). */
    assert_int_equal(bs_address_canonical(BS_NETWORK_REGTEST,
                                          "bcrt1qW508d6qejxtdg4y5r3zarvary0c5xw7kygt080", out,
                                          NULL),
                     BS_INVALID);
    assert_string_equal(out, "");
}

static void
test_address_refusals(void **state)
{
    bs_address_info info;
    size_t i;

    (void)state;
    for (i = 0; i < N(not_addresses); i++) {
        memset(&info, 0xee, sizeof(info));
        if (bs_address_parse(not_addresses[i], &info) != BS_INVALID)
            fail_msg("accepted \"%s\"", not_addresses[i]);
        assert_int_equal(info.kind, BS_ADDRESS_UNKNOWN);
        assert_int_equal(info.networks, 0);
        assert_int_equal(bs_address_validate(BS_NETWORK_MAIN, not_addresses[i], &info), BS_INVALID);
        assert_int_equal(info.networks, 0);
    }
}

static void
test_address_base58_version_and_length(void **state)
{
    uint8_t payload[1 + 21] = {0};
    char text[64];

    (void)state;
    /* Litecoin's P2PKH version 0x30, with a good checksum: no network here. */
    payload[0] = 0x30;
    assert_int_equal(bs_base58check_encode(payload, 21, text, sizeof(text)), BS_OK);
    assert_int_equal(bs_address_parse(text, NULL), BS_INVALID);
    /* Version 0x00 with a 19- or 21-byte hash. */
    payload[0] = 0x00;
    assert_int_equal(bs_base58check_encode(payload, 20, text, sizeof(text)), BS_OK);
    assert_int_equal(bs_address_parse(text, NULL), BS_INVALID);
    assert_int_equal(bs_base58check_encode(payload, 22, text, sizeof(text)), BS_OK);
    assert_int_equal(bs_address_parse(text, NULL), BS_INVALID);
    assert_int_equal(bs_base58check_encode(payload, 21, text, sizeof(text)), BS_OK);
    assert_string_equal(text, "1111111111111111111114oLvT2");
    assert_int_equal(bs_address_validate(BS_NETWORK_MAIN, text, NULL), BS_OK);
}

static void
test_address_hash160(void **state)
{
    uint8_t data[BS_PUBKEY_LEN], h[BS_HASH160_LEN];
    char hex[2 * BS_HASH160_LEN + 1];

    (void)state;
    bs_address_hash160((const uint8_t *)"", 0, h);
    chain_test_hex(h, sizeof(h), hex);
    assert_string_equal(hex, "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb");
    assert_int_equal(chain_test_unhex(key1_pubkey, data, sizeof(data)), BS_PUBKEY_LEN);
    bs_address_hash160(data, sizeof(data), h);
    chain_test_hex(h, sizeof(h), hex);
    assert_string_equal(hex, "751e76e8199196d454941c45d1b3a323f1433bd6");
    /* BIP32 test vector 1, master key: its identifier. */
    assert_int_equal(
        chain_test_unhex("0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2", data,
                         sizeof(data)),
        BS_PUBKEY_LEN);
    bs_address_hash160(data, sizeof(data), h);
    chain_test_hex(h, sizeof(h), hex);
    assert_string_equal(hex, "3442193e1bb70916e914552172cd4e2dbc9df811");
}

struct encode_vector {
    const char *pubkey;
    bs_network net;
    bs_address_type type;
    const char *addr;
};

static const struct encode_vector encode_vectors[] = {
    {key1_pubkey, BS_NETWORK_MAIN, BS_ADDRTYPE_P2PKH, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"},
    {key1_pubkey, BS_NETWORK_MAIN, BS_ADDRTYPE_P2WPKH,
     "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}, /* BIP173 example */
    {key1_pubkey, BS_NETWORK_MAIN, BS_ADDRTYPE_P2SH_P2WPKH, "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN"},
    {key1_pubkey, BS_NETWORK_TEST, BS_ADDRTYPE_P2PKH, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
    {key1_pubkey, BS_NETWORK_TEST, BS_ADDRTYPE_P2WPKH,
     "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"}, /* BIP173 example */
    {key1_pubkey, BS_NETWORK_TEST, BS_ADDRTYPE_P2SH_P2WPKH, "2NAUYAHhujozruyzpsFRP63mbrdaU5wnEpN"},
    {key1_pubkey, BS_NETWORK_SIGNET, BS_ADDRTYPE_P2WPKH,
     "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},
    {key1_pubkey, BS_NETWORK_SIGNET, BS_ADDRTYPE_P2PKH, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
    {key1_pubkey, BS_NETWORK_REGTEST, BS_ADDRTYPE_P2WPKH,
     "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"}, /* the regtest notes */
    {key1_pubkey, BS_NETWORK_REGTEST, BS_ADDRTYPE_P2PKH, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
    {key1_pubkey, BS_NETWORK_REGTEST, BS_ADDRTYPE_P2SH_P2WPKH,
     "2NAUYAHhujozruyzpsFRP63mbrdaU5wnEpN"},
    /* BIP49 test vector: m/49'/1'/0'/0/0 */
    {"03a1af804ac108a8a51782198c2d034b28bf90c8803f5a53f76276fa69a4eae77f", BS_NETWORK_TEST,
     BS_ADDRTYPE_P2SH_P2WPKH, "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2"},
    /* BIP84 test vector: m/84'/0'/0'/0/0 */
    {"0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c", BS_NETWORK_MAIN,
     BS_ADDRTYPE_P2WPKH, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"},
};

static void
test_address_from_pubkey(void **state)
{
    uint8_t pubkey[BS_PUBKEY_LEN], keyhash[BS_HASH160_LEN];
    char addr[BS_ADDRESS_MAX];
    bs_address_info info;
    size_t i;

    (void)state;
    for (i = 0; i < N(encode_vectors); i++) {
        const struct encode_vector *v = &encode_vectors[i];

        assert_int_equal(chain_test_unhex(v->pubkey, pubkey, sizeof(pubkey)), BS_PUBKEY_LEN);
        assert_int_equal(bs_address_from_pubkey(v->net, v->type, pubkey, addr, sizeof(addr)),
                         BS_OK);
        assert_string_equal(addr, v->addr);
        /* The same from the hash, and it validates as the right kind. */
        bs_address_hash160(pubkey, sizeof(pubkey), keyhash);
        assert_int_equal(bs_address_from_hash160(v->net, v->type, keyhash, addr, sizeof(addr)),
                         BS_OK);
        assert_string_equal(addr, v->addr);
        assert_int_equal(bs_address_validate(v->net, addr, &info), BS_OK);
        switch (v->type) {
        case BS_ADDRTYPE_P2PKH:
            assert_int_equal(info.kind, BS_ADDRESS_P2PKH);
            assert_memory_equal(info.program, keyhash, BS_HASH160_LEN);
            break;
        case BS_ADDRTYPE_P2WPKH:
            assert_int_equal(info.kind, BS_ADDRESS_P2WPKH);
            assert_memory_equal(info.program, keyhash, BS_HASH160_LEN);
            break;
        case BS_ADDRTYPE_P2SH_P2WPKH:
        case BS_ADDRTYPE__COUNT:
            assert_int_equal(info.kind, BS_ADDRESS_P2SH);
            break;
        }
    }
}

static void
test_address_from_pubkey_refusals(void **state)
{
    uint8_t pubkey[BS_PUBKEY_LEN];
    char addr[BS_ADDRESS_MAX];

    (void)state;
    assert_int_equal(chain_test_unhex(key1_pubkey, pubkey, sizeof(pubkey)), BS_PUBKEY_LEN);
    assert_int_equal(
        bs_address_from_pubkey(BS_NETWORK_INVALID, BS_ADDRTYPE_P2WPKH, pubkey, addr, sizeof(addr)),
        BS_INVALID);
    assert_string_equal(addr, "");
    assert_int_equal(
        bs_address_from_pubkey(BS_NETWORK_MAIN, BS_ADDRTYPE__COUNT, pubkey, addr, sizeof(addr)),
        BS_INVALID);
    /* Buffers to the byte: 42 + NUL for bc1q, 34 + NUL for 1... */
    assert_int_equal(bs_address_from_pubkey(BS_NETWORK_MAIN, BS_ADDRTYPE_P2WPKH, pubkey, addr, 43),
                     BS_OK);
    assert_int_equal(bs_address_from_pubkey(BS_NETWORK_MAIN, BS_ADDRTYPE_P2WPKH, pubkey, addr, 42),
                     BS_TOOLARGE);
    assert_string_equal(addr, "");
    assert_int_equal(bs_address_from_pubkey(BS_NETWORK_MAIN, BS_ADDRTYPE_P2PKH, pubkey, addr, 35),
                     BS_OK);
    assert_int_equal(bs_address_from_pubkey(BS_NETWORK_MAIN, BS_ADDRTYPE_P2PKH, pubkey, addr, 34),
                     BS_TOOLARGE);
    /* Not a compressed key. */
    pubkey[0] = 0x04;
    assert_int_equal(
        bs_address_from_pubkey(BS_NETWORK_MAIN, BS_ADDRTYPE_P2PKH, pubkey, addr, sizeof(addr)),
        BS_INVALID);
}

static void
test_address_type_and_kind_names(void **state)
{
    bs_address_type t;
    int i;

    (void)state;
    assert_int_equal(BS_ADDRTYPE_P2WPKH, 0); /* the default */
    for (i = 0; i < BS_ADDRTYPE__COUNT; i++) {
        assert_int_equal(bs_address_type_parse(bs_address_type_name((bs_address_type)i), &t),
                         BS_OK);
        assert_int_equal(t, i);
    }
    assert_int_equal(bs_address_type_parse("p2sh-p2wpkh", &t), BS_OK);
    assert_int_equal(t, BS_ADDRTYPE_P2SH_P2WPKH);
    t = BS_ADDRTYPE_P2PKH;
    assert_int_equal(bs_address_type_parse("p2tr", &t), BS_INVALID);
    assert_int_equal(t, BS_ADDRTYPE_P2WPKH);
    assert_int_equal(bs_address_type_parse("", &t), BS_INVALID);
    assert_int_equal(bs_address_type_parse("P2WPKH", &t), BS_INVALID);
    assert_string_equal(bs_address_type_name(BS_ADDRTYPE__COUNT), "invalid");
    assert_string_equal(bs_address_kind_name(BS_ADDRESS_P2TR), "p2tr");
    assert_string_equal(bs_address_kind_name(BS_ADDRESS_WITNESS_OTHER), "witness");
    assert_string_equal(bs_address_kind_name(BS_ADDRESS_UNKNOWN), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_parse_and_name),
        cmocka_unit_test(test_network_prefixes),
        cmocka_unit_test(test_address_valid_addresses),
        cmocka_unit_test(test_address_segwit_upper_case_is_valid),
        cmocka_unit_test(test_address_canonical_one_spelling),
        cmocka_unit_test(test_address_refusals),
        cmocka_unit_test(test_address_base58_version_and_length),
        cmocka_unit_test(test_address_hash160),
        cmocka_unit_test(test_address_from_pubkey),
        cmocka_unit_test(test_address_from_pubkey_refusals),
        cmocka_unit_test(test_address_type_and_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
