/*
 * test_withdrawals.c — withdrawals over the API of `bitslot serve`
 * (issue 11), from the outside, over real HTTP on a real LMDB store, with
 * the default rule (at least 100000 sat, a fee of 150 basis points rounded
 * up) on the main network:
 *   - POST /api/v1/withdrawals takes exactly amount + fee from the balance
 *     (100001 sat: fee 1501), answers 201 with the withdrawal and the
 *     balance after, and GET /api/v1/withdrawals lists them newest first;
 *   - each refusal says its exact status and sentence and changes nothing
 *     (`bitslot dump` byte for byte);
 *   - an Idempotency-Key sent again (to the same process or a new one)
 *     gets the same withdrawal with 200 and reserves nothing more, with
 *     another amount 422; the key names another withdrawal for another
 *     account and is apart from a purchase's key; a send the service
 *     refused leaves the key free; and the key sent long after, once the
 *     hold has left the account and the account has forgotten the request,
 *     still finds its withdrawal (its document);
 *   - a purchase stopped half-way with the account locked (BITSLOT_FAILPOINT
 *     purchase.locked:pause) is finished by the withdrawal first, which
 *     then reserves: both exactly once.
 * No payout wallet is needed: requests only reserve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define PATH "/api/v1/withdrawals"
/* BIP173's P2WPKH example on the main network, and its other spellings
 * and networks. */
#define MAIN       "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
#define MAIN_UPPER "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"
#define TESTNET    "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
#define WITNESS_V2 "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs" /* BIP350: nobody can spend it safely */
#define T0         "1800000000"                           /* BITSLOT_NOW of the tests */

static void
fund(const bs_test_site *s, const char *who, const char *amount)
{
    free(bs_test_site_run(s, 0, ARGS("account", "adjust", who, amount, "--reason", "test")));
}

/* The balance of the account of `key`, from the API. */
static long long
balance(const bs_test_site *s, const char *key)
{
    bs_test_response r = bs_test_http(&s->server, "GET", "/api/v1/account", key, NULL);
    const char *at = strstr(r.body, "\"balance\":");
    long long b;

    assert_int_equal(r.status, 200);
    assert_non_null(at);
    b = strtoll(at + 10, NULL, 10);
    bs_test_response_release(&r);
    return b;
}

static void
check_ok(const bs_test_site *s)
{
    char *out = bs_test_site_run(s, 0, ARGS("check"));

    assert_non_null(strstr(out, "ok: "));
    free(out);
}

/* POST a withdrawal with the header lines `headers` (may be NULL); it must
 * be answered `status`. The answer's body (free it), its withdrawal's id
 * into id[33] ("" when none). */
static char *
withdraw(const bs_test_site *s, const char *key, const char *body, const char *const *headers,
         long status, char id[33])
{
    bs_test_response r = bs_test_http_with(&s->server, "POST", PATH, key, body, headers, true);
    const char *at = strstr(r.body, "\"id\":\"");

    if (r.status != status)
        print_message("POST %s %s: want %ld, got %ld %s\n", PATH, body, status, r.status, r.body);
    assert_int_equal(r.status, status);
    id[0] = '\0';
    if (at != NULL) {
        snprintf(id, 33, "%.32s", at + 6);
        assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    }
    free(r.headers);
    return r.body;
}

/* A withdrawal's view as the API shows it while it waits for the payout. */
static void
view(char *out, size_t size, const char *id, const char *account, long long amount, long long fee,
     const char *address, const char *time)
{
    snprintf(out, size,
             "{\"id\":\"%s\",\"account\":\"%s\",\"amount\":%lld,\"fee\":%lld,\"address\":\"%s\","
             "\"requested\":%s,\"state\":\"requested\",\"updated\":%s}",
             id, account, amount, fee, address, time, time);
}

