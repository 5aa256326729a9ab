/*
 * recover.h — finishing interrupted work (DESIGN.md principle 3, §6.5).
 *
 * Nothing here decides anything new: every intent already recorded is
 * carried out by the same idempotent steps that the interrupted request
 * would have taken (purchase.h, credit.h, books.h). It is therefore safe to
 * run at any moment, from any number of processes at once.
 */
#ifndef BS_RECOVER_H
#define BS_RECOVER_H

#include <stddef.h>

#include "core/ctx.h"

/* Finish the account's lock, if any, pay it for the final sales of its
 * campaigns, and flush its ledger. */
bs_status bs_recover_account(bs_ctx *ctx, const char *canon);

typedef struct bs_recover_report {
    size_t accounts;  /* accounts looked at */
    size_t purchases; /* interrupted purchases finished */
    size_t campaigns; /* campaigns looked at (sold slots completed, sellers paid) */
} bs_recover_report;

/* Everything, in pages: every account, then every campaign. */
bs_status bs_recover_all(bs_ctx *ctx, bs_recover_report *report);

#endif
