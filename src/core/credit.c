/*
 * credit.c — see credit.h for the protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "util/failpoint.h"
#include "util/money.h"

static bs_status
credit_decode(const char *text, size_t len, void *doc)
{
    return bs_credit_decode(text, len, doc);
}

static char *
credit_encode(const void *doc, size_t *len)
{
    return bs_credit_encode(doc, len);
}

static const bs_doc_type credit_type = {sizeof(bs_credit), credit_decode, credit_encode,
                                        bs_docs_no_release};

/* One payee of one campaign, and the slots of the batch in hand. */
typedef struct payment {
    bs_payee who;
    const char *canon; /* the payee's account */
    const bs_ref *campaign;
    bs_slot *slots; /* slots from+1 .. from+count */
    int64_t from;
    size_t count;
} payment;

static const char *
payee_of(bs_ctx *ctx, bs_payee who, const bs_ref *campaign)
{
    return who == BS_PAYEE_SELLER ? campaign->owner : ctx->operator_name;
}

static bs_entry_kind
kind_of(bs_payee who)
{
    return who == BS_PAYEE_SELLER ? BS_ENTRY_SALE : BS_ENTRY_FEE;
}

static int64_t
amount_of(bs_payee who, const bs_slot *s)
{
    return who == BS_PAYEE_SELLER ? s->price - s->fee : s->fee;
}

bs_status
bs_credit_read(bs_ctx *ctx, const bs_ref *campaign, bs_credit *out)
{
    char key[BS_KEY_BUF];
    bs_status st;

    bs_key_credit(campaign, key);
    st = bs_docs_read(ctx, key, &credit_type, out, NULL);
    if (st == BS_NOTFOUND) {
        bs_credit_init(out, campaign);
        st = BS_OK;
    }
    if (st == BS_OK && !bs_ref_equal(&out->campaign, campaign))
        st = BS_CORRUPT;
    return st;
}

typedef enum batch_state { BATCH_APPLIED, BATCH_DUE, BATCH_PASSED } batch_state;

/* Where the batch `b` of payee `who` stands on the payee's account `a`. */
static bs_status
state_of(bs_ctx *ctx, const bs_account *a, const char *canon, bs_payee who, const bs_ref *campaign,
         const bs_credit_batch *b, batch_state *state)
{
    char ref[BS_REF_MAX];
    bs_ledger_entry e;
    bs_status st;

    if (a->ledger_next < b->at)
        return BS_CORRUPT; /* ledger numbers never go back */
    if (a->ledger_next == b->at) {
        *state = BATCH_DUE;
        return BS_OK;
    }
    st = bs_books_entry_of(ctx, a, canon, b->at, &e);
    if (st != BS_OK)
        return st == BS_NOTFOUND ? BS_CORRUPT : st;
    bs_slot_ref_format(campaign, (uint32_t)b->first, ref);
    *state = e.kind == kind_of(who) && strcmp(e.ref, ref) == 0 ? BATCH_APPLIED : BATCH_PASSED;
    return BS_OK;
}

bs_status
bs_credit_paid(bs_ctx *ctx, const bs_credit *c, bs_payee who, int64_t index, bool *paid)
{
    const bs_credit_mark *m = &c->mark[who];
    const char *canon = payee_of(ctx, who, &c->campaign);
    batch_state state;
    bs_account a;
    bs_status st;

    *paid = index <= m->paid;
    if (!*paid || !m->batch.open || index <= m->batch.from)
        return BS_OK;
    st = bs_docs_account(ctx, canon, &a, NULL);
    if (st != BS_OK)
        return st;
    st = state_of(ctx, &a, canon, who, &c->campaign, &m->batch, &state);
    bs_account_release(&a);
    *paid = st == BS_OK && state == BATCH_APPLIED;
    return st;
}

/* Read slots p->from+1 .. p->from+want of the campaign into p->slots. */
static bs_status
read_slots(bs_ctx *ctx, payment *p, size_t want)
{
    char prefix[BS_KEY_BUF], after[BS_KEY_BUF];
    bs_store_page page;
    bs_status st;

    free(p->slots);
    p->slots = NULL;
    p->count = 0;
    bs_prefix_slots_of(p->campaign, prefix);
    if (p->from >= 0)
        bs_key_slot(p->campaign, (uint32_t)p->from, after);
    st = bs_store_scan(ctx->store, prefix, p->from >= 0 ? after : NULL, want, &page);
    if (st != BS_OK)
        return st;
    p->slots = calloc(want, sizeof(*p->slots));
    if (p->slots == NULL) {
        st = BS_NOMEM;
        goto release_page;
    }
    for (size_t i = 0; i < page.count && st == BS_OK; i++) {
        st = bs_slot_decode(page.docs[i].value, page.docs[i].len, &p->slots[i]);
        /* Slots are contiguous: slot from+1+i must be the i-th found. */
        if (st == BS_OK && p->slots[i].index != (uint32_t)(p->from + 1 + (int64_t)i))
            st = BS_CORRUPT;
    }
    if (st == BS_OK && page.count != want)
        st = BS_CORRUPT;
    p->count = page.count;
release_page:
    bs_store_page_release(&page);
    return st;
}