static void
test_withdrawals_reserve_exact_money(void **state)
{
    const char *const later[] = {"BITSLOT_NOW=1800000060", NULL};
    char key[65], id[33], id2[33], one[512], two[512], want[1200], *body;
    bs_test_response r;
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "money", NULL);
    bs_test_register(&s, "alice", key);
    fund(&s, "alice", "1000000");
    bs_test_expect(&s, "GET", PATH, key, NULL, 200, "{\"withdrawals\":[]}");

    /* 100001 sat: a fee of 1500.015 sat, rounded up; the address as the
     * service spells it. */
    body = withdraw(&s, key, "{\"amount\":100001,\"address\":\"" MAIN_UPPER "\"}", NULL, 201, id);
    view(one, sizeof(one), id, "alice", 100001, 1501, MAIN, T0);
    snprintf(want, sizeof(want), "{\"withdrawal\":%s,\"balance\":898498}", one);
    assert_string_equal(body, want);
    free(body);
    assert_int_equal(balance(&s, key), 1000000 - 100001 - 1501);
    r = bs_test_http(&s.server, "GET", "/api/v1/account/history", key, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(
        strstr(r.body, "\"kind\":\"withdrawal\",\"amount\":-101502,\"balance\":898498"));
    bs_test_response_release(&r);
    snprintf(want, sizeof(want), "{\"withdrawals\":[%s]}", one);
    bs_test_expect(&s, "GET", PATH, key, NULL, 200, want);

    /* A minute later, another: the list is newest first. 200000 sat: a fee
     * of exactly 3000. */
    free(bs_test_site_close(&s));
    bs_test_server_start(&s.server, s.url, later);
    body = withdraw(&s, key, "{\"amount\":200000,\"address\":\"" MAIN "\"}", NULL, 201, id2);
    view(two, sizeof(two), id2, "alice", 200000, 3000, MAIN, "1800000060");
    snprintf(want, sizeof(want), "{\"withdrawal\":%s,\"balance\":695498}", two);
    assert_string_equal(body, want);
    free(body);
    assert_string_not_equal(id, id2);
    snprintf(want, sizeof(want), "{\"withdrawals\":[%s,%s]}", two, one);
    bs_test_expect(&s, "GET", PATH, key, NULL, 200, want);
    assert_int_equal(balance(&s, key), 695498);
    /* Every satoshi accounted for: the books balance with the holds. */
    check_ok(&s);
    free(bs_test_site_close(&s));
}

