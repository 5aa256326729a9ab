/*
 * test_payouts.c — withdrawals against the real regtest node
 * (tools/regtest-node), through the `bitslot` command:
 *   - two users ask for 0.2 and 0.3 BTC to fresh addresses; one
 *     `withdrawals process` pays both in one transaction; after a block the
 *     node shows exactly one payment of each; each balance went down by
 *     amount + fee, with ledger entries, the operator has the fees, and
 *     `bitslot check` holds with its withdrawals equation;
 *   - a payout wallet without funds: every waiting request is refunded
 *     exactly once with the node's reason; once funded, new requests are
 *     paid;
 *   - a transaction dropped from the node's mempool is broadcast again — the
 *     same transaction, never one rebuilt from other inputs;
 *   - refusals: a request while a purchase holds the account (the seed's
 *     message), for more than the balance, to an address of another network,
 *     below the minimum: each its sentence, and the store unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/accounts.h"
#include "core/ads.h"
#include "core/campaigns.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/withdraw.h"
#include "regtest.h"
#include "testutil.h"
#include "util/failpoint.h"

#define BTC     100000000LL
#define URL_MAX 4200

static bs_regtest node = {.pid = -1};

typedef struct world {
    char url[URL_MAX];
    char store_env[URL_MAX + 32];
    char node_env[BS_REGTEST_URL_SIZE + 32];
    char payout_env[96];
} world;

static void
open_ctx(const world *w, bs_ctx *ctx)
{
    bs_store *store;

    assert_int_equal(bs_store_open(w->url, &store), BS_OK);
    bs_ctx_init(ctx, store);
    ctx->network = BS_NETWORK_REGTEST;
}

/* A fresh store with the operator and accounts alice and bob (balances as
 * given), paid out by the node's wallet `wallet`. */
static void
make_world(world *w, const char *wallet, int64_t alice, int64_t bob)
{
    char key[BS_API_KEY_LEN + 1], wallet_url[BS_REGTEST_URL_SIZE];
    int64_t balance;
    bs_ctx ctx;

    memset(w, 0, sizeof(*w));
    snprintf(w->url, sizeof(w->url), "lmdb:%s/store", bs_test_tmpdir());
    snprintf(w->store_env, sizeof(w->store_env), "BITSLOT_STORE=%s", w->url);
    bs_regtest_wallet_url(&node, "payouts-watch", wallet_url, sizeof(wallet_url));
    snprintf(w->node_env, sizeof(w->node_env), "BITSLOT_NODE=%s", wallet_url);
    snprintf(w->payout_env, sizeof(w->payout_env), "BITSLOT_PAYOUT_WALLET=%s", wallet);
    open_ctx(w, &ctx);
    assert_int_equal(bs_credit_ensure_operator(&ctx), BS_OK);
    assert_int_equal(bs_accounts_create(&ctx, "alice", "password1", 9, key), BS_OK);
    assert_int_equal(bs_accounts_create(&ctx, "bob", "password1", 9, key), BS_OK);
    if (alice > 0)
        assert_int_equal(bs_accounts_adjust(&ctx, "alice", alice, "funding", &balance), BS_OK);
    if (bob > 0)
        assert_int_equal(bs_accounts_adjust(&ctx, "bob", bob, "funding", &balance), BS_OK);
    bs_store_close(ctx.store);
}

static bs_test_output
run_out(const world *w, const char *const *args)
{
    const char *env[] = {w->store_env, w->node_env, w->payout_env, "BITSLOT_NETWORK=regtest", NULL};

    return bs_test_run(args, env, NULL);
}

/* Run; assert the exit code; the stdout (free it). */
static char *
run(const world *w, int expect, const char *const *args)
{
    bs_test_output out = run_out(w, args);
    char *text = out.out;

    if (out.exit_code != expect)
        fail_msg("bitslot %s %s: exit %d (expected %d): %s%s", args[0], args[1], out.exit_code,
                 expect, out.out, out.err);
    out.out = NULL;
    bs_test_output_release(&out);
    return text;
}