/* How many of the slots in hand the account `a` can take at its present
 * ledger_next (balance ≤ 21 M BTC, entries within its pending list), and
 * the first slot that posts an entry (-1: none). BS_OVERFLOW or
 * BS_LOCKED (flush first) when not one slot that posts fits. */
static bs_status
fit(const payment *p, const bs_account *a, size_t *fits, int64_t *first)
{
    size_t room = a->pending_count + BS_BOOKS_PENDING_OWN < BS_BOOKS_PENDING_MAX
                      ? BS_BOOKS_PENDING_MAX - BS_BOOKS_PENDING_OWN - a->pending_count
                      : 0;
    int64_t balance = a->balance;
    size_t entries = 0;
    bs_status why = BS_OK;

    *fits = 0;
    *first = -1;
    for (; *fits < p->count; (*fits)++) {
        int64_t amount = amount_of(p->who, &p->slots[*fits]);

        if (amount == 0)
            continue;
        if (entries == room) {
            why = BS_LOCKED;
            break;
        }
        if (balance > BS_MAX_MONEY - amount) {
            why = BS_OVERFLOW;
            break;
        }
        balance += amount;
        if (entries++ == 0)
            *first = p->slots[*fits].index;
    }
    return *first < 0 && why != BS_OK ? why : BS_OK;
}

/* Step 2: post the batch's entries, only at its ledger number. */
typedef struct apply_request {
    const payment *p;
    int64_t at;
    size_t count; /* slots of the batch: from+1 .. from+count */
} apply_request;

static bs_status
apply_batch(bs_account *a, void *arg, bool *write)
{
    const apply_request *r = arg;
    const payment *p = r->p;

    if (a->ledger_next != r->at) {
        *write = false; /* applied already, or passed: the caller looks again */
        return BS_OK;
    }
    if (p->who == BS_PAYEE_OPERATOR && !a->is_operator)
        return BS_CORRUPT;
    for (size_t i = 0; i < r->count; i++) {
        const bs_slot *s = &p->slots[i];
        int64_t amount = amount_of(p->who, s);
        char ref[BS_REF_MAX];
        bs_status st;

        if (amount == 0)
            continue;
        bs_slot_ref_format(p->campaign, s->index, ref);
        st = bs_books_post(a, kind_of(p->who), amount, s->time, ref, s->request, NULL);
        if (st != BS_OK)
            return st; /* cannot be: the account is as the batch was fitted to */
    }
    return BS_OK;
}

/* Step 1 (and moving a passed batch): the payee's mark goes from `expect`
 * to `next`, only if the document still shows `expect`. */
typedef struct mark_change {
    bs_payee who;
    bs_credit_mark expect;
    bs_credit_mark next;
    bool changed; /* out */
} mark_change;

static bool
same_mark(const bs_credit_mark *a, const bs_credit_mark *b)
{
    return a->paid == b->paid && a->batch.open == b->batch.open &&
           (!a->batch.open || (a->batch.from == b->batch.from && a->batch.first == b->batch.first &&
                               a->batch.at == b->batch.at));
}

static bs_status
change_mark(void *doc, void *arg, bool *write)
{
    bs_credit *c = doc;
    mark_change *ch = arg;

    if (!same_mark(&c->mark[ch->who], &ch->expect)) {
        *write = false; /* someone else moved it: the caller looks again */
        return BS_OK;
    }
    c->mark[ch->who] = ch->next;
    ch->changed = true;
    return BS_OK;
}

/* A credit document found where the first one goes: any will do (it can
 * only be this campaign's, from the add of another payment). */
static bool
any_credit(const char *text, size_t len, void *arg)
{
    (void)text;
    (void)len;
    (void)arg;
    return true;
}

static bs_status
change(bs_ctx *ctx, const payment *p, mark_change *ch)
{
    char key[BS_KEY_BUF], *text;
    bs_credit fresh;
    size_t len;
    bs_status st;

    bs_key_credit(p->campaign, key);
    if (ch->expect.paid == -1 && !ch->expect.batch.open) {
        /* The campaign's first payment may find no document yet. */
        bs_credit_init(&fresh, p->campaign);
        text = bs_credit_encode(&fresh, &len);
        if (text == NULL)
            return BS_NOMEM;
        st = bs_docs_add_same(ctx, key, text, len, any_credit, NULL);
        free(text);
        if (st != BS_OK && st != BS_EXISTS)
            return st;
    }
    return bs_docs_update(ctx, key, &credit_type, change_mark, ch, NULL);
}

/* The batch the slots in hand make on account `a`: as many as fit. */
static bs_status
batch_for(const payment *p, const bs_account *a, bs_credit_mark *next)
{
    int64_t first;
    size_t fits;
    bs_status st = fit(p, a, &fits, &first);

    if (st != BS_OK)
        return st;
    memset(next, 0, sizeof(*next));
    next->paid = p->from + (int64_t)fits;
    if (first >= 0) {
        next->batch.open = true;
        next->batch.from = p->from;
        next->batch.first = first;
        next->batch.at = a->ledger_next;
    }
    return BS_OK;
}