static void
test_withdrawals_refusals_say_why_and_change_nothing(void **state)
{
#define AMOUNT_RULE                                                                                \
    "\\\"amount\\\" must be whole satoshis (a JSON integer) from 0 to 2100000000000000"
    char key[65], id[33], *body;
    bs_test_response r;
    bs_test_site s;
    char *before, *after;

    (void)state;
    bs_test_site_open(&s, "refusals", NULL);
    bs_test_register(&s, "alice", key);
    fund(&s, "alice", "1000000");
    free(withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", NULL, 201, id));

    bs_test_refused(&s, "POST", PATH, NULL, "{\"amount\":100000,\"address\":\"" MAIN "\"}", 401,
                    "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: "
                    "send \\\"Authorization: Bearer <api key>\\\"\"}}");
    bs_test_refused(&s, "GET", PATH, NULL, NULL, 401,
                    "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: "
                    "send \\\"Authorization: Bearer <api key>\\\"\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":\"100000\",\"address\":\"" MAIN "\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"" AMOUNT_RULE "\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":100000.5,\"address\":\"" MAIN "\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"" AMOUNT_RULE "\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":-100000,\"address\":\"" MAIN "\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"" AMOUNT_RULE "\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":2100000000000001,\"address\":\"" MAIN "\"}",
                    400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"" AMOUNT_RULE "\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"address\":\"" MAIN "\"}", 400,
                    "{\"error\":{\"code\":\"missing_field\",\"message\":\"" AMOUNT_RULE "\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":100000,\"address\":null}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"\\\"address\\\" must be "
                    "a string\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":100000,\"address\":\"" MAIN "\",\"fee\":0}",
                    400,
                    "{\"error\":{\"code\":\"unknown_field\",\"message\":\"unknown field "
                    "\\\"fee\\\" (known: \\\"amount\\\" and \\\"address\\\")\"}}");
    /* The core's rules, in the command's words. */
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":99999,\"address\":\"" MAIN "\"}", 422,
                    "{\"error\":{\"code\":\"below_minimum\",\"message\":\"99999 sat is below the "
                    "smallest withdrawal, 100000 sat\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":0,\"address\":\"" MAIN "\"}", 422,
                    "{\"error\":{\"code\":\"below_minimum\",\"message\":\"0 sat is below the "
                    "smallest withdrawal, 100000 sat\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":2100000000000000,\"address\":\"" MAIN "\"}",
                    422,
                    "{\"error\":{\"code\":\"amount_too_large\",\"message\":\"2100000000000000 sat "
                    "and its fee of 31500000000000 sat are more than all the bitcoin there will "
                    "ever be\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":100000,\"address\":\"" TESTNET "\"}", 422,
                    "{\"error\":{\"code\":\"wrong_network\",\"message\":\"\\\"" TESTNET
                    "\\\" is an address of test and signet, not of main, the network this service "
                    "pays on\"}}");
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":100000,\"address\":\"" WITNESS_V2 "\"}",
                    422,
                    "{\"error\":{\"code\":\"unspendable_address\",\"message\":\"\\\"" WITNESS_V2
                    "\\\" is a kind of address nobody can spend from safely yet; give "
                    "another\"}}");
    bs_test_refused(
        &s, "POST", PATH, key, "{\"amount\":100000,\"address\":\"<b>x</b>\"}", 422,
        "{\"error\":{\"code\":\"invalid_address\",\"message\":\"\\\"<b>x</b>\\\" is not "
        "a bitcoin address\"}}");
    /* 898500 sat left; 990000 sat cost 990000 + 14850. */
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":990000,\"address\":\"" MAIN "\"}", 402,
                    "{\"error\":{\"code\":\"insufficient_funds\",\"message\":\"\\\"alice\\\" has "
                    "898500 sat; withdrawing 990000 sat costs 1004850 sat with the fee of 14850 "
                    "sat\"}}");
    /* Not JSON: refused before it is read. */
    before = bs_test_site_dump(&s);
    r = bs_test_http_body(&s.server, "POST", PATH, "text/plain", "amount=100000", 13,
                          (const char *const[]){"Authorization: Bearer x", NULL});
    assert_int_equal(r.status, 401);
    bs_test_response_release(&r);
    {
        char auth[128];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        r = bs_test_http_body(&s.server, "POST", PATH, "text/plain", "amount=100000", 13,
                              (const char *const[]){auth, NULL});
    }
    assert_int_equal(r.status, 415);
    assert_string_equal(r.body,
                        "{\"error\":{\"code\":\"bad_content_type\",\"message\":\"the body must be "
                        "JSON, sent with \\\"Content-Type: application/json\\\"\"}}");
    bs_test_response_release(&r);
    after = bs_test_site_dump(&s);
    assert_string_equal(after, before);
    free(before);
    free(after);

    /* At most 8 waiting: the ninth is refused until one is paid. */
    for (int i = 1; i < 8; i++)
        free(withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", NULL, 201, id));
    assert_int_equal(balance(&s, key), 1000000 - 8 * 101500);
    bs_test_refused(&s, "POST", PATH, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", 409,
                    "{\"error\":{\"code\":\"too_many_withdrawals\",\"message\":\"\\\"alice\\\" "
                    "already has 8 withdrawals waiting to be paid; ask again once one is "
                    "paid\"}}");
    body = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", NULL, 409, id);
    free(body);
    r = bs_test_http(&s.server, "GET", PATH, key, NULL);
    assert_int_equal(r.status, 200);
    {
        int rows = 0;
        for (const char *p = r.body; (p = strstr(p, "\"state\":\"requested\"")) != NULL; p++)
            rows++;
        assert_int_equal(rows, 8);
    }
    bs_test_response_release(&r);
    check_ok(&s);
    free(bs_test_site_close(&s));
#undef AMOUNT_RULE
}

