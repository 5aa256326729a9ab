/*
 * credit.h — paying sellers and the operator for sold slots (DESIGN.md §3,
 * §5), each exactly once, only after the buyer's debit is final, off the
 * purchase's path and in batches.
 *
 * A slot's debit is final once campaign.last reaches it (purchase.h). How
 * far a campaign's sales are paid lives in its own document
 * credit/<owner>/<i> (model/credit.h), one mark per payee: the seller gets
 * price − fee per slot, the operator the fee. A batch pays up to
 * BS_CREDIT_BATCH slots in two CASes:
 *
 *   1. reserve: CAS credit/<c>: paid n → m and batch {from n, first slot,
 *      at E}, where E is the payee's ledger_next as just read, and m is as far
 *      as fits (the balance stays ≤ 21 M BTC, the entries fit its pending
 *      list at E).                                failpoint credit.*-reserved
 *   2. apply: CAS account/<payee> only if its ledger_next is still E: one
 *      "sale" (or "fee") entry per slot n+1..m, numbered from E.
 *                                                 failpoint credit.seller/fee
 *
 * Exactly once without a lock: the batch is applied iff the payee's entry E
 * is the entry of its first slot. Step 2 can only ever happen at E — and
 * ledger numbers never repeat — so once the account's ledger has moved past
 * E without it, nobody can apply it any more; only then is the batch moved
 * to the account's new ledger_next (and shrunk to what fits there), by a
 * CAS of credit/<c> that expects it still at E. Anyone may run any step
 * again, any number of times, concurrently: the batch, not the runner,
 * says what is paid. Each step is one write for up to BS_CREDIT_BATCH sales.
 */
#ifndef BS_CREDIT_H
#define BS_CREDIT_H

#include <stdbool.h>

#include "core/ctx.h"
#include "model/credit.h"
#include "model/names.h"

/* How many slots one batch pays at most. */
#define BS_CREDIT_BATCH 100

/* Credit the seller and the operator for every slot of `campaign` up to
 * campaign.last. Safe to run anywhere, any number of times, concurrently.
 * BS_OVERFLOW when a payee cannot take what it is owed (its balance would
 * pass 21 million BTC): what fits is paid, the rest stays owed, and the
 * other payee is paid all the same. */
bs_status bs_credit_campaign(bs_ctx *ctx, const bs_ref *campaign);

/* Create the operator's account if it does not exist yet. */
bs_status bs_credit_ensure_operator(bs_ctx *ctx);

/* The credit document of `campaign` (a fresh one, nothing paid, when it has
 * none yet). */
bs_status bs_credit_read(bs_ctx *ctx, const bs_ref *campaign, bs_credit *out);

/* Is the slot `index` of `campaign` paid to payee `who` (as `c`, read by
 * bs_credit_read, says)? Reads the payee's ledger when the slot is in the
 * payee's recorded batch. */
bs_status bs_credit_paid(bs_ctx *ctx, const bs_credit *c, bs_payee who, int64_t index, bool *paid);

#endif
