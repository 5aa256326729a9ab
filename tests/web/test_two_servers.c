/*
 * test_two_servers.c — two `bitslot serve` processes on one LMDB store, as
 * an operator who outgrows one process runs them: 200 buyers at once (60
 * under a sanitizer), half through each, on 20 campaigns. Every answer
 * must be a sale or a clean refusal; every sale's slot is sold once; each
 * buyer is charged exactly for what its answer says it bought; `bitslot
 * check` holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* A sanitizer makes every process (each server, each `bitslot` run) several
 * times slower: 60 buyers still keep both servers' loops and workers busy
 * at once, which is what it needs to see. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define BUYERS 60
#else
#define BUYERS 200
#endif
#define CAMPAIGNS 20
#define FUNDS     100000000LL

typedef struct buyer {
    char name[16], key[65];
    const bs_test_server *server;
    int campaign;
    long status;
    long long index, price; /* of the slot bought (201) */
    char body[512];
} buyer;

static pthread_barrier_t start_line;
static char ad_png[4200];

/* Register (argon2 on the server's workers): in parallel, to save time;
 * each buyer from its own loopback address, as from its own machine (the
 * server lets an address register 10 accounts a minute). */
static void *
sign_up(void *arg)
{
    buyer *b = arg;
    char body[128], from[32];
    bs_test_response r;
    const char *at;

    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"password1\"}", b->name);
    snprintf(from, sizeof(from), "127.0.1.%ld",
             1 + strtol(b->name + 1, NULL, 10)); /* b%03d: 0 to 199 */
    r = bs_test_http_from(b->server, from, "POST", "/api/v1/accounts", NULL, body);
    at = strstr(r.body, "\"api_key\":\"");
    if (r.status == 201 && at != NULL)
        snprintf(b->key, sizeof(b->key), "%.64s", at + 11);
    bs_test_response_release(&r);
    return NULL;
}

/* Upload an ad, wait for every buyer, then buy once. */
static void *
buy(void *arg)
{
    buyer *b = arg;
    char path[64], body[64];
    bs_test_response r;
    const char *at;

    r = bs_test_http_form(b->server, "/api/v1/ads", b->key,
                          (const char *const[]){"url", "https://ads.example/", NULL}, "image",
                          ad_png);
    b->status = r.status; /* 201 expected; a buy that cannot happen says why below */
    bs_test_response_release(&r);
    snprintf(path, sizeof(path), "/api/v1/campaigns/seller/%d/buy", b->campaign);
    snprintf(body, sizeof(body), "{\"ad\":\"%s/0\"}", b->name);
    pthread_barrier_wait(&start_line);
    r = bs_test_http(b->server, "POST", path, b->key, body);
    b->status = r.status;
    snprintf(b->body, sizeof(b->body), "%s", r.body);
    if (r.status == 201) {
        at = strstr(r.body, "\"index\":");
        b->index = at != NULL ? strtoll(at + 8, NULL, 10) : -1;
        at = strstr(r.body, "\"price\":");
        b->price = at != NULL ? strtoll(at + 8, NULL, 10) : -1;
    }
    bs_test_response_release(&r);
    return NULL;
}

static long long
balance_of(const bs_test_server *server, const char *key)
{
    bs_test_response r = bs_test_http(server, "GET", "/api/v1/account", key, NULL);
    const char *at = strstr(r.body, "\"balance\":");
    long long b = at != NULL ? strtoll(at + 10, NULL, 10) : -1;

    assert_int_equal(r.status, 200);
    bs_test_response_release(&r);
    return b;
}

static void
test_two_servers_share_one_store(void **state)
{
    static buyer buyers[BUYERS];
    static pthread_t threads[BUYERS];
    char seller[65], *out;
    bool sold[CAMPAIGNS][BUYERS] = {{false}};
    int sales = 0, lost = 0;
    bs_test_server second;
    bs_test_output stopped;
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "two", NULL);
    bs_test_server_start(&second, s.url, NULL);
    bs_test_register(&s, "seller", seller);
    for (int c = 0; c < CAMPAIGNS; c++) {
        bs_test_response r =
            bs_test_http(c % 2 ? &second : &s.server, "POST", "/api/v1/campaigns", seller,
                         "{\"min_price\":1000,\"slot_seconds\":60,\"width\":300,\"height\":250}");
        assert_int_equal(r.status, 201);
        bs_test_response_release(&r);
    }
    snprintf(ad_png, sizeof(ad_png), "%s/ad.png", bs_test_tmpdir());
    bs_test_write_png(ad_png, 300, 250);
    for (int i = 0; i < BUYERS; i++) {
        buyer *b = &buyers[i];

        snprintf(b->name, sizeof(b->name), "b%03d", i);
        b->server = i % 2 ? &second : &s.server;
        b->campaign = i % CAMPAIGNS;
        assert_int_equal(pthread_create(&threads[i], NULL, sign_up, b), 0);
    }
    for (int i = 0; i < BUYERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(strlen(buyers[i].key), 64);
        free(bs_test_site_run(
            &s, 0, ARGS("account", "adjust", buyers[i].name, "100000000", "--reason", "t")));
    }

    pthread_barrier_init(&start_line, NULL, BUYERS);
    for (int i = 0; i < BUYERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, buy, &buyers[i]), 0);
    for (int i = 0; i < BUYERS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start_line);

    for (int i = 0; i < BUYERS; i++) {
        buyer *b = &buyers[i];
        long long want = FUNDS;

        if (b->status == 201) {
            assert_true(b->index >= 0 && b->index < BUYERS);
            assert_false(sold[b->campaign][b->index]); /* each slot sold once */
            sold[b->campaign][b->index] = true;
            want -= b->price;
            sales++;
        } else if (b->status == 409 && strstr(b->body, "\"code\":\"sold\"") != NULL) {
            lost++; /* someone else got the slot first: nothing charged */
        } else if (!(b->status == 409 && strstr(b->body, "\"code\":\"busy\"") != NULL) &&
                   !(b->status == 423 && strstr(b->body, "\"code\":\"locked\"") != NULL)) {
            fail_msg("%s: %ld %s", b->name, b->status, b->body);
        }
        assert_int_equal(balance_of(i % 2 ? &s.server : &second, b->key), want);
    }
    print_message("%d sales, %d lost to another buyer, of %d attempts\n", sales, lost, BUYERS);
    assert_true(sales >= CAMPAIGNS); /* each campaign sold at least once */
    for (int c = 0; c < CAMPAIGNS; c++)
        for (int k = 0; k < BUYERS; k++)
            if (sold[c][k] && k > 0)
                assert_true(sold[c][k - 1]); /* slots are sold in order, none skipped */

    out = bs_test_site_run(&s, 0, ARGS("check"));
    assert_non_null(strstr(out, "ok: "));
    free(out);
    stopped = bs_test_server_stop(&second);
    assert_int_equal(stopped.exit_code, 0);
    bs_test_output_release(&stopped);
    free(bs_test_site_close(&s));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_servers_share_one_store),
    };

    curl_global_init(CURL_GLOBAL_ALL); /* before any thread makes a handle */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
