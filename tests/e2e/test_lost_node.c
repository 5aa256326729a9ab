/*
 * test_lost_node.c — the bitcoin node lost under `bitslot serve` (issue 12,
 * item 4), from the outside, over real HTTP, with a real regtest node
 * (tools/regtest-node) and payouts on:
 *
 *   - the node stopped (killed: connections refused) and hung (SIGSTOP: it
 *     takes connections and never answers): every funding request — Get Key
 *     (of a key the node must watch first: pages of one key here), check,
 *     Done — answers 503 with exactly "the bitcoin node is
 *     unavailable; retry later", quickly (refused at once; hung: within the
 *     server's node timeout, not the client library's 30 s), while
 *     purchases, uploads, the embed and the pages that need no node answer
 *     at once, even beside a request that waits for the hung node; once a
 *     request met the silence, the next ones are refused at once too;
 *   - the background loop neither wedges nor spins meanwhile: it says once
 *     per sweep that deposits wait for the node, and still credits the
 *     seller of each sale;
 *   - the node back (the hung one let go; the killed one restarted on its
 *     port, a new chain whose wallets were never loaded, as after a restart
 *     of a node that does not load them): funding works again, without
 *     restarting serve; the money is exact and `bitslot check` holds;
 *     a key handed out on the old chain is refused (503), and serve's log
 *     says once to run `bitslot keys watch`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "regtest.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* BIP32 test vector 1's master key as a tpub (regtest only). */
#define TEST_TPUB                                                                                  \
    "tpubD6NzVbkrYhZ4XgiXtGrdW5XDAPFCL9h7we1vwNCpn8tGbBcgfVYjXyhWo4E1xkh56hjod1RhGjxbaTLV3X4Fy"    \
    "WuejifB9jusQ46QzG87VKp"
#define NODE_DOWN                                                                                  \
    "{\"error\":{\"code\":\"node_unavailable\",\"message\":\"the bitcoin node is unavailable; "    \
    "retry later\"}}"
/* What serve's log says once when the node's wallet lost the keys. */
#define WATCH_HINT                                                                                 \
    "node: its wallet does not watch the deposit keys (a new node, or its wallet lost): run "      \
    "`bitslot keys watch` (with --rescan if deposits may have come meanwhile); until then "        \
    "funding answers 503"
/* Generous for a loaded machine, and still well below the 30 s a client
 * library waits: what needs no node, a refusal of a node that is gone (or
 * that was silent a moment ago); a node that never answers (serve's 10 s). */
#define QUICK_MS 5000
#define HUNG_MS  20000
#define SWEEP_S  1

static bs_regtest node;

typedef struct site {
    bs_test_site site;
    char seller[65], buyer[65], other[65];
    char png[4200];
    int sales;
    int64_t paid, fees; /* the buyer's slots: prices, and the fees in them */
} site;

static int
group_setup(void **state)
{
    (void)state;
    return bs_regtest_start(&node, "lostnode", "lost-node-password") == BS_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    bs_regtest_stop(&node);
    return 0;
}

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* A request that must get `status` (and `answer`, when not NULL) within
 * `within_ms`; its body (free it). */
static char *
timed(site *s, const char *method, const char *path, const char *key, const char *body, long status,
      const char *answer, int64_t within_ms)
{
    int64_t start = now_ms(), took;
    bs_test_response r = bs_test_http(&s->site.server, method, path, key, body);

    took = now_ms() - start;
    if (r.status != status) {
        bs_test_server_said(&s->site.server);
        fail_msg("%s %s: want %ld, got %ld %s", method, path, status, r.status, r.body);
    }
    if (answer != NULL)
        assert_string_equal(r.body, answer);
    if (took > within_ms)
        fail_msg("%s %s took %lld ms (at most %lld)", method, path, (long long)took,
                 (long long)within_ms);
    free(r.headers);
    return r.body;
}

/* A funding request sent until the node answers it (`status`), for at most
 * `within_ms`: after silence the server asks the node again only after a
 * quiet time of its own (BS_RPC_QUIET_MS). Its body (free it). */
static char *
once_back(site *s, const char *method, const char *path, const char *key, long status,
          int64_t within_ms)
{
    int64_t start = now_ms();

    for (;;) {
        bs_test_response r = bs_test_http(&s->site.server, method, path, key, NULL);

        if (r.status == status) {
            free(r.headers);
            return r.body;
        }
        if (r.status != 503 || strcmp(r.body, NODE_DOWN) != 0)
            fail_msg("%s %s: want %ld, got %ld %s", method, path, status, r.status, r.body);
        bs_test_response_release(&r);
        if (now_ms() - start > within_ms)
            fail_msg("%s %s: the node is back but not asked after %lld ms", method, path,
                     (long long)within_ms);
        usleep(200 * 1000);
    }
}

/* Every funding request of an account holding a key, and Get Key of a new
 * account `fresh` (whose key the node must watch first): 503, the sentence,
 * within `within_ms` each. */