static void
run_ok(const world *w, const char *const *args)
{
    free(run(w, 0, args));
}

/* Run a refused command: exit 1 or 2, exactly `err` on stderr, nothing on
 * stdout, and the store byte for byte as before. */
static void
run_refused(const world *w, const char *const *args, int expect, const char *err)
{
    char *before = run(w, 0, (const char *const[]){"dump", NULL}), *after;
    bs_test_output out = run_out(w, args);

    if (out.exit_code != expect || strcmp(out.err, err) != 0 || out.out[0] != '\0')
        fail_msg("bitslot %s: exit %d, stderr: %s; expected exit %d, stderr: %s", args[0],
                 out.exit_code, out.err, expect, err);
    bs_test_output_release(&out);
    after = run(w, 0, (const char *const[]){"dump", NULL});
    assert_string_equal(after, before);
    free(before);
    free(after);
}

static int64_t
balance_of(const world *w, const char *name)
{
    bs_account a;
    bs_ctx ctx;
    int64_t b;

    open_ctx(w, &ctx);
    assert_int_equal(bs_docs_account(&ctx, name, &a, NULL), BS_OK);
    assert_int_equal(a.lock, BS_LOCK_NONE);
    b = a.balance;
    bs_account_release(&a);
    bs_store_close(ctx.store);
    return b;
}

/* The one withdrawal of `name`. */
static void
only_withdrawal(const world *w, const char *name, bs_withdrawal *out)
{
    bs_withdrawal *list;
    size_t n;
    bs_ctx ctx;

    open_ctx(w, &ctx);
    assert_int_equal(bs_withdraw_list(&ctx, name, NULL, &list, &n), BS_OK);
    assert_int_equal(n, 1);
    *out = list[0];
    list[0].hex = NULL; /* moved to *out */
    bs_withdraw_list_free(list, n);
    bs_store_close(ctx.store);
}

static int64_t
received(const char *address)
{
    int64_t sats = -1;

    assert_int_equal(bs_regtest_received(&node, address, 1, &sats), BS_OK);
    return sats;
}

/* The outputs of the recorded transaction `hex` paying `address`, and their
 * sum, as the node decodes it. */
static size_t
outputs_to(const char *hex, const char *address, int64_t *sum)
{
    json_t *params = json_pack("[s]", hex), *tx = NULL, *vout, *o;
    bs_rpc_error err;
    size_t i, n = 0;

    assert_int_equal(bs_rpc_call(node.miner, "decoderawtransaction", params, &tx, &err), BS_OK);
    json_decref(params);
    vout = json_object_get(tx, "vout");
    *sum = 0;
    json_array_foreach(vout, i, o)
    {
        json_t *spk = json_object_get(o, "scriptPubKey");
        const char *a = json_string_value(json_object_get(spk, "address"));
        int64_t sats;

        if (a != NULL && strcmp(a, address) == 0) {
            assert_int_equal(bs_rpc_read_amount(json_object_get(o, "value"), false, &sats), BS_OK);
            *sum += sats;
            n++;
        }
    }
    json_decref(tx);
    return n;
}

#define PROCESS ((const char *const[]){"withdrawals", "process", NULL})

