/*
 * payout_follow.c — see payout_follow.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/spend.h"
#include "core/docs.h"
#include "core/payout_follow.h"
#include "core/payout_step.h"
#include "core/withdraw.h"
#include "util/failpoint.h"
#include "util/log.h"

typedef struct follow_state {
    bs_ctx *ctx;
    bs_payout_report *report;
    const char *only;              /* follow only this txid (NULL: every one) */
    char (*seen)[BS_TXID_LEN + 1]; /* txids handled in this run */
    size_t seen_count, seen_cap;
    bool unsent; /* a recorded transaction the node did not take */
} follow_state;

static bool
seen_before(follow_state *f, const char *txid)
{
    for (size_t i = 0; i < f->seen_count; i++)
        if (strcmp(f->seen[i], txid) == 0)
            return true;
    if (f->seen_count == f->seen_cap) {
        size_t cap = f->seen_cap == 0 ? 8 : 2 * f->seen_cap;
        void *grown = realloc(f->seen, cap * sizeof(*f->seen));

        if (grown == NULL)
            return false;
        f->seen = grown;
        f->seen_cap = cap;
    }
    memcpy(f->seen[f->seen_count++], txid, BS_TXID_LEN + 1);
    return false;
}

/* Call fn on every request paid by txid (signed or broadcast). */
typedef bs_status (*paid_fn)(follow_state *f, const bs_withdrawal *w, void *arg);

static bs_status
each_paid_by(follow_state *f, const char *txid, paid_fn fn, void *arg)
{
    const bs_wd_state states[] = {BS_WD_SIGNED, BS_WD_BROADCAST};
    bs_status st = BS_OK;

    for (size_t k = 0; st == BS_OK && k < 2; k++) {
        bs_withdrawal *list;
        size_t count;

        st = bs_withdraw_list(f->ctx, NULL, &states[k], &list, &count);
        if (st != BS_OK)
            break;
        for (size_t i = 0; st == BS_OK && i < count; i++)
            if (strcmp(list[i].txid, txid) == 0)
                st = fn(f, &list[i], arg);
        bs_withdraw_list_free(list, count);
    }
    return st;
}

typedef struct depth {
    bs_wd_state to;
    int64_t confirmations;
} depth;

/* One request of a transaction the node has: broadcast, or confirmed. */
static bs_status
move_one(follow_state *f, const bs_withdrawal *w, void *arg)
{
    const depth *d = arg;
    bs_payout_step s = {w->state, d->to, NULL, NULL, d->confirmations, 0, false};
    bs_status st;

    if (w->state == d->to && d->to != BS_WD_BROADCAST)
        return BS_OK;
    st = bs_payout_move(f->ctx, w->account, w->hold.id, &s);
    if (st == BS_OK && s.done && d->to == BS_WD_CONFIRMED)
        f->report->confirmed++;
    return st;
}

/* Every request paid by txid to `to`, `confirmations` deep. */
static bs_status
move_all(follow_state *f, const char *txid, bs_wd_state to, int64_t confirmations)
{
    depth d = {to, confirmations};

    return each_paid_by(f, txid, move_one, &d);
}

/* A transaction whose coins another spent: first noted (spent_at, the
 * height), then, BS_PAYOUT_DEAD_DEPTH blocks later, given up: its requests
 * go back to requested, their money still out of their accounts and their
 * fees still the operator's, to be paid by a new transaction. */
typedef struct spent {
    const char *txid;
    int64_t height;
    bool reissue;
    int64_t now;
} spent;

static bs_status
edit_spent(void *doc, void *arg, bool *write)
{
    bs_withdrawal *w = doc;
    const spent *s = arg;

    if ((w->state != BS_WD_SIGNED && w->state != BS_WD_BROADCAST) ||
        strcmp(w->txid, s->txid) != 0 || (!s->reissue && w->spent_at != 0)) {
        *write = false;
        return BS_OK;
    }
    if (!s->reissue) {
        w->spent_at = s->height;
        return BS_OK;
    }
    w->state = BS_WD_REQUESTED;
    w->updated = s->now;
    w->reissued++;
    memcpy(w->dead_txid, w->txid, sizeof(w->dead_txid));
    w->batch[0] = '\0';
    w->txid[0] = '\0';
    free(w->hex);
    w->hex = NULL;
    w->confirmations = 0;
    w->spent_at = 0;
    return BS_OK;
}