/* The account's hold of withdrawal `id` leaves it, as once paid (the test
 * plays the payout's part: the hold goes, the money stays gone). */
static bs_status
drop_hold(bs_account *a, void *arg, bool *write)
{
    const char *id = arg;

    for (size_t i = 0; i < a->holds_count; i++)
        if (strcmp(a->holds[i].id, id) == 0) {
            a->holds[i] = a->holds[--a->holds_count];
            *write = true;
            return BS_OK;
        }
    return BS_NOTFOUND;
}

/* A send with the header lines `headers` that must get `status` and
 * exactly `answer`, changing nothing. */
static void
refused_with(const bs_test_site *s, const char *key, const char *body, const char *const *headers,
             long status, const char *answer)
{
    char *before = bs_test_site_dump(s), *after, id[33], *got;

    got = withdraw(s, key, body, headers, status, id);
    assert_string_equal(got, answer);
    free(got);
    after = bs_test_site_dump(s);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

static void
test_withdrawals_idempotency_key_reserves_once(void **state)
{
    const char *const key_a[] = {"Idempotency-Key: payout-1", NULL};
    const char *const key_spaced[] = {"Idempotency-Key: payout 1", NULL};
    char key[65], bob[65], id[33], again_id[33], bob_id[33], *first, *again, *before, *after;
    bs_test_site s;
    bs_store *store;
    bs_ctx ctx;

    (void)state;
    bs_test_site_open(&s, "idempotent", NULL);
    bs_test_register(&s, "alice", key);
    bs_test_register(&s, "bob", bob);
    fund(&s, "alice", "1000000");
    fund(&s, "bob", "1000000");

    /* Refused for the balance: nothing left behind, the key still free. */
    before = bs_test_site_dump(&s);
    free(withdraw(&s, key, "{\"amount\":2000000,\"address\":\"" MAIN "\"}", key_a, 402, id));
    after = bs_test_site_dump(&s);
    assert_string_equal(after, before);
    free(before);
    free(after);

    first = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_a, 201, id);
    again = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_a, 200, again_id);
    assert_string_equal(again, first);
    free(again);
    /* The same address spelled in upper case is the same withdrawal. */
    again = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN_UPPER "\"}", key_a, 200,
                     again_id);
    assert_string_equal(again, first);
    free(again);
    assert_int_equal(balance(&s, key), 1000000 - 101500);

    /* The key with another order: refused, nothing changed. */
    refused_with(&s, key, "{\"amount\":100001,\"address\":\"" MAIN "\"}", key_a, 422,
                 "{\"error\":{\"code\":\"idempotency_key_reused\",\"message\":\"this "
                 "Idempotency-Key was sent before with another withdrawal; use a new key for a "
                 "new withdrawal\"}}");
    refused_with(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_spaced, 400,
                 "{\"error\":{\"code\":\"bad_idempotency_key\",\"message\":\"the "
                 "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)\"}}");

    /* Another account's same key is another withdrawal. */
    free(withdraw(&s, bob, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_a, 201, bob_id));
    assert_string_not_equal(bob_id, id);
    assert_int_equal(balance(&s, bob), 1000000 - 101500);

    /* A new process: the same answer. */
    free(bs_test_site_close(&s));
    bs_test_server_start(&s.server, s.url, NULL);
    again = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_a, 200, again_id);
    assert_string_equal(again, first);
    free(again);

    /* Long after: the withdrawal paid (its hold gone from the account) and
     * more than the 32 changes the account remembers made since; the key
     * sent again still finds it, and reserves nothing. */
    assert_int_equal(bs_store_open(s.url, &store), BS_OK);
    bs_ctx_init(&ctx, store);
    assert_int_equal(bs_docs_update_account(&ctx, "alice", drop_hold, id, NULL), BS_OK);
    bs_store_close(store);
    for (int i = 0; i < 33; i++)
        fund(&s, "alice", "1");
    assert_int_equal(balance(&s, key), 1000000 - 101500 + 33);
    again = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_a, 200, again_id);
    assert_string_equal(again_id, id);
    assert_non_null(strstr(again, "\"balance\":898533}"));
    free(again);
    assert_int_equal(balance(&s, key), 1000000 - 101500 + 33);
    free(first);
    free(bs_test_site_close(&s));
}

