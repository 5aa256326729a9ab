/*
 * credit.h — paying sellers and the operator for sold slots (DESIGN.md §5),
 * each exactly once, only after the buyer's debit is final.
 *
 * A slot's debit is final once campaign.last reaches it (purchase.h). The
 * seller's account keeps a watermark per campaign: credited[c] = n means
 * slots 0..n are paid. One CAS of the seller's account moves the watermark
 * from n to m and adds, in the same write, one "sale" entry of price − fee
 * per slot n+1..m. The operator's account does the same with fees[c] and
 * "fee" entries. There is no lock: a CAS that finds the watermark moved just
 * reads again, so two crediting processes can never pay a slot twice.
 *
 *   step                  failpoint after it
 *   seller's batch CAS    credit.seller
 *   operator's batch CAS  credit.fee
 */
#ifndef BS_CREDIT_H
#define BS_CREDIT_H

#include "core/ctx.h"
#include "model/names.h"

/* How many slots one crediting CAS pays at most. */
#define BS_CREDIT_BATCH 100

/* Credit the seller and the operator for every slot of `campaign` up to
 * campaign.last. Safe to run anywhere, any number of times, concurrently.
 * BS_OVERFLOW when a payee cannot take what it is owed (its balance would
 * pass 21 million BTC): what fits is paid, the rest stays owed, and the
 * other payee is paid all the same. */
bs_status bs_credit_campaign(bs_ctx *ctx, const bs_ref *campaign);

/* Create the operator's account if it does not exist yet. */
bs_status bs_credit_ensure_operator(bs_ctx *ctx);

#endif
