/*
 * funding.h — the bitcoin key state machine of the seed (DESIGN.md §4), on
 * the account document beside its lock, so one CAS sees both:
 *
 *   none --Get Key--> getting{set, page, request} --key claimed--> have{address}
 *        --Done--> none
 *
 *   transition        function                       failpoint after it
 *   none → getting    bs_funding_get_key             key.getting
 *   (claim a key)     bs_keys_claim (keys.h)         key.claimed, fill.*
 *   getting → have    bs_funding_get_key             key.handed-out
 *   (owner recorded)  bs_keys_record_owner (keys.h)  key.recorded
 *   getting → none    (no key left, node down)       key.none-left (before it)
 *   have → none       bs_funding_done (credit)       funds.credited
 *   late deposit      bs_funding_sweep (credit)      funds.swept
 *
 * The seed's rules:
 *   - While the account is locked (a purchase in progress) every key
 *     transition is refused with BS_LOCKED ("retry in a few seconds"),
 *     getting → have and getting → none included: all of them go through
 *     one guard that reads the lock inside the very CAS of the transition. A
 *     key transition never blocks a purchase.
 *   - Every transition re-reads the account and checks the lock and the
 *     state just before its CAS; a state another tab changed is BS_CONFLICT
 *     ("use one tab at a time"), never silent; a transition of this very
 *     request already made (a write sent again) is done, not a conflict.
 *   - The user's next action finishes what the account was in the middle
 *     of: Get Key, Check and Done first finish a purchase a crash left
 *     holding the lock (recover.h), then go on.
 *   - `getting` is finished by whoever sees it next: Get Key again, or the
 *     sweeper. A request's own claimed key is looked for before anything
 *     else; getting → none only when the request holds no key.
 *   - Pending and confirmed amounts are not stored: they are asked of the
 *     node (at most once per check interval per account; a cache document
 *     answers in between). Done asks the node itself, then credits, in one
 *     CAS, what was confirmed beyond what that key already had credited.
 *   - A key stays watched after Done: later money on it is credited by the
 *     sweeper, exactly once (the per-key credited amount is on the account).
 */
#ifndef BS_FUNDING_H
#define BS_FUNDING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/recover.h"
#include "model/account.h"

/* Get Key: the account's current key, getting one if it has none (or
 * finishing a `getting` left by a crash). BS_LOCKED: a purchase is in
 * progress; BS_CONFLICT: another tab changed the key state; BS_EXHAUSTED:
 * out of keys; BS_NODE_DOWN: the node cannot be reached; BS_NOTFOUND: no
 * such account. After BS_EXHAUSTED or BS_NODE_DOWN the account is back to
 * none: asking again later starts afresh. */
bs_status bs_funding_get_key(bs_ctx *ctx, const char *name, char address[BS_ADDRESS_MAX]);

typedef struct bs_funding_status {
    char address[BS_ADDRESS_MAX];
    int64_t pending;   /* received, not yet with enough confirmations */
    int64_t confirmed; /* confirmed and not yet credited */
    bool cached;       /* answered from the cache (the node was asked less
                          than a check interval ago) */
} bs_funding_status;

/* Check for Pending / Confirmed on the current key. BS_NOTFOUND when the
 * account has no key (status->address is then ""). */
bs_status bs_funding_check(bs_ctx *ctx, const char *name, bs_funding_status *status);

/* Done With This Key. On BS_OK, *credited is what was added and *balance
 * the new balance. BS_INSUFFICIENT: less than ctx->min_deposit confirmed
 * (*credited says how much); BS_NOTFOUND: no key; BS_LOCKED, BS_CONFLICT as
 * for Get Key. */
bs_status bs_funding_done(bs_ctx *ctx, const char *name, int64_t *credited, int64_t *balance);

typedef struct bs_sweep_report {
    size_t keys_finished; /* `getting` states finished */
    size_t credits;       /* late deposits credited */
    size_t problems;      /* accounts left for a later sweep, each given to `note` */
} bs_sweep_report;

/* The sweeper: finish `getting` states and key fills, record the owners of
 * keys in use, and credit money that arrived on retired keys. Accounts
 * locked by a purchase are left for the next sweep; an account that cannot
 * be finished (a credit that would pass 21 million BTC...) is given to
 * `note` (may be NULL) and the sweep goes on. BS_OK unless an outage (the
 * store or the node unavailable) stopped it. */
bs_status bs_funding_sweep(bs_ctx *ctx, bs_sweep_report *report, bs_recover_note note, void *arg);

#endif
