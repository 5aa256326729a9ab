/*
 * purchase.c — see purchase.h for the protocol and its state diagram.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/moderation.h"
#include "core/price.h"
#include "core/purchase.h"
#include "util/failpoint.h"
#include "util/metrics.h"
#include "util/money.h"

/* The slot document a purchase intent adds. */
static void
slot_of_intent(const char *canon, const bs_fill_intent *fill, bs_slot *slot)
{
    memset(slot, 0, sizeof(*slot));
    slot->campaign = fill->campaign;
    slot->index = fill->slot;
    snprintf(slot->buyer, sizeof(slot->buyer), "%s", canon);
    slot->ad = fill->ad;
    slot->price = fill->price;
    slot->fee = fill->fee;
    slot->time = fill->time;
    slot->start = fill->start;
    slot->end = fill->end;
    memcpy(slot->request, fill->request, sizeof(slot->request));
}

static bool
holds_intent(const bs_account *a, const bs_fill_intent *fill)
{
    return a->lock == BS_LOCK_FILL && strcmp(a->fill.request, fill->request) == 0;
}

/* Debit + unlock, one CAS; nothing when the intent is no longer there (an
 * earlier run of this step already did it). */
static bs_status
debit_and_unlock(bs_account *a, void *arg, bool *write)
{
    const bs_fill_intent *fill = arg;
    char ref[BS_REF_MAX];
    bs_status st;

    if (!holds_intent(a, fill)) {
        *write = false;
        return BS_OK;
    }
    bs_slot_ref_format(&fill->campaign, fill->slot, ref);
    st = bs_books_post(a, BS_ENTRY_PURCHASE, -fill->price, fill->time, ref, fill->request, NULL);
    if (st != BS_OK)
        return st;
    a->lock = BS_LOCK_NONE;
    return BS_OK;
}

/* Unlock without a debit: the slot went to someone else. */
static bs_status
unlock_unpaid(bs_account *a, void *arg, bool *write)
{
    const bs_fill_intent *fill = arg;

    if (!holds_intent(a, fill)) {
        *write = false;
        return BS_OK;
    }
    a->lock = BS_LOCK_NONE;
    bs_account_remember_lost(a, fill->request, (int64_t)fill->slot, fill->price);
    return BS_OK;
}

/* campaign.last moves forward only. */
static bs_status
advance_last(bs_campaign *c, void *arg, bool *write)
{
    const bs_slot *slot = arg;

    if (c->has_last && c->last.index >= slot->index) {
        *write = false;
        return BS_OK;
    }
    c->has_last = true;
    c->last = *slot;
    return BS_OK;
}

/* The documents a purchase already holds, with their CASes (NULL: none;
 * then the step reads first). Taken over by the steps. */
typedef struct held {
    bs_account *buyer; /* as written by the lock */
    bs_cas buyer_cas;
    bs_campaign *campaign; /* as read for the quote */
    bs_cas campaign_cas;
} held;

static bs_status
resume(bs_ctx *ctx, const char *canon, const bs_fill_intent *fill, held *h, bs_slot *out)
{
    bs_slot slot;
    bs_status st;

    slot_of_intent(canon, fill, &slot);
    st = bs_docs_add_slot(ctx, &slot);
    if (st == BS_EXISTS) {
        st = bs_docs_update_account_known(ctx, canon, h->buyer, &h->buyer_cas, unlock_unpaid,
                                          (void *)fill, NULL);
        h->buyer = NULL;
        if (st != BS_OK)
            return st;
        bs_failpoint(BS_FP_PURCHASE_LOST_UNLOCKED);
        return BS_SOLD;
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PURCHASE_SLOT_ADDED);

    st = bs_docs_update_account_known(ctx, canon, h->buyer, &h->buyer_cas, debit_and_unlock,
                                      (void *)fill, NULL);
    h->buyer = NULL;
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PURCHASE_DEBITED);

    st = bs_docs_update_campaign_known(ctx, &fill->campaign, h->campaign, &h->campaign_cas,
                                       advance_last, &slot, NULL);
    h->campaign = NULL;
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PURCHASE_CAMPAIGN_ADVANCED);

    /* Crediting the seller and the operator, and copying the ledger entry
     * out, follow off the path (credit.h, books.h). */
    if (ctx->sold != NULL)
        ctx->sold(ctx->sold_arg, &fill->campaign, canon);
    if (out != NULL)
        *out = slot;
    return BS_OK;
}

