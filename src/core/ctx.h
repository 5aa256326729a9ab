/*
 * ctx.h — what every core operation is given: the store, the clock, the id
 * source and the service's settings. No core code reads globals, the wall
 * clock or the environment (DESIGN.md principles 1 and 6).
 */
#ifndef BS_CTX_H
#define BS_CTX_H

#include <stdint.h>

#include "chain/network.h"
#include "chain/rpc.h"
#include "model/names.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/id.h"

#define BS_FEE_BP_DEFAULT          150 /* 1.5 % */
#define BS_CONFIRMATIONS_DEFAULT   1
#define BS_MIN_DEPOSIT_DEFAULT     10000 /* satoshis */
#define BS_CHECK_INTERVAL_DEFAULT  10    /* seconds */
#define BS_OPERATOR_DEFAULT        "operator"
#define BS_MIN_WITHDRAWAL_DEFAULT  100000 /* satoshis */
#define BS_WITHDRAW_FEE_BP_DEFAULT 150    /* 1.5 % */

typedef struct bs_ctx {
    bs_store *store;
    bs_clock clock;
    bs_idsrc ids;
    int64_t fee_bp;        /* the operator's fee on a sale, in basis points */
    bs_name operator_name; /* the account fees go to: always "operator", a
                              property of the store (its fees are paid to
                              that account), not a setting */
    /* Funding with bitcoin (DESIGN.md §4). */
    bs_rpc *node;           /* the node's watch-only wallet; NULL: none set */
    bs_network network;     /* addresses and keys are checked against it */
    int64_t confirmations;  /* a deposit counts once this deep */
    int64_t min_deposit;    /* "Done" refuses less (satoshis) */
    int64_t check_interval; /* seconds between node checks per account */
    /* Withdrawals (core/withdraw.h, core/payout.h). */
    bs_rpc *payout;          /* the node's payout wallet; NULL: none set */
    int64_t min_withdrawal;  /* satoshis */
    int64_t withdraw_fee_bp; /* the operator's fee on a withdrawal */
    /* Told of every sale this process completes (NULL: nobody), so that
     * a server's background loop credits it and copies the buyer's ledger
     * entry out soon (web/sweeper.h). A hint only: crediting never depends
     * on it (core/credit.h). */
    void (*sold)(void *arg, const bs_ref *campaign, const char *buyer);
    void *sold_arg;
} bs_ctx;

/* Fill `ctx` with the defaults: system clock, random ids, 1.5 % fee to
 * "operator", main network, no node. The store (and a node set later) are
 * the caller's. */
void bs_ctx_init(bs_ctx *ctx, bs_store *store);

/* A call to the node that failed with `st`: counted and logged for the
 * operator (`what` names the call, `subject` its argument), and answered as
 * BS_NODE_DOWN when the node could not do it (unreachable, timed out, or an
 * error of its own), else as `st`. Also BS_NODE_DOWN when no node is set. */
bs_status bs_ctx_node_failed(bs_status st, const bs_rpc_error *err, const char *what,
                             const char *subject);

/* A call to the node's wallet (ctx->node) that failed with `st`: true when
 * the node said it has no such wallet loaded (-18: a node restarted without
 * loading it) and the wallet is loaded again, or made again watch-only as
 * at the start (bs_rpc_ensure_wallet): then the caller asks once more. */
bool bs_ctx_node_wallet_back(bs_ctx *ctx, bs_status st, const bs_rpc_error *err);

static inline int64_t
bs_ctx_now(const bs_ctx *ctx)
{
    return bs_clock_now(&ctx->clock);
}

#endif
