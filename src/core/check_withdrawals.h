/*
 * check_withdrawals.h — the withdrawals' part of `bitslot check`
 * (core/check.c calls it): every withdrawal is reserved once by its
 * account's ledger; a hold on an account is a withdrawal reserved and not
 * yet final, with its document (or unfinished: recovery adds it); a
 * refused withdrawal whose hold is gone was refunded exactly once; a paid
 * one (signed, broadcast, confirmed, or requested again after its
 * transaction was given up) whose hold is gone is money out; each batch's
 * fees reached the operator once, in one entry (a reissued withdrawal's fee
 * stays with the batch that first paid it); no withdrawal entry names
 * nothing. Then the money:
 *   Σ withdrawal entries (out) = reserved + paid − fees credited to the operator.
 */
#ifndef BS_CHECK_WITHDRAWALS_H
#define BS_CHECK_WITHDRAWALS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/account.h"
#include "model/ledger.h"

typedef struct bs_wdcheck bs_wdcheck;

/* A finding (check.c counts and reports it). */
typedef void (*bs_wdcheck_say)(void *arg, bool unfinished, const char *line);

typedef struct bs_wdcheck_sums {
    int64_t reserved; /* Σ holds: amount + fee */
    int64_t paid;     /* Σ paid withdrawals released from their accounts: amount + fee */
    int64_t fees;     /* Σ fees credited to the operator */
} bs_wdcheck_sums;

bs_wdcheck *bs_wdcheck_new(void);
void bs_wdcheck_free(bs_wdcheck *w);

/* Each withdrawal entry of account `canon`, and the account's holds. */
bs_status bs_wdcheck_entry(bs_wdcheck *w, const char *canon, const bs_ledger_entry *e);
bs_status bs_wdcheck_account(bs_wdcheck *w, const char *canon, const bs_account *a);

/* Read the withdrawal documents and the batch, and match. `out_total` is
 * Σ withdrawal entries (positive: out), to compare with the sums. */
bs_status bs_wdcheck_finish(bs_wdcheck *w, bs_ctx *ctx, int64_t out_total, bs_wdcheck_say say,
                            void *arg, bs_wdcheck_sums *sums);

#endif
