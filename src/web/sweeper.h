/*
 * sweeper.h — the background loop of `bitslot serve`: every interval, the
 * same recovery as `bitslot recover` (purchases, credits, ledgers, key
 * imports; with a node, key hand-outs, fills and late deposits; with a
 * payout wallet, withdrawals paid and followed, core/payout.h), and the
 * removal of sessions that expired and throttle windows long over. Any number
 * of serve processes may sweep one store at once: every step is safe to
 * repeat and to race (DESIGN.md §3-4).
 *
 * Between sweeps it pays sellers and the operator soon after a sale: the
 * process's purchases tell it which campaign sold to whom
 * (bs_web_sweeper_sold, the ctx->sold hook of core/ctx.h), and it credits
 * that campaign (core/credit.h) and copies the buyer's ledger entries out
 * (core/books.h) at once. A hint is only a
 * hint — lost in a crash, or beyond the queue's room, the next sweep pays
 * the same; the store is the only truth.
 *
 * Invariant: one log line per sweep that did or left something; a quiet
 * sweep says nothing.
 */
#ifndef BS_WEB_SWEEPER_H
#define BS_WEB_SWEEPER_H

#include <stdint.h>

#include "core/ctx.h"
#include "model/names.h"

typedef struct bs_web_sweeper bs_web_sweeper;

/* Start sweeping every `interval` seconds (the first sweep at once) on a
 * thread of its own, with a copy of `ctx` and its own node handle when
 * `node_url` is set, and its own handle of the node's wallet
 * `payout_wallet` when that is set too (NULL: no payouts). */
bs_status bs_web_sweeper_start(const bs_ctx *ctx, const char *node_url, const char *payout_wallet,
                               int64_t interval, bs_web_sweeper **out);

/* A sale of `campaign` to `buyer` (canonical) was made by this process:
 * credit it soon. Cheap, never blocks on the store (a full queue drops the
 * hint: the sweep does the same). */
void bs_web_sweeper_sold(void *sweeper, const bs_ref *campaign, const char *buyer);

/* Stop (waiting for a sweep under way) and free. NULL is a no-op. */
void bs_web_sweeper_stop(bs_web_sweeper *sweeper);

#endif
