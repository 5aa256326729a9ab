/*
 * check_withdrawals.c — see check_withdrawals.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check_withdrawals.h"
#include "core/docs.h"
#include "core/withdraw.h"
#include "util/grow.h"

typedef struct wd_entry {
    bs_name account;
    char request[BS_ID_LEN + 1];
    int64_t amount;
    bool matched;
} wd_entry;

typedef struct wd_hold {
    bs_name account;
    bs_withdrawal_hold hold;
    bool documented;
} wd_hold;

struct bs_wdcheck {
    wd_entry *entries;
    size_t entry_count, entry_cap;
    wd_hold *holds;
    size_t hold_count, hold_cap;
    /* while finishing */
    bs_wdcheck_say say;
    void *arg;
    bs_wdcheck_sums *sums;
    /* each batch's fees, summed over its paid withdrawals */
    struct batch_fees {
        char batch[BS_ID_LEN + 1];
        int64_t fees;
    } * batches;
    size_t batch_count, batch_cap;
};

static void find(bs_wdcheck *w, bool unfinished, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
find(bs_wdcheck *w, bool unfinished, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    w->say(w->arg, unfinished, line);
}

bs_wdcheck *
bs_wdcheck_new(void)
{
    return calloc(1, sizeof(bs_wdcheck));
}

void
bs_wdcheck_free(bs_wdcheck *w)
{
    if (w == NULL)
        return;
    free(w->entries);
    free(w->holds);
    free(w->batches);
    free(w);
}

bs_status
bs_wdcheck_entry(bs_wdcheck *w, const char *canon, const bs_ledger_entry *e)
{
    wd_entry *x;

    if (e->kind != BS_ENTRY_WITHDRAWAL)
        return BS_OK;
    if (bs_grow(&w->entries, &w->entry_cap, w->entry_count, sizeof(*w->entries), 64))
        return BS_NOMEM;
    x = &w->entries[w->entry_count++];
    memset(x, 0, sizeof(*x));
    snprintf(x->account, sizeof(x->account), "%s", canon);
    snprintf(x->request, sizeof(x->request), "%s", e->request);
    x->amount = e->amount;
    return BS_OK;
}

bs_status
bs_wdcheck_account(bs_wdcheck *w, const char *canon, const bs_account *a)
{
    for (size_t i = 0; i < a->holds_count; i++) {
        wd_hold *h;

        if (bs_grow(&w->holds, &w->hold_cap, w->hold_count, sizeof(*w->holds), 16))
            return BS_NOMEM;
        h = &w->holds[w->hold_count++];
        memset(h, 0, sizeof(*h));
        snprintf(h->account, sizeof(h->account), "%s", canon);
        h->hold = a->holds[i];
    }
    return BS_OK;
}

static wd_hold *
hold_of(bs_wdcheck *w, const char *account, const char *id)
{
    for (size_t i = 0; i < w->hold_count; i++)
        if (strcmp(w->holds[i].account, account) == 0 && strcmp(w->holds[i].hold.id, id) == 0)
            return &w->holds[i];
    return NULL;
}

/* How many unmatched entries of `account` for `request`, with sign `sign`,
 * there are; the first of them is matched and its amount put in *amount. */
static size_t
match(bs_wdcheck *w, const char *account, const char *request, int sign, int64_t *amount)
{
    size_t n = 0;

    for (size_t i = 0; i < w->entry_count; i++) {
        wd_entry *e = &w->entries[i];

        if (e->matched || strcmp(e->account, account) != 0 || strcmp(e->request, request) != 0 ||
            (sign < 0) != (e->amount < 0))
            continue;
        if (n++ == 0) {
            e->matched = true;
            *amount = e->amount;
        }
    }
    return n;
}

static bs_status
add_batch_fee(bs_wdcheck *w, const char *batch, int64_t fee)
{
    for (size_t i = 0; i < w->batch_count; i++)
        if (strcmp(w->batches[i].batch, batch) == 0) {
            w->batches[i].fees += fee;
            return BS_OK;
        }
    if (bs_grow(&w->batches, &w->batch_cap, w->batch_count, sizeof(*w->batches), 16))
        return BS_NOMEM;
    snprintf(w->batches[w->batch_count].batch, sizeof(w->batches[0].batch), "%s", batch);
    w->batches[w->batch_count++].fees = fee;
    return BS_OK;
}

static bs_status
check_doc(const bs_store_doc *doc, void *arg)
{
    bs_wdcheck *w = arg;
    bs_withdrawal d;
    char key[BS_KEY_BUF];
    wd_hold *h;
    int64_t amount = 0, total;
    size_t n;
    bs_status st = BS_OK;

    if (bs_withdrawal_decode(doc->value, doc->len, &d) != BS_OK) {
        find(w, false, "document \"%s\" is not a withdrawal", doc->key);
        return BS_OK;
    }
    bs_withdraw_key(&d, key);
    total = d.hold.amount + d.hold.fee;
    if (strcmp(key, doc->key) != 0)
        find(w, false, "withdrawal \"%s\" is stored under \"%s\"", key, doc->key);
    h = hold_of(w, d.account, d.hold.id);
    if (h != NULL)
        h->documented = true;
    n = match(w, d.account, d.hold.id, -1, &amount);
    if (n != 1 || amount != -total)
        find(w, false,
             "withdrawal %s of \"%s\": reserved %zu times (%lld sat), not once (-%lld sat)",
             d.hold.id, d.account, n, (long long)amount, (long long)total);
    switch (d.state) {
    case BS_WD_REQUESTED:
        if (d.reissued > 0 && h == NULL) { /* paid once by a transaction given up */
            st = add_batch_fee(w, d.fee_batch, d.hold.fee);
            w->sums->paid += total;
        } else if (h == NULL || d.reissued > 0) {
            find(w, false, "withdrawal %s of \"%s\" waits to be paid but holds no money", d.hold.id,
                 d.account);
        }
        break;
    case BS_WD_REFUSED:
        n = match(w, d.account, d.hold.id, 1, &amount);
        if (h != NULL && n == 0)
            find(w, true,
                 "withdrawal %s of \"%s\" was refused and is not refunded yet (bitslot "
                 "withdrawals process finishes it)",
                 d.hold.id, d.account);
        else if (h != NULL || n != 1 || amount != total)
            find(w, false, "withdrawal %s of \"%s\" was refused and refunded %zu times (%lld sat)",
                 d.hold.id, d.account, n, (long long)amount);
        break;
    default: /* paid */
        st = add_batch_fee(w, d.fee_batch, d.hold.fee);
        if (h != NULL)
            find(w, true,
                 "withdrawal %s of \"%s\" is paid by %s but still held on the account "
                 "(bitslot withdrawals process finishes it)",
                 d.hold.id, d.account, d.txid);
        else
            w->sums->paid += total;
        break;
    }
    bs_withdrawal_release(&d);
    return st;
}

bs_status
bs_wdcheck_finish(bs_wdcheck *w, bs_ctx *ctx, int64_t out_total, bs_wdcheck_say say, void *arg,
                  bs_wdcheck_sums *sums)
{
    bs_status st;

    memset(sums, 0, sizeof(*sums));
    w->say = say;
    w->arg = arg;
    w->sums = sums;
    st = bs_docs_each(ctx, BS_PREFIX_WITHDRAWALS, check_doc, w);
    if (st != BS_OK)
        return st;
    for (size_t i = 0; i < w->hold_count; i++) {
        sums->reserved += w->holds[i].hold.amount + w->holds[i].hold.fee;
        if (!w->holds[i].documented) {
            int64_t amount = 0;

            find(w, true,
                 "withdrawal %s of \"%s\" is reserved but not yet recorded (bitslot "
                 "recover finishes it)",
                 w->holds[i].hold.id, w->holds[i].account);
            (void)match(w, w->holds[i].account, w->holds[i].hold.id, -1, &amount);
        }
    }
    for (size_t i = 0; i < w->batch_count; i++) {
        int64_t amount = 0;
        size_t n = match(w, ctx->operator_name, w->batches[i].batch, 1, &amount);

        if (w->batches[i].fees == 0 && n == 0)
            continue;
        if (n == 0)
            find(w, true,
                 "the fees of payout batch %s are not credited to the operator yet "
                 "(bitslot withdrawals process finishes it)",
                 w->batches[i].batch);
        else if (n != 1 || amount != w->batches[i].fees)
            find(w, false,
                 "the fees of payout batch %s (%lld sat) were credited %zu times "
                 "(%lld sat)",
                 w->batches[i].batch, (long long)w->batches[i].fees, n, (long long)amount);
        else
            sums->fees += amount;
    }
    for (size_t i = 0; i < w->entry_count; i++)
        if (!w->entries[i].matched)
            find(w, false,
                 "account \"%s\": a withdrawal entry of %lld sat names %s, no "
                 "withdrawal or payout of it",
                 w->entries[i].account, (long long)w->entries[i].amount, w->entries[i].request);
    if (out_total != sums->reserved + sums->paid - sums->fees)
        find(w, false,
             "money: withdrawals %lld != reserved %lld + paid %lld - fees to the "
             "operator %lld",
             (long long)out_total, (long long)sums->reserved, (long long)sums->paid,
             (long long)sums->fees);
    return st;
}