bs_status
bs_purchase_resume(bs_ctx *ctx, const char *canon, const bs_fill_intent *fill, bs_slot *out)
{
    held none = {NULL, 0, NULL, 0};

    return resume(ctx, canon, fill, &none, out);
}

/* A slot exists beyond campaign.last: finish its purchase (if its buyer still
 * holds the intent) or just advance campaign.last (the debit is done). */
static bs_status
complete_sold_slot(bs_ctx *ctx, const bs_slot *slot)
{
    bs_account buyer;
    bs_status st = bs_docs_account(ctx, slot->buyer, &buyer, NULL);

    if (st != BS_OK)
        return st == BS_NOTFOUND ? BS_CORRUPT : st;
    if (buyer.lock == BS_LOCK_FILL && strcmp(buyer.fill.request, slot->request) == 0) {
        bs_fill_intent fill = buyer.fill;
        bs_account_release(&buyer);
        st = bs_purchase_resume(ctx, slot->buyer, &fill, NULL);
        return st == BS_SOLD ? BS_CORRUPT : st;
    }
    bs_account_release(&buyer);
    return bs_docs_update_campaign(ctx, &slot->campaign, advance_last, (void *)slot, NULL);
}

/* bs_purchase_sync, with the CAS of the campaign as returned. */
static bs_status
sync_campaign(bs_ctx *ctx, const bs_ref *campaign, bs_campaign *out, bs_cas *cas)
{
    for (;;) {
        bs_slot slot;
        uint32_t next;
        bs_status st = bs_docs_campaign(ctx, campaign, out, cas);

        if (st != BS_OK)
            return st;
        next = out->has_last ? out->last.index + 1 : 0;
        st = bs_docs_slot(ctx, campaign, next, &slot);
        if (st == BS_NOTFOUND)
            return BS_OK;
        if (st == BS_OK)
            st = complete_sold_slot(ctx, &slot);
        if (st != BS_OK)
            return st;
    }
}

bs_status
bs_purchase_sync(bs_ctx *ctx, const bs_ref *campaign, bs_campaign *out)
{
    return sync_campaign(ctx, campaign, out, NULL);
}

void
bs_purchase_quote_at(const bs_campaign *campaign, int64_t now, bs_purchase_quote *q)
{
    bs_price_last last = {0};

    memset(q, 0, sizeof(*q));
    q->campaign = *campaign;
    if (campaign->has_last) {
        last.exists = true;
        last.price = campaign->last.price;
        last.time = campaign->last.time;
        last.end = campaign->last.end;
        q->next_slot = campaign->last.index + 1;
    }
    q->price = bs_price_next(campaign->min_price, &last, now);
    q->start = last.exists && last.end > now ? last.end : now;
    q->end = q->start + campaign->slot_seconds;
}

static bs_status
quote_now(bs_ctx *ctx, const bs_ref *campaign, bs_purchase_quote *q, bs_cas *cas)
{
    int64_t now = bs_ctx_now(ctx);
    bs_campaign c;
    bs_status st;

    memset(q, 0, sizeof(*q));
    st = sync_campaign(ctx, campaign, &c, cas);
    if (st != BS_OK)
        return st;
    bs_purchase_quote_at(&c, now, q);
    return BS_OK;
}

bs_status
bs_purchase_quote_now(bs_ctx *ctx, const bs_ref *campaign, bs_purchase_quote *q)
{
    return quote_now(ctx, campaign, q, NULL);
}

typedef struct lock_request {
    bs_fill_intent *fill;
    int64_t balance; /* out: the balance seen */
} lock_request;

static bs_status
take_lock(bs_account *a, void *arg, bool *write)
{
    lock_request *req = arg;

    req->balance = a->balance;
    if (holds_intent(a, req->fill)) {
        /* Our lock, written once already (its answer was lost), or a twin's
         * with the same request id (an Idempotency-Key sent twice at once):
         * the recorded intent is the one to finish. */
        *req->fill = a->fill;
        *write = false;
        return BS_OK;
    }
    if (bs_account_applied(a, req->fill->request) != NULL)
        return BS_EXISTS; /* finished already: see bs_purchase_outcome */
    if (a->lock != BS_LOCK_NONE)
        return BS_LOCKED;
    if (a->balance < req->fill->price)
        return BS_INSUFFICIENT;
    a->lock = BS_LOCK_FILL;
    a->fill = *req->fill;
    return BS_OK;
}

