/*
 * recover.h — finishing interrupted work (DESIGN.md principle 3, §6.5).
 *
 * Nothing here decides anything new: every intent already recorded is
 * carried out by the same idempotent steps that the interrupted request
 * would have taken (purchase.h, credit.h, books.h). It is therefore safe to
 * run at any moment, from any number of processes at once.
 *
 * One item's problem never stops the others: a credit that would take a
 * balance past 21 million BTC, a damaged document, an account too contended
 * to finish now — each is noted (and left for a later run) while the rest
 * goes on. Only an outage (bs_status_outage: the store unavailable, the disk
 * full) stops the work.
 */
#ifndef BS_RECOVER_H
#define BS_RECOVER_H

#include <stddef.h>

#include "core/ctx.h"

/* What could not be finished, for the operator. */
typedef struct bs_recover_problem {
    const char *account;  /* the account concerned (canonical), or NULL */
    const char *campaign; /* "owner/index", or NULL */
    const char *step;     /* what was being done: "purchase", "credit", "ledger", ... */
    bs_status status;
} bs_recover_problem;

/* Called once per problem; the strings live during the call only. */
typedef void (*bs_recover_note)(void *arg, const bs_recover_problem *problem);

/* For work over many items: an item's status `st` that is neither BS_OK nor
 * an outage is counted in *problems, given to `note` (may be NULL), and
 * BS_OK returned so the work goes on; BS_OK and outages are returned as
 * they are. */
bs_status bs_recover_item(bs_recover_note note, void *arg, size_t *problems, bs_status st,
                          const char *account, const char *campaign, const char *step);

/* Finish the account's lock, if any, pay it for the final sales of its
 * campaigns, and flush its ledger: what every touch of an account does
 * first. Problems with one of its campaigns are logged (util/log.h), not
 * returned; only an outage, or a problem with the account's own purchase,
 * is. */
bs_status bs_recover_account(bs_ctx *ctx, const char *canon);

typedef struct bs_recover_report {
    size_t accounts;  /* accounts looked at */
    size_t purchases; /* interrupted purchases finished */
    size_t campaigns; /* campaigns looked at (sold slots completed, sellers paid) */
    size_t imports;   /* interrupted key imports finished or undone */
    size_t problems;  /* items left unfinished, each given to `note` */
} bs_recover_report;

/* Everything, in pages: every account, every campaign, every key import.
 * `note` (may be NULL) hears of each item left unfinished. BS_OK unless an
 * outage stopped the work. A pass that finished a purchase or an import
 * records it (recovered/<id>, model/recovery.h) for `bitslot stats`. */
bs_status bs_recover_all(bs_ctx *ctx, bs_recover_report *report, bs_recover_note note, void *arg);

#endif
