/*
 * test_opstats.c — the operator's figures (core/opstats.h) from the
 * documents that are their truth, on an empty store each:
 *   - deposits are the deposit entries of every ledger, flushed to ledger
 *     documents or still pending in the account, counted once each, read
 *     a page at a time (more entries than one page);
 *   - fees are the operator's fee entries only: another account's entry of
 *     that kind is not the operator's income;
 *   - an account locked right now is counted as locked;
 *   - a damaged document stops the count (BS_CORRUPT, nothing half
 *     counted), as it does `bitslot check`;
 *   - the view keeps its groups in order and the place of withdrawals.
 * (The CLI's test, tests/cli/test_cli_ops.c, counts a whole story made by
 * the commands; deposits need a bitcoin node there, so they are here.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/opstats.h"
#include "core/withdraw.h"
#include "testutil.h"

#define T0 INT64_C(1700000000)

typedef struct fixture {
    char url[4200];
    int64_t now;
    bs_ctx ctx;
} fixture;

static void
fixture_open(fixture *f)
{
    char key[BS_API_KEY_LEN + 1];
    bs_store *store;

    memset(f, 0, sizeof(*f));
    bs_test_empty_store(f->url, sizeof(f->url));
    assert_int_equal(bs_store_open(f->url, &store), BS_OK);
    bs_ctx_init(&f->ctx, store);
    f->now = T0;
    f->ctx.clock = bs_clock_fixed(&f->now);
    assert_int_equal(bs_credit_ensure_operator(&f->ctx), BS_OK);
    assert_int_equal(bs_accounts_create(&f->ctx, "alice", "password1", 9, key), BS_OK);
    assert_int_equal(bs_accounts_create(&f->ctx, "bob", "password1", 9, key), BS_OK);
}

static void
fixture_close(fixture *f)
{
    bs_store_close(f->ctx.store);
}

typedef struct posting {
    bs_entry_kind kind;
    int64_t amount;
    bool lock;
} posting;

static bs_status
post_one(bs_account *a, void *arg, bool *write)
{
    const posting *p = arg;
    bs_status st = bs_books_post(a, p->kind, p->amount, T0, "", "", "");

    if (p->lock) {
        a->lock = BS_LOCK_FILL;
        a->fill.campaign.index = 0;
        snprintf(a->fill.campaign.owner, sizeof(a->fill.campaign.owner), "bob");
        snprintf(a->fill.ad.owner, sizeof(a->fill.ad.owner), "alice");
        snprintf(a->fill.request, sizeof(a->fill.request), "%032d", 7);
    }
    *write = st == BS_OK;
    return st;
}

/* An entry of `kind` and `amount` on `canon`'s ledger, left pending in the
 * account (flushed to a ledger document when `flush`). */
static void
post(fixture *f, const char *canon, bs_entry_kind kind, int64_t amount, bool flush)
{
    posting p = {kind, amount, false};

    assert_int_equal(bs_docs_update_account(&f->ctx, canon, post_one, &p, NULL), BS_OK);
    if (flush)
        assert_int_equal(bs_books_flush(&f->ctx, canon), BS_OK);
}

static void
test_opstats_deposits_are_every_ledgers_deposit_entries(void **state)
{
    bs_opstats s;
    fixture f;

    (void)state;
    fixture_open(&f);
    /* More than one page of alice's entries, flushed, then two pending. */
    for (int i = 0; i < 300; i++)
        post(&f, "alice", BS_ENTRY_DEPOSIT, 1000 + i, false);
    assert_int_equal(bs_books_flush(&f.ctx, "alice"), BS_OK);
    post(&f, "alice", BS_ENTRY_DEPOSIT, 7, false);
    post(&f, "alice", BS_ENTRY_ADJUST, 500, false);
    post(&f, "bob", BS_ENTRY_DEPOSIT, 20000, true);
    post(&f, "bob", BS_ENTRY_FEE, 99, true); /* not the operator's: not a fee earned */
    post(&f, f.ctx.operator_name, BS_ENTRY_FEE, 15, true);
    post(&f, f.ctx.operator_name, BS_ENTRY_FEE, 30, false);
    assert_int_equal(bs_opstats_read(&f.ctx, &s), BS_OK);
    assert_int_equal(s.accounts.total, 3);
    assert_int_equal(s.accounts.locked, 0);
    assert_int_equal(s.deposits.entries, 302);
    /* 300 * 1000 + (0 + ... + 299) + 7 + 20000 */
    assert_int_equal(s.deposits.sats, 300 * 1000 + 299 * 300 / 2 + 7 + 20000);
    assert_int_equal(s.sales.fee_entries, 2);
    assert_int_equal(s.sales.fees, 45);
    fixture_close(&f);
}

static void
test_opstats_counts_a_locked_account(void **state)
{
    posting p = {BS_ENTRY_ADJUST, 100, true};
    bs_opstats s;
    fixture f;

    (void)state;
    fixture_open(&f);
    assert_int_equal(bs_docs_update_account(&f.ctx, "bob", post_one, &p, NULL), BS_OK);
    assert_int_equal(bs_opstats_read(&f.ctx, &s), BS_OK);
    assert_int_equal(s.accounts.total, 3);
    assert_int_equal(s.accounts.locked, 1);
    fixture_close(&f);
}

