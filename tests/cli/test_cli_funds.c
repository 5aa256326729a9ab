/*
 * test_cli_funds.c — `bitslot keys derive` as an operator meets it, with no
 * node (deriving needs none): an extended public key is one source of
 * addresses whatever its spelling.
 *
 * What it proves:
 *   - the same key material written as tpub, upub or vpub (other version
 *     bytes, SLIP-132), or with another depth, parent fingerprint or child
 *     number (none of which changes an address), is one source: derivation
 *     goes on from the next unused index, and the store holds one xpub/
 *     document for it;
 *   - one key, one type: a spelling that makes another address type than
 *     the store derives from that key is refused exactly as --type of
 *     another type is, with one message that says what to give instead
 *     (exit 1, nothing on stdout, the store unchanged), and what it says
 *     works;
 *   - a derive of one type that meets, between its check and its claim
 *     (BITSLOT_FAILPOINT=keys.derive-checked:pause), the source a derive of
 *     another type from the same key has just added is refused with that
 *     message: never two types from one key's indexes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bip32.h"
#include "store/store.h"
#include "testutil.h"

#define PATH_SIZE 4200
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* BIP32 test vector 1's master key (anyone may know its private key: for
 * tests only). */
static const char tv1_xpub[] = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29"
                               "ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";

#define ONE_KEY_ONE_TYPE(have)                                                                     \
    "bitslot: this store derives " have " addresses from that key already; give it as tpub "       \
    "with --type " have " to derive more (one key, one type: each index is used once)"

/* One store per case, on regtest. */
typedef struct shop {
    char url[PATH_SIZE + 16];
    char store_env[PATH_SIZE + 32];
} shop;

/* The spellings of one key: tpub, upub, vpub (regtest version bytes). */
typedef struct spellings {
    char tpub[BS_BIP32_TEXT_MAX];
    char upub[BS_BIP32_TEXT_MAX];
    char vpub[BS_BIP32_TEXT_MAX];
    char moved[BS_BIP32_TEXT_MAX]; /* tpub, at depth 3 with a parent and a child number */
} spellings;

static bs_test_output
shop_run(const shop *s, const char *const *args)
{
    return bs_test_run(args, (const char *const[]){s->store_env, "BITSLOT_NETWORK=regtest", NULL},
                       NULL);
}

static void
print_command(const char *const *args)
{
    print_message("command: bitslot");
    for (size_t i = 0; args[i] != NULL; i++)
        print_message(" '%s'", args[i]);
    print_message("\n");
}

/* Run a command that must succeed; returns its stdout (free it). */
static char *
run_ok(const shop *s, const char *const *args)
{
    bs_test_output r = shop_run(s, args);

    if (r.exit_code != 0 || r.err[0] != '\0') {
        print_command(args);
        print_message("exit %d, stderr: %s", r.exit_code, r.err);
        fail();
    }
    free(r.err);
    return r.out;
}

/* Run a command that must succeed and print exactly `line`. */
static void
ok_line(const shop *s, const char *line, const char *const *args)
{
    char *out = run_ok(s, args);

    if (strncmp(out, line, strlen(line)) != 0 || strcmp(out + strlen(line), "\n") != 0) {
        print_command(args);
        print_message("want: %s\n got: %s", line, out);
        fail();
    }
    free(out);
}

/* Run a command that must be refused with exit `code` and exactly `message`
 * on stderr, leaving the store as it was. */
static void
refused(const shop *s, int code, const char *message, const char *const *args)
{
    char *before = run_ok(s, ARGS("dump")), *after;
    bs_test_output r = shop_run(s, args);

    if (r.exit_code != code || strncmp(r.err, message, strlen(message)) != 0 ||
        strcmp(r.err + strlen(message), "\n") != 0) {
        print_command(args);
        print_message("want: exit %d, %s\n got: exit %d, %s", code, message, r.exit_code, r.err);
        fail();
    }
    assert_string_equal(r.out, "");
    bs_test_output_release(&r);
    after = run_ok(s, ARGS("dump"));
    assert_string_equal(after, before);
    free(before);
    free(after);
}

