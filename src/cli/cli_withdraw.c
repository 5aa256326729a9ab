/*
 * cli_withdraw.c — withdrawals (core/withdraw.h, core/payout.h):
 *   withdraw NAME --amount SATS --to ADDRESS [--request ID]
 *   withdrawals process
 *   withdrawals list [--state S] [--account NAME]
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/payout.h"
#include "core/withdraw.h"
#include "core/words.h"
#include "util/money.h"

static int
run_withdraw(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"amount", true, NULL}, {"to", true, NULL}, {"request", true, NULL}};
    bs_withdraw_order order = {0};
    bs_withdraw_result res;
    const char *pos[1];
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    json_t *view;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 3, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1 || opts[0].value == NULL || opts[1].value == NULL)
        return bs_cli_usage(cmd);
    if (!bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    if (bs_money_parse(opts[0].value, false, &order.amount) != BS_OK || order.amount == 0) {
        bs_cli_error("invalid amount \"%s\" (whole satoshis, more than 0)", opts[0].value);
        return BS_EXIT_USAGE;
    }
    if (opts[2].value != NULL && !bs_id_valid(opts[2].value)) {
        bs_cli_error("invalid request id \"%s\" (32 lowercase hex characters)", opts[2].value);
        return BS_EXIT_USAGE;
    }
    order.name = pos[0];
    order.address = opts[1].value;
    order.request = opts[2].value;
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_withdraw_request(ctx, &order, &res);
    if (st != BS_OK) {
        bs_said said;

        bs_say_withdraw(st, ctx, &order, &res, BS_VOICE_COMMAND, &said);
        return bs_cli_said(&said);
    }
    view = bs_withdrawal_view(&res.withdrawal);
    if (view != NULL && json_object_set_new(view, "balance", json_integer(res.balance)) != 0) {
        json_decref(view);
        view = NULL;
    }
    bs_withdrawal_release(&res.withdrawal);
    return bs_cli_print_json(view);
}

/* What a run did; reissued, txid and refusal only when there is one. */
static json_t *
report_json(const bs_payout_report *r)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "paid", (json_int_t)r->paid, "refused",
                          (json_int_t)r->refused, "broadcast", (json_int_t)r->broadcast,
                          "confirmed", (json_int_t)r->confirmed, "waiting", (json_int_t)r->waiting,
                          "stuck", (json_int_t)r->stuck);

    if (j != NULL &&
        ((r->reissued > 0 &&
          json_object_set_new(j, "reissued", json_integer((json_int_t)r->reissued)) != 0) ||
         (r->txid[0] != '\0' && json_object_set_new(j, "txid", json_string(r->txid)) != 0) ||
         (r->reason[0] != '\0' &&
          json_object_set_new(j, "refusal", json_string(r->reason)) != 0))) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static int
run_process(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_payout_report r;
    bs_ctx *ctx;
    bs_status st;
    int rc;

    if ((rc = bs_cli_no_arguments(cmd, argc, argv)) != BS_EXIT_OK)
        return rc;
    if ((rc = bs_cli_ctx_with_payout(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_payout_process(ctx, &r);
    rc = bs_cli_print_json(report_json(&r));
    if (st == BS_NODE_DOWN) {
        bs_cli_error("the bitcoin node or its payout wallet cannot be reached; what was done "
                     "stands, run it again later");
        return BS_EXIT_UNAVAILABLE;
    }
    if (st != BS_OK)
        return bs_cli_fail(st, "payouts stopped; what was done stands, run it again");
    return rc == BS_EXIT_OK && r.stuck > 0 ? BS_EXIT_REFUSED : rc;
}

static json_t *
view_item(const void *item)
{
    return bs_withdrawal_view(item);
}

static int
run_list(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"state", true, NULL}, {"account", true, NULL}};
    const char *pos[1];
    size_t npos, count;
    bs_wd_state state;
    bs_withdrawal *list;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 2, pos, 0, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (opts[0].value != NULL && bs_wd_state_parse(opts[0].value, &state) != BS_OK) {
        bs_cli_error("invalid state \"%s\" (requested, signed, broadcast, confirmed or refused)",
                     opts[0].value);
        return BS_EXIT_USAGE;
    }
    if (opts[1].value != NULL && !bs_name_valid(opts[1].value))
        return bs_cli_invalid(BS_FIELD_NAME, opts[1].value);
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_withdraw_list(ctx, opts[1].value, opts[0].value != NULL ? &state : NULL, &list, &count);
    if (st == BS_NOTFOUND)
        return bs_cli_refuse("no account \"%s\"", opts[1].value);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot list the withdrawals");
    rc = bs_cli_print_list(list, count, sizeof(*list), view_item);
    bs_withdraw_list_free(list, count);
    return rc;
}

const bs_cli_command bs_cli_withdraw_commands[] = {
    {"withdraw", "NAME --amount SATS --to ADDRESS [--request ID]",
     "ask to pay part of an account's balance out to a bitcoin address",
     "Reserves SATS plus the operator's fee (--withdraw-fee-bp, rounded up to the satoshi)\n"
     "from NAME's balance, with a ledger entry, and records the request; 'bitslot\n"
     "withdrawals process' pays it. ADDRESS must be an address of --network. SATS is at\n"
     "least --min-withdrawal. Refused while NAME is buying a slot. The same --request ID\n"
     "again is the same withdrawal, never a second one. Prints the request as JSON.\n",
     run_withdraw},
    {"withdrawals process", "",
     "pay every waiting withdrawal in one transaction of the payout wallet",
     "Finishes an interrupted batch, broadcasts again what was recorded and not yet\n"
     "confirmed (the same transaction), follows confirmations, then pays every waiting\n"
     "request in one transaction built and signed by the node's payout wallet\n"
     "(--payout-wallet), recorded on each request before it is broadcast. A refusal by\n"
     "the node (not enough funds, an address it rejects) gives each request's amount and\n"
     "fee back once, with the node's reason. Safe to run again and from several places\n"
     "at once. Prints what it did as JSON.\n",
     run_process},
    {"withdrawals list", "[--state S] [--account NAME]", "list withdrawals and their states",
     "Every withdrawal, oldest first (an account's: newest first), as JSON: amount, fee,\n"
     "address, state (requested, signed, broadcast, confirmed, refused), txid,\n"
     "confirmations and, when refused, the node's reason.\n",
     run_list},
    {NULL, NULL, NULL, NULL, NULL},
};
