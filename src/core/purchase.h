/*
 * purchase.h — buying the next slot of a campaign (DESIGN.md §3), and
 * finishing any purchase that a crash interrupted.
 *
 *   account unlocked ──lock (CAS: intent, balance ≥ price)──▶ locked{fill}
 *   locked{fill} ──add slot n──▶ slot n ours ──debit + unlock (one CAS)──▶
 *       unlocked, entry "purchase" ──advance campaign.last (CAS, forward
 *       only)──▶ done: four writes on the path. The seller's and the
 *       operator's credits (credit.h) and the copy of the ledger entry
 *       (books.h) follow off the path, in batches.
 *   locked{fill} ──add slot n: someone else's──▶ unlock, no debit (SOLD)
 *
 *   transition              function                 failpoint after it
 *   lock                    bs_purchase_buy          purchase.locked
 *   add slot                bs_purchase_resume       purchase.slot-added
 *   debit + unlock          bs_purchase_resume       purchase.debited
 *   unlock after losing     bs_purchase_resume       purchase.lost-unlocked
 *   advance campaign.last   bs_purchase_resume       purchase.campaign-advanced
 *
 * Every step after the lock is idempotent and follows from the intent alone,
 * so anyone may run bs_purchase_resume() on a locked account, any number of
 * times, at any moment: the buyer's next request, another process, or the
 * sweeper. Whoever finds a sold slot that campaign.last does not show yet
 * completes that purchase first (bs_purchase_sync).
 *
 * A purchase reads each document it needs once (on etcd every read is a
 * round trip): the buyer's account, the campaign, the next slot's place, the
 * ad, the ad's moderation (adhide/<ad>: an ad the operator hid is not
 * bought; read only for a new order, before its intent is recorded — a
 * purchase already recorded is finished whatever became of its ad), the
 * payees' accounts; the lock, the debit and the campaign's advance start
 * from the document as last read or written (docs.h, *_known) and read
 * again only when their CAS is lost.
 */
#ifndef BS_PURCHASE_H
#define BS_PURCHASE_H

#include <stdint.h>

#include "core/ctx.h"
#include "model/account.h"
#include "model/adhide.h"
#include "model/campaign.h"

typedef struct bs_purchase_order {
    const char *buyer; /* account name, any case */
    bs_ref campaign;
    bs_ref ad;
    int64_t max_price;   /* refuse to pay more; < 0: no limit */
    int64_t expect_slot; /* refuse unless this is the slot for sale; < 0: any */
    const char *request; /* the purchase's request id (BS_ID_LEN hex), one
                            given so that retries name the same purchase
                            (core/purchase_once.h); NULL: a new one */
} bs_purchase_order;

typedef struct bs_purchase_result {
    bs_slot slot;        /* BS_OK: the slot bought */
    int64_t price;       /* the price asked */
    int64_t balance;     /* the buyer's balance after, or at the refusal */
    int64_t next_slot;   /* the slot that was for sale */
    const char *subject; /* on NOTFOUND/MISMATCH/FORBIDDEN: "account",
                            "campaign", "ad", "category" or "hidden"; on
                            OVERFLOW: "seller" or "operator" */
    const char *detail;  /* FORBIDDEN: the disallowed category (lives as
                            long as the result) */
    char detail_buf[64];
    bs_name sold_to;                            /* SOLD: who bought the slot (canonical) */
    int64_t ad_width, ad_height;                /* MISMATCH: the ad's size */
    int64_t want_width, want_height;            /* MISMATCH: the campaign's */
    char hidden_reason[BS_HIDE_REASON_MAX + 1]; /* FORBIDDEN "hidden": the operator's reason */
    bs_status cause; /* UNCERTAIN after the intent was recorded: the outage that
                        stopped the rest (BS_NOSPACE: a full disk); else BS_OK */
} bs_purchase_result;

/* Buy the next slot. Statuses: BS_OK; BS_NOTFOUND (subject says what);
 * BS_MISMATCH (the ad's size is not the campaign's); BS_FORBIDDEN (the ad has
 * a category the campaign disallows, is not the buyer's, or was hidden by
 * the operator: subject "hidden", res->hidden_reason why); BS_STALE (the
 * slot for sale is not expect_slot); BS_PRICE_LIMIT; BS_INSUFFICIENT;
 * BS_LOCKED (another purchase of this account is in progress at this very
 * moment: retry in a few seconds; one that a crash left is finished first,
 * and then this one goes on); BS_OVERFLOW (crediting the sale would take the
 * seller's or the operator's balance past 21 million BTC; subject says
 * whose); BS_SOLD (someone else got the slot first: no debit); BS_CONFLICT
 * (too much contention: retry); BS_UNCERTAIN (the intent is recorded, but
 * the store stopped answering before the purchase was finished: the
 * account's next touch finishes it); store errors. */
bs_status bs_purchase_buy(bs_ctx *ctx, const bs_purchase_order *order, bs_purchase_result *res);

/* What became of the purchase with request id `request` of account/<canon>:
 * finished now if it is in progress (or was stopped by a crash). BS_OK with
 * res->slot when it bought its slot; BS_SOLD when it lost it to another
 * buyer; BS_NOTFOUND when the account shows no such purchase (it never took
 * the lock: nothing was bought). A purchase older than the account's recent
 * requests is looked for in the ledger entries after `ledger_at` - 1 (0:
 * not looked for). */
bs_status bs_purchase_outcome(bs_ctx *ctx, const char *canon, const char *request,
                              int64_t ledger_at, bs_purchase_result *res);

/* Finish the purchase recorded as `fill` on account/<canon> (see above).
 * BS_OK when the slot is the buyer's and paid for (then *slot, if not NULL,
 * is it); BS_SOLD when someone else had it and the buyer was unlocked
 * without a debit. */
bs_status bs_purchase_resume(bs_ctx *ctx, const char *canon, const bs_fill_intent *fill,
                             bs_slot *slot);

/* Complete every sold slot that campaign.last does not show yet, then read
 * the campaign into *out. */
bs_status bs_purchase_sync(bs_ctx *ctx, const bs_ref *campaign, bs_campaign *out);

/* The slot for sale now and its price, after bs_purchase_sync. */
typedef struct bs_purchase_quote {
    bs_campaign campaign;
    uint32_t next_slot;
    int64_t price;
    int64_t start;
    int64_t end;
} bs_purchase_quote;

bs_status bs_purchase_quote_now(bs_ctx *ctx, const bs_ref *campaign, bs_purchase_quote *quote);

/* The same from a campaign as read (no store access, no sync): what a
 * process that keeps a campaign in memory (the server's embed and live
 * events) quotes at `now` between two reads. */
void bs_purchase_quote_at(const bs_campaign *campaign, int64_t now, bs_purchase_quote *quote);

/* The campaign as `campaign show` and the API show it: its view with
 * price_now and next_slot {index, start, end}. NULL when out of memory. */
json_t *bs_purchase_quote_view(const bs_purchase_quote *quote);

#endif
