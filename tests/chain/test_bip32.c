/*
 * test_bip32.c — extended public keys: the public-derivation steps of BIP32
 * test vectors 1 and 2 (each checked as the whole serialized child xpub:
 * depth, parent fingerprint, child number, chain code and key), every key of
 * test vector 5 refused for the right reason, the BIP84 and BIP49 vectors and
 * the SLIP-132 xpub/ypub/zpub vectors down to their addresses, network and
 * private-key refusals, path syntax, and derivation from many threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "chain/address.h"
#include "chain/base58.h"
#include "chain/bip32.h"
#include "chain_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* BIP32 test vector 1 (seed 000102030405060708090a0b0c0d0e0f). */
static const char v1_m[] = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJo"
                           "Cu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";
static const char v1_m_0h[] = "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZe"
                              "NK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw";
static const char v1_m_0h_1[] = "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNA"
                                "WbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ";
static const char v1_m_0h_1_2h[] = "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJ"
                                   "PMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5";
static const char v1_m_0h_1_2h_2[] = "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJ"
                                     "AyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV";
static const char v1_m_0h_1_2h_2_1000000000[] =
    "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvX"
    "EYBVPamhGW6cFJodrTHy";
static const char v1_m_xprv[] = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkV"
                                "vvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";

/* BIP32 test vector 2. */
static const char v2_m[] = "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDM"
                           "Sgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB";
static const char v2_m_0[] = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7E"
                             "RfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH";
static const char v2_m_0_2147483647h[] =
    "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxa"
    "EyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a";
static const char v2_m_0_2147483647h_1[] =
    "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG"
    "5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon";
static const char v2_m_0_2147483647h_1_2147483646h[] =
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRj"
    "aDMzQLcgJvLJuZZvRcEL";
static const char v2_m_0_2147483647h_1_2147483646h_2[] =
    "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb"
    "9rXpVGyy3bdW6EEgAtqt";

/* BIP84 test vector, account 0 (m/84'/0'/0'), and its private form. */
static const char bip84_zpub[] = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r"
                                 "1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
static const char bip84_zprv[] = "zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmf"
                                 "vqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE";

/* SLIP-132 test vectors (same mnemonic): BIP44 and BIP49 accounts. */
static const char slip132_xpub[] = "xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGF"
                                   "Nbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj";
static const char slip132_ypub[] = "ypub6Ww3ibxVfGzLrAH1PNcjyAWenMTbbAosGNB6VvmSEgytSER9azLDWCxoJ"
                                   "wW7Ke7icmizBMXrzBx9979FfaHxHcrArf3zbeJJJUZPf663zsP";

/* BIP49 test vector, testnet account 0 (m/49'/1'/0'). */
static const char bip49_upub[] = "upub5EFU65HtV5TeiSHmZZm7FUffBGy8UKeqp7vw43jYbvZPpoVsgU93oac7Wk3"
                                 "u6moKegAEWtGNF8DehrnHtv21XXEMYRUocHqguyjknFHYfgY";

static void
parse_ok(bs_network net, const char *text, bs_bip32_key *key)
{
    bs_bip32_problem why = BS_BIP32_BAD_POINT;

    assert_int_equal(bs_bip32_parse(net, text, key, &why), BS_OK);
    assert_int_equal(why, BS_BIP32_OK);
}

/* Parse `from`, derive `path`, and expect the serialized child `want`. */
static void
check_derivation(const char *from, const char *path, const char *want)
{
    bs_bip32_key key, child;
    char text[BS_BIP32_TEXT_MAX];

    parse_ok(BS_NETWORK_MAIN, from, &key);
    assert_int_equal(bs_bip32_derive_path(&key, path, &child), BS_OK);
    assert_int_equal(bs_bip32_serialize(&child, text, sizeof(text)), BS_OK);
    assert_string_equal(text, want);
}

