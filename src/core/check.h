/*
 * check.h — `bitslot check`: verify every invariant of DESIGN.md §6 over the
 * whole store, reading only. See check.c for the list.
 */
#ifndef BS_CHECK_H
#define BS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

typedef struct bs_check_summary {
    size_t accounts;
    size_t campaigns;
    size_t slots;
    size_t entries;
    size_t violations;
    size_t unfinished;   /* operations a crash interrupted, which recovery
                            finishes: not damage, but not settled books */
    int64_t balances;    /* Σ balances */
    int64_t owed;        /* Σ debited from buyers, not yet credited */
    int64_t adjustments; /* Σ adjustment entries */
    int64_t deposits;    /* Σ deposit entries */
    int64_t withdrawals; /* Σ withdrawal entries (positive) */
    /* ... = withdrawals_reserved + withdrawals_paid − withdrawal_fees */
    int64_t withdrawals_reserved; /* held on accounts, not yet final */
    int64_t withdrawals_paid;     /* paid out: amount + fee */
    int64_t withdrawal_fees;      /* the operator's part of that, credited */
} bs_check_summary;

/* Called once per finding with one line describing it: a violation of an
 * invariant, or (`unfinished`) an operation left in the middle that `bitslot
 * recover` finishes — the normal state after a crash, or of an operation at
 * work while the check reads. */
typedef void (*bs_check_report)(void *arg, bool unfinished, const char *line);

/* Check everything. BS_OK when the check ran (sum->violations and
 * sum->unfinished say whether anything was wrong or not settled); a store
 * error otherwise. */
bs_status bs_check_run(bs_ctx *ctx, bs_check_report report, void *arg, bs_check_summary *sum);

#endif
