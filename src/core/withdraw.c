/*
 * withdraw.c — see withdraw.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/docs.h"
#include "core/recover.h"
#include "core/withdraw.h"
#include "util/failpoint.h"
#include "util/money.h"

int64_t
bs_withdraw_fee(const bs_ctx *ctx, int64_t amount)
{
    return (int64_t)(((__int128)amount * ctx->withdraw_fee_bp + 9999) / 10000);
}

void
bs_withdraw_key(const bs_withdrawal *w, char out[BS_KEY_BUF])
{
    bs_key_withdrawal(w->account, w->hold.id, out);
}

static bs_status
decode_withdrawal(const char *text, size_t len, void *doc)
{
    return bs_withdrawal_decode(text, len, doc);
}

static char *
encode_withdrawal(const void *doc, size_t *len)
{
    return bs_withdrawal_encode(doc, len);
}

static void
release_withdrawal(void *doc)
{
    bs_withdrawal_release(doc);
}

const bs_doc_type bs_withdrawal_doc = {sizeof(bs_withdrawal), decode_withdrawal, encode_withdrawal,
                                       release_withdrawal};

static bool
same_hold(const bs_withdrawal_hold *a, const bs_withdrawal_hold *b)
{
    return strcmp(a->id, b->id) == 0 && a->amount == b->amount && a->fee == b->fee &&
           a->time == b->time && strcmp(a->address, b->address) == 0;
}

typedef struct hold_of {
    const char *canon;
    const bs_withdrawal_hold *hold;
} hold_of;

/* A document found where ours goes is ours when it records the same hold,
 * in whatever state the payout has taken it to since. */
static bool
same_withdrawal(const char *text, size_t len, void *arg)
{
    hold_of *h = arg;
    bs_withdrawal found;
    bool same;

    if (bs_withdrawal_decode(text, len, &found) != BS_OK)
        return false;
    same = strcmp(found.account, h->canon) == 0 && same_hold(&found.hold, h->hold);
    bs_withdrawal_release(&found);
    return same;
}

/* Step 2: the document of a hold, in state requested. */
static bs_status
record(bs_ctx *ctx, const char *canon, const bs_withdrawal_hold *hold)
{
    bs_withdrawal w = {0};
    hold_of h = {canon, hold};
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    snprintf(w.account, sizeof(w.account), "%s", canon);
    w.hold = *hold;
    w.state = BS_WD_REQUESTED;
    w.updated = hold->time;
    text = bs_withdrawal_encode(&w, &len);
    if (text == NULL)
        return BS_NOMEM;
    bs_withdraw_key(&w, key);
    st = bs_docs_add_same(ctx, key, text, len, same_withdrawal, &h);
    free(text);
    return st == BS_EXISTS ? BS_CORRUPT : st;
}

bs_status
bs_withdraw_record_holds(bs_ctx *ctx, const char *canon, const bs_account *a)
{
    bs_status st = BS_OK;

    for (size_t i = 0; st == BS_OK && i < a->holds_count; i++) {
        char key[BS_KEY_BUF], *text;

        bs_key_withdrawal(canon, a->holds[i].id, key);
        st = bs_store_get(ctx->store, key, &text, NULL, NULL); /* value: never NULL */
        if (st == BS_OK)
            free(text);
        if (st == BS_NOTFOUND)
            st = record(ctx, canon, &a->holds[i]);
    }
    return st;
}

typedef struct reservation {
    bs_withdrawal_hold hold;
    bool recorded;   /* in: its document exists (the request was applied before) */
    bool again;      /* out: this request was applied before */
    bool held;       /* out: ... and its hold is still on the account */
    int64_t balance; /* out */
} reservation;