static void
test_payouts_two_users_one_transaction(void **state)
{
    char a1[BS_RPC_ADDRESS_SIZE], a2[BS_RPC_ADDRESS_SIZE], *out;
    bs_withdrawal wa, wb;
    int64_t sum;
    world w;

    (void)state;
    make_world(&w, "payouts", BTC / 4, 35 * BTC / 100);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    assert_int_equal(bs_regtest_new_address(&node, a2), BS_OK);
    run_ok(&w,
           (const char *const[]){"withdraw", "alice", "--amount", "20000000", "--to", a1, NULL});
    run_ok(&w, (const char *const[]){"withdraw", "bob", "--amount", "30000000", "--to", a2, NULL});
    /* Reserved at once: amount + 1.5 % fee, with a ledger entry each. */
    assert_int_equal(balance_of(&w, "alice"), BTC / 4 - 20000000 - 300000);
    assert_int_equal(balance_of(&w, "bob"), 35 * BTC / 100 - 30000000 - 450000);
    out = run(&w, 0, PROCESS);
    only_withdrawal(&w, "alice", &wa);
    only_withdrawal(&w, "bob", &wb);
    assert_string_equal(wa.txid, wb.txid); /* one transaction */
    {
        char want[512];
        snprintf(want, sizeof(want),
                 "{\"paid\":2,\"refused\":0,\"broadcast\":1,\"confirmed\":0,\"waiting\":0,"
                 "\"stuck\":0,\"txid\":\"%s\"}\n",
                 wa.txid);
        assert_string_equal(out, want);
    }
    free(out);
    assert_int_equal(wa.state, BS_WD_BROADCAST);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    /* Exactly one payment each, in that transaction. */
    assert_int_equal(outputs_to(wa.hex, a1, &sum), 1);
    assert_int_equal(sum, 20000000);
    assert_int_equal(outputs_to(wa.hex, a2, &sum), 1);
    assert_int_equal(sum, 30000000);
    assert_int_equal(received(a1), 20000000);
    assert_int_equal(received(a2), 30000000);
    run_ok(&w, PROCESS); /* follows the confirmation */
    bs_withdrawal_release(&wa);
    bs_withdrawal_release(&wb);
    only_withdrawal(&w, "alice", &wa);
    assert_int_equal(wa.state, BS_WD_CONFIRMED);
    assert_int_equal(wa.confirmations, 1);
    bs_withdrawal_release(&wa);
    /* A third run pays nothing again. */
    out = run(&w, 0, PROCESS);
    assert_string_equal(out, "{\"paid\":0,\"refused\":0,\"broadcast\":0,\"confirmed\":0,"
                             "\"waiting\":0,\"stuck\":0}\n");
    free(out);
    assert_int_equal(received(a1), 20000000);
    assert_int_equal(balance_of(&w, "alice"), 4700000);
    assert_int_equal(balance_of(&w, "bob"), 4550000);
    assert_int_equal(balance_of(&w, "operator"), 750000);
    out = run(&w, 0, (const char *const[]){"check", NULL});
    assert_string_equal(out, "ok: 3 accounts, 0 campaigns, 0 slots, 5 ledger entries; balances "
                             "10000000 + owed 0 = adjustments 60000000 + deposits 0 - withdrawals "
                             "50000000 sat\n"
                             "ok: withdrawals 50000000 = reserved 0 + paid 50750000 - fees to "
                             "the operator 750000 sat\n");
    free(out);
    out = run(&w, 0, (const char *const[]){"account", "history", "alice", NULL});
    assert_non_null(
        strstr(out, "\"kind\":\"withdrawal\",\"amount\":-20300000,\"balance\":4700000"));
    free(out);
}