/* Re-encode a key's 78 bytes under other version bytes. */
static void
with_version(const char *text, uint32_t version, char *out, size_t out_size)
{
    uint8_t raw[BS_BIP32_SERIALIZED_LEN];
    size_t len;

    assert_int_equal(bs_base58check_decode(text, raw, sizeof(raw), &len), BS_OK);
    assert_int_equal(len, BS_BIP32_SERIALIZED_LEN);
    raw[0] = (uint8_t)(version >> 24);
    raw[1] = (uint8_t)(version >> 16);
    raw[2] = (uint8_t)(version >> 8);
    raw[3] = (uint8_t)version;
    assert_int_equal(bs_base58check_encode(raw, len, out, out_size), BS_OK);
}

static void
test_bip32_vector1_public_derivation(void **state)
{
    (void)state;
    check_derivation(v1_m_0h, "1", v1_m_0h_1);
    check_derivation(v1_m_0h_1_2h, "2", v1_m_0h_1_2h_2);
    check_derivation(v1_m_0h_1_2h, "2/1000000000", v1_m_0h_1_2h_2_1000000000);
    check_derivation(v1_m_0h_1_2h_2, "1000000000", v1_m_0h_1_2h_2_1000000000);
}

static void
test_bip32_vector2_public_derivation(void **state)
{
    (void)state;
    check_derivation(v2_m, "0", v2_m_0);
    check_derivation(v2_m_0_2147483647h, "1", v2_m_0_2147483647h_1);
    check_derivation(v2_m_0_2147483647h_1_2147483646h, "2", v2_m_0_2147483647h_1_2147483646h_2);
}

static void
test_bip32_parse_fields_and_round_trip(void **state)
{
    static const char *const all[] = {v1_m,
                                      v1_m_0h,
                                      v1_m_0h_1,
                                      v1_m_0h_1_2h,
                                      v1_m_0h_1_2h_2,
                                      v1_m_0h_1_2h_2_1000000000,
                                      v2_m,
                                      v2_m_0,
                                      v2_m_0_2147483647h,
                                      v2_m_0_2147483647h_1,
                                      v2_m_0_2147483647h_1_2147483646h,
                                      v2_m_0_2147483647h_1_2147483646h_2,
                                      bip84_zpub,
                                      slip132_xpub,
                                      slip132_ypub};
    char text[BS_BIP32_TEXT_MAX], hex[2 * 33 + 1];
    bs_bip32_key key;
    size_t i;

    (void)state;
    for (i = 0; i < N(all); i++) {
        parse_ok(BS_NETWORK_MAIN, all[i], &key);
        assert_int_equal(bs_bip32_serialize(&key, text, sizeof(text)), BS_OK);
        assert_string_equal(text, all[i]);
    }
    /* Vector 1, m: a master key, identifier 3442193e... (its P2PKH below). */
    parse_ok(BS_NETWORK_MAIN, v1_m, &key);
    assert_int_equal(key.network, BS_NETWORK_MAIN);
    assert_int_equal(key.form, BS_XKEY_XPUB);
    assert_int_equal(key.depth, 0);
    assert_int_equal(key.child_number, 0);
    chain_test_hex(key.chain_code, 32, hex);
    assert_string_equal(hex, "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508");
    chain_test_hex(key.pubkey, 33, hex);
    assert_string_equal(hex, "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2");
    /* m/0H: depth 1, hardened index 0, the master's fingerprint. */
    parse_ok(BS_NETWORK_MAIN, v1_m_0h, &key);
    assert_int_equal(key.depth, 1);
    assert_int_equal(key.child_number, BS_BIP32_HARDENED);
    chain_test_hex(key.parent_fingerprint, 4, hex);
    assert_string_equal(hex, "3442193e");
    /* The string is at most BS_BIP32_TEXT_MAX - 1 characters; check the limit. */
    assert_int_equal(bs_bip32_serialize(&key, text, strlen(v1_m_0h) + 1), BS_OK);
    assert_int_equal(bs_bip32_serialize(&key, text, strlen(v1_m_0h)), BS_TOOLARGE);
    assert_true(strlen(v1_m_0h) < BS_BIP32_TEXT_MAX);
}