static bs_status
spent_one(follow_state *f, const bs_withdrawal *w, void *arg)
{
    char key[BS_KEY_BUF];

    bs_withdraw_key(w, key);
    return bs_docs_update(f->ctx, key, &bs_withdrawal_doc, edit_spent, arg, NULL);
}

/* The node says the coins of w's transaction are spent (-25). */
static bs_status
coins_spent(follow_state *f, const bs_withdrawal *w, const bs_rpc_error *why)
{
    spent s = {w->txid, 0, false, bs_ctx_now(f->ctx)};
    bs_rpc_error err = {0};
    bs_status st = bs_rpc_getblockcount(f->ctx->payout, &s.height, &err);

    if (st != BS_OK)
        return bs_ctx_node_failed(st, &err, "getblockcount", w->txid);
    s.reissue = w->spent_at > 0 && s.height - w->spent_at >= BS_PAYOUT_DEAD_DEPTH;
    if (s.reissue)
        bs_log_error("payout: transaction %s can never confirm (%s since block %lld): its "
                     "requests will be paid by a new one",
                     w->txid, why->message, (long long)w->spent_at);
    else
        bs_log_error("payout: the node will not take transaction %s: %s; if its coins stay "
                     "spent by another for %d blocks, its requests are paid by a new one",
                     w->txid, why->message, BS_PAYOUT_DEAD_DEPTH);
    f->report->stuck += !s.reissue;
    f->report->reissued += s.reissue;
    return each_paid_by(f, w->txid, spent_one, &s);
}

static bs_status
follow_one(follow_state *f, const bs_withdrawal *w)
{
    bs_ctx *ctx = f->ctx;
    int64_t deep = ctx->confirmations > 1 ? ctx->confirmations : 1, confirmations = 0;
    bs_rpc_error err = {0};
    bs_status st;

    if (seen_before(f, w->txid))
        return BS_OK;
    st = bs_spend_confirmations(ctx->payout, w->txid, &confirmations, &err);
    if (st != BS_OK && st != BS_NOTFOUND)
        return bs_ctx_node_failed(st, &err, "gettransaction", w->txid);
    if (confirmations < 0) {
        bs_log_error("payout: transaction %s conflicts with one in the chain", w->txid);
        f->report->stuck++;
        return BS_OK;
    }
    if (confirmations > 0)
        return move_all(f, w->txid, confirmations >= deep ? BS_WD_CONFIRMED : BS_WD_BROADCAST,
                        confirmations);
    /* In the mempool or dropped from it: the same transaction again. */
    st = bs_spend_broadcast(ctx->payout, w->hex, &err);
    if (st == BS_REMOTE && err.code == BS_RPC_ERR_VERIFY)
        return coins_spent(f, w, &err);
    if (st == BS_REMOTE) {
        bs_log_error("payout: the node will not take transaction %s: %s", w->txid, err.message);
        f->report->stuck++;
        f->unsent |= w->state == BS_WD_SIGNED;
        return BS_OK;
    }
    if (st != BS_OK)
        return bs_ctx_node_failed(st, &err, "sendrawtransaction", w->txid);
    bs_failpoint(BS_FP_PAYOUT_BROADCAST);
    if (w->state == BS_WD_SIGNED)
        f->report->broadcast++;
    return move_all(f, w->txid, BS_WD_BROADCAST, 0);
}

static bs_status
follow_doc(const bs_store_doc *doc, void *arg)
{
    follow_state *f = arg;
    bs_withdrawal w;
    bs_status st = bs_withdrawal_decode(doc->value, doc->len, &w);

    if (st != BS_OK)
        return st;
    if ((w.state == BS_WD_SIGNED || w.state == BS_WD_BROADCAST) &&
        (f->only == NULL || strcmp(w.txid, f->only) == 0))
        st = follow_one(f, &w);
    bs_withdrawal_release(&w);
    return st;
}

bs_status
bs_payout_follow(bs_ctx *ctx, bs_payout_report *report, const char *only, bool *unsent)
{
    follow_state f = {ctx, report, only, NULL, 0, 0, false};
    bs_status st = bs_docs_each(ctx, BS_PREFIX_WITHDRAWALS, follow_doc, &f);

    free(f.seen);
    *unsent = f.unsent;
    return st;
}