static void
test_payouts_unfunded_refunds_once_then_funded_pays(void **state)
{
    char a1[BS_RPC_ADDRESS_SIZE], a2[BS_RPC_ADDRESS_SIZE], *out;
    bs_withdrawal wa;
    world w;

    (void)state;
    assert_int_equal(bs_regtest_payout_wallet(&node, "payouts-empty", 0), BS_OK);
    make_world(&w, "payouts-empty", BTC, BTC);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    assert_int_equal(bs_regtest_new_address(&node, a2), BS_OK);
    run_ok(&w,
           (const char *const[]){"withdraw", "alice", "--amount", "20000000", "--to", a1, NULL});
    run_ok(&w, (const char *const[]){"withdraw", "bob", "--amount", "30000000", "--to", a2, NULL});
    out = run(&w, 0, PROCESS);
    assert_string_equal(out, "{\"paid\":0,\"refused\":2,\"broadcast\":0,\"confirmed\":0,"
                             "\"waiting\":0,\"stuck\":0,\"refusal\":\"Insufficient funds\"}\n");
    free(out);
    run_ok(&w, PROCESS); /* refunds nothing twice */
    assert_int_equal(balance_of(&w, "alice"), BTC);
    assert_int_equal(balance_of(&w, "bob"), BTC);
    assert_int_equal(balance_of(&w, "operator"), 0);
    only_withdrawal(&w, "alice", &wa);
    assert_int_equal(wa.state, BS_WD_REFUSED);
    assert_string_equal(wa.reason, "Insufficient funds");
    bs_withdrawal_release(&wa);
    out = run(&w, 0, (const char *const[]){"withdrawals", "list", "--account", "alice", NULL});
    assert_non_null(strstr(out, "\"state\":\"refused\""));
    assert_non_null(strstr(out, "\"reason\":\"Insufficient funds\""));
    free(out);
    out = run(&w, 0, (const char *const[]){"account", "history", "alice", NULL});
    assert_non_null(strstr(out, "\"amount\":20300000,\"balance\":100000000"));
    assert_non_null(strstr(out, "refused by the node: Insufficient funds"));
    free(out);
    free(run(&w, 0, (const char *const[]){"check", NULL}));

    /* Funded: a new request is paid. */
    {
        char url[BS_REGTEST_URL_SIZE], address[BS_RPC_ADDRESS_SIZE];
        bs_rpc *wallet;
        bs_rpc_error err;

        bs_regtest_wallet_url(&node, "payouts-empty", url, sizeof(url));
        assert_int_equal(bs_rpc_open(url, NULL, &wallet), BS_OK);
        assert_int_equal(bs_rpc_getnewaddress(wallet, address, sizeof(address), &err), BS_OK);
        bs_rpc_close(wallet);
        assert_int_equal(bs_regtest_send(&node, address, BTC, NULL), BS_OK);
        assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    }
    run_ok(&w,
           (const char *const[]){"withdraw", "alice", "--amount", "20000000", "--to", a1, NULL});
    out = run(&w, 0, PROCESS);
    assert_non_null(strstr(out, "\"paid\":1,"));
    free(out);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    assert_int_equal(received(a1), 20000000);
    assert_int_equal(received(a2), 0);
    assert_int_equal(balance_of(&w, "alice"), BTC - 20300000);
    assert_int_equal(balance_of(&w, "operator"), 300000);
    free(run(&w, 0, (const char *const[]){"check", NULL}));
}

/* Four processors at once (the server's loop on several machines, an
 * operator's cron): one transaction pays the three requests, none is
 * refused — a processor that found the wallet's coins locked by another
 * one's build once took that for "Insufficient funds" and refunded requests
 * the other paid — and each address received exactly its amount. */
static void
test_payouts_processors_at_once_pay_once(void **state)
{
    const char *env[] = {NULL, NULL, NULL, "BITSLOT_NETWORK=regtest", NULL};
    char to[3][BS_RPC_ADDRESS_SIZE];
    bs_withdrawal *list;
    size_t n;
    pid_t pids[4];
    bs_ctx ctx;
    world w;

    (void)state;
    make_world(&w, "payouts", BTC, BTC);
    env[0] = w.store_env;
    env[1] = w.node_env;
    env[2] = w.payout_env;
    for (int i = 0; i < 3; i++) {
        char amount[16];

        assert_int_equal(bs_regtest_new_address(&node, to[i]), BS_OK);
        snprintf(amount, sizeof(amount), "%d", 1000000 * (i + 1));
        run_ok(&w, (const char *const[]){"withdraw", i == 1 ? "bob" : "alice", "--amount", amount,
                                         "--to", to[i], NULL});
    }
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            bs_test_output out = bs_test_run(PROCESS, env, NULL);
            _exit(out.exit_code);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status;

        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    run_ok(&w, PROCESS);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(received(to[i]), 1000000 * (i + 1));
    run_ok(&w, PROCESS);
    open_ctx(&w, &ctx);
    assert_int_equal(bs_withdraw_list(&ctx, NULL, NULL, &list, &n), BS_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i].state, BS_WD_CONFIRMED);
        assert_string_equal(list[i].txid, list[0].txid);
    }
    bs_withdraw_list_free(list, n);
    bs_store_close(ctx.store);
    assert_int_equal(balance_of(&w, "alice"), BTC - 4000000 - 60000);
    assert_int_equal(balance_of(&w, "bob"), BTC - 2000000 - 30000);
    assert_int_equal(balance_of(&w, "operator"), 90000);
    free(run(&w, 0, (const char *const[]){"check", NULL}));
}

