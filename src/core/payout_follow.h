/*
 * payout_follow.h — following the transactions that pay withdrawals
 * (core/payout.h): each recorded one is looked up in the payout wallet;
 * one with no confirmation is sent again (the same transaction: the node
 * takes it back if it dropped it, and answers its txid if it has it);
 * signed → broadcast → confirmed once ctx->confirmations deep (at least 1);
 * one whose coins something else spent is noted, and given up
 * BS_PAYOUT_DEAD_DEPTH blocks later (its requests back to requested, to be
 * paid by a new transaction).
 */
#ifndef BS_PAYOUT_FOLLOW_H
#define BS_PAYOUT_FOLLOW_H

#include <stdbool.h>

#include "core/ctx.h"
#include "core/payout.h"

/* Follow every recorded transaction, or only `only` (a txid; NULL: all),
 * adding to *report. *unsent: a recorded transaction the node would not
 * take, for a reason other than its coins being spent (no new batch may
 * then be built: it could spend that one's coins). */
bs_status bs_payout_follow(bs_ctx *ctx, bs_payout_report *report, const char *only, bool *unsent);

#endif