/* Step 1, on the account as read. */
static bs_status
reserve(bs_account *a, void *arg, bool *write)
{
    reservation *r = arg;
    const bs_withdrawal_hold *held = bs_account_hold(a, r->hold.id);
    char memo[BS_MEMO_MAX + 1];
    bs_status st;

    r->balance = a->balance;
    if (held != NULL || r->recorded || bs_account_applied(a, r->hold.id) != NULL) {
        /* Sent before, its answer lost: the same withdrawal, if it is. */
        if (held != NULL &&
            !(held->amount == r->hold.amount && strcmp(held->address, r->hold.address) == 0))
            return BS_MISMATCH;
        if (held != NULL)
            r->hold = *held;
        r->held = held != NULL;
        r->again = true;
        *write = false;
        return BS_OK;
    }
    if (a->lock != BS_LOCK_NONE)
        return BS_LOCKED;
    if (a->holds_count == BS_HOLDS_MAX)
        return BS_EXHAUSTED;
    snprintf(memo, sizeof(memo), "to %s: %lld sat and a fee of %lld sat", r->hold.address,
             (long long)r->hold.amount, (long long)r->hold.fee);
    st = bs_books_post(a, BS_ENTRY_WITHDRAWAL, -(r->hold.amount + r->hold.fee), r->hold.time, NULL,
                       r->hold.id, memo);
    if (st != BS_OK)
        return st;
    a->holds[a->holds_count++] = r->hold; /* bs_books_post remembered the request */
    r->balance = a->balance;
    return BS_OK;
}

static bs_status
check_address(const bs_ctx *ctx, const char *text, char out[BS_ADDRESS_MAX],
              bs_withdraw_result *res)
{
    bs_address_info info;
    bs_status st = bs_address_canonical(ctx->network, text, out, &info);

    if (st == BS_UNSUPPORTED)
        res->problem = BS_WITHDRAW_UNSPENDABLE;
    else if (st == BS_INVALID && info.networks != 0)
        res->problem = BS_WITHDRAW_OTHER_NETWORK, res->networks = info.networks;
    else if (st == BS_INVALID)
        res->problem = BS_WITHDRAW_NOT_ADDRESS;
    return st;
}

/* The withdrawal of a request sent again, as it is now. */
static bs_status
read_again(bs_ctx *ctx, const char *canon, const char *id, bs_withdrawal *out)
{
    char key[BS_KEY_BUF];

    bs_key_withdrawal(canon, id, key);
    return bs_docs_read(ctx, key, &bs_withdrawal_doc, out, NULL);
}

bs_status
bs_withdraw_request(bs_ctx *ctx, const bs_withdraw_order *order, bs_withdraw_result *res)
{
    reservation r;
    bs_name canon;
    bs_status st;

    memset(res, 0, sizeof(*res));
    memset(&r, 0, sizeof(r));
    if (order->amount < ctx->min_withdrawal) {
        res->problem = BS_WITHDRAW_BELOW_MIN;
        return BS_INVALID;
    }
    if (order->amount > BS_MAX_MONEY ||
        (res->fee = bs_withdraw_fee(ctx, order->amount)) > BS_MAX_MONEY - order->amount) {
        res->problem = BS_WITHDRAW_TOO_MUCH;
        return BS_INVALID;
    }
    st = check_address(ctx, order->address, r.hold.address, res);
    if (st != BS_OK)
        return st;
    if (!bs_name_valid(order->name))
        return BS_NOTFOUND;
    bs_name_canonical(order->name, canon);
    if (order->request != NULL && order->request[0] != '\0') {
        if (!bs_id_valid(order->request))
            return BS_INVALID;
        snprintf(r.hold.id, sizeof(r.hold.id), "%s", order->request);
    } else {
        bs_id_next(&ctx->ids, r.hold.id);
    }
    r.hold.amount = order->amount;
    r.hold.fee = res->fee;
    r.hold.time = bs_ctx_now(ctx);

    st = bs_recover_account(ctx, canon);
    /* A request sent again long after: its hold may be gone (paid or
     * refused) and the account may no longer remember it (BS_RECENT_MAX
     * later changes), but its document stays, and says it was applied. */
    if (st == BS_OK && order->request != NULL && order->request[0] != '\0') {
        char key[BS_KEY_BUF], *text;

        bs_key_withdrawal(canon, r.hold.id, key);
        st = bs_store_get(ctx->store, key, &text, NULL, NULL);
        r.recorded = st == BS_OK;
        if (st == BS_OK)
            free(text);
        if (st == BS_NOTFOUND)
            st = BS_OK;
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_WITHDRAW_RECOVERED);
    st = bs_docs_update_account(ctx, canon, reserve, &r, NULL);
    res->balance = r.balance;
    if (st == BS_EXHAUSTED)
        res->problem = BS_WITHDRAW_TOO_MANY;
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_WITHDRAW_RESERVED);
    res->again = r.again;
    if (r.again) {
        st = read_again(ctx, canon, r.hold.id, &res->withdrawal);
        if (st == BS_NOTFOUND && r.held) { /* step 2 is still to do */
            st = record(ctx, canon, &r.hold);
        } else if (st == BS_NOTFOUND) { /* the id of another change */
            return BS_MISMATCH;
        } else if (st == BS_OK) {
            if (res->withdrawal.hold.amount == order->amount &&
                strcmp(res->withdrawal.hold.address, r.hold.address) == 0)
                return BS_OK;
            bs_withdrawal_release(&res->withdrawal);
            return BS_MISMATCH;
        }
    } else {
        st = record(ctx, canon, &r.hold);
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_WITHDRAW_RECORDED);
    snprintf(res->withdrawal.account, sizeof(res->withdrawal.account), "%s", canon);
    res->withdrawal.hold = r.hold;
    res->withdrawal.state = BS_WD_REQUESTED;
    res->withdrawal.updated = r.hold.time;
    /* Copying the entry out is anyone's to finish (books.h). */
    (void)bs_books_flush(ctx, canon);
    return BS_OK;
}