/* A JSON-RPC call on wallet `wallet` of the node that must succeed. */
static void
wallet_call(const char *wallet, const char *method, json_t *params)
{
    char url[BS_REGTEST_URL_SIZE];
    json_t *result = NULL;
    bs_rpc_error err;
    bs_rpc *rpc;

    bs_regtest_wallet_url(&node, wallet, url, sizeof(url));
    assert_int_equal(bs_rpc_open(url, NULL, &rpc), BS_OK);
    if (bs_rpc_call(rpc, method, params, &result, &err) != BS_OK)
        fail_msg("%s: %s", method, err.message);
    json_decref(params);
    json_decref(result);
    bs_rpc_close(rpc);
}

/* The transaction recorded for alice's withdrawal never reached the node
 * (a crash after recording it), and the operator spent its only coin by
 * hand: the node will never take it. It is not rebuilt while it could
 * still confirm; six blocks later it is given up and the request is paid
 * by a new transaction — once: the address receives the amount once, the
 * account is charged once, the operator's fee credited once. */
static void
test_payouts_transaction_whose_coins_were_spent_is_paid_anew(void **state)
{
    char a1[BS_RPC_ADDRESS_SIZE], a2[BS_RPC_ADDRESS_SIZE], back[BS_RPC_ADDRESS_SIZE], *out;
    bs_test_output crashed;
    bs_withdrawal wa;
    world w;

    (void)state;
    assert_int_equal(bs_regtest_payout_wallet(&node, "payouts-spent", BTC), BS_OK);
    make_world(&w, "payouts-spent", BTC, BTC);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    assert_int_equal(bs_regtest_new_address(&node, a2), BS_OK);
    assert_int_equal(bs_regtest_new_address(&node, back), BS_OK);
    run_ok(&w,
           (const char *const[]){"withdraw", "alice", "--amount", "20000000", "--to", a1, NULL});
    {
        const char *env[] = {w.store_env,
                             w.node_env,
                             w.payout_env,
                             "BITSLOT_NETWORK=regtest",
                             "BITSLOT_FAILPOINT=payout.marked",
                             NULL};
        crashed = bs_test_run(PROCESS, env, NULL);
        assert_int_equal(crashed.exit_code, BS_FAILPOINT_EXIT);
        bs_test_output_release(&crashed);
    }
    wallet_call("payouts-spent", "lockunspent", json_pack("[b]", 1));
    wallet_call("payouts-spent", "sendtoaddress", json_pack("[s, s]", back, "0.5"));
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    /* The node will not take it: not rebuilt yet, and said; bob's request,
     * made meanwhile, is not held back by it (the wallet's change pays). */
    run_ok(&w, (const char *const[]){"withdraw", "bob", "--amount", "1000000", "--to", a2, NULL});
    out = run(&w, 1, PROCESS);
    if (strstr(out, "\"paid\":1,") == NULL || strstr(out, "\"stuck\":1") == NULL)
        fail_msg("%s", out);
    free(out);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    assert_int_equal(received(a2), 1000000);
    only_withdrawal(&w, "alice", &wa);
    assert_int_equal(wa.state, BS_WD_SIGNED);
    bs_withdrawal_release(&wa);
    /* Six blocks on, and money in the wallet again: paid anew. */
    assert_int_equal(bs_regtest_mine(&node, 4), BS_OK);
    {
        char url[BS_REGTEST_URL_SIZE], address[BS_RPC_ADDRESS_SIZE];
        bs_rpc *wallet;
        bs_rpc_error err;

        bs_regtest_wallet_url(&node, "payouts-spent", url, sizeof(url));
        assert_int_equal(bs_rpc_open(url, NULL, &wallet), BS_OK);
        assert_int_equal(bs_rpc_getnewaddress(wallet, address, sizeof(address), &err), BS_OK);
        bs_rpc_close(wallet);
        assert_int_equal(bs_regtest_send(&node, address, BTC, NULL), BS_OK);
        assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    }
    out = run(&w, 0, PROCESS);
    assert_non_null(strstr(out, "\"paid\":1,"));
    if (strstr(out, "\"reissued\":1") == NULL)
        fail_msg("%s", out);
    free(out);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    run_ok(&w, PROCESS);
    only_withdrawal(&w, "alice", &wa);
    assert_int_equal(wa.state, BS_WD_CONFIRMED);
    assert_int_equal(wa.reissued, 1);
    assert_string_not_equal(wa.dead_txid, wa.txid);
    bs_withdrawal_release(&wa);
    assert_int_equal(received(a1), 20000000);
    assert_int_equal(balance_of(&w, "alice"), BTC - 20300000);
    assert_int_equal(balance_of(&w, "operator"), 300000 + 15000);
    out = run(&w, 0, (const char *const[]){"check", NULL});
    assert_non_null(strstr(out, "ok: withdrawals 21000000 = reserved 0 + paid 21315000 - fees to "
                                "the operator 315000 sat\n"));
    free(out);
}