static void
funding_refused(site *s, const char *fresh, int64_t within_ms)
{
    free(timed(s, "POST", "/api/v1/account/key", fresh, NULL, 503, NODE_DOWN, within_ms));
    free(timed(s, "GET", "/api/v1/account/key", s->buyer, NULL, 503, NODE_DOWN, within_ms));
    free(timed(s, "POST", "/api/v1/account/key/done", s->buyer, NULL, 503, NODE_DOWN, within_ms));
}

/* What needs no node goes on, at once: a purchase, an upload, the embed,
 * the pages. */
static void
the_rest_goes_on(site *s)
{
    bs_test_response r;
    char *body;

    r = bs_test_http_form(&s->site.server, "/api/v1/ads", s->buyer,
                          ARGS("url", "https://buyer.example/"), "image", s->png);
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    body = timed(s, "POST", "/api/v1/campaigns/seller/0/buy", s->buyer, "{\"ad\":\"buyer/0\"}", 201,
                 NULL, QUICK_MS);
    s->paid += field(body, "price");
    s->fees += field(body, "fee");
    s->sales++;
    free(body);
    free(timed(s, "GET", "/embed/seller/0", NULL, NULL, 200, NULL, QUICK_MS));
    free(timed(s, "GET", "/campaigns/seller/0", NULL, NULL, 200, NULL, QUICK_MS));
    free(timed(s, "GET", "/", NULL, NULL, 200, NULL, QUICK_MS));
}

/* The seller's balance as the store holds it (no touch that would credit
 * it: `dump` reads only), so that a credit seen is the background loop's. */
static long long
stored_balance(site *s, const char *name)
{
    char prefix[64];
    char *out;
    long long b;

    snprintf(prefix, sizeof(prefix), "account/%s", name);
    out = bs_test_site_run(&s->site, 0, ARGS("dump", prefix));
    b = field(out, "balance");
    free(out);
    return b;
}

/* The background loop credits the seller of every sale so far, node or no
 * node, within a few sweeps. */
static void
seller_credited(site *s)
{
    long long want = s->paid - s->fees, got = -1;

    for (int tick = 0; tick < 100 && got != want; tick++) {
        got = stored_balance(s, "seller");
        if (got != want)
            usleep(100 * 1000);
    }
    assert_int_equal(got, want);
}

static int
count_lines(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, text) != NULL;
    fclose(f);
    return n;
}

/* Fund `key`'s account with `sats` through Get Key, a payment, a block,
 * check and Done. Each is sent until the node answers it: after the node
 * came back, the server may still be in the quiet time of its last silence
 * (a refusal that did not reach the node, 503 with the sentence). */
static void
fund(site *s, const char *key, int64_t sats)
{
    char address[128], *body;

    body = once_back(s, "POST", "/api/v1/account/key", key, 200, HUNG_MS);
    assert_int_equal(sscanf(body, "{\"key\":\"%127[^\"]\"}", address), 1);
    free(body);
    assert_int_equal(bs_regtest_send(&node, address, sats, NULL), BS_OK);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    body = once_back(s, "GET", "/api/v1/account/key", key, 200, HUNG_MS);
    assert_int_equal(field(body, "confirmed"), sats);
    free(body);
    body = once_back(s, "POST", "/api/v1/account/key/done", key, 200, HUNG_MS);
    assert_int_equal(field(body, "credited"), sats);
    free(body);
}