/* ---- lists ----------------------------------------------------------------- */

typedef struct listing {
    const bs_wd_state *state;
    bs_withdrawal *items;
    size_t count, cap;
} listing;

static bs_status
list_doc(const bs_store_doc *doc, void *arg)
{
    listing *l = arg;
    bs_withdrawal w;
    bs_status st = bs_withdrawal_decode(doc->value, doc->len, &w);

    if (st != BS_OK)
        return st;
    if (l->state != NULL && w.state != *l->state) {
        bs_withdrawal_release(&w);
        return BS_OK;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap == 0 ? 16 : 2 * l->cap;
        bs_withdrawal *grown = realloc(l->items, cap * sizeof(*grown));

        if (grown == NULL) {
            bs_withdrawal_release(&w);
            return BS_NOMEM;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->count++] = w;
    return BS_OK;
}

static int
by_time(const void *a, const void *b)
{
    const bs_withdrawal *x = a, *y = b;

    if (x->hold.time != y->hold.time)
        return x->hold.time < y->hold.time ? -1 : 1;
    return strcmp(x->hold.id, y->hold.id);
}

bs_status
bs_withdraw_list(bs_ctx *ctx, const char *name, const bs_wd_state *state, bs_withdrawal **list,
                 size_t *count)
{
    listing l = {state, NULL, 0, 0};
    char prefix[BS_KEY_BUF] = BS_PREFIX_WITHDRAWALS;
    bs_status st;

    *list = NULL;
    *count = 0;
    if (name != NULL) {
        bs_name canon;

        if (!bs_name_valid(name))
            return BS_NOTFOUND;
        bs_name_canonical(name, canon);
        st = bs_docs_account_exists(ctx, canon);
        if (st != BS_OK)
            return st;
        bs_prefix_withdrawals_of(canon, prefix);
    }
    st = bs_docs_each(ctx, prefix, list_doc, &l);
    if (st != BS_OK) {
        bs_withdraw_list_free(l.items, l.count);
        return st;
    }
    if (l.count > 1)
        qsort(l.items, l.count, sizeof(*l.items), by_time);
    if (name != NULL) /* newest first */
        for (size_t i = 0; i < l.count / 2; i++) {
            bs_withdrawal t = l.items[i];
            l.items[i] = l.items[l.count - 1 - i];
            l.items[l.count - 1 - i] = t;
        }
    *list = l.items;
    *count = l.count;
    return BS_OK;
}

void
bs_withdraw_list_free(bs_withdrawal *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        bs_withdrawal_release(&list[i]);
    free(list);
}
