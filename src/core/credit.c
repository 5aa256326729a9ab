/*
 * credit.c — see credit.h for the protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "util/failpoint.h"

typedef enum payee { PAYEE_SELLER, PAYEE_OPERATOR } payee;

typedef struct batch {
    payee who;
    const bs_ref *campaign;
    int64_t from;   /* the watermark the batch starts after */
    bs_slot *slots; /* slots from+1 .. from+count */
    size_t count;
} batch;

static int64_t
watermark_of(const bs_account *a, payee who, const bs_ref *campaign)
{
    if (who == PAYEE_SELLER)
        return bs_watermark_get(a->credited, a->credited_count, campaign);
    return bs_watermark_get(a->fees, a->fees_count, campaign);
}

/* Pay one batch, in the CAS that moves the watermark. A watermark that is no
 * longer where the batch starts means someone else paid it: write nothing.
 * When the account cannot take the whole batch (its balance would pass 21
 * million BTC), the slots that fit are paid and the rest stay owed;
 * BS_OVERFLOW when not even the first fits. */
static bs_status
pay_batch(bs_account *a, void *arg, bool *write)
{
    const batch *b = arg;
    bs_status st = BS_OK;
    size_t paid = 0;

    if (watermark_of(a, b->who, b->campaign) != b->from) {
        *write = false;
        return BS_OK;
    }
    if (b->who == PAYEE_OPERATOR && !a->is_operator)
        return BS_CORRUPT;
    for (; paid < b->count; paid++) {
        const bs_slot *s = &b->slots[paid];
        int64_t amount = b->who == PAYEE_SELLER ? s->price - s->fee : s->fee;
        char ref[BS_REF_MAX];

        bs_slot_ref_format(&s->campaign, s->index, ref);
        if (amount != 0)
            st = bs_books_post(a, b->who == PAYEE_SELLER ? BS_ENTRY_SALE : BS_ENTRY_FEE, amount,
                               s->time, ref, s->request, NULL);
        if (st != BS_OK)
            break;
    }
    if (st != BS_OK && (st != BS_OVERFLOW || paid == 0))
        return st;
    if (b->who == PAYEE_SELLER)
        return bs_watermark_set(&a->credited, &a->credited_count, b->campaign,
                                b->from + (int64_t)paid);
    return bs_watermark_set(&a->fees, &a->fees_count, b->campaign, b->from + (int64_t)paid);
}

/* Read slots from+1 .. min(last, from+BATCH) of the campaign. */
static bs_status
read_batch(bs_ctx *ctx, batch *b, int64_t last)
{
    char prefix[BS_KEY_BUF], after[BS_KEY_BUF];
    size_t want = (size_t)(last - b->from);
    bs_store_page page;
    bs_status st;

    if (want > BS_CREDIT_BATCH)
        want = BS_CREDIT_BATCH;
    bs_prefix_slots_of(b->campaign, prefix);
    if (b->from >= 0)
        bs_key_slot(b->campaign, (uint32_t)b->from, after);
    st = bs_store_scan(ctx->store, prefix, b->from >= 0 ? after : NULL, want, &page);
    if (st != BS_OK)
        return st;
    b->slots = calloc(want, sizeof(*b->slots));
    if (b->slots == NULL) {
        st = BS_NOMEM;
        goto release_page;
    }
    for (size_t i = 0; i < page.count && st == BS_OK; i++) {
        st = bs_slot_decode(page.docs[i].value, page.docs[i].len, &b->slots[i]);
        /* Slots are contiguous: slot from+1+i must be the i-th found. */
        if (st == BS_OK && b->slots[i].index != (uint32_t)(b->from + 1 + (int64_t)i))
            st = BS_CORRUPT;
    }
    if (st == BS_OK && page.count != want)
        st = BS_CORRUPT;
    b->count = page.count;
release_page:
    bs_store_page_release(&page);
    return st;
}

static bs_status
credit_payee(bs_ctx *ctx, payee who, const char *canon, const bs_ref *campaign, int64_t last)
{
    for (;;) {
        batch b = {who, campaign, -1, NULL, 0};
        bs_account a;
        bs_status st = bs_docs_account(ctx, canon, &a, NULL);

        if (st != BS_OK)
            return st;
        b.from = watermark_of(&a, who, campaign);
        bs_account_release(&a);
        if (b.from >= last)
            return BS_OK;
        st = read_batch(ctx, &b, last);
        if (st == BS_OK)
            st = bs_docs_update_account(ctx, canon, pay_batch, &b, NULL);
        free(b.slots);
        if (st != BS_OK)
            return st;
        bs_failpoint(who == PAYEE_SELLER ? BS_FP_CREDIT_SELLER : BS_FP_CREDIT_FEE);
    }
}

bs_status
bs_credit_ensure_operator(bs_ctx *ctx)
{
    bs_account op;
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    memset(&op, 0, sizeof(op));
    memcpy(op.name, ctx->operator_name, sizeof(op.name));
    op.is_operator = true;
    op.ledger_next = 1;
    op.created = bs_ctx_now(ctx);
    bs_key_account(ctx->operator_name, key);
    text = bs_account_encode(&op, &len);
    if (text == NULL)
        return BS_NOMEM;
    st = bs_store_add(ctx->store, key, text, len, NULL);
    free(text);
    return st == BS_EXISTS ? BS_OK : st;
}

/* An outage first, then the first other problem. */
static bs_status
first_problem(bs_status a, bs_status b)
{
    if (bs_status_outage(b) && !bs_status_outage(a))
        return b;
    return a != BS_OK ? a : b;
}

bs_status
bs_credit_campaign(bs_ctx *ctx, const bs_ref *campaign)
{
    bs_status seller, op;
    bs_campaign c;
    bs_status st = bs_docs_campaign(ctx, campaign, &c, NULL);

    if (st != BS_OK || !c.has_last)
        return st;
    /* The seller and the operator are paid apart: one's problem (a balance
     * that cannot take more) does not hold up the other. */
    seller = credit_payee(ctx, PAYEE_SELLER, campaign->owner, campaign, c.last.index);
    if (seller == BS_OK || !bs_status_outage(seller))
        seller = first_problem(seller, bs_books_flush(ctx, campaign->owner));
    if (bs_status_outage(seller))
        return seller;
    op = bs_credit_ensure_operator(ctx);
    if (op == BS_OK)
        op = credit_payee(ctx, PAYEE_OPERATOR, ctx->operator_name, campaign, c.last.index);
    if (op == BS_OK || !bs_status_outage(op))
        op = first_problem(op, bs_books_flush(ctx, ctx->operator_name));
    return first_problem(seller, op);
}