/* A seller's campaign and an ad of alice's for it: the purchase of the
 * lock case. */
static void
shop(const bs_test_site *s)
{
    char png[4200];

    free(bs_test_site_run(s, 0,
                          ARGS("campaign", "create", "seller", "--min-price", "1000",
                               "--slot-seconds", "3600", "--size", "300x250")));
    snprintf(png, sizeof(png), "%s/locked-300x250.png", bs_test_tmpdir());
    bs_test_write_png(png, 300, 250);
    free(bs_test_site_run(
        s, 0, ARGS("ad", "add", "alice", "--image", png, "--url", "https://alice.example/")));
}

/* The lock of account/<canon> as the store holds it (read straight from
 * the store: the API would finish the purchase first). */
static bs_lock_kind
stored_lock(const bs_test_site *s, const char *canon)
{
    bs_lock_kind lock;
    bs_store *store;
    bs_account a;
    bs_ctx ctx;

    assert_int_equal(bs_store_open(s->url, &store), BS_OK);
    bs_ctx_init(&ctx, store);
    assert_int_equal(bs_docs_account(&ctx, canon, &a, NULL), BS_OK);
    lock = a.lock;
    bs_account_release(&a);
    bs_store_close(store);
    return lock;
}

/* The account locked by a purchase stopped half-way: the withdrawal first
 * finishes it (as every touch of an account does), then reserves. */
static void
test_withdrawals_finish_a_stopped_purchase_first(void **state)
{
    const char *const key_k[] = {"Idempotency-Key: k", NULL};
    char key[65], seller[65], id[33], *body;
    bs_test_paused buying;
    bs_test_output out;
    bs_test_response r;
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "locked", NULL);
    bs_test_register(&s, "alice", key);
    bs_test_register(&s, "seller", seller);
    fund(&s, "alice", "1000000");
    shop(&s);
    bs_test_start_paused(&buying, "purchase.locked",
                         ARGS("--store", s.url, "buy", "alice", "seller/0", "--ad", "alice/0"),
                         NULL);
    assert_int_equal(stored_lock(&s, "alice"), BS_LOCK_FILL); /* any touch would finish it */

    body = withdraw(&s, key, "{\"amount\":100000,\"address\":\"" MAIN "\"}", key_k, 201, id);
    assert_non_null(strstr(body, "\"balance\":897500}")); /* − 1000, then − 101500 */
    free(body);
    out = bs_test_resume(&buying);
    assert_int_equal(out.exit_code, 0);
    assert_non_null(strstr(out.out, "\"index\":0"));
    bs_test_output_release(&out);
    assert_int_equal(balance(&s, key), 897500);
    /* The same key for a purchase is another request than the withdrawal's. */
    r = bs_test_http_with(&s.server, "POST", "/api/v1/campaigns/seller/0/buy", key,
                          "{\"ad\":\"alice/0\"}", key_k, true);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"index\":1,"));
    bs_test_response_release(&r);
    assert_int_equal(balance(&s, key), 897500 - 2000);
    check_ok(&s);
    free(bs_test_site_close(&s));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_withdrawals_reserve_exact_money),
        cmocka_unit_test(test_withdrawals_refusals_say_why_and_change_nothing),
        cmocka_unit_test(test_withdrawals_idempotency_key_reserves_once),
        cmocka_unit_test(test_withdrawals_finish_a_stopped_purchase_first),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
