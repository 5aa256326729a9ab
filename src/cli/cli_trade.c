/*
 * cli_trade.c — buying and keeping the books straight:
 *   buy NAME OWNER/I --ad ID [--max-price SATS] [--slot N]
 *   recover
 *   check
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/check.h"
#include "core/funding.h"
#include "core/purchase.h"
#include "core/recover.h"
#include "util/money.h"

static int
buy_refused(bs_status st, const bs_purchase_order *o, const bs_purchase_result *r,
            const char *campaign, const char *ad)
{
    bs_said said;

    bs_say_buy(st, o, r, campaign, ad, BS_VOICE_COMMAND, &said);
    return bs_cli_said(&said);
}

static int
run_buy(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"ad", true, NULL}, {"max-price", true, NULL}, {"slot", true, NULL}};
    bs_purchase_order order = {.max_price = -1, .expect_slot = -1};
    bs_purchase_result res;
    const char *pos[2];
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 3, pos, 2, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 2 || opts[0].value == NULL)
        return bs_cli_usage(cmd);
    order.buyer = pos[0];
    if (!bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    if ((rc = bs_cli_ref(pos[1], "campaign", &order.campaign)) != BS_EXIT_OK ||
        (rc = bs_cli_ref(opts[0].value, "ad", &order.ad)) != BS_EXIT_OK)
        return rc;
    if (opts[1].value != NULL && bs_money_parse(opts[1].value, false, &order.max_price) != BS_OK) {
        bs_cli_error("invalid maximum price \"%s\" (whole satoshis)", opts[1].value);
        return BS_EXIT_USAGE;
    }
    if (opts[2].value != NULL && bs_cli_integer(opts[2].value, "slot number", "0 or more", 0,
                                                BS_INDEX_MAX, &order.expect_slot) != 0)
        return BS_EXIT_USAGE;
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_purchase_buy(ctx, &order, &res);
    if (st != BS_OK)
        return buy_refused(st, &order, &res, pos[1], opts[0].value);
    return bs_cli_print_json(bs_slot_view(&res.slot));
}

/* One line per item recovery had to leave for later. */
static void
print_problem(void *arg, const bs_recover_problem *p)
{
    (void)arg;
    if (p->campaign != NULL)
        bs_cli_error("left for later: campaign \"%s\" (%s): %s", p->campaign, p->step,
                     bs_strerror(p->status));
    else
        bs_cli_error("left for later: account \"%s\" (%s): %s", p->account ? p->account : "",
                     p->step, bs_strerror(p->status));
}

static int
run_recover(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_sweep_report sweep = {0, 0, 0};
    bs_recover_report report;
    bs_ctx *ctx;
    bs_status st;
    int rc;

    if ((rc = bs_cli_no_arguments(cmd, argc, argv)) != BS_EXIT_OK)
        return rc;
    /* Purchases, credits, ledgers and key imports first: they need no node. */
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_recover_all(ctx, &report, print_problem, NULL);
    if (st != BS_OK)
        return bs_cli_fail(st, "recovery stopped");
    /* Then, with a node, key hand-outs, fills and late deposits. */
    if (cli->node_url != NULL) {
        rc = bs_cli_ctx_with_node(cli, &ctx);
        if (rc == BS_EXIT_OK && (st = bs_funding_sweep(ctx, &sweep, print_problem, NULL)) != BS_OK)
            rc = bs_cli_fail(st, "the funding sweep stopped");
        if (rc != BS_EXIT_OK)
            return rc;
    }
    rc = bs_cli_print_json(
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "accounts", (json_int_t)report.accounts,
                  "purchases_finished", (json_int_t)report.purchases, "campaigns",
                  (json_int_t)report.campaigns, "imports_finished", (json_int_t)report.imports,
                  "keys_finished", (json_int_t)sweep.keys_finished, "late_deposits_credited",
                  (json_int_t)sweep.credits, "left_for_later",
                  (json_int_t)(report.problems + sweep.problems)));
    /* Everything else was done; what is left is a refusal to look at. */
    return rc == BS_EXIT_OK && report.problems + sweep.problems > 0 ? BS_EXIT_REFUSED : rc;
}

static void
print_finding(void *arg, bool unfinished, const char *line)
{
    (void)arg;
    printf("%s: %s\n", unfinished ? "unfinished" : "violation", line);
}

static int
run_check(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_check_summary sum;
    bs_ctx *ctx;
    bs_status st;
    int rc;

    if ((rc = bs_cli_no_arguments(cmd, argc, argv)) != BS_EXIT_OK)
        return rc;
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_check_run(ctx, print_finding, NULL, &sum);
    if (st != BS_OK)
        return bs_cli_fail(st, "the check stopped");
    if (sum.violations > 0)
        printf("%zu violations\n", sum.violations);
    if (sum.unfinished > 0)
        printf("%zu unfinished operations: 'bitslot recover' finishes them (with --node, before "
               "the command, for key hand-outs and fills), unless their line names another "
               "command; then check again\n",
               sum.unfinished);
    if (sum.violations + sum.unfinished > 0)
        return BS_EXIT_REFUSED;
    printf("ok: %zu accounts, %zu campaigns, %zu slots, %zu ledger entries; balances %lld + owed "
           "%lld = adjustments %lld + deposits %lld - withdrawals %lld sat\n",
           sum.accounts, sum.campaigns, sum.slots, sum.entries, (long long)sum.balances,
           (long long)sum.owed, (long long)sum.adjustments, (long long)sum.deposits,
           (long long)sum.withdrawals);
    if (sum.withdrawals != 0 || sum.withdrawals_reserved != 0 || sum.withdrawals_paid != 0)
        printf("ok: withdrawals %lld = reserved %lld + paid %lld - fees to the operator %lld sat\n",
               (long long)sum.withdrawals, (long long)sum.withdrawals_reserved,
               (long long)sum.withdrawals_paid, (long long)sum.withdrawal_fees);
    return BS_EXIT_OK;
}

const bs_cli_command bs_cli_trade_commands[] = {
    {"buy", "NAME OWNER/I --ad ID [--max-price SATS] [--slot N]",
     "buy the next slot of a campaign for NAME",
     "Buys the next slot of campaign OWNER/I for NAME, to show ad ID, at the price of\n"
     "this second, from NAME's balance, and prints the slot as JSON. --max-price\n"
     "refuses to pay more than SATS; --slot refuses unless slot N is the one for sale.",
     run_buy},
    {"recover", "", "finish every interrupted operation",
     "Finishes every purchase, credit, ledger copy and key import that a crash\n"
     "interrupted, all of them, page by page. With --node, also every key hand-out and\n"
     "key page fill, and credits money that arrived on retired deposit keys. Safe to run\n"
     "at any time, from several processes at once. What it cannot finish now (a seller\n"
     "whose balance would pass 21 million BTC) it names on stderr, one line each, leaves\n"
     "for a later run and goes on; it then exits 1.",
     run_recover},
    {"check", "", "verify every invariant of the books",
     "Reads the whole store and verifies the invariants: each balance equals its ledger,\n"
     "every satoshi is accounted for, each slot sold once and paid for once, no account\n"
     "left locked. Exit 0 with a summary, or 1 with one line per violation (damage) and\n"
     "per unfinished operation (what a crash left in the middle, which 'bitslot\n"
     "recover' finishes).",
     run_check},
    {NULL, NULL, NULL, NULL, NULL},
};
