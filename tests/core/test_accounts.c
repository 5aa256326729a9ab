/*
 * test_accounts.c — finding an account by its API key (core/accounts.h,
 * model/apikey.h), on a real LMDB store, each case on an empty one:
 *   - bs_accounts_authenticate answers the canonical name of the account
 *     whose key it is given; BS_AUTH, with nothing named, for a wrong key, a
 *     malformed one (63 or 65 characters, upper case hex, not hex, empty,
 *     NULL) and one that is no account's;
 *   - the index is apikey/<lowercase hex of the key's BLAKE2b-256 digest>
 *     naming the account, and only a hint: an index naming an account whose
 *     own hash is another, or naming no account, authenticates nobody and
 *     is no violation for `bitslot check`;
 *   - a name already taken (in any case) leaves no index behind;
 *   - a crash between the index and the account (failpoint
 *     account.key-indexed, in the `bitslot` binary) leaves the store
 *     check-clean and the name free to register again;
 *   - `bitslot check` reports an account whose index is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/check.h"
#include "core/credit.h"
#include "core/docs.h"
#include "model/apikey.h"
#include "testutil.h"
#include "util/failpoint.h"

#define T0       INT64_C(1700000000)
#define URL_SIZE 4200
#define PASSWORD "password1"

/* One empty store with the operator's account, as `init` leaves it. */
typedef struct fixture {
    char url[URL_SIZE];
    int64_t now;
    bs_ctx ctx;
} fixture;

static void
fixture_open(fixture *f)
{
    bs_store *store;

    memset(f, 0, sizeof(*f));
    bs_test_empty_store(f->url, sizeof(f->url));
    assert_int_equal(bs_store_open(f->url, &store), BS_OK);
    bs_ctx_init(&f->ctx, store);
    f->now = T0;
    f->ctx.clock = bs_clock_fixed(&f->now);
    assert_int_equal(bs_credit_ensure_operator(&f->ctx), BS_OK);
}

static void
fixture_close(fixture *f)
{
    bs_store_close(f->ctx.store);
}

static void
create(fixture *f, const char *name, char key[BS_API_KEY_LEN + 1])
{
    assert_int_equal(bs_accounts_create(&f->ctx, name, PASSWORD, strlen(PASSWORD), key), BS_OK);
    assert_int_equal(strlen(key), BS_API_KEY_LEN);
}

/* The store key of `api_key`'s index, computed here from the rule and not
 * by the code under test. */
static void
index_key(const char *api_key, char out[BS_KEY_BUF])
{
    unsigned char digest[32];
    char hex[65];

    crypto_generichash(digest, sizeof(digest), (const unsigned char *)api_key, strlen(api_key),
                       NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    snprintf(out, BS_KEY_BUF, "apikey/%s", hex);
}

/* Every index document: how many, and the names they give, in key order,
 * each followed by a space. */
static size_t
indexes(fixture *f, char *names, size_t size)
{
    bs_store_page page;
    size_t count;

    names[0] = '\0';
    assert_int_equal(bs_store_scan(f->ctx.store, "apikey/", NULL, BS_STORE_SCAN_MAX, &page), BS_OK);
    assert_false(page.more);
    for (size_t i = 0; i < page.count; i++) {
        bs_name canon;
        assert_int_equal(bs_apikey_decode(page.docs[i].value, page.docs[i].len, canon), BS_OK);
        snprintf(names + strlen(names), size - strlen(names), "%s ", canon);
    }
    count = page.count;
    bs_store_page_release(&page);
    return count;
}

/* What `bitslot check` says, one line per finding. */
typedef struct findings {
    char text[4096];
    bs_check_summary sum;
} findings;

static void
collect(void *arg, bool unfinished, const char *line)
{
    findings *fs = arg;
    size_t n = strlen(fs->text);

    snprintf(fs->text + n, sizeof(fs->text) - n, "%s: %s\n",
             unfinished ? "unfinished" : "violation", line);
}

static void
check(fixture *f, findings *fs)
{
    memset(fs, 0, sizeof(*fs));
    assert_int_equal(bs_check_run(&f->ctx, collect, fs, &fs->sum), BS_OK);
}

static void
assert_check_clean(fixture *f)
{
    findings fs;

    check(f, &fs);
    if (fs.sum.violations != 0 || fs.sum.unfinished != 0)
        fail_msg("check: %s", fs.text);
}

static void
assert_refused(fixture *f, const char *api_key)
{
    bs_name canon;

    memcpy(canon, "untouched", sizeof("untouched"));
    if (bs_accounts_authenticate(&f->ctx, api_key, canon) != BS_AUTH)
        fail_msg("key \"%s\" was not refused", api_key ? api_key : "(null)");
    assert_string_equal(canon, "");
}

static void
test_accounts_authenticate_finds_the_account(void **state)
{
    char alice[BS_API_KEY_LEN + 1], bob[BS_API_KEY_LEN + 1], key[BS_KEY_BUF], *text;
    bs_name canon;
    size_t len;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "Alice", alice);
    create(&f, "bob", bob);
    assert_int_equal(bs_accounts_authenticate(&f.ctx, alice, canon), BS_OK);
    assert_string_equal(canon, "alice"); /* canonical, as registered "Alice" */
    assert_int_equal(bs_accounts_authenticate(&f.ctx, bob, canon), BS_OK);
    assert_string_equal(canon, "bob");

    /* The index is where the rule puts it, naming the canonical name. */
    index_key(alice, key);
    assert_int_equal(bs_store_get(f.ctx.store, key, &text, &len, NULL), BS_OK);
    assert_string_equal(text, "{\"account\":\"alice\"}");
    free(text);
    assert_check_clean(&f);
    fixture_close(&f);
}