/* Withdrawals by state: two waiting (their amounts), one refused (amount
 * and fee given back), as each document says. */
static void
test_opstats_counts_withdrawals_by_state(void **state)
{
    const char *to = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    bs_withdraw_order order = {"alice", 100000, to, NULL};
    bs_withdraw_result res;
    bs_withdrawal w;
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_opstats s;
    int64_t balance;
    fixture f;

    (void)state;
    fixture_open(&f);
    f.ctx.network = BS_NETWORK_REGTEST;
    assert_int_equal(bs_accounts_adjust(&f.ctx, "alice", 1000000, "funds", &balance), BS_OK);
    for (int i = 0; i < 3; i++) {
        order.amount = 100000 + i;
        assert_int_equal(bs_withdraw_request(&f.ctx, &order, &res), BS_OK);
        w = res.withdrawal;
        if (i == 2) { /* as a refusal by the node leaves it */
            w.state = BS_WD_REFUSED;
            snprintf(w.reason, sizeof(w.reason), "Insufficient funds");
            text = bs_withdrawal_encode(&w, &len);
            bs_withdraw_key(&w, key);
            assert_int_equal(bs_store_set(f.ctx.store, key, text, len, NULL), BS_OK);
            free(text);
        }
        bs_withdrawal_release(&res.withdrawal);
    }
    assert_int_equal(bs_opstats_read(&f.ctx, &s), BS_OK);
    assert_int_equal(s.withdrawals.by_state[BS_WD_REQUESTED], 2);
    assert_int_equal(s.withdrawals.by_state[BS_WD_REFUSED], 1);
    assert_int_equal(s.withdrawals.by_state[BS_WD_SIGNED], 0);
    assert_int_equal(s.withdrawals.waiting_sats, 100000 + 100001);
    assert_int_equal(s.withdrawals.refunded_sats, 100002);
    assert_int_equal(s.withdrawals.paid_sats, 0);
    fixture_close(&f);
}

static void
test_opstats_a_damaged_document_stops_the_count(void **state)
{
    bs_opstats s;
    fixture f;

    (void)state;
    fixture_open(&f);
    post(&f, "alice", BS_ENTRY_DEPOSIT, 5000, true);
    assert_int_equal(bs_store_set(f.ctx.store, "recovered/x", "{\"purchases\":-1}", 16, NULL),
                     BS_OK);
    s.deposits.entries = 42;
    assert_int_equal(bs_opstats_read(&f.ctx, &s), BS_CORRUPT);
    assert_int_equal(s.deposits.entries, 0); /* nothing half counted */
    assert_int_equal(s.accounts.total, 0);
    fixture_close(&f);
}

static void
test_opstats_view_keeps_its_groups_in_order(void **state)
{
    bs_opstats s;
    json_t *view;
    char *text;

    (void)state;
    memset(&s, 0, sizeof(s));
    s.accounts.total = 1;
    s.accounts.locked = 2;
    s.sales.campaigns = 3;
    s.sales.slots_sold = 4;
    s.sales.fee_entries = 5;
    s.sales.fees = 6;
    s.deposits.entries = 7;
    s.deposits.sats = 8;
    s.keys.total = 9;
    s.keys.left = 10;
    s.keys.handed_out = 11;
    s.ads.hidden = 12;
    s.recoveries.passes = 13;
    s.recoveries.purchases = 14;
    s.recoveries.imports = 15;
    view = bs_opstats_view(&s);
    assert_non_null(view);
    text = json_dumps(view, JSON_COMPACT);
    assert_string_equal(
        text, "{\"accounts\":{\"total\":1,\"locked_now\":2},\"sales\":{\"campaigns\":3,"
              "\"slots_sold\":4,\"fee_entries\":5,\"fees_sat\":6},\"deposits\":{\"credited\":7,"
              "\"amount_sat\":8},\"keys\":{\"total\":9,\"left_to_hand_out\":10,\"handed_out\":11},"
              "\"ads\":{\"hidden\":12},\"recoveries\":{\"passes\":13,\"purchases_finished\":14,"
              "\"imports_finished\":15},\"withdrawals_by_state\":{\"requested\":0,\"signed\":0,"
              "\"broadcast\":0,\"confirmed\":0,\"refused\":0,\"waiting_sat\":0,\"paid_sat\":0,"
              "\"refunded_sat\":0,\"fees_sat\":0}}");
    free(text);
    json_decref(view);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opstats_deposits_are_every_ledgers_deposit_entries),
        cmocka_unit_test(test_opstats_counts_a_locked_account),
        cmocka_unit_test(test_opstats_counts_withdrawals_by_state),
        cmocka_unit_test(test_opstats_a_damaged_document_stops_the_count),
        cmocka_unit_test(test_opstats_view_keeps_its_groups_in_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