static void
shop_open(shop *s)
{
    snprintf(s->url, sizeof(s->url), "lmdb:%s/store", bs_test_tmpdir());
    snprintf(s->store_env, sizeof(s->store_env), "BITSLOT_STORE=%s", s->url);
    free(run_ok(s, ARGS("init")));
}

static void
spell(spellings *k)
{
    bs_bip32_key key;

    assert_int_equal(bs_bip32_parse(BS_NETWORK_MAIN, tv1_xpub, &key, NULL), BS_OK);
    key.network = BS_NETWORK_REGTEST;
    key.form = BS_XKEY_XPUB;
    assert_int_equal(bs_bip32_serialize(&key, k->tpub, sizeof(k->tpub)), BS_OK);
    key.form = BS_XKEY_YPUB;
    assert_int_equal(bs_bip32_serialize(&key, k->upub, sizeof(k->upub)), BS_OK);
    key.form = BS_XKEY_ZPUB;
    assert_int_equal(bs_bip32_serialize(&key, k->vpub, sizeof(k->vpub)), BS_OK);
    key.form = BS_XKEY_XPUB;
    key.depth = 3;
    memcpy(key.parent_fingerprint, "\x12\x34\x56\x78", 4);
    key.child_number = 7;
    assert_int_equal(bs_bip32_serialize(&key, k->moved, sizeof(k->moved)), BS_OK);
    assert_memory_equal(k->tpub, "tpub", 4);
    assert_memory_equal(k->upub, "upub", 4);
    assert_memory_equal(k->vpub, "vpub", 4);
    assert_string_not_equal(k->moved, k->tpub);
}

/* How many documents the store has under `prefix`. */
static int
documents(const shop *s, const char *prefix)
{
    char *out = run_ok(s, ARGS("dump", prefix));
    int n = 0;

    for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    free(out);
    return n;
}

/* Outside test: derivation restarted at index 0 for each spelling of one
 * key, each its own source. */
static void
test_cli_funds_derive_one_source_for_every_spelling(void **state)
{
    spellings k;
    shop s;

    (void)state;
    spell(&k);
    shop_open(&s);
    ok_line(&s, "{\"first_index\":0,\"count\":5,\"already_known\":0}",
            ARGS("keys", "derive", "--xpub", k.tpub, "--count", "5"));
    /* A vpub makes P2WPKH addresses, the type the store derives: it goes on. */
    ok_line(&s, "{\"first_index\":5,\"count\":5,\"already_known\":0}",
            ARGS("keys", "derive", "--xpub", k.vpub, "--count", "5"));
    /* Depth, parent and child number change no address. */
    ok_line(&s, "{\"first_index\":10,\"count\":5,\"already_known\":0}",
            ARGS("keys", "derive", "--xpub", k.moved, "--count", "5"));
    /* An upub makes P2SH-P2WPKH only: another type from the same indexes. */
    refused(&s, 1, ONE_KEY_ONE_TYPE("p2wpkh"),
            ARGS("keys", "derive", "--xpub", k.upub, "--count", "5"));
    refused(&s, 1, ONE_KEY_ONE_TYPE("p2wpkh"),
            ARGS("keys", "derive", "--xpub", k.moved, "--count", "5", "--type", "p2pkh"));
    refused(&s, 1, ONE_KEY_ONE_TYPE("p2wpkh"),
            ARGS("keys", "derive", "--xpub", k.tpub, "--count", "5", "--type", "p2sh-p2wpkh"));
    assert_int_equal(documents(&s, "xpub/"), 1);
    ok_line(&s,
            "{\"total\":15,\"available\":15,\"handed_out\":0,\"claimed_not_handed_out\":0,"
            "\"on_pages\":0,\"fills_in_progress\":0}",
            ARGS("keys", "status"));
}