static void
test_bip32_p2pkh_of_vector_keys(void **state)
{
    char addr[BS_ADDRESS_MAX];
    bs_bip32_key key;

    (void)state;
    parse_ok(BS_NETWORK_MAIN, v1_m, &key);
    assert_int_equal(bs_bip32_address(&key, "", BS_ADDRTYPE_P2PKH, addr, sizeof(addr)), BS_OK);
    assert_string_equal(addr, "15mKKb2eos1hWa6tisdPwwDC1a5J1y9nma");
    parse_ok(BS_NETWORK_MAIN, v1_m_0h_1_2h, &key);
    assert_int_equal(bs_bip32_address(&key, "", BS_ADDRTYPE_P2PKH, addr, sizeof(addr)), BS_OK);
    assert_string_equal(addr, "1NjxqbA9aZWnh17q1UW3rB4EPu79wDXj7x");
}

static void
test_bip32_bip84_vector(void **state)
{
    static const struct {
        const char *path, *pubkey, *addr;
    } want[] = {
        {"0/0", "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c",
         "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"},
        {"0/1", "03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77",
         "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"},
        {"1/0", "03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6",
         "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"},
    };
    bs_bip32_key account, child, receive;
    char addr[BS_ADDRESS_MAX], hex[2 * 33 + 1];
    size_t i;

    (void)state;
    parse_ok(BS_NETWORK_MAIN, bip84_zpub, &account);
    assert_int_equal(account.form, BS_XKEY_ZPUB);
    assert_int_equal(account.depth, 3);
    assert_int_equal(bs_bip32_default_type(&account), BS_ADDRTYPE_P2WPKH);
    for (i = 0; i < N(want); i++) {
        assert_int_equal(bs_bip32_derive_path(&account, want[i].path, &child), BS_OK);
        chain_test_hex(child.pubkey, 33, hex);
        assert_string_equal(hex, want[i].pubkey);
        assert_int_equal(
            bs_bip32_address(&account, want[i].path, BS_ADDRTYPE_P2WPKH, addr, sizeof(addr)),
            BS_OK);
        assert_string_equal(addr, want[i].addr);
    }
    /* The receive chain derived once, then one step per address. */
    assert_int_equal(bs_bip32_derive_path(&account, "0", &receive), BS_OK);
    assert_int_equal(bs_bip32_address(&receive, "1", BS_ADDRTYPE_P2WPKH, addr, sizeof(addr)),
                     BS_OK);
    assert_string_equal(addr, want[1].addr);
    /* A zpub's wallet watches P2WPKH only. */
    assert_false(bs_bip32_allows(&account, BS_ADDRTYPE_P2PKH));
    assert_false(bs_bip32_allows(&account, BS_ADDRTYPE_P2SH_P2WPKH));
    assert_true(bs_bip32_allows(&account, BS_ADDRTYPE_P2WPKH));
    assert_int_equal(bs_bip32_address(&account, "0/0", BS_ADDRTYPE_P2PKH, addr, sizeof(addr)),
                     BS_INVALID);
    assert_string_equal(addr, "");
}

