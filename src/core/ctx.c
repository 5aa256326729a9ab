/*
 * ctx.c — the default context.
 */
#include <string.h>

#include "core/ctx.h"

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
}
