/*
 * ctx.c — the default context.
 */
#include <string.h>

#include "core/ctx.h"
#include "util/log.h"
#include "util/metrics.h"

void
bs_ctx_init(bs_ctx *ctx, bs_store *store)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->store = store;
    ctx->clock = bs_clock_system();
    ctx->ids = bs_idsrc_random();
    ctx->fee_bp = BS_FEE_BP_DEFAULT;
    memcpy(ctx->operator_name, BS_OPERATOR_DEFAULT, sizeof(BS_OPERATOR_DEFAULT));
    ctx->network = BS_NETWORK_MAIN;
    ctx->confirmations = BS_CONFIRMATIONS_DEFAULT;
    ctx->min_deposit = BS_MIN_DEPOSIT_DEFAULT;
    ctx->check_interval = BS_CHECK_INTERVAL_DEFAULT;
    ctx->min_withdrawal = BS_MIN_WITHDRAWAL_DEFAULT;
    ctx->withdraw_fee_bp = BS_WITHDRAW_FEE_BP_DEFAULT;
}

bs_status
bs_ctx_node_failed(bs_status st, const bs_rpc_error *err, const char *what, const char *subject)
{
    bs_metric_add(BS_METRIC_NODE_ERRORS, 1);
    bs_log_error("node: %s \"%s\": %s %s", what, subject, bs_strerror(st),
                 err != NULL ? err->message : "");
    return st == BS_UNAVAILABLE || st == BS_TIMEOUT || st == BS_REMOTE ? BS_NODE_DOWN : st;
}

bool
bs_ctx_node_wallet_back(bs_ctx *ctx, bs_status st, const bs_rpc_error *err)
{
    bs_rpc_error again;
    bs_status ensured;

    if (ctx->node == NULL || st != BS_REMOTE || err == NULL ||
        err->code != BS_RPC_ERR_WALLET_NOT_FOUND)
        return false;
    ensured = bs_rpc_ensure_wallet(ctx->node, &again);
    if (ensured != BS_OK) {
        bs_log_error("node: the wallet is not loaded and cannot be loaded again: %s %s",
                     bs_strerror(ensured), again.message);
        return false;
    }
    bs_log_warning("node: the wallet was not loaded (the node restarted?); loaded it again");
    return true;
}