/* The message says what to give, and that works. */
static void
test_cli_funds_derive_refusal_says_what_works(void **state)
{
    spellings k;
    shop s;

    (void)state;
    spell(&k);
    shop_open(&s);
    ok_line(&s, "{\"first_index\":0,\"count\":3,\"already_known\":0}",
            ARGS("keys", "derive", "--xpub", k.upub, "--count", "3"));
    refused(&s, 1, ONE_KEY_ONE_TYPE("p2sh-p2wpkh"),
            ARGS("keys", "derive", "--xpub", k.vpub, "--count", "3"));
    refused(&s, 1, ONE_KEY_ONE_TYPE("p2sh-p2wpkh"),
            ARGS("keys", "derive", "--xpub", k.tpub, "--count", "3"));
    ok_line(&s, "{\"first_index\":3,\"count\":3,\"already_known\":0}",
            ARGS("keys", "derive", "--xpub", k.tpub, "--count", "3", "--type", "p2sh-p2wpkh"));
    assert_int_equal(documents(&s, "xpub/"), 1);
}

/* The key of the source document of `key` (test vector 1's master key in
 * any spelling), computed here from the rule and not by the code under
 * test: xpub/ and the first 16 bytes, in hex, of the SHA-256 of its receive
 * chain's chain code and public key. */
static void
source_key(const char *text, char out[128])
{
    unsigned char material[32 + BS_PUBKEY_LEN], digest[crypto_hash_sha256_BYTES];
    bs_bip32_key key, chain;
    char hex[33];

    assert_int_equal(bs_bip32_parse(BS_NETWORK_REGTEST, text, &key, NULL), BS_OK);
    assert_int_equal(bs_bip32_derive_path(&key, "0", &chain), BS_OK);
    memcpy(material, chain.chain_code, 32);
    memcpy(material + 32, chain.pubkey, BS_PUBKEY_LEN);
    crypto_hash_sha256(digest, material, sizeof(material));
    sodium_bin2hex(hex, sizeof(hex), digest, 16);
    snprintf(out, 128, "xpub/%s", hex);
}

/* Two spellings of two types at once: a vpub derive has read the store
 * (no source yet) and checked its addresses when an upub derive adds the
 * source (P2SH-P2WPKH, no index claimed yet: planted here, the moment
 * between that derive's two writes). The vpub derive, let go, finds the
 * source there and must not claim its first indexes for another type: the
 * type is checked again in the compare-and-swap that claims them. */
static void
test_cli_funds_derive_two_types_at_once(void **state)
{
    const char *env[] = {NULL, "BITSLOT_NETWORK=regtest", NULL};
    char key[128], doc[256];
    bs_test_paused vpub;
    bs_test_output r;
    bs_store *store;
    spellings k;
    shop s;

    (void)state;
    spell(&k);
    shop_open(&s);
    env[0] = s.store_env;
    source_key(k.vpub, key);
    bs_test_start_paused(&vpub, "keys.derive-checked",
                         ARGS("keys", "derive", "--xpub", k.vpub, "--count", "4"), env);
    snprintf(doc, sizeof(doc), "{\"xpub\":\"%s\",\"type\":\"p2sh-p2wpkh\",\"next\":0}", k.upub);
    assert_int_equal(bs_store_open_existing(s.url, &store), BS_OK);
    assert_int_equal(bs_store_add(store, key, doc, strlen(doc), NULL), BS_OK);
    bs_store_close(store);
    r = bs_test_resume(&vpub);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, ONE_KEY_ONE_TYPE("p2sh-p2wpkh") "\n");
    assert_int_equal(r.exit_code, 1);
    bs_test_output_release(&r);
    /* The upub derive goes on from index 0: nothing was claimed. */
    ok_line(&s, "{\"first_index\":0,\"count\":3,\"already_known\":0}",
            ARGS("keys", "derive", "--xpub", k.upub, "--count", "3"));
    assert_int_equal(documents(&s, "xpub/"), 1);
    ok_line(&s,
            "{\"total\":3,\"available\":3,\"handed_out\":0,\"claimed_not_handed_out\":0,"
            "\"on_pages\":0,\"fills_in_progress\":0}",
            ARGS("keys", "status"));
    free(run_ok(&s, ARGS("check")));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_funds_derive_one_source_for_every_spelling),
        cmocka_unit_test(test_cli_funds_derive_refusal_says_what_works),
        cmocka_unit_test(test_cli_funds_derive_two_types_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