/* A processor killed between the wallet funding its transaction and its
 * record leaves the wallet's coins locked; they must not look like
 * "Insufficient funds" to the next one (outside test: every later request
 * was refused so). */
static void
test_payouts_coins_a_dead_builder_locked_are_used(void **state)
{
    char url[BS_REGTEST_URL_SIZE], a1[BS_RPC_ADDRESS_SIZE], *out;
    json_t *coins = NULL, *locks = json_array(), *coin;
    bs_rpc_error err;
    bs_rpc *wallet;
    size_t i;
    world w;

    (void)state;
    assert_int_equal(bs_regtest_payout_wallet(&node, "payouts-locked", BTC), BS_OK);
    bs_regtest_wallet_url(&node, "payouts-locked", url, sizeof(url));
    assert_int_equal(bs_rpc_open(url, NULL, &wallet), BS_OK);
    assert_int_equal(bs_rpc_call(wallet, "listunspent", NULL, &coins, &err), BS_OK);
    assert_true(json_array_size(coins) > 0);
    json_array_foreach(coins, i, coin)
        json_array_append_new(locks, json_pack("{s:O, s:O}", "txid", json_object_get(coin, "txid"),
                                               "vout", json_object_get(coin, "vout")));
    json_decref(coins);
    bs_rpc_close(wallet);
    wallet_call("payouts-locked", "lockunspent", json_pack("[b, o]", 0, locks));

    make_world(&w, "payouts-locked", BTC, 0);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    run_ok(&w,
           (const char *const[]){"withdraw", "alice", "--amount", "20000000", "--to", a1, NULL});
    out = run(&w, 0, PROCESS);
    assert_non_null(strstr(out, "\"paid\":1,\"refused\":0,"));
    free(out);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    assert_int_equal(received(a1), 20000000);
}

/* Three requests to one address: a transaction has one output per
 * address, so three transactions — all in one run, nothing left waiting
 * (outside test: one per run, 22 requests took 22 runs). */