/* Finish whatever the buyer's account was in the middle of (a purchase a
 * crash interrupted, or one of another tab's), then go on. */
static bs_status
finish_earlier_purchase(bs_ctx *ctx, const char *canon, bs_account *buyer)
{
    bs_fill_intent fill;
    bs_status st;

    if (buyer->lock != BS_LOCK_FILL)
        return BS_OK;
    fill = buyer->fill;
    st = bs_purchase_resume(ctx, canon, &fill, NULL);
    return st == BS_SOLD ? BS_OK : st;
}

/* Would crediting this sale take the seller's or the operator's balance past
 * 21 million BTC? Then the sale is refused before it happens (a credit that
 * cannot be applied would stay owed). */
static bs_status
check_payees(bs_ctx *ctx, const char *buyer, const bs_campaign *c, int64_t price, int64_t fee,
             bs_purchase_result *res)
{
    const struct {
        const char *canon;
        int64_t amount;
        const char *subject;
    } payees[] = {{c->id.owner, price - fee, "seller"}, {ctx->operator_name, fee, "operator"}};

    for (size_t i = 0; i < sizeof(payees) / sizeof(payees[0]); i++) {
        bs_account a;
        bs_status st;

        if (payees[i].amount == 0 || strcmp(payees[i].canon, buyer) == 0)
            continue; /* a buyer paying itself only ever loses the fee */
        st = bs_docs_account(ctx, payees[i].canon, &a, NULL);
        if (st == BS_NOTFOUND)
            continue; /* the operator's account is made on its first credit */
        if (st != BS_OK)
            return st;
        st = a.balance > BS_MAX_MONEY - payees[i].amount ? BS_OVERFLOW : BS_OK;
        bs_account_release(&a);
        if (st != BS_OK) {
            res->subject = payees[i].subject;
            return st;
        }
    }
    return BS_OK;
}

/* The checks that do not depend on the moment: the ad is the buyer's, of the
 * campaign's size, and of no category the campaign disallows; and, for a
 * new order (`fresh`), not hidden by the operator. A damaged moderation
 * document is passed over, as the embed passes over it (moderation.h). */
static bs_status
check_ad(bs_ctx *ctx, const char *canon, const bs_campaign *c, const bs_ref *ad_ref, bool fresh,
         bs_purchase_result *res)
{
    const char *category;
    bs_adhide hide;
    bs_ad ad;
    bs_status st;

    if (strcmp(ad_ref->owner, canon) != 0) {
        res->subject = "ad";
        return BS_FORBIDDEN;
    }
    st = bs_docs_ad(ctx, ad_ref, &ad);
    if (st == BS_NOTFOUND)
        res->subject = "ad";
    if (st != BS_OK)
        return st;
    if (ad.width != c->width || ad.height != c->height) {
        res->subject = "ad";
        res->ad_width = ad.width;
        res->ad_height = ad.height;
        res->want_width = c->width;
        res->want_height = c->height;
        return BS_MISMATCH;
    }
    if (bs_categories_intersect(&ad.categories, &c->disallowed, &category)) {
        res->subject = "category";
        snprintf(res->detail_buf, sizeof(res->detail_buf), "%s", category);
        res->detail = res->detail_buf;
        return BS_FORBIDDEN;
    }
    if (!fresh)
        return BS_OK;
    st = bs_moderation_get(ctx, ad_ref, &hide);
    if (st == BS_OK) {
        res->subject = "hidden";
        snprintf(res->hidden_reason, sizeof(res->hidden_reason), "%s", hide.reason);
        return BS_FORBIDDEN;
    }
    return st == BS_NOTFOUND || st == BS_CORRUPT ? BS_OK : st;
}

/* The buyer's account, read once, with nothing left in the way of a new
 * purchase: a purchase a crash interrupted (or another tab's) finished, and
 * the ledger entries copied out once many wait. */
