/*
 * payout.h — paying the waiting withdrawals (issue 11): every waiting
 * request in one transaction, built and signed by the node's payout wallet
 * (ctx->payout), recorded before it is broadcast, so that no request is
 * ever paid by two transactions.
 *
 * The batch lives in the one document `payout` (model/withdrawal.h):
 *
 *   idle ──claim──▶ open{batch, requests} ──record──▶ signed{txid, hex} ──▶ idle
 *                        │ the node refuses
 *                        ▼
 *                   refusing{reason, which} ──▶ those refused, each refunded once ──▶ idle
 *
 *   1. claim: the requests waiting (up to BS_PAYOUT_MAX, one per address:
 *      a second request to an address goes in the next transaction, made in
 *      the same run once the node has this one),
 *      by the add or CAS that makes `payout` open. Only one batch is open at
 *      a time; whoever finds one open finishes it.     failpoint payout.claimed
 *   2. build: one builder at a time, by a lease on the open batch (CAS;
 *      BS_PAYOUT_LEASE seconds, then another may take over from a builder
 *      that died, first unlocking the coins it left locked). The wallet makes
 *      and signs one transaction, one output per request, change back to
 *      itself, its inputs locked in the wallet.
 *   3. record: CAS payout open{builder: me} → signed{txid, hex}. A builder
 *      replaced meanwhile records nothing; it unlocks its inputs and its
 *      transaction is never sent.                        failpoint payout.signed
 *   4. mark: each request requested → signed{batch, txid, hex}: the
 *      transaction is recorded on each request before it is broadcast.
 *                                                       failpoint payout.marked
 *   5. fees: the operator's account gets the batch's fees in one ledger
 *      entry, exactly once (the entry number is chosen first and recorded in
 *      `payout`, as credit.h does for sales).             failpoint payout.fees
 *   6. release: each account's hold is dropped (the money left with the
 *      transaction); then `payout` back to idle.       failpoint payout.released
 *   A refusal by the node (insufficient funds, an address it rejects: then
 *   only the requests to it) is recorded the same way first — CAS open{me}
 *   → refusing{reason, which} — so a batch is either paid or refused, never
 *   both; then those requests are marked refused with the node's reason
 *   (payout.refused), and each account gets amount + fee back in the CAS
 *   that drops its hold (payout.refunded): exactly once, because the hold
 *   goes with it. The others wait for the next batch.
 *
 * Following (core/payout_follow.h): each recorded transaction is sent
 * again until the node has it — the same one, never one rebuilt from other
 * inputs while it could still confirm — and followed to its confirmation.
 * No new batch is claimed while a recorded transaction is not yet the
 * node's (unless the node says its coins are spent already), so a new one
 * can never spend its inputs. One whose coins something else spent (the
 * payout wallet used by hand) can never confirm: once that has stayed so
 * for BS_PAYOUT_DEAD_DEPTH blocks, its requests go back to requested —
 * "reissued", their money already out of the accounts and their fees
 * already the operator's — and the next batch pays them (never their fee
 * again, never a refund).
 */
#ifndef BS_PAYOUT_H
#define BS_PAYOUT_H

#include <stddef.h>

#include "chain/rpc.h"
#include "core/ctx.h"
#include "model/withdrawal.h"

/* Seconds a builder has to build and record a batch's transaction before
 * another may take over (a builder that died). */
#define BS_PAYOUT_LEASE 120

/* Blocks a recorded transaction's coins must stay spent by another (the
 * node refusing it: "bad-txns-inputs-missingorspent") before it is given up
 * and its requests paid by a new transaction. */
#define BS_PAYOUT_DEAD_DEPTH 6

/* Transactions one run makes at most: requests to one address go one to a
 * transaction (a transaction has one output per address). */
#define BS_PAYOUT_ROUNDS 16

typedef struct bs_payout_report {
    size_t paid;                       /* requests in a transaction this run recorded */
    size_t refused;                    /* requests refused (and refunded) by this run */
    size_t broadcast;                  /* transactions the node took from this run */
    size_t confirmed;                  /* requests confirmed by this run */
    size_t waiting;                    /* requests still waiting after this run */
    size_t stuck;                      /* transactions the node will not take (see the log) */
    size_t reissued;                   /* transactions given up: their coins spent by another */
    char txid[BS_TXID_LEN + 1];        /* the transaction this run recorded, or "" */
    char reason[BS_WD_REASON_MAX + 1]; /* the node's reason when it refused */
} bs_payout_report;

/* Finish the open batch, follow what was paid, and pay what waits. Safe to
 * run anywhere, any number of times, concurrently. BS_NODE_DOWN: the node
 * (or its payout wallet) cannot be reached, or no payout wallet is set;
 * what was done before stands and the rest is done by the next run. */
bs_status bs_payout_process(bs_ctx *ctx, bs_payout_report *report);

#endif