static void
test_payouts_one_address_three_requests_one_run(void **state)
{
    char a1[BS_RPC_ADDRESS_SIZE], *out;
    world w;

    (void)state;
    make_world(&w, "payouts", BTC, BTC);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    for (int i = 0; i < 3; i++)
        run_ok(&w, (const char *const[]){"withdraw", i == 1 ? "bob" : "alice", "--amount",
                                         "1000000", "--to", a1, NULL});
    out = run(&w, 0, PROCESS);
    assert_non_null(strstr(out, "{\"paid\":3,\"refused\":0,\"broadcast\":3,\"confirmed\":0,"
                                "\"waiting\":0,"));
    free(out);
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    assert_int_equal(received(a1), 3000000);
    free(run(&w, 0, (const char *const[]){"check", NULL}));
}

static bool
in_mempool(const char *txid)
{
    json_t *pool = NULL, *item;
    bs_rpc_error err;
    size_t i;
    bool found = false;

    assert_int_equal(bs_rpc_call(node.miner, "getrawmempool", NULL, &pool, &err), BS_OK);
    json_array_foreach(pool, i, item) found |= strcmp(json_string_value(item), txid) == 0;
    json_decref(pool);
    return found;
}

static void
test_payouts_dropped_transaction_is_sent_again(void **state)
{
    char a1[BS_RPC_ADDRESS_SIZE], *out;
    bs_withdrawal before, after;
    json_t *params, *result = NULL;
    bs_rpc_error err;
    world w;

    (void)state;
    make_world(&w, "payouts", BTC, 0);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    run_ok(&w,
           (const char *const[]){"withdraw", "alice", "--amount", "20000000", "--to", a1, NULL});
    run_ok(&w, PROCESS);
    only_withdrawal(&w, "alice", &before);
    assert_true(in_mempool(before.txid));
    /* The node forgets it (eviction, a restart without its mempool). */
    params = json_pack("[s]", before.txid);
    assert_int_equal(bs_rpc_call(node.miner, "x_dropmempooltx", params, &result, &err), BS_OK);
    json_decref(params);
    json_decref(result);
    assert_false(in_mempool(before.txid));
    out = run(&w, 0, PROCESS);
    assert_string_equal(out, "{\"paid\":0,\"refused\":0,\"broadcast\":0,\"confirmed\":0,"
                             "\"waiting\":0,\"stuck\":0}\n");
    free(out);
    assert_true(in_mempool(before.txid)); /* the same transaction, again */
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    run_ok(&w, PROCESS);
    only_withdrawal(&w, "alice", &after);
    assert_string_equal(after.txid, before.txid);
    assert_int_equal(after.state, BS_WD_CONFIRMED);
    assert_int_equal(received(a1), 20000000);
    bs_withdrawal_release(&before);
    bs_withdrawal_release(&after);
    free(run(&w, 0, (const char *const[]){"check", NULL}));
}

static unsigned char *
make_png(int width, int height, int *size)
{
    gdImagePtr im = gdImageCreateTrueColor(width, height);
    unsigned char *png = gdImagePngPtr(im, size);

    gdImageDestroy(im);
    return png;
}