static bs_status
read_buyer(bs_ctx *ctx, const char *canon, bs_account *buyer, bs_cas *cas)
{
    for (int round = 0;; round++) {
        bs_status st = bs_docs_account(ctx, canon, buyer, cas);

        if (st != BS_OK || round == 2)
            return st;
        if (buyer->lock == BS_LOCK_FILL)
            st = finish_earlier_purchase(ctx, canon, buyer);
        else if (buyer->pending_count >= BS_BOOKS_FLUSH_AT)
            st = bs_books_flush(ctx, canon);
        else
            return BS_OK;
        bs_account_release(buyer);
        if (st != BS_OK)
            return st;
    }
}

bs_status
bs_purchase_buy(bs_ctx *ctx, const bs_purchase_order *order, bs_purchase_result *res)
{
    bs_purchase_quote quote;
    bs_fill_intent fill;
    lock_request req = {&fill, 0};
    bs_account buyer, locked;
    held h = {NULL, 0, NULL, 0};
    bs_name canon;
    bool fresh;
    bs_status st;

    memset(res, 0, sizeof(*res));
    res->next_slot = -1;
    if (order->request != NULL && !bs_id_valid(order->request))
        return BS_INVALID;
    if (!bs_name_valid(order->buyer)) {
        res->subject = "account";
        return BS_NOTFOUND;
    }
    bs_name_canonical(order->buyer, canon);
    st = read_buyer(ctx, canon, &buyer, &h.buyer_cas);
    if (st == BS_NOTFOUND)
        res->subject = "account";
    if (st != BS_OK)
        return st;
    res->balance = buyer.balance;
    /* A new order, not one the account shows finished (that one is only
     * answered: take_lock below). */
    fresh = order->request == NULL || bs_account_applied(&buyer, order->request) == NULL;

    st = quote_now(ctx, &order->campaign, &quote, &h.campaign_cas);
    if (st == BS_NOTFOUND)
        res->subject = "campaign";
    if (st == BS_OK) {
        res->price = quote.price;
        res->next_slot = quote.next_slot;
        st = check_ad(ctx, canon, &quote.campaign, &order->ad, fresh, res);
    }
    if (st == BS_OK && order->expect_slot >= 0 && order->expect_slot != (int64_t)quote.next_slot)
        st = BS_STALE;
    if (st == BS_OK && order->max_price >= 0 && quote.price > order->max_price)
        st = BS_PRICE_LIMIT;
    if (st != BS_OK)
        goto release_buyer;

    memset(&fill, 0, sizeof(fill));
    fill.campaign = order->campaign;
    fill.slot = quote.next_slot;
    fill.ad = order->ad;
    fill.price = quote.price;
    fill.fee = bs_price_fee(quote.price, ctx->fee_bp);
    st = check_payees(ctx, canon, &quote.campaign, fill.price, fill.fee, res);
    if (st != BS_OK)
        goto release_buyer;
    /* A sale is never dated before the previous one, whatever this machine's
     * clock says (several machines' clocks may differ). */
    fill.time = bs_ctx_now(ctx);
    if (quote.campaign.has_last && fill.time < quote.campaign.last.time)
        fill.time = quote.campaign.last.time;
    fill.start = quote.start;
    fill.end = quote.end;
    if (order->request != NULL)
        snprintf(fill.request, sizeof(fill.request), "%s", order->request);
    else
        bs_id_next(&ctx->ids, fill.request);
    st = bs_docs_update_account_known(ctx, canon, &buyer, &h.buyer_cas, take_lock, &req, &locked);
    res->balance = req.balance;
    if (st == BS_EXISTS) /* this very request was finished meanwhile */
        return bs_purchase_outcome(ctx, canon, fill.request, 0, res);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PURCHASE_LOCKED);

    h.buyer = &locked;
    h.campaign = &quote.campaign;
    st = resume(ctx, canon, &fill, &h, &res->slot);
    bs_account_release(&locked); /* taken over by resume; whatever is left */
    if (st == BS_OK) {
        res->balance -= fill.price;
        bs_metric_add(BS_METRIC_PURCHASES, 1);
    }
    if (st == BS_SOLD) {
        bs_slot winner;
        if (bs_docs_slot(ctx, &fill.campaign, fill.slot, &winner) == BS_OK)
            memcpy(res->sold_to, winner.buyer, sizeof(res->sold_to));
    }
    /* The intent is recorded: the account's next touch finishes it, bought or
     * lost; this answer cannot say which. */
    if (!bs_status_outage(st))
        return st;
    res->cause = st;
    return BS_UNCERTAIN;