static void
test_accounts_authenticate_refuses_bad_keys(void **state)
{
    char alice[BS_API_KEY_LEN + 1], changed[BS_API_KEY_LEN + 2];
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", alice);

    /* Another well-formed key: no index. */
    memcpy(changed, alice, sizeof(alice));
    changed[BS_API_KEY_LEN - 1] = changed[BS_API_KEY_LEN - 1] == '0' ? '1' : '0';
    assert_refused(&f, changed);
    assert_refused(&f, "0000000000000000000000000000000000000000000000000000000000000000");

    /* Malformed. */
    memcpy(changed, alice, sizeof(alice));
    changed[BS_API_KEY_LEN - 1] = '\0';
    assert_refused(&f, changed); /* 63 characters */
    memcpy(changed, alice, BS_API_KEY_LEN);
    memcpy(changed + BS_API_KEY_LEN, "0", 2);
    assert_refused(&f, changed); /* 65 characters */
    for (size_t i = 0; i < BS_API_KEY_LEN; i++)
        changed[i] = (char)(alice[i] >= 'a' && alice[i] <= 'f' ? alice[i] - 'a' + 'A' : alice[i]);
    changed[BS_API_KEY_LEN] = '\0';
    assert_string_not_equal(changed, alice); /* 32 random bytes hold a letter */
    assert_refused(&f, changed);             /* upper case hex */
    memcpy(changed, alice, sizeof(alice));
    changed[0] = 'g';
    assert_refused(&f, changed);
    changed[0] = ' ';
    assert_refused(&f, changed);
    assert_refused(&f, "");
    assert_refused(&f, NULL);

    /* The right key still works after all that. */
    {
        bs_name canon;
        assert_int_equal(bs_accounts_authenticate(&f.ctx, alice, canon), BS_OK);
        assert_string_equal(canon, "alice");
    }
    fixture_close(&f);
}

/* An index is only where to look: the account's own hash decides. Indexes
 * such a crash or a lost race leaves are harmless, so `check` is quiet
 * about them. */
static void
test_accounts_index_alone_authenticates_nobody(void **state)
{
    const char *stray = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const char *orphan = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    char alice[BS_API_KEY_LEN + 1], key[BS_KEY_BUF], names[256], *text;
    size_t len;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", alice);
    /* `stray` indexed as alice's, whose hash is her own key's. */
    index_key(stray, key);
    text = bs_apikey_encode("alice", &len);
    assert_non_null(text);
    assert_int_equal(bs_store_add(f.ctx.store, key, text, len, NULL), BS_OK);
    free(text);
    /* `orphan` indexed as an account that does not exist. */
    index_key(orphan, key);
    text = bs_apikey_encode("nobody", &len);
    assert_non_null(text);
    assert_int_equal(bs_store_add(f.ctx.store, key, text, len, NULL), BS_OK);
    free(text);

    assert_refused(&f, stray);
    assert_refused(&f, orphan);
    assert_int_equal(indexes(&f, names, sizeof(names)), 3);
    assert_check_clean(&f);
    fixture_close(&f);
}