static void
test_bip32_slip132_and_bip49_vectors(void **state)
{
    char addr[BS_ADDRESS_MAX];
    bs_bip32_key key;

    (void)state;
    /* BIP44 account xpub: any type; P2PKH is the one the vector lists. */
    parse_ok(BS_NETWORK_MAIN, slip132_xpub, &key);
    assert_int_equal(key.form, BS_XKEY_XPUB);
    assert_int_equal(bs_bip32_default_type(&key), BS_ADDRTYPE_P2WPKH);
    assert_true(bs_bip32_allows(&key, BS_ADDRTYPE_P2PKH));
    assert_true(bs_bip32_allows(&key, BS_ADDRTYPE_P2SH_P2WPKH));
    assert_true(bs_bip32_allows(&key, BS_ADDRTYPE_P2WPKH));
    assert_int_equal(bs_bip32_address(&key, "0/0", BS_ADDRTYPE_P2PKH, addr, sizeof(addr)), BS_OK);
    assert_string_equal(addr, "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA");
    /* BIP49 account ypub: P2SH-P2WPKH only, and by default. */
    parse_ok(BS_NETWORK_MAIN, slip132_ypub, &key);
    assert_int_equal(key.form, BS_XKEY_YPUB);
    assert_int_equal(bs_bip32_default_type(&key), BS_ADDRTYPE_P2SH_P2WPKH);
    assert_int_equal(bs_bip32_address(&key, "0/0", BS_ADDRTYPE_P2SH_P2WPKH, addr, sizeof(addr)),
                     BS_OK);
    assert_string_equal(addr, "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf");
    assert_int_equal(bs_bip32_address(&key, "0/0", BS_ADDRTYPE_P2WPKH, addr, sizeof(addr)),
                     BS_INVALID);
    /* BIP49's own vector is a testnet upub. */
    parse_ok(BS_NETWORK_TEST, bip49_upub, &key);
    assert_int_equal(key.form, BS_XKEY_YPUB);
    assert_int_equal(bs_bip32_address(&key, "0/0", BS_ADDRTYPE_P2SH_P2WPKH, addr, sizeof(addr)),
                     BS_OK);
    assert_string_equal(addr, "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2");
}

static void
test_bip32_test_networks(void **state)
{
    char vpub[BS_BIP32_TEXT_MAX], tpub[BS_BIP32_TEXT_MAX], text[BS_BIP32_TEXT_MAX];
    char addr[BS_ADDRESS_MAX];
    bs_address_info info, main_info;
    bs_bip32_problem why;
    bs_bip32_key key;

    (void)state;
    /* The BIP84 account as a vpub: the same keys on every test network. */
    with_version(bip84_zpub, 0x045F1CF6, vpub, sizeof(vpub));
    assert_memory_equal(vpub, "vpub", 4);
    assert_int_equal(bs_address_parse("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", &main_info),
                     BS_OK);
    parse_ok(BS_NETWORK_TEST, vpub, &key);
    assert_int_equal(key.form, BS_XKEY_ZPUB);
    assert_int_equal(bs_bip32_address(&key, "0/0", BS_ADDRTYPE_P2WPKH, addr, sizeof(addr)), BS_OK);
    assert_memory_equal(addr, "tb1q", 4);
    assert_int_equal(bs_address_validate(BS_NETWORK_TEST, addr, &info), BS_OK);
    assert_memory_equal(info.program, main_info.program, BS_HASH160_LEN);
    parse_ok(BS_NETWORK_SIGNET, vpub, &key);
    parse_ok(BS_NETWORK_REGTEST, vpub, &key);
    assert_int_equal(bs_bip32_address(&key, "0/0", BS_ADDRTYPE_P2WPKH, addr, sizeof(addr)), BS_OK);
    assert_memory_equal(addr, "bcrt1q", 6);
    assert_int_equal(bs_address_validate(BS_NETWORK_REGTEST, addr, &info), BS_OK);
    assert_memory_equal(info.program, main_info.program, BS_HASH160_LEN);
    assert_int_equal(bs_bip32_serialize(&key, text, sizeof(text)), BS_OK);
    assert_string_equal(text, vpub);

    /* A tpub on regtest, serialized back as a tpub. */
    with_version(v1_m, 0x043587CF, tpub, sizeof(tpub));
    assert_memory_equal(tpub, "tpub", 4);
    parse_ok(BS_NETWORK_REGTEST, tpub, &key);
    assert_int_equal(bs_bip32_serialize(&key, text, sizeof(text)), BS_OK);
    assert_string_equal(text, tpub);
    assert_int_equal(bs_bip32_address(&key, "", BS_ADDRTYPE_P2PKH, addr, sizeof(addr)), BS_OK);
    assert_int_equal(bs_address_validate(BS_NETWORK_REGTEST, addr, &info), BS_OK);

    /* Keys of the other family are refused as the wrong network. */
    assert_int_equal(bs_bip32_parse(BS_NETWORK_TEST, bip84_zpub, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_WRONG_NETWORK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_REGTEST, v1_m, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_WRONG_NETWORK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, vpub, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_WRONG_NETWORK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, tpub, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_WRONG_NETWORK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, bip49_upub, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_WRONG_NETWORK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_INVALID, v1_m, &key, &why), BS_INVALID);
}