static void
test_payouts_refusals_change_nothing(void **state)
{
    const char *main_address = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    char a1[BS_RPC_ADDRESS_SIZE];
    bs_image_reason reason;
    bs_ad_problem problem;
    bs_test_paused buyer, withdrawing;
    bs_test_output out;
    char *before, *after;
    bs_ref campaign;
    int png_len;
    unsigned char *png;
    bs_ad ad;
    bs_ctx ctx;
    world w;

    (void)state;
    make_world(&w, "payouts", 1000000, 0);
    assert_int_equal(bs_regtest_new_address(&node, a1), BS_OK);
    run_refused(&w,
                (const char *const[]){"withdraw", "alice", "--amount", "99999", "--to", a1, NULL},
                1, "bitslot: 99999 sat is below the smallest withdrawal, 100000 sat\n");
    run_refused(
        &w, (const char *const[]){"withdraw", "alice", "--amount", "990000", "--to", a1, NULL}, 1,
        "bitslot: \"alice\" has 1000000 sat; withdrawing 990000 sat costs 1004850 sat "
        "with the fee of 14850 sat\n");
    run_refused(&w,
                (const char *const[]){"withdraw", "alice", "--amount", "100000", "--to",
                                      main_address, NULL},
                1,
                "bitslot: \"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\" is an address of main, "
                "not of regtest, the network this service pays on\n");
    run_refused(&w,
                (const char *const[]){"withdraw", "alice", "--amount", "100000", "--to",
                                      "not-an-address", NULL},
                1, "bitslot: \"not-an-address\" is not a bitcoin address\n");

    /* alice is buying a slot (held at the moment its intent is recorded). */
    open_ctx(&w, &ctx);
    bs_campaign_terms terms = {"bob", 1000, 86400, 300, 250, "Bob's blog", NULL};
    assert_int_equal(bs_campaigns_create(&ctx, &terms, &campaign), BS_OK);
    png = make_png(300, 250, &png_len);
    bs_ad_upload up = {"alice", png, (size_t)png_len, "https://example.com/", NULL, NULL, NULL};
    assert_int_equal(bs_ads_add(&ctx, &up, &ad, &problem, &reason), BS_OK);
    gdFree(png);
    bs_store_close(ctx.store);
    /* alice's withdrawal has finished what her account was in the middle
     * of; then her purchase records its intent; then the withdrawal goes
     * on: refused, with the seed's message, and nothing changed. */
    {
        const char *env[] = {w.store_env, w.node_env, w.payout_env, "BITSLOT_NETWORK=regtest",
                             NULL};
        const char *store_only[] = {w.store_env, NULL};

        bs_test_start_paused(
            &withdrawing, "withdraw.recovered",
            (const char *const[]){"withdraw", "alice", "--amount", "100000", "--to", a1, NULL},
            env);
        bs_test_start_paused(
            &buyer, "purchase.locked",
            (const char *const[]){"buy", "alice", "bob/0", "--ad", "alice/0", NULL}, store_only);
    }
    before = run(&w, 0, (const char *const[]){"dump", NULL});
    out = bs_test_resume(&withdrawing);
    assert_int_equal(out.exit_code, 1);
    assert_string_equal(out.err, "bitslot: \"alice\" is buying a slot; retry in a few seconds\n");
    assert_string_equal(out.out, "");
    bs_test_output_release(&out);
    after = run(&w, 0, (const char *const[]){"dump", NULL});
    assert_string_equal(after, before);
    free(before);
    free(after);
    out = bs_test_resume(&buyer);
    assert_int_equal(out.exit_code, 0);
    bs_test_output_release(&out);
    /* Unlocked: the same request now goes through. */
    run_ok(&w, (const char *const[]){"withdraw", "alice", "--amount", "100000", "--to", a1, NULL});
    assert_int_equal(balance_of(&w, "alice"), 1000000 - 1000 - 100000 - 1500);
    free(run(&w, 0, (const char *const[]){"check", NULL}));
}

static int
setup(void **state)
{
    (void)state;
    return bs_regtest_start(&node, NULL, NULL) == BS_OK &&
                   bs_regtest_payout_wallet(&node, "payouts", 20 * BTC) == BS_OK
               ? 0
               : -1;
}

static int
teardown(void **state)
{
    (void)state;
    bs_regtest_stop(&node);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payouts_two_users_one_transaction),
        cmocka_unit_test(test_payouts_unfunded_refunds_once_then_funded_pays),
        cmocka_unit_test(test_payouts_processors_at_once_pay_once),
        cmocka_unit_test(test_payouts_one_address_three_requests_one_run),
        cmocka_unit_test(test_payouts_dropped_transaction_is_sent_again),
        cmocka_unit_test(test_payouts_coins_a_dead_builder_locked_are_used),
        cmocka_unit_test(test_payouts_transaction_whose_coins_were_spent_is_paid_anew),
        cmocka_unit_test(test_payouts_refusals_change_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
