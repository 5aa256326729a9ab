/*
 * test_journey.c — the whole journey through the API, against a running
 * `bitslot serve` and a real bitcoin regtest node (tools/regtest-node,
 * started by the group setup): register a seller and a buyer, a campaign,
 * Get Key, pay from the node's wallet, pending → mine → confirmed → Done,
 * upload an ad, buy, the price doubled, a second buyer queues the next
 * slot; a purchase stopped half-way is finished by the next request; then
 * the refusals only a node can give (a deposit below the minimum, no key,
 * 503 when the node is gone), each shown to change nothing, and purchases
 * going on without the node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regtest.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* BIP32 test vector 1's master key as a tpub (regtest only). */
#define TEST_TPUB                                                                                  \
    "tpubD6NzVbkrYhZ4XgiXtGrdW5XDAPFCL9h7we1vwNCpn8tGbBcgfVYjXyhWo4E1xkh56hjod1RhGjxbaTLV3X4Fy"    \
    "WuejifB9jusQ46QzG87VKp"

static bs_regtest node;

static int
group_setup(void **state)
{
    (void)state;
    return bs_regtest_start(&node, NULL, NULL) == BS_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    bs_regtest_stop(&node);
    return 0;
}

/* A field's integer in a JSON answer (the first one of that name). */
static long long
field(const char *body, const char *name)
{
    char key[64];
    const char *at;

    snprintf(key, sizeof(key), "\"%s\":", name);
    at = strstr(body, key);
    if (at == NULL)
        fail_msg("no %s in %s", name, body);
    return strtoll(at + strlen(key), NULL, 10);
}

/* A request that must get `status`; its body (free it). */
static char *
call(const bs_test_site *s, const char *method, const char *path, const char *key, const char *body,
     long status)
{
    bs_test_response r = bs_test_http(&s->server, method, path, key, body);

    if (r.status != status)
        fail_msg("%s %s: want %ld, got %ld %s", method, path, status, r.status, r.body);
    free(r.headers);
    return r.body;
}