static void
test_bip32_private_keys_refused(void **state)
{
    char tprv[BS_BIP32_TEXT_MAX], vprv[BS_BIP32_TEXT_MAX];
    bs_bip32_problem why;
    bs_bip32_key key;
    bs_network net;

    (void)state;
    with_version(v1_m_xprv, 0x04358394, tprv, sizeof(tprv));
    assert_memory_equal(tprv, "tprv", 4);
    with_version(bip84_zprv, 0x045F18BC, vprv, sizeof(vprv));
    assert_memory_equal(vprv, "vprv", 4);
    /* On every network, whatever the private key's own network. */
    for (net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++) {
        const char *const keys[] = {v1_m_xprv, bip84_zprv, tprv, vprv};

        for (size_t i = 0; i < N(keys); i++) {
            memset(&key, 0xee, sizeof(key));
            why = BS_BIP32_OK;
            assert_int_equal(bs_bip32_parse(net, keys[i], &key, &why), BS_INVALID);
            assert_int_equal(why, BS_BIP32_PRIVATE);
            /* Nothing of the private key is kept. */
            for (size_t b = 0; b < sizeof(key); b++)
                assert_int_equal(((const uint8_t *)&key)[b], 0);
        }
    }
    /* problem may be NULL. */
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, v1_m_xprv, &key, NULL), BS_INVALID);
}