/* One round for one payee: look at the mark and the account, take the one
 * step due. *done when everything up to `last` is paid. */
static bs_status
credit_round(bs_ctx *ctx, payment *p, int64_t last, bool *done)
{
    mark_change ch = {p->who, {0}, {0}, false};
    batch_state state = BATCH_APPLIED;
    int64_t want;
    bs_credit c;
    bs_account a;
    bs_status st = bs_credit_read(ctx, p->campaign, &c);

    *done = false;
    if (st != BS_OK)
        return st;
    ch.expect = c.mark[p->who];
    st = bs_docs_account(ctx, p->canon, &a, NULL);
    if (st != BS_OK)
        return st == BS_NOTFOUND && p->who == BS_PAYEE_SELLER ? BS_CORRUPT : st;
    if (ch.expect.batch.open)
        st = state_of(ctx, &a, p->canon, p->who, p->campaign, &ch.expect.batch, &state);
    if (st != BS_OK)
        goto release;
    if (state == BATCH_APPLIED && ch.expect.paid >= last) {
        *done = true;
        goto release;
    }
    /* The slots of the batch to apply or move, or of the next one. */
    if (state == BATCH_APPLIED) {
        p->from = ch.expect.paid;
        want = last - p->from < BS_CREDIT_BATCH ? last - p->from : BS_CREDIT_BATCH;
    } else {
        p->from = ch.expect.batch.from;
        want = ch.expect.paid - p->from;
    }
    st = read_slots(ctx, p, (size_t)want);
    if (st != BS_OK)
        goto release;
    if (state == BATCH_DUE) {
        apply_request r = {p, ch.expect.batch.at, p->count};
        bs_account_release(&a);
        st = bs_docs_update_account(ctx, p->canon, apply_batch, &r, NULL);
        if (st == BS_OK)
            bs_failpoint(p->who == BS_PAYEE_SELLER ? BS_FP_CREDIT_SELLER : BS_FP_CREDIT_FEE);
        return st;
    }
    /* A new batch, or a passed one moved to where the account is now. */
    st = batch_for(p, &a, &ch.next);
    if (st == BS_LOCKED) { /* its pending entries leave no room: copy them out */
        bs_account_release(&a);
        return bs_books_flush(ctx, p->canon);
    }
    if (st == BS_OVERFLOW && state == BATCH_PASSED) {
        /* Not one slot fits any more: give the whole batch back, owed. */
        memset(&ch.next, 0, sizeof(ch.next));
        ch.next.paid = p->from;
        (void)change(ctx, p, &ch);
    }
    if (st != BS_OK)
        goto release;
    bs_account_release(&a);
    st = change(ctx, p, &ch);
    if (st == BS_OK && ch.changed)
        bs_failpoint(p->who == BS_PAYEE_SELLER ? BS_FP_CREDIT_SELLER_RESERVED
                                               : BS_FP_CREDIT_FEE_RESERVED);
    return st;
release:
    bs_account_release(&a);
    return st;
}

static bs_status
credit_payee(bs_ctx *ctx, bs_payee who, const bs_ref *campaign, int64_t last)
{
    payment p = {who, payee_of(ctx, who, campaign), campaign, NULL, -1, 0};
    bool done = false;
    bs_status st = BS_OK;

    /* Every round takes one step or finds another process took it (a
     * batch takes two, one more to flush); the bound only guards against a
     * store that keeps answering the same. */
    int64_t rounds = BS_DOCS_CAS_ATTEMPTS + 4 * (last + 1);

    for (int64_t round = 0; !done && st == BS_OK; round++) {
        if (round == rounds) {
            st = BS_CONFLICT;
            break;
        }
        st = credit_round(ctx, &p, last, &done);
    }
    free(p.slots);
    return st;
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

/* Pay one payee, then copy its entries out of its account. */
static bs_status
pay(bs_ctx *ctx, bs_payee who, const bs_ref *campaign, int64_t last)
{
    bs_status st = credit_payee(ctx, who, campaign, last);

    if (st == BS_OK || !bs_status_outage(st))
        st = first_problem(st, bs_books_flush(ctx, payee_of(ctx, who, campaign)));
    return st;
}

bs_status
bs_credit_campaign(bs_ctx *ctx, const bs_ref *campaign)
{
    bs_status seller;
    bs_campaign c;
    bs_status st = bs_docs_campaign(ctx, campaign, &c, NULL);

    if (st != BS_OK || !c.has_last)
        return st;
    /* The seller and the operator are paid apart: one's problem (a balance
     * that cannot take more) does not hold up the other. */
    seller = pay(ctx, BS_PAYEE_SELLER, campaign, c.last.index);
    if (bs_status_outage(seller))
        return seller;
    st = bs_credit_ensure_operator(ctx);
    return first_problem(seller,
                         st == BS_OK ? pay(ctx, BS_PAYEE_OPERATOR, campaign, c.last.index) : st);
}
