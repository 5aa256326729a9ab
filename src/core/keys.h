/*
 * keys.h — key dispersement (DESIGN.md §4): filling key set pages from the
 * huge key list (keylist.h; keys get there by keyimport.h), and handing out
 * each key exactly once, with no hot document. The documents are in
 * model/keys.h.
 *
 * Handing out a key to request R of account A, starting at page Y of set N:
 *   1. if R already claimed a key on page Y or a later page of set N: that key
 *      (looked for first, before anything else, so that a request never
 *      loses the key it holds)
 *   2. else CAS the current page: the first free key := {R, A}
 *                                                    [failpoint key.claimed]
 *      a full page: fill the next one (below), then again
 *   3. (funding.h) the account moves to have{address}, then
 *      CAS key/<address>: owner := A (an owner is set once)
 *                                                    [failpoint key.recorded]
 *      so an owner on a key document always holds the key; a key claimed by
 *      a request whose account gave up on it stays claimed and unused.
 * Filling page Y+1 of set N (anyone who finds page Y full, or a fill lock):
 *   a. CAS keyset/N: fill := {F, Y+1, list page}     [failpoint fill.locked]
 *   b. the range claimed by F in the list, or CAS the first free range:
 *      claim := {N, Y+1, F}                          [failpoint fill.range-claimed]
 *      none left: the fill is dropped (CAS) and the answer is "out of keys"
 *   c. the node is told to watch every key of the range (idempotent)
 *   d. add keyset/N/Y+1 with the range's keys       [failpoint fill.page-added]
 *   e. CAS keyset/N: page := Y+1, fill := none
 * Every step can be redone by anyone from what the documents record, so a
 * crash anywhere is finished by the next request or by the sweeper.
 */
#ifndef BS_KEYS_H
#define BS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/keylist.h"
#include "core/recover.h"
#include "model/keys.h"

/* The key of request `request` for account `canon`: the one it claimed
 * earlier, or a new claim (steps 1 and 2 above). BS_EXHAUSTED: the request
 * holds no key and the set cannot be refilled, out of keys (logged);
 * BS_NODE_DOWN: the request holds no key and the node cannot be reached. */
bs_status bs_keys_claim(bs_ctx *ctx, int64_t set, int64_t from_page, const char *request,
                        const char *canon, char address[BS_ADDRESS_MAX]);

/* Step 3: record on key/<address> that account `canon` got it by `request`
 * (idempotent; BS_CORRUPT if another owner is recorded). */
bs_status bs_keys_record_owner(bs_ctx *ctx, const char *address, const char *canon,
                               const char *request);

/* Read key/<address>. */
bs_status bs_keys_owner(bs_ctx *ctx, const char *address, bs_keydoc *out);

/* A set for a new request, and its current page (-1 before its first).
 * BS_EXHAUSTED when no key was ever added; BS_MISMATCH when the store's keys
 * are for another network than ctx->network. */
bs_status bs_keys_pick(bs_ctx *ctx, int64_t *set, int64_t *page);

/* A set whose current page still has a free key (when the set first picked
 * cannot be refilled). BS_EXHAUSTED when there is none. */
bs_status bs_keys_pick_free(bs_ctx *ctx, int64_t *set, int64_t *page);

/* Finish every fill left in progress (the sweeper). A key set that cannot
 * be finished is counted in *problems and given to `note` (may be NULL),
 * and the others go on. */
bs_status bs_keys_finish_fills(bs_ctx *ctx, size_t *problems, bs_recover_note note, void *arg);

/* Tell the node again to watch every key on a page (after the node or its
 * wallet was replaced), rescanning the chain for past payments when
 * `rescan`. *count is the number of keys. */
bs_status bs_keys_watch_all(bs_ctx *ctx, bool rescan, int64_t *count);

typedef struct bs_keys_stats {
    int64_t total;      /* keys in the list */
    int64_t unpaged;    /* keys in ranges no fill has claimed yet */
    int64_t on_pages;   /* keys on pages */
    int64_t claimed;    /* keys on pages claimed by a request */
    int64_t handed_out; /* keys whose owner is recorded */
    int64_t unused;     /* claimed on a page, never handed out */
    int64_t available;  /* unpaged + free on pages */
    int64_t filling;    /* sets with a fill in progress */
} bs_keys_stats;

bs_status bs_keys_status(bs_ctx *ctx, bs_keys_stats *out);

#endif