static void
test_bip32_vector5_invalid_keys(void **state)
{
    static const struct {
        const char *key;
        bs_bip32_problem why;
    } v5[] = {
        /* pubkey version / prvkey mismatch */
        {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZaf"
         "Ez7mnzBBsz4wKY5fTtTQBm",
         BS_BIP32_BAD_POINT},
        /* prvkey version / pubkey mismatch */
        {"xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGTQQD3dC4H2D5GBj7vWvSQaaBv5c"
         "xi9gafk7NF3pnBju6dwKvH",
         BS_BIP32_PRIVATE},
        /* invalid pubkey prefix 04 */
        {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG"
         "4McvMGcAUjeuwZdduYEvFn",
         BS_BIP32_BAD_POINT},
        /* invalid prvkey prefix 04 */
        {"xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGpWnsj83BHtEy5Zt8CcDr1UiRXuW"
         "CmTQLxEK9vbz5gPstX92JQ",
         BS_BIP32_PRIVATE},
        /* invalid pubkey prefix 01 */
        {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJ"
         "wpzZS4HS2fxvyYUA4q2Xe4",
         BS_BIP32_BAD_POINT},
        /* invalid prvkey prefix 01 */
        {"xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD9y5gkZ"
         "6Eq3Rjuahrv17fEQ3Qen6J",
         BS_BIP32_PRIVATE},
        /* zero depth with non-zero parent fingerprint */
        {"xprv9s2SPatNQ9Vc6GTbVMFPFo7jsaZySyzk7L8n2uqKXJen3KUmvQNTuLh3fhZMBoG3G4ZW1N2kZuHEPY53qmbZz"
         "CHshoQnNf4GvELZfqTUrcv",
         BS_BIP32_PRIVATE},
        {"xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewAT"
         "dCEebj6znwMfQkhRYHRLpJ",
         BS_BIP32_BAD_HEADER},
        /* zero depth with non-zero index */
        {"xprv9s21ZrQH4r4TsiLvyLXqM9P7k1K3EYhA1kkD6xuquB5i39AU8KF42acDyL3qsDbU9NmZn6MsGSUYZEsuoePmj"
         "zsB3eFKSUEh3Gu1N3cqVUN",
         BS_BIP32_PRIVATE},
        {"xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjND"
         "RmXzSZe4c7mnTK97pTvGS8",
         BS_BIP32_BAD_HEADER},
        /* unknown extended key version */
        {"DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St"
         "24UVf2Qgo6oujFktLHdHY4",
         BS_BIP32_UNKNOWN_VERSION},
        {"DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVb"
         "bNfvT2MTcAqj3nesx8uBf9",
         BS_BIP32_UNKNOWN_VERSION},
        /* private key 0 not in 1..n-1; private key n not in 1..n-1 */
        {"xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52u"
         "PPxFnfoLZB21Teqt1VvEHx",
         BS_BIP32_PRIVATE},
        {"xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD5SDKr2"
         "4z3aiUvKr9bJpdrcLg1y3G",
         BS_BIP32_PRIVATE},
        /* invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007 */
        {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1x"
         "efsM58PgBMrvdYre8QyULY",
         BS_BIP32_BAD_POINT},
        /* invalid checksum */
        {"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU"
         "3TGtRBeJgk33yuGBxrMPHL",
         BS_BIP32_CHECKSUM},
    };
    bs_bip32_problem why;
    bs_bip32_key key;
    size_t i;

    (void)state;
    for (i = 0; i < N(v5); i++) {
        why = BS_BIP32_OK;
        assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, v5[i].key, &key, &why), BS_INVALID);
        if (why != v5[i].why)
            fail_msg("vector 5 #%zu: problem %d, want %d", i, (int)why, (int)v5[i].why);
    }
}

static void
test_bip32_malformed_text(void **state)
{
    char text[512], good_but_short[BS_BIP32_TEXT_MAX];
    uint8_t raw[BS_BIP32_SERIALIZED_LEN + 1] = {0};
    bs_bip32_problem why;
    bs_bip32_key key;
    size_t n = strlen(v1_m);

    (void)state;
    /* A typo, a dropped character, a stray space, a zero, surrounding space. */
    memcpy(text, v1_m, n + 1);
    text[20] = text[20] == 'a' ? 'b' : 'a';
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, text, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_CHECKSUM);
    memcpy(text, v1_m, n + 1);
    text[n - 1] = '\0';
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, text, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_CHECKSUM);
    memcpy(text, v1_m, n + 1);
    text[30] = ' ';
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, text, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_NOT_BASE58);
    text[30] = '0';
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, text, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_NOT_BASE58);
    snprintf(text, sizeof(text), " %s", v1_m);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, text, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_NOT_BASE58);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, "", &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_NOT_BASE58);
    /* Well-formed base58check of the wrong length: an address, 77 and 79 bytes. */
    assert_int_equal(
        bs_bip32_parse(BS_NETWORK_MAIN, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", &key, &why),
        BS_INVALID);
    assert_int_equal(why, BS_BIP32_LENGTH);
    assert_int_equal(bs_base58check_encode(raw, BS_BIP32_SERIALIZED_LEN - 1, good_but_short,
                                           sizeof(good_but_short)),
                     BS_OK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, good_but_short, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_LENGTH);
    assert_int_equal(bs_base58check_encode(raw, BS_BIP32_SERIALIZED_LEN + 1, good_but_short,
                                           sizeof(good_but_short)),
                     BS_OK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, good_but_short, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_LENGTH);
    /* Far too long: refused before decoding. */
    memset(text, 'z', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, text, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_LENGTH);
    /* 78 zero bytes: version 0 is no known form. */
    assert_int_equal(
        bs_base58check_encode(raw, BS_BIP32_SERIALIZED_LEN, good_but_short, sizeof(good_but_short)),
        BS_OK);
    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, good_but_short, &key, &why), BS_INVALID);
    assert_int_equal(why, BS_BIP32_UNKNOWN_VERSION);
}