static void
test_lost_node_funding_503_the_rest_goes_on(void **state)
{
    char node_url[BS_REGTEST_URL_SIZE + 16], node_env[BS_REGTEST_URL_SIZE + 32], store[4300];
    char fresh[65], late[65], *body;
    site *s = calloc(1, sizeof(*s));
    const char *const *env;
    bs_test_output out;
    int64_t start;
    pid_t child;
    int status, swept;

    (void)state;
    assert_non_null(s);
    assert_int_equal(bs_regtest_payout_wallet(&node, "payout", 0), BS_OK);
    bs_regtest_wallet_url(&node, "lostnode", node_url, sizeof(node_url));
    snprintf(node_env, sizeof(node_env), "BITSLOT_NODE=%s", node_url);
    env = ARGS(node_env, "BITSLOT_NETWORK=regtest", "BITSLOT_CHECK_INTERVAL=0",
               "BITSLOT_SWEEP_INTERVAL=1", "BITSLOT_PAYOUT_WALLET=payout", "BITSLOT_PAYOUTS=on");
    bs_test_site_open(&s->site, "lostnode", env);
    snprintf(store, sizeof(store), "BITSLOT_STORE=%s", s->site.url);
    /* Pages of one key: every Get Key fills a page, which the node must
     * watch first (a key on a page already filled needs no node). */
    out = bs_test_run(ARGS("keys", "derive", "--xpub", TEST_TPUB, "--count", "20", "--sets", "1",
                           "--page-size", "1"),
                      ARGS(store, node_env, "BITSLOT_NETWORK=regtest"), NULL);
    assert_int_equal(out.exit_code, 0);
    bs_test_output_release(&out);
    bs_test_register(&s->site, "seller", s->seller);
    bs_test_register(&s->site, "buyer", s->buyer);
    bs_test_register(&s->site, "other", s->other);
    free(timed(s, "POST", "/api/v1/campaigns", s->seller,
               "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250,"
               "\"title\":\"Front page\"}",
               201, NULL, QUICK_MS));
    snprintf(s->png, sizeof(s->png), "%s/ad.png", bs_test_tmpdir());
    bs_test_write_png(s->png, 300, 250);
    fund(s, s->buyer, 50000000);
    free(timed(s, "POST", "/api/v1/account/key", s->buyer, NULL, 200, NULL, HUNG_MS));
    the_rest_goes_on(s); /* buyer/1 and a first sale, with the node there */

    /* Hung: it takes connections and never answers. A funding request waits
     * serve's timeout at most; a purchase beside it does not wait. */
    assert_int_equal(kill(-node.pid, SIGSTOP), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        bs_test_response r =
            bs_test_http(&s->site.server, "POST", "/api/v1/account/key", s->other, NULL);
        if (r.status == 503 && strcmp(r.body, NODE_DOWN) == 0)
            _exit(0);
        fprintf(stderr, "Get Key beside a hung node: %ld %s\n", r.status, r.body);
        _exit(1);
    }
    start = now_ms();
    usleep(300 * 1000);
    the_rest_goes_on(s);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(now_ms() - start < HUNG_MS);
    /* Told once, the server does not wait for the same silence again. */
    funding_refused(s, s->other, QUICK_MS);
    assert_int_equal(kill(-node.pid, SIGCONT), 0);
    /* Back: it takes the key the hung node was asked to watch, so that no
     * watched key is left free for the next Get Key. */
    free(once_back(s, "POST", "/api/v1/account/key", s->other, 200, HUNG_MS));
    body = once_back(s, "GET", "/api/v1/account/key", s->buyer, 200, HUNG_MS);
    assert_int_equal(field(body, "confirmed"), 0);
    free(body);

    /* Gone: refused at once; the rest goes on; the loop neither wedges (the
     * seller is credited) nor spins (one line a sweep). */
    bs_test_register(&s->site, "fresh", fresh);
    bs_regtest_stop(&node);
    swept = count_lines(s->site.server.process.err_path, "sweep: deposits left for later");
    start = now_ms();
    funding_refused(s, fresh, QUICK_MS);
    the_rest_goes_on(s);
    seller_credited(s);
    sleep(3 * SWEEP_S);
    swept = count_lines(s->site.server.process.err_path, "sweep: deposits left for later") - swept;
    print_message("%d sweeps said the node was away in %lld ms\n", swept,
                  (long long)(now_ms() - start));
    assert_in_range(swept, 1, (now_ms() - start) / (1000 * SWEEP_S) + 2);
    for (int tick = 0; tick < 100; tick++) {
        bs_test_response r = bs_test_http(&s->site.server, "GET", "/healthz", NULL, NULL);
        bool down = r.status == 503;
        if (down)
            assert_string_equal(r.body, "{\"store\":\"ok\",\"node\":\"down\"}");
        bs_test_response_release(&r);
        if (down)
            break;
        assert_true(tick < 99);
        usleep(100 * 1000);
    }

    /* Back, a new chain whose wallets were never loaded: the same server
     * hands out, checks and credits keys again. */
    assert_int_equal(bs_regtest_restart(&node), BS_OK);
    bs_test_register(&s->site, "late", late);
    fund(s, late, 20000000);
    the_rest_goes_on(s);
    seller_credited(s);
    /* The buyer's key was handed out on the old chain: the new wallet does
     * not watch it. Funding refuses it, and serve's log tells the operator
     * once (the sweep may have met it first), however often, what mends it. */
    free(timed(s, "GET", "/api/v1/account/key", s->buyer, NULL, 503, NODE_DOWN, QUICK_MS));
    free(timed(s, "POST", "/api/v1/account/key/done", s->buyer, NULL, 503, NODE_DOWN, QUICK_MS));
    assert_int_equal(count_lines(s->site.server.process.err_path, WATCH_HINT), 1);

    free(bs_test_site_close(&s->site));
    out = bs_test_run(ARGS("--store", s->site.url, "account", "show", "buyer"), NULL, NULL);
    assert_int_equal(out.exit_code, 0);
    assert_int_equal(field(out.out, "balance"), 50000000 - s->paid);
    bs_test_output_release(&out);
    out = bs_test_run(ARGS("--store", s->site.url, "account", "show", "late"), NULL, NULL);
    assert_int_equal(field(out.out, "balance"), 20000000);
    bs_test_output_release(&out);
    out = bs_test_run(ARGS("--store", s->site.url, "check"), NULL, NULL);
    if (out.exit_code != 0)
        fail_msg("check: %s%s", out.out, out.err);
    assert_non_null(strstr(out.out, "deposits 70000000 "));
    bs_test_output_release(&out);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_node_funding_503_the_rest_goes_on),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