static void
test_journey_through_the_api(void **state)
{
    char node_url[BS_REGTEST_URL_SIZE + 16], node_env[BS_REGTEST_URL_SIZE + 32], store[4300];
    char seller[65], buyer[65], second[65], address[128], png[4200], *body;
    const char *const *env;
    bs_test_paused paused;
    bs_test_response r;
    bs_test_output out;
    bs_test_site s;

    (void)state;
    bs_regtest_wallet_url(&node, "journey", node_url, sizeof(node_url));
    snprintf(node_env, sizeof(node_env), "BITSLOT_NODE=%s", node_url);
    env = (const char *const[]){node_env, "BITSLOT_NETWORK=regtest", "BITSLOT_CHECK_INTERVAL=0",
                                NULL};
    bs_test_site_open(&s, "journey", env);
    snprintf(store, sizeof(store), "BITSLOT_STORE=%s", s.url);
    out =
        bs_test_run(ARGS("keys", "derive", "--xpub", TEST_TPUB, "--count", "20"),
                    (const char *const[]){store, node_env, "BITSLOT_NETWORK=regtest", NULL}, NULL);
    assert_int_equal(out.exit_code, 0);
    bs_test_output_release(&out);

    /* A seller and a campaign; a buyer funds an account with bitcoin. */
    bs_test_register(&s, "seller", seller);
    bs_test_register(&s, "buyer", buyer);
    free(call(&s, "POST", "/api/v1/campaigns", seller,
              "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250,"
              "\"title\":\"Front page\"}",
              201));
    body = call(&s, "POST", "/api/v1/account/key", buyer, NULL, 200);
    assert_int_equal(sscanf(body, "{\"key\":\"%127[^\"]\"}", address), 1);
    free(body);
    body = call(&s, "POST", "/api/v1/account/key", buyer, NULL, 200); /* the same key again */
    assert_non_null(strstr(body, address));
    free(body);
    body = call(&s, "GET", "/api/v1/account/key", buyer, NULL, 200);
    assert_int_equal(field(body, "pending"), 0);
    assert_int_equal(field(body, "confirmed"), 0);
    free(body);
    assert_int_equal(bs_regtest_send(&node, address, 50000000, NULL), BS_OK);
    body = call(&s, "GET", "/api/v1/account/key", buyer, NULL, 200);
    assert_int_equal(field(body, "pending"), 50000000);
    assert_int_equal(field(body, "confirmed"), 0);
    free(body);
    bs_test_refused(&s, "POST", "/api/v1/account/key/done", buyer, NULL, 402,
                    "{\"error\":{\"code\":\"below_min_deposit\",\"message\":\"0 sat confirmed on "
                    "the key of \\\"buyer\\\": less than the minimum deposit of 10000 sat; keep "
                    "the key and send more, or wait for confirmations\"}}");
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    body = call(&s, "GET", "/api/v1/account/key", buyer, NULL, 200);
    assert_int_equal(field(body, "pending"), 0);
    assert_int_equal(field(body, "confirmed"), 50000000);
    free(body);
    body = call(&s, "POST", "/api/v1/account/key/done", buyer, NULL, 200);
    assert_string_equal(body, "{\"credited\":50000000,\"balance\":50000000}");
    free(body);
    bs_test_refused(&s, "GET", "/api/v1/account/key", buyer, NULL, 404,
                    "{\"error\":{\"code\":\"no_key\",\"message\":\"\\\"buyer\\\" has no key: get "
                    "one with POST /api/v1/account/key\"}}");

    /* An ad, uploaded as a browser or curl -F sends it. */
    snprintf(png, sizeof(png), "%s/ad.png", bs_test_tmpdir());
    bs_test_write_png(png, 300, 250);
    r = bs_test_http_form(&s.server, "/api/v1/ads", buyer,
                          ARGS("url", "https://buyer.example/", "hover", "Shoes & more", "nickname",
                               "spring", "categories", "shoes"),
                          "image", png);
    if (r.status != 201)
        fail_msg("POST /api/v1/ads: %ld %s", r.status, r.body);
    assert_string_equal(r.body, "{\"id\":\"buyer/0\"}");
    bs_test_response_release(&r);

    /* Bought; the price doubles; a second buyer queues the next slot. */
    body = call(&s, "POST", "/api/v1/campaigns/seller/0/buy", buyer, "{\"ad\":\"buyer/0\"}", 201);
    assert_int_equal(field(body, "index"), 0);
    assert_int_equal(field(body, "price"), 1000);
    free(body);
    body = call(&s, "GET", "/api/v1/campaigns/seller/0", NULL, NULL, 200);
    assert_int_equal(field(body, "price_now"), 2000);
    free(body);
    /* The publisher's embed shows the first ad, linked through /go. */
    body = call(&s, "GET", "/embed/seller/0", NULL, NULL, 200);
    assert_non_null(strstr(body, "href=\"/go/seller/0/0\""));
    assert_non_null(strstr(body, "title=\"Shoes &amp; more\""));
    free(body);
    free(call(&s, "GET", "/go/seller/0/0", NULL, NULL, 302));
    body = call(&s, "GET", "/api/v1/campaigns/seller/0/slots/0", NULL, NULL, 200);
    assert_non_null(strstr(body, "\"buyer\":\"buyer\""));
    assert_non_null(strstr(body, "\"impressions\":"));
    free(body);
    free(call(&s, "GET", "/api/v1/campaigns/seller/0/slots/1", NULL, NULL, 404));
    bs_test_register(&s, "second", second);
    free(bs_test_site_run(&s, 0, ARGS("account", "adjust", "second", "100000", "--reason", "t")));
    r = bs_test_http_form(&s.server, "/api/v1/ads", second, ARGS("url", "https://second.example/"),
                          "image", png);
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    body = call(&s, "POST", "/api/v1/campaigns/seller/0/buy", second,
                "{\"ad\":\"second/0\",\"max_price\":2000}", 201);
    assert_int_equal(field(body, "index"), 1);
    assert_int_equal(field(body, "price"), 2000);
    free(body);
    body = call(&s, "GET", "/api/v1/account", buyer, NULL, 200);
    assert_int_equal(field(body, "balance"), 50000000 - 1000);
    free(body);

    /* A purchase stopped half-way (its process paused with the account
     * locked) is finished by the next request that touches the account:
     * Get Key finishes it, then hands out a key; the paused process then
     * finds its purchase done. */
    bs_test_start_paused(&paused, "purchase.locked",
                         ARGS("--store", s.url, "buy", "buyer", "seller/0", "--ad", "buyer/0"),
                         NULL);
    free(call(&s, "POST", "/api/v1/account/key", buyer, NULL, 200));
    body = call(&s, "GET", "/api/v1/campaigns/seller/0", NULL, NULL, 200);
    assert_int_equal(field(body, "price_now"), 8000); /* slot 2 was sold: the price doubled */
    free(body);
    out = bs_test_resume(&paused);
    assert_int_equal(out.exit_code, 0);
    assert_non_null(strstr(out.out, "\"index\":2"));
    bs_test_output_release(&out);
    body = call(&s, "GET", "/api/v1/account", buyer, NULL, 200);
    assert_int_equal(field(body, "balance"), 50000000 - 1000 - 4000);
    free(body);

    /* 503: the node is gone; purchases go on without it. */
    bs_regtest_stop(&node);
    bs_test_refused(&s, "GET", "/api/v1/account/key", buyer, NULL, 503,
                    "{\"error\":{\"code\":\"node_unavailable\",\"message\":\"the bitcoin node "
                    "is unavailable; retry later\"}}");
    bs_test_expect(&s, "GET", "/healthz", NULL, NULL, 503, "{\"store\":\"ok\",\"node\":\"down\"}");
    body = call(&s, "POST", "/api/v1/campaigns/seller/0/buy", second, "{\"ad\":\"second/0\"}", 201);
    assert_int_equal(field(body, "index"), 3);
    free(body);
    out = bs_test_run(ARGS("--store", s.url, "check"), NULL, NULL);
    assert_int_equal(out.exit_code, 0);
    bs_test_output_release(&out);
    free(bs_test_site_close(&s));

    /* A server for another network than the store's keys does not start. */
    out =
        bs_test_run(ARGS("--store", s.url, "--network", "main", "serve", "--listen", "127.0.0.1:0"),
                    NULL, NULL);
    assert_int_equal(out.exit_code, 2);
    assert_string_equal(out.err, "bitslot: this store's deposit keys are for network \"regtest\", "
                                 "not \"main\": give --network regtest (or "
                                 "BITSLOT_NETWORK=regtest)\n");
    bs_test_output_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journey_through_the_api),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