static void
test_accounts_taken_name_leaves_no_index(void **state)
{
    char alice[BS_API_KEY_LEN + 1], other[BS_API_KEY_LEN + 1], key[BS_KEY_BUF], names[256];
    bs_store_page page;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", alice);
    memset(other, 'x', sizeof(other));
    assert_int_equal(bs_accounts_create(&f.ctx, "ALICE", PASSWORD, strlen(PASSWORD), other),
                     BS_EXISTS);
    assert_int_equal(other[0], '\0'); /* no key handed out */
    assert_int_equal(indexes(&f, names, sizeof(names)), 1);
    assert_string_equal(names, "alice ");
    index_key(alice, key);
    assert_int_equal(bs_store_scan(f.ctx.store, "apikey/", NULL, 10, &page), BS_OK);
    assert_int_equal(page.count, 1);
    assert_string_equal(page.docs[0].key, key); /* the one left is alice's own */
    bs_store_page_release(&page);
    assert_check_clean(&f);
    fixture_close(&f);
}

static void
test_accounts_crash_after_index_leaves_name_free(void **state)
{
    char store_env[URL_SIZE + 32], fp[128], dave[BS_API_KEY_LEN + 1], names[256];
    bs_test_output out;
    bs_name canon;
    fixture f;

    (void)state;
    fixture_open(&f);
    snprintf(store_env, sizeof(store_env), "BITSLOT_STORE=%s", f.url);
    snprintf(fp, sizeof(fp), "BITSLOT_FAILPOINT=%s", bs_failpoint_name(BS_FP_ACCOUNT_KEY_INDEXED));
    out = bs_test_run((const char *const[]){"account", "create", "dave", NULL},
                      (const char *const[]){store_env, fp, NULL}, "dave-password\n");
    assert_int_equal(out.exit_code, BS_FAILPOINT_EXIT);
    assert_string_equal(out.out, ""); /* it died before printing a key */
    bs_test_output_release(&out);

    /* The index is there, the account is not: harmless. */
    assert_int_equal(indexes(&f, names, sizeof(names)), 1);
    assert_string_equal(names, "dave ");
    assert_int_equal(bs_docs_account_exists(&f.ctx, "dave"), BS_NOTFOUND);
    assert_check_clean(&f);

    /* The name is free; the new key works, beside the leftover. */
    create(&f, "Dave", dave);
    assert_int_equal(bs_accounts_authenticate(&f.ctx, dave, canon), BS_OK);
    assert_string_equal(canon, "dave");
    assert_int_equal(indexes(&f, names, sizeof(names)), 2);
    assert_string_equal(names, "dave dave ");
    assert_check_clean(&f);
    fixture_close(&f);
}

static void
test_accounts_check_reports_missing_index(void **state)
{
    char alice[BS_API_KEY_LEN + 1], bob[BS_API_KEY_LEN + 1], key[BS_KEY_BUF], *text;
    bs_cas cas;
    findings fs;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", alice);
    create(&f, "bob", bob);
    index_key(alice, key);
    assert_int_equal(bs_store_get(f.ctx.store, key, &text, NULL, &cas), BS_OK);
    free(text);
    assert_int_equal(bs_store_remove(f.ctx.store, key, cas), BS_OK);

    check(&f, &fs);
    assert_string_equal(fs.text, "violation: account \"alice\" has no API key index\n");
    assert_int_equal(fs.sum.violations, 1);
    assert_int_equal(fs.sum.unfinished, 0);
    assert_refused(&f, alice);
    fixture_close(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_authenticate_finds_the_account),
        cmocka_unit_test(test_accounts_authenticate_refuses_bad_keys),
        cmocka_unit_test(test_accounts_index_alone_authenticates_nobody),
        cmocka_unit_test(test_accounts_taken_name_leaves_no_index),
        cmocka_unit_test(test_accounts_crash_after_index_leaves_name_free),
        cmocka_unit_test(test_accounts_check_reports_missing_index),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