release_buyer:
    bs_account_release(&buyer);
    return st;
}

json_t *
bs_purchase_quote_view(const bs_purchase_quote *q)
{
    json_t *view = bs_campaign_view(&q->campaign);

    if (view != NULL &&
        (json_object_set_new(view, "price_now", json_integer(q->price)) != 0 ||
         json_object_set_new(view, "next_slot",
                             json_pack("{s:I, s:I, s:I}", "index", (json_int_t)q->next_slot,
                                       "start", (json_int_t)q->start, "end", (json_int_t)q->end)) !=
             0)) {
        json_decref(view);
        view = NULL;
    }
    return view;
}

/* The slot that ledger entry `seq` of account/<canon> paid for. */
static bs_status
slot_of_entry(bs_ctx *ctx, const char *canon, int64_t seq, bs_purchase_result *res)
{
    bs_ledger_entry entry;
    bs_ref campaign;
    uint32_t index;
    bs_status st = bs_books_entry(ctx, canon, seq, &entry);

    if (st != BS_OK)
        return st == BS_NOTFOUND ? BS_CORRUPT : st;
    if (entry.kind != BS_ENTRY_PURCHASE || bs_slot_ref_parse(entry.ref, &campaign, &index) != BS_OK)
        return BS_CORRUPT;
    st = bs_docs_slot(ctx, &campaign, index, &res->slot);
    if (st != BS_OK)
        return st == BS_NOTFOUND ? BS_CORRUPT : st;
    res->price = res->slot.price;
    res->next_slot = index;
    res->balance = entry.balance;
    return BS_OK;
}

/* The purchase entry with request id `request` among the entries of
 * account/<canon> after `after`: its seq, or 0 when none. */
static bs_status
find_entry(bs_ctx *ctx, const char *canon, const char *request, int64_t after, int64_t *seq)
{
    bool more = true;

    *seq = 0;
    while (more) {
        bs_ledger_entry *entries;
        size_t count;
        bs_status st =
            bs_books_history(ctx, canon, after, BS_STORE_SCAN_MAX, &entries, &count, &more);

        if (st != BS_OK)
            return st;
        for (size_t i = 0; i < count && *seq == 0; i++)
            if (entries[i].kind == BS_ENTRY_PURCHASE && strcmp(entries[i].request, request) == 0)
                *seq = entries[i].seq;
        if (count > 0)
            after = entries[count - 1].seq;
        free(entries);
        if (*seq != 0 || count == 0)
            break;
    }
    return BS_OK;
}

bs_status
bs_purchase_outcome(bs_ctx *ctx, const char *canon, const char *request, int64_t ledger_at,
                    bs_purchase_result *res)
{
    const bs_recent *recent;
    bs_fill_intent fill;
    bs_account a;
    int64_t seq;
    bs_status st = bs_docs_account(ctx, canon, &a, NULL);

    if (st != BS_OK)
        return st;
    res->balance = a.balance;
    if (a.lock == BS_LOCK_FILL && strcmp(a.fill.request, request) == 0) {
        fill = a.fill; /* in progress, or stopped by a crash: finish it */
        bs_account_release(&a);
        res->price = fill.price;
        res->next_slot = fill.slot;
        st = bs_purchase_resume(ctx, canon, &fill, &res->slot);
        if (st == BS_OK)
            res->balance -= fill.price;
        return st;
    }
    recent = bs_account_applied(&a, request);
    seq = recent != NULL ? recent->seq : -1;
    if (seq == 0 && recent->lost_slot >= 0) {
        res->next_slot = recent->lost_slot;
        res->price = recent->lost_price;
    }
    bs_account_release(&a);
    if (seq == 0)
        return BS_SOLD; /* finished, and lost to another buyer */
    if (seq < 0 && ledger_at > 0) {
        /* Pushed out of the recent requests: its entry, if it made one. */
        st = find_entry(ctx, canon, request, ledger_at - 1, &seq);
        if (st != BS_OK)
            return st;
    }
    return seq > 0 ? slot_of_entry(ctx, canon, seq, res) : BS_NOTFOUND;
}