static void
test_bip32_hardened_and_malformed_paths(void **state)
{
    static const char *const bad[] = {
        "0'",   "0h",  "0H",          "1/0'",       "2147483648", "/0", "0/", "0//1",
        "m",    "m/0", " 0",          "0 ",         "-1",         "+1", "a",  "0/a",
        "0x10", "1.5", "99999999999", "9999999999", "4294967296", "0\n"};
    bs_bip32_key key, out, before;

    (void)state;
    parse_ok(BS_NETWORK_MAIN, v2_m, &key);
    for (size_t i = 0; i < N(bad); i++) {
        memset(&out, 0x5a, sizeof(out));
        before = out;
        if (bs_bip32_derive_path(&key, bad[i], &out) != BS_INVALID)
            fail_msg("accepted path \"%s\"", bad[i]);
        assert_memory_equal(&out, &before, sizeof(out)); /* unchanged */
    }
    assert_int_equal(bs_bip32_derive_child(&key, BS_BIP32_HARDENED, &out), BS_INVALID);
    assert_int_equal(bs_bip32_derive_child(&key, UINT32_MAX, &out), BS_INVALID);
    /* The largest non-hardened index, and the empty path. */
    assert_int_equal(bs_bip32_derive_path(&key, "2147483647", &out), BS_OK);
    assert_int_equal(out.child_number, BS_BIP32_HARDENED - 1);
    assert_int_equal(bs_bip32_derive_path(&key, "", &out), BS_OK);
    assert_memory_equal(&out, &key, sizeof(key));
}

static void
test_bip32_derive_in_place_and_depth_limit(void **state)
{
    bs_bip32_key key, copy;
    char text[BS_BIP32_TEXT_MAX];

    (void)state;
    parse_ok(BS_NETWORK_MAIN, v2_m, &key);
    assert_int_equal(bs_bip32_derive_child(&key, 0, &key), BS_OK);
    assert_int_equal(bs_bip32_serialize(&key, text, sizeof(text)), BS_OK);
    assert_string_equal(text, v2_m_0);
    /* Depth 254 may have a child; 255 may not. */
    key.depth = 254;
    assert_int_equal(bs_bip32_derive_path(&key, "7", &copy), BS_OK);
    assert_int_equal(copy.depth, 255);
    assert_int_equal(bs_bip32_derive_child(&copy, 0, &copy), BS_INVALID);
    assert_int_equal(copy.depth, 255);
    /* A hand-made key whose point is not on the curve. */
    memset(key.pubkey + 1, 0, sizeof(key.pubkey) - 1);
    key.pubkey[32] = 7;
    assert_int_equal(bs_bip32_derive_child(&key, 0, &copy), BS_INVALID);
    /* Serializing an out-of-range key. */
    key.network = BS_NETWORK_INVALID;
    assert_int_equal(bs_bip32_serialize(&key, text, sizeof(text)), BS_INVALID);
}

#define THREADS    8
#define PER_THREAD 64

struct derive_job {
    const bs_bip32_key *chain;
    char addr[PER_THREAD][BS_ADDRESS_MAX];
    bs_status st;
};

static void *
derive_many(void *arg)
{
    struct derive_job *job = arg;
    char path[16];

    job->st = BS_OK;
    for (int i = 0; i < PER_THREAD && job->st == BS_OK; i++) {
        snprintf(path, sizeof(path), "%d", i);
        job->st = bs_bip32_address(job->chain, path, BS_ADDRTYPE_P2WPKH, job->addr[i],
                                   sizeof(job->addr[i]));
    }
    return NULL;
}

static void
test_bip32_derivation_from_many_threads(void **state)
{
    static struct derive_job jobs[THREADS];
    pthread_t threads[THREADS];
    bs_bip32_key account, chain;
    int t, i;

    (void)state;
    parse_ok(BS_NETWORK_MAIN, bip84_zpub, &account);
    assert_int_equal(bs_bip32_derive_path(&account, "0", &chain), BS_OK);
    for (t = 0; t < THREADS; t++) {
        jobs[t].chain = &chain;
        assert_int_equal(pthread_create(&threads[t], NULL, derive_many, &jobs[t]), 0);
    }
    for (t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    for (t = 0; t < THREADS; t++) {
        assert_int_equal(jobs[t].st, BS_OK);
        for (i = 0; i < PER_THREAD; i++)
            assert_string_equal(jobs[t].addr[i], jobs[0].addr[i]);
    }
    assert_string_equal(jobs[0].addr[0], "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    assert_string_equal(jobs[0].addr[1], "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");
    for (i = 1; i < PER_THREAD; i++)
        assert_string_not_equal(jobs[0].addr[i], jobs[0].addr[i - 1]);
}

/* The name of each form is the prefix its text has (serialize says so). */
static void
test_bip32_form_names_are_the_prefixes(void **state)
{
    static const bs_network nets[] = {BS_NETWORK_MAIN, BS_NETWORK_TEST, BS_NETWORK_SIGNET,
                                      BS_NETWORK_REGTEST};
    char text[BS_BIP32_TEXT_MAX];
    bs_bip32_key key;

    (void)state;
    parse_ok(BS_NETWORK_MAIN, slip132_xpub, &key);
    for (size_t n = 0; n < sizeof(nets) / sizeof(nets[0]); n++) {
        for (int f = 0; f < BS_XKEY__COUNT; f++) {
            const char *name = bs_bip32_form_name(nets[n], (bs_xkey_form)f);
            key.network = nets[n];
            key.form = (bs_xkey_form)f;
            assert_int_equal(bs_bip32_serialize(&key, text, sizeof(text)), BS_OK);
            assert_int_equal(strlen(name), 4);
            assert_memory_equal(text, name, 4);
        }
    }
    assert_string_equal(bs_bip32_form_name(BS_NETWORK_MAIN, BS_XKEY_ZPUB), "zpub");
    assert_string_equal(bs_bip32_form_name(BS_NETWORK_REGTEST, BS_XKEY_XPUB), "tpub");
    assert_string_equal(bs_bip32_form_name(BS_NETWORK_INVALID, BS_XKEY_XPUB), "");
    assert_string_equal(bs_bip32_form_name(BS_NETWORK_MAIN, BS_XKEY__COUNT), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bip32_vector1_public_derivation),
        cmocka_unit_test(test_bip32_vector2_public_derivation),
        cmocka_unit_test(test_bip32_parse_fields_and_round_trip),
        cmocka_unit_test(test_bip32_p2pkh_of_vector_keys),
        cmocka_unit_test(test_bip32_bip84_vector),
        cmocka_unit_test(test_bip32_slip132_and_bip49_vectors),
        cmocka_unit_test(test_bip32_test_networks),
        cmocka_unit_test(test_bip32_private_keys_refused),
        cmocka_unit_test(test_bip32_vector5_invalid_keys),
        cmocka_unit_test(test_bip32_malformed_text),
        cmocka_unit_test(test_bip32_hardened_and_malformed_paths),
        cmocka_unit_test(test_bip32_derive_in_place_and_depth_limit),
        cmocka_unit_test(test_bip32_derivation_from_many_threads),
        cmocka_unit_test(test_bip32_form_names_are_the_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
